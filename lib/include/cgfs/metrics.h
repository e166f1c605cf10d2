/**
 * SECTION:metrics
 * @title: CgfsMetrics
 * @short_description: statistics in the Prometheus text exposition format (version 0.0.4)
 * @include: cgfs/cgfs.h
 *
 * A #CgfsMetrics collects the statistics of cgroups, each under a label value (its path as the
 * reader knows it), and writes them as one exposition: every family once, with its # HELP and
 * # TYPE lines, then one sample per cgroup (and per device, page size, ...), e.g.
 *
 * |[
 * # HELP cgfs_cpu_usage_seconds_total CPU time used by the cgroup's tasks.
 * # TYPE cgfs_cpu_usage_seconds_total counter
 * cgfs_cpu_usage_seconds_total{cgroup="/batch"} 12.5
 * ]|
 *
 * Names follow Prometheus conventions: the prefix cgfs_, base units (seconds, bytes), counters end
 * in _total, one label `cgroup` (plus `device` "MAJ:MIN", `pagesize`). The same name means the
 * same thing on cgroup v1 and v2 (docs/stats.md lists the kernel file of each); a value the
 * kernel does not report is left out; a limit of "max" is +Inf. node_exporter's textfile
 * collector reads the result as it is.
 *
 * A #CgfsMetrics is used by one thread at a time; separate ones need no locking.
 */
#pragma once

#include <glib.h>
#include <cgfs/cgroup.h>
#include <cgfs/stats.h>

G_BEGIN_DECLS
#pragma GCC visibility push(default) /* the public API: exported (lib/libcgfs.map) */

/**
 * CgfsMetrics:
 *
 * A collection of cgroup statistics to expose. Opaque; used by one thread at a time.
 */
typedef struct _CgfsMetrics CgfsMetrics;

/**
 * cgfs_metrics_new:
 *
 * An empty collection.
 *
 * Returns: (transfer full): a new #CgfsMetrics (free with cgfs_metrics_free())
 */
CgfsMetrics *cgfs_metrics_new(void);
/**
 * cgfs_metrics_free:
 * @m: (nullable): a #CgfsMetrics
 *
 * Free @m and the statistics it holds. %NULL is accepted.
 */
void cgfs_metrics_free(CgfsMetrics *m);

/**
 * cgfs_metrics_add:
 * @m: a #CgfsMetrics
 * @cgroup: the value of the `cgroup` label, e.g. "/batch"
 * @stats: (transfer full): the statistics (cgfs_cgroup_stats()), freed with @m
 *
 * Add @stats under the label value @cgroup.
 */
void cgfs_metrics_add(CgfsMetrics *m, const char *cgroup, CgfsStats *stats);

/**
 * cgfs_metrics_add_subtree:
 * @m: a #CgfsMetrics
 * @cg: the top of the subtree
 * @label: the `cgroup` label of @cg, e.g. "/"
 * @error: return location for a #GError, or %NULL
 *
 * Add the statistics of @cg under @label and of every cgroup below it, under @label/NAME/...
 * (@label "/" gives "/NAME"), parents first, children sorted by name. A cgroup deleted during
 * the walk is left out; any other error stops it and is returned.
 *
 * Returns: %TRUE on success
 */
gboolean cgfs_metrics_add_subtree(CgfsMetrics *m, CgfsCgroup *cg, const char *label,
                                  GError **error);

/**
 * cgfs_metrics_to_text:
 * @m: a #CgfsMetrics
 * @len: (out) (optional): the length of the result, or %NULL
 *
 * The exposition text: every family once, with its # HELP and # TYPE lines, ending with a
 * newline.
 *
 * Returns: (transfer full): the text (g_free() it)
 */
char *cgfs_metrics_to_text(const CgfsMetrics *m, gsize *len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CgfsMetrics, cgfs_metrics_free)

#pragma GCC visibility pop
G_END_DECLS
