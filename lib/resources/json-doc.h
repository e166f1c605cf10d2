/* Internal: a read-only JSON document, parsed by yajl (Debian's libyajl) into a compact tree
 * that lives in one arena: the parse behind cgfs_resources_from_json. It keeps what the
 * resources codec needs and json-glib's JsonParser gave it before:
 * - an object's members in the order of their first appearance; a key given twice keeps its
 *   first place and its last value (as json_object_set_member does);
 * - an integer that does not fit in 64 bits keeps its literal (for an ERANGE that names it);
 * - strings as they decode, without a check of their UTF-8 (the codec names the field).
 * The text is RFC 8259 JSON: no comments, no single quotes, only space, tab, CR and LF between
 * tokens (yajl also takes \v and \f: refused here, as fs/write-buffer.c refuses them). */
#pragma once

#include "config-internal.h"

typedef enum {
  CGFS_JSON_NULL,
  CGFS_JSON_BOOLEAN,
  CGFS_JSON_INT,     /* fits in 64 bits: .integer */
  CGFS_JSON_BIG_INT, /* an integer literal beyond 64 bits: .text is the literal */
  CGFS_JSON_DOUBLE,  /* a number with a fraction or an exponent (its value is never needed) */
  CGFS_JSON_STRING,  /* .text, NUL-terminated (the caller refuses NULs before parsing) */
  CGFS_JSON_OBJECT,  /* .first: the first member, each with its .key */
  CGFS_JSON_ARRAY,   /* .first: the first element */
} CgfsJsonType;

typedef struct CgfsJsonNode CgfsJsonNode;
struct CgfsJsonNode {
  CgfsJsonType type;
  guint n;                   /* objects and arrays: members or elements */
  const char *key;           /* a member's key; NULL for elements and the root */
  CgfsJsonNode *next;        /* the next member or element */
  union {
    gboolean boolean;
    gint64 integer;
    const char *text;
    CgfsJsonNode *first;
  };
};

typedef struct CgfsJsonDoc CgfsJsonDoc;

/* Parse @len bytes of @text (no NUL in them). NULL on a syntax error, with the byte offset
 * where it was found in *@error_at and yajl's reason in *@why (owned by the caller). An input of
 * white space only is a document whose root is NULL. */
CgfsJsonDoc *cgfs_json_doc_parse(const char *text, gsize len, gsize *error_at, char **why);
void cgfs_json_doc_free(CgfsJsonDoc *doc);
/* NULL for an input of white space only. */
const CgfsJsonNode *cgfs_json_doc_root(const CgfsJsonDoc *doc);
/* The member @key of object @o, or NULL. */
const CgfsJsonNode *cgfs_json_member(const CgfsJsonNode *o, const char *key);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CgfsJsonDoc, cgfs_json_doc_free)
