/* libcgfs: cgroups as systemd units.
 *
 * On a machine that runs systemd, systemd owns the cgroup tree: cgroups made behind its back can
 * be moved or pruned, and limits written straight to cgroupfs are overwritten at the next
 * `daemon-reload`. A systemd hierarchy makes each cgroup a transient unit instead, over D-Bus:
 *
 *   g_autoptr(CgfsHierarchy) h = cgfs_hierarchy_systemd(sys, NULL, &error);
 *   g_autofree char *path = cgfs_systemd_slice_path("system.slice", "web.slice", &error);
 *   g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(h, CGFS_STATIC_PATH(path), resources, &error);
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
 */
#pragma once

#include <sys/types.h>
#include <glib.h>
#include <cgfs/cgroup.h>
#include <cgfs/resources.h>

G_BEGIN_DECLS
#pragma GCC visibility push(default) /* the public API: exported (lib/libcgfs.map) */

/* Connect to the systemd manager on the D-Bus bus at @bus_address (NULL: the system bus) and
 * bind it to @sys's cgroupfs hierarchy. ENOTCONN when no manager answers there. */
CgfsHierarchy *cgfs_hierarchy_systemd(CgfsSystem *sys, const char *bus_address,
                                      GError **error);
/* Whether @h is a systemd hierarchy. */
gboolean cgfs_hierarchy_is_systemd(const CgfsHierarchy *h);
/* How long a systemd job (start, stop) or call may take before ETIMEDOUT; default 90 s. */
void cgfs_hierarchy_systemd_set_timeout(CgfsHierarchy *h, guint timeout_ms);

/* "a-b.slice" -> "/a.slice/a-b.slice", "-.slice" -> "/" (systemd's slice naming rules).
 * EINVAL for a name that is no slice ("a--b.slice", "-a.slice", "a/b.slice", "x.scope"). */
char *cgfs_systemd_expand_slice(const char *slice, GError **error);
/* containerd's Slice(parent, name): the path of unit @name in slice @parent (NULL or "": the
 * root slice). @name is a slice ("b.slice", or already "a-b.slice" under "a.slice") or a scope
 * ("x.scope"); a name without a unit suffix is a scope ("x" -> "x.scope"). */
char *cgfs_systemd_slice_path(const char *parent, const char *name, GError **error);
/* The unit a path in a systemd hierarchy names ("x.scope"), or NULL when its last component
 * is a plain cgroup below a delegated unit. */
char *cgfs_systemd_path_unit(const char *path);

/* Start the transient scope at @path holding @pid (a scope cannot exist without a process),
 * with Delegate=yes and @resources (NULL: none). */
CgfsCgroup *cgfs_cgroup_new_scope(CgfsHierarchy *h, const char *path, pid_t pid,
                                  const CgfsResources *resources, GError **error);

#pragma GCC visibility pop
G_END_DECLS
