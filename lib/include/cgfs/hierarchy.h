/* libcgfs: choosing which hierarchies a cgroup lives in.
 *
 * A CgfsHierarchy is an ordered set of subsystems, each bound to the mount that carries it:
 * every mounted v1 subsystem (as containerd/cgroups' V1), the v2 unified hierarchy, one single
 * v1 subsystem, or whichever the machine runs ("detect": v2 on a unified machine, v1 otherwise).
 */
#pragma once

#include <glib.h>
#include <cgfs/system.h>

G_BEGIN_DECLS
#pragma GCC visibility push(default) /* the public API: exported (lib/libcgfs.map) */

typedef struct _CgfsHierarchy CgfsHierarchy;

typedef struct {
  const char *name;       /* "cpu", "memory", "name=systemd"; "unified" for v2 */
  const CgfsMount *mount; /* owned by the hierarchy's system */
} CgfsSubsystem;

CgfsHierarchy *cgfs_hierarchy_v1(CgfsSystem *sys, GError **error);
CgfsHierarchy *cgfs_hierarchy_v2(CgfsSystem *sys, GError **error);
CgfsHierarchy *cgfs_hierarchy_single(CgfsSystem *sys, const char *subsystem, GError **error);
CgfsHierarchy *cgfs_hierarchy_detect(CgfsSystem *sys, GError **error);
/* "v1", "v2", "auto"/"detect", "systemd" (the system bus's manager, cgfs/systemd.h), or one
 * subsystem name. */
CgfsHierarchy *cgfs_hierarchy_from_string(CgfsSystem *sys, const char *spec, GError **error);

CgfsHierarchy *cgfs_hierarchy_ref(CgfsHierarchy *h);
void cgfs_hierarchy_unref(CgfsHierarchy *h);

int cgfs_hierarchy_version(const CgfsHierarchy *h);
CgfsSystem *cgfs_hierarchy_system(const CgfsHierarchy *h);
guint cgfs_hierarchy_n_subsystems(const CgfsHierarchy *h);
const CgfsSubsystem *cgfs_hierarchy_subsystem(const CgfsHierarchy *h, guint index);
const CgfsSubsystem *cgfs_hierarchy_find(const CgfsHierarchy *h, const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CgfsHierarchy, cgfs_hierarchy_unref)

#pragma GCC visibility pop
G_END_DECLS
