/**
 * SECTION:system
 * @title: CgfsSystem
 * @short_description: discovering the machine's cgroup hierarchies
 * @include: cgfs/cgfs.h
 *
 * A #CgfsSystem is a snapshot of which cgroup file systems are mounted (from mountinfo) and
 * where the calling process sits in each (from /proc/self/cgroup). Its inputs can be pointed at
 * a fake tree in a temporary directory (#CgfsSystemSources), which is how the unit tests run
 * without root.
 *
 * A #CgfsSystem does not change after creation and its reference count is atomic: it can be
 * used from several threads at once.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS
#pragma GCC visibility push(default) /* the public API: exported (lib/libcgfs.map) */

/**
 * CgfsMode:
 * @CGFS_MODE_UNAVAILABLE: no cgroup file system mounted
 * @CGFS_MODE_LEGACY: v1 hierarchies only
 * @CGFS_MODE_HYBRID: v1 hierarchies plus a v2 hierarchy
 * @CGFS_MODE_UNIFIED: v2 only
 *
 * How the machine mounts its cgroups.
 */
typedef enum {
  CGFS_MODE_UNAVAILABLE = 0,
  CGFS_MODE_LEGACY,
  CGFS_MODE_HYBRID,
  CGFS_MODE_UNIFIED,
} CgfsMode;

/**
 * CgfsMount:
 * @version: 1 or 2
 * @hierarchy_id: v1: the id in /proc/self/cgroup; v2: 0; -1 when not listed there
 * @mount_point: as mountinfo says, e.g. /sys/fs/cgroup/cpu,cpuacct
 * @dir: where libcgfs reaches it: the prefix (#CgfsSystemSources) + @mount_point
 * @root: the mount's root within the hierarchy (mountinfo field 4)
 * @controllers: v1: the mount's subsystems ("cpu", "cpuacct", "name=systemd"); v2: the root's
 *   cgroup.controllers
 * @self_path: the calling process's cgroup in this hierarchy; %NULL if unknown
 *
 * One mounted cgroup hierarchy (a line of mountinfo). Owned by its #CgfsSystem.
 */
typedef struct {
  int version;
  int hierarchy_id;
  char *mount_point;
  char *dir;
  char *root;
  char **controllers;
  char *self_path;
} CgfsMount;

/**
 * CgfsSystemSources:
 * @mountinfo: default /proc/self/mountinfo
 * @self_cgroup: default /proc/self/cgroup
 * @prefix: prepended to every mount point; default none
 *
 * Where a #CgfsSystem reads its inputs (cgfs_system_new_from()); %NULL members take the real
 * machine's.
 */
typedef struct {
  const char *mountinfo;
  const char *self_cgroup;
  const char *prefix;
} CgfsSystemSources;

/**
 * CgfsSystem:
 *
 * The machine's cgroup mounts, as read once. Opaque; reference-counted.
 */
typedef struct _CgfsSystem CgfsSystem;

/**
 * cgfs_system_new:
 * @error: return location for a #GError, or %NULL
 *
 * Read the real machine's cgroup mounts: cgfs_system_new_from() with every source at its
 * default.
 *
 * Returns: (transfer full): a new #CgfsSystem, or %NULL with @error set
 */
CgfsSystem *cgfs_system_new(GError **error);
/**
 * cgfs_system_new_from:
 * @sources: where to read; %NULL members take the real machine's
 * @error: return location for a #GError, or %NULL
 *
 * Read the cgroup mounts described by @sources (a fake tree in the unit tests).
 *
 * Returns: (transfer full): a new #CgfsSystem, or %NULL with @error set
 */
CgfsSystem *cgfs_system_new_from(const CgfsSystemSources *sources, GError **error);
/**
 * cgfs_system_ref:
 * @sys: a #CgfsSystem
 *
 * Take a reference (atomic).
 *
 * Returns: @sys
 */
CgfsSystem *cgfs_system_ref(CgfsSystem *sys);
/**
 * cgfs_system_unref:
 * @sys: (nullable): a #CgfsSystem
 *
 * Drop a reference (atomic); the last one frees it. %NULL is accepted.
 */
void cgfs_system_unref(CgfsSystem *sys);

/**
 * cgfs_system_mode:
 * @sys: a #CgfsSystem
 *
 * How the machine mounts its cgroups.
 *
 * Returns: the #CgfsMode
 */
CgfsMode cgfs_system_mode(const CgfsSystem *sys);
/**
 * cgfs_mode_to_string:
 * @mode: a #CgfsMode
 *
 * The name of @mode: "unavailable", "legacy", "hybrid" or "unified".
 *
 * Returns: a static string
 */
const char *cgfs_mode_to_string(CgfsMode mode);
/**
 * cgfs_system_n_mounts:
 * @sys: a #CgfsSystem
 *
 * The number of cgroup mounts, for cgfs_system_mount().
 *
 * Returns: the number of mounts
 */
guint cgfs_system_n_mounts(const CgfsSystem *sys);
/**
 * cgfs_system_mount:
 * @sys: a #CgfsSystem
 * @index: 0 to cgfs_system_n_mounts() - 1
 *
 * One cgroup mount, in mountinfo's order.
 *
 * Returns: (transfer none): the mount, owned by @sys
 */
const CgfsMount *cgfs_system_mount(const CgfsSystem *sys, guint index);
/**
 * cgfs_system_find_mount:
 * @sys: a #CgfsSystem
 * @subsystem: "memory", "name=systemd", ... or "unified"
 *
 * The v1 mount that carries @subsystem, or the v2 mount for "unified".
 *
 * Returns: (transfer none) (nullable): the mount, owned by @sys; %NULL if none
 */
const CgfsMount *cgfs_system_find_mount(const CgfsSystem *sys, const char *subsystem);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CgfsSystem, cgfs_system_unref)

#pragma GCC visibility pop
G_END_DECLS
