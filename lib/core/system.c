#include "config-internal.h"

#include "fileio.h"
#include "stats-private.h"
#include "system-private.h"

struct _CgfsSystem {
  gint ref;
  GArray *mounts; /* CgfsMount */
  CgfsMode mode;
  char *prefix;               /* CgfsSystemSources.prefix, "" for the real machine */
  CgfsStatsCache *stats_cache; /* created by the first stats read */
};

void cgfs_mount_clear(CgfsMount *m)
{
  g_clear_pointer(&m->mount_point, g_free);
  g_clear_pointer(&m->dir, g_free);
  g_clear_pointer(&m->root, g_free);
  g_clear_pointer(&m->controllers, g_strfreev);
  g_clear_pointer(&m->self_path, g_free);
}

void cgfs_self_cgroup_clear(CgfsSelfCgroup *c)
{
  g_clear_pointer(&c->controllers, g_strfreev);
  g_clear_pointer(&c->path, g_free);
}

char *cgfs_mountinfo_unescape(const char *s)
{
  GString *out = g_string_sized_new(strlen(s));
  for (const char *p = s; *p; p++) {
    if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
        p[3] >= '0' && p[3] <= '7') {
      g_string_append_c(out, (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0')));
      p += 3;
    } else {
      g_string_append_c(out, *p);
    }
  }
  return g_string_free(out, FALSE);
}

/* Mount options of a v1 cgroup mount that are not subsystems. */
static gboolean is_v1_mount_option(const char *opt)
{
  static const char *const options[] = {
    "rw", "ro", "none", "all", "noprefix", "clone_children", "cpuset_v2_mode",
    "favordynmods", "xattr", NULL,
  };
  return g_strv_contains(options, opt) || g_str_has_prefix(opt, "release_agent=");
}

static char **v1_controllers(const char *super_options)
{
  g_auto(GStrv) opts = g_strsplit(super_options, ",", -1);
  GPtrArray *out = g_ptr_array_new();
  for (char **o = opts; *o; o++)
    if (**o && !is_v1_mount_option(*o))
      g_ptr_array_add(out, g_strdup(*o));
  g_ptr_array_add(out, NULL);
  return (char **)g_ptr_array_free(out, FALSE);
}

static gboolean same_controllers(char **a, char **b)
{
  if (g_strv_length(a) != g_strv_length(b))
    return FALSE;
  for (char **p = a; *p; p++)
    if (!g_strv_contains((const char *const *)b, *p))
      return FALSE;
  return TRUE;
}

static gboolean already_listed(GArray *mounts, const CgfsMount *m)
{
  for (guint i = 0; i < mounts->len; i++) {
    const CgfsMount *o = &g_array_index(mounts, CgfsMount, i);
    if (o->version != m->version)
      continue;
    if (m->version == 2 || same_controllers(o->controllers, m->controllers))
      return TRUE;
  }
  return FALSE;
}

/* Fill @m from one mountinfo line; FALSE (no error) if it is not a cgroup mount. */
static gboolean parse_mountinfo_line(const char *line, const char *prefix, CgfsMount *m,
                                     GError **error)
{
  g_auto(GStrv) f = g_strsplit(line, " ", -1);
  guint n = g_strv_length(f), sep = 6;
  while (sep < n && strcmp(f[sep], "-") != 0)
    sep++;
  if (n < 6 || sep + 2 >= n) {
    cgfs_set_error(error, EBADMSG, "mountinfo: invalid file format: line '%s'", line);
    return FALSE;
  }
  const char *fstype = f[sep + 1];
  if (strcmp(fstype, "cgroup") != 0 && strcmp(fstype, "cgroup2") != 0)
    return FALSE;
  m->version = strcmp(fstype, "cgroup2") == 0 ? 2 : 1;
  m->hierarchy_id = -1;
  m->root = cgfs_mountinfo_unescape(f[3]);
  m->mount_point = cgfs_mountinfo_unescape(f[4]);
  m->dir = g_strconcat(prefix ? prefix : "", m->mount_point, NULL);
  const char *super = sep + 3 < n ? f[sep + 3] : "";
  m->controllers = m->version == 1 ? v1_controllers(super) : NULL;
  return TRUE;
}

GArray *cgfs_parse_mountinfo(const char *text, const char *prefix, GError **error)
{
  g_autoptr(GArray) mounts = g_array_new(FALSE, TRUE, sizeof(CgfsMount));
  g_array_set_clear_func(mounts, (GDestroyNotify)cgfs_mount_clear);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++) {
    if (!**l)
      continue;
    CgfsMount m = { 0 };
    GError *local = NULL;
    if (!parse_mountinfo_line(*l, prefix, &m, &local)) {
      cgfs_mount_clear(&m);
      if (local) {
        g_propagate_error(error, local);
        return NULL;
      }
      continue;
    }
    if (already_listed(mounts, &m))
      cgfs_mount_clear(&m);
    else
      g_array_append_val(mounts, m);
  }
  return g_steal_pointer(&mounts);
}

GArray *cgfs_parse_proc_cgroup(const char *text, GError **error)
{
  g_autoptr(GArray) out = g_array_new(FALSE, TRUE, sizeof(CgfsSelfCgroup));
  g_array_set_clear_func(out, (GDestroyNotify)cgfs_self_cgroup_clear);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++) {
    if (!**l)
      continue;
    g_auto(GStrv) f = g_strsplit(*l, ":", 3);
    guint64 id;
    if (g_strv_length(f) != 3 || !g_ascii_string_to_unsigned(f[0], 10, 0, G_MAXINT, &id, NULL) ||
        f[2][0] != '/') {
      cgfs_set_error(error, EBADMSG, "/proc/self/cgroup: invalid file format: line '%s'", *l);
      return NULL;
    }
    CgfsSelfCgroup c = {
      .hierarchy_id = (int)id,
      .controllers = *f[1] ? g_strsplit(f[1], ",", -1) : g_new0(char *, 1),
      .path = g_strdup(f[2]),
    };
    g_array_append_val(out, c);
  }
  return g_steal_pointer(&out);
}

char *cgfs_mount_dir_for(const CgfsMount *m, const char *cgpath)
{
  const char *root = m->root;
  gsize rlen = strcmp(root, "/") == 0 ? 0 : strlen(root);
  if (strncmp(cgpath, root, rlen) != 0 || (cgpath[rlen] != '/' && cgpath[rlen] != '\0'))
    return NULL;
  const char *rest = cgpath + rlen;
  if (*rest == '\0' || strcmp(rest, "/") == 0)
    return g_strdup(m->dir);
  return g_strconcat(m->dir, rest, NULL);
}

static void attach_self_paths(GArray *mounts, GArray *self)
{
  for (guint i = 0; i < mounts->len; i++) {
    CgfsMount *m = &g_array_index(mounts, CgfsMount, i);
    for (guint j = 0; j < self->len; j++) {
      CgfsSelfCgroup *c = &g_array_index(self, CgfsSelfCgroup, j);
      gboolean v2_line = c->hierarchy_id == 0 && c->controllers[0] == NULL;
      if (m->version == 2 ? v2_line : (!v2_line && same_controllers(m->controllers, c->controllers))) {
        m->hierarchy_id = c->hierarchy_id;
        m->self_path = g_strdup(c->path);
        break;
      }
    }
  }
}

static void read_v2_controllers(GArray *mounts)
{
  for (guint i = 0; i < mounts->len; i++) {
    CgfsMount *m = &g_array_index(mounts, CgfsMount, i);
    if (m->version != 2)
      continue;
    g_autofree char *path = g_build_filename(m->dir, "cgroup.controllers", NULL);
    g_autofree char *line = cgfs_read_line_at(AT_FDCWD, path, NULL);
    m->controllers = line && *line ? g_strsplit(line, " ", -1) : g_new0(char *, 1);
  }
}

static CgfsMode mode_of(GArray *mounts)
{
  gboolean v1 = FALSE, v2 = FALSE;
  for (guint i = 0; i < mounts->len; i++) {
    if (g_array_index(mounts, CgfsMount, i).version == 1)
      v1 = TRUE;
    else
      v2 = TRUE;
  }
  if (v1 && v2)
    return CGFS_MODE_HYBRID;
  return v1 ? CGFS_MODE_LEGACY : v2 ? CGFS_MODE_UNIFIED : CGFS_MODE_UNAVAILABLE;
}

static char *read_source(const char *path, GError **error)
{
  g_autoptr(GError) local = NULL;
  char *text = cgfs_read_alloc_at(AT_FDCWD, path, NULL, &local);
  if (!text)
    cgfs_set_error(error, local->code, "cannot read %s: %s", path, g_strerror(local->code));
  return text;
}

CgfsSystem *cgfs_system_new_from(const CgfsSystemSources *sources, GError **error)
{
  CgfsSystemSources none = { 0 };
  if (!sources)
    sources = &none;
  g_autofree char *mountinfo = read_source(
      sources->mountinfo ? sources->mountinfo : "/proc/self/mountinfo", error);
  if (!mountinfo)
    return NULL;
  g_autofree char *self_text = read_source(
      sources->self_cgroup ? sources->self_cgroup : "/proc/self/cgroup", error);
  if (!self_text)
    return NULL;
  g_autoptr(GArray) mounts = cgfs_parse_mountinfo(mountinfo, sources->prefix, error);
  if (!mounts)
    return NULL;
  g_autoptr(GArray) self = cgfs_parse_proc_cgroup(self_text, error);
  if (!self)
    return NULL;
  attach_self_paths(mounts, self);
  read_v2_controllers(mounts);
  CgfsSystem *sys = g_new0(CgfsSystem, 1);
  sys->ref = 1;
  sys->mode = mode_of(mounts);
  sys->mounts = g_steal_pointer(&mounts);
  sys->prefix = g_strdup(sources->prefix ? sources->prefix : "");
  return sys;
}

CgfsSystem *cgfs_system_new(GError **error)
{
  return cgfs_system_new_from(NULL, error);
}

CgfsSystem *cgfs_system_ref(CgfsSystem *sys)
{
  g_atomic_int_inc(&sys->ref);
  return sys;
}

void cgfs_system_unref(CgfsSystem *sys)
{
  if (sys && g_atomic_int_dec_and_test(&sys->ref)) {
    g_array_unref(sys->mounts);
    cgfs_stats_cache_free(sys->stats_cache);
    g_free(sys->prefix);
    g_free(sys);
  }
}

CgfsMode cgfs_system_mode(const CgfsSystem *sys)
{
  return sys->mode;
}

const char *cgfs_mode_to_string(CgfsMode mode)
{
  switch (mode) {
  case CGFS_MODE_LEGACY:
    return "legacy";
  case CGFS_MODE_HYBRID:
    return "hybrid";
  case CGFS_MODE_UNIFIED:
    return "unified";
  case CGFS_MODE_UNAVAILABLE:
  default:
    return "unavailable";
  }
}

guint cgfs_system_n_mounts(const CgfsSystem *sys)
{
  return sys->mounts->len;
}

const CgfsMount *cgfs_system_mount(const CgfsSystem *sys, guint index)
{
  g_return_val_if_fail(index < sys->mounts->len, NULL);
  return &g_array_index(sys->mounts, CgfsMount, index);
}

const CgfsMount *cgfs_system_find_mount(const CgfsSystem *sys, const char *subsystem)
{
  gboolean unified = strcmp(subsystem, "unified") == 0;
  for (guint i = 0; i < sys->mounts->len; i++) {
    const CgfsMount *m = &g_array_index(sys->mounts, CgfsMount, i);
    if (unified ? m->version == 2
                : m->version == 1 && g_strv_contains((const char *const *)m->controllers, subsystem))
      return m;
  }
  return NULL;
}

const char *cgfs_system_prefix(const CgfsSystem *sys)
{
  return sys->prefix;
}

/* Created once, by whichever thread gets there first. */
CgfsStatsCache *cgfs_system_stats_cache(CgfsSystem *sys)
{
  CgfsStatsCache *c = g_atomic_pointer_get(&sys->stats_cache);
  if (c)
    return c;
  c = cgfs_stats_cache_new(sys->prefix);
  if (!g_atomic_pointer_compare_and_exchange(&sys->stats_cache, NULL, c)) {
    cgfs_stats_cache_free(c);
    c = g_atomic_pointer_get(&sys->stats_cache);
  }
  return c;
}
