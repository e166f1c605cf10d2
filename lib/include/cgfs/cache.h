/**
 * SECTION:cache
 * @title: CgfsCache
 * @short_description: a bounded cache of loaded cgroups and their open kernel files
 * @include: cgfs/cgfs.h
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
 *
 * Thread-safe: one #CgfsCache serves every thread of a process.
 */
#pragma once

#include <sys/stat.h>

#include <glib.h>
#include <cgfs/cgroup.h>

G_BEGIN_DECLS
#pragma GCC visibility push(default) /* the public API: exported (lib/libcgfs.map) */

/**
 * CgfsCache:
 *
 * A bounded cache of loaded cgroups. Opaque; thread-safe.
 */
typedef struct _CgfsCache CgfsCache;

/**
 * CgfsCacheAccessFunc:
 * @dirfd: the directory fd of the cgroup, in one hierarchy
 * @name: the control file's name in it
 * @data: the data given to cgfs_cache_set_access_check()
 *
 * Asked before a kept file is read: whether the calling thread may open @name below @dirfd
 * for reading now. A descriptor kept open was opened once, perhaps for someone else; this
 * check stands in for the permission check of the open() that is saved. Called from any
 * thread that reads.
 *
 * Returns: %TRUE to allow the read; %FALSE refuses it with EACCES
 */
typedef gboolean (*CgfsCacheAccessFunc)(int dirfd, const char *name, gpointer data);

/**
 * cgfs_cache_new:
 * @h: the hierarchy whose cgroups it caches
 * @max_fds: at most this many descriptors (0: nothing is kept, every load is fresh)
 *
 * A new, empty cache.
 *
 * Returns: (transfer full): the cache (free with cgfs_cache_free())
 */
CgfsCache *cgfs_cache_new(CgfsHierarchy *h, guint max_fds);
/**
 * cgfs_cache_free:
 * @c: (nullable): a #CgfsCache
 *
 * Drop every cached cgroup and free the cache. %NULL is accepted.
 */
void cgfs_cache_free(CgfsCache *c);
/**
 * cgfs_cache_set_access_check:
 * @c: a #CgfsCache
 * @fn: (nullable): the check, or %NULL for none
 * @data: passed to @fn
 *
 * Set the check made before every read through a kept descriptor (default: none). Call it
 * before the cache is shared between threads.
 */
void cgfs_cache_set_access_check(CgfsCache *c, CgfsCacheAccessFunc fn, gpointer data);
/**
 * CgfsCacheOverridesFunc:
 * @data: the data given to cgfs_cache_set_overrides_check()
 *
 * Whether the calling thread's effective capabilities include CAP_DAC_OVERRIDE now, for a
 * program that knows it without asking the kernel (one that keeps track of the credentials its
 * threads take on). An update of a cached cgroup asks it at most once, before it writes through
 * a descriptor kept from an earlier write or skips a write whose file holds the value already:
 * either saves the open() whose permission check the library then makes itself, and
 * CAP_DAC_OVERRIDE passes that check for every cgroup file. Called from any thread that
 * updates.
 *
 * Returns: 1 if it does, 0 if it does not, -1 if the program does not know (the library asks
 * the kernel then: one capget(2))
 */
typedef int (*CgfsCacheOverridesFunc)(gpointer data);

/**
 * cgfs_cache_set_overrides_check:
 * @c: a #CgfsCache
 * @fn: (nullable): the answer, or %NULL (default: the library asks the kernel every time)
 * @data: passed to @fn
 *
 * Set who answers whether the calling thread has CAP_DAC_OVERRIDE (#CgfsCacheOverridesFunc), for
 * updates of the cgroups @c caches. A wrong answer lends or withholds that capability: answer
 * only what is certain, -1 otherwise. Call it before the cache is shared between threads.
 */
void cgfs_cache_set_overrides_check(CgfsCache *c, CgfsCacheOverridesFunc fn, gpointer data);
/**
 * cgfs_cache_may_read:
 * @dirfd: a directory fd
 * @name: a file name in it
 * @unused: ignored
 *
 * The kernel's permission check for the calling thread's credentials (its fsuid, fsgid and
 * groups): faccessat(@dirfd, @name, R_OK, AT_EACCESS). A #CgfsCacheAccessFunc.
 *
 * Returns: %TRUE if the calling thread may read the file
 */
gboolean cgfs_cache_may_read(int dirfd, const char *name, gpointer unused);

/**
 * cgfs_cache_load:
 * @c: a #CgfsCache
 * @path: the cgroup's path
 * @error: return location for a #GError, or %NULL
 *
 * The cgroup at @path: the cached one if its directory is still there and the same, otherwise
 * loaded (cgfs_cgroup_load()) and cached.
 *
 * Returns: (transfer full): a new reference to the cgroup, or %NULL with @error set
 */
CgfsCgroup *cgfs_cache_load(CgfsCache *c, CgfsPathSpec path, GError **error);
/**
 * cgfs_cache_load_stat:
 * @c: a #CgfsCache
 * @path: the cgroup's path
 * @st: (out) (optional): the cgroup's directory, as cgfs_cgroup_stat() gives it
 * @error: return location for a #GError, or %NULL
 *
 * cgfs_cache_load(), and the stat of the cgroup's directory taken now: for a cached cgroup,
 * the stat its identity check makes anyway (one system call for both).
 *
 * Returns: (transfer full): a new reference to the cgroup, or %NULL with @error set
 */
CgfsCgroup *cgfs_cache_load_stat(CgfsCache *c, CgfsPathSpec path, struct stat *st,
                                 GError **error);
/**
 * cgfs_cache_get_same:
 * @c: a #CgfsCache
 * @path: the cgroup's path, as given to cgfs_cache_load()
 * @dev: the device of its directory, as an earlier load or stat gave it
 * @ino: and its inode
 *
 * The cached cgroup of @path if the cache holds it as the directory @dev/@ino, without a system
 * call: no look at the path now. Its directory descriptors name that directory whatever became
 * of the path since: once the cgroup was removed, the kernel refuses what is done through them
 * (ENOENT, ENODEV), even if a cgroup of the same name was made since. For a caller that checked
 * the identity earlier (an open file) and tells a removal by the kernel's refusal. Counts as a
 * load (cgfs_cache_load()).
 *
 * Returns: (transfer full) (nullable): a new reference to the cgroup, or %NULL when the cache
 * does not hold @path as that directory (load it then)
 */
CgfsCgroup *cgfs_cache_get_same(CgfsCache *c, const char *path, dev_t dev, ino_t ino);
/**
 * cgfs_cache_stat:
 * @c: a #CgfsCache
 * @path: the cgroup's path
 * @st: (out): the cgroup's directory, as cgfs_cgroup_stat() of the loaded cgroup gives it
 * @error: return location for a #GError, or %NULL
 *
 * The attributes of cgroup @path's directory now, without loading it when it is not cached:
 * one stat of its directory in the first hierarchy (a cgroup missing there is loaded, and the
 * error is the load's). A cgroup walked past (find, ls -l) is not loaded for a stat.
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean cgfs_cache_stat(CgfsCache *c, CgfsPathSpec path, struct stat *st, GError **error);
/**
 * cgfs_cache_stat_node:
 * @c: a #CgfsCache
 * @path: the cgroup's path
 * @names: (nullable) (array zero-terminated=1): control files, as for cgfs_cgroup_stat_file()
 * @dir: (out): the cgroup's directory, as cgfs_cache_stat() gives it
 * @file: (out): the first of @names that the cgroup has, when *@found
 * @found: (out): whether one of @names was found
 * @error: return location for a #GError, or %NULL
 *
 * The attributes a file tree shows for a file of the cgroup at @path: its directory's, and the
 * first of @names found (cgfs_cgroup_stat_file(): each name in every hierarchy, in order). A
 * cgroup not cached is not loaded: both are stats by path.
 *
 * Returns: %TRUE, or %FALSE with @error set when the cgroup is not there
 */
gboolean cgfs_cache_stat_node(CgfsCache *c, CgfsPathSpec path, const char *const *names,
                              struct stat *dir, struct stat *file, gboolean *found,
                              GError **error);
/**
 * cgfs_cache_children_of:
 * @c: a #CgfsCache
 * @path: the cgroup's path
 * @error: return location for a #GError
 *
 * cgfs_cache_children() of the cgroup at @path. A cgroup not cached that has no child in any
 * hierarchy (the link count of each of its directories, by path) is answered without loading
 * it: most cgroups of a big tree are such leaves.
 *
 * Returns: (transfer full): the sorted child names (g_strfreev()), or %NULL with @error set
 */
char **cgfs_cache_children_of(CgfsCache *c, CgfsPathSpec path, GError **error);
/**
 * cgfs_cache_add:
 * @c: a #CgfsCache
 * @cg: a cgroup of the cache's hierarchy
 *
 * Cache @cg, just made (cgfs_cgroup_create_child()) or loaded, so that the next load of its
 * path finds it. A cgroup of another hierarchy, or a nested one, is not cached.
 */
void cgfs_cache_add(CgfsCache *c, CgfsCgroup *cg);
/**
 * cgfs_cache_children:
 * @c: a #CgfsCache
 * @cg: a cgroup this cache returned
 * @error: return location for a #GError
 *
 * cgfs_cgroup_children() of @cg. A cached cgroup with children keeps its listing while the
 * kernel reports no change in any of its directories (inotify: a child made, removed or
 * renamed there, by anyone), so that listing it again does not list every hierarchy's
 * directory. The reported changes are read before every use: a child made before this call is
 * in the answer. Without inotify (or a watch), it lists.
 *
 * Returns: (transfer full): the sorted child names (g_strfreev()), or %NULL with @error set
 */
char **cgfs_cache_children(CgfsCache *c, CgfsCgroup *cg, GError **error);
/**
 * cgfs_cache_forget:
 * @c: a #CgfsCache
 * @path: a cgroup path
 *
 * Forget @path and every cgroup below it (after deleting them).
 */
void cgfs_cache_forget(CgfsCache *c, const char *path);
/**
 * cgfs_cache_n_fds:
 * @c: a #CgfsCache
 *
 * The descriptors held now by the cached cgroups.
 *
 * Returns: the number of descriptors
 */
guint cgfs_cache_n_fds(CgfsCache *c);
/**
 * cgfs_cache_n_cgroups:
 * @c: a #CgfsCache
 *
 * The cgroups cached now.
 *
 * Returns: the number of cgroups
 */
guint cgfs_cache_n_cgroups(CgfsCache *c);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CgfsCache, cgfs_cache_free)

#pragma GCC visibility pop
G_END_DECLS
