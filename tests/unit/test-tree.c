/* lib/core/tree.c and lib/stats/events.c on fake v1 and v2 trees. */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake-tree.h"
#include "unit-common.h"

typedef FakeMachine Fixture;

static int setup_v1(void **state)
{
  FakeTree *t = fake_tree_new_v1();
  fake_tree_template(t, "sys/fs/cgroup/memory", "memory.oom_control",
                     "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
  fake_tree_template(t, "sys/fs/cgroup/memory", "memory.limit_in_bytes", "9223372036854771712\n");
  *state = fake_machine_new(t, "v1");
  return 0;
}

static int setup_v2(void **state)
{
  *state = fake_machine_new(fake_tree_new_v2("memory pids"), "v2");
  return 0;
}

static CgfsCgroup *load(Fixture *f, const char *path)
{
  GError *error = NULL;
  CgfsCgroup *cg = cgfs_cgroup_load(f->h, CGFS_STATIC_PATH(path), &error);
  assert_no_gerror(error);
  return cg;
}

static void test_children_union(void **state)
{
  Fixture *f = *state;
  fake_tree_mkcg(f->t, "sys/fs/cgroup/cpu/p/b");
  fake_tree_mkcg(f->t, "sys/fs/cgroup/memory/p/a");
  fake_tree_mkcg(f->t, "sys/fs/cgroup/freezer/p/b");
  fake_tree_mkcg(f->t, "sys/fs/cgroup/pids/p/c");
  g_autoptr(CgfsCgroup) cg = load(f, "/p");
  GError *error = NULL;
  g_auto(GStrv) kids = cgfs_cgroup_children(cg, &error);
  assert_no_gerror(error);
  assert_int_equal(g_strv_length(kids), 3);
  assert_string_equal(kids[0], "a");
  assert_string_equal(kids[1], "b");
  assert_string_equal(kids[2], "c");

  g_autoptr(CgfsCgroup) leaf = load(f, "/p/a");
  g_auto(GStrv) none = cgfs_cgroup_children(leaf, &error);
  assert_no_gerror(error);
  assert_int_equal(g_strv_length(none), 0);
}

static void test_stat_files(void **state)
{
  Fixture *f = *state;
  fake_tree_mkcg(f->t, "sys/fs/cgroup/freezer/s");
  fake_tree_mkcg(f->t, "sys/fs/cgroup/memory/s");
  g_autofree char *fz = fake_tree_path(f->t, "sys/fs/cgroup/freezer/s/freezer.state");
  g_assert_cmpint(chmod(fz, 0600), ==, 0);
  g_autoptr(CgfsCgroup) cg = load(f, "/s");
  GError *error = NULL;
  struct stat st;
  assert_true(cgfs_cgroup_stat(cg, &st, &error));
  assert_true(S_ISDIR(st.st_mode));

  const char *const state_names[] = { "cgroup.freeze", "freezer.state", NULL };
  assert_true(cgfs_cgroup_stat_file(cg, state_names, &st, &error));
  assert_no_gerror(error);
  assert_int_equal(st.st_mode & 07777, 0600);

  const char *const missing[] = { "nope", "cgroup.kill", NULL };
  assert_false(cgfs_cgroup_stat_file(cg, missing, &st, &error));
  assert_gerror(error, ENOENT, "nope");
  g_clear_error(&error);
}

static void test_chown(void **state)
{
  Fixture *f = *state;
  fake_tree_mkcg(f->t, "sys/fs/cgroup/cpu/o");
  fake_tree_mkcg(f->t, "sys/fs/cgroup/pids/o");
  g_autoptr(CgfsCgroup) cg = load(f, "/o");
  uid_t uid = geteuid() == 0 ? 65534 : getuid();
  gid_t gid = geteuid() == 0 ? 65534 : getgid();
  GError *error = NULL;
  assert_true(cgfs_cgroup_chown(cg, uid, gid, &error));
  assert_no_gerror(error);
  const char *paths[] = { "sys/fs/cgroup/cpu/o", "sys/fs/cgroup/cpu/o/cgroup.procs",
                          "sys/fs/cgroup/pids/o/tasks", NULL };
  for (const char **p = paths; *p; p++) {
    g_autofree char *full = fake_tree_path(f->t, *p);
    struct stat st;
    assert_int_equal(stat(full, &st), 0);
    assert_int_equal(st.st_uid, uid);
    assert_int_equal(st.st_gid, gid);
  }
}

static char *events_of(Fixture *f, const char *path)
{
  g_autoptr(CgfsCgroup) cg = load(f, path);
  GError *error = NULL;
  gsize len = 0;
  char *text = cgfs_cgroup_events(cg, &len, &error);
  assert_no_gerror(error);
  assert_int_equal(strlen(text), len);
  return text;
}

static void test_events_v1(void **state)
{
  Fixture *f = *state;
  for (const char *const *m = fake_v1_mounts; *m; m++) {
    g_autofree char *parent = g_strconcat(*m, "/e", NULL);
    g_autofree char *child = g_strconcat(*m, "/e/child", NULL);
    fake_tree_mkcg(f->t, parent);
    fake_tree_mkcg(f->t, child);
  }
  g_autofree char *idle = events_of(f, "/e");
  assert_string_equal(idle, "populated 0\nfrozen 0\nunder_oom 0\noom_kill 0\n");

  fake_tree_write(f->t, "sys/fs/cgroup/pids/e/child/cgroup.procs", "4242\n");
  fake_tree_write(f->t, "sys/fs/cgroup/freezer/e/freezer.state", "FROZEN\n");
  fake_tree_write(f->t, "sys/fs/cgroup/memory/e/memory.oom_control",
                  "oom_kill_disable 1\nunder_oom 1\noom_kill 3\n");
  g_autofree char *busy = events_of(f, "/e");
  assert_string_equal(busy, "populated 1\nfrozen 1\nunder_oom 1\noom_kill 3\n");

  fake_tree_write(f->t, "sys/fs/cgroup/freezer/e/freezer.state", "FREEZING\n");
  g_autofree char *freezing = events_of(f, "/e");
  assert_non_null(strstr(freezing, "frozen 0\n"));
}

static void test_events_v2(void **state)
{
  Fixture *f = *state;
  fake_tree_mkcg(f->t, "sys/fs/cgroup/w");
  fake_tree_write(f->t, "sys/fs/cgroup/w/cgroup.events", "populated 1\nfrozen 1\n");
  g_autofree char *core = events_of(f, "/w");
  assert_string_equal(core, "populated 1\nfrozen 1\n");
  fake_tree_write(f->t, "sys/fs/cgroup/w/memory.events",
                  "low 0\nhigh 2\nmax 5\noom 1\noom_kill 1\noom_group_kill 0\n");
  g_autofree char *mem = events_of(f, "/w");
  assert_string_equal(mem, "populated 1\nfrozen 1\nlow 0\nhigh 2\nmax 5\noom 1\noom_kill 1\n"
                           "oom_group_kill 0\n");
  g_autofree char *root_events = fake_tree_path(f->t, "sys/fs/cgroup/cgroup.events");
  g_assert_cmpint(unlink(root_events), ==, 0); /* as on the kernel's root cgroup */
  g_autofree char *root = events_of(f, "/");
  assert_string_equal(root, "populated 1\nfrozen 0\n");
}

static void test_events_deleted(void **state)
{
  Fixture *f = *state;
  fake_tree_mkcg(f->t, "sys/fs/cgroup/gone");
  g_autoptr(CgfsCgroup) cg = load(f, "/gone");
  g_autofree char *dir = fake_tree_path(f->t, "sys/fs/cgroup/gone");
  g_autofree char *procs = g_build_filename(dir, "cgroup.procs", NULL);
  g_assert_cmpint(unlink(procs), ==, 0);
  GError *error = NULL;
  g_autofree char *text = cgfs_cgroup_events(cg, NULL, &error);
  assert_null(text);
  assert_gerror(error, ENOENT, "deleted");
  g_clear_error(&error);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_children_union, setup_v1, fake_machine_teardown),
    cmocka_unit_test_setup_teardown(test_stat_files, setup_v1, fake_machine_teardown),
    cmocka_unit_test_setup_teardown(test_chown, setup_v1, fake_machine_teardown),
    cmocka_unit_test_setup_teardown(test_events_v1, setup_v1, fake_machine_teardown),
    cmocka_unit_test_setup_teardown(test_events_v2, setup_v2, fake_machine_teardown),
    cmocka_unit_test_setup_teardown(test_events_deleted, setup_v2, fake_machine_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
