/* Internal: the systemd manager over D-Bus (systemd-dbus.c), its naming rules
 * (systemd-naming.c) and the OCI-to-unit-property translation (systemd-properties.c). */
#pragma once

#include "config-internal.h"

#include <gio/gio.h>
#include <sys/types.h>

#include <cgfs/resources.h>
#include <cgfs/systemd.h>

#define CGFS_SYSTEMD_DEFAULT_TIMEOUT_MS 90000

/* A connection to one systemd manager. Thread-safe: every call waits on its own main context. */
typedef struct _CgfsSystemd CgfsSystemd;

CgfsSystemd *cgfs_systemd_connect(const char *bus_address, GError **error);
void cgfs_systemd_free(CgfsSystemd *sd);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CgfsSystemd, cgfs_systemd_free)
void cgfs_systemd_set_timeout(CgfsSystemd *sd, guint timeout_ms);
/* hierarchy.c: the manager of a systemd hierarchy, NULL for the others. */
CgfsSystemd *cgfs_hierarchy_get_systemd(const CgfsHierarchy *h);
/* The manager's root cgroup ("/" for the system manager), from the root slice's ControlGroup. */
const char *cgfs_systemd_root(const CgfsSystemd *sd);

/* StartTransientUnit(@unit, "fail", @properties a(sv)) and wait for its job: EIO (ECANCELED,
 * ETIMEDOUT) naming the unit and systemd's job result when it is not "done"; EEXIST when the
 * unit exists. @properties is consumed if floating. */
gboolean cgfs_systemd_start_transient(CgfsSystemd *sd, const char *unit, GVariant *properties,
                                      GError **error);
/* StopUnit(@unit, "replace") and wait for its job. */
gboolean cgfs_systemd_stop(CgfsSystemd *sd, const char *unit, GError **error);
/* AttachProcessesToUnit(@unit, "", [@pid]). EOPNOTSUPP when this manager lacks it. */
gboolean cgfs_systemd_attach(CgfsSystemd *sd, const char *unit, pid_t pid, GError **error);
/* FreezeUnit/ThawUnit; returns when systemd reports it done. EOPNOTSUPP when this manager or
 * this unit cannot (systemd before 246, cgroup v1). */
gboolean cgfs_systemd_set_frozen(CgfsSystemd *sd, const char *unit, gboolean frozen,
                                 GError **error);
/* SetUnitProperties(@unit, runtime = TRUE, @properties a(sv)); consumed if floating. */
gboolean cgfs_systemd_set_properties(CgfsSystemd *sd, const char *unit, GVariant *properties,
                                     GError **error);
/* The value of unit property @name (of the unit's type interface, e.g. Slice or Scope), or
 * NULL with ENOENT when the unit is not loaded. */
GVariant *cgfs_systemd_get_property(CgfsSystemd *sd, const char *unit, const char *name,
                                    GError **error);
/* Whether @unit is loaded and active (or activating, reloading). */
gboolean cgfs_systemd_unit_active(CgfsSystemd *sd, const char *unit, GError **error);

/* systemd-naming.c */
typedef enum {
  CGFS_UNIT_NONE = 0, /* a plain cgroup */
  CGFS_UNIT_SLICE,
  CGFS_UNIT_SCOPE,
  CGFS_UNIT_OTHER, /* a service or another unit with a cgroup: loaded, not created */
} CgfsUnitKind;

CgfsUnitKind cgfs_systemd_unit_kind(const char *name);
/* EINVAL unless @path fits systemd's tree: slices nested by name from the root, scopes and
 * other units in slices, plain cgroups only below a scope or another (delegated) unit. */
gboolean cgfs_systemd_path_validate(const char *path, GError **error);
/* The slice that holds the last unit of @path ("-.slice" at the top). */
char *cgfs_systemd_parent_slice(const char *path);

/* systemd-properties.c */
/* The unit properties (a(sv), floating) that express @r for a unit on cgroup @version, and in
 * *@cgroupfs the part of @r that systemd cannot express (a view sharing @r's memory, valid
 * while @r is; free it with cgfs_systemd_residual_free). EINVAL naming the field for a value
 * systemd refuses. */
GVariant *cgfs_systemd_properties(const CgfsResources *r, int version, gboolean is_slice,
                                  CgfsResources **cgroupfs, GError **error);
void cgfs_systemd_residual_free(CgfsResources *residual);
/* The current values of the properties named in @properties, as an a(sv) that restores them. */
GVariant *cgfs_systemd_read_properties(CgfsSystemd *sd, const char *unit, GVariant *properties,
                                       GError **error);
/* CPUQuotaPerSecUSec for a quota per period (runc: rounded up to 10 ms). */
guint64 cgfs_systemd_quota_per_sec(gint64 quota, guint64 period);
/* AllowedCPUs/AllowedMemoryNodes: a cpuset list ("0-3,6") as systemd's byte mask. */
GVariant *cgfs_systemd_cpuset_mask(const char *list, const char *field, GError **error);
