/* Statistics in the Prometheus text exposition format: a table of metric families, each with a
 * function that writes its samples for one cgroup's CgfsStats, v1 or v2. The exposition is
 * family-major (every family's samples together, as the format requires), so the families are
 * written one after another over all the cgroups added. */
#include <errno.h>
#include <string.h>

#include <cgfs/error.h>
#include <cgfs/metrics.h>
#include <cgfs/tree.h>

typedef struct {
  char *label; /* the cgroup label's value, escaped */
  CgfsStats *stats;
} MetricsEntry;

struct _CgfsMetrics {
  GArray *entries; /* MetricsEntry */
};

/* Where the samples of one family for one cgroup go. */
typedef struct {
  GString *out;
  const char *name;
  const char *cgroup; /* escaped */
} Emitter;

typedef struct {
  const char *name;
  const char *type; /* "counter" or "gauge" */
  const char *help;
  void (*emit)(Emitter *e, const CgfsStats *s);
} MetricFamily;

/* ---- samples ---- */

/* A label value with \, " and newline escaped, as the format requires. */
static char *escape_label(const char *value)
{
  GString *s = g_string_sized_new(strlen(value) + 2);
  for (const char *p = value; *p; p++) {
    if (*p == '\\' || *p == '"')
      g_string_append_c(s, '\\');
    if (*p == '\n')
      g_string_append(s, "\\n");
    else
      g_string_append_c(s, *p);
  }
  return g_string_free(s, FALSE);
}

static void sample_start(Emitter *e, const char *extra_labels)
{
  g_string_append_printf(e->out, "%s{cgroup=\"%s\"%s%s} ", e->name, e->cgroup,
                         extra_labels ? "," : "", extra_labels ? extra_labels : "");
}

static void emit_u64(Emitter *e, const char *extra_labels, guint64 v)
{
  sample_start(e, extra_labels);
  g_string_append_printf(e->out, "%" G_GUINT64_FORMAT "\n", v);
}

/* @v in units of 1/@per_second seconds (1e9: nanoseconds, 1e6: microseconds). */
static void emit_seconds(Emitter *e, const char *extra_labels, guint64 v, guint64 per_second)
{
  sample_start(e, extra_labels);
  g_string_append_printf(e->out, "%" G_GUINT64_FORMAT ".%0*" G_GUINT64_FORMAT "\n",
                         v / per_second, per_second == 1000000000 ? 9 : 6, v % per_second);
}

/* A limit: "max" (G_MAXUINT64) is +Inf. */
static void emit_limit(Emitter *e, guint64 v)
{
  if (v == G_MAXUINT64) {
    sample_start(e, NULL);
    g_string_append(e->out, "+Inf\n");
  } else {
    emit_u64(e, NULL, v);
  }
}

#define V1(s) ((s)->version == 1 ? &(s)->v1 : NULL)
#define V2(s) ((s)->version == 2 ? &(s)->v2 : NULL)
/* Member @m of the struct *@st if its controller is present and the kernel reported it. */
#define REPORTED(st, m) ((st)->present && CGFS_STATS_HAS(st, m))

/* ---- cpu ---- */

static void cpu_usage(Emitter *e, const CgfsStats *s)
{
  const CgfsV1Metrics *v1 = V1(s);
  const CgfsV2Metrics *v2 = V2(s);
  if (v1 && REPORTED(&v1->cpu.usage, total))
    emit_seconds(e, NULL, v1->cpu.usage.total, 1000000000);
  if (v2 && REPORTED(&v2->cpu, usage_usec))
    emit_seconds(e, NULL, v2->cpu.usage_usec, 1000000);
}

static void cpu_user(Emitter *e, const CgfsStats *s)
{
  const CgfsV1Metrics *v1 = V1(s);
  const CgfsV2Metrics *v2 = V2(s);
  if (v1 && REPORTED(&v1->cpu.usage, user))
    emit_seconds(e, NULL, v1->cpu.usage.user, 1000000000);
  if (v2 && REPORTED(&v2->cpu, user_usec))
    emit_seconds(e, NULL, v2->cpu.user_usec, 1000000);
}

static void cpu_system(Emitter *e, const CgfsStats *s)
{
  const CgfsV1Metrics *v1 = V1(s);
  const CgfsV2Metrics *v2 = V2(s);
  if (v1 && REPORTED(&v1->cpu.usage, kernel))
    emit_seconds(e, NULL, v1->cpu.usage.kernel, 1000000000);
  if (v2 && REPORTED(&v2->cpu, system_usec))
    emit_seconds(e, NULL, v2->cpu.system_usec, 1000000);
}

static void cpu_periods(Emitter *e, const CgfsStats *s)
{
  const CgfsV1Metrics *v1 = V1(s);
  const CgfsV2Metrics *v2 = V2(s);
  if (v1 && REPORTED(&v1->cpu.throttling, periods))
    emit_u64(e, NULL, v1->cpu.throttling.periods);
  if (v2 && REPORTED(&v2->cpu, nr_periods))
    emit_u64(e, NULL, v2->cpu.nr_periods);
}

static void cpu_throttled_periods(Emitter *e, const CgfsStats *s)
{
  const CgfsV1Metrics *v1 = V1(s);
  const CgfsV2Metrics *v2 = V2(s);
  if (v1 && REPORTED(&v1->cpu.throttling, throttled_periods))
    emit_u64(e, NULL, v1->cpu.throttling.throttled_periods);
  if (v2 && REPORTED(&v2->cpu, nr_throttled))
    emit_u64(e, NULL, v2->cpu.nr_throttled);
}

static void cpu_throttled_seconds(Emitter *e, const CgfsStats *s)
{
  const CgfsV1Metrics *v1 = V1(s);
  const CgfsV2Metrics *v2 = V2(s);
  if (v1 && REPORTED(&v1->cpu.throttling, throttled_time))
    emit_seconds(e, NULL, v1->cpu.throttling.throttled_time, 1000000000);
  if (v2 && REPORTED(&v2->cpu, throttled_usec))
    emit_seconds(e, NULL, v2->cpu.throttled_usec, 1000000);
}

/* ---- memory ---- */

static void memory_usage(Emitter *e, const CgfsStats *s)
{
  const CgfsV1Metrics *v1 = V1(s);
  const CgfsV2Metrics *v2 = V2(s);
  if (v1 && REPORTED(&v1->memory.usage, usage))
    emit_u64(e, NULL, v1->memory.usage.usage);
  if (v2 && REPORTED(&v2->memory, usage))
    emit_u64(e, NULL, v2->memory.usage);
}

static void memory_limit(Emitter *e, const CgfsStats *s)
{
  const CgfsV1Metrics *v1 = V1(s);
  const CgfsV2Metrics *v2 = V2(s);
  if (v1 && REPORTED(&v1->memory.usage, limit))
    emit_limit(e, v1->memory.usage.limit);
  if (v2 && REPORTED(&v2->memory, usage_limit))
    emit_limit(e, v2->memory.usage_limit);
}

static void memory_max_usage(Emitter *e, const CgfsStats *s)
{
  const CgfsV1Metrics *v1 = V1(s);
  const CgfsV2Metrics *v2 = V2(s);
  if (v1 && REPORTED(&v1->memory.usage, max))
    emit_u64(e, NULL, v1->memory.usage.max);
  if (v2 && REPORTED(&v2->memory, max_usage))
    emit_u64(e, NULL, v2->memory.max_usage);
}

static void memory_cache(Emitter *e, const CgfsStats *s)
{
  const CgfsV1Metrics *v1 = V1(s);
  const CgfsV2Metrics *v2 = V2(s);
  if (v1 && REPORTED(&v1->memory, cache))
    emit_u64(e, NULL, v1->memory.cache);
  if (v2 && REPORTED(&v2->memory, file))
    emit_u64(e, NULL, v2->memory.file);
}

static void memory_rss(Emitter *e, const CgfsStats *s)
{
  const CgfsV1Metrics *v1 = V1(s);
  const CgfsV2Metrics *v2 = V2(s);
  if (v1 && REPORTED(&v1->memory, rss))
    emit_u64(e, NULL, v1->memory.rss);
  if (v2 && REPORTED(&v2->memory, anon))
    emit_u64(e, NULL, v2->memory.anon);
}

static void memory_swap(Emitter *e, const CgfsStats *s)
{
  const CgfsV1Metrics *v1 = V1(s);
  const CgfsV2Metrics *v2 = V2(s);
  if (v1 && REPORTED(&v1->memory, swap_usage))
    emit_u64(e, NULL, v1->memory.swap_usage);
  if (v2 && REPORTED(&v2->memory, swap_usage))
    emit_u64(e, NULL, v2->memory.swap_usage);
}

static void memory_page_faults(Emitter *e, const CgfsStats *s)
{
  const CgfsV1Metrics *v1 = V1(s);
  const CgfsV2Metrics *v2 = V2(s);
  if (v1 && REPORTED(&v1->memory, pg_fault))
    emit_u64(e, NULL, v1->memory.pg_fault);
  if (v2 && REPORTED(&v2->memory, pgfault))
    emit_u64(e, NULL, v2->memory.pgfault);
}

static void memory_major_page_faults(Emitter *e, const CgfsStats *s)
{
  const CgfsV1Metrics *v1 = V1(s);
  const CgfsV2Metrics *v2 = V2(s);
  if (v1 && REPORTED(&v1->memory, pg_maj_fault))
    emit_u64(e, NULL, v1->memory.pg_maj_fault);
  if (v2 && REPORTED(&v2->memory, pgmajfault))
    emit_u64(e, NULL, v2->memory.pgmajfault);
}

static void memory_failures(Emitter *e, const CgfsStats *s)
{
  const CgfsV1Metrics *v1 = V1(s);
  const CgfsV2Metrics *v2 = V2(s);
  if (v1 && REPORTED(&v1->memory.usage, failcnt))
    emit_u64(e, NULL, v1->memory.usage.failcnt);
  if (v2 && REPORTED(&v2->memory_events, max))
    emit_u64(e, NULL, v2->memory_events.max);
}

static void memory_oom_kills(Emitter *e, const CgfsStats *s)
{
  const CgfsV1Metrics *v1 = V1(s);
  const CgfsV2Metrics *v2 = V2(s);
  if (v1 && REPORTED(&v1->memory_oom_control, oom_kill))
    emit_u64(e, NULL, v1->memory_oom_control.oom_kill);
  if (v2 && REPORTED(&v2->memory_events, oom_kill))
    emit_u64(e, NULL, v2->memory_events.oom_kill);
}

/* ---- pids ---- */

static const CgfsPidsStat *pids_of(const CgfsStats *s)
{
  return s->version == 1 ? &s->v1.pids : &s->v2.pids;
}

static void pids_current(Emitter *e, const CgfsStats *s)
{
  if (REPORTED(pids_of(s), current))
    emit_u64(e, NULL, pids_of(s)->current);
}

static void pids_limit(Emitter *e, const CgfsStats *s)
{
  if (REPORTED(pids_of(s), limit))
    emit_limit(e, pids_of(s)->limit);
}

/* ---- block I/O, per device ---- */

/* The v1 entries of @list whose op is @op, one sample each, labelled with the device. */
static void v1_blkio_op(Emitter *e, const CgfsV1BlkioList *list, const char *op)
{
  for (guint i = 0; i < list->n_entries; i++) {
    const CgfsV1BlkioEntry *en = &list->entries[i];
    if (g_strcmp0(en->op, op) != 0)
      continue;
    g_autofree char *dev =
      g_strdup_printf("device=\"%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT "\"", en->major,
                      en->minor);
    emit_u64(e, dev, en->value);
  }
}

/* The member at @offset (a guint64 of CgfsV2IoEntry) of every io.stat line that reports it. */
static void v2_io_member(Emitter *e, const CgfsV2IoStat *io, gsize offset)
{
  for (guint i = 0; i < io->n_usage; i++) {
    const CgfsV2IoEntry *en = &io->usage[i];
    if (!cgfs_stats_bit_(en->has, offset / sizeof(guint64)))
      continue;
    g_autofree char *dev =
      g_strdup_printf("device=\"%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT "\"", en->major,
                      en->minor);
    emit_u64(e, dev, G_STRUCT_MEMBER(guint64, en, offset));
  }
}

static void io(Emitter *e, const CgfsStats *s, gboolean bytes, const char *op, gsize v2_offset)
{
  const CgfsV1Metrics *v1 = V1(s);
  const CgfsV2Metrics *v2 = V2(s);
  if (v1 && v1->blkio.present)
    v1_blkio_op(e, bytes ? &v1->blkio.io_service_bytes_recursive : &v1->blkio.io_serviced_recursive,
                op);
  if (v2 && v2->io.present && v2->io.has_usage)
    v2_io_member(e, &v2->io, v2_offset);
}

static void io_read_bytes(Emitter *e, const CgfsStats *s)
{
  io(e, s, TRUE, "Read", G_STRUCT_OFFSET(CgfsV2IoEntry, rbytes));
}

static void io_write_bytes(Emitter *e, const CgfsStats *s)
{
  io(e, s, TRUE, "Write", G_STRUCT_OFFSET(CgfsV2IoEntry, wbytes));
}

static void io_reads(Emitter *e, const CgfsStats *s)
{
  io(e, s, FALSE, "Read", G_STRUCT_OFFSET(CgfsV2IoEntry, rios));
}

static void io_writes(Emitter *e, const CgfsStats *s)
{
  io(e, s, FALSE, "Write", G_STRUCT_OFFSET(CgfsV2IoEntry, wios));
}

/* ---- hugetlb, per page size ---- */

static void hugetlb_usage(Emitter *e, const CgfsStats *s)
{
  const CgfsV1Metrics *v1 = V1(s);
  const CgfsV2Metrics *v2 = V2(s);
  for (guint i = 0; v1 && v1->hugetlb.present && i < v1->hugetlb.n_entries; i++) {
    const CgfsV1HugetlbStat *h = &v1->hugetlb.entries[i];
    g_autofree char *label = g_strdup_printf("pagesize=\"%s\"", h->pagesize);
    if (CGFS_STATS_HAS(h, usage))
      emit_u64(e, label, h->usage);
  }
  for (guint i = 0; v2 && v2->hugetlb.present && i < v2->hugetlb.n_entries; i++) {
    const CgfsV2HugetlbStat *h = &v2->hugetlb.entries[i];
    g_autofree char *label = g_strdup_printf("pagesize=\"%s\"", h->pagesize);
    if (CGFS_STATS_HAS(h, current))
      emit_u64(e, label, h->current);
  }
}

/* ---- pressure (v2 only) ---- */

static void psi(Emitter *e, const CgfsPsiStats *p, gboolean full)
{
  if (p->present && (!full || p->has_full))
    emit_seconds(e, NULL, full ? p->full.total : p->some.total, 1000000);
}

static void cpu_waiting(Emitter *e, const CgfsStats *s)
{
  if (V2(s) && s->v2.cpu.present)
    psi(e, &s->v2.cpu.psi, FALSE);
}

static void memory_waiting(Emitter *e, const CgfsStats *s)
{
  if (V2(s) && s->v2.memory.present)
    psi(e, &s->v2.memory.psi, FALSE);
}

static void memory_stalled(Emitter *e, const CgfsStats *s)
{
  if (V2(s) && s->v2.memory.present)
    psi(e, &s->v2.memory.psi, TRUE);
}

static void io_waiting(Emitter *e, const CgfsStats *s)
{
  if (V2(s) && s->v2.io.present)
    psi(e, &s->v2.io.psi, FALSE);
}

static void io_stalled(Emitter *e, const CgfsStats *s)
{
  if (V2(s) && s->v2.io.present)
    psi(e, &s->v2.io.psi, TRUE);
}

/* The families, in the order written; docs/stats.md lists each one's kernel files. */
static const MetricFamily families[] = {
  { "cgfs_cpu_usage_seconds_total", "counter", "CPU time used by the cgroup's tasks.", cpu_usage },
  { "cgfs_cpu_user_seconds_total", "counter", "CPU time used in user mode.", cpu_user },
  { "cgfs_cpu_system_seconds_total", "counter", "CPU time used in kernel mode.", cpu_system },
  { "cgfs_cpu_periods_total", "counter", "CFS bandwidth periods that have elapsed.", cpu_periods },
  { "cgfs_cpu_throttled_periods_total", "counter", "CFS periods in which the cgroup was throttled.",
    cpu_throttled_periods },
  { "cgfs_cpu_throttled_seconds_total", "counter", "Time the cgroup's tasks were throttled.",
    cpu_throttled_seconds },
  { "cgfs_memory_usage_bytes", "gauge", "Memory used, page cache included.", memory_usage },
  { "cgfs_memory_limit_bytes", "gauge", "Memory limit (+Inf: none).", memory_limit },
  { "cgfs_memory_max_usage_bytes", "gauge", "Highest memory usage recorded.", memory_max_usage },
  { "cgfs_memory_cache_bytes", "gauge", "Page cache (v1 cache, v2 file).", memory_cache },
  { "cgfs_memory_rss_bytes", "gauge", "Anonymous memory (v1 rss, v2 anon).", memory_rss },
  { "cgfs_memory_swap_bytes", "gauge", "Swap used.", memory_swap },
  { "cgfs_memory_page_faults_total", "counter", "Page faults.", memory_page_faults },
  { "cgfs_memory_major_page_faults_total", "counter", "Major page faults.",
    memory_major_page_faults },
  { "cgfs_memory_limit_hits_total", "counter",
    "Times the memory limit was hit (v1 failcnt, v2 memory.events max).", memory_failures },
  { "cgfs_memory_oom_kills_total", "counter", "Tasks killed by the OOM killer.", memory_oom_kills },
  { "cgfs_pids_current", "gauge", "Tasks in the cgroup and below.", pids_current },
  { "cgfs_pids_limit", "gauge", "Task limit (+Inf: none).", pids_limit },
  { "cgfs_io_read_bytes_total", "counter", "Bytes read from the block device.", io_read_bytes },
  { "cgfs_io_written_bytes_total", "counter", "Bytes written to the block device.",
    io_write_bytes },
  { "cgfs_io_reads_total", "counter", "Read operations on the block device.", io_reads },
  { "cgfs_io_writes_total", "counter", "Write operations on the block device.", io_writes },
  { "cgfs_hugetlb_usage_bytes", "gauge", "Huge pages used, per page size.", hugetlb_usage },
  { "cgfs_pressure_cpu_waiting_seconds_total", "counter",
    "Time some tasks waited for CPU (cpu.pressure some).", cpu_waiting },
  { "cgfs_pressure_memory_waiting_seconds_total", "counter",
    "Time some tasks waited for memory (memory.pressure some).", memory_waiting },
  { "cgfs_pressure_memory_stalled_seconds_total", "counter",
    "Time all tasks stalled on memory (memory.pressure full).", memory_stalled },
  { "cgfs_pressure_io_waiting_seconds_total", "counter",
    "Time some tasks waited for I/O (io.pressure some).", io_waiting },
  { "cgfs_pressure_io_stalled_seconds_total", "counter",
    "Time all tasks stalled on I/O (io.pressure full).", io_stalled },
};

/* ---- the collection ---- */

CgfsMetrics *cgfs_metrics_new(void)
{
  CgfsMetrics *m = g_new0(CgfsMetrics, 1);
  m->entries = g_array_new(FALSE, FALSE, sizeof(MetricsEntry));
  return m;
}

void cgfs_metrics_free(CgfsMetrics *m)
{
  if (!m)
    return;
  for (guint i = 0; i < m->entries->len; i++) {
    MetricsEntry *en = &g_array_index(m->entries, MetricsEntry, i);
    g_free(en->label);
    cgfs_stats_free(en->stats);
  }
  g_array_unref(m->entries);
  g_free(m);
}

void cgfs_metrics_add(CgfsMetrics *m, const char *cgroup, CgfsStats *stats)
{
  MetricsEntry en = { escape_label(cgroup), stats };
  g_array_append_val(m->entries, en);
}

static char *child_path(const char *parent, const char *name)
{
  return g_strconcat(strcmp(parent, "/") == 0 ? "" : parent, "/", name, NULL);
}

gboolean cgfs_metrics_add_subtree(CgfsMetrics *m, CgfsCgroup *cg, const char *label,
                                  GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(CgfsStats) stats = cgfs_cgroup_stats(cg, &local);
  g_auto(GStrv) children = stats ? cgfs_cgroup_children(cg, &local) : NULL;
  if (!children) {
    if (g_error_matches(local, CGFS_ERROR, ENOENT))
      return TRUE; /* deleted meanwhile */
    g_propagate_error(error, g_steal_pointer(&local));
    return FALSE;
  }
  cgfs_metrics_add(m, label, g_steal_pointer(&stats));
  for (guint i = 0; children[i]; i++) {
    g_autofree char *path = child_path(cgfs_cgroup_path(cg), children[i]);
    g_autofree char *child_label = child_path(label, children[i]);
    g_autoptr(CgfsCgroup) child =
      cgfs_cgroup_load(cgfs_cgroup_hierarchy(cg), CGFS_STATIC_PATH(path), &local);
    if (!child && g_error_matches(local, CGFS_ERROR, ENOENT)) {
      g_clear_error(&local);
      continue;
    }
    if (!child || !cgfs_metrics_add_subtree(m, child, child_label, &local)) {
      g_propagate_error(error, g_steal_pointer(&local));
      return FALSE;
    }
  }
  return TRUE;
}

char *cgfs_metrics_to_text(const CgfsMetrics *m, gsize *len)
{
  GString *out = g_string_sized_new(4096);
  g_autoptr(GString) samples = g_string_sized_new(1024);
  for (gsize f = 0; f < G_N_ELEMENTS(families); f++) {
    g_string_truncate(samples, 0);
    Emitter e = { samples, families[f].name, NULL };
    for (guint i = 0; i < m->entries->len; i++) {
      const MetricsEntry *en = &g_array_index(m->entries, MetricsEntry, i);
      e.cgroup = en->label;
      families[f].emit(&e, en->stats);
    }
    if (samples->len == 0)
      continue; /* no cgroup has it on this machine */
    g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", families[f].name,
                           families[f].help, families[f].name, families[f].type);
    g_string_append_len(out, samples->str, samples->len);
  }
  if (len)
    *len = out->len;
  return g_string_free(out, FALSE);
}
