/* cgfs-load: N clients (threads of this process) hammer a mounted cgfs for S seconds while a
 * monitor samples the daemon's fds, RSS and threads, and report what happened as JSON.
 *
 * usage: cgfs-load MOUNT DIR DAEMON_PID CLIENTS SECONDS
 *
 * DIR is a directory of the mount (a cgroup the caller made, cgfs-test-*): client i works in
 * DIR/c<i>, made here, and loops over reading stats.json and events (with a zero-timeout
 * poll()), writing resources.json, moving its own child process between DIR/c<i>/a and
 * DIR/c<i>/b, and mkdir/rmdir of DIR/c<i>/t. The only pids written are those of the children
 * this program forked and has not reaped (so the numbers cannot have been reused), checked right
 * before each write. Clients are threads, not processes: a fork+exec costs milliseconds here.
 *
 * Exit status: 0 when no operation failed, 1 when any did (counted by errno in the report),
 * 2 on a setup failure. fds and RSS "after" are taken once the daemon is idle again. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { OP_STATS, OP_EVENTS, OP_LIMITS, OP_MOVE, OP_MKDIR, OP_HOLD, N_OPS };
static const char *const op_names[N_OPS] = { "stats",       "events", "limits",
                                             "move",        "mkdir_rmdir", "hold" };

/* Files each client keeps open between its other operations, as a sidecar keeps an fd to
 * resources.json or events: closed and opened again in turn. */
#define HELD 8

#define MAX_ERRNO 256

typedef struct {
  int index;
  char dir[4096];
  pid_t child;
  unsigned seed;
  int held[HELD];
  int next_held;
} Client;

static const char *g_dir;
static pid_t g_daemon;
static atomic_bool g_stop;
static atomic_long g_ops[N_OPS];
static atomic_long g_errors[N_OPS][MAX_ERRNO];
static atomic_long g_peak_fds, g_peak_rss_kb, g_peak_threads;

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void count(int op, int err)
{
  atomic_fetch_add(&g_ops[op], 1);
  if (err)
    atomic_fetch_add(&g_errors[op][err < MAX_ERRNO ? err : 0], 1);
}

/* ---- the daemon, seen from /proc ---- */

static long daemon_fds(void)
{
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/fd", (int)g_daemon);
  DIR *d = opendir(path);
  if (!d)
    return -1;
  long n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.')
      n++;
  closedir(d);
  return n;
}

/* VmRSS (kB) and Threads of /proc/PID/status. */
static int daemon_status(long *rss_kb, long *threads)
{
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)g_daemon);
  FILE *f = fopen(path, "re");
  if (!f)
    return -1;
  *rss_kb = *threads = -1;
  while (fgets(line, sizeof line, f)) {
    sscanf(line, "VmRSS: %ld", rss_kb);
    sscanf(line, "Threads: %ld", threads);
  }
  fclose(f);
  return 0;
}

static void raise_peak(atomic_long *peak, long v)
{
  long old = atomic_load(peak);
  while (v > old && !atomic_compare_exchange_weak(peak, &old, v))
    ;
}

static void *monitor(void *unused __attribute__((unused)))
{
  while (!atomic_load(&g_stop)) {
    long rss, threads;
    raise_peak(&g_peak_fds, daemon_fds());
    if (daemon_status(&rss, &threads) == 0) {
      raise_peak(&g_peak_rss_kb, rss);
      raise_peak(&g_peak_threads, threads);
    }
    usleep(50 * 1000);
  }
  return NULL;
}

/* ---- one client ---- */

static int read_file(const char *path, int do_poll)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errno;
  char buf[65536];
  ssize_t n;
  int err = 0;
  while ((n = read(fd, buf, sizeof buf)) > 0)
    ;
  if (n < 0)
    err = errno;
  if (!err && do_poll) {
    struct pollfd p = { .fd = fd, .events = POLLPRI };
    if (poll(&p, 1, 0) < 0)
      err = errno;
  }
  if (close(fd) != 0 && !err)
    err = errno;
  return err;
}

static int write_file(const char *path, const char *text)
{
  int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0)
    return errno;
  int err = 0;
  if (write(fd, text, strlen(text)) < 0)
    err = errno;
  if (close(fd) != 0 && !err)
    err = errno;
  return err;
}

/* Our own child, not reaped (so its number is still ours), and alive. */
static int own_child_alive(pid_t pid)
{
  siginfo_t si = { 0 };
  return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == 0 &&
         kill(pid, 0) == 0;
}

static void limits_text(char *text, size_t size, long round)
{
  snprintf(text, size, "{\"pids\": {\"limit\": %ld}, \"memory\": {\"limit\": %ld}}",
           100 + round % 100, (64L << 20) + (round % 16) * 4096);
}

/* Close the oldest held file, and open another: a writer of resources.json that has written a
 * complete document, or a reader of events that has read it. */
static int hold_next(Client *c, long round)
{
  int err = 0;
  int *slot = &c->held[c->next_held];
  c->next_held = (c->next_held + 1) % HELD;
  if (*slot >= 0 && close(*slot) != 0)
    err = errno;
  *slot = -1;
  char path[4200], text[256];
  int writer = round % 2;
  snprintf(path, sizeof path, "%s/%s", c->dir, writer ? "resources.json" : "events");
  int fd = open(path, (writer ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0)
    return err ? err : errno;
  limits_text(text, sizeof text, round);
  if ((writer ? write(fd, text, strlen(text)) : read(fd, text, sizeof text)) < 0 && !err)
    err = errno;
  *slot = fd;
  return err;
}

static void one_op(Client *c, int op, long round)
{
  char path[4200], text[256];
  switch (op) {
  case OP_STATS:
    snprintf(path, sizeof path, "%s/stats.json", c->dir);
    count(op, read_file(path, 0));
    break;
  case OP_EVENTS:
    snprintf(path, sizeof path, "%s/events", c->dir);
    count(op, read_file(path, 1));
    break;
  case OP_LIMITS:
    snprintf(path, sizeof path, "%s/resources.json", c->dir);
    limits_text(text, sizeof text, round);
    count(op, write_file(path, text));
    break;
  case OP_MOVE:
    if (!own_child_alive(c->child)) {
      fprintf(stderr, "client %d: child %d is gone; not writing its number\n", c->index,
              (int)c->child);
      count(op, ESRCH);
      break;
    }
    snprintf(path, sizeof path, "%s/%s/procs", c->dir, round % 2 ? "a" : "b");
    snprintf(text, sizeof text, "%d\n", (int)c->child);
    count(op, write_file(path, text));
    break;
  case OP_MKDIR:
    snprintf(path, sizeof path, "%s/t", c->dir);
    if (mkdir(path, 0755) != 0) {
      count(op, errno);
      break;
    }
    count(op, rmdir(path) != 0 ? errno : 0);
    break;
  case OP_HOLD:
    count(op, hold_next(c, round));
    break;
  }
}

static void *client(void *arg)
{
  Client *c = arg;
  for (long round = 0; !atomic_load(&g_stop); round++)
    one_op(c, (int)(rand_r(&c->seed) % N_OPS), round);
  for (int i = 0; i < HELD; i++)
    if (c->held[i] >= 0 && close(c->held[i]) != 0)
      count(OP_HOLD, errno);
  return NULL;
}

/* ---- setup ---- */

static int make_dir(const char *path)
{
  if (mkdir(path, 0755) != 0 && errno != EEXIST) {
    fprintf(stderr, "cgfs-load: mkdir %s: %s\n", path, strerror(errno));
    return -1;
  }
  return 0;
}

static pid_t spawn_idle_child(void)
{
  pid_t pid = fork();
  if (pid == 0) {
    for (;;)
      pause();
  }
  return pid;
}

static int setup_client(Client *c, int i)
{
  c->index = i;
  c->seed = (unsigned)(i * 7919 + 1);
  for (int k = 0; k < HELD; k++)
    c->held[k] = -1;
  snprintf(c->dir, sizeof c->dir, "%s/c%d", g_dir, i);
  char sub[4200];
  if (make_dir(c->dir) != 0)
    return -1;
  snprintf(sub, sizeof sub, "%s/a", c->dir);
  if (make_dir(sub) != 0)
    return -1;
  snprintf(sub, sizeof sub, "%s/b", c->dir);
  if (make_dir(sub) != 0)
    return -1;
  c->child = spawn_idle_child();
  if (c->child < 0) {
    perror("cgfs-load: fork");
    return -1;
  }
  return 0;
}

static void end_children(Client *cs, int n)
{
  for (int i = 0; i < n; i++)
    if (cs[i].child > 0 && kill(cs[i].child, SIGKILL) == 0)
      waitpid(cs[i].child, NULL, 0);
}

/* Wait (a minute at most: a bound for a hung daemon, not a timing requirement) until the daemon
 * holds no more fds than @want; returns what it holds then. */
static long settle_fds(long want)
{
  long fds = daemon_fds();
  for (double until = now_s() + 60; fds > want && now_s() < until; fds = daemon_fds())
    usleep(100 * 1000);
  return fds;
}

static void report(FILE *out, int clients, double seconds, long fds0, long rss0, long thr0,
                   long fds1, long rss1, long thr1)
{
  long total = 0, failed = 0, emfile = 0;
  fprintf(out, "{\n  \"clients\": %d,\n  \"seconds\": %.1f,\n  \"ops\": {", clients, seconds);
  for (int op = 0; op < N_OPS; op++) {
    long n = atomic_load(&g_ops[op]);
    total += n;
    fprintf(out, "%s\"%s\": %ld", op ? ", " : "", op_names[op], n);
  }
  fprintf(out, "},\n  \"errors\": {");
  int first = 1;
  for (int op = 0; op < N_OPS; op++)
    for (int e = 0; e < MAX_ERRNO; e++) {
      long n = atomic_load(&g_errors[op][e]);
      if (!n)
        continue;
      failed += n;
      if (e == EMFILE)
        emfile += n;
      fprintf(out, "%s\"%s %s\": %ld", first ? "" : ", ", op_names[op], strerrorname_np(e) ?: "?",
              n);
      first = 0;
    }
  fprintf(out, "},\n  \"ops_total\": %ld,\n  \"ops_per_s\": %.0f,\n  \"failed\": %ld,\n"
               "  \"emfile\": %ld,\n",
          total, total / seconds, failed, emfile);
  fprintf(out, "  \"daemon\": {\"fds_start\": %ld, \"fds_peak\": %ld, \"fds_after\": %ld, "
               "\"rss_kb_start\": %ld, \"rss_kb_peak\": %ld, \"rss_kb_after\": %ld, "
               "\"threads_start\": %ld, \"threads_peak\": %ld, \"threads_after\": %ld}\n}\n",
          fds0, atomic_load(&g_peak_fds), fds1, rss0, atomic_load(&g_peak_rss_kb), rss1, thr0,
          atomic_load(&g_peak_threads), thr1);
}

int main(int argc, char **argv)
{
  if (argc != 6) {
    fprintf(stderr, "usage: cgfs-load MOUNT DIR DAEMON_PID CLIENTS SECONDS\n");
    return 2;
  }
  g_dir = argv[2];
  g_daemon = (pid_t)atoi(argv[3]);
  int n = atoi(argv[4]);
  double seconds = atof(argv[5]);
  if (n <= 0 || n > 1024 || seconds <= 0 || g_daemon <= 0) {
    fprintf(stderr, "cgfs-load: bad arguments\n");
    return 2;
  }
  Client *cs = calloc((size_t)n, sizeof *cs);
  pthread_t *threads = calloc((size_t)n, sizeof *threads);
  for (int i = 0; i < n; i++)
    if (setup_client(&cs[i], i) != 0) {
      end_children(cs, i + 1);
      return 2;
    }
  long fds0 = daemon_fds(), rss0 = 0, thr0 = 0;
  daemon_status(&rss0, &thr0);
  pthread_t mon;
  pthread_create(&mon, NULL, monitor, NULL);
  double start = now_s();
  for (int i = 0; i < n; i++)
    pthread_create(&threads[i], NULL, client, &cs[i]);
  while (now_s() - start < seconds)
    usleep(100 * 1000);
  atomic_store(&g_stop, 1);
  for (int i = 0; i < n; i++)
    pthread_join(threads[i], NULL);
  double took = now_s() - start;
  pthread_join(mon, NULL);
  end_children(cs, n);
  long fds1 = settle_fds(fds0), rss1 = 0, thr1 = 0;
  daemon_status(&rss1, &thr1);
  report(stdout, n, took, fds0, rss0, thr0, fds1, rss1, thr1);
  long failed = 0;
  for (int op = 0; op < N_OPS; op++)
    for (int e = 0; e < MAX_ERRNO; e++)
      failed += atomic_load(&g_errors[op][e]);
  free(cs);
  free(threads);
  return failed ? 1 : 0;
}
