/* libFuzzer target: the discovery parsers (lib/core/system.c) on any text: /proc/self/mountinfo,
 * /proc/self/cgroup and mountinfo's octal escapes. The first byte picks the parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "system-private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  char *text = g_strndup((const char *)data + 1, size - 1);
  GError *error = NULL;
  GArray *out = NULL;
  switch (data[0] % 3) {
  case 0:
    out = cgfs_parse_mountinfo(text, data[0] & 0x80 ? "/tmp/fake" : "", &error);
    break;
  case 1:
    out = cgfs_parse_proc_cgroup(text, &error);
    break;
  default:
    g_free(cgfs_mountinfo_unescape(text));
    g_free(text);
    return 0;
  }
  if (out)
    g_array_unref(out);
  else if (!error || error->domain != CGFS_ERROR || error->code <= 0 || !*error->message)
    abort();
  g_clear_error(&error);
  g_free(text);
  return 0;
}
