/* hog: what a hostile user does to a shared cgfs mount, run as that user by fair-share.sh.
 *
 *   hog open FILE N         open FILE N times (read-only) and keep them open
 *   hog write FILE N BYTES  open FILE N times for writing, and write BYTES of an unfinished JSON
 *                           document to each (it never completes)
 *   hog poll FILE N         open FILE N times and poll() them all from a thread, forever
 *   hog freeze STATE N      N threads each write "frozen" to STATE (the hog's own cgroup)
 *
 * Prints one line, "done OK FAILED ERRNO-NAME-OF-FIRST-FAILURE MS", once everything is tried
 * (MS: how long the slowest attempt took), then holds what it got until stdin ends (the test
 * closes it, or kills the hog by pid). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static int ok_count, failed_count, first_errno;
static long slowest_ms;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void record(int err, long started)
{
  pthread_mutex_lock(&lock);
  if (err) {
    failed_count++;
    if (!first_errno)
      first_errno = err;
  } else
    ok_count++;
  long took = now_ms() - started;
  if (took > slowest_ms)
    slowest_ms = took;
  pthread_mutex_unlock(&lock);
}

static int *open_many(const char *file, int n, int flags)
{
  int *fds = calloc((size_t)n, sizeof *fds);
  for (int i = 0; i < n; i++) {
    long t = now_ms();
    fds[i] = open(file, flags | O_CLOEXEC);
    record(fds[i] < 0 ? errno : 0, t);
  }
  return fds;
}

static void write_unfinished(const char *file, int n, size_t bytes)
{
  char *doc = malloc(bytes);
  memset(doc, ' ', bytes);
  doc[0] = '{'; /* white space after it: an object that never ends */
  for (int i = 0; i < n; i++) {
    long t = now_ms();
    int fd = open(file, O_WRONLY | O_CLOEXEC);
    int err = fd < 0 ? errno : 0;
    for (size_t off = 0; !err && off < bytes;) {
      ssize_t w = write(fd, doc + off, bytes - off > 65536 ? 65536 : bytes - off);
      if (w < 0)
        err = errno;
      else
        off += (size_t)w;
    }
    record(err, t);
    /* fd kept open, with or without its document: what a hostile writer holds */
  }
  free(doc);
}

typedef struct {
  struct pollfd *pfds;
  int n;
} PollSet;

static void *poll_forever(void *arg)
{
  PollSet *ps = arg;
  for (;;) {
    if (poll(ps->pfds, (nfds_t)ps->n, -1) < 0 && errno != EINTR)
      return NULL;
    /* Reported ones are not waited for again: wait on the rest. */
    for (int i = 0; i < ps->n; i++)
      if (ps->pfds[i].revents)
        ps->pfds[i].fd = -1;
  }
}

static void poll_many(const char *file, int n)
{
  int *fds = open_many(file, n, O_RDONLY);
  PollSet *ps = calloc(1, sizeof *ps);
  ps->pfds = calloc((size_t)n, sizeof *ps->pfds);
  ps->n = n;
  /* Find which polls the daemon refused (POLLERR) before the thread waits on the rest. */
  ok_count = failed_count = first_errno = 0;
  for (int i = 0; i < n; i++) {
    struct pollfd p = { .fd = fds[i], .events = POLLPRI };
    long t = now_ms();
    int r = poll(&p, 1, 0);
    record(r < 0 ? errno : (p.revents & (POLLERR | POLLNVAL)) ? EMFILE : 0, t);
    ps->pfds[i] = (struct pollfd){ .fd = r == 0 ? fds[i] : -1, .events = POLLPRI };
  }
  pthread_t th;
  pthread_create(&th, NULL, poll_forever, ps);
}

typedef struct {
  const char *file;
} FreezeArg;

static void *freeze_one(void *arg)
{
  const FreezeArg *a = arg;
  long t = now_ms();
  int fd = open(a->file, O_WRONLY | O_CLOEXEC);
  int err = fd < 0 ? errno : 0;
  if (!err && write(fd, "frozen\n", 7) < 0)
    err = errno;
  if (fd >= 0 && close(fd) != 0 && !err)
    err = errno;
  record(err, t);
  return NULL;
}

static void freeze_many(const char *file, int n)
{
  pthread_t *th = calloc((size_t)n, sizeof *th);
  FreezeArg a = { file };
  for (int i = 0; i < n; i++)
    pthread_create(&th[i], NULL, freeze_one, &a);
  for (int i = 0; i < n; i++)
    pthread_join(th[i], NULL);
}

/* The hog's own open-files limit must not be what refuses it (the guest's default soft limit is
 * 1024, the daemon's share too): raised to the hard limit, and too low a hard limit is an error,
 * never a figure. */
static int room_for(int n)
{
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
    return 0;
  rl.rlim_cur = rl.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < (rlim_t)n + 16) {
    fprintf(stderr, "hog: cannot hold %d files: the open files limit is %llu\n", n,
            (unsigned long long)rl.rlim_cur);
    return 0;
  }
  return 1;
}

int main(int argc, char **argv)
{
  if (argc < 4) {
    fprintf(stderr, "usage: hog open|write|poll|freeze FILE N [BYTES]\n");
    return 64;
  }
  const char *mode = argv[1], *file = argv[2];
  int n = atoi(argv[3]);
  if (!room_for(n))
    return 69;
  if (strcmp(mode, "open") == 0)
    open_many(file, n, O_RDONLY);
  else if (strcmp(mode, "write") == 0 && argc == 5)
    write_unfinished(file, n, (size_t)atol(argv[4]));
  else if (strcmp(mode, "poll") == 0)
    poll_many(file, n);
  else if (strcmp(mode, "freeze") == 0)
    freeze_many(file, n);
  else {
    fprintf(stderr, "hog: unknown mode %s\n", mode);
    return 64;
  }
  printf("done %d %d %s %ld\n", ok_count, failed_count,
         first_errno ? strerrorname_np(first_errno) : "-", slowest_ms);
  fflush(stdout);
  char c;
  while (read(0, &c, 1) > 0)
    ;
  return 0;
}
