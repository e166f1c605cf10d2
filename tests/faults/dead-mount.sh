#!/bin/bash
# Fault (2): restart with no hand. A daemon killed with SIGKILL leaves nothing a new daemon
# cannot start on: with auto_unmount (the default) its watchdog unmounts; and if the watchdog is
# gone too, the mount is dead (ENOTCONN) and the new daemon detaches it and mounts, at once.
set -euo pipefail
. "$(dirname "$0")/../integration/fs-common.sh"

command -v ps >/dev/null || skip "no ps"
HIER=v1
[ -n "$(v1_mounts)" ] || HIER=v2

# Every layer, should a failure leave stacked mounts; then the shared cleanup.
unmount_all() { local i; for i in 1 2 3 4; do is_mounted || break; fusermount3 -uz "$MNT"; done; }
trap 's=$?; set +e; [ "$BASHPID" = "$TEST_PID" ] && unmount_all; (exit $s); cleanup' EXIT

connected() { stat -f "$MNT" >/dev/null 2>&1; }
mount_lines() { grep -c " $MNT " /proc/self/mountinfo || true; }
# The mount's watchdog (fusermount3 --auto-unmount), a child of the daemon the test started.
watchdog_of() { ps -o pid= -o comm= --ppid "$1" | awk '$2 == "fusermount3" { print $1 }'; }
# Wait until the new daemon serves the mount point (statfs: a stat may be answered from the
# dead mount's attribute cache for a second).
wait_served() {
  local deadline=$((SECONDS + 60))
  until connected && [ -e "$MNT/procs" ]; do
    kill -0 "$DAEMON_PID" 2>/dev/null || { DAEMON_PID=; fail "the new daemon ended: $(tail -3 "$LOG")"; }
    [ $SECONDS -lt $deadline ] || fail "not served after 60 s"
    sleep 0.02
  done
}
kill9_daemon() { kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true; DAEMON_PID=; }

mount_cgfs --hierarchy $HIER --state-dir "$STATE_DIR" # the journal: the test's own
A=$PREFIX"a"
mkdir "$MNT/$A"

# gone, or a zombie its parent (the daemon) has not reaped
wait_gone() { while [ -e /proc/"$1" ] && [ "$(proc_state "$1" 2>/dev/null)" != Z ]; do sleep 0.01; done; }

note "auto_unmount by default: kill -9 and restart at once; the old watchdog never unmounts the new mount"
grep " $MNT " /proc/self/mountinfo | grep -q " - fuse.cgfs " || fail "not a fuse.cgfs mount"
W=$(watchdog_of "$DAEMON_PID")
[ -n "$W" ] || fail "no auto_unmount watchdog under the daemon"
kill9_daemon
# No wait: the new daemon waits for the old watchdog, which unmounts the dead mount (or leaves
# it dead when the mount point still answered from the attribute cache; then it is detached).
: > "$LOG"
"$CGFS" -f --hierarchy $HIER --state-dir "$STATE_DIR" "$MNT" >>"$LOG" 2>&1 {TEST_OUT}>&- {TEST_ERR}>&- &
DAEMON_PID=$!
wait_served
wait_gone "$W"
connected && [ -e "$MNT/$A/procs" ] || fail "the new mount was lost when the old watchdog ended"
[ "$(mount_lines)" = 1 ] || fail "$(mount_lines) mounts on $MNT"
grep -q "detached 1 dead" "$LOG" && echo "figure: the watchdog left the dead mount: detached" ||
  echo "figure: the watchdog unmounted"
note "a dead mount (daemon and watchdog killed): a new daemon detaches it and mounts"
restarts=${RESTARTS:-5}
for i in $(seq "$restarts"); do
  W=$(watchdog_of "$DAEMON_PID")
  [ -n "$W" ] || fail "no watchdog"
  kill -KILL "$W"
  wait_gone "$W"
  kill9_daemon
  ! connected || fail "the mount still answers after its daemon died"
  # statfs, not stat: a stat may be answered from the dead mount's attribute cache for a second.
  out=$(stat -f "$MNT" 2>&1) || true
  [[ $out == *"not connected"* ]] || fail "not ENOTCONN: $out"
  : > "$LOG"
  start=$(date +%s%N)
  "$CGFS" -f --hierarchy $HIER --state-dir "$STATE_DIR" "$MNT" >>"$LOG" 2>&1 {TEST_OUT}>&- {TEST_ERR}>&- &
  DAEMON_PID=$!
  wait_served
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  grep -q "detached 1 dead cgfs mount" "$LOG" || fail "log: $(cat "$LOG")"
  [ "$(mount_lines)" = 1 ] || fail "$(mount_lines) mounts on $MNT: $(grep " $MNT " /proc/self/mountinfo)"
  [ -d "$MNT/$A" ] && [ -e "$MNT/$A/procs" ] || fail "$A not served after the restart"
  echo "figure: restart $i on a dead mount served after $ms ms"
done

note "a clean unmount ends the daemon"
unmount_cgfs
note "ok"
