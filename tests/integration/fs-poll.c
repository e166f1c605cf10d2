/* fs-poll FILE READY: read FILE, create READY, wait for poll() to report a change (POLLPRI),
 * read FILE again from offset 0, and print both contents. Exit 2 when no change came within a
 * minute (a bound for a hung test, not a timing requirement). */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

static int dump(int fd, const char *label)
{
  char buf[4096];
  if (lseek(fd, 0, SEEK_SET) < 0)
    return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  if (n < 0)
    return -1;
  buf[n] = '\0';
  printf("%s\n%s", label, buf);
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: fs-poll FILE READY\n");
    return 64;
  }
  int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
  if (fd < 0 || dump(fd, "before:") < 0) {
    perror(argv[1]);
    return 1;
  }
  int ready = open(argv[2], O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (ready < 0) {
    perror(argv[2]);
    return 1;
  }
  close(ready);
  struct pollfd pfd = { .fd = fd, .events = POLLPRI };
  int n = poll(&pfd, 1, 60 * 1000);
  if (n < 0) {
    perror("poll");
    return 1;
  }
  if (n == 0) {
    fprintf(stderr, "fs-poll: no change within a minute\n");
    return 2;
  }
  if (dump(fd, "after:") < 0) {
    perror(argv[1]);
    return 1;
  }
  close(fd);
  return 0;
}
