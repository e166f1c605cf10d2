/* Open files of the tree: a read snapshot taken at open(), a write buffer applied as units
 * complete (see write-buffer.h), errors kept as the directory's last_error. */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "fs.h"

struct _FsFile {
  guint32 magic; /* FS_FILE_MAGIC, first: fs_request_path() tells the handle's kind by it */
  gint ref;
  GMutex lock; /* FUSE may run two requests on one open file at once */
  FsDaemon *d;
  const FsNode *node;
  /* No cgroup object (it holds a directory fd per hierarchy) between requests: each request
   * loads the cgroup again, and its identity tells a cgroup made again under the same name. */
  char *rel;   /* the cgroup's path in the mount */
  char *hpath; /* and in the hierarchy */
  dev_t dev;
  ino_t ino;
  char *snapshot; /* NULL unless open for reading */
  gsize snapshot_len;
  FsWriteBuffer *wbuf; /* NULL unless open for writing */
  GPtrArray *units;    /* and the units a request completed: one array per open file, emptied
                        * after each request (under the lock), not one per request */
  pid_t writer;        /* who wrote last, for "0" in procs */
  uid_t writer_uid;
  FsCaller opener;     /* whose credentials changes are made with, as cgroupfs uses the opener's */
  FsEventsPoll *poll;  /* events, once polled */
  /* What the file counts in its opener's fair share (fair-share.c): one open file, the bytes
   * its write buffer holds, one poller once polled. */
  uid_t uid;
  guint64 charged;
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

/* Cut @message to FS_ERROR_MESSAGE_MAX bytes, at a character boundary: a message may quote
 * what was written, and each directory keeps one. */
static void cut_message(char *message)
{
  gsize n = strlen(message);
  if (n <= FS_ERROR_MESSAGE_MAX)
    return;
  n = FS_ERROR_MESSAGE_MAX - 3;
  while (n > 0 && ((guchar)message[n] & 0xC0) == 0x80)
    n--;
  strcpy(message + n, "...");
}

int fs_fail(FsDaemon *d, CgfsCgroup *cg, const char *hpath, const char *what,
            const GError *error)
{
  g_autofree char *message = g_strdup_printf("%s: %s", what, error->message);
  cut_message(message);
  fs_last_errors_set(d->errors, cg, hpath, message);
  g_message("%s: %s", hpath, message);
  /* The cache checks a cgroup's first directory on every lookup; one removed and made again in
   * another hierarchy only answers ENOENT (or, for a limit, EOPNOTSUPP: no such file) through
   * the old directory fd. Load it afresh next time. */
  int code = fs_errno(error);
  if (code == ENOENT || code == ENODEV || code == EOPNOTSUPP)
    cgfs_cache_forget(d->cache, hpath);
  return -code;
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
  FsFairShare *share = f->d->share;
  fs_fair_share_give(share, f->uid, FS_SHARE_OPEN_FILES, 1);
  fs_fair_share_give(share, f->uid, FS_SHARE_PENDING_BYTES, f->charged);
  fs_fair_share_give(share, f->uid, FS_SHARE_SNAPSHOT_BYTES, f->snapshot_len);
  if (f->poll)
    fs_fair_share_give(share, f->uid, FS_SHARE_POLLERS, 1);
  fs_events_poll_free(f->poll);
  fs_caller_clear(&f->opener);
  fs_write_buffer_free(f->wbuf);
  if (f->units)
    g_ptr_array_unref(f->units);
  g_free(f->snapshot);
  g_free(f->hpath);
  g_free(f->rel);
  g_mutex_clear(&f->lock);
  f->magic = 0;
  g_free(f);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(FsFile, fs_file_unref)

static FsFile *file_of(struct fuse_file_info *fi)
{
  return (FsFile *)(uintptr_t)fi->fh;
}

const char *fs_request_path(const char *path, struct fuse_file_info *fi, char **tmp)
{
  if (path || !fi || !fi->fh)
    return path;
  if (*(const guint32 *)(uintptr_t)fi->fh == FS_DIR_MAGIC)
    return fs_dir_handle_path(fi);
  FsFile *f = file_of(fi);
  if (f->magic != FS_FILE_MAGIC)
    return NULL;
  /* rel is the opened path's cgroup part ("/" or "/a/b"), the node its last name */
  *tmp = g_strconcat(strcmp(f->rel, "/") == 0 ? "" : f->rel, "/", f->node->name, NULL);
  return *tmp;
}

static FsRequest request_for(FsFile *f, CgfsCgroup *cg, pid_t caller)
{
  return (FsRequest){ f->d, cg, f->hpath, caller, &f->opener };
}

static gboolean same_cgroup(CgfsCgroup *cg, dev_t dev, ino_t ino)
{
  struct stat st;
  return cgfs_cgroup_stat(cg, &st, NULL) && st.st_dev == dev && st.st_ino == ino;
}

/* The open file's cgroup, for one request; ENOENT once it was deleted, even if a cgroup of the
 * same name was made since. */
static CgfsCgroup *load_cgroup(FsFile *f, GError **error)
{
  struct stat st;
  g_autoptr(CgfsCgroup) cg = fs_load_stat(f->d, f->rel, NULL, &st, error);
  if (cg && (st.st_dev != f->dev || st.st_ino != f->ino)) {
    g_set_error(error, CGFS_ERROR, ENOENT, "cgroup deleted since the file was opened: %s",
                f->hpath);
    return NULL;
  }
  return g_steal_pointer(&cg);
}

/* The open file's cgroup for a write: the cached one the open saw (same directory), taken
 * without a stat of its path. Its directory descriptors name that directory whatever became
 * of the path since, so a write to a cgroup deleted since the open is refused by the kernel
 * (ENOENT, or ENODEV through a kept descriptor) and changes nothing; refused_as_deleted() then
 * tells it as load_cgroup() would have. Otherwise (not cached: load_cgroup()) one stat.
 * *@unchecked: the identity was not checked now. */
static CgfsCgroup *cgroup_for_write(FsFile *f, gboolean *unchecked, GError **error)
{
  CgfsCgroup *cg = cgfs_cache_get_same(f->d->cache, f->hpath, f->dev, f->ino);
  *unchecked = cg != NULL;
  return cg ? cg : load_cgroup(f, error);
}

/* A write through a cgroup taken unchecked was refused as a missing file or device: if the
 * cgroup was deleted since the open (or made again), *@error becomes load_cgroup()'s ENOENT,
 * the answer the write would have had with the stat first. FALSE: *@error stands. */
static gboolean refused_as_deleted(FsFile *f, GError **error)
{
  if ((*error)->code != ENOENT && (*error)->code != ENODEV)
    return FALSE;
  GError *gone = NULL;
  g_autoptr(CgfsCgroup) now = load_cgroup(f, &gone);
  if (now)
    return FALSE;
  g_clear_error(error);
  g_propagate_error(error, gone);
  return TRUE;
}

static gboolean take_snapshot(FsFile *f, CgfsCgroup *cg, GError **error)
{
  if (fs_fair_share_refused(f->d->share, f->uid, FS_SHARE_SNAPSHOT_BYTES, error))
    return FALSE;
  FsRequest rq = request_for(f, cg, fuse_get_context()->pid);
  gsize len = 0;
  char *text = f->node->read(&rq, &len, error);
  if (!text)
    return FALSE;
  /* What a reader holds counts in its opener's share: a large metrics.prom opened many times.
   * Kept at its exact size, so that the count is what it costs (a GString's buffer can be
   * twice its content). */
  text = g_realloc(text, len + 1);
  if (!fs_fair_share_take(f->d->share, f->uid, FS_SHARE_SNAPSHOT_BYTES, len, error)) {
    g_free(text);
    return FALSE;
  }
  fs_fair_share_give(f->d->share, f->uid, FS_SHARE_SNAPSHOT_BYTES, f->snapshot_len);
  g_free(f->snapshot);
  f->snapshot = text;
  f->snapshot_len = len;
  return TRUE;
}

/* The snapshot at open(). The cgroup, from the daemon's cache, was checked to be the same
 * directory just now (through its first hierarchy); if one of its directories went away since,
 * or was made again in some hierarchies only, the kernel answers ENOENT or ENODEV: load it
 * afresh once, as if it had not been cached, and read again if it is still the same cgroup. */
static gboolean take_first_snapshot(FsFile *f, CgfsCgroup *cg, GError **error)
{
  GError *local = NULL;
  if (take_snapshot(f, cg, &local))
    return TRUE;
  if (local->code != ENOENT && local->code != ENODEV) {
    g_propagate_error(error, local);
    return FALSE;
  }
  cgfs_cache_forget(f->d->cache, f->hpath);
  g_autoptr(CgfsCgroup) again = fs_load(f->d, f->rel, NULL, NULL);
  if (!again || !same_cgroup(again, f->dev, f->ino)) {
    g_propagate_error(error, local);
    return FALSE;
  }
  g_error_free(local);
  return take_snapshot(f, again, error);
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
  struct stat st;
  int r = fs_resolve_stat(path, &p, &cg, &hpath, &st);
  if (r < 0)
    return r;
  if (!p.node)
    return -EISDIR;
  r = check_access(d, cg, p.node, hpath, fi->flags);
  if (r < 0)
    return r;
  g_autoptr(GError) error = NULL;
  uid_t uid = fuse_get_context()->uid;
  if (!fs_fair_share_take(d->share, uid, FS_SHARE_OPEN_FILES, 1, &error))
    return fs_fail(d, cg, hpath, p.node->name, error);
  /* From here the file holds its share; the last unref gives it back. */
  g_autoptr(FsFile) f = g_new0(FsFile, 1);
  f->magic = FS_FILE_MAGIC;
  f->ref = 1;
  g_mutex_init(&f->lock);
  f->d = d;
  f->uid = uid;
  f->node = p.node;
  f->dev = st.st_dev;
  f->ino = st.st_ino;
  f->rel = g_steal_pointer(&p.cgroup);
  f->hpath = g_steal_pointer(&hpath);
  /* The opener's groups or capabilities only for a file that may act with them: a write, or a
   * read done as the opener (stats.json, resources.json). */
  if ((fi->flags & O_ACCMODE) != O_RDONLY || !p.node->read_as_daemon)
    fs_caller_init(&f->opener, &p);
  else
    fs_caller_init_id(&f->opener, &p);
  if ((fi->flags & O_ACCMODE) != O_WRONLY && !take_first_snapshot(f, cg, &error)) {
    g_debug("%s/%s: %s", f->hpath, f->node->name, error->message);
    return -fs_errno(error);
  }
  if ((fi->flags & O_ACCMODE) != O_RDONLY) {
    f->wbuf = fs_write_buffer_new(p.node->write_kind);
    f->units = g_ptr_array_new_with_free_func(g_free);
  }
  fi->direct_io = 1; /* generated content: never cached, size unknown */
  fi->noflush = !f->wbuf; /* nothing to apply at close(): spare the round trip */
  fi->fh = (uintptr_t)g_steal_pointer(&f);
  return 0;
}

/* events after poll() reported a change: read the kernel again. */
static gboolean resnapshot(FsFile *f, GError **error)
{
  g_autoptr(CgfsCgroup) cg = load_cgroup(f, error);
  return cg && take_snapshot(f, cg, error);
}

int fs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
  FsFile *f = file_of(fi);
  g_autoptr(GError) error = NULL;
  g_mutex_lock(&f->lock);
  int r;
  if (!f->snapshot)
    r = -EBADF;
  else if (off == 0 && fs_events_take_change(f->poll) && !resnapshot(f, &error))
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

/* A failure of the open file itself (not of the kernel): kept as last_error if its cgroup is
 * still the one it opened. */
static int fail_here(FsFile *f, const GError *error)
{
  g_autoptr(CgfsCgroup) cg = load_cgroup(f, NULL);
  return fs_fail(f->d, cg, f->hpath, f->node->name, error);
}

/* Writes that wait for the kernel (a freeze, a kill: up to seconds), each holding a worker
 * thread meanwhile: counted in the writer's fair share. */
static gboolean may_wait(const FsNode *node)
{
  return node == &fs_node_state || node == &fs_node_kill;
}

/* The input was refused: the buffer forgets it (see fs_write_buffer_refuse), the error becomes
 * last_error. */
static int refuse(FsFile *f, CgfsCgroup *cg, const GError *error)
{
  fs_write_buffer_refuse(f->wbuf, error);
  return cg ? fs_fail(f->d, cg, f->hpath, f->node->name, error) : fail_here(f, error);
}

/* Give the units that are complete to the node, once the word the write left unfinished is
 * known to be able to become a valid one: a write is checked whole before anything of it is
 * applied. */
static int apply(FsFile *f, GPtrArray *units)
{
  g_autoptr(GError) error = NULL;
  const char *partial = fs_write_buffer_partial(f->wbuf);
  if (partial && *partial && f->node->check_partial) {
    /* The write ended inside a word: its words wait for it (checked now, applied with it). */
    if (!f->node->check_partial(partial, &error))
      return refuse(f, NULL, error);
    for (guint i = 0; i < units->len; i++)
      if (!f->node->check_partial(units->pdata[i], &error))
        return refuse(f, NULL, error);
    fs_write_buffer_hold(f->wbuf, units);
    return 0;
  }
  fs_write_buffer_take_held(f->wbuf, units);
  if (units->len == 0)
    return 0;
  gboolean unchecked;
  g_autoptr(CgfsCgroup) cg = cgroup_for_write(f, &unchecked, &error);
  if (!cg) {
    fs_write_buffer_refuse(f->wbuf, error);
    return fs_fail(f->d, NULL, f->hpath, f->node->name, error);
  }
  gboolean slow = may_wait(f->node);
  if (slow && !fs_fair_share_take(f->d->share, f->writer_uid, FS_SHARE_SLOW_WRITES, 1, &error))
    return refuse(f, cg, error);
  FsRequest rq = request_for(f, cg, f->writer);
  gboolean ok = f->node->write(&rq, (char **)units->pdata, units->len, &error);
  if (slow)
    fs_fair_share_give(f->d->share, f->writer_uid, FS_SHARE_SLOW_WRITES, 1);
  if (!ok && unchecked && refused_as_deleted(f, &error)) {
    /* as when load_cgroup() refuses it above */
    fs_write_buffer_refuse(f->wbuf, error);
    return fs_fail(f->d, NULL, f->hpath, f->node->name, error);
  }
  return ok ? 0 : refuse(f, cg, error);
}

/* Count the bytes a write may add to the buffer before it takes them: the writer's fair share
 * of unfinished input. */
static gboolean charge_input(FsFile *f, gsize size, GError **error)
{
  if (!fs_fair_share_take(f->d->share, f->uid, FS_SHARE_PENDING_BYTES, size, error))
    return FALSE;
  f->charged += size;
  return TRUE;
}

/* Then count only what the buffer still holds. */
static void settle_input(FsFile *f)
{
  guint64 held = fs_write_buffer_held(f->wbuf);
  if (f->charged > held) {
    fs_fair_share_give(f->d->share, f->uid, FS_SHARE_PENDING_BYTES, f->charged - held);
    f->charged = held;
  }
}

int fs_write(const char *path, const char *buf, size_t size, off_t off,
             struct fuse_file_info *fi)
{
  FsFile *f = file_of(fi);
  g_autoptr(GError) error = NULL;
  g_mutex_lock(&f->lock);
  GPtrArray *units = f->units;
  int r;
  f->writer = fuse_get_context()->pid;
  f->writer_uid = fuse_get_context()->uid;
  if (!f->wbuf)
    r = -EBADF;
  else if (fs_write_buffer_error(f->wbuf)) {
    fs_write_buffer_feed(f->wbuf, buf, size, units, &error);
    r = -fs_errno(error); /* the document's own error again: last_error already says it */
  } else if (!charge_input(f, size, &error))
    r = fail_here(f, error);
  else if (!fs_write_buffer_feed(f->wbuf, buf, size, units, &error))
    r = fail_here(f, error);
  else
    r = apply(f, units);
  if (f->wbuf) {
    g_ptr_array_set_size(units, 0);
    settle_input(f);
  }
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
  pid_t opener = f->opener.pid;
  if (opener <= 0 || closer <= 0)
    return FALSE;
  if (closer == opener)
    return TRUE;
  pid_t tgid = tgid_of(closer);
  return tgid > 0 && tgid == tgid_of(opener);
}

/* The writing ends: the last word is applied, an unfinished document refused. */
static int finish(FsFile *f)
{
  g_autoptr(GError) error = NULL;
  int r = fs_write_buffer_flush(f->wbuf, f->units, &error) ? apply(f, f->units)
                                                            : fail_here(f, error);
  g_ptr_array_set_size(f->units, 0);
  return r;
}

int fs_flush(const char *path, struct fuse_file_info *fi)
{
  FsFile *f = file_of(fi);
  if (!f->wbuf)
    return 0;
  g_mutex_lock(&f->lock);
  int r = 0;
  f->writer_uid = fuse_get_context()->uid;
  if (!fs_write_buffer_unfinished(f->wbuf) || closed_by_opener(f))
    r = finish(f);
  settle_input(f);
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
    settle_input(f);
    g_mutex_unlock(&f->lock);
  }
  /* A call-back already running holds a reference; the last one frees. */
  fs_file_unref(f);
  return 0;
}

int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
  g_autofree char *tmp = NULL;
  path = fs_request_path(path, fi, &tmp);
  if (!path)
    return -EBADF;
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
  g_autoptr(GError) error = NULL;
  g_autoptr(CgfsCgroup) cg = f->poll ? NULL : load_cgroup(f, &error);
  int r;
  if (!f->poll && (!cg || !fs_fair_share_take(f->d->share, f->uid, FS_SHARE_POLLERS, 1, &error))) {
    /* Never ENOSYS: the kernel would stop asking for every file of the mount. */
    if (ph)
      fuse_pollhandle_destroy(ph);
    r = cg ? fs_fail(f->d, cg, f->hpath, "poll events", error) : -fs_errno(error);
  } else {
    gboolean first = !f->poll;
    r = fs_events_poll(f->d, f, cg, f->snapshot, &f->poll, ph, reventsp);
    if (first && !f->poll) /* the watch could not start: no poller to count */
      fs_fair_share_give(f->d->share, f->uid, FS_SHARE_POLLERS, 1);
  }
  g_mutex_unlock(&f->lock);
  return r;
}

gboolean fs_file_events_woke(FsFile *f)
{
  g_mutex_lock(&f->lock);
  g_autoptr(CgfsCgroup) cg = f->poll ? load_cgroup(f, NULL) : NULL;
  gboolean keep = f->poll && fs_events_changed(f->poll, cg, f->snapshot);
  g_mutex_unlock(&f->lock);
  return keep;
}
