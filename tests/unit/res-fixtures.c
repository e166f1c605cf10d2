#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "res-fixtures.h"
#include "unit-common.h"

#define UNLIMITED "9223372036854771712\n"

static void templates(FakeTree *t, const char *mount, const char *const *pairs)
{
  for (const char *const *p = pairs; *p; p += 2)
    fake_tree_template(t, mount, p[0], p[1]);
}

static const char *const memory_v1[] = {
  "memory.limit_in_bytes", UNLIMITED, "memory.soft_limit_in_bytes", UNLIMITED,
  "memory.memsw.limit_in_bytes", UNLIMITED, "memory.kmem.limit_in_bytes", UNLIMITED,
  "memory.kmem.tcp.limit_in_bytes", UNLIMITED, "memory.swappiness", "60\n",
  "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n",
  "memory.use_hierarchy", "1\n", "memory.usage_in_bytes", "0\n", NULL,
};

static const char *const cpu_v1[] = {
  "cpu.shares", "1024\n", "cpu.cfs_quota_us", "-1\n", "cpu.cfs_period_us", "100000\n",
  "cpu.cfs_burst_us", "0\n", "cpu.rt_runtime_us", "0\n", "cpu.rt_period_us", "1000000\n",
  "cpu.idle", "0\n", NULL,
};

static const char *const throttle_v1[] = {
  "blkio.throttle.read_bps_device", "", "blkio.throttle.write_bps_device", "",
  "blkio.throttle.read_iops_device", "", "blkio.throttle.write_iops_device", "", NULL,
};

static const char *const bfq_v1[] = {
  "blkio.bfq.weight", "100\n", "blkio.bfq.weight_device", "default 100\n", NULL,
};

static const char *const cfq_v1[] = {
  "blkio.weight", "500\n", "blkio.weight_device", "", "blkio.leaf_weight", "500\n",
  "blkio.leaf_weight_device", "", NULL,
};

static const char *const devices_v1[] = {
  "devices.allow", "", "devices.deny", "", "devices.list", "a *:* rwm\n", NULL,
};

static const char *const pids_v1[] = { "pids.max", "max\n", NULL };

static void v1_controller_templates(FakeTree *t, gboolean cfq)
{
  templates(t, "sys/fs/cgroup/memory", memory_v1);
  templates(t, "sys/fs/cgroup/cpu", cpu_v1);
  templates(t, "sys/fs/cgroup/blkio", throttle_v1);
  templates(t, "sys/fs/cgroup/blkio", cfq ? cfq_v1 : bfq_v1);
  templates(t, "sys/fs/cgroup/devices", devices_v1);
  templates(t, "sys/fs/cgroup/pids", pids_v1);
}

FakeTree *res_tree_v1(void)
{
  FakeTree *t = fake_tree_new_v1();
  v1_controller_templates(t, FALSE);
  return t;
}

static const char *const full_mounts[] = {
  "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "hugetlb",
  "net_cls", "net_prio", "rdma", NULL,
};

FakeTree *res_tree_v1_full(void)
{
  FakeTree *t = fake_tree_new();
  GString *mi = g_string_new(NULL), *self = g_string_new(NULL);
  for (guint i = 0; full_mounts[i]; i++) {
    g_string_append_printf(mi, "%u 30 0:%u / /sys/fs/cgroup/%s rw,relatime - cgroup cgroup rw,%s\n",
                           40 + i, 40 + i, full_mounts[i], full_mounts[i]);
    g_string_append_printf(self, "%u:%s:/\n", i + 1, full_mounts[i]);
    g_autofree char *m = g_strconcat("sys/fs/cgroup/", full_mounts[i], NULL);
    fake_tree_template(t, m, "cgroup.procs", "");
    fake_tree_template(t, m, "tasks", "");
  }
  fake_tree_write(t, "proc/self/mountinfo", mi->str);
  fake_tree_write(t, "proc/self/cgroup", self->str);
  g_string_free(mi, TRUE);
  g_string_free(self, TRUE);
  v1_controller_templates(t, TRUE);
  fake_tree_template(t, "sys/fs/cgroup/cpuset", "cpuset.cpus", "\n");
  fake_tree_template(t, "sys/fs/cgroup/cpuset", "cpuset.mems", "\n");
  static const char *const hugetlb[] = {
    "hugetlb.2MB.limit_in_bytes", UNLIMITED, "hugetlb.2MB.rsvd.limit_in_bytes", UNLIMITED,
    "hugetlb.64KB.limit_in_bytes", UNLIMITED, "hugetlb.1GB.limit_in_bytes", UNLIMITED,
    "hugetlb.2MB.usage_in_bytes", "0\n", NULL,
  };
  templates(t, "sys/fs/cgroup/hugetlb", hugetlb);
  fake_tree_template(t, "sys/fs/cgroup/net_cls", "net_cls.classid", "0\n");
  fake_tree_template(t, "sys/fs/cgroup/net_prio", "net_prio.ifpriomap", "lo 0\neth0 0\neth1 0\n");
  fake_tree_template(t, "sys/fs/cgroup/rdma", "rdma.max",
                     "mlx5_1 hca_handle=max hca_object=max\nmlx4_0 hca_handle=max hca_object=max\n"
                     "rxe3 hca_handle=max hca_object=max\n");
  for (guint i = 0; full_mounts[i]; i++) {
    g_autofree char *m = g_strconcat("sys/fs/cgroup/", full_mounts[i], NULL);
    fake_tree_mkcg(t, m);
  }
  fake_tree_write(t, "sys/fs/cgroup/cpuset/cpuset.cpus", "0-7\n");
  fake_tree_write(t, "sys/fs/cgroup/cpuset/cpuset.mems", "0-7\n");
  return t;
}

static const char *const v2_files[] = {
  "memory.max", "max\n", "memory.low", "0\n", "memory.swap.max", "max\n", "memory.min", "0\n",
  "memory.high", "max\n", "memory.swap.high", "max\n", "memory.oom.group", "0\n",
  "memory.current", "0\n", "cpu.weight", "100\n", "cpu.max", "max 100000\n",
  "cpu.max.burst", "0\n", "cpu.idle", "0\n", "cpuset.cpus", "\n", "cpuset.mems", "\n",
  "io.max", "", "io.weight", "default 100\n", "pids.max", "max\n",
  "hugetlb.2MB.max", "max\n", "hugetlb.2MB.rsvd.max", "max\n", "hugetlb.1GB.max", "max\n",
  "hugetlb.1GB.rsvd.max", "max\n", "hugetlb.64KB.max", "max\n", "hugetlb.64KB.rsvd.max", "max\n",
  "rdma.max", "mlx5_1 hca_handle=max hca_object=max\nmlx4_0 hca_handle=max hca_object=max\n"
              "rxe3 hca_handle=max hca_object=max\n",
  NULL,
};

FakeTree *res_tree_v2(gboolean bfq)
{
  FakeTree *t = fake_tree_new_v2("cpuset cpu io memory hugetlb pids rdma");
  templates(t, "sys/fs/cgroup", v2_files);
  if (bfq)
    fake_tree_template(t, "sys/fs/cgroup", "io.bfq.weight", "default 100\n");
  return t;
}

static void snapshot_dir(const char *root, const char *rel, GHashTable *out)
{
  g_autofree char *dir = g_build_filename(root, rel, NULL);
  GDir *d = g_dir_open(dir, 0, NULL);
  if (!d)
    return;
  const char *name;
  while ((name = g_dir_read_name(d))) {
    g_autofree char *child_rel = *rel ? g_build_filename(rel, name, NULL) : g_strdup(name);
    g_autofree char *child = g_build_filename(root, child_rel, NULL);
    if (g_file_test(child, G_FILE_TEST_IS_DIR)) {
      snapshot_dir(root, child_rel, out);
      continue;
    }
    char *content = NULL;
    if (g_file_get_contents(child, &content, NULL, NULL))
      g_hash_table_insert(out, g_steal_pointer(&child_rel), content);
  }
  g_dir_close(d);
}

GHashTable *res_tree_snapshot(FakeTree *t)
{
  GHashTable *out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  snapshot_dir(t->root, "", out);
  return out;
}

/* devices.allow and devices.deny are write-only in the kernel: their content is no state (the
 * state is devices.list), so a fake tree's copy of the last write is not compared. */
static gboolean write_only(const char *path)
{
  return g_str_has_suffix(path, "/devices.allow") || g_str_has_suffix(path, "/devices.deny");
}

static const char *const keyed_files[] = {
  "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
  "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device", "blkio.weight_device",
  "blkio.leaf_weight_device", "blkio.bfq.weight_device", "net_prio.ifpriomap", "rdma.max",
  "io.max", "io.weight", "io.bfq.weight", NULL,
};

/* Lines that put a key back to the kernel's default: the entry is gone from the file. */
static const char *const resets[] = {
  " 0", " default", " rbps=max wbps=max riops=max wiops=max", " hca_handle=max hca_object=max",
  NULL,
};

/* A keyed file is written a key at a time: the fake file holds the last restoring write, which
 * the kernel would apply to its entry. Equivalent when each line written back is a line of the
 * old content or a reset of its key. */
static gboolean keyed_equivalent(const char *old, const char *now)
{
  g_auto(GStrv) old_lines = g_strsplit(old, "\n", -1);
  g_auto(GStrv) lines = g_strsplit(now, "\n", -1);
  for (char **l = lines; *l; l++) {
    gboolean ok = !**l || g_strv_contains((const char *const *)old_lines, *l);
    for (const char *const *r = resets; !ok && *r; r++)
      ok = g_str_has_suffix(*l, *r);
    if (!ok)
      return FALSE;
  }
  return TRUE;
}

/* What is equivalent to @old once written back (kernel files read differently than written). */
static gboolean equivalent(const char *path, const char *old, const char *now)
{
  if (strcmp(old, now) == 0)
    return TRUE;
  g_autofree char *base = g_path_get_basename(path);
  if (g_strv_contains(keyed_files, base))
    return keyed_equivalent(old, now);
  if (strcmp(base, "memory.oom_control") == 0)
    return g_str_has_prefix(old, "oom_kill_disable ") && strlen(now) == 1 &&
           now[0] == old[strlen("oom_kill_disable ")];
  return FALSE;
}

void res_assert_tree_equals(FakeTree *t, GHashTable *before, const char *except)
{
  g_autoptr(GHashTable) after = res_tree_snapshot(t);
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, before);
  while (g_hash_table_iter_next(&it, &key, &value)) {
    if ((except && strcmp(key, except) == 0) || write_only(key))
      continue;
    const char *now = g_hash_table_lookup(after, key);
    if (!now)
      fail_msg("%s disappeared", (char *)key);
    if (!equivalent(key, value, now))
      fail_msg("%s changed: '%s' -> '%s'", (char *)key, (char *)value, now);
  }
  g_hash_table_iter_init(&it, after);
  while (g_hash_table_iter_next(&it, &key, &value))
    if (!g_hash_table_contains(before, key) && !(except && g_str_has_prefix(key, except)))
      fail_msg("%s appeared", (char *)key);
}

char *res_plan_summary(const CgfsPlan *p)
{
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < cgfs_plan_length(p); i++) {
    const CgfsPlannedWrite *pw = cgfs_plan_get(p, i);
    if (!pw->skip)
      g_string_append_printf(s, "%s=%s\n", pw->w.file, pw->w.value);
  }
  return g_string_free(s, FALSE);
}

CgfsCgroup *res_cgroup(FakeTree *t, int version, const char *path)
{
  g_autoptr(CgfsSystem) sys = fake_tree_system(t);
  GError *error = NULL;
  g_autoptr(CgfsHierarchy) h = version == 2 ? cgfs_hierarchy_v2(sys, &error)
                                            : cgfs_hierarchy_v1(sys, &error);
  assert_no_gerror(error);
  CgfsCgroup *cg = cgfs_cgroup_new(h, CGFS_STATIC_PATH(path), NULL, &error);
  assert_no_gerror(error);
  return cg;
}

CgfsResources *res_parse(const char *json)
{
  GError *error = NULL;
  CgfsResources *r = cgfs_resources_from_json(json, -1, &error);
  assert_no_gerror(error);
  return r;
}

CgfsPlan *res_plan_of(CgfsCgroup *cg, const char *json)
{
  g_autoptr(CgfsResources) r = res_parse(json);
  GError *error = NULL;
  CgfsPlan *p = cgfs_resources_plan(cg, r, &error);
  assert_no_gerror(error);
  return p;
}

void res_assert_plan(CgfsCgroup *cg, const char *json, const char *expected)
{
  g_autoptr(CgfsPlan) p = res_plan_of(cg, json);
  g_autofree char *summary = res_plan_summary(p);
  if (strcmp(summary, expected) == 0)
    return;
  /* cmocka truncates long messages: the plans go to stderr whole. */
  fprintf(stderr, "%s\nplanned:\n%s\nwanted:\n%s\n", json, summary, expected);
  fail_msg("the plan differs from the one wanted (both above)");
}

void res_update_ok(CgfsCgroup *cg, const char *json)
{
  g_autoptr(CgfsResources) r = res_parse(json);
  GError *error = NULL;
  assert_true(cgfs_cgroup_update(cg, r, &error));
  assert_no_gerror(error);
}

void res_assert_file(FakeTree *t, const char *rel, const char *want)
{
  g_autofree char *got = fake_tree_read(t, rel);
  if (!got || strcmp(got, want) != 0)
    fail_msg("%s holds '%s', wanted '%s'", rel, got ? got : "(missing)", want);
}
