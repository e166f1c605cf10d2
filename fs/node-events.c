/* events: "key value" lines; poll() wakes when they change. */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "fs.h"

struct _FsEventsPoll {
  CgfsEventsWatch *watch;
  struct fuse_pollhandle *ph; /* the kernel's pending poll, to notify on a change */
  gboolean changed;           /* since the open file's snapshot */
};

static char *read_events(FsRequest *rq, gsize *len, GError **error)
{
  return cgfs_cgroup_events(rq->cg, len, error);
}

/* Whether the events now differ from @snapshot; a deleted cgroup (*@gone) does. */
static gboolean differs(CgfsCgroup *cg, const char *snapshot, gboolean *gone)
{
  g_autofree char *now = cg ? cgfs_cgroup_events(cg, NULL, NULL) : NULL;
  *gone = !now;
  return !now || g_strcmp0(now, snapshot) != 0;
}

static unsigned revents(const FsEventsPoll *s)
{
  return s->changed ? POLLIN | POLLRDNORM | POLLPRI : 0;
}

int fs_events_poll(FsDaemon *d, FsFile *f, CgfsCgroup *cg, const char *snapshot,
                   FsEventsPoll **state, struct fuse_pollhandle *ph, unsigned *reventsp)
{
  g_autoptr(GError) error = NULL;
  if (!*state) {
    if (!d->watcher) {
      if (ph)
        fuse_pollhandle_destroy(ph);
      return -EIO; /* not ENOSYS: the kernel would stop asking for every file */
    }
    g_autoptr(CgfsEventsWatch) watch = cgfs_events_watch_new(cg, &error);
    if (!watch || !fs_watcher_add(d->watcher, cgfs_events_watch_fd(watch), f, &error)) {
      g_message("%s/events: cannot watch: %s", cgfs_cgroup_path(cg), error->message);
      if (ph)
        fuse_pollhandle_destroy(ph);
      return -fs_errno(error);
    }
    FsEventsPoll *s = g_new0(FsEventsPoll, 1);
    s->watch = g_steal_pointer(&watch);
    /* A change between open() and this first poll() has no notification to wake it. */
    gboolean gone;
    s->changed = snapshot && differs(cg, snapshot, &gone);
    *state = s;
  }
  FsEventsPoll *s = *state;
  if (ph) {
    if (s->ph)
      fuse_pollhandle_destroy(s->ph);
    s->ph = ph;
  }
  *reventsp = revents(s);
  return 0;
}

gboolean fs_events_changed(FsEventsPoll *s, CgfsCgroup *cg, const char *snapshot)
{
  gboolean gone;
  gboolean alive = cgfs_events_watch_ack(s->watch, NULL);
  if (differs(cg, snapshot, &gone))
    s->changed = TRUE;
  alive = alive && !gone;
  if (s->changed && s->ph) {
    fuse_notify_poll(s->ph);
    fuse_pollhandle_destroy(s->ph);
    s->ph = NULL;
  }
  return alive;
}

gboolean fs_events_take_change(FsEventsPoll *s)
{
  gboolean changed = s && s->changed;
  if (s)
    s->changed = FALSE;
  return changed;
}

void fs_events_poll_free(FsEventsPoll *s)
{
  if (!s)
    return;
  if (s->ph)
    fuse_pollhandle_destroy(s->ph);
  cgfs_events_watch_free(s->watch);
  g_free(s);
}

const FsNode fs_node_events = {
  .name = "events",
  .mask = 0444,
  .mirror_v1 = (const char *const[]){ "cgroup.procs", NULL },
  .mirror_v2 = (const char *const[]){ "cgroup.events", NULL },
  .read = read_events,
  .read_as_daemon = TRUE,
};
