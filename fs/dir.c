/* Directories are cgroups: attributes, listing, mkdir and rmdir; everything else is refused. */
#include <errno.h>
#include <string.h>

#include "fs.h"

/* A directory's attributes without loading its cgroup (find and ls -l stat thousands of
 * them): one stat of its directory, the identity check's when it is cached. */
static int getattr_dir(const FsPath *p, struct stat *st)
{
  FsDaemon *d = fs_daemon();
  g_autofree char *hpath = fs_path_in_hierarchy(d->root, p->cgroup);
  g_autoptr(GError) error = NULL;
  struct stat k;
  if (!cgfs_cache_stat(d->cache, CGFS_STATIC_PATH(hpath), &k, &error))
    return -fs_errno(error);
  fs_stat_dir(st, &k);
  return 0;
}

/* Parse @path; a negative errno on failure. */
int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
  g_autofree char *tmp = NULL;
  path = fs_request_path(path, fi, &tmp);
  if (!path)
    return -EBADF;
  if (fs_is_self(path))
    return fs_self_getattr(st);
  g_auto(FsPath) p = { 0 };
  int r = fs_resolve_place(path, &p);
  if (r < 0)
    return r;
  if (!p.node)
    return getattr_dir(&p, st);
  /* A node's: its kernel file's and the directory's, by path when the cgroup is not cached. */
  FsDaemon *d = fs_daemon();
  g_autofree char *hpath = fs_path_in_hierarchy(d->root, p.cgroup);
  const char *const *names =
    cgfs_hierarchy_version(d->h) == 2 ? p.node->mirror_v2 : p.node->mirror_v1;
  g_autoptr(GError) error = NULL;
  struct stat dir, file;
  gboolean found;
  if (!cgfs_cache_stat_node(d->cache, CGFS_STATIC_PATH(hpath), names, &dir, &file, &found, &error))
    return -fs_errno(error);
  fs_stat_node(p.node, &dir, found ? &file : NULL, st);
  return 0;
}

/* The child cgroups of @p's directory: a leaf that is not cached is known without loading it
 * (a find passes every directory once). */
static char **children_of(const FsPath *p, GError **error)
{
  FsDaemon *d = fs_daemon();
  g_autofree char *hpath = fs_path_in_hierarchy(d->root, p->cgroup);
  return cgfs_cache_children_of(d->cache, CGFS_STATIC_PATH(hpath), error);
}

typedef struct {
  guint32 magic; /* FS_DIR_MAGIC */
  char *path;
} FsDirHandle;

int fs_opendir(const char *path, struct fuse_file_info *fi)
{
  FsDirHandle *h = g_new(FsDirHandle, 1);
  h->magic = FS_DIR_MAGIC;
  h->path = g_strdup(path);
  fi->fh = (uintptr_t)h;
  return 0;
}

int fs_releasedir(const char *path, struct fuse_file_info *fi)
{
  FsDirHandle *h = (FsDirHandle *)(uintptr_t)fi->fh;
  g_free(h->path);
  h->magic = 0;
  g_free(h);
  return 0;
}

const char *fs_dir_handle_path(const struct fuse_file_info *fi)
{
  const FsDirHandle *h = fi ? (const FsDirHandle *)(uintptr_t)fi->fh : NULL;
  return h && h->magic == FS_DIR_MAGIC ? h->path : NULL;
}

int fs_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
               struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
  if (!path) /* nullpath_ok: the one opendir kept */
    path = fs_dir_handle_path(fi);
  if (!path)
    return -EBADF;
  g_auto(FsPath) p = { 0 };
  int r = fs_resolve_place(path, &p);
  if (r < 0)
    return r;
  g_autoptr(GError) error = NULL;
  if (p.node) { /* ENOENT first if the cgroup is gone, as before */
    g_autoptr(CgfsCgroup) cg = fs_load(fs_daemon(), p.cgroup, NULL, &error);
    return cg ? -ENOTDIR : -fs_errno(error);
  }
  g_auto(GStrv) children = children_of(&p, &error);
  if (!children)
    return -fs_errno(error);
  /* The entries' types (d_type), so that find and ls -F need not stat every one. */
  const struct stat dir = { .st_mode = S_IFDIR }, file = { .st_mode = S_IFREG };
  filler(buf, ".", &dir, 0, 0);
  filler(buf, "..", &dir, 0, 0);
  gboolean bare = p.place == CGFS_NS_ABOVE; /* on the way to the caller's namespace root */
  for (const FsNode *const *n = fs_nodes(); *n && !bare; n++)
    filler(buf, (*n)->name, &file, 0, 0);
  gboolean root = strcmp(p.cgroup, "/") == 0;
  if (root) {
    const struct stat link = { .st_mode = S_IFLNK };
    filler(buf, FS_SELF_NAME, &link, 0, 0);
  }
  /* A child cgroup named like a node (or "self" at the root) is hidden by it; below a bare
   * directory only the way on to the namespace's root is shown. */
  FsDaemon *d = fs_daemon();
  for (char **c = children; *c; c++) {
    if (fs_node_find(*c) || (root && strcmp(*c, FS_SELF_NAME) == 0))
      continue;
    g_autofree char *child = bare ? g_build_path("/", p.cgroup, *c, NULL) : NULL;
    if (!bare || fs_path_place(d, p.ns, child) != CGFS_NS_OUTSIDE)
      filler(buf, *c, &dir, 0, 0);
  }
  return 0;
}

/* The parent's FUSE path and the last name of @path ("/a/b" -> "/a", "b"). */
static void split_last(const char *path, char **parent, char **name)
{
  const char *slash = strrchr(path, '/');
  *parent = slash == path ? g_strdup("/") : g_strndup(path, (gsize)(slash - path));
  *name = g_strdup(slash + 1);
}

static int fail_in_parent(const char *path, const char *what, int code, const char *message)
{
  g_autofree char *parent = NULL, *name = NULL;
  split_last(path, &parent, &name);
  g_auto(FsPath) p = { 0 };
  g_autoptr(CgfsCgroup) cg = NULL;
  g_autofree char *hpath = NULL;
  g_autoptr(GError) error = g_error_new(CGFS_ERROR, code, "'%s': %s", name, message);
  int r = fs_resolve(parent, &p, &cg, &hpath);
  /* Outside the caller's cgroup namespace, or above its root: nothing there exists for it. */
  if (p.ns && !cgfs_ns_place_reachable(p.place))
    return -ENOENT;
  if (r < 0 || p.node)
    return -code;
  return fs_fail(fs_daemon(), cg, hpath, what, error);
}

int fs_mkdir(const char *path, mode_t mode)
{
  FsDaemon *d = fs_daemon();
  g_autofree char *parent_path = NULL, *name = NULL;
  split_last(path, &parent_path, &name);
  if (fs_node_find(name))
    return fail_in_parent(path, "mkdir", EEXIST, "the name of a node file");
  if (fs_is_self(path))
    return fail_in_parent(path, "mkdir", EEXIST, "the caller's link to its own cgroup");
  g_auto(FsPath) p = { 0 };
  g_autoptr(CgfsCgroup) parent = NULL;
  g_autofree char *hpath = NULL;
  int r = fs_resolve(parent_path, &p, &parent, &hpath);
  if (r < 0)
    return r;
  if (p.node)
    return -ENOTDIR;
  /* Above the caller's cgroup namespace root: only the way there exists for it. */
  if (!cgfs_ns_place_reachable(p.place))
    return fs_path_place(d, p.ns, path) == CGFS_NS_OUTSIDE ? -ENOENT : -EEXIST;
  g_autofree char *what = g_strdup_printf("mkdir %s", name);
  g_autoptr(GError) error = NULL;
  /* With the caller's credentials: the kernel checks write access to the parent in every
   * hierarchy, and makes a cgroup made by someone other than root belong to its maker. */
  g_auto(FsCaller) caller;
  fs_caller_init(&caller, &p);
  FsSavedCreds saved;
  if (!fs_caller_enter(&caller, &saved, &error))
    return fs_fail(d, parent, hpath, what, error);
  /* mkdir(2) itself says EEXIST: no separate look for the name first. The mode asked for
   * (umask applied by the kernel), as cgroupfs's mkdir takes it: `mkdir -m 700` checks the
   * result and would try chmod, which the tree refuses. The usual 0755 needs no object: the new
   * directories are not opened (the next request that needs them loads them). */
  gboolean plain = (mode & 07777) == 0755;
  g_autoptr(CgfsCgroup) cg = plain ? NULL : cgfs_cgroup_create_child(parent, name, &error);
  gboolean ok = plain ? cgfs_cgroup_make_child(parent, name, &error)
                      : cg && cgfs_cgroup_chmod_dir(cg, mode, &error);
  if (!ok && cg)
    cgfs_cgroup_delete(cg, NULL);
  fs_caller_leave(&saved);
  if (!ok)
    return fs_fail(d, parent, hpath, what, error);
  fs_audit(&caller, hpath, "made cgroup %s", name);
  fs_resolve_note_made(path, &p);
  return 0;
}

/* rmdir by path (cgfs_cgroup_remove): the cgroup is not loaded, its directories not opened. */
int fs_rmdir(const char *path)
{
  FsDaemon *d = fs_daemon();
  g_auto(FsPath) p = { 0 };
  int r = fs_resolve_place(path, &p);
  if (r < 0)
    return r;
  if (p.node)
    return -ENOTDIR;
  /* The root of the caller's cgroup namespace is the root of cgroupfs mounted there: the kernel
   * refuses to remove a mount point (EBUSY), and what is above it too. */
  if (p.place == CGFS_NS_ROOT || p.place == CGFS_NS_ABOVE)
    return -EBUSY;
  /* The mount's root never gets here: the kernel refuses rmdir of a mount point itself. */
  g_autofree char *hpath = fs_path_in_hierarchy(d->root, p.cgroup);
  g_autoptr(GError) error = NULL;
  g_auto(FsCaller) caller;
  fs_caller_init(&caller, &p);
  FsSavedCreds saved;
  gboolean ok = fs_caller_enter(&caller, &saved, &error);
  if (ok) {
    ok = cgfs_cgroup_remove(d->h, CGFS_STATIC_PATH(hpath), &error);
    fs_caller_leave(&saved);
  }
  if (!ok) { /* loaded now, for its last_error (kept by the directory's identity) */
    g_autoptr(CgfsCgroup) cg = fs_load(d, p.cgroup, NULL, NULL);
    return fs_fail(d, cg, hpath, "rmdir", error);
  }
  fs_audit(&caller, hpath, "removed the cgroup");
  cgfs_cache_forget(d->cache, hpath);
  fs_last_errors_forget(d->errors, hpath);
  return 0;
}

#define ONLY_CGROUPS "only cgroup directories can be made here (mkdir)"

int fs_refuse_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
  return fail_in_parent(path, "create", EPERM, ONLY_CGROUPS);
}

int fs_refuse_mknod(const char *path, mode_t mode, dev_t dev)
{
  return fail_in_parent(path, "mknod", EPERM, ONLY_CGROUPS);
}

int fs_refuse_symlink(const char *target, const char *path)
{
  return fail_in_parent(path, "symlink", EPERM, ONLY_CGROUPS);
}

int fs_refuse_link(const char *from, const char *to)
{
  return fail_in_parent(to, "link", EPERM, ONLY_CGROUPS);
}

int fs_refuse_rename(const char *from, const char *to, unsigned int flags)
{
  return fail_in_parent(from, "rename", EPERM, "cgroups and node files cannot be renamed");
}

int fs_refuse_unlink(const char *path)
{
  return fail_in_parent(path, "unlink", EPERM, "node files cannot be removed (rmdir removes a cgroup)");
}

int fs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
  g_autofree char *tmp = NULL;
  path = fs_request_path(path, fi, &tmp);
  if (!path)
    return -EBADF;
  return fail_in_parent(path, "chmod", EPERM, "modes mirror the kernel's cgroup files");
}

/* chown of a cgroup delegates it (cgfs_cgroup_delegate), with the caller's credentials: root
 * may, others get the kernel's EPERM. A node's owner mirrors its kernel file's. */
int fs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
  g_autofree char *tmp = NULL;
  path = fs_request_path(path, fi, &tmp);
  if (!path)
    return -EBADF;
  FsDaemon *d = fs_daemon();
  g_auto(FsPath) p = { 0 };
  g_autoptr(CgfsCgroup) cg = NULL;
  g_autofree char *hpath = NULL;
  int r = fs_resolve(path, &p, &cg, &hpath);
  if (r < 0)
    return r;
  if (p.node)
    return fail_in_parent(path, "chown", EPERM,
                          "a node's owner mirrors its kernel file; chown the directory to delegate");
  if (!cgfs_ns_place_reachable(p.place))
    return -ENOENT;
  g_autoptr(GError) error = NULL;
  g_auto(FsCaller) caller;
  fs_caller_init(&caller, &p);
  FsSavedCreds saved;
  if (!fs_caller_enter(&caller, &saved, &error))
    return fs_fail(d, cg, hpath, "chown", error);
  gboolean ok = cgfs_cgroup_delegate(cg, uid, gid, &error);
  fs_caller_leave(&saved);
  if (!ok)
    return fs_fail(d, cg, hpath, "chown", error);
  fs_audit(&caller, hpath, "delegated to %d:%d", (int)uid, (int)gid);
  return 0;
}

/* touch works and changes nothing: times mirror the kernel's files. */
int fs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
  g_autofree char *tmp = NULL;
  path = fs_request_path(path, fi, &tmp);
  if (!path)
    return -EBADF;
  g_auto(FsPath) p = { 0 };
  g_autoptr(CgfsCgroup) cg = NULL;
  return fs_resolve(path, &p, &cg, NULL);
}
