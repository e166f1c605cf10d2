/**
 * SECTION:cgroup
 * @title: CgfsCgroup
 * @short_description: the cgroup object: create, load, delete, move processes, freeze, kill
 * @include: cgfs/cgfs.h
 *
 * A #CgfsCgroup is one cgroup path in every subsystem of a hierarchy. It holds an O_PATH
 * directory fd per distinct mount, so every file it reads or writes is reached with openat()
 * and a cgroup removed behind its back reports "deleted" instead of touching a new one.
 *
 * A #CgfsCgroup does not change after creation and its reference count is atomic: it can be
 * used from several threads at once; the kernel orders concurrent changes to the same cgroup.
 */
#pragma once

#include <sys/types.h>
#include <glib.h>
#include <cgfs/hierarchy.h>

G_BEGIN_DECLS
#pragma GCC visibility push(default) /* the public API: exported (lib/libcgfs.map) */

#ifndef __GTK_DOC_IGNORE__ /* documented in resources.h, which defines it */
typedef struct _CgfsResources CgfsResources;
#endif

/**
 * CgfsPathKind:
 * @CGFS_PATH_STATIC: the same absolute path in every subsystem
 * @CGFS_PATH_NESTED: relative to the calling process's own cgroup in each subsystem
 *
 * How a #CgfsPathSpec's path is found in each subsystem.
 */
typedef enum {
  CGFS_PATH_STATIC,
  CGFS_PATH_NESTED,
} CgfsPathKind;

/**
 * CgfsPathSpec:
 * @kind: static or nested
 * @path: "/a/b": absolute form, no "..", "." or empty components
 *
 * A cgroup path, as containerd's StaticPath and NestedPath. Made with CGFS_STATIC_PATH() or
 * CGFS_NESTED_PATH(); passed by value.
 */
typedef struct {
  CgfsPathKind kind;
  const char *path;
} CgfsPathSpec;

/**
 * CGFS_STATIC_PATH:
 * @p: an absolute cgroup path, "/a/b"
 *
 * The same path @p in every subsystem.
 *
 * Returns: a #CgfsPathSpec
 */
#define CGFS_STATIC_PATH(p) ((CgfsPathSpec){ CGFS_PATH_STATIC, (p) })
/**
 * CGFS_NESTED_PATH:
 * @p: a cgroup path, "/a/b", below the calling process's own cgroup
 *
 * The path @p below the calling process's cgroup, in each subsystem.
 *
 * Returns: a #CgfsPathSpec
 */
#define CGFS_NESTED_PATH(p) ((CgfsPathSpec){ CGFS_PATH_NESTED, (p) })

/**
 * CgfsState:
 * @CGFS_STATE_UNKNOWN: not known (no freezer, or an error)
 * @CGFS_STATE_THAWED: running
 * @CGFS_STATE_FREEZING: being frozen (v1 freezer.state FREEZING)
 * @CGFS_STATE_FROZEN: frozen
 * @CGFS_STATE_DELETED: the cgroup no longer exists
 *
 * The freezer state of a cgroup (cgfs_cgroup_state()).
 */
typedef enum {
  CGFS_STATE_UNKNOWN = 0,
  CGFS_STATE_THAWED,
  CGFS_STATE_FREEZING,
  CGFS_STATE_FROZEN,
  CGFS_STATE_DELETED,
} CgfsState;

/**
 * CgfsCgroup:
 *
 * One cgroup in every subsystem of a #CgfsHierarchy. Opaque; reference-counted.
 */
typedef struct _CgfsCgroup CgfsCgroup;

/**
 * cgfs_cgroup_new:
 * @h: the hierarchy
 * @path: the cgroup's path
 * @resources: (nullable): limits to apply after creation, or %NULL
 * @error: return location for a #GError, or %NULL
 *
 * Create (parents included) in every subsystem; an existing directory is reused. On v1 a new
 * cpuset directory gets its parent's cpus and mems. With @resources, they are applied after
 * creation; any failure removes what this call created.
 *
 * Returns: (transfer full): the cgroup, or %NULL with @error set
 */
CgfsCgroup *cgfs_cgroup_new(CgfsHierarchy *h, CgfsPathSpec path, const CgfsResources *resources,
                            GError **error);
/**
 * cgfs_cgroup_load:
 * @h: the hierarchy
 * @path: the cgroup's path
 * @error: return location for a #GError, or %NULL
 *
 * Open an existing cgroup. A subsystem whose directory is missing is noted (see
 * cgfs_cgroup_has_subsystem()); ENOENT "cgroup deleted" only if it is missing everywhere.
 *
 * Returns: (transfer full): the cgroup, or %NULL with @error set
 */
CgfsCgroup *cgfs_cgroup_load(CgfsHierarchy *h, CgfsPathSpec path, GError **error);
/**
 * cgfs_cgroup_new_child:
 * @parent: the parent cgroup
 * @name: one path component
 * @resources: (nullable): limits to apply after creation, or %NULL
 * @error: return location for a #GError, or %NULL
 *
 * Create @name below @parent, as cgfs_cgroup_new() does (an existing directory is reused).
 *
 * Returns: (transfer full): the new cgroup, or %NULL with @error set
 */
CgfsCgroup *cgfs_cgroup_new_child(CgfsCgroup *parent, const char *name,
                                  const CgfsResources *resources, GError **error);
/**
 * cgfs_cgroup_create_child:
 * @parent: the parent cgroup
 * @name: one path component
 * @error: return location for a #GError, or %NULL
 *
 * mkdir(2) of @name below @parent, in every hierarchy where @parent exists, with the fewest
 * system calls: EEXIST (and nothing made) if it exists in any; on failure what this call made
 * is removed. On v1 the new cpuset directory gets its parent's cpus and mems, and its
 * cgroup.clone_children is set, so that the kernel fills the cpusets made below it (set only
 * on directories this library makes).
 *
 * Returns: (transfer full): the new cgroup, or %NULL with @error set
 */
CgfsCgroup *cgfs_cgroup_create_child(CgfsCgroup *parent, const char *name, GError **error);
/**
 * cgfs_cgroup_make_child:
 * @parent: the parent cgroup
 * @name: one path component
 * @error: return location for a #GError, or %NULL
 *
 * cgfs_cgroup_create_child() without the object: the new directories are made (and the cpuset
 * filled) by name below the parent's, never opened, so a mkdir that nothing else follows costs
 * one system call less per hierarchy, and one close less.
 *
 * Returns: %TRUE when made, %FALSE with @error set (and nothing made)
 */
gboolean cgfs_cgroup_make_child(CgfsCgroup *parent, const char *name, GError **error);
/**
 * cgfs_cgroup_ref:
 * @cg: a #CgfsCgroup
 *
 * Take a reference (atomic).
 *
 * Returns: @cg
 */
CgfsCgroup *cgfs_cgroup_ref(CgfsCgroup *cg);
/**
 * cgfs_cgroup_unref:
 * @cg: (nullable): a #CgfsCgroup
 *
 * Drop a reference (atomic); the last one closes its directories. %NULL is accepted.
 */
void cgfs_cgroup_unref(CgfsCgroup *cg);

/**
 * cgfs_cgroup_path:
 * @cg: a #CgfsCgroup
 *
 * Its path: as given (static) or the suffix below the caller's cgroup (nested).
 *
 * Returns: (transfer none): the path, owned by @cg
 */
const char *cgfs_cgroup_path(const CgfsCgroup *cg);
/**
 * cgfs_cgroup_hierarchy:
 * @cg: a #CgfsCgroup
 *
 * The hierarchy @cg lives in.
 *
 * Returns: (transfer none): the #CgfsHierarchy, owned by @cg
 */
CgfsHierarchy *cgfs_cgroup_hierarchy(const CgfsCgroup *cg);
/**
 * cgfs_cgroup_version:
 * @cg: a #CgfsCgroup
 *
 * The cgroup version of its directories (a systemd hierarchy's is the machine's cgroupfs).
 *
 * Returns: 1 or 2
 */
int cgfs_cgroup_version(const CgfsCgroup *cg);
/**
 * cgfs_cgroup_subsystems:
 * @cg: a #CgfsCgroup
 * @error: return location for a #GError, or %NULL
 *
 * The subsystems whose directory exists (v1), or the controllers in cgroup.controllers (v2).
 *
 * Returns: (transfer full): a %NULL-terminated array (free with g_strfreev()), or %NULL with
 *   @error set
 */
char **cgfs_cgroup_subsystems(const CgfsCgroup *cg, GError **error);
/**
 * cgfs_cgroup_has_subsystem:
 * @cg: a #CgfsCgroup
 * @name: a subsystem name ("memory"), or a v2 controller name
 *
 * Whether @cg has @name: its directory in that subsystem existed when @cg was loaded (v1), or
 * the controller is in its cgroup.controllers (v2).
 *
 * Returns: %TRUE if it has
 */
gboolean cgfs_cgroup_has_subsystem(const CgfsCgroup *cg, const char *name);

/**
 * cgfs_cgroup_delete:
 * @cg: a #CgfsCgroup
 * @error: return location for a #GError, or %NULL
 *
 * Remove the directory in every subsystem. ENOTEMPTY while child cgroups exist, EBUSY while
 * processes remain; in both cases nothing is removed.
 *
 * Returns: %TRUE on success
 */
gboolean cgfs_cgroup_delete(CgfsCgroup *cg, GError **error);
/**
 * cgfs_cgroup_remove:
 * @h: the hierarchy
 * @path: the cgroup
 * @error: return location for a #GError, or %NULL
 *
 * cgfs_cgroup_delete() of the cgroup at @path without loading it: its directories are found,
 * checked and removed by path below each mount's kept descriptor, none opened (a nested or
 * systemd path is loaded, then deleted). The same checks, errors and all-or-nothing: ENOENT when
 * it exists in no hierarchy, ENOTEMPTY while child cgroups exist, EBUSY while processes remain
 * (then nothing is removed).
 *
 * Returns: %TRUE on success
 */
gboolean cgfs_cgroup_remove(CgfsHierarchy *h, CgfsPathSpec path, GError **error);

/**
 * cgfs_cgroup_add_process:
 * @cg: the destination
 * @pid: a process id (all its threads move)
 * @subsystem: (nullable): only this subsystem, or %NULL for all
 * @error: return location for a #GError, or %NULL
 *
 * Move a process into the cgroup. EINVAL for @pid <= 0, ESRCH for a process that does not
 * exist.
 *
 * Returns: %TRUE on success
 */
gboolean cgfs_cgroup_add_process(CgfsCgroup *cg, pid_t pid, const char *subsystem,
                                 GError **error);
/**
 * cgfs_cgroup_add_thread:
 * @cg: the destination
 * @tid: a thread id
 * @subsystem: (nullable): only this subsystem, or %NULL for all
 * @error: return location for a #GError, or %NULL
 *
 * Move one thread into the cgroup (v1 tasks, v2 cgroup.threads). EINVAL for @tid <= 0, ESRCH
 * for a thread that does not exist.
 *
 * Returns: %TRUE on success
 */
gboolean cgfs_cgroup_add_thread(CgfsCgroup *cg, pid_t tid, const char *subsystem,
                                GError **error);

/**
 * cgfs_cgroup_check_move:
 * @dest: the destination
 * @pid: the process (or thread) to move
 * @thread: %TRUE if @pid is a thread id moved alone
 * @confine: (nullable): the cgroup @pid must currently be in or below, or %NULL
 * @ancestor_rule: whether to apply cgroup v2's common-ancestor rule
 * @error: return location for a #GError, or %NULL
 *
 * Whether the calling thread may move @pid (a thread with @thread) into @dest as cgroup v2
 * allows it, in every subsystem: @pid's current cgroup at or below @confine (%NULL: anywhere;
 * ENOENT if not), and with @ancestor_rule, the procs (threads) file of the common ancestor of
 * its current cgroup and @dest open for writing with the thread's credentials (the kernel's
 * errno, EACCES, if not). v1 has no such rule in the kernel; v2 applies it itself. ESRCH: no
 * such process.
 *
 * Returns: %TRUE if the move is allowed
 */
gboolean cgfs_cgroup_check_move(CgfsCgroup *dest, pid_t pid, gboolean thread, CgfsCgroup *confine,
                                gboolean ancestor_rule, GError **error);
/**
 * cgfs_cgroup_task_subpath:
 * @cg: a #CgfsCgroup
 * @pid: a process or thread id
 * @error: return location for a #GError, or %NULL
 *
 * Where task @pid is, relative to @cg, in @cg's first subsystem where it exists: "" for @cg
 * itself, "a/b" below it. ENOENT when the task is outside @cg, ESRCH when there is no such
 * task.
 *
 * Returns: (transfer full): the relative path (g_free() it), or %NULL with @error set
 */
char *cgfs_cgroup_task_subpath(CgfsCgroup *cg, pid_t pid, GError **error);
/**
 * cgfs_cgroup_holds_task:
 * @cg: a #CgfsCgroup
 * @tid: a process or thread id
 *
 * Whether task @tid is in @cg or below it, in any of its subsystems.
 *
 * Returns: %TRUE if it is
 */
gboolean cgfs_cgroup_holds_task(CgfsCgroup *cg, pid_t tid);

/**
 * cgfs_cgroup_processes:
 * @cg: a #CgfsCgroup
 * @subsystem: (nullable): the subsystem to read, or %NULL for the first
 * @recursive: %TRUE for the whole subtree, %FALSE for this cgroup only
 * @error: return location for a #GError, or %NULL
 *
 * The pids in one subsystem (v1 cgroup.procs, v2 cgroup.procs).
 *
 * Returns: (transfer full) (element-type pid_t): a #GArray of pid_t, or %NULL with @error set
 */
GArray *cgfs_cgroup_processes(CgfsCgroup *cg, const char *subsystem, gboolean recursive,
                              GError **error);
/**
 * cgfs_cgroup_threads:
 * @cg: a #CgfsCgroup
 * @subsystem: (nullable): the subsystem to read, or %NULL for the first
 * @recursive: %TRUE for the whole subtree, %FALSE for this cgroup only
 * @error: return location for a #GError, or %NULL
 *
 * The thread ids in one subsystem (v1 tasks, v2 cgroup.threads).
 *
 * Returns: (transfer full) (element-type pid_t): a #GArray of pid_t, or %NULL with @error set
 */
GArray *cgfs_cgroup_threads(CgfsCgroup *cg, const char *subsystem, gboolean recursive,
                            GError **error);

/**
 * cgfs_cgroup_move_to:
 * @cg: the source cgroup
 * @dest: the destination
 * @error: return location for a #GError, or %NULL
 *
 * Move every process of the subtree into @dest, subsystem by subsystem, until none is left
 * (processes forked meanwhile included).
 *
 * Returns: %TRUE on success
 */
gboolean cgfs_cgroup_move_to(CgfsCgroup *cg, CgfsCgroup *dest, GError **error);

/**
 * cgfs_cgroup_freeze:
 * @cg: a #CgfsCgroup
 * @error: return location for a #GError, or %NULL
 *
 * Freeze the subtree and return when the kernel reports it frozen. EOPNOTSUPP without a
 * freezer; EDEADLK when the calling process is in the subtree (it would be frozen before it
 * could see the result).
 *
 * Returns: %TRUE on success
 */
gboolean cgfs_cgroup_freeze(CgfsCgroup *cg, GError **error);
/**
 * cgfs_cgroup_thaw:
 * @cg: a #CgfsCgroup
 * @error: return location for a #GError, or %NULL
 *
 * Thaw the subtree and return when the kernel reports it thawed. EOPNOTSUPP without a freezer.
 *
 * Returns: %TRUE on success
 */
gboolean cgfs_cgroup_thaw(CgfsCgroup *cg, GError **error);
/**
 * cgfs_cgroup_state:
 * @cg: a #CgfsCgroup
 * @error: return location for a #GError, or %NULL
 *
 * The freezer state now.
 *
 * Returns: the state; %CGFS_STATE_UNKNOWN with @error set on failure
 */
CgfsState cgfs_cgroup_state(CgfsCgroup *cg, GError **error);
/**
 * cgfs_state_to_string:
 * @state: a #CgfsState
 *
 * The name of @state: "thawed", "freezing", "frozen", "deleted" or "unknown".
 *
 * Returns: a static string
 */
const char *cgfs_state_to_string(CgfsState state);

/**
 * cgfs_cgroup_contains_process:
 * @cg: a #CgfsCgroup
 * @pid: a process or thread id
 * @subsystem: (nullable): the subsystem whose hierarchy to look in, or %NULL for any
 *
 * Whether process (or thread) @pid sits in the cgroup or below it, in @subsystem's hierarchy
 * (%NULL: in any of the cgroup's hierarchies).
 *
 * Returns: %TRUE if it does; %FALSE for a process that does not exist, and on a system read
 *   from a fake tree (#CgfsSystemSources.prefix)
 */
gboolean cgfs_cgroup_contains_process(CgfsCgroup *cg, pid_t pid, const char *subsystem);

/**
 * cgfs_cgroup_kill:
 * @cg: a #CgfsCgroup
 * @error: return location for a #GError, or %NULL
 *
 * SIGKILL every process in the subtree and return when none is left. On v1 the subtree is
 * frozen first so that nothing forks meanwhile; if it cannot be frozen within 2 s (a process
 * stuck in an OOM wait), every process is signalled unfrozen until none is left.
 *
 * Returns: %TRUE on success
 */
gboolean cgfs_cgroup_kill(CgfsCgroup *cg, GError **error);

/**
 * CgfsKillCheck:
 * @pid: a process of the subtree about to be killed
 * @data: the data given to cgfs_cgroup_kill_checked()
 * @error: return location for a #GError
 *
 * Whether a kill may go on with process @pid in it.
 *
 * Returns: %TRUE to go on; %FALSE, with @error set, refuses the kill
 */
typedef gboolean (*CgfsKillCheck)(pid_t pid, gpointer data, GError **error);

/**
 * cgfs_cgroup_kill_checked:
 * @cg: a #CgfsCgroup
 * @check: (scope call): asked about every process of the subtree before any is signalled
 * @data: (closure): passed to @check
 * @error: return location for a #GError, or %NULL
 *
 * cgfs_cgroup_kill(), refused with nothing signalled when @check refuses one process. On v1
 * the processes are checked while the subtree is frozen, so none can join between the check
 * and the signal (a refusal thaws it again); when it cannot be frozen, each round's processes
 * are checked just before that round is signalled. Not asked where the kernel kills in one
 * step (v2's cgroup.kill).
 *
 * Returns: %TRUE on success; %FALSE with @check's error or the kill's
 */
gboolean cgfs_cgroup_kill_checked(CgfsCgroup *cg, CgfsKillCheck check, gpointer data,
                                  GError **error);

/**
 * cgfs_cgroup_type:
 * @cg: a #CgfsCgroup
 * @error: return location for a #GError, or %NULL
 *
 * v2 only (EOPNOTSUPP on v1): the cgroup's cgroup.type.
 *
 * Returns: (transfer full): "domain", "threaded", "domain threaded" or "domain invalid"
 *   (g_free() it), or %NULL with @error set
 */
char *cgfs_cgroup_type(CgfsCgroup *cg, GError **error);
/**
 * cgfs_cgroup_make_threaded:
 * @cg: a #CgfsCgroup
 * @error: return location for a #GError, or %NULL
 *
 * v2 only (EOPNOTSUPP on v1): turn the cgroup threaded, so that the threads of one process
 * can be spread over its subtree (cgfs_cgroup_add_thread()). The kernel allows no way back.
 *
 * Returns: %TRUE on success
 */
gboolean cgfs_cgroup_make_threaded(CgfsCgroup *cg, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CgfsCgroup, cgfs_cgroup_unref)

#pragma GCC visibility pop
G_END_DECLS
