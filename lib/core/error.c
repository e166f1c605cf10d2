#include "config-internal.h"

#include <stdarg.h>

#include <cgfs/error.h>

G_DEFINE_QUARK(cgfs-error-quark, cgfs_error)

/* The length of the longest prefix of @s, at most @max bytes, that does not split a UTF-8
 * sequence. */
static gsize utf8_cut_before(const char *s, gsize max)
{
  while (max > 0 && ((guchar)s[max] & 0xc0) == 0x80)
    max--;
  return max;
}

char *cgfs_bounded_message(char *msg)
{
  gsize len = strlen(msg);
  if (len <= CGFS_MESSAGE_MAX)
    return msg;
  gsize keep = (CGFS_MESSAGE_MAX - 64) / 2;
  gsize head = utf8_cut_before(msg, keep);
  gsize tail = len - keep;
  while (tail < len && ((guchar)msg[tail] & 0xc0) == 0x80)
    tail++;
  char *out = g_strdup_printf("%.*s[... %" G_GSIZE_FORMAT " bytes ...]%s", (int)head, msg,
                              tail - head, msg + tail);
  g_free(msg);
  return out;
}

void cgfs_set_error_impl(GError **error, int code, const char *fmt, ...)
{
  if (!error)
    return;
  va_list ap;
  va_start(ap, fmt);
  char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  msg = cgfs_bounded_message(msg);
  g_set_error_literal(error, CGFS_ERROR, code, msg);
  g_free(msg);
}
