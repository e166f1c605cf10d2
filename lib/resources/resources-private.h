/* Internal: the update path. A plan is the ordered list of kernel writes an update makes, each
 * with what restores the file's old value; the controllers (lib/resources/res-*.c) fill it,
 * resources.c validates, executes and rolls it back. */
#pragma once

#include "cgroup-private.h"

#include <json-glib/json-glib.h>

#include <cgfs/resources.h>

/* One open/write/close. */
typedef struct {
  int dirfd;   /* borrowed from the cgroup or the plan */
  char *file;  /* relative to dirfd */
  char *value;
} CgfsFileWrite;

/* A step of the plan that is not a file write (v2 device programs): the controller's own
 * functions do it and undo it. Steps run after every file write of the plan (a step's old
 * state cannot be rebuilt from a record once the process is gone: see the journal in
 * docs/architecture.md). */
typedef struct {
  gboolean (*run)(gpointer data, GError **error);
  gboolean (*undo)(gpointer data, GError **error);
  GDestroyNotify free;
  /* Add the step's entry to the plan's journal record (one JSON value: an object with "kind",
   * which the journal's recovery knows); NULL: recorded by name only, never undone. */
  void (*journal)(gpointer data, JsonBuilder *b);
} CgfsPlanStepOps;

/* Its strings (w.file, w.value, field, label) are the plan's, freed with it. */
typedef struct {
  CgfsFileWrite w; /* for a step: dirfd -1, file and value describe it for plan summaries */
  char *field;     /* the JSON path it comes from, e.g. "memory.limit" */
  char *label;     /* the file as messages name it; NULL: w.file (cgfs_planned_write_label) */
  /* Its restoring writes, run in order to restore the old state: cgfs_plan_undo(), n_undo of
   * them (0: nothing). */
  guint undo_at, n_undo;
  gboolean skip;   /* the file already holds the value */
  gboolean keyed;  /* writes only the line of its first word (a device, an interface) */
  /* With the next write: the kernel may refuse either until the other is set (CFS and RT
   * quota/period). If the first is refused, the pair is tried the other way round. */
  gboolean either_order;
  const CgfsPlanStepOps *step; /* NULL for a file write */
  gpointer step_data;
} CgfsPlannedWrite;

typedef struct _CgfsPlan CgfsPlan;

CgfsPlan *cgfs_plan_new(CgfsCgroup *cg);
void cgfs_plan_free(CgfsPlan *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CgfsPlan, cgfs_plan_free)

int cgfs_plan_version(const CgfsPlan *p);
CgfsCgroup *cgfs_plan_cgroup(const CgfsPlan *p);
guint cgfs_plan_length(const CgfsPlan *p);
const CgfsPlannedWrite *cgfs_plan_get(const CgfsPlan *p, guint i);

/* The directory fd that @controller's files are in (v1 subsystem name, or v2 controller name),
 * for @field. EOPNOTSUPP naming @field when the machine lacks the controller, ENOENT when the
 * cgroup's directory is missing. On v2 a controller not yet enabled for the cgroup is enabled
 * now in the ancestors' cgroup.subtree_control (those writes run at once, so that its files can
 * be checked, and are undone if the update fails); EBUSY when the no-internal-process rule
 * forbids it. */
int cgfs_plan_dir(CgfsPlan *p, const char *controller, const char *field, GError **error);

/* Add the write of @value to @file, remembering its current content to restore it.
 * EOPNOTSUPP naming @field when @file does not exist. */
gboolean cgfs_plan_write(CgfsPlan *p, int fd, const char *field, const char *file,
                         const char *value, GError **error);
/* Same for a keyed file (a line per device or interface, "KEY ..."): the old value is the line
 * of @key, or @absent when it has none. */
gboolean cgfs_plan_write_keyed(CgfsPlan *p, int fd, const char *field, const char *file,
                               const char *key, const char *value, const char *absent,
                               GError **error);
/* Add a write whose restoring writes the controller computed (@undo, freed here; NULL: none).
 * Returns the new entry, valid until the next addition. */
CgfsPlannedWrite *cgfs_plan_write_undo(CgfsPlan *p, int fd, const char *field,
                                       const char *file, const char *value, GPtrArray *undo);
/* Add a step run by @ops on @data (owned by the plan from now on, freed with ops->free);
 * @what and @summary name it in messages and plan summaries. */
CgfsPlannedWrite *cgfs_plan_add_step(CgfsPlan *p, const char *field, const char *what,
                                     const char *summary, const CgfsPlanStepOps *ops,
                                     gpointer data);
/* @pw's restoring writes (pw->n_undo of them), valid until the next addition. */
const CgfsFileWrite *cgfs_plan_undo(const CgfsPlan *p, const CgfsPlannedWrite *pw);
/* The write added last. */
CgfsPlannedWrite *cgfs_plan_last(CgfsPlan *p);
/* How messages and records name @pw's file (its label, or the file's name). */
const char *cgfs_planned_write_label(const CgfsPlannedWrite *pw);
/* Mark the last write as one of an either-order pair with the one added next. */
void cgfs_plan_pair_with_next(CgfsPlan *p);

/* A restoring write for cgfs_plan_write_undo's list. */
CgfsFileWrite *cgfs_file_write_new(int fd, const char *file, const char *value);
void cgfs_file_write_free(CgfsFileWrite *w);

/* Read a file's content without its trailing newline, for planning decisions. EOPNOTSUPP
 * naming @field when it does not exist. */
char *cgfs_plan_read(CgfsPlan *p, int fd, const char *field, const char *file, GError **error);
/* @file is missing below @fd: ENOENT if the cgroup was removed meanwhile, else EOPNOTSUPP (the
 * machine lacks it). Returns FALSE. */
gboolean cgfs_plan_missing_file(CgfsPlan *p, int fd, const char *field, const char *file,
                                GError **error);
/* The same with the trailing newline: what writing back restores exactly. */
char *cgfs_plan_read_raw(CgfsPlan *p, int fd, const char *field, const char *file,
                         GError **error);
/* The same, and parse it as a limit (cgfs_limit_parse: unlimited -> -1). */
gboolean cgfs_plan_read_limit(CgfsPlan *p, int fd, const char *field, const char *file,
                              gint64 *value, GError **error);

/* Run the plan; on a refused write restore what was written, in reverse order. */
gboolean cgfs_plan_execute(CgfsPlan *p, GError **error);
/* Undo what cgfs_plan_dir() enabled (after a failed validation). */
void cgfs_plan_abandon(CgfsPlan *p);

/* Build the plan of @r for @cg (validation included) without writing anything but the v2
 * controller enabling. For the unit tests and cgfs_cgroup_update. */
CgfsPlan *cgfs_resources_plan(CgfsCgroup *cg, const CgfsResources *r, GError **error);

/* The checks that need no machine: ranges and required members. @prefix goes before the field
 * names in messages ("linux.resources." for a whole config.json). */
gboolean cgfs_resources_validate(const CgfsResources *r, const char *prefix, GError **error);

/* Keep an fd the plan opened (an ancestor directory) until the plan is freed; returns it. */
int cgfs_plan_keep_fd(CgfsPlan *p, int fd);
/* Run a write now (v2 controller enabling, at planning time) and remember it, with the write
 * of @undo_value that reverts it, for the rollback. @label names the file in messages. */
gboolean cgfs_plan_run_now(CgfsPlan *p, int fd, const char *label, const char *field,
                           const char *file, const char *value, const char *undo_value,
                           GError **error);

/* Whether the restoring write of @value to @file (relative to @dirfd) must be skipped: it would
 * disable a v2 controller ("-memory" to cgroup.subtree_control) that a child of that directory
 * now uses, i.e. lists in its own cgroup.subtree_control or holds a setting other than the
 * kernel's default in one of the controller's files (another plan, on a sibling, relied on the
 * enabling and wrote a limit: disabling would delete its files). *@why (set when TRUE) says
 * which. No syscall unless @file is a cgroup.subtree_control and @value a "-" word: the
 * undo path of an enabling only (rollback and journal recovery). */
gboolean cgfs_res_subtree_undo_keeps(int dirfd, const char *file, const char *value,
                                     char **why);

/* v2 helper (res-subtree.c): enable @controller for @p's cgroup. */
gboolean cgfs_plan_enable_v2(CgfsPlan *p, const char *controller, const char *field,
                             GError **error);

/* One per controller (lib/resources/res-<controller>.c): add the writes of @r, or fail naming the
 * field; read the current values into @out. A read of a controller absent here does nothing. */
typedef struct {
  const char *name;
  gboolean (*plan)(CgfsPlan *p, const CgfsResources *r, GError **error);
  gboolean (*read)(CgfsCgroup *cg, CgfsResources *out, GError **error);
} CgfsResController;

extern const CgfsResController cgfs_res_devices;
extern const CgfsResController cgfs_res_memory;
extern const CgfsResController cgfs_res_cpu;
extern const CgfsResController cgfs_res_cpuset;
extern const CgfsResController cgfs_res_pids;
extern const CgfsResController cgfs_res_blkio;
extern const CgfsResController cgfs_res_hugetlb;
extern const CgfsResController cgfs_res_net;
extern const CgfsResController cgfs_res_rdma;
extern const CgfsResController cgfs_res_unified;

/* Shared by the controllers' read functions. */
/* The fd of @controller for reading (v1 subsystem or v2 controller name), or -1 when the
 * machine or the cgroup lacks it. */
int cgfs_res_read_dir(CgfsCgroup *cg, const char *controller);
/* Read @file if it exists: FALSE with error on a read failure, TRUE with *@out NULL when the
 * file is absent. */
gboolean cgfs_res_read_optional(int fd, const char *file, char **out, GError **error);
/* Read a limit file (cgfs_limit_parse) or an integer file in @min..@max, setting *@has, if the
 * file exists; EBADMSG on a malformed one. */
gboolean cgfs_res_read_limit(int fd, const char *file, gboolean *has, gint64 *out,
                             GError **error);
gboolean cgfs_res_read_int(int fd, const char *file, gint64 min, gint64 max, gboolean *has,
                           gint64 *out, GError **error);
/* Add @file = @value to r->unified unless it is there already. */
void cgfs_res_add_unified_file(CgfsResources *r, const char *file, const char *value);
/* The lines of @text that start with "@key " or equal @key. */
const char *cgfs_res_find_line(char **lines, const char *key);

/* Whether memory.kmem.limit_in_bytes is ignored by the kernel of release @release (Linux 6.1
 * and later accept any value and do nothing). res-memory.c, exposed for the unit tests. */
gboolean cgfs_kernel_ignores_kmem_limit(const char *release);

/* Ordering helpers (res-cpu.c), exposed for the unit tests. Whether to write the quota (or RT
 * runtime) before the period when both change; the other order is tried if the kernel refuses. */
gboolean cgfs_bandwidth_quota_first(gint64 old_quota, guint64 old_period, gint64 new_quota,
                                    guint64 new_period);
