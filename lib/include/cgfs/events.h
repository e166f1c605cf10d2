/* libcgfs: waiting for a cgroup's events. */
#pragma once

#include <glib.h>
#include <cgfs/cgroup.h>

G_BEGIN_DECLS

/* An fd that polls readable (POLLIN) when the cgroup's memory events fire, as containerd's
 * OOMEventFD: on v1 an eventfd registered on memory.oom_control through cgroup.event_control
 * (each OOM adds to its 8-byte counter); on v2 an inotify fd watching memory.events (it wakes on
 * every change of its counters: oom, oom_kill, max, high, low). Close it to stop listening.
 * EOPNOTSUPP "memory cgroup not supported" when the cgroup has no memory controller. */
int cgfs_cgroup_oom_event_fd(CgfsCgroup *cg, GError **error);

G_END_DECLS
