/* Discovery: mountinfo and /proc/self/cgroup parsing on real samples. */
#include <string.h>

#include "fake-tree.h"
#include "system-private.h"
#include "unit-common.h"

static CgfsSystem *system_from_fixture(const char *name)
{
  g_autofree char *mi = g_strdup_printf("%s/mountinfo/%s.mountinfo", FIXTURES_DIR, name);
  g_autofree char *cg = g_strdup_printf("%s/mountinfo/%s.cgroup", FIXTURES_DIR, name);
  CgfsSystemSources src = { mi, cg, "/nonexistent-prefix" };
  GError *error = NULL;
  CgfsSystem *sys = cgfs_system_new_from(&src, &error);
  assert_no_gerror(error);
  return sys;
}

static void test_this_machine(void **state)
{
  g_autoptr(CgfsSystem) sys = system_from_fixture("this-machine");
  assert_int_equal(cgfs_system_mode(sys), CGFS_MODE_HYBRID);
  assert_int_equal(cgfs_system_n_mounts(sys), 10);
  const CgfsMount *mem = cgfs_system_find_mount(sys, "memory");
  assert_non_null(mem);
  assert_int_equal(mem->version, 1);
  assert_string_equal(mem->mount_point, "/sys/fs/cgroup/memory");
  assert_string_equal(mem->dir, "/nonexistent-prefix/sys/fs/cgroup/memory");
  assert_string_equal(mem->root, "/");
  assert_int_equal(mem->hierarchy_id, 4);
  assert_string_equal(mem->self_path, "/process_api/18450269ca5f20843ea0675108089360");
  const CgfsMount *sd = cgfs_system_find_mount(sys, "name=systemd");
  assert_non_null(sd);
  assert_string_equal(sd->mount_point, "/sys/fs/cgroup/systemd");
  assert_int_equal(g_strv_length(sd->controllers), 1);
  const CgfsMount *u = cgfs_system_find_mount(sys, "unified");
  assert_non_null(u);
  assert_int_equal(u->version, 2);
  assert_int_equal(u->hierarchy_id, 0);
  assert_string_equal(u->self_path, "/");
  assert_string_equal(u->mount_point, "/sys/fs/cgroup/unified");
  assert_null(cgfs_system_find_mount(sys, "hugetlb"));
}

static void test_unified(void **state)
{
  g_autoptr(CgfsSystem) sys = system_from_fixture("debian12-unified");
  assert_int_equal(cgfs_system_mode(sys), CGFS_MODE_UNIFIED);
  assert_int_equal(cgfs_system_n_mounts(sys), 1);
  const CgfsMount *u = cgfs_system_find_mount(sys, "unified");
  assert_non_null(u);
  assert_string_equal(u->mount_point, "/sys/fs/cgroup");
  assert_string_equal(u->self_path, "/user.slice/user-1000.slice/session-3.scope");
  assert_null(cgfs_system_find_mount(sys, "memory"));
  GError *error = NULL;
  g_autoptr(CgfsHierarchy) h = cgfs_hierarchy_detect(sys, &error);
  assert_no_gerror(error);
  assert_int_equal(cgfs_hierarchy_version(h), 2);
  g_autoptr(CgfsHierarchy) v1 = cgfs_hierarchy_v1(sys, &error);
  assert_null(v1);
  assert_gerror(error, ENODEV, "no cgroup v1 hierarchy");
  g_clear_error(&error);
}

static void test_hybrid_comounted(void **state)
{
  g_autoptr(CgfsSystem) sys = system_from_fixture("ubuntu2004-hybrid");
  assert_int_equal(cgfs_system_mode(sys), CGFS_MODE_HYBRID);
  const CgfsMount *cpu = cgfs_system_find_mount(sys, "cpu");
  const CgfsMount *acct = cgfs_system_find_mount(sys, "cpuacct");
  assert_ptr_equal(cpu, acct);
  assert_string_equal(cpu->mount_point, "/sys/fs/cgroup/cpu,cpuacct");
  assert_int_equal(cpu->hierarchy_id, 3);
  assert_string_equal(cpu->self_path, "/user.slice");
  /* clone_children is an option, not a subsystem */
  const CgfsMount *cpuset = cgfs_system_find_mount(sys, "cpuset");
  assert_int_equal(g_strv_length(cpuset->controllers), 1);
  assert_null(cgfs_system_find_mount(sys, "clone_children"));
  GError *error = NULL;
  g_autoptr(CgfsHierarchy) h = cgfs_hierarchy_detect(sys, &error);
  assert_no_gerror(error);
  assert_int_equal(cgfs_hierarchy_version(h), 1);
  /* 12 v1 mounts carrying 14 subsystems, co-mounted ones listed each */
  assert_int_equal(cgfs_hierarchy_n_subsystems(h), 14);
  assert_non_null(cgfs_hierarchy_find(h, "net_prio"));
  assert_non_null(cgfs_hierarchy_find(h, "name=systemd"));
  g_autoptr(CgfsHierarchy) one = cgfs_hierarchy_single(sys, "cpuacct", &error);
  assert_no_gerror(error);
  assert_int_equal(cgfs_hierarchy_n_subsystems(one), 1);
  assert_string_equal(cgfs_hierarchy_subsystem(one, 0)->name, "cpuacct");
  g_autoptr(CgfsHierarchy) none = cgfs_hierarchy_single(sys, "misc", &error);
  assert_null(none);
  assert_gerror(error, ENODEV, "'misc' is not mounted");
  g_clear_error(&error);
}

static void test_container_mount_roots(void **state)
{
  g_autoptr(CgfsSystem) sys = system_from_fixture("docker-v1-container");
  assert_int_equal(cgfs_system_mode(sys), CGFS_MODE_LEGACY);
  const CgfsMount *mem = cgfs_system_find_mount(sys, "memory");
  assert_string_equal(mem->root, "/docker/4e3c2a1b");
  /* the process's cgroup is the mount's root: its directory is the mount point */
  g_autofree char *own = cgfs_mount_dir_for(mem, mem->self_path);
  assert_string_equal(own, "/nonexistent-prefix/sys/fs/cgroup/memory");
  g_autofree char *below = cgfs_mount_dir_for(mem, "/docker/4e3c2a1b/x");
  assert_string_equal(below, "/nonexistent-prefix/sys/fs/cgroup/memory/x");
  assert_null(cgfs_mount_dir_for(mem, "/other"));
  assert_null(cgfs_mount_dir_for(mem, "/docker/4e3c2a1bb"));
  /* the second mount of the same hierarchy (with an escaped space) is not listed again */
  assert_int_equal(cgfs_system_n_mounts(sys), 5);
}

static void test_unescape(void **state)
{
  g_autofree char *s = cgfs_mountinfo_unescape("/mnt/with\\040space\\011tab\\134");
  assert_string_equal(s, "/mnt/with space\ttab\\");
  g_autofree char *t = cgfs_mountinfo_unescape("/plain\\9");
  assert_string_equal(t, "/plain\\9");
}

static void test_malformed(void **state)
{
  GError *error = NULL;
  g_autoptr(GArray) m = cgfs_parse_mountinfo("29 23 0:26 / /sys/fs/cgroup rw shared:4\n", "", &error);
  assert_null(m);
  assert_gerror(error, EBADMSG, "invalid file format");
  g_clear_error(&error);
  g_autoptr(GArray) c = cgfs_parse_proc_cgroup("4:memory\n", &error);
  assert_null(c);
  assert_gerror(error, EBADMSG, "invalid file format");
  g_clear_error(&error);
  g_autoptr(GArray) c2 = cgfs_parse_proc_cgroup("x:memory:/\n", &error);
  assert_null(c2);
  assert_gerror(error, EBADMSG, "line 'x:memory:/'");
  g_clear_error(&error);
  g_autoptr(GArray) empty = cgfs_parse_mountinfo("", "", &error);
  assert_no_gerror(error);
  assert_int_equal(empty->len, 0);
}

static void test_proc_cgroup(void **state)
{
  GError *error = NULL;
  g_autoptr(GArray) c = cgfs_parse_proc_cgroup(
      "3:cpu,cpuacct:/a:b\n1:name=systemd:/\n0::/x/y\n", &error);
  assert_no_gerror(error);
  assert_int_equal(c->len, 3);
  CgfsSelfCgroup *first = &g_array_index(c, CgfsSelfCgroup, 0);
  assert_int_equal(first->hierarchy_id, 3);
  assert_int_equal(g_strv_length(first->controllers), 2);
  assert_string_equal(first->path, "/a:b"); /* a colon in a cgroup name survives */
  CgfsSelfCgroup *v2 = &g_array_index(c, CgfsSelfCgroup, 2);
  assert_int_equal(g_strv_length(v2->controllers), 0);
}

static void test_missing_sources(void **state)
{
  CgfsSystemSources src = { "/nonexistent/mountinfo", "/proc/self/cgroup", NULL };
  GError *error = NULL;
  CgfsSystem *sys = cgfs_system_new_from(&src, &error);
  assert_null(sys);
  assert_gerror(error, ENOENT, "/nonexistent/mountinfo");
  g_clear_error(&error);
}

static void test_no_cgroups(void **state)
{
  FakeTree *t = fake_tree_new();
  fake_tree_write(t, "proc/self/mountinfo", "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n");
  fake_tree_write(t, "proc/self/cgroup", "");
  CgfsSystem *sys = fake_tree_system(t);
  assert_int_equal(cgfs_system_mode(sys), CGFS_MODE_UNAVAILABLE);
  GError *error = NULL;
  assert_null(cgfs_hierarchy_detect(sys, &error));
  assert_gerror(error, ENODEV, "cgroup mountpoint does not exist");
  g_clear_error(&error);
  assert_null(cgfs_hierarchy_v2(sys, &error));
  assert_gerror(error, ENODEV, "no cgroup2");
  g_clear_error(&error);
  cgfs_system_unref(sys);
  fake_tree_free(t);
}

static void test_v2_controllers_read(void **state)
{
  FakeTree *t = fake_tree_new_v2("cpuset cpu io memory hugetlb pids rdma misc");
  g_autoptr(CgfsSystem) sys = fake_tree_system(t);
  const CgfsMount *u = cgfs_system_find_mount(sys, "unified");
  assert_int_equal(g_strv_length(u->controllers), 8);
  assert_string_equal(u->controllers[2], "io");
  fake_tree_free(t);
}

static void test_hierarchy_from_string(void **state)
{
  g_autoptr(CgfsSystem) sys = system_from_fixture("this-machine");
  GError *error = NULL;
  g_autoptr(CgfsHierarchy) a = cgfs_hierarchy_from_string(sys, "auto", &error);
  assert_no_gerror(error);
  assert_int_equal(cgfs_hierarchy_version(a), 1);
  assert_int_equal(cgfs_hierarchy_n_subsystems(a), 9);
  g_autoptr(CgfsHierarchy) b = cgfs_hierarchy_from_string(sys, "v2", &error);
  assert_no_gerror(error);
  assert_int_equal(cgfs_hierarchy_version(b), 2);
  g_autoptr(CgfsHierarchy) c = cgfs_hierarchy_from_string(sys, "memory", &error);
  assert_no_gerror(error);
  assert_int_equal(cgfs_hierarchy_n_subsystems(c), 1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_this_machine),
    cmocka_unit_test(test_unified),
    cmocka_unit_test(test_hybrid_comounted),
    cmocka_unit_test(test_container_mount_roots),
    cmocka_unit_test(test_unescape),
    cmocka_unit_test(test_malformed),
    cmocka_unit_test(test_proc_cgroup),
    cmocka_unit_test(test_missing_sources),
    cmocka_unit_test(test_no_cgroups),
    cmocka_unit_test(test_v2_controllers_read),
    cmocka_unit_test(test_hierarchy_from_string),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
