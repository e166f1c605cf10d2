/* Statistics of whole cgroups on fake trees filled with real file contents (tests/fixtures):
 * the exact JSON, what is left out when the machine lacks it, and malformed files. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "fake-tree.h"
#include "stats-private.h"
#include "unit-common.h"

#define CG "cgfs-test-fixture"

typedef FakeMachine Fixture;

/* Copy every file of FIXTURES_DIR/@fixture into @rel of the tree. */
static void copy_fixture(FakeTree *t, const char *fixture, const char *rel)
{
  g_autofree char *dir = g_build_filename(FIXTURES_DIR, fixture, NULL);
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  assert_non_null(d);
  const char *name;
  while ((name = g_dir_read_name(d))) {
    g_autofree char *src = g_build_filename(dir, name, NULL);
    g_autofree char *content = NULL;
    assert_true(g_file_get_contents(src, &content, NULL, NULL));
    g_autofree char *dst = g_build_filename(rel, name, NULL);
    fake_tree_write(t, dst, content);
  }
}

/* sysfs as this machine has it: vda is 254:0; 2 MB and 1 GB huge pages. */
static void add_sysfs(FakeTree *t)
{
  fake_tree_mkdir(t, "sys/dev/block");
  fake_tree_mkdir(t, "sys/kernel/mm/hugepages/hugepages-2048kB");
  fake_tree_mkdir(t, "sys/kernel/mm/hugepages/hugepages-1048576kB");
  g_autofree char *link = fake_tree_path(t, "sys/dev/block/254:0");
  assert_int_equal(symlink("../../devices/pci0000:00/0000:00:05.0/virtio2/block/vda", link), 0);
}

static Fixture *fixture_new(FakeTree *t, const char *hierarchy)
{
  add_sysfs(t);
  return fake_machine_new(t, hierarchy);
}

/* This machine: v1 hierarchies and the cgroup2 core, the cgroup in all of them. */
static FakeTree *machine_tree(void)
{
  FakeTree *t = fake_tree_new_v1();
  for (const char *const *m = fake_v1_mounts; *m; m++) {
    g_autofree char *fixture = g_strconcat("v1-this-machine/", strrchr(*m, '/') + 1, NULL);
    g_autofree char *rel = g_strconcat(*m, "/" CG, NULL);
    copy_fixture(t, fixture, rel);
  }
  copy_fixture(t, "v1-this-machine/unified", "sys/fs/cgroup/unified/" CG);
  return t;
}

static int setup_v1(void **state)
{
  *state = fixture_new(machine_tree(), "v1");
  return 0;
}

static int setup_machine_v2(void **state)
{
  *state = fixture_new(machine_tree(), "v2");
  return 0;
}

/* A v2 machine with every controller, the cgroup's files those of the kernel documentation. */
static int setup_v2_doc(void **state)
{
  FakeTree *t = fake_tree_new_v2("cpuset cpu io memory hugetlb pids rdma misc");
  copy_fixture(t, "v2-doc", "sys/fs/cgroup/" CG);
  *state = fixture_new(t, "v2");
  return 0;
}

/* The same, the cgroup's files captured in the vm suite's guest (tests/fixtures/v2-guest.txt). */
static int setup_v2_guest(void **state)
{
  FakeTree *t = fake_tree_new_v2("cpuset cpu io memory hugetlb pids rdma misc");
  copy_fixture(t, "v2-guest", "sys/fs/cgroup/" CG);
  *state = fixture_new(t, "v2");
  return 0;
}

static CgfsCgroup *load(Fixture *f)
{
  GError *error = NULL;
  CgfsCgroup *cg = cgfs_cgroup_load(f->h, CGFS_STATIC_PATH("/" CG), &error);
  assert_no_gerror(error);
  return cg;
}

static CgfsStats *stats_of(Fixture *f)
{
  g_autoptr(CgfsCgroup) cg = load(f);
  GError *error = NULL;
  CgfsStats *s = cgfs_cgroup_stats(cg, &error);
  assert_no_gerror(error);
  assert_non_null(s);
  return s;
}

static char *json_of(Fixture *f)
{
  g_autoptr(CgfsStats) s = stats_of(f);
  gsize len;
  char *json = cgfs_stats_to_json(s, &len);
  assert_int_equal(len, strlen(json));
  assert_true(len > 2 && json[len - 1] == '\n');
  g_autoptr(JsonParser) p = json_parser_new();
  GError *error = NULL;
  if (!json_parser_load_from_data(p, json, (gssize)len, &error))
    fail_msg("not JSON: %s\n%s", error->message, json);
  return json;
}

/* @json is exactly FIXTURES_DIR/@name.expected.json (CGFS_UPDATE_GOLDEN=1 rewrites it). */
static void assert_golden(const char *json, const char *name)
{
  g_autofree char *path = g_strdup_printf("%s/%s.expected.json", FIXTURES_DIR, name);
  if (g_getenv("CGFS_UPDATE_GOLDEN"))
    assert_true(g_file_set_contents(path, json, -1, NULL));
  g_autofree char *want = NULL;
  if (!g_file_get_contents(path, &want, NULL, NULL))
    fail_msg("no golden file %s", path);
  if (strcmp(json, want) == 0)
    return;
  guint line = 1;
  const char *a = json, *b = want;
  for (; *a && *a == *b; a++, b++)
    line += *a == '\n';
  fail_msg("%s differs from line %u:\n got: %.80s\nwant: %.80s", path, line, a, b);
}

/* The cgroup's file @file in v1 mount @mount (or "unified", or "" on a v2 tree). */
static char *cg_file(const char *mount, const char *file)
{
  return *mount ? g_strdup_printf("sys/fs/cgroup/%s/" CG "/%s", mount, file)
                : g_strdup_printf("sys/fs/cgroup/" CG "/%s", file);
}

static void write_cg(Fixture *f, const char *mount, const char *file, const char *content)
{
  g_autofree char *rel = cg_file(mount, file);
  fake_tree_write(f->t, rel, content);
}

static void remove_cg(Fixture *f, const char *mount, const char *file)
{
  g_autofree char *rel = cg_file(mount, file);
  g_autofree char *path = fake_tree_path(f->t, rel);
  assert_int_equal(g_unlink(path), 0);
}

/* ---- the fixtures, whole ---- */

static void test_v1_this_machine(void **state)
{
  Fixture *f = *state;
  g_autofree char *json = json_of(f);
  assert_golden(json, "v1-this-machine");

  g_autoptr(CgfsStats) s = stats_of(f);
  assert_int_equal(s->version, 1);
  const CgfsV1Metrics *m = &s->v1;
  /* cpuacct.usage is the sum of usage_percpu */
  assert_true(m->cpu.usage.present);
  assert_int_equal(m->cpu.usage.total, 1508733195);
  assert_int_equal(m->cpu.usage.n_per_cpu, 2);
  assert_int_equal(m->cpu.usage.per_cpu[1], 1457996874);
  /* cpuacct.stat's ticks (user 144, system 6), as containerd: they never add up past total */
  guint64 ns_per_tick = 1000000000 / (guint64)sysconf(_SC_CLK_TCK);
  assert_int_equal(m->cpu.usage.user, 144 * ns_per_tick);
  assert_int_equal(m->cpu.usage.kernel, 6 * ns_per_tick);
  assert_true(m->cpu.usage.user + m->cpu.usage.kernel <= m->cpu.usage.total);
  assert_int_equal(m->cpu.throttling.throttled_periods, 29);
  assert_int_equal(m->memory.cache, 790528);
  assert_int_equal(m->memory.hierarchical_memory_limit, 268435456);
  assert_int_equal(m->memory.hierarchical_swap_limit, 536870912);
  assert_true(CGFS_STATS_HAS(&m->memory, swap_usage));
  assert_int_equal(m->memory.n_extra, 0);
  assert_int_equal(m->memory.usage.limit, 268435456);
  assert_int_equal(m->memory.swap.limit, 536870912);
  assert_true(m->memory.kernel_tcp.present);
  assert_int_equal(m->pids.current, 1);
  assert_int_equal(m->pids.limit, 100);
  assert_true(m->memory_oom_control.present);
  /* no CFQ, BFQ unused: the throttle lists, the device named */
  assert_true(m->blkio.present);
  assert_int_equal(m->blkio.io_service_bytes_recursive.n_entries, 6);
  assert_string_equal(m->blkio.io_service_bytes_recursive.entries[1].op, "Write");
  assert_int_equal(m->blkio.io_service_bytes_recursive.entries[1].value, 8388608);
  assert_string_equal(m->blkio.io_service_bytes_recursive.entries[1].device, "/dev/vda");
  assert_true(m->blkio.io_serviced_recursive.present);
  assert_false(m->blkio.io_queued_recursive.present);
  /* what this machine lacks */
  assert_false(m->hugetlb.present);
  assert_false(m->rdma.present);
}

/* The cgroup2 core of this machine: cpu.stat, cgroup.stat and PSI, no controllers. */
static void test_v2_this_machine_core(void **state)
{
  Fixture *f = *state;
  g_autofree char *json = json_of(f);
  assert_golden(json, "v1-this-machine-unified");
  g_autoptr(CgfsStats) s = stats_of(f);
  assert_int_equal(s->version, 2);
  assert_true(s->v2.cpu.present);
  assert_int_equal(s->v2.cpu.usage_usec, 1659693);
  assert_false(CGFS_STATS_HAS(&s->v2.cpu, nr_periods));
  assert_true(s->v2.cpu.psi.has_full);
  assert_true(s->v2.memory.present); /* memory.pressure only */
  assert_false(CGFS_STATS_HAS(&s->v2.memory, anon));
  assert_true(s->v2.io.psi.present);
  assert_false(s->v2.io.has_usage);
  assert_false(s->v2.pids.present);
  assert_false(s->v2.hugetlb.present);
  assert_false(s->v2.memory_events.present);
  assert_true(s->v2.cgroup_stat.present);
  assert_true(CGFS_STATS_HAS(&s->v2.cgroup_stat, nr_subsys_perf_event));
}

static void test_v2_doc(void **state)
{
  Fixture *f = *state;
  g_autofree char *json = json_of(f);
  assert_golden(json, "v2-doc");
  g_autoptr(CgfsStats) s = stats_of(f);
  const CgfsV2Metrics *m = &s->v2;
  assert_int_equal(m->pids.current, 3);
  assert_true(m->pids.limit == G_MAXUINT64);
  assert_int_equal(m->cpu.throttled_usec, 4129377);
  assert_int_equal(m->memory.anon, 52428800);
  assert_int_equal(m->memory.hugetlb, 0);
  assert_true(CGFS_STATS_HAS(&m->memory, hugetlb));
  assert_false(CGFS_STATS_HAS(&m->memory, workingset_refault));
  assert_int_equal(m->memory.usage, 77070336);
  assert_int_equal(m->memory.usage_limit, 268435456);
  assert_true(m->memory.swap_limit == G_MAXUINT64);
  assert_int_equal(m->memory.max_usage, 81264640);
  assert_int_equal(m->memory_events.max, 4);
  assert_int_equal(m->io.n_usage, 2);
  assert_int_equal(m->io.usage[1].dbytes, 50331648);
  assert_int_equal(m->hugetlb.n_entries, 2);
  assert_string_equal(m->hugetlb.entries[0].pagesize, "2MB");
  assert_true(m->hugetlb.entries[0].max == G_MAXUINT64);
  assert_string_equal(m->hugetlb.entries[1].pagesize, "1GB");
  assert_int_equal(m->hugetlb.entries[1].current, 1073741824);
  assert_int_equal(m->rdma.n_current, 2);
  assert_int_equal(m->rdma.limit[1].hca_objects, G_MAXUINT32);
  assert_int_equal(m->cgroup_stat.nr_dying_subsys_memory, 1);
}

/* Real files of Linux 6.1 (the guest): an OOM kill, a throttled loop, a huge page, direct IO
 * on vda; rdma without devices (empty files); iocost's cost.usage in io.stat. */
static void test_v2_guest(void **state)
{
  Fixture *f = *state;
  g_autofree char *json = json_of(f);
  assert_golden(json, "v2-guest");
  g_autoptr(CgfsStats) s = stats_of(f);
  assert_int_equal(s->version, 2);
  const CgfsV2Metrics *m = &s->v2;
  assert_int_equal(m->pids.current, 1);
  assert_int_equal(m->pids.limit, 64);
  assert_int_equal(m->cpu.usage_usec, 7843682);
  assert_int_equal(m->cpu.nr_throttled, 155);
  assert_int_equal(m->cpu.throttled_usec, 7568004);
  assert_true(m->cpu.psi.has_full);
  assert_int_equal(m->cpu.psi.full.total, 7592460);
  assert_int_equal(m->memory.anon, 106496);
  assert_int_equal(m->memory.file, 8400896);
  assert_int_equal(m->memory.n_extra, 0); /* every key of 6.1's memory.stat is known */
  assert_int_equal(m->memory.usage, 8769536);
  assert_int_equal(m->memory.usage_limit, 67108864);
  assert_int_equal(m->memory.max_usage, 67108864); /* memory.peak: the OOM */
  assert_int_equal(m->memory.swap_limit, 33554432);
  assert_int_equal(m->memory_events.max, 101);
  assert_int_equal(m->memory_events.oom_kill, 1);
  assert_int_equal(m->io.n_usage, 1);
  assert_int_equal(m->io.usage[0].major, 254);
  assert_int_equal(m->io.usage[0].wbytes, 50331648);
  assert_int_equal(m->io.usage[0].rbytes, 34603008);
  assert_int_equal(m->hugetlb.n_entries, 2);
  assert_string_equal(m->hugetlb.entries[0].pagesize, "2MB");
  assert_int_equal(m->hugetlb.entries[0].current, 2097152);
  assert_int_equal(m->hugetlb.entries[0].max, 4194304);
  assert_true(m->hugetlb.entries[1].max == G_MAXUINT64);
  assert_true(m->rdma.present);
  assert_int_equal(m->rdma.n_current, 0);
  assert_int_equal(m->cgroup_stat.nr_descendants, 0);
  assert_false(CGFS_STATS_HAS(&m->cgroup_stat, nr_subsys_cpu)); /* Linux 6.11 */
}

/* ---- what is left out ---- */

static void test_v1_absent_files(void **state)
{
  Fixture *f = *state;
  static const char *const memsw[] = { "memory.memsw.usage_in_bytes", "memory.memsw.limit_in_bytes",
                                       "memory.memsw.max_usage_in_bytes", "memory.memsw.failcnt" };
  for (guint i = 0; i < G_N_ELEMENTS(memsw); i++)
    remove_cg(f, "memory", memsw[i]); /* swap accounting off */
  remove_cg(f, "memory", "memory.oom_control");
  remove_cg(f, "cpuacct", "cpuacct.usage_all"); /* before 4.7 */
  remove_cg(f, "cpuacct", "cpuacct.usage_percpu");
  write_cg(f, "memory", "memory.stat", "cache 5\nrss 6\n"); /* an older kernel's fewer keys */
  g_autoptr(CgfsStats) s = stats_of(f);
  const CgfsV1Metrics *m = &s->v1;
  assert_true(m->memory.present);
  assert_false(m->memory.swap.present);
  assert_true(m->memory.usage.present);
  assert_false(m->memory_oom_control.present);
  assert_true(CGFS_STATS_HAS(&m->memory, rss));
  assert_false(CGFS_STATS_HAS(&m->memory, dirty));
  guint64 ns_per_tick = 1000000000 / (guint64)sysconf(_SC_CLK_TCK);
  g_autofree char *ticks = fake_tree_read(f->t, "sys/fs/cgroup/cpuacct/" CG "/cpuacct.stat");
  guint64 user_ticks = 0, system_ticks = 0;
  assert_int_equal(sscanf(ticks, "user %" G_GUINT64_FORMAT " system %" G_GUINT64_FORMAT,
                          &user_ticks, &system_ticks), 2);
  assert_int_equal(m->cpu.usage.user, user_ticks * ns_per_tick);
  assert_int_equal(m->cpu.usage.kernel, system_ticks * ns_per_tick);
  assert_int_equal(m->cpu.usage.total, 1508733195); /* from cpuacct.usage */
  assert_int_equal(m->cpu.usage.n_per_cpu, 0);

  g_autofree char *json = cgfs_stats_to_json(s, NULL);
  assert_null(strstr(json, "\"swap\""));
  assert_null(strstr(json, "memory_oom_control"));
  assert_null(strstr(json, "\"dirty\""));
  assert_non_null(strstr(json, "\"per_cpu\": []"));
}

/* A subsystem where the cgroup has no directory is left out, not an error. */
static void test_v1_missing_directory(void **state)
{
  Fixture *f = *state;
  g_autofree char *dir = fake_tree_path(f->t, "sys/fs/cgroup/memory/" CG);
  g_autofree char *cmd = g_strdup_printf("rm -r '%s'", dir);
  assert_int_equal(system(cmd), 0);
  g_autofree char *json = json_of(f);
  assert_null(strstr(json, "\"memory\""));
  assert_null(strstr(json, "memory_oom_control"));
  assert_non_null(strstr(json, "\"cpu\""));
}

static void remove_everywhere(Fixture *f, const char *const *mounts)
{
  for (const char *const *m = mounts; *m; m++) {
    g_autofree char *dir = fake_tree_path(f->t, *m);
    g_autofree char *cmd = g_strdup_printf("rm -r '%s/" CG "'", dir);
    assert_int_equal(system(cmd), 0);
  }
}

static void test_v1_deleted(void **state)
{
  Fixture *f = *state;
  g_autoptr(CgfsCgroup) cg = load(f);
  remove_everywhere(f, fake_v1_mounts);
  GError *error = NULL;
  g_autoptr(CgfsStats) s = cgfs_cgroup_stats(cg, &error);
  assert_null(s);
  assert_gerror(error, ENOENT, "cgroup deleted");
  assert_non_null(strstr(error->message, "/" CG));
  g_error_free(error);
}

static void test_v2_deleted(void **state)
{
  Fixture *f = *state;
  g_autoptr(CgfsCgroup) cg = load(f);
  static const char *const mounts[] = { "sys/fs/cgroup", NULL };
  remove_everywhere(f, mounts);
  GError *error = NULL;
  g_autoptr(CgfsStats) s = cgfs_cgroup_stats(cg, &error);
  assert_null(s);
  assert_gerror(error, ENOENT, "cgroup deleted");
  g_error_free(error);
}

/* A v2 cgroup whose parent enabled controllers the root does not show files for. */
static void test_v2_listed_but_missing(void **state)
{
  Fixture *f = *state;
  static const char *const files[] = { "memory.stat", "memory.current", "io.stat",
                                       "pids.current", "pids.max", "hugetlb.2MB.current",
                                       "rdma.current", "memory.pressure" };
  for (guint i = 0; i < G_N_ELEMENTS(files); i++)
    remove_cg(f, "", files[i]);
  g_autoptr(CgfsStats) s = stats_of(f);
  assert_false(s->v2.memory.present);
  assert_false(s->v2.memory_events.present);
  assert_false(s->v2.pids.present);
  assert_false(s->v2.hugetlb.present);
  assert_false(s->v2.rdma.present);
  assert_true(s->v2.io.present); /* io.pressure */
  assert_false(s->v2.io.has_usage);
}

/* Only the files of controllers that cgroup.controllers lists are read. */
static void test_v2_controllers_not_listed(void **state)
{
  Fixture *f = *state;
  write_cg(f, "", "cgroup.controllers", "cpu\n");
  g_autoptr(CgfsStats) s = stats_of(f);
  assert_true(s->v2.cpu.present);
  assert_true(s->v2.memory.present); /* memory.pressure is a core file */
  assert_false(CGFS_STATS_HAS(&s->v2.memory, anon));
  assert_false(s->v2.io.has_usage);
  assert_false(s->v2.pids.present);
  assert_false(s->v2.rdma.present);
  assert_false(s->v2.hugetlb.present);
}

/* ---- sources and names ---- */

static void test_blkio_cfq(void **state)
{
  Fixture *f = *state;
  static const char *const cfq[] = {
    "blkio.io_service_bytes_recursive", "blkio.io_serviced_recursive", "blkio.io_queued_recursive",
    "blkio.io_service_time_recursive", "blkio.io_wait_time_recursive", "blkio.io_merged_recursive",
    "blkio.time_recursive", "blkio.sectors_recursive",
  };
  for (guint i = 0; i < G_N_ELEMENTS(cfq); i++)
    write_cg(f, "blkio", cfq[i], i < 6 ? "8:0 Read 7\n8:0 Write 1\n8:0 Total 8\nTotal 8\n" : "8:0 99\n");
  g_autoptr(CgfsStats) s = stats_of(f);
  const CgfsV1BlkioStat *b = &s->v1.blkio;
  const CgfsV1BlkioList *lists = &b->io_service_bytes_recursive;
  for (guint i = 0; i < 8; i++) {
    assert_true(lists[i].present);
    assert_int_equal(lists[i].entries[0].major, 8);
    assert_null(lists[i].entries[0].device); /* no 8:0 on this (fake) machine */
  }
  assert_int_equal(b->sectors_recursive.entries[0].value, 99);
  assert_string_equal(b->sectors_recursive.entries[0].op, "");
  assert_int_equal(b->io_merged_recursive.n_entries, 3);
  g_autofree char *json = cgfs_stats_to_json(s, NULL);
  assert_null(strstr(json, "\"device\""));
  assert_non_null(strstr(json, "\"sectors_recursive\""));
}

/* CFQ left Linux in 5.0: a newer kernel's stats do not look for its files. */
static void test_kernel_may_have_cfq(void **state)
{
  assert_true(cgfs_kernel_may_have_cfq("4.19.0-26-amd64"));
  assert_true(cgfs_kernel_may_have_cfq("3.10.0-1160.el7.x86_64"));
  assert_false(cgfs_kernel_may_have_cfq("5.0.0"));
  assert_false(cgfs_kernel_may_have_cfq("6.18.44-fc-v595"));
  assert_true(cgfs_kernel_may_have_cfq("")); /* unknown: look */
}

static void test_blkio_bfq_in_use(void **state)
{
  Fixture *f = *state;
  write_cg(f, "blkio", "blkio.bfq.io_serviced_recursive", "254:0 Read 3\n254:0 Total 3\nTotal 3\n");
  write_cg(f, "blkio", "blkio.bfq.io_service_bytes_recursive", "254:0 Read 12288\nTotal 12288\n");
  g_autoptr(CgfsStats) s = stats_of(f);
  const CgfsV1BlkioStat *b = &s->v1.blkio;
  assert_int_equal(b->io_serviced_recursive.n_entries, 2);
  assert_int_equal(b->io_service_bytes_recursive.entries[0].value, 12288);
  assert_string_equal(b->io_service_bytes_recursive.entries[0].device, "/dev/vda");
  assert_false(b->io_queued_recursive.present); /* no CONFIG_BFQ_CGROUP_DEBUG */
}

static void test_unknown_keys_are_kept(void **state)
{
  Fixture *f = *state;
  g_autofree char *stat = fake_tree_read(f->t, "sys/fs/cgroup/" CG "/cpu.stat");
  g_autofree char *more = g_strconcat(stat, "core_sched.force_idle_usec 3\nnew.thing 9\n", NULL);
  write_cg(f, "", "cpu.stat", more);
  write_cg(f, "", "memory.events", "low 1\nfuture_event 2\n");
  g_autoptr(CgfsStats) s = stats_of(f);
  assert_int_equal(s->v2.cpu.core_sched_force_idle_usec, 3);
  assert_int_equal(s->v2.cpu.n_extra, 1);
  assert_string_equal(s->v2.cpu.extra[0].key, "new.thing");
  g_autofree char *json = cgfs_stats_to_json(s, NULL);
  assert_non_null(strstr(json, "\"core_sched_force_idle_usec\": 3,"));
  assert_non_null(strstr(json, "\"new_thing\": 9,"));
  assert_non_null(strstr(json, "\"memory_events\": {\n    \"low\": 1,\n    \"future_event\": 2\n  }"));
}

/* A file larger than the read buffer is read whole. */
static void test_large_file(void **state)
{
  Fixture *f = *state;
  g_autoptr(GString) big = g_string_new("cache 1\n");
  for (guint i = 0; i < 2000; i++)
    g_string_append_printf(big, "future_counter_number_%u %u\n", i, i);
  g_string_append(big, "total_unevictable 42\n");
  assert_true(big->len > 40000);
  write_cg(f, "memory", "memory.stat", big->str);
  g_autoptr(CgfsStats) s = stats_of(f);
  assert_int_equal(s->v1.memory.cache, 1);
  assert_int_equal(s->v1.memory.total_unevictable, 42);
  assert_int_equal(s->v1.memory.n_extra, 2000);
  assert_string_equal(s->v1.memory.extra[1999].key, "future_counter_number_1999");
  assert_int_equal(s->v1.memory.extra[1999].value, 1999);
}

/* v1 hugetlb and rdma, which this machine does not mount. */
static int setup_v1_hugetlb_rdma(void **state)
{
  FakeTree *t = fake_tree_new();
  fake_tree_write(t, "proc/self/mountinfo",
                  "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
                  "42 31 0:39 / /sys/fs/cgroup/hugetlb rw,relatime - cgroup cgroup rw,hugetlb\n"
                  "43 31 0:40 / /sys/fs/cgroup/rdma rw,relatime - cgroup cgroup rw,rdma\n");
  fake_tree_write(t, "proc/self/cgroup", "11:hugetlb:/\n12:rdma:/\n");
  const char *hugetlb = "sys/fs/cgroup/hugetlb/" CG "/";
  static const char *const files[][2] = {
    { "hugetlb.2MB.usage_in_bytes", "4194304\n" }, { "hugetlb.2MB.max_usage_in_bytes", "8388608\n" },
    { "hugetlb.2MB.failcnt", "2\n" },              { "hugetlb.2MB.limit_in_bytes", "9223372036854771712\n" },
    { "hugetlb.1GB.usage_in_bytes", "0\n" },       { "hugetlb.1GB.max_usage_in_bytes", "0\n" },
    { "hugetlb.1GB.failcnt", "0\n" },              { "cgroup.procs", "" },
  };
  for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
    g_autofree char *rel = g_strconcat(hugetlb, files[i][0], NULL);
    fake_tree_write(t, rel, files[i][1]);
  }
  fake_tree_write(t, "sys/fs/cgroup/rdma/" CG "/rdma.current", "mlx4_0 hca_handle=1 hca_object=20\n");
  fake_tree_write(t, "sys/fs/cgroup/rdma/" CG "/rdma.max", "mlx4_0 hca_handle=2 hca_object=max\n");
  fake_tree_write(t, "sys/fs/cgroup/rdma/" CG "/cgroup.procs", "");
  *state = fixture_new(t, "v1");
  return 0;
}

static void test_v1_hugetlb_rdma(void **state)
{
  Fixture *f = *state;
  g_autofree char *json = json_of(f);
  assert_golden(json, "v1-hugetlb-rdma");
  g_autoptr(CgfsStats) s = stats_of(f);
  const CgfsV1Metrics *m = &s->v1;
  assert_int_equal(m->hugetlb.n_entries, 2);
  assert_string_equal(m->hugetlb.entries[0].pagesize, "2MB");
  assert_int_equal(m->hugetlb.entries[0].max, 8388608);
  assert_int_equal(m->hugetlb.entries[0].failcnt, 2);
  assert_string_equal(m->rdma.limit[0].device, "mlx4_0");
  assert_int_equal(m->rdma.limit[0].hca_objects, G_MAXUINT32);
  assert_false(m->memory.present);
  assert_false(m->cpu.present);
}

/* ---- malformed files ---- */

typedef struct {
  const char *mount;
  const char *file;
  const char *content;
  const char *message; /* after the cgroup's directory */
} Malformed;

static void check_malformed(Fixture *f, const Malformed *cases, guint n)
{
  g_autoptr(CgfsCgroup) cg = load(f);
  for (guint i = 0; i < n; i++) {
    const Malformed *c = &cases[i];
    g_autofree char *rel = cg_file(c->mount, c->file);
    g_autofree char *saved = fake_tree_read(f->t, rel);
    fake_tree_write(f->t, rel, c->content);
    GError *error = NULL;
    g_autoptr(CgfsStats) s = cgfs_cgroup_stats(cg, &error);
    assert_null(s);
    g_autofree char *dir = cg_file(c->mount, "");
    g_autofree char *want = g_strconcat(dir, c->message, NULL);
    assert_gerror(error, EBADMSG, want);
    g_error_free(error);
    if (saved)
      fake_tree_write(f->t, rel, saved);
    else
      remove_cg(f, c->mount, c->file);
  }
}

static void test_v1_malformed(void **state)
{
  static const Malformed cases[] = {
    { "memory", "memory.stat", "cache 1\nrss 2\nshmem three\n",
      "memory.stat line 3: invalid file format: the value is not an unsigned integer: 'shmem three'" },
    { "memory", "memory.usage_in_bytes", "lots\n", "memory.usage_in_bytes line 1: invalid file format" },
    { "memory", "memory.oom_control", "oom_kill_disable 0\nunder_oom\n", "memory.oom_control line 2:" },
    { "cpu", "cpu.stat", "nr_periods 1\nnr_throttled 1\nthrottled_time 1.5\n", "cpu.stat line 3:" },
    { "cpuacct", "cpuacct.usage_percpu", "1 2 three\n", "cpuacct.usage_percpu line 1:" },
    { "cpuacct", "cpuacct.stat", "user 1\nsystem two\n", "cpuacct.stat line 2:" },
    { "pids", "pids.max", "maximum\n", "pids.max line 1:" },
    { "blkio", "blkio.throttle.io_serviced_recursive", "254:0 Read 1\n254:0 Write\nTotal 1\n",
      "blkio.throttle.io_serviced_recursive line 2:" },
  };
  check_malformed(*state, cases, G_N_ELEMENTS(cases));
}

static void test_v2_malformed(void **state)
{
  static const Malformed cases[] = {
    { "", "cpu.stat", "usage_usec x\n", "cpu.stat line 1: invalid file format" },
    { "", "cpu.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull\n", "cpu.pressure line 2:" },
    { "", "memory.stat", "anon 1\nfile 2\n\nkernel\n", "memory.stat line 4:" },
    { "", "memory.max", "unlimited\n", "memory.max line 1:" },
    { "", "memory.events", "low 0\nhigh -1\n", "memory.events line 2:" },
    { "", "io.stat", "8:16 rbytes=1\n8:0 rbytes=x\n", "io.stat line 2:" },
    { "", "hugetlb.1GB.max", "1G\n", "hugetlb.1GB.max line 1:" },
    { "", "rdma.max", "mlx4_0 hca_handle=2\n", "rdma.max line 1:" },
    { "", "cgroup.stat", "nr_descendants\n", "cgroup.stat line 1:" },
  };
  check_malformed(*state, cases, G_N_ELEMENTS(cases));
}

/* Stats from several threads at once share the system's cache safely. */
static gpointer read_stats_thread(gpointer data)
{
  Fixture *f = data;
  for (guint i = 0; i < 200; i++) {
    g_autoptr(CgfsStats) s = stats_of(f);
    g_free(cgfs_stats_to_json(s, NULL));
  }
  return NULL;
}

static void test_threads(void **state)
{
  Fixture *f = *state;
  GThread *threads[4];
  for (guint i = 0; i < G_N_ELEMENTS(threads); i++)
    threads[i] = g_thread_new("stats", read_stats_thread, f);
  for (guint i = 0; i < G_N_ELEMENTS(threads); i++)
    g_thread_join(threads[i]);
}

static void test_free_null(void **state)
{
  cgfs_stats_free(NULL);
}

#define V1(t) cmocka_unit_test_setup_teardown(t, setup_v1, fake_machine_teardown)
#define V2(t) cmocka_unit_test_setup_teardown(t, setup_v2_guest, fake_machine_teardown)

int main(void)
{
  const struct CMUnitTest tests[] = {
    V1(test_v1_this_machine),
    cmocka_unit_test_setup_teardown(test_v2_this_machine_core, setup_machine_v2, fake_machine_teardown),
    V2(test_v2_guest),
    cmocka_unit_test_setup_teardown(test_v2_doc, setup_v2_doc, fake_machine_teardown),
    V1(test_v1_absent_files),
    V1(test_v1_missing_directory),
    V1(test_v1_deleted),
    V2(test_v2_deleted),
    V2(test_v2_listed_but_missing),
    V2(test_v2_controllers_not_listed),
    V1(test_blkio_cfq),
    V1(test_blkio_bfq_in_use),
    cmocka_unit_test(test_kernel_may_have_cfq),
    V2(test_unknown_keys_are_kept),
    V1(test_large_file),
    cmocka_unit_test_setup_teardown(test_v1_hugetlb_rdma, setup_v1_hugetlb_rdma, fake_machine_teardown),
    V1(test_v1_malformed),
    V2(test_v2_malformed),
    V1(test_threads),
    V2(test_threads),
    cmocka_unit_test(test_free_null),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
