/* Fault (4): a process that forks without pause is moved back and forth between two cgroups of
 * the cgfs mount; after each write returns, every process of its tree must sit in one cgroup
 * path in every hierarchy (no child split between the old and the new cgroup).
 *
 * usage: fork-move DIR_A DIR_B PREFIX ROUNDS
 *   DIR_A, DIR_B: the two cgroups' directories in the mount; PREFIX: the start of their kernel
 *   paths ("/cgfs-test-PID-"), which tells the lines of /proc/PID/cgroup they govern.
 * Prints "rounds R moves M failed F split S checked C" and exits 1 if any move failed or split.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *prefix;

/* Fork a child every millisecond; each lives 100 ms (or until the forker dies). */
static void forker(void)
{
  signal(SIGCHLD, SIG_IGN); /* reaped by the kernel */
  for (;;) {
    pid_t c = fork();
    if (c == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() == 1)
        _exit(0);
      struct timespec t = { 0, 100 * 1000 * 1000 };
      nanosleep(&t, NULL);
      _exit(0);
    }
    struct timespec t = { 0, 1000 * 1000 };
    nanosleep(&t, NULL);
  }
}

static int write_pid(const char *dir, pid_t pid)
{
  char path[4096], buf[32];
  snprintf(path, sizeof path, "%s/procs", dir);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  int n = snprintf(buf, sizeof buf, "%d\n", (int)pid);
  int r = write(fd, buf, (size_t)n) == n ? 0 : -errno;
  if (close(fd) != 0 && r == 0)
    r = -errno;
  return r;
}

/* The test's cgroup lines of /proc/PID/cgroup: how many, and whether they all name one path.
 * -1 when the process is gone. */
static int cgroup_lines(pid_t pid, int *same)
{
  char path[64], line[4096], first[4096] = "";
  snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
  FILE *f = fopen(path, "re");
  if (!f)
    return -1;
  int n = 0;
  *same = 1;
  while (fgets(line, sizeof line, f)) {
    char *p = strchr(line, ':');
    p = p ? strchr(p + 1, ':') : NULL;
    if (!p || strncmp(p + 1, prefix, strlen(prefix)) != 0)
      continue;
    if (n++ == 0)
      snprintf(first, sizeof first, "%s", p + 1);
    else if (strcmp(first, p + 1) != 0)
      *same = 0;
  }
  fclose(f);
  return n;
}

static void dump(const char *path)
{
  char buf[4096];
  FILE *f = fopen(path, "re");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  buf[n] = '\0';
  fprintf(stderr, "%s: %s\n", path, buf);
  if (f)
    fclose(f);
}

/* Whether the process is exiting (PF_EXITING in /proc/PID/stat): an exiting task leaves some of
 * its v1 cgroups for the root before it is gone, which is not a split. */
static int exiting(pid_t pid)
{
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  FILE *f = fopen(path, "re");
  if (!f)
    return 1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  const char *p = strrchr(buf, ')');
  unsigned long flags = 0;
  /* after ") ": state ppid pgrp session tty_nr tpgid flags */
  if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %lu", &flags) != 1)
    return 1;
  return (flags & 0x4) != 0;
}

/* Count the split processes among @pid's descendants (children of every thread, recursively). */
static int count_split(pid_t pid, int want, int *checked)
{
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
  DIR *d = opendir(path);
  if (!d)
    return 0;
  int split = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.')
      continue;
    char cpath[512];
    snprintf(cpath, sizeof cpath, "/proc/%d/task/%s/children", (int)pid, e->d_name);
    FILE *f = fopen(cpath, "re");
    if (!f)
      continue;
    int child;
    while (fscanf(f, "%d", &child) == 1) {
      int same;
      int n = cgroup_lines(child, &same);
      if (n < 0 || n == 0)
        continue; /* gone (a process that has exited leaves its cgroups) */
      (*checked)++;
      if ((n != want || !same) && !exiting(child)) {
        split++;
        char cg[64], st[64];
        snprintf(cg, sizeof cg, "/proc/%d/cgroup", child);
        snprintf(st, sizeof st, "/proc/%d/stat", child);
        fprintf(stderr, "split: %d (%d of %d lines, same %d)\n", child, n, want, same);
        dump(cg);
        dump(st);
      }
      split += count_split(child, want, checked);
    }
    fclose(f);
  }
  closedir(d);
  return split;
}

int main(int argc, char **argv)
{
  if (argc != 5) {
    fprintf(stderr, "usage: %s DIR_A DIR_B PREFIX ROUNDS\n", argv[0]);
    return 2;
  }
  prefix = argv[3];
  int rounds = atoi(argv[4]);
  int go[2];
  if (pipe2(go, O_CLOEXEC) != 0)
    return 2;
  pid_t p = fork();
  if (p < 0)
    return 2;
  if (p == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    char c;
    close(go[1]);
    if (read(go[0], &c, 1) != 1) /* forks only once it is in the first cgroup */
      _exit(1);
    forker();
  }
  close(go[0]);
  /* our own child, alive (not reaped): its number is its own */
  int r = write_pid(argv[1], p), same, failed = 0, split = 0, checked = 0;
  if (r < 0) {
    fprintf(stderr, "cannot move %d into %s: %s\n", (int)p, argv[1], strerror(-r));
    kill(p, SIGKILL);
    return 2;
  }
  int want = cgroup_lines(p, &same);
  if (write(go[1], "g", 1) != 1)
    return 2;
  if (want <= 0 || !same) {
    fprintf(stderr, "the forker is not in one cgroup: %d lines\n", want);
    kill(p, SIGKILL);
    return 2;
  }
  for (int i = 0; i < rounds; i++) {
    r = write_pid(argv[1 + (i + 1) % 2], p);
    if (r < 0) {
      failed++;
      fprintf(stderr, "round %d: move failed: %s\n", i, strerror(-r));
    }
    split += count_split(p, want, &checked);
  }
  kill(p, SIGKILL);
  waitpid(p, NULL, 0);
  printf("rounds %d hierarchies %d moves-failed %d split %d checked %d\n", rounds, want, failed,
         split, checked);
  return failed || split ? 1 : 0;
}
