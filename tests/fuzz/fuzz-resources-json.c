/* libFuzzer target: cgfs_resources_from_json on any bytes. A document it accepts must print,
 * parse again and print the same; nothing may crash, leak or read out of bounds. A document the
 * mount delivers (fs/write-buffer.c's checker takes it whole) is JSON to the library's parser
 * (json-doc.c, yajl) too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json-doc.h"
#include "resources-private.h"
#include "write-buffer.h"

static gboolean mount_delivers(const uint8_t *data, size_t size)
{
  FsWriteBuffer *b = fs_write_buffer_new(FS_WRITE_JSON);
  GPtrArray *units = g_ptr_array_new_with_free_func(g_free);
  GError *error = NULL;
  gboolean whole = size <= FS_JSON_MAX &&
                   fs_write_buffer_feed(b, (const char *)data, size, units, &error) &&
                   fs_write_buffer_flush(b, units, &error) && units->len == 1;
  g_clear_error(&error);
  g_ptr_array_unref(units);
  fs_write_buffer_free(b);
  return whole;
}

static void check_parses(const uint8_t *data, size_t size)
{
  gsize at;
  char *why = NULL;
  CgfsJsonDoc *doc = cgfs_json_doc_parse((const char *)data, size, &at, &why);
  if (!doc)
    abort(); /* the checker and yajl disagree on what is JSON */
  cgfs_json_doc_free(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (mount_delivers(data, size))
    check_parses(data, size);
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
