/* Stats of real cgroups (root, v1 plus this machine's cgroup2 core): a process that burns CPU
 * under a CFS quota, holds memory and has done direct IO. The stats must agree with the kernel's
 * files read just before and just after them (a value lies between the two reads), and move
 * the right way over time. The kernel files are read and parsed here, without libcgfs. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <json-glib/json-glib.h>

#include "cgroup-private.h"
#include "fileio.h"
#include "itest.h"

#define HOLD_BYTES (64u << 20)
#define ATTEMPTS 20

static CgfsSystem *sys;
static CgfsCgroup *v1, *v2;
static pid_t burner;
static char *self_exe; /* this program, resolved (under valgrind /proc/self/exe is valgrind) */

/* ---- the burner, run as "test-stats --burn PATH" ---- */

/* Once in @path, touch HOLD_BYTES, write and read 4 MiB directly to the disk, then spin. */
static G_NORETURN void burn(const char *path)
{
  while (!itest_self_in(path, (const char *const[]){ "memory", "blkio", NULL }))
    g_usleep(1000);
  volatile char *mem = g_malloc(HOLD_BYTES);
  for (gsize i = 0; i < HOLD_BYTES; i += 4096)
    mem[i] = 1;
  char tmpl[] = "/var/tmp/cgfs-itest-XXXXXX";
  int fd = mkstemp(tmpl);
  void *block = NULL;
  if (fd >= 0 && posix_memalign(&block, 4096, 1 << 20) == 0) {
    g_autofree char *again = g_strdup_printf("/proc/self/fd/%d", fd);
    int dfd = open(again, O_RDWR | O_DIRECT);
    unlink(tmpl);
    memset(block, 3, 1 << 20);
    for (int i = 0; dfd >= 0 && i < 4; i++)
      (void)!pwrite(dfd, block, 1 << 20, (off_t)i << 20);
    if (dfd >= 0)
      (void)!pread(dfd, block, 1 << 20, 0);
  }
  for (volatile guint64 n = 0;; n++)
    ;
}

/* ---- the kernel's files, read here ---- */

static char *kernel_text(CgfsCgroup *cg, const char *subsystem, const char *file)
{
  const CgfsCgroupDir *d = cgfs_cgroup_dir(cg, subsystem);
  g_autofree char *path = g_build_filename(d->dir, file, NULL);
  char *text = itest_read(path);
  if (!text)
    fail_msg("cannot read %s", path);
  return text;
}

static guint64 kernel_u64(CgfsCgroup *cg, const char *subsystem, const char *file)
{
  g_autofree char *text = kernel_text(cg, subsystem, file);
  return strcmp(text, "max") == 0 ? G_MAXUINT64 : g_ascii_strtoull(text, NULL, 10);
}

/* "key value" lines; the keys in file order in @keys when not NULL. */
static GHashTable *kernel_flat(CgfsCgroup *cg, const char *subsystem, const char *file,
                               GPtrArray *keys)
{
  g_autofree char *text = kernel_text(cg, subsystem, file);
  GHashTable *out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++) {
    g_auto(GStrv) kv = g_strsplit(*l, " ", 2);
    if (g_strv_length(kv) != 2)
      continue;
    guint64 *v = g_new(guint64, 1);
    *v = g_ascii_strtoull(kv[1], NULL, 10);
    if (keys)
      g_ptr_array_add(keys, g_strdup(kv[0]));
    g_hash_table_insert(out, g_strdup(kv[0]), v);
  }
  return out;
}

static guint64 flat_get(GHashTable *t, const char *key)
{
  guint64 *v = g_hash_table_lookup(t, key);
  if (!v)
    fail_msg("no key %s in the kernel file", key);
  return *v;
}

/* ---- agreement: a stat lies between the kernel's values read before and after ---- */

typedef struct {
  guint failures;
  GString *why;
} Agree;

static void between(Agree *a, const char *what, guint64 before, guint64 got, guint64 after)
{
  guint64 lo = MIN(before, after), hi = MAX(before, after);
  if (got >= lo && got <= hi)
    return;
  a->failures++;
  g_string_append_printf(a->why, "%s: %" G_GUINT64_FORMAT " not in [%" G_GUINT64_FORMAT
                         ", %" G_GUINT64_FORMAT "]\n", what, got, lo, hi);
}

/* containerd's name of a v1 memory.stat key. */
static char *v1_memory_name(const char *key)
{
  static const char *const renames[][2] = {
    { "pgpgin", "pg_pg_in" },     { "pgpgout", "pg_pg_out" },
    { "pgfault", "pg_fault" },    { "pgmajfault", "pg_maj_fault" },
    { "hierarchical_memsw_limit", "hierarchical_swap_limit" },
  };
  if (strcmp(key, "swap") == 0)
    return g_strdup("swap_usage");
  gboolean total = g_str_has_prefix(key, "total_");
  const char *base = total ? key + 6 : key;
  for (guint i = 0; i < G_N_ELEMENTS(renames); i++)
    if (strcmp(base, renames[i][0]) == 0)
      return g_strconcat(total ? "total_" : "", renames[i][1], NULL);
  return g_strdup(key);
}

static JsonObject *json_object_at(JsonNode *root, const char *member)
{
  JsonObject *o = json_node_get_object(root);
  if (!json_object_has_member(o, member))
    fail_msg("no '%s' in the stats JSON", member);
  return json_object_get_object_member(o, member);
}

/* Every memory.stat key is in the JSON under its containerd name, between the two reads. */
static void agree_memory_stat(Agree *a, GHashTable *before, GPtrArray *keys, JsonNode *json,
                              GHashTable *after)
{
  JsonObject *mem = json_object_at(json, "memory");
  guint scalars = 0;
  g_autoptr(GList) members = json_object_get_members(mem);
  for (GList *l = members; l; l = l->next)
    scalars += JSON_NODE_HOLDS_VALUE(json_object_get_member(mem, l->data));
  if (scalars != keys->len) {
    a->failures++;
    g_string_append_printf(a->why, "memory has %u counters, memory.stat %u keys\n", scalars,
                           keys->len);
  }
  for (guint i = 0; i < keys->len; i++) {
    const char *key = keys->pdata[i];
    g_autofree char *name = v1_memory_name(key);
    if (!json_object_has_member(mem, name)) {
      a->failures++;
      g_string_append_printf(a->why, "memory.stat key %s missing as %s\n", key, name);
      continue;
    }
    between(a, key, flat_get(before, key), (guint64)json_object_get_int_member(mem, name),
            flat_get(after, key));
  }
}

typedef struct {
  GHashTable *memory_stat, *oom, *cpu_stat;
  GPtrArray *memory_keys;
  guint64 usage, user, sys, mem_usage, mem_max, memsw_usage, kmem_usage, pids;
  char *percpu, *blkio_bytes, *blkio_ios;
} KernelV1;

static void kernel_v1_read(KernelV1 *k)
{
  k->memory_keys = g_ptr_array_new_with_free_func(g_free);
  k->memory_stat = kernel_flat(v1, "memory", "memory.stat", k->memory_keys);
  k->oom = kernel_flat(v1, "memory", "memory.oom_control", NULL);
  k->cpu_stat = kernel_flat(v1, "cpu", "cpu.stat", NULL);
  k->usage = kernel_u64(v1, "cpuacct", "cpuacct.usage");
  /* cpuacct.stat in USER_HZ ticks, as containerd reads user and kernel time */
  g_autoptr(GHashTable) ticks = kernel_flat(v1, "cpuacct", "cpuacct.stat", NULL);
  guint64 ns_per_tick = 1000000000 / (guint64)sysconf(_SC_CLK_TCK);
  k->user = flat_get(ticks, "user") * ns_per_tick;
  k->sys = flat_get(ticks, "system") * ns_per_tick;
  k->percpu = kernel_text(v1, "cpuacct", "cpuacct.usage_percpu");
  k->mem_usage = kernel_u64(v1, "memory", "memory.usage_in_bytes");
  k->mem_max = kernel_u64(v1, "memory", "memory.max_usage_in_bytes");
  k->memsw_usage = kernel_u64(v1, "memory", "memory.memsw.usage_in_bytes");
  k->kmem_usage = kernel_u64(v1, "memory", "memory.kmem.usage_in_bytes");
  k->pids = kernel_u64(v1, "pids", "pids.current");
  k->blkio_bytes = kernel_text(v1, "blkio", "blkio.throttle.io_service_bytes_recursive");
  k->blkio_ios = kernel_text(v1, "blkio", "blkio.throttle.io_serviced_recursive");
}

static void kernel_v1_clear(KernelV1 *k)
{
  g_hash_table_unref(k->memory_stat);
  g_hash_table_unref(k->oom);
  g_hash_table_unref(k->cpu_stat);
  g_ptr_array_unref(k->memory_keys);
  g_free(k->percpu);
  g_free(k->blkio_bytes);
  g_free(k->blkio_ios);
}

static void agree_blkio(Agree *a, const char *what, const char *before,
                        const CgfsV1BlkioList *l, const char *after)
{
  g_auto(GStrv) b = g_strsplit(before, "\n", -1), f = g_strsplit(after, "\n", -1);
  guint n = g_strv_length(b);
  if (n != g_strv_length(f) || l->n_entries != n - 1) { /* the last line is "Total N" */
    a->failures++;
    g_string_append_printf(a->why, "%s: %u entries, the file %u lines\n", what, l->n_entries, n);
    return;
  }
  for (guint i = 0; i < l->n_entries; i++) {
    g_auto(GStrv) bf = g_strsplit(b[i], " ", 3), ff = g_strsplit(f[i], " ", 3);
    const CgfsV1BlkioEntry *e = &l->entries[i];
    g_autofree char *dev = g_strdup_printf("%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT, e->major,
                                           e->minor);
    if (strcmp(bf[0], dev) != 0 || strcmp(bf[1], e->op) != 0) {
      a->failures++;
      g_string_append_printf(a->why, "%s entry %u: %s %s, the file %s %s\n", what, i, dev,
                             e->op, bf[0], bf[1]);
      continue;
    }
    between(a, what, g_ascii_strtoull(bf[2], NULL, 10), e->value,
            g_ascii_strtoull(ff[2], NULL, 10));
  }
}

/* One attempt: kernel files, stats, kernel files; the failures. */
static guint v1_attempt(GString *why)
{
  KernelV1 k0, k1;
  GError *error = NULL;
  kernel_v1_read(&k0);
  g_autoptr(CgfsStats) s = cgfs_cgroup_stats(v1, &error);
  kernel_v1_read(&k1);
  assert_no_gerror(error);
  g_autofree char *text = cgfs_stats_to_json(s, NULL);
  g_autoptr(JsonNode) json = json_from_string(text, &error);
  assert_no_gerror(error);

  Agree a = { 0, why };
  const CgfsV1Metrics *m = &s->v1;
  between(&a, "cpuacct.usage", k0.usage, m->cpu.usage.total, k1.usage);
  between(&a, "cpuacct.stat user", k0.user, m->cpu.usage.user, k1.user);
  between(&a, "cpuacct.stat system", k0.sys, m->cpu.usage.kernel, k1.sys);
  g_auto(GStrv) pc0 = g_strsplit_set(g_strstrip(k0.percpu), " ", -1);
  g_auto(GStrv) pc1 = g_strsplit_set(g_strstrip(k1.percpu), " ", -1);
  assert_int_equal(m->cpu.usage.n_per_cpu, g_strv_length(pc0));
  for (guint i = 0; i < m->cpu.usage.n_per_cpu; i++)
    between(&a, "cpuacct.usage_percpu", g_ascii_strtoull(pc0[i], NULL, 10),
            m->cpu.usage.per_cpu[i], g_ascii_strtoull(pc1[i], NULL, 10));
  between(&a, "nr_periods", flat_get(k0.cpu_stat, "nr_periods"), m->cpu.throttling.periods,
          flat_get(k1.cpu_stat, "nr_periods"));
  between(&a, "nr_throttled", flat_get(k0.cpu_stat, "nr_throttled"),
          m->cpu.throttling.throttled_periods, flat_get(k1.cpu_stat, "nr_throttled"));
  between(&a, "throttled_time", flat_get(k0.cpu_stat, "throttled_time"),
          m->cpu.throttling.throttled_time, flat_get(k1.cpu_stat, "throttled_time"));
  agree_memory_stat(&a, k0.memory_stat, k0.memory_keys, json, k1.memory_stat);
  between(&a, "memory.usage_in_bytes", k0.mem_usage, m->memory.usage.usage, k1.mem_usage);
  between(&a, "memory.max_usage_in_bytes", k0.mem_max, m->memory.usage.max, k1.mem_max);
  between(&a, "memory.memsw.usage_in_bytes", k0.memsw_usage, m->memory.swap.usage,
          k1.memsw_usage);
  between(&a, "memory.kmem.usage_in_bytes", k0.kmem_usage, m->memory.kernel.usage,
          k1.kmem_usage);
  between(&a, "oom_kill", flat_get(k0.oom, "oom_kill"), m->memory_oom_control.oom_kill,
          flat_get(k1.oom, "oom_kill"));
  between(&a, "pids.current", k0.pids, m->pids.current, k1.pids);
  agree_blkio(&a, "io_service_bytes_recursive", k0.blkio_bytes,
              &m->blkio.io_service_bytes_recursive, k1.blkio_bytes);
  agree_blkio(&a, "io_serviced_recursive", k0.blkio_ios, &m->blkio.io_serviced_recursive,
              k1.blkio_ios);
  kernel_v1_clear(&k0);
  kernel_v1_clear(&k1);
  return a.failures;
}

/* Agreement is checked on a snapshot; a gauge that moves both ways between the reads can
 * miss, so a few attempts are allowed. */
static void test_v1_agrees_with_kernel(void **state)
{
  g_autoptr(GString) why = g_string_new(NULL);
  for (guint i = 0; i < ATTEMPTS; i++) {
    g_string_truncate(why, 0);
    if (v1_attempt(why) == 0)
      return;
  }
  fail_msg("stats disagree with the kernel in every attempt; the last:\n%s", why->str);
}

static void test_v1_exact_values(void **state)
{
  GError *error = NULL;
  g_autoptr(CgfsStats) s = cgfs_cgroup_stats(v1, &error);
  assert_no_gerror(error);
  const CgfsV1Metrics *m = &s->v1;
  assert_int_equal(m->pids.current, 1);
  assert_true(m->pids.limit == G_MAXUINT64); /* pids.max is "max" */
  assert_int_equal(m->memory.usage.limit, kernel_u64(v1, "memory", "memory.limit_in_bytes"));
  assert_int_equal(m->memory.swap.limit, kernel_u64(v1, "memory", "memory.memsw.limit_in_bytes"));
  assert_int_equal(m->memory.kernel_tcp.failcnt,
                   kernel_u64(v1, "memory", "memory.kmem.tcp.failcnt"));
  assert_int_equal(m->memory_oom_control.oom_kill_disable, 0);
  assert_true(m->memory.usage.usage >= HOLD_BYTES);
  assert_true(m->memory.rss >= HOLD_BYTES); /* anonymous memory the process holds */
  /* the direct IO reached a real disk, whose name the kernel gives */
  const CgfsV1BlkioList *bytes = &m->blkio.io_service_bytes_recursive;
  assert_true(bytes->n_entries > 0);
  for (guint i = 0; i < bytes->n_entries; i++) {
    g_autofree char *link = g_strdup_printf("/sys/dev/block/%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT,
                                            bytes->entries[i].major, bytes->entries[i].minor);
    g_autofree char *target = g_file_read_link(link, NULL);
    assert_non_null(target);
    g_autofree char *name = g_path_get_basename(target);
    g_autofree char *want = g_strconcat("/dev/", name, NULL);
    assert_string_equal(bytes->entries[i].device, want);
  }
}

static void test_v1_moves_over_time(void **state)
{
  GError *error = NULL;
  g_autoptr(CgfsStats) s0 = cgfs_cgroup_stats(v1, &error);
  assert_no_gerror(error);
  /* Wait for the burner to be throttled again: how soon depends on how busy the machine is.
   * The kernel counts a throttled period when it throttles, but adds its throttled time only
   * when it lets the group run again: wait for both. */
  g_autoptr(CgfsStats) s1 = NULL;
  for (guint i = 0; i < 300; i++) {
    g_usleep(100000);
    g_clear_pointer(&s1, cgfs_stats_free);
    s1 = cgfs_cgroup_stats(v1, &error);
    assert_no_gerror(error);
    const CgfsV1CpuStat *a = &s0->v1.cpu, *b = &s1->v1.cpu;
    if (b->throttling.throttled_periods > a->throttling.throttled_periods &&
        b->throttling.throttled_time > a->throttling.throttled_time &&
        b->usage.total > a->usage.total)
      break;
  }
  const CgfsV1CpuStat *c0 = &s0->v1.cpu, *c1 = &s1->v1.cpu;
  assert_true(c1->usage.total > c0->usage.total);
  guint64 sum0 = 0, sum1 = 0;
  for (guint i = 0; i < c0->usage.n_per_cpu; i++) {
    assert_true(c1->usage.per_cpu[i] >= c0->usage.per_cpu[i]);
    sum0 += c0->usage.per_cpu[i];
    sum1 += c1->usage.per_cpu[i];
  }
  assert_true(sum1 > sum0);
  assert_true(c1->usage.user + c1->usage.kernel >= c0->usage.user + c0->usage.kernel);
  assert_true(c1->throttling.periods > c0->throttling.periods);
  assert_true(c1->throttling.throttled_periods > c0->throttling.throttled_periods);
  assert_true(c1->throttling.throttled_time > c0->throttling.throttled_time);
  assert_true(s1->v1.memory.usage.usage >= HOLD_BYTES);
  assert_true(s1->v1.memory.usage.max >= s1->v1.memory.usage.usage);
}

/* This machine's cgroup2 has no controllers: cpu.stat, cgroup.stat and PSI, nothing else. */
static void test_v2_core(void **state)
{
  if (!v2)
    skip();
  GError *error = NULL;
  g_autoptr(GString) why = g_string_new(NULL);
  guint attempt;
  for (attempt = 0; attempt < ATTEMPTS; attempt++) {
    g_autoptr(GHashTable) k0 = kernel_flat(v2, "unified", "cpu.stat", NULL);
    g_autoptr(CgfsStats) s = cgfs_cgroup_stats(v2, &error);
    g_autoptr(GHashTable) k1 = kernel_flat(v2, "unified", "cpu.stat", NULL);
    assert_no_gerror(error);
    assert_int_equal(s->version, 2);
    Agree a = { 0, why };
    g_string_truncate(why, 0);
    between(&a, "usage_usec", flat_get(k0, "usage_usec"), s->v2.cpu.usage_usec,
            flat_get(k1, "usage_usec"));
    between(&a, "user_usec", flat_get(k0, "user_usec"), s->v2.cpu.user_usec,
            flat_get(k1, "user_usec"));
    between(&a, "system_usec", flat_get(k0, "system_usec"), s->v2.cpu.system_usec,
            flat_get(k1, "system_usec"));
    g_autoptr(GHashTable) cstat = kernel_flat(v2, "unified", "cgroup.stat", NULL);
    between(&a, "nr_descendants", flat_get(cstat, "nr_descendants"),
            s->v2.cgroup_stat.nr_descendants, flat_get(cstat, "nr_descendants"));
    g_autofree char *controllers = kernel_text(v2, "unified", "cgroup.controllers");
    gboolean has_pressure = cgfs_exists_at(cgfs_cgroup_fd(v2, "unified"), "cpu.pressure");
    assert_int_equal(s->v2.cpu.psi.present, has_pressure);
    if (*controllers == '\0') {
      assert_false(s->v2.pids.present);
      assert_false(s->v2.memory_events.present);
      assert_false(s->v2.io.has_usage);
      assert_false(CGFS_STATS_HAS(&s->v2.memory, anon));
    }
    if (a.failures == 0)
      break;
  }
  if (attempt == ATTEMPTS)
    fail_msg("v2 stats disagree with the kernel:\n%s", why->str);
  g_autoptr(CgfsStats) later = NULL;
  g_autoptr(CgfsStats) now = cgfs_cgroup_stats(v2, &error);
  g_usleep(200000);
  later = cgfs_cgroup_stats(v2, &error);
  assert_no_gerror(error);
  assert_true(later->v2.cpu.usage_usec > now->v2.cpu.usage_usec);
  if (now->v2.cpu.psi.present)
    assert_true(later->v2.cpu.psi.some.total >= now->v2.cpu.psi.some.total);
}

static void test_deleted_cgroup(void **state)
{
  GError *error = NULL;
  g_autoptr(CgfsHierarchy) h = cgfs_hierarchy_v1(sys, &error);
  g_autofree char *path = itest_name("stats-gone");
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(h, CGFS_STATIC_PATH(path), NULL, &error);
  assert_no_gerror(error);
  g_autoptr(CgfsStats) alive = cgfs_cgroup_stats(cg, &error);
  assert_no_gerror(error);
  assert_int_equal(alive->v1.pids.current, 0);
  assert_true(cgfs_cgroup_delete(cg, &error));
  g_autoptr(CgfsStats) gone = cgfs_cgroup_stats(cg, &error);
  assert_null(gone);
  assert_non_null(error);
  assert_int_equal(error->code, ENOENT);
  assert_non_null(strstr(error->message, "cgroup deleted"));
  g_error_free(error);
}

/* ---- setup ---- */

/* One open/write/close, as cgroup files want. */
static void write_file(CgfsCgroup *cg, const char *subsystem, const char *file, const char *v)
{
  const CgfsCgroupDir *d = cgfs_cgroup_dir(cg, subsystem);
  GError *error = NULL;
  if (!cgfs_write_at(d->fd, file, v, &error))
    fail_msg("cannot write %s/%s: %s", d->dir, file, error->message);
}

/* Whether a blkio list of @cg has a "MAJ:MIN ..." line: some IO was counted for a device. */
static gboolean has_device_line(CgfsCgroup *cg, const char *file)
{
  const CgfsCgroupDir *d = cgfs_cgroup_dir(cg, "blkio");
  g_autofree char *path = g_build_filename(d->dir, file, NULL);
  g_autofree char *text = itest_read(path); /* NULL where the machine lacks the file */
  if (!text)
    return FALSE;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++) {
    guint maj, min;
    if (sscanf(*l, "%u:%u ", &maj, &min) == 2)
      return TRUE;
  }
  return FALSE;
}

static int setup(void **state)
{
  GError *error = NULL;
  sys = cgfs_system_new(&error);
  g_autoptr(CgfsHierarchy) h1 = cgfs_hierarchy_v1(sys, &error);
  g_autofree char *path = itest_name("stats");
  v1 = cgfs_cgroup_new(h1, CGFS_STATIC_PATH(path), NULL, &error);
  if (!v1)
    fail_msg("cannot create %s: %s", path, error->message);
  g_autoptr(CgfsHierarchy) h2 = cgfs_hierarchy_v2(sys, NULL);
  if (h2)
    v2 = cgfs_cgroup_new(h2, CGFS_STATIC_PATH(path), NULL, NULL);
  write_file(v1, "cpu", "cpu.cfs_quota_us", "5000"); /* 5% of a CPU: throttled every period it runs, even on a busy machine */
  const char *const argv[] = { self_exe, "--burn", path, NULL };
  burner = itest_spawn(argv);
  if (!cgfs_cgroup_add_process(v1, burner, NULL, &error))
    fail_msg("cannot move the burner: %s", error->message);
  if (v2 && !cgfs_cgroup_add_process(v2, burner, NULL, &error))
    fail_msg("cannot move the burner: %s", error->message);
  const CgfsCgroupDir *mem = cgfs_cgroup_dir(v1, "memory");
  g_autofree char *usage = g_build_filename(mem->dir, "memory.usage_in_bytes", NULL);
  if (!itest_wait_for(({
                        g_autofree char *u = itest_read(usage);
                        u && g_ascii_strtoull(u, NULL, 10) >= HOLD_BYTES;
                      }),
                      10000))
    fail_msg("the burner did not charge %u bytes", HOLD_BYTES);
  /* Its direct IO is counted once a device line shows up; how soon depends on how busy the
   * machine is (the burner runs under a 5% quota). */
  if (!itest_wait_for(has_device_line(v1, "blkio.throttle.io_serviced_recursive") ||
                          has_device_line(v1, "blkio.bfq.io_serviced_recursive"),
                      60000))
    fail_msg("the burner's direct IO was not counted in blkio");
  return 0;
}

static int teardown(void **state)
{
  if (burner > 0) /* itest_reap(0) would be kill(0, SIGKILL): this whole process group */
    itest_reap(burner);
  burner = 0;
  g_clear_pointer(&v1, cgfs_cgroup_unref);
  g_clear_pointer(&v2, cgfs_cgroup_unref);
  g_clear_pointer(&sys, cgfs_system_unref);
  itest_cleanup();
  return 0;
}

int main(int argc, char **argv)
{
  if (argc == 3 && strcmp(argv[1], "--burn") == 0)
    burn(argv[2]);
  itest_init();
  self_exe = g_file_read_link("/proc/self/exe", NULL);
  itest_require("memory");
  itest_require("cpuacct");
  itest_require("cpu");
  itest_require("blkio");
  itest_require("pids");
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_v1_agrees_with_kernel),
    cmocka_unit_test(test_v1_exact_values),
    cmocka_unit_test(test_v1_moves_over_time),
    cmocka_unit_test(test_v2_core),
    cmocka_unit_test(test_deleted_cgroup),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
