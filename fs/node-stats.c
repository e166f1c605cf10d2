/* stats.json: every statistic as one JSON object, a snapshot taken at open(). */
#include <cgfs/stats.h>

#include "fs.h"

static char *read_stats(FsRequest *rq, gsize *len, GError **error)
{
  /* With the opener's credentials: counters of a directory the opener may not enter (0700 in
   * one hierarchy) are refused as the kernel refuses its files. */
  FsSavedCreds saved;
  if (!fs_caller_enter(rq->who, &saved, error))
    return NULL;
  g_autoptr(CgfsStats) s = cgfs_cgroup_stats(rq->cg, error);
  fs_caller_leave(&saved);
  return s ? cgfs_stats_to_json(s, len) : NULL; /* indented as jq prints, newline-terminated */
}

const FsNode fs_node_stats = {
  .name = "stats.json",
  .mask = 0444,
  .read = read_stats,
};
