/* kill: writing 1 kills every process of the subtree. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fs.h"

/* v2: cgroup.kill written with the writer's credentials; the kernel checks its mode. */
static gboolean kill_v2(FsRequest *rq, GError **error)
{
  FsSavedCreds saved;
  if (!fs_caller_enter(rq->who, &saved, error))
    return FALSE;
  gboolean ok = cgfs_cgroup_kill(rq->cg, error);
  fs_caller_leave(&saved);
  return ok;
}

static gboolean may_signal(pid_t pid, gpointer who, GError **error)
{
  return fs_caller_may_signal(who, pid, error);
}

/* Test hook (docs/architecture.md, "Test hooks"; tests/security/sec-kill-race.sh only): with
 * CGFS_TEST_KILL_PAUSE_FILE=PATH in the daemon's environment, a v1 kill by a caller other than
 * root makes PATH after its first look and waits (at most 60 s) until it is removed, so that a
 * test can move a process in between, at a known moment. */
static void test_pause(void)
{
  const char *path = g_getenv("CGFS_TEST_KILL_PAUSE_FILE");
  int fd = path && *path ? open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644) : -1;
  if (fd < 0)
    return;
  close(fd);
  for (int i = 0; i < 6000 && access(path, F_OK) == 0; i++)
    g_usleep(10 * 1000);
}

/* v1 has no kill file: the library freezes, signals and thaws, which takes the daemon's power.
 * So it kills only a subtree whose every process the writer could signal itself (kill(2)'s
 * rule). The library checks them on the frozen subtree, where no process can join between the
 * check and the signal (one refused: thawed, nothing killed); a first look before freezing
 * spares the freeze when a process is already there that the writer may not signal. */
static gboolean kill_v1(FsRequest *rq, GError **error)
{
  if (fs_caller_is_root(rq->who))
    return cgfs_cgroup_kill(rq->cg, error);
  const char *sub = cgfs_cgroup_has_subsystem(rq->cg, "freezer") ? "freezer" : NULL;
  g_autoptr(GArray) pids = cgfs_cgroup_processes(rq->cg, sub, TRUE, error);
  if (!pids)
    return FALSE;
  for (guint i = 0; i < pids->len; i++)
    if (!fs_caller_may_signal(rq->who, g_array_index(pids, pid_t, i), error))
      return FALSE;
  test_pause();
  return cgfs_cgroup_kill_checked(rq->cg, may_signal, (gpointer)rq->who, error);
}

static gboolean write_kill(FsRequest *rq, char **words, guint n, GError **error)
{
  for (guint i = 0; i < n; i++) {
    if (strcmp(words[i], "1") != 0) {
      g_set_error(error, CGFS_ERROR, EINVAL, "invalid value '%s': write 1 to kill", words[i]);
      return FALSE;
    }
  }
  /* The kernel offers no cgroup.kill at the root: it would end the machine. */
  if (strcmp(rq->path, "/") == 0) {
    g_set_error(error, CGFS_ERROR, EPERM, "refusing to kill every process of the root cgroup");
    return FALSE;
  }
  if (n == 0)
    return TRUE;
  if (!fs_cgroupns_check_root_write(rq, error) || !fs_check_daemon_outside(rq->cg, "kill", error))
    return FALSE;
  gboolean ok = cgfs_cgroup_version(rq->cg) == 2 ? kill_v2(rq, error) : kill_v1(rq, error);
  if (ok)
    fs_audit(rq->who, rq->path, "killed the subtree");
  return ok;
}

static gboolean check_partial_kill(const char *start, GError **error)
{
  if (strcmp(start, "1") == 0)
    return TRUE;
  g_set_error(error, CGFS_ERROR, EINVAL, "invalid value '%s...': write 1 to kill", start);
  return FALSE;
}

const FsNode fs_node_kill = {
  .name = "kill",
  .mask = 0222,
  /* v1 has no kill file: who may move processes out may kill them. */
  .mirror_v1 = (const char *const[]){ "cgroup.procs", NULL },
  .mirror_v2 = (const char *const[]){ "cgroup.kill", NULL },
  .write_kind = FS_WRITE_TOKENS,
  .write = write_kill,
  .check_partial = check_partial_kill,
};
