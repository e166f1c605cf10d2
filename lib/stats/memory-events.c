/* Memory event notification: v1 cgroup.event_control + eventfd, v2 inotify on memory.events. */
#include "config-internal.h"

#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>

#include <cgfs/events.h>

#include "cgroup-private.h"
#include "fileio.h"

static void memory_not_supported(GError **error, const CgfsCgroup *cg)
{
  cgfs_set_error(error, EOPNOTSUPP, "memory cgroup not supported on this system (cgroup %s)",
                 cgfs_cgroup_path(cg));
}

static int v1_oom_fd(const CgfsCgroup *cg, GError **error)
{
  int dirfd = cgfs_cgroup_fd(cg, "memory");
  if (dirfd < 0) {
    memory_not_supported(error, cg);
    return -1;
  }
  cgfs_autofd efd = eventfd(0, EFD_CLOEXEC);
  if (efd < 0) {
    cgfs_set_errno(error, "cannot create an eventfd");
    return -1;
  }
  /* The kernel keeps its own reference to memory.oom_control once registered. */
  cgfs_autofd ofd = openat(dirfd, "memory.oom_control", O_RDONLY | O_CLOEXEC);
  if (ofd < 0) {
    cgfs_set_errno(error, "cannot open memory.oom_control");
    return -1;
  }
  char line[64];
  g_snprintf(line, sizeof line, "%d %d", efd, ofd);
  if (!cgfs_write_at(dirfd, "cgroup.event_control", line, error))
    return -1;
  int fd = efd;
  efd = -1;
  return fd;
}

static int v2_oom_fd(const CgfsCgroup *cg, GError **error)
{
  const CgfsCgroupDir *d = cgfs_cgroup_first_dir(cg);
  if (!d) {
    cgfs_set_error(error, ENOENT, "cgroup deleted: %s", cgfs_cgroup_path(cg));
    return -1;
  }
  if (!cgfs_exists_at(d->fd, "memory.events")) {
    memory_not_supported(error, cg);
    return -1;
  }
  cgfs_autofd ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (ifd < 0) {
    cgfs_set_errno(error, "cannot create an inotify fd");
    return -1;
  }
  g_autofree char *path = g_build_filename(d->dir, "memory.events", NULL);
  if (inotify_add_watch(ifd, path, IN_MODIFY) < 0) {
    cgfs_set_errno(error, "cannot watch %s", path);
    return -1;
  }
  int fd = ifd;
  ifd = -1;
  return fd;
}

int cgfs_cgroup_oom_event_fd(CgfsCgroup *cg, GError **error)
{
  return cgfs_cgroup_version(cg) == 2 ? v2_oom_fd(cg, error) : v1_oom_fd(cg, error);
}
