/* kill: writing 1 kills every process of the subtree. */
#include <errno.h>
#include <string.h>

#include "fs.h"

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
  return n == 0 || cgfs_cgroup_kill(rq->cg, error);
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
