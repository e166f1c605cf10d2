/* Cgroup namespaces: a namespace's root from /proc/PID/cgroup read outside and inside it, and
 * where a cgroup lies for it (lib/core/cgroupns.c). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fake-tree.h"
#include "unit-common.h"

static CgfsNsRoot *root_of(FakeMachine *m, const char *absolute, const char *relative)
{
  GError *error = NULL;
  CgfsNsRoot *r = cgfs_ns_root_new(m->h, absolute, relative, &error);
  assert_no_gerror(error);
  assert_non_null(r);
  return r;
}

static void test_v2_places(void **state)
{
  FakeMachine *m = *state = fake_machine_new(fake_tree_new_v2("cpu memory pids"), "v2");
  g_autoptr(CgfsNsRoot) r = root_of(m, "0::/a/b/c\n", "0::/c\n");
  assert_int_equal(cgfs_ns_root_place(r, "/"), CGFS_NS_ABOVE);
  assert_int_equal(cgfs_ns_root_place(r, "/a"), CGFS_NS_ABOVE);
  assert_int_equal(cgfs_ns_root_place(r, "/a/b"), CGFS_NS_ROOT);
  assert_int_equal(cgfs_ns_root_place(r, "/a/b/c"), CGFS_NS_INSIDE);
  assert_int_equal(cgfs_ns_root_place(r, "/a/b/c/d"), CGFS_NS_INSIDE);
  assert_int_equal(cgfs_ns_root_place(r, "/a/x"), CGFS_NS_OUTSIDE);
  assert_int_equal(cgfs_ns_root_place(r, "/a/bb"), CGFS_NS_OUTSIDE); /* not a prefix match */
  assert_int_equal(cgfs_ns_root_place(r, "/z"), CGFS_NS_OUTSIDE);
  assert_true(cgfs_ns_place_reachable(CGFS_NS_ROOT));
  assert_true(cgfs_ns_place_reachable(CGFS_NS_INSIDE));
  assert_false(cgfs_ns_place_reachable(CGFS_NS_ABOVE));
  assert_false(cgfs_ns_place_reachable(CGFS_NS_OUTSIDE));

  /* the process at its namespace's root: "/" inside */
  g_autoptr(CgfsNsRoot) at_root = root_of(m, "0::/a/b\n", "0::/\n");
  assert_int_equal(cgfs_ns_root_place(at_root, "/a/b"), CGFS_NS_ROOT);
  /* a namespace made at the hierarchy's root reaches everything */
  g_autoptr(CgfsNsRoot) top = root_of(m, "0::/a\n", "0::/a\n");
  assert_int_equal(cgfs_ns_root_place(top, "/"), CGFS_NS_ROOT);
  assert_int_equal(cgfs_ns_root_place(top, "/z"), CGFS_NS_INSIDE);
}

static void test_bad_pairs(void **state)
{
  FakeMachine *m = *state = fake_machine_new(fake_tree_new_v2("cpu memory pids"), "v2");
  GError *error = NULL;
  /* moved out of its namespace's root after the namespace was made */
  assert_null(cgfs_ns_root_new(m->h, "0::/x\n", "0::/../x\n", &error));
  assert_gerror(error, ENOENT, "outside its cgroup namespace");
  g_clear_error(&error);
  /* not the same process (or it moved between the reads) */
  assert_null(cgfs_ns_root_new(m->h, "0::/a/b\n", "0::/c\n", &error));
  assert_gerror(error, EINVAL, "not its end");
  g_clear_error(&error);
  assert_null(cgfs_ns_root_new(m->h, "0::/b\n", "0::/a/b\n", &error));
  assert_gerror(error, EINVAL, "not its end");
  g_clear_error(&error);
  assert_null(cgfs_ns_root_new(m->h, "garbage", "0::/\n", &error));
  assert_non_null(error);
  g_clear_error(&error);
  /* not listed at all: nothing of the hierarchy reachable */
  g_autoptr(CgfsNsRoot) unlisted = root_of(m, "1:cpu:/a\n", "1:cpu:/\n");
  assert_int_equal(cgfs_ns_root_place(unlisted, "/"), CGFS_NS_OUTSIDE);
  g_autoptr(CgfsNsRoot) none = cgfs_ns_root_new_none(m->h);
  assert_int_equal(cgfs_ns_root_place(none, "/"), CGFS_NS_OUTSIDE);
  assert_int_equal(cgfs_ns_root_place(none, "/a"), CGFS_NS_OUTSIDE);
}

#define V1_LINES(memory, rest)                                                                  \
  "9:name=systemd:" rest "\n8:pids:" rest "\n7:blkio:" rest "\n6:freezer:" rest                 \
  "\n5:devices:" rest "\n4:memory:" memory "\n3:cpuset:" rest "\n2:cpuacct:" rest "\n1:cpu:" rest \
  "\n0::/\n"

static void test_v1_every_hierarchy(void **state)
{
  FakeMachine *m = *state = fake_machine_new(fake_tree_new_v1(), "v1");
  g_autoptr(CgfsNsRoot) same = root_of(m, V1_LINES("/a/b", "/a/b"), V1_LINES("/b", "/b"));
  assert_int_equal(cgfs_ns_root_place(same, "/a"), CGFS_NS_ROOT);
  assert_int_equal(cgfs_ns_root_place(same, "/a/b"), CGFS_NS_INSIDE);
  assert_int_equal(cgfs_ns_root_place(same, "/"), CGFS_NS_ABOVE);
  assert_int_equal(cgfs_ns_root_place(same, "/c"), CGFS_NS_OUTSIDE);
  /* made while in another cgroup of memory: only what is inside in every hierarchy is reached */
  g_autoptr(CgfsNsRoot) split = root_of(m, V1_LINES("/a/m", "/a/b"), V1_LINES("/", "/"));
  assert_int_equal(cgfs_ns_root_place(split, "/a/b"), CGFS_NS_OUTSIDE);
  assert_int_equal(cgfs_ns_root_place(split, "/a/m"), CGFS_NS_OUTSIDE);
  assert_int_equal(cgfs_ns_root_place(split, "/a"), CGFS_NS_ABOVE);
}

/* The test's own process, against roots made from its real /proc/self/cgroup. */
static void test_check_task(void **state)
{
  FakeMachine *m = *state = fake_machine_new(fake_tree_new_v2("cpu memory pids"), "v2");
  g_autofree char *text = NULL;
  assert_true(g_file_get_contents("/proc/self/cgroup", &text, NULL, NULL));
  const char *line = strstr(text, "0::");
  if (!line || (line != text && line[-1] != '\n'))
    skip(); /* no cgroup2 line here */
  g_autofree char *mine = g_strndup(line, strcspn(line, "\n"));
  g_autoptr(CgfsNsRoot) here = root_of(m, mine, "0::/");
  GError *error = NULL;
  assert_true(cgfs_ns_root_check_task(here, getpid(), &error));
  assert_no_gerror(error);
  g_autoptr(CgfsNsRoot) elsewhere = root_of(m, "0::/cgfs-test-nowhere\n", "0::/\n");
  assert_false(cgfs_ns_root_check_task(elsewhere, getpid(), &error));
  assert_gerror(error, ENOENT, "outside the writer's cgroup namespace");
  g_clear_error(&error);
  assert_false(cgfs_ns_root_check_task(here, 0, &error));
  assert_gerror(error, ESRCH, "no such process");
  g_clear_error(&error);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_teardown(test_v2_places, fake_machine_teardown),
    cmocka_unit_test_teardown(test_bad_pairs, fake_machine_teardown),
    cmocka_unit_test_teardown(test_v1_every_hierarchy, fake_machine_teardown),
    cmocka_unit_test_teardown(test_check_task, fake_machine_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
