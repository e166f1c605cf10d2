#!/bin/bash
# cgroup v2: a plan cut short after enabling a controller in a parent shared with a sibling that
# relied on it since. Plan A (for $P/a) writes +memory to $P/cgroup.subtree_control and the
# daemon dies right after (CGFS_TEST_KILL_AFTER_WRITES), its record left; another daemon (its
# own journal) then sets the sibling $P/b's memory limit, which needs no enabling (memory is
# listed) and completes. The daemon restarted on A's journal recovers A: it must keep memory
# enabled in $P (disabling it would make the kernel delete $P/b/memory.max, leaving b with
# neither of its documents) while $P/a is back to its old limits. docs/architecture.md "The
# journal". Only in the guest (the host's cgroup2 has no controllers).
set -euo pipefail
. "$(dirname "$0")/../integration/fs-common.sh"

[ -z "$(v1_mounts)" ] || skip "cgroup v2 only (this machine has v1 hierarchies)"
V2=$(v2_mount)
[ -n "$V2" ] || skip "no cgroup2 mount"
grep -qw memory "$V2/cgroup.controllers" || skip "no v2 memory controller"
P=${PREFIX}sib
mkdir "$V2/$P" "$V2/$P/a" "$V2/$P/b"
! grep -qw memory "$V2/$P/cgroup.subtree_control" || fail "memory already enabled in $P"
# A's writes before its limit: enabling memory in the root (if not yet) and in $P
K=1
grep -qw memory "$V2/cgroup.subtree_control" || K=2

# A daemon on $MNT with the journal $1, served (a dead mount of the previous one is taken over)
start_daemon() {
  "$CGFS" -f --hierarchy v2 --state-dir "$1" "$MNT" >>"$LOG" 2>&1 {TEST_OUT}>&- {TEST_ERR}>&- &
  DAEMON_PID=$!
  local deadline=$((SECONDS + 120))
  until stat -f "$MNT" >/dev/null 2>&1 && [ -e "$MNT/$P" ]; do
    kill -0 "$DAEMON_PID" 2>/dev/null || { DAEMON_PID=; fail "the daemon ended: $(tail -3 "$LOG")"; }
    [ $SECONDS -lt $deadline ] || fail "not served after 120 s"
    sleep 0.01
  done
}
watchdog_of() { ps -o pid= -o comm= --ppid "$1" | awk '$2 == "fusermount3" { print $1 }'; }

note "plan A killed right after enabling memory in $P (after $K writes)"
CGFS_TEST_KILL_AFTER_WRITES=$K start_daemon "$STATE_DIR"
W=$(watchdog_of "$DAEMON_PID")
! printf '{"memory": {"limit": 134217728}}' > "$MNT/$P/a/resources.json" 2>/dev/null ||
  fail "plan A completed; the kill hook did not act"
if wait "$DAEMON_PID"; then fail "the daemon was not killed"; fi
DAEMON_PID=
# the auto_unmount watchdog unmounts the dead mount and exits: wait for it, so that it cannot
# unmount the next daemon's mount instead
while [ -n "$W" ] && [ -e /proc/"$W" ] && [ "$(proc_state "$W" 2>/dev/null)" != Z ]; do sleep 0.01; done
grep -qw memory "$V2/$P/cgroup.subtree_control" || fail "A did not enable memory in $P"
[ "$(cat "$V2/$P/a/memory.max")" = max ] || fail "A wrote a's limit before its kill"

note "plan B for the sibling $P/b, through a daemon with its own journal"
start_daemon "$WORK/state-b"
printf '{"memory": {"limit": 268435456}}' > "$MNT/$P/b/resources.json"
[ "$(cat "$V2/$P/b/memory.max")" = 268435456 ] || fail "b's limit not set"
unmount_cgfs

note "restart on A's journal: recovery"
start_daemon "$STATE_DIR"
grep "recovery:" "$LOG" || fail "no recovery line in the daemon's log"
[ -e "$V2/$P/b/memory.max" ] ||
  fail "recovery disabled memory in $P: b's memory.max is gone (subtree_control: $(cat "$V2/$P/cgroup.subtree_control"))"
[ "$(cat "$V2/$P/b/memory.max")" = 268435456 ] || fail "b's limit changed: $(cat "$V2/$P/b/memory.max")"
[ "$(cat "$V2/$P/a/memory.max")" = max ] || fail "a's limit is not its old one"
grep -q "kept the memory controller enabled in $V2/$P" "$LOG" || fail "recovery did not say it kept memory"
unmount_cgfs
note "ok"
