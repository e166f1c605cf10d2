/* v2 threaded cgroups: cgroup.type. */
#include "config-internal.h"

#include "cgroup-private.h"
#include "fileio.h"

static int v2_fd(CgfsCgroup *cg, const char *what, GError **error)
{
  if (cgfs_cgroup_version(cg) != 2) {
    cgfs_set_error(error, EOPNOTSUPP, "%s: threaded cgroups exist only on cgroup v2", what);
    return -1;
  }
  const CgfsCgroupDir *d = cgfs_cgroup_first_dir(cg);
  if (!d || !cgfs_exists_at(d->fd, "cgroup.procs")) {
    cgfs_set_error(error, ENOENT, "cgroup deleted: %s", cgfs_cgroup_path(cg));
    return -1;
  }
  if (!cgfs_exists_at(d->fd, "cgroup.type")) {
    cgfs_set_error(error, EOPNOTSUPP, "%s: %s has no cgroup.type (the root cgroup)", what,
                   cgfs_cgroup_path(cg));
    return -1;
  }
  return d->fd;
}

char *cgfs_cgroup_type(CgfsCgroup *cg, GError **error)
{
  int fd = v2_fd(cg, "cgroup type", error);
  return fd < 0 ? NULL : cgfs_read_line_at(fd, "cgroup.type", error);
}

gboolean cgfs_cgroup_make_threaded(CgfsCgroup *cg, GError **error)
{
  int fd = v2_fd(cg, "make threaded", error);
  if (fd < 0)
    return FALSE;
  g_autoptr(GError) local = NULL;
  if (cgfs_write_at(fd, "cgroup.type", "threaded", &local))
    return TRUE;
  /* EOPNOTSUPP here is the kernel's way of saying a sibling or the parent forbids it. */
  cgfs_set_error(error, local->code, "cannot make %s threaded: %s%s", cgfs_cgroup_path(cg),
                 local->message,
                 local->code == EOPNOTSUPP ? " (the parent has domain controllers enabled or "
                                             "processes a threaded subtree cannot hold)" : "");
  return FALSE;
}
