#!/bin/bash
# cgfs.service as `meson install` installs it: `systemd-analyze verify` accepts it, and its
# command lines, run as systemd runs them (this machine's PID 1 is not systemd), mount with the
# options given, stop cleanly on SIGTERM, and after a crash (SIGKILL) ExecStopPost clears the
# dead mount so that the restart mounts again.
set -euo pipefail
. "$(dirname "$0")/fs-common.sh"

[ -f "${SERVICE:-}" ] || skip "SERVICE does not name the built cgfs.service"
ROOT=$PREFIX"root"
if [ -n "$(v1_mounts)" ]; then HIER=v1; DIRS=$(v1_mounts); else HIER=v2; DIRS=$(v2_mount); fi
for m in $DIRS; do mkdir "$m/$ROOT"; done

# The unit as installed, with this build's daemon in place of PREFIX/bin/cgfs.
unit=$WORK/cgfs.service
sed -E "s|^ExecStart=[^ ]*/cgfs |ExecStart=$(readlink -f "$CGFS") |" "$SERVICE" >"$unit"

note "the settings the issue asks for"
for want in '^ExecStart=.* -f ' '^Restart=on-failure$' '^OOMScoreAdjust=-1000$' \
  '^ExecStopPost=-.*fusermount3 -u' '^Environment=CGFS_OPTIONS=$' '^WantedBy=multi-user.target$'; do
  grep -qE -- "$want" "$unit" || fail "cgfs.service has no line matching $want"
done

note "systemd-analyze verify"
if command -v systemd-analyze >/dev/null; then
  out=$(systemd-analyze verify --man=no "$unit" 2>&1) || fail "systemd-analyze verify: $out"
  [ -z "$out" ] || fail "systemd-analyze verify warns: $out"
else
  note "(no systemd-analyze here: not verified)"
fi

# A command line of the unit (ExecStartPre, ExecStart, ExecStopPost), its variables expanded as
# systemd does: ${VAR} one word, $VAR split on white space; a leading '-' (failure ignored) off.
CGFS_MOUNTPOINT=$MNT
CGFS_OPTIONS="--root /$ROOT --hierarchy $HIER -o allow_other --state-dir $STATE_DIR"
unit_command() {
  local line
  line=$(grep -m1 "^$1=" "$unit" | cut -d= -f2-)
  line=${line#-}
  line=${line//'${CGFS_MOUNTPOINT}'/$CGFS_MOUNTPOINT}
  line=${line//'$CGFS_OPTIONS'/$CGFS_OPTIONS}
  read -ra CMD <<<"$line"
}

start_service() {
  unit_command ExecStartPre
  "${CMD[@]}"
  unit_command ExecStart
  "${CMD[@]}" >>"$LOG" 2>&1 {TEST_OUT}>&- {TEST_ERR}>&- &
  DAEMON_PID=$!
  until is_mounted; do
    kill -0 "$DAEMON_PID" 2>/dev/null || { DAEMON_PID=; fail "ExecStart did not mount"; }
    sleep 0.02
  done
}

note "start: mounted with CGFS_OPTIONS, a cgroup made through it is the kernel's"
start_service
grep " $MNT fuse" /proc/self/mounts | grep -q allow_other || fail "allow_other not applied"
mkdir "$MNT/sub"
[ -d "$(echo "$DIRS" | head -n 1)/$ROOT/sub" ] || fail "mkdir did not reach the kernel"
rmdir "$MNT/sub"

note "stop (SIGTERM): unmounted, exit status 0"
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || fail "cgfs ended with status $? on SIGTERM"
DAEMON_PID=
! is_mounted || fail "still mounted after SIGTERM"
unit_command ExecStopPost
"${CMD[@]}" 2>/dev/null || true # nothing left to unmount: its failure is ignored ('-')

note "crash (SIGKILL): ExecStopPost clears the dead mount, the restart mounts again"
start_service
# cgfs mounts with auto_unmount: its fusermount3 watchdog (a child of the daemon this test
# started) would unmount after the crash; killed first, the crash leaves the mount dead.
W=$(ps -o pid= -o comm= --ppid "$DAEMON_PID" | awk '$2 == "fusermount3" { print $1 }')
[ -z "$W" ] || kill -KILL "$W"
while [ -n "$W" ] && [ -e /proc/"$W" ] && [ "$(proc_state "$W" 2>/dev/null)" != Z ]; do sleep 0.01; done
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" || true
DAEMON_PID=
is_mounted || fail "the dead mount vanished by itself: the test shows nothing"
! ls "$MNT" >/dev/null 2>&1 || fail "a dead mount answered"
unit_command ExecStopPost
"${CMD[@]}"
! is_mounted || fail "ExecStopPost left the dead mount"
start_service
[ -e "$MNT/procs" ] || fail "the restarted daemon serves nothing"
unmount_cgfs
note "ok"
