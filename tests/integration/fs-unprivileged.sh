#!/bin/bash
# The unprivileged daemon: cgfs run by an ordinary user (created here) on a subtree delegated to
# that user as systemd's Delegate=yes does on v1 (the directory, cgroup.procs and tasks, in every
# hierarchy), mounted by mount.fuse3 with drop_privileges (/dev/fuse is 0600 here: mount.fuse3
# opens it and mounts as root, then runs cgfs as the user on /dev/fd/N). The user's mkdir, limits,
# moves of its own processes, freeze and kill work; what the kernel refuses that user on cgroupfs
# is refused through the mount with the same errno, and changes nothing.
set -eu
. "$(dirname "$0")/fs-common.sh"
command -v useradd >/dev/null && command -v setpriv >/dev/null || skip "no useradd or setpriv"
command -v mount.fuse3 >/dev/null || skip "no mount.fuse3"
[ -n "$(v1_mounts)" ] || skip "needs cgroup v1 (delegation on v2 is tested in the guest)"
[ -x /usr/bin/python3 ] || skip "no /usr/bin/python3"

OWNER=cgfst$$u
UPID= # the daemon, running as $OWNER (not a child of this shell: mount.fuse3 starts it)
USERS=()

end_user() {
  if is_mounted; then fusermount3 -u "$MNT" || fusermount3 -uz "$MNT"; fi
  if [ -n "$UPID" ]; then # it ends once unmounted; a bound for a hung one
    for _ in $(seq 100); do kill -0 "$UPID" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$UPID" 2>/dev/null || true
  fi
  local p u
  for p in "${SPAWNED[@]}"; do kill -KILL "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  for u in "${USERS[@]}"; do userdel "$u" 2>/dev/null || userdel -f "$u" || true; done
}
trap 'st=$?; set +e; end_user; (exit $st); cleanup' EXIT

useradd --system --no-create-home --shell /usr/sbin/nologin "$OWNER" || skip "cannot add a user"
USERS+=("$OWNER")
as_owner() { setpriv --reuid="$OWNER" --regid="$OWNER" --clear-groups "$@"; }

# `write_errno FILE TEXT`: as the owner, write TEXT to FILE; prints the errno name, or OK.
write_errno() {
  as_owner /usr/bin/python3 -c '
import errno, os, sys
try:
    fd = os.open(sys.argv[1], os.O_WRONLY)
    try:
        os.write(fd, sys.argv[2].encode())
    finally:
        os.close(fd)
    print("OK")
except OSError as e:
    print(errno.errorcode[e.errno])' "$1" "$2"
}

# The delegated cgroup, made and handed over by root on cgroupfs.
top=${PREFIX}unpriv
for m in $(v1_mounts); do
  mkdir "$m/$top"
  if [ -e "$m/$top/cpuset.cpus" ]; then # a cpuset cgroup takes no task before it has cpus
    cat "$m/cpuset.cpus" > "$m/$top/cpuset.cpus"
    cat "$m/cpuset.mems" > "$m/$top/cpuset.mems"
  fi
  chown "$OWNER:" "$m/$top" "$m/$top/cgroup.procs" "$m/$top/tasks"
done

note "mount.fuse3 runs cgfs as $OWNER on the delegated cgroup"
piddir=$WORK/run
mkdir "$piddir" && chown "$OWNER" "$piddir" && chmod 0711 "$WORK"
mount.fuse3 "$CGFS#cgfs" "$MNT" \
  -o "root=/$top,pidfile=$piddir/pid,default_permissions,setuid=$OWNER,drop_privileges" \
  >> "$LOG" 2>&1 || fail "mount.fuse3 failed"
is_mounted || fail "not mounted"
until [ -s "$piddir/pid" ]; do sleep 0.02; done
UPID=$(cat "$piddir/pid")
[ "$(stat -c %U "/proc/$UPID")" = "$OWNER" ] || fail "the daemon runs as $(stat -c %U "/proc/$UPID")"
grep -q "^Uid:.*\b0\b" "/proc/$UPID/status" && fail "the daemon kept uid 0: $(grep ^Uid "/proc/$UPID/status")"
grep -q "^CapEff:[[:space:]]*0*$" "/proc/$UPID/status" || fail "the daemon has capabilities"

note "mkdir: the user's cgroup in every hierarchy, the user's own"
as_owner mkdir "$MNT/a" "$MNT/b"
for m in $(v1_mounts); do
  [ "$(stat -c %U "$m/$top/a")" = "$OWNER" ] || fail "$m/$top/a is not the user's"
done
[ "$(stat -c %U "$(v1_dir pids "$top/a")/pids.max")" = "$OWNER" ] || fail "a's limits are not the user's"

note "limits: on the user's cgroup yes; on the delegated one (its limits stay root's) no"
[ "$(write_errno "$MNT/a/resources.json" '{"pids": {"limit": 77}}')" = OK ] ||
  fail "the user cannot set a limit on its own cgroup: $(as_owner cat "$MNT/a/last_error")"
[ "$(cat "$(v1_dir pids "$top/a")/pids.max")" = 77 ] || fail "pids.max of a is not 77"
before=$(cat "$(v1_dir pids "$top")/pids.max")
kernel=$(write_errno "$(v1_dir pids "$top")/pids.max" 50)
mount=$(write_errno "$MNT/resources.json" '{"pids": {"limit": 50}}')
[ "$kernel" = EACCES ] && [ "$mount" = "$kernel" ] ||
  fail "limit on the delegated cgroup: kernel $kernel, through the mount $mount"
[ "$(cat "$(v1_dir pids "$top")/pids.max")" = "$before" ] || fail "the refused limit changed pids.max"

note "moves: the user's own process yes; root's (started by this test) no, as on cgroupfs"
(exec setpriv --reuid="$OWNER" --regid="$OWNER" --clear-groups sleep 1000) &
mine=$! SPAWNED+=("$mine")
spawn_sleep # root's
theirs=$SLEPT
# Both start in the delegated cgroup, as a session systemd put there would (moved by root).
for m in $(v1_mounts); do
  for p in "$mine" "$theirs"; do
    kill -0 "$p" && echo "$p" > "$m/$top/cgroup.procs"
  done
done
[ "$(write_errno "$MNT/a/procs" "$mine")" = OK ] || fail "the user cannot move its own process"
for m in $(v1_mounts); do
  grep -qx "$mine" "$m/$top/a/cgroup.procs" || fail "$mine is not in $m/$top/a"
done
kernel=$(write_errno "$(v1_dir pids "$top/b")/cgroup.procs" "$theirs")
mount=$(write_errno "$MNT/b/procs" "$theirs")
[[ $kernel == EACCES || $kernel == EPERM ]] && [ "$mount" = "$kernel" ] ||
  fail "moving root's process: kernel $kernel, through the mount $mount"
for m in $(v1_mounts); do
  grep -qx "$theirs" "$m/$top/cgroup.procs" || fail "root's $theirs left $m/$top"
done

note "state and kill of the user's own cgroup"
[ "$(write_errno "$MNT/a/state" frozen)" = OK ] || fail "the user cannot freeze its cgroup"
[ "$(cat "$(v1_dir freezer "$top/a")/freezer.state")" = FROZEN ] || fail "a is not FROZEN"
[ "$(write_errno "$MNT/a/state" thawed)" = OK ] || fail "the user cannot thaw its cgroup"
[ "$(cat "$(v1_dir freezer "$top/a")/freezer.state")" = THAWED ] || fail "a is not THAWED"
[ "$(write_errno "$MNT/a/kill" 1)" = OK ] || fail "the user cannot kill its cgroup"
wait "$mine" 2>/dev/null || true
! kill -0 "$mine" 2>/dev/null || fail "the user's process survived kill"
kill -0 "$theirs" || fail "root's process died"

note "rmdir of the user's empty cgroup"
as_owner rmdir "$MNT/a" || fail "the user cannot remove its empty cgroup"
for m in $(v1_mounts); do [ ! -d "$m/$top/a" ] || fail "$m/$top/a is still there"; done

note "ok"
