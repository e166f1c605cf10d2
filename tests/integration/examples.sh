#!/bin/bash
# The C programs of examples/c, run as a user would, each checked against the kernel's files:
# create makes the cgroup in every hierarchy, limit applies JSON, stats reports what the kernel
# counts, oom-watch sees the OOM kill of a process that outgrows the limit.
set -euo pipefail
. "$(dirname "$0")/fs-common.sh"

[ -n "${EXAMPLES:-}" ] && [ -d "$EXAMPLES" ] || skip "EXAMPLES does not name the built examples"
X=$EXAMPLES/cgfs-example-
CG=/$PREFIX"ex"

if [ -n "$(v1_mounts)" ]; then
  V=1
  DIRS=$(v1_mounts)
  mem_file() { echo "/sys/fs/cgroup/memory$CG/$1"; }
  pids_file() { echo "/sys/fs/cgroup/pids$CG/$1"; }
  LIMIT_FILE=memory.limit_in_bytes
else
  V=2
  DIRS=$(v2_mount)
  mem_file() { echo "$(v2_mount)$CG/$1"; }
  pids_file() { echo "$(v2_mount)$CG/$1"; }
  LIMIT_FILE=memory.max
fi
if [ $V = 1 ]; then
  [ -d /sys/fs/cgroup/memory ] && [ -d /sys/fs/cgroup/pids ] || skip "no v1 memory and pids"
else
  grep -qw memory "$(v2_mount)/cgroup.controllers" && grep -qw pids "$(v2_mount)/cgroup.controllers" ||
    skip "no v2 memory and pids"
fi

note "create: the cgroup in every hierarchy"
out=$("${X}create" "$CG")
echo "$out"
for m in $DIRS; do [ -d "$m$CG" ] || fail "create: no $m$CG"; done
[[ $out == "$CG: cgroup v$V, in "* ]] || fail "create said '$out'"

note "limit: the JSON applied, the read-back printed"
out=$("${X}limit" "$CG" '{"memory": {"limit": 33554432}, "pids": {"limit": 32}}')
[ "$(cat "$(mem_file $LIMIT_FILE)")" = 33554432 ] || fail "limit: memory limit in the kernel"
[ "$(cat "$(pids_file pids.max)")" = 32 ] || fail "limit: pids.max in the kernel"
[ "$(jq .memory.limit <<<"$out")" = 33554432 ] || fail "limit printed $out"
expect_error "pids.limit" "${X}limit" "$CG" '{"pids": {"limit": "many"}}'
[ "$(cat "$(pids_file pids.max)")" = 32 ] || fail "a refused document changed pids.max"

note "stats: the kernel's counters"
spawn_sleep
# Our own sleep (once it has exec'd), moved into our cgroup in every hierarchy, checked to be
# ours (a child not reaped yet) just before each write.
for ((i = 0; i < 3000; i++)); do
  [ "$(cat "/proc/$SLEPT/comm" 2>/dev/null)" = sleep ] && break
  sleep 0.02
done
for m in $DIRS; do
  [ "$(cat "/proc/$SLEPT/comm")" = sleep ] && [ "$(awk '{ print $4 }' "/proc/$SLEPT/stat")" = $$ ] ||
    fail "$SLEPT is not our sleep"
  echo "$SLEPT" >"$m$CG/cgroup.procs"
done
out=$("${X}stats" "$CG")
[ "$(awk '$1 == "pids" { print $2 }' <<<"$out")" = "$(cat "$(pids_file pids.current)")" ] ||
  fail "stats: pids '$out', the kernel says $(cat "$(pids_file pids.current)")"
[ "$(awk '$1 == "pids" { print $2 }' <<<"$out")" = 1 ] || fail "stats: pids '$out'"
"${X}stats" "$CG" --json | jq -e .pids >/dev/null || fail "stats --json"

note "oom-watch: an OOM kill in the cgroup"
"${X}oom-watch" "$CG" 1 >"$WORK/oom.out" 2>&1 &
WATCH=$!
SPAWNED+=("$WATCH")
until grep -q watching "$WORK/oom.out"; do
  kill -0 "$WATCH" 2>/dev/null || { cat "$WORK/oom.out"; fail "oom-watch ended"; }
  sleep 0.02
done
# A process of ours that joins the cgroup (its memory hierarchy) and outgrows 32 MiB.
bash -c "echo \$\$ > '$(mem_file cgroup.procs)'; exec tail /dev/zero" 2>/dev/null &
HOG=$!
SPAWNED+=("$HOG")
wait "$HOG" || true # killed by the OOM killer
for ((i = 0; i < 3000; i++)); do kill -0 "$WATCH" 2>/dev/null || break; sleep 0.02; done
wait "$WATCH" || { cat "$WORK/oom.out"; fail "oom-watch failed"; }
grep -q "oom: 1" "$WORK/oom.out" || fail "oom-watch printed $(cat "$WORK/oom.out")"
if [ $V = 1 ]; then
  grep -q "oom_kill [1-9]" "$(mem_file memory.oom_control)" || fail "the kernel saw no OOM kill"
else
  grep -q "oom_kill [1-9]" "$(mem_file memory.events)" || fail "the kernel saw no OOM kill"
fi
note "ok"
