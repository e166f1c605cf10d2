/* The daemon's path parsing, node table and pid words (fs/tree.c, fs/node-procs.c). */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "unit-common.h"

static void parse_ok(const char *path, const char *cgroup, const char *node)
{
  g_auto(FsPath) p = { 0 };
  GError *error = NULL;
  if (!fs_path_parse(path, &p, &error))
    fail_msg("%s: %s", path, error->message);
  assert_string_equal(p.cgroup, cgroup);
  if (node)
    assert_string_equal(p.node ? p.node->name : "(dir)", node);
  else
    assert_null(p.node);
}

static void parse_fails(const char *path, int code)
{
  g_auto(FsPath) p = { 0 };
  GError *error = NULL;
  assert_false(fs_path_parse(path, &p, &error));
  assert_gerror(error, code, "");
  assert_null(p.cgroup);
  g_clear_error(&error);
}

static void test_parse(void **state)
{
  parse_ok("/", "/", NULL);
  parse_ok("/procs", "/", "procs");
  parse_ok("/last_error", "/", "last_error");
  parse_ok("/a", "/a", NULL);
  parse_ok("/a/", "/a", NULL);
  parse_ok("/a/b", "/a/b", NULL);
  parse_ok("/a/b/state", "/a/b", "state");
  parse_ok("/a/b/memory.limit_in_bytes", "/a/b/memory.limit_in_bytes", NULL);
  parse_ok("/Procs", "/Procs", NULL);
  parse_ok("/procs/", "/", "procs");
  parse_ok("/a/procs/", "/a", "procs");
  parse_ok("/a/stats.json", "/a", "stats.json");
  parse_ok("/a/stats.jsonx", "/a/stats.jsonx", NULL);
  parse_ok("/a/stats", "/a/stats", NULL);
  parse_ok("/a/self", "/a/self", NULL);
  parse_ok("/a/.b/..c", "/a/.b/..c", NULL);
}

static void test_parse_rejects(void **state)
{
  parse_fails("", ENOENT);
  parse_fails("a/b", ENOENT);
  parse_fails("//a", ENOENT);
  parse_fails("/a//b", ENOENT);
  parse_fails("/a/../b", ENOENT);
  parse_fails("/./a", ENOENT);
  parse_fails("/procs/x", ENOTDIR);
  parse_fails("//", ENOENT);
  parse_fails("/a//", ENOENT);
  parse_fails("/a/.", ENOENT);
  parse_fails("/a/..", ENOENT);
  parse_fails("/self", ENOENT);
  parse_fails("/self/procs", ENOENT);
  parse_fails("/a/kill/b/c", ENOTDIR);
}

static void test_in_hierarchy(void **state)
{
  const struct {
    const char *root, *rel, *want;
  } cases[] = {
    { "/", "/", "/" },       { "/", "/a/b", "/a/b" },      { "/r", "/", "/r" },
    { "/r/s", "/a", "/r/s/a" }, { "/r", "/a/b", "/r/a/b" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *got = fs_path_in_hierarchy(cases[i].root, cases[i].rel);
    assert_string_equal(got, cases[i].want);
  }
}

/* The namespace links every request reads: built and read without printf/scanf. */
static void test_ns_links(void **state)
{
  char link[48];
  fs_ns_link(link, sizeof link, 1234, "pid");
  assert_string_equal(link, "/proc/1234/ns/pid");
  fs_ns_link(link, sizeof link, 2147483647, "cgroup");
  assert_string_equal(link, "/proc/2147483647/ns/cgroup");
  char small[20]; /* too small: empty, never cut */
  fs_ns_link(small, sizeof small, 2147483647, "cgroup");
  assert_string_equal(small, "");
  fs_ns_link(small, sizeof small, 7, "pid");
  assert_string_equal(small, "/proc/7/ns/pid");
  fs_ns_link(link, sizeof link, getpid(), "pid");
  struct stat st;
  assert_int_equal(stat(link, &st), 0);
  assert_true(st.st_ino != 0);
  assert_true(fs_ns_link_inode(link, "pid") == (guint64)st.st_ino);
  assert_true(fs_ns_link_inode(link, "pi") == 0);
  assert_true(fs_ns_link_inode(link, "cgroup") == 0);
  fs_ns_link(link, sizeof link, getpid(), "cgroup");
  if (stat(link, &st) == 0)
    assert_true(fs_ns_link_inode(link, "cgroup") == (guint64)st.st_ino);
  assert_true(fs_ns_link_inode("/proc/0/ns/pid", "pid") == 0);
}

/* Every node can be read or written, and its mode mask says which. */
static void test_node_table(void **state)
{
  guint n = 0;
  for (const FsNode *const *node = fs_nodes(); *node; node++, n++) {
    const FsNode *nd = *node;
    assert_ptr_equal(fs_node_find(nd->name), nd);
    assert_true(nd->read || nd->write);
    assert_int_equal((nd->mask & 0444) != 0, nd->read != NULL);
    assert_int_equal((nd->mask & 0222) != 0, nd->write != NULL);
  }
  assert_true(n >= 6);
  assert_null(fs_node_find("cgroup.procs"));
  assert_int_equal(fs_node_find("kill")->mask, 0222);
  assert_int_equal(fs_node_find("events")->mask, 0444);
  assert_int_equal(fs_node_find("procs")->write_kind, FS_WRITE_TOKENS);
}

static void pid_ok(const char *word, pid_t writer, pid_t want)
{
  GError *error = NULL;
  pid_t got = -1;
  if (!fs_parse_pid(word, writer, &got, &error))
    fail_msg("'%s': %s", word, error->message);
  assert_int_equal(got, want);
}

static void pid_fails(const char *word, pid_t writer, int code, const char *needle)
{
  GError *error = NULL;
  pid_t got = -1;
  assert_false(fs_parse_pid(word, writer, &got, &error));
  assert_gerror(error, code, needle);
  g_clear_error(&error);
}

static void test_pid_words(void **state)
{
  pid_ok("1", 5, 1);
  pid_ok("4242", 5, 4242);
  pid_ok("007", 5, 7);
  pid_ok("2147483647", 5, 2147483647);
  pid_ok("0", 5, 5);
  pid_fails("0", 0, ESRCH, "pid namespace");
  pid_fails("abc", 5, EINVAL, "invalid pid 'abc'");
  pid_fails("-1", 5, EINVAL, "'-1'");
  pid_fails("+5", 5, EINVAL, "'+5'");
  pid_fails("1.5", 5, EINVAL, "'1.5'");
  pid_fails("12abc", 5, EINVAL, "'12abc'");
  pid_fails("2147483648", 5, EINVAL, "not a decimal number");
  pid_fails("0x10", 5, EINVAL, "'0x10'");
  pid_fails("", 5, EINVAL, "''");
}

/* The root cgroup's kill is refused before anything is touched (no cgroup is even needed). */
static void test_kill_root_refused(void **state)
{
  FsRequest rq = { NULL, NULL, "/", 1 };
  char *words[] = { (char *)"1", NULL };
  GError *error = NULL;
  assert_false(fs_node_kill.write(&rq, words, 1, &error));
  assert_gerror(error, EPERM, "root cgroup");
  g_clear_error(&error);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_parse),
    cmocka_unit_test(test_parse_rejects),
    cmocka_unit_test(test_in_hierarchy),
    cmocka_unit_test(test_ns_links),
    cmocka_unit_test(test_node_table),
    cmocka_unit_test(test_pid_words),
    cmocka_unit_test(test_kill_root_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
