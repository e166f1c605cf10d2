/* The cgroup v1 backend: one directory per mounted hierarchy. */
#include "config-internal.h"

#include <limits.h>
#include <signal.h>

#include "backend.h"
#include "fileio.h"
#include "journal-private.h"

/* @file of the new directory @name below @parent_fd, as a path relative to @parent_fd (the new
 * directory is not opened: one open less per hierarchy for every mkdir). @name is one validated
 * path component (at most NAME_MAX bytes): it fits. */
static const char *child_file(char *buf, gsize size, const char *name, const char *file)
{
  int n = g_snprintf(buf, size, "%s/%s", name, file);
  g_assert(n > 0 && (gsize)n < size);
  return buf;
}

/* Copy @file (cpus or mems) from the parent: a new cpuset cgroup the kernel did not fill starts
 * with both empty and refuses tasks until they are set. */
static gboolean copy_from_parent(int parent_fd, const char *name, const char *file,
                                 GError **error)
{
  char buf[NAME_MAX + 64];
  g_autofree char *theirs = cgfs_read_line_at(parent_fd, file, error);
  return theirs && cgfs_write_at(parent_fd, child_file(buf, sizeof buf, name, file), theirs, error);
}

/* Whether the kernel filled the new cgroup @name with its parent's cpus and mems itself: it does
 * when the cgroup's own cgroup.clone_children is set, which mkdir copies from the parent at the
 * moment it makes the cgroup (so the new cgroup's flag, not the parent's read later, says what
 * happened). */
static gboolean clones_children(int parent_fd, const char *name)
{
  char path[NAME_MAX + 64], buf[8];
  return cgfs_read_at(parent_fd, child_file(path, sizeof path, name, "cgroup.clone_children"),
                      buf, sizeof buf, NULL) > 0 &&
         buf[0] == '1';
}

/* A directory this library has just made, @name below @parent_fd. In cpuset: cpus and mems as
 * the parent's (unless the kernel copied them already, see clones_children; when it did not,
 * they are empty: no read of the new cgroup's own values), and cgroup.clone_children set in it,
 * so that the kernel fills its own children at mkdir. Writing cpuset.cpus costs milliseconds
 * once thousands of cpusets exist; the kernel's copy at mkdir does not. Only set on directories
 * made here, never on cgroups made by others. */
static gboolean v1_init_dir(int parent_fd, const char *name, const CgfsMount *m, GError **error)
{
  if (!g_strv_contains((const char *const *)m->controllers, "cpuset"))
    return TRUE;
  if (clones_children(parent_fd, name))
    return TRUE;
  if (!copy_from_parent(parent_fd, name, "cpuset.cpus", error) ||
      !copy_from_parent(parent_fd, name, "cpuset.mems", error))
    return FALSE;
  char path[NAME_MAX + 64];
  GError *local = NULL;
  if (cgfs_write_at(parent_fd, child_file(path, sizeof path, name, "cgroup.clone_children"), "1",
                    &local))
    return TRUE;
  if (local->code == ENOENT) { /* a kernel (or a fake tree) without it: copied by hand */
    g_error_free(local);
    return TRUE;
  }
  g_propagate_error(error, local);
  return FALSE;
}

static const CgfsCgroupDir *freezer_dir(CgfsCgroup *cg, GError **error)
{
  const CgfsCgroupDir *d = cgfs_cgroup_dir(cg, "freezer");
  if (!d) {
    cgfs_set_error(error, EOPNOTSUPP, "freezer cgroup not supported on this system");
    return NULL;
  }
  if (d->fd < 0) {
    cgfs_set_error(error, ENOENT, "cgroup deleted: %s does not exist", d->dir);
    return NULL;
  }
  return d;
}

static gboolean v1_set_frozen(CgfsCgroup *cg, gboolean frozen, GError **error)
{
  const CgfsCgroupDir *d = freezer_dir(cg, error);
  return d && cgfs_freezer_v1_set(d->fd, d->dir, frozen, CGFS_FREEZE_TIMEOUT_MS, error);
}

static gboolean all_deleted(CgfsCgroup *cg)
{
  for (guint i = 0; i < cg->dirs->len; i++) {
    const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, i);
    if (d->fd >= 0 && cgfs_exists_at(d->fd, "cgroup.procs"))
      return FALSE;
  }
  return TRUE;
}

static CgfsState v1_state(CgfsCgroup *cg, GError **error)
{
  if (all_deleted(cg))
    return CGFS_STATE_DELETED;
  const CgfsCgroupDir *d = cgfs_cgroup_dir(cg, "freezer");
  if (!d || d->fd < 0)
    return CGFS_STATE_THAWED;
  if (!cgfs_exists_at(d->fd, "freezer.state"))
    return CGFS_STATE_THAWED; /* the freezer's root cannot be frozen */
  return cgfs_freezer_v1_state(d->fd, error);
}

/* Kill without freezing: signal until nothing is left, racing forks. @why says why the freezer
 * was not used, for the message if even this fails. */
static gboolean kill_unfrozen(const CgfsCgroupDir *d, const CgfsKillGate *gate, const char *why,
                              GError **error)
{
  gint64 deadline = g_get_monotonic_time() + CGFS_KILL_TIMEOUT_MS * 1000;
  guint rounds = 0;
  for (guint attempt = 0;; attempt++) {
    gssize sent = cgfs_signal_subtree(d, "cgroup.procs", SIGKILL, gate, error);
    if (sent < 0)
      return FALSE;
    rounds++;
    if (sent == 0)
      break;
    if (g_get_monotonic_time() > deadline) {
      cgfs_set_error(error, ETIMEDOUT, "cannot kill every process of %s: they keep forking%s%s",
                     d->dir, why ? "; freezing first failed: " : "", why ? why : "");
      return FALSE;
    }
    cgfs_backoff_sleep(attempt);
  }
  g_autoptr(GError) local = NULL;
  if (cgfs_wait_empty(d->fd, "cgroup.procs", CGFS_KILL_TIMEOUT_MS, &local)) {
    if (why)
      g_debug("killed every process of %s in %u rounds without freezing: %s", d->dir, rounds, why);
    return TRUE;
  }
  cgfs_set_error(error, local->code, "%s%s%s", local->message, why ? "; freezing first failed: " : "",
                 why ? why : "");
  return FALSE;
}

/* With a gate, the processes are checked while frozen (none can join or fork meanwhile); one
 * refused thaws the subtree and refuses the kill with nothing signalled. */
static gboolean kill_frozen(const CgfsCgroupDir *fz, const CgfsKillGate *gate, GError **error)
{
  g_autoptr(GError) freeze_failed = NULL;
  if (!cgfs_freezer_v1_set(fz->fd, fz->dir, TRUE, CGFS_KILL_FREEZE_TIMEOUT_MS, &freeze_failed))
    return kill_unfrozen(fz, gate, freeze_failed->message, error);
  gssize sent = cgfs_signal_subtree(fz, "cgroup.procs", SIGKILL, gate, error);
  gboolean thawed =
    cgfs_freezer_v1_set(fz->fd, fz->dir, FALSE, CGFS_FREEZE_TIMEOUT_MS, sent < 0 ? NULL : error);
  if (sent < 0 || !thawed)
    return FALSE;
  return cgfs_wait_empty(fz->fd, "cgroup.procs", CGFS_KILL_TIMEOUT_MS, error);
}

/* Freeze so nothing forks between listing and signalling, SIGKILL each task, thaw so the
 * signals are delivered, then wait for the subtree to empty. A freeze that cannot complete (a
 * task stuck in an OOM wait with oom_kill_disable set, where only a fatal signal wakes it) must
 * not stop a kill: then every process is signalled unfrozen, until none is left. */
static gboolean v1_kill(CgfsCgroup *cg, const CgfsKillGate *gate, GError **error)
{
  const CgfsCgroupDir *fz = cgfs_cgroup_dir(cg, "freezer");
  if (!fz || fz->fd < 0) {
    const CgfsCgroupDir *d = cgfs_cgroup_first_dir(cg);
    if (!d) {
      cgfs_set_error(error, ENOENT, "cgroup deleted: %s", cg->path);
      return FALSE;
    }
    return kill_unfrozen(d, gate, NULL, error);
  }
  /* A crash while frozen would leave the survivors frozen for good: recovery thaws. */
  g_autoptr(JsonBuilder) b = cgfs_journal_record_start(cg, "kill");
  if (b) {
    json_builder_set_member_name(b, "freezer");
    json_builder_add_string_value(b, fz->dir);
  }
  CgfsJournalRecord *record = NULL;
  if (!cgfs_journal_record_commit(cg, b, &record, error))
    return FALSE;
  gboolean ok = kill_frozen(fz, gate, error);
  cgfs_journal_record_drop(record);
  return ok;
}

static char **v1_subsystems(const CgfsCgroup *cg, GError **error)
{
  GPtrArray *names = g_ptr_array_new();
  for (guint i = 0; i < cgfs_hierarchy_n_subsystems(cg->h); i++) {
    const CgfsSubsystem *s = cgfs_hierarchy_subsystem(cg->h, i);
    if (cgfs_cgroup_fd(cg, s->name) >= 0)
      g_ptr_array_add(names, g_strdup(s->name));
  }
  g_ptr_array_add(names, NULL);
  return (char **)g_ptr_array_free(names, FALSE);
}

const CgfsBackend cgfs_backend_v1 = {
  .name = "v1",
  .procs_file = "cgroup.procs",
  .threads_file = "tasks",
  .init_dir = v1_init_dir,
  .set_frozen = v1_set_frozen,
  .state = v1_state,
  .kill = v1_kill,
  .subsystems = v1_subsystems,
  .stats = cgfs_stats_read_v1,
};
