/* last_error: the message of the last failed write in a directory. The table below is the only
 * state the daemon keeps; it is lost on restart, which loses nothing the kernel has. */
#include <string.h>

#include "fs.h"

struct _FsLastErrors {
  GMutex lock;
  GHashTable *by_path; /* hierarchy path -> LastError */
};

/* A message and the cgroup it is about: a cgroup removed and made again under the same path
 * (through cgfs or not) is another directory, and has no last error yet. */
typedef struct {
  dev_t dev;
  ino_t ino;
  char *message;
} LastError;

static void last_error_free(LastError *e)
{
  g_free(e->message);
  g_free(e);
}

/* The identity of @cg's directory; FALSE once it is deleted. */
static gboolean identity(CgfsCgroup *cg, dev_t *dev, ino_t *ino)
{
  struct stat st;
  if (!cg || !cgfs_cgroup_stat(cg, &st, NULL))
    return FALSE;
  *dev = st.st_dev;
  *ino = st.st_ino;
  return TRUE;
}

FsLastErrors *fs_last_errors_new(void)
{
  FsLastErrors *t = g_new0(FsLastErrors, 1);
  g_mutex_init(&t->lock);
  t->by_path = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                     (GDestroyNotify)last_error_free);
  return t;
}

void fs_last_errors_free(FsLastErrors *t)
{
  if (!t)
    return;
  g_hash_table_unref(t->by_path);
  g_mutex_clear(&t->lock);
  g_free(t);
}

void fs_last_errors_set(FsLastErrors *t, CgfsCgroup *cg, const char *hpath, const char *message)
{
  LastError e = { 0 };
  if (!identity(cg, &e.dev, &e.ino))
    return; /* a deleted cgroup has no directory to show it in */
  e.message = g_strdup(message);
  g_mutex_lock(&t->lock);
  g_hash_table_insert(t->by_path, g_strdup(hpath), g_memdup2(&e, sizeof e));
  g_mutex_unlock(&t->lock);
}

char *fs_last_errors_get(FsLastErrors *t, CgfsCgroup *cg, const char *hpath)
{
  dev_t dev = 0;
  ino_t ino = 0;
  gboolean alive = identity(cg, &dev, &ino);
  char *message = NULL;
  g_mutex_lock(&t->lock);
  LastError *e = g_hash_table_lookup(t->by_path, hpath);
  if (e && alive && e->dev == dev && e->ino == ino)
    message = g_strdup(e->message);
  else if (e)
    g_hash_table_remove(t->by_path, hpath); /* about a directory that is gone */
  g_mutex_unlock(&t->lock);
  return message;
}

static gboolean is_at_or_below(gpointer key, gpointer value, gpointer data)
{
  const char *path = key, *top = data;
  gsize n = strlen(top);
  return strncmp(path, top, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

void fs_last_errors_forget(FsLastErrors *t, const char *hpath)
{
  g_mutex_lock(&t->lock);
  g_hash_table_foreach_remove(t->by_path, is_at_or_below, (gpointer)hpath);
  g_mutex_unlock(&t->lock);
}

static char *read_last_error(FsRequest *rq, gsize *len, GError **error)
{
  g_autofree char *message = fs_last_errors_get(rq->d->errors, rq->cg, rq->path);
  char *text = message ? g_strconcat(message, "\n", NULL) : g_strdup("");
  *len = strlen(text);
  return text;
}

const FsNode fs_node_last_error = {
  .name = "last_error",
  .mask = 0444,
  /* It holds what was written: readable by those who may write the cgroup's procs file. */
  .read_by_writers = TRUE,
  .mirror_v1 = (const char *const[]){ "cgroup.procs", NULL },
  .mirror_v2 = (const char *const[]){ "cgroup.procs", NULL },
  .read = read_last_error,
  .read_as_daemon = TRUE,
};
