/* Statistics: the entry point, the reading helpers the controllers share, and the core files
 * of cgroup v2 (cgroup.stat). */
#include "stats-private.h"

#include "backend.h"
#include "system-private.h"

/* The stats and their private part in one allocation. */
typedef struct {
  CgfsStats stats;
  CgfsStatsPrivate priv;
} StatsBlock;

static CgfsStats *stats_new(CgfsCgroup *cg)
{
  StatsBlock *b = g_new0(StatsBlock, 1);
  b->stats.version = cgfs_cgroup_version(cg);
  b->stats.priv = &b->priv;
  b->priv.sys = cgfs_system_ref(cgfs_hierarchy_system(cg->h));
  return &b->stats;
}

static void free_v1(CgfsV1Metrics *m)
{
  g_free(m->hugetlb.entries);
  g_free(m->cpu.usage.per_cpu);
  g_free(m->memory.extra);
  CgfsV1BlkioList *lists = cgfs_blkio_lists(&m->blkio);
  for (guint i = 0; i < CGFS_BLKIO_N_LISTS; i++)
    g_free(lists[i].entries);
  g_free(m->rdma.current);
  g_free(m->rdma.limit);
}

static void free_v2(CgfsV2Metrics *m)
{
  g_free(m->cpu.extra);
  g_free(m->memory.extra);
  g_free(m->memory_events.extra);
  g_free(m->io.usage);
  g_free(m->hugetlb.entries);
  g_free(m->rdma.current);
  g_free(m->rdma.limit);
  g_free(m->cgroup_stat.extra);
}

void cgfs_stats_free(CgfsStats *s)
{
  if (!s)
    return;
  free_v1(&s->v1);
  free_v2(&s->v2);
  if (s->priv->strings)
    g_string_chunk_free(s->priv->strings);
  cgfs_system_unref(s->priv->sys);
  g_free((StatsBlock *)s);
}

CgfsStats *cgfs_cgroup_stats(CgfsCgroup *cg, GError **error)
{
  g_autoptr(CgfsStats) s = stats_new(cg);
  if (!cg->backend->stats(cg, s, error))
    return NULL;
  return g_steal_pointer(&s);
}

/* ---- reading helpers ---- */

gboolean cgfs_stats_enter(CgfsStatsReader *r, const CgfsCgroup *cg, const char *subsystem)
{
  const CgfsCgroupDir *d = cgfs_cgroup_dir(cg, subsystem);
  if (!d || d->fd < 0)
    return FALSE;
  r->dir = d;
  return TRUE;
}

int cgfs_stats_fail(CgfsStatsReader *r, GError **error)
{
  g_prefix_error(error, "%s/", r->dir->dir);
  return -1;
}

int cgfs_stats_read(CgfsStatsReader *r, const char *name, GError **error)
{
  GError *local = NULL;
  cgfs_text_clear(&r->text);
  if (cgfs_kept_read_text(r->dir, name, TRUE, r->buf, sizeof r->buf, &r->text, &local))
    return r->text.text != NULL;
  /* kernfs answers ENODEV to a read of a file whose cgroup was removed after the open */
  if (local->code == ENODEV && cgfs_stats_check_deleted(r, error) < 0) {
    g_error_free(local);
    return -1;
  }
  g_propagate_prefixed_error(error, local, "%s: ", r->dir->dir);
  return -1;
}

int cgfs_stats_read_single(CgfsStatsReader *r, const char *name, gboolean allow_max,
                           guint64 *out, GError **error)
{
  int found = cgfs_stats_read(r, name, error);
  if (found <= 0)
    return found;
  if (!cgfs_parse_single(name, r->text.text, r->text.len, allow_max, out, error))
    return cgfs_stats_fail(r, error);
  return 1;
}

int cgfs_stats_read_flat(CgfsStatsReader *r, const char *name, const CgfsStatsTable *t,
                         void *base, CgfsStatsCounter **extra, guint *n_extra, GError **error)
{
  int found = cgfs_stats_read(r, name, error);
  if (found <= 0)
    return found;
  CgfsStatsExtraSink sink = { extra, n_extra, &r->s->priv->strings };
  if (!cgfs_parse_flat(name, r->text.text, r->text.len, t, base, extra ? &sink : NULL, error))
    return cgfs_stats_fail(r, error);
  return 1;
}

int cgfs_stats_read_psi(CgfsStatsReader *r, const char *name, CgfsPsiStats *out, GError **error)
{
  int found = cgfs_stats_read(r, name, error);
  if (found <= 0)
    return found;
  if (!cgfs_parse_psi(name, r->text.text, r->text.len, out, error))
    return cgfs_stats_fail(r, error);
  return 1;
}

int cgfs_stats_read_singles(CgfsStatsReader *r, const char *const *files, guint first,
                            guint count, gboolean allow_max, const CgfsStatsTable *t, void *base,
                            GError **error)
{
  int any = 0;
  for (guint i = 0; i < count; i++) {
    guint64 v;
    int found = cgfs_stats_read_single(r, files[i], allow_max, &v, error);
    if (found < 0)
      return -1;
    if (found) {
      cgfs_stats_set(base, t, &t->fields[first + i], v);
      any = 1;
    }
  }
  return any;
}

int cgfs_stats_check_deleted(CgfsStatsReader *r, GError **error)
{
  if (cgfs_exists_at(r->dir->fd, "cgroup.procs"))
    return 0;
  cgfs_set_error(error, ENOENT, "cgroup deleted: %s does not exist", r->dir->dir);
  return -1;
}

static void reader_init(CgfsStatsReader *r, CgfsCgroup *cg, CgfsStats *s)
{
  /* Not a struct initializer: that would clear the 16 KiB buffer on every call. */
  r->s = s;
  r->cache = cgfs_system_stats_cache(cgfs_hierarchy_system(cg->h));
  r->dir = NULL;
  r->controllers = 0;
  r->text = (CgfsText){ 0 };
}

/* ---- the backends' hooks ---- */

gboolean cgfs_stats_read_v1(CgfsCgroup *cg, CgfsStats *s, GError **error)
{
  CgfsStatsReader r;
  reader_init(&r, cg, s);
  gboolean ok = cgfs_stats_v1_cpu(&r, cg, error) && cgfs_stats_v1_memory(&r, cg, error) &&
                cgfs_stats_v1_pids(&r, cg, error) && cgfs_stats_v1_blkio(&r, cg, error) &&
                cgfs_stats_v1_hugetlb(&r, cg, error) && cgfs_stats_v1_rdma(&r, cg, error);
  cgfs_text_clear(&r.text);
  return ok;
}

static const CgfsStatsField cgroup_fields[] = {
  CGFS_FIELD(CgfsV2CgroupStat, nr_descendants, "nr_descendants"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_subsys_cpuset, "nr_subsys_cpuset"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_subsys_cpu, "nr_subsys_cpu"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_subsys_io, "nr_subsys_io"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_subsys_memory, "nr_subsys_memory"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_subsys_devices, "nr_subsys_devices"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_subsys_freezer, "nr_subsys_freezer"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_subsys_net_cls, "nr_subsys_net_cls"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_subsys_perf_event, "nr_subsys_perf_event"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_subsys_net_prio, "nr_subsys_net_prio"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_subsys_hugetlb, "nr_subsys_hugetlb"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_subsys_pids, "nr_subsys_pids"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_subsys_rdma, "nr_subsys_rdma"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_subsys_misc, "nr_subsys_misc"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_subsys_dmem, "nr_subsys_dmem"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_dying_descendants, "nr_dying_descendants"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_dying_subsys_cpuset, "nr_dying_subsys_cpuset"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_dying_subsys_cpu, "nr_dying_subsys_cpu"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_dying_subsys_io, "nr_dying_subsys_io"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_dying_subsys_memory, "nr_dying_subsys_memory"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_dying_subsys_devices, "nr_dying_subsys_devices"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_dying_subsys_freezer, "nr_dying_subsys_freezer"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_dying_subsys_net_cls, "nr_dying_subsys_net_cls"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_dying_subsys_perf_event, "nr_dying_subsys_perf_event"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_dying_subsys_net_prio, "nr_dying_subsys_net_prio"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_dying_subsys_hugetlb, "nr_dying_subsys_hugetlb"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_dying_subsys_pids, "nr_dying_subsys_pids"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_dying_subsys_rdma, "nr_dying_subsys_rdma"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_dying_subsys_misc, "nr_dying_subsys_misc"),
  CGFS_FIELD(CgfsV2CgroupStat, nr_dying_subsys_dmem, "nr_dying_subsys_dmem"),
};
const CgfsStatsTable cgfs_v2_cgroup_table = CGFS_TABLE(CgfsV2CgroupStat, cgroup_fields);

static gboolean v2_cgroup_stat(CgfsStatsReader *r, GError **error)
{
  CgfsV2CgroupStat *c = &r->s->v2.cgroup_stat;
  int found = cgfs_stats_read_flat(r, "cgroup.stat", &cgfs_v2_cgroup_table, c, &c->extra,
                                   &c->n_extra, error);
  c->present = found > 0;
  return found >= 0;
}

/* Which controllers' files the cgroup has. Reading this one file is cheaper than trying to
 * open the files of every controller the cgroup lacks. */
static gboolean v2_controllers(CgfsStatsReader *r, const CgfsCgroup *cg, GError **error)
{
  int found = cgfs_stats_enter(r, cg, "unified") ? cgfs_stats_read(r, "cgroup.controllers", error)
                                                  : 0;
  if (found < 0)
    return FALSE;
  if (found == 0) {
    cgfs_set_error(error, ENOENT, "cgroup deleted: %s does not exist",
                   cgfs_cgroup_dir(cg, "unified")->dir);
    return FALSE;
  }
  r->controllers = cgfs_parse_v2_controllers(r->text.text, r->text.len);
  return TRUE;
}

gboolean cgfs_stats_read_v2(CgfsCgroup *cg, CgfsStats *s, GError **error)
{
  CgfsStatsReader r;
  reader_init(&r, cg, s);
  if (!v2_controllers(&r, cg, error))
    return FALSE;
  gboolean ok = cgfs_stats_v2_cpu(&r, error) && cgfs_stats_v2_memory(&r, error) &&
                cgfs_stats_v2_pids(&r, error) && cgfs_stats_v2_io(&r, error) &&
                cgfs_stats_v2_hugetlb(&r, error) && cgfs_stats_v2_rdma(&r, error) &&
                v2_cgroup_stat(&r, error);
  cgfs_text_clear(&r.text);
  return ok;
}
