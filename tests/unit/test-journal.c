/* The journal (lib/journal.c): records written before a plan and dropped after it, and recovery
 * of records a crash left, against a fake v1 tree. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "fake-tree.h"
#include "unit-common.h"

typedef struct {
  FakeMachine *m;
  char *dir; /* the state directory */
} Fixture;

static int setup(void **state)
{
  Fixture *f = g_new0(Fixture, 1);
  f->m = fake_machine_new(fake_tree_new_v1(), "v1");
  f->dir = g_build_filename(f->m->t->root, "state", NULL);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  Fixture *f = *state;
  void *m = f->m;
  fake_machine_teardown(&m);
  g_free(f->dir);
  g_free(f);
  return 0;
}

/* The names in the state directory other than the lock and free record slots (first byte
 * not '{'), space-separated. */
static char *records(Fixture *f)
{
  g_autoptr(GDir) d = g_dir_open(f->dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  for (const char *n = d ? g_dir_read_name(d) : NULL; n; n = g_dir_read_name(d)) {
    g_autofree char *path = g_build_filename(f->dir, n, NULL);
    g_autofree char *text = NULL;
    gboolean is_slot = g_str_has_prefix(n, "slot-");
    if (strcmp(n, "lock") != 0 && (!is_slot || (g_file_get_contents(path, &text, NULL, NULL) &&
                                                 text[0] == '{')))
      g_ptr_array_add(names, g_strdup(n));
  }
  g_ptr_array_add(names, NULL);
  return g_strjoinv(" ", (char **)names->pdata);
}

/* Every name in the state directory but the lock. */
static char *all_files(Fixture *f)
{
  g_autoptr(GDir) d = g_dir_open(f->dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  for (const char *n = d ? g_dir_read_name(d) : NULL; n; n = g_dir_read_name(d))
    if (strcmp(n, "lock") != 0)
      g_ptr_array_add(names, g_strdup(n));
  g_ptr_array_add(names, NULL);
  return g_strjoinv(" ", (char **)names->pdata);
}

static void put_record(Fixture *f, const char *name, const char *json)
{
  g_autofree char *path = g_build_filename(f->dir, name, NULL);
  assert_true(g_file_set_contents(path, json, -1, NULL));
}

static gboolean update(Fixture *f, CgfsCgroup *cg, gint64 pids, gint64 shares)
{
  g_autoptr(CgfsResources) r = cgfs_resources_new();
  r->pids.limit = pids;
  r->pids.has_limit = TRUE;
  if (shares) {
    r->cpu.shares = (guint64)shares;
    r->cpu.has_shares = TRUE;
  }
  GError *error = NULL;
  gboolean ok = cgfs_cgroup_update(cg, r, &error);
  assert_no_gerror(error);
  return ok;
}

/* An update leaves no record behind. A plan of one write needs none (the kernel makes it whole
 * or not at all): no record file is even made; one of two writes is recorded in a slot file,
 * marked free after. */
static void test_update_drops_its_record(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsJournal) j = cgfs_journal_new(f->dir, &error);
  assert_no_gerror(error);
  cgfs_hierarchy_set_journal(f->m->h, j);
  fake_tree_template(f->m->t, "sys/fs/cgroup/pids", "pids.max", "max\n");
  fake_tree_template(f->m->t, "sys/fs/cgroup/cpu", "cpu.shares", "1024\n");
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(f->m->h, CGFS_STATIC_PATH("/j"), NULL, &error);
  assert_no_gerror(error);
  assert_true(update(f, cg, 42, 0));
  g_autofree char *v = fake_tree_read(f->m->t, "sys/fs/cgroup/pids/j/pids.max");
  assert_string_equal(g_strchomp(v), "42");
  g_autofree char *none = all_files(f);
  assert_string_equal(none, ""); /* one write: no record made */
  assert_true(update(f, cg, 43, 512));
  g_autofree char *s = fake_tree_read(f->m->t, "sys/fs/cgroup/cpu/j/cpu.shares");
  assert_string_equal(g_strchomp(s), "512");
  g_autofree char *slots = all_files(f);
  assert_string_equal(slots, "slot-0.json"); /* two writes: recorded, in a slot kept */
  g_autofree char *left = records(f);
  assert_string_equal(left, "");
  assert_true(update(f, cg, 44, 513)); /* the slot is reused */
  g_autofree char *again = all_files(f);
  assert_string_equal(again, "slot-0.json");
  cgfs_hierarchy_set_journal(f->m->h, NULL);
  g_clear_pointer(&j, cgfs_journal_unref);
  g_autofree char *at_end = all_files(f);
  assert_string_equal(at_end, ""); /* the last reference removes the free slots */
}

/* The record an update writes, as a crash just before its drop would leave it, brings back
 * the old values (newline included) at recovery. */
static void test_update_record_recovers(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsJournal) j = cgfs_journal_new(f->dir, &error);
  assert_no_gerror(error);
  cgfs_hierarchy_set_journal(f->m->h, j);
  fake_tree_template(f->m->t, "sys/fs/cgroup/pids", "pids.max", "max\n");
  fake_tree_template(f->m->t, "sys/fs/cgroup/cpu", "cpu.shares", "1024\n");
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(f->m->h, CGFS_STATIC_PATH("/\"q\\"), NULL, &error);
  assert_no_gerror(error);
  assert_true(update(f, cg, 43, 512));
  g_autofree char *slot = g_build_filename(f->dir, "slot-0.json", NULL);
  g_autofree char *text = NULL;
  assert_true(g_file_get_contents(slot, &text, NULL, NULL));
  assert_int_equal(text[0], '#'); /* dropped */
  cgfs_hierarchy_set_journal(f->m->h, NULL);
  g_clear_pointer(&j, cgfs_journal_unref);
  text[0] = '{'; /* as it was between the commit and the drop */
  put_record(f, "slot-0.json", text);
  j = cgfs_journal_new(f->dir, &error);
  assert_no_gerror(error);
  g_auto(GStrv) report = cgfs_journal_recover(j, &error);
  assert_no_gerror(error);
  assert_int_equal(g_strv_length(report), 1);
  assert_non_null(strstr(report[0], "update of /\"q\\: 2 files restored"));
  g_autofree char *v = fake_tree_read(f->m->t, "sys/fs/cgroup/pids/\"q\\/pids.max");
  assert_string_equal(v, "max\n");
  g_autofree char *sh = fake_tree_read(f->m->t, "sys/fs/cgroup/cpu/\"q\\/cpu.shares");
  assert_string_equal(sh, "1024\n");
}

/* Record slots left by a crash: a committed record (padded with spaces) is recovered, free and
 * empty slots are removed without a word, and of two revisions of one record only the newest is
 * applied. */
static void test_recover_slots(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  fake_tree_mkcg(f->m->t, "sys/fs/cgroup/pids/s");
  fake_tree_write(f->m->t, "sys/fs/cgroup/pids/s/pids.max", "100");
  fake_tree_mkcg(f->m->t, "sys/fs/cgroup/pids/t");
  fake_tree_write(f->m->t, "sys/fs/cgroup/pids/t/pids.max", "100");
  g_autofree char *s_max = fake_tree_path(f->m->t, "sys/fs/cgroup/pids/s/pids.max");
  g_autofree char *t_max = fake_tree_path(f->m->t, "sys/fs/cgroup/pids/t/pids.max");
  assert_int_equal(g_mkdir_with_parents(f->dir, 0700), 0);
  g_autofree char *committed = g_strdup_printf(
    "{\"version\":1,\"kind\":\"update\",\"cgroup\":\"/s\",\"undo\":["
    "[{\"file\":\"%s\",\"value\":\"7\"}]],\"steps\":[],"
    "\"seq\":\"0000000000000005-1-00000000\",\"revision\":0}        ", s_max);
  put_record(f, "slot-0.json", committed);
  put_record(f, "slot-1.json", "#\"version\":1,\"kind\":\"update\"}");
  put_record(f, "slot-2.json", "");
  for (int rev = 0; rev < 2; rev++) {
    g_autofree char *name = g_strdup_printf("slot-%d.json", 3 + rev);
    g_autofree char *json = g_strdup_printf(
      "{\"version\":1,\"kind\":\"update\",\"cgroup\":\"/t\",\"undo\":["
      "[{\"file\":\"%s\",\"value\":\"%d\"}]],\"steps\":[],"
      "\"seq\":\"0000000000000004-1-00000000\",\"revision\":%d}", t_max, 11 + rev, rev);
    put_record(f, name, json);
  }
  g_autoptr(CgfsJournal) j = cgfs_journal_new(f->dir, &error);
  assert_no_gerror(error);
  g_auto(GStrv) report = cgfs_journal_recover(j, &error);
  assert_no_gerror(error);
  assert_int_equal(g_strv_length(report), 2);
  assert_non_null(strstr(report[0], "update of /s: 1 files restored")); /* newest first */
  assert_non_null(strstr(report[1], "update of /t: 1 files restored"));
  g_autofree char *s = fake_tree_read(f->m->t, "sys/fs/cgroup/pids/s/pids.max");
  assert_string_equal(s, "7");
  g_autofree char *t = fake_tree_read(f->m->t, "sys/fs/cgroup/pids/t/pids.max");
  assert_string_equal(t, "12"); /* revision 1's, not 0's */
  g_autofree char *left = all_files(f);
  assert_string_equal(left, "");
}

/* Recovery runs the restoring writes of the plan's writes last to first, each write's list in
 * order; then the record is gone. */
static void test_recover_update(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  fake_tree_mkcg(f->m->t, "sys/fs/cgroup/memory/u");
  g_autofree char *lim = fake_tree_path(f->m->t, "sys/fs/cgroup/memory/u/memory.limit_in_bytes");
  g_autofree char *sw = fake_tree_path(f->m->t, "sys/fs/cgroup/memory/u/memory.memsw.limit_in_bytes");
  fake_tree_write(f->m->t, "sys/fs/cgroup/memory/u/memory.limit_in_bytes", "2000");
  fake_tree_write(f->m->t, "sys/fs/cgroup/memory/u/memory.memsw.limit_in_bytes", "4000");
  assert_int_equal(g_mkdir_with_parents(f->dir, 0700), 0);
  g_autofree char *json = g_strdup_printf(
    "{\"version\":1,\"kind\":\"update\",\"cgroup\":\"/u\",\"undo\":["
    "[{\"file\":\"%s\",\"value\":\"1000\"}],"
    "[{\"file\":\"%s\",\"value\":\"3000\"},{\"file\":\"%s\",\"value\":\"1500\"}]],"
    "\"steps\":[]}", lim, sw, lim);
  put_record(f, "0000000000000001-1-00000000.json", json);
  put_record(f, "0000000000000002-1-00000000.json.tmp", "{\"half\":");
  g_autoptr(CgfsJournal) j = cgfs_journal_new(f->dir, &error);
  assert_no_gerror(error);
  g_auto(GStrv) report = cgfs_journal_recover(j, &error);
  assert_no_gerror(error);
  assert_int_equal(g_strv_length(report), 1);
  assert_non_null(strstr(report[0], "rolled back the unfinished update of /u: 3 files restored"));
  g_autofree char *l = fake_tree_read(f->m->t, "sys/fs/cgroup/memory/u/memory.limit_in_bytes");
  g_autofree char *s = fake_tree_read(f->m->t, "sys/fs/cgroup/memory/u/memory.memsw.limit_in_bytes");
  assert_string_equal(l, "1000"); /* the first write's old value, restored last */
  assert_string_equal(s, "3000");
  g_autofree char *left = records(f);
  assert_string_equal(left, ""); /* the record and the never-committed .tmp are gone */
}

/* Records of a live journal are in flight: a second opener is refused. */
static void test_lock(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsJournal) j = cgfs_journal_new(f->dir, &error);
  assert_no_gerror(error);
  assert_non_null(j);
  g_autoptr(CgfsJournal) again = cgfs_journal_new(f->dir, &error);
  assert_null(again);
  assert_gerror(error, EBUSY, "in use by another process");
  g_clear_error(&error);
}

/* A move whose process is gone (or is another process with the same number) does nothing; an
 * unreadable record is dropped with a line saying so; newest first. */
static void test_recover_move_gone_and_junk(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  pid_t child = fork();
  if (child == 0)
    _exit(0);
  waitpid(child, NULL, 0);
  assert_int_equal(g_mkdir_with_parents(f->dir, 0700), 0);
  g_autofree char *json = g_strdup_printf(
    "{\"version\":1,\"kind\":\"move\",\"cgroup\":\"/m\",\"pid\":%d,\"starttime\":\"1\","
    "\"file\":\"cgroup.procs\",\"from\":[\"/nonexistent/a\"],\"to\":[\"/nonexistent/b\"]}",
    (int)child);
  put_record(f, "0000000000000001-1-00000000.json", json);
  put_record(f, "0000000000000002-1-00000000.json", "not json");
  /* a record of an earlier boot is never applied: its cgroups are gone */
  fake_tree_mkcg(f->m->t, "sys/fs/cgroup/pids/old");
  fake_tree_write(f->m->t, "sys/fs/cgroup/pids/old/pids.max", "7");
  g_autofree char *max = fake_tree_path(f->m->t, "sys/fs/cgroup/pids/old/pids.max");
  g_autofree char *old = g_strdup_printf(
    "{\"version\":1,\"kind\":\"update\",\"cgroup\":\"/old\",\"boot_id\":\"another\","
    "\"undo\":[[{\"file\":\"%s\",\"value\":\"1\"}]]}", max);
  put_record(f, "0000000000000000-1-00000000.json", old);
  g_autoptr(CgfsJournal) j = cgfs_journal_new(f->dir, &error);
  assert_no_gerror(error);
  g_auto(GStrv) report = cgfs_journal_recover(j, &error);
  assert_no_gerror(error);
  assert_int_equal(g_strv_length(report), 3);
  assert_non_null(strstr(report[0], "dropped the unreadable journal record"));
  assert_non_null(strstr(report[1], "the process is gone, nothing to do"));
  assert_non_null(strstr(report[2], "from an earlier boot"));
  g_autofree char *still = fake_tree_read(f->m->t, "sys/fs/cgroup/pids/old/pids.max");
  assert_string_equal(still, "7");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_update_drops_its_record, setup, teardown),
    cmocka_unit_test_setup_teardown(test_recover_update, setup, teardown),
    cmocka_unit_test_setup_teardown(test_recover_slots, setup, teardown),
    cmocka_unit_test_setup_teardown(test_update_record_recovers, setup, teardown),
    cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
    cmocka_unit_test_setup_teardown(test_recover_move_gone_and_junk, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
