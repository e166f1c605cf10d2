/* Fair share: what one caller (uid) may hold in the daemon at once — open files and their
 * contents, bytes of unfinished writes, polled events files, writes that can wait for the
 * kernel — so that no unprivileged user reaches the daemon's own limits (fds, memory, worker
 * threads) and takes the mount away from everyone else. Root (uid 0) is not counted: it can exhaust the machine without
 * the mount. The figures are in docs/tree.md ("Limits") and docs/security.md ("Fair share"). */
#include <errno.h>

#include "fs.h"

struct _FsFairShare {
  GMutex lock;
  GHashTable *used; /* uid -> UidShare */
  guint64 max[FS_SHARE_N];
};

typedef struct {
  guint64 used[FS_SHARE_N];
  guint refused; /* bit per kind: refused since the uid last gave any of it back */
} UidShare;

static const char *const what[FS_SHARE_N] = {
  [FS_SHARE_OPEN_FILES] = "open files",
  [FS_SHARE_PENDING_BYTES] = "bytes of unfinished writes",
  [FS_SHARE_POLLERS] = "polled events files",
  [FS_SHARE_SLOW_WRITES] = "state or kill writes in progress",
  [FS_SHARE_SNAPSHOT_BYTES] = "bytes of open files' contents",
};

/* The errno a caller over its share gets: what the kernel says for the same shortage. */
static const int over_errno[FS_SHARE_N] = {
  [FS_SHARE_OPEN_FILES] = EMFILE,
  [FS_SHARE_PENDING_BYTES] = EDQUOT,
  [FS_SHARE_POLLERS] = EMFILE,
  [FS_SHARE_SLOW_WRITES] = EAGAIN,
  [FS_SHARE_SNAPSHOT_BYTES] = ENOMEM,
};

guint64 fs_fair_share_pollers_for(guint64 nofile)
{
  /* Everything but pollers, with room to spare; a poller holds FS_FDS_PER_POLLER. */
  guint64 reserved = FS_FDS_FIXED + (guint64)FS_MAX_WORKERS * FS_FDS_PER_WORKER;
  guint64 all = nofile > reserved ? (nofile - reserved) / FS_FDS_PER_POLLER : 0;
  /* One user gets an eighth: eight users polling at once still leave root its fds. */
  return MIN(FS_SHARE_MAX_POLLERS, all / 8);
}

FsFairShare *fs_fair_share_new(guint64 nofile)
{
  FsFairShare *s = g_new0(FsFairShare, 1);
  g_mutex_init(&s->lock);
  s->used = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
  s->max[FS_SHARE_OPEN_FILES] = FS_SHARE_MAX_OPEN_FILES;
  s->max[FS_SHARE_PENDING_BYTES] = FS_SHARE_MAX_PENDING_BYTES;
  s->max[FS_SHARE_POLLERS] = fs_fair_share_pollers_for(nofile);
  s->max[FS_SHARE_SLOW_WRITES] = FS_SHARE_MAX_SLOW_WRITES;
  s->max[FS_SHARE_SNAPSHOT_BYTES] = FS_SHARE_MAX_SNAPSHOT_BYTES;
  return s;
}

void fs_fair_share_free(FsFairShare *s)
{
  if (!s)
    return;
  g_hash_table_unref(s->used);
  g_mutex_clear(&s->lock);
  g_free(s);
}

gboolean fs_fair_share_refused(FsFairShare *s, uid_t uid, FsShareKind kind, GError **error)
{
  if (!s || uid == 0)
    return FALSE;
  g_mutex_lock(&s->lock);
  UidShare *u = g_hash_table_lookup(s->used, GUINT_TO_POINTER(uid));
  gboolean refused = u && (u->refused & (1u << kind));
  g_mutex_unlock(&s->lock);
  if (refused)
    g_set_error(error, CGFS_ERROR, over_errno[kind],
                "uid %u holds the most %s one user may hold in cgfs (%" G_GUINT64_FORMAT ")",
                (unsigned)uid, what[kind], s->max[kind]);
  return refused;
}

guint64 fs_fair_share_max(const FsFairShare *s, FsShareKind kind)
{
  return s->max[kind];
}

gboolean fs_fair_share_take(FsFairShare *s, uid_t uid, FsShareKind kind, guint64 amount,
                            GError **error)
{
  if (!s || uid == 0 || amount == 0)
    return TRUE;
  g_mutex_lock(&s->lock);
  UidShare *u = g_hash_table_lookup(s->used, GUINT_TO_POINTER(uid));
  if (!u) {
    u = g_new0(UidShare, 1);
    g_hash_table_insert(s->used, GUINT_TO_POINTER(uid), u);
  }
  gboolean ok = u->used[kind] + amount <= s->max[kind];
  if (ok)
    u->used[kind] += amount;
  else
    u->refused |= 1u << kind;
  g_mutex_unlock(&s->lock);
  if (!ok)
    g_set_error(error, CGFS_ERROR, over_errno[kind],
                "uid %u holds the most %s one user may hold in cgfs (%" G_GUINT64_FORMAT ")",
                (unsigned)uid, what[kind], s->max[kind]);
  return ok;
}

void fs_fair_share_give(FsFairShare *s, uid_t uid, FsShareKind kind, guint64 amount)
{
  if (!s || uid == 0 || amount == 0)
    return;
  g_mutex_lock(&s->lock);
  UidShare *u = g_hash_table_lookup(s->used, GUINT_TO_POINTER(uid));
  if (u) {
    u->used[kind] -= MIN(u->used[kind], amount);
    u->refused &= ~(1u << kind);
    gboolean idle = TRUE;
    for (int k = 0; k < FS_SHARE_N; k++)
      idle = idle && u->used[k] == 0;
    if (idle) /* a table entry per uid only while it holds something */
      g_hash_table_remove(s->used, GUINT_TO_POINTER(uid));
  }
  g_mutex_unlock(&s->lock);
}
