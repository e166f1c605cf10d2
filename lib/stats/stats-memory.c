/* Memory statistics: v1 memory.stat, the usage entries and memory.oom_control; v2 memory.stat,
 * current/max/peak and their swap counterparts, memory.events and memory.pressure. */
#include "stats-private.h"

/* ---- v1 ---- */

#define F(member, key) CGFS_FIELD(CgfsV1MemoryStat, member, key)
static const CgfsStatsField v1_fields[] = {
  F(cache, "cache"), F(rss, "rss"), F(rss_huge, "rss_huge"), F(shmem, "shmem"),
  F(mapped_file, "mapped_file"), F(dirty, "dirty"), F(writeback, "writeback"),
  F(workingset_refault_anon, "workingset_refault_anon"),
  F(workingset_refault_file, "workingset_refault_file"), F(swap_usage, "swap"),
  F(swapcached, "swapcached"), F(pg_pg_in, "pgpgin"), F(pg_pg_out, "pgpgout"),
  F(pg_fault, "pgfault"), F(pg_maj_fault, "pgmajfault"), F(inactive_anon, "inactive_anon"),
  F(active_anon, "active_anon"), F(inactive_file, "inactive_file"),
  F(active_file, "active_file"), F(unevictable, "unevictable"),
  F(hierarchical_memory_limit, "hierarchical_memory_limit"),
  F(hierarchical_swap_limit, "hierarchical_memsw_limit"), F(total_cache, "total_cache"),
  F(total_rss, "total_rss"), F(total_rss_huge, "total_rss_huge"),
  F(total_shmem, "total_shmem"), F(total_mapped_file, "total_mapped_file"),
  F(total_dirty, "total_dirty"), F(total_writeback, "total_writeback"),
  F(total_workingset_refault_anon, "total_workingset_refault_anon"),
  F(total_workingset_refault_file, "total_workingset_refault_file"),
  F(total_swap, "total_swap"), F(total_swapcached, "total_swapcached"),
  F(total_pg_pg_in, "total_pgpgin"), F(total_pg_pg_out, "total_pgpgout"),
  F(total_pg_fault, "total_pgfault"), F(total_pg_maj_fault, "total_pgmajfault"),
  F(total_inactive_anon, "total_inactive_anon"), F(total_active_anon, "total_active_anon"),
  F(total_inactive_file, "total_inactive_file"), F(total_active_file, "total_active_file"),
  F(total_unevictable, "total_unevictable"),
};
#undef F
const CgfsStatsTable cgfs_v1_memory_table = CGFS_TABLE(CgfsV1MemoryStat, v1_fields);

static const CgfsStatsField entry_fields[] = {
  CGFS_FIELD(CgfsV1MemoryEntry, limit, "limit_in_bytes"),
  CGFS_FIELD(CgfsV1MemoryEntry, usage, "usage_in_bytes"),
  CGFS_FIELD(CgfsV1MemoryEntry, max, "max_usage_in_bytes"),
  CGFS_FIELD(CgfsV1MemoryEntry, failcnt, "failcnt"),
};
const CgfsStatsTable cgfs_v1_memory_entry_table = CGFS_TABLE(CgfsV1MemoryEntry, entry_fields);

static const CgfsStatsField oom_fields[] = {
  CGFS_FIELD(CgfsV1MemoryOomControl, oom_kill_disable, "oom_kill_disable"),
  CGFS_FIELD(CgfsV1MemoryOomControl, under_oom, "under_oom"),
  CGFS_FIELD(CgfsV1MemoryOomControl, oom_kill, "oom_kill"),
};
const CgfsStatsTable cgfs_v1_oom_control_table = CGFS_TABLE(CgfsV1MemoryOomControl, oom_fields);

/* The files of each entry, in entry_fields' order. */
#define ENTRY_FILES(prefix)                                                                       \
  { prefix "limit_in_bytes", prefix "usage_in_bytes", prefix "max_usage_in_bytes",                \
    prefix "failcnt" }
static const char *const usage_files[] = ENTRY_FILES("memory.");
static const char *const memsw_files[] = ENTRY_FILES("memory.memsw.");
static const char *const kmem_files[] = ENTRY_FILES("memory.kmem.");
static const char *const kmem_tcp_files[] = ENTRY_FILES("memory.kmem.tcp.");

static int read_entry(CgfsStatsReader *r, const char *const *files, CgfsV1MemoryEntry *e,
                      GError **error)
{
  int found = cgfs_stats_read_singles(r, files, 0, G_N_ELEMENTS(entry_fields), TRUE,
                                      &cgfs_v1_memory_entry_table, e, error);
  e->present = found > 0;
  return found;
}

static gboolean read_v1_memory(CgfsStatsReader *r, GError **error)
{
  CgfsV1MemoryStat *m = &r->s->v1.memory;
  CgfsV1MemoryOomControl *oom = &r->s->v1.memory_oom_control;
  int stat = cgfs_stats_read_flat(r, "memory.stat", &cgfs_v1_memory_table, m, &m->extra,
                                  &m->n_extra, error);
  if (stat < 0 || read_entry(r, usage_files, &m->usage, error) < 0 ||
      read_entry(r, memsw_files, &m->swap, error) < 0 ||
      read_entry(r, kmem_files, &m->kernel, error) < 0 ||
      read_entry(r, kmem_tcp_files, &m->kernel_tcp, error) < 0)
    return FALSE;
  int found = cgfs_stats_read_flat(r, "memory.oom_control", &cgfs_v1_oom_control_table, oom,
                                   NULL, NULL, error);
  if (found < 0)
    return FALSE;
  oom->present = found > 0;
  m->present = stat > 0 || m->usage.present || m->swap.present || m->kernel.present ||
               m->kernel_tcp.present;
  if (!m->present && !oom->present)
    return cgfs_stats_check_deleted(r, error) == 0;
  return TRUE;
}

gboolean cgfs_stats_v1_memory(CgfsStatsReader *r, const CgfsCgroup *cg, GError **error)
{
  return !cgfs_stats_enter(r, cg, "memory") || read_v1_memory(r, error);
}

/* ---- v2 ---- */

#define F(member) CGFS_FIELD(CgfsV2MemoryStat, member, #member)
static const CgfsStatsField v2_fields[] = {
  F(anon), F(file), F(kernel), F(kernel_stack), F(pagetables), F(sec_pagetables), F(percpu),
  F(sock), F(vmalloc), F(shmem), F(zswap), F(zswapped), F(file_mapped), F(file_dirty),
  F(file_writeback), F(swapcached), F(anon_thp), F(file_thp), F(shmem_thp), F(inactive_anon),
  F(active_anon), F(inactive_file), F(active_file), F(unevictable), F(slab_reclaimable),
  F(slab_unreclaimable), F(slab), F(workingset_refault), F(workingset_refault_anon),
  F(workingset_refault_file), F(workingset_activate), F(workingset_activate_anon),
  F(workingset_activate_file), F(workingset_restore), F(workingset_restore_anon),
  F(workingset_restore_file), F(workingset_nodereclaim), F(pswpin), F(pswpout), F(pgscan),
  F(pgsteal), F(pgscan_kswapd), F(pgscan_direct), F(pgscan_khugepaged), F(pgscan_proactive),
  F(pgsteal_kswapd), F(pgsteal_direct), F(pgsteal_khugepaged), F(pgsteal_proactive),
  F(pgfault), F(pgmajfault), F(pgrefill), F(pgactivate), F(pgdeactivate), F(pglazyfree),
  F(pglazyfreed), F(swpin_zero), F(swpout_zero), F(zswpin), F(zswpout), F(zswpwb),
  F(zswap_incomp), F(thp_fault_alloc), F(thp_collapse_alloc), F(thp_swpout),
  F(thp_swpout_fallback), F(numa_pages_migrated), F(numa_pte_updates), F(numa_hint_faults),
  F(pgpromote_success), F(pgdemote_kswapd), F(pgdemote_direct), F(pgdemote_khugepaged),
  F(pgdemote_proactive), F(hugetlb),
  /* Not memory.stat keys: the keys are the files' names, which memory.stat cannot hold. */
  CGFS_FIELD(CgfsV2MemoryStat, usage, "memory.current"),
  CGFS_FIELD(CgfsV2MemoryStat, usage_limit, "memory.max"),
  CGFS_FIELD(CgfsV2MemoryStat, swap_usage, "memory.swap.current"),
  CGFS_FIELD(CgfsV2MemoryStat, swap_limit, "memory.swap.max"),
  CGFS_FIELD(CgfsV2MemoryStat, max_usage, "memory.peak"),
  CGFS_FIELD(CgfsV2MemoryStat, swap_max_usage, "memory.swap.peak"),
};
#undef F
const CgfsStatsTable cgfs_v2_memory_table = CGFS_TABLE(CgfsV2MemoryStat, v2_fields);

#define N_FILE_FIELDS 6
static const char *const v2_files[N_FILE_FIELDS] = {
  "memory.current", "memory.max", "memory.swap.current",
  "memory.swap.max", "memory.peak", "memory.swap.peak",
};

static const CgfsStatsField events_fields[] = {
  CGFS_FIELD(CgfsV2MemoryEvents, low, "low"),
  CGFS_FIELD(CgfsV2MemoryEvents, high, "high"),
  CGFS_FIELD(CgfsV2MemoryEvents, max, "max"),
  CGFS_FIELD(CgfsV2MemoryEvents, oom, "oom"),
  CGFS_FIELD(CgfsV2MemoryEvents, oom_kill, "oom_kill"),
  CGFS_FIELD(CgfsV2MemoryEvents, oom_group_kill, "oom_group_kill"),
  CGFS_FIELD(CgfsV2MemoryEvents, sock_throttled, "sock_throttled"),
};
const CgfsStatsTable cgfs_v2_memory_events_table =
    CGFS_TABLE(CgfsV2MemoryEvents, events_fields);

/* memory.pressure exists without the memory controller, the other files only with it. */
gboolean cgfs_stats_v2_memory(CgfsStatsReader *r, GError **error)
{
  CgfsV2MemoryStat *m = &r->s->v2.memory;
  CgfsV2MemoryEvents *ev = &r->s->v2.memory_events;
  int stat = 0;
  if (r->controllers & CGFS_V2_MEMORY)
    stat = cgfs_stats_read_flat(r, "memory.stat", &cgfs_v2_memory_table, m, &m->extra,
                                &m->n_extra, error);
  if (stat < 0)
    return FALSE;
  if (stat > 0) {
    int found = cgfs_stats_read_singles(r, v2_files, G_N_ELEMENTS(v2_fields) - N_FILE_FIELDS,
                                        N_FILE_FIELDS, TRUE, &cgfs_v2_memory_table, m, error);
    if (found < 0)
      return FALSE;
    found = cgfs_stats_read_flat(r, "memory.events", &cgfs_v2_memory_events_table, ev,
                                 &ev->extra, &ev->n_extra, error);
    if (found < 0)
      return FALSE;
    ev->present = found > 0;
  }
  if (cgfs_stats_read_psi(r, "memory.pressure", &m->psi, error) < 0)
    return FALSE;
  m->present = stat > 0 || m->psi.present;
  return TRUE;
}
