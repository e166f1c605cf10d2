/**
 * SECTION:resources
 * @title: CgfsResources
 * @short_description: a cgroup's limits as the OCI runtime-spec's LinuxResources
 * @include: cgfs/cgfs.h
 *
 * A #CgfsResources (OCI runtime-spec linux.resources) is plain data: fill it from C, or parse it
 * from JSON. Every optional scalar has a has_NAME flag (has_limit for limit), so "absent" (left
 * as it is in the kernel) is apart from zero. Lists are GArrays that cgfs_resources_new()
 * creates empty; an empty list is the same as an absent one (applying it changes nothing).
 * Strings (cpu.cpus, cpu.mems, unified entries) are owned by the struct and g_free'd by
 * cgfs_resources_free(): assign g_strdup()'d copies.
 *
 * |[<!-- language="C" -->
 * g_autoptr(CgfsResources) r = cgfs_resources_new();
 * r->memory.has_limit = TRUE;
 * r->memory.limit = 256 << 20;
 * CgfsDeviceRule deny_all = { .allow = FALSE, .access = "rwm" };
 * g_array_append_val(r->devices, deny_all);
 * if (!cgfs_cgroup_update(cg, r, &error)) ...
 * ]|
 *
 * docs/resources.md describes every field, its v1 and v2 files and the conversions.
 *
 * A #CgfsResources belongs to one thread at a time; the functions that read or apply one
 * (cgfs_cgroup_update(), cgfs_resources_to_json()) only read it, so a filled #CgfsResources
 * can be shared read-only.
 */
#pragma once

#include <glib.h>
#include <cgfs/cgroup.h>

G_BEGIN_DECLS
#pragma GCC visibility push(default) /* the public API: exported (lib/libcgfs.map) */

/**
 * CgfsDeviceRule:
 * @allow: %TRUE allows, %FALSE denies
 * @type: 'a', 'b' or 'c'; 0 when absent, which means 'a'
 * @has_major: whether @major is set
 * @major: the major number; absent: any ("*")
 * @has_minor: whether @minor is set
 * @minor: the minor number; absent: any ("*")
 * @access: a subset of "rwm"; "" when absent, which means "rwm"
 *
 * One rule of the device allow/deny list (#CgfsResources.devices), applied in order.
 */
typedef struct {
  gboolean allow;
  char type;
  gboolean has_major;
  gint64 major;
  gboolean has_minor;
  gint64 minor;
  char access[4];
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsDeviceRule;

/**
 * CgfsMemoryResources:
 * @has_limit: whether @limit is set
 * @limit: bytes, -1 unlimited
 * @has_reservation: whether @reservation is set
 * @reservation: soft limit in bytes (v2 memory.low)
 * @has_swap: whether @swap is set
 * @swap: memory + swap in bytes, as on v1; -1 unlimited
 * @has_kernel: whether @kernel is set
 * @kernel: kernel memory limit in bytes; deprecated, see docs/resources.md
 * @has_kernel_tcp: whether @kernel_tcp is set
 * @kernel_tcp: kernel TCP buffer limit in bytes
 * @has_swappiness: whether @swappiness is set
 * @swappiness: 0..200: the kernel's range since Linux 5.8 (the runtime-spec says 0..100)
 * @has_disable_oom_killer: whether @disable_oom_killer is set
 * @disable_oom_killer: %TRUE: tasks wait instead of being OOM-killed (v1)
 * @has_use_hierarchy: whether @use_hierarchy is set
 * @use_hierarchy: v1 memory.use_hierarchy
 * @has_check_before_update: whether @check_before_update is set
 * @check_before_update: refuse a limit below the current usage
 *
 * The memory part of #CgfsResources (OCI LinuxMemory).
 */
typedef struct {
  gboolean has_limit;
  gint64 limit;
  gboolean has_reservation;
  gint64 reservation;
  gboolean has_swap;
  gint64 swap;
  gboolean has_kernel;
  gint64 kernel;
  gboolean has_kernel_tcp;
  gint64 kernel_tcp;
  gboolean has_swappiness;
  guint64 swappiness;
  gboolean has_disable_oom_killer;
  gboolean disable_oom_killer;
  gboolean has_use_hierarchy;
  gboolean use_hierarchy;
  gboolean has_check_before_update;
  gboolean check_before_update;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsMemoryResources;

/**
 * CgfsCpuResources:
 * @has_shares: whether @shares is set
 * @shares: relative weight (v1 cpu.shares; converted to v2 cpu.weight); 0: unset
 * @has_quota: whether @quota is set
 * @quota: microseconds per period; <= 0 unlimited
 * @has_burst: whether @burst is set
 * @burst: microseconds of burst allowed over the quota
 * @has_period: whether @period is set
 * @period: the CFS period in microseconds
 * @has_realtime_runtime: whether @realtime_runtime is set
 * @realtime_runtime: real-time runtime per period, microseconds (v1)
 * @has_realtime_period: whether @realtime_period is set
 * @realtime_period: real-time period, microseconds (v1)
 * @cpus: cpuset list, e.g. "0-3,6"; %NULL when absent (owned)
 * @mems: memory node list, e.g. "0"; %NULL when absent (owned)
 * @has_idle: whether @idle is set
 * @idle: 0 or 1 (cpu.idle)
 *
 * The CPU part of #CgfsResources (OCI LinuxCPU).
 */
typedef struct {
  gboolean has_shares;
  guint64 shares;
  gboolean has_quota;
  gint64 quota;
  gboolean has_burst;
  guint64 burst;
  gboolean has_period;
  guint64 period;
  gboolean has_realtime_runtime;
  gint64 realtime_runtime;
  gboolean has_realtime_period;
  guint64 realtime_period;
  char *cpus;
  char *mems;
  gboolean has_idle;
  gint64 idle;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsCpuResources;

/**
 * CgfsPidsResources:
 * @has_limit: whether @limit is set
 * @limit: the most tasks; -1 unlimited
 *
 * The pids part of #CgfsResources (OCI LinuxPids).
 */
typedef struct {
  gboolean has_limit;
  gint64 limit;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsPidsResources;

/**
 * CgfsWeightDevice:
 * @major: the block device's major number
 * @minor: its minor number
 * @has_weight: whether @weight is set
 * @weight: 10..1000
 * @has_leaf_weight: whether @leaf_weight is set
 * @leaf_weight: 10..1000 (v1 CFQ only)
 *
 * A per-device I/O weight (#CgfsBlockIOResources.weight_device).
 */
typedef struct {
  gint64 major;
  gint64 minor;
  gboolean has_weight;
  guint16 weight;
  gboolean has_leaf_weight;
  guint16 leaf_weight;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsWeightDevice;

/**
 * CgfsThrottleDevice:
 * @major: the block device's major number
 * @minor: its minor number
 * @rate: bytes or operations per second; 0 removes the limit
 *
 * A per-device I/O rate limit (the throttle lists of #CgfsBlockIOResources).
 */
typedef struct {
  gint64 major;
  gint64 minor;
  guint64 rate;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsThrottleDevice;

/**
 * CgfsBlockIOResources:
 * @has_weight: whether @weight is set
 * @weight: 10..1000 (converted to v2 io.bfq.weight or io.weight)
 * @has_leaf_weight: whether @leaf_weight is set
 * @leaf_weight: 10..1000 (v1 CFQ only)
 * @weight_device: (element-type CgfsWeightDevice): per-device weights
 * @throttle_read_bps_device: (element-type CgfsThrottleDevice): read bytes per second
 * @throttle_write_bps_device: (element-type CgfsThrottleDevice): write bytes per second
 * @throttle_read_iops_device: (element-type CgfsThrottleDevice): read operations per second
 * @throttle_write_iops_device: (element-type CgfsThrottleDevice): write operations per second
 *
 * The block I/O part of #CgfsResources (OCI LinuxBlockIO; v2 io.max, io.weight).
 */
typedef struct {
  gboolean has_weight;
  guint16 weight;
  gboolean has_leaf_weight;
  guint16 leaf_weight;
  GArray *weight_device;
  GArray *throttle_read_bps_device;
  GArray *throttle_write_bps_device;
  GArray *throttle_read_iops_device;
  GArray *throttle_write_iops_device;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsBlockIOResources;

/**
 * CgfsHugepageLimit:
 * @page_size: "2MB", "1GB", "64KB"
 * @limit: bytes
 *
 * A huge page limit (#CgfsResources.hugepage_limits; hugetlb.SIZE.limit_in_bytes or .max).
 */
typedef struct {
  char page_size[16];
  guint64 limit;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsHugepageLimit;

/**
 * CgfsInterfacePriority:
 * @name: a network interface name (IFNAMSIZ)
 * @priority: its priority (v1 net_prio.ifpriomap)
 *
 * A network priority (#CgfsNetworkResources.priorities).
 */
typedef struct {
  char name[16];
  guint32 priority;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsInterfacePriority;

/**
 * CgfsNetworkResources:
 * @has_class_id: whether @class_id is set
 * @class_id: v1 net_cls.classid
 * @priorities: (element-type CgfsInterfacePriority): v1 net_prio.ifpriomap entries
 *
 * The network part of #CgfsResources (OCI LinuxNetwork; v1 only).
 */
typedef struct {
  gboolean has_class_id;
  guint32 class_id;
  GArray *priorities;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsNetworkResources;

/**
 * CgfsRdmaLimit:
 * @device: the RDMA device, the key of the rdma object ("mlx4_0")
 * @has_hca_handles: whether @hca_handles is set
 * @hca_handles: the most HCA handles
 * @has_hca_objects: whether @hca_objects is set
 * @hca_objects: the most HCA objects
 *
 * An RDMA limit (#CgfsResources.rdma; rdma.max).
 */
typedef struct {
  char device[64];
  gboolean has_hca_handles;
  guint32 hca_handles;
  gboolean has_hca_objects;
  guint32 hca_objects;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsRdmaLimit;

/**
 * CgfsUnifiedEntry:
 * @key: a cgroup v2 file name, e.g. "memory.high" (owned)
 * @value: what is written to it (owned)
 *
 * One entry of #CgfsResources.unified.
 */
typedef struct {
  char *key;
  char *value;
  /*< private >*/
  gpointer reserved_[4]; /* room for new members (cgfs.h, "ABI"); zero */
} CgfsUnifiedEntry;

/**
 * CgfsResources:
 * @devices: (element-type CgfsDeviceRule): the device allow/deny list, in order
 * @memory: memory limits
 * @cpu: CPU limits and cpuset
 * @pids: the pids limit
 * @block_io: block I/O weights and throttles
 * @hugepage_limits: (element-type CgfsHugepageLimit): huge page limits
 * @network: network class and priorities (v1)
 * @rdma: (element-type CgfsRdmaLimit): RDMA limits
 * @unified: (element-type CgfsUnifiedEntry): raw cgroup v2 files, written last, in this order
 *
 * A cgroup's limits, the OCI runtime-spec's LinuxResources. Allocated by libcgfs only
 * (cgfs_resources_new()): it grows at its end in new versions.
 */
struct _CgfsResources {
  GArray *devices;
  CgfsMemoryResources memory;
  CgfsCpuResources cpu;
  CgfsPidsResources pids;
  CgfsBlockIOResources block_io;
  GArray *hugepage_limits;
  CgfsNetworkResources network;
  GArray *rdma;
  GArray *unified;
};

/**
 * cgfs_resources_new:
 *
 * Resources with everything absent and every list empty.
 *
 * Returns: (transfer full): a new #CgfsResources (free with cgfs_resources_free())
 */
CgfsResources *cgfs_resources_new(void);
/**
 * cgfs_resources_free:
 * @r: (nullable): a #CgfsResources
 *
 * Free @r, its lists and its strings. %NULL is accepted.
 */
void cgfs_resources_free(CgfsResources *r);
/**
 * cgfs_resources_add_unified:
 * @r: a #CgfsResources
 * @key: a cgroup v2 file name
 * @value: the value to write to it
 *
 * Append a copy of @key = @value to @r->unified.
 */
void cgfs_resources_add_unified(CgfsResources *r, const char *key, const char *value);

/**
 * cgfs_resources_from_json:
 * @json: the JSON text
 * @len: its length, or -1 if @json is NUL-terminated
 * @error: return location for a #GError, or %NULL
 *
 * Parse a LinuxResources object, or a whole OCI config.json (its linux.resources). Strict: an
 * unknown key, a wrong type (EINVAL) or an out-of-range value (ERANGE) is an error whose
 * message names the JSON path, e.g. "memory.swappiness: 150 is out of range 0..100".
 *
 * Returns: (transfer full): the resources, or %NULL with @error set
 */
CgfsResources *cgfs_resources_from_json(const char *json, gssize len, GError **error);
/**
 * cgfs_resources_to_json:
 * @r: a #CgfsResources
 * @len: (out) (optional): the length of the result, or %NULL
 *
 * @r as a LinuxResources JSON object: pretty-printed, keys in the runtime-spec's order, absent
 * fields left out, trailing newline.
 *
 * Returns: (transfer full): the JSON text (g_free() it)
 */
char *cgfs_resources_to_json(const CgfsResources *r, gsize *len);

/**
 * cgfs_cgroup_update:
 * @cg: a #CgfsCgroup
 * @r: the limits to apply; absent fields stay as they are
 * @error: return location for a #GError, or %NULL
 *
 * Write the fields present in @r, converted for the cgroup's version, all or nothing: every
 * field is validated and every old value remembered before the first write; when the kernel
 * refuses one, what was written is restored in reverse order and the error carries the
 * kernel's errno and names the field, the value and the file. A field this machine cannot
 * honour (controller not mounted, v1-only field on v2) is EOPNOTSUPP naming it.
 *
 * All or nothing per call, not across calls: concurrent updates of one cgroup from several
 * threads each apply whole, in an order the kernel decides.
 *
 * Returns: %TRUE on success
 */
gboolean cgfs_cgroup_update(CgfsCgroup *cg, const CgfsResources *r, GError **error);
/**
 * cgfs_cgroup_read_resources:
 * @cg: a #CgfsCgroup
 * @error: return location for a #GError, or %NULL
 *
 * The current limits, complete for the controllers present; writing them back with
 * cgfs_cgroup_update() changes nothing.
 *
 * Returns: (transfer full): the resources, or %NULL with @error set
 */
CgfsResources *cgfs_cgroup_read_resources(CgfsCgroup *cg, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CgfsResources, cgfs_resources_free)

#pragma GCC visibility pop
G_END_DECLS
