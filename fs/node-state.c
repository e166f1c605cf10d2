/* state: the freezer, as thawed / freezing / frozen. */
#include <errno.h>
#include <string.h>

#include "fs.h"

static char *read_state(FsRequest *rq, gsize *len, GError **error)
{
  CgfsState st = cgfs_cgroup_state(rq->cg, error);
  if (st == CGFS_STATE_UNKNOWN)
    return NULL;
  if (st == CGFS_STATE_DELETED) {
    g_set_error(error, CGFS_ERROR, ENOENT, "cgroup deleted: %s", rq->path);
    return NULL;
  }
  char *text = g_strconcat(cgfs_state_to_string(st), "\n", NULL);
  *len = strlen(text);
  return text;
}

/* frozen or thawed, in any case: TRUE for frozen. */
static gboolean parse_state(const char *word, gboolean *frozen, GError **error)
{
  *frozen = g_ascii_strcasecmp(word, "frozen") == 0;
  if (*frozen || g_ascii_strcasecmp(word, "thawed") == 0)
    return TRUE;
  g_set_error(error, CGFS_ERROR, EINVAL, "invalid state '%s': write frozen or thawed", word);
  return FALSE;
}

static gboolean check_partial_state(const char *start, GError **error)
{
  gsize n = strlen(start);
  if (g_ascii_strncasecmp(start, "frozen", n) == 0 || g_ascii_strncasecmp(start, "thawed", n) == 0)
    return TRUE;
  g_set_error(error, CGFS_ERROR, EINVAL, "invalid state '%s...': write frozen or thawed", start);
  return FALSE;
}

/* The writer waits in write() for the freeze to complete, which cannot happen while it is
 * one of the processes to freeze (a task waiting for FUSE cannot be frozen): refused at once. */
static gboolean refuse_frozen_writer(FsRequest *rq, GError **error)
{
  if (rq->caller <= 0 || !cgfs_cgroup_contains_process(rq->cg, rq->caller, "freezer"))
    return TRUE;
  g_set_error(error, CGFS_ERROR, EDEADLK,
              "cannot freeze %s: the writing process %d is in it and could never see the result; "
              "write from outside the cgroup", rq->path, (int)rq->caller);
  return FALSE;
}

/* With the writer's credentials: the kernel checks the freezer file's mode. A freeze that would
 * stop the daemon is refused: nobody could thaw it through the mount again. */
static gboolean set_state(FsRequest *rq, gboolean frozen, GError **error)
{
  if (frozen && !fs_check_daemon_outside(rq->cg, "freeze", error))
    return FALSE;
  FsSavedCreds saved;
  if (!fs_caller_enter(rq->who, &saved, error))
    return FALSE;
  gboolean ok = frozen ? cgfs_cgroup_freeze(rq->cg, error) : cgfs_cgroup_thaw(rq->cg, error);
  fs_caller_leave(&saved);
  if (ok)
    fs_audit(rq->who, rq->path, "%s", frozen ? "froze" : "thawed");
  return ok;
}

/* Every word checked before the first takes effect. */
static gboolean write_state(FsRequest *rq, char **words, guint n, GError **error)
{
  if (n > 0 && !fs_cgroupns_check_root_write(rq, error))
    return FALSE;
  g_autofree gboolean *frozen = g_new0(gboolean, n);
  for (guint i = 0; i < n; i++)
    if (!parse_state(words[i], &frozen[i], error) ||
        (frozen[i] && (!refuse_frozen_writer(rq, error) ||
                       !fs_check_daemon_outside(rq->cg, "freeze", error))))
      return FALSE;
  for (guint i = 0; i < n; i++)
    if (!set_state(rq, frozen[i], error))
      return FALSE;
  return TRUE;
}

const FsNode fs_node_state = {
  .name = "state",
  .mask = 0666,
  .mirror_v1 = (const char *const[]){ "freezer.state", NULL },
  .mirror_v2 = (const char *const[]){ "cgroup.freeze", NULL },
  .read = read_state,
  .read_as_daemon = TRUE,
  .write_kind = FS_WRITE_TOKENS,
  .write = write_state,
  .check_partial = check_partial_state,
};
