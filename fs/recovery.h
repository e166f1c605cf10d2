/* The daemon's journal: recovery at start, then journaling every plan (recovery.c). */
#pragma once

#include <cgfs/cgfs.h>

/* Where the records of the daemon on @mountpoint live: a directory per mount point below
 * @state_dir (default CGFS_DEFAULT_STATE_DIR for root, $XDG_RUNTIME_DIR/cgfs-state for a user),
 * so daemons on different mount points never recover each other's plans in flight. */
#define CGFS_DEFAULT_STATE_DIR "/run/cgfs-state"

/* Open the journal of @mountpoint (EBUSY while a live daemon holds it), undo what a crashed
 * daemon left unfinished, log what was done, and journal @h's plans from now on. An empty
 * @state_dir turns journaling off. */
gboolean fs_recover_and_journal(CgfsHierarchy *h, const char *state_dir, const char *mountpoint,
                                GError **error);

/* At a clean exit: stop journaling and remove the mount point's directory if it is empty. */
void fs_journal_finish(CgfsHierarchy *h, const char *state_dir, const char *mountpoint);
