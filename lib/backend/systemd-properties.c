/* OCI LinuxResources -> systemd unit properties (runc's and crun's systemd drivers are the
 * model). What systemd cannot express stays with cgroupfs: docs/resources.md has the table. */
#include "config-internal.h"

#include "convert.h"
#include "systemd-private.h"

#define SD_INFINITY G_MAXUINT64

static guint64 limit_value(gint64 v)
{
  return v < 0 ? SD_INFINITY : (guint64)v;
}

guint64 cgfs_systemd_quota_per_sec(gint64 quota, guint64 period)
{
  if (quota <= 0)
    return SD_INFINITY;
  if (period == 0)
    period = 100000;
  guint64 per_sec = (guint64)quota * 1000000 / period;
  /* systemd keeps the quota as a percentage of a CPU: round up to 10 ms per second. */
  if (per_sec % 10000)
    per_sec = (per_sec / 10000 + 1) * 10000;
  return per_sec;
}

static gboolean parse_cpu_number(const char *s, guint64 *out)
{
  return g_ascii_string_to_unsigned(s, 10, 0, 65535, out, NULL);
}

GVariant *cgfs_systemd_cpuset_mask(const char *list, const char *field, GError **error)
{
  g_autoptr(GByteArray) mask = g_byte_array_new();
  g_auto(GStrv) ranges = g_strsplit(list, ",", -1);
  for (char **r = ranges; *r; r++) {
    g_strstrip(*r);
    if (!**r)
      continue;
    g_auto(GStrv) ends = g_strsplit(*r, "-", 2);
    guint64 lo, hi;
    if (!parse_cpu_number(ends[0], &lo) || !parse_cpu_number(ends[1] ? ends[1] : ends[0], &hi) ||
        hi < lo) {
      cgfs_set_error(error, EINVAL, "%s: '%s' is not a CPU or node list", field, list);
      return NULL;
    }
    for (guint64 i = lo; i <= hi; i++) {
      guint byte = (guint)(i / 8);
      if (mask->len <= byte) {
        guint old = mask->len;
        g_byte_array_set_size(mask, byte + 1);
        memset(mask->data + old, 0, byte + 1 - old);
      }
      mask->data[byte] |= (guint8)(1u << (i % 8));
    }
  }
  return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, mask->data, mask->len, 1);
}

/* ---- devices ---- */

static gboolean is_wildcard_all(const CgfsDeviceRule *d)
{
  return (d->type == 0 || d->type == 'a') && !d->has_major && !d->has_minor &&
         (!*d->access || strspn(d->access, "rwm") == strlen(d->access)) &&
         (!*d->access || (strchr(d->access, 'r') && strchr(d->access, 'w') &&
                          strchr(d->access, 'm')));
}

/* systemd's spelling of one allowed device, or NULL when it has none (a major number with any
 * minor would need the driver's name from /proc/devices). */
static char *device_spec(const CgfsDeviceRule *d)
{
  const char *kind = d->type == 'b' ? "block" : "char";
  if (d->type != 'b' && d->type != 'c')
    return NULL;
  if (!d->has_major && !d->has_minor)
    return g_strdup_printf("%s-*", kind);
  if (d->has_major && d->has_minor)
    return g_strdup_printf("/dev/%s/%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT, kind, d->major,
                           d->minor);
  return NULL;
}

/* The rules as DevicePolicy and DeviceAllow when they have the shape systemd can say: allow
 * everything, or deny everything and then allow a list. FALSE otherwise (left to cgroupfs). */
static gboolean add_devices(GVariantBuilder *b, GArray *rules)
{
  if (rules->len == 0)
    return FALSE;
  const CgfsDeviceRule *first = &g_array_index(rules, CgfsDeviceRule, 0);
  if (!is_wildcard_all(first))
    return FALSE;
  if (first->allow) {
    if (rules->len != 1)
      return FALSE;
    g_variant_builder_add(b, "(sv)", "DevicePolicy", g_variant_new_string("auto"));
    g_variant_builder_add(b, "(sv)", "DeviceAllow", g_variant_new("a(ss)", NULL));
    return TRUE;
  }
  GVariantBuilder allow;
  g_variant_builder_init(&allow, G_VARIANT_TYPE("a(ss)"));
  for (guint i = 1; i < rules->len; i++) {
    const CgfsDeviceRule *d = &g_array_index(rules, CgfsDeviceRule, i);
    g_autofree char *spec = d->allow ? device_spec(d) : NULL;
    if (!spec) {
      g_variant_builder_clear(&allow);
      return FALSE;
    }
    g_variant_builder_add(&allow, "(ss)", spec, *d->access ? d->access : "rwm");
  }
  g_variant_builder_add(b, "(sv)", "DevicePolicy", g_variant_new_string("strict"));
  g_variant_builder_add(b, "(sv)", "DeviceAllow", g_variant_new("a(ss)", NULL));
  g_variant_builder_add(b, "(sv)", "DeviceAllow", g_variant_builder_end(&allow));
  return TRUE;
}

/* ---- block I/O ---- */

static void add_throttle(GVariantBuilder *b, const char *name, GArray *list)
{
  if (!name || list->len == 0)
    return;
  GVariantBuilder entries;
  g_variant_builder_init(&entries, G_VARIANT_TYPE("a(st)"));
  for (guint i = 0; i < list->len; i++) {
    const CgfsThrottleDevice *t = &g_array_index(list, CgfsThrottleDevice, i);
    g_autofree char *dev = g_strdup_printf("/dev/block/%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT,
                                           t->major, t->minor);
    g_variant_builder_add(&entries, "(st)", dev, t->rate ? t->rate : SD_INFINITY);
  }
  g_variant_builder_add(b, "(sv)", name, g_variant_builder_end(&entries));
}

static void add_block_io(GVariantBuilder *b, const CgfsBlockIOResources *io, int version)
{
  if (io->has_weight)
    g_variant_builder_add(
        b, "(sv)", version == 2 ? "IOWeight" : "BlockIOWeight",
        g_variant_new_uint64(version == 2 ? cgfs_blkio_weight_to_io_weight(io->weight)
                                          : io->weight));
  if (io->weight_device->len) {
    GVariantBuilder w;
    g_variant_builder_init(&w, G_VARIANT_TYPE("a(st)"));
    gboolean any = FALSE;
    for (guint i = 0; i < io->weight_device->len; i++) {
      const CgfsWeightDevice *d = &g_array_index(io->weight_device, CgfsWeightDevice, i);
      if (!d->has_weight)
        continue;
      g_autofree char *dev = g_strdup_printf(
          "/dev/block/%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT, d->major, d->minor);
      g_variant_builder_add(&w, "(st)", dev,
                            version == 2 ? cgfs_blkio_weight_to_io_weight(d->weight)
                                         : (guint64)d->weight);
      any = TRUE;
    }
    GVariant *v = g_variant_builder_end(&w);
    if (any)
      g_variant_builder_add(b, "(sv)", version == 2 ? "IODeviceWeight" : "BlockIODeviceWeight",
                            v);
    else
      g_variant_unref(g_variant_ref_sink(v));
  }
  add_throttle(b, version == 2 ? "IOReadBandwidthMax" : "BlockIOReadBandwidth",
               io->throttle_read_bps_device);
  add_throttle(b, version == 2 ? "IOWriteBandwidthMax" : "BlockIOWriteBandwidth",
               io->throttle_write_bps_device);
  /* systemd has no IOPS limits on v1: those stay with cgroupfs. */
  add_throttle(b, version == 2 ? "IOReadIOPSMax" : NULL, io->throttle_read_iops_device);
  add_throttle(b, version == 2 ? "IOWriteIOPSMax" : NULL, io->throttle_write_iops_device);
}

/* ---- memory, cpu, pids ---- */

static void add_u64(GVariantBuilder *b, const char *name, guint64 v)
{
  g_variant_builder_add(b, "(sv)", name, g_variant_new_uint64(v));
}

static void add_memory(GVariantBuilder *b, const CgfsMemoryResources *m, int version,
                       gint64 current_limit)
{
  if (m->has_limit)
    add_u64(b, "MemoryMax", limit_value(m->limit));
  if (version != 2)
    return; /* systemd applies only the limit on v1 (as memory.limit_in_bytes) */
  if (m->has_reservation)
    add_u64(b, "MemoryLow", limit_value(m->reservation));
  gint64 swap_max;
  if (m->has_swap &&
      cgfs_memory_swap_to_v2(m->swap, m->has_limit ? m->limit : current_limit, &swap_max))
    add_u64(b, "MemorySwapMax", limit_value(swap_max));
}

static gboolean add_cpu(GVariantBuilder *b, const CgfsCpuResources *c, int version,
                        GError **error)
{
  if (c->has_shares && c->shares)
    add_u64(b, version == 2 ? "CPUWeight" : "CPUShares",
            version == 2 ? cgfs_cpu_shares_to_weight(c->shares) : c->shares);
  if (c->has_period && c->period)
    add_u64(b, "CPUQuotaPeriodUSec", c->period);
  if (c->has_quota)
    add_u64(b, "CPUQuotaPerSecUSec",
            cgfs_systemd_quota_per_sec(c->quota, c->has_period ? c->period : 0));
  if (version != 2)
    return TRUE; /* systemd's cpuset properties are v2 only */
  struct {
    const char *list, *name, *field;
  } sets[] = { { c->cpus, "AllowedCPUs", "cpu.cpus" },
               { c->mems, "AllowedMemoryNodes", "cpu.mems" } };
  for (gsize i = 0; i < G_N_ELEMENTS(sets); i++) {
    if (!sets[i].list)
      continue;
    GVariant *mask = cgfs_systemd_cpuset_mask(sets[i].list, sets[i].field, error);
    if (!mask)
      return FALSE;
    g_variant_builder_add(b, "(sv)", sets[i].name, mask);
  }
  return TRUE;
}

/* unified entries that are unit properties on v2. */
static gboolean add_unified(GVariantBuilder *b, GArray *unified, GError **error)
{
  static const char *const map[][2] = {
    { "memory.max", "MemoryMax" },   { "memory.high", "MemoryHigh" },
    { "memory.low", "MemoryLow" },   { "memory.min", "MemoryMin" },
    { "memory.swap.max", "MemorySwapMax" }, { "pids.max", "TasksMax" },
    { "cpu.weight", "CPUWeight" },   { "io.weight", "IOWeight" },
  };
  for (guint i = 0; i < unified->len; i++) {
    const CgfsUnifiedEntry *e = &g_array_index(unified, CgfsUnifiedEntry, i);
    for (gsize j = 0; j < G_N_ELEMENTS(map); j++) {
      if (strcmp(e->key, map[j][0]) != 0)
        continue;
      g_autofree char *v = g_strstrip(g_strdup(e->value));
      guint64 n;
      if (strcmp(v, "max") == 0)
        n = SD_INFINITY;
      else if (!g_ascii_string_to_unsigned(v, 10, 0, G_MAXUINT64 - 1, &n, NULL)) {
        cgfs_set_error(error, EINVAL, "unified.%s: '%s' is not a number or max", e->key,
                       e->value);
        return FALSE;
      }
      add_u64(b, map[j][1], n);
    }
  }
  return TRUE;
}

GVariant *cgfs_systemd_properties(const CgfsResources *r, int version, gboolean is_slice,
                                  CgfsResources **cgroupfs, GError **error)
{
  (void)is_slice;
  GVariantBuilder b;
  g_variant_builder_init(&b, G_VARIANT_TYPE("a(sv)"));
  add_memory(&b, &r->memory, version, -1);
  if (!add_cpu(&b, &r->cpu, version, error) ||
      (version == 2 && !add_unified(&b, r->unified, error))) {
    g_variant_builder_clear(&b);
    return NULL;
  }
  if (r->pids.has_limit && r->pids.limit != 0)
    add_u64(&b, "TasksMax", limit_value(r->pids.limit));
  add_block_io(&b, &r->block_io, version);
  gboolean devices_by_systemd = add_devices(&b, r->devices);
  /* cgroupfs gets everything else, and the rest too: the kernel checks each value and the
   * files hold it at once, where systemd applies its properties a moment later. */
  CgfsResources *rest = g_new(CgfsResources, 1);
  *rest = *r;
  rest->devices = devices_by_systemd ? g_array_new(FALSE, TRUE, sizeof(CgfsDeviceRule))
                                     : g_array_ref(r->devices);
  *cgroupfs = rest;
  return g_variant_builder_end(&b);
}

void cgfs_systemd_residual_free(CgfsResources *residual)
{
  if (!residual)
    return;
  g_array_unref(residual->devices);
  g_free(residual);
}

/* ---- reading the old values back ---- */

static gboolean is_list(const GVariant *v)
{
  return g_variant_is_of_type((GVariant *)v, G_VARIANT_TYPE("a(ss)")) ||
         g_variant_is_of_type((GVariant *)v, G_VARIANT_TYPE("a(st)"));
}

GVariant *cgfs_systemd_read_properties(CgfsSystemd *sd, const char *unit, GVariant *properties,
                                       GError **error)
{
  GVariantBuilder b;
  g_variant_builder_init(&b, G_VARIANT_TYPE("a(sv)"));
  g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
  GVariantIter iter;
  g_variant_iter_init(&iter, properties);
  const char *name;
  GVariant *value;
  while (g_variant_iter_next(&iter, "(&sv)", &name, &value)) {
    gboolean list = is_list(value);
    g_variant_unref(value);
    if (!g_hash_table_add(seen, (gpointer)name))
      continue;
    g_autoptr(GVariant) old = cgfs_systemd_get_property(sd, unit, name, error);
    if (!old) {
      g_variant_builder_clear(&b);
      return NULL;
    }
    /* A list property adds to what is there; the empty list first clears it. */
    if (list)
      g_variant_builder_add(&b, "(sv)", name, g_variant_new_array(
                                                  g_variant_type_element(g_variant_get_type(old)),
                                                  NULL, 0));
    g_variant_builder_add(&b, "(sv)", name, old);
  }
  return g_variant_builder_end(&b);
}
