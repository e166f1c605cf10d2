/* libcgfs: statistics, every counter of a cgroup in the shape of containerd's Metrics.
 *
 * cgfs_cgroup_stats() takes one snapshot. On cgroup v1 it fills CgfsStats.v1 (containerd
 * cgroup1 stats.Metrics), on v2 CgfsStats.v2 (cgroup2 stats.Metrics); CgfsStats.version says
 * which. Member names are containerd's field names in snake_case, and are the JSON keys of
 * cgfs_stats_to_json(); docs/stats.md lists where each comes from.
 *
 * What is present:
 * - A controller the cgroup lacks (not mounted, not enabled, no such file on this kernel) has
 *   present == FALSE and is left out of the JSON. It is never an error.
 * - In a struct of counters, CGFS_STATS_HAS(ptr, member) says whether the kernel reported that
 *   counter (memory.stat differs between kernels); an absent counter reads 0 and is left out of
 *   the JSON. Keys libcgfs does not know yet are kept, with the kernel's name, in `extra`.
 * - Limits the kernel shows as "max" are G_MAXUINT64 (G_MAXUINT32 in rdma entries).
 *
 * Units are the kernel's: bytes, nanoseconds on v1 (cpuacct), microseconds on v2 (cpu.stat).
 */
#pragma once

#include <stddef.h>

#include <glib.h>
#include <cgfs/cgroup.h>

G_BEGIN_DECLS
#pragma GCC visibility push(default) /* the public API: exported (lib/libcgfs.map) */

/* Whether counter @member of the struct *@st was reported. Every struct of counters starts with
 * its guint64 counters and carries a bitmap `has`, one bit per counter in declaration order. */
#define CGFS_STATS_HAS(st, member)                                                                \
  cgfs_stats_bit_((st)->has, offsetof(__typeof__(*(st)), member) / sizeof(guint64))

static inline gboolean cgfs_stats_bit_(const guint64 *has, gsize index)
{
  return (has[index / 64] >> (index % 64)) & 1;
}

/* A key of a flat-keyed file that this libcgfs has no member for (a newer kernel's). */
typedef struct {
  const char *key; /* as the kernel writes it */
  guint64 value;
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsStatsCounter;

/* Pressure stall information (*.pressure): averages in percent, total in microseconds. */
typedef struct {
  double avg10, avg60, avg300;
  guint64 total;
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsPsiData;

typedef struct {
  gboolean present;  /* the .pressure file exists */
  gboolean has_full; /* cpu.pressure has no "full" line before Linux 5.13 */
  CgfsPsiData some, full;
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsPsiStats;

typedef struct {
  guint64 current, limit;
  guint64 has[1];
  gboolean present;
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsPidsStat;

typedef struct {
  const char *device; /* "mlx4_0" */
  guint32 hca_handles, hca_objects;
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsRdmaEntry;

typedef struct {
  gboolean present;
  CgfsRdmaEntry *current;
  guint n_current;
  CgfsRdmaEntry *limit;
  guint n_limit;
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsRdmaStat;

/* ---- cgroup v1 (containerd cgroup1/stats/metrics.proto) ---- */

typedef struct {
  guint64 usage, max, failcnt; /* hugetlb.<size>.usage_in_bytes, max_usage_in_bytes, failcnt */
  guint64 has[1];
  const char *pagesize; /* "2MB", "1GB" */
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV1HugetlbStat;

typedef struct {
  gboolean present;
  CgfsV1HugetlbStat *entries; /* one per page size of the machine */
  guint n_entries;
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV1HugetlbList;

typedef struct {
  guint64 total, kernel, user; /* nanoseconds: cpuacct.usage, usage_all's system and user */
  guint64 has[1];
  gboolean present;
  guint64 *per_cpu; /* cpuacct.usage_percpu */
  guint n_per_cpu;
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV1CpuUsage;

typedef struct {
  /* cpu.stat: nr_periods, nr_throttled, throttled_time (ns), nr_bursts, burst_time (ns) */
  guint64 periods, throttled_periods, throttled_time, nr_bursts, burst_time;
  guint64 has[1];
  gboolean present;
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV1Throttle;

typedef struct {
  gboolean present;
  CgfsV1CpuUsage usage;
  CgfsV1Throttle throttling;
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV1CpuStat;

/* memory.<kind>.limit_in_bytes, usage_in_bytes, max_usage_in_bytes, failcnt */
typedef struct {
  guint64 limit, usage, max, failcnt;
  guint64 has[1];
  gboolean present;
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV1MemoryEntry;

typedef struct {
  /* memory.stat in the kernel's order. containerd's names: pgpgin is pg_pg_in, pgpgout
   * pg_pg_out, pgfault pg_fault, pgmajfault pg_maj_fault, hierarchical_memsw_limit
   * hierarchical_swap_limit; "swap" is swap_usage (containerd's "swap" is the memsw entry). */
  guint64 cache, rss, rss_huge, shmem, mapped_file, dirty, writeback, workingset_refault_anon,
      workingset_refault_file, swap_usage, swapcached, pg_pg_in, pg_pg_out, pg_fault,
      pg_maj_fault, inactive_anon, active_anon, inactive_file, active_file, unevictable,
      hierarchical_memory_limit, hierarchical_swap_limit, total_cache, total_rss,
      total_rss_huge, total_shmem, total_mapped_file, total_dirty, total_writeback,
      total_workingset_refault_anon, total_workingset_refault_file, total_swap,
      total_swapcached, total_pg_pg_in, total_pg_pg_out, total_pg_fault, total_pg_maj_fault,
      total_inactive_anon, total_active_anon, total_inactive_file, total_active_file,
      total_unevictable;
  guint64 has[1];
  gboolean present;
  CgfsStatsCounter *extra;
  guint n_extra;
  CgfsV1MemoryEntry usage;      /* memory.* */
  CgfsV1MemoryEntry swap;       /* memory.memsw.* (memory + swap) */
  CgfsV1MemoryEntry kernel;     /* memory.kmem.* */
  CgfsV1MemoryEntry kernel_tcp; /* memory.kmem.tcp.* */
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV1MemoryStat;

typedef struct {
  guint64 oom_kill_disable, under_oom, oom_kill; /* memory.oom_control */
  guint64 has[1];
  gboolean present;
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV1MemoryOomControl;

typedef struct {
  const char *op;     /* "Read", "Write", "Sync", "Async", "Discard", "Total"; "" if none */
  const char *device; /* "/dev/vda"; NULL when the number names no block device */
  guint64 major, minor, value;
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV1BlkioEntry;

typedef struct {
  gboolean present; /* the file exists */
  CgfsV1BlkioEntry *entries;
  guint n_entries;
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV1BlkioList;

/* The recursive lists of the first of CFQ (blkio.*), BFQ (blkio.bfq.*) or blk-throttle
 * (blkio.throttle.*) that has any entry; throttle when none has. */
typedef struct {
  gboolean present;
  CgfsV1BlkioList io_service_bytes_recursive, io_serviced_recursive, io_queued_recursive,
      io_service_time_recursive, io_wait_time_recursive, io_merged_recursive,
      io_time_recursive, sectors_recursive;
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV1BlkioStat;

typedef struct {
  CgfsV1HugetlbList hugetlb;
  CgfsPidsStat pids;
  CgfsV1CpuStat cpu;
  CgfsV1MemoryStat memory;
  CgfsV1BlkioStat blkio;
  CgfsRdmaStat rdma;
  CgfsV1MemoryOomControl memory_oom_control;
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV1Metrics;

/* ---- cgroup v2 (containerd cgroup2/stats/metrics.proto) ---- */

typedef struct {
  /* cpu.stat, microseconds; core_sched_force_idle_usec is core_sched.force_idle_usec */
  guint64 usage_usec, user_usec, system_usec, nice_usec, core_sched_force_idle_usec,
      nr_periods, nr_throttled, throttled_usec, nr_bursts, burst_usec;
  guint64 has[1];
  gboolean present;
  CgfsStatsCounter *extra;
  guint n_extra;
  CgfsPsiStats psi; /* cpu.pressure */
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV2CpuStat;

typedef struct {
  /* memory.stat in the kernel's order (keys of Linux 4.15 to 6.18) */
  guint64 anon, file, kernel, kernel_stack, pagetables, sec_pagetables, percpu, sock, vmalloc,
      shmem, zswap, zswapped, file_mapped, file_dirty, file_writeback, swapcached, anon_thp,
      file_thp, shmem_thp, inactive_anon, active_anon, inactive_file, active_file, unevictable,
      slab_reclaimable, slab_unreclaimable, slab, workingset_refault, workingset_refault_anon,
      workingset_refault_file, workingset_activate, workingset_activate_anon,
      workingset_activate_file, workingset_restore, workingset_restore_anon,
      workingset_restore_file, workingset_nodereclaim, pswpin, pswpout, pgscan, pgsteal,
      pgscan_kswapd, pgscan_direct, pgscan_khugepaged, pgscan_proactive, pgsteal_kswapd,
      pgsteal_direct, pgsteal_khugepaged, pgsteal_proactive, pgfault, pgmajfault, pgrefill,
      pgactivate, pgdeactivate, pglazyfree, pglazyfreed, swpin_zero, swpout_zero, zswpin,
      zswpout, zswpwb, zswap_incomp, thp_fault_alloc, thp_collapse_alloc, thp_swpout,
      thp_swpout_fallback, numa_pages_migrated, numa_pte_updates, numa_hint_faults,
      pgpromote_success, pgdemote_kswapd, pgdemote_direct, pgdemote_khugepaged,
      pgdemote_proactive, hugetlb;
  /* memory.current, memory.max, memory.swap.current, memory.swap.max, memory.peak,
   * memory.swap.peak */
  guint64 usage, usage_limit, swap_usage, swap_limit, max_usage, swap_max_usage;
  guint64 has[2];
  gboolean present;
  CgfsStatsCounter *extra;
  guint n_extra;
  CgfsPsiStats psi; /* memory.pressure */
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV2MemoryStat;

typedef struct {
  guint64 low, high, max, oom, oom_kill, oom_group_kill, sock_throttled; /* memory.events */
  guint64 has[1];
  gboolean present;
  CgfsStatsCounter *extra;
  guint n_extra;
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV2MemoryEvents;

typedef struct {
  guint64 major, minor, rbytes, wbytes, rios, wios, dbytes, dios; /* a line of io.stat */
  guint64 has[1];
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV2IoEntry;

typedef struct {
  gboolean present;
  gboolean has_usage; /* io.stat exists */
  CgfsV2IoEntry *usage;
  guint n_usage;
  CgfsPsiStats psi; /* io.pressure */
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV2IoStat;

typedef struct {
  guint64 current, max; /* hugetlb.<size>.current, .max */
  guint64 has[1];
  const char *pagesize;
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV2HugetlbStat;

typedef struct {
  gboolean present;
  CgfsV2HugetlbStat *entries;
  guint n_entries;
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV2HugetlbList;

typedef struct {
  /* cgroup.stat; nr_subsys_* and nr_dying_subsys_* appeared in Linux 6.11 */
  guint64 nr_descendants, nr_dying_descendants, nr_subsys_cpuset, nr_subsys_cpu, nr_subsys_io,
      nr_subsys_memory, nr_subsys_devices, nr_subsys_freezer, nr_subsys_net_cls,
      nr_subsys_perf_event, nr_subsys_net_prio, nr_subsys_hugetlb, nr_subsys_pids,
      nr_subsys_rdma, nr_subsys_misc, nr_subsys_dmem, nr_dying_subsys_cpuset,
      nr_dying_subsys_cpu, nr_dying_subsys_io, nr_dying_subsys_memory,
      nr_dying_subsys_devices, nr_dying_subsys_freezer, nr_dying_subsys_net_cls,
      nr_dying_subsys_perf_event, nr_dying_subsys_net_prio, nr_dying_subsys_hugetlb,
      nr_dying_subsys_pids, nr_dying_subsys_rdma, nr_dying_subsys_misc, nr_dying_subsys_dmem;
  guint64 has[1];
  gboolean present;
  CgfsStatsCounter *extra;
  guint n_extra;
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV2CgroupStat;

typedef struct {
  CgfsPidsStat pids;
  CgfsV2CpuStat cpu;
  CgfsV2MemoryStat memory;
  CgfsRdmaStat rdma;
  CgfsV2IoStat io;
  CgfsV2HugetlbList hugetlb;
  CgfsV2MemoryEvents memory_events;
  CgfsV2CgroupStat cgroup_stat; /* not in containerd's Metrics */
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV2Metrics;

typedef struct _CgfsStatsPrivate CgfsStatsPrivate;

typedef struct _CgfsStats {
  int version; /* 1: v1 is filled; 2: v2 is filled */
  CgfsV1Metrics v1;
  CgfsV2Metrics v2;
  /*< private >*/
  CgfsStatsPrivate *priv;
} CgfsStats;

/* One snapshot of every statistic of @cg. ENOENT when the cgroup has been deleted; EBADMSG,
 * naming the file and the line, when a file exists but cannot be parsed. */
CgfsStats *cgfs_cgroup_stats(CgfsCgroup *cg, GError **error);
/* NULL is accepted. */
void cgfs_stats_free(CgfsStats *s);

/* The stats as a JSON object, indented with two spaces as `jq .` prints it, keys in a fixed
 * order (containerd's field order, memory.stat keys in the kernel's), ending with a newline.
 * Integers are JSON numbers. @len (may be NULL) receives strlen of the result. g_free it. */
char *cgfs_stats_to_json(const CgfsStats *s, gsize *len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CgfsStats, cgfs_stats_free)

#pragma GCC visibility pop
G_END_DECLS
