/* resources.json: the cgroup's limits as an OCI LinuxResources object, read and written. */
#include <string.h>

#include <cgfs/resources.h>

#include "fs.h"

static char *with_newline(char *json, gsize *len)
{
  if (*len > 0 && json[*len - 1] == '\n')
    return json;
  char *text = g_strconcat(json, "\n", NULL);
  g_free(json);
  *len = strlen(text);
  return text;
}

static char *read_resources(FsRequest *rq, gsize *len, GError **error)
{
  CgfsResources *r = cgfs_cgroup_read_resources(rq->cg, error);
  if (!r)
    return NULL;
  gsize n = 0;
  char *json = cgfs_resources_to_json(r, &n);
  cgfs_resources_free(r);
  *len = n;
  return with_newline(json, len);
}

/* One complete document: validated whole by the library, then applied all-or-nothing. */
static gboolean write_resources(FsRequest *rq, char **docs, guint n, GError **error)
{
  for (guint i = 0; i < n; i++) {
    CgfsResources *r = cgfs_resources_from_json(docs[i], -1, error);
    if (!r)
      return FALSE;
    gboolean ok = cgfs_cgroup_update(rq->cg, r, error);
    cgfs_resources_free(r);
    if (!ok)
      return FALSE;
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
