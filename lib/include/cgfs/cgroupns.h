/* libcgfs: what a cgroup namespace reaches of a hierarchy.
 *
 * A process in a cgroup namespace sees the cgroups at or below its namespace's root (the
 * cgroups it was in when the namespace was made, one per hierarchy) and nothing else: cgroupfs
 * mounted there shows that root as "/", and with cgroup2's nsdelegate the kernel refuses a
 * migration whose source or destination is outside it (ENOENT). A CgfsNsRoot holds that root in
 * each subsystem of a hierarchy, found from the process's /proc/PID/cgroup read twice: once in
 * the library's cgroup namespace (absolute paths), once in the process's own (paths relative
 * to its namespace's root); the root is the absolute path less the relative one.
 */
#pragma once

#include <sys/types.h>

#include <glib.h>
#include <cgfs/hierarchy.h>

G_BEGIN_DECLS

#pragma GCC visibility push(default) /* the public API: exported (lib/libcgfs.map) */

typedef struct _CgfsNsRoot CgfsNsRoot;

/* Where a cgroup of the hierarchy lies for a namespace. */
typedef enum {
  CGFS_NS_OUTSIDE = 0, /* not reachable from the namespace at all */
  CGFS_NS_ABOVE,       /* an ancestor of the namespace's root (in some subsystem): a directory
                          on the way to it, nothing more */
  CGFS_NS_ROOT,        /* the namespace's root (in some subsystem; at or below it in all) */
  CGFS_NS_INSIDE,      /* strictly below the root in every subsystem */
} CgfsNsPlace;

/* The namespace root of the process whose /proc/PID/cgroup reads @absolute in the library's
 * cgroup namespace and @relative in its own, in each subsystem of @h. EINVAL if the two do not
 * fit together (not the same process, or it moved in between), ENOENT if the process is
 * outside its namespace's root ("/.." paths: it was moved out after the namespace was made). */
CgfsNsRoot *cgfs_ns_root_new(const CgfsHierarchy *h, const char *absolute, const char *relative,
                             GError **error);
/* A namespace that reaches nothing of @h (one whose root cannot be found). */
CgfsNsRoot *cgfs_ns_root_new_none(const CgfsHierarchy *h);
CgfsNsRoot *cgfs_ns_root_ref(CgfsNsRoot *r);
void cgfs_ns_root_unref(CgfsNsRoot *r);

/* Where the cgroup at hierarchy path @path ("/a/b", as cgfs_cgroup_load takes it) lies. A
 * subsystem where it is outside makes it OUTSIDE; else one where it is above the root makes it
 * ABOVE; else one where it is the root makes it ROOT. */
CgfsNsPlace cgfs_ns_root_place(const CgfsNsRoot *r, const char *path);
/* Whether the namespace can reach @place: its root and what is below it. */
gboolean cgfs_ns_place_reachable(CgfsNsPlace place);
/* ENOENT (the kernel's answer to a migration from outside the writer's namespace) unless
 * process or thread @pid is at or below the namespace's root in every subsystem. */
gboolean cgfs_ns_root_check_task(const CgfsNsRoot *r, pid_t pid, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CgfsNsRoot, cgfs_ns_root_unref)

#pragma GCC visibility pop

G_END_DECLS
