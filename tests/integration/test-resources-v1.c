/* Resources on this machine's real cgroup v1 hierarchies (root): every kernel file after a full
 * document, kernel refusals rolled back (EBUSY below the usage of a process holding memory,
 * ENODEV for a missing disk), memory+swap and CFS quota+period in both directions, read-back
 * written back unchanged. Every check reads the kernel's own files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib/gstdio.h>

#include "itest.h"

#define MiB (1024 * 1024)

static CgfsHierarchy *hierarchy;
static unsigned disk_major, disk_minor;
static gboolean have_disk;

/* The kernel file @file of cgroup @cg in @subsystem's hierarchy, or NULL. */
static char *kread(const char *subsystem, const char *cg, const char *file)
{
  const CgfsSubsystem *s = cgfs_hierarchy_find(hierarchy, subsystem);
  assert_non_null(s);
  g_autofree char *path = g_strdup_printf("%s%s/%s", s->mount->dir, cg, file);
  return itest_read(path);
}

static void assert_kfile(const char *subsystem, const char *cg, const char *file,
                         const char *want)
{
  g_autofree char *got = kread(subsystem, cg, file);
  if (!got || strcmp(got, want) != 0)
    fail_msg("%s %s/%s holds '%s', wanted '%s'", subsystem, cg, file, got ? got : "(unreadable)",
             want);
}

static gboolean kwrite(const char *subsystem, const char *cg, const char *file, const char *value)
{
  const CgfsSubsystem *s = cgfs_hierarchy_find(hierarchy, subsystem);
  g_autofree char *path = g_strdup_printf("%s%s/%s", s->mount->dir, cg, file);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return FALSE;
  gboolean ok = write(fd, value, strlen(value)) == (ssize_t)strlen(value);
  close(fd);
  return ok;
}

static CgfsResources *parse(const char *json)
{
  GError *error = NULL;
  CgfsResources *r = cgfs_resources_from_json(json, -1, &error);
  assert_no_gerror(error);
  return r;
}

static CgfsCgroup *make(const char *path, const char *json)
{
  g_autoptr(CgfsResources) r = json ? parse(json) : NULL;
  GError *error = NULL;
  CgfsCgroup *cg = cgfs_cgroup_new(hierarchy, CGFS_STATIC_PATH(path), r, &error);
  assert_no_gerror(error);
  return cg;
}

static void update_ok(CgfsCgroup *cg, const char *json)
{
  g_autoptr(CgfsResources) r = parse(json);
  GError *error = NULL;
  if (!cgfs_cgroup_update(cg, r, &error))
    fail_msg("%s: %s", json, error->message);
}

/* The control files an update may touch, as the kernel shows them. */
static const char *const control_files[][2] = {
  { "memory", "memory.limit_in_bytes" },    { "memory", "memory.memsw.limit_in_bytes" },
  { "memory", "memory.soft_limit_in_bytes" }, { "memory", "memory.kmem.tcp.limit_in_bytes" },
  { "memory", "memory.swappiness" },        { "memory", "memory.oom_control" },
  { "memory", "memory.use_hierarchy" },     { "cpu", "cpu.shares" },
  { "cpu", "cpu.cfs_quota_us" },            { "cpu", "cpu.cfs_period_us" },
  { "cpu", "cpu.cfs_burst_us" },            { "cpu", "cpu.rt_runtime_us" },
  { "cpu", "cpu.rt_period_us" },            { "cpu", "cpu.idle" },
  { "cpuset", "cpuset.cpus" },              { "cpuset", "cpuset.mems" },
  { "pids", "pids.max" },                   { "blkio", "blkio.bfq.weight" },
  { "blkio", "blkio.throttle.read_bps_device" }, { "blkio", "blkio.throttle.write_bps_device" },
  { "blkio", "blkio.throttle.read_iops_device" }, { "blkio", "blkio.throttle.write_iops_device" },
  { "devices", "devices.list" },
};

static GPtrArray *snapshot(const char *cg)
{
  GPtrArray *s = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < G_N_ELEMENTS(control_files); i++) {
    char *v = kread(control_files[i][0], cg, control_files[i][1]);
    g_ptr_array_add(s, v ? v : g_strdup("(unreadable)"));
  }
  return s;
}

static void assert_unchanged(const char *cg, GPtrArray *before)
{
  g_autoptr(GPtrArray) now = snapshot(cg);
  for (guint i = 0; i < G_N_ELEMENTS(control_files); i++)
    if (strcmp(before->pdata[i], now->pdata[i]) != 0)
      fail_msg("%s changed: '%s' -> '%s'", control_files[i][1], (char *)before->pdata[i],
               (char *)now->pdata[i]);
}

/* The whole disk that holds /, for the throttle files. */
static gboolean find_disk(void)
{
  struct stat st;
  if (stat("/", &st) != 0 || major(st.st_dev) == 0)
    return FALSE;
  g_autofree char *link = g_strdup_printf("/sys/dev/block/%u:%u", major(st.st_dev),
                                          minor(st.st_dev));
  g_autofree char *real = realpath(link, NULL);
  if (!real)
    return FALSE;
  g_autofree char *part = g_build_filename(real, "partition", NULL);
  g_autofree char *disk = g_access(part, F_OK) == 0 ? g_path_get_dirname(real) : g_strdup(real);
  g_autofree char *devfile = g_build_filename(disk, "dev", NULL);
  g_autofree char *dev = itest_read(devfile);
  return dev && sscanf(dev, "%u:%u", &disk_major, &disk_minor) == 2;
}

static int setup(void **state)
{
  return 0;
}

static int teardown(void **state)
{
  itest_cleanup();
  return 0;
}

static char *full_document(void)
{
  g_autofree char *blkio = have_disk
      ? g_strdup_printf(", \"blockIO\": {\"weight\": 200,"
                        " \"throttleReadBpsDevice\": [{\"major\": %u, \"minor\": %u, \"rate\": 1048576}],"
                        " \"throttleWriteBpsDevice\": [{\"major\": %u, \"minor\": %u, \"rate\": 2097152}],"
                        " \"throttleReadIOPSDevice\": [{\"major\": %u, \"minor\": %u, \"rate\": 100}],"
                        " \"throttleWriteIOPSDevice\": [{\"major\": %u, \"minor\": %u, \"rate\": 200}]}",
                        disk_major, disk_minor, disk_major, disk_minor, disk_major, disk_minor,
                        disk_major, disk_minor)
      : g_strdup(", \"blockIO\": {\"weight\": 200}");
  return g_strdup_printf(
      "{\"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
      "   {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3, \"access\": \"rwm\"},"
      "   {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 5, \"access\": \"rw\"},"
      "   {\"allow\": true, \"type\": \"c\", \"major\": 136, \"access\": \"rwm\"}],"
      " \"memory\": {\"limit\": %d, \"reservation\": %d, \"swap\": %d, \"kernel\": -1,"
      "   \"kernelTCP\": %d, \"swappiness\": 10, \"disableOOMKiller\": true, \"useHierarchy\": true},"
      " \"cpu\": {\"shares\": 512, \"quota\": 50000, \"period\": 100000, \"burst\": 20000,"
      "   \"realtimeRuntime\": 10000, \"realtimePeriod\": 1000000, \"cpus\": \"0\", \"mems\": \"0\","
      "   \"idle\": 0},"
      " \"pids\": {\"limit\": 64}%s}",
      64 * MiB, 32 * MiB, 128 * MiB, 16 * MiB, blkio);
}

static void test_full_document(void **state)
{
  g_autofree char *path = itest_name("full");
  g_autofree char *doc = full_document();
  g_autoptr(CgfsCgroup) cg = make(path, doc);
  assert_kfile("memory", path, "memory.limit_in_bytes", "67108864");
  assert_kfile("memory", path, "memory.memsw.limit_in_bytes", "134217728");
  assert_kfile("memory", path, "memory.soft_limit_in_bytes", "33554432");
  assert_kfile("memory", path, "memory.kmem.tcp.limit_in_bytes", "16777216");
  assert_kfile("memory", path, "memory.swappiness", "10");
  assert_kfile("memory", path, "memory.use_hierarchy", "1");
  g_autofree char *oom = kread("memory", path, "memory.oom_control");
  assert_true(g_str_has_prefix(oom, "oom_kill_disable 1\n"));
  assert_kfile("cpu", path, "cpu.shares", "512");
  assert_kfile("cpu", path, "cpu.cfs_quota_us", "50000");
  assert_kfile("cpu", path, "cpu.cfs_period_us", "100000");
  assert_kfile("cpu", path, "cpu.cfs_burst_us", "20000");
  assert_kfile("cpu", path, "cpu.rt_runtime_us", "10000");
  assert_kfile("cpu", path, "cpu.rt_period_us", "1000000");
  assert_kfile("cpu", path, "cpu.idle", "0");
  assert_kfile("cpuset", path, "cpuset.cpus", "0");
  assert_kfile("cpuset", path, "cpuset.mems", "0");
  assert_kfile("pids", path, "pids.max", "64");
  assert_kfile("blkio", path, "blkio.bfq.weight", "200");
  if (have_disk) {
    g_autofree char *d = g_strdup_printf("%u:%u", disk_major, disk_minor);
    g_autofree char *rb = g_strdup_printf("%s 1048576", d), *wb = g_strdup_printf("%s 2097152", d);
    g_autofree char *ri = g_strdup_printf("%s 100", d), *wi = g_strdup_printf("%s 200", d);
    assert_kfile("blkio", path, "blkio.throttle.read_bps_device", rb);
    assert_kfile("blkio", path, "blkio.throttle.write_bps_device", wb);
    assert_kfile("blkio", path, "blkio.throttle.read_iops_device", ri);
    assert_kfile("blkio", path, "blkio.throttle.write_iops_device", wi);
  }
  assert_kfile("devices", path, "devices.list", "c 1:3 rwm\nc 1:5 rw\nc 136:* rwm");

  /* read back, write back: not one file changes, and it reads back the same */
  GError *error = NULL;
  g_autoptr(CgfsResources) back = cgfs_cgroup_read_resources(cg, &error);
  assert_no_gerror(error);
  g_autofree char *json = cgfs_resources_to_json(back, NULL);
  g_autoptr(GPtrArray) before = snapshot(path);
  update_ok(cg, json);
  assert_unchanged(path, before);
  g_autoptr(CgfsResources) again = cgfs_cgroup_read_resources(cg, &error);
  assert_no_gerror(error);
  g_autofree char *json2 = cgfs_resources_to_json(again, NULL);
  assert_string_equal(json, json2);
  /* the values the kernel rounds (to the page size) read back rounded, and stay so */
  update_ok(cg, "{\"memory\": {\"reservation\": 1000000}}");
  assert_kfile("memory", path, "memory.soft_limit_in_bytes", "999424");
}

/* A process holding 64 MiB: the kernel refuses a 16 MiB limit with EBUSY after reclaiming what
 * it could, and everything written before is restored. */
static void test_memory_busy(void **state)
{
  g_autofree char *python = g_find_program_in_path("python3");
  if (!python)
    skip();
  g_autofree char *path = itest_name("busy");
  g_autoptr(CgfsCgroup) cg = make(path, "{\"memory\": {\"limit\": 268435456}}");
  const CgfsSubsystem *mem = cgfs_hierarchy_find(hierarchy, "memory");
  g_autofree char *procs = g_strdup_printf("%s%s/cgroup.procs", mem->mount->dir, path);
  g_autofree char *tmp = g_dir_make_tmp("cgfs-itest-XXXXXX", NULL);
  g_autofree char *ready = g_build_filename(tmp, "ready", NULL);
  const char *script =
      "import os, sys, time\n"
      "open(sys.argv[1], 'w').write(str(os.getpid()))\n"
      "b = bytearray(64 << 20)\n"
      "for i in range(0, len(b), 4096): b[i] = 1\n"
      "open(sys.argv[2], 'w').close()\n"
      "time.sleep(100000)\n";
  const char *argv[] = { python, "-c", script, procs, ready, NULL };
  pid_t pid = itest_spawn(argv);
  assert_true(itest_wait_for(g_file_test(ready, G_FILE_TEST_EXISTS), 60000));
  g_autofree char *usage = kread("memory", path, "memory.usage_in_bytes");
  assert_true(g_ascii_strtoull(usage, NULL, 10) >= 64 * MiB);
  assert_true(itest_file_has_pid(procs, pid));

  g_autoptr(GPtrArray) before = snapshot(path);
  g_autoptr(CgfsResources) r = parse(
      "{\"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
      "  {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3, \"access\": \"rwm\"}],"
      " \"memory\": {\"reservation\": 8388608, \"limit\": 16777216, \"swappiness\": 0},"
      " \"pids\": {\"limit\": 32}}");
  GError *error = NULL;
  assert_false(cgfs_cgroup_update(cg, r, &error));
  assert_non_null(error);
  assert_int_equal(error->code, EBUSY);
  assert_string_equal(error->message, "memory.limit: cannot write 16777216 to "
                                      "memory.limit_in_bytes: Device or resource busy");
  g_clear_error(&error);
  assert_unchanged(path, before);
  assert_kfile("devices", path, "devices.list", "a *:* rwm");
  assert_true(itest_file_has_pid(procs, pid));
  assert_true(itest_proc_state(pid) != 'Z');

  /* checkBeforeUpdate refuses it without asking the kernel */
  g_autoptr(CgfsResources) checked =
      parse("{\"memory\": {\"limit\": 16777216, \"checkBeforeUpdate\": true}}");
  assert_false(cgfs_cgroup_update(cg, checked, &error));
  assert_int_equal(error->code, EBUSY);
  assert_non_null(strstr(error->message, "is below the current usage"));
  g_clear_error(&error);
  assert_unchanged(path, before);
  itest_reap(pid);
  g_unlink(ready);
  g_rmdir(tmp);
}

/* limit <= memsw at every step: raising both above the current values needs memsw first,
 * lowering both below them the limit first; the kernel refuses the other order. */
static void test_memory_swap_orders(void **state)
{
  g_autofree char *path = itest_name("memsw");
  g_autoptr(CgfsCgroup) cg = make(path, "{\"memory\": {\"limit\": 67108864, \"swap\": 134217728}}");
  assert_false(kwrite("memory", path, "memory.limit_in_bytes", "268435456"));
  assert_kfile("memory", path, "memory.limit_in_bytes", "67108864");
  update_ok(cg, "{\"memory\": {\"limit\": 268435456, \"swap\": 536870912}}");
  assert_kfile("memory", path, "memory.limit_in_bytes", "268435456");
  assert_kfile("memory", path, "memory.memsw.limit_in_bytes", "536870912");
  assert_false(kwrite("memory", path, "memory.memsw.limit_in_bytes", "50331648"));
  update_ok(cg, "{\"memory\": {\"limit\": 33554432, \"swap\": 50331648}}");
  assert_kfile("memory", path, "memory.limit_in_bytes", "33554432");
  assert_kfile("memory", path, "memory.memsw.limit_in_bytes", "50331648");
  update_ok(cg, "{\"memory\": {\"limit\": -1, \"swap\": -1}}");
  assert_kfile("memory", path, "memory.limit_in_bytes", "9223372036854771712");
  assert_kfile("memory", path, "memory.memsw.limit_in_bytes", "9223372036854771712");
  /* a limit above memory+swap is refused before anything is written */
  update_ok(cg, "{\"memory\": {\"limit\": 67108864, \"swap\": 134217728}}");
  g_autoptr(CgfsResources) r = parse("{\"pids\": {\"limit\": 5}, \"memory\": {\"limit\": 268435456}}");
  GError *error = NULL;
  assert_false(cgfs_cgroup_update(cg, r, &error));
  assert_int_equal(error->code, EINVAL);
  assert_non_null(strstr(error->message, "memory.limit: 268435456 is above the memory+swap limit"));
  g_clear_error(&error);
  assert_kfile("pids", path, "pids.max", "max");
}

/* Under a parent limited to half a CPU, a child at 50000/100000 moves to 25000/50000 only
 * quota first, and back only period first. */
static void test_cfs_orders(void **state)
{
  g_autofree char *parent_path = itest_name("cfs");
  g_autoptr(CgfsCgroup) parent = make(parent_path, "{\"cpu\": {\"quota\": 50000, \"period\": 100000}}");
  assert_non_null(parent);
  g_autofree char *path = g_strconcat(parent_path, "/c", NULL);
  g_autoptr(CgfsCgroup) child = make(path, "{\"cpu\": {\"quota\": 50000, \"period\": 100000}}");
  assert_false(kwrite("cpu", path, "cpu.cfs_period_us", "50000"));
  update_ok(child, "{\"cpu\": {\"quota\": 25000, \"period\": 50000}}");
  assert_kfile("cpu", path, "cpu.cfs_quota_us", "25000");
  assert_kfile("cpu", path, "cpu.cfs_period_us", "50000");
  assert_false(kwrite("cpu", path, "cpu.cfs_quota_us", "50000"));
  update_ok(child, "{\"cpu\": {\"quota\": 50000, \"period\": 100000}}");
  assert_kfile("cpu", path, "cpu.cfs_quota_us", "50000");
  assert_kfile("cpu", path, "cpu.cfs_period_us", "100000");
  /* more than the parent: the kernel refuses both orders; nothing changes */
  g_autoptr(CgfsResources) r = parse("{\"cpu\": {\"quota\": 80000, \"period\": 100000, \"shares\": 100}}");
  GError *error = NULL;
  assert_false(cgfs_cgroup_update(child, r, &error));
  assert_int_equal(error->code, EINVAL);
  assert_string_equal(error->message,
                      "cpu.quota: cannot write 80000 to cpu.cfs_quota_us: Invalid argument");
  g_clear_error(&error);
  assert_kfile("cpu", path, "cpu.shares", "1024");
  assert_kfile("cpu", path, "cpu.cfs_quota_us", "50000");
}

#define HALF_CPU "{\"cpu\": {\"quota\": 50000, \"period\": 100000}}"
#define NODEV_THROTTLE \
  "\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": 4095, \"minor\": 99, \"rate\": 1}]}"

/* @name (no limit), its child c at half a CPU and the child's child g at the same share: the
 * child, its path in *@path and g's in *@grandchild. */
static CgfsCgroup *make_child_over_half_cpu(const char *name, char **path, char **grandchild)
{
  g_autofree char *top = itest_name(name);
  g_autoptr(CgfsCgroup) parent = make(top, NULL);
  assert_non_null(parent);
  *path = g_strconcat(top, "/c", NULL);
  CgfsCgroup *child = make(*path, HALF_CPU);
  *grandchild = g_strconcat(*path, "/g", NULL);
  g_autoptr(CgfsCgroup) g = make(*grandchild, HALF_CPU);
  assert_non_null(g);
  return child;
}

/* @r applied to @cg is refused by the kernel at its throttle on a disk that does not exist. */
static void assert_refused_nodev(CgfsCgroup *cg, const CgfsResources *r)
{
  GError *error = NULL;
  assert_false(cgfs_cgroup_update(cg, r, &error));
  assert_int_equal(error->code, ENODEV);
  assert_string_equal(error->message,
                      "blockIO.throttleReadBpsDevice[0]: cannot write '4095:99 1' to "
                      "blkio.throttle.read_bps_device: No such device");
  g_clear_error(&error);
}

/* Both values doubled under an unlimited parent, with a grandchild at the same share: the
 * smaller step (period first, 0.25 CPU) is below the grandchild and refused, so the pair is
 * tried the other way round (quota first, 1 CPU), which the kernel takes. */
static void test_cfs_other_order(void **state)
{
  g_autofree char *path = NULL, *grandchild = NULL;
  g_autoptr(CgfsCgroup) child = make_child_over_half_cpu("cfs2", &path, &grandchild);
  assert_false(kwrite("cpu", path, "cpu.cfs_period_us", "200000"));
  update_ok(child, "{\"cpu\": {\"quota\": 100000, \"period\": 200000}}");
  assert_kfile("cpu", path, "cpu.cfs_quota_us", "100000");
  assert_kfile("cpu", path, "cpu.cfs_period_us", "200000");
  assert_kfile("cpu", grandchild, "cpu.cfs_quota_us", "50000");
}

/* The pair of test_cfs_other_order run the other way round (quota first), then a later write
 * refused by the kernel: the rollback must undo the pair in the reverse of the order it ran
 * (period back first, 1 CPU, then quota, 0.5 CPU); the order of the plan (quota back first,
 * 0.25 CPU) is below the grandchild and refused. */
static void test_other_order_rolled_back(void **state)
{
  g_autofree char *path = NULL, *grandchild = NULL;
  g_autoptr(CgfsCgroup) child = make_child_over_half_cpu("cfs3", &path, &grandchild);
  g_autoptr(GPtrArray) before = snapshot(path);
  g_autoptr(CgfsResources) r =
      parse("{\"cpu\": {\"quota\": 100000, \"period\": 200000}, " NODEV_THROTTLE "}");
  assert_refused_nodev(child, r);
  assert_kfile("cpu", path, "cpu.cfs_quota_us", "50000");
  assert_kfile("cpu", path, "cpu.cfs_period_us", "100000");
  assert_unchanged(path, before);
}

/* A throttle on a disk that does not exist: ENODEV from the kernel, pids.max restored. */
static void test_kernel_refusal_rolled_back(void **state)
{
  g_autofree char *path = itest_name("nodev");
  g_autoptr(CgfsCgroup) cg = make(path, NULL);
  g_autoptr(GPtrArray) before = snapshot(path);
  g_autoptr(CgfsResources) r =
      parse("{\"pids\": {\"limit\": 10}, \"cpu\": {\"shares\": 100}, " NODEV_THROTTLE "}");
  assert_refused_nodev(cg, r);
  assert_unchanged(path, before);

  /* the same from cgfs_cgroup_new: no directory is left in any hierarchy */
  g_autofree char *other = itest_name("nodev-new");
  GError *error = NULL;
  assert_null(cgfs_cgroup_new(hierarchy, CGFS_STATIC_PATH(other), r, &error));
  assert_int_equal(error->code, ENODEV);
  g_clear_error(&error);
  for (guint i = 0; i < cgfs_hierarchy_n_subsystems(hierarchy); i++) {
    const CgfsSubsystem *s = cgfs_hierarchy_subsystem(hierarchy, i);
    g_autofree char *dir = g_strconcat(s->mount->dir, other, NULL);
    assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
  }
}

/* What this machine lacks is refused by name, never skipped. */
static void test_unsupported_here(void **state)
{
  g_autofree char *path = itest_name("unsup");
  g_autoptr(CgfsCgroup) cg = make(path, NULL);
  static const struct {
    const char *json, *message;
  } cases[] = {
    { "{\"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 0}]}",
      "hugepageLimits[0]: the hugetlb controller is not mounted on this machine" },
    { "{\"network\": {\"classID\": 1}}", "network.classID: the net_cls controller is not mounted" },
    { "{\"rdma\": {\"mlx5_0\": {\"hcaHandles\": 1}}}", "the rdma controller is not mounted" },
    { "{\"blockIO\": {\"leafWeight\": 100}}", "blockIO.leafWeight: not supported here" },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(CgfsResources) r = parse(cases[i].json);
    GError *error = NULL;
    assert_false(cgfs_cgroup_update(cg, r, &error));
    assert_int_equal(error->code, EOPNOTSUPP);
    if (!strstr(error->message, cases[i].message))
      fail_msg("'%s' lacks '%s'", error->message, cases[i].message);
    g_clear_error(&error);
  }
}

/* A fresh cgroup's defaults read back and write back as nothing. */
static void test_defaults_round_trip(void **state)
{
  g_autofree char *path = itest_name("defaults");
  g_autoptr(CgfsCgroup) cg = make(path, NULL);
  GError *error = NULL;
  g_autoptr(CgfsResources) back = cgfs_cgroup_read_resources(cg, &error);
  assert_no_gerror(error);
  assert_true(back->memory.has_limit && back->memory.limit == -1);
  assert_true(back->pids.has_limit && back->pids.limit == -1);
  assert_true(back->cpu.has_quota && back->cpu.quota == -1);
  g_autoptr(GPtrArray) before = snapshot(path);
  g_autofree char *json = cgfs_resources_to_json(back, NULL);
  update_ok(cg, json);
  assert_unchanged(path, before);
}

/* Everything the kernel holds reads back, and writes back: memory.swappiness 101..200 (Linux
 * 5.8 and later take up to 200; crun and containerd write such values). */
static void test_swappiness_above_100(void **state)
{
  g_autofree char *path = itest_name("swappy");
  g_autoptr(CgfsCgroup) cg = make(path, NULL);
  g_autofree char *file = g_strconcat("/sys/fs/cgroup/memory", path, "/memory.swappiness", NULL);
  if (!itest_write(file, "150"))
    skip(); /* a kernel older than 5.8 */
  GError *error = NULL;
  g_autoptr(CgfsResources) back = cgfs_cgroup_read_resources(cg, &error);
  assert_no_gerror(error);
  assert_true(back->memory.has_swappiness && back->memory.swappiness == 150);
  g_autoptr(GPtrArray) before = snapshot(path);
  g_autofree char *json = cgfs_resources_to_json(back, NULL);
  update_ok(cg, json);
  assert_unchanged(path, before);
  update_ok(cg, "{\"memory\": {\"swappiness\": 200}}");
  g_autofree char *now = itest_read(file);
  assert_string_equal(g_strstrip(now), "200");
}

/* The same with a child cgroup: the kernel refuses "a" in devices.allow there, so writing back an
 * allow-all list must not try it. */
static void test_parent_round_trip(void **state)
{
  g_autofree char *path = itest_name("parent");
  g_autoptr(CgfsCgroup) cg = make(path, NULL);
  GError *error = NULL;
  g_autoptr(CgfsCgroup) child = cgfs_cgroup_new_child(cg, "child", NULL, &error);
  assert_no_gerror(error);
  assert_non_null(child);
  g_autoptr(CgfsResources) back = cgfs_cgroup_read_resources(cg, &error);
  assert_no_gerror(error);
  assert_true(back->devices->len == 1 && g_array_index(back->devices, CgfsDeviceRule, 0).allow);
  g_autoptr(GPtrArray) before = snapshot(path);
  g_autofree char *json = cgfs_resources_to_json(back, NULL);
  update_ok(cg, json);
  assert_unchanged(path, before);
}

static int open_null_errno(gpointer unused)
{
  int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return errno;
  close(fd);
  return 0;
}

static int open_zero_for_writing_errno(gpointer unused)
{
  int fd = open("/dev/zero", O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return errno;
  close(fd);
  return 0;
}

/* The errno of @fn run in the cgroup's devices directory @dir. */
static int errno_in(const char *dir, int (*fn)(gpointer))
{
  int status = itest_run_in(dir, fn, NULL);
  assert_true(WIFEXITED(status));
  return WEXITSTATUS(status);
}

/* The kernel hides the deny exceptions of an allow-all device list: a rolled-back update must not
 * lift them; an explicit allow-all does, as in runc, crun and containerd (the runtime-spec
 * applies entries in order). Checked by opening /dev/null and /dev/zero in the cgroup. */
static void test_hidden_device_denies(void **state)
{
  g_autofree char *path = itest_name("hidden");
  g_autoptr(CgfsCgroup) cg = make(path, NULL);
  g_autofree char *dir = g_strconcat("/sys/fs/cgroup/devices", path, NULL);
  g_autofree char *deny = g_strconcat(dir, "/devices.deny", NULL);
  assert_true(itest_write(deny, "c 1:3 rwm"));
  assert_int_equal(errno_in(dir, open_null_errno), EPERM);
  /* a refused update (no such device) after a device rule: rolled back */
  g_autoptr(CgfsResources) r = parse(
      "{\"devices\": [{\"allow\": false, \"type\": \"c\", \"major\": 1, \"minor\": 5,"
      " \"access\": \"rwm\"}],"
      " \"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": 4095, \"minor\": 99, \"rate\": 1}]}}");
  GError *error = NULL;
  assert_false(cgfs_cgroup_update(cg, r, &error));
  assert_int_equal(error->code, ENODEV);
  g_clear_error(&error);
  assert_int_equal(errno_in(dir, open_null_errno), EPERM);
  /* read back and written back: "allow a", which lifts what the list did not show */
  g_autoptr(CgfsResources) back = cgfs_cgroup_read_resources(cg, &error);
  assert_no_gerror(error);
  g_autofree char *json = cgfs_resources_to_json(back, NULL);
  update_ok(cg, json);
  assert_int_equal(errno_in(dir, open_null_errno), 0);
  /* the sequence: allow all but /dev/zero for writing, then allow all */
  update_ok(cg, "{\"devices\": [{\"allow\": true, \"access\": \"rwm\"}, {\"allow\": false,"
                " \"type\": \"c\", \"major\": 1, \"minor\": 5, \"access\": \"w\"}]}");
  assert_int_equal(errno_in(dir, open_zero_for_writing_errno), EPERM);
  update_ok(cg, "{\"devices\": [{\"allow\": true, \"access\": \"rwm\"}]}");
  assert_int_equal(errno_in(dir, open_zero_for_writing_errno), 0);
}

int main(void)
{
  itest_init();
  itest_require("memory");
  itest_require("cpu");
  itest_require("pids");
  itest_require("devices");
  itest_require("blkio");
  itest_require("cpuset");
  GError *error = NULL;
  g_autoptr(CgfsSystem) sys = cgfs_system_new(&error);
  if (!sys || !(hierarchy = cgfs_hierarchy_v1(sys, &error))) {
    fprintf(stderr, "skipped: %s\n", error ? error->message : "no v1");
    return 77;
  }
  have_disk = find_disk();
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_full_document, setup, teardown),
    cmocka_unit_test_setup_teardown(test_memory_busy, setup, teardown),
    cmocka_unit_test_setup_teardown(test_memory_swap_orders, setup, teardown),
    cmocka_unit_test_setup_teardown(test_cfs_orders, setup, teardown),
    cmocka_unit_test_setup_teardown(test_cfs_other_order, setup, teardown),
    cmocka_unit_test_setup_teardown(test_other_order_rolled_back, setup, teardown),
    cmocka_unit_test_setup_teardown(test_kernel_refusal_rolled_back, setup, teardown),
    cmocka_unit_test_setup_teardown(test_unsupported_here, setup, teardown),
    cmocka_unit_test_setup_teardown(test_defaults_round_trip, setup, teardown),
    cmocka_unit_test_setup_teardown(test_parent_round_trip, setup, teardown),
    cmocka_unit_test_setup_teardown(test_swappiness_above_100, setup, teardown),
    cmocka_unit_test_setup_teardown(test_hidden_device_denies, setup, teardown),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  cgfs_hierarchy_unref(hierarchy);
  return failed;
}
