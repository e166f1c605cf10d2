/* libcgfs: waiting for a cgroup's events. */
#pragma once

#include <glib.h>
#include <cgfs/cgroup.h>

G_BEGIN_DECLS
#pragma GCC visibility push(default) /* the public API: exported (lib/libcgfs.map) */

/* An fd that polls readable (POLLIN) when the cgroup's memory events fire, as containerd's
 * OOMEventFD: on v1 an eventfd registered on memory.oom_control through cgroup.event_control
 * (each OOM adds to its 8-byte counter); on v2 an inotify fd watching memory.events (it wakes on
 * every change of its counters: oom, oom_kill, max, high, low). Close it to stop listening.
 * EOPNOTSUPP "memory cgroup not supported" when the cgroup has no memory controller. */
int cgfs_cgroup_oom_event_fd(CgfsCgroup *cg, GError **error);

/* The cgroup's events as "key value\n" lines, NUL-terminated; @len (may be NULL) gets the
 * length. On cgroup v2: the lines of cgroup.events (populated, frozen) followed by those of
 * memory.events (low, high, max, oom, oom_kill, ...) when the memory controller is enabled; the
 * root cgroup, which has no cgroup.events, reads "populated 1", "frozen 0". On cgroup v1:
 * populated (1 when a process is anywhere in the subtree, in any hierarchy), frozen (freezer.state
 * is FROZEN) and, with the memory controller, under_oom and oom_kill from memory.oom_control. */
char *cgfs_cgroup_events(CgfsCgroup *cg, gsize *len, GError **error);

typedef struct _CgfsEventsWatch CgfsEventsWatch;

/* Start watching everything cgfs_cgroup_events() shows. The watch's fd polls readable (POLLIN)
 * when the events may have changed: v2 through the kernel's notifications on cgroup.events and
 * memory.events; v1 through the memory controller's OOM eventfd (cgfs_cgroup_oom_event_fd) and,
 * as v1 has no notification for populated and frozen, a one-second timer. Wake-ups can be
 * spurious: compare the text. */
CgfsEventsWatch *cgfs_events_watch_new(CgfsCgroup *cg, GError **error);
/* An fd for poll()/epoll (O_CLOEXEC, owned by the watch). */
int cgfs_events_watch_fd(const CgfsEventsWatch *w);
/* Consume what woke the fd, so that it waits for the next change. */
gboolean cgfs_events_watch_ack(CgfsEventsWatch *w, GError **error);
void cgfs_events_watch_free(CgfsEventsWatch *w);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CgfsEventsWatch, cgfs_events_watch_free)

#pragma GCC visibility pop
G_END_DECLS
