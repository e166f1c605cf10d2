/* libcgfs: a bounded cache of loaded cgroups and their open kernel files.
 *
 * A program that asks about the same cgroups again and again (a daemon serving a file tree, a
 * monitoring loop) can keep them loaded: cgfs_cache_load() returns the cached cgroup while its
 * directory is still the one at its path (same device and inode: a cgroup removed and made
 * again under the same name is loaded anew), and the statistics of a cached cgroup are read
 * through descriptors kept open, with pread() at offset 0, which makes the kernel generate the
 * content again. The cache holds descriptors, never content: nothing it returns is stale.
 *
 * It is bounded by a number of descriptors (directories and files together); past it the least
 * recently loaded cgroups are dropped. Requests in flight keep what they hold until they end,
 * so the process may briefly hold more (at most one cgroup's worth per concurrent request).
 * Thread-safe.
 */
#pragma once

#include <glib.h>
#include <cgfs/cgroup.h>

G_BEGIN_DECLS
#pragma GCC visibility push(default) /* the public API: exported (lib/libcgfs.map) */

typedef struct _CgfsCache CgfsCache;

/* Asked before a kept file is read: whether the calling thread may open @name below @dirfd for
 * reading now. A descriptor kept open was opened once, perhaps for someone else; this check
 * stands in for the permission check of the open() that is saved. FALSE refuses with EACCES. */
typedef gboolean (*CgfsCacheAccessFunc)(int dirfd, const char *name, gpointer data);

/* At most @max_fds descriptors (0: nothing is kept, every load is fresh). */
CgfsCache *cgfs_cache_new(CgfsHierarchy *h, guint max_fds);
void cgfs_cache_free(CgfsCache *c);
/* Set the check made before every read through a kept descriptor (default: none). */
void cgfs_cache_set_access_check(CgfsCache *c, CgfsCacheAccessFunc fn, gpointer data);
/* The kernel's permission check for the calling thread's credentials (its fsuid, fsgid and
 * groups): faccessat(@dirfd, @name, R_OK, AT_EACCESS). A CgfsCacheAccessFunc. */
gboolean cgfs_cache_may_read(int dirfd, const char *name, gpointer unused);

/* The cgroup at @path: the cached one if its directory is still there and the same, otherwise
 * loaded (cgfs_cgroup_load) and cached. A new reference. */
CgfsCgroup *cgfs_cache_load(CgfsCache *c, CgfsPathSpec path, GError **error);
/* Cache @cg, just made (cgfs_cgroup_create_child) or loaded, so that the next load of its path
 * finds it. A cgroup of another hierarchy, or a nested one, is not cached. */
void cgfs_cache_add(CgfsCache *c, CgfsCgroup *cg);
/* Forget @path and every cgroup below it (after deleting them). */
void cgfs_cache_forget(CgfsCache *c, const char *path);
/* Descriptors held now by the cached cgroups, and the number of cgroups. */
guint cgfs_cache_n_fds(CgfsCache *c);
guint cgfs_cache_n_cgroups(CgfsCache *c);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CgfsCache, cgfs_cache_free)

#pragma GCC visibility pop
G_END_DECLS
