/* One thread waiting (epoll) on the kernel fds of every polled events file, so that poll() on
 * the mount wakes when the kernel reports a change. */
#include <errno.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "fs.h"

struct _FsWatcher {
  int epfd;
  int stopfd; /* an eventfd: written to end the thread */
  GThread *thread;
  GMutex lock;
  GHashTable *fds; /* FsFile* -> its watched fd; a file is called back only while it is here */
};

#define MAX_EVENTS 16

static FsFile *take_live(FsWatcher *w, FsFile *f)
{
  g_mutex_lock(&w->lock);
  FsFile *live = g_hash_table_contains(w->fds, f) ? fs_file_ref(f) : NULL;
  g_mutex_unlock(&w->lock);
  return live;
}

static gpointer watch_loop(gpointer data)
{
  FsWatcher *w = data;
  struct epoll_event evs[MAX_EVENTS];
  for (;;) {
    int n = epoll_wait(w->epfd, evs, MAX_EVENTS, -1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      g_warning("poll support stopped: epoll_wait: %s", g_strerror(errno));
      return NULL;
    }
    for (int i = 0; i < n; i++) {
      if (!evs[i].data.ptr)
        return NULL; /* stopfd */
      FsFile *f = take_live(w, evs[i].data.ptr);
      if (!f)
        continue;
      if (fs_file_events_woke(f))
        fs_watcher_rearm(w, f);
      fs_file_unref(f);
    }
  }
}

FsWatcher *fs_watcher_new(GError **error)
{
  FsWatcher *w = g_new0(FsWatcher, 1);
  g_mutex_init(&w->lock);
  w->fds = g_hash_table_new(g_direct_hash, g_direct_equal);
  w->epfd = epoll_create1(EPOLL_CLOEXEC);
  w->stopfd = eventfd(0, EFD_CLOEXEC);
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
  if (w->epfd < 0 || w->stopfd < 0 || epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->stopfd, &ev) != 0) {
    g_set_error(error, CGFS_ERROR, errno, "cannot set up poll support: %s", g_strerror(errno));
    fs_watcher_free(w);
    return NULL;
  }
  w->thread = g_thread_try_new("cgfs-watch", watch_loop, w, error);
  if (!w->thread) {
    fs_watcher_free(w);
    return NULL;
  }
  return w;
}

void fs_watcher_free(FsWatcher *w)
{
  if (!w)
    return;
  if (w->thread) {
    guint64 one = 1;
    if (write(w->stopfd, &one, sizeof one) != sizeof one)
      g_warning("cannot stop the poll thread: %s", g_strerror(errno));
    else
      g_thread_join(w->thread);
  }
  if (w->epfd >= 0)
    close(w->epfd);
  if (w->stopfd >= 0)
    close(w->stopfd);
  g_hash_table_unref(w->fds);
  g_mutex_clear(&w->lock);
  g_free(w);
}

static int ctl(FsWatcher *w, int op, int fd, FsFile *f)
{
  /* One-shot: a cgroup that keeps signalling (a deleted one does) cannot spin the thread. */
  struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT, .data.ptr = f };
  return epoll_ctl(w->epfd, op, fd, &ev);
}

gboolean fs_watcher_add(FsWatcher *w, int fd, FsFile *f, GError **error)
{
  g_mutex_lock(&w->lock);
  int r = ctl(w, EPOLL_CTL_ADD, fd, f);
  if (r == 0)
    g_hash_table_insert(w->fds, f, GINT_TO_POINTER(fd));
  else
    g_set_error(error, CGFS_ERROR, errno, "cannot watch events: %s", g_strerror(errno));
  g_mutex_unlock(&w->lock);
  return r == 0;
}

void fs_watcher_rearm(FsWatcher *w, FsFile *f)
{
  g_mutex_lock(&w->lock);
  gpointer fd;
  if (g_hash_table_lookup_extended(w->fds, f, NULL, &fd) &&
      ctl(w, EPOLL_CTL_MOD, GPOINTER_TO_INT(fd), f) != 0)
    g_warning("cannot watch events again: %s", g_strerror(errno));
  g_mutex_unlock(&w->lock);
}

void fs_watcher_remove(FsWatcher *w, FsFile *f)
{
  g_mutex_lock(&w->lock);
  gpointer fd;
  if (g_hash_table_lookup_extended(w->fds, f, NULL, &fd)) {
    epoll_ctl(w->epfd, EPOLL_CTL_DEL, GPOINTER_TO_INT(fd), NULL);
    g_hash_table_remove(w->fds, f);
  }
  g_mutex_unlock(&w->lock);
}
