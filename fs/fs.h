/* The cgfs daemon's internal interfaces: the daemon, the tree's nodes, open files. */
#pragma once

#define FUSE_USE_VERSION 314 /* libfuse 3.14 */
#include <fuse.h>

#include <sys/stat.h>
#include <sys/types.h>

#include <glib.h>
#include <cgfs/cgfs.h>

#include "write-buffer.h"

/* ---- limits (docs/tree.md "Limits": keep the figures there in step) ---- */

/* Requests the kernel may queue for the daemon in the background (release, mostly): the
 * kernel's default of 12 made closed files wait behind busy workers. */
#define FS_MAX_BACKGROUND 256

/* The daemon's fd budget: fds it holds whatever the load (stdio, /dev/fuse, the watcher, the
 * log), what one worker thread holds during a request (two cgroups' directory fds, one per
 * hierarchy, and the kernel files it reads or writes), and what a polled events file holds
 * (v1: epoll, timer, OOM eventfd and its control file; v2: epoll and two events files). Open
 * files hold none between requests. */
#define FS_FDS_FIXED 32 /* 16 + the cgroup namespaces kept (FS_CGROUPNS_MAX) */
#define FS_FDS_PER_WORKER 24
#define FS_FDS_PER_POLLER 4
/* The most worker threads the fd budget is made for (libfuse's max_threads default is 10). */
#define FS_MAX_WORKERS 16
/* Cgroup namespaces other than the daemon's whose roots are kept (cgroupns.c), each holding
 * the namespace open. */
#define FS_CGROUPNS_MAX 16
/* The longest last_error message kept; longer ones are cut (they may quote what was written). */
#define FS_ERROR_MESSAGE_MAX 512

/* Fair share, per caller uid other than root (fair-share.c). */
#define FS_SHARE_MAX_OPEN_FILES 1024
#define FS_SHARE_MAX_PENDING_BYTES (8u << 20) /* two documents of the largest size */
#define FS_SHARE_MAX_POLLERS 64               /* at most: fewer when the fd limit is low */
#define FS_SHARE_MAX_SLOW_WRITES 2            /* state and kill writes wait for the kernel */
#define FS_SHARE_MAX_SNAPSHOT_BYTES (16u << 20) /* what open readers hold (snapshots) */

typedef enum {
  FS_SHARE_OPEN_FILES,
  FS_SHARE_PENDING_BYTES,
  FS_SHARE_POLLERS,
  FS_SHARE_SLOW_WRITES,
  FS_SHARE_SNAPSHOT_BYTES,
  FS_SHARE_N,
} FsShareKind;

typedef struct _FsFairShare FsFairShare;

/* Limits for a daemon allowed @nofile fds. */
FsFairShare *fs_fair_share_new(guint64 nofile);
void fs_fair_share_free(FsFairShare *s);
/* How many pollers one user gets with @nofile fds. */
guint64 fs_fair_share_pollers_for(guint64 nofile);
guint64 fs_fair_share_max(const FsFairShare *s, FsShareKind kind);
/* Count @amount of @kind for @uid, or fail (EMFILE, EDQUOT, EAGAIN, ENOMEM; the message names
 * the limit) when that would pass its limit. Root and a NULL table are never limited. */
gboolean fs_fair_share_take(FsFairShare *s, uid_t uid, FsShareKind kind, guint64 amount,
                            GError **error);
void fs_fair_share_give(FsFairShare *s, uid_t uid, FsShareKind kind, guint64 amount);
/* Whether @uid was refused @kind and has given none of it back since (then fail as take does):
 * what costs work to measure (a snapshot) is then refused before the work is done. */
gboolean fs_fair_share_refused(FsFairShare *s, uid_t uid, FsShareKind kind, GError **error);

typedef struct _FsLastErrors FsLastErrors;
typedef struct _FsWatcher FsWatcher;
typedef struct _FsCgroupNs FsCgroupNs;

/* Everything the daemon holds. Only the last_error and fair-share tables change while it runs
 * (each with its own lock); the rest is read-only after start-up, so the FUSE worker threads
 * share it without locks. */
typedef struct {
  CgfsSystem *sys;
  CgfsHierarchy *h;
  char *root;            /* the hierarchy path the mount's "/" shows */
  CgfsCache *cache;      /* loaded cgroups and their kernel files kept open (--fd-cache) */
  FsLastErrors *errors;  /* node-last-error.c */
  FsWatcher *watcher;    /* watcher.c: wakes poll() on events */
  FsFairShare *share;    /* fair-share.c: what each caller holds */
  FsCgroupNs *cgroupns;  /* cgroupns.c: the roots of callers' cgroup namespaces; NULL: none */
  uid_t euid;            /* the daemon's own effective uid (threads switch only while acting) */
  guint64 cap_perm;      /* and its permitted capabilities (fs_caller_daemon_caps) */
  int dac_override;      /* fs_caller_daemon_overrides_dac */
} FsDaemon;

/* The daemon of the current FUSE request. */
FsDaemon *fs_daemon(void);

/* ---- caller.c: who makes a request, and acting with its credentials ---- */

/* The credentials a request is carried out with: for a write, those of the process that opened
 * the file (as the kernel's cgroup files use the opener's), for mkdir, rmdir and chown those of
 * the caller. */
typedef struct {
  uid_t uid;       /* FUSE's: the caller's file system uid and gid */
  gid_t gid;
  pid_t pid;       /* its thread id in the daemon's pid namespace; 0: not visible there */
  gid_t *groups;   /* supplementary groups, from /proc/PID/status */
  gsize n_groups;
  /* A root caller without some of the daemon's capabilities (a container's root, say): its
   * effective set, which the daemon takes on for its requests. */
  gboolean caps_reduced;
  guint64 cap_eff;
  /* What its cgroup namespace reaches; NULL: the daemon's own namespace (everything). */
  CgfsNsRoot *ns_root;
  /* Groups and capabilities above were learnt (fs_caller_init); fs_caller_enter refuses
   * otherwise. */
  gboolean creds_known;
} FsCaller;

typedef struct _FsPath FsPath;
/* The caller of the current FUSE request, whose path fs_resolve resolved as @p (its cgroup
 * namespace comes from there). Clear with fs_caller_clear. */
void fs_caller_init(FsCaller *c, const FsPath *p);
/* Only who it is (uid, gid, pid, cgroup namespace), for an open file that never acts as its
 * opener (a read of a node whose content the daemon reads as itself): no /proc read, no
 * capget. fs_caller_enter refuses such a caller. */
void fs_caller_init_id(FsCaller *c, const FsPath *p);
/* The daemon's permitted capabilities, asked once at start: they never change while it runs
 * (threads switch only their effective set, and their uids with the saved set-user-ID kept 0,
 * which keeps the permitted set: capabilities(7)). */
guint64 fs_caller_daemon_caps(void);
/* Whether the daemon's threads have CAP_DAC_OVERRIDE while they act as themselves, asked once
 * at start: 1 if it is in the effective set then (a thread's effective set, outside
 * fs_caller_enter/leave, is the one it started with or, after acting as another uid, the
 * permitted set, which holds it too), 0 if it is not even permitted (never effective then),
 * -1 otherwise. */
int fs_caller_daemon_overrides_dac(void);
/* The cache's overrides hook (cgfs_cache_set_overrides_check) for @daemon: the thread's
 * CAP_DAC_OVERRIDE without a capget per limits write, where known; -1 (ask the kernel) while
 * the thread acts as a caller. */
int fs_thread_overrides_dac(gpointer daemon);
void fs_caller_copy(FsCaller *dst, const FsCaller *src);
void fs_caller_clear(FsCaller *c);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(FsCaller, fs_caller_clear)
/* Root callers keep the daemon's own power. */
gboolean fs_caller_is_root(const FsCaller *c);

/* The daemon's credentials, kept while a thread acts as a caller. */
typedef struct {
  gboolean switched;
  gboolean caps_switched;
  guint32 cap_eff[2]; /* the daemon's effective capabilities before */
  gid_t rgid, egid;
  int n_groups;
  gid_t groups[64];
} FsSavedCreds;

/* Switch the calling thread (only it) to @c's uid, gid and groups, real and effective, so that
 * the kernel checks file modes, v1's uid rule on procs files, v2's migration rule and signal
 * permissions against the caller. A no-op for root. Pair with fs_caller_leave, always. */
gboolean fs_caller_enter(const FsCaller *c, FsSavedCreds *saved, GError **error);
void fs_caller_leave(FsSavedCreds *saved);
/* Whether this thread acts with a caller's credentials or capabilities now (between an
 * fs_caller_enter that switched something and its fs_caller_leave). */
gboolean fs_caller_acting(void);
/* Whether @c could send a signal to @pid itself (kill(2)'s rule): EPERM naming it if not. */
gboolean fs_caller_may_signal(const FsCaller *c, pid_t pid, GError **error);

/* The daemon protects itself: none of its threads is moved, frozen or killed through the mount. */
gboolean fs_is_daemon_task(pid_t pid);
/* EACCES if @pid is one of the daemon's threads. */
gboolean fs_check_not_daemon(pid_t pid, GError **error);
/* EPERM if a thread of the daemon is in @cg's subtree (in any of its hierarchies); @what names
 * the refused operation. */
gboolean fs_check_daemon_outside(CgfsCgroup *cg, const char *what, GError **error);

/* Log a change made for @c: "audit: uid U pid P: HPATH: what". */
void fs_audit(const FsCaller *c, const char *hpath, const char *format, ...) G_GNUC_PRINTF(3, 4);

/* ---- cgroupns.c: the caller's cgroup namespace ---- */

/* NULL where the kernel has no cgroup namespaces. */
FsCgroupNs *fs_cgroupns_new(void);
void fs_cgroupns_free(FsCgroupNs *ns);
/* What the cgroup namespace of @pid (a thread of the daemon's pid namespace) reaches of the
 * mount: NULL when it is the daemon's own (everything; one stat() to tell), a root that reaches
 * nothing when the daemon cannot tell (pid 0, a process it may not inspect, a namespace it
 * cannot enter). Unref the result. */
CgfsNsRoot *fs_cgroupns_root_of(FsDaemon *d, pid_t pid);

/* ---- pidns.c: pids in the caller's pid namespace ---- */

/* "/proc/PID/ns/NAME" into @buf (at least 48 bytes for the names of namespaces), without
 * printf's machinery: every request reads one or two such links. */
void fs_ns_link(char *buf, gsize size, pid_t pid, const char *name);
/* The inode number of the namespace link @link whose target is "@type:[N]", or 0 (one
 * readlink). */
guint64 fs_ns_link_inode(const char *link, const char *type);

typedef struct {
  dev_t dev;     /* the namespace's inode */
  ino_t ino;
  guint level;   /* how far below the daemon's namespace */
  gboolean own;  /* the daemon's own: nothing to translate */
} FsPidNs;

/* The pid namespace of @pid (a pid of the daemon's namespace). ESRCH if @pid is 0 (FUSE's
 * caller outside the daemon's namespace) or gone. */
gboolean fs_pidns_of(pid_t pid, FsPidNs *ns, GError **error);
/* @pid of @ns (a thread id with @thread) as the daemon's namespace numbers it. ESRCH if no
 * process of @ns has that number, even if the daemon's namespace has one. */
gboolean fs_pidns_resolve(const FsPidNs *ns, pid_t pid, gboolean thread, pid_t *out,
                          GError **error);
/* The daemon's @pid as @ns numbers it; 0 if it is not visible there. */
pid_t fs_pidns_show(const FsPidNs *ns, pid_t pid);

/* ---- nodes ---- */

/* One request against a node of one cgroup directory. */
typedef struct {
  FsDaemon *d;
  CgfsCgroup *cg;
  const char *path; /* the cgroup's path in the hierarchy, for messages */
  pid_t caller;     /* the process (thread) that made the request, in the daemon's pid namespace */
  const FsCaller *who; /* whose credentials a change is made with (the opener's for writes) */
} FsRequest;

typedef struct {
  const char *name;
  /* Permission bits the node can have at most; the mirrored kernel file's bits are masked
   * with them (read-only nodes 0444, write-only 0222, read-write 0666). */
  mode_t mask;
  /* The kernel files whose owner, mode and times the node shows, first found wins, per cgroup
   * version; NULL: the cgroup directory's. */
  const char *const *mirror_v1;
  const char *const *mirror_v2;
  /* Readable only by those who may write the mirrored file: its w bits become r bits. */
  gboolean read_by_writers;
  /* read() is done as the daemon, never with the opener's credentials (no fs_caller_enter),
   * after the kernel checked the caller against the node's mode (default_permissions): an open
   * for reading then learns only who the opener is, not its groups or capabilities (no
   * /proc/PID/status, no capget). Nodes without it learn them at every open. */
  gboolean read_as_daemon;
  /* The content, taken once at open(). NULL for write-only nodes. */
  char *(*read)(FsRequest *rq, gsize *len, GError **error);
  /* A batch of words (token nodes) or one document (JSON nodes). NULL for read-only nodes. */
  FsWriteKind write_kind;
  gboolean (*write)(FsRequest *rq, char **units, guint n_units, GError **error);
  /* Token nodes: whether @start, a word whose end has not come yet, can still become a valid
   * word (EINVAL naming it if not). A write() is checked whole, its unfinished last word too,
   * before any word of it is applied. */
  gboolean (*check_partial)(const char *start, GError **error);
} FsNode;

/* cgroupns.c: cgroup2 with nsdelegate refuses writes from inside a cgroup namespace to its
 * root's control files other than cgroup.procs, cgroup.threads and cgroup.subtree_control
 * (EPERM); the daemon writes from its own namespace, so the rule is applied here, for the
 * state, kill and resources.json nodes. */
gboolean fs_cgroupns_check_root_write(FsRequest *rq, GError **error);

extern const FsNode fs_node_procs;
extern const FsNode fs_node_threads;
extern const FsNode fs_node_state;
extern const FsNode fs_node_events;
extern const FsNode fs_node_kill;
extern const FsNode fs_node_last_error;
extern const FsNode fs_node_resources;
extern const FsNode fs_node_type;
extern const FsNode fs_node_stats;
extern const FsNode fs_node_metrics;

/* ---- tree.c: paths ---- */

/* A FUSE path taken apart. */
struct _FsPath {
  char *cgroup;       /* relative to the mount's root: "/" or "/a/b" */
  const FsNode *node; /* NULL: the cgroup's directory */
  /* Set by fs_resolve: what the caller's cgroup namespace reaches (NULL: everything), and where
   * the cgroup lies for it. A directory CGFS_NS_ABOVE is one on the way to the namespace's
   * root: the caller sees it and the way down, nothing else. */
  CgfsNsRoot *ns;
  CgfsNsPlace place;
};

void fs_path_clear(FsPath *p);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(FsPath, fs_path_clear)

/* The node files of every directory, in listing order, NULL-terminated. */
const FsNode *const *fs_nodes(void);
const FsNode *fs_node_find(const char *name);
/* Split @fuse_path into cgroup and node. ENOENT for names that cannot be a cgroup or a node,
 * ENOTDIR for a node used as a directory. */
gboolean fs_path_parse(const char *fuse_path, FsPath *out, GError **error);
/* The hierarchy path of @rel below @root. */
char *fs_path_in_hierarchy(const char *root, const char *rel);
/* Load the cgroup of @rel, from the daemon's cache when it is still the same directory; *hpath
 * (may be NULL) gets its hierarchy path. */
CgfsCgroup *fs_load(FsDaemon *d, const char *rel, char **hpath, GError **error);
/* fs_load, and @st gets the cgroup directory's attributes now (for a cached cgroup, the stat of
 * its identity check: one system call for both). */
CgfsCgroup *fs_load_stat(FsDaemon *d, const char *rel, char **hpath, struct stat *st,
                         GError **error);
/* The cache's check before a read through a kept descriptor (see cgfs_cache_set_access_check). */
gboolean fs_cache_may_read(int dirfd, const char *name, gpointer daemon);
/* Parse @path and load its cgroup: 0, or -errno for FUSE. ENOENT for what the caller's cgroup
 * namespace does not reach (p->place says where the cgroup lies for it). */
int fs_resolve(const char *path, FsPath *p, CgfsCgroup **cg, char **hpath);
/* fs_resolve, and @st gets the cgroup directory's attributes (fs_load_stat). */
int fs_resolve_stat(const char *path, FsPath *p, CgfsCgroup **cg, char **hpath, struct stat *st);
/* fs_resolve without loading the cgroup: parse @path and place it for the caller's cgroup
 * namespace (the same checks, the same errors). */
int fs_resolve_place(const char *path, FsPath *p);
/* After a successful mkdir of @path below @parent (resolved in this request): the getattr libfuse
 * makes of @path next, in this request, takes @parent's namespace instead of reading it again. */
void fs_resolve_note_made(const char *path, const FsPath *parent);
/* Where the mount's cgroup @rel lies for @ns (CGFS_NS_INSIDE when @ns is NULL); the mount's
 * root is at least on the way (CGFS_NS_ABOVE). */
CgfsNsPlace fs_path_place(FsDaemon *d, CgfsNsRoot *ns, const char *rel);
/* The attributes of @node: its mirrored kernel file's @file (NULL: none, then the directory's
 * @dir, read-only). */
void fs_stat_node(const FsNode *node, const struct stat *dir, const struct stat *file,
                  struct stat *st);
/* The attributes of a cgroup's directory whose kernel directory's are @k. */
void fs_stat_dir(struct stat *st, const struct stat *k);
/* The stat of a node that mirrors the kernel's file or directory @k: @mode, one link, @k's
 * owner and times, everything else zero (size 0: generated content is read with direct I/O). */
void fs_stat_from_kernel(struct stat *st, const struct stat *k, mode_t mode);

/* ---- errors: file.c ---- */

/* The errno to return for @error (its code in CGFS_ERROR, EIO otherwise). */
int fs_errno(const GError *error);
/* A write (or mkdir, rmdir, ...) failed: keep the message as the directory's last_error and log
 * it. Returns -errno for FUSE. */
int fs_fail(FsDaemon *d, CgfsCgroup *cg, const char *hpath, const char *what,
            const GError *error);

/* ---- node-last-error.c: the only state the daemon keeps ---- */

FsLastErrors *fs_last_errors_new(void);
void fs_last_errors_free(FsLastErrors *t);
void fs_last_errors_set(FsLastErrors *t, CgfsCgroup *cg, const char *hpath, const char *message);
/* A copy of the message, or NULL. */
char *fs_last_errors_get(FsLastErrors *t, CgfsCgroup *cg, const char *hpath);
/* Forget @hpath and everything below it (the cgroup was deleted). */
void fs_last_errors_forget(FsLastErrors *t, const char *hpath);

/* ---- file.c: open files ---- */

typedef struct _FsFile FsFile;

int fs_open(const char *path, struct fuse_file_info *fi);
int fs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi);
int fs_write(const char *path, const char *buf, size_t size, off_t off,
             struct fuse_file_info *fi);
int fs_flush(const char *path, struct fuse_file_info *fi);
int fs_release(const char *path, struct fuse_file_info *fi);
int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi);
int fs_poll(const char *path, struct fuse_file_info *fi, struct fuse_pollhandle *ph,
            unsigned *reventsp);

FsFile *fs_file_ref(FsFile *f);
void fs_file_unref(FsFile *f);
/* The mount is made with nullpath_ok (fs_init): libfuse works out no path for a request on an
 * open file (read, write, flush, release, poll; readdir and releasedir of an open directory),
 * and gives getattr, truncate, chmod, chown and utimens none when they come with the open file
 * (fstat, ftruncate: the kernel sends the file handle with these for regular files only). The
 * request's path: @path, or else the one @fi's file was opened by (a new string in *@tmp);
 * NULL when there is neither (@fi is not one of ours). */
const char *fs_request_path(const char *path, struct fuse_file_info *fi, char **tmp);

/* What libfuse keeps for us per open node (fi->fh) starts with one of these, so that a request
 * with a handle and no path tells an open file (FsFile) from an open directory (dir.c). */
#define FS_FILE_MAGIC 0x73666763u
#define FS_DIR_MAGIC 0x73666764u

/* ---- node-events.c: poll support for the events node ---- */

/* The poll state of an open events file, held by its FsFile under the file's lock. */
typedef struct _FsEventsPoll FsEventsPoll;
/* poll(): start watching the kernel on the first call, keep @ph to notify on a change, and
 * report POLLIN|POLLPRI once the content differs from the open file's @snapshot. */
int fs_events_poll(FsDaemon *d, FsFile *f, CgfsCgroup *cg, const char *snapshot,
                   FsEventsPoll **state, struct fuse_pollhandle *ph, unsigned *reventsp);
/* The kernel fd woke: compare with @snapshot and notify the poller. FALSE once the cgroup is
 * gone (stop watching); @cg is NULL when it could not be loaded (deleted). */
gboolean fs_events_changed(FsEventsPoll *s, CgfsCgroup *cg, const char *snapshot);
/* Whether it changed since the snapshot, clearing the mark: a read at offset 0 then takes a new
 * snapshot, as a reader that rewinds after poll() expects. */
gboolean fs_events_take_change(FsEventsPoll *s);
void fs_events_poll_free(FsEventsPoll *s);

/* ---- watcher.c: one thread that waits on every watched kernel fd ---- */

FsWatcher *fs_watcher_new(GError **error);
void fs_watcher_free(FsWatcher *w);
/* Call fs_file_events_woke(@f) once when @fd becomes readable; fs_watcher_rearm for the next. */
gboolean fs_watcher_add(FsWatcher *w, int fd, FsFile *f, GError **error);
void fs_watcher_rearm(FsWatcher *w, FsFile *f);
/* After this returns the watcher no longer calls back for @f. */
void fs_watcher_remove(FsWatcher *w, FsFile *f);
/* file.c: the watcher's call-back; whether to keep watching. */
gboolean fs_file_events_woke(FsFile *f);

/* ---- node-procs.c ---- */

/* One word written to procs or threads: a decimal pid; 0 is @writer. EINVAL for anything else,
 * ESRCH for 0 when the writer is outside the daemon's pid namespace (@writer 0). */
gboolean fs_parse_pid(const char *word, pid_t writer, pid_t *out, GError **error);
/* The start of a word of procs or threads (FsNode.check_partial). */
gboolean fs_check_partial_pid(const char *start, GError **error);

/* ---- node-self.c: the caller's own cgroup ---- */

#define FS_SELF_NAME "self"
/* Whether @fuse_path is the link "/self" (only at the mount's root). */
gboolean fs_is_self(const char *fuse_path);
int fs_self_getattr(struct stat *st);
int fs_readlink(const char *path, char *buf, size_t size);

/* ---- dir.c ---- */

int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi);
int fs_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
               struct fuse_file_info *fi, enum fuse_readdir_flags flags);
/* An open directory remembers its path, for readdir (nullpath_ok: fs_request_path). */
int fs_opendir(const char *path, struct fuse_file_info *fi);
int fs_releasedir(const char *path, struct fuse_file_info *fi);
/* The path @fi's directory was opened by; NULL if @fi is not an open directory of ours. */
const char *fs_dir_handle_path(const struct fuse_file_info *fi);
int fs_mkdir(const char *path, mode_t mode);
int fs_rmdir(const char *path);
int fs_refuse_create(const char *path, mode_t mode, struct fuse_file_info *fi);
int fs_refuse_mknod(const char *path, mode_t mode, dev_t dev);
int fs_refuse_symlink(const char *target, const char *path);
int fs_refuse_link(const char *from, const char *to);
int fs_refuse_rename(const char *from, const char *to, unsigned int flags);
int fs_refuse_unlink(const char *path);
int fs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi);
int fs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi);
int fs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi);

/* ---- log.c ---- */

/* Log to stderr (foreground) or syslog; debug messages only with @debug. */
void fs_log_init(gboolean foreground, gboolean debug);
