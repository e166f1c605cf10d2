/* Internal: the seam between the cgroup object and the v1 / v2 (and later systemd) backends. */
#pragma once

#include "cgroup-private.h"

typedef struct _CgfsStats CgfsStats;
typedef struct _CgfsPlan CgfsPlan;

/* cgfs_cgroup_kill_checked's check and its data. */
typedef struct {
  CgfsKillCheck check;
  gpointer data;
} CgfsKillGate;

struct _CgfsBackend {
  const char *name;
  const char *procs_file;   /* cgroup.procs */
  const char *threads_file; /* v1 tasks, v2 cgroup.threads */
  /* Make directory @name below @parent_fd, which this call just created, usable (v1: cpuset
   * cpus/mems from the parent), reaching it by name: it need not be opened. */
  gboolean (*init_dir)(int parent_fd, const char *name, const CgfsMount *m, GError **error);
  gboolean (*set_frozen)(CgfsCgroup *cg, gboolean frozen, GError **error);
  CgfsState (*state)(CgfsCgroup *cg, GError **error);
  /* @gate (NULL: none) is asked about every process before any is signalled. */
  gboolean (*kill)(CgfsCgroup *cg, const CgfsKillGate *gate, GError **error);
  char **(*subsystems)(const CgfsCgroup *cg, GError **error);
  /* Fill @out (zeroed, version set) with every statistic of the cgroup. */
  gboolean (*stats)(CgfsCgroup *cg, CgfsStats *out, GError **error);
  /* Resources (resources.c): make @controller's files appear in the cgroup before an update
   * writes them, the steps undone if it fails (v2: the ancestors' cgroup.subtree_control).
   * NULL when they are always there. */
  gboolean (*prepare_controller)(CgfsPlan *plan, const char *controller, const char *field,
                                 GError **error);
  /* A manager's units (systemd): NULL for cgroupfs, where cgroup.c makes and removes the
   * directories, procs.c writes cgroup.procs and resources.c runs the update plan. */
  /* Make the cgroup (@pid > 0: with that process in it), not yet opened. */
  gboolean (*create)(CgfsCgroup *cg, pid_t pid, GError **error);
  /* Remove it, once cgroup.c has checked it holds no process and no child. */
  gboolean (*remove)(CgfsCgroup *cg, GError **error);
  gboolean (*attach)(CgfsCgroup *cg, pid_t pid, GError **error);
  gboolean (*update)(CgfsCgroup *cg, const CgfsResources *r, GError **error);
};

extern const CgfsBackend cgfs_backend_v1;
extern const CgfsBackend cgfs_backend_v2;
extern const CgfsBackend cgfs_backend_systemd_v1;
extern const CgfsBackend cgfs_backend_systemd_v2;

/* The backend of the cgroup at @path of @h: v1 or v2, or systemd's for a unit of a systemd
 * hierarchy (backend-systemd.c). */
const CgfsBackend *cgfs_backend_select(CgfsHierarchy *h, const char *path);
/* cgroup.c: cgfs_cgroup_new, with @pid (> 0) in the new cgroup where the backend needs it
 * (a systemd scope). */
CgfsCgroup *cgfs_cgroup_new_with_pid(CgfsHierarchy *h, CgfsPathSpec path, pid_t pid,
                                     const CgfsResources *resources, GError **error);

/* Shared by the backends (procs.c). */
GArray *cgfs_read_pids_at(int dirfd, const char *file, GError **error);
gboolean cgfs_collect_pids(int dirfd, const char *file, gboolean recursive, GArray *out,
                           GError **error);
gboolean cgfs_write_pid_at(int dirfd, const char *dir, const char *file, pid_t pid,
                           GError **error);
/* Send @sig to every process listed in @file over the subtree of @d, each checked (through a
 * pidfd) to still be in it when signalled; how many were signalled. */
gssize cgfs_signal_subtree(const CgfsCgroupDir *d, const char *file, int sig,
                           const CgfsKillGate *gate, GError **error);
/* Move every process listed in @file over the subtree of @src_fd into @dst_fd, until none is
 * left (EBUSY after 1000 rounds). */
gboolean cgfs_move_all_dir(int src_fd, const char *src_dir, int dst_fd, const char *dst_dir,
                           const char *file, GError **error);
/* The children of every thread of @pid, appended to @out (pid_t). */
void cgfs_pid_children(pid_t pid, GArray *out);
/* Whether process @pid sits in @d or below it (its mount's hierarchy). */
gboolean cgfs_pid_is_below(pid_t pid, const CgfsCgroupDir *d);
/* Wait until the subtree of @dirfd lists no process in @file; ETIMEDOUT after @timeout_ms. */
gboolean cgfs_wait_empty(int dirfd, const char *file, guint timeout_ms, GError **error);

/* freezer.c */
/* ETIMEDOUT (thawed again) when not frozen within @timeout_ms. */
gboolean cgfs_freezer_v1_set(int fd, const char *dir, gboolean frozen, guint timeout_ms,
                             GError **error);
CgfsState cgfs_freezer_v1_state(int fd, GError **error);
gboolean cgfs_freezer_v2_set(int fd, const char *dir, gboolean frozen, GError **error);
CgfsState cgfs_freezer_v2_state(int fd, GError **error);
/* Wait until cgroup.events says @key is @value; ETIMEDOUT after @timeout_ms. */
gboolean cgfs_events_wait(int fd, const char *key, const char *value, guint timeout_ms,
                          GError **error);

/* stats.c: the stats hooks of the v1 and v2 backends. */
gboolean cgfs_stats_read_v1(CgfsCgroup *cg, CgfsStats *out, GError **error);
gboolean cgfs_stats_read_v2(CgfsCgroup *cg, CgfsStats *out, GError **error);

#define CGFS_FREEZE_TIMEOUT_MS 10000
#define CGFS_KILL_TIMEOUT_MS 10000
/* v1 kill freezes first so that nothing forks between listing and signalling; a freeze that
 * takes longer (a task stuck in an OOM wait or in the kernel) is given up for a signal loop. */
#define CGFS_KILL_FREEZE_TIMEOUT_MS 2000
