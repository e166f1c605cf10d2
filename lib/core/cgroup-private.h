/* Internal: the cgroup object as the backends and controllers see it. */
#pragma once

#include "config-internal.h"

#include <sys/stat.h>

#include <cgfs/cgroup.h>

#include "fileio.h"

typedef struct _CgfsKeptFiles CgfsKeptFiles;
typedef struct _CgfsFdBudget CgfsFdBudget;

/* The cgroup's directory in one mount. */
typedef struct {
  const CgfsMount *mount;
  char *dir; /* absolute path, for messages and listings */
  int fd;    /* O_PATH directory fd; -1 when the directory is missing */
  CgfsKeptFiles *kept; /* cache.c: files kept open in it; NULL unless the cgroup is cached */
} CgfsCgroupDir;

typedef struct _CgfsBackend CgfsBackend;

struct _CgfsCgroup {
  gint ref;
  CgfsHierarchy *h;
  const CgfsBackend *backend;
  CgfsPathKind kind;
  char *path;
  GArray *dirs; /* CgfsCgroupDir, one per distinct mount, in the hierarchy's order */
  CgfsFdBudget *budget; /* cache.c: the budget its fds count in, while cached; else NULL */
};

/* The directory of @subsystem (v1 name, or anything on v2), or NULL if the hierarchy has no such
 * subsystem. */
const CgfsCgroupDir *cgfs_cgroup_dir(const CgfsCgroup *cg, const char *subsystem);
/* Its fd, or -1 when the subsystem is absent or its directory missing. */
int cgfs_cgroup_fd(const CgfsCgroup *cg, const char *subsystem);
/* The first directory that exists, or NULL. */
const CgfsCgroupDir *cgfs_cgroup_first_dir(const CgfsCgroup *cg);
/* The subsystem names (v1) carried by @d's mount that belong to the hierarchy, comma-separated,
 * for messages. */
char *cgfs_cgroup_dir_label(const CgfsCgroup *cg, const CgfsCgroupDir *d);

/* An O_PATH fd of mount @m's directory (one of @h's), kept by @h and opened at first use, so
 * that a cgroup's directory is opened relative to it (the path walk from / through /sys and the
 * mounts above is the costly part of an open); -1 when it cannot be had (use the path). While
 * @h lives it keeps the mount busy, as any open cgroup directory does. */
int cgfs_hierarchy_mount_fd(CgfsHierarchy *h, const CgfsMount *m);

/* stat(2) of @d->dir (a directory of @cg) by its path, walked from its mount's kept fd. */
int cgfs_cgroup_stat_dir(const CgfsCgroup *cg, const CgfsCgroupDir *d, struct stat *st);

/* stat(2) of cgroup @spec's directory as cgfs_cgroup_stat() of its loaded object gives it,
 * without loading it: one stat of its directory in the first hierarchy (loaded when it is not
 * there). */
gboolean cgfs_cgroup_stat_path(CgfsHierarchy *h, CgfsPathSpec spec, struct stat *st,
                               GError **error);
/* cgfs_cgroup_stat_file() of cgroup @spec without loading it, by path from each mount's kept
 * fd: 1 with @st set, 0 when none of @names is there (or a stat fails), -1 when that way does not
 * apply (load the cgroup then). */
int cgfs_cgroup_stat_file_path(CgfsHierarchy *h, CgfsPathSpec spec, const char *const *names,
                               struct stat *st);
/* Whether cgroup @spec is there in every hierarchy, without a child cgroup in any (each
 * directory's link count, by path: no directory opened). FALSE when in doubt. */
gboolean cgfs_cgroup_leaf_path(CgfsHierarchy *h, CgfsPathSpec spec);

/* Wait @attempt's share of a growing back-off (1 ms doubling up to 16 ms). */
void cgfs_backoff_sleep(guint attempt);

/* @name below @parent, opened through the parent's directory fds (one path component per
 * hierarchy instead of the whole path): NULL unless it is there in every hierarchy the parent
 * is (then load it by path, which tells what is missing and why). */
CgfsCgroup *cgfs_cgroup_open_child(CgfsCgroup *parent, const char *name);

/* ---- cache.c: kept files ---- */

/* Read @name of @d as cgfs_read_text_at() does, through a descriptor kept open (pread at
 * offset 0) when the cgroup is cached and the budget allows, else with open/read/close. */
gboolean cgfs_kept_read_text(const CgfsCgroupDir *d, const char *name, gboolean optional,
                             char *buf, gsize size, CgfsText *out, GError **error);
/* cgfs_read_alloc_at() of @name below @dirfd, one of @cg's directory fds, through a kept
 * descriptor when @cg is cached (@cg may be NULL). */
char *cgfs_kept_read_alloc(const CgfsCgroup *cg, int dirfd, const char *name, gsize *len,
                           GError **error);
/* The same into @buf (@size bytes) when it fits, as cgfs_read_text_at() reads: no heap copy. */
gboolean cgfs_kept_read_text_at(const CgfsCgroup *cg, int dirfd, const char *name, char *buf,
                                gsize size, CgfsText *out, GError **error);
/* cgfs_thread_overrides_dac(), answered by the hook of the cache @cg is cached in when it knows
 * (cgfs_cache_set_overrides_check); @cg may be NULL. */
gboolean cgfs_cgroup_thread_overrides_dac(const CgfsCgroup *cg);
/* Whether the calling thread may open @name below @dirfd for writing now (errno set when not). */
typedef gboolean (*CgfsMayOpenFunc)(int dirfd, const char *name, gpointer data);
/* cgfs_write_at() of @value to @name below @dirfd, one of @cg's directory fds, through a
 * descriptor kept open for writing when @cg's files are kept (@cg may be NULL): one pwrite() at
 * offset 0, which cgroupfs takes as it takes the write of a new open (whole, with its own
 * error; ENODEV once the cgroup is removed is answered as the open would, ENOENT). A descriptor
 * kept from an earlier write is used only if @may_open allows: it stands in for the permission
 * check of the open() it saves. Only for files whose kernel write handler looks at nothing of
 * the opener (limit files; not cgroup.procs, cgroup.threads, tasks, release_agent, which check
 * the opener's credentials at each write). */
gboolean cgfs_kept_write(const CgfsCgroup *cg, int dirfd, const char *name, const char *value,
                         CgfsMayOpenFunc may_open, gpointer data, GError **error);
/* Take the update lock of the cgroup whose first directory is @d (resources.c, lock_updates)
 * through a descriptor of @d kept open (opened by @open_dir the first time) and a mutex for
 * this process's threads, which share that descriptor (flock() does not keep apart the holders
 * of one open file): TRUE with the lock held, until cgfs_kept_unlock_updates(). FALSE when the
 * cgroup keeps no files, the budget has no room, or the kept descriptor is a parent process's
 * (a forked child): the caller then locks with a descriptor of its own. */
gboolean cgfs_kept_lock_updates(const CgfsCgroupDir *d, int (*open_dir)(const CgfsCgroupDir *d));
void cgfs_kept_unlock_updates(const CgfsCgroupDir *d);
/* Close the kept files of @d (the cgroup is being freed). */
void cgfs_kept_files_free(CgfsKeptFiles *k);
/* The cgroup is being freed: its directory fds leave the budget. */
void cgfs_fd_budget_release_cgroup(CgfsCgroup *cg);
