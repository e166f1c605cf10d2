#!/bin/bash
# Cgroup namespaces: a caller in a cgroup namespace reaches through the mount only its
# namespace's root and what is below it (docs/security.md, "Cgroup namespaces"). Each attempt is
# made from inside the namespace twice — through the mount (a root daemon, -o allow_other) and
# on the kernel's cgroupfs with the same credentials — as root (`unshare -C -m`) and as an
# unprivileged user (`unshare -U -r -C -m`, its shell first moved into a cgroup delegated to it).
#
# The kernel's answer: for what a namespace sees, cgroupfs mounted inside it (its root is the
# namespace's root: nothing outside has a name); for migrations, the kernel's own rule on
# cgroup2 with nsdelegate (source and destination at or below the writer's namespace root, or
# ENOENT), tried on the machine's cgroupfs. v1 has no such rule: cgfs applies v2's (the rows say).
#
# SEC_HIERARCHY=v1 (default; the memory hierarchy is the kernel's side) or v2. A cgroup namespace
# alone does not renumber pids: every pid written is one of this test's processes ($$ of a shell
# it started, or its sleep), so this runs on the host too.
set -euo pipefail
. "$(dirname "$0")/../integration/fs-common.sh"

VERSION=${SEC_HIERARCHY:-v1}
[ -n "${SEC_TRY:-}" ] && [ -x "$SEC_TRY" ] || skip "SEC_TRY does not name the sec-try helper"
command -v setpriv >/dev/null && command -v unshare >/dev/null || skip "no setpriv or unshare"
[ -e /proc/self/ns/cgroup ] || skip "no cgroup namespaces"
if [ "$VERSION" = v1 ]; then
  [ -d /sys/fs/cgroup/memory ] || skip "no v1 memory hierarchy"
  KROOT=/sys/fs/cgroup/memory
else
  KROOT=$(v2_mount)
  [ -n "$KROOT" ] && [ -e "$KROOT/cgroup.procs" ] || skip "no cgroup2 mount"
  grep -q " $KROOT cgroup2 .*nsdelegate" /proc/self/mounts || skip "cgroup2 without nsdelegate"
fi

USERS_MADE=()
ns_cleanup() {
  local status=$? u
  set +e
  for u in "${USERS_MADE[@]}"; do userdel "$u" >/dev/null 2>&1; done
  (exit "$status")
  cleanup
}
trap ns_cleanup EXIT
if command -v useradd >/dev/null && useradd --system --no-create-home --user-group \
     --shell /usr/sbin/nologin "cgfs-tn-$$" >/dev/null 2>&1; then
  USERS_MADE+=("cgfs-tn-$$")
  UA=$(id -u "cgfs-tn-$$") GA=$(id -g "cgfs-tn-$$")
else # the guest has no writable /etc/passwd: numeric ids are users to the kernel too
  UA=40003 GA=40003
fi
AS_A=(setpriv --reuid="$UA" --regid="$GA" --clear-groups --)

install -m 755 "$SEC_TRY" "$WORK/sec-try"
chmod 711 "$WORK"
chmod 755 "$MNT"
TRY=$WORK/sec-try

mount_cgfs --hierarchy "$VERSION" -o allow_other

# What one caller tries from inside its namespace, each attempt twice: "label|cgfs|kernel" lines.
# $K2 is cgroupfs mounted inside the namespace (its root is the namespace's root, D/a); $KD the
# machine's cgroupfs directory of D, still visible in the namespace's copy of the mounts.
cat > "$WORK/inside.sh" <<'INSIDE'
set -u
MNT=$1 D=$2 TRY=$3 VERSION=$4 KD=$5 S=$6 K2=$7
me=$$
if [ "$VERSION" = v2 ]; then
  mount -t cgroup2 none "$K2" 2>/dev/null || K2=
  LIMIT=pids.max STAT=cgroup.stat FREEZE="cgroup.freeze 1" KILL=cgroup.kill LINE=0:
else
  mount -t cgroup -o memory none "$K2" 2>/dev/null || K2=
  LIMIT=memory.limit_in_bytes STAT=memory.stat FREEZE="freezer.state FROZEN" KILL= LINE=memory
fi
k() { if [ -n "$K2" ]; then "$TRY" "$@"; else echo -; fi; } # the kernel's side, if it mounted
row() { echo "$1|$2|$3"; }

row "moves its own process within its namespace" \
  "$("$TRY" write "$MNT/$D/a/x/procs" "$me")" "$(k write "$K2/cgroup.procs" "$me")"
# to a cgroup outside: the kernel's side on the machine's cgroupfs (nsdelegate's rule)
m=$("$TRY" write "$MNT/$D/b/procs" "$me")
kk=$("$TRY" write "$KD/b/cgroup.procs" "$me")
[ "$kk" = ok ] && "$TRY" write "$KD/a/cgroup.procs" "$me" >/dev/null # v1: back in
row "moves its own process to a cgroup outside its namespace" "$m" "$kk"
m=$("$TRY" write "$MNT/$D/a/procs" "$S")
kk=$(k write "$K2/cgroup.procs" "$S")
[ "$kk" = ok ] && "$TRY" write "$KD/b/cgroup.procs" "$S" >/dev/null # v1: back out
row "moves a process from outside its namespace into it" "$m" "$kk"
row "reads a limit outside" "$("$TRY" read "$MNT/$D/b/resources.json")" "$(k read "$K2/b/$LIMIT")"
row "writes a limit outside" "$("$TRY" write "$MNT/$D/b/resources.json" '{"pids":{"limit":7}}')" \
  "$(k write "$K2/b/$LIMIT" 7)"
row "reads stats outside" "$("$TRY" read "$MNT/$D/b/stats.json")" "$(k read "$K2/b/$STAT")"
row "mkdir outside" "$("$TRY" mkdir "$MNT/$D/b/n")" "$(k mkdir "$K2/b/n")"
set -- $FREEZE
row "freezes a cgroup outside" "$("$TRY" write "$MNT/$D/b/state" frozen)" "$(k write "$K2/b/$1" "$2")"
# v1 has no kill file: the kernel's side reads the procs file the node mirrors (never writes it)
row "kills a cgroup outside" "$("$TRY" write "$MNT/$D/b/kill" 1)" \
  "$(if [ -n "$KILL" ]; then k write "$K2/b/$KILL" 1; else k read "$K2/b/cgroup.procs"; fi)"
# nothing is above the root of cgroupfs mounted in the namespace: no kernel side
row "reads metrics above its root" "$("$TRY" read "$MNT/$D/metrics.prom")" -
row "reads events above its root" "$("$TRY" read "$MNT/$D/events")" -
row "removes its namespace's root" "$("$TRY" rmdir "$MNT/$D/a")" "$(k rmdir "$K2")"
# cgroup2 with nsdelegate: the root's own control files, but procs and threads, are not writable
# from inside (v1 has no such rule)
if [ "$VERSION" = v2 ]; then
  row "writes a limit of its namespace's root" \
    "$("$TRY" write "$MNT/$D/a/resources.json" '{"pids":{"limit":9}}')" "$(k write "$K2/pids.max" 9)"
  # (the shell is in it: both sides must refuse before freezing or killing anything)
  row "freezes its namespace's root" "$("$TRY" write "$MNT/$D/a/state" frozen)" \
    "$(k write "$K2/cgroup.freeze" 1)"
  row "kills its namespace's root" "$("$TRY" write "$MNT/$D/a/kill" 1)" "$(k write "$K2/cgroup.kill" 1)"
else
  row "writes a limit of its namespace's root" \
    "$("$TRY" write "$MNT/$D/a/resources.json" '{"memory":{"limit":1073741824}}')" \
    "$(k write "$K2/memory.limit_in_bytes" 1073741824)"
fi
row "mkdir inside" "$("$TRY" mkdir "$MNT/$D/a/y")" "$(k mkdir "$K2/z")"
row "reads stats of its namespace's root" "$("$TRY" read "$MNT/$D/a/stats.json")" "$(k read "$K2/$STAT")"
# self: the mount's link to the caller's own cgroup; the kernel's: /proc/self/cgroup in the ns
rel=$(grep "^[0-9]*:$LINE:" /proc/self/cgroup | cut -d: -f3)
row "self leads to its own cgroup" \
  "$(grep -qx "$me" "$MNT/self/procs" && echo ok || echo "not-there")" \
  "$(if [ -n "$K2" ]; then grep -qx "$me" "$K2$rel/cgroup.procs" && echo ok || echo not-there; else echo -; fi)"
row "lists the directory above its root" "$(ls "$MNT/$D" | tr '\n' ' ')" -
row "lists the mount's root" "$(ls "$MNT" | tr '\n' ' ')" -
row "mounts cgroupfs in the namespace" - "$([ -n "$K2" ] && echo ok || echo failed)"
[ -n "$K2" ] && umount "$K2"
exit 0
INSIDE

ROWS=0
# expect WHO LABEL WANT_CGFS WANT_KERNEL: against the rows in $OUT
expect() {
  local line cg k
  line=$(grep -F "$2|" <<<"$OUT" | head -1) || fail "$1: no row '$2': $OUT"
  IFS='|' read -r _ cg k <<<"$line"
  echo "| $1: $2 | $k | $cg |"
  ROWS=$((ROWS + 1))
  [ "$cg" = "$3" ] || fail "$1: $2: through the mount '$cg', wanted '$3'"
  [ "$k" = "$4" ] || [ "$k" = - ] || fail "$1: $2: on cgroupfs '$k', wanted '$4'"
}
# v1 has no cgroup namespace rule for migrations: cgfs applies v2's
v1_or() { if [ "$VERSION" = v1 ]; then echo "$1"; else echo "$2"; fi; }

run_inside() { # run_inside AS... : a shell moved into D/a (through the mount), then the namespace
  # where the caller mounts cgroupfs: its own directory (rmdir of the mount point: EBUSY)
  local k2
  k2=$(mktemp -d "$WORK/k2.XXXXXX")/k
  mkdir "$k2"
  chown "$K2_OWNER" "$(dirname "$k2")" "$k2"
  # root's shell moves itself in (0: the writer), then becomes the caller (same pid)
  sh -c 'echo 0 > "$1" && shift && exec "$@"' - "$MNT/$D/a/procs" "$@" \
    "${NS[@]}" bash "$WORK/inside.sh" "$MNT" "$D" "$TRY" "$VERSION" "$KD" "$S" "$k2"
}

check_rows() { # WHO, with the rows in $OUT
  local who=$1
  expect "$who" "moves its own process within its namespace" ok ok
  expect "$who" "moves its own process to a cgroup outside its namespace" ENOENT "$(v1_or ok ENOENT)"
  expect "$who" "reads a limit outside" ENOENT ENOENT
  expect "$who" "writes a limit outside" ENOENT ENOENT
  expect "$who" "reads stats outside" ENOENT ENOENT
  expect "$who" "mkdir outside" ENOENT ENOENT
  expect "$who" "freezes a cgroup outside" ENOENT ENOENT
  expect "$who" "kills a cgroup outside" ENOENT ENOENT
  expect "$who" "reads metrics above its root" ENOENT -
  expect "$who" "reads events above its root" ENOENT -
  expect "$who" "removes its namespace's root" EBUSY EBUSY
  expect "$who" "writes a limit of its namespace's root" "$(v1_or ok EPERM)" "$(v1_or ok EPERM)"
  if [ "$VERSION" = v2 ]; then
    expect "$who" "freezes its namespace's root" EPERM EPERM
    expect "$who" "kills its namespace's root" EPERM EPERM
  fi
  expect "$who" "mkdir inside" ok ok
  expect "$who" "reads stats of its namespace's root" ok ok
  expect "$who" "self leads to its own cgroup" ok ok
  expect "$who" "lists the directory above its root" "a " -
  expect "$who" "lists the mount's root" "$(basename "$D") self " -
}

echo "| $VERSION attempt from inside a cgroup namespace | kernel | cgfs |"
echo "|---|---|---|"

# ---- root in a cgroup namespace ----
D=${PREFIX}ns
KD=$KROOT/$D
mkdir "$MNT/$D"
[ "$VERSION" = v1 ] || echo +pids > "$KD/cgroup.subtree_control" # pids.max in a
mkdir "$MNT/$D/a" "$MNT/$D/b" "$MNT/$D/a/x"
spawn_sleep; S=$SLEPT
echo "$S" > "$MNT/$D/b/procs" # root's process outside the namespace
NS=(unshare --cgroup --mount) K2_OWNER=0
OUT=$(run_inside) || fail "root's namespace shell failed: $OUT"
expect root "mounts cgroupfs in the namespace" - ok
check_rows root
# the source outside: the kernel refuses on v2; v1 has no rule (the row moved it and back)
expect root "moves a process from outside its namespace into it" ENOENT "$(v1_or ok ENOENT)"
grep -qx "$S" "$KD/b/cgroup.procs" || fail "root's process outside the namespace moved"
LIMIT_FILE=$(v1_or memory.limit_in_bytes pids.max)
[ "$(cat "$KD/b/$LIMIT_FILE")" != 7 ] || fail "a limit outside the namespace changed"
[ ! -e "$KD/b/n" ] || fail "a cgroup was made outside the namespace"
[ -d "$KD/a/y" ] || fail "mkdir inside made nothing"
[ "$(ls "$MNT/$D" | grep -cx -e a -e b -e procs)" = 3 ] || fail "outside the namespace, $D lists '$(ls "$MNT/$D")'"

# ---- a user in user and cgroup namespaces, in a cgroup delegated to it ----
if ! "${AS_A[@]}" unshare --user --map-root-user --cgroup --mount true 2>/dev/null; then
  note "skipped the user's rows: the user cannot make user namespaces here"
else
  D=${PREFIX}nsu
  KD=$KROOT/$D
  mkdir "$MNT/$D"
  [ "$VERSION" = v1 ] || echo +pids > "$KD/cgroup.subtree_control"
  chown "$UA:$GA" "$MNT/$D" # delegation (docs/security.md)
  "${AS_A[@]}" mkdir "$MNT/$D/a" "$MNT/$D/b" "$MNT/$D/a/x"
  echo "$S" > "$MNT/$D/b/procs"
  NS=(unshare --user --map-root-user --cgroup --mount) K2_OWNER=$UA
  OUT=$(run_inside "${AS_A[@]}") || fail "the user's namespace shell failed: $OUT"
  grep -qF "mounts cgroupfs in the namespace|-|ok" <<<"$OUT" ||
    note "the user cannot mount cgroupfs in its namespace here: the user's rows compare with the mount only"
  check_rows user
  # v2: the common ancestor (D, the user's) may be written, then nsdelegate's ENOENT; v1: the
  # kernel's uid rule refuses root's process (EACCES), cgfs's namespace rule first
  expect user "moves a process from outside its namespace into it" ENOENT "$(v1_or EACCES ENOENT)"
  grep -qx "$S" "$KD/b/cgroup.procs" || fail "root's process outside the user's namespace moved"
fi

note "ok: $ROWS attempts"
