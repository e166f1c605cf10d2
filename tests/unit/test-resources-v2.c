/* Updates on fake cgroup v2 trees: the conversions, the controllers enabled in the ancestors,
 * what v2 cannot do, and read-back round trips with the lossy conversions. */
#include <string.h>
#include <sys/stat.h>

#include "res-fixtures.h"
#include "unit-common.h"

static const char converted[] =
    "{\"memory\": {\"limit\": 536870912, \"reservation\": 268435456, \"swap\": 1073741824,"
    "   \"kernel\": -1, \"kernelTCP\": -1, \"disableOOMKiller\": false, \"useHierarchy\": true},"
    " \"cpu\": {\"shares\": 512, \"quota\": 50000, \"period\": 200000, \"burst\": 10000,"
    "   \"cpus\": \"0-1\", \"mems\": \"0\", \"idle\": 1},"
    " \"pids\": {\"limit\": 100},"
    " \"blockIO\": {\"weight\": 500, \"weightDevice\": [{\"major\": 8, \"minor\": 0, \"weight\": 100}],"
    "   \"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 1048576}],"
    "   \"throttleWriteIOPSDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 100},"
    "                               {\"major\": 8, \"minor\": 16, \"rate\": 0}]},"
    " \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 209715200},"
    "                     {\"pageSize\": \"1GB\", \"limit\": 9223372036854771712}],"
    " \"rdma\": {\"mlx5_1\": {\"hcaHandles\": 3}},"
    " \"unified\": {\"memory.high\": \"1073741824\","
    "   \"io.max\": \"259:0 rbps=2097152 wiops=120\\n253:0 rbps=2097152 wiops=120\","
    "   \"hugetlb.1GB.max\": \"1073741824\"}}";

static void test_conversions(void **state)
{
  FakeTree *t = res_tree_v2(FALSE);
  g_autoptr(CgfsCgroup) cg = res_cgroup(t, 2, "/c");
  res_assert_plan(cg, converted,
              "memory.low=268435456\n"
              "memory.max=536870912\n"
              "memory.swap.max=536870912\n" /* memory+swap - memory */
              "cpu.weight=59\n"
              "cpu.max=50000 200000\n"
              "cpu.max.burst=10000\n"
              "cpu.idle=1\n"
              "cpuset.cpus=0-1\n"
              "cpuset.mems=0\n"
              "pids.max=100\n"
              "io.weight=default 4950\n"
              "io.weight=8:0 910\n"
              "io.max=8:0 rbps=1048576 wbps=max riops=max wiops=100\n"
              "hugetlb.2MB.max=209715200\n"
              "hugetlb.2MB.rsvd.max=209715200\n"
              "rdma.max=mlx5_1 hca_handle=3 hca_object=max\n"
              "memory.high=1073741824\n"
              "io.max=259:0 rbps=2097152 wiops=120\n"
              "io.max=253:0 rbps=2097152 wiops=120\n"
              "hugetlb.1GB.max=1073741824\n");
  res_update_ok(cg, converted);
  res_assert_file(t, "sys/fs/cgroup/c/memory.swap.max", "536870912");
  res_assert_file(t, "sys/fs/cgroup/c/cpu.max", "50000 200000");
  res_assert_file(t, "sys/fs/cgroup/c/hugetlb.1GB.max", "1073741824"); /* unified, written last */
  /* the parent (the root) had every controller: nothing enabled */
  res_assert_file(t, "sys/fs/cgroup/cgroup.subtree_control",
              "cpuset cpu io memory hugetlb pids rdma\n");
  fake_tree_free(t);
}

/* The file of a planned write made a directory: the write fails with EISDIR. */
static char *sabotage(const CgfsPlannedWrite *pw, FakeTree *t)
{
  g_autofree char *link = g_strdup_printf("/proc/self/fd/%d", pw->w.dirfd);
  g_autofree char *dir = g_file_read_link(link, NULL);
  g_autofree char *path = g_build_filename(dir, pw->w.file, NULL);
  assert_int_equal(unlink(path), 0);
  assert_int_equal(mkdir(path, 0755), 0);
  return g_strdup(path + strlen(t->root) + 1);
}

/* A refusal at each write in turn, in a new grandchild: the values and the controllers enabled
 * in the parent's cgroup.subtree_control are all restored. */
static void test_rollback_at_each_write(void **state)
{
  guint tried = 0;
  for (guint n = 0;; n++) {
    FakeTree *t = res_tree_v2(FALSE);
    g_autoptr(CgfsCgroup) cg = res_cgroup(t, 2, "/a/b");
    g_autoptr(GHashTable) before = res_tree_snapshot(t);
    g_autoptr(CgfsResources) r = res_parse(converted);
    GError *error = NULL;
    g_autoptr(CgfsPlan) p = cgfs_resources_plan(cg, r, &error);
    assert_no_gerror(error);
    if (n >= cgfs_plan_length(p)) {
      fake_tree_free(t);
      break;
    }
    const CgfsPlannedWrite *pw = cgfs_plan_get(p, n);
    gboolean earlier = FALSE;
    for (guint k = 0; k < n; k++)
      earlier |= !cgfs_plan_get(p, k)->skip && strcmp(cgfs_plan_get(p, k)->w.file, pw->w.file) == 0;
    if (pw->skip || earlier) {
      fake_tree_free(t);
      continue;
    }
    g_autofree char *broken = sabotage(pw, t);
    assert_false(cgfs_plan_execute(p, &error));
    g_autofree char *want = g_strdup_printf("%s: cannot write", pw->field);
    assert_gerror(error, EISDIR, want);
    g_clear_error(&error);
    res_assert_file(t, "sys/fs/cgroup/a/cgroup.subtree_control", "-memory"); /* the first enabled, undone last */
    fake_tree_write(t, "sys/fs/cgroup/a/cgroup.subtree_control", "\n");
    res_assert_tree_equals(t, before, broken);
    tried++;
    fake_tree_free(t);
  }
  assert_true(tried >= 15);
}

static void test_bfq_and_defaults(void **state)
{
  FakeTree *t = res_tree_v2(TRUE);
  g_autoptr(CgfsCgroup) cg = res_cgroup(t, 2, "/b");
  res_assert_plan(cg, "{\"blockIO\": {\"weight\": 5, \"weightDevice\": [{\"major\": 8, \"minor\": 0,"
                  " \"weight\": 100}]}}",
              "io.bfq.weight=default 5\nio.bfq.weight=8:0 100\n");
  /* quota alone keeps the period, period alone keeps the quota; <= 0 is max */
  res_assert_plan(cg, "{\"cpu\": {\"quota\": 20000}}", "cpu.max=20000 100000\n");
  res_assert_plan(cg, "{\"cpu\": {\"period\": 50000}}", "cpu.max=max 50000\n");
  res_assert_plan(cg, "{\"cpu\": {\"quota\": -1, \"shares\": 0}}", "");
  res_assert_plan(cg, "{\"cpu\": {\"shares\": 2}}", "cpu.weight=1\n");
  res_assert_plan(cg, "{\"cpu\": {\"shares\": 262144}}", "cpu.weight=10000\n");
  res_assert_plan(cg, "{\"pids\": {\"limit\": -1}}", "");
  res_assert_plan(cg, "{\"pids\": {\"limit\": 0}}", "pids.max=0\n");
  /* swap equal to the limit: no swap; -1: unlimited */
  res_assert_plan(cg, "{\"memory\": {\"limit\": 4096, \"swap\": 4096}}",
              "memory.max=4096\nmemory.swap.max=0\n");
  res_assert_plan(cg, "{\"memory\": {\"limit\": 4096, \"swap\": -1}}", "memory.max=4096\n");
  /* swap alone: against the current memory.max */
  fake_tree_write(t, "sys/fs/cgroup/b/memory.max", "8192\n");
  res_assert_plan(cg, "{\"memory\": {\"swap\": 10240}}", "memory.swap.max=2048\n");
  /* what v2 always does is accepted and writes nothing */
  res_assert_plan(cg, "{\"memory\": {\"kernel\": -1, \"kernelTCP\": -1, \"disableOOMKiller\": false,"
                  " \"useHierarchy\": true}}", "");
  fake_tree_free(t);
}

typedef struct {
  const char *json;
  int code;
  const char *message;
} Refusal;

/* Device rules on v2 are a BPF program, which needs a real cgroup: the program itself is tested
 * in test-devices-bpf.c, loading and attaching in tests/integration/test-devices-v2.c. */
static const Refusal refusals[] = {
  { "{\"memory\": {\"kernelTCP\": 1000}}", EOPNOTSUPP,
    "memory.kernelTCP: not supported on cgroup v2: TCP buffers count in memory.max" },
  { "{\"memory\": {\"kernel\": 5}}", EOPNOTSUPP, "memory.kernel: not supported on cgroup v2" },
  { "{\"memory\": {\"swappiness\": 10}}", EOPNOTSUPP,
    "memory.swappiness: not supported on cgroup v2: there is no per-cgroup swappiness" },
  { "{\"memory\": {\"disableOOMKiller\": true}}", EOPNOTSUPP,
    "memory.disableOOMKiller: not supported on cgroup v2" },
  { "{\"memory\": {\"useHierarchy\": false}}", EOPNOTSUPP,
    "memory.useHierarchy: not supported on cgroup v2" },
  { "{\"memory\": {\"limit\": 2000, \"swap\": 1000}}", EINVAL,
    "memory.swap: 1000 is below memory.limit 2000" },
  { "{\"memory\": {\"limit\": -1, \"swap\": 1000}}", EINVAL,
    "memory.swap: 1000 cannot be set with an unlimited memory.limit" },
  { "{\"memory\": {\"limit\": 4096, \"checkBeforeUpdate\": true}}", EBUSY,
    "memory.limit: 4096 is below the current usage 1048576 (memory.current)" },
  { "{\"cpu\": {\"realtimeRuntime\": 1000}}", EOPNOTSUPP,
    "cpu.realtimeRuntime: not supported on cgroup v2" },
  { "{\"cpu\": {\"realtimePeriod\": 1000}}", EOPNOTSUPP, "cpu.realtimePeriod" },
  { "{\"cpu\": {\"quota\": 999}}", ERANGE, "cpu.quota: 999 is out of range" },
  { "{\"blockIO\": {\"leafWeight\": 100}}", EOPNOTSUPP,
    "blockIO.leafWeight: not supported here: no leaf weights on cgroup v2" },
  { "{\"blockIO\": {\"weightDevice\": [{\"major\": 8, \"minor\": 0, \"leafWeight\": 100}]}}",
    EOPNOTSUPP, "blockIO.weightDevice[0].leafWeight" },
  { "{\"network\": {\"classID\": 1}}", EOPNOTSUPP,
    "network.classID: not supported on cgroup v2" },
  { "{\"hugepageLimits\": [{\"pageSize\": \"16GB\", \"limit\": 1}]}", EOPNOTSUPP,
    "hugepageLimits[0].pageSize: no 16GB huge pages on this machine (no hugetlb.16GB.max)" },
  { "{\"rdma\": {\"mlx9\": {\"hcaHandles\": 1}}}", ENODEV,
    "rdma[\"mlx9\"]: no RDMA device mlx9 here" },
  { "{\"unified\": {\"memory\": \"1\"}}", EINVAL,
    "unified[\"memory\"]: not a cgroup v2 file name" },
  { "{\"unified\": {\"memory.foo\": \"1\"}}", EOPNOTSUPP,
    "unified[\"memory.foo\"]: not supported here: no memory.foo in /r" },
  { "{\"unified\": {\"misc.max\": \"1\"}}", EOPNOTSUPP,
    "unified[\"misc.max\"]: the misc controller is not available on this machine" },
  { "{\"pids\": {\"limit\": 5}, \"unified\": {\"misc.max\": \"1\"}}", EOPNOTSUPP, "misc" },
  { "{\"unified\": {\"cgroup.procs\": \"1\"}}", EINVAL, "unified[\"cgroup.procs\"]: not a limit" },
  { "{\"unified\": {\"cgroup.subtree_control\": \"+io\"}}", EINVAL,
    "unified[\"cgroup.subtree_control\"]: not a limit" },
  { "{\"unified\": {\"cgroup.type\": \"threaded\"}}", EINVAL, "unified[\"cgroup.type\"]: not a limit" },
  { "{\"unified\": {\"cgroup.freeze\": \"1\"}}", EINVAL, "unified[\"cgroup.freeze\"]: not a limit" },
};

static void test_refusals(void **state)
{
  for (guint i = 0; i < G_N_ELEMENTS(refusals); i++) {
    FakeTree *t = res_tree_v2(FALSE);
    g_autoptr(CgfsCgroup) cg = res_cgroup(t, 2, "/r");
    fake_tree_write(t, "sys/fs/cgroup/r/memory.current", "1048576\n");
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

static void test_no_swap_support(void **state)
{
  FakeTree *t = res_tree_v2(FALSE);
  g_autoptr(CgfsCgroup) cg = res_cgroup(t, 2, "/s");
  g_autofree char *swap = fake_tree_path(t, "sys/fs/cgroup/s/memory.swap.max");
  assert_int_equal(unlink(swap), 0);
  res_assert_plan(cg, "{\"memory\": {\"limit\": 4096, \"swap\": 4096}}", "memory.max=4096\n");
  res_assert_plan(cg, "{\"memory\": {\"limit\": 4096, \"swap\": -1}}", "memory.max=4096\n");
  g_autoptr(CgfsResources) r = res_parse("{\"memory\": {\"limit\": 4096, \"swap\": 8192}}");
  GError *error = NULL;
  assert_false(cgfs_cgroup_update(cg, r, &error));
  assert_gerror(error, EOPNOTSUPP, "memory.swap: this machine has no swap support");
  g_clear_error(&error);
  fake_tree_free(t);
}

/* A file written twice in one update ends with the later value, even where that value is what
 * the file held before the update (unified comes last). */
static void test_written_twice(void **state)
{
  FakeTree *t = res_tree_v2(FALSE);
  g_autoptr(CgfsCgroup) cg = res_cgroup(t, 2, "/w2");
  res_assert_plan(cg, "{\"memory\": {\"limit\": 1073741824}, \"unified\": {\"memory.max\": \"max\"}}",
                  "memory.max=1073741824\nmemory.max=max\n");
  res_update_ok(cg, "{\"memory\": {\"limit\": 1073741824}, \"unified\": {\"memory.max\": \"max\"}}");
  res_assert_file(t, "sys/fs/cgroup/w2/memory.max", "max");
  fake_tree_free(t);
}

/* A new grandchild: each controller is enabled in its parent, and disabled again on failure. */
static void test_enable_in_ancestors(void **state)
{
  FakeTree *t = res_tree_v2(FALSE);
  g_autoptr(CgfsCgroup) cg = res_cgroup(t, 2, "/a/b");
  res_update_ok(cg, "{\"memory\": {\"limit\": 4096}}");
  res_assert_file(t, "sys/fs/cgroup/a/cgroup.subtree_control", "+memory");
  res_assert_file(t, "sys/fs/cgroup/a/b/cgroup.subtree_control", "\n");
  res_assert_file(t, "sys/fs/cgroup/a/b/memory.max", "4096");
  fake_tree_free(t);
}

static void test_enable_rolled_back(void **state)
{
  FakeTree *t = res_tree_v2(FALSE);
  g_autoptr(CgfsCgroup) cg = res_cgroup(t, 2, "/a/b");
  g_autoptr(GHashTable) before = res_tree_snapshot(t);
  g_autoptr(CgfsResources) r = res_parse("{\"memory\": {\"limit\": 4096}, \"pids\": {\"limit\": 5},"
                                     " \"rdma\": {\"nope\": {\"hcaHandles\": 1}}}");
  GError *error = NULL;
  assert_false(cgfs_cgroup_update(cg, r, &error));
  assert_gerror(error, ENODEV, "rdma[\"nope\"]");
  g_clear_error(&error);
  /* +memory, +pids, +rdma were written while planning; undone in reverse order */
  res_assert_file(t, "sys/fs/cgroup/a/cgroup.subtree_control", "-memory");
  fake_tree_write(t, "sys/fs/cgroup/a/cgroup.subtree_control", "\n");
  res_assert_tree_equals(t, before, NULL);
  fake_tree_free(t);
}

static void test_no_internal_processes(void **state)
{
  FakeTree *t = res_tree_v2(FALSE);
  g_autoptr(CgfsCgroup) cg = res_cgroup(t, 2, "/a/b");
  fake_tree_write(t, "sys/fs/cgroup/a/cgroup.procs", "42\n");
  g_autoptr(GHashTable) before = res_tree_snapshot(t);
  /* a domain controller: checked before the write (the threaded ones, as pids, are left to the
   * kernel, which waives the rule for them in a cgroup that can become a thread root) */
  g_autoptr(CgfsResources) r = res_parse("{\"memory\": {\"limit\": 1048576}}");
  GError *error = NULL;
  assert_false(cgfs_cgroup_update(cg, r, &error));
  g_autofree char *dir = fake_tree_path(t, "sys/fs/cgroup/a");
  g_autofree char *want = g_strdup_printf(
      "memory.limit: cannot enable the memory controller in %s/cgroup.subtree_control: %s has "
      "processes", dir, dir);
  assert_gerror(error, EBUSY, want);
  assert_non_null(strstr(error->message, "no-internal-process rule"));
  g_clear_error(&error);
  res_assert_tree_equals(t, before, NULL);
  /* already enabled in the parent: nothing to write there, the processes do not matter */
  fake_tree_write(t, "sys/fs/cgroup/a/b/cgroup.controllers", "memory pids\n");
  res_update_ok(cg, "{\"pids\": {\"limit\": 5}}");
  res_assert_file(t, "sys/fs/cgroup/a/b/pids.max", "5");
  res_assert_file(t, "sys/fs/cgroup/a/cgroup.subtree_control", "\n");
  fake_tree_free(t);
}

/* What the kernel shows after such writes, and what reading it back gives. */
static void test_read_back_round_trip(void **state)
{
  FakeTree *t = res_tree_v2(FALSE);
  g_autoptr(CgfsCgroup) cg = res_cgroup(t, 2, "/rt");
  const char *const files[] = {
    "memory.max", "536870912\n", "memory.swap.max", "536870912\n", "memory.low", "268435456\n",
    "cpu.weight", "59\n", "cpu.max", "50000 200000\n", "cpu.max.burst", "10000\n",
    "cpuset.cpus", "0-1\n", "pids.max", "100\n", "io.weight", "default 100\n8:0 910\n",
    "io.max", "8:0 rbps=1048576 wbps=max riops=max wiops=100\n8:16 rbps=max wbps=7 riops=max wiops=max\n",
    "hugetlb.2MB.max", "209715200\n", "hugetlb.2MB.rsvd.max", "104857600\n", "rdma.max",
    "mlx5_1 hca_handle=3 hca_object=max\nmlx4_0 hca_handle=max hca_object=max\n", NULL,
  };
  for (const char *const *f = files; *f; f += 2) {
    g_autofree char *rel = g_strconcat("sys/fs/cgroup/rt/", f[0], NULL);
    fake_tree_write(t, rel, f[1]);
  }
  GError *error = NULL;
  g_autoptr(CgfsResources) back = cgfs_cgroup_read_resources(cg, &error);
  assert_no_gerror(error);
  assert_true(back->memory.has_limit && back->memory.limit == 536870912);
  assert_true(back->memory.has_swap && back->memory.swap == 1073741824);
  assert_true(back->memory.has_reservation && back->memory.reservation == 268435456);
  assert_false(back->memory.has_swappiness);
  assert_int_equal(back->cpu.shares, 521); /* 512 gives weight 59; 521 is the largest that does */
  assert_true(back->cpu.quota == 50000 && back->cpu.period == 200000 && back->cpu.burst == 10000);
  assert_false(back->cpu.has_realtime_runtime);
  assert_string_equal(back->cpu.cpus, "0-1");
  assert_int_equal(back->pids.limit, 100);
  /* io.weight's default 100 has no exact blockIO.weight: the file is reported whole */
  assert_false(back->block_io.has_weight);
  assert_int_equal(back->block_io.weight_device->len, 0);
  assert_int_equal(back->block_io.throttle_read_bps_device->len, 1);
  assert_int_equal(back->block_io.throttle_write_bps_device->len, 1);
  assert_int_equal(back->block_io.throttle_write_iops_device->len, 1);
  assert_int_equal(g_array_index(back->block_io.throttle_write_bps_device, CgfsThrottleDevice,
                                 0).minor, 16);
  assert_int_equal(back->rdma->len, 1);
  assert_int_equal(back->devices->len, 0);
  g_autofree char *json = cgfs_resources_to_json(back, NULL);
  assert_non_null(strstr(json, "\"io.weight\" : \"default 100\\n8:0 910\""));
  assert_non_null(strstr(json, "\"memory.high\" : \"max\""));
  /* a reservation limit unlike the usage limit: kept as it is */
  assert_non_null(strstr(json, "\"hugetlb.2MB.rsvd.max\" : \"104857600\""));
  assert_non_null(strstr(json, "\"pageSize\" : \"1GB\",\n      \"limit\" : 9223372036854771712"));
  /* writing it back: nothing to write, nothing changed, the same read */
  res_assert_plan(cg, json, "");
  g_autoptr(GHashTable) before = res_tree_snapshot(t);
  res_update_ok(cg, json);
  res_assert_tree_equals(t, before, NULL);
  g_autoptr(CgfsResources) again = cgfs_cgroup_read_resources(cg, &error);
  assert_no_gerror(error);
  g_autofree char *json2 = cgfs_resources_to_json(again, NULL);
  assert_string_equal(json, json2);
  /* an io.weight with an exact OCI form reads back as blockIO */
  fake_tree_write(t, "sys/fs/cgroup/rt/io.weight", "default 4950\n8:0 910\n");
  g_autoptr(CgfsResources) exact = cgfs_cgroup_read_resources(cg, &error);
  assert_true(exact->block_io.has_weight && exact->block_io.weight == 500);
  assert_int_equal(g_array_index(exact->block_io.weight_device, CgfsWeightDevice, 0).weight, 100);
  g_autofree char *json3 = cgfs_resources_to_json(exact, NULL);
  assert_null(strstr(json3, "io.weight"));
  res_assert_plan(cg, json3, "");
  /* a finite swap.max under an unlimited memory.max has no OCI form: kept under unified */
  fake_tree_write(t, "sys/fs/cgroup/rt/memory.max", "max\n");
  fake_tree_write(t, "sys/fs/cgroup/rt/memory.swap.max", "0\n");
  g_autoptr(CgfsResources) noswap = cgfs_cgroup_read_resources(cg, &error);
  assert_false(noswap->memory.has_swap);
  g_autofree char *json4 = cgfs_resources_to_json(noswap, NULL);
  assert_non_null(strstr(json4, "\"memory.swap.max\" : \"0\""));
  res_assert_plan(cg, json4, "");
  fake_tree_free(t);
}

static void test_new_applies_resources(void **state)
{
  FakeTree *t = res_tree_v2(FALSE);
  g_autoptr(CgfsSystem) sys = fake_tree_system(t);
  GError *error = NULL;
  g_autoptr(CgfsHierarchy) h = cgfs_hierarchy_v2(sys, &error);
  g_autoptr(CgfsResources) r = res_parse("{\"cpu\": {\"shares\": 2048}}");
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(h, CGFS_STATIC_PATH("/n/m"), r, &error);
  assert_no_gerror(error);
  assert_non_null(cg);
  res_assert_file(t, "sys/fs/cgroup/n/m/cpu.weight", "174");
  res_assert_file(t, "sys/fs/cgroup/n/cgroup.subtree_control", "+cpu");
  g_autoptr(GHashTable) before = res_tree_snapshot(t);
  g_autoptr(CgfsResources) bad = res_parse("{\"cpu\": {\"shares\": 2048}, \"network\": {\"classID\": 1}}");
  assert_null(cgfs_cgroup_new(h, CGFS_STATIC_PATH("/x/y"), bad, &error));
  assert_gerror(error, EOPNOTSUPP, "network.classID");
  g_clear_error(&error);
  assert_false(fake_tree_exists(t, "sys/fs/cgroup/x"));
  res_assert_tree_equals(t, before, NULL);
  fake_tree_free(t);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_conversions),
    cmocka_unit_test(test_rollback_at_each_write),
    cmocka_unit_test(test_bfq_and_defaults),
    cmocka_unit_test(test_refusals),
    cmocka_unit_test(test_no_swap_support),
    cmocka_unit_test(test_written_twice),
    cmocka_unit_test(test_enable_in_ancestors),
    cmocka_unit_test(test_enable_rolled_back),
    cmocka_unit_test(test_no_internal_processes),
    cmocka_unit_test(test_read_back_round_trip),
    cmocka_unit_test(test_new_applies_resources),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
