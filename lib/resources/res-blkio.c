/* blockIO: v1 blkio (blkio.weight or blkio.bfq.weight, the *_device files, blkio.throttle.*),
 * v2 io (io.bfq.weight or io.weight converted, io.max). */
#include "config-internal.h"

#include "convert.h"
#include "fileio.h"
#include "resources-private.h"

typedef struct {
  const char *field; /* blockIO.<field> */
  const char *v1_file;
  const char *v2_key; /* io.max key */
  gsize off;          /* the list in CgfsBlockIOResources */
} Throttle;

static const Throttle throttles[] = {
  { "throttleReadBpsDevice", "blkio.throttle.read_bps_device", "rbps",
    G_STRUCT_OFFSET(CgfsBlockIOResources, throttle_read_bps_device) },
  { "throttleWriteBpsDevice", "blkio.throttle.write_bps_device", "wbps",
    G_STRUCT_OFFSET(CgfsBlockIOResources, throttle_write_bps_device) },
  { "throttleReadIOPSDevice", "blkio.throttle.read_iops_device", "riops",
    G_STRUCT_OFFSET(CgfsBlockIOResources, throttle_read_iops_device) },
  { "throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", "wiops",
    G_STRUCT_OFFSET(CgfsBlockIOResources, throttle_write_iops_device) },
};

static GArray *throttle_list(const CgfsBlockIOResources *b, const Throttle *t)
{
  return G_STRUCT_MEMBER(GArray *, b, t->off);
}

static char *device_key(gint64 major, gint64 minor)
{
  return g_strdup_printf("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT, major, minor);
}

static gboolean any_block_io(const CgfsBlockIOResources *b)
{
  if (b->has_weight || b->has_leaf_weight || b->weight_device->len)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS(throttles); i++)
    if (throttle_list(b, &throttles[i])->len)
      return TRUE;
  return FALSE;
}

static gboolean unsupported(const char *field, const char *why, GError **error)
{
  cgfs_set_error(error, EOPNOTSUPP, "%s: not supported here: %s", field, why);
  return FALSE;
}

/* ---- v1 ---- */

static gboolean plan_weight_v1(CgfsPlan *p, int fd, const CgfsBlockIOResources *b,
                               gboolean cfq, GError **error)
{
  if (b->has_weight) {
    if (cfq && b->weight < 10) {
      cgfs_set_error(error, ERANGE, "blockIO.weight: %u is out of range 10..1000",
                     (guint)b->weight);
      return FALSE;
    }
    g_autofree char *v = g_strdup_printf("%u", (guint)b->weight);
    if (!cgfs_plan_write(p, fd, "blockIO.weight", cfq ? "blkio.weight" : "blkio.bfq.weight", v,
                         error))
      return FALSE;
  }
  if (b->has_leaf_weight) {
    if (!cgfs_exists_at(fd, "blkio.leaf_weight"))
      return unsupported("blockIO.leafWeight", "no blkio.leaf_weight (CFQ only)", error);
    g_autofree char *v = g_strdup_printf("%u", (guint)b->leaf_weight);
    if (!cgfs_plan_write(p, fd, "blockIO.leafWeight", "blkio.leaf_weight", v, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean plan_weight_device_v1(CgfsPlan *p, int fd, const CgfsWeightDevice *w, guint i,
                                      gboolean cfq, GError **error)
{
  g_autofree char *key = device_key(w->major, w->minor);
  g_autofree char *absent = g_strconcat(key, " 0", NULL);
  if (w->has_weight) {
    g_autofree char *field = g_strdup_printf("blockIO.weightDevice[%u].weight", i);
    g_autofree char *v = g_strdup_printf("%s %u", key, (guint)w->weight);
    const char *file = cfq ? "blkio.weight_device" : "blkio.bfq.weight_device";
    if (!cgfs_plan_write_keyed(p, fd, field, file, key, v, absent, error))
      return FALSE;
  }
  if (w->has_leaf_weight) {
    g_autofree char *field = g_strdup_printf("blockIO.weightDevice[%u].leafWeight", i);
    g_autofree char *v = g_strdup_printf("%s %u", key, (guint)w->leaf_weight);
    if (!cgfs_exists_at(fd, "blkio.leaf_weight_device"))
      return unsupported(field, "no blkio.leaf_weight_device (CFQ only)", error);
    if (!cgfs_plan_write_keyed(p, fd, field, "blkio.leaf_weight_device", key, v, absent, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean plan_v1(CgfsPlan *p, const CgfsBlockIOResources *b, GError **error)
{
  int fd = cgfs_plan_dir(p, "blkio", "blockIO", error);
  if (fd < 0)
    return FALSE;
  gboolean cfq = cgfs_exists_at(fd, "blkio.weight");
  if ((b->has_weight || b->weight_device->len) && !cfq && !cgfs_exists_at(fd, "blkio.bfq.weight"))
    return unsupported(b->has_weight ? "blockIO.weight" : "blockIO.weightDevice",
                       "neither blkio.weight nor blkio.bfq.weight exists", error);
  if (!plan_weight_v1(p, fd, b, cfq, error))
    return FALSE;
  for (guint i = 0; i < b->weight_device->len; i++)
    if (!plan_weight_device_v1(p, fd, &g_array_index(b->weight_device, CgfsWeightDevice, i), i,
                               cfq, error))
      return FALSE;
  for (guint t = 0; t < G_N_ELEMENTS(throttles); t++) {
    GArray *list = throttle_list(b, &throttles[t]);
    for (guint i = 0; i < list->len; i++) {
      const CgfsThrottleDevice *d = &g_array_index(list, CgfsThrottleDevice, i);
      g_autofree char *field = g_strdup_printf("blockIO.%s[%u]", throttles[t].field, i);
      g_autofree char *key = device_key(d->major, d->minor);
      g_autofree char *v = g_strdup_printf("%s %" G_GUINT64_FORMAT, key, d->rate);
      g_autofree char *absent = g_strconcat(key, " 0", NULL);
      if (!cgfs_plan_write_keyed(p, fd, field, throttles[t].v1_file, key, v, absent, error))
        return FALSE;
    }
  }
  return TRUE;
}

/* ---- v2 ---- */

/* The four io.max values of @line ("MAJ:MIN rbps=.. wbps=.. riops=.. wiops=.."). */
static void parse_io_max(const char *line, char *values[4])
{
  g_auto(GStrv) tokens = g_strsplit(line, " ", -1);
  for (guint k = 0; k < 4; k++)
    values[k] = g_strdup("max");
  for (char **tok = tokens; *tok; tok++)
    for (guint k = 0; k < 4; k++) {
      gsize n = strlen(throttles[k].v2_key);
      if (strncmp(*tok, throttles[k].v2_key, n) == 0 && (*tok)[n] == '=') {
        g_free(values[k]);
        values[k] = g_strdup(*tok + n + 1);
      }
    }
}

/* One io.max write per device, its four values: the ones given, the others as they are. */
static gboolean plan_io_max(CgfsPlan *p, int fd, const CgfsBlockIOResources *b, GError **error)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func(g_free);
  for (guint t = 0; t < G_N_ELEMENTS(throttles); t++) {
    GArray *list = throttle_list(b, &throttles[t]);
    for (guint i = 0; i < list->len; i++) {
      const CgfsThrottleDevice *d = &g_array_index(list, CgfsThrottleDevice, i);
      char *key = device_key(d->major, d->minor);
      if (g_ptr_array_find_with_equal_func(keys, key, g_str_equal, NULL)) {
        g_free(key);
        continue;
      }
      g_ptr_array_add(keys, key);
      g_ptr_array_add(fields, g_strdup_printf("blockIO.%s[%u]", throttles[t].field, i));
    }
  }
  if (keys->len == 0)
    return TRUE;
  g_autofree char *text = cgfs_plan_read(p, fd, fields->pdata[0], "io.max", error);
  if (!text)
    return FALSE;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (guint i = 0; i < keys->len; i++) {
    const char *key = keys->pdata[i];
    const char *line = cgfs_res_find_line(lines, key);
    char *values[4];
    parse_io_max(line ? line : "", values);
    for (guint t = 0; t < G_N_ELEMENTS(throttles); t++) {
      GArray *list = throttle_list(b, &throttles[t]);
      for (guint j = 0; j < list->len; j++) {
        const CgfsThrottleDevice *d = &g_array_index(list, CgfsThrottleDevice, j);
        g_autofree char *k = device_key(d->major, d->minor);
        if (strcmp(k, key) != 0)
          continue;
        g_free(values[t]);
        /* 0 removes a v1 limit; v2 says "max". */
        values[t] = d->rate ? g_strdup_printf("%" G_GUINT64_FORMAT, d->rate) : g_strdup("max");
      }
    }
    g_autofree char *v = g_strdup_printf("%s rbps=%s wbps=%s riops=%s wiops=%s", key, values[0],
                                         values[1], values[2], values[3]);
    g_autofree char *absent = g_strconcat(key, " rbps=max wbps=max riops=max wiops=max", NULL);
    for (guint k = 0; k < 4; k++)
      g_free(values[k]);
    if (!cgfs_plan_write_keyed(p, fd, fields->pdata[i], "io.max", key, v, absent, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean plan_v2(CgfsPlan *p, const CgfsBlockIOResources *b, GError **error)
{
  if (b->has_leaf_weight)
    return unsupported("blockIO.leafWeight", "no leaf weights on cgroup v2", error);
  for (guint i = 0; i < b->weight_device->len; i++)
    if (g_array_index(b->weight_device, CgfsWeightDevice, i).has_leaf_weight) {
      g_autofree char *field = g_strdup_printf("blockIO.weightDevice[%u].leafWeight", i);
      return unsupported(field, "no leaf weights on cgroup v2", error);
    }
  int fd = cgfs_plan_dir(p, "io", "blockIO", error);
  if (fd < 0)
    return FALSE;
  gboolean bfq = cgfs_exists_at(fd, "io.bfq.weight");
  const char *file = bfq ? "io.bfq.weight" : "io.weight";
  if ((b->has_weight || b->weight_device->len) && !bfq && !cgfs_exists_at(fd, "io.weight"))
    return unsupported(b->has_weight ? "blockIO.weight" : "blockIO.weightDevice",
                       "neither io.bfq.weight nor io.weight exists", error);
  if (b->has_weight) {
    guint64 w = bfq ? b->weight : cgfs_blkio_weight_to_io_weight(b->weight);
    g_autofree char *v = g_strdup_printf("default %" G_GUINT64_FORMAT, w);
    if (!cgfs_plan_write_keyed(p, fd, "blockIO.weight", file, "default", v, "default 100",
                               error))
      return FALSE;
  }
  for (guint i = 0; i < b->weight_device->len; i++) {
    const CgfsWeightDevice *d = &g_array_index(b->weight_device, CgfsWeightDevice, i);
    g_autofree char *field = g_strdup_printf("blockIO.weightDevice[%u].weight", i);
    g_autofree char *key = device_key(d->major, d->minor);
    guint64 w = bfq ? d->weight : cgfs_blkio_weight_to_io_weight(d->weight);
    g_autofree char *v = g_strdup_printf("%s %" G_GUINT64_FORMAT, key, w);
    g_autofree char *absent = g_strconcat(key, " default", NULL);
    if (!cgfs_plan_write_keyed(p, fd, field, file, key, v, absent, error))
      return FALSE;
  }
  return plan_io_max(p, fd, b, error);
}

static gboolean plan(CgfsPlan *p, const CgfsResources *r, GError **error)
{
  if (!any_block_io(&r->block_io))
    return TRUE;
  if (cgfs_plan_version(p) == 2)
    return plan_v2(p, &r->block_io, error);
  return plan_v1(p, &r->block_io, error);
}

/* ---- read-back ---- */

static gboolean parse_device(const char *token, gint64 *major, gint64 *minor)
{
  g_auto(GStrv) mm = g_strsplit(token, ":", 2);
  return g_strv_length(mm) == 2 &&
         g_ascii_string_to_signed(mm[0], 10, 0, G_MAXINT64, major, NULL) &&
         g_ascii_string_to_signed(mm[1], 10, 0, G_MAXINT64, minor, NULL);
}

static CgfsWeightDevice *weight_device_for(GArray *list, gint64 major, gint64 minor)
{
  for (guint i = 0; i < list->len; i++) {
    CgfsWeightDevice *d = &g_array_index(list, CgfsWeightDevice, i);
    if (d->major == major && d->minor == minor)
      return d;
  }
  CgfsWeightDevice d = { .major = major, .minor = minor };
  g_array_append_val(list, d);
  return &g_array_index(list, CgfsWeightDevice, list->len - 1);
}

/* "MAJ:MIN N" lines; a "default N" line gives *@def. */
static gboolean read_device_lines(int fd, const char *file, gboolean leaf, GArray *list,
                                  gboolean *has_def, guint64 *def, GError **error)
{
  g_autofree char *text = NULL;
  if (!cgfs_res_read_optional(fd, file, &text, error))
    return FALSE;
  g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
  for (char **l = lines; *l; l++) {
    g_auto(GStrv) f = g_strsplit(*l, " ", 2);
    guint64 w;
    gint64 major, minor;
    if (g_strv_length(f) != 2 || !g_ascii_string_to_unsigned(f[1], 10, 0, G_MAXUINT16, &w, NULL))
      continue;
    if (strcmp(f[0], "default") == 0) {
      if (has_def)
        *has_def = TRUE, *def = w;
      continue;
    }
    if (!parse_device(f[0], &major, &minor))
      continue;
    CgfsWeightDevice *d = weight_device_for(list, major, minor);
    if (leaf)
      d->has_leaf_weight = TRUE, d->leaf_weight = (guint16)w;
    else
      d->has_weight = TRUE, d->weight = (guint16)w;
  }
  return TRUE;
}

static gboolean read_v1(int fd, CgfsBlockIOResources *b, GError **error)
{
  gint64 w;
  gboolean has = FALSE;
  const char *weight_file = cgfs_exists_at(fd, "blkio.weight") ? "blkio.weight"
                                                                : "blkio.bfq.weight";
  if (!cgfs_res_read_int(fd, weight_file, 0, G_MAXUINT16, &has, &w, error))
    return FALSE;
  b->has_weight = has, b->weight = has ? (guint16)w : 0;
  has = FALSE;
  if (!cgfs_res_read_int(fd, "blkio.leaf_weight", 0, G_MAXUINT16, &has, &w, error))
    return FALSE;
  b->has_leaf_weight = has, b->leaf_weight = has ? (guint16)w : 0;
  const char *dev_file = strcmp(weight_file, "blkio.weight") == 0 ? "blkio.weight_device"
                                                                  : "blkio.bfq.weight_device";
  if (!read_device_lines(fd, dev_file, FALSE, b->weight_device, NULL, NULL, error) ||
      !read_device_lines(fd, "blkio.leaf_weight_device", TRUE, b->weight_device, NULL, NULL,
                         error))
    return FALSE;
  for (guint t = 0; t < G_N_ELEMENTS(throttles); t++) {
    g_autofree char *text = NULL;
    if (!cgfs_res_read_optional(fd, throttles[t].v1_file, &text, error))
      return FALSE;
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
    for (char **l = lines; *l; l++) {
      g_auto(GStrv) f = g_strsplit(*l, " ", 2);
      CgfsThrottleDevice d;
      if (g_strv_length(f) == 2 && parse_device(f[0], &d.major, &d.minor) &&
          g_ascii_string_to_unsigned(f[1], 10, 0, G_MAXINT64, &d.rate, NULL))
        g_array_append_val(throttle_list(b, &throttles[t]), d);
    }
  }
  return TRUE;
}

/* io.weight in OCI terms if every value converts back exactly; otherwise it is reported
 * whole under "unified", so that writing it back gives the same file. */
static gboolean read_io_weight(int fd, CgfsResources *r, GError **error)
{
  g_autofree char *text = NULL;
  if (!cgfs_res_read_optional(fd, "io.weight", &text, error))
    return FALSE;
  if (!text)
    return TRUE;
  g_autoptr(GArray) devices = g_array_new(FALSE, TRUE, sizeof(CgfsWeightDevice));
  gboolean has_def = FALSE;
  guint64 def = 0, w;
  if (!read_device_lines(fd, "io.weight", FALSE, devices, &has_def, &def, error))
    return FALSE;
  gboolean exact = !has_def || cgfs_io_weight_to_blkio_weight(def, &w);
  for (guint i = 0; exact && i < devices->len; i++) {
    CgfsWeightDevice *d = &g_array_index(devices, CgfsWeightDevice, i);
    exact = cgfs_io_weight_to_blkio_weight(d->weight, &w);
    d->weight = (guint16)w;
  }
  if (!exact) {
    cgfs_res_add_unified_file(r, "io.weight", text);
    return TRUE;
  }
  if (has_def && cgfs_io_weight_to_blkio_weight(def, &w))
    r->block_io.has_weight = TRUE, r->block_io.weight = (guint16)w;
  g_array_append_vals(r->block_io.weight_device, devices->data, devices->len);
  return TRUE;
}

static gboolean read_io_max(int fd, CgfsBlockIOResources *b, GError **error)
{
  g_autofree char *text = NULL;
  if (!cgfs_res_read_optional(fd, "io.max", &text, error))
    return FALSE;
  g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
  for (char **l = lines; *l; l++) {
    CgfsThrottleDevice d;
    g_auto(GStrv) f = g_strsplit(*l, " ", 2);
    if (g_strv_length(f) != 2 || !parse_device(f[0], &d.major, &d.minor))
      continue;
    char *values[4];
    parse_io_max(*l, values);
    for (guint t = 0; t < 4; t++) {
      if (g_ascii_string_to_unsigned(values[t], 10, 1, G_MAXINT64, &d.rate, NULL))
        g_array_append_val(throttle_list(b, &throttles[t]), d);
      g_free(values[t]);
    }
  }
  return TRUE;
}

static gboolean read_v2(int fd, CgfsResources *r, GError **error)
{
  CgfsBlockIOResources *b = &r->block_io;
  if (cgfs_exists_at(fd, "io.bfq.weight")) {
    guint64 def = 0;
    gboolean has_def = FALSE;
    if (!read_device_lines(fd, "io.bfq.weight", FALSE, b->weight_device, &has_def, &def, error))
      return FALSE;
    b->has_weight = has_def, b->weight = (guint16)def;
  } else if (!read_io_weight(fd, r, error)) {
    return FALSE;
  }
  return read_io_max(fd, b, error);
}

static gboolean read_back(CgfsCgroup *cg, CgfsResources *out, GError **error)
{
  int fd = cgfs_res_read_dir(cg, cgfs_cgroup_version(cg) == 2 ? "io" : "blkio");
  if (fd < 0)
    return TRUE;
  if (cgfs_cgroup_version(cg) == 2)
    return read_v2(fd, out, error);
  return read_v1(fd, &out->block_io, error);
}

const CgfsResController cgfs_res_blkio = { "blkio", plan, read_back };
