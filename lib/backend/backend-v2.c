/* The cgroup v2 backend: one directory in the unified hierarchy. */
#include "config-internal.h"

#include <signal.h>

#include "backend.h"
#include "fileio.h"
#include "resources-private.h"

static const CgfsCgroupDir *the_dir(CgfsCgroup *cg, GError **error)
{
  const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, 0);
  if (d->fd < 0 || !cgfs_exists_at(d->fd, "cgroup.procs")) {
    cgfs_set_error(error, ENOENT, "cgroup deleted: %s does not exist", d->dir);
    return NULL;
  }
  return d;
}

static gboolean v2_set_frozen(CgfsCgroup *cg, gboolean frozen, GError **error)
{
  const CgfsCgroupDir *d = the_dir(cg, error);
  return d && cgfs_freezer_v2_set(d->fd, d->dir, frozen, error);
}

static CgfsState v2_state(CgfsCgroup *cg, GError **error)
{
  const CgfsCgroupDir *d = the_dir(cg, NULL);
  if (!d)
    return CGFS_STATE_DELETED;
  return cgfs_freezer_v2_state(d->fd, error);
}

/* Kernels before 5.14 have no cgroup.kill: freeze, signal, thaw. */
static gboolean kill_by_freezing(const CgfsCgroupDir *d, const CgfsKillGate *gate, GError **error)
{
  if (!cgfs_freezer_v2_set(d->fd, d->dir, TRUE, error))
    return FALSE;
  gssize sent = cgfs_signal_subtree(d, "cgroup.procs", SIGKILL, gate, error);
  gboolean thawed = cgfs_freezer_v2_set(d->fd, d->dir, FALSE, sent < 0 ? NULL : error);
  return sent >= 0 && thawed;
}

/* cgroup.kill is one write: a gate is not asked there (the kernel's rule for it is its mode). */
static gboolean v2_kill(CgfsCgroup *cg, const CgfsKillGate *gate, GError **error)
{
  const CgfsCgroupDir *d = the_dir(cg, error);
  if (!d)
    return FALSE;
  if (cgfs_exists_at(d->fd, "cgroup.kill")) {
    if (!cgfs_write_at(d->fd, "cgroup.kill", "1", error))
      return FALSE;
  } else if (!kill_by_freezing(d, gate, error)) {
    return FALSE;
  }
  if (!cgfs_exists_at(d->fd, "cgroup.events"))
    return cgfs_wait_empty(d->fd, "cgroup.procs", CGFS_KILL_TIMEOUT_MS, error);
  return cgfs_events_wait(d->fd, "populated", "0", CGFS_KILL_TIMEOUT_MS, error);
}

static char **v2_subsystems(const CgfsCgroup *cg, GError **error)
{
  const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, 0);
  g_autofree char *line = cgfs_read_line_at(d->fd, "cgroup.controllers", error);
  if (!line)
    return NULL;
  return *line ? g_strsplit(line, " ", -1) : g_new0(char *, 1);
}

const CgfsBackend cgfs_backend_v2 = {
  .name = "v2",
  .procs_file = "cgroup.procs",
  .threads_file = "cgroup.threads",
  .init_dir = NULL,
  .set_frozen = v2_set_frozen,
  .state = v2_state,
  .kill = v2_kill,
  .subsystems = v2_subsystems,
  .stats = cgfs_stats_read_v2,
  .prepare_controller = cgfs_plan_enable_v2,
};
