#!/bin/bash
# Several writers and readers at once, on the same and on different cgroups, through one mount:
# no error, no crash, and the daemon's open fds back where they started, give or take the
# descriptors its cache may keep (--fd-cache, small here so that it fills and drops).
set -euo pipefail
. "$(dirname "$0")/fs-common.sh"

# v1 where the machine has a freezer hierarchy; else a cgroup2 (the vm suite's guest).
V2=$(v2_mount)
if [ -d /sys/fs/cgroup/freezer ]; then H=v1
elif [ -n "$V2" ]; then H=v2
else skip "no v1 freezer hierarchy and no cgroup2"; fi
# The kernel's directory of cgroup $2 for controller $1.
kdir() { if [ $H = v1 ]; then echo "/sys/fs/cgroup/$1/$2"; else echo "$V2/$2"; fi; }
ROUNDS=${ROUNDS:-200}

CACHE=64
mount_cgfs --hierarchy $H --fd-cache $CACHE
A=$PREFIX"a" B=$PREFIX"b" C=$PREFIX"c"
mkdir "$MNT/$A" "$MNT/$B" "$MNT/$C"
spawn_sleep; S1=$SLEPT
spawn_sleep; S2=$SLEPT
spawn_sleep; S3=$SLEPT
echo $S3 > "$MNT/$C/procs"

fd_count() { ls "/proc/$DAEMON_PID/fd" | wc -l; }
# Every node read once first: what the daemon sets up lazily is there before the count.
for n in procs threads events state last_error; do cat "$MNT/$A/$n" >/dev/null; done
base=$(fd_count)

# Each worker is a subshell that fails on the first error.
mover() { # move $1 back and forth between A and B
  for ((i = 0; i < ROUNDS; i++)); do
    echo "$1" > "$MNT/$A/procs"
    echo "$1" > "$MNT/$B/procs"
  done
}
reader() { # read every readable node of $1
  local x n
  for ((i = 0; i < ROUNDS; i++)); do
    # read returns 1 at the end of the file; a file that cannot be opened fails the worker
    for n in events last_error; do
      { read -r -d '' x || true; } < "$MNT/$1/$n"
    done
    for n in procs threads; do
      { read -r -d '' x || true; } < "$MNT/$1/$n"
      [[ $x =~ ^[0-9$'\n']*$ ]] || { echo "$n of $1: '${x:0:40}'"; return 1; }
    done
    { read -r -d '' x || true; } < "$MNT/$1/state"
    [[ $x =~ ^(thawed|freezing|frozen)$ ]] || { echo "state of $1: '$x'"; return 1; }
    { read -r -d '' x || true; } < "$MNT/$1/stats.json"
    [[ $x == "{"* ]] || { echo "stats.json of $1: '${x:0:40}'"; return 1; }
    { read -r -d '' x || true; } < "$MNT/$1/state"
    [[ $x == thawed* || $x == freezing* || $x == frozen* ]] || { echo "state of $1: '$x'"; return 1; }
    x=("$MNT/$1"/*)
  done
}
freezer() { # freeze and thaw C
  for ((i = 0; i < ROUNDS / 4; i++)); do
    echo frozen > "$MNT/$C/state"
    echo thawed > "$MNT/$C/state"
  done
}
churn() { # make and remove children of $1
  for ((i = 0; i < ROUNDS / 2; i++)); do
    mkdir "$MNT/$1/tmp-$BASHPID"
    rmdir "$MNT/$1/tmp-$BASHPID"
  done
}
failer() { # writes that must fail, filling last_error
  for ((i = 0; i < ROUNDS; i++)); do
    if echo "not-a-pid" > "$MNT/$1/procs" 2>/dev/null; then echo "a bad pid was accepted"; return 1; fi
  done
}
jsoner() { # limits written and read back, when resources.json is built
  local x
  [ -e "$MNT/$1/resources.json" ] || return 0
  for ((i = 0; i < ROUNDS / 2; i++)); do
    echo "{\"pids\": {\"limit\": $((100 + i))}}" > "$MNT/$1/resources.json"
    { read -r -d '' x || true; } < "$MNT/$1/resources.json"
  done
}

note "$ROUNDS rounds of movers, readers, a freezer, churn, failing and JSON writers"
workers=()
mover $S1 & workers+=($!)
mover $S2 & workers+=($!)
reader "$A" & workers+=($!)
reader "$B" & workers+=($!)
reader "$C" & workers+=($!)
freezer & workers+=($!)
churn "$A" & workers+=($!)
churn "$A" & workers+=($!)
churn "$C" & workers+=($!)
failer "$A" & workers+=($!)
failer "$B" & workers+=($!)
jsoner "$A" & workers+=($!)
jsoner "$B" & workers+=($!)
failed=0
for w in "${workers[@]}"; do wait "$w" || failed=$((failed + 1)); done
[ $failed = 0 ] || fail "$failed workers failed"

note "the daemon is alive, the kernel agrees, the fds are back"
kill -0 "$DAEMON_PID" || fail "the daemon died"
file_has_line "$(kdir memory "$B")"/cgroup.procs $S1 || fail "$S1 is not in $B"
file_has_line "$(kdir pids "$B")"/cgroup.procs $S2 || fail "$S2 is not in $B"
if [ $H = v1 ]; then
  [ "$(cat /sys/fs/cgroup/freezer/"$C"/freezer.state)" = THAWED ] || fail "$C is left frozen"
else
  grep -qx "frozen 0" "$V2/$C/cgroup.events" || fail "$C is left frozen"
fi
grep -q "invalid pid 'not-a-pid'" "$MNT/$A/last_error" || fail "last_error of $A"
[ -z "$(find "$(kdir cpu "$A")" -mindepth 1 -type d)" ] || fail "children left below $A"
# release() reaches the daemon after close() returns: wait for the last ones.
for ((i = 0; i < 200; i++)); do [ "$(fd_count)" -le $((base + CACHE)) ] && break; sleep 0.05; done
[ "$(fd_count)" -le $((base + CACHE)) ] ||
  fail "the daemon holds $(fd_count) fds, $base before, with at most $CACHE in its cache"

echo 1 > "$MNT/$A/kill"; echo 1 > "$MNT/$B/kill"; echo 1 > "$MNT/$C/kill"
rmdir "$MNT/$A" "$MNT/$B" "$MNT/$C"
unmount_cgfs
note "ok"
