#!/bin/sh
# Monitoring: the ten cgroups using the most memory, from the root's metrics.prom (one read for
# the whole tree), and how to have Prometheus scrape every cgroup through node_exporter.
#   MNT=/run/cgfs examples/shell/monitoring.sh
set -eu
mnt=${MNT:-/run/cgfs}
grep '^cgfs_memory_usage_bytes{' "$mnt/metrics.prom" |
  sed -E 's/^[^{]*\{cgroup="([^"]*)"\} (.*)$/\2 \1/' | sort -rn | head -n "${TOP:-10}"
# node_exporter exports every cgroup with its textfile collector pointed at the mount:
#   prometheus-node-exporter --collector.textfile.directory=/run/cgfs
# and alerts can use cgfs_memory_oom_kills_total, cgfs_cpu_throttled_seconds_total,
# cgfs_pids_current / cgfs_pids_limit (docs/stats.md lists every metric).
