#!/bin/bash
# The fault tests that make sense on cgroup v2, in one guest boot (tests/vm): restart on a dead
# mount, kill -9 during updates and moves, two documents written at once through two mounts,
# a crashed plan's controller enabling that a sibling relied on.
# Each runs as its own bash, as meson runs it.
set -u
dir=$(dirname "$0")
status=0
for t in dead-mount crash-updates racing-updates sibling-enabling; do
  echo "=== $t"
  bash "$dir/$t.sh"
  s=$?
  [ $s = 0 ] || [ $s = 77 ] || status=1
done
exit $status
