/**
 * SECTION:tree
 * @title: File tree
 * @short_description: a cgroup as a node of a file tree: children, owner, mode, times
 * @include: cgfs/cgfs.h
 *
 * What a program that shows cgroups as directories (the cgfs daemon) needs beyond the cgroup
 * object: the child cgroups as the union over every hierarchy, and the owner, mode and times
 * of the cgroup's directory and control files, so that a view can mirror them.
 *
 * Thread-safe, as #CgfsCgroup.
 */
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <glib.h>
#include <cgfs/cgroup.h>

G_BEGIN_DECLS
#pragma GCC visibility push(default) /* the public API: exported (lib/libcgfs.map) */

/**
 * cgfs_cgroup_children:
 * @cg: a #CgfsCgroup
 * @error: return location for a #GError, or %NULL
 *
 * The names of the child cgroups, sorted: the union over the cgroup's directories in every
 * hierarchy, so a child that exists in only some of them is listed.
 *
 * Returns: (transfer full): a %NULL-terminated array (free with g_strfreev()), or %NULL with
 *   @error set
 */
char **cgfs_cgroup_children(CgfsCgroup *cg, GError **error);

/**
 * cgfs_cgroup_stat:
 * @cg: a #CgfsCgroup
 * @st: (out caller-allocates): filled by stat()
 * @error: return location for a #GError, or %NULL
 *
 * stat() of the cgroup's directory in the first hierarchy (in the hierarchy's order) where it
 * exists. ENOENT "cgroup deleted" when it exists nowhere.
 *
 * Returns: %TRUE on success
 */
gboolean cgfs_cgroup_stat(CgfsCgroup *cg, struct stat *st, GError **error);

/**
 * cgfs_cgroup_stat_file:
 * @cg: a #CgfsCgroup
 * @names: (array zero-terminated=1): control file names, %NULL-terminated
 * @st: (out caller-allocates): filled by stat()
 * @error: return location for a #GError, or %NULL
 *
 * stat() of the first of @names that exists in one of the cgroup's directories, tried name by
 * name, each in hierarchy order. ENOENT when none exists.
 *
 * Returns: %TRUE on success
 */
gboolean cgfs_cgroup_stat_file(CgfsCgroup *cg, const char *const *names, struct stat *st,
                               GError **error);

/**
 * cgfs_cgroup_chown:
 * @cg: a #CgfsCgroup
 * @uid: the new owner
 * @gid: the new group
 * @error: return location for a #GError, or %NULL
 *
 * Give the cgroup's directory and the files in it to @uid/@gid in every hierarchy, as
 * cgroupfs does for a cgroup that a user other than root creates.
 *
 * Returns: %TRUE on success
 */
gboolean cgfs_cgroup_chown(CgfsCgroup *cg, uid_t uid, gid_t gid, GError **error);
/**
 * cgfs_cgroup_delegate:
 * @cg: a #CgfsCgroup
 * @uid: the delegate's user, or (uid_t)-1 to leave the owner unchanged
 * @gid: the delegate's group, or (gid_t)-1 to leave the group unchanged
 * @error: return location for a #GError, or %NULL
 *
 * Delegate the cgroup as systemd's Delegate=yes does: its directory and cgroup.procs and tasks
 * (v1, in every hierarchy), or cgroup.procs, cgroup.threads and cgroup.subtree_control (v2),
 * to @uid:@gid. The kernel checks the calling thread's right to chown; a failure may leave the
 * first hierarchies changed.
 *
 * Returns: %TRUE on success
 */
gboolean cgfs_cgroup_delegate(CgfsCgroup *cg, uid_t uid, gid_t gid, GError **error);

/**
 * cgfs_cgroup_chmod_dir:
 * @cg: a #CgfsCgroup
 * @mode: permission bits (07777 at most)
 * @error: return location for a #GError, or %NULL
 *
 * Set the permission bits of the cgroup's directory in every hierarchy (its files keep
 * theirs), as cgroupfs's mkdir does with the mode it is given.
 *
 * Returns: %TRUE on success
 */
gboolean cgfs_cgroup_chmod_dir(CgfsCgroup *cg, mode_t mode, GError **error);

#pragma GCC visibility pop
G_END_DECLS
