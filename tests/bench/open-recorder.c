#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "open-recorder.h"

static Recording *active; /* set only while recording_capture runs */

int __real_openat64(int dirfd, const char *path, int flags, ...);
int __wrap_openat64(int dirfd, const char *path, int flags, ...);
int __wrap_openat64(int dirfd, const char *path, int flags, ...)
{
  mode_t mode = 0;
  if (flags & O_CREAT) {
    va_list ap;
    va_start(ap, flags);
    mode = va_arg(ap, mode_t);
    va_end(ap);
  }
  int fd = __real_openat64(dirfd, path, flags, mode);
  if (!active)
    return fd;
  if (fd < 0)
    active->failed++;
  else if (active->n < RECORDER_MAX_FILES && (flags & O_ACCMODE) == O_RDONLY &&
           !(flags & (O_PATH | O_DIRECTORY)))
    active->files[active->n++] = (RecordedOpen){ dirfd, g_strdup(path) };
  return fd;
}

void recording_capture(Recording *r, void (*fn)(gpointer), gpointer data)
{
  active = r;
  fn(data);
  active = NULL;
}

void recording_clear(Recording *r)
{
  for (guint i = 0; i < r->n; i++)
    g_free(r->files[i].name);
  r->n = r->failed = 0;
}

void recording_replay(const Recording *r, char *buf, gsize size)
{
  for (guint i = 0; i < r->n; i++) {
    int fd = openat(r->files[i].dirfd, r->files[i].name, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, buf, size) < 0) {
      fprintf(stderr, "cannot read %s: %s\n", r->files[i].name, g_strerror(errno));
      exit(1); /* exit, not abort: the benchmarks' atexit handlers clean up */
    }
    close(fd);
  }
}
