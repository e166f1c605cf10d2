/* resources.json: the cgroup's limits as an OCI LinuxResources object, read and written. */
#include <cgfs/resources.h>

#include "fs.h"

static char *read_resources(FsRequest *rq, gsize *len, GError **error)
{
  FsSavedCreds saved; /* the opener's credentials: the limit files' modes apply */
  if (!fs_caller_enter(rq->who, &saved, error))
    return NULL;
  g_autoptr(CgfsResources) r = cgfs_cgroup_read_resources(rq->cg, error);
  fs_caller_leave(&saved);
  return r ? cgfs_resources_to_json(r, len) : NULL; /* pretty-printed, newline-terminated */
}

/* One complete document: validated whole by the library, then applied all-or-nothing. */
static gboolean write_resources(FsRequest *rq, char **docs, guint n, GError **error)
{
  if (!fs_cgroupns_check_root_write(rq, error))
    return FALSE;
  for (guint i = 0; i < n; i++) {
    g_autoptr(CgfsResources) r = cgfs_resources_from_json(docs[i], -1, error);
    if (!r)
      return FALSE;
    /* With the writer's credentials: each limit file (and cgroup.subtree_control, the devices
     * files, a BPF program) is checked by the kernel as that writer's own write would be. */
    FsSavedCreds saved;
    if (!fs_caller_enter(rq->who, &saved, error))
      return FALSE;
    gboolean ok = cgfs_cgroup_update(rq->cg, r, error);
    fs_caller_leave(&saved);
    if (!ok)
      return FALSE;
    fs_audit(rq->who, rq->path, "changed limits");
  }
  return TRUE;
}

const FsNode fs_node_resources = {
  .name = "resources.json",
  .mask = 0666,
  /* Who may change a limit file may change the limits. The kernel does not give a delegated
   * cgroup's own limit files to the delegatee, so these show the delegator; the cgroup.max.*
   * and notify_on_release files stand for the limits when no controller is there. */
  .mirror_v1 = (const char *const[]){ "memory.limit_in_bytes", "cpu.shares", "pids.max",
                                      "cpuset.cpus", "blkio.throttle.read_bps_device",
                                      "devices.allow", "notify_on_release", NULL },
  .mirror_v2 = (const char *const[]){ "memory.max", "cpu.max", "pids.max", "io.max",
                                      "cpuset.cpus", "cgroup.max.depth", NULL },
  .read = read_resources,
  .write_kind = FS_WRITE_JSON,
  .write = write_resources,
};
