/* The tree's shape: FUSE paths to {cgroup, node}, and the attributes of each node. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fs.h"

static const FsNode *const all_nodes[] = {
  &fs_node_resources,
  &fs_node_stats,
  &fs_node_metrics,
  &fs_node_procs,
  &fs_node_threads,
  &fs_node_state,
  &fs_node_events,
  &fs_node_kill,
  &fs_node_last_error,
  &fs_node_type,
  NULL,
};

const FsNode *const *fs_nodes(void)
{
  return all_nodes;
}

const FsNode *fs_node_find(const char *name)
{
  for (const FsNode *const *n = all_nodes; *n; n++)
    if (strcmp((*n)->name, name) == 0)
      return *n;
  return NULL;
}

void fs_path_clear(FsPath *p)
{
  g_clear_pointer(&p->cgroup, g_free);
  g_clear_pointer(&p->ns, cgfs_ns_root_unref);
  p->node = NULL;
}

/* The node named by the @len bytes at @name, or NULL. */
static const FsNode *node_find_n(const char *name, gsize len)
{
  /* the first byte first: most names are cgroups', which match no node */
  for (const FsNode *const *n = all_nodes; *n; n++)
    if ((*n)->name[0] == name[0] && strncmp((*n)->name, name, len) == 0 &&
        (*n)->name[len] == '\0')
      return *n;
  return NULL;
}

static gboolean is_name(const char *name, gsize len, const char *word)
{
  return len == strlen(word) && memcmp(name, word, len) == 0;
}

/* Every request parses its path: taken apart in place, one allocation (the cgroup's path, a
 * prefix of @fuse_path). A trailing slash is dropped once; every other empty name is ENOENT. */
gboolean fs_path_parse(const char *fuse_path, FsPath *out, GError **error)
{
  memset(out, 0, sizeof *out);
  if (!fuse_path || fuse_path[0] != '/') {
    g_set_error(error, CGFS_ERROR, ENOENT, "not an absolute path: '%s'", fuse_path ? fuse_path : "");
    return FALSE;
  }
  const char *names = fuse_path + 1;
  gsize len = strlen(names);
  gboolean any = len > 0;
  if (any && names[len - 1] == '/') /* a trailing slash */
    len--;
  gsize cgroup_len = 0; /* of names: the cgroup's part */
  for (gsize at = 0; any;) {
    const char *name = names + at;
    const char *slash = memchr(name, '/', len - at);
    gsize n = slash ? (gsize)(slash - name) : len - at;
    /* The root's "self" is the caller's link (node-self.c), resolved by the kernel, never a
     * cgroup: one of that name is hidden there. */
    if (n == 0 || is_name(name, n, ".") || is_name(name, n, "..") ||
        (at == 0 && is_name(name, n, FS_SELF_NAME))) {
      g_set_error(error, CGFS_ERROR, ENOENT, "'%s': no such cgroup or node", fuse_path);
      return FALSE;
    }
    const FsNode *node = node_find_n(name, n);
    if (node && slash) {
      g_set_error(error, CGFS_ERROR, ENOTDIR, "'%s': %.*s is a file", fuse_path, (int)n, name);
      return FALSE;
    }
    if (node) {
      out->node = node;
      break;
    }
    cgroup_len = at + n;
    if (!slash)
      break;
    at += n + 1;
  }
  out->cgroup = cgroup_len ? g_strndup(fuse_path, cgroup_len + 1) : g_strdup("/");
  out->place = CGFS_NS_INSIDE;
  return TRUE;
}

char *fs_path_in_hierarchy(const char *root, const char *rel)
{
  if (strcmp(rel, "/") == 0)
    return g_strdup(root);
  if (strcmp(root, "/") == 0)
    return g_strdup(rel);
  return g_strconcat(root, rel, NULL);
}

CgfsCgroup *fs_load_stat(FsDaemon *d, const char *rel, char **hpath, struct stat *st,
                         GError **error)
{
  g_autofree char *path = fs_path_in_hierarchy(d->root, rel);
  CgfsCgroup *cg = cgfs_cache_load_stat(d->cache, CGFS_STATIC_PATH(path), st, error);
  if (cg && hpath)
    *hpath = g_steal_pointer(&path);
  return cg;
}

CgfsCgroup *fs_load(FsDaemon *d, const char *rel, char **hpath, GError **error)
{
  return fs_load_stat(d, rel, hpath, NULL, error);
}

/* A descriptor the cache kept open was opened once by the daemon: a read through it saves the
 * open() whose permission check the kernel makes. A thread acting as a caller (fs_caller_enter
 * switches its uids, or a root caller's capabilities) gets that check here, against its own
 * credentials; the daemon acting as itself, root, reads as it would open (known without a
 * system call per file: a stats.json reads 26). */
gboolean fs_cache_may_read(int dirfd, const char *name, gpointer daemon)
{
  const FsDaemon *d = daemon;
  return (d->euid == 0 && !fs_caller_acting()) || cgfs_cache_may_read(dirfd, name, NULL);
}

CgfsNsPlace fs_path_place(FsDaemon *d, CgfsNsRoot *ns, const char *rel)
{
  if (!ns)
    return CGFS_NS_INSIDE;
  g_autofree char *hpath = fs_path_in_hierarchy(d->root, rel);
  CgfsNsPlace place = cgfs_ns_root_place(ns, hpath);
  return place == CGFS_NS_OUTSIDE && strcmp(rel, "/") == 0 ? CGFS_NS_ABOVE : place;
}

/* The caller's cgroup namespace as a successful mkdir resolved it, for the getattr of the new
 * directory that libfuse makes next in the same request and thread (fuse_lib_mkdir: mkdir, then
 * lookup_path → getattr of the very path it passed to mkdir), whose attributes are the reply's:
 * one namespace readlink per mkdir instead of two. Namespaces are resolved once per request: the
 * getattr is part of the mkdir's. Taken (and dropped if it does not match) by the next resolve
 * in this thread. */
typedef struct {
  gboolean set;
  const char *path; /* the request's path buffer: the same pointer, not only the same text */
  pid_t pid;
  CgfsNsRoot *ns; /* a reference; NULL: the daemon's namespace */
} MadeFor;
static __thread MadeFor made_for;

void fs_resolve_note_made(const char *path, const FsPath *parent)
{
  g_clear_pointer(&made_for.ns, cgfs_ns_root_unref);
  made_for = (MadeFor){ TRUE, path, fuse_get_context()->pid,
                        parent->ns ? cgfs_ns_root_ref(parent->ns) : NULL };
}

/* The namespace noted for @path by this request's mkdir, or the caller's read from /proc. */
static CgfsNsRoot *caller_ns(FsDaemon *d, const char *path)
{
  pid_t pid = fuse_get_context()->pid;
  MadeFor made = made_for;
  made_for = (MadeFor){ 0 };
  if (made.set && made.path == path && made.pid == pid)
    return made.ns;
  if (made.ns)
    cgfs_ns_root_unref(made.ns);
  return fs_cgroupns_root_of(d, pid);
}

int fs_resolve_place(const char *path, FsPath *p)
{
  g_autoptr(GError) error = NULL;
  if (!fs_path_parse(path, p, &error))
    return -fs_errno(error);
  FsDaemon *d = fs_daemon();
  /* A caller in a cgroup namespace reaches what cgroupfs mounted there shows: its namespace's
   * root and below. The directories on the way there are shown bare (no nodes) so that the
   * mount's paths stay the same for every caller; everything else does not exist for it. */
  p->ns = caller_ns(d, path);
  p->place = fs_path_place(d, p->ns, p->cgroup);
  if (p->place == CGFS_NS_OUTSIDE || (p->place == CGFS_NS_ABOVE && p->node))
    return -ENOENT;
  return 0;
}

int fs_resolve_stat(const char *path, FsPath *p, CgfsCgroup **cg, char **hpath, struct stat *st)
{
  int r = fs_resolve_place(path, p);
  if (r < 0)
    return r;
  g_autoptr(GError) error = NULL;
  *cg = fs_load_stat(fs_daemon(), p->cgroup, hpath, st, &error);
  return *cg ? 0 : -fs_errno(error);
}

int fs_resolve(const char *path, FsPath *p, CgfsCgroup **cg, char **hpath)
{
  return fs_resolve_stat(path, p, cg, hpath, NULL);
}

void fs_stat_from_kernel(struct stat *st, const struct stat *k, mode_t mode)
{
  memset(st, 0, sizeof *st);
  st->st_mode = mode;
  st->st_nlink = 1;
  st->st_uid = k->st_uid;
  st->st_gid = k->st_gid;
  st->st_atim = k->st_atim;
  st->st_mtim = k->st_mtim;
  st->st_ctim = k->st_ctim;
}

void fs_stat_dir(struct stat *st, const struct stat *k)
{
  *st = *k;
  st->st_mode = S_IFDIR | (k->st_mode & 07777);
  st->st_size = 0;
  st->st_blocks = 0;
  st->st_ino = 0;
}

void fs_stat_node(const FsNode *node, const struct stat *dir, const struct stat *file,
                  struct stat *st)
{
  /* A node whose kernel file is missing (the root cgroup, a missing controller) shows the
   * directory's owner, and cannot be written. */
  const struct stat *k = file ? file : dir;
  mode_t mask = file ? node->mask : node->mask & 0444;
  fs_stat_from_kernel(st, k,
                      S_IFREG | (node->read_by_writers ? (k->st_mode & 0222) << 1 : k->st_mode & mask));
  st->st_blksize = k->st_blksize;
}
