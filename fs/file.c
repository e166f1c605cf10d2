/* Open files of the tree: a read snapshot taken at open(), a write buffer applied as units
 * complete (see write-buffer.h), errors kept as the directory's last_error. */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "fs.h"

struct _FsFile {
  gint ref;
  GMutex lock; /* FUSE may run two requests on one open file at once */
  FsDaemon *d;
  const FsNode *node;
  CgfsCgroup *cg;
  char *hpath;
  char *snapshot; /* NULL unless open for reading */
  gsize snapshot_len;
  FsWriteBuffer *wbuf; /* NULL unless open for writing */
  pid_t writer;        /* who wrote last, for "0" in procs */
  pid_t opener;        /* the thread that opened it: its close() ends what was written */
  FsEventsPoll *poll;  /* events, once polled */
};

FsDaemon *fs_daemon(void)
{
  return fuse_get_context()->private_data;
}

int fs_errno(const GError *error)
{
  if (error && error->domain == CGFS_ERROR && error->code > 0)
    return error->code;
  return EIO;
}

int fs_fail(FsDaemon *d, CgfsCgroup *cg, const char *hpath, const char *what,
            const GError *error)
{
  g_autofree char *message = g_strdup_printf("%s: %s", what, error->message);
  fs_last_errors_set(d->errors, cg, hpath, message);
  g_message("%s: %s", hpath, message);
  return -fs_errno(error);
}

FsFile *fs_file_ref(FsFile *f)
{
  g_atomic_int_inc(&f->ref);
  return f;
}

void fs_file_unref(FsFile *f)
{
  if (!f || !g_atomic_int_dec_and_test(&f->ref))
    return;
  fs_events_poll_free(f->poll);
  fs_write_buffer_free(f->wbuf);
  g_free(f->snapshot);
  g_free(f->hpath);
  cgfs_cgroup_unref(f->cg);
  g_mutex_clear(&f->lock);
  g_free(f);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(FsFile, fs_file_unref)

static FsFile *file_of(struct fuse_file_info *fi)
{
  return (FsFile *)(uintptr_t)fi->fh;
}

static FsRequest request_for(FsFile *f, pid_t caller)
{
  return (FsRequest){ f->d, f->cg, f->hpath, caller };
}

static gboolean take_snapshot(FsFile *f, GError **error)
{
  FsRequest rq = request_for(f, fuse_get_context()->pid);
  gsize len = 0;
  char *text = f->node->read(&rq, &len, error);
  if (!text)
    return FALSE;
  g_free(f->snapshot);
  f->snapshot = text;
  f->snapshot_len = len;
  return TRUE;
}

/* Refuse what the node cannot do, as cgroupfs does for its own files (even for root). */
static int check_access(FsDaemon *d, CgfsCgroup *cg, const FsNode *node, const char *hpath,
                        int flags)
{
  int acc = flags & O_ACCMODE;
  g_autoptr(GError) error = NULL;
  if (acc != O_RDONLY && !node->write) {
    g_set_error(&error, CGFS_ERROR, EACCES, "read-only: it cannot be opened for writing");
    return fs_fail(d, cg, hpath, node->name, error);
  }
  if (acc != O_WRONLY && !node->read)
    return -EACCES;
  return 0;
}

int fs_open(const char *path, struct fuse_file_info *fi)
{
  FsDaemon *d = fs_daemon();
  g_auto(FsPath) p = { 0 };
  g_autoptr(CgfsCgroup) cg = NULL;
  g_autofree char *hpath = NULL;
  int r = fs_resolve(path, &p, &cg, &hpath);
  if (r < 0)
    return r;
  if (!p.node)
    return -EISDIR;
  r = check_access(d, cg, p.node, hpath, fi->flags);
  if (r < 0)
    return r;
  g_autoptr(GError) error = NULL;
  g_autoptr(FsFile) f = g_new0(FsFile, 1);
  f->ref = 1;
  g_mutex_init(&f->lock);
  f->d = d;
  f->node = p.node;
  f->cg = g_steal_pointer(&cg);
  f->hpath = g_steal_pointer(&hpath);
  f->opener = fuse_get_context()->pid;
  if ((fi->flags & O_ACCMODE) != O_WRONLY && !take_snapshot(f, &error)) {
    g_debug("%s/%s: %s", f->hpath, f->node->name, error->message);
    return -fs_errno(error);
  }
  if ((fi->flags & O_ACCMODE) != O_RDONLY)
    f->wbuf = fs_write_buffer_new(p.node->write_kind);
  /* A reader has its snapshot: the cgroup's directory fds (one per hierarchy) are only kept by
   * writers and by events, which reads again after poll(). */
  if (!f->wbuf && p.node != &fs_node_events)
    g_clear_pointer(&f->cg, cgfs_cgroup_unref);
  fi->direct_io = 1; /* generated content: never cached, size unknown */
  fi->noflush = !f->wbuf; /* nothing to apply at close(): spare the round trip */
  fi->fh = (uintptr_t)g_steal_pointer(&f);
  return 0;
}

int fs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
  FsFile *f = file_of(fi);
  g_autoptr(GError) error = NULL;
  g_mutex_lock(&f->lock);
  int r;
  if (!f->snapshot)
    r = -EBADF;
  else if (off == 0 && fs_events_take_change(f->poll) && !take_snapshot(f, &error))
    r = -fs_errno(error);
  else if ((gsize)off >= f->snapshot_len)
    r = 0;
  else {
    gsize n = MIN(size, f->snapshot_len - (gsize)off);
    memcpy(buf, f->snapshot + off, n);
    r = (int)n;
  }
  g_mutex_unlock(&f->lock);
  return r;
}

/* Give the units that are complete to the node, once the word the write left unfinished is
 * known to be able to become a valid one: a write is checked whole before anything of it is
 * applied. A refusal becomes last_error, and the buffer forgets the refused input. */
static int apply(FsFile *f, GPtrArray *units)
{
  g_autoptr(GError) error = NULL;
  const char *partial = fs_write_buffer_partial(f->wbuf);
  gboolean ok = TRUE;
  if (partial && *partial && f->node->check_partial)
    ok = f->node->check_partial(partial, &error);
  if (ok && units->len > 0) {
    FsRequest rq = request_for(f, f->writer);
    ok = f->node->write(&rq, (char **)units->pdata, units->len, &error);
  }
  if (ok)
    return 0;
  fs_write_buffer_refuse(f->wbuf, error);
  return fs_fail(f->d, f->cg, f->hpath, f->node->name, error);
}

int fs_write(const char *path, const char *buf, size_t size, off_t off,
             struct fuse_file_info *fi)
{
  FsFile *f = file_of(fi);
  g_autoptr(GPtrArray) units = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;
  g_mutex_lock(&f->lock);
  int r;
  f->writer = fuse_get_context()->pid;
  if (!f->wbuf)
    r = -EBADF;
  else if (fs_write_buffer_error(f->wbuf)) {
    fs_write_buffer_feed(f->wbuf, buf, size, units, &error);
    r = -fs_errno(error); /* the document's own error again: last_error already says it */
  } else if (!fs_write_buffer_feed(f->wbuf, buf, size, units, &error))
    r = fs_fail(f->d, f->cg, f->hpath, f->node->name, error);
  else
    r = apply(f, units);
  g_mutex_unlock(&f->lock);
  return r < 0 ? r : (int)size;
}

/* The thread's Tgid from /proc, or 0. */
static pid_t tgid_of(pid_t tid)
{
  g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)tid);
  g_autofree char *text = NULL;
  if (tid <= 0 || !g_file_get_contents(path, &text, NULL, NULL))
    return 0;
  const char *line = strstr(text, "\nTgid:");
  return line ? (pid_t)g_ascii_strtoll(line + 6, NULL, 10) : 0;
}

/* Whether the close() comes from the process that opened the file. flush() is called for every
 * close of every descriptor of an open file: a command of `{ printf '{'; jq ...; printf '}'; }
 * > resources.json` exits with the document half written, and the shell writes the rest. The
 * opener (the shell there; the writing process for echo, tee, dd, cp, Python, C stdio) closes
 * last, and its close() is the one whose error a writer sees. */
static gboolean closed_by_opener(FsFile *f)
{
  pid_t closer = fuse_get_context()->pid;
  if (f->opener <= 0 || closer <= 0)
    return FALSE;
  if (closer == f->opener)
    return TRUE;
  pid_t tgid = tgid_of(closer);
  return tgid > 0 && tgid == tgid_of(f->opener);
}

/* The writing ends: the last word is applied, an unfinished document refused. */
static int finish(FsFile *f)
{
  g_autoptr(GPtrArray) units = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;
  if (!fs_write_buffer_flush(f->wbuf, units, &error))
    return fs_fail(f->d, f->cg, f->hpath, f->node->name, error);
  return apply(f, units);
}

int fs_flush(const char *path, struct fuse_file_info *fi)
{
  FsFile *f = file_of(fi);
  if (!f->wbuf)
    return 0;
  g_mutex_lock(&f->lock);
  int r = 0;
  if (!fs_write_buffer_unfinished(f->wbuf) || closed_by_opener(f))
    r = finish(f);
  g_mutex_unlock(&f->lock);
  return r;
}

int fs_release(const char *path, struct fuse_file_info *fi)
{
  FsFile *f = file_of(fi);
  if (f->d->watcher)
    fs_watcher_remove(f->d->watcher, f);
  /* The last close: what is still unfinished ends here (its error only in last_error and the
   * log: release() returns nothing to anyone). */
  if (f->wbuf) {
    g_mutex_lock(&f->lock);
    finish(f);
    g_mutex_unlock(&f->lock);
  }
  /* A call-back already running holds a reference; the last one frees. */
  fs_file_unref(f);
  return 0;
}

int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
  g_auto(FsPath) p = { 0 };
  g_autoptr(CgfsCgroup) cg = NULL;
  g_autofree char *hpath = NULL;
  int r = fs_resolve(path, &p, &cg, &hpath);
  if (r < 0)
    return r;
  if (!p.node)
    return -EISDIR;
  /* O_TRUNC and truncate are accepted on writable nodes and change nothing: every write
   * replaces, as in cgroupfs. */
  return check_access(fs_daemon(), cg, p.node, hpath, O_WRONLY);
}

int fs_poll(const char *path, struct fuse_file_info *fi, struct fuse_pollhandle *ph,
            unsigned *reventsp)
{
  FsFile *f = file_of(fi);
  if (f->node != &fs_node_events) {
    if (ph)
      fuse_pollhandle_destroy(ph);
    *reventsp = (f->snapshot ? POLLIN | POLLRDNORM : 0) | (f->wbuf ? POLLOUT | POLLWRNORM : 0);
    return 0;
  }
  g_mutex_lock(&f->lock);
  int r = fs_events_poll(f->d, f, f->cg, f->snapshot, &f->poll, ph, reventsp);
  g_mutex_unlock(&f->lock);
  return r;
}

gboolean fs_file_events_woke(FsFile *f)
{
  g_mutex_lock(&f->lock);
  gboolean keep = f->poll && fs_events_changed(f->poll, f->cg, f->snapshot);
  g_mutex_unlock(&f->lock);
  return keep;
}
