/* cgroup v2: a controller's files appear in a cgroup once every ancestor, from the mount's root
 * down to the parent, lists it in cgroup.subtree_control.
 *
 * Threaded subtrees (cgroup.type "domain threaded" at their root, "threaded" below): only the
 * threaded controllers (cpu, cpuset, pids, perf_event) can be enabled there, and for those the
 * kernel waives the no-internal-process rule (also for a domain cgroup that can still become a
 * thread root), so it is left to the kernel to decide; the processes of a threaded cgroup
 * cannot even be listed (cgroup.procs is EOPNOTSUPP there). */
#include "config-internal.h"

#include "fileio.h"
#include "resources-private.h"

static gboolean file_lists(int fd, const char *file, const char *word, GError **error,
                           gboolean *listed)
{
  g_autofree char *line = cgfs_read_line_at(fd, file, error);
  if (!line)
    return FALSE;
  g_auto(GStrv) words = g_strsplit(line, " ", -1);
  *listed = g_strv_contains((const char *const *)words, word);
  return TRUE;
}

static gboolean has_processes(int fd, GError **error, gboolean *busy)
{
  g_autofree char *procs = cgfs_read_line_at(fd, "cgroup.procs", error);
  if (!procs)
    return FALSE;
  *busy = *procs != '\0';
  return TRUE;
}

static gboolean is_threaded_controller(const char *controller)
{
  static const char *const threaded[] = { "cpu", "cpuset", "pids", "perf_event", NULL };
  return g_strv_contains(threaded, controller);
}

/* Whether @fd is a cgroup of a threaded subtree: its root ("domain threaded") or below. */
static gboolean in_threaded_subtree(int fd, GError **error, gboolean *threaded, char **type)
{
  *threaded = FALSE;
  if (!cgfs_exists_at(fd, "cgroup.type"))
    return TRUE; /* the root cgroup */
  *type = cgfs_read_line_at(fd, "cgroup.type", error);
  if (!*type)
    return FALSE;
  *threaded = strcmp(*type, "threaded") == 0 || strcmp(*type, "domain threaded") == 0;
  return TRUE;
}

/* The kernel refused: say why in the terms of cgroup v2. */
static gboolean explain_refusal(GError **error, const char *field, const char *controller,
                                const char *dir)
{
  if (!error || !*error || (*error)->code != EBUSY)
    return FALSE;
  g_autofree char *kernel = g_strdup((*error)->message);
  g_clear_error(error);
  cgfs_set_error(error, EBUSY,
                 "%s: cannot enable the %s controller in %s/cgroup.subtree_control: %s has "
                 "processes, and cgroup v2 gives controllers to the children of a cgroup only "
                 "when it has none (no-internal-process rule) [%s]",
                 field, controller, dir, dir, kernel);
  return FALSE;
}

/* Enable @controller in the subtree_control of @dir (fd @fd) unless it already is. */
static gboolean enable_in(CgfsPlan *p, int fd, const char *dir, gboolean is_root,
                          const char *controller, const char *field, GError **error)
{
  gboolean enabled, busy = FALSE, threaded = FALSE;
  if (!file_lists(fd, "cgroup.subtree_control", controller, error, &enabled))
    return FALSE;
  if (enabled)
    return TRUE;
  g_autofree char *type = NULL;
  if (!is_root && !in_threaded_subtree(fd, error, &threaded, &type))
    return FALSE;
  if (threaded && !is_threaded_controller(controller)) {
    cgfs_set_error(error, EOPNOTSUPP,
                   "%s: cannot enable the %s controller in %s: it is in a threaded subtree "
                   "(cgroup.type '%s'), where only the threaded controllers cpu, cpuset, pids "
                   "and perf_event work",
                   field, controller, dir, type);
    return FALSE;
  }
  if (is_threaded_controller(controller)) {
    g_autofree char *label = g_build_filename(dir, "cgroup.subtree_control", NULL);
    g_autofree char *plus = g_strconcat("+", controller, NULL);
    g_autofree char *minus = g_strconcat("-", controller, NULL);
    return cgfs_plan_run_now(p, fd, label, field, "cgroup.subtree_control", plus, minus,
                             error) ||
           explain_refusal(error, field, controller, dir);
  }
  if (!is_root && !has_processes(fd, error, &busy))
    return FALSE;
  if (busy) {
    cgfs_set_error(error, EBUSY,
                   "%s: cannot enable the %s controller in %s/cgroup.subtree_control: %s has "
                   "processes, and cgroup v2 gives controllers to the children of a cgroup only "
                   "when it has none (no-internal-process rule)",
                   field, controller, dir, dir);
    return FALSE;
  }
  g_autofree char *label = g_build_filename(dir, "cgroup.subtree_control", NULL);
  g_autofree char *plus = g_strconcat("+", controller, NULL);
  g_autofree char *minus = g_strconcat("-", controller, NULL);
  return cgfs_plan_run_now(p, fd, label, field, "cgroup.subtree_control", plus, minus, error);
}

gboolean cgfs_plan_enable_v2(CgfsPlan *p, const char *controller, const char *field,
                             GError **error)
{
  CgfsCgroup *cg = cgfs_plan_cgroup(p);
  const CgfsCgroupDir *d = cgfs_cgroup_dir(cg, "unified");
  gboolean listed;
  if (!file_lists(d->fd, "cgroup.controllers", controller, error, &listed))
    return FALSE;
  const char *root = d->mount->dir;
  gboolean is_root = strcmp(d->dir, root) == 0;
  if (listed && !is_root)
    return TRUE;
  int root_fd = cgfs_plan_keep_fd(p, cgfs_open_dir_at(AT_FDCWD, root, error));
  if (root_fd < 0)
    return FALSE;
  if (!file_lists(root_fd, "cgroup.controllers", controller, error, &listed))
    return FALSE;
  if (!listed) {
    cgfs_set_error(error, EOPNOTSUPP,
                   "%s: the %s controller is not available on this machine (not in "
                   "%s/cgroup.controllers)",
                   field, controller, root);
    return FALSE;
  }
  if (is_root)
    return TRUE;
  g_auto(GStrv) parts = g_strsplit(d->dir + strlen(root) + 1, "/", -1);
  g_autofree char *dir = g_strdup(root);
  int fd = root_fd;
  for (guint i = 0; parts[i + 1]; i++) {
    if (!enable_in(p, fd, dir, fd == root_fd, controller, field, error))
      return FALSE;
    fd = cgfs_plan_keep_fd(p, cgfs_open_dir_at(fd, parts[i], error));
    if (fd < 0)
      return FALSE;
    char *next = g_build_filename(dir, parts[i], NULL);
    g_free(dir);
    dir = next;
  }
  return enable_in(p, fd, dir, fd == root_fd, controller, field, error);
}
