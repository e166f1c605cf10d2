#!/bin/bash
# Pid namespaces, cgroup v2: a pid written to procs is read in the writer's pid namespace, and
# procs is shown in the reader's — compared with what the kernel's cgroup.procs does for the same
# process, as root in a new pid namespace and as a user in new user and pid namespaces.
#
# SAFETY: these attempts write numbers like 1 from inside a pid namespace, which on a real machine
# could name its pid 1. This test runs ONLY inside the vm suite's QEMU guest (it checks).
set -euo pipefail
[ -f /run/vm/job ] && [ -d /.vm ] || { echo "skipped: runs only in the QEMU guest" >&2; exit 77; }
. "$(dirname "$0")/../integration/fs-common.sh"

[ -n "${SEC_TRY:-}" ] && [ -x "$SEC_TRY" ] || skip "SEC_TRY does not name the sec-try helper"
command -v unshare >/dev/null && command -v setpriv >/dev/null || skip "no unshare or setpriv"
K=$(v2_mount)
[ -n "$K" ] && [ -e "$K/cgroup.procs" ] || skip "no cgroup2 mount"
install -m 755 "$SEC_TRY" "$WORK/sec-try"
chmod 711 "$WORK"
chmod 755 "$MNT"
TRY=$WORK/sec-try
UA=40001 GA=40001 # a user to the kernel; the guest needs no passwd entry
AS_A=(setpriv --reuid="$UA" --regid="$GA" --clear-groups --)

D=${PREFIX}ns
mkdir "$K/$D" "$K/$D/a" "$K/$D/b" "$K/$D/host"
chown "$UA:$GA" "$K/$D" "$K/$D/cgroup.procs" "$K/$D/cgroup.threads" "$K/$D/cgroup.subtree_control"
chown -R "$UA:$GA" "$K/$D/a" "$K/$D/b"
mount_cgfs --hierarchy v2 -o allow_other

spawn_sleep; S=$SLEPT
echo "$S" > "$K/$D/host/cgroup.procs" # a process of the guest's own namespace

# Inside a new pid namespace (and mount namespace with its own /proc) run the script $1 with
# MNT, K, D, TRY, S set; its stdout is the result. The shell is pid 1 there.
in_pidns() {
  local script=$1; shift
  "$@" unshare --pid --fork --mount-proc /bin/sh -c "$script" - "$MNT" "$K" "$D" "$TRY" "$S"
}
ROWS=0
row() { echo "| $1 | $3 | $2 |"; ROWS=$((ROWS + 1)); [ "$2" = "$3" ] || fail "$1: cgfs '$2', kernel '$3'"; }

note "root in a pid namespace"
# pid 1 there is the shell itself: it moves into a (through cgfs), then b (the kernel's file)
out=$(in_pidns '
  m=$("$4" write "$1/$3/a/procs" 1); ma=$(grep -cx 1 "$2/$3/a/cgroup.procs")
  k=$("$4" write "$2/$3/b/cgroup.procs" 1); kb=$(grep -cx 1 "$2/$3/b/cgroup.procs")
  echo "$m $ma $k $kb"')
read -r m ma k kb <<<"$out"
row "root in a pid ns writes 1 (itself)" "$m" "$k"
[ "$ma" = 1 ] && [ "$kb" = 1 ] || fail "the ns's pid 1 did not move where it was written: $out"
! grep -qx 1 "$K/$D/a/cgroup.procs" && ! grep -qx 1 "$K/$D/b/cgroup.procs" || fail "the guest's pid 1 moved"

out=$(in_pidns '"$4" write "$1/$3/a/procs" "$5"; "$4" write "$2/$3/a/cgroup.procs" "$5"')
row "root in a pid ns writes a pid only the host has" "$(echo "$out" | sed -n 1p)" "$(echo "$out" | sed -n 2p)"
[ "$(echo "$out" | sed -n 1p)" = ESRCH ] || fail "not ESRCH: $out"
grep -qx "$S" "$K/$D/host/cgroup.procs" || fail "the host's process moved"

out=$(in_pidns '
  sleep 1000 & p=$!
  echo $p > "$2/$3/host/cgroup.procs"
  m=$(sort -n "$1/$3/host/procs" | tr "\n" " "); k=$(sort -n "$2/$3/host/cgroup.procs" | tr "\n" " ")
  kill $p; echo "$m|$k|$p"')
IFS='|' read -r m k p <<<"$out"
row "root in a pid ns reads procs holding a host process and its own" "$m" "$k"
# v2 shows a process the reader cannot see as 0 (v1 leaves it out)
[ "$m" = "0 $p " ] || fail "procs in the ns: '$m', wanted '0 $p'"

note "a user in user and pid namespaces"
if ! "${AS_A[@]}" unshare --user --map-root-user --pid --fork --mount-proc true 2>/dev/null; then
  note "skipped: the user cannot make user namespaces here"
else
  # the user's shell starts in the user's cgroup (root puts it there), as a delegated user's does
  out=$(sh -c 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"' - "$K/$D" \
    "${AS_A[@]}" unshare --user --map-root-user --pid --fork --mount-proc /bin/sh -c '
      m=$("$4" write "$1/$3/a/procs" 1); ma=$(grep -cx 1 "$2/$3/a/cgroup.procs")
      k=$("$4" write "$2/$3/b/cgroup.procs" 1); kb=$(grep -cx 1 "$2/$3/b/cgroup.procs")
      h=$("$4" write "$1/$3/a/procs" "$5"); hk=$("$4" write "$2/$3/a/cgroup.procs" "$5")
      echo "$m $ma $k $kb $h $hk"' - "$MNT" "$K" "$D" "$TRY" "$S")
  read -r m ma k kb h hk <<<"$out"
  row "a user in user+pid ns writes 1 (itself)" "$m" "$k"
  [ "$ma" = 1 ] && [ "$kb" = 1 ] || fail "the user's pid 1 did not move where it was written: $out"
  row "a user in user+pid ns writes a pid only the host has" "$h" "$hk"
  grep -qx "$S" "$K/$D/host/cgroup.procs" || fail "the host's process moved"
fi
note "ok: $ROWS attempts"
