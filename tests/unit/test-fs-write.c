/* Assembling writes into words and JSON documents (fs/write-buffer.c). */
#include <errno.h>
#include <string.h>

#include <cgfs/error.h>

#include "write-buffer.h"
#include "unit-common.h"

/* Feed @chunks one write() each; the units that came out, joined with '|'. */
static char *feed_all(FsWriteBuffer *b, const char *const *chunks, GError **error)
{
  g_autoptr(GPtrArray) units = g_ptr_array_new_with_free_func(g_free);
  for (const char *const *c = chunks; *c; c++)
    if (!fs_write_buffer_feed(b, *c, strlen(*c), units, error))
      return NULL;
  g_ptr_array_add(units, NULL);
  return g_strjoinv("|", (char **)units->pdata);
}

static char *flush_all(FsWriteBuffer *b, GError **error)
{
  g_autoptr(GPtrArray) units = g_ptr_array_new_with_free_func(g_free);
  if (!fs_write_buffer_flush(b, units, error))
    return NULL;
  g_ptr_array_add(units, NULL);
  return g_strjoinv("|", (char **)units->pdata);
}

#define CHUNKS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_tokens(void **state)
{
  g_autoptr(FsWriteBuffer) b = fs_write_buffer_new(FS_WRITE_TOKENS);
  GError *error = NULL;
  g_autofree char *a = feed_all(b, CHUNKS("12 3"), &error);
  assert_string_equal(a, "12");
  g_autofree char *c = feed_all(b, CHUNKS("4\n\t  56\t7 ", "\n"), &error);
  assert_string_equal(c, "34|56|7");
  g_autofree char *d = flush_all(b, &error);
  assert_string_equal(d, "");
  assert_no_gerror(error);
}

static void test_token_at_close(void **state)
{
  g_autoptr(FsWriteBuffer) b = fs_write_buffer_new(FS_WRITE_TOKENS);
  GError *error = NULL;
  g_autofree char *a = feed_all(b, CHUNKS("fro", "zen"), &error);
  assert_string_equal(a, "");
  g_autofree char *d = flush_all(b, &error);
  assert_string_equal(d, "frozen");
  g_autofree char *again = flush_all(b, &error);
  assert_string_equal(again, "");
  assert_no_gerror(error);
}

static void test_token_too_long(void **state)
{
  g_autoptr(FsWriteBuffer) b = fs_write_buffer_new(FS_WRITE_TOKENS);
  g_autofree char *big = g_strnfill(FS_TOKEN_MAX + 1, '7');
  GError *error = NULL;
  g_autofree char *a = feed_all(b, CHUNKS(big), &error);
  assert_null(a);
  assert_gerror(error, EINVAL, "longer than");
  g_clear_error(&error);
  /* the rest of the refused word, in the next write, is not a word of its own */
  g_autofree char *rest = feed_all(b, CHUNKS("24492 "), &error);
  assert_no_gerror(error);
  assert_string_equal(rest, "");
  g_autofree char *next = feed_all(b, CHUNKS("1 "), &error);
  assert_string_equal(next, "1");
}

static void test_token_control_byte(void **state)
{
  g_autoptr(FsWriteBuffer) b = fs_write_buffer_new(FS_WRITE_TOKENS);
  GError *error = NULL;
  static const char nul_inside[] = "24492\0garbage\n";
  GPtrArray *units = g_ptr_array_new_with_free_func(g_free);
  assert_false(fs_write_buffer_feed(b, nul_inside, sizeof nul_inside - 1, units, &error));
  assert_gerror(error, EINVAL, "byte 0x00 in a word");
  g_clear_error(&error);
  assert_int_equal(units->len, 0);
  g_ptr_array_unref(units);
  g_autofree char *next = feed_all(b, CHUNKS("7\n"), &error);
  assert_string_equal(next, "7");
}

static void test_json_one_write(void **state)
{
  g_autoptr(FsWriteBuffer) b = fs_write_buffer_new(FS_WRITE_JSON);
  GError *error = NULL;
  g_autofree char *a = feed_all(b, CHUNKS("{\"memory\": {\"limit\": 1048576}}\n"), &error);
  assert_no_gerror(error);
  assert_string_equal(a, "{\"memory\": {\"limit\": 1048576}}");
  g_autofree char *d = flush_all(b, &error);
  assert_string_equal(d, "");
  assert_no_gerror(error);
}

/* A document over several writes, white space before it, inside it and after it: the unit is
 * the text from its first byte to its last brace, exactly (the buffer takes runs of bytes). */
static void test_json_runs(void **state)
{
  g_autoptr(FsWriteBuffer) b = fs_write_buffer_new(FS_WRITE_JSON);
  GError *error = NULL;
  g_autofree char *a = feed_all(b, CHUNKS(" \n{\"a\":", "", " [1,\n", "2]", "}", " \n\t", "\n"),
                                &error);
  assert_no_gerror(error);
  assert_string_equal(a, " \n{\"a\": [1,\n2]}");
  assert_int_equal(fs_write_buffer_held(b), 0);
  g_autofree char *d = flush_all(b, &error);
  assert_string_equal(d, "");
  assert_no_gerror(error);
}

/* Byte by byte: the document comes out with its last brace, not before. */
static void test_json_byte_by_byte(void **state)
{
  const char *doc = "{\"a\": \"}{\\\"\\\\\", \"b\": [1, -2.5e+3, {\"c\": null}], \"d\": true,"
                    " \"e\": false, \"f\": \"\\u00e9t\\u00C9\", \"g\": 0}";
  g_autoptr(FsWriteBuffer) b = fs_write_buffer_new(FS_WRITE_JSON);
  g_autoptr(GPtrArray) units = g_ptr_array_new_with_free_func(g_free);
  GError *error = NULL;
  gsize len = strlen(doc);
  for (gsize i = 0; i < len; i++) {
    assert_true(fs_write_buffer_feed(b, doc + i, 1, units, &error));
    assert_int_equal(units->len, i + 1 == len ? 1 : 0);
  }
  assert_string_equal(units->pdata[0], doc);
  assert_no_gerror(error);
}

static void json_fails(const char *const *chunks, int code, const char *needle)
{
  g_autoptr(FsWriteBuffer) b = fs_write_buffer_new(FS_WRITE_JSON);
  GError *error = NULL;
  g_autofree char *a = feed_all(b, chunks, &error);
  if (a)
    fail_msg("accepted, gave '%s'; wanted '%s'", a, needle);
  assert_gerror(error, code, needle);
  g_clear_error(&error);
  /* The document is lost: later writes fail too, close() reports nothing new. */
  g_autofree char *more = feed_all(b, CHUNKS("}"), &error);
  assert_null(more);
  assert_gerror(error, code, "discarded");
  g_clear_error(&error);
  g_autofree char *d = flush_all(b, &error);
  assert_string_equal(d, "");
  assert_no_gerror(error);
}

static void test_json_malformed(void **state)
{
  json_fails(CHUNKS("{bad json}"), EINVAL, "line 1, column 2: unexpected 'b', expected a string key");
  json_fails(CHUNKS("{\n  \"a\": x}"), EINVAL, "line 2, column 8: unexpected 'x'");
  json_fails(CHUNKS("[1, 2]"), EINVAL, "expected a JSON object");
  json_fails(CHUNKS("5"), EINVAL, "expected a JSON object");
  json_fails(CHUNKS("{\"a\": 1}", " {\"b\": 2}"), EINVAL, "only one JSON document");
  json_fails(CHUNKS("{\"a\": 01}"), EINVAL, "expected ','");
  json_fails(CHUNKS("{\"a\": -}"), EINVAL, "malformed number");
  json_fails(CHUNKS("{\"a\": 1.}"), EINVAL, "malformed number");
  json_fails(CHUNKS("{\"a\": tru}"), EINVAL, "expected true, false or null");
  json_fails(CHUNKS("{\"a\": \"\\x\"}"), EINVAL, "invalid escape");
  json_fails(CHUNKS("{\"a\": \"\\u12g4\"}"), EINVAL, "4 hex digits");
  json_fails(CHUNKS("{\"a\": \"tab\there\"}"), EINVAL, "control characters");
  json_fails(CHUNKS("{\"a\": [1}"), EINVAL, "does not close");
  json_fails(CHUNKS("{\"a\" 1}"), EINVAL, "expected ':'");
  json_fails(CHUNKS("{\"a\": 1,}"), EINVAL, "expected a string key");
  json_fails(CHUNKS("{\"a\": [1,]}"), EINVAL, "expected a value");
  json_fails(CHUNKS("{\"a\": 1 2}"), EINVAL, "expected ','");
}

/* Where an error is, after runs of a string's characters, digits and white space (which the
 * checker takes as runs, not byte by byte): the same line and column whether the document comes
 * in one write, byte by byte, or cut inside the runs. */
static void test_json_positions(void **state)
{
  static const struct {
    const char *doc, *where;
  } cases[] = {
    { "{\"abc def\": 12345 x}", "line 1, column 19: unexpected 'x'" },
    { "{\"abc\": \"tab\there\"}", "line 1, column 13: unexpected byte 0x09" },
    { "{\n  \"k\":   1.5e10  ,\r\n  \"m\" 2}", "line 3, column 7: unexpected '2'" },
    { "{\"a\": 10.25 \t .}", "line 1, column 15: unexpected '.'" },
    { "{\"a\": -0012}", "line 1, column 9: unexpected '0'" },
    { "{\"\u00e9t\u00e9\": 1}  \n {", "line 2, column 2: unexpected '{'" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    const char *doc = cases[i].doc;
    gsize len = strlen(doc);
    json_fails(CHUNKS(doc), EINVAL, cases[i].where);
    for (gsize cut = 1; cut < len; cut++) {
      g_autofree char *head = g_strndup(doc, cut);
      json_fails(CHUNKS(head, doc + cut), EINVAL, cases[i].where);
    }
    g_autoptr(GPtrArray) bytes = g_ptr_array_new_with_free_func(g_free);
    for (gsize k = 0; k < len; k++)
      g_ptr_array_add(bytes, g_strndup(doc + k, 1));
    g_ptr_array_add(bytes, NULL);
    json_fails((const char *const *)bytes->pdata, EINVAL, cases[i].where);
  }
  /* a complete document: the unit is the document, without the white space after it */
  g_autoptr(FsWriteBuffer) b = fs_write_buffer_new(FS_WRITE_JSON);
  GError *error = NULL;
  g_autofree char *a = feed_all(b, CHUNKS("  {\"s\": \"x y\", \"n\": 123}  \t "), &error);
  assert_no_gerror(error);
  assert_string_equal(a, "  {\"s\": \"x y\", \"n\": 123}");
}

static void test_json_too_deep(void **state)
{
  g_autoptr(GString) doc = g_string_new("{\"a\": ");
  for (int i = 0; i < 200; i++)
    g_string_append_c(doc, '[');
  json_fails(CHUNKS(doc->str), EINVAL, "nest too deeply");
}

static void test_json_too_large(void **state)
{
  g_autoptr(FsWriteBuffer) b = fs_write_buffer_new(FS_WRITE_JSON);
  g_autofree char *filler = g_strnfill(FS_JSON_MAX / 2, ' ');
  GError *error = NULL;
  g_autofree char *a = feed_all(b, CHUNKS("{\"a\": ", filler, filler), &error);
  assert_null(a);
  assert_gerror(error, EFBIG, "larger than");
  g_clear_error(&error);
}

static void test_json_unfinished(void **state)
{
  g_autoptr(FsWriteBuffer) b = fs_write_buffer_new(FS_WRITE_JSON);
  GError *error = NULL;
  g_autofree char *a = feed_all(b, CHUNKS("{\"a\": [1, 2", "\n"), &error);
  assert_string_equal(a, "");
  g_autofree char *d = flush_all(b, &error);
  assert_null(d);
  assert_gerror(error, EINVAL, "ends before its closing '}'");
  g_clear_error(&error);
  /* a dup of the fd writing the rest: not a new document starting mid-text */
  g_autofree char *rest = feed_all(b, CHUNKS("{\"limit\": 77}]}"), &error);
  assert_null(rest);
  assert_gerror(error, EINVAL, "the document was discarded");
  g_clear_error(&error);
}

static void test_json_nothing(void **state)
{
  g_autoptr(FsWriteBuffer) b = fs_write_buffer_new(FS_WRITE_JSON);
  GError *error = NULL;
  g_autofree char *d0 = flush_all(b, &error); /* the shell's close() before echo writes */
  g_autofree char *a = feed_all(b, CHUNKS(" \n\t"), &error);
  g_autofree char *d = flush_all(b, &error);
  assert_no_gerror(error);
  assert_string_equal(d0, "");
  assert_string_equal(a, "");
  assert_string_equal(d, "");
}

/* The word a write leaves unfinished is shown for checking; a refusal drops it and its rest. */
static void test_token_partial_refused(void **state)
{
  g_autoptr(FsWriteBuffer) b = fs_write_buffer_new(FS_WRITE_TOKENS);
  GError *error = NULL;
  g_autofree char *a = feed_all(b, CHUNKS("12 ab"), &error);
  assert_string_equal(a, "12");
  assert_string_equal(fs_write_buffer_partial(b), "ab");
  assert_true(fs_write_buffer_unfinished(b));
  GError *why = g_error_new(CGFS_ERROR, EINVAL, "refused");
  fs_write_buffer_refuse(b, why);
  g_error_free(why);
  assert_string_equal(fs_write_buffer_partial(b), "");
  assert_false(fs_write_buffer_unfinished(b));
  g_autofree char *rest = feed_all(b, CHUNKS("c 7 8"), &error);
  assert_string_equal(rest, "7");
  g_autofree char *d = flush_all(b, &error);
  assert_string_equal(d, "8");
  assert_no_gerror(error);
}

/* Words of a write that ended inside a word are held, and come out before the next ones. */
static void test_token_hold(void **state)
{
  g_autoptr(FsWriteBuffer) b = fs_write_buffer_new(FS_WRITE_TOKENS);
  g_autoptr(GPtrArray) units = g_ptr_array_new_with_free_func(g_free);
  GError *error = NULL;
  assert_true(fs_write_buffer_feed(b, "1 2 3", 5, units, &error));
  assert_int_equal(units->len, 2);
  fs_write_buffer_hold(b, units);
  assert_int_equal(units->len, 0);
  assert_true(fs_write_buffer_unfinished(b));
  assert_int_equal(fs_write_buffer_held(b), 1 + 4);
  g_autofree char *d = flush_all(b, &error);
  assert_string_equal(d, "1|2|3");
  assert_false(fs_write_buffer_unfinished(b));
  /* refused: the held words go too */
  assert_true(fs_write_buffer_feed(b, "4 5", 3, units, &error));
  fs_write_buffer_hold(b, units);
  GError *why = g_error_new(CGFS_ERROR, ESRCH, "refused");
  fs_write_buffer_refuse(b, why);
  g_error_free(why);
  g_autofree char *rest = feed_all(b, CHUNKS("6 7\n"), &error);
  assert_string_equal(rest, "7");
  assert_no_gerror(error);
}

/* A complete document refused by the library: every later write gets its error (CPython retries
 * its buffer at close()), close() reports nothing new. */
static void test_json_refused_repeats(void **state)
{
  g_autoptr(FsWriteBuffer) b = fs_write_buffer_new(FS_WRITE_JSON);
  GError *error = NULL;
  const char *doc = "{\"pids\": {\"limit\": -5}}";
  g_autofree char *a = feed_all(b, CHUNKS(doc), &error);
  assert_string_equal(a, doc);
  assert_false(fs_write_buffer_unfinished(b));
  GError *why = g_error_new(CGFS_ERROR, ERANGE, "pids.limit: -5 is out of range");
  fs_write_buffer_refuse(b, why);
  g_error_free(why);
  assert_int_equal(fs_write_buffer_error(b)->code, ERANGE);
  g_autofree char *again = feed_all(b, CHUNKS(doc), &error);
  assert_null(again);
  assert_gerror(error, ERANGE, "pids.limit");
  g_clear_error(&error);
  g_autofree char *d = flush_all(b, &error);
  assert_string_equal(d, "");
  assert_no_gerror(error);
}

/* Unfinished: a started document or word, not white space alone. */
static void test_unfinished(void **state)
{
  g_autoptr(FsWriteBuffer) j = fs_write_buffer_new(FS_WRITE_JSON);
  GError *error = NULL;
  g_autofree char *a = feed_all(j, CHUNKS(" \n"), &error);
  assert_string_equal(a, "");
  assert_false(fs_write_buffer_unfinished(j));
  g_autofree char *b = feed_all(j, CHUNKS("{\"pids\": "), &error);
  assert_string_equal(b, "");
  assert_true(fs_write_buffer_unfinished(j));
  g_autofree char *c = feed_all(j, CHUNKS("{}}"), &error);
  assert_string_equal(c, " \n{\"pids\": {}}");
  assert_false(fs_write_buffer_unfinished(j));
  assert_no_gerror(error);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_tokens),
    cmocka_unit_test(test_token_at_close),
    cmocka_unit_test(test_token_too_long),
    cmocka_unit_test(test_token_control_byte),
    cmocka_unit_test(test_json_one_write),
    cmocka_unit_test(test_json_byte_by_byte),
    cmocka_unit_test(test_json_runs),
    cmocka_unit_test(test_json_malformed),
    cmocka_unit_test(test_json_positions),
    cmocka_unit_test(test_json_too_deep),
    cmocka_unit_test(test_json_too_large),
    cmocka_unit_test(test_json_unfinished),
    cmocka_unit_test(test_json_nothing),
    cmocka_unit_test(test_token_partial_refused),
    cmocka_unit_test(test_token_hold),
    cmocka_unit_test(test_json_refused_repeats),
    cmocka_unit_test(test_unfinished),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
