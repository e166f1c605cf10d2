#!/bin/bash
# The cgfs daemon on the cgroup v2 core of this machine (/sys/fs/cgroup/unified, no
# controllers enabled): procs, threads, state, events with poll(), kill, errors.
set -euo pipefail
. "$(dirname "$0")/fs-common.sh"

V2=$(v2_mount)
[ -n "$V2" ] && [ -e "$V2/cgroup.procs" ] || skip "no cgroup2 mount"
[ -n "${FS_POLL:-}" ] && [ -x "$FS_POLL" ] || skip "FS_POLL does not name the fs-poll helper"

mount_cgfs --hierarchy v2
A=$PREFIX"a"

note "mkdir makes the cgroup in the unified hierarchy only"
mkdir "$MNT/$A" "$MNT/$A/child"
[ -d "$V2/$A/child" ] || fail "$V2/$A/child is missing"
[ ! -e /sys/fs/cgroup/memory/"$A" ] || fail "v2 mkdir made a v1 cgroup"
[ "$(stat -c '%s %a' "$MNT/$A/procs")" = "0 644" ] || fail "procs: $(stat -c '%s %a' "$MNT/$A/procs")"
[ "$(stat -c '%a' "$MNT/$A/kill")" = "$(stat -c '%a' "$V2/$A/cgroup.kill")" ] || fail "kill mode"
[ "$(stat -c '%a' "$MNT/$A/events")" = 444 ] || fail "events mode"

note "procs and threads"
spawn_sleep; S1=$SLEPT
echo $S1 > "$MNT/$A/procs"
file_has_line "$V2/$A/cgroup.procs" $S1 || fail "$S1 not in cgroup.procs"
file_has_line "$MNT/$A/procs" $S1 || fail "cat procs lacks $S1"
file_has_line "$MNT/$A/threads" $S1 || fail "cat threads lacks $S1"
bash -c "echo 0 > '$MNT/$A/child/procs'; exec sleep 1000" &
SPAWNED+=($!); S0=$!
until file_has_line "$V2/$A/child/cgroup.procs" $S0; do
  kill -0 $S0 || fail "echo 0 > procs: the writer died"
  sleep 0.02
done

note "events, and poll() waking on a change"
# the first two lines: with controllers (the vm suite's guest) memory.events' keys follow
[ "$(head -n2 "$MNT/$A/events")" = "$(printf 'populated 1\nfrozen 0')" ] || fail "events: $(cat "$MNT/$A/events")"
"$FS_POLL" "$MNT/$A/child/events" "$WORK/ready" > "$WORK/poll" &
POLLER=$!; SPAWNED+=($POLLER)
until [ -e "$WORK/ready" ]; do kill -0 $POLLER || fail "fs-poll ended early"; sleep 0.02; done
echo frozen > "$MNT/$A/child/state"
wait $POLLER || fail "fs-poll: no wake-up"
grep -qx "after:" "$WORK/poll" && sed -n '/after:/,$p' "$WORK/poll" | grep -qx "frozen 1" ||
  fail "poll output: $(cat "$WORK/poll")"
rm -f "$WORK/ready" "$WORK/poll"
echo thawed > "$MNT/$A/child/state"

note "a hot cgroup's procs and events (read through kept descriptors) follow the kernel"
H=$PREFIX"hot"
mkdir "$MNT/$H"
for _ in 1 2 3; do cat "$MNT/$H/procs" "$MNT/$H/events" > /dev/null; done # hot: files kept
no_procs "$MNT/$H/procs" || fail "procs of the empty $H: $(cat "$MNT/$H/procs")"
file_has_line "$MNT/$H/events" "populated 0" || fail "events of the empty $H: $(cat "$MNT/$H/events")"
spawn_sleep; SH=$SLEPT
echo "$SH" > "$V2/$H/cgroup.procs" # moved in outside cgfs
[ "$(cat "$MNT/$H/procs")" = "$SH" ] || fail "procs of $H after a move outside cgfs: $(cat "$MNT/$H/procs")"
file_has_line "$MNT/$H/events" "populated 1" || fail "events of $H after a move: $(cat "$MNT/$H/events")"
kill "$SH"
until no_procs "$V2/$H/cgroup.procs"; do sleep 0.02; done
no_procs "$MNT/$H/procs" || fail "procs of $H after its process ended: $(cat "$MNT/$H/procs")"
file_has_line "$MNT/$H/events" "populated 0" || fail "events of $H after its process ended: $(cat "$MNT/$H/events")"
rmdir "$MNT/$H"

note "a listing kept between reads follows cgroups made and removed outside cgfs"
L=$PREFIX"list"
mkdir "$MNT/$L" "$MNT/$L/a"
for _ in 1 2 3; do ls "$MNT/$L" > /dev/null; done # listed again and again: kept
mkdir "$V2/$L/k"
[ -d "$MNT/$L/k" ] && ls "$MNT/$L" | grep -qx k || fail "ls $L lacks k made outside cgfs: $(ls "$MNT/$L" | tr '\n' ' ')"
rmdir "$V2/$L/k"
! ls "$MNT/$L" | grep -qx k || fail "ls $L still shows k removed outside cgfs"
rmdir "$MNT/$L/a" "$MNT/$L"

note "state"
echo frozen > "$MNT/$A/state"
[ "$(cat "$V2/$A/cgroup.freeze")" = 1 ] || fail "cgroup.freeze after freezing"
grep -qx "frozen 1" "$V2/$A/cgroup.events" || fail "cgroup.events after freezing"
[ "$(cat "$MNT/$A/state")" = frozen ] || fail "state after freezing"
[ "$(cat "$MNT/$A/child/state")" = frozen ] || fail "the child is not frozen with its parent"
expect_error "Device or resource busy" write_to "$MNT/$A/child/state" thawed
grep -q "ancestor cgroup is frozen" "$MNT/$A/child/last_error" || fail "last_error after thawing below a frozen parent"
echo thawed > "$MNT/$A/state"
grep -qx "frozen 0" "$V2/$A/cgroup.events" || fail "cgroup.events after thawing"
[ "$(cat "$MNT/$A/state")" = thawed ] || fail "state after thawing"

note "errors: non-zero exit, the errno's text, last_error, nothing changed"
before=$(cat "$V2/$A/cgroup.procs")
expect_error "Invalid argument" write_to "$MNT/$A/procs" "1 two 3"
grep -q "invalid pid 'two'" "$MNT/$A/last_error" || fail "last_error: $(cat "$MNT/$A/last_error")"
G=$(gone_pid)
expect_error "No such process" write_to "$MNT/$A/procs" "$G"
grep -q "invalid pid $G: no such process" "$MNT/$A/last_error" || fail "last_error: $(cat "$MNT/$A/last_error")"
[ "$(cat "$V2/$A/cgroup.procs")" = "$before" ] || fail "a failed write moved a process"
expect_error "Permission denied" write_to "$MNT/$A/events" x
expect_error "Device or resource busy" rmdir "$MNT/$A/child"
[ -d "$V2/$A/child" ] || fail "a refused rmdir removed the cgroup"
expect_error "Directory not empty" rmdir "$MNT/$A"

if grep -qw memory "$V2/cgroup.subtree_control"; then
  note "SKIPPED resources.json without controllers: $V2 has them (fs-v2-resources.sh tests them)"
else
  note "resources.json without controllers"
  jq -e 'type == "object"' "$MNT/$A/resources.json" >/dev/null || fail "resources.json is not a JSON object"
  expect_error "Operation not supported" write_to "$MNT/$A/resources.json" '{"memory": {"limit": 268435456}}'
  grep -q "memory" "$MNT/$A/last_error" || fail "last_error does not name memory: $(cat "$MNT/$A/last_error")"
  [ ! -e "$V2/$A/memory.max" ] || fail "memory.max appeared"
fi
note "type: a threaded subtree made through cgfs"
T=$PREFIX"thr"
mkdir "$MNT/$T" "$MNT/$T/t1"
[ "$(cat "$MNT/$T/t1/type")" = domain ] || fail "type of a new cgroup: $(cat "$MNT/$T/t1/type")"
expect_error "Invalid argument" write_to "$MNT/$T/t1/type" domain
grep -q "only threaded can be written" "$MNT/$T/t1/last_error" || fail "last_error after type domain"
echo threaded > "$MNT/$T/t1/type"
[ "$(cat "$V2/$T/t1/cgroup.type")" = threaded ] || fail "cgroup.type: $(cat "$V2/$T/t1/cgroup.type")"
[ "$(cat "$V2/$T/cgroup.type")" = "domain threaded" ] || fail "the parent is not a thread root"
[ "$(cat "$MNT/$T/type")" = "domain threaded" ] || fail "type of the thread root"
spawn_sleep; S5=$SLEPT
echo $S5 > "$MNT/$T/procs"
echo $S5 > "$MNT/$T/t1/threads"
file_has_line "$V2/$T/t1/cgroup.threads" $S5 || fail "the thread was not moved into the threaded cgroup"
kill -KILL $S5; wait $S5 2>/dev/null || true
rmdir "$MNT/$T/t1" "$MNT/$T"

note "stats.json"
jq -e 'type == "object"' "$MNT/$A/stats.json" >/dev/null || fail "stats.json is not a JSON object"

note "kill"
echo 1 > "$MNT/$A/kill"
no_procs "$V2/$A/cgroup.procs" "$V2/$A/child/cgroup.procs" || fail "processes left after kill"
grep -qx "populated 0" "$V2/$A/cgroup.events" || fail "cgroup.events after kill"
for p in $S1 $S0; do
  if wait $p; then fail "$p was not killed"; fi
done

note "restart, rmdir, unmount"
unmount_cgfs
mount_cgfs --hierarchy v2
[ -d "$MNT/$A/child" ] || fail "child is gone after a restart"
rmdir "$MNT/$A/child" "$MNT/$A"
[ ! -e "$V2/$A" ] || fail "rmdir left $V2/$A"
unmount_cgfs
note "ok"
