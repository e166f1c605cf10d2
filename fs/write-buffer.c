#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <cgfs/error.h>

#include "write-buffer.h"

/* How deep objects and arrays may nest before the document is refused. */
#define JSON_MAX_DEPTH 128

typedef enum {
  EXPECT_VALUE,
  EXPECT_VALUE_OR_CLOSE, /* after '[' */
  EXPECT_KEY_OR_CLOSE,   /* after '{' */
  EXPECT_KEY,            /* after ',' in an object */
  EXPECT_COLON,
  EXPECT_COMMA_OR_CLOSE,
  EXPECT_NOTHING, /* the document is complete: only white space may follow */
} JsonExpect;

typedef enum {
  LEX_NONE,
  LEX_STRING,
  LEX_ESCAPE,
  LEX_UNICODE,
  LEX_NUMBER,
  LEX_LITERAL,
} JsonLex;

/* Number states; the ones marked (end) may be followed by a delimiter. */
typedef enum {
  NUM_MINUS,
  NUM_ZERO,      /* (end) */
  NUM_INT,       /* (end) */
  NUM_DOT,
  NUM_FRAC,      /* (end) */
  NUM_E,
  NUM_EXP_SIGN,
  NUM_EXP,       /* (end) */
} JsonNumber;

/* A JSON syntax checker fed one byte at a time: it knows when the top-level object ends and
 * where the first error is, without building anything. Values are checked by the library's
 * parser later. */
typedef struct {
  char stack[JSON_MAX_DEPTH]; /* '{' or '[' */
  guint depth;
  JsonExpect expect;
  JsonLex lex;
  JsonNumber num;
  guint unicode_left;
  const char *literal; /* the rest of "true", "false" or "null" still expected */
  gboolean in_key;
  guint line, column;
} JsonChecker;

struct _FsWriteBuffer {
  FsWriteKind kind;
  GString *pending; /* the unfinished token or document (JSON: NULL until a document spans
                     * writes; one that comes whole in a write() never needs it) */
  JsonChecker json;
  GError *failed; /* JSON: the error that ended this document */
  gboolean skipping; /* tokens: the rest of a refused word, up to the next white space */
  GPtrArray *held;   /* tokens: words of writes that ended inside a word, not applied yet
                      * (NULL until there are any: a JSON document never has) */
};

static void checker_reset(JsonChecker *c)
{
  memset(c, 0, sizeof *c);
  c->expect = EXPECT_VALUE;
  c->line = 1;
}

FsWriteBuffer *fs_write_buffer_new(FsWriteKind kind)
{
  FsWriteBuffer *b = g_new0(FsWriteBuffer, 1);
  b->kind = kind;
  b->pending = kind == FS_WRITE_TOKENS ? g_string_new(NULL) : NULL;
  checker_reset(&b->json);
  return b;
}

void fs_write_buffer_free(FsWriteBuffer *b)
{
  if (!b)
    return;
  if (b->pending)
    g_string_free(b->pending, TRUE);
  if (b->held)
    g_ptr_array_unref(b->held);
  g_clear_error(&b->failed);
  g_free(b);
}

gsize fs_write_buffer_held(const FsWriteBuffer *b)
{
  if (!b)
    return 0;
  gsize n = b->pending ? b->pending->len : 0;
  for (guint i = 0; b->held && i < b->held->len; i++)
    n += strlen(b->held->pdata[i]) + 1;
  return n;
}

void fs_write_buffer_hold(FsWriteBuffer *b, GPtrArray *units)
{
  if (!b->held)
    b->held = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < units->len; i++)
    g_ptr_array_add(b->held, g_steal_pointer(&units->pdata[i]));
  g_ptr_array_set_size(units, 0);
}

void fs_write_buffer_take_held(FsWriteBuffer *b, GPtrArray *units)
{
  if (!b->held)
    return;
  for (guint i = 0; i < b->held->len; i++)
    g_ptr_array_insert(units, (gint)i, g_steal_pointer(&b->held->pdata[i]));
  g_ptr_array_set_size(b->held, 0);
}

static gboolean is_space(char ch)
{
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* ---- tokens ---- */

static gboolean is_separator(char ch)
{
  return is_space(ch) || ch == '\v' || ch == '\f';
}

static gboolean refuse_write(FsWriteBuffer *b, const char *data, gsize len, GError **error,
                             const char *fmt, ...) G_GNUC_PRINTF(5, 6);

/* A bad word fails the whole write, which changes nothing; if the write ends inside a word,
 * the rest of that word, in the next write, is dropped too, so that no part of it is ever taken
 * for a word of its own. */
static gboolean refuse_write(FsWriteBuffer *b, const char *data, gsize len, GError **error,
                             const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *why = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(error, CGFS_ERROR, EINVAL, "invalid input: %s", why);
  g_string_truncate(b->pending, 0);
  if (b->held)
    g_ptr_array_set_size(b->held, 0);
  b->skipping = !is_separator(data[len - 1]);
  return FALSE;
}

static gboolean feed_tokens(FsWriteBuffer *b, const char *data, gsize len, GPtrArray *units,
                            GError **error)
{
  for (gsize i = 0; i < len; i++) {
    guchar ch = (guchar)data[i];
    if (is_separator((char)ch)) {
      if (b->pending->len > 0)
        g_ptr_array_add(units, g_strndup(b->pending->str, b->pending->len));
      g_string_truncate(b->pending, 0);
      b->skipping = FALSE;
      continue;
    }
    if (b->skipping)
      continue;
    if (ch < 0x20 || ch == 0x7f)
      return refuse_write(b, data, len, error, "byte 0x%02x in a word", ch);
    if (b->pending->len >= FS_TOKEN_MAX)
      return refuse_write(b, data, len, error, "a word longer than %d bytes ('%.16s...')",
                          FS_TOKEN_MAX, b->pending->str);
    g_string_append_c(b->pending, (char)ch);
  }
  return TRUE;
}

/* ---- JSON ---- */

static gboolean json_fail(JsonChecker *c, char ch, const char *why, GError **error)
{
  if ((guchar)ch >= 0x20 && (guchar)ch < 0x7f)
    g_set_error(error, CGFS_ERROR, EINVAL, "invalid JSON at line %u, column %u: unexpected '%c', %s",
                c->line, c->column, ch, why);
  else
    g_set_error(error, CGFS_ERROR, EINVAL, "invalid JSON at line %u, column %u: unexpected byte 0x%02x, %s",
                c->line, c->column, (guchar)ch, why);
  return FALSE;
}

/* A value (or key) just ended. */
static void value_done(JsonChecker *c)
{
  if (c->in_key) {
    c->in_key = FALSE;
    c->expect = EXPECT_COLON;
  } else {
    c->expect = c->depth == 0 ? EXPECT_NOTHING : EXPECT_COMMA_OR_CLOSE;
  }
}

static gboolean open_container(JsonChecker *c, char ch, GError **error)
{
  if (c->depth == JSON_MAX_DEPTH)
    return json_fail(c, ch, "objects and arrays nest too deeply", error);
  c->stack[c->depth++] = ch;
  c->expect = ch == '{' ? EXPECT_KEY_OR_CLOSE : EXPECT_VALUE_OR_CLOSE;
  return TRUE;
}

static gboolean close_container(JsonChecker *c, char ch, GError **error)
{
  char open = ch == '}' ? '{' : '[';
  if (c->depth == 0 || c->stack[c->depth - 1] != open)
    return json_fail(c, ch, "it does not close the innermost object or array", error);
  c->depth--;
  value_done(c);
  return TRUE;
}

static gboolean begin_value(JsonChecker *c, char ch, GError **error)
{
  if (c->depth == 0 && ch != '{')
    return json_fail(c, ch, "expected a JSON object '{'", error);
  switch (ch) {
  case '{':
  case '[':
    return open_container(c, ch, error);
  case '"':
    c->lex = LEX_STRING;
    return TRUE;
  case 't':
    c->literal = "rue";
    break;
  case 'f':
    c->literal = "alse";
    break;
  case 'n':
    c->literal = "ull";
    break;
  case '-':
    c->lex = LEX_NUMBER;
    c->num = NUM_MINUS;
    return TRUE;
  default:
    if (ch >= '0' && ch <= '9') {
      c->lex = LEX_NUMBER;
      c->num = ch == '0' ? NUM_ZERO : NUM_INT;
      return TRUE;
    }
    return json_fail(c, ch, "expected a value", error);
  }
  c->lex = LEX_LITERAL;
  return TRUE;
}

/* The next number state after @ch, or -1 when @ch cannot continue the number. */
static int number_next(JsonNumber st, char ch)
{
  gboolean digit = ch >= '0' && ch <= '9';
  switch (st) {
  case NUM_MINUS:
    return ch == '0' ? NUM_ZERO : digit ? NUM_INT : -1;
  case NUM_ZERO:
    return ch == '.' ? NUM_DOT : (ch == 'e' || ch == 'E') ? NUM_E : -1;
  case NUM_INT:
    return digit ? NUM_INT : ch == '.' ? NUM_DOT : (ch == 'e' || ch == 'E') ? NUM_E : -1;
  case NUM_DOT:
  case NUM_FRAC:
    return digit ? NUM_FRAC : (st == NUM_FRAC && (ch == 'e' || ch == 'E')) ? NUM_E : -1;
  case NUM_E:
    return (ch == '+' || ch == '-') ? NUM_EXP_SIGN : digit ? NUM_EXP : -1;
  case NUM_EXP_SIGN:
  case NUM_EXP:
    return digit ? NUM_EXP : -1;
  }
  return -1;
}

static gboolean number_complete(JsonNumber st)
{
  return st == NUM_ZERO || st == NUM_INT || st == NUM_FRAC || st == NUM_EXP;
}

/* @ch outside any string, number or literal. */
static gboolean structural(JsonChecker *c, char ch, GError **error)
{
  if (is_space(ch))
    return TRUE;
  switch (c->expect) {
  case EXPECT_VALUE_OR_CLOSE:
    if (ch == ']')
      return close_container(c, ch, error);
    G_GNUC_FALLTHROUGH;
  case EXPECT_VALUE:
    return begin_value(c, ch, error);
  case EXPECT_KEY_OR_CLOSE:
    if (ch == '}')
      return close_container(c, ch, error);
    G_GNUC_FALLTHROUGH;
  case EXPECT_KEY:
    if (ch != '"')
      return json_fail(c, ch, "expected a string key", error);
    c->lex = LEX_STRING;
    c->in_key = TRUE;
    return TRUE;
  case EXPECT_COLON:
    if (ch != ':')
      return json_fail(c, ch, "expected ':' after a key", error);
    c->expect = EXPECT_VALUE;
    return TRUE;
  case EXPECT_COMMA_OR_CLOSE:
    if (ch == ',') {
      c->expect = c->stack[c->depth - 1] == '{' ? EXPECT_KEY : EXPECT_VALUE;
      return TRUE;
    }
    if (ch == '}' || ch == ']')
      return close_container(c, ch, error);
    return json_fail(c, ch, "expected ',' or the end of the object or array", error);
  case EXPECT_NOTHING:
    return json_fail(c, ch, "only one JSON document can be written per open()", error);
  }
  return json_fail(c, ch, "internal error", error);
}

static gboolean in_string(JsonChecker *c, char ch, GError **error)
{
  switch (c->lex) {
  case LEX_STRING:
    if (ch == '"') {
      c->lex = LEX_NONE;
      value_done(c);
    } else if (ch == '\\') {
      c->lex = LEX_ESCAPE;
    } else if ((guchar)ch < 0x20) {
      return json_fail(c, ch, "control characters must be escaped in strings", error);
    }
    return TRUE;
  case LEX_ESCAPE:
    if (ch == 'u') {
      c->lex = LEX_UNICODE;
      c->unicode_left = 4;
    } else if (ch && strchr("\"\\/bfnrt", ch)) {
      c->lex = LEX_STRING;
    } else {
      return json_fail(c, ch, "invalid escape in a string", error);
    }
    return TRUE;
  default: /* LEX_UNICODE */
    if (!g_ascii_isxdigit(ch))
      return json_fail(c, ch, "expected 4 hex digits after \\u", error);
    if (--c->unicode_left == 0)
      c->lex = LEX_STRING;
    return TRUE;
  }
}

static gboolean checker_byte(JsonChecker *c, char ch, GError **error)
{
  switch (c->lex) {
  case LEX_STRING:
  case LEX_ESCAPE:
  case LEX_UNICODE:
    return in_string(c, ch, error);
  case LEX_LITERAL:
    if (ch != *c->literal)
      return json_fail(c, ch, "expected true, false or null", error);
    if (!*++c->literal) {
      c->lex = LEX_NONE;
      value_done(c);
    }
    return TRUE;
  case LEX_NUMBER: {
    int next = number_next(c->num, ch);
    if (next >= 0) {
      c->num = (JsonNumber)next;
      return TRUE;
    }
    if (!number_complete(c->num))
      return json_fail(c, ch, "malformed number", error);
    c->lex = LEX_NONE;
    value_done(c);
    return structural(c, ch, error);
  }
  case LEX_NONE:
    return structural(c, ch, error);
  }
  return FALSE;
}

/* How many of the @n bytes at @p change nothing but the column, from where the checker @c is:
 * a string's plain characters, the rest of a number's digits, spaces and tabs between tokens
 * of a document not complete yet. They are taken as a run, not one checker_byte() each (most
 * of a document). */
static gsize plain_run(const JsonChecker *c, const char *p, gsize n)
{
  gsize k = 0;
  switch (c->lex) {
  case LEX_STRING:
    while (k < n && p[k] != '"' && p[k] != '\\' && (guchar)p[k] >= 0x20)
      k++;
    break;
  case LEX_NUMBER: /* the states a digit keeps (number_next) */
    if (c->num == NUM_INT || c->num == NUM_FRAC || c->num == NUM_EXP)
      while (k < n && p[k] >= '0' && p[k] <= '9')
        k++;
    break;
  case LEX_NONE: /* not '\n', which counts lines; nor after the document (feed_json's from) */
    if (c->expect != EXPECT_NOTHING)
      while (k < n && (p[k] == ' ' || p[k] == '\t' || p[k] == '\r'))
        k++;
    break;
  default:
    break;
  }
  return k;
}

static gsize pending_len(const FsWriteBuffer *b)
{
  return b->pending ? b->pending->len : 0;
}

static gboolean feed_json(FsWriteBuffer *b, const char *data, gsize len, GPtrArray *units,
                          GError **error)
{
  if (b->failed) {
    g_set_error(error, CGFS_ERROR, b->failed->code, "%s (the document was discarded)",
                b->failed->message);
    return FALSE;
  }
  if (pending_len(b) + len > FS_JSON_MAX) {
    g_set_error(error, CGFS_ERROR, EFBIG, "JSON document larger than %u bytes", FS_JSON_MAX);
    b->failed = g_error_copy(*error);
    return FALSE;
  }
  JsonChecker *c = &b->json;
  gsize from = 0; /* data[from, i) is document text not yet in b->pending: appended in runs */
  for (gsize i = 0; i < len; i++) {
    gsize run = plain_run(c, data + i, len - i);
    c->column += run;
    i += run;
    if (i == len)
      break;
    char ch = data[i];
    gboolean was_done = c->expect == EXPECT_NOTHING;
    c->column++;
    if (!checker_byte(c, ch, error)) {
      b->failed = g_error_copy(*error);
      if (b->pending)
        g_string_truncate(b->pending, 0);
      return FALSE;
    }
    if (ch == '\n') {
      c->line++;
      c->column = 0;
    }
    if (was_done) {
      from = i + 1; /* white space after the document: not part of it */
      continue;
    }
    if (c->expect == EXPECT_NOTHING && pending_len(b) == 0) {
      /* the whole document came in this write: copied once */
      g_ptr_array_add(units, g_strndup(data + from, i + 1 - from));
      from = i + 1;
    } else if (c->expect == EXPECT_NOTHING) {
      g_string_append_len(b->pending, data + from, (gssize)(i + 1 - from));
      g_ptr_array_add(units, g_strndup(b->pending->str, b->pending->len));
      g_string_truncate(b->pending, 0);
      from = i + 1;
    }
  }
  if (len > from) {
    if (!b->pending)
      b->pending = g_string_new(NULL);
    g_string_append_len(b->pending, data + from, (gssize)(len - from));
  }
  return TRUE;
}

gboolean fs_write_buffer_feed(FsWriteBuffer *b, const char *data, gsize len, GPtrArray *units,
                              GError **error)
{
  if (b->kind == FS_WRITE_TOKENS)
    return feed_tokens(b, data, len, units, error);
  return feed_json(b, data, len, units, error);
}

const char *fs_write_buffer_partial(FsWriteBuffer *b)
{
  return b->kind == FS_WRITE_TOKENS ? b->pending->str : NULL;
}

void fs_write_buffer_refuse(FsWriteBuffer *b, const GError *error)
{
  if (b->kind == FS_WRITE_TOKENS) {
    b->skipping = b->skipping || b->pending->len > 0;
    g_string_truncate(b->pending, 0);
    if (b->held)
      g_ptr_array_set_size(b->held, 0);
    return;
  }
  if (!b->failed)
    b->failed = g_error_copy(error);
  if (b->pending)
    g_string_truncate(b->pending, 0);
}

const GError *fs_write_buffer_error(FsWriteBuffer *b)
{
  return b->failed;
}

static gboolean json_started(FsWriteBuffer *b)
{
  return b->json.depth > 0 || b->json.lex != LEX_NONE;
}

gboolean fs_write_buffer_unfinished(FsWriteBuffer *b)
{
  if (b->kind == FS_WRITE_TOKENS)
    return b->pending->len > 0 || (b->held && b->held->len > 0);
  return !b->failed && json_started(b);
}

gboolean fs_write_buffer_flush(FsWriteBuffer *b, GPtrArray *units, GError **error)
{
  if (b->kind == FS_WRITE_TOKENS) {
    fs_write_buffer_take_held(b, units);
    if (b->pending->len > 0)
      g_ptr_array_add(units, g_strndup(b->pending->str, b->pending->len));
    g_string_truncate(b->pending, 0);
    b->skipping = FALSE;
    return TRUE;
  }
  gboolean started = json_started(b);
  if (b->pending)
    g_string_truncate(b->pending, 0);
  if (b->failed || !started)
    return TRUE; /* the error went back with the write; or nothing but white space came */
  g_set_error(error, CGFS_ERROR, EINVAL,
              "invalid JSON at line %u, column %u: the document ends before its closing '}'",
              b->json.line, b->json.column);
  /* Another descriptor of this open file may still write: its rest of the document must fail
   * too, not start a new one mid-text. */
  b->failed = g_error_copy(*error);
  return FALSE;
}
