/* The cgroup object on a real cgroup2 hierarchy: on this machine the v2 core at
 * /sys/fs/cgroup/unified (procs, threads, freeze, kill, events; no controllers), in the guest
 * the full v2 hierarchy. Checked against the kernel's own files. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cgfs/cgfs.h>

#include "itest.h"

typedef struct {
  CgfsSystem *sys;
  CgfsHierarchy *h;
  const char *mount;
} Fixture;

static int setup(void **state)
{
  Fixture *f = g_new0(Fixture, 1);
  f->sys = cgfs_system_new(NULL);
  f->h = cgfs_hierarchy_v2(f->sys, NULL);
  assert_non_null(f->h);
  f->mount = cgfs_hierarchy_subsystem(f->h, 0)->mount->dir;
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  Fixture *f = *state;
  itest_cleanup();
  cgfs_hierarchy_unref(f->h);
  cgfs_system_unref(f->sys);
  g_free(f);
  return 0;
}

static char *kfile(Fixture *f, const char *path, const char *file)
{
  return g_strconcat(f->mount, path, "/", file, NULL);
}

/* The value of @key in the kernel's cgroup.events of @path. */
static char *event(Fixture *f, const char *path, const char *key)
{
  g_autofree char *file = kfile(f, path, "cgroup.events");
  g_autofree char *text = itest_read(file);
  g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
  for (char **l = lines; *l; l++)
    if (g_str_has_prefix(*l, key) && (*l)[strlen(key)] == ' ')
      return g_strdup(*l + strlen(key) + 1);
  return NULL;
}

static CgfsCgroup *make(Fixture *f, const char *path)
{
  GError *error = NULL;
  CgfsCgroup *cg = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH(path), NULL, &error);
  if (error)
    fail_msg("%s", error->message);
  return cg;
}

static void test_procs_and_listing(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autofree char *path = itest_name("v2");
  g_autoptr(CgfsCgroup) cg = make(f, path);
  g_autoptr(CgfsCgroup) child = cgfs_cgroup_new_child(cg, "c", NULL, &error);
  g_autofree char *dir = g_strconcat(f->mount, path, NULL);
  assert_true(g_file_test(dir, G_FILE_TEST_IS_DIR));
  pid_t a = itest_spawn(NULL), b = itest_spawn(NULL);
  /* no-internal-process rule: processes go to the leaf when controllers are enabled; the core
   * without controllers allows both */
  assert_true(cgfs_cgroup_add_process(child, b, NULL, &error));
  assert_null(error);
  g_autofree char *child_procs = kfile(f, cgfs_cgroup_path(child), "cgroup.procs");
  assert_true(itest_file_has_pid(child_procs, b));
  g_autofree char *populated = event(f, path, "populated");
  assert_string_equal(populated, "1");
  g_autoptr(GArray) all = cgfs_cgroup_processes(cg, NULL, TRUE, &error);
  assert_null(error);
  assert_int_equal(all->len, 1);
  assert_int_equal(g_array_index(all, pid_t, 0), b);
  g_autoptr(GArray) threads = cgfs_cgroup_threads(child, NULL, FALSE, &error);
  assert_int_equal(threads->len, 1);
  (void)a;
  assert_false(cgfs_cgroup_delete(child, &error));
  assert_int_equal(error->code, EBUSY);
  g_clear_error(&error);
  assert_false(cgfs_cgroup_delete(cg, &error));
  assert_int_equal(error->code, ENOTEMPTY);
  g_clear_error(&error);
}

static void test_freeze(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autofree char *path = itest_name("v2freeze");
  g_autoptr(CgfsCgroup) cg = make(f, path);
  pid_t pid = itest_spawn(NULL);
  assert_true(cgfs_cgroup_add_process(cg, pid, NULL, &error));
  assert_true(cgfs_cgroup_freeze(cg, &error));
  assert_null(error);
  g_autofree char *freeze_file = kfile(f, path, "cgroup.freeze");
  g_autofree char *want = itest_read(freeze_file);
  g_autofree char *frozen = event(f, path, "frozen");
  assert_string_equal(want, "1");
  assert_string_equal(frozen, "1");
  assert_int_equal(cgfs_cgroup_state(cg, &error), CGFS_STATE_FROZEN);
  assert_true(cgfs_cgroup_thaw(cg, &error));
  g_autofree char *after = event(f, path, "frozen");
  assert_string_equal(after, "0");
  assert_int_equal(cgfs_cgroup_state(cg, &error), CGFS_STATE_THAWED);
}

static void test_kill_and_move(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autofree char *p1 = itest_name("v2from"), *p2 = itest_name("v2to");
  g_autoptr(CgfsCgroup) from = make(f, p1);
  g_autoptr(CgfsCgroup) to = make(f, p2);
  pid_t a = itest_spawn(NULL), b = itest_spawn(NULL);
  assert_true(cgfs_cgroup_add_process(from, a, NULL, &error));
  assert_true(cgfs_cgroup_add_process(from, b, NULL, &error));
  assert_true(cgfs_cgroup_move_to(from, to, &error));
  assert_null(error);
  g_autofree char *src = kfile(f, p1, "cgroup.procs"), *dst = kfile(f, p2, "cgroup.procs");
  g_autofree char *src_text = itest_read(src);
  assert_string_equal(src_text, "");
  assert_true(itest_file_has_pid(dst, a) && itest_file_has_pid(dst, b));
  assert_true(cgfs_cgroup_kill(to, &error));
  assert_null(error);
  g_autofree char *populated = event(f, p2, "populated");
  assert_string_equal(populated, "0");
  int status;
  assert_int_equal(waitpid(a, &status, 0), a);
  assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  assert_true(cgfs_cgroup_delete(to, &error));
  assert_false(g_file_test(dst, G_FILE_TEST_EXISTS));
  assert_int_equal(cgfs_cgroup_state(to, NULL), CGFS_STATE_DELETED);
}

static guint count_tasks(const char *task_dir)
{
  g_autoptr(GDir) d = g_dir_open(task_dir, 0, NULL);
  guint n = 0;
  while (d && g_dir_read_name(d))
    n++;
  return n;
}

/* A threaded subtree: one thread of a process moved into a threaded child. */
static void test_threaded(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autofree char *path = itest_name("v2thr");
  g_autoptr(CgfsCgroup) cg = make(f, path);
  g_autoptr(CgfsCgroup) child = cgfs_cgroup_new_child(cg, "t", NULL, &error);
  g_autofree char *type = cgfs_cgroup_type(child, &error);
  assert_string_equal(type, "domain");
  assert_true(cgfs_cgroup_make_threaded(child, &error));
  assert_null(error);
  g_autofree char *child_type_file = kfile(f, cgfs_cgroup_path(child), "cgroup.type");
  g_autofree char *parent_type_file = kfile(f, path, "cgroup.type");
  g_autofree char *child_type = itest_read(child_type_file);
  g_autofree char *parent_type = itest_read(parent_type_file);
  assert_string_equal(child_type, "threaded");
  assert_string_equal(parent_type, "domain threaded");
  const char *const threads[] = { "python3", "-c",
    "import threading, time\n"
    "threading.Thread(target=time.sleep, args=(1000,), daemon=True).start()\n"
    "time.sleep(1000)\n", NULL };
  pid_t pid = itest_spawn(threads);
  g_autofree char *task_dir = g_strdup_printf("/proc/%d/task", pid);
  assert_true(itest_wait_for(count_tasks(task_dir) == 2, 60000));
  assert_true(cgfs_cgroup_add_process(cg, pid, NULL, &error));
  assert_null(error);
  pid_t tid = 0;
  g_autoptr(GDir) d = g_dir_open(task_dir, 0, NULL);
  const char *name;
  while ((name = g_dir_read_name(d)))
    if (atoi(name) != pid)
      tid = atoi(name);
  assert_true(tid > 0);
  assert_true(cgfs_cgroup_add_thread(child, tid, NULL, &error));
  assert_null(error);
  g_autofree char *child_threads = kfile(f, cgfs_cgroup_path(child), "cgroup.threads");
  g_autofree char *parent_threads = kfile(f, path, "cgroup.threads");
  g_autofree char *parent_procs = kfile(f, path, "cgroup.procs");
  assert_true(itest_file_has_pid(child_threads, tid));
  assert_false(itest_file_has_pid(parent_threads, tid));
  assert_true(itest_file_has_pid(parent_threads, pid));
  assert_true(itest_file_has_pid(parent_procs, pid));
  g_autoptr(GArray) listed = cgfs_cgroup_threads(cg, NULL, TRUE, &error);
  assert_int_equal(listed->len, 2);
  /* the root cgroup has no type; v1 has no threaded cgroups */
  g_autoptr(CgfsCgroup) root = cgfs_cgroup_load(f->h, CGFS_STATIC_PATH("/"), &error);
  assert_null(cgfs_cgroup_type(root, &error));
  assert_int_equal(error->code, EOPNOTSUPP);
  g_clear_error(&error);
}

#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void)
{
  itest_init();
  itest_require("unified");
  const struct CMUnitTest tests[] = {
    T(test_procs_and_listing),
    T(test_freeze),
    T(test_kill_and_move),
    T(test_threaded),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
