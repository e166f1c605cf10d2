/* libcgfs: discovering the machine's cgroup hierarchies.
 *
 * A CgfsSystem is a snapshot of which cgroup file systems are mounted (from mountinfo) and where
 * the calling process sits in each (from /proc/self/cgroup). Its inputs can be pointed at a fake
 * tree in a temporary directory, which is how the unit tests run without root.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS
#pragma GCC visibility push(default) /* the public API: exported (lib/libcgfs.map) */

typedef enum {
  CGFS_MODE_UNAVAILABLE = 0, /* no cgroup file system mounted */
  CGFS_MODE_LEGACY,          /* v1 hierarchies only */
  CGFS_MODE_HYBRID,          /* v1 hierarchies plus a v2 hierarchy (as on this machine) */
  CGFS_MODE_UNIFIED,         /* v2 only */
} CgfsMode;

/* One mounted cgroup hierarchy (a line of mountinfo). */
typedef struct {
  int version;            /* 1 or 2 */
  int hierarchy_id;       /* v1: the id in /proc/self/cgroup; v2: 0; -1 when not listed there */
  char *mount_point;      /* as mountinfo says, e.g. /sys/fs/cgroup/cpu,cpuacct */
  char *dir;              /* where libcgfs reaches it: prefix + mount_point */
  char *root;             /* the mount's root within the hierarchy (mountinfo field 4) */
  char **controllers;     /* v1: the mount's subsystems ("cpu", "cpuacct", "name=systemd");
                             v2: the root's cgroup.controllers */
  char *self_path;        /* the calling process's cgroup in this hierarchy; NULL if unknown */
} CgfsMount;

/* Where a CgfsSystem reads its inputs; NULL members take the real machine's. */
typedef struct {
  const char *mountinfo;   /* default /proc/self/mountinfo */
  const char *self_cgroup; /* default /proc/self/cgroup */
  const char *prefix;      /* prepended to every mount point; default none */
} CgfsSystemSources;

typedef struct _CgfsSystem CgfsSystem;

CgfsSystem *cgfs_system_new(GError **error);
CgfsSystem *cgfs_system_new_from(const CgfsSystemSources *sources, GError **error);
CgfsSystem *cgfs_system_ref(CgfsSystem *sys);
void cgfs_system_unref(CgfsSystem *sys);

CgfsMode cgfs_system_mode(const CgfsSystem *sys);
const char *cgfs_mode_to_string(CgfsMode mode);
guint cgfs_system_n_mounts(const CgfsSystem *sys);
const CgfsMount *cgfs_system_mount(const CgfsSystem *sys, guint index);
/* The v1 mount that carries @subsystem ("memory", "name=systemd"), or the v2 mount for
 * "unified"; NULL if none. */
const CgfsMount *cgfs_system_find_mount(const CgfsSystem *sys, const char *subsystem);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CgfsSystem, cgfs_system_unref)

#pragma GCC visibility pop
G_END_DECLS
