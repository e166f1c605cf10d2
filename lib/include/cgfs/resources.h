/* libcgfs: a cgroup's limits as the OCI runtime-spec's LinuxResources (linux.resources).
 *
 * A CgfsResources is plain data: fill it from C, or parse it from JSON. Every optional scalar
 * has a has_<field> flag, so "absent" (left as it is in the kernel) is apart from zero. Lists
 * are GArrays that cgfs_resources_new() creates empty; an empty list is the same as an absent
 * one (applying it changes nothing). Strings (cpu.cpus, cpu.mems, unified entries) are owned by
 * the struct and g_free'd by cgfs_resources_free(): assign g_strdup()'d copies.
 *
 *   g_autoptr(CgfsResources) r = cgfs_resources_new();
 *   r->memory.has_limit = TRUE;
 *   r->memory.limit = 256 << 20;
 *   CgfsDeviceRule deny_all = { .allow = FALSE, .access = "rwm" };
 *   g_array_append_val(r->devices, deny_all);
 *   if (!cgfs_cgroup_update(cg, r, &error)) ...
 *
 * docs/resources.md describes every field, its v1 and v2 files and the conversions.
 */
#pragma once

#include <glib.h>
#include <cgfs/cgroup.h>

G_BEGIN_DECLS
#pragma GCC visibility push(default) /* the public API: exported (lib/libcgfs.map) */

/* devices[]: one rule of the device allow/deny list, applied in order. */
typedef struct {
  gboolean allow;
  char type; /* 'a', 'b' or 'c'; 0 when absent, which means 'a' */
  gboolean has_major;
  gint64 major; /* absent: any ("*") */
  gboolean has_minor;
  gint64 minor;
  char access[4]; /* a subset of "rwm"; "" when absent, which means "rwm" */
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsDeviceRule;

typedef struct {
  gboolean has_limit;
  gint64 limit; /* bytes, -1 unlimited */
  gboolean has_reservation;
  gint64 reservation; /* soft limit (v2 memory.low) */
  gboolean has_swap;
  gint64 swap; /* memory + swap, as on v1; -1 unlimited */
  gboolean has_kernel;
  gint64 kernel; /* deprecated; see docs/resources.md */
  gboolean has_kernel_tcp;
  gint64 kernel_tcp;
  gboolean has_swappiness;
  guint64 swappiness; /* 0..200: the kernel's range since Linux 5.8 (the runtime-spec says 0..100) */
  gboolean has_disable_oom_killer;
  gboolean disable_oom_killer;
  gboolean has_use_hierarchy;
  gboolean use_hierarchy;
  gboolean has_check_before_update;
  gboolean check_before_update; /* refuse a limit below the current usage */
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsMemoryResources;

typedef struct {
  gboolean has_shares;
  guint64 shares; /* 0: unset */
  gboolean has_quota;
  gint64 quota; /* microseconds per period; <= 0 unlimited */
  gboolean has_burst;
  guint64 burst;
  gboolean has_period;
  guint64 period;
  gboolean has_realtime_runtime;
  gint64 realtime_runtime;
  gboolean has_realtime_period;
  guint64 realtime_period;
  char *cpus; /* cpuset list, e.g. "0-3,6"; NULL when absent */
  char *mems;
  gboolean has_idle;
  gint64 idle; /* 0 or 1 */
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsCpuResources;

typedef struct {
  gboolean has_limit;
  gint64 limit; /* -1 unlimited */
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsPidsResources;

typedef struct {
  gint64 major;
  gint64 minor;
  gboolean has_weight;
  guint16 weight;
  gboolean has_leaf_weight;
  guint16 leaf_weight;
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsWeightDevice;

typedef struct {
  gint64 major;
  gint64 minor;
  guint64 rate; /* bytes or operations per second; 0 removes the limit */
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsThrottleDevice;

typedef struct {
  gboolean has_weight;
  guint16 weight;
  gboolean has_leaf_weight;
  guint16 leaf_weight;
  GArray *weight_device;               /* CgfsWeightDevice */
  GArray *throttle_read_bps_device;    /* CgfsThrottleDevice */
  GArray *throttle_write_bps_device;   /* CgfsThrottleDevice */
  GArray *throttle_read_iops_device;   /* CgfsThrottleDevice */
  GArray *throttle_write_iops_device;  /* CgfsThrottleDevice */
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsBlockIOResources;

typedef struct {
  char page_size[16]; /* "2MB", "1GB", "64KB" */
  guint64 limit;      /* bytes */
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsHugepageLimit;

typedef struct {
  char name[16]; /* interface name (IFNAMSIZ) */
  guint32 priority;
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsInterfacePriority;

typedef struct {
  gboolean has_class_id;
  guint32 class_id;
  GArray *priorities; /* CgfsInterfacePriority */
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsNetworkResources;

typedef struct {
  char device[64]; /* the key of the rdma object */
  gboolean has_hca_handles;
  guint32 hca_handles;
  gboolean has_hca_objects;
  guint32 hca_objects;
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsRdmaLimit;

typedef struct {
  char *key;   /* a cgroup v2 file name, e.g. "memory.high"; owned */
  char *value; /* owned */
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsUnifiedEntry;

struct _CgfsResources {
  GArray *devices; /* CgfsDeviceRule */
  CgfsMemoryResources memory;
  CgfsCpuResources cpu;
  CgfsPidsResources pids;
  CgfsBlockIOResources block_io;
  GArray *hugepage_limits; /* CgfsHugepageLimit */
  CgfsNetworkResources network;
  GArray *rdma;    /* CgfsRdmaLimit */
  GArray *unified; /* CgfsUnifiedEntry, written last, in this order */
};

/* Everything absent, every list empty. */
CgfsResources *cgfs_resources_new(void);
void cgfs_resources_free(CgfsResources *r);
/* Append a copy of @key = @value to r->unified. */
void cgfs_resources_add_unified(CgfsResources *r, const char *key, const char *value);

/* Parse a LinuxResources object, or a whole OCI config.json (its linux.resources). Strict: an
 * unknown key, a wrong type (EINVAL) or an out-of-range value (ERANGE) is an error whose
 * message names the JSON path, e.g. "memory.swappiness: 150 is out of range 0..100".
 * @len -1: @json is NUL-terminated. */
CgfsResources *cgfs_resources_from_json(const char *json, gssize len, GError **error);
/* Pretty-printed, keys in the runtime-spec's order, absent fields left out, trailing newline.
 * @len (optional) receives the length. */
char *cgfs_resources_to_json(const CgfsResources *r, gsize *len);

/* Write the fields present in @r, converted for the cgroup's version, all or nothing: every
 * field is validated and every old value remembered before the first write; when the kernel
 * refuses one, what was written is restored in reverse order and the error carries the
 * kernel's errno and names the field, the value and the file. A field this machine cannot
 * honour (controller not mounted, v1-only field on v2) is EOPNOTSUPP naming it. */
gboolean cgfs_cgroup_update(CgfsCgroup *cg, const CgfsResources *r, GError **error);
/* The current limits, complete for the controllers present; writing them back with
 * cgfs_cgroup_update() changes nothing. */
CgfsResources *cgfs_cgroup_read_resources(CgfsCgroup *cg, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CgfsResources, cgfs_resources_free)

#pragma GCC visibility pop
G_END_DECLS
