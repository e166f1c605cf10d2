/**
 * SECTION:cgroupns
 * @title: CgfsNsRoot
 * @short_description: what a cgroup namespace reaches of a hierarchy
 * @include: cgfs/cgfs.h
 *
 * A process in a cgroup namespace sees the cgroups at or below its namespace's root (the
 * cgroups it was in when the namespace was made, one per hierarchy) and nothing else: cgroupfs
 * mounted there shows that root as "/", and with cgroup2's nsdelegate the kernel refuses a
 * migration whose source or destination is outside it (ENOENT). A #CgfsNsRoot holds that root
 * in each subsystem of a hierarchy, found from the process's /proc/PID/cgroup read twice: once
 * in the library's cgroup namespace (absolute paths), once in the process's own (paths relative
 * to its namespace's root); the root is the absolute path less the relative one.
 *
 * A #CgfsNsRoot does not change after creation and its reference count is atomic.
 */
#pragma once

#include <sys/types.h>

#include <glib.h>
#include <cgfs/hierarchy.h>

G_BEGIN_DECLS

#pragma GCC visibility push(default) /* the public API: exported (lib/libcgfs.map) */

/**
 * CgfsNsRoot:
 *
 * The root of one cgroup namespace in each subsystem of a hierarchy. Opaque.
 */
typedef struct _CgfsNsRoot CgfsNsRoot;

/**
 * CgfsNsPlace:
 * @CGFS_NS_OUTSIDE: not reachable from the namespace at all
 * @CGFS_NS_ABOVE: an ancestor of the namespace's root (in some subsystem): a directory on the
 *   way to it, nothing more
 * @CGFS_NS_ROOT: the namespace's root (in some subsystem; at or below it in all)
 * @CGFS_NS_INSIDE: strictly below the root in every subsystem
 *
 * Where a cgroup of the hierarchy lies for a namespace.
 */
typedef enum {
  CGFS_NS_OUTSIDE = 0,
  CGFS_NS_ABOVE,
  CGFS_NS_ROOT,
  CGFS_NS_INSIDE,
} CgfsNsPlace;

/**
 * cgfs_ns_root_new:
 * @h: the hierarchy
 * @absolute: the process's /proc/PID/cgroup as read in the library's cgroup namespace
 * @relative: the same file as read in the process's own cgroup namespace
 * @error: return location for a #GError, or %NULL
 *
 * The namespace root of that process, in each subsystem of @h. A hierarchy the process is not
 * listed in is not reachable at all.
 *
 * Returns: (transfer full) (nullable): a new #CgfsNsRoot, or %NULL: EINVAL if the two do not
 *   fit together (not the same process, or it moved in between), ENOENT if the process is
 *   outside its namespace's root ("/.." paths: it was moved out after the namespace was made)
 */
CgfsNsRoot *cgfs_ns_root_new(const CgfsHierarchy *h, const char *absolute, const char *relative,
                             GError **error);

/**
 * cgfs_ns_root_new_none:
 * @h: the hierarchy
 *
 * A namespace that reaches nothing of @h (one whose root cannot be found).
 *
 * Returns: (transfer full): a new #CgfsNsRoot
 */
CgfsNsRoot *cgfs_ns_root_new_none(const CgfsHierarchy *h);

/**
 * cgfs_ns_root_ref:
 * @r: a #CgfsNsRoot
 *
 * Takes a reference.
 *
 * Returns: (transfer full): @r
 */
CgfsNsRoot *cgfs_ns_root_ref(CgfsNsRoot *r);

/**
 * cgfs_ns_root_unref:
 * @r: (nullable): a #CgfsNsRoot
 *
 * Drops a reference; the last one frees it.
 */
void cgfs_ns_root_unref(CgfsNsRoot *r);

/**
 * cgfs_ns_root_place:
 * @r: a #CgfsNsRoot
 * @path: a hierarchy path ("/a/b", as cgfs_cgroup_load() takes it)
 *
 * Where the cgroup at @path lies for the namespace. A subsystem where it is outside makes it
 * %CGFS_NS_OUTSIDE; else one where it is above the root makes it %CGFS_NS_ABOVE; else one
 * where it is the root makes it %CGFS_NS_ROOT.
 *
 * Returns: the place
 */
CgfsNsPlace cgfs_ns_root_place(const CgfsNsRoot *r, const char *path);

/**
 * cgfs_ns_place_reachable:
 * @place: a #CgfsNsPlace
 *
 * Whether the namespace reaches a cgroup at @place: its root and what is below it.
 *
 * Returns: %TRUE for %CGFS_NS_ROOT and %CGFS_NS_INSIDE
 */
gboolean cgfs_ns_place_reachable(CgfsNsPlace place);

/**
 * cgfs_ns_root_check_task:
 * @r: a #CgfsNsRoot
 * @pid: a process or thread id
 * @error: return location for a #GError, or %NULL
 *
 * Whether process or thread @pid is at or below the namespace's root in every subsystem, as
 * cgroup2 with nsdelegate requires of the source of a migration.
 *
 * Returns: %TRUE if it is; %FALSE with ENOENT (the kernel's answer) if not, ESRCH if it does
 *   not exist
 */
gboolean cgfs_ns_root_check_task(const CgfsNsRoot *r, pid_t pid, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CgfsNsRoot, cgfs_ns_root_unref)

#pragma GCC visibility pop

G_END_DECLS
