/* The cgroup object's operations against fake v1 and v2 trees, asserting the files written. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fake-tree.h"
#include "unit-common.h"

typedef FakeMachine Fixture;

static int setup_v1(void **state)
{
  *state = fake_machine_new(fake_tree_new_v1(), "v1");
  return 0;
}

static int setup_v2(void **state)
{
  *state = fake_machine_new(fake_tree_new_v2("cpu memory pids"), "v2");
  return 0;
}

/* A file's content without the trailing newline (a fake file keeps the tail of its template). */
static char *v1_file(Fixture *f, const char *mount, const char *rel)
{
  g_autofree char *p = g_strdup_printf("sys/fs/cgroup/%s%s", mount, rel);
  char *v = fake_tree_read(f->t, p);
  return v ? g_strchomp(v) : NULL;
}

static gboolean v1_exists(Fixture *f, const char *mount, const char *rel)
{
  g_autofree char *p = g_strdup_printf("sys/fs/cgroup/%s%s", mount, rel);
  return fake_tree_exists(f->t, p);
}

static void test_new_every_hierarchy(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/a/b"), NULL, &error);
  assert_no_gerror(error);
  for (const char *const *m = fake_v1_mounts; *m; m++) {
    g_autofree char *p = g_strdup_printf("%s/a/b/cgroup.procs", *m);
    if (!fake_tree_exists(f->t, p))
      fail_msg("%s not created", p);
  }
  /* new cpuset levels get their parent's cpus and mems, so tasks can join */
  g_autofree char *cpus_a = v1_file(f, "cpuset", "/a/cpuset.cpus");
  g_autofree char *cpus_b = v1_file(f, "cpuset", "/a/b/cpuset.cpus");
  g_autofree char *mems_b = v1_file(f, "cpuset", "/a/b/cpuset.mems");
  assert_string_equal(cpus_a, "0-1");
  assert_string_equal(cpus_b, "0-1");
  assert_string_equal(mems_b, "0");
  assert_string_equal(cgfs_cgroup_path(cg), "/a/b");
  g_auto(GStrv) subs = cgfs_cgroup_subsystems(cg, &error);
  assert_int_equal(g_strv_length(subs), 9);
  assert_true(cgfs_cgroup_has_subsystem(cg, "freezer"));
}

static void test_new_keeps_existing_cpuset(void **state)
{
  Fixture *f = *state;
  fake_tree_mkcg(f->t, "sys/fs/cgroup/cpuset/a");
  fake_tree_write(f->t, "sys/fs/cgroup/cpuset/a/cpuset.cpus", "1\n");
  GError *error = NULL;
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/a"), NULL, &error);
  assert_non_null(cg);
  assert_no_gerror(error);
  g_autofree char *cpus = v1_file(f, "cpuset", "/a/cpuset.cpus");
  assert_string_equal(cpus, "1"); /* an existing directory is not reinitialised */
}

static void test_new_nested(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(f->h, CGFS_NESTED_PATH("/n"), NULL, &error);
  assert_non_null(cg);
  assert_no_gerror(error);
  assert_true(v1_exists(f, "memory", "/user.slice/n/cgroup.procs"));
  assert_false(v1_exists(f, "memory", "/n"));
  assert_true(v1_exists(f, "cpu", "/n/cgroup.procs"));
}

static void test_new_rolls_back(void **state)
{
  Fixture *f = *state;
  /* a plain file where the pids cgroup should go: creation fails after other mounts succeeded */
  fake_tree_write(f->t, "sys/fs/cgroup/pids/x", "not a directory");
  GError *error = NULL;
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/x/y"), NULL, &error);
  assert_null(cg);
  assert_gerror(error, ENOTDIR, "cannot open cgroup");
  assert_non_null(strstr(error->message, "/sys/fs/cgroup/pids/x"));
  g_clear_error(&error);
  for (const char *const *m = fake_v1_mounts; *m; m++) {
    if (strstr(*m, "pids"))
      continue;
    g_autofree char *p = g_strdup_printf("%s/x", *m);
    if (fake_tree_exists(f->t, p))
      fail_msg("%s left behind after a failed create", p);
  }
}

static void test_new_invalid_path(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  assert_null(cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/a/../b"), NULL, &error));
  assert_gerror(error, EINVAL, "would leave the hierarchy");
  g_clear_error(&error);
  assert_null(cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("relative"), NULL, &error));
  assert_gerror(error, EINVAL, "not absolute");
  g_clear_error(&error);
  assert_false(v1_exists(f, "memory", "/b"));
}

static void test_mountpoint_missing(void **state)
{
  Fixture *f = *state;
  g_autofree char *dir = fake_tree_path(f->t, "sys/fs/cgroup/pids");
  g_autofree char *moved = fake_tree_path(f->t, "pids-gone");
  assert_int_equal(rename(dir, moved), 0);
  GError *error = NULL;
  assert_null(cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/a"), NULL, &error));
  assert_gerror(error, ENODEV, "cgroup mountpoint does not exist");
  g_clear_error(&error);
  assert_null(cgfs_cgroup_load(f->h, CGFS_STATIC_PATH("/"), &error));
  assert_gerror(error, ENODEV, "cgroup mountpoint does not exist");
  g_clear_error(&error);
  assert_false(v1_exists(f, "memory", "/a"));
}

static void test_load(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  assert_null(cgfs_cgroup_load(f->h, CGFS_STATIC_PATH("/nope"), &error));
  assert_gerror(error, ENOENT, "no such cgroup: /nope exists in no hierarchy");
  g_clear_error(&error);
  /* present in two hierarchies only: loaded, the others noted as missing */
  fake_tree_mkcg(f->t, "sys/fs/cgroup/memory/part");
  fake_tree_mkcg(f->t, "sys/fs/cgroup/freezer/part");
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_load(f->h, CGFS_STATIC_PATH("/part"), &error);
  assert_no_gerror(error);
  assert_true(cgfs_cgroup_has_subsystem(cg, "memory"));
  assert_false(cgfs_cgroup_has_subsystem(cg, "cpu"));
  g_auto(GStrv) subs = cgfs_cgroup_subsystems(cg, &error);
  assert_int_equal(g_strv_length(subs), 2);
  assert_int_equal(cgfs_cgroup_state(cg, &error), CGFS_STATE_THAWED);
}

static void test_add_process(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/p"), NULL, &error);
  assert_no_gerror(error);
  assert_true(cgfs_cgroup_add_process(cg, 4242, NULL, &error));
  assert_no_gerror(error);
  for (const char *const *m = fake_v1_mounts; *m; m++) {
    g_autofree char *p = g_strdup_printf("%s/p/cgroup.procs", *m);
    g_autofree char *v = fake_tree_read(f->t, p);
    assert_string_equal(v, "4242");
  }
  assert_true(cgfs_cgroup_add_thread(cg, 77, "memory", &error));
  g_autofree char *tasks = v1_file(f, "memory", "/p/tasks");
  g_autofree char *cpu_tasks = v1_file(f, "cpu", "/p/tasks");
  assert_string_equal(tasks, "77");
  assert_string_equal(cpu_tasks, "");
  assert_false(cgfs_cgroup_add_process(cg, 1, "hugetlb", &error));
  assert_gerror(error, ENOENT, "no hugetlb subsystem");
  g_clear_error(&error);
}

static void test_invalid_pid(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/p"), NULL, &error);
  /* a directory in place of cgroup.procs: any write attempt would fail loudly */
  g_autofree char *procs = fake_tree_path(f->t, "sys/fs/cgroup/cpu/p/cgroup.procs");
  assert_int_equal(unlink(procs), 0);
  assert_int_equal(mkdir(procs, 0755), 0);
  for (pid_t pid = -1; pid <= 0; pid++) {
    assert_false(cgfs_cgroup_add_process(cg, pid, NULL, &error));
    assert_gerror(error, EINVAL, "must be greater than 0");
    g_clear_error(&error);
    assert_false(cgfs_cgroup_add_thread(cg, pid, NULL, &error));
    assert_gerror(error, EINVAL, "must be greater than 0");
    g_clear_error(&error);
  }
  g_autofree char *mem = v1_file(f, "memory", "/p/cgroup.procs");
  assert_string_equal(mem, "");
}

static void test_processes(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/l/c"), NULL, &error);
  assert_non_null(cg);
  g_autoptr(CgfsCgroup) parent = cgfs_cgroup_load(f->h, CGFS_STATIC_PATH("/l"), &error);
  fake_tree_write(f->t, "sys/fs/cgroup/memory/l/cgroup.procs", "10\n11\n");
  fake_tree_write(f->t, "sys/fs/cgroup/memory/l/c/cgroup.procs", "12\n");
  fake_tree_write(f->t, "sys/fs/cgroup/memory/l/c/tasks", "12\n13\n");
  g_autoptr(GArray) own = cgfs_cgroup_processes(parent, "memory", FALSE, &error);
  assert_no_gerror(error);
  assert_int_equal(own->len, 2);
  assert_int_equal(g_array_index(own, pid_t, 1), 11);
  g_autoptr(GArray) all = cgfs_cgroup_processes(parent, "memory", TRUE, &error);
  assert_int_equal(all->len, 3);
  assert_int_equal(g_array_index(all, pid_t, 2), 12);
  g_autoptr(GArray) threads = cgfs_cgroup_threads(parent, "memory", TRUE, &error);
  assert_int_equal(threads->len, 2);
  g_autoptr(GArray) cpu = cgfs_cgroup_processes(parent, "cpu", TRUE, &error);
  assert_int_equal(cpu->len, 0);
  assert_no_gerror(error);
}

static void test_invalid_format(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/bad"), NULL, &error);
  fake_tree_write(f->t, "sys/fs/cgroup/pids/bad/cgroup.procs", "12\nfoo\n");
  assert_null(cgfs_cgroup_processes(cg, "pids", FALSE, &error));
  assert_gerror(error, EBADMSG, "invalid file format");
  g_clear_error(&error);
}

typedef gboolean (*DeleteFunc)(CgfsCgroup *cg, GError **error);

/* Deleted by the object (its directories open) or by path (cgfs_cgroup_remove): the same checks,
 * errors and all-or-nothing. */
static void check_delete(Fixture *f, DeleteFunc delete)
{
  GError *error = NULL;
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/d/c"), NULL, &error);
  g_autoptr(CgfsCgroup) parent = cgfs_cgroup_load(f->h, CGFS_STATIC_PATH("/d"), &error);
  assert_false(delete(parent, &error));
  assert_gerror(error, ENOTEMPTY, "child cgroup 'c'");
  g_clear_error(&error);
  fake_tree_write(f->t, "sys/fs/cgroup/pids/d/c/cgroup.procs", "99\n");
  assert_false(delete(cg, &error));
  assert_gerror(error, EBUSY, "process 99");
  g_clear_error(&error);
  /* a list longer than the first read: the first pid named */
  g_autoptr(GString) many = g_string_new(NULL);
  for (int pid = 1000; pid < 1100; pid++)
    g_string_append_printf(many, "%d\n", pid);
  fake_tree_write(f->t, "sys/fs/cgroup/memory/d/c/cgroup.procs", many->str);
  assert_false(delete(cg, &error));
  assert_gerror(error, EBUSY, "process 1000 is still in");
  g_clear_error(&error);
  fake_tree_write(f->t, "sys/fs/cgroup/memory/d/c/cgroup.procs", "");
  fake_tree_write(f->t, "sys/fs/cgroup/pids/d/c/cgroup.procs", "");
  /* in the hierarchy a delete removes first (the last), the kernel's refusal is the check */
  fake_tree_write(f->t, "sys/fs/cgroup/systemd/d/c/cgroup.procs", "77\n");
  assert_false(delete(cg, &error));
  assert_gerror(error, EBUSY, "process 77");
  g_clear_error(&error);
  fake_tree_write(f->t, "sys/fs/cgroup/systemd/d/c/cgroup.procs", "");
  fake_tree_mkcg(f->t, "sys/fs/cgroup/systemd/d/c/k");
  assert_false(delete(cg, &error));
  assert_gerror(error, ENOTEMPTY, "child cgroup 'k'");
  g_clear_error(&error);
  g_autofree char *k = fake_tree_path(f->t, "sys/fs/cgroup/systemd/d/c/k");
  assert_int_equal(rmdir(k), 0);
  /* refused before anything was removed */
  for (const char *const *m = fake_v1_mounts; *m; m++) {
    g_autofree char *p = g_strdup_printf("%s/d/c", *m);
    assert_true(fake_tree_exists(f->t, p));
  }
  assert_true(delete(cg, &error));
  assert_no_gerror(error);
  for (const char *const *m = fake_v1_mounts; *m; m++) {
    g_autofree char *p = g_strdup_printf("%s/d/c", *m);
    assert_false(fake_tree_exists(f->t, p));
  }
  assert_int_equal(cgfs_cgroup_state(cg, &error), CGFS_STATE_DELETED);
  assert_false(cgfs_cgroup_add_process(cg, 5, "memory", &error));
  assert_non_null(error);
  g_clear_error(&error);
  g_autoptr(CgfsCgroup) root = cgfs_cgroup_load(f->h, CGFS_STATIC_PATH("/"), &error);
  assert_false(delete(root, &error));
  assert_gerror(error, EBUSY, "root cgroup");
  g_clear_error(&error);
}

static void test_delete(void **state)
{
  check_delete(*state, cgfs_cgroup_delete);
}

static gboolean remove_by_path(CgfsCgroup *cg, GError **error)
{
  return cgfs_cgroup_remove(cgfs_cgroup_hierarchy(cg), CGFS_STATIC_PATH(cgfs_cgroup_path(cg)),
                            error);
}

static void test_remove_by_path(void **state)
{
  Fixture *f = *state;
  check_delete(f, remove_by_path);
  GError *error = NULL;
  assert_false(cgfs_cgroup_remove(f->h, CGFS_STATIC_PATH("/nowhere"), &error));
  assert_gerror(error, ENOENT, "exists in no hierarchy");
  g_clear_error(&error);
  /* a cgroup in some hierarchies only: removed from those */
  fake_tree_mkcg(f->t, "sys/fs/cgroup/memory/part");
  fake_tree_mkcg(f->t, "sys/fs/cgroup/pids/part");
  assert_true(cgfs_cgroup_remove(f->h, CGFS_STATIC_PATH("/part"), &error));
  assert_no_gerror(error);
  assert_false(fake_tree_exists(f->t, "sys/fs/cgroup/memory/part"));
  assert_false(fake_tree_exists(f->t, "sys/fs/cgroup/pids/part"));
}

static void test_freeze_v1(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/f"), NULL, &error);
  assert_true(cgfs_cgroup_freeze(cg, &error));
  assert_no_gerror(error);
  g_autofree char *st = v1_file(f, "freezer", "/f/freezer.state");
  assert_string_equal(st, "FROZEN");
  assert_int_equal(cgfs_cgroup_state(cg, &error), CGFS_STATE_FROZEN);
  assert_true(cgfs_cgroup_thaw(cg, &error));
  assert_int_equal(cgfs_cgroup_state(cg, &error), CGFS_STATE_THAWED);
  fake_tree_write(f->t, "sys/fs/cgroup/freezer/f/freezer.parent_freezing", "1\n");
  assert_false(cgfs_cgroup_thaw(cg, &error));
  assert_gerror(error, EBUSY, "ancestor cgroup is frozen");
  g_clear_error(&error);
  fake_tree_write(f->t, "sys/fs/cgroup/freezer/f/freezer.state", "MELTING\n");
  assert_int_equal(cgfs_cgroup_state(cg, &error), CGFS_STATE_UNKNOWN);
  assert_gerror(error, EBADMSG, "freezer.state");
  g_clear_error(&error);
}

/* cgfs_cgroup_kill_checked on v1: every process is checked while the subtree is frozen, before
 * any is signalled; one refused thaws it and refuses the kill. */
typedef struct {
  Fixture *f;
  GArray *seen;
  char *state_seen;
  pid_t refuse;
} KillCheck;

static gboolean check_while_frozen(pid_t pid, gpointer data, GError **error)
{
  KillCheck *k = data;
  g_array_append_val(k->seen, pid);
  g_free(k->state_seen);
  k->state_seen = v1_file(k->f, "freezer", "/k/freezer.state");
  if (pid != k->refuse)
    return TRUE;
  g_set_error(error, CGFS_ERROR, EPERM, "process %d: refused", (int)pid);
  return FALSE;
}

static void test_kill_checked_v1(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/k"), NULL, &error);
  assert_no_gerror(error);
  fake_tree_mkcg(f->t, "sys/fs/cgroup/freezer/k/sub");
  /* (not this machine's processes below these directories: nothing is ever signalled) */
  fake_tree_write(f->t, "sys/fs/cgroup/freezer/k/cgroup.procs", "4000001\n");
  fake_tree_write(f->t, "sys/fs/cgroup/freezer/k/sub/cgroup.procs", "4000002\n");
  KillCheck k = { f, g_array_new(FALSE, FALSE, sizeof(pid_t)), NULL, 4000002 };
  assert_false(cgfs_cgroup_kill_checked(cg, check_while_frozen, &k, &error));
  assert_gerror(error, EPERM, "4000002: refused");
  g_clear_error(&error);
  assert_int_equal(k.seen->len, 2); /* the whole subtree */
  assert_string_equal(k.state_seen, "FROZEN");
  g_autofree char *after = v1_file(f, "freezer", "/k/freezer.state");
  assert_string_equal(after, "THAWED");
  g_array_unref(k.seen);
  g_free(k.state_seen);
}

static void test_no_freezer(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsHierarchy) mem = cgfs_hierarchy_single(f->sys, "memory", &error);
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(mem, CGFS_STATIC_PATH("/nf"), NULL, &error);
  assert_no_gerror(error);
  assert_false(cgfs_cgroup_freeze(cg, &error));
  assert_gerror(error, EOPNOTSUPP, "freezer cgroup not supported");
  g_clear_error(&error);
  assert_int_equal(cgfs_cgroup_state(cg, &error), CGFS_STATE_THAWED);
  assert_false(v1_exists(f, "cpu", "/nf"));
}

static void test_v2_ops(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/w"), NULL, &error);
  assert_no_gerror(error);
  assert_true(fake_tree_exists(f->t, "sys/fs/cgroup/w/cgroup.procs"));
  assert_true(cgfs_cgroup_add_process(cg, 31, NULL, &error));
  g_autofree char *procs = fake_tree_read(f->t, "sys/fs/cgroup/w/cgroup.procs");
  assert_string_equal(procs, "31");
  assert_true(cgfs_cgroup_add_thread(cg, 32, NULL, &error));
  g_autofree char *threads = fake_tree_read(f->t, "sys/fs/cgroup/w/cgroup.threads");
  assert_string_equal(threads, "32");
  /* the kernel reports frozen: freeze returns at once */
  fake_tree_write(f->t, "sys/fs/cgroup/w/cgroup.events", "populated 1\nfrozen 1\n");
  assert_true(cgfs_cgroup_freeze(cg, &error));
  assert_no_gerror(error);
  g_autofree char *fr = fake_tree_read(f->t, "sys/fs/cgroup/w/cgroup.freeze");
  assert_string_equal(fr, "1"); /* written with O_TRUNC: the value alone */
  assert_int_equal(cgfs_cgroup_state(cg, &error), CGFS_STATE_FROZEN);
  fake_tree_write(f->t, "sys/fs/cgroup/w/cgroup.events", "populated 1\nfrozen 0\n");
  assert_int_equal(cgfs_cgroup_state(cg, &error), CGFS_STATE_FREEZING);
  assert_true(cgfs_cgroup_thaw(cg, &error));
  assert_int_equal(cgfs_cgroup_state(cg, &error), CGFS_STATE_THAWED);
  fake_tree_write(f->t, "sys/fs/cgroup/w/cgroup.events", "populated 0\nfrozen 0\n");
  assert_true(cgfs_cgroup_kill(cg, &error));
  assert_no_gerror(error);
  g_autofree char *k = fake_tree_read(f->t, "sys/fs/cgroup/w/cgroup.kill");
  assert_string_equal(k, "1");
  fake_tree_write(f->t, "sys/fs/cgroup/w/cgroup.controllers", "memory pids\n");
  g_auto(GStrv) subs = cgfs_cgroup_subsystems(cg, &error);
  assert_int_equal(g_strv_length(subs), 2);
  assert_true(cgfs_cgroup_has_subsystem(cg, "pids"));
  assert_false(cgfs_cgroup_has_subsystem(cg, "io"));
}

static void test_v2_root_not_freezable(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsCgroup) root = cgfs_cgroup_load(f->h, CGFS_STATIC_PATH("/"), &error);
  assert_no_gerror(error);
  assert_false(cgfs_cgroup_freeze(root, &error));
  assert_gerror(error, EOPNOTSUPP, "root cgroup cannot be frozen");
  g_clear_error(&error);
  assert_int_equal(cgfs_cgroup_state(root, &error), CGFS_STATE_THAWED);
}

static void test_v2_thaw_under_frozen_parent(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/fp/c"), NULL, &error);
  fake_tree_write(f->t, "sys/fs/cgroup/fp/cgroup.freeze", "1\n");
  assert_false(cgfs_cgroup_thaw(cg, &error));
  assert_gerror(error, EBUSY, "ancestor cgroup is frozen");
  g_clear_error(&error);
}

static void test_new_child(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/par"), NULL, &error);
  g_autoptr(CgfsCgroup) child = cgfs_cgroup_new_child(cg, "kid", NULL, &error);
  assert_no_gerror(error);
  assert_string_equal(cgfs_cgroup_path(child), "/par/kid");
  assert_true(fake_tree_exists(f->t, "sys/fs/cgroup/memory/par/kid/cgroup.procs"));
  assert_null(cgfs_cgroup_new_child(cg, "..", NULL, &error));
  assert_gerror(error, EINVAL, "one path component");
  g_clear_error(&error);
}

/* mkdir(2) semantics: made in every hierarchy; EEXIST if the name exists in any, and then
 * nothing made anywhere. */
static void test_create_child(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/par"), NULL, &error);
  g_autoptr(CgfsCgroup) child = cgfs_cgroup_create_child(cg, "kid", &error);
  assert_no_gerror(error);
  assert_string_equal(cgfs_cgroup_path(child), "/par/kid");
  for (const char *const *m = fake_v1_mounts; *m; m++) {
    g_autofree char *rel = g_strconcat(*m, "/par/kid/cgroup.procs", NULL);
    assert_true(fake_tree_exists(f->t, rel));
  }
  assert_null(cgfs_cgroup_create_child(cg, "kid", &error));
  assert_gerror(error, EEXIST, "exists already");
  g_clear_error(&error);
  fake_tree_mkcg(f->t, "sys/fs/cgroup/pids/par/late"); /* in one hierarchy only */
  assert_null(cgfs_cgroup_create_child(cg, "late", &error));
  assert_gerror(error, EEXIST, "exists already");
  g_clear_error(&error);
  assert_false(fake_tree_exists(f->t, "sys/fs/cgroup/memory/par/late"));
  assert_false(fake_tree_exists(f->t, "sys/fs/cgroup/cpu/par/late"));
}

/* cgfs_cgroup_make_child: what create_child makes, nothing opened, nothing left on a failure. */
static void test_make_child(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/mk"), NULL, &error);
  assert_true(cgfs_cgroup_make_child(cg, "kid", &error));
  assert_no_gerror(error);
  for (const char *const *m = fake_v1_mounts; *m; m++) {
    g_autofree char *rel = g_strconcat(*m, "/mk/kid/cgroup.procs", NULL);
    assert_true(fake_tree_exists(f->t, rel));
  }
  g_autofree char *cpus = v1_file(f, "cpuset", "/mk/kid/cpuset.cpus");
  g_autofree char *mems = v1_file(f, "cpuset", "/mk/kid/cpuset.mems");
  assert_string_equal(cpus, "0-1");
  assert_string_equal(mems, "0");
  assert_false(cgfs_cgroup_make_child(cg, "kid", &error));
  assert_gerror(error, EEXIST, "exists already");
  g_clear_error(&error);
  fake_tree_mkcg(f->t, "sys/fs/cgroup/pids/mk/late"); /* in one hierarchy only */
  assert_false(cgfs_cgroup_make_child(cg, "late", &error));
  assert_gerror(error, EEXIST, "exists already");
  g_clear_error(&error);
  for (const char *const *m = fake_v1_mounts; *m; m++) {
    g_autofree char *rel = g_strconcat(*m, "/mk/late", NULL);
    assert_int_equal(fake_tree_exists(f->t, rel), strcmp(*m, "sys/fs/cgroup/pids") == 0);
  }
  assert_false(cgfs_cgroup_make_child(cg, "a/b", &error));
  assert_non_null(error);
  g_clear_error(&error);
  /* the cpuset cannot be filled (the parent's cpus unreadable): what was made is removed */
  g_autofree char *parent_cpus = fake_tree_path(f->t, "sys/fs/cgroup/cpuset/mk/cpuset.cpus");
  assert_int_equal(unlink(parent_cpus), 0);
  assert_false(cgfs_cgroup_make_child(cg, "nocpus", &error));
  assert_gerror(error, ENOENT, "cpuset.cpus");
  g_clear_error(&error);
  for (const char *const *m = fake_v1_mounts; *m; m++) {
    g_autofree char *rel = g_strconcat(*m, "/mk/nocpus", NULL);
    assert_false(fake_tree_exists(f->t, rel));
  }
}

static void test_move_into_own_subtree(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsCgroup) a = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/m"), NULL, &error);
  g_autoptr(CgfsCgroup) b = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/m/in"), NULL, &error);
  g_autoptr(CgfsCgroup) c = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/other"), NULL, &error);
  assert_false(cgfs_cgroup_move_to(a, b, &error));
  assert_gerror(error, EINVAL, "own subtree");
  g_clear_error(&error);
  /* an empty source moves nothing and succeeds */
  assert_true(cgfs_cgroup_move_to(a, c, &error));
  assert_no_gerror(error);
}

/* A chain of @depth directories below @top, each with an empty cgroup.procs, the deepest one
 * holding pid 42. Made with the raw syscall: the fake tree's mkdirat needs paths, and these are
 * longer than PATH_MAX. */
static void make_chain(const char *top, int depth)
{
  int fd = open(top, O_PATH | O_DIRECTORY | O_CLOEXEC);
  assert_true(fd >= 0);
  for (int i = 0; i <= depth; i++) {
    int procs = openat(fd, "cgroup.procs", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    assert_true(procs >= 0);
    if (i == depth)
      assert_int_equal(write(procs, "42\n", 3), 3);
    close(procs);
    if (i == depth)
      break;
    assert_int_equal(syscall(SYS_mkdirat, fd, "d", 0755), 0);
    int child = openat(fd, "d", O_PATH | O_DIRECTORY | O_CLOEXEC);
    assert_true(child >= 0);
    close(fd);
    fd = child;
  }
  close(fd);
}

/* Remove what make_chain made (the fake tree's clean-up works with paths), bottom up. */
static void remove_chain(const char *top, int depth)
{
  int fd = open(top, O_PATH | O_DIRECTORY | O_CLOEXEC);
  for (int i = 0; fd >= 0 && i < depth; i++) {
    int child = openat(fd, "d", O_PATH | O_DIRECTORY | O_CLOEXEC);
    close(fd);
    fd = child;
  }
  for (int i = depth; fd >= 0 && i > 0; i--) {
    int up = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
    unlinkat(fd, "cgroup.procs", 0);
    close(fd);
    fd = up;
    if (fd >= 0)
      unlinkat(fd, "d", AT_REMOVEDIR);
  }
  if (fd >= 0)
    close(fd);
}

/* v1 populated and the recursive pid list walk a subtree thousands of levels deep with a few
 * fds: here 3000 levels under a limit of 64 fds (a walk holding two per level needed 6000). */
static void test_deep_subtree(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/deep"), NULL, &error);
  assert_non_null(cg);
  g_autofree char *top = fake_tree_path(f->t, "sys/fs/cgroup/memory/deep");
  make_chain(top, 3000);
  fake_tree_write(f->t, "sys/fs/cgroup/memory/deep/memory.oom_control",
                  "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
  struct rlimit saved, low;
  assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
  low = saved;
  low.rlim_cur = 64;
  assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
  GError *pids_error = NULL;
  g_autofree char *events = cgfs_cgroup_events(cg, NULL, &error);
  g_autoptr(GArray) pids = cgfs_cgroup_processes(cg, "memory", TRUE, &pids_error);
  assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
  remove_chain(top, 3000);
  assert_no_gerror(error);
  assert_no_gerror(pids_error);
  assert_non_null(strstr(events, "populated 1\n"));
  assert_int_equal(pids->len, 1);
  assert_int_equal(g_array_index(pids, pid_t, 0), 42);
}

#define V1(t) cmocka_unit_test_setup_teardown(t, setup_v1, fake_machine_teardown)
#define V2(t) cmocka_unit_test_setup_teardown(t, setup_v2, fake_machine_teardown)

int main(void)
{
  const struct CMUnitTest tests[] = {
    V1(test_new_every_hierarchy),
    V1(test_new_keeps_existing_cpuset),
    V1(test_new_nested),
    V1(test_new_rolls_back),
    V1(test_new_invalid_path),
    V1(test_mountpoint_missing),
    V1(test_load),
    V1(test_add_process),
    V1(test_invalid_pid),
    V1(test_processes),
    V1(test_invalid_format),
    V1(test_delete),
    V1(test_remove_by_path),
    V1(test_freeze_v1),
    V1(test_kill_checked_v1),
    V1(test_no_freezer),
    V1(test_new_child),
    V1(test_create_child),
    V1(test_make_child),
    V1(test_move_into_own_subtree),
    V1(test_deep_subtree),
    V2(test_v2_ops),
    V2(test_v2_root_not_freezable),
    V2(test_v2_thaw_under_frozen_parent),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
