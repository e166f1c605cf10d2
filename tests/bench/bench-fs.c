/* What does the FUSE mount cost? Each operation timed three ways, in-process loops:
 *   kernel  open/read/close of exactly the kernel files one library call opened (recorded
 *           through a wrapped openat64), or, for writes, the same direct writes;
 *   libcgfs the library call in this process (plus formatting the text the node serves); hot
 *           stats.json and limit writes load the cgroup through a CgfsCache, as a program that
 *           asks again would (cold stats load it afresh);
 *   mount   open/read/close (or open/write/close) of the node through a cgfs mount;
 * and the FUSE floor: open/read/close of a file of a FUSE file system that does nothing
 * (fuse-floor.c: same libfuse, loop and options as cgfs, opens nothing), empty and of the same
 * size as the node's content, the least a request through a mount can cost.
 * Reads: procs, events, stats.json hot (the same cgroup again and again) and cold (a round robin
 * over more cgroups than any cache of the daemon holds; the library loads each one). Writes:
 * procs (a pid moved where it already is), resources.json (memory, pids and cpu limits whose
 * values change at every call, so that no layer can skip them as no-ops), mkdir+rmdir of a
 * child (kernel: mkdir and rmdir in every v1 hierarchy; libcgfs also by path, make_child and
 * remove, as the daemon does it).
 *
 * Writes and mkdir+rmdir have their own FUSE floors: open/write/close of a file that takes writes
 * (open, write, flush, release) and mkdir+rmdir of a directory (lookup, mkdir, rmdir) on the
 * do-nothing fs; "kernel + FUSE floor" is the least a mount can do. For mkdir+rmdir,
 * $BENCH_FS_LIBFLOOR=1 adds a row (off by default: the other rows' rounds stay as they were): the
 * floor fs whose mkdir/rmdir also make and remove a child with the library by path, as the daemon
 * does — FUSE's requests plus the library's work, nothing of cgfs's own per request.
 * bench-fs [N [COLD]] (N calls per round, default 500; COLD cgroups for the cold reads, default
 * 256; $BENCH_FS_ONLY=resources,mkdir,... runs only those rows): $CGFS is the daemon, $CGFS_ARGS extra options for it. Creates cgfs-test-<pid>-bench in
 * every v1 hierarchy with a process in it, mounts cgfs on a temp dir, prints µs per operation
 * (the median of the rounds, all operations interleaved round by round) and ratios. The bench
 * and the daemon share one CPU (BENCH_FS_NOPIN=1 lets them float): on a busy machine a request
 * handed to another CPU waits for it, which measures the scheduler, not the request path. Needs
 * root and /dev/fuse (exit 77 otherwise).
 */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"
#include "bench-daemon.h"
#include "fuse-floor.h"
#include "open-recorder.h"

#if __has_include(<cgfs/stats.h>)
#include <cgfs/stats.h>
#define HAVE_STATS 1
#endif
#if __has_include(<cgfs/resources.h>)
#include <cgfs/resources.h>
#define HAVE_RESOURCES 1
#endif

#define ROUNDS 15
#define MAX_COLD 4096
#define BUF_SIZE 65536

/* A failure once mounted: exit(), so that the atexit handlers unmount and clean up (an abort
 * would leave the mount behind). */
static G_NORETURN G_GNUC_PRINTF(1, 2) void die(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "bench-fs: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(1);
}

/* ---- the setup ---- */

typedef struct {
  char *name;      /* /cgfs-test-<pid>-bench */
  CgfsCgroup *cg;  /* the library's handle (its directory fds stay open for the floors) */
  CgfsCache *cache; /* what a program asking again and again uses: hot stats, limit writes */
  pid_t sleeper;   /* in the cgroup */
  BenchDaemon daemon;
  char *dir;       /* the mount point + name */
  char *floor_mnt; /* fuse-floor.c */
  pid_t floor_server;
  char *floor_lib_mnt; /* the floor whose mkdir/rmdir call the library ($BENCH_FS_LIBFLOOR) */
  pid_t floor_lib_server;
  GPtrArray *v1_dirs; /* the bench cgroup's directory in every v1 mount */
  guint n_cold;
  CgfsCgroup *cold[MAX_COLD]; /* children c0, c1, ... with their directory fds open */
} Bench;

static Bench bench;

static void unmount_floor(void)
{
  fuse_floor_unmount(bench.floor_mnt, bench.floor_server);
  bench.floor_server = 0;
  fuse_floor_unmount(bench.floor_lib_mnt, bench.floor_lib_server);
  bench.floor_lib_server = 0;
}

/* This process, and the daemon it forks, on the CPU it runs on now. */
static void pin_to_one_cpu(void)
{
  if (g_getenv("BENCH_FS_NOPIN"))
    return;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(sched_getcpu(), &one);
  if (sched_setaffinity(0, sizeof one, &one) != 0)
    g_warning("cannot pin to one CPU: %s", g_strerror(errno));
}

/* The cold cgroups hold 9 directory fds each in this process. */
static void raise_fd_limit(void)
{
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

static void make_cold_cgroups(guint n)
{
  bench.n_cold = MIN(n, MAX_COLD);
  for (guint i = 0; i < bench.n_cold; i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *name = g_strdup_printf("c%u", i);
    bench.cold[i] = cgfs_cgroup_new_child(bench.cg, name, NULL, &error);
    g_assert_no_error(error);
  }
}

static void find_v1_dirs(CgfsSystem *sys)
{
  bench.v1_dirs = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < cgfs_system_n_mounts(sys); i++) {
    const CgfsMount *m = cgfs_system_mount(sys, i);
    if (m->version == 1)
      g_ptr_array_add(bench.v1_dirs, g_strconcat(m->dir, bench.name, NULL));
  }
}

static void setup(guint n_cold)
{
  itest_init();
  if (access("/dev/fuse", R_OK | W_OK) != 0) {
    fprintf(stderr, "skipped: no /dev/fuse\n");
    exit(77);
  }
  itest_require("memory");
  g_autoptr(GError) error = NULL;
  g_autoptr(CgfsSystem) sys = cgfs_system_new(&error);
  g_assert_no_error(error);
  g_autoptr(CgfsHierarchy) h = cgfs_hierarchy_v1(sys, &error);
  g_assert_no_error(error);
  bench.name = itest_name("bench");
  bench.cg = cgfs_cgroup_new(h, CGFS_STATIC_PATH(bench.name), NULL, &error);
  g_assert_no_error(error);
  bench.sleeper = itest_spawn(NULL);
  cgfs_cgroup_add_process(bench.cg, bench.sleeper, NULL, &error);
  g_assert_no_error(error);
  find_v1_dirs(sys);
  bench.cache = cgfs_cache_new(h, 4096);
  raise_fd_limit();
  make_cold_cgroups(n_cold);
  pin_to_one_cpu();
  bench.floor_mnt = fuse_floor_mount(&bench.floor_server);
  if (g_getenv("BENCH_FS_LIBFLOOR"))
    bench.floor_lib_mnt = fuse_floor_mount_library(bench.cg, &bench.floor_lib_server);
  atexit(unmount_floor);
  bench_daemon_mount(&bench.daemon, "v1");
  bench.dir = g_strconcat(bench.daemon.mnt, bench.name, NULL);
}

/* ---- the operations ---- */

typedef void (*Op)(gpointer data);

static void read_path(const char *path)
{
  static char buf[BUF_SIZE];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    die("open %s: %s", path, g_strerror(errno));
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0)
    ;
  if (n < 0)
    die("read %s: %s", path, g_strerror(errno));
  close(fd);
}

static void write_path(const char *path, const char *text)
{
  int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0)
    die("open %s: %s", path, g_strerror(errno));
  if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
    die("write %s: %s", path, g_strerror(errno));
  if (close(fd) != 0)
    die("close %s: %s", path, g_strerror(errno));
}

static void op_mount_read(gpointer node)
{
  g_autofree char *path = g_build_filename(bench.dir, (const char *)node, NULL);
  read_path(path);
}

static void op_replay(gpointer data)
{
  char buf[BUF_SIZE];
  recording_replay(data, buf, sizeof buf);
}

static char *format_pids(GArray *pids)
{
  GString *out = g_string_new(NULL);
  for (guint i = 0; i < pids->len; i++)
    g_string_append_printf(out, "%d\n", (int)g_array_index(pids, pid_t, i));
  return g_string_free(out, FALSE);
}

static void op_lib_procs(gpointer unused)
{
  g_autoptr(GArray) pids = cgfs_cgroup_processes(bench.cg, NULL, FALSE, NULL);
  g_free(format_pids(pids));
}

static void op_lib_events(gpointer unused)
{
  g_free(cgfs_cgroup_events(bench.cg, NULL, NULL));
}

static void op_mount_move(gpointer unused)
{
  g_autofree char *path = g_build_filename(bench.dir, "procs", NULL);
  char pid[32];
  g_snprintf(pid, sizeof pid, "%d\n", (int)bench.sleeper);
  write_path(path, pid);
}

static void op_lib_move(gpointer unused)
{
  if (!cgfs_cgroup_add_process(bench.cg, bench.sleeper, NULL, NULL))
    die("cgfs_cgroup_add_process failed");
}

/* What the library does, by hand: the pid into cgroup.procs of every hierarchy. */
static void op_kernel_move(gpointer unused)
{
  char pid[32];
  g_snprintf(pid, sizeof pid, "%d", (int)bench.sleeper);
  for (guint i = 0; i < bench.v1_dirs->len; i++) {
    g_autofree char *path = g_strconcat(bench.v1_dirs->pdata[i], "/cgroup.procs", NULL);
    write_path(path, pid);
  }
}

#ifdef HAVE_STATS
static void lib_stats_of(CgfsCgroup *cg)
{
  g_autoptr(CgfsStats) s = cgfs_cgroup_stats(cg, NULL);
  if (!s)
    die("cgfs_cgroup_stats failed");
  g_free(cgfs_stats_to_json(s, NULL));
}

static void op_lib_stats_of(gpointer cg)
{
  lib_stats_of(cg);
}

/* The bench cgroup through the library's cache, as a program that asks again would load it. */
static CgfsCgroup *cached_cg(void)
{
  CgfsCgroup *cg = cgfs_cache_load(bench.cache, CGFS_STATIC_PATH(bench.name), NULL);
  if (!cg)
    die("cannot load %s", bench.name);
  return cg;
}

static void op_lib_stats_plain(gpointer unused)
{
  lib_stats_of(bench.cg);
}

static void op_lib_stats(gpointer unused)
{
  g_autoptr(CgfsCgroup) cg = cached_cg();
  lib_stats_of(cg);
}

static guint next_cold(guint *turn)
{
  return (*turn)++ % bench.n_cold;
}

/* Cold for the library: the cgroup is loaded, read and dropped. */
static void op_lib_stats_cold(gpointer unused)
{
  static guint turn;
  g_autofree char *path = g_strdup_printf("%s/c%u", bench.name, next_cold(&turn));
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_load(cgfs_cgroup_hierarchy(bench.cg),
                                              CGFS_STATIC_PATH(path), NULL);
  if (!cg)
    die("cannot load %s", path);
  lib_stats_of(cg);
}

static void op_mount_stats_cold(gpointer unused)
{
  static guint turn;
  g_autofree char *path = g_strdup_printf("%s/c%u/stats.json", bench.dir, next_cold(&turn));
  read_path(path);
}

static Recording *cold_files;

static void op_replay_cold(gpointer unused)
{
  static guint turn;
  char buf[BUF_SIZE];
  recording_replay(&cold_files[next_cold(&turn)], buf, sizeof buf);
}
#endif

#ifdef HAVE_RESOURCES
/* Every call sets values other than the last call's (two sets, alternating), so that each layer
 * has to write all three files. Each op keeps its own turn: all start from the same values. */
typedef struct {
  const char *memory, *pids, *shares;
} Limits;

static const Limits limit_sets[2] = {
  { "536870912", "512", "1024" },
  { "537919488", "513", "1025" },
};

static const Limits *next_limits(guint *turn)
{
  return &limit_sets[(*turn)++ % 2];
}

static char *limits_doc(const Limits *l)
{
  return g_strdup_printf("{\"memory\": {\"limit\": %s}, \"pids\": {\"limit\": %s}, "
                         "\"cpu\": {\"shares\": %s}}",
                         l->memory, l->pids, l->shares);
}

static void op_mount_resources(gpointer unused)
{
  static guint turn;
  g_autofree char *path = g_build_filename(bench.dir, "resources.json", NULL);
  g_autofree char *doc = limits_doc(next_limits(&turn));
  write_path(path, doc);
}

static void op_lib_resources(gpointer unused)
{
  static guint turn;
  g_autoptr(GError) error = NULL;
  g_autofree char *doc = limits_doc(next_limits(&turn));
  g_autoptr(CgfsResources) r = cgfs_resources_from_json(doc, -1, &error);
  g_autoptr(CgfsCgroup) cg = cached_cg();
  if (!r || !cgfs_cgroup_update(cg, r, &error))
    die("resources: %s", error->message);
}

/* The library's update alone, the documents parsed once (a C program fills CgfsResources itself;
 * parsing JSON is what the mount adds to it). */
static void op_lib_update_only(gpointer unused)
{
  static guint turn;
  static CgfsResources *parsed[2];
  guint k = turn++ % 2;
  if (!parsed[k]) {
    g_autofree char *doc = limits_doc(&limit_sets[k]);
    parsed[k] = cgfs_resources_from_json(doc, -1, NULL);
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(CgfsCgroup) cg = cached_cg();
  if (!parsed[k] || !cgfs_cgroup_update(cg, parsed[k], &error))
    die("update: %s", error ? error->message : "unparsable document");
}

static void op_kernel_resources(gpointer unused)
{
  static guint turn;
  const Limits *l = next_limits(&turn);
  const struct {
    const char *subsystem, *file, *value;
  } writes[] = {
    { "memory", "memory.limit_in_bytes", l->memory },
    { "pids", "pids.max", l->pids },
    { "cpu", "cpu.shares", l->shares },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(writes); i++) {
    g_autofree char *path = g_strdup_printf("/sys/fs/cgroup/%s%s/%s", writes[i].subsystem,
                                            bench.name, writes[i].file);
    write_path(path, writes[i].value);
  }
}
#endif

/* mkdir+rmdir of a child: by hand in every v1 hierarchy, with the library, through the mount. */
static void op_kernel_mkdir(gpointer unused)
{
  for (guint i = 0; i < bench.v1_dirs->len; i++) {
    g_autofree char *path = g_strconcat(bench.v1_dirs->pdata[i], "/k", NULL);
    if (mkdir(path, 0755) != 0)
      die("mkdir %s: %s", path, g_strerror(errno));
  }
  for (guint i = bench.v1_dirs->len; i-- > 0;) {
    g_autofree char *path = g_strconcat(bench.v1_dirs->pdata[i], "/k", NULL);
    if (rmdir(path) != 0)
      die("rmdir %s: %s", path, g_strerror(errno));
  }
}

static void op_lib_mkdir(gpointer unused)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_create_child(bench.cg, "l", &error);
  if (!cg || !cgfs_cgroup_delete(cg, &error))
    die("library mkdir+rmdir: %s", error->message);
}

/* The same by path, as the daemon's mkdir and rmdir do it: nothing opened. */
static void op_lib_mkdir_by_path(gpointer unused)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_strconcat(cgfs_cgroup_path(bench.cg), "/l", NULL);
  if (!cgfs_cgroup_make_child(bench.cg, "l", &error) ||
      !cgfs_cgroup_remove(cgfs_cgroup_hierarchy(bench.cg), CGFS_STATIC_PATH(path), &error))
    die("library mkdir+rmdir by path: %s", error->message);
}

/* mkdir+rmdir on the floor whose mkdir/rmdir make and remove a child with the library by path
 * (fuse-floor.c): the FUSE requests of a mount and the library's work, nothing else. */
static void op_floor_lib_mkdir(gpointer unused)
{
  g_autofree char *path = g_build_filename(bench.floor_lib_mnt, "m", NULL);
  if (mkdir(path, 0755) != 0 || rmdir(path) != 0)
    die("FUSE floor + library mkdir+rmdir %s: %s", path, g_strerror(errno));
}

static void op_mount_mkdir(gpointer unused)
{
  g_autofree char *path = g_build_filename(bench.dir, "m", NULL);
  if (mkdir(path, 0755) != 0 || rmdir(path) != 0)
    die("mkdir+rmdir %s: %s", path, g_strerror(errno));
}

static void op_floor_read(gpointer size_name)
{
  g_autofree char *path = g_build_filename(bench.floor_mnt, (const char *)size_name, NULL);
  read_path(path);
}

/* open(O_TRUNC)/write/close of the floor's writable file: open, write, flush, release. */
static void op_floor_write(gpointer text)
{
  g_autofree char *path = g_build_filename(bench.floor_mnt, "w", NULL);
  write_path(path, text);
}

/* mkdir+rmdir on the floor: lookup, mkdir (and the attributes of the new entry), rmdir. */
static void op_floor_mkdir(gpointer unused)
{
  g_autofree char *path = g_build_filename(bench.floor_mnt, "m", NULL);
  if (mkdir(path, 0755) != 0 || rmdir(path) != 0)
    die("floor mkdir+rmdir %s: %s", path, g_strerror(errno));
}

/* ---- timing and the table ---- */

static double now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

typedef struct {
  Op op;
  gpointer data;
  double rounds[ROUNDS]; /* ns per call in each round */
  double median;
} Timed;

static double time_round(const Timed *t, guint n)
{
  double start = now_ns();
  for (guint i = 0; i < n; i++)
    t->op(t->data);
  return (now_ns() - start) / n;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Rounds of @n calls of each op in turn, so that all see the same machine (this one is shared
 * and busy); each op's figure is the median of its rounds. The FUSE floor runs along. */
static void time_ops(Timed *ops, guint n_ops, guint n)
{
  for (guint k = 0; k < n_ops; k++)
    for (guint i = 0; i < n / 10 + 1; i++)
      ops[k].op(ops[k].data);
  for (guint r = 0; r < ROUNDS; r++)
    for (guint k = 0; k < n_ops; k++)
      ops[k].rounds[r] = time_round(&ops[k], n);
  for (guint k = 0; k < n_ops; k++) {
    qsort(ops[k].rounds, ROUNDS, sizeof(double), cmp_double);
    ops[k].median = ops[k].rounds[ROUNDS / 2];
  }
}

static Recording *record(Op op)
{
  Recording *r = g_new0(Recording, 1);
  recording_capture(r, op, NULL);
  return r;
}

static gboolean mount_has(const char *node)
{
  g_autofree char *path = g_build_filename(bench.dir, node, NULL);
  return access(path, F_OK) == 0;
}

static void op_mount_read(gpointer node);

static void row(const char *what, const char *how, double ns, double floor, const char *of)
{
  printf("%-22s %-46s %10.1f µs", what, how, ns / 1000);
  if (floor > 0)
    printf("  %6.2fx %s", ns / floor, of);
  printf("\n");
}

/* The size of the node's content, as a name of the floor file system. */
static char *content_size(const char *node)
{
  g_autofree char *path = g_build_filename(bench.dir, node, NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &text, &len, NULL))
    len = 0;
  return g_strdup_printf("%zu", len);
}

/* t[0] the FUSE floor of the operation (@floor_how), t[1] kernel, t[2] libcgfs, t[3] mount,
 * t[4] (optional) the FUSE file of the node's size. */
static void report_with_floor(const char *what, const char *kernel_how, const char *mount_how,
                              const char *floor_how, const Timed *t, guint n_t)
{
  double fuse_floor = t[0].median, kernel = t[1].median, lib = t[2].median, mnt = t[3].median;
  row(what, kernel_how, kernel, 0, NULL);
  row("", "libcgfs in-process", lib, kernel, "kernel");
  row("", mount_how, mnt, kernel, "kernel");
  row("", floor_how, fuse_floor, 0, NULL);
  row("", "kernel + FUSE floor (the least a mount can do)", kernel + fuse_floor, kernel,
      "kernel");
  if (n_t > 4) {
    g_autofree char *how = g_strdup_printf("FUSE floor: a %s-byte file of a FUSE fs", (char *)t[4].data);
    row("", how, t[4].median, 0, NULL);
    row("", "mount against the same-size FUSE file", mnt, t[4].median, "FUSE file");
  }
  printf("%-22s %-46s %10.1f µs  (mount %.2fx libcgfs)\n\n", "",
         "mount minus the FUSE floor", (mnt - fuse_floor) / 1000, mnt / lib);
}

static void report(const char *what, const char *kernel_how, const char *mount_how,
                   const Timed *t, guint n_t)
{
  report_with_floor(what, kernel_how, mount_how, "FUSE floor: an empty file of a FUSE fs", t,
                    n_t);
}

/* A read three ways, and the FUSE floors alongside; the floor's files are those @record_op
 * opens. */
static void bench_read_recorded(const char *node, Op record_op, Op lib_op, guint n)
{
  if (!mount_has(node)) {
    printf("%-22s missing from the mount\n", node);
    return;
  }
  g_autofree Recording *files = record(record_op);
  g_autofree char *size = content_size(node);
  Timed t[] = {
    { op_floor_read, (gpointer) "0" },
    { op_replay, files },
    { lib_op, NULL },
    { op_mount_read, (gpointer)node },
    { op_floor_read, size },
  };
  time_ops(t, G_N_ELEMENTS(t), n);
  g_autofree char *how = g_strdup_printf("kernel: open/read/close of %u file%s", files->n,
                                         files->n == 1 ? "" : "s");
  g_autofree char *what = g_strdup_printf("%s%s", node,
                                          strcmp(node, "stats.json") == 0 ? " (hot)" : "");
  report(what, how, "mount: open/read/close", t, G_N_ELEMENTS(t));
  recording_clear(files);
}

static void bench_read(const char *node, Op lib_op, guint n)
{
  bench_read_recorded(node, lib_op, lib_op, n);
}

#ifdef HAVE_STATS
/* stats.json of a cgroup not read lately: a round robin over the cold cgroups. */
static void bench_stats_cold(guint n)
{
  if (!mount_has("stats.json") || bench.n_cold == 0)
    return;
  cold_files = g_new0(Recording, bench.n_cold);
  for (guint i = 0; i < bench.n_cold; i++)
    recording_capture(&cold_files[i], op_lib_stats_of, bench.cold[i]);
  Timed t[] = {
    { op_floor_read, (gpointer) "0" },
    { op_replay_cold, NULL },
    { op_lib_stats_cold, NULL },
    { op_mount_stats_cold, NULL },
  };
  time_ops(t, G_N_ELEMENTS(t), n);
  g_autofree char *what = g_strdup_printf("stats.json (cold/%u)", bench.n_cold);
  g_autofree char *how = g_strdup_printf("kernel: open/read/close of %u files",
                                         cold_files[0].n);
  report(what, how, "mount: open/read/close", t, G_N_ELEMENTS(t));
  for (guint i = 0; i < bench.n_cold; i++)
    recording_clear(&cold_files[i]);
  g_clear_pointer(&cold_files, g_free);
}
#endif

static void bench_write(const char *node, const char *kernel_how, Op kernel_op, Op lib_op,
                        Op mount_op, guint n, Op extra_op, const char *extra_how)
{
  if (node && !mount_has(node)) {
    printf("%-22s missing from the mount\n", node);
    return;
  }
  /* The floor: the same requests on the do-nothing FUSE fs (a write of a document's size). */
  Timed t[] = {
    node ? (Timed){ op_floor_write, (gpointer) "{\"pids\": {\"limit\": 512}}" }
         : (Timed){ op_floor_mkdir, NULL },
    { kernel_op, NULL },
    { lib_op, NULL },
    { mount_op, NULL },
    { extra_op, NULL },
    { op_floor_lib_mkdir, NULL }, /* mkdir+rmdir with $BENCH_FS_LIBFLOOR only */
  };
  gboolean lib_floor = !node && extra_op && bench.floor_lib_mnt;
  time_ops(t, G_N_ELEMENTS(t) - !extra_op - !lib_floor, n);
  if (!node) {
    report_with_floor("mkdir+rmdir", kernel_how, "mount: mkdir+rmdir",
                      "FUSE floor: mkdir+rmdir on a FUSE fs", t, 4);
    if (extra_op)
      row("", extra_how, t[4].median, t[1].median, "kernel");
    if (lib_floor)
      row("", "FUSE floor + libcgfs by path (least a mount)", t[5].median, t[1].median,
          "kernel");
    return;
  }
  g_autofree char *what = g_strdup_printf("%s (write)", node);
  report_with_floor(what, kernel_how, "mount: open/write/close",
                    "FUSE floor: open/write/close on a FUSE fs", t, 4);
  if (extra_op)
    row("", extra_how, t[4].median, t[1].median, "kernel");
}

/* Whether row @name is to run: $BENCH_FS_ONLY, a comma-separated list of procs, events, stats,
 * cold, move, resources, mkdir (default: every row). */
static gboolean wanted(const char *name)
{
  const char *only = g_getenv("BENCH_FS_ONLY");
  if (!only || !*only)
    return TRUE;
  g_auto(GStrv) names = g_strsplit(only, ",", -1);
  return g_strv_contains((const char *const *)names, name);
}

int main(int argc, char **argv)
{
  guint n = argc > 1 ? (guint)atoi(argv[1]) : 500;
  guint n_cold = argc > 2 ? (guint)atoi(argv[2]) : 256;
  setup(n_cold);
  printf("bench-fs: rounds of %u calls, the median of %d rounds, operations interleaved;\n"
         "cgroup %s in every v1 hierarchy, one process in it; %s;\n"
         "daemon options: %s\n\n", n, ROUNDS, bench.name,
         g_getenv("BENCH_FS_NOPIN") ? "not pinned" : "bench and daemon on one CPU",
         g_getenv("CGFS_ARGS") ? g_getenv("CGFS_ARGS") : "(none)");
  if (wanted("procs"))
    bench_read("procs", op_lib_procs, n);
  if (wanted("events"))
    bench_read("events", op_lib_events, n);
#ifdef HAVE_STATS
  if (wanted("stats"))
    bench_read_recorded("stats.json", op_lib_stats_plain, op_lib_stats, n);
  if (wanted("cold"))
    bench_stats_cold(n);
#else
  printf("%-22s not timed: the library has no stats.h yet\n", "stats.json");
#endif
  if (wanted("move"))
    bench_write("procs", "kernel: pid into 9 cgroup.procs files", op_kernel_move, op_lib_move,
                op_mount_move, n, NULL, NULL);
#ifdef HAVE_RESOURCES
  if (wanted("resources"))
    bench_write("resources.json", "kernel: 3 limit files written (values change)",
                op_kernel_resources, op_lib_resources, op_mount_resources, n, op_lib_update_only,
                "libcgfs update only (no JSON parsing)");
#else
  printf("%-22s not timed: the library has no resources.h yet\n", "resources.json");
#endif
  g_autofree char *mkdir_how = g_strdup_printf("kernel: mkdir+rmdir in %u v1 hierarchies",
                                               bench.v1_dirs->len);
  if (wanted("mkdir"))
    bench_write(NULL, mkdir_how, op_kernel_mkdir, op_lib_mkdir, op_mount_mkdir, n / 10 + 1,
                op_lib_mkdir_by_path, "libcgfs by path (make_child, remove)");
  return 0;
}
