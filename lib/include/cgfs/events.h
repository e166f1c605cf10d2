/**
 * SECTION:events
 * @title: Events
 * @short_description: waiting for a cgroup's events (OOM, populated, frozen)
 * @include: cgfs/cgfs.h
 *
 * cgfs_cgroup_events() reads a cgroup's events as text; cgfs_cgroup_oom_event_fd() and a
 * #CgfsEventsWatch give a file descriptor for poll() that wakes when they change.
 *
 * The functions on a #CgfsCgroup are thread-safe; a #CgfsEventsWatch belongs to one thread at
 * a time.
 */
#pragma once

#include <glib.h>
#include <cgfs/cgroup.h>

G_BEGIN_DECLS
#pragma GCC visibility push(default) /* the public API: exported (lib/libcgfs.map) */

/**
 * cgfs_cgroup_oom_event_fd:
 * @cg: a #CgfsCgroup
 * @error: return location for a #GError, or %NULL
 *
 * An fd that polls readable (POLLIN) when the cgroup's memory events fire, as containerd's
 * OOMEventFD: on v1 an eventfd registered on memory.oom_control through cgroup.event_control
 * (each OOM adds to its 8-byte counter); on v2 an inotify fd watching memory.events (it wakes
 * on every change of its counters: oom, oom_kill, max, high, low). Close it to stop listening.
 * EOPNOTSUPP "memory cgroup not supported" when the cgroup has no memory controller.
 *
 * Returns: the fd (O_CLOEXEC, the caller's to close), or -1 with @error set
 */
int cgfs_cgroup_oom_event_fd(CgfsCgroup *cg, GError **error);

/**
 * cgfs_cgroup_events:
 * @cg: a #CgfsCgroup
 * @len: (out) (optional): the length of the result, or %NULL
 * @error: return location for a #GError, or %NULL
 *
 * The cgroup's events as "key value\n" lines. On cgroup v2: the lines of cgroup.events
 * (populated, frozen) followed by those of memory.events (low, high, max, oom, oom_kill, ...)
 * when the memory controller is enabled; the root cgroup, which has no cgroup.events, reads
 * "populated 1", "frozen 0". On cgroup v1: populated (1 when a process is anywhere in the
 * subtree, in any hierarchy), frozen (freezer.state is FROZEN) and, with the memory
 * controller, under_oom and oom_kill from memory.oom_control.
 *
 * Returns: (transfer full): the text, NUL-terminated (g_free() it), or %NULL with @error set
 */
char *cgfs_cgroup_events(CgfsCgroup *cg, gsize *len, GError **error);

/**
 * CgfsEventsWatch:
 *
 * A watch on everything cgfs_cgroup_events() shows. Opaque; used by one thread at a time.
 */
typedef struct _CgfsEventsWatch CgfsEventsWatch;

/**
 * cgfs_events_watch_new:
 * @cg: a #CgfsCgroup
 * @error: return location for a #GError, or %NULL
 *
 * Start watching everything cgfs_cgroup_events() shows. The watch's fd polls readable
 * (POLLIN) when the events may have changed: v2 through the kernel's notifications on
 * cgroup.events and memory.events; v1 through the memory controller's OOM eventfd
 * (cgfs_cgroup_oom_event_fd()) and, as v1 has no notification for populated and frozen, a
 * one-second timer. Wake-ups can be spurious: compare the text.
 *
 * Returns: (transfer full): the watch (free with cgfs_events_watch_free()), or %NULL with
 *   @error set
 */
CgfsEventsWatch *cgfs_events_watch_new(CgfsCgroup *cg, GError **error);
/**
 * cgfs_events_watch_fd:
 * @w: a #CgfsEventsWatch
 *
 * An fd for poll() or epoll.
 *
 * Returns: the fd (O_CLOEXEC), owned by the watch: do not close it
 */
int cgfs_events_watch_fd(const CgfsEventsWatch *w);
/**
 * cgfs_events_watch_ack:
 * @w: a #CgfsEventsWatch
 * @error: return location for a #GError, or %NULL
 *
 * Consume what woke the fd, so that it waits for the next change.
 *
 * Returns: %TRUE on success
 */
gboolean cgfs_events_watch_ack(CgfsEventsWatch *w, GError **error);
/**
 * cgfs_events_watch_free:
 * @w: (nullable): a #CgfsEventsWatch
 *
 * Stop watching and close the fd. %NULL is accepted.
 */
void cgfs_events_watch_free(CgfsEventsWatch *w);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CgfsEventsWatch, cgfs_events_watch_free)

#pragma GCC visibility pop
G_END_DECLS
