/* The cgroup object on this machine's real v1 hierarchies, checked against the kernel's files. */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
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
} Fixture;

static int setup(void **state)
{
  Fixture *f = g_new0(Fixture, 1);
  f->sys = cgfs_system_new(NULL);
  f->h = cgfs_hierarchy_v1(f->sys, NULL);
  assert_non_null(f->h);
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

/* The kernel's directory of @path in mount @i. */
static char *kdir(Fixture *f, guint i, const char *path)
{
  return g_strconcat(cgfs_hierarchy_subsystem(f->h, i)->mount->dir, path, NULL);
}

static char *kfile(Fixture *f, const char *subsystem, const char *path, const char *file)
{
  const CgfsSubsystem *s = cgfs_hierarchy_find(f->h, subsystem);
  assert_non_null(s);
  return g_strconcat(s->mount->dir, path, "/", file, NULL);
}

static CgfsCgroup *make(Fixture *f, const char *path)
{
  GError *error = NULL;
  CgfsCgroup *cg = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH(path), NULL, &error);
  if (error)
    fail_msg("%s", error->message);
  return cg;
}

static void test_lifecycle(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autofree char *path = itest_name("life");
  g_autoptr(CgfsCgroup) cg = make(f, path);
  for (guint i = 0; i < cgfs_hierarchy_n_subsystems(f->h); i++) {
    g_autofree char *dir = kdir(f, i, path);
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
      fail_msg("%s was not created", dir);
  }
  /* cpuset got its parent's cpus and mems */
  g_autofree char *cpus_file = kfile(f, "cpuset", path, "cpuset.cpus");
  g_autofree char *cpus = itest_read(cpus_file);
  g_autofree char *root_cpus = itest_read("/sys/fs/cgroup/cpuset/cpuset.cpus");
  assert_string_equal(cpus, root_cpus);

  pid_t pid = itest_spawn(NULL);
  assert_true(cgfs_cgroup_add_process(cg, pid, NULL, &error));
  assert_null(error);
  for (guint i = 0; i < cgfs_hierarchy_n_subsystems(f->h); i++) {
    g_autofree char *dir = kdir(f, i, path);
    g_autofree char *procs = g_build_filename(dir, "cgroup.procs", NULL);
    if (!itest_file_has_pid(procs, pid))
      fail_msg("pid %d not in %s", pid, procs);
  }
  g_autoptr(GArray) pids = cgfs_cgroup_processes(cg, "memory", FALSE, &error);
  assert_int_equal(pids->len, 1);
  assert_int_equal(g_array_index(pids, pid_t, 0), pid);

  /* a busy cgroup is refused whole */
  assert_false(cgfs_cgroup_delete(cg, &error));
  assert_int_equal(error->code, EBUSY);
  g_clear_error(&error);
  for (guint i = 0; i < cgfs_hierarchy_n_subsystems(f->h); i++) {
    g_autofree char *dir = kdir(f, i, path);
    assert_true(g_file_test(dir, G_FILE_TEST_IS_DIR));
  }

  assert_true(cgfs_cgroup_kill(cg, &error));
  assert_null(error);
  g_autofree char *mem_procs = kfile(f, "memory", path, "cgroup.procs");
  assert_false(itest_file_has_pid(mem_procs, pid));
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

  assert_true(cgfs_cgroup_delete(cg, &error));
  assert_null(error);
  for (guint i = 0; i < cgfs_hierarchy_n_subsystems(f->h); i++) {
    g_autofree char *dir = kdir(f, i, path);
    assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
  }
  assert_int_equal(cgfs_cgroup_state(cg, NULL), CGFS_STATE_DELETED);
  assert_false(cgfs_cgroup_add_process(cg, getpid(), NULL, &error));
  assert_int_equal(error->code, ENOENT);
  g_clear_error(&error);
}

static void test_recursive_listing(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autofree char *path = itest_name("tree");
  g_autoptr(CgfsCgroup) parent = make(f, path);
  g_autoptr(CgfsCgroup) child = cgfs_cgroup_new_child(parent, "child", NULL, &error);
  assert_null(error);
  pid_t a = itest_spawn(NULL), b = itest_spawn(NULL);
  assert_true(cgfs_cgroup_add_process(parent, a, NULL, &error));
  assert_true(cgfs_cgroup_add_process(child, b, NULL, &error));
  g_autofree char *child_procs = kfile(f, "pids", cgfs_cgroup_path(child), "cgroup.procs");
  assert_true(itest_file_has_pid(child_procs, b));
  g_autoptr(GArray) own = cgfs_cgroup_processes(parent, "pids", FALSE, &error);
  g_autoptr(GArray) all = cgfs_cgroup_processes(parent, "pids", TRUE, &error);
  assert_null(error);
  assert_int_equal(own->len, 1);
  assert_int_equal(all->len, 2);
  assert_int_equal(g_array_index(all, pid_t, 1), b);
  g_autoptr(GArray) threads = cgfs_cgroup_threads(parent, "pids", TRUE, &error);
  assert_int_equal(threads->len, 2); /* sleep is single-threaded */
  /* a parent with a child cgroup is ENOTEMPTY, even once empty of processes */
  assert_false(cgfs_cgroup_delete(parent, &error));
  assert_int_equal(error->code, ENOTEMPTY);
  g_clear_error(&error);
}

static void test_freeze_thaw(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autofree char *path = itest_name("freeze");
  g_autoptr(CgfsCgroup) cg = make(f, path);
  pid_t pid = itest_spawn(NULL);
  assert_true(cgfs_cgroup_add_process(cg, pid, NULL, &error));
  assert_true(cgfs_cgroup_freeze(cg, &error));
  assert_null(error);
  g_autofree char *state_file = kfile(f, "freezer", path, "freezer.state");
  g_autofree char *frozen = itest_read(state_file);
  assert_string_equal(frozen, "FROZEN");
  assert_int_equal(itest_proc_state(pid), 'D'); /* frozen tasks show as D in /proc/PID/stat */
  assert_int_equal(cgfs_cgroup_state(cg, &error), CGFS_STATE_FROZEN);
  assert_true(cgfs_cgroup_thaw(cg, &error));
  g_autofree char *thawed = itest_read(state_file);
  assert_string_equal(thawed, "THAWED");
  assert_true(itest_wait_for(itest_proc_state(pid) == 'S', 60000));
  assert_int_equal(cgfs_cgroup_state(cg, &error), CGFS_STATE_THAWED);
}

static void test_move_all(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autofree char *p1 = itest_name("from"), *p2 = itest_name("to");
  g_autoptr(CgfsCgroup) from = make(f, p1);
  g_autoptr(CgfsCgroup) sub = cgfs_cgroup_new_child(from, "sub", NULL, &error);
  g_autoptr(CgfsCgroup) to = make(f, p2);
  /* a shell that keeps forking: new children must follow */
  const char *const forker[] = { "sh", "-c", "while :; do sleep 0.01; done", NULL };
  pid_t a = itest_spawn(NULL), b = itest_spawn(forker);
  assert_true(cgfs_cgroup_add_process(from, a, NULL, &error));
  assert_true(cgfs_cgroup_add_process(sub, b, NULL, &error));
  g_usleep(50000);
  assert_true(cgfs_cgroup_move_to(from, to, &error));
  assert_null(error);
  for (guint i = 0; i < cgfs_hierarchy_n_subsystems(f->h); i++) {
    const char *name = cgfs_hierarchy_subsystem(f->h, i)->name;
    g_autofree char *src = kfile(f, name, p1, "cgroup.procs");
    g_autofree char *dst = kfile(f, name, p2, "cgroup.procs");
    g_autofree char *src_text = itest_read(src);
    if (src_text[0])
      fail_msg("%s still holds %s", src, src_text);
    assert_true(itest_file_has_pid(dst, a));
    assert_true(itest_file_has_pid(dst, b));
  }
  g_autoptr(GArray) left = cgfs_cgroup_processes(from, "memory", TRUE, &error);
  assert_int_equal(left->len, 0);
}

static void test_errors(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autofree char *path = itest_name("err");
  g_autoptr(CgfsCgroup) cg = make(f, path);
  /* invalid pid: refused before any file is touched */
  assert_false(cgfs_cgroup_add_process(cg, 0, NULL, &error));
  assert_int_equal(error->code, EINVAL);
  g_clear_error(&error);
  /* a process that does not exist: the kernel says ESRCH */
  pid_t gone = itest_spawn(NULL);
  itest_reap(gone);
  assert_false(cgfs_cgroup_add_process(cg, gone, NULL, &error));
  assert_int_equal(error->code, ESRCH);
  assert_non_null(strstr(error->message, "no process"));
  g_clear_error(&error);
  /* freezer not supported in a hierarchy without it */
  g_autoptr(CgfsHierarchy) mem = cgfs_hierarchy_single(f->sys, "memory", &error);
  g_autoptr(CgfsCgroup) mcg = cgfs_cgroup_load(mem, CGFS_STATIC_PATH(path), &error);
  assert_null(error);
  assert_false(cgfs_cgroup_freeze(mcg, &error));
  assert_int_equal(error->code, EOPNOTSUPP);
  g_clear_error(&error);
  /* memory not supported for OOM events without the memory subsystem */
  g_autoptr(CgfsHierarchy) pids = cgfs_hierarchy_single(f->sys, "pids", &error);
  g_autoptr(CgfsCgroup) pcg = cgfs_cgroup_load(pids, CGFS_STATIC_PATH(path), &error);
  assert_int_equal(cgfs_cgroup_oom_event_fd(pcg, &error), -1);
  assert_int_equal(error->code, EOPNOTSUPP);
  assert_non_null(strstr(error->message, "memory cgroup not supported"));
  g_clear_error(&error);
  /* deleted behind the object's back */
  assert_true(cgfs_cgroup_delete(cg, &error));
  g_autoptr(CgfsCgroup) again = cgfs_cgroup_load(f->h, CGFS_STATIC_PATH(path), &error);
  assert_null(again);
  assert_int_equal(error->code, ENOENT);
  assert_non_null(strstr(error->message, "no such cgroup"));
  g_clear_error(&error);
  assert_false(cgfs_cgroup_freeze(cg, &error));
  assert_int_equal(error->code, ENOENT);
  g_clear_error(&error);
}

static void test_oom_event(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autofree char *path = itest_name("oom");
  g_autoptr(CgfsCgroup) cg = make(f, path);
  int efd = cgfs_cgroup_oom_event_fd(cg, &error);
  assert_null(error);
  assert_true(efd >= 0);
  g_autofree char *limit = kfile(f, "memory", path, "memory.limit_in_bytes");
  assert_true(itest_write(limit, "33554432"));
  /* allocate and touch 256 MiB in a 32 MiB cgroup: the OOM killer must act */
  const char *const hog[] = { "python3", "-c", "b = bytearray(256 << 20)", NULL };
  pid_t pid = fork();
  if (pid == 0) {
    g_autofree char *me = g_strdup_printf("%d", getpid());
    g_autofree char *procs = kfile(f, "memory", path, "cgroup.procs");
    if (!itest_write(procs, me))
      _exit(126);
    execvp(hog[0], (char *const *)hog);
    _exit(127);
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  struct pollfd pfd = { .fd = efd, .events = POLLIN };
  assert_int_equal(poll(&pfd, 1, 5000), 1);
  guint64 count = 0;
  assert_int_equal(read(efd, &count, sizeof count), sizeof count);
  assert_true(count >= 1);
  close(efd);
}

/* A hierarchy that refuses the process (a cpuset with no cpus) undoes the moves already made. */
static void test_add_all_or_nothing(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autofree char *path = itest_name("refuse");
  g_autoptr(CgfsCgroup) cg = make(f, path);
  g_autofree char *cpus = kfile(f, "cpuset", path, "cpuset.cpus");
  assert_true(itest_write(cpus, "\n"));
  pid_t pid = itest_spawn(NULL);
  g_autofree char *proc = g_strdup_printf("/proc/%d/cgroup", pid);
  g_autofree char *before = itest_read(proc);
  assert_false(cgfs_cgroup_add_process(cg, pid, NULL, &error));
  assert_int_equal(error->code, ENOSPC);
  assert_non_null(strstr(error->message, "cpuset"));
  g_clear_error(&error);
  g_autofree char *after = itest_read(proc);
  assert_string_equal(after, before);
  for (guint i = 0; i < cgfs_hierarchy_n_subsystems(f->h); i++) {
    g_autofree char *dir = kdir(f, i, path);
    g_autofree char *procs = g_build_filename(dir, "cgroup.procs", NULL);
    assert_false(itest_file_has_pid(procs, pid));
  }
}

#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void)
{
  itest_init();
  itest_require("freezer");
  itest_require("memory");
  const struct CMUnitTest tests[] = {
    T(test_lifecycle), T(test_recursive_listing), T(test_freeze_thaw),
    T(test_move_all),  T(test_errors),            T(test_oom_event),
    T(test_add_all_or_nothing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
