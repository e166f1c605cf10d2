/* cpu: shares, CFS bandwidth (quota, period, burst), RT bandwidth and idle.
 * v1: cpu.shares, cpu.cfs_{quota,period,burst}_us, cpu.rt_{runtime,period}_us, cpu.idle.
 * v2: cpu.weight (converted), cpu.max "QUOTA PERIOD", cpu.max.burst, cpu.idle. */
#include "config-internal.h"

#include "convert.h"
#include "fileio.h"
#include "resources-private.h"

#define QUOTA_MIN 1000 /* the kernel refuses a CFS quota below 1 ms */

/* The fraction of a CPU that quota/period gives. */
static double share_of(gint64 quota, guint64 period)
{
  return (double)quota / (double)period;
}

/* v1 checks each write against the parent (a child may not get more than its parent) and the
 * children (nor less than they have), and both old and new values pass. Writing quota then
 * period goes through quota_new/period_old, the other order through quota_old/period_new: take
 * the step whose share lies between the old and the new one, which passes both checks; when
 * neither does (both values scaled alike), the smaller one, as the parent's bound is the common
 * one. An unlimited step is always accepted. */
gboolean cgfs_bandwidth_quota_first(gint64 old_quota, guint64 old_period, gint64 new_quota,
                                    guint64 new_period)
{
  if (new_quota <= 0)
    return TRUE;
  if (old_quota <= 0)
    return FALSE;
  double before = share_of(old_quota, old_period), after = share_of(new_quota, new_period);
  double lo = MIN(before, after), hi = MAX(before, after);
  double via_quota = share_of(new_quota, old_period);
  double via_period = share_of(old_quota, new_period);
  if (via_quota >= lo && via_quota <= hi)
    return TRUE;
  if (via_period >= lo && via_period <= hi)
    return FALSE;
  return via_quota <= via_period;
}

/* RT runtime may also never exceed the period of the moment. */
static gboolean rt_runtime_first(gint64 old_rt, guint64 old_period, gint64 new_rt,
                                 guint64 new_period)
{
  if (new_rt > 0 && (guint64)new_rt > old_period)
    return FALSE;
  if (old_rt > 0 && (guint64)old_rt > new_period)
    return TRUE;
  return cgfs_bandwidth_quota_first(old_rt, old_period, new_rt, new_period);
}

static char *i64(gint64 v)
{
  return g_strdup_printf("%" G_GINT64_FORMAT, v);
}

static gboolean read_i64(CgfsPlan *p, int fd, const char *field, const char *file, gint64 *out,
                         GError **error)
{
  g_autofree char *text = cgfs_plan_read(p, fd, field, file, error);
  if (!text)
    return FALSE;
  if (!g_ascii_string_to_signed(text, 10, G_MININT64, G_MAXINT64, out, NULL)) {
    cgfs_set_error(error, EBADMSG, "%s: invalid file format: %s holds '%s'", field, file, text);
    return FALSE;
  }
  return TRUE;
}

/* Both kernel versions check quota >= 1 ms and burst <= quota. */
static gboolean check_bandwidth(const CgfsCpuResources *c, gint64 quota, gint64 burst,
                                GError **error)
{
  if (c->has_quota && quota > 0 && quota < QUOTA_MIN) {
    cgfs_set_error(error, ERANGE, "cpu.quota: %" G_GINT64_FORMAT " is out of range: at least %d,"
                   " or <= 0 for unlimited", quota, QUOTA_MIN);
    return FALSE;
  }
  if (quota > 0 && burst > quota) {
    if (c->has_burst)
      cgfs_set_error(error, EINVAL, "cpu.burst: %" G_GINT64_FORMAT " is above cpu.quota %"
                     G_GINT64_FORMAT, burst, quota);
    else
      cgfs_set_error(error, EINVAL, "cpu.quota: %" G_GINT64_FORMAT " is below the current burst %"
                     G_GINT64_FORMAT "; lower cpu.burst as well", quota, burst);
    return FALSE;
  }
  return TRUE;
}

static gboolean plan_cfs_v1(CgfsPlan *p, int fd, const CgfsCpuResources *c, GError **error)
{
  if (!c->has_quota && !c->has_period && !c->has_burst)
    return TRUE;
  gint64 cur_quota, cur_period, cur_burst = 0;
  if (!read_i64(p, fd, "cpu.quota", "cpu.cfs_quota_us", &cur_quota, error) ||
      !read_i64(p, fd, "cpu.period", "cpu.cfs_period_us", &cur_period, error))
    return FALSE;
  gboolean burst_file = cgfs_exists_at(fd, "cpu.cfs_burst_us");
  if ((burst_file || c->has_burst) &&
      !read_i64(p, fd, "cpu.burst", "cpu.cfs_burst_us", &cur_burst, error))
    return FALSE;
  gint64 quota = c->has_quota ? (c->quota <= 0 ? -1 : c->quota) : cur_quota;
  guint64 period = c->has_period ? c->period : (guint64)cur_period;
  gint64 burst = c->has_burst ? (gint64)c->burst : cur_burst;
  if (!check_bandwidth(c, quota, burst, error))
    return FALSE;
  gboolean burst_first = c->has_burst && burst < cur_burst;
  g_autofree char *q = i64(quota), *per = i64((gint64)period), *b = i64(burst);
  if (burst_first && !cgfs_plan_write(p, fd, "cpu.burst", "cpu.cfs_burst_us", b, error))
    return FALSE;
  if (c->has_quota && c->has_period) {
    gboolean quota_first = cgfs_bandwidth_quota_first(cur_quota, (guint64)cur_period, quota,
                                                      period);
    if (!cgfs_plan_write(p, fd, quota_first ? "cpu.quota" : "cpu.period",
                         quota_first ? "cpu.cfs_quota_us" : "cpu.cfs_period_us",
                         quota_first ? q : per, error))
      return FALSE;
    cgfs_plan_pair_with_next(p);
    if (!cgfs_plan_write(p, fd, quota_first ? "cpu.period" : "cpu.quota",
                         quota_first ? "cpu.cfs_period_us" : "cpu.cfs_quota_us",
                         quota_first ? per : q, error))
      return FALSE;
  } else if (c->has_quota || c->has_period) {
    if (!cgfs_plan_write(p, fd, c->has_quota ? "cpu.quota" : "cpu.period",
                         c->has_quota ? "cpu.cfs_quota_us" : "cpu.cfs_period_us",
                         c->has_quota ? q : per, error))
      return FALSE;
  }
  if (c->has_burst && !burst_first &&
      !cgfs_plan_write(p, fd, "cpu.burst", "cpu.cfs_burst_us", b, error))
    return FALSE;
  return TRUE;
}

static gboolean plan_rt_v1(CgfsPlan *p, int fd, const CgfsCpuResources *c, GError **error)
{
  if (!c->has_realtime_runtime && !c->has_realtime_period)
    return TRUE;
  gint64 cur_rt, cur_period;
  if (!read_i64(p, fd, "cpu.realtimeRuntime", "cpu.rt_runtime_us", &cur_rt, error) ||
      !read_i64(p, fd, "cpu.realtimePeriod", "cpu.rt_period_us", &cur_period, error))
    return FALSE;
  gint64 rt = c->has_realtime_runtime ? c->realtime_runtime : cur_rt;
  guint64 period = c->has_realtime_period ? c->realtime_period : (guint64)cur_period;
  if (rt > 0 && (guint64)rt > period) {
    cgfs_set_error(error, ERANGE, "cpu.realtimeRuntime: %" G_GINT64_FORMAT " is above "
                   "cpu.realtimePeriod %" G_GUINT64_FORMAT, rt, period);
    return FALSE;
  }
  g_autofree char *r = i64(rt), *per = i64((gint64)period);
  gboolean both = c->has_realtime_runtime && c->has_realtime_period;
  gboolean rt_first = !both || rt_runtime_first(cur_rt, (guint64)cur_period, rt, period);
  const char *files[2] = { "cpu.rt_runtime_us", "cpu.rt_period_us" };
  const char *fields[2] = { "cpu.realtimeRuntime", "cpu.realtimePeriod" };
  const char *values[2] = { r, per };
  gboolean wanted[2] = { c->has_realtime_runtime, c->has_realtime_period };
  for (guint k = 0; k < 2; k++) {
    guint i = rt_first ? k : 1 - k;
    if (!wanted[i])
      continue;
    if (both && k == 1)
      cgfs_plan_pair_with_next(p);
    if (!cgfs_plan_write(p, fd, fields[i], files[i], values[i], error))
      return FALSE;
  }
  return TRUE;
}

static const char *first_field(const CgfsCpuResources *c)
{
  if (c->has_shares && c->shares != 0)
    return "cpu.shares";
  if (c->has_quota)
    return "cpu.quota";
  if (c->has_period)
    return "cpu.period";
  if (c->has_burst)
    return "cpu.burst";
  if (c->has_realtime_runtime)
    return "cpu.realtimeRuntime";
  if (c->has_realtime_period)
    return "cpu.realtimePeriod";
  if (c->has_idle)
    return "cpu.idle";
  return NULL;
}

static gboolean plan_v1(CgfsPlan *p, const CgfsCpuResources *c, int fd, GError **error)
{
  if (c->has_shares && c->shares != 0) {
    char buf[CGFS_NUMBER_TEXT];
    const char *v = cgfs_u64_format_in(c->shares, buf);
    if (!cgfs_plan_write(p, fd, "cpu.shares", "cpu.shares", v, error))
      return FALSE;
  }
  return plan_cfs_v1(p, fd, c, error) && plan_rt_v1(p, fd, c, error);
}

static gboolean plan_max_v2(CgfsPlan *p, int fd, const CgfsCpuResources *c, GError **error)
{
  if (!c->has_quota && !c->has_period && !c->has_burst)
    return TRUE;
  const char *field = c->has_quota ? "cpu.quota" : c->has_period ? "cpu.period" : "cpu.burst";
  g_autofree char *text = cgfs_plan_read(p, fd, field, "cpu.max", error);
  if (!text)
    return FALSE;
  gint64 cur_quota, cur_burst = 0;
  guint64 cur_period;
  if (!cgfs_cpu_max_parse(text, &cur_quota, &cur_period)) {
    cgfs_set_error(error, EBADMSG, "%s: invalid file format: cpu.max holds '%s'", field, text);
    return FALSE;
  }
  gboolean burst_file = cgfs_exists_at(fd, "cpu.max.burst");
  if ((burst_file || c->has_burst) &&
      !read_i64(p, fd, "cpu.burst", "cpu.max.burst", &cur_burst, error))
    return FALSE;
  gint64 quota = c->has_quota ? (c->quota <= 0 ? -1 : c->quota) : cur_quota;
  guint64 period = c->has_period ? c->period : cur_period;
  gint64 burst = c->has_burst ? (gint64)c->burst : cur_burst;
  if (!check_bandwidth(c, quota, burst, error))
    return FALSE;
  gboolean burst_first = c->has_burst && burst < cur_burst;
  g_autofree char *b = i64(burst);
  if (burst_first && !cgfs_plan_write(p, fd, "cpu.burst", "cpu.max.burst", b, error))
    return FALSE;
  if (c->has_quota || c->has_period) {
    g_autofree char *max = cgfs_cpu_max_format(quota, period);
    if (!cgfs_plan_write(p, fd, field, "cpu.max", max, error))
      return FALSE;
  }
  if (c->has_burst && !burst_first &&
      !cgfs_plan_write(p, fd, "cpu.burst", "cpu.max.burst", b, error))
    return FALSE;
  return TRUE;
}

static gboolean plan_v2(CgfsPlan *p, const CgfsCpuResources *c, int fd, GError **error)
{
  if (c->has_realtime_runtime || c->has_realtime_period) {
    cgfs_set_error(error, EOPNOTSUPP, "%s: not supported on cgroup v2 (no real-time group "
                   "scheduling interface)",
                   c->has_realtime_runtime ? "cpu.realtimeRuntime" : "cpu.realtimePeriod");
    return FALSE;
  }
  if (c->has_shares && c->shares != 0) {
    char buf[CGFS_NUMBER_TEXT];
    const char *v = cgfs_u64_format_in(cgfs_cpu_shares_to_weight(c->shares), buf);
    if (!cgfs_plan_write(p, fd, "cpu.shares", "cpu.weight", v, error))
      return FALSE;
  }
  return plan_max_v2(p, fd, c, error);
}

static gboolean plan(CgfsPlan *p, const CgfsResources *r, GError **error)
{
  const CgfsCpuResources *c = &r->cpu;
  const char *field = first_field(c);
  if (!field)
    return TRUE;
  gboolean v2 = cgfs_plan_version(p) == 2;
  if (v2 && (c->has_realtime_runtime || c->has_realtime_period))
    return plan_v2(p, c, -1, error);
  int fd = cgfs_plan_dir(p, "cpu", field, error);
  if (fd < 0)
    return FALSE;
  /* The kernel refuses shares (weight) while the cgroup is idle: leaving idle comes first,
   * becoming idle last. */
  gboolean idle_first = c->has_idle && c->idle == 0;
  if (idle_first && !cgfs_plan_write(p, fd, "cpu.idle", "cpu.idle", "0", error))
    return FALSE;
  if (!(v2 ? plan_v2(p, c, fd, error) : plan_v1(p, c, fd, error)))
    return FALSE;
  if (c->has_idle && !idle_first) {
    g_autofree char *v = i64(c->idle);
    return cgfs_plan_write(p, fd, "cpu.idle", "cpu.idle", v, error);
  }
  return TRUE;
}

static gboolean read_u64_field(int fd, const char *file, gboolean *has, guint64 *out,
                               GError **error)
{
  gint64 v;
  if (!cgfs_res_read_int(fd, file, 0, G_MAXINT64, has, &v, error))
    return FALSE;
  if (*has)
    *out = (guint64)v;
  return TRUE;
}

static gboolean read_v1(int fd, CgfsCpuResources *c, GError **error)
{
  return read_u64_field(fd, "cpu.shares", &c->has_shares, &c->shares, error) &&
         cgfs_res_read_int(fd, "cpu.cfs_quota_us", -1, G_MAXINT64, &c->has_quota, &c->quota,
                           error) &&
         read_u64_field(fd, "cpu.cfs_period_us", &c->has_period, &c->period, error) &&
         read_u64_field(fd, "cpu.cfs_burst_us", &c->has_burst, &c->burst, error) &&
         cgfs_res_read_int(fd, "cpu.rt_runtime_us", -1, G_MAXINT64, &c->has_realtime_runtime,
                           &c->realtime_runtime, error) &&
         read_u64_field(fd, "cpu.rt_period_us", &c->has_realtime_period, &c->realtime_period,
                        error) &&
         cgfs_res_read_int(fd, "cpu.idle", 0, 1, &c->has_idle, &c->idle, error);
}

static gboolean read_v2(int fd, CgfsCpuResources *c, GError **error)
{
  guint64 weight;
  gboolean has_weight = FALSE;
  if (!read_u64_field(fd, "cpu.weight", &has_weight, &weight, error))
    return FALSE;
  if (has_weight) {
    c->has_shares = TRUE;
    c->shares = cgfs_cpu_weight_to_shares(weight);
  }
  g_autofree char *max = NULL;
  if (!cgfs_res_read_optional(fd, "cpu.max", &max, error))
    return FALSE;
  if (max) {
    if (!cgfs_cpu_max_parse(max, &c->quota, &c->period)) {
      cgfs_set_error(error, EBADMSG, "cpu.max: invalid file format: '%s'", max);
      return FALSE;
    }
    c->has_quota = c->has_period = TRUE;
  }
  return read_u64_field(fd, "cpu.max.burst", &c->has_burst, &c->burst, error) &&
         cgfs_res_read_int(fd, "cpu.idle", 0, 1, &c->has_idle, &c->idle, error);
}

static gboolean read_back(CgfsCgroup *cg, CgfsResources *out, GError **error)
{
  int fd = cgfs_res_read_dir(cg, "cpu");
  if (fd < 0)
    return TRUE;
  if (cgfs_cgroup_version(cg) == 2)
    return read_v2(fd, &out->cpu, error);
  return read_v1(fd, &out->cpu, error);
}

const CgfsResController cgfs_res_cpu = { "cpu", plan, read_back };
