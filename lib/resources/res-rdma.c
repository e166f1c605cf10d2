/* rdma: rdma.max ("DEVICE hca_handle=N hca_object=M", "max" for none) on v1 and v2. */
#include "config-internal.h"

#include "resources-private.h"

static char *value_of(const char *line, const char *key)
{
  g_auto(GStrv) tokens = g_strsplit(line ? line : "", " ", -1);
  gsize n = strlen(key);
  for (char **t = tokens; *t; t++)
    if (strncmp(*t, key, n) == 0 && (*t)[n] == '=')
      return g_strdup(*t + n + 1);
  return g_strdup("max");
}

static char *limit_or(gboolean has, guint32 v, const char *line, const char *key)
{
  return has ? g_strdup_printf("%u", v) : value_of(line, key);
}

static gboolean plan(CgfsPlan *p, const CgfsResources *r, GError **error)
{
  if (r->rdma->len == 0)
    return TRUE;
  g_autofree char *first = g_strdup_printf("rdma[\"%s\"]",
                                           g_array_index(r->rdma, CgfsRdmaLimit, 0).device);
  int fd = cgfs_plan_dir(p, "rdma", first, error);
  if (fd < 0)
    return FALSE;
  g_autofree char *text = cgfs_plan_read(p, fd, first, "rdma.max", error);
  if (!text)
    return FALSE;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (guint i = 0; i < r->rdma->len; i++) {
    const CgfsRdmaLimit *l = &g_array_index(r->rdma, CgfsRdmaLimit, i);
    g_autofree char *field = g_strdup_printf("rdma[\"%s\"]", l->device);
    const char *line = cgfs_res_find_line(lines, l->device);
    if (!line) {
      cgfs_set_error(error, ENODEV, "%s: no RDMA device %s here (not in rdma.max)", field,
                     l->device);
      return FALSE;
    }
    /* Both values always, the one not given as it is: the file reads back the same. */
    g_autofree char *handles = limit_or(l->has_hca_handles, l->hca_handles, line, "hca_handle");
    g_autofree char *objects = limit_or(l->has_hca_objects, l->hca_objects, line, "hca_object");
    g_autofree char *v = g_strdup_printf("%s hca_handle=%s hca_object=%s", l->device, handles,
                                         objects);
    if (!cgfs_plan_write_keyed(p, fd, field, "rdma.max", l->device, v, line, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean read_limit(const char *line, const char *key, gboolean *has, guint32 *out)
{
  g_autofree char *v = value_of(line, key);
  guint64 n;
  *has = g_ascii_string_to_unsigned(v, 10, 0, G_MAXUINT32, &n, NULL);
  *out = *has ? (guint32)n : 0;
  return *has;
}

static gboolean read_back(CgfsCgroup *cg, CgfsResources *out, GError **error)
{
  int fd = cgfs_res_read_dir(cg, "rdma");
  g_autofree char *text = NULL;
  if (fd < 0 || !cgfs_res_read_optional(fd, "rdma.max", &text, error))
    return fd < 0;
  g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
  for (char **l = lines; *l; l++) {
    g_auto(GStrv) f = g_strsplit(*l, " ", 2);
    CgfsRdmaLimit lim = { 0 };
    if (!**l || strlen(f[0]) >= sizeof lim.device)
      continue;
    g_strlcpy(lim.device, f[0], sizeof lim.device);
    gboolean a = read_limit(*l, "hca_handle", &lim.has_hca_handles, &lim.hca_handles);
    gboolean b = read_limit(*l, "hca_object", &lim.has_hca_objects, &lim.hca_objects);
    if (a || b)
      g_array_append_val(out->rdma, lim);
  }
  return TRUE;
}

const CgfsResController cgfs_res_rdma = { "rdma", plan, read_back };
