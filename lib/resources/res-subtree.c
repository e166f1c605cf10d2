/* cgroup v2: a controller's files appear in a cgroup once every ancestor, from the mount's root
 * down to the parent, lists it in cgroup.subtree_control.
 *
 * Threaded subtrees (cgroup.type "domain threaded" at their root, "threaded" below): only the
 * threaded controllers (cpu, cpuset, pids, perf_event) can be enabled there, and for those the
 * kernel waives the no-internal-process rule (also for a domain cgroup that can still become a
 * thread root), so it is left to the kernel to decide; the processes of a threaded cgroup
 * cannot even be listed (cgroup.procs is EOPNOTSUPP there). */
#include "config-internal.h"

#include <dirent.h>
#include <sys/stat.h>

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

/* ---- undoing an enabling: not under a child that uses the controller ---- */

/* The kernel's value of a controller's file in a new cgroup, where it is not "max" or "0" on
 * every line (those are read generically by is_default). */
static const char *const v2_defaults[] = {
  "memory.zswap.writeback", "1", "cpu.weight", "100", "cpu.max", "max 100000",
  "cpu.uclamp.min", "0.00", "io.weight", "default 100", "io.bfq.weight", "default 100",
  "cpuset.cpus", "", "cpuset.mems", "", "cpuset.cpus.exclusive", "",
  "cpuset.cpus.partition", "member", "io.prio.class", "no-change", NULL,
};

/* Whether @value (trailing newlines stripped) is what the kernel gives @name in a new cgroup:
 * the table above, else "max" or "0" on every line ("KEY max", "KEY a=max b=max" for keyed
 * files: rdma.max, misc.max, io.max), or empty. Anything else is a setting someone made. */
static gboolean is_default(const char *name, const char *value)
{
  for (const char *const *d = v2_defaults; *d; d += 2)
    if (strcmp(d[0], name) == 0)
      return strcmp(d[1], value) == 0;
  g_auto(GStrv) lines = g_strsplit(value, "\n", -1);
  for (char **l = lines; *l; l++) {
    g_auto(GStrv) words = g_strsplit(*l, " ", -1);
    guint n = g_strv_length(words);
    for (guint i = n > 1 ? 1 : 0; i < n; i++) {
      const char *v = strchr(words[i], '=') ? strchr(words[i], '=') + 1 : words[i];
      if (strcmp(v, "max") != 0 && strcmp(v, "0") != 0)
        return FALSE;
    }
  }
  return TRUE;
}

/* Files named after a controller that hold no setting: pressure triggers (core files), peaks
 * (a write resets them), memory.reclaim (write-only). */
static gboolean holds_setting(const char *name)
{
  return !g_str_has_suffix(name, ".pressure") && !g_str_has_suffix(name, ".peak") &&
         strcmp(name, "memory.reclaim") != 0;
}

/* What a search for a use of a controller looks for (@key: "CONTROLLER." for files, the
 * controller for children) and what it found, or NULL. */
typedef struct {
  const char *key;
  char *found;
} UseSearch;

/* A writable file of the controller that holds a setting other than the kernel's default. */
static CgfsWalk find_setting(int fd, const struct dirent *e, gpointer data,
                             G_GNUC_UNUSED GError **error)
{
  UseSearch *s = data;
  struct stat st;
  if (!g_str_has_prefix(e->d_name, s->key) || !holds_setting(e->d_name) ||
      fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
      !(st.st_mode & S_IWUSR))
    return CGFS_WALK_NEXT;
  gsize len;
  g_autofree char *value = cgfs_read_alloc_at(fd, e->d_name, &len, NULL);
  if (!value)
    return CGFS_WALK_NEXT;
  while (len > 0 && value[len - 1] == '\n')
    value[--len] = '\0';
  if (is_default(e->d_name, value))
    return CGFS_WALK_NEXT;
  s->found = g_strdup_printf("%s holds '%s'", e->d_name, value);
  return CGFS_WALK_STOP;
}

/* The first writable file of @controller in the cgroup @fd that holds a setting other than the
 * kernel's default ("FILE holds VALUE"), or NULL. */
static char *setting_in(int fd, const char *controller)
{
  g_autofree char *prefix = g_strconcat(controller, ".", NULL);
  UseSearch s = { prefix, NULL };
  cgfs_for_each_entry_at(fd, "cgroup directory", find_setting, &s, NULL);
  return s.found;
}

static CgfsWalk find_child_using(int child, const char *name, gpointer data,
                                 G_GNUC_UNUSED GError **error)
{
  UseSearch *s = data;
  gboolean listed = FALSE;
  g_autofree char *setting = NULL;
  if (file_lists(child, "cgroup.subtree_control", s->key, NULL, &listed) && listed)
    s->found = g_strdup_printf("%s enables it in its cgroup.subtree_control", name);
  else if ((setting = setting_in(child, s->key)))
    s->found = g_strdup_printf("%s/%s", name, setting);
  return s->found ? CGFS_WALK_STOP : CGFS_WALK_NEXT;
}

/* Why a child of the directory @fd uses @controller ("CHILD/FILE holds VALUE"), or NULL. */
static char *child_using(int fd, const char *controller)
{
  UseSearch s = { controller, NULL };
  cgfs_for_each_child_at(fd, find_child_using, &s, NULL);
  return s.found;
}

gboolean cgfs_res_subtree_undo_keeps(int dirfd, const char *file, const char *value,
                                     char **why)
{
  const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
  if (value[0] != '-' || strcmp(base, "cgroup.subtree_control") != 0)
    return FALSE;
  g_autofree char *dir = g_path_get_dirname(file);
  int fd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return FALSE; /* gone: the write fails and says so */
  g_auto(GStrv) words = g_strsplit(value + 1, " ", -1);
  char *using = child_using(fd, words[0]);
  cgfs_close_fd(&fd);
  if (!using)
    return FALSE;
  *why = g_strdup_printf("kept the %s controller enabled in %s: a child uses it (%s)", words[0],
                         dir, using);
  g_free(using);
  return TRUE;
}
