/* metrics.prom's text (lib/stats/metrics.c) on fake trees filled with real kernel files: values in
 * base units from v1 nanoseconds and v2 microseconds, "max" as +Inf, label escaping, each family
 * once with all its samples together, and promtool's verdict when it is installed. */
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "fake-tree.h"
#include "unit-common.h"

#define CG "cgfs-test-fixture"

static void copy_fixture(FakeTree *t, const char *fixture, const char *rel)
{
  g_autofree char *dir = g_build_filename(FIXTURES_DIR, fixture, NULL);
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  assert_non_null(d);
  const char *name;
  while ((name = g_dir_read_name(d))) {
    g_autofree char *src = g_build_filename(dir, name, NULL);
    g_autofree char *content = NULL;
    assert_true(g_file_get_contents(src, &content, NULL, NULL));
    g_autofree char *dst = g_build_filename(rel, name, NULL);
    fake_tree_write(t, dst, content);
  }
}

static int setup_v2(void **state)
{
  FakeTree *t = fake_tree_new_v2("cpuset cpu io memory hugetlb pids rdma misc");
  copy_fixture(t, "v2-guest", "sys/fs/cgroup/" CG);
  fake_tree_write(t, "sys/fs/cgroup/" CG "/memory.max", "max\n");
  fake_tree_mkdir(t, "sys/dev/block");
  *state = fake_machine_new(t, "v2");
  return 0;
}

static int setup_v1(void **state)
{
  FakeTree *t = fake_tree_new_v1();
  for (const char *const *m = fake_v1_mounts; *m; m++) {
    g_autofree char *fixture = g_strconcat("v1-this-machine/", strrchr(*m, '/') + 1, NULL);
    g_autofree char *rel = g_strconcat(*m, "/" CG, NULL);
    copy_fixture(t, fixture, rel);
  }
  fake_tree_mkdir(t, "sys/dev/block");
  *state = fake_machine_new(t, "v1");
  return 0;
}

static CgfsStats *stats_of(FakeMachine *f)
{
  GError *error = NULL;
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_load(f->h, CGFS_STATIC_PATH("/" CG), &error);
  assert_no_gerror(error);
  CgfsStats *s = cgfs_cgroup_stats(cg, &error);
  assert_no_gerror(error);
  return s;
}

static void assert_line(const char *text, const char *line)
{
  g_autofree char *needle = g_strconcat("\n", line, "\n", NULL);
  if (!strstr(text, needle))
    fail_msg("no line '%s' in:\n%s", line, text);
}

/* Every family's # TYPE appears once, and its samples directly follow its header. */
static void assert_grouped(const char *text)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
  const char *family = NULL;
  for (guint i = 0; lines[i] && *lines[i]; i++) {
    if (g_str_has_prefix(lines[i], "# TYPE ")) {
      g_auto(GStrv) f = g_strsplit(lines[i] + 7, " ", 2);
      if (g_hash_table_contains(seen, lines[i] + 7))
        fail_msg("family %s twice", f[0]);
      g_hash_table_add(seen, lines[i] + 7);
      family = lines[i] + 7;
    } else if (lines[i][0] != '#') {
      assert_non_null(family);
      gsize n = strcspn(family, " ");
      if (strncmp(lines[i], family, n) != 0 || lines[i][n] != '{')
        fail_msg("sample '%s' under family '%s'", lines[i], family);
    }
  }
}

/* promtool check metrics accepts @text, when promtool is installed. */
static void assert_promtool(const char *text)
{
  g_autofree char *promtool = g_find_program_in_path("promtool");
  if (!promtool)
    return;
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp("cgfs-test-metrics-XXXXXX", &path, NULL);
  assert_true(fd >= 0);
  close(fd);
  assert_true(g_file_set_contents(path, text, -1, NULL));
  g_autofree char *cmd = g_strdup_printf("%s check metrics < %s", promtool, path);
  g_autofree char *out = NULL;
  int status = 0;
  const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
  assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                           &out, NULL, &status, NULL));
  g_unlink(path);
  if (!g_spawn_check_wait_status(status, NULL))
    fail_msg("promtool check metrics: %s\n%s", out, text);
}

static void test_v2(void **state)
{
  g_autoptr(CgfsMetrics) m = cgfs_metrics_new();
  cgfs_metrics_add(m, "/", stats_of(*state));
  cgfs_metrics_add(m, "/a \"b\"\\c\nd", stats_of(*state));
  g_autofree char *text = cgfs_metrics_to_text(m, NULL);
  /* cpu.stat usage_usec 7843682 */
  assert_line(text, "cgfs_cpu_usage_seconds_total{cgroup=\"/\"} 7.843682");
  assert_line(text, "cgfs_cpu_usage_seconds_total{cgroup=\"/a \\\"b\\\"\\\\c\\nd\"} 7.843682");
  assert_line(text, "cgfs_memory_limit_bytes{cgroup=\"/\"} +Inf");
  assert_line(text, "cgfs_pids_limit{cgroup=\"/\"} 64");
  assert_line(text, "cgfs_pids_current{cgroup=\"/\"} 1");
  assert_line(text, "cgfs_io_read_bytes_total{cgroup=\"/\",device=\"254:0\"} 34603008");
  assert_line(text, "cgfs_io_writes_total{cgroup=\"/\",device=\"254:0\"} 96");
  /* memory.pressure some total=179501, full total=27839 (microseconds) */
  assert_line(text, "cgfs_pressure_memory_waiting_seconds_total{cgroup=\"/\"} 0.179501");
  assert_line(text, "cgfs_pressure_memory_stalled_seconds_total{cgroup=\"/\"} 0.027839");
  assert_line(text, "# TYPE cgfs_cpu_usage_seconds_total counter");
  assert_line(text, "# TYPE cgfs_memory_usage_bytes gauge");
  assert_grouped(text);
  assert_promtool(text);
}

static void test_v1(void **state)
{
  g_autoptr(CgfsMetrics) m = cgfs_metrics_new();
  cgfs_metrics_add(m, "/x", stats_of(*state));
  g_autofree char *text = cgfs_metrics_to_text(m, NULL);
  /* cpuacct.usage_percpu 50736321 + 1457996874 ns */
  assert_line(text, "cgfs_cpu_usage_seconds_total{cgroup=\"/x\"} 1.508733195");
  assert_line(text, "cgfs_pids_limit{cgroup=\"/x\"} 100");
  g_assert_null(strstr(text, "cgfs_pressure_")); /* v1 has no PSI: families left out */
  assert_grouped(text);
  assert_promtool(text);
}

/* The cgroup and every cgroup below it, labelled from the given label, parents first. */
static void test_subtree(void **state)
{
  FakeMachine *f = *state;
  fake_tree_mkcg(f->t, "sys/fs/cgroup/" CG "/b");
  fake_tree_mkcg(f->t, "sys/fs/cgroup/" CG "/a");
  fake_tree_mkcg(f->t, "sys/fs/cgroup/" CG "/a/deep");
  for (const char *const *c = (const char *const[]){ "a", "b", "a/deep", NULL }; *c; c++) {
    g_autofree char *dir = g_strconcat("sys/fs/cgroup/" CG "/", *c, NULL);
    g_autofree char *controllers = g_strconcat(dir, "/cgroup.controllers", NULL);
    g_autofree char *max = g_strconcat(dir, "/pids.max", NULL);
    g_autofree char *current = g_strconcat(dir, "/pids.current", NULL);
    fake_tree_write(f->t, controllers, "pids\n");
    fake_tree_write(f->t, max, "max\n");
    fake_tree_write(f->t, current, "0\n");
  }
  GError *error = NULL;
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_load(f->h, CGFS_STATIC_PATH("/" CG), &error);
  assert_no_gerror(error);
  g_auto(GStrv) children = cgfs_cgroup_children(cg, &error);
  assert_no_gerror(error);
  g_autofree char *names = g_strjoinv(",", children);
  assert_string_equal(names, "a,b");
  g_autoptr(CgfsMetrics) m = cgfs_metrics_new();
  assert_true(cgfs_metrics_add_subtree(m, cg, "/", &error));
  assert_no_gerror(error);
  g_autofree char *text = cgfs_metrics_to_text(m, NULL);
  const char *root = strstr(text, "cgfs_pids_limit{cgroup=\"/\"}");
  const char *a = strstr(text, "cgfs_pids_limit{cgroup=\"/a\"}");
  const char *deep = strstr(text, "cgfs_pids_limit{cgroup=\"/a/deep\"}");
  const char *b = strstr(text, "cgfs_pids_limit{cgroup=\"/b\"}");
  if (!root || !a || !deep || !b || !(root < a && a < deep && deep < b))
    fail_msg("the subtree's samples, in order /, /a, /a/deep, /b:\n%s", text);
}

static void test_empty(void **state)
{
  (void)state;
  g_autoptr(CgfsMetrics) m = cgfs_metrics_new();
  gsize len = 1;
  g_autofree char *text = cgfs_metrics_to_text(m, &len);
  assert_int_equal(len, 0);
  assert_string_equal(text, "");
  cgfs_metrics_free(NULL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_v2, setup_v2, fake_machine_teardown),
    cmocka_unit_test_setup_teardown(test_v1, setup_v1, fake_machine_teardown),
    cmocka_unit_test_setup_teardown(test_subtree, setup_v2, fake_machine_teardown),
    cmocka_unit_test(test_empty),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
