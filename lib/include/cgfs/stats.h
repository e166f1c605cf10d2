/**
 * SECTION:stats
 * @title: CgfsStats
 * @short_description: statistics, every counter of a cgroup in the shape of containerd's Metrics
 * @include: cgfs/cgfs.h
 *
 * cgfs_cgroup_stats() takes one snapshot. On cgroup v1 it fills #CgfsStats.v1 (containerd
 * cgroup1 stats.Metrics), on v2 #CgfsStats.v2 (cgroup2 stats.Metrics); #CgfsStats.version says
 * which. Member names are containerd's field names in snake_case, and are the JSON keys of
 * cgfs_stats_to_json(); docs/stats.md lists where each comes from.
 *
 * What is present:
 *
 * - A controller the cgroup lacks (not mounted, not enabled, no such file on this kernel) has
 *   present == %FALSE and is left out of the JSON. It is never an error.
 * - In a struct of counters, CGFS_STATS_HAS(ptr, member) says whether the kernel reported that
 *   counter (memory.stat differs between kernels); an absent counter reads 0 and is left out of
 *   the JSON. Keys libcgfs does not know yet are kept, with the kernel's name, in `extra`.
 * - Limits the kernel shows as "max" are G_MAXUINT64 (G_MAXUINT32 in rdma entries).
 *
 * Units are the kernel's: bytes, nanoseconds on v1 (cpuacct), microseconds on v2 (cpu.stat).
 *
 * cgfs_cgroup_stats() is thread-safe; a #CgfsStats belongs to one thread at a time (or is
 * shared read-only).
 */
#pragma once

#include <stddef.h>

#include <glib.h>
#include <cgfs/cgroup.h>

G_BEGIN_DECLS
#pragma GCC visibility push(default) /* the public API: exported (lib/libcgfs.map) */

/**
 * CGFS_STATS_HAS:
 * @st: a pointer to a struct of counters (#CgfsV2MemoryStat, ...)
 * @member: the name of one of its guint64 counters
 *
 * Whether counter @member of the struct *@st was reported. Every struct of counters starts with
 * its guint64 counters and carries a bitmap `has`, one bit per counter in declaration order.
 *
 * |[<!-- language="C" -->
 * if (CGFS_STATS_HAS(&stats->v2.memory, zswap))
 *   printf("%" G_GUINT64_FORMAT "\n", stats->v2.memory.zswap);
 * ]|
 *
 * Returns: %TRUE if the kernel reported it
 */
#define CGFS_STATS_HAS(st, member)                                                                \
  cgfs_stats_bit_((st)->has, offsetof(__typeof__(*(st)), member) / sizeof(guint64))

/**
 * cgfs_stats_bit_: (skip)
 * @has: a `has` bitmap
 * @index: a bit index
 *
 * The implementation of CGFS_STATS_HAS(); call that instead.
 *
 * Returns: bit @index of @has
 */
static inline gboolean cgfs_stats_bit_(const guint64 *has, gsize index)
{
  return (has[index / 64] >> (index % 64)) & 1;
}

/**
 * CgfsStatsCounter:
 * @key: the key as the kernel writes it
 * @value: its value
 *
 * A key of a flat-keyed file that this libcgfs has no member for (a newer kernel's).
 */
typedef struct {
  const char *key;
  guint64 value;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsStatsCounter;

/**
 * CgfsPsiData:
 * @avg10: percent of the last 10 s
 * @avg60: percent of the last 60 s
 * @avg300: percent of the last 300 s
 * @total: microseconds in total
 *
 * Pressure stall information (*.pressure): averages in percent, total in microseconds.
 */
typedef struct {
  double avg10, avg60, avg300;
  guint64 total;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsPsiData;

/**
 * CgfsPsiStats:
 * @present: the .pressure file exists
 * @has_full: the "full" line exists (cpu.pressure has none before Linux 5.13)
 * @some: the "some" line: time some tasks stalled
 * @full: the "full" line: time all tasks stalled
 *
 * Pressure stall information (cpu.pressure, memory.pressure, io.pressure).
 */
typedef struct {
  gboolean present;
  gboolean has_full;
  CgfsPsiData some, full;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsPsiStats;

/**
 * CgfsPidsStat:
 * @current: pids.current
 * @limit: pids.max; "max" is G_MAXUINT64
 * @has: which counters the kernel reported: one bit per counter, in declaration order (read it
 *   with CGFS_STATS_HAS())
 * @present: the controller is there
 *
 * The pids controller (pids.current, pids.max).
 */
typedef struct {
  guint64 current, limit;
  guint64 has[1];
  gboolean present;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsPidsStat;

/**
 * CgfsRdmaEntry:
 * @device: the device, "mlx4_0"
 * @hca_handles: HCA handles ("max" is G_MAXUINT32)
 * @hca_objects: HCA objects ("max" is G_MAXUINT32)
 *
 * One device of rdma.current or rdma.max.
 */
typedef struct {
  const char *device;
  guint32 hca_handles, hca_objects;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsRdmaEntry;

/**
 * CgfsRdmaStat:
 * @present: the controller is there
 * @current: rdma.current, one entry per device
 * @n_current: the number of entries in @current
 * @limit: rdma.max, one entry per device
 * @n_limit: the number of entries in @limit
 *
 * The rdma controller.
 */
typedef struct {
  gboolean present;
  CgfsRdmaEntry *current;
  guint n_current;
  CgfsRdmaEntry *limit;
  guint n_limit;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsRdmaStat;

/* ---- cgroup v1 (containerd cgroup1/stats/metrics.proto) ---- */

/**
 * CgfsV1HugetlbStat:
 * @usage: hugetlb.SIZE.usage_in_bytes
 * @max: hugetlb.SIZE.max_usage_in_bytes
 * @failcnt: hugetlb.SIZE.failcnt
 * @has: which counters the kernel reported: one bit per counter, in declaration order (read it
 *   with CGFS_STATS_HAS())
 * @pagesize: the page size, "2MB", "1GB"
 *
 * One huge page size of the v1 hugetlb controller.
 */
typedef struct {
  guint64 usage, max, failcnt;
  guint64 has[1];
  const char *pagesize;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV1HugetlbStat;

/**
 * CgfsV1HugetlbList:
 * @present: the controller is there
 * @entries: one per page size of the machine
 * @n_entries: the number of @entries
 *
 * The v1 hugetlb controller.
 */
typedef struct {
  gboolean present;
  CgfsV1HugetlbStat *entries;
  guint n_entries;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV1HugetlbList;

/**
 * CgfsV1CpuUsage:
 * @total: cpuacct.usage
 * @kernel: system time of cpuacct.usage_all
 * @user: user time of cpuacct.usage_all
 * @has: which counters the kernel reported: one bit per counter, in declaration order (read it
 *   with CGFS_STATS_HAS())
 * @present: cpuacct.usage exists
 * @per_cpu: cpuacct.usage_percpu, one per CPU
 * @n_per_cpu: the number of @per_cpu
 *
 * v1 CPU time (cpuacct), in nanoseconds.
 */
typedef struct {
  guint64 total, kernel, user;
  guint64 has[1];
  gboolean present;
  guint64 *per_cpu;
  guint n_per_cpu;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV1CpuUsage;

/**
 * CgfsV1Throttle:
 * @periods: nr_periods
 * @throttled_periods: nr_throttled
 * @throttled_time: throttled_time, nanoseconds
 * @nr_bursts: nr_bursts
 * @burst_time: burst_time, nanoseconds
 * @has: which counters the kernel reported: one bit per counter, in declaration order (read it
 *   with CGFS_STATS_HAS())
 * @present: cpu.stat exists
 *
 * v1 CFS throttling (cpu.stat).
 * cpu.stat: nr_periods, nr_throttled, throttled_time (ns), nr_bursts, burst_time (ns)
 */
typedef struct {
  guint64 periods, throttled_periods, throttled_time, nr_bursts, burst_time;
  guint64 has[1];
  gboolean present;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV1Throttle;

/**
 * CgfsV1CpuStat:
 * @present: either controller is there
 * @usage: CPU time
 * @throttling: CFS throttling
 *
 * The v1 cpu and cpuacct controllers.
 */
typedef struct {
  gboolean present;
  CgfsV1CpuUsage usage;
  CgfsV1Throttle throttling;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV1CpuStat;

/**
 * CgfsV1MemoryEntry:
 * @limit: memory.KIND.limit_in_bytes
 * @usage: memory.KIND.usage_in_bytes
 * @max: memory.KIND.max_usage_in_bytes
 * @failcnt: memory.KIND.failcnt
 * @has: which counters the kernel reported: one bit per counter, in declaration order (read it
 *   with CGFS_STATS_HAS())
 * @present: the files exist
 *
 * The four files of one kind of v1 memory accounting: memory.KIND.limit_in_bytes,
 * usage_in_bytes, max_usage_in_bytes, failcnt (KIND: none, memsw, kmem, kmem.tcp).
 */
typedef struct {
  guint64 limit, usage, max, failcnt;
  guint64 has[1];
  gboolean present;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV1MemoryEntry;

/**
 * CgfsV1MemoryStat:
 * @cache: memory.stat cache
 * @rss: memory.stat rss
 * @rss_huge: memory.stat rss_huge
 * @shmem: memory.stat shmem
 * @mapped_file: memory.stat mapped_file
 * @dirty: memory.stat dirty
 * @writeback: memory.stat writeback
 * @workingset_refault_anon: memory.stat workingset_refault_anon
 * @workingset_refault_file: memory.stat workingset_refault_file
 * @swap_usage: memory.stat swap
 * @swapcached: memory.stat swapcached
 * @pg_pg_in: memory.stat pgpgin
 * @pg_pg_out: memory.stat pgpgout
 * @pg_fault: memory.stat pgfault
 * @pg_maj_fault: memory.stat pgmajfault
 * @inactive_anon: memory.stat inactive_anon
 * @active_anon: memory.stat active_anon
 * @inactive_file: memory.stat inactive_file
 * @active_file: memory.stat active_file
 * @unevictable: memory.stat unevictable
 * @hierarchical_memory_limit: memory.stat hierarchical_memory_limit
 * @hierarchical_swap_limit: memory.stat hierarchical_memsw_limit
 * @total_cache: memory.stat total_cache
 * @total_rss: memory.stat total_rss
 * @total_rss_huge: memory.stat total_rss_huge
 * @total_shmem: memory.stat total_shmem
 * @total_mapped_file: memory.stat total_mapped_file
 * @total_dirty: memory.stat total_dirty
 * @total_writeback: memory.stat total_writeback
 * @total_workingset_refault_anon: memory.stat total_workingset_refault_anon
 * @total_workingset_refault_file: memory.stat total_workingset_refault_file
 * @total_swap: memory.stat total_swap
 * @total_swapcached: memory.stat total_swapcached
 * @total_pg_pg_in: memory.stat total_pgpgin
 * @total_pg_pg_out: memory.stat total_pgpgout
 * @total_pg_fault: memory.stat total_pgfault
 * @total_pg_maj_fault: memory.stat total_pgmajfault
 * @total_inactive_anon: memory.stat total_inactive_anon
 * @total_active_anon: memory.stat total_active_anon
 * @total_inactive_file: memory.stat total_inactive_file
 * @total_active_file: memory.stat total_active_file
 * @total_unevictable: memory.stat total_unevictable
 * @has: which counters the kernel reported: one bit per counter, in declaration order (read it
 *   with CGFS_STATS_HAS())
 * @present: the controller is there
 * @extra: memory.stat keys this libcgfs has no member for
 * @n_extra: the number of @extra
 * @usage: memory.*
 * @swap: memory.memsw.* (memory + swap)
 * @kernel: memory.kmem.*
 * @kernel_tcp: memory.kmem.tcp.*
 *
 * memory.stat in the kernel's order. containerd's names: pgpgin is pg_pg_in, pgpgout pg_pg_out,
 *   pgfault pg_fault, pgmajfault pg_maj_fault, hierarchical_memsw_limit hierarchical_swap_limit;
 *   "swap" is swap_usage (containerd's "swap" is the memsw entry).
 */
typedef struct {
  guint64 cache, rss, rss_huge, shmem, mapped_file, dirty, writeback, workingset_refault_anon;
  guint64 workingset_refault_file, swap_usage, swapcached, pg_pg_in, pg_pg_out, pg_fault;
  guint64 pg_maj_fault, inactive_anon, active_anon, inactive_file, active_file, unevictable;
  guint64 hierarchical_memory_limit, hierarchical_swap_limit, total_cache, total_rss;
  guint64 total_rss_huge, total_shmem, total_mapped_file, total_dirty, total_writeback;
  guint64 total_workingset_refault_anon, total_workingset_refault_file, total_swap;
  guint64 total_swapcached, total_pg_pg_in, total_pg_pg_out, total_pg_fault, total_pg_maj_fault;
  guint64 total_inactive_anon, total_active_anon, total_inactive_file, total_active_file;
  guint64 total_unevictable;
  guint64 has[1];
  gboolean present;
  CgfsStatsCounter *extra;
  guint n_extra;
  CgfsV1MemoryEntry usage;
  CgfsV1MemoryEntry swap;
  CgfsV1MemoryEntry kernel;
  CgfsV1MemoryEntry kernel_tcp;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV1MemoryStat;

/**
 * CgfsV1MemoryOomControl:
 * @oom_kill_disable: oom_kill_disable
 * @under_oom: under_oom
 * @oom_kill: oom_kill
 * @has: which counters the kernel reported: one bit per counter, in declaration order (read it
 *   with CGFS_STATS_HAS())
 * @present: the file exists
 *
 * v1 memory.oom_control.
 */
typedef struct {
  guint64 oom_kill_disable, under_oom, oom_kill;
  guint64 has[1];
  gboolean present;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV1MemoryOomControl;

/**
 * CgfsV1BlkioEntry:
 * @op: "Read", "Write", "Sync", "Async", "Discard", "Total"; "" if none
 * @device: the device, "/dev/vda"; %NULL when the number names no block device
 * @major: the major number
 * @minor: the minor number
 * @value: the value
 *
 * One line of a v1 blkio statistics file.
 */
typedef struct {
  const char *op;
  const char *device;
  guint64 major, minor, value;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV1BlkioEntry;

/**
 * CgfsV1BlkioList:
 * @present: the file exists
 * @entries: its lines
 * @n_entries: the number of @entries
 *
 * One v1 blkio statistics file.
 */
typedef struct {
  gboolean present;
  CgfsV1BlkioEntry *entries;
  guint n_entries;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV1BlkioList;

/**
 * CgfsV1BlkioStat:
 * @present: the controller is there
 * @io_service_bytes_recursive: *io_service_bytes_recursive
 * @io_serviced_recursive: *io_serviced_recursive
 * @io_queued_recursive: *io_queued_recursive
 * @io_service_time_recursive: *io_service_time_recursive
 * @io_wait_time_recursive: *io_wait_time_recursive
 * @io_merged_recursive: *io_merged_recursive
 * @io_time_recursive: *time_recursive
 * @sectors_recursive: *sectors_recursive
 *
 * The recursive lists of the first of CFQ (blkio.*), BFQ (blkio.bfq.*) or blk-throttle
 *   (blkio.throttle.*) that has any entry; throttle when none has.
 */
typedef struct {
  gboolean present;
  CgfsV1BlkioList io_service_bytes_recursive, io_serviced_recursive, io_queued_recursive;
  CgfsV1BlkioList io_service_time_recursive, io_wait_time_recursive, io_merged_recursive;
  CgfsV1BlkioList io_time_recursive, sectors_recursive;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV1BlkioStat;

/**
 * CgfsV1Metrics:
 * @hugetlb: hugetlb
 * @pids: pids
 * @cpu: cpu and cpuacct
 * @memory: memory
 * @blkio: blkio
 * @rdma: rdma
 * @memory_oom_control: memory.oom_control
 *
 * Every v1 statistic (containerd cgroup1 stats.Metrics).
 */
typedef struct {
  CgfsV1HugetlbList hugetlb;
  CgfsPidsStat pids;
  CgfsV1CpuStat cpu;
  CgfsV1MemoryStat memory;
  CgfsV1BlkioStat blkio;
  CgfsRdmaStat rdma;
  CgfsV1MemoryOomControl memory_oom_control;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV1Metrics;

/* ---- cgroup v2 (containerd cgroup2/stats/metrics.proto) ---- */

/**
 * CgfsV2CpuStat:
 * @usage_usec: cpu.stat usage_usec
 * @user_usec: cpu.stat user_usec
 * @system_usec: cpu.stat system_usec
 * @nice_usec: cpu.stat nice_usec
 * @core_sched_force_idle_usec: cpu.stat core_sched.force_idle_usec
 * @nr_periods: cpu.stat nr_periods
 * @nr_throttled: cpu.stat nr_throttled
 * @throttled_usec: cpu.stat throttled_usec
 * @nr_bursts: cpu.stat nr_bursts
 * @burst_usec: cpu.stat burst_usec
 * @has: which counters the kernel reported: one bit per counter, in declaration order (read it
 *   with CGFS_STATS_HAS())
 * @present: cpu.stat exists
 * @extra: cpu.stat keys this libcgfs has no member for
 * @n_extra: the number of @extra
 * @psi: cpu.pressure
 *
 * The v2 cpu controller: cpu.stat (microseconds) and cpu.pressure.
 * cpu.stat, microseconds; core_sched_force_idle_usec is core_sched.force_idle_usec
 */
typedef struct {
  guint64 usage_usec, user_usec, system_usec, nice_usec, core_sched_force_idle_usec, nr_periods;
  guint64 nr_throttled, throttled_usec, nr_bursts, burst_usec;
  guint64 has[1];
  gboolean present;
  CgfsStatsCounter *extra;
  guint n_extra;
  CgfsPsiStats psi;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV2CpuStat;

/**
 * CgfsV2MemoryStat:
 * @anon: memory.stat anon
 * @file: memory.stat file
 * @kernel: memory.stat kernel
 * @kernel_stack: memory.stat kernel_stack
 * @pagetables: memory.stat pagetables
 * @sec_pagetables: memory.stat sec_pagetables
 * @percpu: memory.stat percpu
 * @sock: memory.stat sock
 * @vmalloc: memory.stat vmalloc
 * @shmem: memory.stat shmem
 * @zswap: memory.stat zswap
 * @zswapped: memory.stat zswapped
 * @file_mapped: memory.stat file_mapped
 * @file_dirty: memory.stat file_dirty
 * @file_writeback: memory.stat file_writeback
 * @swapcached: memory.stat swapcached
 * @anon_thp: memory.stat anon_thp
 * @file_thp: memory.stat file_thp
 * @shmem_thp: memory.stat shmem_thp
 * @inactive_anon: memory.stat inactive_anon
 * @active_anon: memory.stat active_anon
 * @inactive_file: memory.stat inactive_file
 * @active_file: memory.stat active_file
 * @unevictable: memory.stat unevictable
 * @slab_reclaimable: memory.stat slab_reclaimable
 * @slab_unreclaimable: memory.stat slab_unreclaimable
 * @slab: memory.stat slab
 * @workingset_refault: memory.stat workingset_refault
 * @workingset_refault_anon: memory.stat workingset_refault_anon
 * @workingset_refault_file: memory.stat workingset_refault_file
 * @workingset_activate: memory.stat workingset_activate
 * @workingset_activate_anon: memory.stat workingset_activate_anon
 * @workingset_activate_file: memory.stat workingset_activate_file
 * @workingset_restore: memory.stat workingset_restore
 * @workingset_restore_anon: memory.stat workingset_restore_anon
 * @workingset_restore_file: memory.stat workingset_restore_file
 * @workingset_nodereclaim: memory.stat workingset_nodereclaim
 * @pswpin: memory.stat pswpin
 * @pswpout: memory.stat pswpout
 * @pgscan: memory.stat pgscan
 * @pgsteal: memory.stat pgsteal
 * @pgscan_kswapd: memory.stat pgscan_kswapd
 * @pgscan_direct: memory.stat pgscan_direct
 * @pgscan_khugepaged: memory.stat pgscan_khugepaged
 * @pgscan_proactive: memory.stat pgscan_proactive
 * @pgsteal_kswapd: memory.stat pgsteal_kswapd
 * @pgsteal_direct: memory.stat pgsteal_direct
 * @pgsteal_khugepaged: memory.stat pgsteal_khugepaged
 * @pgsteal_proactive: memory.stat pgsteal_proactive
 * @pgfault: memory.stat pgfault
 * @pgmajfault: memory.stat pgmajfault
 * @pgrefill: memory.stat pgrefill
 * @pgactivate: memory.stat pgactivate
 * @pgdeactivate: memory.stat pgdeactivate
 * @pglazyfree: memory.stat pglazyfree
 * @pglazyfreed: memory.stat pglazyfreed
 * @swpin_zero: memory.stat swpin_zero
 * @swpout_zero: memory.stat swpout_zero
 * @zswpin: memory.stat zswpin
 * @zswpout: memory.stat zswpout
 * @zswpwb: memory.stat zswpwb
 * @zswap_incomp: memory.stat zswap_incomp
 * @thp_fault_alloc: memory.stat thp_fault_alloc
 * @thp_collapse_alloc: memory.stat thp_collapse_alloc
 * @thp_swpout: memory.stat thp_swpout
 * @thp_swpout_fallback: memory.stat thp_swpout_fallback
 * @numa_pages_migrated: memory.stat numa_pages_migrated
 * @numa_pte_updates: memory.stat numa_pte_updates
 * @numa_hint_faults: memory.stat numa_hint_faults
 * @pgpromote_success: memory.stat pgpromote_success
 * @pgdemote_kswapd: memory.stat pgdemote_kswapd
 * @pgdemote_direct: memory.stat pgdemote_direct
 * @pgdemote_khugepaged: memory.stat pgdemote_khugepaged
 * @pgdemote_proactive: memory.stat pgdemote_proactive
 * @hugetlb: memory.stat hugetlb
 * @usage: memory.current
 * @usage_limit: memory.max
 * @swap_usage: memory.swap.current
 * @swap_limit: memory.swap.max
 * @max_usage: memory.peak
 * @swap_max_usage: memory.swap.peak
 * @has: which counters the kernel reported: one bit per counter, in declaration order (read it
 *   with CGFS_STATS_HAS())
 * @present: the controller is enabled
 * @extra: memory.stat keys this libcgfs has no member for
 * @n_extra: the number of @extra
 * @psi: memory.pressure
 *
 * The v2 memory controller.
 * memory.stat in the kernel's order (keys of Linux 4.15 to 6.18)
 * memory.current, memory.max, memory.swap.current, memory.swap.max, memory.peak, memory.swap.peak
 */
typedef struct {
  guint64 anon, file, kernel, kernel_stack, pagetables, sec_pagetables, percpu, sock, vmalloc;
  guint64 shmem, zswap, zswapped, file_mapped, file_dirty, file_writeback, swapcached, anon_thp;
  guint64 file_thp, shmem_thp, inactive_anon, active_anon, inactive_file, active_file, unevictable;
  guint64 slab_reclaimable, slab_unreclaimable, slab, workingset_refault, workingset_refault_anon;
  guint64 workingset_refault_file, workingset_activate, workingset_activate_anon;
  guint64 workingset_activate_file, workingset_restore, workingset_restore_anon;
  guint64 workingset_restore_file, workingset_nodereclaim, pswpin, pswpout, pgscan, pgsteal;
  guint64 pgscan_kswapd, pgscan_direct, pgscan_khugepaged, pgscan_proactive, pgsteal_kswapd;
  guint64 pgsteal_direct, pgsteal_khugepaged, pgsteal_proactive, pgfault, pgmajfault, pgrefill;
  guint64 pgactivate, pgdeactivate, pglazyfree, pglazyfreed, swpin_zero, swpout_zero, zswpin;
  guint64 zswpout, zswpwb, zswap_incomp, thp_fault_alloc, thp_collapse_alloc, thp_swpout;
  guint64 thp_swpout_fallback, numa_pages_migrated, numa_pte_updates, numa_hint_faults;
  guint64 pgpromote_success, pgdemote_kswapd, pgdemote_direct, pgdemote_khugepaged;
  guint64 pgdemote_proactive, hugetlb;
  guint64 usage, usage_limit, swap_usage, swap_limit, max_usage, swap_max_usage;
  guint64 has[2];
  gboolean present;
  CgfsStatsCounter *extra;
  guint n_extra;
  CgfsPsiStats psi;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV2MemoryStat;

/**
 * CgfsV2MemoryEvents:
 * @low: memory.events low
 * @high: memory.events high
 * @max: memory.events max
 * @oom: memory.events oom
 * @oom_kill: memory.events oom_kill
 * @oom_group_kill: memory.events oom_group_kill
 * @sock_throttled: memory.events sock_throttled
 * @has: which counters the kernel reported: one bit per counter, in declaration order (read it
 *   with CGFS_STATS_HAS())
 * @present: the file exists
 * @extra: memory.events keys this libcgfs has no member for
 * @n_extra: the number of @extra
 *
 * v2 memory.events.
 */
typedef struct {
  guint64 low, high, max, oom, oom_kill, oom_group_kill, sock_throttled;
  guint64 has[1];
  gboolean present;
  CgfsStatsCounter *extra;
  guint n_extra;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV2MemoryEvents;

/**
 * CgfsV2IoEntry:
 * @major: the major number
 * @minor: the minor number
 * @rbytes: rbytes
 * @wbytes: wbytes
 * @rios: rios
 * @wios: wios
 * @dbytes: dbytes
 * @dios: dios
 * @has: which counters the kernel reported: one bit per counter, in declaration order (read it
 *   with CGFS_STATS_HAS())
 *
 * One line (one device) of v2 io.stat.
 */
typedef struct {
  guint64 major, minor, rbytes, wbytes, rios, wios, dbytes, dios;
  guint64 has[1];
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV2IoEntry;

/**
 * CgfsV2IoStat:
 * @present: the controller is enabled
 * @has_usage: io.stat exists
 * @usage: io.stat, one entry per device
 * @n_usage: the number of @usage
 * @psi: io.pressure
 *
 * The v2 io controller.
 */
typedef struct {
  gboolean present;
  gboolean has_usage;
  CgfsV2IoEntry *usage;
  guint n_usage;
  CgfsPsiStats psi;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV2IoStat;

/**
 * CgfsV2HugetlbStat:
 * @current: hugetlb.SIZE.current
 * @max: hugetlb.SIZE.max
 * @has: which counters the kernel reported: one bit per counter, in declaration order (read it
 *   with CGFS_STATS_HAS())
 * @pagesize: the page size, "2MB", "1GB"
 *
 * One huge page size of the v2 hugetlb controller.
 */
typedef struct {
  guint64 current, max;
  guint64 has[1];
  const char *pagesize;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV2HugetlbStat;

/**
 * CgfsV2HugetlbList:
 * @present: the controller is enabled
 * @entries: one per page size of the machine
 * @n_entries: the number of @entries
 *
 * The v2 hugetlb controller.
 */
typedef struct {
  gboolean present;
  CgfsV2HugetlbStat *entries;
  guint n_entries;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV2HugetlbList;

/**
 * CgfsV2CgroupStat:
 * @nr_descendants: cgroup.stat nr_descendants
 * @nr_dying_descendants: cgroup.stat nr_dying_descendants
 * @nr_subsys_cpuset: cgroup.stat nr_subsys_cpuset
 * @nr_subsys_cpu: cgroup.stat nr_subsys_cpu
 * @nr_subsys_io: cgroup.stat nr_subsys_io
 * @nr_subsys_memory: cgroup.stat nr_subsys_memory
 * @nr_subsys_devices: cgroup.stat nr_subsys_devices
 * @nr_subsys_freezer: cgroup.stat nr_subsys_freezer
 * @nr_subsys_net_cls: cgroup.stat nr_subsys_net_cls
 * @nr_subsys_perf_event: cgroup.stat nr_subsys_perf_event
 * @nr_subsys_net_prio: cgroup.stat nr_subsys_net_prio
 * @nr_subsys_hugetlb: cgroup.stat nr_subsys_hugetlb
 * @nr_subsys_pids: cgroup.stat nr_subsys_pids
 * @nr_subsys_rdma: cgroup.stat nr_subsys_rdma
 * @nr_subsys_misc: cgroup.stat nr_subsys_misc
 * @nr_subsys_dmem: cgroup.stat nr_subsys_dmem
 * @nr_dying_subsys_cpuset: cgroup.stat nr_dying_subsys_cpuset
 * @nr_dying_subsys_cpu: cgroup.stat nr_dying_subsys_cpu
 * @nr_dying_subsys_io: cgroup.stat nr_dying_subsys_io
 * @nr_dying_subsys_memory: cgroup.stat nr_dying_subsys_memory
 * @nr_dying_subsys_devices: cgroup.stat nr_dying_subsys_devices
 * @nr_dying_subsys_freezer: cgroup.stat nr_dying_subsys_freezer
 * @nr_dying_subsys_net_cls: cgroup.stat nr_dying_subsys_net_cls
 * @nr_dying_subsys_perf_event: cgroup.stat nr_dying_subsys_perf_event
 * @nr_dying_subsys_net_prio: cgroup.stat nr_dying_subsys_net_prio
 * @nr_dying_subsys_hugetlb: cgroup.stat nr_dying_subsys_hugetlb
 * @nr_dying_subsys_pids: cgroup.stat nr_dying_subsys_pids
 * @nr_dying_subsys_rdma: cgroup.stat nr_dying_subsys_rdma
 * @nr_dying_subsys_misc: cgroup.stat nr_dying_subsys_misc
 * @nr_dying_subsys_dmem: cgroup.stat nr_dying_subsys_dmem
 * @has: which counters the kernel reported: one bit per counter, in declaration order (read it
 *   with CGFS_STATS_HAS())
 * @present: the file exists
 * @extra: cgroup.stat keys this libcgfs has no member for
 * @n_extra: the number of @extra
 *
 * cgroup.stat; nr_subsys_* and nr_dying_subsys_* appeared in Linux 6.11
 */
typedef struct {
  guint64 nr_descendants, nr_dying_descendants, nr_subsys_cpuset, nr_subsys_cpu, nr_subsys_io;
  guint64 nr_subsys_memory, nr_subsys_devices, nr_subsys_freezer, nr_subsys_net_cls;
  guint64 nr_subsys_perf_event, nr_subsys_net_prio, nr_subsys_hugetlb, nr_subsys_pids;
  guint64 nr_subsys_rdma, nr_subsys_misc, nr_subsys_dmem, nr_dying_subsys_cpuset;
  guint64 nr_dying_subsys_cpu, nr_dying_subsys_io, nr_dying_subsys_memory, nr_dying_subsys_devices;
  guint64 nr_dying_subsys_freezer, nr_dying_subsys_net_cls, nr_dying_subsys_perf_event;
  guint64 nr_dying_subsys_net_prio, nr_dying_subsys_hugetlb, nr_dying_subsys_pids;
  guint64 nr_dying_subsys_rdma, nr_dying_subsys_misc, nr_dying_subsys_dmem;
  guint64 has[1];
  gboolean present;
  CgfsStatsCounter *extra;
  guint n_extra;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV2CgroupStat;

/**
 * CgfsV2Metrics:
 * @pids: pids
 * @cpu: cpu
 * @memory: memory
 * @rdma: rdma
 * @io: io
 * @hugetlb: hugetlb
 * @memory_events: memory.events
 * @cgroup_stat: cgroup.stat (not in containerd's Metrics)
 *
 * Every v2 statistic (containerd cgroup2 stats.Metrics).
 */
typedef struct {
  CgfsPidsStat pids;
  CgfsV2CpuStat cpu;
  CgfsV2MemoryStat memory;
  CgfsRdmaStat rdma;
  CgfsV2IoStat io;
  CgfsV2HugetlbList hugetlb;
  CgfsV2MemoryEvents memory_events;
  CgfsV2CgroupStat cgroup_stat;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsV2Metrics;

#ifndef __GTK_DOC_IGNORE__
typedef struct _CgfsStatsPrivate CgfsStatsPrivate;
#endif

/**
 * CgfsStats:
 * @version: 1: @v1 is filled; 2: @v2 is filled
 * @v1: the statistics of a cgroup v1 hierarchy
 * @v2: the statistics of a cgroup v2 hierarchy
 *
 * One snapshot of every statistic of a cgroup (cgfs_cgroup_stats()). Allocated by libcgfs
 * only: it grows at its end in new versions.
 */
typedef struct _CgfsStats {
  int version;
  CgfsV1Metrics v1;
  CgfsV2Metrics v2;
  /*< private >*/
  CgfsStatsPrivate *priv;
} CgfsStats;

/**
 * cgfs_cgroup_stats:
 * @cg: a #CgfsCgroup
 * @error: return location for a #GError, or %NULL
 *
 * One snapshot of every statistic of @cg. ENOENT when the cgroup has been deleted; EBADMSG,
 * naming the file and the line, when a file exists but cannot be parsed.
 *
 * Returns: (transfer full): the statistics (free with cgfs_stats_free()), or %NULL with
 *   @error set
 */
CgfsStats *cgfs_cgroup_stats(CgfsCgroup *cg, GError **error);
/**
 * cgfs_stats_free:
 * @s: (nullable): a #CgfsStats
 *
 * Free @s. %NULL is accepted.
 */
void cgfs_stats_free(CgfsStats *s);

/**
 * cgfs_stats_to_json:
 * @s: a #CgfsStats
 * @len: (out) (optional): the length of the result, or %NULL
 *
 * The stats as a JSON object, indented with two spaces as `jq .` prints it, keys in a fixed
 * order (containerd's field order, memory.stat keys in the kernel's), ending with a newline.
 * Integers are JSON numbers.
 *
 * Returns: (transfer full): the JSON text (g_free() it)
 */
char *cgfs_stats_to_json(const CgfsStats *s, gsize *len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CgfsStats, cgfs_stats_free)

#pragma GCC visibility pop
G_END_DECLS
