/* The systemd backend against a fake systemd (python-dbusmock, tests/unit/systemd-mock.py) on a
 * private dbus-daemon, over a fake cgroup v2 tree: every D-Bus call, the property translation,
 * failed jobs, timeouts and systemd leaving the bus in the middle of a call. */
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>

#include "fake-tree.h"
#include "unit-common.h"
#include "systemd-private.h"

#define INF G_MAXUINT64

typedef struct {
  FakeTree *t;
  CgfsSystem *sys;
  CgfsHierarchy *h;
  GPid bus_pid, mock_pid;
  char *address;
  GDBusConnection *conn; /* the test's own, to steer and inspect the mock */
} Fixture;

/* ---- the fake systemd ---- */

static const char *const unit_files[][2] = {
  { "cgroup.threads", "" },
  { "cgroup.freeze", "0\n" },
  { "cgroup.kill", "" },
  { "cgroup.type", "domain\n" },
  { "cgroup.events", "populated 0\nfrozen 0\n" },
  { "cgroup.subtree_control", "\n" },
  { "cgroup.controllers", "cpuset cpu io memory pids\n" },
  { "memory.max", "max\n" },
  { "memory.low", "0\n" },
  { "memory.high", "max\n" },
  { "memory.swap.max", "max\n" },
  { "cpu.max", "max 100000\n" },
  { "cpu.weight", "100\n" },
  { "cpuset.cpus", "\n" },
  { "cpuset.mems", "\n" },
  { "pids.max", "max\n" },
  { "io.weight", "default 100\n" },
  { "io.max", "" },
};

static char *mock_parameters(Fixture *f, const char *extra)
{
  g_autoptr(GString) files = g_string_new("{");
  for (gsize i = 0; i < G_N_ELEMENTS(unit_files); i++) {
    g_autofree char *v = g_strescape(unit_files[i][1], NULL);
    g_string_append_printf(files, "%s\"%s\": \"%s\"", i ? ", " : "", unit_files[i][0], v);
  }
  g_string_append(files, "}");
  g_autofree char *root = fake_tree_path(f->t, "sys/fs/cgroup");
  return g_strdup_printf("{\"cgroup_root\": \"%s\", \"files\": %s%s}", root, files->str,
                         extra ? extra : "");
}

static char *read_line_fd(int fd)
{
  g_autoptr(GString) s = g_string_new(NULL);
  char c;
  while (read(fd, &c, 1) == 1 && c != '\n')
    g_string_append_c(s, c);
  return g_string_free(g_steal_pointer(&s), FALSE);
}

static void start_bus(Fixture *f)
{
  const char *argv[] = { "dbus-daemon", "--session", "--nofork", "--nopidfile",
                         "--print-address=1", NULL };
  int out = -1;
  GError *error = NULL;
  gboolean ok = g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
                                         G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                                         NULL, &f->bus_pid, NULL, &out, NULL, &error);
  g_assert_no_error(error);
  assert_true(ok);
  f->address = read_line_fd(out);
  close(out);
  assert_true(*f->address);
}

static void start_mock(Fixture *f, const char *extra)
{
  g_autofree char *params = mock_parameters(f, extra);
  const char *argv[] = { "/usr/bin/python3", "-m", "dbusmock", "--session", "--template",
                         SYSTEMD_MOCK, "-p", params, NULL };
  g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "DBUS_SESSION_BUS_ADDRESS", f->address,
                                       TRUE);
  GError *error = NULL;
  g_spawn_async(NULL, (char **)argv, env, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, &f->mock_pid, &error);
  g_assert_no_error(error);
}

static gboolean mock_on_bus(Fixture *f)
{
  g_autoptr(GVariant) r = g_dbus_connection_call_sync(
      f->conn, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
      "NameHasOwner", g_variant_new("(s)", "org.freedesktop.systemd1"), G_VARIANT_TYPE("(b)"),
      G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  gboolean has = FALSE;
  if (r)
    g_variant_get(r, "(b)", &has);
  return has;
}

/* The mock's template loaded: its root slice answers. Deadline: a minute on a busy machine. */
static void wait_for_mock(Fixture *f)
{
  gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
  while (!mock_on_bus(f)) {
    if (g_get_monotonic_time() > deadline || waitpid(f->mock_pid, NULL, WNOHANG) == f->mock_pid)
      fail_msg("the fake systemd did not come up");
    g_usleep(20 * 1000);
  }
  for (;;) {
    g_autoptr(GVariant) r = g_dbus_connection_call_sync(
        f->conn, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
        "org.freedesktop.systemd1.Manager", "GetUnit", g_variant_new("(s)", "-.slice"), NULL,
        G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
    if (r)
      return;
    if (g_get_monotonic_time() > deadline)
      fail_msg("the fake systemd's template did not load");
    g_usleep(20 * 1000);
  }
}

static Fixture *fixture_new(const char *extra)
{
  Fixture *f = g_new0(Fixture, 1);
  f->t = fake_tree_new_v2("cpuset cpu io memory pids");
  f->sys = fake_tree_system(f->t);
  start_bus(f);
  GError *error = NULL;
  f->conn = g_dbus_connection_new_for_address_sync(
      f->address,
      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
      NULL, NULL, &error);
  g_assert_no_error(error);
  start_mock(f, extra);
  wait_for_mock(f);
  f->h = cgfs_hierarchy_systemd(f->sys, f->address, &error);
  assert_no_gerror(error);
  return f;
}

static void stop_child(GPid pid)
{
  if (pid <= 0)
    return;
  if (waitpid(pid, NULL, WNOHANG) == pid)
    return;
  kill(pid, SIGTERM);
  waitpid(pid, NULL, 0);
}

static int setup(void **state)
{
  *state = fixture_new(NULL);
  return 0;
}

static int teardown(void **state)
{
  Fixture *f = *state;
  cgfs_hierarchy_unref(f->h);
  if (f->conn) {
    g_dbus_connection_close_sync(f->conn, NULL, NULL);
    g_object_unref(f->conn);
  }
  stop_child(f->mock_pid);
  stop_child(f->bus_pid);
  cgfs_system_unref(f->sys);
  fake_tree_free(f->t);
  g_free(f->address);
  g_free(f);
  return 0;
}

static void mock_call(Fixture *f, const char *method, GVariant *args)
{
  GError *error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
      f->conn, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
      "org.freedesktop.DBus.Mock", method, args, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error(error);
  assert_non_null(reply);
}

static void behave(Fixture *f, const char *method, const char *what)
{
  mock_call(f, "SetBehaviour", g_variant_new("(ss)", method, what));
}

/* A unit property as the fake systemd holds it, or NULL when the unit is not loaded. */
static GVariant *unit_property(Fixture *f, const char *unit, const char *name)
{
  g_autoptr(GVariant) obj = g_dbus_connection_call_sync(
      f->conn, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
      "org.freedesktop.systemd1.Manager", "GetUnit", g_variant_new("(s)", unit),
      G_VARIANT_TYPE("(o)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (!obj)
    return NULL;
  const char *path;
  g_variant_get(obj, "(&o)", &path);
  const char *iface = g_str_has_suffix(unit, ".slice") ? "org.freedesktop.systemd1.Slice"
                                                       : "org.freedesktop.systemd1.Scope";
  GError *error = NULL;
  g_autoptr(GVariant) r = g_dbus_connection_call_sync(
      f->conn, "org.freedesktop.systemd1", path, "org.freedesktop.DBus.Properties", "Get",
      g_variant_new("(ss)", iface, name), G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, -1,
      NULL, &error);
  g_assert_no_error(error);
  GVariant *v;
  g_variant_get(r, "(v)", &v);
  return v;
}

static guint64 unit_u64(Fixture *f, const char *unit, const char *name)
{
  g_autoptr(GVariant) v = unit_property(f, unit, name);
  assert_non_null(v);
  return g_variant_get_uint64(v);
}

static char *unit_text(Fixture *f, const char *unit, const char *name)
{
  g_autoptr(GVariant) v = unit_property(f, unit, name);
  assert_non_null(v);
  return g_variant_print(v, TRUE);
}

static char *cg_file(Fixture *f, const char *path, const char *file)
{
  g_autofree char *rel = g_strdup_printf("sys/fs/cgroup%s/%s", path, file);
  char *v = fake_tree_read(f->t, rel);
  return v ? g_strchomp(v) : NULL;
}

static gboolean cg_exists(Fixture *f, const char *path)
{
  g_autofree char *rel = g_strdup_printf("sys/fs/cgroup%s", path);
  return fake_tree_exists(f->t, rel);
}

/* ---- naming (no bus) ---- */

static void test_expand_slice(void **state)
{
  (void)state;
  static const char *const good[][2] = {
    { "-.slice", "/" },
    { "system.slice", "/system.slice" },
    { "a-b-c.slice", "/a.slice/a-b.slice/a-b-c.slice" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
    GError *error = NULL;
    g_autofree char *p = cgfs_systemd_expand_slice(good[i][0], &error);
    assert_no_gerror(error);
    assert_string_equal(p, good[i][1]);
  }
  static const char *const bad[] = { "a--b.slice", "-a.slice", "a-.slice", "a/b.slice",
                                     "x.scope",   ".slice",    "a b.slice", "a@b.slice" };
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    GError *error = NULL;
    g_autofree char *p = cgfs_systemd_expand_slice(bad[i], &error);
    assert_null(p);
    assert_gerror(error, EINVAL, bad[i]);
    g_clear_error(&error);
  }
}

static void test_slice_path(void **state)
{
  (void)state;
  static const char *const cases[][3] = {
    { "system.slice", "runc-test", "/system.slice/runc-test.scope" },
    { "a-b.slice", "c.slice", "/a.slice/a-b.slice/a-b-c.slice" },
    { "a-b.slice", "a-b-c.slice", "/a.slice/a-b.slice/a-b-c.slice" },
    { NULL, "top.slice", "/top.slice" },
    { "", "x.scope", "/x.scope" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    GError *error = NULL;
    g_autofree char *p = cgfs_systemd_slice_path(cases[i][0], cases[i][1], &error);
    assert_no_gerror(error);
    assert_string_equal(p, cases[i][2]);
  }
  GError *error = NULL;
  assert_null(cgfs_systemd_slice_path("a.slice", "b-c.slice", &error));
  assert_gerror(error, EINVAL, "a-b-c.slice");
  g_clear_error(&error);
}

static void test_path_validate(void **state)
{
  (void)state;
  static const char *const good[] = { "/", "/a.slice", "/a.slice/a-b.slice/x.scope",
                                      "/x.scope/sub/deeper", "/system.slice/foo.service/bar" };
  for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
    GError *error = NULL;
    assert_true(cgfs_systemd_path_validate(good[i], &error));
    assert_no_gerror(error);
  }
  static const char *const bad[][2] = {
    { "/a-b.slice", "names a parent slice" },
    { "/a.slice/b.slice", "a-NAME.slice" },
    { "/a.slice/plain", "a slice holds only units" },
    { "/x.scope/y.slice", "below a scope" },
    { "/a.slice/a-b-c.slice", "a-NAME.slice" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    GError *error = NULL;
    assert_false(cgfs_systemd_path_validate(bad[i][0], &error));
    assert_gerror(error, EINVAL, bad[i][1]);
    g_clear_error(&error);
  }
  g_autofree char *u1 = cgfs_systemd_path_unit("/a.slice/x.scope");
  g_autofree char *u2 = cgfs_systemd_path_unit("/x.scope/sub");
  g_autofree char *u3 = cgfs_systemd_path_unit("/");
  assert_string_equal(u1, "x.scope");
  assert_null(u2);
  assert_string_equal(u3, "-.slice");
}

static void test_quota_and_masks(void **state)
{
  (void)state;
  assert_true(cgfs_systemd_quota_per_sec(50000, 100000) == 500000);
  assert_true(cgfs_systemd_quota_per_sec(12345, 100000) == 130000); /* up to 10 ms */
  assert_true(cgfs_systemd_quota_per_sec(-1, 100000) == INF);
  assert_true(cgfs_systemd_quota_per_sec(20000, 0) == 200000);
  GError *error = NULL;
  g_autoptr(GVariant) m = g_variant_ref_sink(cgfs_systemd_cpuset_mask("0-3,9", "cpu.cpus", &error));
  assert_no_gerror(error);
  g_autofree char *s = g_variant_print(m, TRUE);
  assert_string_equal(s, "[byte 0x0f, 0x02]");
  assert_null(cgfs_systemd_cpuset_mask("3-1", "cpu.cpus", &error));
  assert_gerror(error, EINVAL, "cpu.cpus");
  g_clear_error(&error);
}

/* ---- units ---- */

static void test_connect_root(void **state)
{
  Fixture *f = *state;
  assert_true(cgfs_hierarchy_is_systemd(f->h));
  assert_int_equal(cgfs_hierarchy_version(f->h), 2);
  assert_string_equal(cgfs_systemd_root(cgfs_hierarchy_get_systemd(f->h)), "/");
  GError *error = NULL;
  g_autofree char *nobody = g_strdup_printf("unix:path=%s/no-bus", f->t->root);
  assert_null(cgfs_hierarchy_systemd(f->sys, nobody, &error));
  assert_gerror(error, ENOTCONN, "cannot connect to the bus");
  g_clear_error(&error);
}

static void test_create_slice(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsCgroup) cg =
      cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/a.slice/a-b.slice"), NULL, &error);
  assert_no_gerror(error);
  assert_true(cg_exists(f, "/a.slice/a-b.slice"));
  g_autofree char *cgroup = unit_text(f, "a-b.slice", "ControlGroup");
  assert_string_equal(cgroup, "'/a.slice/a-b.slice'");
  g_autofree char *desc = unit_text(f, "a-b.slice", "Description");
  assert_string_equal(desc, "'cgfs /a.slice/a-b.slice'");
  /* an existing, active unit is reused, as an existing directory is */
  g_autoptr(CgfsCgroup) again =
      cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/a.slice/a-b.slice"), NULL, &error);
  assert_no_gerror(error);
  assert_non_null(again);
  /* reads go to cgroupfs */
  g_autoptr(GArray) pids = cgfs_cgroup_processes(cg, NULL, FALSE, &error);
  assert_no_gerror(error);
  assert_int_equal(pids->len, 0);
  assert_int_equal(cgfs_cgroup_state(cg, &error), CGFS_STATE_THAWED);
  /* a slice holds no process */
  assert_false(cgfs_cgroup_add_process(cg, getpid(), NULL, &error));
  assert_gerror(error, EINVAL, "a-b.slice");
  g_clear_error(&error);
  /* mkdir(2)'s form (the daemon's): a unit too, EEXIST when it is there */
  g_autoptr(CgfsCgroup) child = cgfs_cgroup_create_child(cg, "a-b-c.slice", &error);
  assert_no_gerror(error);
  assert_string_equal(cgfs_cgroup_path(child), "/a.slice/a-b.slice/a-b-c.slice");
  g_autofree char *child_cg = unit_text(f, "a-b-c.slice", "ControlGroup");
  assert_string_equal(child_cg, "'/a.slice/a-b.slice/a-b-c.slice'");
  assert_null(cgfs_cgroup_create_child(cg, "a-b-c.slice", &error));
  assert_gerror(error, EEXIST, "exists already");
  g_clear_error(&error);
  assert_null(cgfs_cgroup_create_child(cg, "x.scope", &error));
  assert_gerror(error, EINVAL, "a scope needs a process");
  g_clear_error(&error);
  assert_null(cgfs_cgroup_create_child(cg, "plain", &error));
  assert_gerror(error, EINVAL, "a slice holds only units");
  g_clear_error(&error);
  assert_false(cg_exists(f, "/a.slice/a-b.slice/plain"));
}

static void test_create_scope(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  assert_null(cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/w.slice/x.scope"), NULL, &error));
  assert_gerror(error, EINVAL, "a scope needs a process");
  g_clear_error(&error);
  assert_false(cg_exists(f, "/w.slice/x.scope"));
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new_scope(f->h, "/w.slice/x.scope", getpid(), NULL,
                                                   &error);
  assert_no_gerror(error);
  assert_string_equal(cgfs_cgroup_path(cg), "/w.slice/x.scope");
  g_autofree char *procs = cg_file(f, "/w.slice/x.scope", "cgroup.procs");
  g_autofree char *me = g_strdup_printf("%d", (int)getpid());
  assert_string_equal(procs, me);
  g_autofree char *delegate = unit_text(f, "x.scope", "Delegate");
  g_autofree char *slice = unit_text(f, "x.scope", "Slice");
  assert_string_equal(delegate, "true");
  assert_string_equal(slice, "'w.slice'");
  /* plain cgroups below the delegated scope are made on cgroupfs */
  g_autoptr(CgfsCgroup) sub = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/w.slice/x.scope/sub"),
                                              NULL, &error);
  assert_no_gerror(error);
  assert_non_null(sub);
  assert_true(cg_exists(f, "/w.slice/x.scope/sub/cgroup.procs"));
  assert_null(cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/w.slice/nope.scope/sub"), NULL, &error));
  assert_gerror(error, ENOENT, "does not exist");
  g_clear_error(&error);
  assert_false(cg_exists(f, "/w.slice/nope.scope"));
  /* a plain cgroup cannot sit in a slice */
  assert_null(cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/w.slice/plain"), NULL, &error));
  assert_gerror(error, EINVAL, "a slice holds only units");
  g_clear_error(&error);
}

static void test_job_failed(void **state)
{
  Fixture *f = *state;
  behave(f, "StartTransientUnit", "failed");
  GError *error = NULL;
  assert_null(cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/bad.slice"), NULL, &error));
  assert_gerror(error, EIO, "cannot start unit bad.slice: the job finished with result 'failed'");
  g_clear_error(&error);
  behave(f, "StartTransientUnit", "canceled");
  assert_null(cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/bad.slice"), NULL, &error));
  assert_gerror(error, ECANCELED, "'canceled'");
  g_clear_error(&error);
  behave(f, "StartTransientUnit", "error:org.freedesktop.DBus.Error.AccessDenied");
  assert_null(cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/bad.slice"), NULL, &error));
  assert_gerror(error, EACCES, "refused by the test");
  g_clear_error(&error);
}

static void test_job_timeout(void **state)
{
  Fixture *f = *state;
  behave(f, "StartTransientUnit", "hang");
  cgfs_hierarchy_systemd_set_timeout(f->h, 200);
  GError *error = NULL;
  assert_null(cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/slow.slice"), NULL, &error));
  assert_gerror(error, ETIMEDOUT, "cannot start unit slow.slice: no answer within 200 ms");
  g_clear_error(&error);
}

static void test_systemd_exits_in_call(void **state)
{
  Fixture *f = *state;
  behave(f, "StartTransientUnit", "exit-in-call");
  GError *error = NULL;
  assert_null(cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/gone.slice"), NULL, &error));
  assert_gerror(error, ENOTCONN, "cannot start unit gone.slice");
  g_clear_error(&error);
  /* and with nobody on the bus at all */
  assert_null(cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/gone.slice"), NULL, &error));
  assert_gerror(error, ENOTCONN, "systemd is not running");
  g_clear_error(&error);
}

static void test_systemd_exits_during_job(void **state)
{
  Fixture *f = *state;
  behave(f, "StartTransientUnit", "exit-after-reply");
  GError *error = NULL;
  assert_null(cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/gone.slice"), NULL, &error));
  assert_gerror(error, ENOTCONN, "systemd left the bus during the job");
  g_clear_error(&error);
}

static void test_delete(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsCgroup) slice = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/d.slice"), NULL, &error);
  assert_no_gerror(error);
  g_autoptr(CgfsCgroup) scope =
      cgfs_cgroup_new_scope(f->h, "/d.slice/s.scope", getpid(), NULL, &error);
  assert_no_gerror(error);
  assert_false(cgfs_cgroup_delete(slice, &error));
  assert_gerror(error, ENOTEMPTY, "s.scope");
  g_clear_error(&error);
  assert_false(cgfs_cgroup_delete(scope, &error));
  assert_gerror(error, EBUSY, "still in");
  g_clear_error(&error);
  assert_non_null(unit_property(f, "s.scope", "ControlGroup")); /* not stopped */
  fake_tree_write(f->t, "sys/fs/cgroup/d.slice/s.scope/cgroup.procs", "");
  assert_true(cgfs_cgroup_delete(scope, &error));
  assert_no_gerror(error);
  assert_null(unit_property(f, "s.scope", "ControlGroup"));
  assert_false(cg_exists(f, "/d.slice/s.scope"));
  assert_true(cgfs_cgroup_delete(slice, &error));
  assert_no_gerror(error);
  assert_false(cg_exists(f, "/d.slice"));
  assert_false(cgfs_cgroup_delete(slice, &error));
  assert_gerror(error, ENOENT, "");
  g_clear_error(&error);
}

static void test_attach(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsCgroup) scope = cgfs_cgroup_new_scope(f->h, "/p.scope", getpid(), NULL, &error);
  assert_no_gerror(error);
  fake_tree_write(f->t, "sys/fs/cgroup/p.scope/cgroup.procs", "");
  assert_true(cgfs_cgroup_add_process(scope, getppid(), NULL, &error));
  assert_no_gerror(error);
  g_autofree char *procs = cg_file(f, "/p.scope", "cgroup.procs");
  g_autofree char *want = g_strdup_printf("%d", (int)getppid());
  assert_string_equal(procs, want);
  behave(f, "AttachProcessesToUnit", "error:System.Error.ESRCH");
  assert_false(cgfs_cgroup_add_process(scope, getppid(), NULL, &error));
  assert_gerror(error, ESRCH, "p.scope");
  g_clear_error(&error);
  /* a manager without AttachProcessesToUnit: cgroupfs */
  behave(f, "AttachProcessesToUnit", "unknown-method");
  fake_tree_write(f->t, "sys/fs/cgroup/p.scope/cgroup.procs", "");
  assert_true(cgfs_cgroup_add_process(scope, getpid(), NULL, &error));
  assert_no_gerror(error);
  g_autofree char *procs2 = cg_file(f, "/p.scope", "cgroup.procs");
  g_autofree char *me = g_strdup_printf("%d", (int)getpid());
  assert_string_equal(procs2, me);
}

static void test_freeze(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsCgroup) scope = cgfs_cgroup_new_scope(f->h, "/z.scope", getpid(), NULL, &error);
  assert_no_gerror(error);
  assert_true(cgfs_cgroup_freeze(scope, &error));
  assert_no_gerror(error);
  g_autofree char *freeze = cg_file(f, "/z.scope", "cgroup.freeze");
  assert_string_equal(freeze, "1");
  assert_int_equal(cgfs_cgroup_state(scope, &error), CGFS_STATE_FROZEN);
  assert_true(cgfs_cgroup_thaw(scope, &error));
  assert_int_equal(cgfs_cgroup_state(scope, &error), CGFS_STATE_THAWED);
  behave(f, "FreezeUnit", "error:org.freedesktop.systemd1.UnitInactive");
  assert_false(cgfs_cgroup_freeze(scope, &error));
  assert_gerror(error, ENOENT, "freeze unit z.scope");
  g_clear_error(&error);
  /* no FreezeUnit: cgroupfs's freezer (which the fake tree reports frozen at once) */
  behave(f, "FreezeUnit", "unknown-method");
  fake_tree_write(f->t, "sys/fs/cgroup/z.scope/cgroup.events", "populated 1\nfrozen 1\n");
  assert_true(cgfs_cgroup_freeze(scope, &error));
  assert_no_gerror(error);
  g_autofree char *freeze2 = cg_file(f, "/z.scope", "cgroup.freeze");
  assert_string_equal(freeze2, "1");
}

static CgfsResources *parse(const char *json)
{
  GError *error = NULL;
  CgfsResources *r = cgfs_resources_from_json(json, -1, &error);
  assert_no_gerror(error);
  return r;
}

static const char full[] =
    "{\"memory\": {\"limit\": 268435456, \"reservation\": 134217728, \"swap\": 536870912},"
    " \"cpu\": {\"shares\": 1024, \"quota\": 50000, \"period\": 100000, \"cpus\": \"0-1\","
    "  \"mems\": \"0\"},"
    " \"pids\": {\"limit\": 64},"
    " \"blockIO\": {\"weight\": 500, \"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0,"
    "  \"rate\": 1048576}]},"
    " \"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
    "  {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3, \"access\": \"rwm\"},"
    "  {\"allow\": true, \"type\": \"c\", \"access\": \"m\"}],"
    " \"unified\": {\"memory.high\": \"200000000\"}}";

static void test_update_properties(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new_scope(f->h, "/u.scope", getpid(), NULL, &error);
  assert_no_gerror(error);
  g_autoptr(CgfsResources) r = parse(full);
  assert_true(cgfs_cgroup_update(cg, r, &error));
  assert_no_gerror(error);
  assert_true(unit_u64(f, "u.scope", "MemoryMax") == 268435456);
  assert_true(unit_u64(f, "u.scope", "MemoryLow") == 134217728);
  assert_true(unit_u64(f, "u.scope", "MemorySwapMax") == 268435456);
  assert_true(unit_u64(f, "u.scope", "MemoryHigh") == 200000000);
  assert_true(unit_u64(f, "u.scope", "CPUWeight") == 100);
  assert_true(unit_u64(f, "u.scope", "CPUQuotaPerSecUSec") == 500000);
  assert_true(unit_u64(f, "u.scope", "CPUQuotaPeriodUSec") == 100000);
  assert_true(unit_u64(f, "u.scope", "TasksMax") == 64);
  assert_true(unit_u64(f, "u.scope", "IOWeight") == 1 + (500 - 10) * 9999 / 990);
  g_autofree char *cpus = unit_text(f, "u.scope", "AllowedCPUs");
  g_autofree char *mems = unit_text(f, "u.scope", "AllowedMemoryNodes");
  g_autofree char *bw = unit_text(f, "u.scope", "IOReadBandwidthMax");
  g_autofree char *policy = unit_text(f, "u.scope", "DevicePolicy");
  g_autofree char *allow = unit_text(f, "u.scope", "DeviceAllow");
  assert_string_equal(cpus, "[byte 0x03]");
  assert_string_equal(mems, "[byte 0x01]");
  assert_string_equal(bw, "[('/dev/block/8:0', uint64 1048576)]");
  assert_string_equal(policy, "'strict'");
  assert_string_equal(allow, "[('/dev/char/1:3', 'rwm'), ('char-*', 'm')]");
  /* and the same values are in the cgroup's files at once */
  g_autofree char *max = cg_file(f, "/u.scope", "memory.max");
  g_autofree char *cpu_max = cg_file(f, "/u.scope", "cpu.max");
  g_autofree char *pids = cg_file(f, "/u.scope", "pids.max");
  assert_string_equal(max, "268435456");
  assert_string_equal(cpu_max, "50000 100000");
  assert_string_equal(pids, "64");
  /* writing the same again appends nothing to the lists */
  assert_true(cgfs_cgroup_update(cg, r, &error));
  g_autofree char *allow2 = unit_text(f, "u.scope", "DeviceAllow");
  assert_string_equal(allow2, allow);
}

static void test_update_unlimited_and_v1_shapes(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/l.slice"), NULL, &error);
  assert_no_gerror(error);
  g_autoptr(CgfsResources) r =
      parse("{\"memory\": {\"limit\": -1}, \"pids\": {\"limit\": -1}, \"cpu\": {\"quota\": -1},"
            " \"devices\": [{\"allow\": true, \"access\": \"rwm\"}]}");
  assert_true(cgfs_cgroup_update(cg, r, &error));
  assert_no_gerror(error);
  assert_true(unit_u64(f, "l.slice", "MemoryMax") == INF);
  assert_true(unit_u64(f, "l.slice", "TasksMax") == INF);
  assert_true(unit_u64(f, "l.slice", "CPUQuotaPerSecUSec") == INF);
  g_autofree char *policy = unit_text(f, "l.slice", "DevicePolicy");
  assert_string_equal(policy, "'auto'");
  /* the shapes systemd cannot say are translated for v1 as runc does, here checked alone */
  g_autoptr(CgfsResources) v1 = parse("{\"cpu\": {\"shares\": 512}, \"blockIO\": {\"weight\": 300},"
                                       " \"memory\": {\"reservation\": 5}}");
  CgfsResources *rest = NULL;
  g_autoptr(GVariant) props =
      g_variant_ref_sink(cgfs_systemd_properties(v1, 1, FALSE, &rest, &error));
  assert_no_gerror(error);
  g_autofree char *s = g_variant_print(props, FALSE);
  assert_string_equal(s, "[('CPUShares', <uint64 512>), ('BlockIOWeight', <uint64 300>)]");
  assert_true(rest->memory.has_reservation);
  cgfs_systemd_residual_free(rest);
}

/* systemd refuses one property: nothing changes, neither the unit nor the files. */
static void test_update_refused_by_systemd(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new_scope(f->h, "/r.scope", getpid(), NULL, &error);
  assert_no_gerror(error);
  const char *refuse[] = { "TasksMax", NULL };
  mock_call(f, "RefuseProperties", g_variant_new("(^as)", refuse));
  g_autoptr(CgfsResources) r = parse(full);
  assert_false(cgfs_cgroup_update(cg, r, &error));
  assert_gerror(error, EOPNOTSUPP, "systemd: cannot set the properties of unit r.scope");
  g_clear_error(&error);
  assert_true(unit_u64(f, "r.scope", "MemoryMax") == INF);
  g_autofree char *max = cg_file(f, "/r.scope", "memory.max");
  g_autofree char *pids = cg_file(f, "/r.scope", "pids.max");
  assert_string_equal(max, "max");
  assert_string_equal(pids, "max");
}

/* The kernel refuses a file after systemd took the properties: they are set back. */
static void test_update_refused_by_kernel(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new_scope(f->h, "/k.scope", getpid(), NULL, &error);
  assert_no_gerror(error);
  g_autoptr(CgfsResources) first = parse("{\"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
                                         " {\"allow\": true, \"type\": \"c\", \"major\": 1,"
                                         " \"minor\": 5, \"access\": \"r\"}],"
                                         " \"memory\": {\"limit\": 1048576}}");
  assert_true(cgfs_cgroup_update(cg, first, &error));
  assert_no_gerror(error);
  behave(f, "SetUnitProperties", "break:pids.max");
  g_autoptr(CgfsResources) r = parse(full);
  assert_false(cgfs_cgroup_update(cg, r, &error));
  assert_gerror(error, EISDIR, "pids.limit");
  g_clear_error(&error);
  assert_true(unit_u64(f, "k.scope", "MemoryMax") == 1048576);
  assert_true(unit_u64(f, "k.scope", "TasksMax") == INF);
  assert_true(unit_u64(f, "k.scope", "CPUWeight") == INF);
  g_autofree char *allow = unit_text(f, "k.scope", "DeviceAllow");
  assert_string_equal(allow, "[('/dev/char/1:5', 'r')]");
  g_autofree char *cpus = unit_text(f, "k.scope", "AllowedCPUs");
  assert_string_equal(cpus, "@ay []");
  g_autofree char *max = cg_file(f, "/k.scope", "memory.max");
  assert_string_equal(max, "1048576");
}

/* systemd leaves the bus while it is being asked to set the properties: nothing changes in the
 * files, and the next calls say systemd is gone. */
static void test_update_systemd_gone(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new_scope(f->h, "/g.scope", getpid(), NULL, &error);
  assert_no_gerror(error);
  behave(f, "SetUnitProperties", "exit-in-call");
  g_autoptr(CgfsResources) r = parse(full);
  assert_false(cgfs_cgroup_update(cg, r, &error));
  assert_gerror(error, ENOTCONN, "cannot set the properties of unit g.scope");
  g_clear_error(&error);
  g_autofree char *max = cg_file(f, "/g.scope", "memory.max");
  g_autofree char *pids = cg_file(f, "/g.scope", "pids.max");
  assert_string_equal(max, "max");
  assert_string_equal(pids, "max");
  assert_false(cgfs_cgroup_delete(cg, &error));
  assert_gerror(error, EBUSY, "still in"); /* checked on cgroupfs before systemd is asked */
  g_clear_error(&error);
  fake_tree_write(f->t, "sys/fs/cgroup/g.scope/cgroup.procs", "");
  assert_false(cgfs_cgroup_delete(cg, &error));
  assert_gerror(error, ENOTCONN, "systemd is not running");
  g_clear_error(&error);
  assert_false(cgfs_cgroup_freeze(cg, &error));
  assert_gerror(error, ENOTCONN, "freeze unit g.scope");
  g_clear_error(&error);
}

static void test_update_plain_below_scope(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsCgroup) scope = cgfs_cgroup_new_scope(f->h, "/q.scope", getpid(), NULL, &error);
  assert_no_gerror(error);
  assert_non_null(scope);
  g_autoptr(CgfsCgroup) sub = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/q.scope/sub"), NULL, &error);
  assert_no_gerror(error);
  /* what the kernel would show in a cgroup made below the delegated scope */
  fake_tree_write(f->t, "sys/fs/cgroup/q.scope/sub/cgroup.controllers", "pids\n");
  fake_tree_write(f->t, "sys/fs/cgroup/q.scope/sub/pids.max", "max\n");
  fake_tree_write(f->t, "sys/fs/cgroup/q.scope/cgroup.subtree_control", "pids\n");
  g_autoptr(CgfsResources) r = parse("{\"pids\": {\"limit\": 7}}");
  cgfs_cgroup_update(sub, r, &error);
  assert_no_gerror(error);
  g_autofree char *pids = cg_file(f, "/q.scope/sub", "pids.max");
  assert_string_equal(pids, "7");
  assert_true(unit_u64(f, "q.scope", "TasksMax") == INF);
  assert_true(cgfs_cgroup_delete(sub, &error));
  assert_no_gerror(error);
  assert_false(cg_exists(f, "/q.scope/sub"));
  assert_true(cg_exists(f, "/q.scope"));
}

/* This thread only (raw syscalls: glibc's wrappers change every thread), as a daemon thread
 * acting for a caller does. */
static void become(uid_t uid, gid_t gid)
{
  assert_int_equal(syscall(SYS_setresuid, -1, 0, -1), 0);
  assert_int_equal(syscall(SYS_setresgid, -1, gid, -1), 0);
  assert_int_equal(syscall(SYS_setresuid, -1, uid, -1), 0);
}

/* systemd acts as the daemon; the backend first asks whether the calling thread could make the
 * same change on cgroupfs. */
static void test_caller_credentials(void **state)
{
  Fixture *f = *state;
  if (geteuid() != 0)
    skip();
  GError *error = NULL;
  g_autoptr(CgfsCgroup) scope = cgfs_cgroup_new_scope(f->h, "/c.scope", getpid(), NULL, &error);
  assert_no_gerror(error);
  fake_tree_write(f->t, "sys/fs/cgroup/c.scope/cgroup.procs", "");
  /* The tree readable by all, as /sys/fs/cgroup is: only write access is missing. */
  g_autofree char *tmp = g_path_get_dirname(f->t->root);
  for (g_autofree char *d = g_strdup(f->t->root); strcmp(d, tmp) != 0;) {
    assert_int_equal(chmod(d, 0755), 0);
    char *up = g_path_get_dirname(d);
    g_free(d);
    d = up;
  }
  become(65534, 65534);
  CgfsCgroup *slice = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH("/nobody.slice"), NULL, &error);
  gboolean attached = cgfs_cgroup_add_process(scope, getpid(), NULL, error ? NULL : &error);
  GError *freeze_error = NULL, *delete_error = NULL;
  gboolean frozen = cgfs_cgroup_freeze(scope, &freeze_error);
  gboolean deleted = cgfs_cgroup_delete(scope, &delete_error);
  become(0, 0);
  assert_null(slice);
  assert_gerror(error, EACCES, "cannot create unit nobody.slice: no write access");
  g_clear_error(&error);
  assert_null(unit_property(f, "nobody.slice", "ControlGroup"));
  assert_false(attached);
  assert_false(frozen);
  assert_gerror(freeze_error, EACCES, "cannot freeze unit c.scope");
  g_clear_error(&freeze_error);
  assert_false(deleted);
  assert_gerror(delete_error, EACCES, "cannot stop unit c.scope");
  g_clear_error(&delete_error);
  assert_non_null(unit_property(f, "c.scope", "ControlGroup"));
  g_autofree char *freeze = cg_file(f, "/c.scope", "cgroup.freeze");
  assert_string_equal(freeze, "0");
}

static gboolean have_tools(void)
{
  g_autofree char *daemon = g_find_program_in_path("dbus-daemon");
  if (!daemon)
    return FALSE;
  const char *argv[] = { "/usr/bin/python3", "-c", "import dbusmock", NULL };
  int status = -1;
  return g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL,
                      NULL, &status, NULL) &&
         status == 0;
}

#define BUS_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
  const struct CMUnitTest naming[] = {
    cmocka_unit_test(test_expand_slice),
    cmocka_unit_test(test_slice_path),
    cmocka_unit_test(test_path_validate),
    cmocka_unit_test(test_quota_and_masks),
  };
  const struct CMUnitTest bus[] = {
    BUS_TEST(test_connect_root),
    BUS_TEST(test_create_slice),
    BUS_TEST(test_create_scope),
    BUS_TEST(test_job_failed),
    BUS_TEST(test_job_timeout),
    BUS_TEST(test_systemd_exits_in_call),
    BUS_TEST(test_systemd_exits_during_job),
    BUS_TEST(test_delete),
    BUS_TEST(test_attach),
    BUS_TEST(test_freeze),
    BUS_TEST(test_update_properties),
    BUS_TEST(test_update_unlimited_and_v1_shapes),
    BUS_TEST(test_update_refused_by_systemd),
    BUS_TEST(test_update_refused_by_kernel),
    BUS_TEST(test_update_plain_below_scope),
    BUS_TEST(test_update_systemd_gone),
    BUS_TEST(test_caller_credentials),
  };
  int failed = cmocka_run_group_tests_name("systemd naming", naming, NULL, NULL);
  if (!have_tools()) {
    printf("SKIP: no dbus-daemon or python3-dbusmock for the fake systemd\n");
    return failed ? failed : 77;
  }
  return failed + cmocka_run_group_tests_name("systemd on a fake bus", bus, NULL, NULL);
}
