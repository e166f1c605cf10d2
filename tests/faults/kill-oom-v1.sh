#!/bin/bash
# Fault (5): `echo 1 > kill` on a v1 cgroup whose processes are stuck in an OOM wait
# (memory.oom_control oom_kill_disable 1), so the freezer cannot freeze them. The kill must
# still end every process (by signalling them unfrozen), and freezing must report why it failed.
# Also: a process freezing its own cgroup gets EDEADLK at once, not ETIMEDOUT after 10 s.
set -euo pipefail
. "$(dirname "$0")/../integration/fs-common.sh"

[ -d /sys/fs/cgroup/memory ] && [ -d /sys/fs/cgroup/freezer ] || skip "no v1 memory and freezer hierarchies"
[ -e /sys/fs/cgroup/memory/memory.oom_control ] || skip "no memory.oom_control"
STALLED=${STALLED:-3}

mount_cgfs --hierarchy v1
A=$PREFIX"oom"
mkdir "$MNT/$A"
K=/sys/fs/cgroup/memory/$A
echo '{"memory": {"limit": 33554432, "disableOOMKiller": true}}' > "$MNT/$A/resources.json"
file_has_line "$K/memory.oom_control" "oom_kill_disable 1" || fail "oom_kill_disable not set"

note "$STALLED processes that allocate without bound, stuck in OOM"
for _ in $(seq "$STALLED"); do
  # Each moves itself in, then allocates without bound. No exec after the move: an exec that
  # meets the full cgroup past its point of no return dies of SIGSEGV instead of stalling.
  python3 -c 'import os, sys
open(sys.argv[1], "w").write(str(os.getpid()))
hold = []
while True:
    hold.append(bytearray(1 << 20))' "$MNT/$A/procs" &
  SPAWNED+=($!)
done
deadline=$((SECONDS + 120))
until file_has_line "$K/memory.oom_control" "under_oom 1" &&
      [ "$(wc -l < "$K/cgroup.procs")" = "$STALLED" ]; do
  [ $SECONDS -lt $deadline ] || fail "the cgroup did not stall in OOM: $(cat "$K/memory.oom_control")"
  sleep 0.05
done
for p in "${SPAWNED[@]}"; do
  file_has_line "$K/cgroup.procs" "$p" || fail "$p is not in $K"
done

note "freezing cannot complete: the state write says so (ETIMEDOUT, thawed again)"
start=$(date +%s%N)
expect_error "timed out" write_to "$MNT/$A/state" frozen
grep -q "did not become FROZEN" "$MNT/$A/last_error" || fail "last_error: $(cat "$MNT/$A/last_error")"
[ "$(cat /sys/fs/cgroup/freezer/$A/freezer.state)" = THAWED ] || fail "left $(cat /sys/fs/cgroup/freezer/$A/freezer.state)"

note "kill ends them all anyway"
start=$(date +%s%N)
echo 1 > "$MNT/$A/kill" || fail "kill failed: $(cat "$MNT/$A/last_error")"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
no_procs "$K/cgroup.procs" || fail "left in $K: $(cat "$K/cgroup.procs")"
no_procs /sys/fs/cgroup/freezer/"$A"/cgroup.procs || fail "left in the freezer cgroup"
[ "$(cat /sys/fs/cgroup/freezer/$A/freezer.state)" = THAWED ] || fail "freezer left $(cat /sys/fs/cgroup/freezer/$A/freezer.state)"
for p in "${SPAWNED[@]}"; do
  wait "$p" 2>/dev/null && fail "$p exited normally"
  :
done
SPAWNED=()
echo "figure: kill of $STALLED OOM-stalled processes took $ms ms"

note "a process freezing its own cgroup: EDEADLK at once, nothing frozen"
S=$PREFIX"self"
mkdir "$MNT/$S"
out=$(bash -c 'echo $$ > "$1/procs"; echo frozen > "$1/state"' _ "$MNT/$S" 2>&1) &&
  fail "freezing its own cgroup succeeded"
[[ $out == *"Resource deadlock avoided"* ]] || fail "freezing its own cgroup said: $out"
grep -q "writing process .* is in it" "$MNT/$S/last_error" || fail "last_error: $(cat "$MNT/$S/last_error")"
[ "$(cat /sys/fs/cgroup/freezer/$S/freezer.state)" = THAWED ] || fail "froze it anyway"
note "ok"
