/* The JSON codec of CgfsResources (OCI linux.resources): strict parsing, naming the JSON path
 * of every error, and stable printing. The field tables are in resources-fields.c. */
#include "config-internal.h"

#include <stddef.h>

#include <json-glib/json-glib.h>

#include "convert.h"
#include "json-doc.h"
#include "resources-fields.h"

/* ---- parsing (the text by yajl: json-doc.c) ---- */

typedef const CgfsJsonNode Node;

static const char *kind_of(Node *n)
{
  switch (n->type) {
  case CGFS_JSON_OBJECT:
    return "an object";
  case CGFS_JSON_ARRAY:
    return "an array";
  case CGFS_JSON_NULL:
    return "null";
  case CGFS_JSON_STRING:
    return "a string";
  case CGFS_JSON_BOOLEAN:
    return "a boolean";
  case CGFS_JSON_INT:
  case CGFS_JSON_BIG_INT:
  case CGFS_JSON_DOUBLE:
  default:
    return "a number";
  }
}

static gboolean wrong_type(Node *n, const char *path, const char *wanted, GError **error)
{
  return cgfs_res_fail(error, EINVAL, "%s: expected %s, got %s", path, wanted, kind_of(n));
}

static gboolean read_int(Node *n, const char *path, const Field *f, gint64 *out, GError **error)
{
  if (n->type == CGFS_JSON_BIG_INT)
    return cgfs_res_fail(error, ERANGE,
                         "%s: %s is out of range %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT, path,
                         n->text, f->min, f->max);
  if (n->type != CGFS_JSON_INT)
    return wrong_type(n, path, "an integer", error);
  *out = n->integer;
  return cgfs_check_range(path, *out, f->min, f->max, f->type != T_I64, error);
}

static gboolean read_string(Node *n, const char *path, const char **out, GError **error)
{
  if (n->type != CGFS_JSON_STRING)
    return wrong_type(n, path, "a string", error);
  *out = n->text;
  return cgfs_check_utf8(path, *out, error);
}

static gboolean read_field(const Field *f, Node *n, const char *path, gpointer base,
                           GError **error)
{
  if (f->type == T_BOOL) {
    if (n->type != CGFS_JSON_BOOLEAN)
      return wrong_type(n, path, "true or false", error);
    cgfs_field_set_int(f, base, n->boolean);
  } else if (f->type == T_STR || f->type == T_CHARS) {
    const char *s = NULL;
    if (!read_string(n, path, &s, error))
      return FALSE;
    if (f->type == T_CHARS && strlen(s) >= f->size)
      return cgfs_res_fail(error, EINVAL, "%s: '%s' is longer than %zu bytes", path, s,
                           f->size - 1);
    if (f->check && !f->check(path, s, error))
      return FALSE;
    if (f->type == T_STR) {
      g_free(*AT(base, f->off, char *));
      *AT(base, f->off, char *) = g_strdup(s);
    } else {
      g_strlcpy(AT(base, f->off, char), s, f->size);
    }
  } else {
    gint64 v;
    if (!read_int(n, path, f, &v, error))
      return FALSE;
    cgfs_field_set_int(f, base, v);
  }
  if (f->has != NO_FLAG)
    *AT(base, f->has, gboolean) = TRUE;
  return TRUE;
}

/* A member that is not a plain field: handled by the caller's callback. */
typedef gboolean (*MemberHook)(const char *key, Node *n, const char *path, gpointer base,
                               gpointer data, GError **error);

static gboolean require_object(Node *n, const char *path, GError **error)
{
  return n->type == CGFS_JSON_OBJECT || wrong_type(n, path, "an object", error);
}

/* Whether @hook handles @key: it refuses a null value of a key it knows with an error (a wrong
 * type), and answers FALSE without one for a key it does not know. */
static gboolean knows_key(MemberHook hook, const char *key, Node *null_value, const char *path,
                          gpointer base, gpointer data)
{
  g_autoptr(GError) local = NULL;
  return hook(key, null_value, path, base, data, &local) || local;
}

/* @path + "." + @key (@key alone at the top) in @buf when it fits, else in a new string put in
 * *@heap: every member's path is made, and nearly all are used for nothing but a message. */
static const char *member_path(char *buf, gsize size, const char *path, const char *key,
                               char **heap)
{
  gsize path_len = strlen(path), key_len = strlen(key);
  if (path_len + key_len + 2 > size)
    return *heap = cgfs_path_join(path, key);
  char *p = buf;
  if (path_len) {
    memcpy(p, path, path_len);
    p += path_len;
    *p++ = '.';
  }
  memcpy(p, key, key_len + 1);
  return buf;
}

/* Fill @base from object @n: table fields, then @hook for the rest; unknown keys are errors.
 * null members are absent (unknown keys with a null value are errors too). Required table fields
 * must be there. A key given twice counts once, with its last value (json-doc.h). */
static gboolean read_object(Node *n, const char *path, const Field *fields, gpointer base,
                            MemberHook hook, gpointer data, GError **error)
{
  if (!require_object(n, path, error))
    return FALSE;
  for (Node *v = n->first; v; v = v->next) {
    const char *key = v->key;
    char buf[128];
    g_autofree char *heap = NULL;
    const char *p = member_path(buf, sizeof buf, path, key, &heap);
    if (!cgfs_check_utf8(path, key, error))
      return FALSE;
    const Field *f = fields;
    while (f && f->key && strcmp(f->key, key) != 0)
      f++;
    if (v->type == CGFS_JSON_NULL) {
      if ((f && f->key) || (hook && knows_key(hook, key, v, p, base, data)))
        continue;
      return cgfs_res_fail(error, EINVAL, "%s: unknown key", p);
    }
    if (f && f->key) {
      if (!read_field(f, v, p, base, error))
        return FALSE;
    } else if (!hook || !hook(key, v, p, base, data, error)) {
      if (error && !*error)
        cgfs_res_fail(error, EINVAL, "%s: unknown key", p);
      return FALSE;
    }
  }
  for (const Field *f = fields; f && f->key; f++)
    if (f->has == NO_FLAG && f->type != T_STR) {
      Node *v = cgfs_json_member(n, f->key);
      if (!v || v->type == CGFS_JSON_NULL) {
        g_autofree char *p = cgfs_path_join(path, f->key);
        return cgfs_res_fail(error, EINVAL, "%s: missing (required)", p);
      }
    }
  return TRUE;
}

/* Each element of array @n read into a new element of @out with @fields (+ @hook). */
static gboolean read_array(Node *n, const char *path, GArray *out, const Field *fields,
                           MemberHook hook, GError **error)
{
  if (n->type != CGFS_JSON_ARRAY)
    return wrong_type(n, path, "an array", error);
  guint i = 0;
  for (Node *e = n->first; e; e = e->next, i++) {
    g_autofree char *p = g_strdup_printf("%s[%u]", path, i);
    g_array_set_size(out, out->len + 1);
    gpointer elem = out->data + (gsize)(out->len - 1) * g_array_get_element_size(out);
    if (!read_object(e, p, fields, elem, hook, NULL, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean device_member(const char *key, Node *n, const char *path, gpointer base,
                              gpointer data, GError **error)
{
  CgfsDeviceRule *d = base;
  const char *s = NULL;
  if (strcmp(key, "type") == 0) {
    if (!read_string(n, path, &s, error) || !cgfs_check_device_type(path, s, error))
      return FALSE;
    d->type = s[0];
    return TRUE;
  }
  if (strcmp(key, "access") == 0) {
    if (!read_string(n, path, &s, error) || !cgfs_check_access(path, s, error))
      return FALSE;
    g_strlcpy(d->access, s, sizeof d->access);
    return TRUE;
  }
  gboolean is_major = strcmp(key, "major") == 0;
  if (!is_major && strcmp(key, "minor") != 0)
    return FALSE;
  /* -1 is how runc and containerd spell "any". */
  const Field range = { key, T_I64, NO_FLAG, 0, -1, is_major ? MAJOR_MAX : MINOR_MAX, 0, NULL };
  gint64 v;
  if (!read_int(n, path, &range, &v, error))
    return FALSE;
  if (is_major) {
    d->has_major = v != -1;
    d->major = v;
  } else {
    d->has_minor = v != -1;
    d->minor = v;
  }
  return TRUE;
}

static gboolean block_io_member(const char *key, Node *n, const char *path, gpointer base,
                                gpointer data, GError **error)
{
  CgfsBlockIOResources *b = base;
  if (strcmp(key, "weightDevice") == 0)
    return read_array(n, path, b->weight_device, cgfs_weight_device_fields, NULL, error);
  static const struct {
    const char *key;
    gsize off;
  } lists[] = {
    { "throttleReadBpsDevice", offsetof(CgfsBlockIOResources, throttle_read_bps_device) },
    { "throttleWriteBpsDevice", offsetof(CgfsBlockIOResources, throttle_write_bps_device) },
    { "throttleReadIOPSDevice", offsetof(CgfsBlockIOResources, throttle_read_iops_device) },
    { "throttleWriteIOPSDevice", offsetof(CgfsBlockIOResources, throttle_write_iops_device) },
  };
  for (guint i = 0; i < G_N_ELEMENTS(lists); i++)
    if (strcmp(key, lists[i].key) == 0)
      return read_array(n, path, *AT(b, lists[i].off, GArray *), cgfs_throttle_fields, NULL, error);
  return FALSE;
}

static gboolean network_member(const char *key, Node *n, const char *path, gpointer base,
                               gpointer data, GError **error)
{
  CgfsNetworkResources *net = base;
  if (strcmp(key, "priorities") != 0)
    return FALSE;
  return read_array(n, path, net->priorities, cgfs_priority_fields, NULL, error);
}

static gboolean read_rdma(Node *n, const char *path, GArray *out, GError **error)
{
  if (!require_object(n, path, error))
    return FALSE;
  for (Node *v = n->first; v; v = v->next) {
    const char *dev = v->key;
    if (!cgfs_check_utf8(path, dev, error))
      return FALSE;
    g_autofree char *p = g_strdup_printf("%s[\"%s\"]", path, dev);
    CgfsRdmaLimit l = { 0 };
    if (strlen(dev) >= sizeof l.device)
      return cgfs_res_fail(error, EINVAL, "%s: longer than %zu bytes", p, sizeof l.device - 1);
    if (!cgfs_check_name(p, dev, error))
      return FALSE;
    g_strlcpy(l.device, dev, sizeof l.device);
    if (!read_object(v, p, cgfs_rdma_fields, &l, NULL, NULL, error))
      return FALSE;
    g_array_append_val(out, l);
  }
  return TRUE;
}

static gboolean read_unified(Node *n, const char *path, CgfsResources *r, GError **error)
{
  if (!require_object(n, path, error))
    return FALSE;
  for (Node *v = n->first; v; v = v->next) {
    if (!cgfs_check_utf8(path, v->key, error))
      return FALSE;
    g_autofree char *p = g_strdup_printf("%s[\"%s\"]", path, v->key);
    const char *value = NULL;
    if (!cgfs_check_name(p, v->key, error) || !read_string(v, p, &value, error))
      return FALSE;
    cgfs_resources_add_unified(r, v->key, value);
  }
  return TRUE;
}

static gboolean resources_member(const char *key, Node *n, const char *path, gpointer base,
                                 gpointer data, GError **error)
{
  CgfsResources *r = base;
  if (strcmp(key, "devices") == 0)
    return read_array(n, path, r->devices, cgfs_device_fields, device_member, error);
  if (strcmp(key, "memory") == 0)
    return read_object(n, path, cgfs_memory_fields, &r->memory, NULL, NULL, error);
  if (strcmp(key, "cpu") == 0)
    return read_object(n, path, cgfs_cpu_fields, &r->cpu, NULL, NULL, error);
  if (strcmp(key, "pids") == 0)
    return read_object(n, path, cgfs_pids_fields, &r->pids, NULL, NULL, error);
  if (strcmp(key, "blockIO") == 0)
    return read_object(n, path, cgfs_block_io_fields, &r->block_io, block_io_member, NULL, error);
  if (strcmp(key, "hugepageLimits") == 0)
    return read_array(n, path, r->hugepage_limits, cgfs_hugepage_fields, NULL, error);
  if (strcmp(key, "network") == 0)
    return read_object(n, path, cgfs_network_fields, &r->network, network_member, NULL, error);
  if (strcmp(key, "rdma") == 0)
    return read_rdma(n, path, r->rdma, error);
  if (strcmp(key, "unified") == 0)
    return read_unified(n, path, r, error);
  return FALSE;
}

/* Where a whole config.json holds the resources, as messages name it. */
#define CONFIG_PREFIX "linux.resources"

/* A whole config.json has "ociVersion" or "linux" at its top; a resources object has neither.
 * *@node is NULL when the config sets no resources. */
static gboolean resources_node(Node *root, Node **node, const char **prefix, GError **error)
{
  *node = NULL;
  *prefix = "";
  Node *linux_node = cgfs_json_member(root, "linux");
  if (!linux_node && !cgfs_json_member(root, "ociVersion")) {
    *node = root;
    return TRUE;
  }
  if (!linux_node || linux_node->type == CGFS_JSON_NULL)
    return TRUE;
  if (!require_object(linux_node, "linux", error))
    return FALSE;
  Node *res = cgfs_json_member(linux_node, "resources");
  *prefix = CONFIG_PREFIX;
  if (res && res->type != CGFS_JSON_NULL)
    *node = res;
  return TRUE;
}

/* Deeper than any resources document goes. */
#define MAX_NESTING 64
/* More values than any resources document holds (a container's device list is tens of rules
 * of 6 values): a bound on the memory a document can take (json-glib, the parser before yajl,
 * spent about 100 bytes per value; json-doc.c's tree 32 plus the value's text). */
#define MAX_VALUES 65536

static void fail_at(GError **error, const char *json, gsize at, const char *why)
{
  guint line = 1, column = 1;
  for (gsize i = 0; i < at; i++, column++)
    if (json[i] == '\n') {
      line++;
      column = 0;
    }
  cgfs_res_fail(error, EINVAL, "resources: invalid JSON at line %u, column %u: %s", line, column,
                why);
}

/* What the parser would take but must not: nesting deeper than a document needs, NUL
 * characters, which would cut a C string short without a word, and more values than a document
 * needs (memory). Values are counted by their separators and openers: an upper bound.
 * *@ascii: whether every byte is ASCII and none NUL (then the text needs no UTF-8 check). */
static gboolean check_text(const char *json, gsize len, gboolean *ascii, GError **error)
{
  guint depth = 0;
  gsize values = 1;
  gboolean in_string = FALSE;
  guchar any = 0;
  for (gsize i = 0; i < len; i++) {
    char c = json[i];
    any |= (guchar)c;
    gboolean nul = c == '\0' || (in_string && c == '\\' && i + 5 < len &&
                                  memcmp(json + i + 1, "u0000", 5) == 0);
    if (nul) {
      fail_at(error, json, i, "a NUL character");
      return FALSE;
    }
    if (in_string) {
      if (c == '\\' && ++i < len) /* the escaped byte: the UTF-8 check refuses a NUL there */
        any |= json[i] ? (guchar)json[i] : 0x80;
      else if (c == '"')
        in_string = FALSE;
    } else if (c == '"') {
      in_string = TRUE;
    } else if ((c == '[' || c == '{') && ++depth > MAX_NESTING) {
      fail_at(error, json, i, "nested deeper than " G_STRINGIFY(MAX_NESTING) " levels");
      return FALSE;
    } else if ((c == ']' || c == '}') && depth > 0) {
      depth--;
    }
    if (!in_string && (c == ',' || c == '[' || c == '{' || c == ':') && ++values > MAX_VALUES) {
      cgfs_res_fail(error, EFBIG, "resources: more than %d values in the document", MAX_VALUES);
      return FALSE;
    }
  }
  *ascii = any < 0x80;
  return TRUE;
}

static CgfsJsonDoc *parse_text(const char *json, gsize n, GError **error)
{
  gboolean ascii;
  if (!check_text(json, n, &ascii, error))
    return NULL;
  if (!ascii && !g_utf8_validate_len(json, n, NULL)) {
    /* json-glib's words, kept: a document of bytes that are not UTF-8 is refused whole */
    cgfs_res_fail(error, EINVAL, "resources: invalid JSON: JSON data must be UTF-8 encoded");
    return NULL;
  }
  gsize at;
  g_autofree char *why = NULL;
  CgfsJsonDoc *doc = cgfs_json_doc_parse(json, n, &at, &why);
  if (!doc)
    fail_at(error, json, at, why);
  return doc;
}

CgfsResources *cgfs_resources_from_json(const char *json, gssize len, GError **error)
{
  g_return_val_if_fail(json != NULL || len == 0, NULL);
  if (!json)
    json = "";
  gsize n = len < 0 ? strlen(json) : (gsize)len;
  g_autoptr(CgfsJsonDoc) doc = parse_text(json, n, error);
  if (!doc)
    return NULL;
  Node *root = cgfs_json_doc_root(doc);
  if (!root || root->type != CGFS_JSON_OBJECT) {
    cgfs_res_fail(error, EINVAL, "resources: expected a JSON object, got %s",
                  root ? kind_of(root) : "nothing");
    return NULL;
  }
  g_autoptr(CgfsResources) r = cgfs_resources_new();
  const char *prefix;
  Node *node;
  if (!resources_node(root, &node, &prefix, error))
    return NULL;
  if (!node)
    return g_steal_pointer(&r); /* a config.json without linux.resources: nothing to set */
  if (!read_object(node, prefix, NULL, r, resources_member, NULL, error))
    return NULL;
  const char *dotted = *prefix ? CONFIG_PREFIX "." : "";
  if (!cgfs_resources_validate(r, dotted, error))
    return NULL;
  return g_steal_pointer(&r);
}

/* ---- printing ---- */

static void emit_fields(JsonBuilder *b, const Field *fields, gconstpointer base)
{
  for (const Field *f = fields; f->key; f++) {
    if (!cgfs_field_present(f, base))
      continue;
    json_builder_set_member_name(b, f->key);
    if (f->type == T_BOOL)
      json_builder_add_boolean_value(b, cgfs_field_int(f, base) != 0);
    else if (f->type == T_STR || f->type == T_CHARS)
      json_builder_add_string_value(b, cgfs_field_string(f, base));
    else
      json_builder_add_int_value(b, cgfs_field_int(f, base));
  }
}

static gboolean any_field(const Field *fields, gconstpointer base)
{
  for (const Field *f = fields; f->key; f++)
    if (cgfs_field_present(f, base))
      return TRUE;
  return FALSE;
}

static void emit_list(JsonBuilder *b, const char *key, GArray *a, const Field *fields)
{
  if (!a || a->len == 0)
    return;
  json_builder_set_member_name(b, key);
  json_builder_begin_array(b);
  for (guint i = 0; i < a->len; i++) {
    json_builder_begin_object(b);
    emit_fields(b, fields, a->data + (gsize)i * g_array_get_element_size(a));
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
}

static void emit_devices(JsonBuilder *b, GArray *devices)
{
  if (!devices || devices->len == 0)
    return;
  json_builder_set_member_name(b, "devices");
  json_builder_begin_array(b);
  for (guint i = 0; i < devices->len; i++) {
    const CgfsDeviceRule *d = &g_array_index(devices, CgfsDeviceRule, i);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "allow");
    json_builder_add_boolean_value(b, d->allow);
    if (d->type) {
      char type[2] = { d->type, 0 };
      json_builder_set_member_name(b, "type");
      json_builder_add_string_value(b, type);
    }
    if (d->has_major) {
      json_builder_set_member_name(b, "major");
      json_builder_add_int_value(b, d->major);
    }
    if (d->has_minor) {
      json_builder_set_member_name(b, "minor");
      json_builder_add_int_value(b, d->minor);
    }
    if (d->access[0]) {
      json_builder_set_member_name(b, "access");
      json_builder_add_string_value(b, d->access);
    }
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
}

static void emit_section(JsonBuilder *b, const char *key, const Field *fields, gconstpointer base)
{
  if (!any_field(fields, base))
    return;
  json_builder_set_member_name(b, key);
  json_builder_begin_object(b);
  emit_fields(b, fields, base);
  json_builder_end_object(b);
}

static void emit_block_io(JsonBuilder *b, const CgfsBlockIOResources *bio)
{
  GArray *lists[] = { bio->weight_device, bio->throttle_read_bps_device,
                      bio->throttle_write_bps_device, bio->throttle_read_iops_device,
                      bio->throttle_write_iops_device };
  gboolean any = any_field(cgfs_block_io_fields, bio);
  for (guint i = 0; i < G_N_ELEMENTS(lists); i++)
    any |= lists[i] && lists[i]->len > 0;
  if (!any)
    return;
  json_builder_set_member_name(b, "blockIO");
  json_builder_begin_object(b);
  emit_fields(b, cgfs_block_io_fields, bio);
  emit_list(b, "weightDevice", bio->weight_device, cgfs_weight_device_fields);
  emit_list(b, "throttleReadBpsDevice", bio->throttle_read_bps_device, cgfs_throttle_fields);
  emit_list(b, "throttleWriteBpsDevice", bio->throttle_write_bps_device, cgfs_throttle_fields);
  emit_list(b, "throttleReadIOPSDevice", bio->throttle_read_iops_device, cgfs_throttle_fields);
  emit_list(b, "throttleWriteIOPSDevice", bio->throttle_write_iops_device, cgfs_throttle_fields);
  json_builder_end_object(b);
}

static void emit_network(JsonBuilder *b, const CgfsNetworkResources *net)
{
  if (!any_field(cgfs_network_fields, net) && (!net->priorities || net->priorities->len == 0))
    return;
  json_builder_set_member_name(b, "network");
  json_builder_begin_object(b);
  emit_fields(b, cgfs_network_fields, net);
  emit_list(b, "priorities", net->priorities, cgfs_priority_fields);
  json_builder_end_object(b);
}

static void emit_rdma(JsonBuilder *b, GArray *rdma)
{
  if (!rdma || rdma->len == 0)
    return;
  json_builder_set_member_name(b, "rdma");
  json_builder_begin_object(b);
  for (guint i = 0; i < rdma->len; i++) {
    const CgfsRdmaLimit *l = &g_array_index(rdma, CgfsRdmaLimit, i);
    json_builder_set_member_name(b, l->device);
    json_builder_begin_object(b);
    emit_fields(b, cgfs_rdma_fields, l);
    json_builder_end_object(b);
  }
  json_builder_end_object(b);
}

static void emit_unified(JsonBuilder *b, GArray *unified)
{
  if (!unified || unified->len == 0)
    return;
  json_builder_set_member_name(b, "unified");
  json_builder_begin_object(b);
  for (guint i = 0; i < unified->len; i++) {
    const CgfsUnifiedEntry *e = &g_array_index(unified, CgfsUnifiedEntry, i);
    json_builder_set_member_name(b, e->key);
    json_builder_add_string_value(b, e->value);
  }
  json_builder_end_object(b);
}

char *cgfs_resources_to_json(const CgfsResources *r, gsize *len)
{
  g_return_val_if_fail(r != NULL, NULL);
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  emit_devices(b, r->devices);
  emit_section(b, "memory", cgfs_memory_fields, &r->memory);
  emit_section(b, "cpu", cgfs_cpu_fields, &r->cpu);
  emit_section(b, "pids", cgfs_pids_fields, &r->pids);
  emit_block_io(b, &r->block_io);
  emit_list(b, "hugepageLimits", r->hugepage_limits, cgfs_hugepage_fields);
  emit_network(b, &r->network);
  emit_rdma(b, r->rdma);
  emit_unified(b, r->unified);
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_autoptr(JsonGenerator) gen = json_generator_new();
  json_generator_set_pretty(gen, TRUE);
  json_generator_set_indent(gen, 2);
  json_generator_set_root(gen, root);
  gsize n;
  g_autofree char *text = json_generator_to_data(gen, &n);
  char *out = g_strconcat(text, "\n", NULL);
  if (len)
    *len = n + 1;
  return out;
}
