/* libFuzzer target: cgfs_resources_from_json on any bytes. A document it accepts must print,
 * parse again and print the same; nothing may crash, leak or read out of bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resources-private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  GError *error = NULL;
  CgfsResources *r = cgfs_resources_from_json((const char *)data, (gssize)size, &error);
  if (!r) {
    /* every refusal is a CGFS_ERROR with an errno and a message */
    if (!error || error->domain != CGFS_ERROR || error->code <= 0 || !*error->message)
      abort();
    g_error_free(error);
    return 0;
  }
  if (!cgfs_resources_validate(r, "", NULL))
    abort();
  gsize len;
  char *once = cgfs_resources_to_json(r, &len);
  if (strlen(once) != len)
    abort();
  CgfsResources *again = cgfs_resources_from_json(once, -1, &error);
  if (!again)
    abort();
  char *twice = cgfs_resources_to_json(again, NULL);
  if (strcmp(once, twice) != 0)
    abort();
  g_free(once);
  g_free(twice);
  cgfs_resources_free(r);
  cgfs_resources_free(again);
  return 0;
}
