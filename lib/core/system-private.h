/* Internal: parsing the inputs of a CgfsSystem. Exposed for the unit tests. */
#pragma once

#include "config-internal.h"

#include <cgfs/system.h>

/* One line of /proc/self/cgroup. */
typedef struct {
  int hierarchy_id;
  char **controllers; /* empty for the v2 line */
  char *path;
} CgfsSelfCgroup;

void cgfs_mount_clear(CgfsMount *m);
void cgfs_self_cgroup_clear(CgfsSelfCgroup *c);

/* Parse mountinfo text into a GArray of CgfsMount holding only cgroup and cgroup2 mounts (the
 * first mount of each hierarchy). controllers of v2 mounts are left NULL; dir = prefix + point. */
GArray *cgfs_parse_mountinfo(const char *text, const char *prefix, GError **error);
/* Parse /proc/PID/cgroup text into a GArray of CgfsSelfCgroup. */
GArray *cgfs_parse_proc_cgroup(const char *text, GError **error);
/* Undo mountinfo's octal escapes (\040 for a space). */
char *cgfs_mountinfo_unescape(const char *s);
/* The directory of cgroup @cgpath within @m, or NULL if @cgpath is not below the mount's root. */
char *cgfs_mount_dir_for(const CgfsMount *m, const char *cgpath);

/* What CgfsSystemSources.prefix was ("" for the real machine): sysfs and procfs paths that are
 * not cgroup files (block devices, huge page sizes) are read below it. */
const char *cgfs_system_prefix(const CgfsSystem *sys);
/* The system's cache of device names and page sizes for stats, created on first use. */
typedef struct _CgfsStatsCache CgfsStatsCache;
CgfsStatsCache *cgfs_system_stats_cache(CgfsSystem *sys);
