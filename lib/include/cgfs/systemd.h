/**
 * SECTION:systemd
 * @title: systemd
 * @short_description: cgroups as systemd units (transient slices and scopes over D-Bus)
 * @include: cgfs/cgfs.h
 *
 * On a machine that runs systemd, systemd owns the cgroup tree: cgroups made behind its back can
 * be moved or pruned, and limits written straight to cgroupfs are overwritten at the next
 * `daemon-reload`. A systemd hierarchy makes each cgroup a transient unit instead, over D-Bus:
 *
 * |[<!-- language="C" -->
 * g_autoptr(CgfsHierarchy) h = cgfs_hierarchy_systemd(sys, NULL, &error);
 * g_autofree char *path = cgfs_systemd_slice_path("system.slice", "web.slice", &error);
 * g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(h, CGFS_STATIC_PATH(path), resources, &error);
 * ]|
 *
 * Paths in a systemd hierarchy are cgroup paths below the manager's root cgroup whose
 * components are unit names: "/a.slice/a-b.slice/x.scope". A slice's name repeats its parent's
 * ("a-b.slice" lives in "a.slice"), a scope sits in a slice, and below a scope (created with
 * Delegate=yes) or a service the components are plain cgroups, made on cgroupfs as in the v1/v2
 * hierarchies. The directories are those of the machine's cgroupfs hierarchy (v2 on a unified
 * machine, every v1 subsystem on a hybrid or legacy one): stats, processes, events, freezer
 * state and the resources read back come from cgroupfs; cgfs_cgroup_version() says which.
 *
 * What changes for units: cgfs_cgroup_new() = StartTransientUnit (a slice; a scope needs a
 * process, see cgfs_cgroup_new_scope), waiting for the job; cgfs_cgroup_delete() = StopUnit;
 * cgfs_cgroup_add_process() = AttachProcessesToUnit; cgfs_cgroup_freeze()/thaw() =
 * FreezeUnit/ThawUnit where systemd has them; cgfs_cgroup_update() = SetUnitProperties
 * (runtime) for what systemd can express, and cgroupfs for the rest (docs/resources.md).
 *
 * A systemd hierarchy is thread-safe as any other: one D-Bus connection serves every thread.
 */
#pragma once

#include <sys/types.h>
#include <glib.h>
#include <cgfs/cgroup.h>
#include <cgfs/resources.h>

G_BEGIN_DECLS
#pragma GCC visibility push(default) /* the public API: exported (lib/libcgfs.map) */

/**
 * cgfs_hierarchy_systemd:
 * @sys: a #CgfsSystem
 * @bus_address: (nullable): a D-Bus address, or %NULL for the system bus
 * @error: return location for a #GError, or %NULL
 *
 * Connect to the systemd manager on the D-Bus bus at @bus_address and bind it to @sys's
 * cgroupfs hierarchy. ENOTCONN when no manager answers there.
 *
 * Returns: (transfer full): a new #CgfsHierarchy, or %NULL with @error set
 */
CgfsHierarchy *cgfs_hierarchy_systemd(CgfsSystem *sys, const char *bus_address,
                                      GError **error);
/**
 * cgfs_hierarchy_is_systemd:
 * @h: a #CgfsHierarchy
 *
 * Whether @h is a systemd hierarchy.
 *
 * Returns: %TRUE if it was made by cgfs_hierarchy_systemd()
 */
gboolean cgfs_hierarchy_is_systemd(const CgfsHierarchy *h);
/**
 * cgfs_hierarchy_systemd_set_timeout:
 * @h: a systemd #CgfsHierarchy
 * @timeout_ms: milliseconds
 *
 * How long a systemd job (start, stop) or call may take before ETIMEDOUT; default 90 s.
 * Call it before @h is shared between threads.
 */
void cgfs_hierarchy_systemd_set_timeout(CgfsHierarchy *h, guint timeout_ms);

/**
 * cgfs_systemd_expand_slice:
 * @slice: a slice unit name
 * @error: return location for a #GError, or %NULL
 *
 * The cgroup path of a slice by systemd's slice naming rules: "a-b.slice" gives
 * "/a.slice/a-b.slice", "-.slice" gives "/". EINVAL for a name that is no slice ("a--b.slice",
 * "-a.slice", "a/b.slice", "x.scope").
 *
 * Returns: (transfer full): the path (g_free() it), or %NULL with @error set
 */
char *cgfs_systemd_expand_slice(const char *slice, GError **error);
/**
 * cgfs_systemd_slice_path:
 * @parent: (nullable): the parent slice ("a.slice"), or %NULL or "" for the root slice
 * @name: a slice ("b.slice", or already "a-b.slice" under "a.slice") or a scope ("x.scope");
 *   a name without a unit suffix is a scope ("x" gives "x.scope")
 * @error: return location for a #GError, or %NULL
 *
 * containerd's Slice(parent, name): the path of unit @name in slice @parent.
 *
 * Returns: (transfer full): the path (g_free() it), or %NULL with @error set
 */
char *cgfs_systemd_slice_path(const char *parent, const char *name, GError **error);
/**
 * cgfs_systemd_path_unit:
 * @path: a path in a systemd hierarchy
 *
 * The unit @path names.
 *
 * Returns: (transfer full) (nullable): the unit name ("x.scope"; g_free() it), or %NULL when
 *   the last component of @path is a plain cgroup below a delegated unit
 */
char *cgfs_systemd_path_unit(const char *path);

/**
 * cgfs_cgroup_new_scope:
 * @h: a systemd #CgfsHierarchy
 * @path: the scope's path, "/a.slice/x.scope"
 * @pid: the process the scope starts with (a scope cannot exist without a process)
 * @resources: (nullable): limits, or %NULL for none
 * @error: return location for a #GError, or %NULL
 *
 * Start the transient scope at @path holding @pid, with Delegate=yes and @resources.
 *
 * Returns: (transfer full): the scope's cgroup, or %NULL with @error set
 */
CgfsCgroup *cgfs_cgroup_new_scope(CgfsHierarchy *h, const char *path, pid_t pid,
                                  const CgfsResources *resources, GError **error);

#pragma GCC visibility pop
G_END_DECLS
