/* CPU statistics: v1 cpuacct (usage) and cpu (throttling), v2 cpu.stat and cpu.pressure. */
#include "stats-private.h"

/* ---- v1 ---- */

/* Set by position (set_usage), not looked up by key: the keys say where each comes from. */
enum { TOTAL, KERNEL, USER };
static const CgfsStatsField usage_fields[] = {
  [TOTAL] = CGFS_FIELD(CgfsV1CpuUsage, total, "usage"),
  [KERNEL] = CGFS_FIELD(CgfsV1CpuUsage, kernel, "system"),
  [USER] = CGFS_FIELD(CgfsV1CpuUsage, user, "user"),
};
const CgfsStatsTable cgfs_v1_cpu_usage_table = CGFS_TABLE(CgfsV1CpuUsage, usage_fields);

static const CgfsStatsField throttle_fields[] = {
  CGFS_FIELD(CgfsV1Throttle, periods, "nr_periods"),
  CGFS_FIELD(CgfsV1Throttle, throttled_periods, "nr_throttled"),
  CGFS_FIELD(CgfsV1Throttle, throttled_time, "throttled_time"),
  CGFS_FIELD(CgfsV1Throttle, nr_bursts, "nr_bursts"),
  CGFS_FIELD(CgfsV1Throttle, burst_time, "burst_time"),
};
const CgfsStatsTable cgfs_v1_throttle_table = CGFS_TABLE(CgfsV1Throttle, throttle_fields);

/* cpuacct.stat, in USER_HZ ticks. */
typedef struct {
  guint64 user, system;
  guint64 has[1];
} TickStat;

static const CgfsStatsField tick_fields[] = {
  CGFS_FIELD(TickStat, user, "user"),
  CGFS_FIELD(TickStat, system, "system"),
};
static const CgfsStatsTable tick_table = CGFS_TABLE(TickStat, tick_fields);

static void set_usage(CgfsV1CpuUsage *u, guint field, guint64 value)
{
  cgfs_stats_set(u, &cgfs_v1_cpu_usage_table, &usage_fields[field], value);
}

/* The total is the sum of the per-CPU usage: the kernel computes cpuacct.usage exactly so, over
 * the same possible CPUs, so one file gives both (and they agree). */
static int read_total(CgfsStatsReader *r, CgfsV1CpuUsage *u, GError **error)
{
  int found = cgfs_stats_read(r, "cpuacct.usage_percpu", error);
  if (found < 0)
    return -1;
  if (found == 0) {
    guint64 total;
    found = cgfs_stats_read_single(r, "cpuacct.usage", FALSE, &total, error);
    if (found > 0)
      set_usage(u, TOTAL, total);
    return found;
  }
  if (!cgfs_parse_u64_list("cpuacct.usage_percpu", r->text.text, r->text.len, &u->per_cpu,
                           &u->n_per_cpu, error))
    return cgfs_stats_fail(r, error);
  guint64 total = 0;
  for (guint i = 0; i < u->n_per_cpu; i++)
    total += u->per_cpu[i];
  set_usage(u, TOTAL, total);
  return 1;
}

/* User and kernel time in nanoseconds, from cpuacct.stat (USER_HZ ticks), as containerd takes
 * them. The kernel scales those two so that they add up to the exact run time (cputime_adjust),
 * so user + kernel never passes the total; the columns of cpuacct.usage_all (usage_user,
 * usage_sys) are raw tick samples that can, by several percent. Resolution: 1/USER_HZ. */
static int read_user_kernel(CgfsStatsReader *r, CgfsV1CpuUsage *u, GError **error)
{
  TickStat ticks = { 0 };
  int found = cgfs_stats_read_flat(r, "cpuacct.stat", &tick_table, &ticks, NULL, NULL, error);
  if (found <= 0)
    return found;
  guint64 ns_per_tick = G_GUINT64_CONSTANT(1000000000) / (guint64)sysconf(_SC_CLK_TCK);
  if (CGFS_STATS_HAS(&ticks, system))
    set_usage(u, KERNEL, ticks.system * ns_per_tick);
  if (CGFS_STATS_HAS(&ticks, user))
    set_usage(u, USER, ticks.user * ns_per_tick);
  return 1;
}

static gboolean read_cpuacct(CgfsStatsReader *r, CgfsV1CpuUsage *u, GError **error)
{
  int found = read_total(r, u, error);
  if (found == 0)
    return cgfs_stats_check_deleted(r, error) == 0;
  if (found < 0 || read_user_kernel(r, u, error) < 0)
    return FALSE;
  u->present = TRUE;
  return TRUE;
}

static gboolean read_throttling(CgfsStatsReader *r, CgfsV1Throttle *t, GError **error)
{
  int found = cgfs_stats_read_flat(r, "cpu.stat", &cgfs_v1_throttle_table, t, NULL, NULL, error);
  if (found == 0)
    return cgfs_stats_check_deleted(r, error) == 0;
  t->present = found > 0;
  return found > 0;
}

gboolean cgfs_stats_v1_cpu(CgfsStatsReader *r, const CgfsCgroup *cg, GError **error)
{
  CgfsV1CpuStat *cpu = &r->s->v1.cpu;
  if (cgfs_stats_enter(r, cg, "cpuacct") && !read_cpuacct(r, &cpu->usage, error))
    return FALSE;
  if (cgfs_stats_enter(r, cg, "cpu") && !read_throttling(r, &cpu->throttling, error))
    return FALSE;
  cpu->present = cpu->usage.present || cpu->throttling.present;
  return TRUE;
}

/* ---- v2 ---- */

static const CgfsStatsField v2_fields[] = {
  CGFS_FIELD(CgfsV2CpuStat, usage_usec, "usage_usec"),
  CGFS_FIELD(CgfsV2CpuStat, user_usec, "user_usec"),
  CGFS_FIELD(CgfsV2CpuStat, system_usec, "system_usec"),
  CGFS_FIELD(CgfsV2CpuStat, nice_usec, "nice_usec"),
  CGFS_FIELD(CgfsV2CpuStat, core_sched_force_idle_usec, "core_sched.force_idle_usec"),
  CGFS_FIELD(CgfsV2CpuStat, nr_periods, "nr_periods"),
  CGFS_FIELD(CgfsV2CpuStat, nr_throttled, "nr_throttled"),
  CGFS_FIELD(CgfsV2CpuStat, throttled_usec, "throttled_usec"),
  CGFS_FIELD(CgfsV2CpuStat, nr_bursts, "nr_bursts"),
  CGFS_FIELD(CgfsV2CpuStat, burst_usec, "burst_usec"),
};
const CgfsStatsTable cgfs_v2_cpu_table = CGFS_TABLE(CgfsV2CpuStat, v2_fields);

/* cpu.stat exists in every v2 cgroup (since 4.15), with or without the cpu controller; without
 * it, only the usage counters. */
gboolean cgfs_stats_v2_cpu(CgfsStatsReader *r, GError **error)
{
  CgfsV2CpuStat *cpu = &r->s->v2.cpu;
  int found = cgfs_stats_read_flat(r, "cpu.stat", &cgfs_v2_cpu_table, cpu, &cpu->extra,
                                   &cpu->n_extra, error);
  if (found < 0 || cgfs_stats_read_psi(r, "cpu.pressure", &cpu->psi, error) < 0)
    return FALSE;
  cpu->present = found > 0 || cpu->psi.present;
  return TRUE;
}
