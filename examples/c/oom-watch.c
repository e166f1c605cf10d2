/* cgfs-example-oom-watch PATH [COUNT]: wait until COUNT (default 1) OOM events happened in the
 * cgroup PATH, printing each. v1: the memory controller's eventfd counts OOMs; v2: the fd wakes on
 * every change of memory.events, and its oom_kill count says how many. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cgfs/cgfs.h>

/* The oom_kill count of the events text ("oom_kill N" line), 0 if none. */
static guint64 oom_kills(const char *events)
{
  const char *line = strstr(events, "oom_kill ");
  return line ? g_ascii_strtoull(line + strlen("oom_kill "), NULL, 10) : 0;
}

int main(int argc, char **argv)
{
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: %s /PATH [COUNT]\n", argv[0]);
    return 2;
  }
  guint64 want = argc == 3 ? g_ascii_strtoull(argv[2], NULL, 10) : 1;
  g_autoptr(GError) error = NULL;
  g_autoptr(CgfsSystem) sys = cgfs_system_new(&error);
  g_autoptr(CgfsHierarchy) h = sys ? cgfs_hierarchy_detect(sys, &error) : NULL;
  g_autoptr(CgfsCgroup) cg = h ? cgfs_cgroup_load(h, CGFS_STATIC_PATH(argv[1]), &error) : NULL;
  int fd = cg ? cgfs_cgroup_oom_event_fd(cg, &error) : -1;
  g_autofree char *start = fd >= 0 ? cgfs_cgroup_events(cg, NULL, &error) : NULL;
  if (!start) {
    fprintf(stderr, "%s: %s (errno %d)\n", argv[0], error->message, error->code);
    return 1;
  }
  printf("watching %s\n", argv[1]);
  fflush(stdout);
  guint64 seen = 0, base = oom_kills(start);
  while (seen < want) {
    struct pollfd p = { .fd = fd, .events = POLLIN };
    if (poll(&p, 1, -1) < 0 && errno != EINTR)
      break;
    union {
      guint64 count; /* v1: the eventfd's counter, OOMs since the last read */
      char inotify[4096];
    } buf;
    ssize_t n = read(fd, &buf, sizeof buf);
    if (n < 0 && errno != EAGAIN)
      break;
    if (cgfs_cgroup_version(cg) == 1) {
      seen += n == sizeof buf.count ? buf.count : 0;
    } else {
      g_autofree char *events = cgfs_cgroup_events(cg, NULL, &error);
      if (!events) {
        fprintf(stderr, "%s: %s\n", argv[0], error->message); /* deleted, for one */
        break;
      }
      guint64 now = oom_kills(events) - base;
      if (now == seen)
        continue; /* another memory.events counter changed */
      seen = now;
    }
    printf("oom: %" G_GUINT64_FORMAT " so far\n", seen);
    fflush(stdout);
  }
  close(fd);
  return seen >= want ? 0 : 1;
}
