/* libcgfs: the cgroup object.
 *
 * A CgfsCgroup is one cgroup path in every subsystem of a hierarchy. It holds an O_PATH
 * directory fd per distinct mount, so every file it reads or writes is reached with openat()
 * and a cgroup removed behind its back reports "deleted" instead of touching a new one.
 */
#pragma once

#include <sys/types.h>
#include <glib.h>
#include <cgfs/hierarchy.h>

G_BEGIN_DECLS
#pragma GCC visibility push(default) /* the public API: exported (lib/libcgfs.map) */

typedef struct _CgfsResources CgfsResources;

typedef enum {
  CGFS_PATH_STATIC, /* the same absolute path in every subsystem */
  CGFS_PATH_NESTED, /* relative to the calling process's own cgroup in each subsystem */
} CgfsPathKind;

typedef struct {
  CgfsPathKind kind;
  const char *path; /* "/a/b": absolute form, no "..", "." or empty components */
} CgfsPathSpec;

#define CGFS_STATIC_PATH(p) ((CgfsPathSpec){ CGFS_PATH_STATIC, (p) })
#define CGFS_NESTED_PATH(p) ((CgfsPathSpec){ CGFS_PATH_NESTED, (p) })

typedef enum {
  CGFS_STATE_UNKNOWN = 0,
  CGFS_STATE_THAWED,
  CGFS_STATE_FREEZING,
  CGFS_STATE_FROZEN,
  CGFS_STATE_DELETED,
} CgfsState;

typedef struct _CgfsCgroup CgfsCgroup;

/* Create (parents included) in every subsystem; an existing directory is reused. On v1 a new
 * cpuset directory gets its parent's cpus and mems. With @resources, they are applied after
 * creation; any failure removes what this call created. */
CgfsCgroup *cgfs_cgroup_new(CgfsHierarchy *h, CgfsPathSpec path, const CgfsResources *resources,
                            GError **error);
/* Open an existing cgroup. A subsystem whose directory is missing is noted (see
 * cgfs_cgroup_has_subsystem); ENOENT "cgroup deleted" only if it is missing everywhere. */
CgfsCgroup *cgfs_cgroup_load(CgfsHierarchy *h, CgfsPathSpec path, GError **error);
/* Create @name (one path component) below @parent. */
CgfsCgroup *cgfs_cgroup_new_child(CgfsCgroup *parent, const char *name,
                                  const CgfsResources *resources, GError **error);
/* mkdir(2) of @name below @parent, in every hierarchy where @parent exists, with the fewest
 * system calls: EEXIST (and nothing made) if it exists in any; on failure what this call made
 * is removed. On v1 the new cpuset directory gets its parent's cpus and mems, and its
 * cgroup.clone_children is set, so that the kernel fills the cpusets made below it (set only on
 * directories this library makes). */
CgfsCgroup *cgfs_cgroup_create_child(CgfsCgroup *parent, const char *name, GError **error);
CgfsCgroup *cgfs_cgroup_ref(CgfsCgroup *cg);
void cgfs_cgroup_unref(CgfsCgroup *cg);

/* The path as given (static) or the suffix below the caller's cgroup (nested). */
const char *cgfs_cgroup_path(const CgfsCgroup *cg);
CgfsHierarchy *cgfs_cgroup_hierarchy(const CgfsCgroup *cg);
int cgfs_cgroup_version(const CgfsCgroup *cg);
/* The subsystems whose directory exists (v1), or the controllers in cgroup.controllers (v2).
 * Free with g_strfreev. */
char **cgfs_cgroup_subsystems(const CgfsCgroup *cg, GError **error);
gboolean cgfs_cgroup_has_subsystem(const CgfsCgroup *cg, const char *name);

/* Remove the directory in every subsystem. ENOTEMPTY while child cgroups exist, EBUSY while
 * processes remain; in both cases nothing is removed. */
gboolean cgfs_cgroup_delete(CgfsCgroup *cg, GError **error);

/* Move a process (all its threads) or one thread into the cgroup, in every subsystem or only
 * in @subsystem (NULL = all). EINVAL for pid <= 0, ESRCH for a process that does not exist. */
gboolean cgfs_cgroup_add_process(CgfsCgroup *cg, pid_t pid, const char *subsystem,
                                 GError **error);
gboolean cgfs_cgroup_add_thread(CgfsCgroup *cg, pid_t tid, const char *subsystem,
                                GError **error);

/* Whether the calling thread may move @pid (a thread with @thread) into @dest as cgroup v2 allows
 * it, in every subsystem: @pid's current cgroup at or below @confine (NULL: anywhere; ENOENT if
 * not), and with @ancestor_rule, the procs (threads) file of the common ancestor of its current
 * cgroup and @dest open for writing with the thread's credentials (the kernel's errno, EACCES,
 * if not). v1 has no such rule in the kernel; v2 applies it itself. ESRCH: no such process. */
gboolean cgfs_cgroup_check_move(CgfsCgroup *dest, pid_t pid, gboolean thread, CgfsCgroup *confine,
                                gboolean ancestor_rule, GError **error);
/* Where task @pid is, relative to @cg, in @cg's first subsystem where it exists: "" for @cg
 * itself, "a/b" below it. ENOENT when the task is outside @cg, ESRCH when there is no such task. */
char *cgfs_cgroup_task_subpath(CgfsCgroup *cg, pid_t pid, GError **error);
/* Whether task @tid is in @cg or below it, in any of its subsystems. */
gboolean cgfs_cgroup_holds_task(CgfsCgroup *cg, pid_t tid);

/* The pids (or thread ids) in one subsystem (NULL = the first), of this cgroup only or of its
 * whole subtree. A GArray of pid_t. */
GArray *cgfs_cgroup_processes(CgfsCgroup *cg, const char *subsystem, gboolean recursive,
                              GError **error);
GArray *cgfs_cgroup_threads(CgfsCgroup *cg, const char *subsystem, gboolean recursive,
                            GError **error);

/* Move every process of the subtree into @dest, subsystem by subsystem, until none is left
 * (processes forked meanwhile included). */
gboolean cgfs_cgroup_move_to(CgfsCgroup *cg, CgfsCgroup *dest, GError **error);

/* Return when the kernel reports the new state. EOPNOTSUPP without a freezer; EDEADLK when the
 * calling process is in the subtree (it would be frozen before it could see the result). */
gboolean cgfs_cgroup_freeze(CgfsCgroup *cg, GError **error);
gboolean cgfs_cgroup_thaw(CgfsCgroup *cg, GError **error);
CgfsState cgfs_cgroup_state(CgfsCgroup *cg, GError **error);
const char *cgfs_state_to_string(CgfsState state);

/* Whether process (or thread) @pid sits in the cgroup or below it, in @subsystem's hierarchy
 * (NULL: in any of the cgroup's hierarchies). FALSE for a process that does not exist, and on
 * a system read from a fake tree (CgfsSystemSources.prefix). */
gboolean cgfs_cgroup_contains_process(CgfsCgroup *cg, pid_t pid, const char *subsystem);

/* SIGKILL every process in the subtree and return when none is left. On v1 the subtree is
 * frozen first so that nothing forks meanwhile; if it cannot be frozen within 2 s (a process
 * stuck in an OOM wait), every process is signalled unfrozen until none is left. */
gboolean cgfs_cgroup_kill(CgfsCgroup *cg, GError **error);
/* Whether a kill may go on with process @pid in it: FALSE, with @error, refuses the kill. */
typedef gboolean (*CgfsKillCheck)(pid_t pid, gpointer data, GError **error);
/* cgfs_cgroup_kill, with @check asked about every process of the subtree before any is
 * signalled; one refusal refuses the kill (its error) with nothing signalled. On v1 the
 * processes are checked while the subtree is frozen, so none can join between the check and the
 * signal; when it cannot be frozen, each round's processes are checked just before that round
 * is signalled. Not asked where the kernel kills in one step (v2's cgroup.kill). */
gboolean cgfs_cgroup_kill_checked(CgfsCgroup *cg, CgfsKillCheck check, gpointer data,
                                  GError **error);

/* v2 only (EOPNOTSUPP on v1): the cgroup's cgroup.type ("domain", "threaded", "domain threaded",
 * "domain invalid"), and turning a cgroup threaded so that the threads of one process can be
 * spread over its subtree (cgfs_cgroup_add_thread). The kernel allows no way back. */
char *cgfs_cgroup_type(CgfsCgroup *cg, GError **error);
gboolean cgfs_cgroup_make_threaded(CgfsCgroup *cg, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CgfsCgroup, cgfs_cgroup_unref)

#pragma GCC visibility pop
G_END_DECLS
