/* What a cgroup namespace reaches of a hierarchy (cgfs/cgroupns.h).
 *
 * Everything here compares cgroup paths as /proc/PID/cgroup writes them (the hierarchy's own
 * paths, independent of where a mount's root is): a hierarchy path of the library (relative to
 * the mount's directory) is the mount's root followed by it. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "config-internal.h"
#include "fileio.h"
#include "system-private.h"

#include <cgfs/cgroupns.h>

typedef struct {
  const CgfsMount *mount;
  char *root; /* the namespace's root in this hierarchy (a cgroup path); NULL: none reachable */
} NsRootEntry;

struct _CgfsNsRoot {
  gint ref;
  GArray *entries; /* NsRootEntry, one per subsystem of the hierarchy */
};

static void entry_clear(NsRootEntry *e)
{
  g_clear_pointer(&e->root, g_free);
}

static CgfsNsRoot *ns_root_alloc(const CgfsHierarchy *h)
{
  CgfsNsRoot *r = g_new0(CgfsNsRoot, 1);
  r->ref = 1;
  r->entries = g_array_new(FALSE, TRUE, sizeof(NsRootEntry));
  g_array_set_clear_func(r->entries, (GDestroyNotify)entry_clear);
  for (guint i = 0; i < cgfs_hierarchy_n_subsystems(h); i++) {
    NsRootEntry e = { .mount = cgfs_hierarchy_subsystem(h, i)->mount };
    g_array_append_val(r->entries, e);
  }
  return r;
}

CgfsNsRoot *cgfs_ns_root_new_none(const CgfsHierarchy *h)
{
  return ns_root_alloc(h);
}

CgfsNsRoot *cgfs_ns_root_ref(CgfsNsRoot *r)
{
  g_atomic_int_inc(&r->ref);
  return r;
}

void cgfs_ns_root_unref(CgfsNsRoot *r)
{
  if (!r || !g_atomic_int_dec_and_test(&r->ref))
    return;
  g_array_unref(r->entries);
  g_free(r);
}

static gboolean is_below(const char *path, const char *ancestor)
{
  gsize n = strlen(ancestor);
  if (strcmp(ancestor, "/") == 0)
    return TRUE;
  return strncmp(path, ancestor, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* The path of @m's hierarchy in @lines (parsed /proc/PID/cgroup), or NULL. */
static const char *line_for(GArray *lines, const CgfsMount *m)
{
  for (guint i = 0; lines && i < lines->len; i++) {
    const CgfsSelfCgroup *c = &g_array_index(lines, CgfsSelfCgroup, i);
    if (m->hierarchy_id >= 0 && c->hierarchy_id == m->hierarchy_id)
      return c->path;
  }
  return NULL;
}

/* @absolute less its end @relative: the namespace's root ("/a/b/c" less "/b/c" is "/a"). */
static char *strip_relative(const char *absolute, const char *relative, GError **error)
{
  if (g_str_has_prefix(relative, "/..")) {
    cgfs_set_error(error, ENOENT, "the process is outside its cgroup namespace's root (%s)",
                   relative);
    return NULL;
  }
  if (strcmp(relative, "/") == 0)
    return g_strdup(absolute);
  gsize a = strlen(absolute), r = strlen(relative);
  if (r > a || strcmp(absolute + a - r, relative) != 0) {
    cgfs_set_error(error, EINVAL, "cgroup %s seen from its namespace as %s: not its end",
                   absolute, relative);
    return NULL;
  }
  return a == r ? g_strdup("/") : g_strndup(absolute, a - r);
}

CgfsNsRoot *cgfs_ns_root_new(const CgfsHierarchy *h, const char *absolute, const char *relative,
                             GError **error)
{
  g_autoptr(GArray) abs_lines = cgfs_parse_proc_cgroup(absolute, error);
  g_autoptr(GArray) rel_lines = abs_lines ? cgfs_parse_proc_cgroup(relative, error) : NULL;
  if (!rel_lines)
    return NULL;
  g_autoptr(CgfsNsRoot) r = ns_root_alloc(h);
  for (guint i = 0; i < r->entries->len; i++) {
    NsRootEntry *e = &g_array_index(r->entries, NsRootEntry, i);
    const char *a = line_for(abs_lines, e->mount), *rel = line_for(rel_lines, e->mount);
    if (!a || !rel)
      continue; /* a hierarchy the process is not listed in: nothing of it reachable */
    if (!(e->root = strip_relative(a, rel, error)))
      return NULL;
  }
  return g_steal_pointer(&r);
}

/* The cgroup path of the library's hierarchy path @path in mount @m. */
static char *cgroup_path(const CgfsMount *m, const char *path)
{
  if (strcmp(m->root, "/") == 0)
    return g_strdup(path);
  return strcmp(path, "/") == 0 ? g_strdup(m->root) : g_strconcat(m->root, path, NULL);
}

static CgfsNsPlace place_in(const NsRootEntry *e, const char *path)
{
  if (!e->root)
    return CGFS_NS_OUTSIDE;
  g_autofree char *cg = cgroup_path(e->mount, path);
  if (strcmp(cg, e->root) == 0)
    return CGFS_NS_ROOT;
  if (is_below(cg, e->root))
    return CGFS_NS_INSIDE;
  return is_below(e->root, cg) ? CGFS_NS_ABOVE : CGFS_NS_OUTSIDE;
}

CgfsNsPlace cgfs_ns_root_place(const CgfsNsRoot *r, const char *path)
{
  gboolean above = FALSE, root = FALSE;
  if (r->entries->len == 0)
    return CGFS_NS_OUTSIDE;
  for (guint i = 0; i < r->entries->len; i++) {
    CgfsNsPlace p = place_in(&g_array_index(r->entries, NsRootEntry, i), path);
    if (p == CGFS_NS_OUTSIDE)
      return CGFS_NS_OUTSIDE;
    above |= p == CGFS_NS_ABOVE;
    root |= p == CGFS_NS_ROOT;
  }
  return above ? CGFS_NS_ABOVE : root ? CGFS_NS_ROOT : CGFS_NS_INSIDE;
}

gboolean cgfs_ns_place_reachable(CgfsNsPlace place)
{
  return place == CGFS_NS_ROOT || place == CGFS_NS_INSIDE;
}

gboolean cgfs_ns_root_check_task(const CgfsNsRoot *r, pid_t pid, GError **error)
{
  g_autofree char *proc = g_strdup_printf("/proc/%d/cgroup", (int)pid);
  g_autofree char *text = pid > 0 ? cgfs_read_alloc_at(AT_FDCWD, proc, NULL, NULL) : NULL;
  g_autoptr(GArray) lines = text ? cgfs_parse_proc_cgroup(text, NULL) : NULL;
  if (!lines) {
    cgfs_set_error(error, ESRCH, "invalid pid %d: no such process", (int)pid);
    return FALSE;
  }
  for (guint i = 0; i < r->entries->len; i++) {
    const NsRootEntry *e = &g_array_index(r->entries, NsRootEntry, i);
    const char *now = line_for(lines, e->mount);
    if (!e->root || !now || !is_below(now, e->root)) {
      cgfs_set_error(error, ENOENT,
                     "process %d is in %s, outside the writer's cgroup namespace (root %s)",
                     (int)pid, now ? now : "?", e->root ? e->root : "unknown");
      return FALSE;
    }
  }
  return TRUE;
}
