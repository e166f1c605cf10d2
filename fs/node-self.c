/* self: a symbolic link at the mount's root that leads each caller to its own cgroup, as
 * /proc/self does: its target is the caller's cgroup relative to the root ("a/b", or "." for the
 * root itself), so `cat self/procs`, `cd self` and `echo 0 > self/procs` need no path given out
 * of band. The kernel asks readlink for every lookup through it (FUSE does not cache link
 * targets unless asked to), so each caller gets its own. docs/tree.md. */
#include <errno.h>
#include <string.h>

#include "fs.h"

gboolean fs_is_self(const char *fuse_path)
{
  return strcmp(fuse_path, "/" FS_SELF_NAME) == 0;
}

int fs_self_getattr(struct stat *st)
{
  g_autoptr(GError) error = NULL;
  struct stat dir;
  FsDaemon *d = fs_daemon();
  g_autofree char *hpath = fs_path_in_hierarchy(d->root, "/");
  /* The root's attributes without loading it: one stat, the identity check's if cached. */
  if (!cgfs_cache_stat(d->cache, CGFS_STATIC_PATH(hpath), &dir, &error))
    return -fs_errno(error);
  fs_stat_from_kernel(st, &dir, S_IFLNK | 0777);
  return 0;
}

/* Where the caller is, in the mount's first hierarchy; ENOENT outside the mount's root. */
int fs_readlink(const char *path, char *buf, size_t size)
{
  if (!fs_is_self(path))
    return -EINVAL;
  if (size == 0)
    return -EINVAL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CgfsCgroup) root = fs_load(fs_daemon(), "/", NULL, &error);
  g_autofree char *sub = root ? cgfs_cgroup_task_subpath(root, fuse_get_context()->pid, &error)
                              : NULL;
  if (!sub)
    return -fs_errno(error);
  g_strlcpy(buf, *sub ? sub : ".", size);
  return 0;
}
