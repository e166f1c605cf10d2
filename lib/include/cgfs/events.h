/* libcgfs: a cgroup's events, as text and as a pollable file descriptor.
 *
 * The text is "key value" lines. On cgroup v2: the lines of cgroup.events (populated, frozen)
 * followed by those of memory.events (low, high, max, oom, oom_kill, ...) when the memory
 * controller is enabled. On cgroup v1: populated (1 when a process is anywhere in the subtree, in
 * any hierarchy), frozen (freezer.state is FROZEN) and, with the memory controller, under_oom and
 * oom_kill from memory.oom_control.
 */
#pragma once

#include <glib.h>
#include <cgfs/cgroup.h>

G_BEGIN_DECLS

/* The events as "key value\n" lines, NUL-terminated; @len (may be NULL) gets the length. */
char *cgfs_cgroup_events(CgfsCgroup *cg, gsize *len, GError **error);

typedef struct _CgfsEventsWatch CgfsEventsWatch;

/* Start watching the cgroup's events. The watch's fd becomes readable (POLLIN) when they may have
 * changed: v2 through the kernel's notifications on cgroup.events and memory.events; v1 through
 * the memory controller's OOM notification (cgroup.event_control with an eventfd) and, as v1 has
 * no notification for populated and frozen, a one-second timer. Wake-ups can be spurious:
 * compare the text. */
CgfsEventsWatch *cgfs_events_watch_new(CgfsCgroup *cg, GError **error);
/* An fd for poll()/epoll (O_CLOEXEC, owned by the watch). */
int cgfs_events_watch_fd(const CgfsEventsWatch *w);
/* Consume what woke the fd, so that it waits for the next change. */
gboolean cgfs_events_watch_ack(CgfsEventsWatch *w, GError **error);
void cgfs_events_watch_free(CgfsEventsWatch *w);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CgfsEventsWatch, cgfs_events_watch_free)

G_END_DECLS
