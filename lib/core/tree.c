/* A cgroup as a node of a file tree: children, stat and ownership over every hierarchy. */
#include "config-internal.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cgfs/tree.h>

#include "cgroup-private.h"
#include "fileio.h"

typedef struct {
  GHashTable *seen; /* borrows the names in @names */
  GPtrArray *names;
} ChildSet;

static CgfsWalk add_child(int dirfd, const struct dirent *e, gpointer data, GError **error)
{
  ChildSet *set = data;
  if (e->d_type != DT_DIR || g_hash_table_contains(set->seen, e->d_name))
    return CGFS_WALK_NEXT;
  char *name = g_strdup(e->d_name);
  g_ptr_array_add(set->names, name);
  g_hash_table_add(set->seen, name);
  return CGFS_WALK_NEXT;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A directory's link count is 2 plus its subdirectories (kernfs keeps it so, as do disk file
 * systems): a leaf cgroup, the most common kind, is known without listing its files. When in
 * doubt (fstat fails), list. */
static gboolean has_subdirs(int fd)
{
  struct stat st;
  return fstat(fd, &st) != 0 || st.st_nlink != 2;
}

char **cgfs_cgroup_children(CgfsCgroup *cg, GError **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  ChildSet set = { seen, names };
  for (guint i = 0; i < cg->dirs->len; i++) {
    const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, i);
    if (d->fd >= 0 && has_subdirs(d->fd) &&
        !cgfs_for_each_entry_at(d->fd, d->dir, add_child, &set, error))
      return NULL;
  }
  g_ptr_array_sort(names, compare_names);
  g_ptr_array_add(names, NULL);
  g_ptr_array_set_free_func(names, NULL);
  return (char **)g_ptr_array_free(g_steal_pointer(&names), FALSE);
}

gboolean cgfs_cgroup_stat(CgfsCgroup *cg, struct stat *st, GError **error)
{
  const CgfsCgroupDir *d = cgfs_cgroup_first_dir(cg);
  if (!d) {
    cgfs_set_error(error, ENOENT, "cgroup deleted: %s", cg->path);
    return FALSE;
  }
  if (fstat(d->fd, st) != 0)
    return cgfs_set_errno(error, "cannot stat %s", d->dir);
  return TRUE;
}

/* stat of @name in the first directory that has it; FALSE with errno ENOENT if none has. */
static gboolean stat_in_dirs(CgfsCgroup *cg, const char *name, struct stat *st, GError **error)
{
  for (guint i = 0; i < cg->dirs->len; i++) {
    const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, i);
    if (d->fd < 0)
      continue;
    if (fstatat(d->fd, name, st, AT_SYMLINK_NOFOLLOW) == 0)
      return TRUE;
    if (errno != ENOENT)
      return cgfs_set_errno(error, "cannot stat %s/%s", d->dir, name);
  }
  errno = ENOENT;
  return FALSE;
}

gboolean cgfs_cgroup_stat_file(CgfsCgroup *cg, const char *const *names, struct stat *st,
                               GError **error)
{
  for (const char *const *n = names; *n; n++) {
    if (stat_in_dirs(cg, *n, st, error))
      return TRUE;
    if (errno != ENOENT)
      return FALSE;
  }
  cgfs_set_error(error, ENOENT, "cgroup %s has none of the files %s%s", cg->path,
                 names[0] ? names[0] : "(none)", names[0] && names[1] ? ", ..." : "");
  return FALSE;
}

typedef struct {
  uid_t uid;
  gid_t gid;
  const char *dir;
} ChownTarget;

static CgfsWalk chown_file(int dirfd, const struct dirent *e, gpointer data, GError **error)
{
  const ChownTarget *t = data;
  if (e->d_type != DT_REG)
    return CGFS_WALK_NEXT;
  if (fchownat(dirfd, e->d_name, t->uid, t->gid, AT_SYMLINK_NOFOLLOW) != 0 && errno != ENOENT) {
    cgfs_set_errno(error, "cannot give %s/%s to %u:%u", t->dir, e->d_name, (unsigned)t->uid,
                   (unsigned)t->gid);
    return CGFS_WALK_FAIL;
  }
  return CGFS_WALK_NEXT;
}

gboolean cgfs_cgroup_chmod_dir(CgfsCgroup *cg, mode_t mode, GError **error)
{
  for (guint i = 0; i < cg->dirs->len; i++) {
    const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, i);
    if (d->fd < 0)
      continue;
    /* fchmodat() takes no AT_EMPTY_PATH before Linux 6.6: the O_PATH fd through /proc. */
    g_autofree char *self = g_strdup_printf("/proc/self/fd/%d", d->fd);
    if (chmod(self, mode & 07777) != 0)
      return cgfs_set_errno(error, "cannot set the mode of %s to %04o", d->dir,
                            (unsigned)(mode & 07777));
  }
  return TRUE;
}

gboolean cgfs_cgroup_delegate(CgfsCgroup *cg, uid_t uid, gid_t gid, GError **error)
{
  /* What systemd's Delegate=yes hands over: moving processes within and, on v2, enabling
   * controllers below; the cgroup's own limits stay with the delegator. */
  static const char *const v1_files[] = { "cgroup.procs", "tasks", NULL };
  static const char *const v2_files[] = { "cgroup.procs", "cgroup.threads",
                                          "cgroup.subtree_control", NULL };
  const char *const *files = cgfs_cgroup_version(cg) == 2 ? v2_files : v1_files;
  for (guint i = 0; i < cg->dirs->len; i++) {
    const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, i);
    if (d->fd < 0)
      continue;
    if (fchownat(d->fd, "", uid, gid, AT_EMPTY_PATH) != 0)
      return cgfs_set_errno(error, "cannot give %s to %d:%d", d->dir, (int)uid, (int)gid);
    for (const char *const *f = files; *f; f++)
      if (fchownat(d->fd, *f, uid, gid, AT_SYMLINK_NOFOLLOW) != 0 && errno != ENOENT)
        return cgfs_set_errno(error, "cannot give %s/%s to %d:%d", d->dir, *f, (int)uid,
                              (int)gid);
  }
  return TRUE;
}

gboolean cgfs_cgroup_chown(CgfsCgroup *cg, uid_t uid, gid_t gid, GError **error)
{
  for (guint i = 0; i < cg->dirs->len; i++) {
    const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, i);
    if (d->fd < 0)
      continue;
    ChownTarget t = { uid, gid, d->dir };
    if (fchownat(d->fd, "", uid, gid, AT_EMPTY_PATH) != 0)
      return cgfs_set_errno(error, "cannot give %s to %u:%u", d->dir, (unsigned)uid,
                            (unsigned)gid);
    if (!cgfs_for_each_entry_at(d->fd, d->dir, chown_file, &t, error))
      return FALSE;
  }
  return TRUE;
}
