/* network: net_cls.classid and net_prio.ifpriomap, cgroup v1 only (v2 has no equivalent). */
#include "config-internal.h"

#include "resources-private.h"

static gboolean plan(CgfsPlan *p, const CgfsResources *r, GError **error)
{
  const CgfsNetworkResources *n = &r->network;
  if (!n->has_class_id && n->priorities->len == 0)
    return TRUE;
  const char *field = n->has_class_id ? "network.classID" : "network.priorities";
  if (cgfs_plan_version(p) == 2) {
    cgfs_set_error(error, EOPNOTSUPP, "%s: not supported on cgroup v2 (no net_cls or net_prio "
                   "controller)", field);
    return FALSE;
  }
  if (n->has_class_id) {
    int fd = cgfs_plan_dir(p, "net_cls", field, error);
    g_autofree char *v = g_strdup_printf("%u", n->class_id);
    if (fd < 0 || !cgfs_plan_write(p, fd, field, "net_cls.classid", v, error))
      return FALSE;
  }
  if (n->priorities->len == 0)
    return TRUE;
  int fd = cgfs_plan_dir(p, "net_prio", "network.priorities", error);
  if (fd < 0)
    return FALSE;
  for (guint i = 0; i < n->priorities->len; i++) {
    const CgfsInterfacePriority *ip = &g_array_index(n->priorities, CgfsInterfacePriority, i);
    g_autofree char *f = g_strdup_printf("network.priorities[%u]", i);
    g_autofree char *v = g_strdup_printf("%s %u", ip->name, ip->priority);
    g_autofree char *absent = g_strdup_printf("%s 0", ip->name);
    if (!cgfs_plan_write_keyed(p, fd, f, "net_prio.ifpriomap", ip->name, v, absent, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean read_priorities(int fd, GArray *out, GError **error)
{
  g_autofree char *text = NULL;
  if (!cgfs_res_read_optional(fd, "net_prio.ifpriomap", &text, error))
    return FALSE;
  g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
  for (char **l = lines; *l; l++) {
    g_auto(GStrv) f = g_strsplit(*l, " ", 2);
    CgfsInterfacePriority ip = { 0 };
    guint64 prio;
    if (g_strv_length(f) != 2 || strlen(f[0]) >= sizeof ip.name ||
        !g_ascii_string_to_unsigned(f[1], 10, 0, G_MAXUINT32, &prio, NULL))
      continue;
    g_strlcpy(ip.name, f[0], sizeof ip.name);
    ip.priority = (guint32)prio;
    g_array_append_val(out, ip);
  }
  return TRUE;
}

static gboolean read_back(CgfsCgroup *cg, CgfsResources *out, GError **error)
{
  if (cgfs_cgroup_version(cg) == 2)
    return TRUE;
  int cls = cgfs_res_read_dir(cg, "net_cls");
  gint64 v;
  gboolean has = FALSE;
  if (!cgfs_res_read_int(cls, "net_cls.classid", 0, G_MAXUINT32, &has, &v, error))
    return FALSE;
  out->network.has_class_id = has;
  out->network.class_id = has ? (guint32)v : 0;
  return read_priorities(cgfs_res_read_dir(cg, "net_prio"), out->network.priorities, error);
}

const CgfsResController cgfs_res_net = { "net", plan, read_back };
