#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "fake-tree.h"

const char *const fake_v1_mounts[] = {
  "sys/fs/cgroup/cpu", "sys/fs/cgroup/cpuacct", "sys/fs/cgroup/cpuset",
  "sys/fs/cgroup/memory", "sys/fs/cgroup/devices", "sys/fs/cgroup/freezer",
  "sys/fs/cgroup/blkio", "sys/fs/cgroup/pids", "sys/fs/cgroup/systemd", NULL,
};

/* The fake tree whose templates the wrapped mkdirat consults; tests are single-threaded. */
static FakeTree *active_tree;

FakeTree *fake_tree_new(void)
{
  FakeTree *t = g_new0(FakeTree, 1);
  GError *error = NULL;
  t->root = g_dir_make_tmp("cgfs-unit-XXXXXX", &error);
  g_assert_no_error(error);
  t->mountinfo = g_build_filename(t->root, "proc/self/mountinfo", NULL);
  t->self_cgroup = g_build_filename(t->root, "proc/self/cgroup", NULL);
  t->templates = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify)g_hash_table_unref);
  active_tree = t;
  return t;
}

static void rm_rf(const char *path)
{
  GDir *d = g_dir_open(path, 0, NULL);
  if (d) {
    const char *name;
    while ((name = g_dir_read_name(d))) {
      g_autofree char *child = g_build_filename(path, name, NULL);
      rm_rf(child);
    }
    g_dir_close(d);
    g_rmdir(path);
  } else {
    g_unlink(path);
  }
}

void fake_tree_free(FakeTree *t)
{
  if (!t)
    return;
  rm_rf(t->root);
  if (active_tree == t)
    active_tree = NULL;
  g_hash_table_unref(t->templates);
  g_free(t->root);
  g_free(t->mountinfo);
  g_free(t->self_cgroup);
  g_free(t);
}

char *fake_tree_path(FakeTree *t, const char *rel)
{
  return g_build_filename(t->root, rel, NULL);
}

void fake_tree_write(FakeTree *t, const char *rel, const char *content)
{
  g_autofree char *path = fake_tree_path(t, rel);
  g_autofree char *dir = g_path_get_dirname(path);
  g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
  GError *error = NULL;
  g_file_set_contents(path, content, -1, &error);
  g_assert_no_error(error);
}

char *fake_tree_read(FakeTree *t, const char *rel)
{
  g_autofree char *path = fake_tree_path(t, rel);
  char *content = NULL;
  if (!g_file_get_contents(path, &content, NULL, NULL))
    return NULL;
  return content;
}

gboolean fake_tree_exists(FakeTree *t, const char *rel)
{
  g_autofree char *path = fake_tree_path(t, rel);
  return g_file_test(path, G_FILE_TEST_EXISTS);
}

void fake_tree_mkdir(FakeTree *t, const char *rel)
{
  g_autofree char *path = fake_tree_path(t, rel);
  g_assert_cmpint(g_mkdir_with_parents(path, 0755), ==, 0);
}

void fake_tree_template(FakeTree *t, const char *mount_rel, const char *file, const char *content)
{
  g_autofree char *mount = fake_tree_path(t, mount_rel);
  GHashTable *files = g_hash_table_lookup(t->templates, mount);
  if (!files) {
    files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_hash_table_insert(t->templates, g_strdup(mount), files);
  }
  g_hash_table_insert(files, g_strdup(file), g_strdup(content));
}

/* The template of the mount that @dir is below. */
static GHashTable *templates_for(FakeTree *t, const char *dir)
{
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, t->templates);
  while (g_hash_table_iter_next(&it, &key, &value)) {
    gsize n = strlen(key);
    if (strncmp(dir, key, n) == 0 && (dir[n] == '/' || dir[n] == '\0'))
      return value;
  }
  return NULL;
}

static void fill_from_template(FakeTree *t, const char *dir)
{
  GHashTable *files = templates_for(t, dir);
  if (!files)
    return;
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, files);
  while (g_hash_table_iter_next(&it, &key, &value)) {
    g_autofree char *path = g_build_filename(dir, key, NULL);
    g_assert_true(g_file_set_contents(path, value, -1, NULL));
  }
}

void fake_tree_mkcg(FakeTree *t, const char *rel)
{
  g_autofree char *path = fake_tree_path(t, rel);
  g_assert_cmpint(g_mkdir_with_parents(path, 0755), ==, 0);
  fill_from_template(t, path);
}

CgfsSystem *fake_tree_system(FakeTree *t)
{
  CgfsSystemSources src = { t->mountinfo, t->self_cgroup, t->root };
  GError *error = NULL;
  CgfsSystem *sys = cgfs_system_new_from(&src, &error);
  g_assert_no_error(error);
  return sys;
}

FakeMachine *fake_machine_new(FakeTree *t, const char *hierarchy)
{
  FakeMachine *m = g_new0(FakeMachine, 1);
  m->t = t;
  m->sys = fake_tree_system(t);
  GError *error = NULL;
  m->h = cgfs_hierarchy_from_string(m->sys, hierarchy, &error);
  g_assert_no_error(error);
  return m;
}

void fake_machine_free(FakeMachine *m)
{
  if (!m)
    return;
  cgfs_hierarchy_unref(m->h);
  cgfs_system_unref(m->sys);
  fake_tree_free(m->t);
  g_free(m);
}

int fake_machine_teardown(void **state)
{
  fake_machine_free(*state);
  return 0;
}

static void v1_templates(FakeTree *t)
{
  for (const char *const *m = fake_v1_mounts; *m; m++) {
    fake_tree_template(t, *m, "cgroup.procs", "");
    fake_tree_template(t, *m, "tasks", "");
  }
  fake_tree_template(t, "sys/fs/cgroup/cpuset", "cpuset.cpus", "\n");
  fake_tree_template(t, "sys/fs/cgroup/cpuset", "cpuset.mems", "\n");
  fake_tree_template(t, "sys/fs/cgroup/freezer", "freezer.state", "THAWED\n");
  fake_tree_template(t, "sys/fs/cgroup/freezer", "freezer.parent_freezing", "0\n");
  fake_tree_template(t, "sys/fs/cgroup/unified", "cgroup.procs", "");
  fake_tree_template(t, "sys/fs/cgroup/unified", "cgroup.threads", "");
  fake_tree_template(t, "sys/fs/cgroup/unified", "cgroup.freeze", "0\n");
  fake_tree_template(t, "sys/fs/cgroup/unified", "cgroup.events", "populated 0\nfrozen 0\n");
  fake_tree_template(t, "sys/fs/cgroup/unified", "cgroup.controllers", "\n");
}

FakeTree *fake_tree_new_v1(void)
{
  FakeTree *t = fake_tree_new();
  g_autofree char *mi = g_build_filename(FIXTURES_DIR, "mountinfo/this-machine.mountinfo", NULL);
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(mi, &text, NULL, NULL));
  fake_tree_write(t, "proc/self/mountinfo", text);
  fake_tree_write(t, "proc/self/cgroup",
                  "9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n5:devices:/\n"
                  "4:memory:/user.slice\n3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n0::/\n");
  v1_templates(t);
  for (const char *const *m = fake_v1_mounts; *m; m++)
    fake_tree_mkcg(t, *m);
  fake_tree_mkcg(t, "sys/fs/cgroup/unified");
  fake_tree_write(t, "sys/fs/cgroup/unified/cgroup.controllers", "hugetlb\n");
  fake_tree_write(t, "sys/fs/cgroup/cpuset/cpuset.cpus", "0-1\n");
  fake_tree_write(t, "sys/fs/cgroup/cpuset/cpuset.mems", "0\n");
  fake_tree_mkcg(t, "sys/fs/cgroup/memory/user.slice");
  return t;
}

FakeTree *fake_tree_new_v2(const char *controllers)
{
  FakeTree *t = fake_tree_new();
  fake_tree_write(t, "proc/self/mountinfo",
                  "24 29 0:22 / /sys fs rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
                  "28 24 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 "
                  "cgroup2 rw,nsdelegate,memory_recursiveprot\n");
  fake_tree_write(t, "proc/self/cgroup", "0::/user.slice/session-1.scope\n");
  const char *m = "sys/fs/cgroup";
  fake_tree_template(t, m, "cgroup.procs", "");
  fake_tree_template(t, m, "cgroup.threads", "");
  fake_tree_template(t, m, "cgroup.freeze", "0\n");
  fake_tree_template(t, m, "cgroup.kill", "");
  fake_tree_template(t, m, "cgroup.type", "domain\n");
  fake_tree_template(t, m, "cgroup.events", "populated 0\nfrozen 0\n");
  fake_tree_template(t, m, "cgroup.subtree_control", "\n");
  fake_tree_template(t, m, "cgroup.controllers", "\n");
  fake_tree_mkcg(t, m);
  g_autofree char *line = g_strconcat(controllers, "\n", NULL);
  fake_tree_write(t, "sys/fs/cgroup/cgroup.controllers", line);
  fake_tree_write(t, "sys/fs/cgroup/cgroup.subtree_control", line);
  g_autofree char *root_freeze = g_build_filename(t->root, m, "cgroup.freeze", NULL);
  g_unlink(root_freeze); /* the root cgroup has no cgroup.freeze */
  fake_tree_mkcg(t, "sys/fs/cgroup/user.slice/session-1.scope");
  return t;
}

/* Linked with --wrap: the kernel fills a new cgroup directory with its control files. */
int __real_mkdirat(int dirfd, const char *path, mode_t mode);
int __wrap_mkdirat(int dirfd, const char *path, mode_t mode);
int __wrap_mkdirat(int dirfd, const char *path, mode_t mode)
{
  int r = __real_mkdirat(dirfd, path, mode);
  if (r != 0 || !active_tree)
    return r;
  int saved = errno;
  g_autofree char *link = g_strdup_printf("/proc/self/fd/%d", dirfd);
  g_autofree char *parent = dirfd == AT_FDCWD ? g_get_current_dir() : g_file_read_link(link, NULL);
  g_autofree char *dir = path[0] == '/' ? g_strdup(path) : g_build_filename(parent, path, NULL);
  fill_from_template(active_tree, dir);
  errno = saved;
  return 0;
}

/* ... and rmdir of a cgroup removes them. */
int __real_rmdir(const char *path);
int __wrap_rmdir(const char *path);
int __wrap_rmdir(const char *path)
{
  if (active_tree && templates_for(active_tree, path)) {
    GDir *d = g_dir_open(path, 0, NULL);
    const char *name;
    gboolean has_subdir = FALSE;
    while (d && (name = g_dir_read_name(d))) {
      g_autofree char *child = g_build_filename(path, name, NULL);
      has_subdir |= g_file_test(child, G_FILE_TEST_IS_DIR);
    }
    if (d)
      g_dir_close(d);
    g_autofree char *procs = g_build_filename(path, "cgroup.procs", NULL);
    g_autofree char *pids = NULL;
    gboolean populated = g_file_get_contents(procs, &pids, NULL, NULL) && *g_strstrip(pids);
    if (has_subdir || populated) {
      errno = EBUSY; /* cgroupfs refuses a cgroup with children or processes this way */
      return -1;
    }
    d = g_dir_open(path, 0, NULL);
    while (d && (name = g_dir_read_name(d))) {
      g_autofree char *child = g_build_filename(path, name, NULL);
      g_unlink(child);
    }
    if (d)
      g_dir_close(d);
  }
  return __real_rmdir(path);
}

/* ... also when the library removes it relative to a directory fd (its mount's). */
int __real_unlinkat(int dirfd, const char *path, int flags);
int __wrap_unlinkat(int dirfd, const char *path, int flags);
int __wrap_unlinkat(int dirfd, const char *path, int flags)
{
  if (!(flags & AT_REMOVEDIR) || !active_tree)
    return __real_unlinkat(dirfd, path, flags);
  g_autofree char *link = g_strdup_printf("/proc/self/fd/%d", dirfd);
  g_autofree char *parent = dirfd == AT_FDCWD ? g_get_current_dir() : g_file_read_link(link, NULL);
  if (!parent) /* a path too long to name: nothing of the tree's to clean */
    return __real_unlinkat(dirfd, path, flags);
  g_autofree char *dir = path[0] == '/' ? g_strdup(path) : g_build_filename(parent, path, NULL);
  return __wrap_rmdir(dir);
}
