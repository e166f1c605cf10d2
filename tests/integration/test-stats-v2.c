/* Stats of a real cgroup v2 with every controller (the vm suite's guest; skipped where the
 * cgroup2 mount gives its children no controllers, as on this machine, whose v2 core
 * test-stats.c covers). A process burns CPU under cpu.max, holds memory and, in the guest, does
 * direct IO on the scratch disk /dev/vda. Every counter of cpu.stat, memory.stat,
 * memory.events, io.stat, pids, hugetlb, cgroup.stat and the PSI totals lies between the
 * kernel's values read just before and just after the stats; they move the right way. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-glib/json-glib.h>

#include "itest.h"

#define HOLD_BYTES (32u << 20)
#define ATTEMPTS 20

static CgfsSystem *sys;
static CgfsCgroup *cg;
static char *dir;
static pid_t burner;
static gboolean did_io;

/* ---- the burner: "itest-stats-v2 --burn PATH [DISK]" ---- */

static G_NORETURN void burn(const char *path, const char *disk)
{
  while (!itest_self_in(path, (const char *const[]){ "", NULL }))
    g_usleep(1000);
  volatile char *mem = g_malloc(HOLD_BYTES);
  for (gsize i = 0; i < HOLD_BYTES; i += 4096)
    mem[i] = 1;
  void *block = NULL;
  int fd = disk ? open(disk, O_RDWR | O_DIRECT | O_CLOEXEC) : -1;
  if (fd >= 0 && posix_memalign(&block, 4096, 1 << 20) == 0) {
    memset(block, 3, 1 << 20);
    for (int i = 0; i < 4; i++)
      (void)!pwrite(fd, block, 1 << 20, (off_t)i << 20);
    (void)!pread(fd, block, 1 << 20, 0);
  }
  for (volatile guint64 n = 0;; n++)
    ;
}

/* ---- the kernel's files ---- */

static char *ktext(const char *file)
{
  g_autofree char *path = g_build_filename(dir, file, NULL);
  char *text = itest_read(path);
  if (!text)
    fail_msg("cannot read %s", path);
  return text;
}

/* "key value" lines as key -> value. */
static GHashTable *kflat(const char *file)
{
  g_autofree char *text = ktext(file);
  GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++) {
    g_auto(GStrv) kv = g_strsplit(*l, " ", 2);
    if (g_strv_length(kv) != 2)
      continue;
    guint64 *v = g_new(guint64, 1);
    *v = g_ascii_strtoull(kv[1], NULL, 10);
    g_hash_table_insert(t, g_strdup(kv[0]), v);
  }
  return t;
}

/* io.stat and the *.pressure files as "DEV.key" / "some.total" -> value. */
static GHashTable *kkeyed(const char *file)
{
  g_autofree char *text = ktext(file);
  GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++) {
    g_auto(GStrv) f = g_strsplit(*l, " ", -1);
    for (guint i = 1; f[0] && f[i]; i++) {
      g_auto(GStrv) kv = g_strsplit(f[i], "=", 2);
      if (g_strv_length(kv) != 2 || strchr(kv[1], '.'))
        continue; /* the averages are not counters */
      guint64 *v = g_new(guint64, 1);
      *v = g_ascii_strtoull(kv[1], NULL, 10);
      g_hash_table_insert(t, g_strdup_printf("%s.%s", f[0], kv[0]), v);
    }
  }
  return t;
}

typedef struct {
  GHashTable *cpu, *memory, *events, *cgroup, *io, *cpu_psi, *memory_psi, *io_psi;
  guint64 current, pids, hugetlb;
} Kernel;

static void kernel_read(Kernel *k)
{
  k->cpu = kflat("cpu.stat");
  k->memory = kflat("memory.stat");
  k->events = kflat("memory.events");
  k->cgroup = kflat("cgroup.stat");
  k->io = kkeyed("io.stat");
  k->cpu_psi = kkeyed("cpu.pressure");
  k->memory_psi = kkeyed("memory.pressure");
  k->io_psi = kkeyed("io.pressure");
  g_autofree char *current = ktext("memory.current"), *pids = ktext("pids.current"),
                  *huge = ktext("hugetlb.2MB.current");
  k->current = g_ascii_strtoull(current, NULL, 10);
  k->pids = g_ascii_strtoull(pids, NULL, 10);
  k->hugetlb = g_ascii_strtoull(huge, NULL, 10);
}

static void kernel_clear(Kernel *k)
{
  GHashTable **tables[] = { &k->cpu, &k->memory, &k->events, &k->cgroup, &k->io,
                            &k->cpu_psi, &k->memory_psi, &k->io_psi };
  for (guint i = 0; i < G_N_ELEMENTS(tables); i++)
    g_clear_pointer(tables[i], g_hash_table_unref);
}

/* ---- agreement ---- */

typedef struct {
  guint failures;
  GString *why;
} Agree;

static void between(Agree *a, const char *what, guint64 before, guint64 got, guint64 after)
{
  if (got >= MIN(before, after) && got <= MAX(before, after))
    return;
  a->failures++;
  g_string_append_printf(a->why, "%s: %" G_GUINT64_FORMAT " not in [%" G_GUINT64_FORMAT
                         ", %" G_GUINT64_FORMAT "]\n", what, got, before, after);
}

static JsonObject *member(JsonObject *o, const char *path)
{
  g_auto(GStrv) parts = g_strsplit(path, ".", -1);
  for (char **p = parts; *p && o; p++) {
    if (!json_object_has_member(o, *p))
      return NULL;
    o = json_object_get_object_member(o, *p);
  }
  return o;
}

/* Every key of the kernel table is a number in the JSON object @at (its '.' made '_'). */
static void agree_table(Agree *a, JsonObject *root, const char *at, GHashTable *before,
                        GHashTable *after)
{
  JsonObject *o = member(root, at);
  if (!o) {
    a->failures++;
    g_string_append_printf(a->why, "no %s in the JSON\n", at);
    return;
  }
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, before);
  while (g_hash_table_iter_next(&it, &key, &value)) {
    g_autofree char *name = g_strdelimit(g_strdup(key), ".", '_');
    g_autofree char *what = g_strconcat(at, ".", name, NULL);
    guint64 *end = g_hash_table_lookup(after, key);
    if (!json_object_has_member(o, name) || !end) {
      a->failures++;
      g_string_append_printf(a->why, "%s missing\n", what);
      continue;
    }
    between(a, what, *(guint64 *)value, (guint64)json_object_get_int_member(o, name), *end);
  }
}

static guint64 lookup(GHashTable *t, const char *key)
{
  guint64 *v = g_hash_table_lookup(t, key);
  return v ? *v : G_MAXUINT64;
}

static void agree_psi(Agree *a, const char *what, const CgfsPsiStats *psi, GHashTable *before,
                      GHashTable *after)
{
  g_autofree char *some = g_strconcat(what, ".some.total", NULL);
  between(a, some, lookup(before, "some.total"), psi->some.total, lookup(after, "some.total"));
  if (psi->has_full) {
    g_autofree char *full = g_strconcat(what, ".full.total", NULL);
    between(a, full, lookup(before, "full.total"), psi->full.total, lookup(after, "full.total"));
  }
}

static void agree_io(Agree *a, const CgfsV2IoStat *io, GHashTable *before, GHashTable *after)
{
  static const char *const keys[] = { "rbytes", "wbytes", "rios", "wios", "dbytes", "dios" };
  for (guint i = 0; i < io->n_usage; i++) {
    const CgfsV2IoEntry *e = &io->usage[i];
    const guint64 got[] = { e->rbytes, e->wbytes, e->rios, e->wios, e->dbytes, e->dios };
    for (guint k = 0; k < G_N_ELEMENTS(keys); k++) {
      g_autofree char *key = g_strdup_printf("%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT ".%s",
                                             e->major, e->minor, keys[k]);
      between(a, key, lookup(before, key), got[k], lookup(after, key));
    }
  }
  guint lines = 0; /* io.stat lines: one rbytes each (iocost adds cost.* keys) */
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init(&it, before);
  while (g_hash_table_iter_next(&it, &key, NULL))
    lines += g_str_has_suffix(key, ".rbytes");
  if (io->n_usage != lines) {
    a->failures++;
    g_string_append_printf(a->why, "io.usage has %u entries, io.stat %u lines\n", io->n_usage,
                           lines);
  }
}

static guint attempt(GString *why)
{
  Kernel k0, k1;
  GError *error = NULL;
  kernel_read(&k0);
  g_autoptr(CgfsStats) s = cgfs_cgroup_stats(cg, &error);
  kernel_read(&k1);
  assert_no_gerror(error);
  assert_int_equal(s->version, 2);
  g_autofree char *text = cgfs_stats_to_json(s, NULL);
  g_autoptr(JsonNode) json = json_from_string(text, &error);
  assert_no_gerror(error);
  JsonObject *root = json_node_get_object(json);
  Agree a = { 0, why };
  agree_table(&a, root, "cpu", k0.cpu, k1.cpu);
  agree_table(&a, root, "memory", k0.memory, k1.memory);
  agree_table(&a, root, "memory_events", k0.events, k1.events);
  agree_table(&a, root, "cgroup_stat", k0.cgroup, k1.cgroup);
  agree_io(&a, &s->v2.io, k0.io, k1.io);
  agree_psi(&a, "cpu.psi", &s->v2.cpu.psi, k0.cpu_psi, k1.cpu_psi);
  agree_psi(&a, "memory.psi", &s->v2.memory.psi, k0.memory_psi, k1.memory_psi);
  agree_psi(&a, "io.psi", &s->v2.io.psi, k0.io_psi, k1.io_psi);
  between(&a, "memory.current", k0.current, s->v2.memory.usage, k1.current);
  between(&a, "pids.current", k0.pids, s->v2.pids.current, k1.pids);
  between(&a, "hugetlb.2MB.current", k0.hugetlb, s->v2.hugetlb.entries[0].current, k1.hugetlb);
  kernel_clear(&k0);
  kernel_clear(&k1);
  return a.failures;
}

/* A gauge can move both ways between the reads: a few attempts are allowed. */
static void test_agrees_with_kernel(void **state)
{
  g_autoptr(GString) why = g_string_new(NULL);
  for (guint i = 0; i < ATTEMPTS; i++) {
    g_string_truncate(why, 0);
    if (attempt(why) == 0)
      return;
  }
  fail_msg("stats disagree with the kernel in every attempt; the last:\n%s", why->str);
}

static void test_exact_values(void **state)
{
  GError *error = NULL;
  g_autoptr(CgfsStats) s = cgfs_cgroup_stats(cg, &error);
  assert_no_gerror(error);
  const CgfsV2Metrics *m = &s->v2;
  assert_true(m->cpu.present && m->memory.present && m->pids.present && m->io.present);
  assert_true(m->memory_events.present && m->hugetlb.present && m->cgroup_stat.present);
  assert_int_equal(m->pids.current, 1);
  assert_int_equal(m->pids.limit, 64);
  assert_int_equal(m->memory.usage_limit, 268435456);
  assert_true(m->memory.usage >= HOLD_BYTES);
  assert_true(m->memory.anon >= HOLD_BYTES);
  assert_true(m->memory.max_usage >= m->memory.usage);
  assert_true(m->cpu.psi.present && m->memory.psi.present && m->io.psi.present);
  assert_string_equal(m->hugetlb.entries[0].pagesize, "2MB");
  if (did_io) {
    struct stat st;
    assert_int_equal(stat("/dev/vda", &st), 0);
    gboolean found = FALSE;
    for (guint i = 0; i < m->io.n_usage; i++)
      if (m->io.usage[i].major == major(st.st_rdev) && m->io.usage[i].minor == minor(st.st_rdev))
        found = m->io.usage[i].wbytes >= (4u << 20) && m->io.usage[i].rbytes >= (1u << 20);
    assert_true(found);
  }
}

static void test_moves_over_time(void **state)
{
  GError *error = NULL;
  g_autoptr(CgfsStats) s0 = cgfs_cgroup_stats(cg, &error);
  assert_no_gerror(error);
  /* Wait for the burner to be throttled again: how soon depends on how busy the machine is. The
   * kernel counts a throttle when it starts (nr_throttled) but adds its time when it ends
   * (throttled_usec), so both are waited for. */
  g_autoptr(CgfsStats) s1 = NULL;
  for (guint i = 0; i < 300; i++) {
    g_usleep(100000);
    g_clear_pointer(&s1, cgfs_stats_free);
    s1 = cgfs_cgroup_stats(cg, &error);
    assert_no_gerror(error);
    if (s1->v2.cpu.nr_throttled > s0->v2.cpu.nr_throttled &&
        s1->v2.cpu.throttled_usec > s0->v2.cpu.throttled_usec &&
        s1->v2.cpu.usage_usec > s0->v2.cpu.usage_usec)
      break;
  }
  const CgfsV2CpuStat *c0 = &s0->v2.cpu, *c1 = &s1->v2.cpu;
  assert_true(c1->usage_usec > c0->usage_usec);
  assert_true(c1->user_usec + c1->system_usec >= c0->user_usec + c0->system_usec);
  assert_true(c1->nr_periods > c0->nr_periods);
  assert_true(c1->nr_throttled > c0->nr_throttled);
  assert_true(c1->throttled_usec > c0->throttled_usec);
  assert_true(c1->psi.some.total >= c0->psi.some.total);
}

/* ---- setup ---- */

static gboolean has_controllers(const char *mount)
{
  g_autofree char *path = g_build_filename(mount, "cgroup.subtree_control", NULL);
  g_autofree char *enabled = itest_read(path);
  g_auto(GStrv) words = g_strsplit(enabled ? enabled : "", " ", -1);
  for (const char *const *c = (const char *const[]){ "cpu", "io", "memory", "hugetlb", "pids",
                                                     NULL };
       *c; c++)
    if (!g_strv_contains((const char *const *)words, *c))
      return FALSE;
  return TRUE;
}

/* Whether io.stat shows the burner's 4 MiB written and 1 MiB read on @disk. */
static gboolean io_counted(const char *disk)
{
  struct stat st;
  if (stat(disk, &st) != 0)
    return FALSE;
  g_autofree char *dev = g_strdup_printf("%u:%u ", major(st.st_rdev), minor(st.st_rdev));
  g_autofree char *text = ktext("io.stat");
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++) {
    if (!g_str_has_prefix(*l, dev))
      continue;
    const char *r = strstr(*l, "rbytes="), *w = strstr(*l, "wbytes=");
    return r && w && g_ascii_strtoull(r + 7, NULL, 10) >= (1u << 20) &&
           g_ascii_strtoull(w + 7, NULL, 10) >= (4u << 20);
  }
  return FALSE;
}

static void write_limit(const char *file, const char *value)
{
  g_autofree char *path = g_build_filename(dir, file, NULL);
  if (!itest_write(path, value))
    fail_msg("cannot write %s to %s: %s", value, path, g_strerror(errno));
}

int main(int argc, char **argv)
{
  if (argc >= 3 && strcmp(argv[1], "--burn") == 0)
    burn(argv[2], argc > 3 ? argv[3] : NULL);
  itest_init();
  itest_require("unified");
  GError *error = NULL;
  sys = cgfs_system_new(&error);
  g_autoptr(CgfsHierarchy) h = cgfs_hierarchy_v2(sys, &error);
  const char *mount = cgfs_hierarchy_subsystem(h, 0)->mount->dir;
  if (!has_controllers(mount)) {
    fprintf(stderr, "skipped: %s gives its children no cpu io memory hugetlb pids (test-stats.c "
            "covers this machine's v2 core; the vm suite runs this test in a guest)\n", mount);
    return 77;
  }
  char host[64] = "";
  gethostname(host, sizeof host - 1);
  /* the guest's scratch disk is the test's to write; nothing else is */
  did_io = strcmp(host, "cgfs-vm") == 0 && access("/dev/vda", W_OK) == 0;
  g_autofree char *path = itest_name("stats");
  cg = cgfs_cgroup_new(h, CGFS_STATIC_PATH(path), NULL, &error);
  assert_no_gerror(error);
  dir = g_strconcat(mount, path, NULL);
  write_limit("cpu.max", "50000 100000"); /* half a CPU: throttled every period */
  write_limit("memory.max", "268435456");
  write_limit("pids.max", "64");
  g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
  const char *const args[] = { self, "--burn", path, did_io ? "/dev/vda" : NULL, NULL };
  burner = itest_spawn(args);
  if (!cgfs_cgroup_add_process(cg, burner, NULL, &error))
    fail_msg("cannot move the burner: %s", error->message);
  if (!itest_wait_for(({
                        g_autofree char *u = ktext("memory.current");
                        g_ascii_strtoull(u, NULL, 10) >= HOLD_BYTES;
                      }),
                      30000))
    fail_msg("the burner did not charge %u bytes", HOLD_BYTES);
  /* Its direct IO is counted in io.stat once done; how soon depends on how busy the machine is. */
  if (did_io && !itest_wait_for(io_counted("/dev/vda"), 60000))
    fail_msg("the burner's direct IO on /dev/vda was not counted in io.stat");
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_agrees_with_kernel),
    cmocka_unit_test(test_exact_values),
    cmocka_unit_test(test_moves_over_time),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  itest_reap(burner);
  cgfs_cgroup_unref(cg);
  cgfs_system_unref(sys);
  g_free(dir);
  itest_cleanup();
  return failed;
}
