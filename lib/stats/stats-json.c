/* The JSON of stats.json: a straight writer into one growing buffer, laid out as `jq .` prints
 * (two spaces of indent, "key": value). Building the same document with json-glib's JsonBuilder
 * and JsonGenerator is far slower (tests/bench/bench-stats.c measures both); the keys are fixed
 * identifiers and the values numbers, so there is little to escape. */
#include "stats-private.h"

typedef struct {
  char *buf;
  gsize len, cap;
  guint depth;
  guint64 nonempty; /* bit d: the container at depth d has a member already */
} Json;

/* Room for @n more bytes. Every write below reserves first, then copies without checks. */
static inline char *reserve(Json *j, gsize n)
{
  if (G_UNLIKELY(j->len + n > j->cap)) {
    j->cap = MAX(j->cap * 2, j->len + n);
    j->buf = g_realloc(j->buf, j->cap);
  }
  return j->buf + j->len;
}

static inline void put(Json *j, const char *s, gsize n)
{
  memcpy(reserve(j, n), s, n);
  j->len += n;
}

static inline void put_c(Json *j, char c)
{
  *reserve(j, 1) = c;
  j->len++;
}

/* The comma that separates it from the previous member, a newline and the indent. */
static void member(Json *j)
{
  static const char spaces[] = ",\n                                ";
  guint64 bit = G_GUINT64_CONSTANT(1) << j->depth;
  gboolean comma = (j->nonempty & bit) != 0;
  gsize indent = MIN(2 * (gsize)j->depth, sizeof spaces - 3);
  j->nonempty |= bit;
  put(j, spaces + !comma, 1 + comma + indent);
}

/* A key the writer controls: a C identifier, nothing to escape. */
static void key_n(Json *j, const char *name, gsize len)
{
  member(j);
  char *p = reserve(j, len + 4);
  p[0] = '"';
  memcpy(p + 1, name, len);
  memcpy(p + 1 + len, "\": ", 3);
  j->len += len + 4;
}

#define key(j, name) key_n((j), (name), strlen(name))

static void open_(Json *j, char c)
{
  put_c(j, c);
  j->depth++;
  j->nonempty &= ~(G_GUINT64_CONSTANT(1) << j->depth);
}

static void close_(Json *j, char c)
{
  gboolean had_members = (j->nonempty >> j->depth) & 1;
  j->depth--;
  if (had_members) {
    static const char spaces[] = "\n                                ";
    put(j, spaces, 1 + MIN(2 * (gsize)j->depth, sizeof spaces - 2));
  }
  put_c(j, c);
}

static void open_object(Json *j, const char *name)
{
  key(j, name);
  open_(j, '{');
}

static void u64(Json *j, guint64 v)
{
  char digits[20], *p = digits + sizeof digits;
  do
    *--p = (char)('0' + v % 10);
  while ((v /= 10));
  put(j, p, (gsize)(digits + sizeof digits - p));
}

/* PSI averages: the kernel prints two decimals, so print them back the same way. */
static void hundredths(Json *j, double v)
{
  guint64 h = (guint64)(v * 100 + 0.5);
  char frac[3] = { '.', (char)('0' + h / 10 % 10), (char)('0' + h % 10) };
  u64(j, h / 100);
  put(j, frac, 3);
}

static void string(Json *j, const char *s)
{
  put_c(j, '"');
  for (const char *p = s; *p; p++) {
    guchar c = (guchar)*p;
    if (c < 0x20) {
      char esc[7];
      g_snprintf(esc, sizeof esc, "\\u%04x", c);
      put(j, esc, 6);
      continue;
    }
    if (c == '"' || c == '\\')
      put_c(j, '\\');
    put_c(j, (char)c);
  }
  put_c(j, '"');
}

static void key_u64(Json *j, const char *name, guint64 v)
{
  key(j, name);
  u64(j, v);
}

/* The reported counters of @base, in the table's order. */
static void fields(Json *j, const CgfsStatsTable *t, const void *base)
{
  for (guint i = 0; i < t->n_fields; i++) {
    const CgfsStatsField *f = &t->fields[i];
    if (cgfs_stats_isset(base, t, f)) {
      key_n(j, f->name, f->name_len);
      u64(j, *cgfs_stats_value(base, f));
    }
  }
}

/* Keys this libcgfs does not know, under the kernel's name made snake_case ('.' to '_'). */
static void extra(Json *j, const CgfsStatsCounter *items, guint n)
{
  for (guint i = 0; i < n; i++) {
    member(j);
    g_autofree char *name = g_strdelimit(g_strdup(items[i].key), ".", '_');
    string(j, name);
    put(j, ": ", 2);
    u64(j, items[i].value);
  }
}

static void object_of_fields(Json *j, const char *name, const CgfsStatsTable *t,
                             const void *base)
{
  open_object(j, name);
  fields(j, t, base);
  close_(j, '}');
}

static void psi_data(Json *j, const char *name, const CgfsPsiData *d)
{
  open_object(j, name);
  key(j, "avg10");
  hundredths(j, d->avg10);
  key(j, "avg60");
  hundredths(j, d->avg60);
  key(j, "avg300");
  hundredths(j, d->avg300);
  key_u64(j, "total", d->total);
  close_(j, '}');
}

static void psi(Json *j, const CgfsPsiStats *p)
{
  if (!p->present)
    return;
  open_object(j, "psi");
  psi_data(j, "some", &p->some);
  if (p->has_full)
    psi_data(j, "full", &p->full);
  close_(j, '}');
}

static void pids(Json *j, const CgfsPidsStat *p)
{
  if (p->present)
    object_of_fields(j, "pids", &cgfs_pids_table, p);
}

static void rdma_entries(Json *j, const char *name, const CgfsRdmaEntry *e, guint n)
{
  key(j, name);
  open_(j, '[');
  for (guint i = 0; i < n; i++) {
    member(j);
    open_(j, '{');
    key(j, "device");
    string(j, e[i].device);
    key_u64(j, "hca_handles", e[i].hca_handles);
    key_u64(j, "hca_objects", e[i].hca_objects);
    close_(j, '}');
  }
  close_(j, ']');
}

static void rdma(Json *j, const CgfsRdmaStat *r)
{
  if (!r->present)
    return;
  open_object(j, "rdma");
  rdma_entries(j, "current", r->current, r->n_current);
  rdma_entries(j, "limit", r->limit, r->n_limit);
  close_(j, '}');
}

/* ---- v1 ---- */

static void v1_hugetlb(Json *j, const CgfsV1HugetlbList *h)
{
  if (!h->present)
    return;
  key(j, "hugetlb");
  open_(j, '[');
  for (guint i = 0; i < h->n_entries; i++) {
    member(j);
    open_(j, '{');
    fields(j, &cgfs_v1_hugetlb_table, &h->entries[i]);
    key(j, "pagesize");
    string(j, h->entries[i].pagesize);
    close_(j, '}');
  }
  close_(j, ']');
}

static void v1_cpu(Json *j, const CgfsV1CpuStat *c)
{
  if (!c->present)
    return;
  open_object(j, "cpu");
  if (c->usage.present) {
    open_object(j, "usage");
    fields(j, &cgfs_v1_cpu_usage_table, &c->usage);
    key(j, "per_cpu");
    open_(j, '[');
    for (guint i = 0; i < c->usage.n_per_cpu; i++) {
      member(j);
      u64(j, c->usage.per_cpu[i]);
    }
    close_(j, ']');
    close_(j, '}');
  }
  if (c->throttling.present)
    object_of_fields(j, "throttling", &cgfs_v1_throttle_table, &c->throttling);
  close_(j, '}');
}

static void v1_memory_entry(Json *j, const char *name, const CgfsV1MemoryEntry *e)
{
  if (e->present)
    object_of_fields(j, name, &cgfs_v1_memory_entry_table, e);
}

static void v1_memory(Json *j, const CgfsV1MemoryStat *m)
{
  if (!m->present)
    return;
  open_object(j, "memory");
  fields(j, &cgfs_v1_memory_table, m);
  extra(j, m->extra, m->n_extra);
  v1_memory_entry(j, "usage", &m->usage);
  v1_memory_entry(j, "swap", &m->swap);
  v1_memory_entry(j, "kernel", &m->kernel);
  v1_memory_entry(j, "kernel_tcp", &m->kernel_tcp);
  close_(j, '}');
}

static void v1_blkio_list(Json *j, const char *name, const CgfsV1BlkioList *l)
{
  if (!l->present)
    return;
  key(j, name);
  open_(j, '[');
  for (guint i = 0; i < l->n_entries; i++) {
    const CgfsV1BlkioEntry *e = &l->entries[i];
    member(j);
    open_(j, '{');
    key(j, "op");
    string(j, e->op);
    if (e->device) {
      key(j, "device");
      string(j, e->device);
    }
    key_u64(j, "major", e->major);
    key_u64(j, "minor", e->minor);
    key_u64(j, "value", e->value);
    close_(j, '}');
  }
  close_(j, ']');
}

static void v1_blkio(Json *j, const CgfsV1BlkioStat *b)
{
  static const char *const names[] = {
    "io_service_bytes_recursive", "io_serviced_recursive", "io_queued_recursive",
    "io_service_time_recursive", "io_wait_time_recursive", "io_merged_recursive",
    "io_time_recursive", "sectors_recursive",
  };
  G_STATIC_ASSERT(G_N_ELEMENTS(names) == CGFS_BLKIO_N_LISTS);
  if (!b->present)
    return;
  open_object(j, "blkio");
  const CgfsV1BlkioList *lists = cgfs_blkio_lists((CgfsV1BlkioStat *)b);
  for (guint i = 0; i < G_N_ELEMENTS(names); i++)
    v1_blkio_list(j, names[i], &lists[i]);
  close_(j, '}');
}

static void v1(Json *j, const CgfsV1Metrics *m)
{
  v1_hugetlb(j, &m->hugetlb);
  pids(j, &m->pids);
  v1_cpu(j, &m->cpu);
  v1_memory(j, &m->memory);
  v1_blkio(j, &m->blkio);
  rdma(j, &m->rdma);
  if (m->memory_oom_control.present)
    object_of_fields(j, "memory_oom_control", &cgfs_v1_oom_control_table,
                     &m->memory_oom_control);
}

/* ---- v2 ---- */

static void v2_cpu(Json *j, const CgfsV2CpuStat *c)
{
  if (!c->present)
    return;
  open_object(j, "cpu");
  fields(j, &cgfs_v2_cpu_table, c);
  extra(j, c->extra, c->n_extra);
  psi(j, &c->psi);
  close_(j, '}');
}

static void v2_memory(Json *j, const CgfsV2MemoryStat *m)
{
  if (!m->present)
    return;
  open_object(j, "memory");
  fields(j, &cgfs_v2_memory_table, m);
  extra(j, m->extra, m->n_extra);
  psi(j, &m->psi);
  close_(j, '}');
}

static void v2_io(Json *j, const CgfsV2IoStat *io)
{
  if (!io->present)
    return;
  open_object(j, "io");
  if (io->has_usage) {
    key(j, "usage");
    open_(j, '[');
    for (guint i = 0; i < io->n_usage; i++) {
      member(j);
      open_(j, '{');
      fields(j, &cgfs_v2_io_entry_table, &io->usage[i]);
      close_(j, '}');
    }
    close_(j, ']');
  }
  psi(j, &io->psi);
  close_(j, '}');
}

static void v2_hugetlb(Json *j, const CgfsV2HugetlbList *h)
{
  if (!h->present)
    return;
  key(j, "hugetlb");
  open_(j, '[');
  for (guint i = 0; i < h->n_entries; i++) {
    member(j);
    open_(j, '{');
    fields(j, &cgfs_v2_hugetlb_table, &h->entries[i]);
    key(j, "pagesize");
    string(j, h->entries[i].pagesize);
    close_(j, '}');
  }
  close_(j, ']');
}

static void v2_flat(Json *j, const char *name, gboolean present, const CgfsStatsTable *t,
                    const void *base, const CgfsStatsCounter *items, guint n)
{
  if (!present)
    return;
  open_object(j, name);
  fields(j, t, base);
  extra(j, items, n);
  close_(j, '}');
}

static void v2(Json *j, const CgfsV2Metrics *m)
{
  pids(j, &m->pids);
  v2_cpu(j, &m->cpu);
  v2_memory(j, &m->memory);
  rdma(j, &m->rdma);
  v2_io(j, &m->io);
  v2_hugetlb(j, &m->hugetlb);
  v2_flat(j, "memory_events", m->memory_events.present, &cgfs_v2_memory_events_table,
          &m->memory_events, m->memory_events.extra, m->memory_events.n_extra);
  v2_flat(j, "cgroup_stat", m->cgroup_stat.present, &cgfs_v2_cgroup_table, &m->cgroup_stat,
          m->cgroup_stat.extra, m->cgroup_stat.n_extra);
}

char *cgfs_stats_to_json(const CgfsStats *s, gsize *len)
{
  Json j = { .cap = 8192 };
  j.buf = g_malloc(j.cap);
  open_(&j, '{');
  if (s->version == 2)
    v2(&j, &s->v2);
  else
    v1(&j, &s->v1);
  close_(&j, '}');
  put(&j, "\n", 2); /* the newline and the NUL */
  if (len)
    *len = j.len - 1;
  return j.buf;
}
