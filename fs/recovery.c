/* Restart loses nothing: before serving, the daemon undoes the plans a crashed predecessor left
 * half done (lib/core/journal.c), then journals its own. */
#include <errno.h>
#include <unistd.h>

#include "fs.h"
#include "recovery.h"

#include <glib/gstdio.h>

/* /run/cgfs-state for root; a user's daemon (mount.fuse3 -o setuid=) cannot write there. */
static char *default_state_dir(void)
{
  if (geteuid() == 0)
    return g_strdup(CGFS_DEFAULT_STATE_DIR);
  return g_build_filename(g_get_user_runtime_dir(), "cgfs-state", NULL);
}

static char *journal_dir(const char *state_dir, const char *mountpoint)
{
  g_autofree char *key = g_uri_escape_string(mountpoint, NULL, FALSE);
  g_autofree char *base = state_dir ? g_strdup(state_dir) : default_state_dir();
  return g_build_filename(base, key, NULL);
}

gboolean fs_recover_and_journal(CgfsHierarchy *h, const char *state_dir, const char *mountpoint,
                                GError **error)
{
  if (state_dir && !*state_dir) {
    g_message("no --state-dir: updates are not journaled, a crash may leave them half done");
    return TRUE;
  }
  g_autofree char *dir = journal_dir(state_dir, mountpoint);
  g_autoptr(GError) local = NULL;
  g_autoptr(CgfsJournal) j = cgfs_journal_new(dir, &local);
  if (!j && !state_dir && local->code != EBUSY) {
    /* Only the default: a directory the user named must work. */
    g_warning("updates are not journaled, a crash may leave them half done: %s", local->message);
    return TRUE;
  }
  if (!j) {
    g_propagate_error(error, g_steal_pointer(&local));
    return FALSE;
  }
  g_auto(GStrv) report = cgfs_journal_recover(j, error);
  if (!report)
    return FALSE;
  for (char **line = report; *line; line++)
    g_message("recovery: %s", *line);
  cgfs_hierarchy_set_journal(h, j);
  return TRUE;
}

void fs_journal_finish(CgfsHierarchy *h, const char *state_dir, const char *mountpoint)
{
  cgfs_hierarchy_set_journal(h, NULL);
  if (state_dir && !*state_dir)
    return;
  /* Nothing in flight any more: leave no empty directory per mount point behind. */
  g_autofree char *dir = journal_dir(state_dir, mountpoint);
  g_autofree char *lock = g_build_filename(dir, "lock", NULL);
  g_unlink(lock);
  g_rmdir(dir);
}
