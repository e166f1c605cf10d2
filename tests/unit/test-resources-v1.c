/* Updates on fake cgroup v1 trees: the exact writes and their order, refusals that change
 * nothing, a failure at every write rolled back, read-back round trips, cgfs_cgroup_new. */
#include <linux/capability.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <cgfs/cache.h>

#include "res-fixtures.h"
#include "unit-common.h"

/* The runtime-spec's config-linux.md examples, "unified" aside (v2 only). */
static const char spec_examples_v1[] =
    "{\"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
    "  {\"allow\": true, \"type\": \"c\", \"major\": 10, \"minor\": 229, \"access\": \"rw\"},"
    "  {\"allow\": true, \"type\": \"b\", \"major\": 8, \"minor\": 0, \"access\": \"r\"}],"
    " \"memory\": {\"limit\": 536870912, \"reservation\": 536870912, \"swap\": 536870912,"
    "   \"kernel\": -1, \"kernelTCP\": -1, \"swappiness\": 0, \"disableOOMKiller\": false},"
    " \"cpu\": {\"shares\": 1024, \"quota\": 1000000, \"burst\": 1000000, \"period\": 500000,"
    "   \"realtimeRuntime\": 950000, \"realtimePeriod\": 1000000, \"cpus\": \"2-3\","
    "   \"mems\": \"0-7\", \"idle\": 0},"
    " \"blockIO\": {\"weight\": 10, \"leafWeight\": 10,"
    "   \"weightDevice\": [{\"major\": 8, \"minor\": 0, \"weight\": 500, \"leafWeight\": 300},"
    "                    {\"major\": 8, \"minor\": 16, \"weight\": 500}],"
    "   \"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 600}],"
    "   \"throttleWriteIOPSDevice\": [{\"major\": 8, \"minor\": 16, \"rate\": 300}]},"
    " \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 209715200},"
    "   {\"pageSize\": \"64KB\", \"limit\": 1000000}],"
    " \"network\": {\"classID\": 1048577, \"priorities\": [{\"name\": \"eth0\", \"priority\": 500},"
    "   {\"name\": \"eth1\", \"priority\": 1000}]},"
    " \"pids\": {\"limit\": 32771},"
    " \"rdma\": {\"mlx5_1\": {\"hcaHandles\": 3, \"hcaObjects\": 10000},"
    "   \"mlx4_0\": {\"hcaObjects\": 1000}, \"rxe3\": {\"hcaObjects\": 10000}}}";

static gboolean kmem_ignored(void)
{
  struct utsname u;
  uname(&u);
  return cgfs_kernel_ignores_kmem_limit(u.release);
}

static const char spec_plan_v1[] =
    "devices.deny=a\n"
    "devices.allow=c 10:229 rw\n"
    "devices.allow=b 8:0 r\n"
    "memory.soft_limit_in_bytes=536870912\n"
    "memory.limit_in_bytes=536870912\n"
    "memory.memsw.limit_in_bytes=536870912\n"
    "%s" /* memory.kmem.limit_in_bytes=-1 on kernels that honour it */
    "memory.swappiness=0\n"
    "cpu.cfs_period_us=500000\n"
    "cpu.cfs_quota_us=1000000\n"
    "cpu.cfs_burst_us=1000000\n"
    "cpu.rt_runtime_us=950000\n"
    "cpuset.cpus=2-3\n"
    "pids.max=32771\n"
    "blkio.weight=10\n"
    "blkio.leaf_weight=10\n"
    "blkio.weight_device=8:0 500\n"
    "blkio.leaf_weight_device=8:0 300\n"
    "blkio.weight_device=8:16 500\n"
    "blkio.throttle.read_bps_device=8:0 600\n"
    "blkio.throttle.write_iops_device=8:16 300\n"
    "hugetlb.2MB.limit_in_bytes=209715200\n"
    "hugetlb.2MB.rsvd.limit_in_bytes=209715200\n"
    "hugetlb.64KB.limit_in_bytes=1000000\n"
    "net_cls.classid=1048577\n"
    "net_prio.ifpriomap=eth0 500\n"
    "net_prio.ifpriomap=eth1 1000\n"
    "rdma.max=mlx5_1 hca_handle=3 hca_object=10000\n"
    "rdma.max=mlx4_0 hca_handle=max hca_object=1000\n"
    "rdma.max=rxe3 hca_handle=max hca_object=10000\n";

static char *expected_spec_plan(void)
{
  return g_strdup_printf(spec_plan_v1, kmem_ignored() ? "" : "memory.kmem.limit_in_bytes=-1\n");
}

/* Every controller, with the spec's examples: each write, in order, skipping values already
 * there (shares 1024, mems 0-7 copied from the parent, kernelTCP -1, the RT period...). */
static void test_spec_examples(void **state)
{
  FakeTree *t = res_tree_v1_full();
  g_autoptr(CgfsCgroup) cg = res_cgroup(t, 1, "/c");
  g_autofree char *expected = expected_spec_plan();
  res_assert_plan(cg, spec_examples_v1, expected);
  res_update_ok(cg, spec_examples_v1);
  res_assert_file(t, "sys/fs/cgroup/memory/c/memory.limit_in_bytes", "536870912");
  res_assert_file(t, "sys/fs/cgroup/memory/c/memory.memsw.limit_in_bytes", "536870912");
  res_assert_file(t, "sys/fs/cgroup/memory/c/memory.soft_limit_in_bytes", "536870912");
  res_assert_file(t, "sys/fs/cgroup/memory/c/memory.swappiness", "0");
  res_assert_file(t, "sys/fs/cgroup/memory/c/memory.oom_control",
              "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
  res_assert_file(t, "sys/fs/cgroup/cpu/c/cpu.shares", "1024\n");
  res_assert_file(t, "sys/fs/cgroup/cpu/c/cpu.cfs_quota_us", "1000000");
  res_assert_file(t, "sys/fs/cgroup/cpu/c/cpu.cfs_period_us", "500000");
  res_assert_file(t, "sys/fs/cgroup/cpu/c/cpu.cfs_burst_us", "1000000");
  res_assert_file(t, "sys/fs/cgroup/cpu/c/cpu.rt_runtime_us", "950000");
  res_assert_file(t, "sys/fs/cgroup/cpuset/c/cpuset.cpus", "2-3");
  res_assert_file(t, "sys/fs/cgroup/cpuset/c/cpuset.mems", "0-7");
  res_assert_file(t, "sys/fs/cgroup/pids/c/pids.max", "32771");
  res_assert_file(t, "sys/fs/cgroup/blkio/c/blkio.weight", "10");
  res_assert_file(t, "sys/fs/cgroup/blkio/c/blkio.throttle.write_iops_device", "8:16 300");
  res_assert_file(t, "sys/fs/cgroup/hugetlb/c/hugetlb.64KB.limit_in_bytes", "1000000");
  res_assert_file(t, "sys/fs/cgroup/hugetlb/c/hugetlb.1GB.limit_in_bytes", "9223372036854771712\n");
  res_assert_file(t, "sys/fs/cgroup/net_cls/c/net_cls.classid", "1048577");
  res_assert_file(t, "sys/fs/cgroup/rdma/c/rdma.max", "rxe3 hca_handle=max hca_object=10000");
  res_assert_file(t, "sys/fs/cgroup/devices/c/devices.allow", "b 8:0 r");
  fake_tree_free(t);
}

/* The spec's cgroupsPath example: limit below reservation is fine on v1. */
static void test_cgroups_path_example(void **state)
{
  FakeTree *t = res_tree_v1();
  g_autoptr(CgfsCgroup) cg = res_cgroup(t, 1, "/myRuntime/myContainer");
  const char *json = "{\"memory\": {\"limit\": 100000, \"reservation\": 200000},"
                     " \"devices\": [{\"allow\": false, \"access\": \"rwm\"}]}";
  res_assert_plan(cg, json,
              "devices.deny=a\n"
              "memory.soft_limit_in_bytes=200000\n"
              "memory.limit_in_bytes=100000\n");
  res_update_ok(cg, json);
  res_assert_file(t, "sys/fs/cgroup/memory/myRuntime/myContainer/memory.limit_in_bytes", "100000");
  fake_tree_free(t);
}

/* memory <= memory+swap at every step, raising and lowering; CFS and RT pairs. */
/* Two entries for one device: the later one wins, even where it is what the file held. */
static void test_same_device_twice(void **state)
{
  FakeTree *t = res_tree_v1();
  g_autoptr(CgfsCgroup) cg = res_cgroup(t, 1, "/twice");
  fake_tree_write(t, "sys/fs/cgroup/blkio/twice/blkio.throttle.read_bps_device", "8:0 300\n");
  const char *json = "{\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0, "
                     "\"rate\": 600}, {\"major\": 8, \"minor\": 0, \"rate\": 300}]}}";
  res_assert_plan(cg, json,
                  "blkio.throttle.read_bps_device=8:0 600\nblkio.throttle.read_bps_device=8:0 300\n");
  fake_tree_free(t);
}

/* A reservation limit unlike the usage limit survives a write-back of the usage limit. */
static void test_hugetlb_reservation_kept(void **state)
{
  FakeTree *t = res_tree_v1_full();
  g_autoptr(CgfsCgroup) cg = res_cgroup(t, 1, "/hp");
  fake_tree_write(t, "sys/fs/cgroup/hugetlb/hp/hugetlb.2MB.limit_in_bytes", "209715200\n");
  fake_tree_write(t, "sys/fs/cgroup/hugetlb/hp/hugetlb.2MB.rsvd.limit_in_bytes", "4194304\n");
  res_assert_plan(cg, "{\"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 209715200}]}", "");
  res_assert_plan(cg, "{\"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 104857600}]}",
                  "hugetlb.2MB.limit_in_bytes=104857600\n"
                  "hugetlb.2MB.rsvd.limit_in_bytes=104857600\n");
  fake_tree_free(t);
}

static void test_write_order(void **state)
{
  FakeTree *t = res_tree_v1();
  g_autoptr(CgfsCgroup) cg = res_cgroup(t, 1, "/o");
  fake_tree_write(t, "sys/fs/cgroup/memory/o/memory.limit_in_bytes", "1000000\n");
  fake_tree_write(t, "sys/fs/cgroup/memory/o/memory.memsw.limit_in_bytes", "2000000\n");
  res_assert_plan(cg, "{\"memory\": {\"limit\": 4000000, \"swap\": 8000000}}",
              "memory.memsw.limit_in_bytes=8000000\nmemory.limit_in_bytes=4000000\n");
  res_assert_plan(cg, "{\"memory\": {\"limit\": 500000, \"swap\": 600000}}",
              "memory.limit_in_bytes=500000\nmemory.memsw.limit_in_bytes=600000\n");
  res_assert_plan(cg, "{\"memory\": {\"limit\": 1500000, \"swap\": 1800000}}",
              "memory.limit_in_bytes=1500000\nmemory.memsw.limit_in_bytes=1800000\n");
  res_assert_plan(cg, "{\"memory\": {\"limit\": 2500000, \"swap\": -1}}",
              "memory.memsw.limit_in_bytes=-1\nmemory.limit_in_bytes=2500000\n");
  res_assert_plan(cg, "{\"memory\": {\"limit\": -1, \"swap\": -1}}",
              "memory.memsw.limit_in_bytes=-1\nmemory.limit_in_bytes=-1\n");
  fake_tree_write(t, "sys/fs/cgroup/cpu/o/cpu.cfs_quota_us", "50000\n");
  res_assert_plan(cg, "{\"cpu\": {\"quota\": 25000, \"period\": 50000}}",
              "cpu.cfs_quota_us=25000\ncpu.cfs_period_us=50000\n");
  fake_tree_write(t, "sys/fs/cgroup/cpu/o/cpu.cfs_quota_us", "25000\n");
  fake_tree_write(t, "sys/fs/cgroup/cpu/o/cpu.cfs_period_us", "50000\n");
  res_assert_plan(cg, "{\"cpu\": {\"quota\": 50000, \"period\": 100000}}",
              "cpu.cfs_period_us=100000\ncpu.cfs_quota_us=50000\n");
  res_assert_plan(cg, "{\"cpu\": {\"quota\": -1}}", "cpu.cfs_quota_us=-1\n");
  res_assert_plan(cg, "{\"cpu\": {\"quota\": 0}}", "cpu.cfs_quota_us=-1\n");
  /* burst goes down before the quota, up after it */
  fake_tree_write(t, "sys/fs/cgroup/cpu/o/cpu.cfs_burst_us", "20000\n");
  res_assert_plan(cg, "{\"cpu\": {\"burst\": 10000, \"quota\": 15000}}",
              "cpu.cfs_burst_us=10000\ncpu.cfs_quota_us=15000\n");
  res_assert_plan(cg, "{\"cpu\": {\"burst\": 40000, \"quota\": 45000}}",
              "cpu.cfs_quota_us=45000\ncpu.cfs_burst_us=40000\n");
  /* RT: runtime never above the period of the moment */
  fake_tree_write(t, "sys/fs/cgroup/cpu/o/cpu.rt_runtime_us", "100000\n");
  res_assert_plan(cg, "{\"cpu\": {\"realtimeRuntime\": 50000, \"realtimePeriod\": 80000}}",
              "cpu.rt_runtime_us=50000\ncpu.rt_period_us=80000\n");
  res_assert_plan(cg, "{\"cpu\": {\"realtimeRuntime\": 1500000, \"realtimePeriod\": 2000000}}",
              "cpu.rt_period_us=2000000\ncpu.rt_runtime_us=1500000\n");
  /* the pair is marked so that the other order is tried if the kernel refuses the first */
  g_autoptr(CgfsPlan) p = res_plan_of(cg, "{\"cpu\": {\"quota\": 25000, \"period\": 20000}}");
  assert_int_equal(cgfs_plan_length(p), 2);
  assert_true(cgfs_plan_get(p, 0)->either_order);
  assert_false(cgfs_plan_get(p, 1)->either_order);
  fake_tree_free(t);
}

typedef struct {
  const char *json;
  int code;
  const char *message;
} Refusal;

/* Refused before anything is written; checked against the whole tree. */
static const Refusal refusals[] = {
  { "{\"memory\": {\"limit\": 2000000, \"swap\": 1000000}}", EINVAL,
    "memory.swap: 1000000 is below memory.limit 2000000" },
  { "{\"memory\": {\"limit\": 5000000}}", EINVAL,
    "memory.limit: 5000000 is above the memory+swap limit 3000000 (memory.memsw.limit_in_bytes);"
    " set memory.swap as well" },
  { "{\"memory\": {\"swap\": 100}}", EINVAL, "memory.swap: 100 is below memory.limit 1000000" },
  { "{\"memory\": {\"limit\": 4096, \"checkBeforeUpdate\": true}}", EBUSY,
    "memory.limit: 4096 is below the current usage 524288 (memory.usage_in_bytes)" },
  { "{\"cpu\": {\"quota\": 500}}", ERANGE, "cpu.quota: 500 is out of range: at least 1000" },
  { "{\"cpu\": {\"quota\": 50000, \"burst\": 60000}}", EINVAL,
    "cpu.burst: 60000 is above cpu.quota 50000" },
  { "{\"cpu\": {\"quota\": 30000}}", EINVAL,
    "cpu.quota: 30000 is below the current burst 40000; lower cpu.burst as well" },
  { "{\"cpu\": {\"realtimeRuntime\": 2000000}}", ERANGE,
    "cpu.realtimeRuntime: 2000000 is above cpu.realtimePeriod 1000000" },
  { "{\"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 1}]}", EOPNOTSUPP,
    "hugepageLimits[0]: the hugetlb controller is not mounted on this machine" },
  { "{\"network\": {\"classID\": 1}}", EOPNOTSUPP,
    "network.classID: the net_cls controller is not mounted" },
  { "{\"network\": {\"priorities\": [{\"name\": \"lo\", \"priority\": 1}]}}", EOPNOTSUPP,
    "network.priorities: the net_prio controller is not mounted" },
  { "{\"rdma\": {\"mlx5_1\": {\"hcaHandles\": 1}}}", EOPNOTSUPP,
    "rdma[\"mlx5_1\"]: the rdma controller is not mounted" },
  { "{\"blockIO\": {\"leafWeight\": 100}}", EOPNOTSUPP,
    "blockIO.leafWeight: not supported here: no blkio.leaf_weight (CFQ only)" },
  { "{\"unified\": {\"memory.high\": \"1G\"}}", EOPNOTSUPP,
    "unified[\"memory.high\"]: cgroup v2 files cannot be set on a cgroup v1 hierarchy" },
  /* valid fields first, a refused one last: still nothing written */
  { "{\"pids\": {\"limit\": 10}, \"memory\": {\"swappiness\": 5}, \"cpu\": {\"shares\": 10,"
    " \"cpus\": \"0\"}, \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 1}]}",
    EOPNOTSUPP, "hugepageLimits[0]" },
};

static void test_refusals(void **state)
{
  for (guint i = 0; i < G_N_ELEMENTS(refusals); i++) {
    FakeTree *t = res_tree_v1();
    g_autoptr(CgfsCgroup) cg = res_cgroup(t, 1, "/r");
    fake_tree_write(t, "sys/fs/cgroup/memory/r/memory.limit_in_bytes", "1000000\n");
    fake_tree_write(t, "sys/fs/cgroup/memory/r/memory.memsw.limit_in_bytes", "3000000\n");
    fake_tree_write(t, "sys/fs/cgroup/memory/r/memory.usage_in_bytes", "524288\n");
    fake_tree_write(t, "sys/fs/cgroup/cpu/r/cpu.cfs_burst_us", "40000\n");
    g_autoptr(GHashTable) before = res_tree_snapshot(t);
    g_autoptr(CgfsResources) r = res_parse(refusals[i].json);
    GError *error = NULL;
    if (cgfs_cgroup_update(cg, r, &error))
      fail_msg("accepted: %s", refusals[i].json);
    if (error->code != refusals[i].code || !strstr(error->message, refusals[i].message))
      fail_msg("%s: got %d '%s', wanted %d '%s'", refusals[i].json, error->code, error->message,
               refusals[i].code, refusals[i].message);
    g_clear_error(&error);
    res_assert_tree_equals(t, before, NULL);
    fake_tree_free(t);
  }
}

static void test_no_swap_accounting(void **state)
{
  FakeTree *t = res_tree_v1();
  g_autoptr(CgfsCgroup) cg = res_cgroup(t, 1, "/ns");
  g_autofree char *memsw = fake_tree_path(t, "sys/fs/cgroup/memory/ns/memory.memsw.limit_in_bytes");
  assert_int_equal(unlink(memsw), 0);
  res_assert_plan(cg, "{\"memory\": {\"limit\": 4096, \"swap\": -1}}", "memory.limit_in_bytes=4096\n");
  g_autoptr(CgfsResources) r = res_parse("{\"memory\": {\"limit\": 4096, \"swap\": 4096}}");
  GError *error = NULL;
  assert_false(cgfs_cgroup_update(cg, r, &error));
  assert_gerror(error, EOPNOTSUPP, "memory.swap: swap accounting is off on this machine");
  g_clear_error(&error);
  fake_tree_free(t);
}

static void test_kernel_memory(void **state)
{
  FakeTree *t = res_tree_v1();
  g_autoptr(CgfsCgroup) cg = res_cgroup(t, 1, "/k");
  g_autoptr(CgfsResources) r = res_parse("{\"memory\": {\"kernel\": 1000000}}");
  GError *error = NULL;
  gboolean ok = cgfs_cgroup_update(cg, r, &error);
  if (kmem_ignored()) {
    assert_false(ok);
    assert_gerror(error, EOPNOTSUPP, "memory.kernel: kernel memory limits are not supported here");
    g_clear_error(&error);
    res_assert_plan(cg, "{\"memory\": {\"kernel\": -1}}", "");
  } else {
    assert_true(ok);
    res_assert_file(t, "sys/fs/cgroup/memory/k/memory.kmem.limit_in_bytes", "1000000");
  }
  fake_tree_free(t);
}

/* Make the file of planned write @n a directory: the write fails with EISDIR. */
static char *sabotage(const CgfsPlannedWrite *pw, FakeTree *t)
{
  g_autofree char *link = g_strdup_printf("/proc/self/fd/%d", pw->w.dirfd);
  g_autofree char *dir = g_file_read_link(link, NULL);
  g_autofree char *path = g_build_filename(dir, pw->w.file, NULL);
  assert_int_equal(g_unlink(path), 0);
  assert_int_equal(g_mkdir(path, 0755), 0);
  return g_strdup(path + strlen(t->root) + 1);
}

/* A kernel refusal at each write in turn: every file is back to what it held. */
static void test_rollback_at_each_write(void **state)
{
  guint tried = 0;
  for (guint n = 0;; n++) {
    FakeTree *t = res_tree_v1_full();
    g_autoptr(CgfsCgroup) cg = res_cgroup(t, 1, "/rb");
    g_autoptr(CgfsPlan) p = res_plan_of(cg, spec_examples_v1);
    if (n >= cgfs_plan_length(p)) {
      fake_tree_free(t);
      break;
    }
    const CgfsPlannedWrite *pw = cgfs_plan_get(p, n);
    if (pw->skip) {
      fake_tree_free(t);
      continue;
    }
    g_autoptr(GHashTable) before = res_tree_snapshot(t);
    g_autofree char *broken = sabotage(pw, t);
    /* A file written several times (rdma.max...) fails at its first write. */
    for (guint k = 0; k < n; k++) {
      const CgfsPlannedWrite *earlier = cgfs_plan_get(p, k);
      if (!earlier->skip && earlier->w.dirfd == pw->w.dirfd &&
          strcmp(earlier->w.file, pw->w.file) == 0) {
        pw = earlier;
        break;
      }
    }
    g_autofree char *field = g_strdup(pw->field), *value = g_strdup(pw->w.value);
    g_autofree char *file = g_strdup(pw->w.file);
    GError *error = NULL;
    assert_false(cgfs_plan_execute(p, &error));
    g_autofree char *want = g_strdup_printf("%s: cannot write %s%s%s to %s: Is a directory",
                                            field, strchr(value, ' ') ? "'" : "", value,
                                            strchr(value, ' ') ? "'" : "", file);
    assert_gerror(error, EISDIR, want);
    g_clear_error(&error);
    res_assert_tree_equals(t, before, broken);
    tried++;
    fake_tree_free(t);
  }
  assert_true(tried >= 25);
}

/* Restoring devices re-establishes the old devices.list: deny all, allow each line again. */
static void test_devices_rollback(void **state)
{
  FakeTree *t = res_tree_v1();
  g_autoptr(CgfsCgroup) cg = res_cgroup(t, 1, "/d");
  fake_tree_write(t, "sys/fs/cgroup/devices/d/devices.list", "c 1:3 rwm\nc 1:5 rwm\n");
  g_autoptr(CgfsPlan) p = res_plan_of(cg, "{\"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
                                      " {\"allow\": true, \"type\": \"c\", \"major\": 10,"
                                      " \"minor\": 229, \"access\": \"rw\"}],"
                                      " \"pids\": {\"limit\": 5}}");
  g_autofree char *broken = sabotage(cgfs_plan_get(p, 2), t);
  assert_string_equal(broken, "sys/fs/cgroup/pids/d/pids.max");
  GError *error = NULL;
  assert_false(cgfs_plan_execute(p, &error));
  assert_gerror(error, EISDIR, "pids.limit: cannot write 5 to pids.max");
  g_clear_error(&error);
  res_assert_file(t, "sys/fs/cgroup/devices/d/devices.deny", "a");
  res_assert_file(t, "sys/fs/cgroup/devices/d/devices.allow", "c 1:5 rwm");
  fake_tree_free(t);
}

/* Rules that leave devices.list as it is are not written: no moment without devices. */
/* On an allow-all list (its deny exceptions hidden) a failed update undoes each device rule by
 * its opposite, never by "allow a", which would clear the hidden ones. */
static void test_devices_rollback_allow_all(void **state)
{
  FakeTree *t = res_tree_v1();
  g_autoptr(CgfsCgroup) cg = res_cgroup(t, 1, "/da");
  fake_tree_write(t, "sys/fs/cgroup/devices/da/devices.list", "a *:* rwm\n");
  g_autoptr(CgfsPlan) p = res_plan_of(cg, "{\"devices\": [{\"allow\": false, \"type\": \"c\","
                                      " \"major\": 1, \"minor\": 5, \"access\": \"w\"}],"
                                      " \"pids\": {\"limit\": 5}}");
  g_autofree char *broken = sabotage(cgfs_plan_get(p, 1), t);
  assert_string_equal(broken, "sys/fs/cgroup/pids/da/pids.max");
  GError *error = NULL;
  assert_false(cgfs_plan_execute(p, &error));
  g_clear_error(&error);
  res_assert_file(t, "sys/fs/cgroup/devices/da/devices.deny", "c 1:5 w");
  res_assert_file(t, "sys/fs/cgroup/devices/da/devices.allow", "c 1:5 w");
  fake_tree_free(t);
}

static void test_devices_unchanged(void **state)
{
  FakeTree *t = res_tree_v1();
  g_autoptr(CgfsCgroup) cg = res_cgroup(t, 1, "/du");
  fake_tree_write(t, "sys/fs/cgroup/devices/du/devices.list", "c 1:3 rwm\nb 8:* r\n");
  res_assert_plan(cg, "{\"devices\": [{\"allow\": false, \"type\": \"a\", \"access\": \"rwm\"},"
                  " {\"allow\": true, \"type\": \"b\", \"major\": 8, \"access\": \"r\"},"
                  " {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3, \"access\": \"rw\"},"
                  " {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3, \"access\": \"m\"}]}",
              "");
  res_assert_plan(cg, "{\"devices\": [{\"allow\": false, \"type\": \"c\", \"major\": 1, \"minor\": 3,"
                  " \"access\": \"w\"}]}",
              "devices.deny=c 1:3 w\n");
  res_assert_plan(cg, "{\"devices\": [{\"allow\": true, \"type\": \"b\", \"major\": 8, \"access\": \"r\"}]}",
              "");
  /* allow-all may hide deny exceptions: an explicit allow-all lifts them, as in runc, crun and
   * containerd (the runtime-spec applies the entries in order)... */
  fake_tree_write(t, "sys/fs/cgroup/devices/du/devices.list", "a *:* rwm\n");
  res_assert_plan(cg, "{\"devices\": [{\"allow\": true, \"access\": \"rwm\"}]}",
                  "devices.allow=a\n");
  res_assert_plan(cg, "{\"devices\": [{\"allow\": true, \"access\": \"rwm\"},"
                  " {\"allow\": false, \"type\": \"c\", \"major\": 1, \"minor\": 5, \"access\": \"w\"}]}",
                  "devices.allow=a\ndevices.deny=c 1:5 w\n");
  /* ...except with children, where the kernel refuses "a" and the list already allows all */
  fake_tree_mkdir(t, "sys/fs/cgroup/devices/du/kid");
  res_assert_plan(cg, "{\"devices\": [{\"allow\": true, \"access\": \"rwm\"}]}", "");
  g_autofree char *kid = fake_tree_path(t, "sys/fs/cgroup/devices/du/kid");
  assert_int_equal(rmdir(kid), 0);
  /* ...while "deny all, allow all" is a deliberate reset, and written */
  res_assert_plan(cg, "{\"devices\": [{\"allow\": false}, {\"allow\": true}]}",
                  "devices.deny=a\ndevices.allow=a\n");
  fake_tree_free(t);
}

/* Reading back and writing it again changes nothing, and reads back the same. */
static void test_read_back_round_trip(void **state)
{
  FakeTree *t = res_tree_v1_full();
  g_autoptr(CgfsCgroup) cg = res_cgroup(t, 1, "/rt");
  res_update_ok(cg, spec_examples_v1);
  GError *error = NULL;
  g_autoptr(CgfsResources) back = cgfs_cgroup_read_resources(cg, &error);
  assert_no_gerror(error);
  g_autofree char *json = cgfs_resources_to_json(back, NULL);
  assert_non_null(strstr(json, "\"limit\" : 536870912"));
  assert_non_null(strstr(json, "\"realtimeRuntime\" : 950000"));
  assert_non_null(strstr(json, "\"classID\" : 1048577"));
  g_autoptr(GHashTable) before = res_tree_snapshot(t);
  /* devices: an allow-all list read back is written back as "allow a" (test_devices_unchanged) */
  res_assert_plan(cg, json, "devices.allow=a\n");
  res_update_ok(cg, json);
  res_assert_tree_equals(t, before, NULL);
  g_autoptr(CgfsResources) again = cgfs_cgroup_read_resources(cg, &error);
  assert_no_gerror(error);
  g_autofree char *json2 = cgfs_resources_to_json(again, NULL);
  assert_string_equal(json, json2);
  /* a fresh cgroup reads back its defaults, and they write back as nothing but "allow a" */
  g_autoptr(CgfsCgroup) fresh = res_cgroup(t, 1, "/fresh");
  g_autoptr(CgfsResources) defaults = cgfs_cgroup_read_resources(fresh, &error);
  assert_no_gerror(error);
  assert_true(defaults->memory.has_limit && defaults->memory.limit == -1);
  assert_true(defaults->pids.has_limit && defaults->pids.limit == -1);
  g_autofree char *djson = cgfs_resources_to_json(defaults, NULL);
  res_assert_plan(fresh, djson, "devices.allow=a\n");
  fake_tree_free(t);
}

static void test_new_applies_resources(void **state)
{
  FakeTree *t = res_tree_v1();
  g_autoptr(CgfsSystem) sys = fake_tree_system(t);
  GError *error = NULL;
  g_autoptr(CgfsHierarchy) h = cgfs_hierarchy_v1(sys, &error);
  g_autoptr(CgfsResources) r = res_parse("{\"memory\": {\"limit\": 1048576}, \"pids\": {\"limit\": 9}}");
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(h, CGFS_STATIC_PATH("/n/m"), r, &error);
  assert_no_gerror(error);
  assert_non_null(cg);
  res_assert_file(t, "sys/fs/cgroup/memory/n/m/memory.limit_in_bytes", "1048576");
  res_assert_file(t, "sys/fs/cgroup/pids/n/m/pids.max", "9");
  /* a refused resource removes every directory the call created, in every hierarchy */
  g_autoptr(CgfsResources) bad = res_parse("{\"pids\": {\"limit\": 9}, \"network\": {\"classID\": 1}}");
  g_autoptr(GHashTable) before = res_tree_snapshot(t);
  CgfsCgroup *none = cgfs_cgroup_new(h, CGFS_STATIC_PATH("/x/y"), bad, &error);
  assert_null(none);
  assert_gerror(error, EOPNOTSUPP, "network.classID");
  g_clear_error(&error);
  for (const char *const *m = fake_v1_mounts; *m; m++) {
    g_autofree char *x = g_strconcat(*m, "/x", NULL);
    assert_false(fake_tree_exists(t, x));
  }
  res_assert_tree_equals(t, before, NULL);
  /* an existing cgroup is left in place, as it was */
  none = cgfs_cgroup_new(h, CGFS_STATIC_PATH("/n/m"), bad, &error);
  assert_null(none);
  g_clear_error(&error);
  assert_true(fake_tree_exists(t, "sys/fs/cgroup/pids/n/m"));
  res_assert_tree_equals(t, before, NULL);
  fake_tree_free(t);
}

static void test_deleted_cgroup(void **state)
{
  FakeTree *t = res_tree_v1();
  g_autoptr(CgfsCgroup) cg = res_cgroup(t, 1, "/gone");
  assert_non_null(cg);
  g_autoptr(CgfsCgroup) loaded = NULL;
  g_autoptr(CgfsSystem) sys = fake_tree_system(t);
  g_autoptr(CgfsHierarchy) h = cgfs_hierarchy_v1(sys, NULL);
  g_autofree char *pids = fake_tree_path(t, "sys/fs/cgroup/pids/gone");
  assert_int_equal(rmdir(pids), 0);
  GError *error = NULL;
  loaded = cgfs_cgroup_load(h, CGFS_STATIC_PATH("/gone"), &error);
  assert_no_gerror(error);
  g_autoptr(CgfsResources) r = res_parse("{\"pids\": {\"limit\": 3}}");
  assert_false(cgfs_cgroup_update(loaded, r, &error));
  assert_gerror(error, ENOENT, "pids.limit: cgroup /gone does not exist in the pids hierarchy");
  g_clear_error(&error);
  fake_tree_free(t);
}

/* Drop CAP_DAC_OVERRIDE (and CAP_DAC_READ_SEARCH) from this process's effective set: the file
 * modes apply to it, as to a caller without them. */
static void drop_dac_override(void)
{
  struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct d[2] = { { 0 } };
  g_assert(syscall(SYS_capget, &h, d) == 0);
  d[0].effective &= ~((1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH));
  g_assert(syscall(SYS_capset, &h, d) == 0);
}

/* In a child without CAP_DAC_OVERRIDE: the errno of applying @json to @cg (0: applied). */
static int update_without_override(CgfsCgroup *cg, const char *json)
{
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    drop_dac_override();
    g_autoptr(CgfsResources) r = res_parse(json);
    g_autoptr(GError) error = NULL;
    _exit(cgfs_cgroup_update(cg, r, &error) ? 0 : error->code);
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  return WEXITSTATUS(status);
}

/* A write skipped because the file already holds the value answers what the kernel would: a
 * caller who may not write the file gets EACCES (its write would), and nothing changes; one who
 * may, succeeds. */
static void test_skipped_write_still_checked(void **state)
{
  FakeTree *t = res_tree_v1();
  g_autoptr(CgfsCgroup) cg = res_cgroup(t, 1, "/ro");
  res_update_ok(cg, "{\"pids\": {\"limit\": 50}, \"cpu\": {\"shares\": 512}}");
  g_autofree char *max = fake_tree_path(t, "sys/fs/cgroup/pids/ro/pids.max");
  assert_int_equal(chmod(max, 0444), 0);
  /* the same value: skipped, but refused as the write would be */
  assert_int_equal(update_without_override(cg, "{\"pids\": {\"limit\": 50}}"), EACCES);
  /* with a change elsewhere: refused whole, the change undone */
  assert_int_equal(update_without_override(
                     cg, "{\"cpu\": {\"shares\": 1024}, \"pids\": {\"limit\": 50}}"),
                   EACCES);
  res_assert_file(t, "sys/fs/cgroup/cpu/ro/cpu.shares", "512");
  /* another value: refused by the kernel's own check */
  assert_int_equal(update_without_override(cg, "{\"pids\": {\"limit\": 51}}"), EACCES);
  assert_int_equal(chmod(max, 0644), 0);
  assert_int_equal(update_without_override(cg, "{\"pids\": {\"limit\": 50}}"), 0);
  res_assert_file(t, "sys/fs/cgroup/pids/ro/pids.max", "50");
  fake_tree_free(t);
}

static gboolean has_dac_override(void)
{
  struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct d[2] = { { 0 } };
  g_assert(syscall(SYS_capget, &h, d) == 0);
  return (d[0].effective & (1u << CAP_DAC_OVERRIDE)) != 0;
}

/* A cached cgroup's limit files are written through descriptors kept open, reused from one
 * update to the next; each write replaces the whole value (a shorter one after a longer one);
 * and a descriptor kept from an earlier write is used only after the permission check of the
 * open() it saves: a writer without CAP_DAC_OVERRIDE is refused once the file is read-only,
 * as its own open() would be. */
static void test_kept_writes(void **state)
{
  FakeTree *t = res_tree_v1();
  cgfs_cgroup_unref(res_cgroup(t, 1, "/kw")); /* made in the fake tree */
  g_autoptr(CgfsSystem) sys = fake_tree_system(t);
  GError *error = NULL;
  g_autoptr(CgfsHierarchy) h = cgfs_hierarchy_v1(sys, &error);
  assert_no_gerror(error);
  CgfsCache *c = cgfs_cache_new(h, 256);
  g_autoptr(CgfsCgroup) cg = NULL;
  for (int i = 0; i < 3; i++) { /* hot from the second load from the cache */
    g_clear_pointer(&cg, cgfs_cgroup_unref);
    cg = cgfs_cache_load(c, CGFS_STATIC_PATH("/kw"), &error);
    assert_no_gerror(error);
  }
  guint base = cgfs_cache_n_fds(c);
  res_update_ok(cg, "{\"pids\": {\"limit\": 1000}, \"cpu\": {\"shares\": 2048}}");
  /* two files read (old values) and written: kept for reading and for writing; and the first
   * directory, for the update lock */
  guint kept = cgfs_cache_n_fds(c);
  assert_int_equal(kept, base + 5);
  res_update_ok(cg, "{\"pids\": {\"limit\": 5}, \"cpu\": {\"shares\": 2}}");
  assert_int_equal(cgfs_cache_n_fds(c), kept);
  res_assert_file(t, "sys/fs/cgroup/pids/kw/pids.max", "5");
  res_assert_file(t, "sys/fs/cgroup/cpu/kw/cpu.shares", "2");
  g_autofree char *max = fake_tree_path(t, "sys/fs/cgroup/pids/kw/pids.max");
  assert_int_equal(chmod(max, 0444), 0);
  assert_int_equal(update_without_override(cg, "{\"pids\": {\"limit\": 6}}"), EACCES);
  assert_int_equal(update_without_override(
                     cg, "{\"cpu\": {\"shares\": 1024}, \"pids\": {\"limit\": 6}}"),
                   EACCES);
  res_assert_file(t, "sys/fs/cgroup/pids/kw/pids.max", "5");
  res_assert_file(t, "sys/fs/cgroup/cpu/kw/cpu.shares", "2");
  if (has_dac_override()) { /* the kernel lets it open the file for writing */
    res_update_ok(cg, "{\"pids\": {\"limit\": 7}}");
    res_assert_file(t, "sys/fs/cgroup/pids/kw/pids.max", "7");
  }
  assert_int_equal(chmod(max, 0644), 0);
  assert_int_equal(update_without_override(cg, "{\"pids\": {\"limit\": 8}}"), 0);
  res_assert_file(t, "sys/fs/cgroup/pids/kw/pids.max", "8");
  g_clear_pointer(&cg, cgfs_cgroup_unref);
  cgfs_cache_free(c);
  fake_tree_free(t);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_spec_examples),
    cmocka_unit_test(test_skipped_write_still_checked),
    cmocka_unit_test(test_kept_writes),
    cmocka_unit_test(test_cgroups_path_example),
    cmocka_unit_test(test_write_order),
    cmocka_unit_test(test_same_device_twice),
    cmocka_unit_test(test_hugetlb_reservation_kept),
    cmocka_unit_test(test_refusals),
    cmocka_unit_test(test_no_swap_accounting),
    cmocka_unit_test(test_kernel_memory),
    cmocka_unit_test(test_rollback_at_each_write),
    cmocka_unit_test(test_devices_rollback),
    cmocka_unit_test(test_devices_unchanged),
    cmocka_unit_test(test_devices_rollback_allow_all),
    cmocka_unit_test(test_read_back_round_trip),
    cmocka_unit_test(test_new_applies_resources),
    cmocka_unit_test(test_deleted_cgroup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
