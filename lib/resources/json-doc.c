/* A read-only JSON tree built from yajl's callbacks (json-doc.h). Why yajl and not json-glib's
 * JsonParser: json-glib's parser spent ~46k instructions on a 90-byte limits document plus ~12k
 * freeing its GObject tree, most of a limits write through the mount; yajl's callbacks cost ~5k
 * and this tree lives in one arena freed at once. Why not json-c: it exports three symbols of
 * the same names as json-glib's (json_object_get_type, json_object_equal,
 * json_object_iter_next), which libcgfs also links, and its tree costs ~18k. */
#include "config-internal.h"

#include <string.h>

#include <yajl/yajl_parse.h>

#include "json-doc.h"

/* Deeper than the resources codec lets through (64); yajl itself has no limit. */
#define MAX_DEPTH 128
/* From this many members on, an object finds a repeated key through a hash table. */
#define HASHED_MEMBERS 8
/* The arena's first block lives in the document: a limits document (~300 bytes of nodes and
 * keys, ~420 of yajl's own: yajl_arena_malloc) needs no other, and the document stays under
 * glibc's 1032-byte limit for the per-thread cache (a larger malloc cost the daemon ~4k
 * instructions). */
#define FIRST_BLOCK 960
#define BLOCK 4096

struct CgfsJsonDoc {
  const CgfsJsonNode *root;
  char *at;      /* the arena: the free part of its newest block */
  gsize left;
  GSList *blocks; /* blocks beyond the first */
  union {
    char bytes[FIRST_BLOCK];
    gint64 align;
  } first;
};

static gpointer arena_alloc(CgfsJsonDoc *d, gsize size)
{
  size = (size + 7) & ~(gsize)7;
  if (size > d->left) {
    gsize block = MAX(size, BLOCK);
    d->blocks = g_slist_prepend(d->blocks, g_malloc(block));
    d->at = d->blocks->data;
    d->left = block;
  }
  gpointer p = d->at;
  d->at += size;
  d->left -= size;
  return p;
}

/* yajl's own allocations (its handle, lexer, buffers and stack, ~420 bytes for a limits
 * document) come from the arena too, freed with the document: its five mallocs and frees cost
 * ~800 instructions per parse. Each keeps its size before it, for realloc, which copies (yajl grows
 * only its stack of open containers and the buffer of an escaped string, so what a copy leaves
 * behind is bounded by the document). */
static void *yajl_arena_malloc(void *ctx, size_t size)
{
  gsize *p = arena_alloc(ctx, sizeof(gsize) + size);
  *p = size;
  return p + 1;
}

static void *yajl_arena_realloc(void *ctx, void *old, size_t size)
{
  gsize old_size = old ? ((gsize *)old)[-1] : 0;
  if (old && size <= old_size)
    return old;
  void *p = yajl_arena_malloc(ctx, size);
  if (old)
    memcpy(p, old, old_size);
  return p;
}

static void yajl_arena_free(void *ctx, void *p)
{
  /* freed with the document */
}

static const char *arena_strndup(CgfsJsonDoc *d, const unsigned char *s, gsize len)
{
  char *copy = arena_alloc(d, len + 1);
  memcpy(copy, s, len);
  copy[len] = '\0';
  return copy;
}

/* ---- building, one yajl callback at a time ---- */

typedef struct {
  CgfsJsonNode *node;  /* the open object or array */
  CgfsJsonNode *last;  /* its last member or element */
  GHashTable *members; /* an object's members by key, once it has HASHED_MEMBERS */
} Open;

typedef struct {
  CgfsJsonDoc *doc;
  yajl_handle yajl;
  gsize root_end; /* the offset just after the root value */
  Open open[MAX_DEPTH];
  guint depth;
  const char *key; /* the key of the member whose value comes next */
  gboolean too_deep;
} Builder;

static CgfsJsonNode *new_node(Builder *b, CgfsJsonType type)
{
  CgfsJsonNode *n = arena_alloc(b->doc, sizeof *n);
  memset(n, 0, sizeof *n);
  n->type = type;
  if (b->depth > 0 && b->open[b->depth - 1].node->type == CGFS_JSON_OBJECT)
    n->key = b->key;
  return n;
}

static CgfsJsonNode *find_member(Open *o, const char *key)
{
  if (o->members)
    return g_hash_table_lookup(o->members, key);
  for (CgfsJsonNode *m = o->node->first; m; m = m->next)
    if (strcmp(m->key, key) == 0)
      return m;
  return NULL;
}

/* @n is complete: it becomes the root, the next element, or a member. A key given again keeps
 * its first place and takes the new value, as json-glib's JsonObject does. */
static void add(Builder *b, CgfsJsonNode *n)
{
  if (b->depth == 0) {
    b->doc->root = n;
    b->root_end = yajl_get_bytes_consumed(b->yajl);
    return;
  }
  Open *o = &b->open[b->depth - 1];
  gboolean object = o->node->type == CGFS_JSON_OBJECT;
  if (object) {
    CgfsJsonNode *same = find_member(o, n->key);
    if (same) {
      CgfsJsonNode *next = same->next;
      *same = *n;
      same->next = next;
      return;
    }
  }
  if (o->last)
    o->last->next = n;
  else
    o->node->first = n;
  o->last = n;
  o->node->n++;
  if (!object)
    return;
  if (o->members) {
    g_hash_table_insert(o->members, (gpointer)n->key, n);
  } else if (o->node->n == HASHED_MEMBERS) {
    o->members = g_hash_table_new(g_str_hash, g_str_equal);
    for (CgfsJsonNode *m = o->node->first; m; m = m->next)
      g_hash_table_insert(o->members, (gpointer)m->key, m);
  }
}

static int on_null(void *ctx)
{
  add(ctx, new_node(ctx, CGFS_JSON_NULL));
  return 1;
}

static int on_boolean(void *ctx, int value)
{
  CgfsJsonNode *n = new_node(ctx, CGFS_JSON_BOOLEAN);
  n->boolean = value != 0;
  add(ctx, n);
  return 1;
}

/* yajl hands over the literal: an integer keeps its value if it fits in 64 bits, else its
 * text; the value of a number with a fraction or an exponent is never needed. */
static gboolean is_integer_literal(const char *literal, gsize len)
{
  return !memchr(literal, '.', len) && !memchr(literal, 'e', len) && !memchr(literal, 'E', len);
}

/* Whether the integer literal (yajl's: -?(0|[1-9][0-9]*)) fits in 64 bits. */
static gboolean literal_to_int64(const char *literal, gsize len, gint64 *value)
{
  gboolean minus = literal[0] == '-';
  if (len - minus <= 18) { /* always fits: the common case, without strtoll */
    gint64 v = 0;
    for (gsize i = minus; i < len; i++)
      v = v * 10 + (literal[i] - '0');
    *value = minus ? -v : v;
    return TRUE;
  }
  char buf[24];
  if (len >= sizeof buf) /* no leading zeros: longer literals never fit */
    return FALSE;
  memcpy(buf, literal, len);
  buf[len] = '\0';
  return g_ascii_string_to_signed(buf, 10, G_MININT64, G_MAXINT64, value, NULL);
}

static int on_number(void *ctx, const char *literal, size_t len)
{
  Builder *b = ctx;
  gint64 value;
  CgfsJsonNode *n;
  if (!is_integer_literal(literal, len)) {
    n = new_node(b, CGFS_JSON_DOUBLE);
  } else if (literal_to_int64(literal, len, &value)) {
    n = new_node(b, CGFS_JSON_INT);
    n->integer = value;
  } else {
    n = new_node(b, CGFS_JSON_BIG_INT);
    n->text = arena_strndup(b->doc, (const unsigned char *)literal, len);
  }
  add(b, n);
  return 1;
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
  Builder *b = ctx;
  CgfsJsonNode *n = new_node(b, CGFS_JSON_STRING);
  n->text = arena_strndup(b->doc, s, len);
  add(b, n);
  return 1;
}

static int on_key(void *ctx, const unsigned char *s, size_t len)
{
  Builder *b = ctx;
  b->key = arena_strndup(b->doc, s, len);
  return 1;
}

static int open_container(Builder *b, CgfsJsonType type)
{
  if (b->depth == MAX_DEPTH) {
    b->too_deep = TRUE;
    return 0;
  }
  CgfsJsonNode *n = new_node(b, type);
  b->open[b->depth++] = (Open){ n, NULL, NULL };
  return 1;
}

static int close_container(void *ctx)
{
  Builder *b = ctx;
  Open *o = &b->open[--b->depth];
  g_clear_pointer(&o->members, g_hash_table_unref);
  add(b, o->node);
  return 1;
}

static int on_start_map(void *ctx)
{
  return open_container(ctx, CGFS_JSON_OBJECT);
}

static int on_start_array(void *ctx)
{
  return open_container(ctx, CGFS_JSON_ARRAY);
}

static const yajl_callbacks callbacks = {
  .yajl_null = on_null,
  .yajl_boolean = on_boolean,
  .yajl_number = on_number, /* so yajl_integer and yajl_double are never called */
  .yajl_string = on_string,
  .yajl_start_map = on_start_map,
  .yajl_map_key = on_key,
  .yajl_end_map = close_container,
  .yajl_start_array = on_start_array,
  .yajl_end_array = close_container,
};

/* ---- what yajl would read otherwise than RFC 8259 and json-glib ---- */

static gboolean is_white_space(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static gboolean only_white_space(const char *text, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (!is_white_space(text[i]))
      return FALSE;
  return TRUE;
}

/* yajl takes \v and \f as white space; JSON does not (and in strings they are control
 * characters, which must be escaped). */
static gboolean find_vt_ff(const char *text, gsize len, gsize *at)
{
  for (gsize i = 0; i < len; i++)
    if (text[i] == '\v' || text[i] == '\f') {
      *at = i;
      return TRUE;
    }
  return FALSE;
}

static int hex_value(const char *s)
{
  int v = 0;
  for (int i = 0; i < 4; i++) {
    int d = g_ascii_xdigit_value(s[i]);
    if (d < 0)
      return -1;
    v = v * 16 + d;
  }
  return v;
}

/* A \uD800-\uDBFF escape not followed by a \uDC00-\uDFFF one: yajl would give '?' for it and
 * drop the character after it (and read past a string that ends there). Rewritten as a lone low
 * surrogate, \uDC00, which yajl decodes to the three bytes of its UTF-8 form, as json-glib
 * decoded a lone surrogate: not valid UTF-8, which the caller refuses where it reads the string.
 * Returns a rewritten copy, or NULL when there is nothing to rewrite (nearly always). */
static char *rewrite_lone_surrogates(const char *text, gsize len)
{
  if (!memchr(text, '\\', len))
    return NULL;
  char *copy = NULL;
  gboolean in_string = FALSE;
  for (gsize i = 0; i < len; i++) {
    if (!in_string) {
      in_string = text[i] == '"';
      continue;
    }
    if (text[i] == '"') {
      in_string = FALSE;
      continue;
    }
    if (text[i] != '\\' || i + 1 >= len)
      continue;
    i++; /* the escaped character */
    if (text[i] != 'u' || i + 4 >= len)
      continue;
    int unit = hex_value(text + i + 1);
    if (unit < 0xD800 || unit > 0xDBFF)
      continue;
    gboolean paired = i + 10 < len && text[i + 5] == '\\' && text[i + 6] == 'u' &&
                      hex_value(text + i + 7) >= 0xDC00 && hex_value(text + i + 7) <= 0xDFFF;
    if (paired) {
      i += 10; /* past the low half */
      continue;
    }
    if (!copy)
      copy = g_memdup2(text, len);
    memcpy(copy + i + 1, "dc00", 4);
  }
  return copy;
}

/* ---- the document ---- */

static char *yajl_reason(yajl_handle h, const char *text, gsize len)
{
  unsigned char *raw = yajl_get_error(h, 0, (const unsigned char *)text, len);
  const char *why = (const char *)raw;
  const char *colon = strstr(why, "error: ");
  if (colon)
    why = colon + strlen("error: ");
  char *out = g_strchomp(g_strdup(why));
  yajl_free_error(h, raw);
  return out;
}

CgfsJsonDoc *cgfs_json_doc_parse(const char *text, gsize len, gsize *error_at, char **why)
{
  g_autoptr(CgfsJsonDoc) doc = g_new(CgfsJsonDoc, 1);
  doc->root = NULL;
  doc->at = doc->first.bytes;
  doc->left = sizeof doc->first.bytes;
  doc->blocks = NULL;
  if (only_white_space(text, len))
    return g_steal_pointer(&doc);
  if (find_vt_ff(text, len, error_at)) {
    *why = g_strdup_printf("a byte 0x%02x, which is not JSON white space", text[*error_at]);
    return NULL;
  }
  g_autofree char *rewritten = rewrite_lone_surrogates(text, len);
  if (rewritten)
    text = rewritten;
  Builder b = { .doc = doc };
  yajl_alloc_funcs arena = { yajl_arena_malloc, yajl_arena_realloc, yajl_arena_free, doc };
  yajl_handle h = yajl_alloc(&callbacks, &arena, &b);
  b.yajl = h;
  yajl_config(h, yajl_dont_validate_strings, 1); /* the caller checks UTF-8, naming the field */
  yajl_status st = yajl_parse(h, (const unsigned char *)text, len);
  /* yajl has consumed the token where it stopped */
  *error_at = MAX(yajl_get_bytes_consumed(h), 1) - 1;
  if (st == yajl_status_ok && !doc->root) {
    /* a number ending the text ends in yajl_complete_parse, whose offsets are not the text's */
    st = yajl_complete_parse(h);
    b.root_end = len;
    *error_at = len;
  }
  if (st != yajl_status_ok) {
    *why = b.too_deep ? g_strdup("nested deeper than " G_STRINGIFY(MAX_DEPTH) " levels")
                      : yajl_reason(h, text, len);
    while (*error_at < len && is_white_space(text[*error_at]))
      (*error_at)++; /* to what yajl found there */
  }
  yajl_free(h);
  for (guint i = 0; i < b.depth; i++) /* left open by an error */
    g_clear_pointer(&b.open[i].members, g_hash_table_unref);
  if (st != yajl_status_ok)
    return NULL;
  if (!only_white_space(text + b.root_end, len - b.root_end)) {
    /* yajl misses trailing garbage that it reads as the start of a token ("{} \"a", "{} t") */
    *error_at = b.root_end;
    while (is_white_space(text[*error_at]))
      (*error_at)++;
    *why = g_strdup("trailing garbage");
    return NULL;
  }
  return g_steal_pointer(&doc);
}

void cgfs_json_doc_free(CgfsJsonDoc *doc)
{
  if (!doc)
    return;
  g_slist_free_full(doc->blocks, g_free);
  g_free(doc);
}

const CgfsJsonNode *cgfs_json_doc_root(const CgfsJsonDoc *doc)
{
  return doc->root;
}

const CgfsJsonNode *cgfs_json_member(const CgfsJsonNode *o, const char *key)
{
  for (const CgfsJsonNode *m = o->first; m; m = m->next)
    if (strcmp(m->key, key) == 0)
      return m;
  return NULL;
}
