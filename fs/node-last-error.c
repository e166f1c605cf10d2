/* last_error: the message of the last failed write in a directory. The table below is the only
 * state the daemon keeps; it is lost on restart, which loses nothing the kernel has. */
#include <string.h>

#include "fs.h"

struct _FsLastErrors {
  GMutex lock;
  GHashTable *by_path; /* hierarchy path -> message */
};

FsLastErrors *fs_last_errors_new(void)
{
  FsLastErrors *t = g_new0(FsLastErrors, 1);
  g_mutex_init(&t->lock);
  t->by_path = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
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

void fs_last_errors_set(FsLastErrors *t, const char *hpath, const char *message)
{
  g_mutex_lock(&t->lock);
  g_hash_table_insert(t->by_path, g_strdup(hpath), g_strdup(message));
  g_mutex_unlock(&t->lock);
}

char *fs_last_errors_get(FsLastErrors *t, const char *hpath)
{
  g_mutex_lock(&t->lock);
  char *message = g_strdup(g_hash_table_lookup(t->by_path, hpath));
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
  g_autofree char *message = fs_last_errors_get(rq->d->errors, rq->path);
  char *text = message ? g_strconcat(message, "\n", NULL) : g_strdup("");
  *len = strlen(text);
  return text;
}

const FsNode fs_node_last_error = {
  .name = "last_error",
  .mask = 0444,
  .read = read_last_error,
};
