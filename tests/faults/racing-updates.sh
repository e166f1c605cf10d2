#!/bin/bash
# Two documents written at once to one cgroup (two threads, ROUNDS rounds, racing-updates.c),
# through two daemons mounted on the same hierarchy (the kernel serialises the writes to one FUSE
# file, so one mount would not race): after each round the kernel files hold document A or
# document B, never a mixture of both (the plans of a cgroup are serialised across processes:
# flock on its first directory, docs/architecture.md "The journal").
set -euo pipefail
. "$(dirname "$0")/../integration/fs-common.sh"

[ -n "${RACING_UPDATES:-}" ] && [ -x "$RACING_UPDATES" ] || skip "RACING_UPDATES does not name the helper"
ROUNDS=${ROUNDS:-300}
DOC_A='{"memory": {"limit": 67108864, "swap": 134217728}, "cpu": {"shares": 512, "quota": 50000, "period": 100000}, "pids": {"limit": 100}, "devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 5, "access": "r"}, {"allow": true, "type": "c", "major": 1, "minor": 8, "access": "rw"}]}'
DOC_B='{"memory": {"limit": 100663296, "swap": 201326592}, "cpu": {"shares": 2048, "quota": 150000, "period": 200000}, "pids": {"limit": 200}, "devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 9, "access": "rwm"}, {"allow": true, "type": "c", "major": 5, "minor": 0, "access": "rw"}]}'
C=${PREFIX}race
# The second daemon's mount point, unmounted before fs-common's cleanup (which removes $WORK).
MNT2=$(mktemp -d /tmp/cgfs-test-$$-mnt2.XXXXXX)
DAEMON2=
eval "base_cleanup() $(declare -f cleanup | tail -n +2)"
cleanup() {
  local s=$?
  set +e
  if grep -q " $MNT2 fuse" /proc/self/mounts; then fusermount3 -u "$MNT2" || fusermount3 -uz "$MNT2"; fi
  [ -z "$DAEMON2" ] || wait "$DAEMON2" 2>/dev/null
  rmdir "$MNT2" 2>/dev/null
  (exit "$s")
  base_cleanup
}
# mount_cgfs's daemon, and a second one on $MNT2 with the same options
mount_both() {
  mount_cgfs "$@"
  "$CGFS" -f --state-dir "$STATE_DIR" "$@" "$MNT2" >>"$LOG" 2>&1 {TEST_OUT}>&- {TEST_ERR}>&- &
  DAEMON2=$!
  until grep -q " $MNT2 fuse" /proc/self/mounts; do
    kill -0 "$DAEMON2" 2>/dev/null || { DAEMON2=; fail "the second daemon did not mount"; }
    sleep 0.02
  done
}
if [ -n "$(v1_mounts)" ]; then
  for c in memory cpu pids devices; do
    [ -d /sys/fs/cgroup/$c ] || skip "no v1 $c hierarchy"
  done
  mount_both --hierarchy v1
  FILES=""
  for f in memory/memory.limit_in_bytes memory/memory.memsw.limit_in_bytes cpu/cpu.shares \
    cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us pids/pids.max devices/devices.list; do
    FILES="$FILES /sys/fs/cgroup/${f%%/*}/$C/${f#*/}"
  done
else
  V2=$(v2_mount)
  for c in memory cpu pids; do
    grep -qw $c "$V2/cgroup.controllers" || skip "no v2 $c controller"
  done
  # v2 devices are a BPF program, not a file: left out here (test-devices-v2 covers them)
  DOC_A=$(echo "$DOC_A" | jq -c 'del(.devices)')
  DOC_B=$(echo "$DOC_B" | jq -c 'del(.devices)')
  mount_both --hierarchy v2
  FILES=""
  for f in memory.max memory.swap.max cpu.weight cpu.max pids.max; do FILES="$FILES $V2/$C/$f"; done
fi
mkdir "$MNT/$C"
note "$ROUNDS rounds of two documents written at once"
# shellcheck disable=SC2086 # FILES: one word per file
out=$("$RACING_UPDATES" "$MNT/$C/resources.json" "$MNT2/$C/resources.json" "$ROUNDS" "$DOC_A" "$DOC_B" $FILES 2> "$WORK/race.err") ||
  fail "$(head -30 "$WORK/race.err") $out"
echo "figure: $out"
note "ok"
