#!/bin/sh
# A sidecar that reports the stats of the cgroup it runs in, every INTERVAL seconds, through the
# mount shared into its container (docker: -v /run/cgfs:/run/cgfs:rslave; Kubernetes:
# mountPropagation: HostToContainer). `self`, at the mount's root, links to the reading process's
# own cgroup, resolved by the daemon from the caller (docs/tree.md); an older cgfs has no `self`,
# and the path from /proc/self/cgroup is right there only without a cgroup namespace.
set -eu
mnt=${MNT:-/run/cgfs}
interval=${INTERVAL:-10}
if [ -d "$mnt/self" ]; then
  dir=$mnt/self
else
  # v1: the memory hierarchy's line; v2: the "0::" line.
  path=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ || $1 == "0" { print $3; exit }' /proc/self/cgroup)
  dir=$mnt$path
fi
while :; do
  # memory: v1's .memory.usage is an object (usage, limit, max, failcnt), v2's a number.
  jq -c '{time: (now | todate), pids: .pids.current,
          memory: (.memory.usage | if type == "object" then .usage else . end)}' "$dir/stats.json"
  [ "${ONCE:-}" ] && break
  sleep "$interval"
done
