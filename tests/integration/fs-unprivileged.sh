#!/bin/bash
# The unprivileged daemon: cgfs run by an ordinary user (created here) on a subtree delegated to
# that user as systemd's Delegate=yes does on v1 (the directory, cgroup.procs and tasks, in every
# hierarchy), mounted by mount.fuse3 with drop_privileges (/dev/fuse is 0600 here: mount.fuse3
# opens it and mounts as root, then runs cgfs as the user on /dev/fd/N). The user's mkdir, limits,
# moves of its own processes, freeze and kill work; what the kernel refuses that user on cgroupfs
# is refused through the mount with the same errno, and changes nothing.
# On cgroup v1 here; on cgroup v2 in the guest (vm-fs-unprivileged): delegated as systemd does on
# v2 (the directory, cgroup.procs, cgroup.threads, cgroup.subtree_control), the user's limits
# enabling the controller in the delegated cgroup's subtree_control as that user.
set -eu
. "$(dirname "$0")/fs-common.sh"
command -v useradd >/dev/null && command -v setpriv >/dev/null || skip "no useradd or setpriv"
command -v mount.fuse3 >/dev/null || skip "no mount.fuse3"
if [ -n "$(v1_mounts)" ]; then
  VERSION=v1
else
  VERSION=v2
  [ -n "$(v2_mount)" ] || skip "no cgroup v1 or v2 mount"
  for c in pids freezer; do # v2's freezer is cgroup.freeze, in every cgroup but the root
    [ "$c" = freezer ] || grep -qw "$c" "$(v2_mount)/cgroup.subtree_control" || skip "v2 without $c enabled at its root"
  done
fi
# The kernel's directory of the test's cgroup $2 for controller $1 (v1: its hierarchy).
kdir() { if [ "$VERSION" = v1 ]; then v1_dir "$1" "$2"; else echo "$(v2_mount)/$2"; fi; }
kmounts() { if [ "$VERSION" = v1 ]; then v1_mounts; else v2_mount; fi; }
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

useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "$OWNER" || skip "cannot add a user"
USERS+=("$OWNER")
OWNER_UID=$(id -u "$OWNER") OWNER_GID=$(id -g "$OWNER")
as_owner() { setpriv --reuid="$OWNER_UID" --regid="$OWNER_GID" --clear-groups "$@"; }

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
delegated=(cgroup.procs tasks)
[ "$VERSION" = v1 ] || delegated=(cgroup.procs cgroup.threads cgroup.subtree_control)
for m in $(kmounts); do
  mkdir "$m/$top"
  if [ "$VERSION" = v1 ] && [ -e "$m/$top/cpuset.cpus" ]; then # a v1 cpuset cgroup takes no task before it has cpus
    cat "$m/cpuset.cpus" > "$m/$top/cpuset.cpus"
    cat "$m/cpuset.mems" > "$m/$top/cpuset.mems"
  fi
  chown "$OWNER:" "$m/$top"
  for f in "${delegated[@]}"; do chown "$OWNER:" "$m/$top/$f"; done
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
# v2: s, where root puts the processes below (a cgroup that enables controllers holds none).
START=$top
as_owner mkdir "$MNT/a" "$MNT/b"
if [ "$VERSION" = v2 ]; then as_owner mkdir "$MNT/s"; START=$top/s; fi
for m in $(kmounts); do
  [ "$(stat -c %U "$m/$top/a")" = "$OWNER" ] || fail "$m/$top/a is not the user's"
done
# v2: pids.max appears once the user's limit below enables pids (checked there).
[ "$VERSION" = v2 ] || [ "$(stat -c %U "$(kdir pids "$top/a")/pids.max")" = "$OWNER" ] ||
  fail "a's limits are not the user's"

note "limits: on the user's cgroup yes; on the delegated one (its limits stay root's) no"
[ "$(write_errno "$MNT/a/resources.json" '{"pids": {"limit": 77}}')" = OK ] ||
  fail "the user cannot set a limit on its own cgroup: $(as_owner cat "$MNT/a/last_error")"
[ "$(cat "$(kdir pids "$top/a")/pids.max")" = 77 ] || fail "pids.max of a is not 77"
if [ "$VERSION" = v2 ]; then # enabled by the daemon as the user: the new files are the user's
  grep -qw pids "$(v2_mount)/$top/cgroup.subtree_control" || fail "pids is not enabled in $top"
  [ "$(stat -c %U "$(v2_mount)/$top/a/pids.max")" = "$OWNER" ] || fail "a's limits are not the user's"
fi
before=$(cat "$(kdir pids "$top")/pids.max")
kernel=$(write_errno "$(kdir pids "$top")/pids.max" 50)
mount=$(write_errno "$MNT/resources.json" '{"pids": {"limit": 50}}')
[ "$kernel" = EACCES ] && [ "$mount" = "$kernel" ] ||
  fail "limit on the delegated cgroup: kernel $kernel, through the mount $mount"
[ "$(cat "$(kdir pids "$top")/pids.max")" = "$before" ] || fail "the refused limit changed pids.max"

note "moves: the user's own process yes; root's (started by this test) as on cgroupfs (v1: no; v2: yes inside the subtree)"
(exec setpriv --reuid="$OWNER_UID" --regid="$OWNER_GID" --clear-groups sleep 1000) &
mine=$! SPAWNED+=("$mine")
spawn_sleep # root's
theirs=$SLEPT
# Both start in the delegated cgroup, as a session systemd put there would (moved by root).
place() {
  local m
  for m in $(kmounts); do kill -0 "$1" && echo "$1" > "$m/$2/cgroup.procs"; done
}
place "$mine" "$START"
place "$theirs" "$START"
[ "$(write_errno "$MNT/a/procs" "$mine")" = OK ] || fail "the user cannot move its own process"
for m in $(kmounts); do
  grep -qx "$mine" "$m/$top/a/cgroup.procs" || fail "$mine is not in $m/$top/a"
done
# v1: the kernel's uid rule refuses it. v2 has no such rule: inside a delegated subtree the
# owner may move any process already there (the common ancestor's cgroup.procs is the user's).
kernel=$(write_errno "$(kdir pids "$top/b")/cgroup.procs" "$theirs")
[ "$kernel" != OK ] || place "$theirs" "$START" # back where it was, for the attempt through the mount
mount=$(write_errno "$MNT/b/procs" "$theirs")
if [ "$VERSION" = v1 ]; then
  [[ $kernel == EACCES || $kernel == EPERM ]] || fail "moving root's process: the kernel said $kernel"
else
  [ "$kernel" = OK ] || fail "moving root's process within the delegated subtree: the kernel said $kernel"
fi
[ "$mount" = "$kernel" ] || fail "moving root's process: kernel $kernel, through the mount $mount"
expected=$START
[ "$kernel" != OK ] || expected=$top/b
for m in $(kmounts); do
  grep -qx "$theirs" "$m/$expected/cgroup.procs" || fail "root's $theirs is not in $m/$expected"
done
# v2: a process outside the delegated subtree (root's, in the test's own cgroup): the kernel
# refuses the user (EACCES: the common ancestor is the root's); through the mount --root's own
# rule answers first (ENOENT, docs/security.md: the delegated view is closed for pids too).
if [ "$VERSION" = v2 ]; then
  mkdir "$(v2_mount)/${PREFIX}outside"
  place "$theirs" "${PREFIX}outside"
  kernel=$(write_errno "$(kdir pids "$top/b")/cgroup.procs" "$theirs")
  mount=$(write_errno "$MNT/b/procs" "$theirs")
  [ "$kernel" = EACCES ] && [ "$mount" = ENOENT ] ||
    fail "moving root's process from outside the delegated subtree: kernel $kernel (wanted EACCES), through the mount $mount (wanted ENOENT)"
  grep -qx "$theirs" "$(v2_mount)/${PREFIX}outside/cgroup.procs" || fail "root's $theirs left ${PREFIX}outside"
fi

note "state and kill of the user's own cgroup"
kstate() {
  if [ "$VERSION" = v1 ]; then cat "$(v1_dir freezer "$top/a")/freezer.state"
  elif grep -qx "frozen 1" "$(v2_mount)/$top/a/cgroup.events"; then echo FROZEN
  else echo THAWED; fi
}
[ "$(write_errno "$MNT/a/state" frozen)" = OK ] || fail "the user cannot freeze its cgroup"
[ "$(kstate)" = FROZEN ] || fail "a is not FROZEN"
[ "$(write_errno "$MNT/a/state" thawed)" = OK ] || fail "the user cannot thaw its cgroup"
[ "$(kstate)" = THAWED ] || fail "a is not THAWED"
[ "$(write_errno "$MNT/a/kill" 1)" = OK ] || fail "the user cannot kill its cgroup"
wait "$mine" 2>/dev/null || true
! kill -0 "$mine" 2>/dev/null || fail "the user's process survived kill"
kill -0 "$theirs" || fail "root's process died"

note "rmdir of the user's empty cgroup"
as_owner rmdir "$MNT/a" || fail "the user cannot remove its empty cgroup"
for m in $(kmounts); do [ ! -d "$m/$top/a" ] || fail "$m/$top/a is still there"; done

note "ok"
