#!/bin/bash
# Starting the daemon as users do: every option form (--NAME=VALUE, --NAME VALUE, -o NAME=VALUE),
# --help, --debug in the foreground, a pid file, logging without syslog, and mount(8): the
# mount.fuse3 helper (`TYPE#SOURCE`), `mount -t fuse.cgfs` and an fstab line.
set -euo pipefail
. "$(dirname "$0")/fs-common.sh"

command -v mount >/dev/null && command -v umount >/dev/null || skip "no mount/umount"
[ -x /sbin/mount.fuse3 ] || [ -x /usr/sbin/mount.fuse3 ] || skip "no mount.fuse3 (package fuse3)"

if [ -n "$(v1_mounts)" ]; then
  HIER=v1
  HIER_DIRS=$(v1_mounts)
else
  HIER=v2
  HIER_DIRS=$(v2_mount)
fi
ROOT=$PREFIX"root"
for m in $HIER_DIRS; do mkdir "$m/$ROOT"; done
FIRST_DIR=$(echo "$HIER_DIRS" | head -n 1)
PIDFILE=$WORK/cgfs.pid

# The mount shows $ROOT: a cgroup made through it is made below $ROOT in the kernel.
check_root_is_shown() {
  [ -e "$MNT/procs" ] || fail "$* : no procs at the mount's root"
  mkdir "$MNT/sub"
  for m in $HIER_DIRS; do
    [ -d "$m/$ROOT/sub" ] || fail "$* : mkdir sub did not make $m/$ROOT/sub"
  done
  rmdir "$MNT/sub"
  [ ! -e "$FIRST_DIR/$ROOT/sub" ] || fail "$* : rmdir sub left $FIRST_DIR/$ROOT/sub"
}

# Wait (with a deadline) until the process $1 has ended.
wait_gone() {
  local i
  for ((i = 0; i < 3000; i++)); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.02
  done
  fail "process $1 did not end"
}

note "--help lists each option once, cgfs's own included, and no FUSE caching options"
help=$("$CGFS" --help)
for opt in -h, --help -V, --version --root=PATH --hierarchy= --pidfile=FILE allow_other; do
  [ "$(grep -c -- "$opt" <<<"$help")" = 1 ] || fail "--help shows '$opt' $(grep -c -- "$opt" <<<"$help") times"
done
for opt in kernel_cache use_ino hard_remove entry_timeout; do
  ! grep -q -- "$opt" <<<"$help" || fail "--help offers $opt, which cgfs sets itself"
done
"$CGFS" -V | grep -q "cgfs version" || fail "-V"

note "--root=PATH --hierarchy=X"
mount_cgfs --root=/"$ROOT" --hierarchy="$HIER"
check_root_is_shown --root=
unmount_cgfs

note "--root PATH --hierarchy X"
mount_cgfs --root /"$ROOT" --hierarchy "$HIER"
check_root_is_shown "--root "
unmount_cgfs

note "-o root=PATH,hierarchy=X"
mount_cgfs -o root=/"$ROOT",hierarchy="$HIER"
check_root_is_shown "-o root="
unmount_cgfs

note "a missing value is an error that names the option"
expect_error "--root needs a value" "$CGFS" -f --state-dir "$STATE_DIR" "$MNT" --root

note "--debug stays in the foreground and its trace reaches stderr"
"$CGFS" --debug --state-dir "$STATE_DIR" --root=/"$ROOT" --hierarchy="$HIER" "$MNT" >>"$LOG" 2>&1 {TEST_OUT}>&- {TEST_ERR}>&- &
DAEMON_PID=$!
until is_mounted; do
  kill -0 "$DAEMON_PID" 2>/dev/null || { DAEMON_PID=; fail "cgfs --debug did not mount"; }
  sleep 0.02
done
ls "$MNT" >/dev/null
grep -q "unique:" "$LOG" || fail "no FUSE request trace from --debug on stderr"
unmount_cgfs # the process started is the one that served, and it ended with status 0

note "detached with a pid file (a relative path: to where cgfs started), there when cgfs returns"
note "without syslog the messages go to the stderr it started with"
: >"$LOG"
# The pid file is read at once: a service manager reads it as soon as the command returns.
(cd "$(dirname "$PIDFILE")" && exec "$CGFS" --pidfile="$(basename "$PIDFILE")" \
  --state-dir="$STATE_DIR" --root=/"$ROOT" --hierarchy="$HIER" "$MNT" 2>>"$LOG" \
  {TEST_OUT}>&- {TEST_ERR}>&-) || fail "cgfs did not start detached"
is_mounted || fail "not mounted once cgfs returned"
pid=$(cat "$PIDFILE") || fail "no pid file when cgfs returned"
[ "$(readlink "/proc/$pid/exe")" = "$(readlink -f "$CGFS")" ] || fail "pid file: $pid is not cgfs"
check_root_is_shown detached
if [ -S /dev/log ]; then
  note "(this machine has /dev/log: the stderr fallback is not checked)"
else
  grep -q "serving /$ROOT" "$LOG" || fail "no 'serving' message on stderr without /dev/log"
fi
fusermount3 -u "$MNT"
wait_gone "$pid"
[ ! -e "$PIDFILE" ] || fail "pid file left after the daemon ended"

note "mount(8) through mount.fuse3: -t fuse 'CGFS#cgfs', the device argument first"
mount -t fuse "$CGFS#cgfs" "$MNT" -o root=/"$ROOT",hierarchy="$HIER",pidfile="$PIDFILE",state-dir="$STATE_DIR" \
  2>>"$LOG" {TEST_OUT}>&- {TEST_ERR}>&-
line=$(grep " $MNT " /proc/self/mounts) || fail "mount -t fuse did not mount"
[[ $line == "cgfs $MNT fuse.cgfs "* ]] || fail "mounts shows '$line'"
check_root_is_shown "mount -t fuse"
pid=$(cat "$PIDFILE")
umount "$MNT"
wait_gone "$pid"

note "an fstab line and mount -t fuse.cgfs, with cgfs in mount's default PATH"
# mount(8) runs helpers without the caller's PATH: mount.fuse3 finds `cgfs` in /usr/local/bin
# and the like, where `meson install` puts it. The test shows its build there in a private
# mount namespace, and mounts (and unmounts) inside it.
command -v unshare >/dev/null || skip "no unshare"
mkdir "$WORK/bin"
ln -s "$(readlink -f "$CGFS")" "$WORK/bin/cgfs"
echo "cgfs $MNT fuse.cgfs root=/$ROOT,hierarchy=$HIER,allow_other,pidfile=$PIDFILE,state-dir=$STATE_DIR 0 0" >"$WORK/fstab"
export MNT WORK ROOT HIER PIDFILE FIRST_DIR STATE_DIR
unshare -m --propagation private bash -euo pipefail -c '
  stop() { # in every outcome: nothing stays mounted, no daemon stays in this namespace
    if grep -q " $MNT fuse" /proc/self/mounts; then umount "$MNT" || umount -l "$MNT"; fi
  }
  trap stop EXIT
  mount --bind "$WORK/bin" /usr/local/bin
  for how in fstab type; do
    if [ $how = fstab ]; then
      mount -T "$WORK/fstab" "$MNT"
    else
      mount -t fuse.cgfs cgfs "$MNT" -o root=/"$ROOT",hierarchy="$HIER",pidfile="$PIDFILE",state-dir="$STATE_DIR"
    fi
    line=$(grep " $MNT " /proc/self/mounts) || { echo "FAIL: $how: not mounted"; exit 1; }
    [[ $line == "cgfs $MNT fuse.cgfs "* ]] || { echo "FAIL: $how: mounts shows $line"; exit 1; }
    if [ $how = fstab ]; then
      [[ $line == *allow_other* ]] || { echo "FAIL: fstab: allow_other not applied"; exit 1; }
    fi
    mkdir "$MNT/sub"
    [ -d "$FIRST_DIR/$ROOT/sub" ] || { echo "FAIL: $how: mkdir did not reach the kernel"; exit 1; }
    rmdir "$MNT/sub"
    pid=$(cat "$PIDFILE")
    umount "$MNT"
    for ((i = 0; i < 3000; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
    ! kill -0 "$pid" 2>/dev/null || { echo "FAIL: $how: cgfs $pid did not end"; exit 1; }
  done
' 2>>"$LOG" || fail "mount -t fuse.cgfs / fstab (inner test failed, see above)"
note "ok"
