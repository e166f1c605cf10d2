/* sec-try: make one attempt and print its outcome, "ok" or the errno's name (EACCES), so that an
 * attempt through the mount and the same attempt on cgroupfs can be compared word for word.
 *
 *   sec-try write FILE TEXT   open(O_WRONLY), one write(), close()
 *   sec-try read FILE         open(O_RDONLY), read to the end
 *   sec-try mkdir DIR | rmdir DIR
 *   sec-try chown PATH UID GID
 *   sec-try kill PID SIG      kill(2)
 * Always exits 0 when the attempt was made; 2 on a usage error. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int outcome(int ok)
{
  if (ok)
    puts("ok");
  else
    puts(strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
  return 0;
}

static int do_write(const char *file, const char *text)
{
  int fd = open(file, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return outcome(0);
  ssize_t n = write(fd, text, strlen(text));
  int e = errno;
  if (close(fd) != 0 && n >= 0) /* an error only close() reports */
    return outcome(0);
  errno = e;
  return outcome(n >= 0);
}

static int do_read(const char *file)
{
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return outcome(0);
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0)
    ;
  int e = errno;
  close(fd);
  errno = e;
  return outcome(n == 0);
}

int main(int argc, char **argv)
{
  if (argc == 4 && strcmp(argv[1], "write") == 0)
    return do_write(argv[2], argv[3]);
  if (argc == 3 && strcmp(argv[1], "read") == 0)
    return do_read(argv[2]);
  if (argc == 3 && strcmp(argv[1], "mkdir") == 0)
    return outcome(mkdir(argv[2], 0755) == 0);
  if (argc == 3 && strcmp(argv[1], "rmdir") == 0)
    return outcome(rmdir(argv[2]) == 0);
  if (argc == 5 && strcmp(argv[1], "chown") == 0)
    return outcome(chown(argv[2], (uid_t)atol(argv[3]), (gid_t)atol(argv[4])) == 0);
  if (argc == 4 && strcmp(argv[1], "kill") == 0)
    return outcome(kill((pid_t)atol(argv[2]), atoi(argv[3])) == 0);
  fprintf(stderr, "usage: sec-try write FILE TEXT | read FILE | mkdir DIR | rmdir DIR | "
                  "chown PATH UID GID | kill PID SIG\n");
  return 2;
}
