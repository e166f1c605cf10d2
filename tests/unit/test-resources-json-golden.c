/* The differential test of the resources.json parser: cgfs_resources_from_json over every input
 * of resources-json.golden.gz, each result compared with the one recorded there (the printed
 * CgfsResources, or the errno and the message).
 *
 * The golden results were recorded with the json-glib parser (main at 5310d6f), before the
 * parse moved to yajl, over ~6800 inputs: the corpus suite's, the fuzz seeds, every document
 * the unit, fuzz, corpus and integration suites passed to the parser, and documents generated
 * and mutated from them (resources-json-inputs.py). Rules:
 * - an input the mount delivers (fs/write-buffer.c's checker takes it as one document) must give
 *   exactly the recorded result;
 * - an input the mount never delivers (not JSON by RFC 8259: comments, single quotes, hex
 *   numbers...) must give the recorded result or an EINVAL "resources: invalid JSON at line L,
 *   column C: ..." (json-glib took some such inputs, and worded its syntax errors its own way);
 * - the exceptions listed in docs/errors.md, each counted by its own rule below.
 *
 *   unit-resources-json-golden GOLDEN            compare (exit 1 on any difference)
 *   unit-resources-json-golden --write IN OUT    record the current parser's results of IN's
 *                                                inputs (one escaped input per line) to OUT */
#include <stdio.h>
#include <string.h>

#include <gio/gio.h>

#include "resources-private.h"
#include "write-buffer.h"

/* Bytes outside printable ASCII as \xNN, a backslash as two: one line per record. */
static void escape_into(GString *out, const char *s, gsize len)
{
  for (gsize i = 0; i < len; i++) {
    guchar c = (guchar)s[i];
    if (c == '\\')
      g_string_append(out, "\\\\");
    else if (c >= 0x20 && c < 0x7f)
      g_string_append_c(out, (char)c);
    else
      g_string_append_printf(out, "\\x%02x", c);
  }
}

static GByteArray *unescape(const char *s, gsize len)
{
  GByteArray *out = g_byte_array_sized_new((guint)len);
  for (gsize i = 0; i < len; i++) {
    guint8 c = (guint8)s[i];
    if (c == '\\' && i + 1 < len && s[i + 1] == '\\') {
      i++;
    } else if (c == '\\' && i + 3 < len && s[i + 1] == 'x') {
      char hex[3] = { s[i + 2], s[i + 3], 0 };
      c = (guint8)strtoul(hex, NULL, 16);
      i += 3;
    }
    g_byte_array_append(out, &c, 1);
  }
  return out;
}

/* "ok <printed document, without its line breaks and indentation>" or "err <errno> <message>". */
static char *result_of(const GByteArray *input)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CgfsResources) r =
    cgfs_resources_from_json((const char *)input->data, (gssize)input->len, &error);
  GString *out = g_string_new(NULL);
  if (!r) {
    g_string_append_printf(out, "err %d ", error->code);
    escape_into(out, error->message, strlen(error->message));
    return g_string_free(out, FALSE);
  }
  g_autofree char *printed = cgfs_resources_to_json(r, NULL);
  g_autoptr(GString) compact = g_string_new(NULL);
  for (const char *p = printed; *p; p++) {
    if (*p != '\n') {
      g_string_append_c(compact, *p);
      continue;
    }
    while (p[1] == ' ')
      p++; /* the printer escapes line breaks in strings: these are its own */
  }
  g_string_append(out, "ok ");
  escape_into(out, compact->str, compact->len);
  return g_string_free(out, FALSE);
}

/* Whether the mount can hand this input to the library: fs/write-buffer.c's checker, fed the
 * whole input, completes exactly one document and refuses nothing. */
static gboolean mount_delivers(const GByteArray *input)
{
  g_autoptr(FsWriteBuffer) b = fs_write_buffer_new(FS_WRITE_JSON);
  g_autoptr(GPtrArray) units = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL; /* the buffer needs somewhere to put it */
  if (input->len > FS_JSON_MAX ||
      !fs_write_buffer_feed(b, (const char *)input->data, input->len, units, &error) ||
      !fs_write_buffer_flush(b, units, &error))
    return FALSE;
  return units->len == 1;
}

static GDataInputStream *open_lines(const char *path, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path(path);
  g_autoptr(GInputStream) in = G_INPUT_STREAM(g_file_read(file, NULL, error));
  if (!in)
    return NULL;
  if (!g_str_has_suffix(path, ".gz"))
    return g_data_input_stream_new(in);
  g_autoptr(GZlibDecompressor) gz = g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr(GInputStream) plain = g_converter_input_stream_new(in, G_CONVERTER(gz));
  return g_data_input_stream_new(plain);
}

static int record(const char *in_path, const char *out_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) in = open_lines(in_path, &error);
  FILE *out = fopen(out_path, "we");
  if (!in || !out) {
    fprintf(stderr, "%s\n", error ? error->message : g_strerror(errno));
    return 1;
  }
  gsize len;
  char *line;
  while ((line = g_data_input_stream_read_line(in, &len, NULL, &error))) {
    g_autoptr(GByteArray) input = unescape(line, len);
    g_autofree char *result = result_of(input);
    fprintf(out, "%s\t%s\n", line, result);
    g_free(line);
  }
  return fclose(out) == 0 && !error ? 0 : 1;
}

#define SYNTAX_ERROR "err 22 resources: invalid JSON at line "
#define JSON_GLIB_SYNTAX_ERROR "err 22 resources: invalid JSON: <data>:"

static int hex4(const guint8 *s)
{
  int v = 0;
  for (int i = 0; i < 4; i++) {
    int d = g_ascii_xdigit_value((char)s[i]);
    if (d < 0)
      return -1;
    v = v * 16 + d;
  }
  return v;
}

/* A \u escape of half a UTF-16 surrogate pair without its other half. json-glib's scanner
 * mishandled them (it swallowed the character after one: "\ud800" became "unterminated string
 * constant", "\ud800\u0041" "malformed surrogate pair"); where it did not, it gave the bytes
 * that the field then refused as "not valid UTF-8". The yajl parse gives the latter always. */
static gboolean has_lone_surrogate(const GByteArray *in)
{
  for (guint i = 0; i + 5 < in->len; i++) {
    if (in->data[i] != '\\')
      continue;
    if (in->data[i + 1] != 'u') {
      i++; /* an escaped character: not the start of an escape */
      continue;
    }
    int unit = hex4(in->data + i + 2);
    if (unit >= 0xDC00 && unit <= 0xDFFF)
      return TRUE;
    if (unit < 0xD800 || unit > 0xDBFF)
      continue;
    if (i + 11 >= in->len || in->data[i + 6] != '\\' || in->data[i + 7] != 'u' ||
        hex4(in->data + i + 8) < 0xDC00 || hex4(in->data + i + 8) > 0xDFFF)
      return TRUE;
    i += 11;
  }
  return FALSE;
}

/* The json-glib parser rewrote integers beyond 64 bits into strings starting with this mark (as
 * the JSON text "\u0001cgfs-int:"), so a string of the user's that started with it was taken
 * for a number. */
static gboolean has_big_int_mark(const GByteArray *in)
{
  g_autofree char *text = g_ascii_strdown((const char *)in->data, in->len);
  return g_strstr_len(text, in->len, "\\u0001cgfs-int:") != NULL;
}

typedef struct {
  guint equal, syntax_not_delivered, was_taken, lone_surrogate, big_int_mark, failed;
} Counts;

static void compare(const char *escaped, gsize len, const char *want, Counts *n)
{
  g_autoptr(GByteArray) input = unescape(escaped, len);
  g_autofree char *got = result_of(input);
  if (strcmp(got, want) == 0) {
    n->equal++;
    return;
  }
  if (!mount_delivers(input) && g_str_has_prefix(got, SYNTAX_ERROR)) {
    n->syntax_not_delivered++;
    n->was_taken += g_str_has_prefix(want, "ok ");
    return;
  }
  if (has_lone_surrogate(input) && g_str_has_prefix(want, JSON_GLIB_SYNTAX_ERROR) &&
      (g_str_has_prefix(got, "ok ") || g_str_has_prefix(got, "err 22 "))) {
    n->lone_surrogate++;
    return;
  }
  if (has_big_int_mark(input)) {
    n->big_int_mark++;
    return;
  }
  n->failed++;
  if (n->failed <= 50)
    printf("DIFFERENT: %.*s\n  mount delivers: %s\n  want %s\n  got  %s\n", (int)MIN(len, 400),
           escaped, mount_delivers(input) ? "yes" : "no", want, got);
}

static int check(const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) in = open_lines(path, &error);
  if (!in) {
    fprintf(stderr, "%s\n", error->message);
    return 1;
  }
  Counts n = { 0 };
  gsize len;
  char *line;
  while ((line = g_data_input_stream_read_line(in, &len, NULL, &error))) {
    const char *tab = strchr(line, '\t');
    if (!tab) {
      fprintf(stderr, "%s: a line without a result\n", path);
      return 1;
    }
    compare(line, (gsize)(tab - line), tab + 1, &n);
    g_free(line);
  }
  if (error) {
    fprintf(stderr, "%s: %s\n", path, error->message);
    return 1;
  }
  guint total = n.equal + n.syntax_not_delivered + n.lone_surrogate + n.big_int_mark + n.failed;
  printf("%u inputs: %u equal; different, as docs/errors.md says: %u refused as invalid JSON "
         "that the mount never delivers (%u of them json-glib took), %u with a lone surrogate "
         "that json-glib refused as invalid JSON, %u with a string of json-glib's big-integer "
         "mark\n",
         total, n.equal, n.syntax_not_delivered, n.was_taken, n.lone_surrogate, n.big_int_mark);
  printf("%u passed, %u failed\n", total - n.failed, n.failed);
  return n.failed == 0 && total > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
  if (argc == 4 && strcmp(argv[1], "--write") == 0)
    return record(argv[2], argv[3]);
  if (argc != 2) {
    fprintf(stderr, "usage: %s GOLDEN | --write INPUTS OUT\n", argv[0]);
    return 2;
  }
  return check(argv[1]);
}
