/* What does the FUSE mount cost? Each operation timed three ways, in-process loops:
 *   kernel  open/read/close of exactly the kernel files one library call opened (recorded
 *           through a wrapped openat64), or, for writes, the same direct writes;
 *   libcgfs the library call in this process (plus formatting the text the node serves);
 *   mount   open/read/close (or open/write/close) of the node through a cgfs mount;
 * and the FUSE floor: open/read/close of last_error while it is empty (a fixed, empty file),
 * the least a request through the mount can cost. Reads: procs, events, stats.json; writes:
 * procs (a pid moved where it already is), resources.json. stats.json and resources.json are
 * timed when the library and the daemon have them.
 *
 * bench-fs [N] (calls per round, default 500): $CGFS is the daemon. Creates cgfs-test-<pid>-bench
 * in every v1 hierarchy with a process in it, mounts cgfs on a temp dir, prints µs per operation
 * and ratios. The bench and the daemon share one CPU (BENCH_FS_NOPIN=1 lets them float): on a
 * busy machine a request handed to another CPU waits for it, which measures the scheduler, not
 * the request path. Needs root and /dev/fuse (exit 77 otherwise).
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"
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
  pid_t sleeper;   /* in the cgroup */
  char *mnt;       /* the mount point */
  char *dir;       /* mnt + name */
  pid_t daemon;
} Bench;

static Bench bench;

static gboolean is_mounted(const char *mnt)
{
  g_autofree char *mounts = itest_read("/proc/self/mounts");
  g_autofree char *needle = g_strdup_printf(" %s fuse", mnt);
  return mounts && strstr(mounts, needle);
}

static void unmount_daemon(void)
{
  if (bench.daemon <= 0)
    return;
  if (is_mounted(bench.mnt) && umount2(bench.mnt, 0) != 0)
    umount2(bench.mnt, MNT_DETACH);
  int status;
  waitpid(bench.daemon, &status, 0);
  bench.daemon = 0;
  rmdir(bench.mnt);
}

static void mount_daemon(void)
{
  const char *cgfs = g_getenv("CGFS");
  if (!cgfs || access(cgfs, X_OK) != 0) {
    fprintf(stderr, "skipped: CGFS does not name the cgfs binary\n");
    exit(77);
  }
  bench.mnt = g_dir_make_tmp("cgfs-bench-XXXXXX", NULL);
  g_assert_nonnull(bench.mnt);
  bench.daemon = fork();
  g_assert_cmpint(bench.daemon, >=, 0);
  if (bench.daemon == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execl(cgfs, cgfs, "-f", "--hierarchy", "v1", bench.mnt, (char *)NULL);
    _exit(127);
  }
  atexit(unmount_daemon); /* runs before itest_cleanup, registered earlier */
  while (!is_mounted(bench.mnt)) {
    if (waitpid(bench.daemon, NULL, WNOHANG) == bench.daemon)
      die("cgfs did not mount");
    g_usleep(2000);
  }
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

static void setup(void)
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
  pin_to_one_cpu();
  mount_daemon();
  bench.dir = g_strconcat(bench.mnt, bench.name, NULL);
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
  g_autoptr(CgfsSystem) sys = NULL;
  static GPtrArray *files;
  if (!files) {
    files = g_ptr_array_new_with_free_func(g_free);
    sys = cgfs_system_new(NULL);
    for (guint i = 0; i < cgfs_system_n_mounts(sys); i++) {
      const CgfsMount *m = cgfs_system_mount(sys, i);
      if (m->version == 1)
        g_ptr_array_add(files, g_strconcat(m->dir, bench.name, "/cgroup.procs", NULL));
    }
  }
  for (guint i = 0; i < files->len; i++)
    write_path(files->pdata[i], pid);
}

#ifdef HAVE_STATS
static void op_lib_stats(gpointer unused)
{
  g_autoptr(CgfsStats) s = cgfs_cgroup_stats(bench.cg, NULL);
  if (!s)
    die("cgfs_cgroup_stats failed");
  g_free(cgfs_stats_to_json(s, NULL));
}
#endif

#ifdef HAVE_RESOURCES
static const char *const limits_doc =
    "{\"memory\": {\"limit\": 536870912}, \"pids\": {\"limit\": 512}, \"cpu\": {\"shares\": 1024}}";

static void op_mount_resources(gpointer unused)
{
  g_autofree char *path = g_build_filename(bench.dir, "resources.json", NULL);
  write_path(path, limits_doc);
}

static void op_lib_resources(gpointer unused)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CgfsResources) r = cgfs_resources_from_json(limits_doc, -1, &error);
  if (!r || !cgfs_cgroup_update(bench.cg, r, &error))
    die("resources: %s", error->message);
}

static void op_kernel_resources(gpointer unused)
{
  const struct {
    const char *subsystem, *file, *value;
  } writes[] = {
    { "memory", "memory.limit_in_bytes", "536870912" },
    { "pids", "pids.max", "512" },
    { "cpu", "cpu.shares", "1024" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(writes); i++) {
    g_autofree char *path = g_strdup_printf("/sys/fs/cgroup/%s%s/%s", writes[i].subsystem,
                                            bench.name, writes[i].file);
    write_path(path, writes[i].value);
  }
}
#endif

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
  double best; /* ns per call, the fastest round */
} Timed;

static double time_round(const Timed *t, guint n)
{
  double start = now_ns();
  for (guint i = 0; i < n; i++)
    t->op(t->data);
  return (now_ns() - start) / n;
}

/* Rounds of @n calls of each op in turn, so that all see the same machine (this one is shared
 * and busy); each op keeps its fastest round. The FUSE floor runs along as @ops[0]. */
static void time_ops(Timed *ops, guint n_ops, guint n)
{
  for (guint k = 0; k < n_ops; k++) {
    ops[k].best = G_MAXDOUBLE;
    for (guint i = 0; i < n / 10 + 1; i++)
      ops[k].op(ops[k].data);
  }
  for (guint r = 0; r < ROUNDS; r++)
    for (guint k = 0; k < n_ops; k++)
      ops[k].best = MIN(ops[k].best, time_round(&ops[k], n));
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

static void row(const char *what, const char *how, double ns, double floor)
{
  printf("%-22s %-44s %10.1f µs", what, how, ns / 1000);
  if (floor > 0)
    printf("  %6.2fx kernel", ns / floor);
  printf("\n");
}

static void report(const char *what, const char *kernel_how, const char *mount_how,
                   const Timed *t)
{
  double fuse_floor = t[0].best, kernel = t[1].best, lib = t[2].best, mnt = t[3].best;
  row(what, kernel_how, kernel, 0);
  row("", "libcgfs in-process", lib, kernel);
  row("", mount_how, mnt, kernel);
  printf("%-22s %-44s %10.1f µs  (mount %.2fx libcgfs)\n", "",
         "mount minus the FUSE floor, timed alongside", (mnt - fuse_floor) / 1000, mnt / lib);
  printf("%-22s %-44s %10.1f µs\n", "", "(the FUSE floor in these rounds)", fuse_floor / 1000);
}

/* A read three ways, and the FUSE floor alongside. */
static void bench_read(const char *node, Op lib_op, guint n)
{
  if (!mount_has(node)) {
    printf("%-22s missing from the mount\n", node);
    return;
  }
  g_autofree Recording *files = record(lib_op);
  Timed t[] = {
    { op_mount_read, (gpointer) "last_error" },
    { op_replay, files },
    { lib_op, NULL },
    { op_mount_read, (gpointer)node },
  };
  time_ops(t, G_N_ELEMENTS(t), n);
  g_autofree char *how = g_strdup_printf("kernel: open/read/close of %u file%s", files->n,
                                         files->n == 1 ? "" : "s");
  report(node, how, "mount: open/read/close", t);
  recording_clear(files);
}

static void bench_write(const char *node, const char *kernel_how, Op kernel_op, Op lib_op,
                        Op mount_op, guint n)
{
  if (!mount_has(node)) {
    printf("%-22s missing from the mount\n", node);
    return;
  }
  Timed t[] = {
    { op_mount_read, (gpointer) "last_error" },
    { kernel_op, NULL },
    { lib_op, NULL },
    { mount_op, NULL },
  };
  time_ops(t, G_N_ELEMENTS(t), n);
  g_autofree char *what = g_strdup_printf("%s (write)", node);
  report(what, kernel_how, "mount: open/write/close", t);
}

int main(int argc, char **argv)
{
  guint n = argc > 1 ? (guint)atoi(argv[1]) : 500;
  setup();
  printf("bench-fs: rounds of %u calls, each operation's fastest of %d rounds, interleaved;\n"
         "cgroup %s in every v1 hierarchy, one process in it; %s\n\n", n, ROUNDS, bench.name,
         g_getenv("BENCH_FS_NOPIN") ? "not pinned" : "bench and daemon on one CPU");
  bench_read("procs", op_lib_procs, n);
  bench_read("events", op_lib_events, n);
#ifdef HAVE_STATS
  bench_read("stats.json", op_lib_stats, n);
#else
  printf("%-22s not timed: the library has no stats.h yet\n", "stats.json");
#endif
  printf("\n");
  bench_write("procs", "kernel: pid into 9 cgroup.procs files", op_kernel_move, op_lib_move,
              op_mount_move, n);
#ifdef HAVE_RESOURCES
  bench_write("resources.json", "kernel: 3 limit files written", op_kernel_resources,
              op_lib_resources, op_mount_resources, n);
#else
  printf("%-22s not timed: the library has no resources.h yet\n", "resources.json");
#endif
  return 0;
}
