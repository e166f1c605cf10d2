/* Path validation and placement in a mount. */
#include <limits.h>

#include "fake-tree.h"
#include "path.h"
#include "unit-common.h"

static void test_valid(void **state)
{
  const char *ok[] = { "/", "/a", "/a/b", "/a.b/c-d_e", "/..a", "/a..", "/.hidden", "/a:b", NULL };
  for (const char **p = ok; *p; p++) {
    GError *error = NULL;
    if (!cgfs_path_validate(*p, &error))
      fail_msg("'%s' refused: %s", *p, error->message);
  }
}

static void test_invalid(void **state)
{
  struct {
    const char *path, *why;
  } bad[] = {
    { "", "not absolute" },
    { "a/b", "not absolute" },
    { "//", "empty component" },
    { "/a//b", "empty component" },
    { "/a/", "empty component" },
    { "/..", "would leave the hierarchy" },
    { "/a/../../b", "would leave the hierarchy" },
    { "/a/.", "would leave the hierarchy" },
    { "/./a", "would leave the hierarchy" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    GError *error = NULL;
    assert_false(cgfs_path_validate(bad[i].path, &error));
    assert_gerror(error, EINVAL, bad[i].why);
    g_clear_error(&error);
  }
  GError *error = NULL;
  assert_false(cgfs_path_validate(NULL, &error));
  assert_gerror(error, EINVAL, "not absolute");
  g_clear_error(&error);
  /* the component named, whole; a component of NAME_MAX bytes passes, one more does not */
  assert_false(cgfs_path_validate("/a/../b", &error));
  assert_gerror(error, EINVAL, "'..' would leave");
  g_clear_error(&error);
  g_autofree char *longest = g_strnfill(NAME_MAX, 'x');
  g_autofree char *ok = g_strconcat("/a/", longest, NULL);
  assert_true(cgfs_path_validate(ok, &error));
  g_autofree char *too_long = g_strconcat("/a/", longest, "y/b", NULL);
  assert_false(cgfs_path_validate(too_long, &error));
  assert_gerror(error, EINVAL, "component longer than 255 bytes");
  g_clear_error(&error);
  g_autofree char *longname = g_strnfill(256, 'x');
  g_autofree char *longpath = g_strconcat("/", longname, NULL);
  assert_false(cgfs_path_validate(longpath, &error));
  assert_gerror(error, EINVAL, "longer than 255");
  g_clear_error(&error);
}

static void test_names(void **state)
{
  GError *error = NULL;
  assert_true(cgfs_name_validate("child", &error));
  const char *bad[] = { "", ".", "..", "a/b", "/a", NULL };
  for (const char **p = bad; *p; p++) {
    assert_false(cgfs_name_validate(*p, &error));
    assert_gerror(error, EINVAL, "one path component");
    g_clear_error(&error);
  }
}

static void test_child(void **state)
{
  g_autofree char *a = cgfs_path_child("/", "x");
  g_autofree char *b = cgfs_path_child("/a/b", "x");
  assert_string_equal(a, "/x");
  assert_string_equal(b, "/a/b/x");
}

static void test_dirs(void **state)
{
  FakeTree *t = fake_tree_new_v1();
  g_autoptr(CgfsSystem) sys = fake_tree_system(t);
  const CgfsMount *mem = cgfs_system_find_mount(sys, "memory");
  const CgfsMount *cpu = cgfs_system_find_mount(sys, "cpu");
  GError *error = NULL;
  g_autofree char *s = cgfs_path_dir(mem, CGFS_STATIC_PATH("/a/b"), &error);
  g_autofree char *want_s = g_strconcat(t->root, "/sys/fs/cgroup/memory/a/b", NULL);
  assert_string_equal(s, want_s);
  /* nested: below the process's own cgroup in each hierarchy */
  g_autofree char *n = cgfs_path_dir(mem, CGFS_NESTED_PATH("/a"), &error);
  g_autofree char *want_n = g_strconcat(t->root, "/sys/fs/cgroup/memory/user.slice/a", NULL);
  assert_string_equal(n, want_n);
  g_autofree char *n2 = cgfs_path_dir(cpu, CGFS_NESTED_PATH("/a"), &error);
  g_autofree char *want_n2 = g_strconcat(t->root, "/sys/fs/cgroup/cpu/a", NULL);
  assert_string_equal(n2, want_n2);
  g_autofree char *root = cgfs_path_dir(mem, CGFS_STATIC_PATH("/"), &error);
  g_autofree char *want_root = g_strconcat(t->root, "/sys/fs/cgroup/memory", NULL);
  assert_string_equal(root, want_root);
  assert_no_gerror(error);
  fake_tree_free(t);
}

static void test_no_mount_destination(void **state)
{
  FakeTree *t = fake_tree_new_v1();
  /* the memory line names a cgroup outside the mount's root (as in a foreign cgroup namespace) */
  g_autofree char *mi = fake_tree_read(t, "proc/self/mountinfo");
  g_autofree char *patched = NULL;
  {
    g_auto(GStrv) lines = g_strsplit(mi, "\n", -1);
    for (char **l = lines; *l; l++)
      if (strstr(*l, " /sys/fs/cgroup/memory ")) {
        g_free(*l);
        *l = g_strdup("35 31 0:32 /machine /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory");
      }
    patched = g_strjoinv("\n", lines);
  }
  fake_tree_write(t, "proc/self/mountinfo", patched);
  g_autoptr(CgfsSystem) sys = fake_tree_system(t);
  const CgfsMount *mem = cgfs_system_find_mount(sys, "memory");
  GError *error = NULL;
  assert_null(cgfs_path_dir(mem, CGFS_NESTED_PATH("/a"), &error));
  assert_gerror(error, ENOENT, "cannot find cgroup mount destination");
  g_clear_error(&error);
  fake_tree_free(t);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_valid),
    cmocka_unit_test(test_invalid),
    cmocka_unit_test(test_names),
    cmocka_unit_test(test_child),
    cmocka_unit_test(test_dirs),
    cmocka_unit_test(test_no_mount_destination),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
