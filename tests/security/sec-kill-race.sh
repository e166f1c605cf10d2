#!/bin/bash
# v1 `kill` by a user, and a process root moves into the cgroup meanwhile (docs/security.md, "v1
# kill"): the daemon checks the user's right to signal every process on the frozen subtree, so
# the process moved in is checked — the kill is refused with nothing signalled and the subtree
# thawed — rather than killed with root's power. The daemon's test hook CGFS_TEST_KILL_PAUSE_FILE
# holds the kill between the daemon's first look (before freezing) and the freeze, so the move
# lands in that window every time. Then, with root's process gone again, the same kill kills.
#
# Every pid written is one of this test's processes (its sleeps); no pid namespace.
set -euo pipefail
. "$(dirname "$0")/../integration/fs-common.sh"

[ -n "${SEC_TRY:-}" ] && [ -x "$SEC_TRY" ] || skip "SEC_TRY does not name the sec-try helper"
command -v setpriv >/dev/null || skip "no setpriv"
[ -d /sys/fs/cgroup/freezer ] && [ -d /sys/fs/cgroup/cpu ] || skip "no v1 freezer and cpu hierarchies"
command -v useradd >/dev/null || skip "no useradd"

USERS_MADE=()
race_cleanup() {
  local status=$? u
  set +e
  rm -f "$PAUSE"
  for u in "${USERS_MADE[@]}"; do userdel "$u" >/dev/null 2>&1; done
  (exit "$status")
  cleanup
}
PAUSE=$WORK/kill-pause
trap race_cleanup EXIT
useradd --system --no-create-home --user-group --shell /usr/sbin/nologin "cgfs-tk-$$" >/dev/null 2>&1 ||
  skip "cannot make a user"
USERS_MADE+=("cgfs-tk-$$")
UA=$(id -u "cgfs-tk-$$") GA=$(id -g "cgfs-tk-$$")
AS_A=(setpriv --reuid="$UA" --regid="$GA" --clear-groups --)
install -m 755 "$SEC_TRY" "$WORK/sec-try"
chmod 711 "$WORK"
chmod 755 "$MNT"
TRY=$WORK/sec-try
FZ=/sys/fs/cgroup/freezer

CGFS_TEST_KILL_PAUSE_FILE=$PAUSE mount_cgfs --hierarchy v1 -o allow_other

C=${PREFIX}race O=${PREFIX}other
mkdir "$MNT/$C" "$MNT/$O"
chown "$UA:$GA" "$MNT/$C" # delegated to the user
"${AS_A[@]}" sleep 1000 &
A_PID=$!
SPAWNED+=("$A_PID")
# setpriv runs as root until it execs sleep with the user's credentials: a kill checked before
# then is refused (EPERM) for a process the user may not signal yet.
deadline=$((SECONDS + 60))
until [ "$(cat "/proc/$A_PID/comm" 2>/dev/null)" = sleep ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "the user's sleep did not start"
  sleep 0.01
done
spawn_sleep; R=$SLEPT
echo "$A_PID" > "$MNT/$C/procs"
echo "$R" > "$MNT/$O/procs"

# The user writes 1 to kill in the background: $K is its sec-try, its outcome in $KILL_OUT.
start_kill() {
  KILL_OUT=$WORK/kill.$1
  "${AS_A[@]}" "$TRY" write "$MNT/$C/kill" 1 > "$KILL_OUT" &
  K=$!
  SPAWNED+=("$K")
}
await_pause() {
  local deadline=$((SECONDS + 120))
  until [ -e "$PAUSE" ]; do
    kill -0 "$K" 2>/dev/null || fail "the kill ended before the daemon's pause: '$(cat "$KILL_OUT")'"
    [ "$SECONDS" -lt "$deadline" ] || fail "the daemon never paused the kill"
    sleep 0.05
  done
}

note "root moves its process in between the daemon's first look and the freeze"
start_kill 1
await_pause
echo "$R" > "$MNT/$C/procs" # another worker thread serves root meanwhile
grep -qx "$R" "$FZ/$C/cgroup.procs" || fail "root's process did not move in"
rm -f "$PAUSE"
wait "$K" || true
[ "$(cat "$KILL_OUT")" = EPERM ] || fail "the user's kill said '$(cat "$KILL_OUT")', wanted EPERM"
kill -0 "$R" 2>/dev/null || fail "root's process was killed by the user's kill"
kill -0 "$A_PID" 2>/dev/null || fail "the user's own process was killed by a refused kill"
[ "$(cat "$FZ/$C/freezer.state")" = THAWED ] || fail "the cgroup was left $(cat "$FZ/$C/freezer.state")"
grep -q "may not signal it" "$MNT/$C/last_error" 2>/dev/null || true

note "without root's process the same kill kills (issue 11: a v1 kill always kills)"
echo "$R" > "$MNT/$O/procs"
start_kill 2
await_pause
rm -f "$PAUSE"
wait "$K" || true
[ "$(cat "$KILL_OUT")" = ok ] || fail "the user's kill of its own process said '$(cat "$KILL_OUT")'"
wait "$A_PID" 2>/dev/null || true
! kill -0 "$A_PID" 2>/dev/null || fail "the user's process survived its kill"
kill -0 "$R" 2>/dev/null || fail "root's process (elsewhere) was killed"
note "ok"
