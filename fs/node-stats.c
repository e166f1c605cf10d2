/* stats.json: every statistic as one JSON object, a snapshot taken at open(). */
#include <cgfs/stats.h>

#include "fs.h"

static char *read_stats(FsRequest *rq, gsize *len, GError **error)
{
  g_autoptr(CgfsStats) s = cgfs_cgroup_stats(rq->cg, error);
  return s ? cgfs_stats_to_json(s, len) : NULL; /* indented as jq prints, newline-terminated */
}

const FsNode fs_node_stats = {
  .name = "stats.json",
  .mask = 0444,
  .read = read_stats,
};
