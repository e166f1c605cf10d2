/* Recovery of moves cut short by a crash, on this machine's v1 hierarchies: the state a crash
 * leaves is made by hand (a process moved in some hierarchies only), with the record the plan
 * would have written; recovery must leave the process in one cgroup everywhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>
#include <glib/gstdio.h>

#include "itest.h"
#include "journal-private.h"

typedef struct {
  CgfsSystem *sys;
  CgfsHierarchy *h;
  char *state; /* the journal's directory */
} Fixture;

static int setup(void **state)
{
  Fixture *f = g_new0(Fixture, 1);
  GError *error = NULL;
  f->sys = cgfs_system_new(&error);
  assert_no_gerror(error);
  f->h = cgfs_hierarchy_from_string(f->sys, "v1", &error);
  assert_no_gerror(error);
  f->state = g_dir_make_tmp("cgfs-test-journal-XXXXXX", &error);
  assert_no_gerror(error);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  Fixture *f = *state;
  itest_cleanup();
  g_autofree char *lock = g_build_filename(f->state, "lock", NULL);
  g_unlink(lock);
  g_rmdir(f->state);
  g_free(f->state);
  cgfs_hierarchy_unref(f->h);
  cgfs_system_unref(f->sys);
  g_free(f);
  return 0;
}

static CgfsCgroup *make(Fixture *f, const char *suffix)
{
  GError *error = NULL;
  g_autofree char *path = itest_name(suffix);
  CgfsCgroup *cg = cgfs_cgroup_new(f->h, CGFS_STATIC_PATH(path), NULL, &error);
  assert_no_gerror(error);
  return cg;
}

static GPtrArray *dirs_of(CgfsCgroup *cg)
{
  GPtrArray *dirs = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < cg->dirs->len; i++)
    g_ptr_array_add(dirs, g_strdup(g_array_index(cg->dirs, CgfsCgroupDir, i).dir));
  return dirs;
}

static void add_strings(GString *json, const char *name, GPtrArray *dirs)
{
  g_string_append_printf(json, ",\"%s\":[", name);
  for (guint i = 0; i < dirs->len; i++)
    g_string_append_printf(json, "%s\"%s\"", i ? "," : "", (char *)dirs->pdata[i]);
  g_string_append(json, "]");
}

static void put_record(Fixture *f, const char *json)
{
  g_autofree char *path = g_build_filename(f->state, "0000000000000001-1-00000000.json", NULL);
  assert_true(g_file_set_contents(path, json, -1, NULL));
}

static char **recover(Fixture *f)
{
  GError *error = NULL;
  g_autoptr(CgfsJournal) j = cgfs_journal_new(f->state, &error);
  assert_no_gerror(error);
  char **report = cgfs_journal_recover(j, &error);
  assert_no_gerror(error);
  return report;
}

/* How many of @dirs list @pid in cgroup.procs. */
static guint listed(GPtrArray *dirs, pid_t pid)
{
  guint n = 0;
  for (guint i = 0; i < dirs->len; i++) {
    g_autofree char *procs = g_build_filename(dirs->pdata[i], "cgroup.procs", NULL);
    n += itest_file_has_pid(procs, pid);
  }
  return n;
}

/* A process moved into the first half of the hierarchies: recovery moves it back. */
static void test_move_undone(void **state)
{
  Fixture *f = *state;
  g_autoptr(CgfsCgroup) a = make(f, "ja");
  g_autoptr(CgfsCgroup) b = make(f, "jb");
  GError *error = NULL;
  pid_t pid = itest_spawn(NULL);
  assert_true(cgfs_cgroup_add_process(a, pid, NULL, &error));
  assert_no_gerror(error);
  g_autoptr(GPtrArray) from = dirs_of(a);
  g_autoptr(GPtrArray) to = dirs_of(b);
  g_autofree char *start = cgfs_journal_starttime(pid);
  assert_non_null(start);
  g_autoptr(GString) json = g_string_new(NULL);
  g_string_append_printf(json, "{\"version\":1,\"kind\":\"move\",\"cgroup\":\"%s\",\"pid\":%d,"
                         "\"starttime\":\"%s\",\"file\":\"cgroup.procs\"",
                         cgfs_cgroup_path(b), (int)pid, start);
  add_strings(json, "from", from);
  add_strings(json, "to", to);
  g_string_append(json, "}");
  put_record(f, json->str);
  /* the crash: moved in the first hierarchies only */
  for (guint i = 0; i < to->len / 2; i++) {
    g_autofree char *procs = g_build_filename(to->pdata[i], "cgroup.procs", NULL);
    g_autofree char *p = g_strdup_printf("%d", (int)pid);
    assert_true(itest_write(procs, p));
  }
  assert_true(listed(to, pid) > 0 && listed(to, pid) < to->len);
  g_auto(GStrv) report = recover(f);
  assert_int_equal(g_strv_length(report), 1);
  assert_non_null(strstr(report[0], "undid the unfinished move"));
  assert_int_equal(listed(from, pid), from->len);
  assert_int_equal(listed(to, pid), 0);
}

/* cgfs_cgroup_move_to cut short after the first hierarchy: recovery completes it. */
static void test_move_all_completed(void **state)
{
  Fixture *f = *state;
  g_autoptr(CgfsCgroup) a = make(f, "jma");
  g_autoptr(CgfsCgroup) b = make(f, "jmb");
  GError *error = NULL;
  pid_t p1 = itest_spawn(NULL), p2 = itest_spawn(NULL);
  assert_true(cgfs_cgroup_add_process(a, p1, NULL, &error));
  assert_true(cgfs_cgroup_add_process(a, p2, NULL, &error));
  assert_no_gerror(error);
  g_autoptr(GPtrArray) from = dirs_of(a);
  g_autoptr(GPtrArray) to = dirs_of(b);
  g_autoptr(GString) json = g_string_new(NULL);
  g_string_append_printf(json, "{\"version\":1,\"kind\":\"move_all\",\"cgroup\":\"%s\","
                         "\"file\":\"cgroup.procs\",\"pairs\":[", cgfs_cgroup_path(a));
  for (guint i = 0; i < from->len; i++)
    g_string_append_printf(json, "%s[\"%s\",\"%s\"]", i ? "," : "", (char *)from->pdata[i],
                           (char *)to->pdata[i]);
  g_string_append(json, "]}");
  put_record(f, json->str);
  g_autofree char *procs = g_build_filename(to->pdata[0], "cgroup.procs", NULL);
  g_autofree char *s1 = g_strdup_printf("%d", (int)p1);
  g_autofree char *s2 = g_strdup_printf("%d", (int)p2);
  assert_true(itest_write(procs, s1) && itest_write(procs, s2));
  g_auto(GStrv) report = recover(f);
  assert_int_equal(g_strv_length(report), 1);
  assert_non_null(strstr(report[0], "completed the unfinished move of the processes"));
  assert_int_equal(listed(to, p1), to->len);
  assert_int_equal(listed(to, p2), to->len);
  /* and the real thing leaves no record behind */
  g_autoptr(CgfsJournal) j = cgfs_journal_new(f->state, &error);
  assert_no_gerror(error);
  cgfs_hierarchy_set_journal(f->h, j);
  assert_true(cgfs_cgroup_move_to(b, a, &error));
  assert_no_gerror(error);
  assert_int_equal(listed(from, p1), from->len);
  cgfs_hierarchy_set_journal(f->h, NULL);
  /* a record slot stays while the journal lives, marked free ('#' for '{') */
  g_autoptr(GDir) d = g_dir_open(f->state, 0, NULL);
  for (const char *n = g_dir_read_name(d); n; n = g_dir_read_name(d)) {
    g_autofree char *path = g_build_filename(f->state, n, NULL);
    g_autofree char *text = NULL;
    if (strcmp(n, "lock") != 0 && g_file_get_contents(path, &text, NULL, NULL))
      assert_int_equal(text[0], '#');
  }
  /* and goes with it */
  g_clear_pointer(&j, cgfs_journal_unref);
  g_autoptr(GDir) after = g_dir_open(f->state, 0, NULL);
  for (const char *n = g_dir_read_name(after); n; n = g_dir_read_name(after))
    assert_string_equal(n, "lock");
}

int main(void)
{
  itest_init();
  itest_require("memory");
  itest_require("pids");
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_move_undone, setup, teardown),
    cmocka_unit_test_setup_teardown(test_move_all_completed, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
