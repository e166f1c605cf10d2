/* Restart with no hand: taking over the mount point of a cgfs daemon that died (takeover.c). */
#pragma once

#include <glib.h>

/* Before mounting on @mountpoint: while the topmost mount there is a fuse.cgfs mount whose
 * daemon has gone (statfs says ENOTCONN), detach it (umount2 MNT_DETACH, or `fusermount3 -u -z`
 * without the privilege), so that the new daemon mounts on a clean mount point. A dead mount of
 * any other file system is left alone: ENOTCONN naming it. *@detached: how many were detached. */
gboolean fs_take_over_dead_mount(const char *mountpoint, guint *detached, GError **error);

/* Whether -o auto_unmount applies to @mountpoint: a path (not a /dev/fd/N passed by
 * mount.fuse3) and fusermount3, which does the unmounting, is installed. */
gboolean fs_auto_unmount_applies(const char *mountpoint);
