/* The journal (lib/core/journal.c): records written before a plan and dropped after it, and
 * recovery of records a crash left, against fake trees; crashes at each write of a plan (the test
 * hook CGFS_TEST_KILL_AFTER_WRITES); the lock that serialises the updates of a cgroup. */
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <cgfs/cache.h>

#include "cgroup-private.h"
#include "fake-tree.h"
#include "fileio.h"
#include "journal-private.h"
#include "res-fixtures.h"
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

/* The record the last plan wrote and dropped (slot 0), after detaching and closing *@j. */
static char *take_dropped_record(Fixture *f, CgfsJournal **j)
{
  g_autofree char *slot = g_build_filename(f->dir, "slot-0.json", NULL);
  char *text = NULL;
  assert_true(g_file_get_contents(slot, &text, NULL, NULL));
  assert_int_equal(text[0], '#'); /* dropped */
  cgfs_hierarchy_set_journal(f->m->h, NULL);
  g_clear_pointer(j, cgfs_journal_unref);
  return text;
}

/* A new journal on the fixture's directory (*@j) and its recovery: the report, which must have
 * @lines lines. */
static char **recover_fresh(Fixture *f, CgfsJournal **j, guint lines)
{
  GError *error = NULL;
  *j = cgfs_journal_new(f->dir, &error);
  assert_no_gerror(error);
  char **report = cgfs_journal_recover(*j, &error);
  assert_no_gerror(error);
  assert_int_equal(g_strv_length(report), lines);
  return report;
}

/* Put @text back as it was between its commit and its drop, and recover with a new *@j: the
 * report, which must have one line. */
static char **recover_as_committed(Fixture *f, CgfsJournal **j, char *text)
{
  text[0] = '{';
  put_record(f, "slot-0.json", text);
  return recover_fresh(f, j, 1);
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

/* A journal on the fixture's directory (*@j), set on its hierarchy, and the cgroup @path made
 * with pids.max "max" and cpu.shares "1024". */
static CgfsCgroup *journaled_cgroup(Fixture *f, CgfsJournal **j, const char *path)
{
  GError *error = NULL;
  *j = cgfs_journal_new(f->dir, &error);
  assert_no_gerror(error);
  cgfs_hierarchy_set_journal(f->m->h, *j);
  fake_tree_template(f->m->t, "sys/fs/cgroup/pids", "pids.max", "max\n");
  fake_tree_template(f->m->t, "sys/fs/cgroup/cpu", "cpu.shares", "1024\n");
  CgfsCgroup *cg = cgfs_cgroup_new(f->m->h, CGFS_STATIC_PATH(path), NULL, &error);
  assert_no_gerror(error);
  return cg;
}

/* An update leaves no record behind. A plan of one write needs none (the kernel makes it whole
 * or not at all): no record file is even made; one of two writes is recorded in a slot file,
 * marked free after. */
static void test_update_drops_its_record(void **state)
{
  Fixture *f = *state;
  g_autoptr(CgfsJournal) j = NULL;
  g_autoptr(CgfsCgroup) cg = journaled_cgroup(f, &j, "/j");
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

/* An update's record, byte for byte (the format recovery reads, and records of older daemons
 * share): version, kind, cgroup, boot_id, one restoring group per write in plan order (each
 * file by absolute path, its old value with its newline, JSON-escaped), steps, seq, revision. */
static void test_update_record_bytes(void **state)
{
  Fixture *f = *state;
  g_autoptr(CgfsJournal) j = NULL;
  g_autoptr(CgfsCgroup) cg = journaled_cgroup(f, &j, "/b\"y");
  assert_true(update(f, cg, 43, 512));
  g_autofree char *text = take_dropped_record(f, &j);
  text[0] = '{';
  g_strchomp(text); /* the slot's padding */
  const char *at = strstr(text, "\"seq\":\"");
  assert_non_null(at);
  g_autofree char *seq = g_strndup(at + 7, strcspn(at + 7, "\""));
  g_autofree char *boot = NULL;
  assert_true(g_file_get_contents("/proc/sys/kernel/random/boot_id", &boot, NULL, NULL));
  g_strchomp(boot);
  g_autofree char *cpu = fake_tree_path(f->m->t, "sys/fs/cgroup/cpu/b\"y/cpu.shares");
  g_autofree char *pids = fake_tree_path(f->m->t, "sys/fs/cgroup/pids/b\"y/pids.max");
  g_auto(GStrv) cpu_parts = g_strsplit(cpu, "\"", -1);
  g_auto(GStrv) pids_parts = g_strsplit(pids, "\"", -1);
  g_autofree char *cpu_json = g_strjoinv("\\\"", cpu_parts);
  g_autofree char *pids_json = g_strjoinv("\\\"", pids_parts);
  g_autofree char *want = g_strdup_printf(
    "{\"version\":1,\"kind\":\"update\",\"cgroup\":\"/b\\\"y\",\"boot_id\":\"%s\","
    "\"undo\":[[{\"file\":\"%s\",\"value\":\"1024\\n\"}],[{\"file\":\"%s\",\"value\":\"max\\n\"}]],"
    "\"steps\":[],\"seq\":\"%s\",\"revision\":0}", boot, cpu_json, pids_json, seq);
  assert_string_equal(text, want);
}

/* The slot file a plan makes is one page (4 096 bytes: a free slot's '#' and spaces), which the
 * process maps shared and stores its records in (no system call per record). A record longer
 * than that page is written with pwrite() and recovered; a shorter one after it in the same slot
 * is padded over the longer one's end, and recovered too. */
static void test_records_around_the_mapped_page(void **state)
{
  Fixture *f = *state;
  g_autoptr(CgfsJournal) j = NULL;
  g_autoptr(CgfsCgroup) cg = journaled_cgroup(f, &j, "/m");
  g_autofree char *slot = g_build_filename(f->dir, "slot-0.json", NULL);
  assert_true(update(f, cg, 43, 512));
  g_autofree char *page = NULL;
  gsize len = 0;
  assert_true(g_file_get_contents(slot, &page, &len, NULL));
  assert_int_equal(len, 4096);
  assert_int_equal(page[0], '#');
  assert_non_null(strstr(page, "\"revision\":0}   "));
  /* an old value of 6 000 bytes: a record longer than the page */
  g_autofree char *long_value = g_strnfill(6000, 'x');
  fake_tree_write(f->m->t, "sys/fs/cgroup/pids/m/pids.max", long_value);
  assert_true(update(f, cg, 44, 513));
  g_autofree char *long_record = NULL;
  assert_true(g_file_get_contents(slot, &long_record, &len, NULL));
  assert_true(len > 6000);
  assert_non_null(strstr(long_record, long_value));
  assert_true(update(f, cg, 45, 514)); /* a short record again, in the same slot */
  g_autofree char *short_record = take_dropped_record(f, &j);
  assert_null(strstr(short_record, "xxxx")); /* the long one's end is padded over */
  g_auto(GStrv) report = recover_as_committed(f, &j, short_record);
  assert_non_null(strstr(report[0], "update of /m: 2 files restored"));
  g_autofree char *v = fake_tree_read(f->m->t, "sys/fs/cgroup/pids/m/pids.max");
  assert_string_equal(g_strchomp(v), "44");
  cgfs_hierarchy_set_journal(f->m->h, NULL);
  g_clear_pointer(&j, cgfs_journal_unref);
  g_auto(GStrv) again = recover_as_committed(f, &j, long_record);
  assert_non_null(strstr(again[0], "update of /m: 2 files restored"));
  g_autofree char *back = fake_tree_read(f->m->t, "sys/fs/cgroup/pids/m/pids.max");
  assert_string_equal(back, long_value);
}

/* The record @text's seq is what "%016llx-%d-%08x" makes of a time in [@before, @after], this
 * process's pid and the journal's @counter: seqs sort in start order at recovery (strcmp). */
static void assert_seq(const char *text, gint64 before, gint64 after, guint counter)
{
  const char *at = strstr(text, "\"seq\":\"");
  assert_non_null(at);
  at += strlen("\"seq\":\"");
  g_autofree char *seq = g_strndup(at, strcspn(at, "\""));
  guint64 time = g_ascii_strtoull(seq, NULL, 16);
  assert_true(time >= (guint64)before && time <= (guint64)after);
  g_autofree char *want = g_strdup_printf("%016" G_GINT64_MODIFIER "x-%d-%08x", time,
                                          (int)getpid(), counter);
  assert_string_equal(seq, want);
  g_autofree char *tail = g_strdup_printf("\"seq\":\"%s\",\"revision\":%u}", seq, 0u);
  assert_non_null(strstr(text, tail));
}

/* The record an update writes, as a crash just before its drop would leave it, brings back
 * the old values (newline included) at recovery. */
static void test_update_record_recovers(void **state)
{
  Fixture *f = *state;
  g_autoptr(CgfsJournal) j = NULL;
  g_autoptr(CgfsCgroup) cg = journaled_cgroup(f, &j, "/\"q\\");
  gint64 before = g_get_real_time();
  assert_true(update(f, cg, 43, 512));
  gint64 after = g_get_real_time();
  g_autofree char *text = take_dropped_record(f, &j);
  assert_seq(text, before, after, 0);
  g_auto(GStrv) report = recover_as_committed(f, &j, text);
  assert_non_null(strstr(report[0], "update of /\"q\\: 2 files restored"));
  g_autofree char *v = fake_tree_read(f->m->t, "sys/fs/cgroup/pids/\"q\\/pids.max");
  assert_string_equal(v, "max\n");
  g_autofree char *sh = fake_tree_read(f->m->t, "sys/fs/cgroup/cpu/\"q\\/cpu.shares");
  assert_string_equal(sh, "1024\n");
}

/* A delete across hierarchies is journaled (its text record names each directory, quotes and
 * backslashes escaped) and dropped; the record as a crash in the middle of the removals leaves
 * it (the cgroup gone from cpu already, still in the others) makes recovery remove the rest. */
static void test_delete_record_recovers(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsJournal) j = cgfs_journal_new(f->dir, &error);
  assert_no_gerror(error);
  cgfs_hierarchy_set_journal(f->m->h, j);
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(f->m->h, CGFS_STATIC_PATH("/\"q\\"), NULL, &error);
  assert_no_gerror(error);
  assert_true(cgfs_cgroup_delete(cg, &error));
  assert_no_gerror(error);
  for (const char *const *m = fake_v1_mounts; *m; m++) {
    g_autofree char *p = g_strdup_printf("%s/\"q\\", *m);
    assert_false(fake_tree_exists(f->m->t, p));
  }
  g_autofree char *text = take_dropped_record(f, &j);
  g_autoptr(CgfsCgroup) again = cgfs_cgroup_new(f->m->h, CGFS_STATIC_PATH("/\"q\\"), NULL, &error);
  assert_non_null(again);
  assert_no_gerror(error);
  g_autofree char *cpu = fake_tree_path(f->m->t, "sys/fs/cgroup/cpu/\"q\\");
  assert_int_equal(rmdir(cpu), 0);
  g_auto(GStrv) report = recover_as_committed(f, &j, text);
  assert_non_null(strstr(report[0], "completed the unfinished delete of /\"q\\: 8 directories removed"));
  for (const char *const *m = fake_v1_mounts; *m; m++) {
    g_autofree char *p = g_strdup_printf("%s/\"q\\", *m);
    assert_false(fake_tree_exists(f->m->t, p));
  }
}

/* A delete killed after each removal in turn (0: just after its record is written): recovery
 * removes what is left, in every hierarchy. */
static void test_crash_at_each_removal_v1(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsJournal) j = cgfs_journal_new(f->dir, &error);
  assert_no_gerror(error);
  cgfs_hierarchy_set_journal(f->m->h, j);
  guint k = 0;
  for (;; k++) {
    g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(f->m->h, CGFS_STATIC_PATH("/del"), NULL, &error);
    assert_no_gerror(error);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      char n[16];
      g_snprintf(n, sizeof n, "%u", k);
      g_setenv("CGFS_TEST_KILL_AFTER_REMOVALS", n, TRUE);
      _exit(cgfs_cgroup_delete(cg, NULL) ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    g_auto(GStrv) report = cgfs_journal_recover(j, &error);
    assert_no_gerror(error);
    for (const char *const *m = fake_v1_mounts; *m; m++) {
      g_autofree char *p = g_strdup_printf("%s/del", *m);
      if (fake_tree_exists(f->m->t, p))
        fail_msg("%s left after a kill after %u removals", p, k);
    }
    if (WIFEXITED(status)) {
      assert_int_equal(WEXITSTATUS(status), 0);
      assert_int_equal(g_strv_length(report), 0);
      break;
    }
    assert_int_equal(WTERMSIG(status), SIGKILL);
    assert_int_equal(g_strv_length(report), 1);
    g_autofree char *want = g_strdup_printf("completed the unfinished delete of /del: %u "
                                            "directories removed", 9 - k);
    assert_non_null(strstr(report[0], want));
  }
  /* killed after 0 to 9 removals (after the 9th the record is still there, nothing is left to
   * remove), then the whole delete */
  assert_int_equal(k, 10);
  cgfs_hierarchy_set_journal(f->m->h, NULL);
}

/* @value as cgfs_json_append_string() writes it: no raw control character (RFC 8259), and
 * json-glib reads back @value. */
static void assert_json_string_round_trip(const char *value)
{
  g_autoptr(GString) json = g_string_new("[");
  cgfs_json_append_string(json, value);
  g_string_append_c(json, ']');
  for (const char *c = json->str; *c; c++)
    assert_true((guchar)*c >= 0x20);
  g_autoptr(JsonParser) parser = json_parser_new();
  GError *error = NULL;
  assert_true(json_parser_load_from_data(parser, json->str, -1, &error));
  assert_no_gerror(error);
  JsonArray *a = json_node_get_array(json_parser_get_root(parser));
  assert_string_equal(json_array_get_string_element(a, 0), value);
}

/* Strings in text records: every character that JSON escapes, read back as it was. */
static void test_json_string_escapes(void **state)
{
  (void)state;
  GString *value = g_string_new("plain \"quoted\" back\\slash /");
  for (int c = 1; c < 0x20; c++)
    g_string_append_c(value, (char)c);
  g_string_append(value, "é end");
  assert_json_string_round_trip(value->str);
  g_string_free(value, TRUE);
}

/* The same at every place in a string: each byte JSON escapes, a UTF-8 character and DEL, at
 * each offset of clean text around them. */
static void test_json_string_escapes_everywhere(void **state)
{
  (void)state;
  const char *const specials[] = { "\"", "\\", "\x01", "\n", "\t", "\x1f", "\xc3\xa9", "\x7f", NULL };
  for (const char *const *sp = specials; *sp; sp++)
    for (int at = 0; at <= 20; at++)
      for (int total = at; total <= at + 12; total += 3) {
        g_autoptr(GString) value = g_string_new(NULL);
        for (int i = 0; i < at; i++)
          g_string_append_c(value, (char)('a' + i % 26));
        g_string_append(value, *sp);
        for (int i = at; i < total; i++)
          g_string_append_c(value, (char)('A' + i % 26));
        assert_json_string_round_trip(value->str);
      }
}

/* The path of an undo write appended without joining it first is the string of the path
 * g_build_filename() joins (what records held before). */
static void test_json_path(void **state)
{
  (void)state;
  const char *const dirs[] = { "/sys/fs/cgroup/memory/a", "/sys/fs/cgroup/memory/a/",
                               "/sys/fs/cgroup/unified//", "/", "/q\"\\\n\tz", NULL };
  for (const char *const *d = dirs; *d; d++) {
    gsize len = strlen(*d);
    while (len > 1 && (*d)[len - 1] == '/') /* as resources.c trims it */
      len--;
    g_autoptr(GString) got = g_string_new(NULL);
    cgfs_json_append_path(got, *d, len, "memory.max");
    g_autoptr(GString) want = g_string_new(NULL);
    g_autofree char *joined = g_build_filename(*d, "memory.max", NULL);
    cgfs_json_append_string(want, joined);
    assert_string_equal(got->str, want->str);
  }
}

/* Record slots left by a crash: a committed record (padded with spaces) is recovered, free and
 * empty slots are removed without a word, and of two revisions of one record only the newest is
 * applied. */
static void test_recover_slots(void **state)
{
  Fixture *f = *state;
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
  g_autoptr(CgfsJournal) j = NULL;
  g_auto(GStrv) report = recover_fresh(f, &j, 2);
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
  g_autoptr(CgfsJournal) j = NULL;
  g_auto(GStrv) report = recover_fresh(f, &j, 1);
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
  g_autoptr(CgfsJournal) j = NULL;
  g_auto(GStrv) report = recover_fresh(f, &j, 3);
  assert_non_null(strstr(report[0], "dropped the unreadable journal record"));
  assert_non_null(strstr(report[1], "the process is gone, nothing to do"));
  assert_non_null(strstr(report[2], "from an earlier boot"));
  g_autofree char *still = fake_tree_read(f->m->t, "sys/fs/cgroup/pids/old/pids.max");
  assert_string_equal(still, "7");
}

/* A device step whose cgroup is gone changes nothing (the files are restored); a step known only
 * by name (an older record) is reported, not undone. */
static void test_recover_update_steps(void **state)
{
  Fixture *f = *state;
  fake_tree_mkcg(f->m->t, "sys/fs/cgroup/pids/s");
  fake_tree_write(f->m->t, "sys/fs/cgroup/pids/s/pids.max", "9");
  g_autofree char *max = fake_tree_path(f->m->t, "sys/fs/cgroup/pids/s/pids.max");
  assert_int_equal(g_mkdir_with_parents(f->dir, 0700), 0);
  g_autofree char *gone = g_strdup_printf(
    "{\"version\":1,\"kind\":\"update\",\"cgroup\":\"/s\",\"undo\":[[{\"file\":\"%s\","
    "\"value\":\"5\"}]],\"steps\":[{\"kind\":\"devices_v2\",\"dir\":\"/nonexistent-cgfs/s\","
    "\"old\":[7]}]}", max);
  put_record(f, "0000000000000002-1-00000000.json", gone);
  g_autofree char *named = g_strdup_printf(
    "{\"version\":1,\"kind\":\"update\",\"cgroup\":\"/s\",\"undo\":[[{\"file\":\"%s\","
    "\"value\":\"3\"}]],\"steps\":[\"device program\"]}", max);
  put_record(f, "0000000000000001-1-00000000.json", named);
  g_autoptr(CgfsJournal) j = NULL;
  g_auto(GStrv) report = recover_fresh(f, &j, 2);
  assert_non_null(strstr(report[0], "rolled back the unfinished update of /s: 1 files restored"));
  assert_null(strstr(report[0], "step"));
  assert_non_null(strstr(report[1], "1 files restored; 1 step(s) not undone"));
  g_autofree char *v = fake_tree_read(f->m->t, "sys/fs/cgroup/pids/s/pids.max");
  assert_string_equal(v, "3"); /* newest first: the older record's value last */
}

/* ---- crashes at an exact instant ---- */

/* Apply @r to @cg in a child process that kills itself (SIGKILL, the test hook
 * CGFS_TEST_KILL_AFTER_WRITES) once the plan has made @k writes. TRUE if it was killed, FALSE
 * if the update completed first. */
static gboolean update_killed_after(CgfsCgroup *cg, const CgfsResources *r, guint k)
{
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    char n[16];
    g_snprintf(n, sizeof n, "%u", k);
    g_setenv("CGFS_TEST_KILL_AFTER_WRITES", n, TRUE);
    _exit(cgfs_cgroup_update(cg, r, NULL) ? 0 : 1);
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  if (WIFSIGNALED(status)) {
    assert_int_equal(WTERMSIG(status), SIGKILL);
    return TRUE;
  }
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  return FALSE;
}

static const char doc_a[] = "{\"memory\": {\"limit\": 67108864, \"swap\": 134217728},"
                            " \"cpu\": {\"shares\": 512, \"quota\": 50000, \"period\": 100000},"
                            " \"pids\": {\"limit\": 100}}";
static const char doc_b[] = "{\"memory\": {\"limit\": 100663296, \"swap\": 201326592},"
                            " \"cpu\": {\"shares\": 2048, \"quota\": 150000, \"period\": 200000},"
                            " \"pids\": {\"limit\": 200}}";

/* v1: killed after each write of an update in turn, recovery gives back the old document. */
static void test_crash_at_each_write_v1(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  FakeTree *t = res_tree_v1();
  g_autoptr(CgfsCgroup) cg = res_cgroup(t, 1, "/k");
  g_autoptr(CgfsJournal) j = cgfs_journal_new(f->dir, &error);
  assert_no_gerror(error);
  cgfs_hierarchy_set_journal(cg->h, j);
  res_update_ok(cg, doc_b);
  g_autoptr(GHashTable) b = res_tree_snapshot(t);
  res_update_ok(cg, doc_a);
  g_autoptr(GHashTable) a = res_tree_snapshot(t);
  g_autoptr(CgfsResources) to_b = res_parse(doc_b);
  guint k = 0;
  for (;; k++) {
    gboolean killed = update_killed_after(cg, to_b, k);
    g_auto(GStrv) report = cgfs_journal_recover(j, &error);
    assert_no_gerror(error);
    if (!killed) {
      assert_int_equal(g_strv_length(report), 0);
      res_assert_tree_equals(t, b, NULL);
      break;
    }
    assert_int_equal(g_strv_length(report), 1);
    assert_non_null(strstr(report[0], "rolled back the unfinished update of /k"));
    res_assert_tree_equals(t, a, NULL);
  }
  assert_true(k >= 7); /* memory, memsw, shares, quota, period, pids: 6 writes, then the end */
  cgfs_hierarchy_set_journal(cg->h, NULL);
  fake_tree_free(t);
}

/* v2: the controllers an update enables in the ancestors while planning are journaled before
 * they are enabled: a crash right after enabling one (before the plan's own record) disables it
 * again at recovery; so does a crash at any later write. */
static void test_crash_after_enabling_v2(void **state)
{
  Fixture *f = *state;
  GError *error = NULL;
  g_autoptr(CgfsJournal) j = cgfs_journal_new(f->dir, &error);
  assert_no_gerror(error);
  g_autoptr(CgfsResources) r =
    res_parse("{\"memory\": {\"limit\": 536870912}, \"pids\": {\"limit\": 100}}");
  guint killed = 0;
  for (guint k = 1;; k++) {
    FakeTree *t = res_tree_v2(FALSE);
    g_autoptr(CgfsCgroup) cg = res_cgroup(t, 2, "/a/b");
    cgfs_hierarchy_set_journal(cg->h, j);
    g_autoptr(GHashTable) before = res_tree_snapshot(t);
    gboolean was_killed = update_killed_after(cg, r, k);
    g_auto(GStrv) report = cgfs_journal_recover(j, &error);
    assert_no_gerror(error);
    cgfs_hierarchy_set_journal(cg->h, NULL);
    if (!was_killed) {
      assert_int_equal(g_strv_length(report), 0);
      res_assert_file(t, "sys/fs/cgroup/a/b/pids.max", "100");
      fake_tree_free(t);
      break;
    }
    killed++;
    assert_int_equal(g_strv_length(report), 1);
    /* the first controller enabled, disabled last (the fake file keeps the last write) */
    res_assert_file(t, "sys/fs/cgroup/a/cgroup.subtree_control", "-memory");
    res_assert_tree_equals(t, before, "sys/fs/cgroup/a/cgroup.subtree_control");
    fake_tree_free(t);
  }
  assert_true(killed >= 3); /* after enabling memory, pids, then the limits */
}

/* Plan A enables memory in /a for /a/b and is cut short; meanwhile plan B, on the sibling
 * /a/c, found memory enabled and set its limit. Recovery of A must not disable memory in /a:
 * the kernel would delete /a/c's memory.max with it, and /a/c would hold neither of its
 * documents. With an idle sibling (its files at the kernel's defaults) it still does. */
static void sibling_relies_on_enabling(Fixture *f, gboolean sibling_writes)
{
  GError *error = NULL;
  g_autoptr(CgfsJournal) j = cgfs_journal_new(f->dir, &error);
  assert_no_gerror(error);
  FakeTree *t = res_tree_v2(FALSE);
  g_autoptr(CgfsCgroup) b = res_cgroup(t, 2, "/a/b");
  g_autoptr(CgfsCgroup) c = res_cgroup(t, 2, "/a/c");
  cgfs_hierarchy_set_journal(b->h, j);
  g_autoptr(CgfsResources) r = res_parse("{\"memory\": {\"limit\": 536870912}}");
  assert_true(update_killed_after(b, r, 1)); /* after "+memory" in /a, before b's limit */
  res_assert_file(t, "sys/fs/cgroup/a/cgroup.subtree_control", "+memory");
  fake_tree_write(t, "sys/fs/cgroup/a/cgroup.subtree_control", "memory\n"); /* as the kernel */
  if (sibling_writes) /* plan B: memory is listed in /a, so it enables nothing; one write */
    res_update_ok(c, "{\"memory\": {\"limit\": 268435456}}");
  g_auto(GStrv) report = cgfs_journal_recover(j, &error);
  assert_no_gerror(error);
  cgfs_hierarchy_set_journal(b->h, NULL);
  assert_int_equal(g_strv_length(report), 1);
  if (sibling_writes) {
    res_assert_file(t, "sys/fs/cgroup/a/cgroup.subtree_control", "memory\n");
    res_assert_file(t, "sys/fs/cgroup/a/c/memory.max", "268435456");
    assert_non_null(strstr(report[0], "kept the memory controller enabled in"));
    assert_non_null(strstr(report[0], "c/memory.max holds '268435456'"));
  } else {
    res_assert_file(t, "sys/fs/cgroup/a/cgroup.subtree_control", "-memory");
  }
  res_assert_file(t, "sys/fs/cgroup/a/b/memory.max", "max\n");
  fake_tree_free(t);
}

/* The same in process: plan A enabled memory in /a while planning and is abandoned (a later
 * part of its document failed) after the sibling /a/c set its memory limit: the rollback keeps
 * memory enabled in /a. */
static void test_rollback_keeps_enabling_a_sibling_uses(void **state)
{
  (void)state;
  FakeTree *t = res_tree_v2(FALSE);
  g_autoptr(CgfsCgroup) b = res_cgroup(t, 2, "/a/b");
  g_autoptr(CgfsCgroup) c = res_cgroup(t, 2, "/a/c");
  g_autoptr(CgfsPlan) p = res_plan_of(b, "{\"memory\": {\"limit\": 536870912}}");
  res_assert_file(t, "sys/fs/cgroup/a/cgroup.subtree_control", "+memory");
  fake_tree_write(t, "sys/fs/cgroup/a/cgroup.subtree_control", "memory\n"); /* as the kernel */
  res_update_ok(c, "{\"memory\": {\"limit\": 268435456}}");
  cgfs_plan_abandon(p);
  res_assert_file(t, "sys/fs/cgroup/a/cgroup.subtree_control", "memory\n");
  res_assert_file(t, "sys/fs/cgroup/a/c/memory.max", "268435456");
  fake_tree_free(t);
}

static void test_recovery_keeps_enabling_a_sibling_uses(void **state)
{
  sibling_relies_on_enabling(*state, TRUE);
}

static void test_recovery_undoes_enabling_idle_sibling(void **state)
{
  sibling_relies_on_enabling(*state, FALSE);
}

/* What counts as a child using a controller: a setting other than the kernel's default in a
 * writable file of the controller, or the controller in its own cgroup.subtree_control. */
static void test_undo_of_enabling_checks_children(void **state)
{
  (void)state;
  FakeTree *t = res_tree_v2(TRUE);
  cgfs_cgroup_unref(res_cgroup(t, 2, "/p/c")); /* made with their files */
  cgfs_cgroup_unref(res_cgroup(t, 2, "/p/d"));
  g_autofree char *p = g_build_filename(t->root, "sys/fs/cgroup/p/cgroup.subtree_control", NULL);
  g_autofree char *why = NULL;
  static const char *const disable[] = { "-memory", "-cpu", "-io", "-rdma", "-pids", NULL };
  for (const char *const *v = disable; *v; v++) /* every file at its default: undone */
    assert_false(cgfs_res_subtree_undo_keeps(AT_FDCWD, p, *v, &why));
  assert_false(cgfs_res_subtree_undo_keeps(AT_FDCWD, p, "+memory", &why)); /* not a disabling */
  fake_tree_write(t, "sys/fs/cgroup/p/d/memory.pressure", "some avg10=1.00\n"); /* no setting */
  fake_tree_write(t, "sys/fs/cgroup/p/d/memory.current", "123\n");             /* read-only */
  g_autofree char *current = g_build_filename(t->root, "sys/fs/cgroup/p/d/memory.current", NULL);
  assert_int_equal(chmod(current, 0444), 0);
  assert_false(cgfs_res_subtree_undo_keeps(AT_FDCWD, p, "-memory", &why));
  fake_tree_write(t, "sys/fs/cgroup/p/d/cpu.weight", "200\n");
  assert_true(cgfs_res_subtree_undo_keeps(AT_FDCWD, p, "-cpu", &why));
  assert_non_null(strstr(why, "d/cpu.weight holds '200'"));
  g_clear_pointer(&why, g_free);
  fake_tree_write(t, "sys/fs/cgroup/p/c/io.weight", "default 100\n8:0 50\n");
  assert_true(cgfs_res_subtree_undo_keeps(AT_FDCWD, p, "-io", &why));
  g_clear_pointer(&why, g_free);
  fake_tree_write(t, "sys/fs/cgroup/p/c/rdma.max", "mlx5_1 hca_handle=2 hca_object=max\n");
  assert_true(cgfs_res_subtree_undo_keeps(AT_FDCWD, p, "-rdma", &why));
  g_clear_pointer(&why, g_free);
  fake_tree_write(t, "sys/fs/cgroup/p/c/cgroup.subtree_control", "pids\n");
  assert_true(cgfs_res_subtree_undo_keeps(AT_FDCWD, p, "-pids", &why));
  assert_non_null(strstr(why, "c enables it"));
  g_clear_pointer(&why, g_free);
  assert_false(cgfs_res_subtree_undo_keeps(AT_FDCWD, p, "-hugetlb", &why));
  fake_tree_free(t);
}

typedef struct {
  CgfsCgroup *cg;
  CgfsResources *r;
} UpdateArgs;

static gpointer update_thread(gpointer data)
{
  UpdateArgs *a = data;
  return GINT_TO_POINTER(cgfs_cgroup_update(a->cg, a->r, NULL));
}

/* Whether /proc/locks shows a flock() request of this process blocked on inode @ino. */
static gboolean flock_waiting_on(ino_t ino)
{
  g_autofree char *locks = NULL;
  assert_true(g_file_get_contents("/proc/locks", &locks, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(locks, "\n", -1);
  g_autofree char *inode = g_strdup_printf(":%lu ", (unsigned long)ino);
  g_autofree char *pid = g_strdup_printf(" %d ", (int)getpid());
  for (char **l = lines; *l; l++)
    if (strstr(*l, "-> FLOCK") && strstr(*l, inode) && strstr(*l, pid))
      return TRUE;
  return FALSE;
}

/* Updates of one cgroup run one at a time: while another holds the cgroup's lock (flock on its
 * first directory), an update waits, having written nothing. */
static void test_updates_of_a_cgroup_wait_for_each_other(void **state)
{
  (void)state;
  FakeTree *t = res_tree_v1();
  g_autoptr(CgfsCgroup) cg = res_cgroup(t, 1, "/l");
  const CgfsCgroupDir *d = cgfs_cgroup_first_dir(cg);
  int held = open(d->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true(held >= 0);
  assert_int_equal(flock(held, LOCK_EX), 0);
  struct stat st;
  assert_int_equal(fstat(held, &st), 0);
  g_autoptr(CgfsResources) r = res_parse("{\"pids\": {\"limit\": 42}}");
  UpdateArgs a = { cg, r };
  GThread *th = g_thread_new("update", update_thread, &a);
  gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
  while (!flock_waiting_on(st.st_ino)) {
    assert_true(g_get_monotonic_time() < deadline);
    g_usleep(1000);
  }
  const char *rel = "sys/fs/cgroup/pids/l/pids.max";
  g_autofree char *before = fake_tree_read(t, rel);
  assert_string_not_equal(g_strchomp(before), "42");
  close(held);
  assert_true(GPOINTER_TO_INT(g_thread_join(th)));
  res_assert_file(t, rel, "42");
  fake_tree_free(t);
}

typedef struct {
  CgfsCgroup *cg;
  CgfsResources *r;
  gint tid;  /* the thread's id, once it runs */
  gint done; /* the update returned */
} TrackedUpdate;

static gpointer tracked_update_thread(gpointer data)
{
  TrackedUpdate *a = data;
  g_atomic_int_set(&a->tid, (gint)gettid());
  gboolean ok = cgfs_cgroup_update(a->cg, a->r, NULL);
  g_atomic_int_set(&a->done, 1);
  return GINT_TO_POINTER(ok);
}

/* Whether thread @tid of this process waits in futex(2) (a mutex). */
static gboolean thread_in_futex(gint tid)
{
  g_autofree char *path = g_strdup_printf("/proc/self/task/%d/syscall", (int)tid);
  g_autofree char *text = NULL;
  return tid > 0 && g_file_get_contents(path, &text, NULL, NULL) &&
         g_str_has_prefix(text, G_STRINGIFY(__NR_futex) " ");
}

/* A hot cgroup (cached, loaded twice) loaded from a cache over @t's v1 hierarchy. */
static CgfsCgroup *hot_cgroup(FakeTree *t, const char *path, CgfsCache **cache)
{
  g_autoptr(CgfsSystem) sys = fake_tree_system(t);
  GError *error = NULL;
  g_autoptr(CgfsHierarchy) h = cgfs_hierarchy_v1(sys, &error);
  assert_no_gerror(error);
  *cache = cgfs_cache_new(h, 256);
  CgfsCgroup *cg = NULL;
  for (int i = 0; i < 3; i++) {
    g_clear_pointer(&cg, cgfs_cgroup_unref);
    cg = cgfs_cache_load(*cache, CGFS_STATIC_PATH(path), &error);
    assert_no_gerror(error);
  }
  return cg;
}

/* A hot cgroup keeps the descriptor its updates lock (two flock() calls per update instead of
 * open, flock, close), and it still serialises them: against another open file of the
 * directory (another process, another object), between this process's threads sharing the
 * descriptor (flock does not keep them apart: a mutex does); a forked child, which shares the
 * open file, locks with its own (the lock of a child killed holding the shared one would stay
 * with the parent's descriptor). */
static void test_kept_update_lock(void **state)
{
  (void)state;
  FakeTree *t = res_tree_v1();
  cgfs_cgroup_unref(res_cgroup(t, 1, "/k")); /* made in the fake tree */
  CgfsCache *cache;
  g_autoptr(CgfsCgroup) cg = hot_cgroup(t, "/k", &cache);
  const char *rel = "sys/fs/cgroup/pids/k/pids.max";
  guint fds = cgfs_cache_n_fds(cache);
  res_update_ok(cg, "{\"pids\": {\"limit\": 40}}");
  /* pids.max kept for reading and for writing, the first directory for the lock */
  assert_int_equal(cgfs_cache_n_fds(cache), fds + 3);
  fds = cgfs_cache_n_fds(cache);
  res_update_ok(cg, "{\"pids\": {\"limit\": 41}}");
  assert_int_equal(cgfs_cache_n_fds(cache), fds); /* the same lock descriptor again */
  const CgfsCgroupDir *d = cgfs_cgroup_first_dir(cg);
  struct stat st;
  assert_int_equal(stat(d->dir, &st), 0);

  /* another open file holds the lock: the update waits, having written nothing */
  int held = open(d->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true(held >= 0);
  assert_int_equal(flock(held, LOCK_EX), 0);
  g_autoptr(CgfsResources) r42 = res_parse("{\"pids\": {\"limit\": 42}}");
  UpdateArgs a = { cg, r42 };
  GThread *th = g_thread_new("update", update_thread, &a);
  gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
  while (!flock_waiting_on(st.st_ino)) {
    assert_true(g_get_monotonic_time() < deadline);
    g_usleep(1000);
  }
  res_assert_file(t, rel, "41");
  close(held);
  assert_true(GPOINTER_TO_INT(g_thread_join(th)));
  res_assert_file(t, rel, "42");

  /* a thread of this process holds the kept lock: another thread's update of the same object
   * waits (on the mutex) */
  assert_true(cgfs_kept_lock_updates(d, NULL));
  g_autoptr(CgfsResources) r43 = res_parse("{\"pids\": {\"limit\": 43}}");
  TrackedUpdate u = { cg, r43, 0, 0 };
  th = g_thread_new("update", tracked_update_thread, &u);
  while (!g_atomic_int_get(&u.done) && !thread_in_futex(g_atomic_int_get(&u.tid))) {
    assert_true(g_get_monotonic_time() < deadline);
    g_usleep(1000);
  }
  res_assert_file(t, rel, "42");
  cgfs_kept_unlock_updates(d);
  assert_true(GPOINTER_TO_INT(g_thread_join(th)));
  res_assert_file(t, rel, "43");

  /* a forked child killed in the middle of an update (holding the lock) leaves it free: it
   * locked with an open file of its own, not the parent's kept one (whose lock would outlive
   * the child) */
  pid_t child = fork();
  assert_true(child >= 0);
  if (child == 0) {
    g_setenv("CGFS_TEST_KILL_AFTER_WRITES", "0", TRUE);
    g_autoptr(CgfsResources) r44 = res_parse("{\"pids\": {\"limit\": 44}}");
    cgfs_cgroup_update(cg, r44, NULL);
    _exit(3);
  }
  int status;
  assert_int_equal(waitpid(child, &status, 0), child);
  assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  int other = open(d->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true(other >= 0);
  assert_int_equal(flock(other, LOCK_EX | LOCK_NB), 0);
  close(other);
  res_update_ok(cg, "{\"pids\": {\"limit\": 45}}");
  res_assert_file(t, rel, "45");

  g_clear_pointer(&cg, cgfs_cgroup_unref);
  cgfs_cache_free(cache);
  fake_tree_free(t);
}

/* The pid the update lock and the records' seqs use (cgfs_self_pid, kept without a system
 * call) is each process's own: in a child made by fork(), and in one made by a raw clone(),
 * which runs no atfork handler, after the parent had asked. */
static int self_pid_child(void)
{
  return cgfs_self_pid() == getpid() && cgfs_self_pid() == getpid() ? 0 : 1;
}

static void test_self_pid_in_children(void **state)
{
  (void)state;
  assert_int_equal(cgfs_self_pid(), getpid());
  for (int how = 0; how < 2; how++) {
    pid_t child = how == 0 ? fork() : (pid_t)syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, NULL);
    assert_true(child >= 0);
    if (child == 0)
      _exit(self_pid_child());
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
  }
  assert_int_equal(cgfs_self_pid(), getpid());
}

/* The cache's overrides hook (cgfs_cache_set_overrides_check) answers, once per update, whether
 * the thread has CAP_DAC_OVERRIDE, in place of the capget the update would make: its answer is
 * the one used for the permission check a kept descriptor or a skipped write saves, and -1
 * leaves the question to the kernel. Each case runs in a child without CAP_DAC_OVERRIDE, the
 * limit file read-only: its write is refused unless the hook says the thread overrides. */
static int overrides_answer;
static int overrides_asked;

static int overrides_hook(gpointer data)
{
  (void)data;
  overrides_asked++;
  return overrides_answer;
}

static int update_in_child(CgfsCgroup *cg, const char *json, int answer)
{
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2] = { { 0 } };
    if (syscall(SYS_capget, &h, d) != 0)
      _exit(100);
    d[0].effective &= ~((1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH));
    if (syscall(SYS_capset, &h, d) != 0)
      _exit(101);
    overrides_answer = answer;
    overrides_asked = 0;
    g_autoptr(CgfsResources) r = res_parse(json);
    g_autoptr(GError) error = NULL;
    gboolean ok = cgfs_cgroup_update(cg, r, &error);
    if (overrides_asked != 1)
      _exit(102);
    _exit(ok ? 0 : error->code);
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  return WEXITSTATUS(status);
}

static void test_overrides_hook(void **state)
{
  (void)state;
  FakeTree *t = res_tree_v1();
  cgfs_cgroup_unref(res_cgroup(t, 1, "/o")); /* made in the fake tree */
  CgfsCache *cache;
  g_autoptr(CgfsCgroup) cg = hot_cgroup(t, "/o", &cache);
  cgfs_cache_set_overrides_check(cache, overrides_hook, NULL);
  const char *rel = "sys/fs/cgroup/pids/o/pids.max";
  res_update_ok(cg, "{\"pids\": {\"limit\": 40}}"); /* keeps pids.max open for writing */
  g_autofree char *max = fake_tree_path(t, rel);
  assert_int_equal(chmod(max, 0444), 0);
  /* a write through the kept descriptor, and a skipped one */
  static const char *const docs[] = { "{\"pids\": {\"limit\": 41}}", "{\"pids\": {\"limit\": 40}}" };
  for (gsize i = 0; i < G_N_ELEMENTS(docs); i++) {
    assert_int_equal(update_in_child(cg, docs[i], -1), EACCES);
    assert_int_equal(update_in_child(cg, docs[i], 0), EACCES);
    res_assert_file(t, rel, "40");
  }
  assert_int_equal(update_in_child(cg, docs[0], 1), 0);
  res_assert_file(t, rel, "41");
  assert_int_equal(update_in_child(cg, docs[0], 1), 0); /* skipped */
  g_clear_pointer(&cg, cgfs_cgroup_unref);
  cgfs_cache_free(cache);
  fake_tree_free(t);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_overrides_hook, setup, teardown),
    cmocka_unit_test(test_self_pid_in_children),
    cmocka_unit_test_setup_teardown(test_update_drops_its_record, setup, teardown),
    cmocka_unit_test_setup_teardown(test_recover_update, setup, teardown),
    cmocka_unit_test_setup_teardown(test_recover_slots, setup, teardown),
    cmocka_unit_test_setup_teardown(test_records_around_the_mapped_page, setup, teardown),
    cmocka_unit_test_setup_teardown(test_update_record_bytes, setup, teardown),
    cmocka_unit_test(test_json_string_escapes_everywhere),
    cmocka_unit_test(test_json_string_escapes),
    cmocka_unit_test(test_json_path),
    cmocka_unit_test_setup_teardown(test_update_record_recovers, setup, teardown),
    cmocka_unit_test_setup_teardown(test_delete_record_recovers, setup, teardown),
    cmocka_unit_test_setup_teardown(test_crash_at_each_removal_v1, setup, teardown),
    cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
    cmocka_unit_test_setup_teardown(test_recover_move_gone_and_junk, setup, teardown),
    cmocka_unit_test_setup_teardown(test_recover_update_steps, setup, teardown),
    cmocka_unit_test_setup_teardown(test_crash_at_each_write_v1, setup, teardown),
    cmocka_unit_test_setup_teardown(test_crash_after_enabling_v2, setup, teardown),
    cmocka_unit_test(test_undo_of_enabling_checks_children),
    cmocka_unit_test(test_rollback_keeps_enabling_a_sibling_uses),
    cmocka_unit_test_setup_teardown(test_recovery_keeps_enabling_a_sibling_uses, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_recovery_undoes_enabling_idle_sibling, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_updates_of_a_cgroup_wait_for_each_other, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_kept_update_lock, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
