/* Pids statistics: pids.current and pids.max, the same files on v1 and v2. */
#include "stats-private.h"

static const CgfsStatsField pids_fields[] = {
  CGFS_FIELD(CgfsPidsStat, current, "pids.current"),
  CGFS_FIELD(CgfsPidsStat, limit, "pids.max"),
};
const CgfsStatsTable cgfs_pids_table = CGFS_TABLE(CgfsPidsStat, pids_fields);

static const char *const pids_files[] = { "pids.current", "pids.max" };

/* 1 when the files exist, 0 when they do not, -1 on error. The root cgroup has no pids.max. */
static int read_pids(CgfsStatsReader *r, CgfsPidsStat *p, GError **error)
{
  int found = cgfs_stats_read_singles(r, pids_files, 0, 1, FALSE, &cgfs_pids_table, p, error);
  if (found > 0)
    found = cgfs_stats_read_singles(r, pids_files + 1, 1, 1, TRUE, &cgfs_pids_table, p, error);
  if (found >= 0)
    p->present = CGFS_STATS_HAS(p, current);
  return found < 0 ? -1 : p->present;
}

gboolean cgfs_stats_v1_pids(CgfsStatsReader *r, const CgfsCgroup *cg, GError **error)
{
  if (!cgfs_stats_enter(r, cg, "pids"))
    return TRUE;
  int found = read_pids(r, &r->s->v1.pids, error);
  if (found == 0)
    return cgfs_stats_check_deleted(r, error) == 0;
  return found > 0;
}

gboolean cgfs_stats_v2_pids(CgfsStatsReader *r, GError **error)
{
  return !(r->controllers & CGFS_V2_PIDS) || read_pids(r, &r->s->v2.pids, error) >= 0;
}
