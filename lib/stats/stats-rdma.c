/* RDMA statistics: rdma.current and rdma.max, the same files on v1 and v2. */
#include "stats-private.h"

static int read_rdma_file(CgfsStatsReader *r, const char *file, CgfsRdmaEntry **out, guint *n,
                          GError **error)
{
  int found = cgfs_stats_read(r, file, error);
  if (found <= 0)
    return found;
  if (!cgfs_parse_rdma(file, r->text.text, r->text.len, &r->s->priv->strings, out, n, error))
    return cgfs_stats_fail(r, error);
  return 1;
}

/* The root cgroup has neither file. */
static gboolean read_rdma(CgfsStatsReader *r, CgfsRdmaStat *rdma, GError **error)
{
  int cur = read_rdma_file(r, "rdma.current", &rdma->current, &rdma->n_current, error);
  if (cur <= 0)
    return cur == 0;
  if (read_rdma_file(r, "rdma.max", &rdma->limit, &rdma->n_limit, error) < 0)
    return FALSE;
  rdma->present = TRUE;
  return TRUE;
}

gboolean cgfs_stats_v1_rdma(CgfsStatsReader *r, const CgfsCgroup *cg, GError **error)
{
  return !cgfs_stats_enter(r, cg, "rdma") || read_rdma(r, &r->s->v1.rdma, error);
}

gboolean cgfs_stats_v2_rdma(CgfsStatsReader *r, GError **error)
{
  return !(r->controllers & CGFS_V2_RDMA) || read_rdma(r, &r->s->v2.rdma, error);
}
