/* Write standard input to a file and say what write() and close() answered:
 *
 *   corpus-write [--chunk N] [--stdio] FILE < INPUT
 *
 * prints "write=E close=E" where E is 0 or the errno's name (EINVAL, ERANGE, ...). --chunk N
 * splits the input into write() calls of N bytes (the first error stops the writing); --stdio
 * writes with fopen/fwrite/fclose instead, as a C program using stdio would. The exit status is
 * 0 when it could run, whatever the answers (a refused open() is reported as the write's errno,
 * followed by "(open)"); 2 on bad usage or unreadable input. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *errno_name(int e)
{
  switch (e) {
  case 0: return "0";
  case EINVAL: return "EINVAL";
  case ERANGE: return "ERANGE";
  case ESRCH: return "ESRCH";
  case EBUSY: return "EBUSY";
  case EACCES: return "EACCES";
  case EPERM: return "EPERM";
  case ENOENT: return "ENOENT";
  case EOPNOTSUPP: return "EOPNOTSUPP";
  case EFBIG: return "EFBIG";
  case ENODEV: return "ENODEV";
  case ENOSPC: return "ENOSPC";
  case EIO: return "EIO";
  case EBADMSG: return "EBADMSG";
  case E2BIG: return "E2BIG";
  case ENOMEM: return "ENOMEM";
  case EEXIST: return "EEXIST";
  default: {
    static char buf[32];
    snprintf(buf, sizeof buf, "errno%d", e);
    return buf;
  }
  }
}

static char *read_all(size_t *len)
{
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (!buf)
      return NULL;
    if (n == cap) {
      cap *= 2;
      char *bigger = realloc(buf, cap);
      if (!bigger) {
        free(buf);
        return NULL;
      }
      buf = bigger;
    }
    ssize_t r = read(0, buf + n, cap - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      free(buf);
      return NULL;
    }
    if (r == 0)
      break;
    n += (size_t)r;
  }
  *len = n;
  return buf;
}

static int write_fd(const char *path, const char *data, size_t len, size_t chunk)
{
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) { /* refused at open: reported as the write's errno */
    printf("write=%s close=0 (open)\n", errno_name(errno));
    return 0;
  }
  int werr = 0;
  for (size_t off = 0; off < len && !werr;) {
    size_t n = chunk && chunk < len - off ? chunk : len - off;
    ssize_t r = write(fd, data + off, n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      werr = errno;
    else
      off += (size_t)r;
  }
  int cerr = close(fd) == 0 ? 0 : errno;
  printf("write=%s ", errno_name(werr));
  printf("close=%s\n", errno_name(cerr));
  return 0;
}

static int write_stdio(const char *path, const char *data, size_t len)
{
  FILE *fp = fopen(path, "we");
  if (!fp) {
    printf("write=%s close=0 (open)\n", errno_name(errno));
    return 0;
  }
  int werr = 0;
  if (fwrite(data, 1, len, fp) != len || fflush(fp) != 0)
    werr = errno;
  int cerr = fclose(fp) == 0 ? 0 : errno;
  printf("write=%s ", errno_name(werr));
  printf("close=%s\n", errno_name(cerr));
  return 0;
}

int main(int argc, char **argv)
{
  size_t chunk = 0;
  int stdio = 0, i = 1;
  for (; i < argc - 1; i++) {
    if (strcmp(argv[i], "--chunk") == 0 && i + 1 < argc - 1)
      chunk = strtoul(argv[++i], NULL, 10);
    else if (strcmp(argv[i], "--stdio") == 0)
      stdio = 1;
    else
      break;
  }
  if (i != argc - 1) {
    fprintf(stderr, "usage: corpus-write [--chunk N] [--stdio] FILE < INPUT\n");
    return 2;
  }
  size_t len = 0;
  char *data = read_all(&len);
  if (!data) {
    fprintf(stderr, "corpus-write: cannot read the input\n");
    return 2;
  }
  int r = stdio ? write_stdio(argv[i], data, len) : write_fd(argv[i], data, len, chunk);
  free(data);
  return r;
}
