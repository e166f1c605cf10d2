/* A cgroup's events: "key value" text and a pollable fd that wakes on a change. */
#include "config-internal.h"

#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>

#include <cgfs/events.h>

#include "backend.h"
#include "fileio.h"

/* v1 has no notification for populated and frozen: how often a watch re-checks them. */
#define V1_RECHECK_INTERVAL_S 1

/* ---- the text ---- */

/* Through a descriptor kept open when @cg is cached (cgfs/cache.h): these files are generated
 * anew at every read from offset 0. */
static gboolean append_file(GString *out, const CgfsCgroup *cg, int dirfd, const char *dir,
                            const char *name, gboolean optional, GError **error)
{
  g_autoptr(GError) local = NULL;
  gsize len = 0;
  g_autofree char *text = cgfs_kept_read_alloc(cg, dirfd, name, &len, &local);
  if (!text && optional && local->code == ENOENT)
    return TRUE;
  if (!text) {
    cgfs_set_error(error, local->code, "cannot read the events of %s: %s", dir, local->message);
    return FALSE;
  }
  g_string_append_len(out, text, (gssize)len);
  if (len > 0 && text[len - 1] != '\n')
    g_string_append_c(out, '\n');
  return TRUE;
}

static gboolean v2_events(CgfsCgroup *cg, GString *out, GError **error)
{
  const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, 0);
  if (d->fd < 0 || !cgfs_exists_at(d->fd, "cgroup.procs")) {
    cgfs_set_error(error, ENOENT, "cgroup deleted: %s does not exist", d->dir);
    return FALSE;
  }
  g_autoptr(GError) local = NULL;
  if (!append_file(out, cg, d->fd, d->dir, "cgroup.events", FALSE, &local)) {
    if (local->code != ENOENT) {
      g_propagate_error(error, g_steal_pointer(&local));
      return FALSE;
    }
    /* The root cgroup has no cgroup.events: it always holds processes and cannot freeze. */
    g_string_append(out, "populated 1\nfrozen 0\n");
  }
  return append_file(out, cg, d->fd, d->dir, "memory.events", TRUE, error);
}

/* Whether a process is in the cgroup of @dirfd itself. */
static gboolean has_process(int dirfd, gboolean *populated, GError **error)
{
  char buf[32];
  g_autoptr(GError) local = NULL;
  gssize n = cgfs_read_at(dirfd, "cgroup.procs", buf, sizeof buf, &local);
  if (n < 0 && local->code != EFBIG) {
    g_propagate_error(error, g_steal_pointer(&local));
    return FALSE;
  }
  *populated = n != 0;
  return TRUE;
}

static CgfsWalk child_populated(int child_fd, const char *name, gpointer data, GError **error)
{
  gboolean *populated = data;
  g_autoptr(GError) local = NULL;
  /* A child removed while we look is simply not populated. */
  if (!has_process(child_fd, populated, &local) && local->code != ENOENT &&
      local->code != ENODEV) {
    g_propagate_error(error, g_steal_pointer(&local));
    return CGFS_WALK_FAIL;
  }
  return *populated ? CGFS_WALK_STOP : CGFS_WALK_NEXT;
}

/* Whether a process is in @dirfd's cgroup or below; stops at the first one found. The walk
 * holds a few fds whatever the depth of the subtree. */
static gboolean subtree_populated(int dirfd, gboolean *populated, GError **error)
{
  if (!has_process(dirfd, populated, error))
    return FALSE;
  struct stat st; /* a link count of 2: no child cgroups to look into */
  if (*populated || (fstat(dirfd, &st) == 0 && st.st_nlink == 2))
    return TRUE;
  return cgfs_walk_subtree_at(dirfd, child_populated, populated, error);
}

static gboolean v1_populated(CgfsCgroup *cg, gboolean *populated, GError **error)
{
  *populated = FALSE;
  for (guint i = 0; i < cg->dirs->len && !*populated; i++) {
    const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, i);
    if (d->fd >= 0 && !subtree_populated(d->fd, populated, error))
      return FALSE;
  }
  return TRUE;
}

/* freezer.state through a kept descriptor when the cgroup is cached; none (the freezer's root,
 * no freezer hierarchy): never frozen. */
static gboolean v1_frozen(CgfsCgroup *cg, gboolean *frozen, GError **error)
{
  int fd = cgfs_cgroup_fd(cg, "freezer");
  *frozen = FALSE;
  if (fd < 0)
    return TRUE;
  g_autoptr(GError) local = NULL;
  g_autofree char *text = cgfs_kept_read_alloc(cg, fd, "freezer.state", NULL, &local);
  if (!text && local->code == ENOENT)
    return TRUE;
  if (!text) {
    g_propagate_error(error, g_steal_pointer(&local));
    return FALSE;
  }
  g_strchomp(text);
  if (strcmp(text, "FROZEN") != 0 && strcmp(text, "FREEZING") != 0 && strcmp(text, "THAWED") != 0) {
    cgfs_set_error(error, EBADMSG, "freezer.state: invalid file format: '%s'", text);
    return FALSE;
  }
  *frozen = strcmp(text, "FROZEN") == 0;
  return TRUE;
}

/* under_oom and oom_kill from memory.oom_control (oom_kill_disable is a setting, not an event). */
static gboolean v1_oom(CgfsCgroup *cg, GString *out, GError **error)
{
  int fd = cgfs_cgroup_fd(cg, "memory");
  if (fd < 0)
    return TRUE;
  g_autofree char *text = cgfs_kept_read_alloc(cg, fd, "memory.oom_control", NULL, error);
  if (!text)
    return FALSE;
  for (const char *l = text; *l;) {
    const char *end = strchrnul(l, '\n');
    if (g_str_has_prefix(l, "under_oom ") || g_str_has_prefix(l, "oom_kill ")) {
      g_string_append_len(out, l, end - l);
      g_string_append_c(out, '\n');
    }
    l = *end ? end + 1 : end;
  }
  return TRUE;
}

static gboolean v1_events(CgfsCgroup *cg, GString *out, GError **error)
{
  if (!cgfs_cgroup_first_dir(cg)) {
    cgfs_set_error(error, ENOENT, "cgroup deleted: %s", cg->path);
    return FALSE;
  }
  gboolean populated, frozen;
  if (!v1_populated(cg, &populated, error) || !v1_frozen(cg, &frozen, error))
    return FALSE;
  g_string_append(out, populated ? "populated 1\n" : "populated 0\n");
  g_string_append(out, frozen ? "frozen 1\n" : "frozen 0\n");
  return v1_oom(cg, out, error);
}

char *cgfs_cgroup_events(CgfsCgroup *cg, gsize *len, GError **error)
{
  g_autoptr(GString) out = g_string_new(NULL);
  gboolean ok = cgfs_cgroup_version(cg) == 2 ? v2_events(cg, out, error)
                                             : v1_events(cg, out, error);
  if (!ok)
    return NULL;
  if (len)
    *len = out->len;
  return g_string_free(g_steal_pointer(&out), FALSE);
}

/* ---- the watch ---- */

struct _CgfsEventsWatch {
  int epfd;
  GArray *files; /* int: kernfs files whose change raises POLLPRI until they are read again */
  int oom_eventfd; /* v1 memory OOM notifications, or -1 */
  int timerfd;     /* v1 periodic re-check, or -1 */
};

static gboolean watch_add(CgfsEventsWatch *w, int fd, guint32 events, GError **error)
{
  struct epoll_event ev = { .events = events, .data.fd = fd };
  if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
    return cgfs_set_errno(error, "cannot watch cgroup events");
  return TRUE;
}

/* Read @fd to its end: kernfs then considers the change seen. */
static gboolean drain_file(int fd, GError **error)
{
  char buf[CGFS_SMALL_FILE_SIZE];
  if (lseek(fd, 0, SEEK_SET) < 0)
    return cgfs_set_errno(error, "cannot rewind an events file");
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0)
    ;
  if (n < 0 && errno != ENODEV)
    return cgfs_set_errno(error, "cannot read an events file");
  return TRUE;
}

static gboolean watch_kernfs_file(CgfsEventsWatch *w, int dirfd, const char *name,
                                  GError **error)
{
  int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    return TRUE;
  if (fd < 0)
    return cgfs_set_errno(error, "cannot open %s", name);
  g_array_append_val(w->files, fd);
  return drain_file(fd, error) && watch_add(w, fd, EPOLLPRI, error);
}

static gboolean watch_v2(CgfsEventsWatch *w, CgfsCgroup *cg, GError **error)
{
  const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, 0);
  if (d->fd < 0) {
    cgfs_set_error(error, ENOENT, "cgroup deleted: %s does not exist", d->dir);
    return FALSE;
  }
  return watch_kernfs_file(w, d->fd, "cgroup.events", error) &&
         watch_kernfs_file(w, d->fd, "memory.events", error);
}

/* The v1 memory controller's OOM eventfd. Without it (no memory controller, its root, or no
 * permission) only the timer remains, which still sees the change. */
static void watch_v1_oom(CgfsEventsWatch *w, CgfsCgroup *cg)
{
  g_autoptr(GError) local = NULL;
  w->oom_eventfd = cgfs_cgroup_oom_event_fd(cg, &local);
  if (w->oom_eventfd >= 0 && fcntl(w->oom_eventfd, F_SETFL, O_NONBLOCK) == 0 &&
      watch_add(w, w->oom_eventfd, EPOLLIN, &local))
    return;
  g_debug("no OOM notification for %s: %s", cg->path, local ? local->message : g_strerror(errno));
  cgfs_close_fd(&w->oom_eventfd);
}

static gboolean watch_v1(CgfsEventsWatch *w, CgfsCgroup *cg, GError **error)
{
  if (!cgfs_cgroup_first_dir(cg)) {
    cgfs_set_error(error, ENOENT, "cgroup deleted: %s", cg->path);
    return FALSE;
  }
  watch_v1_oom(w, cg);
  w->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (w->timerfd < 0)
    return cgfs_set_errno(error, "cannot create a timer for cgroup events");
  struct itimerspec every = { { V1_RECHECK_INTERVAL_S, 0 }, { V1_RECHECK_INTERVAL_S, 0 } };
  if (timerfd_settime(w->timerfd, 0, &every, NULL) != 0)
    return cgfs_set_errno(error, "cannot start a timer for cgroup events");
  return watch_add(w, w->timerfd, EPOLLIN, error);
}

CgfsEventsWatch *cgfs_events_watch_new(CgfsCgroup *cg, GError **error)
{
  g_autoptr(CgfsEventsWatch) w = g_new0(CgfsEventsWatch, 1);
  w->oom_eventfd = -1;
  w->timerfd = -1;
  w->files = g_array_new(FALSE, FALSE, sizeof(int));
  w->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (w->epfd < 0) {
    cgfs_set_errno(error, "cannot create an epoll fd for cgroup events");
    return NULL;
  }
  gboolean ok = cgfs_cgroup_version(cg) == 2 ? watch_v2(w, cg, error) : watch_v1(w, cg, error);
  return ok ? g_steal_pointer(&w) : NULL;
}

int cgfs_events_watch_fd(const CgfsEventsWatch *w)
{
  return w->epfd;
}

/* Read a counter fd (eventfd, timerfd) that may have nothing to read. */
static gboolean drain_counter(int fd, GError **error)
{
  guint64 count;
  if (fd >= 0 && read(fd, &count, sizeof count) < 0 && errno != EAGAIN)
    return cgfs_set_errno(error, "cannot read a cgroup event counter");
  return TRUE;
}

gboolean cgfs_events_watch_ack(CgfsEventsWatch *w, GError **error)
{
  for (guint i = 0; i < w->files->len; i++)
    if (!drain_file(g_array_index(w->files, int, i), error))
      return FALSE;
  return drain_counter(w->oom_eventfd, error) && drain_counter(w->timerfd, error);
}

void cgfs_events_watch_free(CgfsEventsWatch *w)
{
  if (!w)
    return;
  for (guint i = 0; w->files && i < w->files->len; i++)
    cgfs_close_fd(&g_array_index(w->files, int, i));
  if (w->files)
    g_array_unref(w->files);
  cgfs_close_fd(&w->oom_eventfd);
  cgfs_close_fd(&w->timerfd);
  cgfs_close_fd(&w->epfd);
  g_free(w);
}
