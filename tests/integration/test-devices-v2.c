/* Device rules on real cgroup v2: the BPF program libcgfs attaches, checked through the kernel
 * (processes in the cgroup opening devices, mknod, and BPF_PROG_QUERY on the cgroup, done here
 * with raw bpf(2) calls). Runs on this machine's cgroup2 core (/sys/fs/cgroup/unified: device
 * programs attach there too) and in the vm suite's guest. */
#include <fcntl.h>
#include <signal.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
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
  CgfsCgroup *cg;
  char *dir;
  char *state; /* a journal's directory, removed by the teardown */
} Fixture;

static int setup(void **state)
{
  static guint n;
  Fixture *f = g_new0(Fixture, 1);
  GError *error = NULL;
  f->sys = cgfs_system_new(&error);
  f->h = cgfs_hierarchy_v2(f->sys, &error);
  assert_no_gerror(error);
  g_autofree char *suffix = g_strdup_printf("dev%u", n++);
  g_autofree char *path = itest_name(suffix);
  f->cg = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH(path), NULL, &error);
  assert_no_gerror(error);
  f->dir = g_strconcat(cgfs_hierarchy_subsystem(f->h, 0)->mount->dir, path, NULL);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  Fixture *f = *state;
  cgfs_cgroup_unref(f->cg);
  itest_cleanup();
  cgfs_hierarchy_set_journal(f->h, NULL);
  if (f->state) {
    g_autofree char *lock = g_build_filename(f->state, "lock", NULL);
    unlink(lock);
    rmdir(f->state);
    g_free(f->state);
  }
  cgfs_hierarchy_unref(f->h);
  cgfs_system_unref(f->sys);
  g_free(f->dir);
  g_free(f);
  return 0;
}

/* ---- the kernel's view ---- */

/* The ids of the device programs attached to @dir, from BPF_PROG_QUERY. */
static GArray *attached(const char *dir)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true(fd >= 0);
  GArray *ids = g_array_new(FALSE, TRUE, sizeof(guint32));
  g_array_set_size(ids, 256);
  union bpf_attr attr = { 0 };
  attr.query.target_fd = (guint32)fd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = (guint64)(guintptr)ids->data;
  attr.query.prog_cnt = ids->len;
  if (syscall(__NR_bpf, BPF_PROG_QUERY, &attr, sizeof attr) != 0)
    fail_msg("BPF_PROG_QUERY on %s: %s", dir, g_strerror(errno));
  close(fd);
  g_array_set_size(ids, attr.query.prog_cnt);
  return ids;
}

static guint32 the_program(const char *dir)
{
  g_autoptr(GArray) ids = attached(dir);
  if (ids->len != 1)
    fail_msg("%s has %u device programs, wanted 1", dir, ids->len);
  return g_array_index(ids, guint32, 0);
}

typedef struct {
  const char *path;
  int flags;
} OpenArgs;

/* The exit status of @fn run in a child that joined @dir. */
static int in_cgroup(const char *dir, int (*fn)(gpointer), gpointer data)
{
  int status = itest_run_in(dir, fn, data);
  assert_true(WIFEXITED(status));
  return WEXITSTATUS(status);
}

static int open_errno(gpointer data)
{
  const OpenArgs *a = data;
  int fd = open(a->path, a->flags | O_CLOEXEC);
  if (fd < 0)
    return errno;
  close(fd);
  return 0;
}

/* errno of open(@path, @flags) by a process in the cgroup; 0 when it opened. */
static int open_in(Fixture *f, const char *path, int flags)
{
  OpenArgs a = { path, flags };
  return in_cgroup(f->dir, open_errno, &a);
}

static int mknod_errno(gpointer data)
{
  return mknod(data, S_IFCHR | 0600, makedev(1, 5)) == 0 ? 0 : errno;
}

/* errno of mknod of a character device 1:5 (/dev/zero's numbers) by a process in the cgroup. */
static int mknod_in(Fixture *f)
{
  g_autofree char *node = g_strdup_printf("/tmp/cgfs-test-%d-node", (int)getpid());
  unlink(node);
  int e = in_cgroup(f->dir, mknod_errno, node);
  unlink(node);
  return e;
}

typedef struct {
  int out;
  const char *const *argv;
} ExecArgs;

static int exec_child(gpointer data)
{
  const ExecArgs *a = data;
  dup2(a->out, 1);
  dup2(a->out, 2);
  execvp(a->argv[0], (char *const *)a->argv);
  return 127;
}

/* Run @argv in the cgroup; its exit status, its output (stdout and stderr) in *@out. */
static int run_in(Fixture *f, const char *const *argv, char **out)
{
  int p[2];
  assert_int_equal(pipe2(p, O_CLOEXEC), 0);
  ExecArgs a = { p[1], argv };
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(p[0]);
    g_autofree char *procs = g_build_filename(f->dir, "cgroup.procs", NULL);
    _exit(itest_write(procs, "0") ? exec_child(&a) : 126);
  }
  close(p[1]);
  GString *s = g_string_new(NULL);
  char buf[256];
  ssize_t n;
  while ((n = read(p[0], buf, sizeof buf)) > 0)
    g_string_append_len(s, buf, n);
  close(p[0]);
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  *out = g_string_free(s, FALSE);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- updates ---- */

static void update(Fixture *f, const char *json)
{
  GError *error = NULL;
  g_autoptr(CgfsResources) r = cgfs_resources_from_json(json, -1, &error);
  assert_no_gerror(error);
  if (!cgfs_cgroup_update(f->cg, r, &error))
    fail_msg("update %s: %s", json, error->message);
}

#define DENY_ALL "{\"allow\": false, \"access\": \"rwm\"}"
#define ALLOW_ALL "{\"allow\": true, \"access\": \"rwm\"}"
#define DEV_ZERO(allow, access)                                                                   \
  "{\"allow\": " allow ", \"type\": \"c\", \"major\": 1, \"minor\": 5, \"access\": \"" access "\"}"
#define DEV_NULL "{\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3, \"access\": \"rwm\"}"

static void test_head_denied_then_allowed(void **state)
{
  Fixture *f = *state;
  static const char *const head[] = { "head", "-c1", "/dev/zero", NULL };
  g_autofree char *before = NULL, *denied = NULL, *allowed = NULL;
  assert_int_equal(run_in(f, head, &before), 0);
  assert_int_equal(strlen(before) == 0 ? 0 : before[0], 0); /* one NUL byte */
  g_autoptr(GArray) none = attached(f->dir);
  assert_int_equal(none->len, 0);

  update(f, "{\"devices\": [" DENY_ALL ", " DEV_NULL "]}");
  the_program(f->dir);
  assert_int_equal(run_in(f, head, &denied), 1);
  if (!strstr(denied, "Operation not permitted"))
    fail_msg("head said: %s", denied);
  assert_int_equal(open_in(f, "/dev/zero", O_RDONLY), EPERM);
  assert_int_equal(open_in(f, "/dev/null", O_RDWR), 0);

  update(f, "{\"devices\": [" DENY_ALL ", " DEV_NULL ", " DEV_ZERO("true", "r") "]}");
  assert_int_equal(run_in(f, head, &allowed), 0);
  assert_int_equal(allowed[0], 0);
  assert_int_equal(open_in(f, "/dev/zero", O_WRONLY), EPERM); /* only r was allowed */
}

/* The last rule that matches the device and lists the access decides, bit by bit. */
static void test_last_match_per_access(void **state)
{
  Fixture *f = *state;
  update(f, "{\"devices\": [" ALLOW_ALL ", " DEV_ZERO("false", "w") "]}");
  assert_int_equal(open_in(f, "/dev/zero", O_RDONLY), 0);
  assert_int_equal(open_in(f, "/dev/zero", O_WRONLY), EPERM);
  assert_int_equal(open_in(f, "/dev/zero", O_RDWR), EPERM); /* w is denied, so r+w is */
  assert_int_equal(open_in(f, "/dev/null", O_RDWR), 0);
  assert_int_equal(mknod_in(f), 0);

  update(f, "{\"devices\": [" DENY_ALL ", " DEV_ZERO("true", "r") ", " DEV_ZERO("true", "w") "]}");
  assert_int_equal(open_in(f, "/dev/zero", O_RDWR), 0); /* r from one rule, w from another */
  assert_int_equal(mknod_in(f), EPERM);                  /* no rule gives m */
  assert_int_equal(open_in(f, "/dev/null", O_RDONLY), EPERM);

  /* a later deny of every char device wins over the earlier allow */
  update(f, "{\"devices\": [" DEV_ZERO("true", "rwm") ", {\"allow\": false, \"type\": \"c\", "
            "\"access\": \"rwm\"}]}");
  assert_int_equal(open_in(f, "/dev/zero", O_RDONLY), EPERM);
}

/* Every update replaces the program: one attached after 100, never a growing list. */
static void test_hundred_updates_one_program(void **state)
{
  Fixture *f = *state;
  guint32 last = 0;
  for (guint i = 0; i < 100; i++) {
    update(f, i % 2 ? "{\"devices\": [" DENY_ALL ", " DEV_NULL "]}"
                    : "{\"devices\": [" DENY_ALL ", " DEV_ZERO("true", "rwm") "]}");
    guint32 id = the_program(f->dir);
    assert_true(id != last); /* replaced, not kept */
    last = id;
  }
  assert_int_equal(open_in(f, "/dev/null", O_RDONLY), 0); /* the 100th's rules */
  assert_int_equal(open_in(f, "/dev/zero", O_RDONLY), EPERM);
}

static CgfsResources *read_back(Fixture *f)
{
  GError *error = NULL;
  CgfsResources *r = cgfs_cgroup_read_resources(f->cg, &error);
  assert_no_gerror(error);
  return r;
}

static void test_read_back(void **state)
{
  Fixture *f = *state;
  g_autoptr(CgfsResources) none = read_back(f);
  assert_int_equal(none->devices->len, 1); /* no program: everything allowed */
  const CgfsDeviceRule *all = &g_array_index(none->devices, CgfsDeviceRule, 0);
  assert_true(all->allow && all->type == 'a' && strcmp(all->access, "rwm") == 0);

  update(f, "{\"devices\": [" DENY_ALL ", " DEV_NULL ", {\"allow\": true, \"type\": \"b\", "
            "\"major\": 254, \"access\": \"wr\"}]}");
  guint32 id = the_program(f->dir);
  g_autoptr(CgfsResources) back = read_back(f);
  g_autofree char *json = cgfs_resources_to_json(back, NULL);
  assert_int_equal(back->devices->len, 3);
  const CgfsDeviceRule *b = &g_array_index(back->devices, CgfsDeviceRule, 2);
  assert_true(b->allow && b->type == 'b' && b->has_major && b->major == 254 && !b->has_minor);
  assert_string_equal(b->access, "rw");
  /* writing back what was read changes nothing: the same program stays */
  g_autoptr(CgfsResources) again = cgfs_resources_from_json(json, -1, NULL);
  GError *error = NULL;
  assert_true(cgfs_cgroup_update(f->cg, again, &error));
  assert_no_gerror(error);
  assert_int_equal(the_program(f->dir), id);

  /* rules that allow everything detach the program */
  update(f, "{\"devices\": [" DEV_ZERO("false", "rwm") ", " ALLOW_ALL "]}");
  g_autoptr(GArray) ids = attached(f->dir);
  assert_int_equal(ids->len, 0);
  assert_int_equal(open_in(f, "/dev/zero", O_RDONLY), 0);
}

/* A refused write later in the same update puts the old program back. */
static void test_all_or_nothing(void **state)
{
  Fixture *f = *state;
  update(f, "{\"devices\": [" DENY_ALL ", " DEV_NULL "]}");
  guint32 id = the_program(f->dir);
  GError *error = NULL;
  g_autoptr(CgfsResources) r = cgfs_resources_from_json(
      "{\"devices\": [" ALLOW_ALL "], \"unified\": {\"cgroup.max.depth\": \"-3\"}}", -1, &error);
  assert_no_gerror(error);
  assert_false(cgfs_cgroup_update(f->cg, r, &error));
  assert_non_null(error);
  assert_int_equal(error->code, ERANGE); /* the kernel's refusal */
  assert_non_null(strstr(error->message, "cgroup.max.depth"));
  g_clear_error(&error);
  assert_int_equal(the_program(f->dir), id);
  assert_int_equal(open_in(f, "/dev/zero", O_RDONLY), EPERM);

  /* the same with a new program replacing the old one in place */
  g_autoptr(CgfsResources) r2 = cgfs_resources_from_json(
      "{\"devices\": [" DENY_ALL ", " DEV_ZERO("true", "r") "], \"unified\": "
      "{\"cgroup.max.depth\": \"-3\"}}", -1, &error);
  assert_false(cgfs_cgroup_update(f->cg, r2, &error));
  g_clear_error(&error);
  assert_int_equal(the_program(f->dir), id);
  assert_int_equal(open_in(f, "/dev/null", O_RDONLY), 0);

  /* and from no program at all */
  update(f, "{\"devices\": [" ALLOW_ALL "]}");
  assert_false(cgfs_cgroup_update(f->cg, r2, &error));
  g_clear_error(&error);
  g_autoptr(GArray) ids = attached(f->dir);
  assert_int_equal(ids->len, 0);
}

/* Many rules load: the verifier's work stays linear in their number. */
static void test_many_rules(void **state)
{
  Fixture *f = *state;
  g_autoptr(GString) json = g_string_new("{\"devices\": [" DENY_ALL);
  for (guint i = 0; i < 1000; i++)
    g_string_append_printf(json, ", {\"allow\": %s, \"type\": \"%c\", \"major\": %u, \"minor\": "
                           "%u, \"access\": \"%s\"}", i % 3 ? "true" : "false", i % 2 ? 'c' : 'b',
                           10 + i % 200, i, i % 4 ? "rwm" : "r");
  g_string_append(json, ", " DEV_NULL "]}");
  update(f, json->str);
  assert_int_equal(open_in(f, "/dev/null", O_RDONLY), 0);
  assert_int_equal(open_in(f, "/dev/zero", O_RDONLY), EPERM);
  g_autoptr(CgfsResources) back = read_back(f);
  assert_int_equal(back->devices->len, 1002);
}

/* ---- a crash at each instant of an update (the journal) ---- */

/* Apply @json in a child process that kills itself (SIGKILL: the test hook
 * CGFS_TEST_KILL_AFTER_WRITES) once the plan has made @k writes; TRUE if it was killed. */
static gboolean update_killed_after(Fixture *f, const char *json, guint k)
{
  GError *error = NULL;
  g_autoptr(CgfsResources) r = cgfs_resources_from_json(json, -1, &error);
  assert_no_gerror(error);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    char n[16];
    g_snprintf(n, sizeof n, "%u", k);
    g_setenv("CGFS_TEST_KILL_AFTER_WRITES", n, TRUE);
    _exit(cgfs_cgroup_update(f->cg, r, NULL) ? 0 : 1);
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  if (WIFSIGNALED(status)) {
    assert_int_equal(WTERMSIG(status), SIGKILL);
    return TRUE;
  }
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return FALSE;
}

/* "A" or "B": which document the cgroup holds, by the kernel (the core files, and what a process
 * in the cgroup may open: /dev/zero in A only); fails on a mixture. */
static const char *document_held(Fixture *f)
{
  g_autofree char *depth_file = g_build_filename(f->dir, "cgroup.max.depth", NULL);
  g_autofree char *desc_file = g_build_filename(f->dir, "cgroup.max.descendants", NULL);
  g_autofree char *depth = NULL, *desc = NULL;
  assert_true(g_file_get_contents(depth_file, &depth, NULL, NULL));
  assert_true(g_file_get_contents(desc_file, &desc, NULL, NULL));
  g_autoptr(GArray) ids = attached(f->dir);
  assert_int_equal(ids->len, 1); /* never two programs (nor none: that would allow all) */
  assert_int_equal(open_in(f, "/dev/null", O_RDONLY), 0);
  int zero = open_in(f, "/dev/zero", O_RDONLY);
  g_autofree char *seen = g_strdup_printf("depth %s descendants %s /dev/zero %s", g_strchomp(depth),
                                          g_strchomp(desc), zero ? g_strerror(zero) : "opened");
  if (strcmp(seen, "depth 3 descendants 30 /dev/zero opened") == 0)
    return "A";
  if (strcmp(seen, "depth 5 descendants 50 /dev/zero Operation not permitted") == 0)
    return "B";
  fail_msg("the cgroup holds neither document A nor B: %s", seen);
  return NULL;
}

/* Killed at each instant of an update from A to B (the core limits, then the device program,
 * which runs last), recovery leaves A or B, devices included: A before the program is attached,
 * B (completed) after. */
static void test_crash_at_each_write(void **state)
{
  Fixture *f = *state;
  static const char doc_a[] = "{\"devices\": [" DENY_ALL ", " DEV_NULL ", " DEV_ZERO("true", "r")
                              "], \"unified\": {\"cgroup.max.depth\": \"3\", "
                              "\"cgroup.max.descendants\": \"30\"}}";
  static const char doc_b[] = "{\"devices\": [" DENY_ALL ", " DEV_NULL "], \"unified\": "
                              "{\"cgroup.max.depth\": \"5\", \"cgroup.max.descendants\": \"50\"}}";
  GError *error = NULL;
  f->state = g_dir_make_tmp("cgfs-test-state-XXXXXX", &error);
  assert_no_gerror(error);
  g_autoptr(CgfsJournal) j = cgfs_journal_new(f->state, &error);
  assert_no_gerror(error);
  cgfs_hierarchy_set_journal(f->h, j);
  g_autoptr(GString) seen = g_string_new(NULL);
  for (guint k = 0;; k++) {
    update(f, doc_a);
    assert_string_equal(document_held(f), "A");
    gboolean killed = update_killed_after(f, doc_b, k);
    g_auto(GStrv) report = cgfs_journal_recover(j, &error);
    assert_no_gerror(error);
    assert_int_equal(g_strv_length(report), killed ? 1 : 0);
    g_string_append(seen, document_held(f));
    if (!killed)
      break;
  }
  /* killed after the record, after each of the 2 core writes (A), after the program (B); then
   * the update completes (B) */
  assert_string_equal(seen->str, "AAABB");

  /* An update of the devices alone (the core files already hold A's values: skipped) is
   * journaled too: over several old programs a device step is not one change. */
  static const char devices_b[] = "{\"devices\": [" DENY_ALL ", " DEV_NULL "], \"unified\": "
                                  "{\"cgroup.max.depth\": \"3\", "
                                  "\"cgroup.max.descendants\": \"30\"}}";
  g_string_truncate(seen, 0);
  for (guint k = 0;; k++) {
    update(f, doc_a);
    gboolean killed = update_killed_after(f, devices_b, k);
    g_auto(GStrv) report = cgfs_journal_recover(j, &error);
    assert_no_gerror(error);
    assert_int_equal(g_strv_length(report), killed ? 1 : 0);
    g_autoptr(GArray) ids = attached(f->dir);
    assert_int_equal(ids->len, 1);
    g_string_append(seen, open_in(f, "/dev/zero", O_RDONLY) == 0 ? "A" : "B");
    if (!killed)
      break;
  }
  assert_string_equal(seen->str, "ABB");
}

int main(void)
{
  itest_init();
  itest_require("unified");
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_head_denied_then_allowed, setup, teardown),
    cmocka_unit_test_setup_teardown(test_last_match_per_access, setup, teardown),
    cmocka_unit_test_setup_teardown(test_hundred_updates_one_program, setup, teardown),
    cmocka_unit_test_setup_teardown(test_read_back, setup, teardown),
    cmocka_unit_test_setup_teardown(test_all_or_nothing, setup, teardown),
    cmocka_unit_test_setup_teardown(test_many_rules, setup, teardown),
    cmocka_unit_test_setup_teardown(test_crash_at_each_write, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
