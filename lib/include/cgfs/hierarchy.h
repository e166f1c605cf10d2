/**
 * SECTION:hierarchy
 * @title: CgfsHierarchy
 * @short_description: choosing which hierarchies a cgroup lives in
 * @include: cgfs/cgfs.h
 *
 * A #CgfsHierarchy is an ordered set of subsystems, each bound to the mount that carries it:
 * every mounted v1 subsystem (as containerd/cgroups' V1), the v2 unified hierarchy, one single
 * v1 subsystem, or whichever the machine runs ("detect": v2 on a unified machine, v1
 * otherwise). A systemd hierarchy (cgfs_hierarchy_systemd()) makes cgroups as systemd units.
 *
 * A #CgfsHierarchy does not change after creation (except by cgfs_hierarchy_set_journal(),
 * which is meant for before it is shared) and its reference count is atomic: it can be used
 * from several threads at once.
 */
#pragma once

#include <glib.h>
#include <cgfs/system.h>

G_BEGIN_DECLS
#pragma GCC visibility push(default) /* the public API: exported (lib/libcgfs.map) */

/**
 * CgfsHierarchy:
 *
 * An ordered set of subsystems. Opaque; reference-counted.
 */
typedef struct _CgfsHierarchy CgfsHierarchy;

/**
 * CgfsSubsystem:
 * @name: "cpu", "memory", "name=systemd"; "unified" for v2
 * @mount: the mount that carries it, owned by the hierarchy's #CgfsSystem
 *
 * One subsystem of a #CgfsHierarchy. Owned by the hierarchy.
 */
typedef struct {
  const char *name;
  const CgfsMount *mount;
} CgfsSubsystem;

/**
 * cgfs_hierarchy_v1:
 * @sys: a #CgfsSystem
 * @error: return location for a #GError, or %NULL
 *
 * Every mounted v1 subsystem, in mount order. ENODEV when no v1 hierarchy is mounted.
 *
 * Returns: (transfer full): a new #CgfsHierarchy, or %NULL with @error set
 */
CgfsHierarchy *cgfs_hierarchy_v1(CgfsSystem *sys, GError **error);
/**
 * cgfs_hierarchy_v2:
 * @sys: a #CgfsSystem
 * @error: return location for a #GError, or %NULL
 *
 * The v2 unified hierarchy (subsystem "unified"). ENODEV when no cgroup2 file system is
 * mounted.
 *
 * Returns: (transfer full): a new #CgfsHierarchy, or %NULL with @error set
 */
CgfsHierarchy *cgfs_hierarchy_v2(CgfsSystem *sys, GError **error);
/**
 * cgfs_hierarchy_single:
 * @sys: a #CgfsSystem
 * @subsystem: a v1 subsystem name ("memory", "name=systemd"), or "unified" for v2
 * @error: return location for a #GError, or %NULL
 *
 * One subsystem alone. ENODEV when it is not mounted.
 *
 * Returns: (transfer full): a new #CgfsHierarchy, or %NULL with @error set
 */
CgfsHierarchy *cgfs_hierarchy_single(CgfsSystem *sys, const char *subsystem, GError **error);
/**
 * cgfs_hierarchy_detect:
 * @sys: a #CgfsSystem
 * @error: return location for a #GError, or %NULL
 *
 * Whichever the machine runs: v2 on a unified machine, every v1 subsystem on a legacy or
 * hybrid one. ENODEV when no cgroup file system is mounted.
 *
 * Returns: (transfer full): a new #CgfsHierarchy, or %NULL with @error set
 */
CgfsHierarchy *cgfs_hierarchy_detect(CgfsSystem *sys, GError **error);
/**
 * cgfs_hierarchy_from_string:
 * @sys: a #CgfsSystem
 * @spec: "v1", "v2", "auto" or "detect", "systemd" (the system bus's manager, see
 *   cgfs_hierarchy_systemd()), or one subsystem name (cgfs_hierarchy_single())
 * @error: return location for a #GError, or %NULL
 *
 * The hierarchy a command-line option names.
 *
 * Returns: (transfer full): a new #CgfsHierarchy, or %NULL with @error set
 */
CgfsHierarchy *cgfs_hierarchy_from_string(CgfsSystem *sys, const char *spec, GError **error);

/**
 * cgfs_hierarchy_ref:
 * @h: a #CgfsHierarchy
 *
 * Take a reference (atomic).
 *
 * Returns: @h
 */
CgfsHierarchy *cgfs_hierarchy_ref(CgfsHierarchy *h);
/**
 * cgfs_hierarchy_unref:
 * @h: (nullable): a #CgfsHierarchy
 *
 * Drop a reference (atomic); the last one frees it. %NULL is accepted.
 */
void cgfs_hierarchy_unref(CgfsHierarchy *h);

/**
 * cgfs_hierarchy_version:
 * @h: a #CgfsHierarchy
 *
 * The cgroup version of its subsystems.
 *
 * Returns: 1 or 2
 */
int cgfs_hierarchy_version(const CgfsHierarchy *h);
/**
 * cgfs_hierarchy_system:
 * @h: a #CgfsHierarchy
 *
 * The system @h was made from.
 *
 * Returns: (transfer none): the #CgfsSystem, owned by @h
 */
CgfsSystem *cgfs_hierarchy_system(const CgfsHierarchy *h);
/**
 * cgfs_hierarchy_n_subsystems:
 * @h: a #CgfsHierarchy
 *
 * The number of subsystems, for cgfs_hierarchy_subsystem().
 *
 * Returns: the number of subsystems
 */
guint cgfs_hierarchy_n_subsystems(const CgfsHierarchy *h);
/**
 * cgfs_hierarchy_subsystem:
 * @h: a #CgfsHierarchy
 * @index: 0 to cgfs_hierarchy_n_subsystems() - 1
 *
 * One subsystem, in the hierarchy's order.
 *
 * Returns: (transfer none): the subsystem, owned by @h; %NULL for an index out of range
 */
const CgfsSubsystem *cgfs_hierarchy_subsystem(const CgfsHierarchy *h, guint index);
/**
 * cgfs_hierarchy_find:
 * @h: a #CgfsHierarchy
 * @name: a subsystem name ("memory"; "unified" for v2)
 *
 * The subsystem called @name.
 *
 * Returns: (transfer none) (nullable): the subsystem, owned by @h; %NULL if @h has none of
 *   that name
 */
const CgfsSubsystem *cgfs_hierarchy_find(const CgfsHierarchy *h, const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CgfsHierarchy, cgfs_hierarchy_unref)

#pragma GCC visibility pop
G_END_DECLS
