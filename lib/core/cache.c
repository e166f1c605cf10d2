/* A bounded cache of loaded cgroups and of kernel files kept open in them (see cgfs/cache.h).
 *
 * Two levels: the cache (an LRU of cgroups by path, checked against the directory's identity on
 * every load) and, in each cached cgroup's directories, a table of files kept open (name -> fd),
 * read with pread. Both count in one descriptor budget, shared by reference, because a cgroup
 * dropped from the cache may still be in use: its descriptors leave the budget when its last
 * reference goes. */
#include "config-internal.h"

#include <linux/magic.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <cgfs/cache.h>
#include <cgfs/tree.h>

#include "cgroup-private.h"
#include "fileio.h"

struct _CgfsFdBudget {
  gint ref;
  gint used; /* descriptors held by cached cgroups (directories and kept files) */
  gint max;
  CgfsCacheAccessFunc check;
  gpointer check_data;
  CgfsCacheOverridesFunc overrides; /* cgfs_cgroup_thread_overrides_dac */
  gpointer overrides_data;
  GMutex owner_lock; /* held while the owner makes room: the cache is not freed meanwhile */
  CgfsCache *owner;  /* the cache whose budget this is; NULL once it is freed */
};

struct _CgfsKeptFiles {
  GMutex lock;
  GHashTable *fds;  /* name -> fd + 1, open for reading */
  GHashTable *wfds; /* name -> fd + 1, open for writing (limit files a plan wrote) */
  guint readers;    /* reads and writes using one of the fds now: closed only when none */
  gint on_cgroupfs; /* its directory is on a cgroup file system: 1 yes, 0 no, -1 not known */
  CgfsFdBudget *budget;
  /* The update lock (cgfs_kept_lock_updates): the directory opened for flock(), kept (-1: not
   * open), by process lock_pid; update_lock makes this process's threads take turns on it. */
  int lock_fd;
  gint lock_pid;
  GMutex update_lock;
};

typedef struct {
  char *path;
  CgfsCgroup *cg;
  const CgfsCgroupDir *identity_dir; /* the first directory (cg owns it) */
  dev_t dev;
  ino_t ino;
  guint hits;     /* loads from the cache since it was cached */
  gboolean keeps; /* its directories keep files open: loaded twice since it was cached */
  guint64 last_use; /* the cache's use count at its last load */
  GList link;     /* in the LRU queue, most recent first */
  /* Its children (cgfs_cache_children), valid while no watch of its directories reported a
   * change; NULL: not known. */
  char **children;
  int *wds;       /* inotify watches of its directories (one per directory), or NULL */
  guint changes;  /* changes reported since it was cached */
} Entry;

struct _CgfsCache {
  GMutex lock;
  CgfsHierarchy *h;
  CgfsFdBudget *budget;
  GHashTable *entries; /* path -> Entry */
  GQueue lru;
  guint64 uses;        /* loads from the cache so far */
  int inotify_fd;      /* watches the directories of cached listings; -1: listings not cached */
  GHashTable *watches; /* wd -> Entry */
};

/* ---- the budget ---- */

static CgfsFdBudget *budget_ref(CgfsFdBudget *b)
{
  g_atomic_int_inc(&b->ref);
  return b;
}

static void budget_unref(CgfsFdBudget *b)
{
  if (b && g_atomic_int_dec_and_test(&b->ref)) {
    g_mutex_clear(&b->owner_lock);
    g_free(b);
  }
}

/* Take @n descriptors from the budget if they fit. */
static gboolean budget_take(CgfsFdBudget *b, gint n)
{
  if (g_atomic_int_add(&b->used, n) + n <= b->max)
    return TRUE;
  g_atomic_int_add(&b->used, -n);
  return FALSE;
}

static gboolean reclaim(CgfsCache *c, gint n);

/* Take @n descriptors for a hot cgroup's kept files; when the budget is full, the cache makes
 * room from the files its least recently used cgroups keep. Without this a budget filled once (a
 * scrape of many cgroups) stays full of files of cgroups nobody asks about any more, while a
 * cgroup read again and again opens, reads and closes its files forever: room was made only for
 * new cgroups.
 * Never called under the cache's lock. */
static gboolean budget_take_for_kept(CgfsFdBudget *b, gint n)
{
  if (budget_take(b, n))
    return TRUE;
  g_mutex_lock(&b->owner_lock);
  gboolean room = b->owner && reclaim(b->owner, n);
  g_mutex_unlock(&b->owner_lock);
  return room && budget_take(b, n);
}

static guint open_dirs_of(const CgfsCgroup *cg)
{
  guint n = 0;
  for (guint i = 0; i < cg->dirs->len; i++)
    n += g_array_index(cg->dirs, CgfsCgroupDir, i).fd >= 0;
  return n;
}

void cgfs_fd_budget_release_cgroup(CgfsCgroup *cg)
{
  if (!cg->budget)
    return;
  g_atomic_int_add(&cg->budget->used, -(gint)open_dirs_of(cg));
  g_clear_pointer(&cg->budget, budget_unref);
}

/* ---- kept files ---- */

static CgfsKeptFiles *kept_files_new(CgfsFdBudget *b)
{
  CgfsKeptFiles *k = g_new0(CgfsKeptFiles, 1);
  g_mutex_init(&k->lock);
  k->fds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  k->wfds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  k->on_cgroupfs = -1;
  k->budget = budget_ref(b);
  k->lock_fd = -1;
  g_mutex_init(&k->update_lock);
  return k;
}

static void close_kept(gpointer name, gpointer fd_plus_one, gpointer budget)
{
  close(GPOINTER_TO_INT(fd_plus_one) - 1);
  g_atomic_int_add(&((CgfsFdBudget *)budget)->used, -1);
}

void cgfs_kept_files_free(CgfsKeptFiles *k)
{
  if (!k)
    return;
  g_hash_table_foreach(k->fds, close_kept, k->budget);
  g_hash_table_unref(k->fds);
  g_hash_table_foreach(k->wfds, close_kept, k->budget);
  g_hash_table_unref(k->wfds);
  if (k->lock_fd >= 0)
    close_kept(NULL, GINT_TO_POINTER(k->lock_fd + 1), k->budget);
  budget_unref(k->budget);
  g_mutex_clear(&k->update_lock);
  g_mutex_clear(&k->lock);
  g_free(k);
}

/* The kept fd of @name in @table (k->fds, or k->wfds for @flags O_WRONLY), opened now if the
 * budget allows: >= 0 (a reader of @k until kept_done); -1 with errno set when the file cannot
 * be opened; -2 when it was opened but cannot be kept (*spare gets the fd to use once).
 * *@opened (if not NULL) tells whether it was opened by this call. */
static int kept_fd_in(CgfsKeptFiles *k, GHashTable *table, int flags, int dirfd,
                      const char *name, int *spare, gboolean *opened)
{
  g_mutex_lock(&k->lock);
  int fd = GPOINTER_TO_INT(g_hash_table_lookup(table, name)) - 1;
  k->readers += fd >= 0;
  g_mutex_unlock(&k->lock);
  if (opened)
    *opened = fd < 0;
  if (fd >= 0)
    return fd;
  fd = openat(dirfd, name, flags | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return -1;
  if (!budget_take_for_kept(k->budget, 1)) {
    *spare = fd;
    return -2;
  }
  g_mutex_lock(&k->lock);
  int other = GPOINTER_TO_INT(g_hash_table_lookup(table, name)) - 1;
  if (other >= 0) { /* another thread kept it first */
    close(fd);
    g_atomic_int_add(&k->budget->used, -1);
    fd = other;
  } else {
    g_hash_table_insert(table, g_strdup(name), GINT_TO_POINTER(fd + 1));
  }
  k->readers++;
  g_mutex_unlock(&k->lock);
  return fd;
}

static int kept_fd(CgfsKeptFiles *k, int dirfd, const char *name, int *spare)
{
  return kept_fd_in(k, k->fds, O_RDONLY, dirfd, name, spare, NULL);
}

static void kept_done(CgfsKeptFiles *k)
{
  g_mutex_lock(&k->lock);
  k->readers--;
  g_mutex_unlock(&k->lock);
}

/* Close the files @k keeps, unless a read is using one now; the table stays, and fills again
 * while the budget allows. Returns how many were closed. */
static guint kept_files_close(CgfsKeptFiles *k)
{
  g_mutex_lock(&k->lock);
  guint n = k->readers == 0 ? g_hash_table_size(k->fds) + g_hash_table_size(k->wfds) : 0;
  if (n > 0) {
    g_hash_table_foreach(k->fds, close_kept, k->budget);
    g_hash_table_remove_all(k->fds);
    g_hash_table_foreach(k->wfds, close_kept, k->budget);
    g_hash_table_remove_all(k->wfds);
  }
  if (k->readers == 0 && k->lock_fd >= 0) { /* not locked: an update holds a reader */
    close_kept(NULL, GINT_TO_POINTER(k->lock_fd + 1), k->budget);
    k->lock_fd = -1;
    n++;
  }
  g_mutex_unlock(&k->lock);
  return n;
}

gboolean cgfs_kept_read_text(const CgfsCgroupDir *d, const char *name, gboolean optional,
                             char *buf, gsize size, CgfsText *out, GError **error)
{
  CgfsKeptFiles *kept = __atomic_load_n(&d->kept, __ATOMIC_ACQUIRE);
  if (!kept)
    return cgfs_read_text_at(d->fd, name, optional, buf, size, out, error);
  CgfsFdBudget *b = kept->budget;
  /* The permission check of the open() a kept descriptor saves; made first, so that a refused
   * caller learns nothing about the file either. */
  if (b->check && !b->check(d->fd, name, b->check_data)) {
    if (optional && errno == ENOENT) {
      *out = (CgfsText){ 0 };
      return TRUE;
    }
    return cgfs_set_errno(error, "cannot open %s", name);
  }
  cgfs_autofd spare = -1;
  int fd = kept_fd(kept, d->fd, name, &spare);
  if (fd == -2)
    fd = spare;
  if (fd < 0) {
    *out = (CgfsText){ 0 };
    if (optional && errno == ENOENT)
      return TRUE;
    return cgfs_set_errno(error, "cannot open %s", name);
  }
  gboolean ok = cgfs_pread_text(fd, name, buf, size, out, error);
  if (spare < 0)
    kept_done(kept);
  return ok;
}

gboolean cgfs_kept_read_text_at(const CgfsCgroup *cg, int dirfd, const char *name, char *buf,
                                gsize size, CgfsText *out, GError **error)
{
  for (guint i = 0; cg && i < cg->dirs->len; i++) {
    const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, i);
    if (d->fd == dirfd && __atomic_load_n(&d->kept, __ATOMIC_ACQUIRE))
      return cgfs_kept_read_text(d, name, FALSE, buf, size, out, error);
  }
  return cgfs_read_text_at(dirfd, name, FALSE, buf, size, out, error);
}

char *cgfs_kept_read_alloc(const CgfsCgroup *cg, int dirfd, const char *name, gsize *len,
                           GError **error)
{
  for (guint i = 0; cg && i < cg->dirs->len; i++) {
    const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, i);
    if (d->fd != dirfd || !__atomic_load_n(&d->kept, __ATOMIC_ACQUIRE))
      continue;
    char buf[CGFS_SMALL_FILE_SIZE];
    CgfsText text;
    if (!cgfs_kept_read_text(d, name, FALSE, buf, sizeof buf, &text, error))
      return NULL;
    if (len)
      *len = text.len;
    char *copy = text.heap ? g_steal_pointer(&text.heap) : g_strndup(text.text, text.len);
    cgfs_text_clear(&text);
    return copy;
  }
  return cgfs_read_alloc_at(dirfd, name, len, error);
}

/* Whether @k's directory is on a cgroup file system (asked once per table). cgroupfs takes each
 * write whole and ignores O_TRUNC; a plain file (a fake tree) is truncated after the write
 * instead, so that it holds what a write through open(O_TRUNC) would have left. */
static gboolean kept_on_cgroupfs(CgfsKeptFiles *k, int dirfd)
{
  int known = g_atomic_int_get(&k->on_cgroupfs);
  if (known >= 0)
    return known;
  struct statfs sfs;
  known = fstatfs(dirfd, &sfs) == 0 &&
          (sfs.f_type == CGROUP_SUPER_MAGIC || sfs.f_type == CGROUP2_SUPER_MAGIC);
  g_atomic_int_set(&k->on_cgroupfs, known);
  return known;
}

static gboolean pwrite_value(int fd, const char *name, const char *value, gboolean truncate,
                             GError **error)
{
  gsize len = strlen(value);
  ssize_t n;
  do
    n = pwrite(fd, value, len, 0);
  while (n < 0 && errno == EINTR);
  if (n >= 0 && (gsize)n == len && truncate && ftruncate(fd, (off_t)len) != 0)
    n = -1;
  if (n < 0) {
    /* kernfs answers ENODEV through a descriptor of a cgroup removed since it was opened; an
     * open() now would answer ENOENT (no such file in the removed directory) */
    if (errno == ENODEV)
      errno = ENOENT;
    return cgfs_set_errno(error, "cannot write '%s' to %s", value, name);
  }
  if ((gsize)n != len) {
    cgfs_set_error(error, EIO, "cannot write '%s' to %s: short write", value, name);
    return FALSE;
  }
  return TRUE;
}

gboolean cgfs_kept_write(const CgfsCgroup *cg, int dirfd, const char *name, const char *value,
                         CgfsMayOpenFunc may_open, gpointer data, GError **error)
{
  CgfsKeptFiles *kept = NULL;
  for (guint i = 0; cg && !kept && i < cg->dirs->len; i++) {
    const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, i);
    if (d->fd == dirfd)
      kept = __atomic_load_n(&d->kept, __ATOMIC_ACQUIRE);
  }
  if (!kept)
    return cgfs_write_at(dirfd, name, value, error);
  cgfs_autofd spare = -1;
  gboolean opened = FALSE;
  int fd = kept_fd_in(kept, kept->wfds, O_WRONLY, dirfd, name, &spare, &opened);
  if (fd == -2)
    fd = spare;
  if (fd < 0)
    return cgfs_set_errno(error, "cannot open %s", name);
  gboolean ok;
  /* A descriptor kept from an earlier open(), perhaps another caller's, stands in for the
   * open() of this write: that open's permission check, for this thread, first. */
  if (!opened && !may_open(dirfd, name, data))
    ok = cgfs_set_errno(error, "cannot open %s", name);
  else
    ok = pwrite_value(fd, name, value, !kept_on_cgroupfs(kept, dirfd), error);
  if (spare < 0)
    kept_done(kept);
  return ok;
}

gboolean cgfs_kept_lock_updates(const CgfsCgroupDir *d, int (*open_dir)(const CgfsCgroupDir *d))
{
  CgfsKeptFiles *k = __atomic_load_n(&d->kept, __ATOMIC_ACQUIRE);
  if (!k)
    return FALSE;
  /* A forked child shares the parent's open file: flock() would not keep the two apart, and
   * the lock of a child killed while holding it would stay with the parent's descriptor. */
  pid_t me = cgfs_self_pid();
  pid_t opener = g_atomic_int_get(&k->lock_pid);
  if (opener != 0 && opener != me)
    return FALSE;
  g_mutex_lock(&k->update_lock);
  g_mutex_lock(&k->lock);
  int fd = k->lock_fd;
  k->readers++; /* kept_files_close leaves it open until kept_done */
  g_mutex_unlock(&k->lock);
  if (fd < 0) {
    fd = open_dir(d);
    if (fd >= 0 && !budget_take_for_kept(k->budget, 1))
      cgfs_close_fd(&fd);
    if (fd < 0) {
      kept_done(k);
      g_mutex_unlock(&k->update_lock);
      return FALSE;
    }
    g_mutex_lock(&k->lock);
    k->lock_fd = fd;
    g_atomic_int_set(&k->lock_pid, me);
    g_mutex_unlock(&k->lock);
  }
  while (flock(fd, LOCK_EX) != 0)
    if (errno != EINTR) {
      g_debug("updates of %s not serialised: flock: %s", d->dir, g_strerror(errno));
      break;
    }
  return TRUE;
}

void cgfs_kept_unlock_updates(const CgfsCgroupDir *d)
{
  CgfsKeptFiles *k = __atomic_load_n(&d->kept, __ATOMIC_ACQUIRE);
  flock(k->lock_fd, LOCK_UN); /* still open: this update is one of its readers */
  kept_done(k);
  g_mutex_unlock(&k->update_lock);
}

gboolean cgfs_cache_may_read(int dirfd, const char *name, gpointer unused)
{
  return faccessat(dirfd, name, R_OK, AT_EACCESS) == 0;
}

/* ---- the cache ---- */

static void entry_free(Entry *e)
{
  g_strfreev(e->children);
  g_free(e->wds);
  cgfs_cgroup_unref(e->cg);
  g_free(e->path);
  g_free(e);
}

CgfsCache *cgfs_cache_new(CgfsHierarchy *h, guint max_fds)
{
  CgfsCache *c = g_new0(CgfsCache, 1);
  g_mutex_init(&c->lock);
  c->h = cgfs_hierarchy_ref(h);
  c->budget = g_new0(CgfsFdBudget, 1);
  c->budget->ref = 1;
  c->budget->max = (gint)MIN(max_fds, (guint)G_MAXINT / 2);
  g_mutex_init(&c->budget->owner_lock);
  c->budget->owner = c;
  c->entries = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)entry_free);
  g_queue_init(&c->lru);
  c->inotify_fd = max_fds > 0 ? inotify_init1(IN_NONBLOCK | IN_CLOEXEC) : -1;
  c->watches = g_hash_table_new(g_direct_hash, g_direct_equal);
  return c;
}

void cgfs_cache_free(CgfsCache *c)
{
  if (!c)
    return;
  g_mutex_lock(&c->budget->owner_lock); /* waits for a reclaim in progress */
  c->budget->owner = NULL;
  g_mutex_unlock(&c->budget->owner_lock);
  g_hash_table_unref(c->entries);
  g_hash_table_unref(c->watches);
  if (c->inotify_fd >= 0)
    close(c->inotify_fd);
  budget_unref(c->budget);
  cgfs_hierarchy_unref(c->h);
  g_mutex_clear(&c->lock);
  g_free(c);
}

void cgfs_cache_set_access_check(CgfsCache *c, CgfsCacheAccessFunc fn, gpointer data)
{
  c->budget->check = fn;
  c->budget->check_data = data;
}

void cgfs_cache_set_overrides_check(CgfsCache *c, CgfsCacheOverridesFunc fn, gpointer data)
{
  c->budget->overrides = fn;
  c->budget->overrides_data = data;
}

gboolean cgfs_cgroup_thread_overrides_dac(const CgfsCgroup *cg)
{
  const CgfsFdBudget *b = cg ? cg->budget : NULL;
  int known = b && b->overrides ? b->overrides(b->overrides_data) : -1;
  return known >= 0 ? known > 0 : cgfs_thread_overrides_dac();
}

/* Under the lock. */
static void unwatch(CgfsCache *c, Entry *e)
{
  for (guint i = 0; e->wds && i < e->cg->dirs->len; i++) {
    if (e->wds[i] < 0)
      continue;
    g_hash_table_remove(c->watches, GINT_TO_POINTER(e->wds[i]));
    inotify_rm_watch(c->inotify_fd, e->wds[i]);
  }
  g_clear_pointer(&e->wds, g_free);
  g_clear_pointer(&e->children, g_strfreev);
}

static void drop_entry(CgfsCache *c, Entry *e)
{
  unwatch(c, e);
  g_queue_unlink(&c->lru, &e->link);
  g_hash_table_remove(c->entries, e->path);
}

/* Under the lock: a cgroup asked about again and again is hot; its files are kept from now on.
 * Not before the second load from the cache: one read through a FUSE mount is a lookup and an
 * open (two loads), and a walk that reads each cgroup once would only churn descriptors. The
 * tables are published atomically: other threads may be reading the cgroup. */
static void start_keeping(CgfsCache *c, Entry *e)
{
  if (e->keeps || ++e->hits < 2)
    return;
  e->keeps = TRUE;
  for (guint i = 0; i < e->cg->dirs->len; i++) {
    CgfsCgroupDir *d = &g_array_index(e->cg->dirs, CgfsCgroupDir, i);
    g_atomic_pointer_set(&d->kept, kept_files_new(c->budget));
  }
}

/* Under the lock: @e was asked about now, most recently used; a @load also counts towards
 * keeping its files and marks it busy for reclaim(). */
static void touch(CgfsCache *c, Entry *e, gboolean load)
{
  g_queue_unlink(&c->lru, &e->link);
  g_queue_push_head_link(&c->lru, &e->link);
  if (load) {
    e->last_use = ++c->uses;
    start_keeping(c, e);
  }
}

/* The cached cgroup of @path, still the same directory: a new reference, or NULL (then the entry,
 * if any, is dropped). @use: a load (it counts towards keeping files), not a parent's look or a
 * stat. @st (optional) gets the identity check's stat of the first directory: the directory's
 * attributes now, which spares the caller a second stat of it. */
static CgfsCgroup *lookup(CgfsCache *c, const char *path, gboolean use, struct stat *st_out)
{
  g_mutex_lock(&c->lock);
  Entry *e = g_hash_table_lookup(c->entries, path);
  CgfsCgroup *cg = e ? cgfs_cgroup_ref(e->cg) : NULL;
  dev_t dev = e ? e->dev : 0;
  ino_t ino = e ? e->ino : 0;
  const CgfsCgroupDir *dir = e ? e->identity_dir : NULL;
  g_mutex_unlock(&c->lock);
  if (!cg)
    return NULL;
  /* Outside the lock: a stat walks the path (from the mount's fd). @dir belongs to cg, which we
   * hold. */
  struct stat st;
  gboolean same = cgfs_cgroup_stat_dir(cg, dir, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
  g_mutex_lock(&c->lock);
  e = g_hash_table_lookup(c->entries, path);
  if (e && e->cg == cg) {
    if (same) {
      touch(c, e, use);
    } else {
      drop_entry(c, e);
    }
  }
  g_mutex_unlock(&c->lock);
  if (!same)
    g_clear_pointer(&cg, cgfs_cgroup_unref);
  else if (st_out)
    *st_out = st;
  return cg;
}

static gboolean fits(CgfsCache *c, gint need)
{
  return g_atomic_int_get(&c->budget->used) + need <= c->budget->max;
}

/* Under the lock: make room for @need more descriptors, and if kept files can give it, @want.
 * Kept files go first, the least recently
 * used cgroups' first: a cgroup keeps its directories (a later read finds it with one stat) and
 * reads its files with open/read/close until the budget has room again. Only then are the
 * least recently used cgroups dropped, so that a round over more hot cgroups than the budget
 * holds keeps them all loaded instead of dropping each before it comes round again. */
static void make_room(CgfsCache *c, gint want, gint need)
{
  for (GList *l = c->lru.tail; l && !fits(c, want); l = l->prev) {
    Entry *e = l->data;
    for (guint i = 0; e->keeps && i < e->cg->dirs->len; i++) {
      CgfsKeptFiles *k = g_atomic_pointer_get(&g_array_index(e->cg->dirs, CgfsCgroupDir, i).kept);
      if (k)
        kept_files_close(k);
    }
  }
  while (c->lru.tail && !fits(c, need)) {
    Entry *e = c->lru.tail->data;
    drop_entry(c, e);
  }
}

/* Room for @n more descriptors of a cached cgroup's kept files, from the files kept by cgroups
 * nobody loaded during the last two rounds over the cache (twice as many loads as it holds
 * cgroups). Never by dropping cgroups, nor from cgroups in use: in a round over more hot cgroups
 * than the budget holds, each would lose its files just before it comes round (make_room), and
 * the round already reads through open/read/close. The least recently used come first, so the
 * walk stops at the first cgroup used too recently. */
static gboolean reclaim(CgfsCache *c, gint n)
{
  g_mutex_lock(&c->lock);
  guint64 idle_after = 2 * (guint64)g_hash_table_size(c->entries);
  for (GList *l = c->lru.tail; l && !fits(c, n); l = l->prev) {
    Entry *e = l->data;
    if (c->uses - e->last_use < idle_after)
      break;
    for (guint i = 0; e->keeps && i < e->cg->dirs->len; i++) {
      CgfsKeptFiles *k = g_atomic_pointer_get(&g_array_index(e->cg->dirs, CgfsCgroupDir, i).kept);
      if (k)
        kept_files_close(k);
    }
  }
  gboolean room = fits(c, n);
  g_mutex_unlock(&c->lock);
  return room;
}

/* Cache @cg if all its directories exist (a cgroup missing from a hierarchy is loaded every
 * time: its directory may appear there). TRUE if @st got the stat of its first directory (the
 * identity it is cached with). */
static gboolean insert(CgfsCache *c, const char *path, CgfsCgroup *cg, struct stat *st_out)
{
  guint n_dirs = open_dirs_of(cg);
  if (n_dirs < cg->dirs->len || n_dirs == 0)
    return FALSE;
  const CgfsCgroupDir *first = &g_array_index(cg->dirs, CgfsCgroupDir, 0);
  struct stat st;
  if (fstat(first->fd, &st) != 0)
    return FALSE;
  if (st_out)
    *st_out = st;
  g_mutex_lock(&c->lock);
  /* Room for its directories and about as many files again as it has directories times
   * three, what reading its statistics keeps open. */
  make_room(c, (gint)n_dirs * 4, (gint)n_dirs);
  if (!cg->budget && budget_take(c->budget, (gint)n_dirs)) {
    cg->budget = budget_ref(c->budget);
    Entry *e = g_new0(Entry, 1);
    e->path = g_strdup(path);
    e->cg = cgfs_cgroup_ref(cg);
    e->identity_dir = first;
    e->dev = st.st_dev;
    e->ino = st.st_ino;
    e->link.data = e;
    e->last_use = ++c->uses;
    Entry *old = g_hash_table_lookup(c->entries, path);
    if (old)
      drop_entry(c, old);
    g_hash_table_insert(c->entries, e->path, e);
    g_queue_push_head_link(&c->lru, &e->link);
  }
  g_mutex_unlock(&c->lock);
  return TRUE;
}

/* A cgroup whose parent is cached (a walk, a round of stats over siblings): opened below the
 * parent's directory fds, a path component each, instead of walking the whole path in every
 * hierarchy. The parent is checked as any lookup is (its first directory's identity). NULL when
 * the parent is not cached or the child is missing anywhere (then it is loaded by path). */
static CgfsCgroup *load_below_parent(CgfsCache *c, const char *path)
{
  const char *slash = strrchr(path, '/');
  if (!slash || !slash[1])
    return NULL;
  g_autofree char *parent_path = slash == path ? g_strdup("/") : g_strndup(path, (gsize)(slash - path));
  g_autoptr(CgfsCgroup) parent = lookup(c, parent_path, FALSE, NULL);
  return parent ? cgfs_cgroup_open_child(parent, slash + 1) : NULL;
}

CgfsCgroup *cgfs_cache_load_stat(CgfsCache *c, CgfsPathSpec spec, struct stat *st,
                                  GError **error)
{
  g_autoptr(CgfsCgroup) cg = NULL;
  gboolean have_stat = FALSE;
  if (c->budget->max == 0 || spec.kind != CGFS_PATH_STATIC) {
    cg = cgfs_cgroup_load(c->h, spec, error);
  } else if ((cg = lookup(c, spec.path, TRUE, st))) {
    have_stat = TRUE;
  } else {
    cg = load_below_parent(c, spec.path);
    if (!cg)
      cg = cgfs_cgroup_load(c->h, spec, error);
    have_stat = cg && insert(c, spec.path, cg, st);
  }
  if (cg && st && !have_stat && !cgfs_cgroup_stat(cg, st, error))
    return NULL;
  return g_steal_pointer(&cg);
}

CgfsCgroup *cgfs_cache_get_same(CgfsCache *c, const char *path, dev_t dev, ino_t ino)
{
  g_mutex_lock(&c->lock);
  Entry *e = g_hash_table_lookup(c->entries, path);
  CgfsCgroup *cg = NULL;
  if (e && e->dev == dev && e->ino == ino) {
    cg = cgfs_cgroup_ref(e->cg);
    touch(c, e, TRUE);
  }
  g_mutex_unlock(&c->lock);
  return cg;
}

CgfsCgroup *cgfs_cache_load(CgfsCache *c, CgfsPathSpec spec, GError **error)
{
  return cgfs_cache_load_stat(c, spec, NULL, error);
}

gboolean cgfs_cache_stat(CgfsCache *c, CgfsPathSpec spec, struct stat *st, GError **error)
{
  if (c->budget->max > 0 && spec.kind == CGFS_PATH_STATIC) {
    g_autoptr(CgfsCgroup) cg = lookup(c, spec.path, FALSE, st);
    if (cg)
      return TRUE;
  }
  return cgfs_cgroup_stat_path(c->h, spec, st, error);
}

gboolean cgfs_cache_stat_node(CgfsCache *c, CgfsPathSpec spec, const char *const *names,
                              struct stat *dir, struct stat *file, gboolean *found,
                              GError **error)
{
  *found = FALSE;
  g_autoptr(CgfsCgroup) cg = NULL;
  if (c->budget->max > 0 && spec.kind == CGFS_PATH_STATIC)
    cg = lookup(c, spec.path, FALSE, dir);
  if (!cg) {
    if (!cgfs_cgroup_stat_path(c->h, spec, dir, error))
      return FALSE;
    int quick = names ? cgfs_cgroup_stat_file_path(c->h, spec, names, file) : 0;
    if (quick >= 0) {
      *found = quick == 1;
      return TRUE;
    }
    if (!(cg = cgfs_cache_load(c, spec, error)))
      return FALSE;
  }
  *found = names && cgfs_cgroup_stat_file(cg, names, file, NULL);
  return TRUE;
}

char **cgfs_cache_children_of(CgfsCache *c, CgfsPathSpec spec, GError **error)
{
  g_autoptr(CgfsCgroup) cg = NULL;
  if (c->budget->max > 0 && spec.kind == CGFS_PATH_STATIC)
    cg = lookup(c, spec.path, FALSE, NULL);
  if (!cg && cgfs_cgroup_leaf_path(c->h, spec))
    return g_new0(char *, 1);
  if (!cg)
    cg = cgfs_cache_load(c, spec, error);
  return cg ? cgfs_cache_children(c, cg, error) : NULL;
}

void cgfs_cache_add(CgfsCache *c, CgfsCgroup *cg)
{
  if (c->budget->max > 0 && cg->kind == CGFS_PATH_STATIC && cg->h == c->h)
    insert(c, cg->path, cg, NULL);
}

/* ---- listings ---- */

/* The most children a listing kept may have: past it every readdir lists the kernel's
 * directories (memory stays small at any scale). */
#define MAX_KEPT_LISTING 32768

/* Under the lock: apply the changes the kernel reported (a child made, removed, renamed; the
 * directory itself removed; the queue overflowed): the listings they touch are forgotten. */
static void read_changes(CgfsCache *c)
{
  char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
  gssize n;
  while ((n = read(c->inotify_fd, buf, sizeof buf)) > 0) {
    for (char *p = buf; p < buf + n;) {
      const struct inotify_event *ev = (const struct inotify_event *)(void *)p;
      p += sizeof *ev + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) {
        for (GList *l = c->lru.head; l; l = l->next) {
          Entry *e = l->data;
          g_clear_pointer(&e->children, g_strfreev);
          e->changes++;
        }
        continue;
      }
      Entry *e = g_hash_table_lookup(c->watches, GINT_TO_POINTER(ev->wd));
      if (e) {
        g_clear_pointer(&e->children, g_strfreev);
        e->changes++;
      }
    }
  }
}

/* Under the lock: watch every directory of @e (IN_MASK_CREATE: a directory watched already,
 * through another entry, is not taken over). */
static gboolean watch(CgfsCache *c, Entry *e)
{
  if (e->wds)
    return TRUE;
  guint n = e->cg->dirs->len;
  e->wds = g_new(int, n);
  for (guint i = 0; i < n; i++)
    e->wds[i] = -1;
  for (guint i = 0; i < n; i++) {
    char link[64];
    g_snprintf(link, sizeof link, "/proc/self/fd/%d",
               g_array_index(e->cg->dirs, CgfsCgroupDir, i).fd);
    e->wds[i] = inotify_add_watch(c->inotify_fd, link,
                                  IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
                                    IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_MASK_CREATE);
    if (e->wds[i] < 0) {
      unwatch(c, e);
      return FALSE;
    }
    g_hash_table_insert(c->watches, GINT_TO_POINTER(e->wds[i]), e);
  }
  return TRUE;
}

/* Under the lock: the entry of @cg, if @cg is the cached one. */
static Entry *entry_of(CgfsCache *c, CgfsCgroup *cg)
{
  Entry *e = g_hash_table_lookup(c->entries, cg->path);
  return e && e->cg == cg ? e : NULL;
}

/* Keep @names as @cg's listing if nothing changed since @changes (read under the lock before
 * listing, with the watches in place). */
static void keep_listing(CgfsCache *c, CgfsCgroup *cg, guint changes, char **names)
{
  if (g_strv_length(names) > MAX_KEPT_LISTING)
    return;
  g_mutex_lock(&c->lock);
  read_changes(c);
  Entry *e = entry_of(c, cg);
  if (e && e->wds && e->changes == changes && !e->children)
    e->children = g_strdupv(names);
  g_mutex_unlock(&c->lock);
}

char **cgfs_cache_children(CgfsCache *c, CgfsCgroup *cg, GError **error)
{
  if (c->inotify_fd < 0)
    return cgfs_cgroup_children(cg, error);
  g_mutex_lock(&c->lock);
  read_changes(c);
  Entry *e = entry_of(c, cg);
  char **kept = e && e->children ? g_strdupv(e->children) : NULL;
  gboolean watched = e && e->wds;
  guint changes = e ? e->changes : 0;
  g_mutex_unlock(&c->lock);
  if (kept || !e)
    return kept ? kept : cgfs_cgroup_children(cg, error);
  char **names = cgfs_cgroup_children(cg, error);
  /* Leaves (the most common: known from link counts without listing) are not worth a watch. */
  if (!names || !names[0])
    return names;
  if (!watched) {
    /* Watch first, then list again: a change between the two is then reported. */
    g_mutex_lock(&c->lock);
    e = entry_of(c, cg);
    watched = e && watch(c, e);
    changes = e ? e->changes : 0;
    g_mutex_unlock(&c->lock);
    if (!watched)
      return names;
    g_strfreev(names);
    names = cgfs_cgroup_children(cg, error);
    if (!names)
      return NULL;
  }
  keep_listing(c, cg, changes, names);
  return names;
}

void cgfs_cache_forget(CgfsCache *c, const char *path)
{
  gsize len = strlen(path);
  g_mutex_lock(&c->lock);
  for (GList *l = c->lru.head; l;) {
    Entry *e = l->data;
    l = l->next;
    if (strncmp(e->path, path, len) == 0 &&
        (e->path[len] == '\0' || e->path[len] == '/' || strcmp(path, "/") == 0))
      drop_entry(c, e);
  }
  g_mutex_unlock(&c->lock);
}

guint cgfs_cache_n_fds(CgfsCache *c)
{
  return (guint)g_atomic_int_get(&c->budget->used);
}

guint cgfs_cache_n_cgroups(CgfsCache *c)
{
  g_mutex_lock(&c->lock);
  guint n = c->lru.length;
  g_mutex_unlock(&c->lock);
  return n;
}
