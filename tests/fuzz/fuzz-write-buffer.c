/* libFuzzer target: the daemon's write assembly (fs/write-buffer.c): the word nodes' tokenizer
 * and the JSON document checker, fed in pieces. The first byte picks the kind and the size of
 * the pieces; the rest is what a writer sends. Refused input is EINVAL or EFBIG with a message;
 * a word is never empty, longer than FS_TOKEN_MAX or holds white space or control bytes; a
 * document starts with '{' and ends with '}'. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cgfs/error.h>

#include "write-buffer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_unit(FsWriteKind kind, const char *u)
{
  gsize n = strlen(u);
  if (kind == FS_WRITE_TOKENS) {
    if (n == 0 || n > FS_TOKEN_MAX)
      abort();
    for (const char *c = u; *c; c++)
      if ((guchar)*c <= 0x20 || *c == 0x7f)
        abort();
    return;
  }
  const char *start = u + strspn(u, " \t\r\n");
  if (*start != '{' || u[n - 1] != '}')
    abort();
}

static void check_refusal(GError *error)
{
  if (!error || error->domain != CGFS_ERROR || !*error->message ||
      (error->code != EINVAL && error->code != EFBIG && error->code != ESRCH))
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  FsWriteKind kind = data[0] & 1 ? FS_WRITE_JSON : FS_WRITE_TOKENS;
  gsize piece = (data[0] >> 1) + 1; /* 1..128 bytes a write */
  gboolean hold = (data[0] & 0x80) != 0;
  FsWriteBuffer *b = fs_write_buffer_new(kind);
  GPtrArray *units = g_ptr_array_new_with_free_func(g_free);
  for (size_t off = 1; off < size; off += piece) {
    gsize n = MIN(piece, size - off);
    GError *error = NULL;
    g_ptr_array_set_size(units, 0);
    if (!fs_write_buffer_feed(b, (const char *)data + off, n, units, &error)) {
      check_refusal(error);
      g_error_free(error);
      continue;
    }
    for (guint i = 0; i < units->len; i++)
      check_unit(kind, units->pdata[i]);
    const char *partial = fs_write_buffer_partial(b);
    if (kind == FS_WRITE_TOKENS && partial && *partial && hold) {
      fs_write_buffer_hold(b, units); /* as the daemon does for a write ending inside a word */
      continue;
    }
    fs_write_buffer_take_held(b, units);
    if (units->len > 0 && data[off] == '!') { /* sometimes the node refuses what came */
      GError *why = g_error_new(CGFS_ERROR, ERANGE, "refused");
      fs_write_buffer_refuse(b, why);
      g_error_free(why);
    }
  }
  GError *error = NULL;
  g_ptr_array_set_size(units, 0);
  if (fs_write_buffer_flush(b, units, &error)) {
    for (guint i = 0; i < units->len; i++)
      check_unit(kind, units->pdata[i]);
  } else {
    check_refusal(error);
    g_error_free(error);
  }
  if (fs_write_buffer_unfinished(b) && kind == FS_WRITE_TOKENS)
    abort();
  g_ptr_array_unref(units);
  fs_write_buffer_free(b);
  return 0;
}
