#!/bin/bash
# Fault (1): kill -9 at random instants during mixed updates and moves. KILLS times: a worker
# writes two limit documents (A and B, devices included) alternately to CGROUPS cgroups and moves
# two processes between them through the mount, the daemon is killed with SIGKILL at a random
# moment, a new daemon is started on the same mount point with no other step, and then:
# every cgroup equals document A or document B file by file in the kernel (devices.list
# included), and every moved process sits in one cgroup path in every hierarchy.
set -euo pipefail
. "$(dirname "$0")/../integration/fs-common.sh"

# v1 here (devices.list); v2 in the guest (the device program, seen through what a process in
# the cgroup may open: /dev/null in both documents, /dev/zero in A only, /dev/urandom in B only).
if [ -n "$(v1_mounts)" ]; then
  HIER=v1
  for c in memory cpu pids devices; do
    [ -d /sys/fs/cgroup/$c ] || skip "no v1 $c hierarchy"
  done
else
  HIER=v2
  V2=$(v2_mount)
  for c in memory cpu pids; do
    grep -qw $c "$V2/cgroup.controllers" || skip "no v2 $c controller"
  done
fi
KILLS=${KILLS:-200}
MAX_DELAY_MS=${MAX_DELAY_MS:-200} # the kill comes 0 to this many ms into the workload
CGROUPS=${CGROUPS:-3}
STATE=${STATE-$STATE_DIR} # STATE= (empty): no journal, to see the test fail
# The daemon sleeps this many ms after each write of a plan (the test hook
# CGFS_TEST_PLAN_DELAY_MS): more kills land inside a plan. 0: none.
PLAN_DELAY_MS=${PLAN_DELAY_MS:-0}

DOC_A='{"memory": {"limit": 67108864, "swap": 134217728}, "cpu": {"shares": 512, "quota": 50000, "period": 100000}, "pids": {"limit": 100}, "devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 5, "access": "r"}, {"allow": true, "type": "c", "major": 1, "minor": 8, "access": "rw"}]}'
DOC_B='{"memory": {"limit": 100663296, "swap": 201326592}, "cpu": {"shares": 2048, "quota": 150000, "period": 200000}, "pids": {"limit": 200}, "devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 9, "access": "rwm"}, {"allow": true, "type": "c", "major": 5, "minor": 0, "access": "rw"}, {"allow": true, "type": "c", "major": 136, "access": "rwm"}]}'
FILES="memory/memory.limit_in_bytes memory/memory.memsw.limit_in_bytes cpu/cpu.shares cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us pids/pids.max devices/devices.list"
if [ $HIER = v2 ]; then
  FILES="memory.max memory.swap.max cpu.weight cpu.max pids.max"
fi

# What the device program of v2 cgroup $1 lets a process in it open (a shell the test starts
# joins the cgroup, its children try): "null ok zero ok urandom EPERM" and the like.
device_effect() {
  sh -c 'echo $$ > "$1/cgroup.procs" || exit 1
    for d in null zero urandom; do
      if head -c1 /dev/$d > /dev/null 2>&1; then printf "%s ok " $d; else printf "%s denied " $d; fi
    done' sh "$V2/$1" || echo "cannot join $V2/$1"
}

# The kernel's view of the limits of cgroup $1, one "file: content" line per file (devices.list
# sorted: a restored list may hold the same rules in another order).
kernel_state() {
  local f
  for f in $FILES; do
    printf '%s: ' "$f"
    if [ $HIER = v1 ]; then
      sort "/sys/fs/cgroup/${f%%/*}/$1/${f#*/}" | tr '\n' ' '
    else
      tr '\n' ' ' < "$V2/$1/$f"
    fi
    echo
  done
  [ $HIER = v1 ] || echo "devices: $(device_effect "$1")"
}

start_daemon() {
  CGFS_TEST_PLAN_DELAY_MS=$PLAN_DELAY_MS \
    "$CGFS" -f --hierarchy $HIER --state-dir "$STATE" "$MNT" >>"$LOG" 2>&1 {TEST_OUT}>&- {TEST_ERR}>&- &
  DAEMON_PID=$!
  local deadline=$((SECONDS + 120))
  until stat -f "$MNT" >/dev/null 2>&1 && [ -e "$MNT/procs" ]; do
    kill -0 "$DAEMON_PID" 2>/dev/null || { DAEMON_PID=; fail "the daemon ended: $(tail -3 "$LOG")"; }
    [ $SECONDS -lt $deadline ] || fail "not served after 120 s"
    sleep 0.01
  done
}
watchdog_of() { ps -o pid= -o comm= --ppid "$1" | awk '$2 == "fusermount3" { print $1 }'; }

start_daemon
for i in $(seq 0 $((CGROUPS - 1))); do mkdir "$MNT/${PREFIX}c$i"; done

note "the kernel's files for document A and for document B"
C0=${PREFIX}c0
echo "$DOC_A" > "$MNT/$C0/resources.json"
STATE_A=$(kernel_state "$C0")
echo "$DOC_B" > "$MNT/$C0/resources.json"
STATE_B=$(kernel_state "$C0")
[ "$STATE_A" != "$STATE_B" ] || fail "documents A and B give the same files"
for i in $(seq 0 $((CGROUPS - 1))); do echo "$DOC_A" > "$MNT/${PREFIX}c$i/resources.json"; done
spawn_sleep; P1=$SLEPT
spawn_sleep; P2=$SLEPT
echo "$P1" > "$MNT/$C0/procs"
echo "$P2" > "$MNT/$C0/procs"

# Updates and moves without pause, until killed (or the mount goes away).
worker() {
  local n=0 c p
  while :; do
    c=${PREFIX}c$((RANDOM % CGROUPS))
    case $((n % 3)) in
      0) printf '%s' "$DOC_A" > "$MNT/$c/resources.json" ;;
      1) printf '%s' "$DOC_B" > "$MNT/$c/resources.json" ;;
      2) p=$P1; [ $((RANDOM % 2)) = 0 ] && p=$P2; echo "$p" > "$MNT/$c/procs" ;;
    esac 2>/dev/null || { [ -e "$MNT/procs" ] || exit 0; }
    n=$((n + 1))
  done
}

# Every line of /proc/PID/cgroup that names one of the test's cgroups names the same one, in
# every hierarchy the mount covers.
check_one_path() {
  local paths n
  paths=$(grep -o ":/$PREFIX[^/]*\$" "/proc/$1/cgroup" | sort -u)
  n=$(grep -c ":/$PREFIX" "/proc/$1/cgroup")
  [ "$(echo "$paths" | wc -l)" = 1 ] && [ "$n" = "$HIERARCHIES" ] ||
    fail "process $1 is split: $(tr '\n' ' ' < "/proc/$1/cgroup")"
}
HIERARCHIES=$(grep -c ":/$C0\$" "/proc/$P1/cgroup")
check_one_path "$P1"

note "$KILLS kills at random instants"
recovered=0 half=0
for k in $(seq "$KILLS"); do
  worker &
  WORKER=$!
  # a random instant: 0 to MAX_DELAY_MS into the workload
  ms=$((RANDOM % MAX_DELAY_MS))
  sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
  W=$(watchdog_of "$DAEMON_PID")
  kill -KILL "$DAEMON_PID"
  wait "$DAEMON_PID" 2>/dev/null || true
  DAEMON_PID=
  kill -KILL "$WORKER" 2>/dev/null || true
  wait "$WORKER" 2>/dev/null || true
  # The auto_unmount watchdog unmounts the dead mount and exits; wait for that, so it cannot
  # unmount the next daemon's mount instead.
  while [ -n "$W" ] && [ -e /proc/"$W" ] && [ "$(proc_state "$W" 2>/dev/null)" != Z ]; do sleep 0.01; done
  before=$(grep -c "recovery:" "$LOG" || true)
  start_daemon
  after=$(grep -c "recovery:" "$LOG" || true)
  recovered=$((recovered + after - before))
  for i in $(seq 0 $((CGROUPS - 1))); do
    s=$(kernel_state "${PREFIX}c$i")
    if [ "$s" != "$STATE_A" ] && [ "$s" != "$STATE_B" ]; then
      half=$((half + 1))
      echo "kill $k: ${PREFIX}c$i is neither A nor B:"; echo "$s"
      echo "A:"; echo "$STATE_A"; echo "B:"; echo "$STATE_B"
      fail "a cgroup was left half-applied after kill $k"
    fi
  done
  check_one_path "$P1"
  check_one_path "$P2"
done
echo "figure: $KILLS kills, $recovered unfinished plans recovered, $half half-applied cgroups, 0 split processes"
echo "figure: $(grep -c "changed limits" "$LOG" || true) updates and $(grep -c "moved process" "$LOG" || true) moves completed in all, $(grep -c "resources.json:" "$LOG" || true) updates refused"
{ grep "recovery:" "$LOG" || true; } | sed 's/.*recovery: //; s/ of .* into / into /; s/ of [^ ]*:.*//' | sort | uniq -c | sed 's/^/figure: /'
note "ok"
