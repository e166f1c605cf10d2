/* libcgfs: a cgroup as a node of a file tree.
 *
 * What a program that shows cgroups as directories (the cgfs daemon) needs beyond the cgroup
 * object: the child cgroups as the union over every hierarchy, and the owner, mode and times of
 * the cgroup's directory and control files, so that a view can mirror them.
 */
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <glib.h>
#include <cgfs/cgroup.h>

G_BEGIN_DECLS
#pragma GCC visibility push(default) /* the public API: exported (lib/libcgfs.map) */

/* The names of the child cgroups, sorted: the union over the cgroup's directories in every
 * hierarchy, so a child that exists in only some of them is listed. Free with g_strfreev. */
char **cgfs_cgroup_children(CgfsCgroup *cg, GError **error);

/* stat() of the cgroup's directory in the first hierarchy (in the hierarchy's order) where it
 * exists. ENOENT "cgroup deleted" when it exists nowhere. */
gboolean cgfs_cgroup_stat(CgfsCgroup *cg, struct stat *st, GError **error);

/* stat() of the first of @names (a NULL-terminated list of control file names) that exists in
 * one of the cgroup's directories, tried name by name, each in hierarchy order. ENOENT when none
 * exists. */
gboolean cgfs_cgroup_stat_file(CgfsCgroup *cg, const char *const *names, struct stat *st,
                               GError **error);

/* Give the cgroup's directory and the files in it to @uid/@gid in every hierarchy, as cgroupfs
 * does for a cgroup that a user other than root creates. */
gboolean cgfs_cgroup_chown(CgfsCgroup *cg, uid_t uid, gid_t gid, GError **error);
/* Delegate the cgroup as systemd's Delegate=yes does: its directory and cgroup.procs and tasks
 * (v1, in every hierarchy), or cgroup.procs, cgroup.threads and cgroup.subtree_control (v2), to
 * @uid:@gid ((uid_t)-1, (gid_t)-1: unchanged). The kernel checks the calling thread's right to
 * chown; a failure may leave the first hierarchies changed. */
gboolean cgfs_cgroup_delegate(CgfsCgroup *cg, uid_t uid, gid_t gid, GError **error);

/* Set the permission bits of the cgroup's directory in every hierarchy (its files keep theirs),
 * as cgroupfs's mkdir does with the mode it is given. */
gboolean cgfs_cgroup_chmod_dir(CgfsCgroup *cg, mode_t mode, GError **error);

#pragma GCC visibility pop
G_END_DECLS
