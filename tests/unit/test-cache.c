/* The cgroup cache (cgfs/cache.h) on a fake v2 tree: a cached cgroup is reused while its
 * directory is the same, loaded anew once it was made again under the same name, reads through
 * kept descriptors see the file as it is now, the descriptor budget holds, and the access hook
 * is asked before every read through a kept descriptor. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake-tree.h"
#include "unit-common.h"

#define CG "cgfs-test-cache"

/* Copy every file of FIXTURES_DIR/v2-doc into cgroup @name. */
static void make_cgroup(FakeTree *t, const char *name)
{
  g_autofree char *dir = g_build_filename(FIXTURES_DIR, "v2-doc", NULL);
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  assert_non_null(d);
  const char *file;
  while ((file = g_dir_read_name(d))) {
    g_autofree char *src = g_build_filename(dir, file, NULL);
    g_autofree char *content = NULL;
    assert_true(g_file_get_contents(src, &content, NULL, NULL));
    g_autofree char *dst = g_strdup_printf("sys/fs/cgroup/%s/%s", name, file);
    fake_tree_write(t, dst, content);
  }
}

/* Rewrite a file in place (same inode), as the kernel's counters change under an open file. */
static void rewrite(FakeTree *t, const char *rel, const char *content)
{
  g_autofree char *path = fake_tree_path(t, rel);
  int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, content, strlen(content)), (int)strlen(content));
  close(fd);
}

static int setup(void **state)
{
  FakeTree *t = fake_tree_new_v2("cpuset cpu io memory hugetlb pids rdma misc");
  make_cgroup(t, CG);
  *state = fake_machine_new(t, "v2");
  return 0;
}

static CgfsCgroup *load(CgfsCache *c, const char *path)
{
  GError *error = NULL;
  CgfsCgroup *cg = cgfs_cache_load(c, CGFS_STATIC_PATH(path), &error);
  assert_no_gerror(error);
  return cg;
}

/* Loaded three times: a cgroup asked about again twice since it was cached keeps its files
 * open. */
static CgfsCgroup *load_hot(CgfsCache *c, const char *path)
{
  cgfs_cgroup_unref(load(c, path));
  cgfs_cgroup_unref(load(c, path));
  return load(c, path);
}

static guint64 memory_usage(CgfsCgroup *cg)
{
  GError *error = NULL;
  g_autoptr(CgfsStats) s = cgfs_cgroup_stats(cg, &error);
  assert_no_gerror(error);
  return s->v2.memory.usage;
}

static void test_reused_while_same(void **state)
{
  FakeMachine *m = *state;
  g_autoptr(CgfsCache) c = cgfs_cache_new(m->h, 100);
  g_autoptr(CgfsCgroup) a = load(c, "/" CG);
  g_autoptr(CgfsCgroup) b = load(c, "/" CG);
  assert_ptr_equal(a, b);
  assert_int_equal(cgfs_cache_n_cgroups(c), 1);
  assert_int_equal(cgfs_cache_n_fds(c), 1); /* v2: one directory */
}

/* Descriptors, not content: a counter that changes is read as it is now. */
static void test_kept_files_read_fresh(void **state)
{
  FakeMachine *m = *state;
  g_autoptr(CgfsCache) c = cgfs_cache_new(m->h, 100);
  g_autoptr(CgfsCgroup) cold = load(c, "/" CG);
  assert_int_equal(memory_usage(cold), 77070336);
  g_autoptr(CgfsCgroup) again = load(c, "/" CG);
  assert_int_equal(memory_usage(again), 77070336);
  assert_int_equal(cgfs_cache_n_fds(c), 1); /* read twice: nothing kept yet */
  g_autoptr(CgfsCgroup) cg = load(c, "/" CG);
  assert_int_equal(memory_usage(cg), 77070336);
  guint kept = cgfs_cache_n_fds(c);
  assert_true(kept > 5); /* the directory and the statistics files */
  rewrite(m->t, "sys/fs/cgroup/" CG "/memory.current", "12345\n");
  assert_int_equal(memory_usage(cg), 12345);
  assert_int_equal(cgfs_cache_n_fds(c), kept); /* read again through the same descriptors */
}

/* Removed and made again under the same name: the new directory, never the old one's files. */
static void test_made_again(void **state)
{
  FakeMachine *m = *state;
  g_autoptr(CgfsCache) c = cgfs_cache_new(m->h, 100);
  g_autoptr(CgfsCgroup) old = load_hot(c, "/" CG);
  assert_int_equal(memory_usage(old), 77070336);
  /* The old directory moved away (so that its inode cannot be reused), a new one made. */
  g_autofree char *dir = fake_tree_path(m->t, "sys/fs/cgroup/" CG);
  g_autofree char *moved = fake_tree_path(m->t, "sys/fs/cgroup/old");
  assert_int_equal(rename(dir, moved), 0);
  make_cgroup(m->t, CG);
  rewrite(m->t, "sys/fs/cgroup/" CG "/memory.current", "4096\n");
  g_autoptr(CgfsCgroup) made = load(c, "/" CG);
  assert_ptr_not_equal(made, old);
  assert_int_equal(memory_usage(made), 4096);
  assert_int_equal(cgfs_cache_n_cgroups(c), 1);
}

/* cgfs_cache_get_same: the cached cgroup of that identity without a look at the path (the old
 * one even after a cgroup was made again there), nothing for another identity or once dropped. */
static void test_get_same(void **state)
{
  FakeMachine *m = *state;
  g_autoptr(CgfsCache) c = cgfs_cache_new(m->h, 100);
  struct stat st;
  g_autoptr(CgfsCgroup) old = cgfs_cache_load_stat(c, CGFS_STATIC_PATH("/" CG), &st, NULL);
  assert_non_null(old);
  g_autoptr(CgfsCgroup) same = cgfs_cache_get_same(c, "/" CG, st.st_dev, st.st_ino);
  assert_ptr_equal(same, old);
  assert_null(cgfs_cache_get_same(c, "/" CG, st.st_dev, st.st_ino + 1));
  assert_null(cgfs_cache_get_same(c, "/other", st.st_dev, st.st_ino));
  g_autofree char *dir = fake_tree_path(m->t, "sys/fs/cgroup/" CG);
  g_autofree char *moved = fake_tree_path(m->t, "sys/fs/cgroup/old");
  assert_int_equal(rename(dir, moved), 0);
  make_cgroup(m->t, CG);
  g_autoptr(CgfsCgroup) unchecked = cgfs_cache_get_same(c, "/" CG, st.st_dev, st.st_ino);
  assert_ptr_equal(unchecked, old); /* its descriptors: the old directory's */
  g_autoptr(CgfsCgroup) made = load(c, "/" CG); /* the load looks, and drops the old one */
  assert_ptr_not_equal(made, old);
  assert_null(cgfs_cache_get_same(c, "/" CG, st.st_dev, st.st_ino));
  cgfs_cache_forget(c, "/" CG);
  struct stat now;
  assert_int_equal(cgfs_cgroup_stat(made, &now, NULL), TRUE);
  assert_null(cgfs_cache_get_same(c, "/" CG, now.st_dev, now.st_ino));
}

static void test_deleted(void **state)
{
  FakeMachine *m = *state;
  g_autoptr(CgfsCache) c = cgfs_cache_new(m->h, 100);
  cgfs_cgroup_unref(load(c, "/" CG));
  g_autofree char *dir = fake_tree_path(m->t, "sys/fs/cgroup/" CG);
  g_autofree char *moved = fake_tree_path(m->t, "sys/fs/cgroup/gone");
  assert_int_equal(rename(dir, moved), 0);
  GError *error = NULL;
  assert_null(cgfs_cache_load(c, CGFS_STATIC_PATH("/" CG), &error));
  assert_gerror(error, ENOENT, "no such cgroup");
  g_error_free(error);
  assert_int_equal(cgfs_cache_n_cgroups(c), 0);
}

/* Many cgroups through a small budget: never more descriptors than allowed, every read right. */
static void test_budget(void **state)
{
  FakeMachine *m = *state;
  const guint max = 12;
  g_autoptr(CgfsCache) c = cgfs_cache_new(m->h, max);
  for (guint i = 0; i < 20; i++) {
    g_autofree char *name = g_strdup_printf("c%u", i);
    make_cgroup(m->t, name);
    g_autofree char *rel = g_strdup_printf("sys/fs/cgroup/%s/memory.current", name);
    g_autofree char *value = g_strdup_printf("%u\n", 1000 + i);
    rewrite(m->t, rel, value);
  }
  for (guint round = 0; round < 2; round++)
    for (guint i = 0; i < 20; i++) {
      g_autofree char *path = g_strdup_printf("/c%u", i);
      g_autoptr(CgfsCgroup) cg = load_hot(c, path);
      assert_int_equal(memory_usage(cg), 1000 + i);
      assert_true(cgfs_cache_n_fds(c) <= max);
    }
  assert_true(cgfs_cache_n_cgroups(c) >= 1);
  /* Nothing kept: the descriptors of dropped cgroups are closed. */
  cgfs_cache_forget(c, "/");
  assert_int_equal(cgfs_cache_n_cgroups(c), 0);
  assert_int_equal(cgfs_cache_n_fds(c), 0);
}

static void test_forget_subtree(void **state)
{
  FakeMachine *m = *state;
  make_cgroup(m->t, CG "/child");
  make_cgroup(m->t, CG "x");
  g_autoptr(CgfsCache) c = cgfs_cache_new(m->h, 100);
  cgfs_cgroup_unref(load(c, "/" CG));
  cgfs_cgroup_unref(load(c, "/" CG "/child"));
  cgfs_cgroup_unref(load(c, "/" CG "x"));
  assert_int_equal(cgfs_cache_n_cgroups(c), 3);
  cgfs_cache_forget(c, "/" CG);
  assert_int_equal(cgfs_cache_n_cgroups(c), 1); /* CG "x" is not below it */
}

static guint checks;

static gboolean refuse_memory_stat(int dirfd, const char *name, gpointer data)
{
  checks++;
  if (strcmp(name, "memory.stat") != 0)
    return TRUE;
  errno = EACCES;
  return FALSE;
}

/* Every read through a kept descriptor asks the hook first, also once the file is kept. */
static void test_access_check(void **state)
{
  FakeMachine *m = *state;
  g_autoptr(CgfsCache) c = cgfs_cache_new(m->h, 100);
  g_autoptr(CgfsCgroup) cg = load_hot(c, "/" CG);
  memory_usage(cg);
  cgfs_cache_set_access_check(c, refuse_memory_stat, NULL);
  checks = 0;
  GError *error = NULL;
  assert_null(cgfs_cgroup_stats(cg, &error));
  assert_gerror(error, EACCES, "memory.stat");
  g_error_free(error);
  assert_true(checks > 0);
}

/* Size 0: nothing kept, every load fresh. */
static void test_disabled(void **state)
{
  FakeMachine *m = *state;
  g_autoptr(CgfsCache) c = cgfs_cache_new(m->h, 0);
  g_autoptr(CgfsCgroup) a = load(c, "/" CG);
  g_autoptr(CgfsCgroup) b = load(c, "/" CG);
  assert_ptr_not_equal(a, b);
  memory_usage(a);
  assert_int_equal(cgfs_cache_n_fds(c), 0);
  assert_int_equal(cgfs_cache_n_cgroups(c), 0);
}

/* More hot cgroups than the budget holds with their files: kept files are closed first (the
 * least recently used cgroups'), so every cgroup stays loaded and is read correctly, through
 * open/read/close once its files are gone. */
static void test_room_from_kept_files(void **state)
{
  FakeMachine *m = *state;
  const guint n = 6, max = 24; /* 6 directories fit; their statistics files do not */
  g_autoptr(CgfsCache) c = cgfs_cache_new(m->h, max);
  for (guint i = 0; i < n; i++) {
    g_autofree char *name = g_strdup_printf("c%u", i);
    make_cgroup(m->t, name);
  }
  for (guint round = 0; round < 3; round++)
    for (guint i = 0; i < n; i++) {
      g_autofree char *rel = g_strdup_printf("sys/fs/cgroup/c%u/memory.current", i);
      g_autofree char *value = g_strdup_printf("%u\n", 100 * round + i);
      rewrite(m->t, rel, value);
      g_autofree char *path = g_strdup_printf("/c%u", i);
      g_autoptr(CgfsCgroup) cg = load_hot(c, path);
      assert_int_equal(memory_usage(cg), 100 * round + i);
      assert_true(cgfs_cache_n_fds(c) <= max);
    }
  assert_int_equal(cgfs_cache_n_cgroups(c), n);
}

/* A budget filled once by cgroups nobody reads any more is given back, from the files they keep,
 * to a cgroup read again and again: it keeps its own files again (session 4: after a round of
 * cold reads, a hot cgroup's limit writes and reads went through open/read/close for good). */
static void test_room_for_the_one_read_again(void **state)
{
  FakeMachine *m = *state;
  const guint n = 6, max = 40; /* 6 directories fit, and the files of about two cgroups */
  g_autoptr(CgfsCache) c = cgfs_cache_new(m->h, max);
  for (guint i = 0; i < n; i++) {
    g_autofree char *name = g_strdup_printf("c%u", i);
    make_cgroup(m->t, name);
    g_autofree char *path = g_strdup_printf("/c%u", i);
    g_autoptr(CgfsCgroup) cg = load_hot(c, path);
    assert_int_equal(memory_usage(cg), 77070336);
  }
  for (guint i = 0; i < 4 * n; i++) { /* the others idle for more than two rounds */
    g_autoptr(CgfsCgroup) cg = load(c, "/c0");
    assert_int_equal(memory_usage(cg), 77070336);
    assert_true(cgfs_cache_n_fds(c) <= max);
  }
  /* A file replaced by a new one: a descriptor kept open still reads the old one. (On cgroupfs
   * files are never replaced; here it tells a kept descriptor from an open/read/close.) */
  g_autofree char *file = fake_tree_path(m->t, "sys/fs/cgroup/c0/memory.current");
  assert_true(g_file_set_contents(file, "1\n", -1, NULL));
  g_autoptr(CgfsCgroup) cg = load(c, "/c0");
  assert_int_equal(memory_usage(cg), 77070336);
  assert_true(cgfs_cache_n_fds(c) <= max);
}

/* A child of a cached parent is opened below the parent's directory: only while the parent is
 * still the directory at its path. Renamed away and made again with a child of the same name,
 * the child is the new one (the old parent, still alive under its new name, has the old). */
static void test_child_of_cached_parent(void **state)
{
  FakeMachine *m = *state;
  g_autoptr(CgfsCache) c = cgfs_cache_new(m->h, 100);
  make_cgroup(m->t, CG "/kid");
  cgfs_cgroup_unref(load(c, "/" CG)); /* cached */
  g_autoptr(CgfsCgroup) kid = load(c, "/" CG "/kid");
  assert_int_equal(memory_usage(kid), 77070336);
  assert_int_equal(cgfs_cache_n_cgroups(c), 2);
  g_clear_pointer(&kid, cgfs_cgroup_unref);
  cgfs_cache_forget(c, "/" CG "/kid"); /* not cached: the next load goes below its parent */
  g_autofree char *dir = fake_tree_path(m->t, "sys/fs/cgroup/" CG);
  g_autofree char *moved = fake_tree_path(m->t, "sys/fs/cgroup/" CG "-old");
  assert_int_equal(rename(dir, moved), 0);
  make_cgroup(m->t, CG "/kid");
  rewrite(m->t, "sys/fs/cgroup/" CG "/kid/memory.current", "4242\n");
  g_autoptr(CgfsCgroup) again = load(c, "/" CG "/kid");
  assert_int_equal(memory_usage(again), 4242);
  /* A child missing below the parent: ENOENT, as a load by path says. */
  GError *error = NULL;
  assert_null(cgfs_cache_load(c, CGFS_STATIC_PATH("/" CG "/none"), &error));
  assert_gerror(error, ENOENT, "no such cgroup");
  g_clear_error(&error);
}

static char *children_of(CgfsCache *c, CgfsCgroup *cg)
{
  GError *error = NULL;
  g_auto(GStrv) names = cgfs_cache_children(c, cg, &error);
  assert_no_gerror(error);
  return g_strjoinv(",", names);
}

/* A listing kept between calls is never stale: children made and removed behind the cache's
 * back (as the kernel's mkdir and rmdir by anyone) are in the next answer. */
static void test_children_follow_changes(void **state)
{
  FakeMachine *m = *state;
  g_autoptr(CgfsCache) c = cgfs_cache_new(m->h, 100);
  make_cgroup(m->t, CG "/a");
  make_cgroup(m->t, CG "/b");
  g_autoptr(CgfsCgroup) cg = load(c, "/" CG);
  for (guint i = 0; i < 3; i++) {
    g_autofree char *names = children_of(c, cg);
    assert_string_equal(names, "a,b");
  }
  make_cgroup(m->t, CG "/c");
  g_autofree char *made = children_of(c, cg);
  assert_string_equal(made, "a,b,c");
  g_autofree char *again = children_of(c, cg);
  assert_string_equal(again, "a,b,c");
  g_autofree char *b = fake_tree_path(m->t, "sys/fs/cgroup/" CG "/b");
  g_autofree char *rm = g_strdup_printf("rm -rf '%s'", b);
  assert_int_equal(system(rm), 0);
  g_autofree char *removed = children_of(c, cg);
  assert_string_equal(removed, "a,c");
  g_autofree char *a = fake_tree_path(m->t, "sys/fs/cgroup/" CG "/a");
  g_autofree char *d = fake_tree_path(m->t, "sys/fs/cgroup/" CG "/d");
  assert_int_equal(rename(a, d), 0);
  g_autofree char *renamed = children_of(c, cg);
  assert_string_equal(renamed, "c,d");
}

static void stat_of(FakeTree *t, const char *rel, struct stat *st)
{
  g_autofree char *path = fake_tree_path(t, rel);
  assert_int_equal(stat(path, st), 0);
}

/* The stat a load hands back with a cached cgroup is its identity check's, taken now: a mode
 * changed behind the cache's back is seen (never the one from when it was cached), and a
 * cgroup made again under the same name gives its new directory. */
static void test_load_stat_is_now(void **state)
{
  FakeMachine *m = *state;
  g_autoptr(CgfsCache) c = cgfs_cache_new(m->h, 100);
  GError *error = NULL;
  struct stat st, want;
  g_autoptr(CgfsCgroup) a = cgfs_cache_load_stat(c, CGFS_STATIC_PATH("/" CG), &st, &error);
  assert_no_gerror(error);
  stat_of(m->t, "sys/fs/cgroup/" CG, &want);
  assert_int_equal(st.st_ino, want.st_ino);
  g_autofree char *dir = fake_tree_path(m->t, "sys/fs/cgroup/" CG);
  assert_int_equal(chmod(dir, 0700), 0);
  g_autoptr(CgfsCgroup) b = cgfs_cache_load_stat(c, CGFS_STATIC_PATH("/" CG), &st, &error);
  assert_no_gerror(error);
  assert_ptr_equal(a, b); /* from the cache */
  assert_int_equal(st.st_mode & 07777, 0700);
  memset(&st, 0, sizeof st);
  assert_true(cgfs_cache_stat(c, CGFS_STATIC_PATH("/" CG), &st, &error));
  assert_int_equal(st.st_mode & 07777, 0700);
  g_autofree char *moved = fake_tree_path(m->t, "sys/fs/cgroup/old");
  assert_int_equal(rename(dir, moved), 0);
  make_cgroup(m->t, CG);
  stat_of(m->t, "sys/fs/cgroup/" CG, &want);
  g_autoptr(CgfsCgroup) made = cgfs_cache_load_stat(c, CGFS_STATIC_PATH("/" CG), &st, &error);
  assert_no_gerror(error);
  assert_ptr_not_equal(made, a);
  assert_int_equal(st.st_ino, want.st_ino);
  assert_int_equal(st.st_mode & 07777, want.st_mode & 07777);
  /* Without a cache (size 0) the stat is the loaded directory's. */
  g_autoptr(CgfsCache) none = cgfs_cache_new(m->h, 0);
  g_autoptr(CgfsCgroup) fresh = cgfs_cache_load_stat(none, CGFS_STATIC_PATH("/" CG), &st, &error);
  assert_no_gerror(error);
  assert_non_null(fresh);
  assert_int_equal(st.st_ino, want.st_ino);
}

/* A stat of a cgroup not cached does not load it (a walk past thousands of directories keeps
 * the cache as it was); its errors are a load's. */
static void test_stat_without_load(void **state)
{
  FakeMachine *m = *state;
  g_autoptr(CgfsCache) c = cgfs_cache_new(m->h, 100);
  GError *error = NULL;
  struct stat st, want;
  assert_true(cgfs_cache_stat(c, CGFS_STATIC_PATH("/" CG), &st, &error));
  assert_no_gerror(error);
  stat_of(m->t, "sys/fs/cgroup/" CG, &want);
  assert_int_equal(st.st_ino, want.st_ino);
  assert_true(S_ISDIR(st.st_mode));
  assert_int_equal(cgfs_cache_n_cgroups(c), 0);
  assert_int_equal(cgfs_cache_n_fds(c), 0);
  assert_false(cgfs_cache_stat(c, CGFS_STATIC_PATH("/" CG "/none"), &st, &error));
  assert_gerror(error, ENOENT, "no such cgroup");
  g_clear_error(&error);
  /* Paths a load refuses are refused alike (EINVAL), never walked. */
  static const char *const invalid[] = { "/" CG "/../x", "/" CG "/", "//" CG, "/.", "/" CG "/.",
                                         CG, NULL };
  for (const char *const *bad = invalid; *bad; bad++) {
    assert_false(cgfs_cache_stat(c, CGFS_STATIC_PATH(*bad), &st, &error));
    assert_gerror(error, EINVAL, "invalid cgroup path");
    g_clear_error(&error);
    assert_null(cgfs_cache_children_of(c, CGFS_STATIC_PATH(*bad), &error));
    assert_gerror(error, EINVAL, "invalid cgroup path");
    g_clear_error(&error);
  }
  assert_true(cgfs_cache_stat(c, CGFS_STATIC_PATH("/"), &st, &error));
  assert_true(S_ISDIR(st.st_mode));
  assert_true(cgfs_cache_stat(c, CGFS_STATIC_PATH("/" CG "/.hidden-none"), &st, &error) == FALSE);
  assert_gerror(error, ENOENT, "no such cgroup");
  g_clear_error(&error);
  /* A file where a cgroup would be is no cgroup. */
  assert_false(cgfs_cache_stat(c, CGFS_STATIC_PATH("/" CG "/memory.current"), &st, &error));
  assert_non_null(error);
  g_clear_error(&error);
}

static char *children_at(CgfsCache *c, const char *path)
{
  GError *error = NULL;
  g_auto(GStrv) names = cgfs_cache_children_of(c, CGFS_STATIC_PATH(path), &error);
  assert_no_gerror(error);
  return g_strjoinv(",", names);
}

/* A leaf not cached is listed without loading it; a cgroup with children (in any hierarchy)
 * is loaded and listed as before. */
static void test_children_of_path(void **state)
{
  FakeMachine *m = *state;
  g_autoptr(CgfsCache) c = cgfs_cache_new(m->h, 100);
  make_cgroup(m->t, CG "/a");
  g_autofree char *leaf = children_at(c, "/" CG "/a");
  assert_string_equal(leaf, "");
  assert_int_equal(cgfs_cache_n_cgroups(c), 0);
  g_autofree char *parent = children_at(c, "/" CG);
  assert_string_equal(parent, "a");
  assert_int_equal(cgfs_cache_n_cgroups(c), 1);
  GError *error = NULL;
  assert_null(cgfs_cache_children_of(c, CGFS_STATIC_PATH("/" CG "/none"), &error));
  assert_gerror(error, ENOENT, "no such cgroup");
  g_clear_error(&error);
}

/* On v1 a cgroup is a directory in every hierarchy: a child made in one of them only (by
 * hand, in the memory hierarchy here) makes it a parent, and the listing says so. */
static void test_children_of_path_v1(void **state)
{
  FakeMachine *m = fake_machine_new(fake_tree_new_v1(), "v1");
  g_autoptr(CgfsCache) c = cgfs_cache_new(m->h, 100);
  for (const char *const *mnt = fake_v1_mounts; *mnt; mnt++) {
    g_autofree char *rel = g_strdup_printf("%s/" CG, *mnt);
    fake_tree_mkcg(m->t, rel);
  }
  g_autofree char *none = children_at(c, "/" CG);
  assert_string_equal(none, "");
  assert_int_equal(cgfs_cache_n_cgroups(c), 0);
  fake_tree_mkcg(m->t, "sys/fs/cgroup/memory/" CG "/only-memory");
  g_autofree char *one = children_at(c, "/" CG);
  assert_string_equal(one, "only-memory");
  struct stat st;
  GError *error = NULL;
  assert_true(cgfs_cache_stat(c, CGFS_STATIC_PATH("/" CG "/only-memory"), &st, &error));
  assert_no_gerror(error);
  /* A node's file: the first hierarchy that has it (memory's here), by path, nothing loaded. */
  fake_tree_write(m->t, "sys/fs/cgroup/memory/" CG "/memory.limit_in_bytes", "1\n");
  static const char *const limit[] = { "memory.limit_in_bytes", "cpu.shares", NULL };
  static const char *const no_file[] = { "no.such.file", NULL };
  struct stat dir, file, want;
  gboolean found;
  g_autoptr(CgfsCache) fresh = cgfs_cache_new(m->h, 100);
  assert_true(cgfs_cache_stat_node(fresh, CGFS_STATIC_PATH("/" CG), limit, &dir, &file, &found, &error));
  assert_no_gerror(error);
  assert_true(found);
  stat_of(m->t, "sys/fs/cgroup/memory/" CG "/memory.limit_in_bytes", &want);
  assert_int_equal(file.st_ino, want.st_ino);
  stat_of(m->t, "sys/fs/cgroup/cpu/" CG, &want);
  assert_int_equal(dir.st_ino, want.st_ino);
  assert_true(cgfs_cache_stat_node(fresh, CGFS_STATIC_PATH("/" CG), no_file, &dir, &file, &found, &error));
  assert_false(found);
  assert_int_equal(cgfs_cache_n_cgroups(fresh), 0);
  /* Cached, the same answers. */
  cgfs_cgroup_unref(load(fresh, "/" CG));
  assert_true(cgfs_cache_stat_node(fresh, CGFS_STATIC_PATH("/" CG), limit, &dir, &file, &found, &error));
  assert_true(found);
  stat_of(m->t, "sys/fs/cgroup/memory/" CG "/memory.limit_in_bytes", &want);
  assert_int_equal(file.st_ino, want.st_ino);
  assert_false(cgfs_cache_stat_node(fresh, CGFS_STATIC_PATH("/" CG "/none"), limit, &dir, &file, &found, &error));
  assert_gerror(error, ENOENT, "no such cgroup");
  g_clear_error(&error);
  fake_machine_free(m);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_reused_while_same, setup, fake_machine_teardown),
    cmocka_unit_test_setup_teardown(test_kept_files_read_fresh, setup, fake_machine_teardown),
    cmocka_unit_test_setup_teardown(test_made_again, setup, fake_machine_teardown),
    cmocka_unit_test_setup_teardown(test_deleted, setup, fake_machine_teardown),
    cmocka_unit_test_setup_teardown(test_get_same, setup, fake_machine_teardown),
    cmocka_unit_test_setup_teardown(test_budget, setup, fake_machine_teardown),
    cmocka_unit_test_setup_teardown(test_forget_subtree, setup, fake_machine_teardown),
    cmocka_unit_test_setup_teardown(test_access_check, setup, fake_machine_teardown),
    cmocka_unit_test_setup_teardown(test_disabled, setup, fake_machine_teardown),
    cmocka_unit_test_setup_teardown(test_child_of_cached_parent, setup, fake_machine_teardown),
    cmocka_unit_test_setup_teardown(test_room_from_kept_files, setup, fake_machine_teardown),
    cmocka_unit_test_setup_teardown(test_room_for_the_one_read_again, setup,
                                    fake_machine_teardown),
    cmocka_unit_test_setup_teardown(test_children_follow_changes, setup, fake_machine_teardown),
    cmocka_unit_test_setup_teardown(test_load_stat_is_now, setup, fake_machine_teardown),
    cmocka_unit_test_setup_teardown(test_stat_without_load, setup, fake_machine_teardown),
    cmocka_unit_test_setup_teardown(test_children_of_path, setup, fake_machine_teardown),
    cmocka_unit_test_setup_teardown(test_children_of_path_v1, setup, fake_machine_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
