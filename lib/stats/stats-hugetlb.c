/* HugeTLB statistics: one entry per huge page size of the machine. */
#include "stats-private.h"

static const CgfsStatsField v1_fields[] = {
  CGFS_FIELD(CgfsV1HugetlbStat, usage, "usage_in_bytes"),
  CGFS_FIELD(CgfsV1HugetlbStat, max, "max_usage_in_bytes"),
  CGFS_FIELD(CgfsV1HugetlbStat, failcnt, "failcnt"),
};
const CgfsStatsTable cgfs_v1_hugetlb_table = CGFS_TABLE(CgfsV1HugetlbStat, v1_fields);

static const CgfsStatsField v2_fields[] = {
  CGFS_FIELD(CgfsV2HugetlbStat, current, "current"),
  CGFS_FIELD(CgfsV2HugetlbStat, max, "max"),
};
const CgfsStatsTable cgfs_v2_hugetlb_table = CGFS_TABLE(CgfsV2HugetlbStat, v2_fields);

/* hugetlb.<size>.<key> for each field of @t into @base: 1 when any exists, 0, or -1. */
static int read_size(CgfsStatsReader *r, const char *size, const CgfsStatsTable *t, void *base,
                     gboolean allow_max, GError **error)
{
  int any = 0;
  for (guint i = 0; i < t->n_fields; i++) {
    char name[96];
    guint64 v;
    g_snprintf(name, sizeof name, "hugetlb.%s.%s", size, t->fields[i].key);
    int found = cgfs_stats_read_single(r, name, allow_max, &v, error);
    if (found < 0)
      return -1;
    if (found)
      cgfs_stats_set(base, t, &t->fields[i], v);
    any |= found;
    if (!any)
      return 0; /* no first file: nothing of this size here */
  }
  return any;
}

gboolean cgfs_stats_v1_hugetlb(CgfsStatsReader *r, const CgfsCgroup *cg, GError **error)
{
  if (!cgfs_stats_enter(r, cg, "hugetlb"))
    return TRUE;
  CgfsV1HugetlbList *list = &r->s->v1.hugetlb;
  const char *const *sizes = cgfs_stats_cache_pagesizes(r->cache);
  guint n = g_strv_length((char **)sizes);
  list->entries = n ? g_new0(CgfsV1HugetlbStat, n) : NULL;
  for (guint i = 0; i < n; i++) {
    CgfsV1HugetlbStat *e = &list->entries[list->n_entries];
    int found = read_size(r, sizes[i], &cgfs_v1_hugetlb_table, e, FALSE, error);
    if (found < 0)
      return FALSE;
    if (found) {
      e->pagesize = sizes[i];
      list->n_entries++;
    }
  }
  list->present = TRUE;
  return TRUE;
}

/* The files exist only where the parent enabled the controller, and never in the root: a missing
 * first file ends the attempt. */
gboolean cgfs_stats_v2_hugetlb(CgfsStatsReader *r, GError **error)
{
  CgfsV2HugetlbList *list = &r->s->v2.hugetlb;
  if (!(r->controllers & CGFS_V2_HUGETLB))
    return TRUE;
  const char *const *sizes = cgfs_stats_cache_pagesizes(r->cache);
  guint n = g_strv_length((char **)sizes);
  for (guint i = 0; i < n; i++) {
    CgfsV2HugetlbStat e = { 0 };
    int found = read_size(r, sizes[i], &cgfs_v2_hugetlb_table, &e, TRUE, error);
    if (found < 0)
      return FALSE;
    if (!found)
      break;
    if (!list->entries)
      list->entries = g_new0(CgfsV2HugetlbStat, n);
    e.pagesize = sizes[i];
    list->entries[list->n_entries++] = e;
  }
  list->present = list->n_entries > 0;
  return TRUE;
}
