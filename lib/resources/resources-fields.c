/* The fields of CgfsResources: one table per JSON object names each member, where it lives in
 * the C struct and its valid range. Parsing, printing (resources-json.c) and validating (here)
 * walk the same tables, so a field is declared once and a C caller gets the same checks and
 * messages as a JSON one. */
#include "config-internal.h"

#include <stdarg.h>
#include <stddef.h>

#include "convert.h"
#include "resources-fields.h"

gboolean cgfs_res_fail(GError **error, int code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = cgfs_bounded_message(g_strdup_vprintf(fmt, ap));
  va_end(ap);
  g_set_error_literal(error, CGFS_ERROR, code, msg);
  return FALSE;
}

/* ---- string checks ---- */

static gboolean check_cpu_list(const char *path, const char *v, GError **error)
{
  /* The kernel's list syntax: "0-3,8,10-15:2/4"; "" empties the set. */
  for (const char *c = v; *c; c++)
    if (!g_ascii_isdigit(*c) && !strchr(",-:/", *c))
      return cgfs_res_fail(error, EINVAL, "%s: '%s' is not a list such as \"0-3,6\"", path, v);
  return TRUE;
}

gboolean cgfs_check_access(const char *path, const char *v, GError **error)
{
  gboolean seen[3] = { FALSE, FALSE, FALSE };
  if (!*v)
    return cgfs_res_fail(error, EINVAL, "%s: '' is not a combination of r, w and m", path);
  for (const char *c = v; *c; c++) {
    const char *at = strchr("rwm", *c);
    if (!at || seen[at - "rwm"])
      return cgfs_res_fail(error, EINVAL, "%s: '%s' is not a combination of r, w and m", path, v);
    seen[at - "rwm"] = TRUE;
  }
  return TRUE;
}

gboolean cgfs_check_device_type(const char *path, const char *v, GError **error)
{
  if (strlen(v) != 1 || !strchr("abc", v[0]))
    return cgfs_res_fail(error, EINVAL, "%s: '%s' is not a device type: a, b or c", path, v);
  return TRUE;
}

static gboolean check_page_size(const char *path, const char *v, GError **error)
{
  guint64 bytes;
  if (!cgfs_hugepage_size_parse(v, &bytes))
    return cgfs_res_fail(error, EINVAL,
                         "%s: '%s' is not a huge page size such as \"2MB\" or \"1GB\"", path, v);
  return TRUE;
}

/* json-glib's scanner also takes C escapes such as "\253": what they give must still be text. */
gboolean cgfs_check_utf8(const char *path, const char *s, GError **error)
{
  if (g_utf8_validate(s, -1, NULL))
    return TRUE;
  return cgfs_res_fail(error, EINVAL, "%s: not valid UTF-8", path);
}

gboolean cgfs_check_name(const char *path, const char *v, GError **error)
{
  if (!cgfs_check_utf8(path, v, error))
    return FALSE;
  for (const char *c = v; *c; c++)
    if (g_ascii_isspace(*c) || *c == '/')
      return cgfs_res_fail(error, EINVAL, "%s: '%s' is not a name (no blanks or slashes)", path, v);
  if (!*v || strcmp(v, ".") == 0 || strcmp(v, "..") == 0)
    return cgfs_res_fail(error, EINVAL, "%s: '%s' is not a name", path, v);
  return TRUE;
}

/* ---- the tables ---- */

#define F_I64(k, s, f, lo, hi) { k, T_I64, offsetof(s, has_##f), offsetof(s, f), lo, hi, 0, NULL }
#define F_U64(k, s, f, lo, hi) { k, T_U64, offsetof(s, has_##f), offsetof(s, f), lo, hi, 0, NULL }
#define F_U32(k, s, f) { k, T_U32, offsetof(s, has_##f), offsetof(s, f), 0, G_MAXUINT32, 0, NULL }
#define F_U16(k, s, f, lo, hi) { k, T_U16, offsetof(s, has_##f), offsetof(s, f), lo, hi, 0, NULL }
#define F_BOOL(k, s, f) { k, T_BOOL, offsetof(s, has_##f), offsetof(s, f), 0, 1, 0, NULL }
#define F_STR(k, s, f, chk) { k, T_STR, NO_FLAG, offsetof(s, f), 0, 0, 0, chk }
#define R_I64(k, s, f, lo, hi) { k, T_I64, NO_FLAG, offsetof(s, f), lo, hi, 0, NULL }
#define R_U64(k, s, f, lo, hi) { k, T_U64, NO_FLAG, offsetof(s, f), lo, hi, 0, NULL }
#define R_U32(k, s, f) { k, T_U32, NO_FLAG, offsetof(s, f), 0, G_MAXUINT32, 0, NULL }
#define R_CHARS(k, s, f, chk)                                                                      \
  {                                                                                                \
    k, T_CHARS, NO_FLAG, offsetof(s, f), 0, 0, sizeof(((s *)0)->f), chk                            \
  }
#define END                                                                                        \
  {                                                                                                \
    NULL, 0, 0, 0, 0, 0, 0, NULL                                                                   \
  }

const Field cgfs_memory_fields[] = {
  F_I64("limit", CgfsMemoryResources, limit, -1, I64_MAX),
  F_I64("reservation", CgfsMemoryResources, reservation, -1, I64_MAX),
  F_I64("swap", CgfsMemoryResources, swap, -1, I64_MAX),
  F_I64("kernel", CgfsMemoryResources, kernel, -1, I64_MAX),
  F_I64("kernelTCP", CgfsMemoryResources, kernel_tcp, -1, I64_MAX),
  F_U64("swappiness", CgfsMemoryResources, swappiness, 0, 200),
  F_BOOL("disableOOMKiller", CgfsMemoryResources, disable_oom_killer),
  F_BOOL("useHierarchy", CgfsMemoryResources, use_hierarchy),
  F_BOOL("checkBeforeUpdate", CgfsMemoryResources, check_before_update),
  END,
};

const Field cgfs_cpu_fields[] = {
  F_U64("shares", CgfsCpuResources, shares, 0, I64_MAX),
  F_I64("quota", CgfsCpuResources, quota, G_MININT64, I64_MAX),
  F_U64("burst", CgfsCpuResources, burst, 0, I64_MAX),
  F_U64("period", CgfsCpuResources, period, 1000, 1000000),
  F_I64("realtimeRuntime", CgfsCpuResources, realtime_runtime, -1, I64_MAX),
  F_U64("realtimePeriod", CgfsCpuResources, realtime_period, 1, I64_MAX),
  F_STR("cpus", CgfsCpuResources, cpus, check_cpu_list),
  F_STR("mems", CgfsCpuResources, mems, check_cpu_list),
  F_I64("idle", CgfsCpuResources, idle, 0, 1),
  END,
};

const Field cgfs_pids_fields[] = {
  F_I64("limit", CgfsPidsResources, limit, -1, I64_MAX),
  END,
};

const Field cgfs_block_io_fields[] = {
  F_U16("weight", CgfsBlockIOResources, weight, 1, 1000),
  F_U16("leafWeight", CgfsBlockIOResources, leaf_weight, 10, 1000),
  END,
};

const Field cgfs_weight_device_fields[] = {
  R_I64("major", CgfsWeightDevice, major, 0, MAJOR_MAX),
  R_I64("minor", CgfsWeightDevice, minor, 0, MINOR_MAX),
  F_U16("weight", CgfsWeightDevice, weight, 1, 1000),
  F_U16("leafWeight", CgfsWeightDevice, leaf_weight, 10, 1000),
  END,
};

const Field cgfs_throttle_fields[] = {
  R_I64("major", CgfsThrottleDevice, major, 0, MAJOR_MAX),
  R_I64("minor", CgfsThrottleDevice, minor, 0, MINOR_MAX),
  R_U64("rate", CgfsThrottleDevice, rate, 0, I64_MAX),
  END,
};

const Field cgfs_hugepage_fields[] = {
  R_CHARS("pageSize", CgfsHugepageLimit, page_size, check_page_size),
  R_U64("limit", CgfsHugepageLimit, limit, 0, I64_MAX),
  END,
};

const Field cgfs_network_fields[] = {
  F_U32("classID", CgfsNetworkResources, class_id),
  END,
};

const Field cgfs_priority_fields[] = {
  R_CHARS("name", CgfsInterfacePriority, name, cgfs_check_name),
  R_U32("priority", CgfsInterfacePriority, priority),
  END,
};

const Field cgfs_rdma_fields[] = {
  F_U32("hcaHandles", CgfsRdmaLimit, hca_handles),
  F_U32("hcaObjects", CgfsRdmaLimit, hca_objects),
  END,
};

/* The device fields have their own representation (type char, -1 majors); see device_*. */
const Field cgfs_device_fields[] = {
  { "allow", T_BOOL, NO_FLAG, offsetof(CgfsDeviceRule, allow), 0, 1, 0, NULL },
  END,
};

/* ---- field access ---- */

gboolean cgfs_field_present(const Field *f, gconstpointer base)
{
  if (f->has != NO_FLAG)
    return *AT(base, f->has, const gboolean);
  if (f->type == T_STR)
    return *AT(base, f->off, char *const) != NULL;
  return TRUE;
}

gint64 cgfs_field_int(const Field *f, gconstpointer base)
{
  switch (f->type) {
  case T_I64:
    return *AT(base, f->off, const gint64);
  case T_U64:
    return (gint64)*AT(base, f->off, const guint64);
  case T_U32:
    return *AT(base, f->off, const guint32);
  case T_U16:
    return *AT(base, f->off, const guint16);
  case T_BOOL:
    return *AT(base, f->off, const gboolean) ? 1 : 0;
  default:
    g_assert_not_reached();
  }
}

void cgfs_field_set_int(const Field *f, gpointer base, gint64 v)
{
  switch (f->type) {
  case T_I64:
    *AT(base, f->off, gint64) = v;
    break;
  case T_U64:
    *AT(base, f->off, guint64) = (guint64)v;
    break;
  case T_U32:
    *AT(base, f->off, guint32) = (guint32)v;
    break;
  case T_U16:
    *AT(base, f->off, guint16) = (guint16)v;
    break;
  case T_BOOL:
    *AT(base, f->off, gboolean) = v != 0;
    break;
  default:
    g_assert_not_reached();
  }
}

const char *cgfs_field_string(const Field *f, gconstpointer base)
{
  if (f->type == T_STR)
    return *AT(base, f->off, char *const);
  return AT(base, f->off, const char);
}

char *cgfs_path_join(const char *path, const char *key)
{
  return *path ? g_strconcat(path, ".", key, NULL) : g_strdup(key);
}

gboolean cgfs_check_range(const char *path, gint64 v, gint64 min, gint64 max, gboolean u64,
                            GError **error)
{
  if (v >= min && v <= max && !(u64 && v < 0))
    return TRUE;
  return cgfs_res_fail(error, ERANGE, "%s: %" G_GINT64_FORMAT " is out of range %" G_GINT64_FORMAT
              "..%" G_GINT64_FORMAT, path, v, min, max);
}

/* ---- validation of a filled struct ---- */

static gboolean validate_fields(const Field *fields, gconstpointer base, const char *path,
                                GError **error)
{
  for (const Field *f = fields; f->key; f++) {
    if (!cgfs_field_present(f, base) || f->type == T_BOOL)
      continue;
    gint64 iv = f->type == T_STR || f->type == T_CHARS ? 0 : cgfs_field_int(f, base);
    gboolean u64_over = f->type == T_U64 && *AT(base, f->off, const guint64) > G_MAXINT64;
    /* The common case, an integer in range, needs no path: it is made only for a message. */
    if (f->type != T_STR && f->type != T_CHARS && !u64_over && iv >= f->min && iv <= f->max)
      continue;
    g_autofree char *p = cgfs_path_join(path, f->key);
    if (f->type == T_STR || f->type == T_CHARS) {
      const char *v = cgfs_field_string(f, base);
      if (f->type == T_CHARS && !memchr(v, '\0', f->size))
        return cgfs_res_fail(error, EINVAL, "%s: not a string (no terminating NUL)", p);
      if (!cgfs_check_utf8(p, v, error) || (f->check && !f->check(p, v, error)))
        return FALSE;
      continue;
    }
    gint64 v = iv;
    if (u64_over)
      return cgfs_res_fail(error, ERANGE,
                           "%s: %" G_GUINT64_FORMAT " is out of range %" G_GINT64_FORMAT
                           "..%" G_GINT64_FORMAT,
                           p, *AT(base, f->off, const guint64), f->min, f->max);
    if (!cgfs_check_range(p, v, f->min, f->max, FALSE, error))
      return FALSE;
  }
  return TRUE;
}

/* Whether validate_fields() has anything to look at beyond integers in range (which need no
 * path for a message). */
static gboolean fields_all_plain(const Field *fields, gconstpointer base)
{
  for (const Field *f = fields; f->key; f++) {
    if (!cgfs_field_present(f, base) || f->type == T_BOOL)
      continue;
    if (f->type == T_STR || f->type == T_CHARS)
      return FALSE;
    gint64 v = cgfs_field_int(f, base);
    if ((f->type == T_U64 && *AT(base, f->off, const guint64) > G_MAXINT64) || v < f->min ||
        v > f->max)
      return FALSE;
  }
  return TRUE;
}

/* validate_fields() of section @name below @prefix; its path is made only when it may be
 * needed in a message (a plan validates every update: no allocation when all is well). */
static gboolean validate_section(const Field *fields, gconstpointer base, const char *prefix,
                                 const char *name, GError **error)
{
  if (fields_all_plain(fields, base))
    return TRUE;
  g_autofree char *path = g_strconcat(prefix, name, NULL);
  return validate_fields(fields, base, path, error);
}

static gboolean validate_device(const CgfsDeviceRule *d, const char *path, GError **error)
{
  g_autofree char *tp = cgfs_path_join(path, "type");
  g_autofree char *mp = cgfs_path_join(path, "major");
  g_autofree char *np = cgfs_path_join(path, "minor");
  g_autofree char *ap = cgfs_path_join(path, "access");
  char type[2] = { d->type, 0 };
  if (d->type && !cgfs_check_device_type(tp, type, error))
    return FALSE;
  if (d->has_major && !cgfs_check_range(mp, d->major, 0, MAJOR_MAX, FALSE, error))
    return FALSE;
  if (d->has_minor && !cgfs_check_range(np, d->minor, 0, MINOR_MAX, FALSE, error))
    return FALSE;
  if (memchr(d->access, '\0', sizeof d->access) == NULL)
    return cgfs_res_fail(error, EINVAL, "%s: not a string", ap);
  return !*d->access || cgfs_check_access(ap, d->access, error);
}

static gboolean validate_list(GArray *a, const Field *fields, const char *path, GError **error)
{
  for (guint i = 0; a && i < a->len; i++) {
    g_autofree char *p = g_strdup_printf("%s[%u]", path, i);
    if (!validate_fields(fields, a->data + (gsize)i * g_array_get_element_size(a), p, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean validate_lists(const CgfsResources *r, const char *prefix, GError **error)
{
  const CgfsBlockIOResources *b = &r->block_io;
  struct {
    GArray *a;
    const Field *fields;
    const char *name;
  } lists[] = {
    { b->weight_device, cgfs_weight_device_fields, "blockIO.weightDevice" },
    { b->throttle_read_bps_device, cgfs_throttle_fields, "blockIO.throttleReadBpsDevice" },
    { b->throttle_write_bps_device, cgfs_throttle_fields, "blockIO.throttleWriteBpsDevice" },
    { b->throttle_read_iops_device, cgfs_throttle_fields, "blockIO.throttleReadIOPSDevice" },
    { b->throttle_write_iops_device, cgfs_throttle_fields, "blockIO.throttleWriteIOPSDevice" },
    { r->hugepage_limits, cgfs_hugepage_fields, "hugepageLimits" },
    { r->network.priorities, cgfs_priority_fields, "network.priorities" },
  };
  for (guint i = 0; i < G_N_ELEMENTS(lists); i++) {
    if (!lists[i].a || lists[i].a->len == 0)
      continue;
    g_autofree char *p = g_strconcat(prefix, lists[i].name, NULL);
    if (!validate_list(lists[i].a, lists[i].fields, p, error))
      return FALSE;
  }
  for (guint i = 0; b->weight_device && i < b->weight_device->len; i++) {
    const CgfsWeightDevice *w = &g_array_index(b->weight_device, CgfsWeightDevice, i);
    if (!w->has_weight && !w->has_leaf_weight)
      return cgfs_res_fail(error, EINVAL, "%sblockIO.weightDevice[%u]: needs weight or leafWeight",
                  prefix, i);
  }
  for (guint i = 0; r->rdma && i < r->rdma->len; i++) {
    const CgfsRdmaLimit *l = &g_array_index(r->rdma, CgfsRdmaLimit, i);
    if (!memchr(l->device, '\0', sizeof l->device) || !cgfs_check_utf8("rdma", l->device, NULL))
      return cgfs_res_fail(error, EINVAL, "%srdma[%u]: the device is not a UTF-8 string", prefix,
                           i);
    g_autofree char *p =
        g_strdup_printf("%srdma[\"%.*s\"]", prefix, (int)sizeof l->device, l->device);
    if (!cgfs_check_name(p, l->device, error) || !validate_fields(cgfs_rdma_fields, l, p, error))
      return FALSE;
    if (!l->has_hca_handles && !l->has_hca_objects)
      return cgfs_res_fail(error, EINVAL, "%s: needs hcaHandles or hcaObjects", p);
  }
  for (guint i = 0; r->devices && i < r->devices->len; i++) {
    g_autofree char *p = g_strdup_printf("%sdevices[%u]", prefix, i);
    if (!validate_device(&g_array_index(r->devices, CgfsDeviceRule, i), p, error))
      return FALSE;
  }
  for (guint i = 0; r->unified && i < r->unified->len; i++) {
    const CgfsUnifiedEntry *e = &g_array_index(r->unified, CgfsUnifiedEntry, i);
    if (!e->key || !e->value || !cgfs_check_utf8("unified", e->key, NULL) ||
        !cgfs_check_utf8("unified", e->value, NULL))
      return cgfs_res_fail(error, EINVAL, "%sunified[%u]: key and value must both be UTF-8 strings",
                  prefix, i);
    g_autofree char *p = g_strdup_printf("%sunified[\"%s\"]", prefix, e->key);
    if (!cgfs_check_name(p, e->key, error))
      return FALSE;
  }
  return TRUE;
}

/* The lists cgfs_resources_new makes; a caller who dropped one gets an error, not a crash. */
static gboolean lists_present(const CgfsResources *r, const char *prefix, GError **error)
{
  const struct {
    const char *name;
    const GArray *list;
  } lists[] = {
    { "devices", r->devices },
    { "blockIO.weightDevice", r->block_io.weight_device },
    { "blockIO.throttleReadBpsDevice", r->block_io.throttle_read_bps_device },
    { "blockIO.throttleWriteBpsDevice", r->block_io.throttle_write_bps_device },
    { "blockIO.throttleReadIOPSDevice", r->block_io.throttle_read_iops_device },
    { "blockIO.throttleWriteIOPSDevice", r->block_io.throttle_write_iops_device },
    { "hugepageLimits", r->hugepage_limits },
    { "network.priorities", r->network.priorities },
    { "rdma", r->rdma },
    { "unified", r->unified },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(lists); i++)
    if (!lists[i].list) {
      cgfs_set_error(error, EINVAL, "%s%s: the list is NULL (make the struct with "
                     "cgfs_resources_new and leave a list empty to set nothing)", prefix,
                     lists[i].name);
      return FALSE;
    }
  return TRUE;
}

gboolean cgfs_resources_validate(const CgfsResources *r, const char *prefix, GError **error)
{
  if (!lists_present(r, prefix, error))
    return FALSE;
  return validate_section(cgfs_memory_fields, &r->memory, prefix, "memory", error) &&
         validate_section(cgfs_cpu_fields, &r->cpu, prefix, "cpu", error) &&
         validate_section(cgfs_pids_fields, &r->pids, prefix, "pids", error) &&
         validate_section(cgfs_block_io_fields, &r->block_io, prefix, "blockIO", error) &&
         validate_section(cgfs_network_fields, &r->network, prefix, "network", error) &&
         validate_lists(r, prefix, error);
}

