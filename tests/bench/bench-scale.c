/* Does the mount keep up when a cgroup has many children? For each size N (ascending; children
 * are added to the same parent between sizes), through the mount against cgroupfs:
 *   ls       opendir/readdir of the parent; floor: the same in one hierarchy's cgroupfs
 *            directory (v1: pids, whose directories hold 7 files, against the mount's 8 nodes;
 *            v2: the unified mount);
 *   find     a walk of the parent's subtree as find(1) does it: readdir, descend into DT_DIR,
 *            fstatat() entries whose type readdir leaves unknown; same floor;
 *            both also beside the FUSE floor: the same walk of a tree of the same shape (N
 *            directories of 10 files) on a FUSE file system that does nothing (fuse-floor.c),
 *            the least the walk can cost through FUSE;
 *   stats    stats.json of every child through the mount, per child; against libcgfs loading
 *            each child and reading its stats in this process;
 *   parent   stats.json of the parent (should not grow with N);
 *   daemon   its RSS (VmRSS, VmHWM) and open fds after the walks.
 *
 * bench-scale [SIZES] (comma-separated, default 1,1000,10000): $CGFS is the daemon, $CGFS_ARGS
 * extra options, BENCH_SCALE_HIERARCHY v1 (default) or v2. Children are made with mkdir(2) in
 * every mount of the hierarchy (not timed against anything). On v1 the memory controller allows
 * at most 65535 cgroups on the machine, so sizes near 100 000 only work with v2. Needs root and
 * /dev/fuse (exit 77 otherwise). Pinning is left to the caller (taskset).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cgfs/stats.h>

#include "bench-daemon.h"
#include "fuse-floor.h"
#include "itest.h"

#define READS 9 /* timed repetitions of ls, find and parent stats at each size: the median */

typedef struct {
  char *name;          /* /cgfs-test-<pid>-scale */
  CgfsHierarchy *h;
  GPtrArray *dirs;     /* the parent's directory in every mount of the hierarchy */
  char *floor_dir;     /* the parent in the hierarchy used as the cgroupfs floor */
  BenchDaemon daemon;
  char *mnt_dir;       /* the parent through the mount */
  char *fuse_floor;    /* fuse-floor.c's mount */
  pid_t fuse_floor_server;
  guint n;             /* children made so far */
} Scale;

static Scale scale;

static G_NORETURN G_GNUC_PRINTF(1, 2) void die(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "bench-scale: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(1);
}

static double now_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* ---- setup ---- */

static void unmount_fuse_floor(void)
{
  fuse_floor_unmount(scale.fuse_floor, scale.fuse_floor_server);
}

static void setup(const char *hierarchy)
{
  itest_init();
  if (access("/dev/fuse", R_OK | W_OK) != 0) {
    fprintf(stderr, "skipped: no /dev/fuse\n");
    exit(77);
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(CgfsSystem) sys = cgfs_system_new(&error);
  g_assert_no_error(error);
  scale.h = cgfs_hierarchy_from_string(sys, hierarchy, &error);
  if (!scale.h) {
    fprintf(stderr, "skipped: %s\n", error->message);
    exit(77);
  }
  int version = cgfs_hierarchy_version(scale.h);
  scale.name = itest_name("scale");
  scale.dirs = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < cgfs_system_n_mounts(sys); i++) {
    const CgfsMount *m = cgfs_system_mount(sys, i);
    if (m->version != version)
      continue;
    char *dir = g_strconcat(m->dir, scale.name, NULL);
    g_ptr_array_add(scale.dirs, dir);
    if (version == 2 || g_strv_contains((const char *const *)m->controllers, "pids"))
      scale.floor_dir = dir;
  }
  if (!scale.floor_dir)
    die("no floor hierarchy (pids on v1)");
  for (guint i = 0; i < scale.dirs->len; i++)
    if (mkdir(scale.dirs->pdata[i], 0755) != 0)
      die("mkdir %s: %s", (char *)scale.dirs->pdata[i], g_strerror(errno));
  bench_daemon_mount(&scale.daemon, hierarchy);
  scale.mnt_dir = g_strconcat(scale.daemon.mnt, scale.name, NULL);
  scale.fuse_floor = fuse_floor_mount(&scale.fuse_floor_server);
  atexit(unmount_fuse_floor);
}

/* mkdir children up to @n in every mount; FALSE (with the reason printed) when the kernel says
 * no (ENOSPC: the memory controller's 65535 cgroups). */
static gboolean grow_to(guint n)
{
  for (; scale.n < n; scale.n++) {
    for (guint i = 0; i < scale.dirs->len; i++) {
      g_autofree char *path = g_strdup_printf("%s/c%u", (char *)scale.dirs->pdata[i], scale.n);
      if (mkdir(path, 0755) != 0) {
        printf("cannot make child %u in %s: %s; stopping here\n", scale.n,
               (char *)scale.dirs->pdata[i], g_strerror(errno));
        for (guint j = 0; j < i; j++) {
          g_autofree char *made = g_strdup_printf("%s/c%u", (char *)scale.dirs->pdata[j], scale.n);
          rmdir(made);
        }
        return FALSE;
      }
    }
  }
  return TRUE;
}

/* ---- the walks ---- */

static guint list_dir(int dirfd_or_cwd, const char *path, gboolean recurse)
{
  int fd = openat(dirfd_or_cwd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    die("open %s: %s", path, g_strerror(errno));
  DIR *dir = fdopendir(fd);
  guint n = 0;
  struct dirent *e;
  while ((e = readdir(dir))) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    n++;
    if (!recurse)
      continue;
    gboolean is_dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st;
      if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        die("stat %s/%s: %s", path, e->d_name, g_strerror(errno));
      is_dir = S_ISDIR(st.st_mode);
    }
    if (is_dir)
      n += list_dir(dirfd(dir), e->d_name, TRUE);
  }
  closedir(dir);
  return n;
}

typedef guint (*Walk)(const char *path);

static guint ls(const char *path)
{
  return list_dir(AT_FDCWD, path, FALSE);
}

static guint find(const char *path)
{
  return list_dir(AT_FDCWD, path, TRUE);
}

static guint cat_stats(const char *dir)
{
  g_autofree char *path = g_strconcat(dir, "/stats.json", NULL);
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL))
    die("cannot read %s", path);
  return 1;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The median over READS of @walk on each of @paths (NULL-terminated, at most 3), interleaved. */
static void time_walks(Walk walk, const char *const *paths, double *medians)
{
  double t[3][READS];
  guint n = 0;
  while (n < 3 && paths[n])
    walk(paths[n++]); /* warm up every one */
  for (guint r = 0; r < READS; r++) {
    for (guint i = 0; i < n; i++) {
      double t0 = now_us();
      walk(paths[i]);
      t[i][r] = now_us() - t0;
    }
  }
  for (guint i = 0; i < n; i++) {
    qsort(t[i], READS, sizeof t[i][0], cmp_double);
    medians[i] = t[i][READS / 2];
  }
}

static void time_pair(Walk walk, const char *mount_path, const char *floor_path, double *mnt,
                      double *flr)
{
  const char *paths[] = { floor_path, mount_path, NULL };
  double m[2];
  time_walks(walk, paths, m);
  *flr = m[0];
  *mnt = m[1];
}

static void row(const char *what, double mnt, double flr, const char *floor_how)
{
  printf("  %-34s %12.1f µs   %-32s %12.1f µs  %6.2fx\n", what, mnt, floor_how, flr, mnt / flr);
}

/* A walk through the mount beside both floors: cgroupfs and the FUSE floor's tree of the same
 * shape (fuse-floor.c: @n directories of 10 files, a file system that does nothing). */
static void walk_rows(const char *what, Walk walk, guint n, const char *floor_how)
{
  g_autofree char *fuse_tree = g_strdup_printf("%s/d%u", scale.fuse_floor, n);
  const char *paths[] = { scale.floor_dir, scale.mnt_dir, fuse_tree, NULL };
  double m[3];
  time_walks(walk, paths, m);
  row(what, m[1], m[0], floor_how);
  g_autofree char *label = g_strdup_printf("%s: FUSE floor", what);
  row(label, m[1], m[2], "same tree on a do-nothing FUSE fs");
}

/* stats.json of every child through the mount, against libcgfs in this process; µs per child. */
static void stats_of_children(guint n, double *mnt, double *lib)
{
  double t0 = now_us();
  for (guint i = 0; i < n; i++) {
    g_autofree char *dir = g_strdup_printf("%s/c%u", scale.mnt_dir, i);
    cat_stats(dir);
  }
  double t1 = now_us();
  for (guint i = 0; i < n; i++) {
    g_autofree char *path = g_strdup_printf("%s/c%u", scale.name, i);
    g_autoptr(GError) error = NULL;
    g_autoptr(CgfsCgroup) cg = cgfs_cgroup_load(scale.h, CGFS_STATIC_PATH(path), &error);
    g_autoptr(CgfsStats) s = cg ? cgfs_cgroup_stats(cg, &error) : NULL;
    if (!s)
      die("stats of %s: %s", path, error->message);
    g_free(cgfs_stats_to_json(s, NULL));
  }
  *mnt = (t1 - t0) / n;
  *lib = (now_us() - t1) / n;
}

static guint64 status_kb(const char *key)
{
  g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)scale.daemon.pid);
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL))
    return 0;
  const char *line = strstr(text, key);
  return line ? g_ascii_strtoull(line + strlen(key) + 1, NULL, 10) : 0;
}

static guint daemon_fds(void)
{
  g_autofree char *path = g_strdup_printf("/proc/%d/fd", (int)scale.daemon.pid);
  g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
  guint n = 0;
  while (dir && g_dir_read_name(dir))
    n++;
  return n;
}

static void measure(guint n)
{
  double t0 = now_us();
  if (!grow_to(n))
    return;
  printf("%u children (%u cgroups per mount made in %.1f s)\n", n, n, (now_us() - t0) / 1e6);
  const char *floor_how = scale.dirs->len > 1 ? "cgroupfs (pids)" : "cgroupfs (unified)";
  double mnt, flr;
  walk_rows("ls of the parent", ls, n, floor_how);
  walk_rows("find of the parent", find, n, floor_how);
  time_pair(cat_stats, scale.mnt_dir, scale.mnt_dir, &mnt, &flr);
  printf("  %-34s %12.1f µs\n", "stats.json of the parent", mnt);
  double lib;
  stats_of_children(n, &mnt, &lib);
  row("stats.json of each child (per child)", mnt, lib, "libcgfs load+stats per child");
  printf("  %-34s VmRSS %" G_GUINT64_FORMAT " kB, VmHWM %" G_GUINT64_FORMAT " kB, %u fds\n\n",
         "daemon", status_kb("VmRSS:"), status_kb("VmHWM:"), daemon_fds());
}

int main(int argc, char **argv)
{
  const char *hierarchy = g_getenv("BENCH_SCALE_HIERARCHY");
  if (!hierarchy)
    hierarchy = "v1";
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  setup(hierarchy);
  g_auto(GStrv) sizes = g_strsplit(argc > 1 ? argv[1] : "1,1000,10000", ",", -1);
  printf("bench-scale: %s hierarchy (%u mounts), parent %s; medians of %d; daemon options: %s\n\n",
         hierarchy, scale.dirs->len, scale.name, READS,
         g_getenv("CGFS_ARGS") ? g_getenv("CGFS_ARGS") : "(none)");
  for (char **s = sizes; *s; s++) {
    guint n = (guint)g_ascii_strtoull(*s, NULL, 10);
    if (n < scale.n)
      die("sizes must grow: %u after %u", n, scale.n);
    measure(n);
    if (scale.n < n)
      break;
  }
  return 0;
}
