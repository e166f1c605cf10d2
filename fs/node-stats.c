/* stats.json: every statistic as one JSON object, a snapshot taken at open(). */
#include <string.h>

#include <cgfs/stats.h>

#include "fs.h"

static char *read_stats(FsRequest *rq, gsize *len, GError **error)
{
  CgfsStats *s = cgfs_cgroup_stats(rq->cg, error);
  if (!s)
    return NULL;
  gsize n = 0;
  char *json = cgfs_stats_to_json(s, &n);
  cgfs_stats_free(s);
  if (n == 0 || json[n - 1] != '\n') {
    char *text = g_strconcat(json, "\n", NULL);
    g_free(json);
    json = text;
    n = strlen(text);
  }
  *len = n;
  return json;
}

const FsNode fs_node_stats = {
  .name = "stats.json",
  .mask = 0444,
  .read = read_stats,
};
