/* The caller's cgroup namespace: which part of the mount it reaches (docs/security.md, "Cgroup
 * namespaces").
 *
 * A caller in the daemon's own cgroup namespace (nearly every one) reaches the whole mount; the
 * check costs one readlink() of /proc/PID/ns/cgroup ("cgroup:[INODE]"), compared with the
 * daemon's own (half the cost of a stat() there, which follows the link into nsfs). For a caller
 * in another namespace the namespace's root is found once per namespace and kept: its
 * /proc/PID/cgroup read by the daemon gives absolute paths, read by a thread that entered the
 * caller's namespace (setns() of a cgroup namespace changes only the calling thread) gives them
 * relative to the namespace's root, and the root is the difference (cgfs/cgroupns.h). A kept
 * entry holds the namespace open: its inode number, the key, cannot be given to a new
 * namespace while the entry exists. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"

typedef struct {
  int fd;           /* the namespace, held open */
  CgfsNsRoot *root;
  guint64 used;     /* the clock at its last use, for eviction */
} NsEntry;

struct _FsCgroupNs {
  guint64 ino; /* the daemon's own namespace */
  GMutex lock;
  GHashTable *entries; /* guint64 inode -> NsEntry */
  guint64 clock;
};

static void entry_free(NsEntry *e)
{
  close(e->fd);
  cgfs_ns_root_unref(e->root);
  g_free(e);
}

/* The inode of the namespace link @link names, or 0. */
static guint64 ns_inode(const char *link)
{
  return fs_ns_link_inode(link, "cgroup");
}

FsCgroupNs *fs_cgroupns_new(void)
{
  /* A kernel without cgroup namespaces: every caller is in the daemon's (none). */
  guint64 own = ns_inode("/proc/thread-self/ns/cgroup");
  if (!own)
    return NULL;
  FsCgroupNs *ns = g_new0(FsCgroupNs, 1);
  ns->ino = own;
  g_mutex_init(&ns->lock);
  ns->entries = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                      (GDestroyNotify)entry_free);
  return ns;
}

void fs_cgroupns_free(FsCgroupNs *ns)
{
  if (!ns)
    return;
  g_hash_table_unref(ns->entries);
  g_mutex_clear(&ns->lock);
  g_free(ns);
}

/* @file read by this thread from inside namespace @nsfd. The thread enters it only for the
 * read, and must come back: one that cannot would answer later callers from the wrong
 * namespace, so the daemon stops instead. */
static char *read_in_ns(int nsfd, const char *file, GError **error)
{
  int own = open("/proc/thread-self/ns/cgroup", O_RDONLY | O_CLOEXEC);
  if (own < 0 || setns(nsfd, CLONE_NEWCGROUP) != 0) {
    g_set_error(error, CGFS_ERROR, errno, "cannot enter the caller's cgroup namespace: %s",
                g_strerror(errno));
    if (own >= 0)
      close(own);
    return NULL;
  }
  char *text = NULL;
  gboolean ok = g_file_get_contents(file, &text, NULL, NULL);
  if (setns(own, CLONE_NEWCGROUP) != 0) {
    g_critical("cannot return to the daemon's cgroup namespace: %s; stopping", g_strerror(errno));
    abort();
  }
  close(own);
  if (!ok)
    g_set_error(error, CGFS_ERROR, ESRCH, "%s: gone", file);
  return text;
}

/* The root of @pid's namespace (@nsfd), from /proc/PID/cgroup read outside and inside it; read
 * again outside to be sure the process did not move in between. */
static CgfsNsRoot *find_root(FsDaemon *d, pid_t pid, int nsfd, GError **error)
{
  g_autofree char *file = g_strdup_printf("/proc/%d/cgroup", (int)pid);
  for (int attempt = 0; attempt < 3; attempt++) {
    g_autofree char *before = NULL, *inside = NULL, *after = NULL;
    if (!g_file_get_contents(file, &before, NULL, NULL) ||
        !(inside = read_in_ns(nsfd, file, error)) ||
        !g_file_get_contents(file, &after, NULL, NULL)) {
      if (error && !*error)
        g_set_error(error, CGFS_ERROR, ESRCH, "process %d: gone", (int)pid);
      return NULL;
    }
    if (strcmp(before, after) == 0)
      return cgfs_ns_root_new(d->h, before, inside, error);
  }
  g_set_error(error, CGFS_ERROR, EAGAIN, "process %d keeps moving", (int)pid);
  return NULL;
}

static gboolean same_ns(int fd, const struct stat *st)
{
  struct stat now;
  return fstat(fd, &now) == 0 && now.st_dev == st->st_dev && now.st_ino == st->st_ino;
}

/* Keep @e; the least recently used goes when there are too many. */
static void keep(FsCgroupNs *ns, guint64 ino, NsEntry *e)
{
  if (g_hash_table_size(ns->entries) >= FS_CGROUPNS_MAX) {
    GHashTableIter it;
    gpointer key, value, oldest = NULL;
    guint64 oldest_used = G_MAXUINT64;
    g_hash_table_iter_init(&it, ns->entries);
    while (g_hash_table_iter_next(&it, &key, &value)) {
      if (((NsEntry *)value)->used < oldest_used) {
        oldest_used = ((NsEntry *)value)->used;
        oldest = key;
      }
    }
    g_hash_table_remove(ns->entries, oldest);
  }
  g_hash_table_insert(ns->entries, g_memdup2(&ino, sizeof ino), e);
}

/* A namespace not seen before (or evicted since): find its root and keep it. */
static CgfsNsRoot *learn(FsDaemon *d, pid_t pid, const char *link)
{
  FsCgroupNs *ns = d->cgroupns;
  g_autoptr(GError) error = NULL;
  struct stat st;
  int fd = open(link, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fstat(fd, &st) != 0) {
    if (fd >= 0)
      close(fd);
    return cgfs_ns_root_new_none(d->h);
  }
  CgfsNsRoot *root = find_root(d, pid, fd, &error);
  /* The pid could have been reused by a process of another namespace meanwhile. */
  struct stat again;
  if (root && (stat(link, &again) != 0 || !same_ns(fd, &again))) {
    g_clear_pointer(&root, cgfs_ns_root_unref);
    g_set_error(&error, CGFS_ERROR, ESRCH, "process %d left its namespace", (int)pid);
  }
  if (!root) {
    /* Reaches nothing rather than everything: kept too, so that it is not asked again. */
    g_message("cgroup namespace %lu of process %d: %s; it reaches nothing of the mount",
              (unsigned long)st.st_ino, (int)pid, error->message);
    root = cgfs_ns_root_new_none(d->h);
  }
  NsEntry *e = g_new0(NsEntry, 1);
  e->fd = fd;
  e->root = cgfs_ns_root_ref(root);
  guint64 ino = st.st_ino;
  g_mutex_lock(&ns->lock);
  e->used = ++ns->clock;
  if (g_hash_table_contains(ns->entries, &ino))
    entry_free(e); /* another thread learnt it meanwhile */
  else
    keep(ns, ino, e);
  g_mutex_unlock(&ns->lock);
  return root;
}

/* Once per daemon: a daemon without CAP_SYS_PTRACE (a container's) may not read the namespaces
 * of a caller with more capabilities or another uid, and such callers reach nothing. */
static void warn_uninspectable(pid_t pid)
{
  static gint warned;
  gboolean refused = errno == EACCES || errno == EPERM;
  if (pid > 0 && refused && g_atomic_int_compare_and_exchange(&warned, 0, 1))
    g_warning("cannot read /proc/%d/ns/cgroup (%s): callers the daemon may not inspect reach "
              "nothing of the mount; give it CAP_SYS_PTRACE", (int)pid, g_strerror(errno));
}

CgfsNsRoot *fs_cgroupns_root_of(FsDaemon *d, pid_t pid)
{
  FsCgroupNs *ns = d->cgroupns;
  if (!ns)
    return NULL;
  char link[48];
  fs_ns_link(link, sizeof link, pid, "cgroup");
  /* A caller the daemon cannot see (pid 0: another pid namespace) or inspect reaches nothing. */
  guint64 ino = pid > 0 ? ns_inode(link) : 0;
  if (!ino) {
    warn_uninspectable(pid);
    return cgfs_ns_root_new_none(d->h);
  }
  if (ino == ns->ino)
    return NULL;
  g_mutex_lock(&ns->lock);
  NsEntry *e = g_hash_table_lookup(ns->entries, &ino);
  CgfsNsRoot *root = e ? cgfs_ns_root_ref(e->root) : NULL;
  if (e)
    e->used = ++ns->clock;
  g_mutex_unlock(&ns->lock);
  return root ? root : learn(d, pid, link);
}

gboolean fs_cgroupns_check_root_write(FsRequest *rq, GError **error)
{
  CgfsNsRoot *ns = rq->who->ns_root;
  if (!ns || cgfs_cgroup_version(rq->cg) != 2 || cgfs_ns_root_place(ns, rq->path) != CGFS_NS_ROOT)
    return TRUE;
  g_set_error(error, CGFS_ERROR, EPERM,
              "%s is the root of the writer's cgroup namespace: from inside it, only its procs "
              "and threads may be written (cgroup2's nsdelegate rule)", rq->path);
  return FALSE;
}
