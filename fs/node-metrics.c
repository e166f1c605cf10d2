/* metrics.prom: the statistics of this cgroup and every cgroup below it in the Prometheus text
 * format (lib/stats/metrics.c writes it), a snapshot taken at open(). node_exporter's textfile
 * collector, pointed at the mount, reads the root's. */
#include <string.h>

#include <cgfs/metrics.h>

#include "fs.h"

/* The cgroup's path as the mount shows it ("/" at the mount's root), the value of the `cgroup`
 * label: a delegated view names nothing above its root. */
static const char *mount_path(const FsDaemon *d, const char *hpath)
{
  gsize root_len = strcmp(d->root, "/") == 0 ? 0 : strlen(d->root);
  return hpath[root_len] ? hpath + root_len : "/";
}

static char *read_metrics(FsRequest *rq, gsize *len, GError **error)
{
  g_autoptr(CgfsMetrics) m = cgfs_metrics_new();
  /* With the opener's credentials, as stats.json. */
  FsSavedCreds saved;
  if (!fs_caller_enter(rq->who, &saved, error))
    return NULL;
  gboolean ok = cgfs_metrics_add_subtree(m, rq->cg, mount_path(rq->d, rq->path), error);
  fs_caller_leave(&saved);
  if (!ok)
    return NULL;
  return cgfs_metrics_to_text(m, len);
}

const FsNode fs_node_metrics = {
  .name = "metrics.prom",
  .mask = 0444,
  .read = read_metrics,
};
