/* type: a v2 cgroup's cgroup.type ("domain", "threaded", "domain threaded", "domain invalid");
 * writing "threaded" turns it threaded, so that the threads of one process can be placed in
 * its children (threads node) and the threaded controllers (cpu, cpuset, pids) limit them. */
#include <errno.h>
#include <string.h>

#include "fs.h"

static char *read_type(FsRequest *rq, gsize *len, GError **error)
{
  g_autofree char *type = cgfs_cgroup_type(rq->cg, error);
  if (!type)
    return NULL;
  char *text = g_strconcat(type, "\n", NULL);
  *len = strlen(text);
  return text;
}

static gboolean check_partial_type(const char *start, GError **error)
{
  if (strncmp("threaded", start, strlen(start)) == 0)
    return TRUE;
  g_set_error(error, CGFS_ERROR, EINVAL, "invalid type '%s...': only threaded can be written",
              start);
  return FALSE;
}

/* With the writer's credentials: the kernel checks cgroup.type's mode. */
static gboolean write_type(FsRequest *rq, char **words, guint n, GError **error)
{
  for (guint i = 0; i < n; i++)
    if (strcmp(words[i], "threaded") != 0) {
      g_set_error(error, CGFS_ERROR, EINVAL,
                  "invalid type '%s': only threaded can be written (a cgroup never goes back "
                  "to domain)", words[i]);
      return FALSE;
    }
  if (n == 0)
    return TRUE;
  FsSavedCreds saved;
  if (!fs_caller_enter(rq->who, &saved, error))
    return FALSE;
  gboolean ok = cgfs_cgroup_make_threaded(rq->cg, error);
  fs_caller_leave(&saved);
  if (ok)
    fs_audit(rq->who, rq->path, "made threaded");
  return ok;
}

const FsNode fs_node_type = {
  .name = "type",
  .mask = 0666,
  .mirror_v2 = (const char *const[]){ "cgroup.type", NULL },
  .read = read_type,
  .read_as_daemon = TRUE,
  .write_kind = FS_WRITE_TOKENS,
  .write = write_type,
  .check_partial = check_partial_type,
};
