#!/bin/bash
# Hostile callers: every attempt is made twice by a real unprivileged user — through the mount
# (a root daemon with -o allow_other) and directly on cgroupfs with the same credentials — and
# both outcomes (ok, or the errno's name) must be the one expected, the same for both unless the
# row says why not (docs/security.md); where both refuse, nothing changed in the kernel.
# SEC_HIERARCHY=v1 (default) or v2. Rows are printed as a Markdown table (also to $SEC_TABLE).
#
# Every pid written is one of a process this test started (checked right before writing); this
# test writes no pid from inside another pid namespace (those run only in the QEMU guest).
set -euo pipefail
. "$(dirname "$0")/../integration/fs-common.sh"

VERSION=${SEC_HIERARCHY:-v1}
[ -n "${SEC_TRY:-}" ] && [ -x "$SEC_TRY" ] || skip "SEC_TRY does not name the sec-try helper"
command -v setpriv >/dev/null || skip "no setpriv"
if [ "$VERSION" = v1 ]; then
  [ -d /sys/fs/cgroup/cpu ] && [ -d /sys/fs/cgroup/memory ] && [ -d /sys/fs/cgroup/freezer ] ||
    skip "no v1 cpu, memory and freezer hierarchies"
  KROOT=/sys/fs/cgroup/cpu   # the kernel side of an attempt on procs/threads: the cpu hierarchy
  MOUNTS=$(v1_mounts)
  K_PROCS=cgroup.procs K_THREADS=tasks K_STATE=/sys/fs/cgroup/freezer
else
  KROOT=$(v2_mount)
  [ -n "$KROOT" ] && [ -e "$KROOT/cgroup.procs" ] || skip "no cgroup2 mount"
  MOUNTS=$KROOT
  K_PROCS=cgroup.procs K_THREADS=cgroup.threads K_STATE=$KROOT
fi

# ---- the users: made here, removed in every outcome ----
USERS_MADE=()
make_user() { # make_user NAME FALLBACK_UID: sets MADE_UID and MADE_GID
  if command -v useradd >/dev/null && useradd --system --no-create-home --user-group \
       --shell /usr/sbin/nologin "$1" >/dev/null 2>&1; then
    USERS_MADE+=("$1")
    MADE_UID=$(id -u "$1") MADE_GID=$(id -g "$1")
  else # the guest has no writable /etc/passwd: numeric ids are users to the kernel too
    MADE_UID=$2 MADE_GID=$2
  fi
}
sec_cleanup() {
  local status=$? p u
  set +e
  thaw_own_cgroups
  local ours=" $(jobs -p | tr '\n' ' ') "
  for p in "${SPAWNED[@]}"; do [[ $ours == *" $p "* ]] && kill -KILL "$p" 2>/dev/null; done
  for p in "${SPAWNED[@]}"; do [[ $ours == *" $p "* ]] && wait "$p" 2>/dev/null; done
  for u in "${USERS_MADE[@]}"; do userdel "$u" >/dev/null 2>&1; done
  (exit "$status")
  cleanup
}
trap sec_cleanup EXIT

make_user "cgfs-ta-$$" 40001; UA=$MADE_UID GA=$MADE_GID
make_user "cgfs-tb-$$" 40002; UB=$MADE_UID GB=$MADE_GID
AS_A=(setpriv --reuid="$UA" --regid="$GA" --clear-groups --)
AS_B=(setpriv --reuid="$UB" --regid="$GB" --clear-groups --)
as_a() { "${AS_A[@]}" "$@"; }
as_b() { "${AS_B[@]}" "$@"; }

# The helper where the users can run it, and the mount point where they can reach it.
install -m 755 "$SEC_TRY" "$WORK/sec-try"
chmod 711 "$WORK"
chmod 755 "$MNT"
TRY=$WORK/sec-try

TABLE=${SEC_TABLE:-$WORK/table.md}
echo "| $VERSION attempt | kernel | cgfs |" >> "$TABLE"
echo "|---|---|---|" >> "$TABLE"
ROWS=0
# row DESC WANT_CGFS WANT_KERNEL CGFS_OUTCOME KERNEL_OUTCOME
row() {
  echo "| $1 | $5 | $4 |" >> "$TABLE"
  ROWS=$((ROWS + 1))
  [ "$4" = "$2" ] || fail "$1: through the mount $4, wanted $2"
  [ "$5" = "$3" ] || fail "$1: on cgroupfs $5, wanted $3"
}

# ---- the test's processes and cgroups ----
# A process this test started, and still ours: the pid names it right before a write.
ours() { [[ " ${SPAWNED[*]} " == *" $1 "* ]] && kill -0 "$1" 2>/dev/null || fail "pid $1 is not ours"; }
spawn_as() { # spawn_as A|B|root: a sleep of that user; pid in $SLEPT
  case $1 in
    A) "${AS_A[@]}" sleep 1000 & ;;
    B) "${AS_B[@]}" sleep 1000 & ;;
    *) sleep 1000 & ;;
  esac
  SLEPT=$!
  SPAWNED+=("$SLEPT")
  # setpriv execs sleep: wait until the pid is sleep, with its final credentials
  until [ "$(cat /proc/$SLEPT/comm 2>/dev/null)" = sleep ]; do sleep 0.01; done
}
# As root, directly in every hierarchy: put our process $1 into cgroup $2.
place() {
  local m
  ours "$1"
  for m in $MOUNTS; do if [ -d "$m/$2" ]; then echo "$1" > "$m/$2/cgroup.procs"; fi; done
}
# Whether our process $1 is in cgroup /$2 in every hierarchy of the mount.
in_cgroup() {
  local m
  for m in $MOUNTS; do
    [ -d "$m/$2" ] || continue
    grep -qxF "$1" "$m/$2/cgroup.procs" || return 1
  done
}
kmkdir() { # v1 cpuset: a new cgroup takes no task before it has cpus and mems
  local m f
  for m in $MOUNTS; do
    mkdir -p "$m/$1"
    for f in cpuset.cpus cpuset.mems; do
      if [ "$VERSION" = v1 ] && [ -e "$m/$1/$f" ] && [ -z "$(cat "$m/$1/$f")" ]; then cat "$(dirname "$m/$1")/$f" > "$m/$1/$f"; fi
    done
  done
}
# Delegate as systemd does: the directory and its procs files (v2: and subtree_control).
delegate() {
  local m f
  for m in $MOUNTS; do
    for f in "" /cgroup.procs /"$K_THREADS" /cgroup.subtree_control; do
      if [ -e "$m/$1$f" ]; then chown "$2:$3" "$m/$1$f"; fi
    done
  done
}

D=${PREFIX}deleg     # given to A
O=${PREFIX}other     # root's
kmkdir "$D"; kmkdir "$O"
delegate "$D" "$UA" "$GA"
as_a "$TRY" mkdir "$KROOT/$D/a" >/dev/null # A's own child, made as A on the kernel side
kmkdir "$D/a"                              # (and in the other hierarchies)
for m in $MOUNTS; do chown -R "$UA:$GA" "$m/$D/a"; done

spawn_as A; PA1=$SLEPT; place "$PA1" "$D"   # A's process, in A's cgroup
spawn_as A; PA2=$SLEPT; place "$PA2" "$O"   # A's process, in root's cgroup
spawn_as B; PB=$SLEPT; place "$PB" "$O"     # another user's
spawn_as root; PR=$SLEPT; place "$PR" "$O"       # root's

mount_cgfs --hierarchy "$VERSION" -o allow_other
in_cgroup "$DAEMON_PID" "$D" && fail "the daemon starts in $D"

note "moves of foreign processes"
for who in PB PR; do
  p=${!who}; ours "$p"
  row "A writes ${who/P/}'s pid to A's procs" EACCES EACCES \
    "$(as_a "$TRY" write "$MNT/$D/procs" "$p")" "$(as_a "$TRY" write "$KROOT/$D/$K_PROCS" "$p")"
  in_cgroup "$p" "$O" || fail "$who moved"
  row "A writes ${who/P/}'s tid to A's threads" EACCES EACCES \
    "$(as_a "$TRY" write "$MNT/$D/threads" "$p")" "$(as_a "$TRY" write "$KROOT/$D/$K_THREADS" "$p")"
  in_cgroup "$p" "$O" || fail "$who moved"
done
row "A writes the daemon's pid to A's procs" EACCES EACCES \
  "$(as_a "$TRY" write "$MNT/$D/procs" "$DAEMON_PID")" \
  "$(as_a "$TRY" write "$KROOT/$D/$K_PROCS" "$DAEMON_PID")"
in_cgroup "$DAEMON_PID" "$D" && fail "the daemon moved"

note "the migration rule"
ours "$PA2"
if [ "$VERSION" = v1 ]; then
  # v1's kernel checks only the uid; cgfs applies v2's rule (docs/security.md).
  row "A moves A's process out of root's cgroup (v1: cgfs applies v2's rule)" EACCES ok \
    "$(as_a "$TRY" write "$MNT/$D/procs" "$PA2")" "$(as_a "$TRY" write "$KROOT/$D/$K_PROCS" "$PA2")"
  place "$PA2" "$O"
else
  row "A moves A's process out of root's cgroup" EACCES EACCES \
    "$(as_a "$TRY" write "$MNT/$D/procs" "$PA2")" "$(as_a "$TRY" write "$KROOT/$D/$K_PROCS" "$PA2")"
  in_cgroup "$PA2" "$O" || fail "A's process left root's cgroup"
fi
ours "$PA1"
row "A moves A's process within A's subtree" ok ok \
  "$(as_a "$TRY" write "$MNT/$D/a/procs" "$PA1")" "$(as_a "$TRY" write "$KROOT/$D/a/$K_PROCS" "$PA1")"
in_cgroup "$PA1" "$D/a" || fail "A's process is not in $D/a in every hierarchy"
# A's process in A's cgroup writes 0: root's shell moves itself into $D, then becomes A
in_d_as_a() {
  sh -c 'for m in $1; do [ -d "$m/$2" ] && echo $$ > "$m/$2/cgroup.procs"; done; shift 2; exec "$@"' \
    - "$MOUNTS" "$D" "${AS_A[@]}" "$@"
}
row "A moves itself from A's cgroup into A's child with 0" ok ok \
  "$(in_d_as_a "$TRY" write "$MNT/$D/a/procs" 0)" "$(in_d_as_a "$TRY" write "$KROOT/$D/a/$K_PROCS" 0)"
row "B moves A's process within A's subtree" EACCES EACCES \
  "$(as_b "$TRY" write "$MNT/$D/procs" "$PA1")" "$(as_b "$TRY" write "$KROOT/$D/$K_PROCS" "$PA1")"
in_cgroup "$PA1" "$D/a" || fail "B moved A's process"

note "freeze and kill"
if [ "$VERSION" = v1 ]; then KFREEZE=freezer.state FROZEN=FROZEN; else KFREEZE=cgroup.freeze FROZEN=1; fi
row "A freezes A's cgroup (state is root's)" EACCES EACCES \
  "$(as_a "$TRY" write "$MNT/$D/state" frozen)" "$(as_a "$TRY" write "$K_STATE/$D/$KFREEZE" "$FROZEN")"
[ "$(cat "$K_STATE/$D/$KFREEZE")" != "$FROZEN" ] || fail "$D was frozen"
row "A freezes root's cgroup" EACCES EACCES \
  "$(as_a "$TRY" write "$MNT/$O/state" frozen)" "$(as_a "$TRY" write "$K_STATE/$O/$KFREEZE" "$FROZEN")"
[ "$(cat "$K_STATE/$O/$KFREEZE")" != "$FROZEN" ] || fail "$O was frozen"
row "A freezes A's own child" ok ok \
  "$(as_a "$TRY" write "$MNT/$D/a/state" frozen)" "$(as_a "$TRY" write "$K_STATE/$D/a/$KFREEZE" "$FROZEN")"
as_a "$TRY" write "$MNT/$D/a/state" thawed >/dev/null
# root's process placed in A's subtree by root: A may not kill it
ours "$PR"; place "$PR" "$D/a"
if [ "$VERSION" = v1 ]; then
  krow=$(as_a "$TRY" kill "$PR" 0) # v1 has no kill file: the kernel's answer is kill(2)'s
  want=EPERM
else
  krow=skipped # cgroup.kill would kill it: the kernel lets the owner of cgroup.kill do that
  want=ok
fi
if [ "$VERSION" = v1 ]; then
  row "A kills A's child holding root's process" EPERM "$want" \
    "$(as_a "$TRY" write "$MNT/$D/a/kill" 1)" "$krow"
  kill -0 "$PR" || fail "root's process was killed"
fi
place "$PR" "$O"
row "A kills root's cgroup" EACCES EACCES \
  "$(as_a "$TRY" write "$MNT/$O/kill" 1)" \
  "$( [ "$VERSION" = v1 ] && as_a "$TRY" write "$KROOT/$O/cgroup.procs" 1 || as_a "$TRY" write "$KROOT/$O/cgroup.kill" 1)"
kill -0 "$PR" && kill -0 "$PB" && kill -0 "$PA2" || fail "a process of root's cgroup died"

note "the daemon protects itself (root callers too; the kernel would obey root)"
kmkdir "$O/daemon"
# the daemon is this test's process too: root puts it there directly
kill -0 "$DAEMON_PID" && for m in $MOUNTS; do echo "$DAEMON_PID" > "$m/$O/daemon/cgroup.procs"; done
row "root freezes the cgroup holding the daemon" EPERM skipped \
  "$("$TRY" write "$MNT/$O/daemon/state" frozen)" skipped
[ "$(cat "$K_STATE/$O/daemon/$KFREEZE")" != "$FROZEN" ] || fail "the daemon's cgroup was frozen"
row "root freezes an ancestor of the daemon's cgroup" EPERM skipped \
  "$("$TRY" write "$MNT/$O/state" frozen)" skipped
row "root kills the cgroup holding the daemon" EPERM skipped \
  "$("$TRY" write "$MNT/$O/daemon/kill" 1)" skipped
kill -0 "$DAEMON_PID" || fail "the daemon was killed"
row "root moves the daemon" EACCES skipped "$("$TRY" write "$MNT/$D/procs" "$DAEMON_PID")" skipped
in_cgroup "$DAEMON_PID" "$O/daemon" || fail "the daemon moved"

note "mkdir and rmdir"
row "A makes a cgroup in root's cgroup" EACCES EACCES \
  "$(as_a "$TRY" mkdir "$MNT/$O/x")" "$(as_a "$TRY" mkdir "$KROOT/$O/x")"
for m in $MOUNTS; do [ ! -e "$m/$O/x" ] || fail "$m/$O/x was made"; done
row "A removes root's cgroup" EACCES EACCES \
  "$(as_a "$TRY" rmdir "$MNT/$O/daemon")" "$(as_a "$TRY" rmdir "$KROOT/$O/daemon")"
row "A makes a cgroup in A's cgroup" ok ok \
  "$(as_a "$TRY" mkdir "$MNT/$D/b")" "$(as_a "$TRY" mkdir "$KROOT/$D/c")"
for m in $MOUNTS; do
  [ "$(stat -c %u "$m/$D/b")" = "$UA" ] || fail "$m/$D/b is not A's"
done
row "A removes A's cgroup" ok ok "$(as_a "$TRY" rmdir "$MNT/$D/b")" "$(as_a "$TRY" rmdir "$KROOT/$D/c")"
if [ "$VERSION" = v1 ]; then
  P=${PREFIX}partial # delegated in the memory hierarchy only
  kmkdir "$P"
  chown "$UA:$GA" "/sys/fs/cgroup/memory/$P" /sys/fs/cgroup/memory/"$P"/{cgroup.procs,tasks}
  # the kernel makes it in memory; through the mount it must be made everywhere, as A: refused
  row "A makes a cgroup in one delegated only in memory (cgfs: every hierarchy or none)" EACCES ok \
    "$(as_a "$TRY" mkdir "$MNT/$P/x")" "$(as_a "$TRY" mkdir "/sys/fs/cgroup/memory/$P/y")"
  for m in $MOUNTS; do [ ! -e "$m/$P/x" ] || fail "$m/$P/x was made"; done
fi

note "limits"
if [ "$VERSION" = v1 ]; then
  LIMFILE=/sys/fs/cgroup/memory/$D/memory.limit_in_bytes
  CPUFILE=/sys/fs/cgroup/cpu/$D/cpu.cfs_quota_us
  PIDSFILE=/sys/fs/cgroup/pids/$D/pids.max
  echo 50000 > "$CPUFILE"
  echo 100 > "$PIDSFILE"
  before_cpu=$(cat "$CPUFILE") before_pids=$(cat "$PIDSFILE")
  row "A writes limits of A's cgroup (the limit files are root's)" EACCES EACCES \
    "$(as_a "$TRY" write "$MNT/$D/resources.json" '{"memory":{"limit":104857600}}')" \
    "$(as_a "$TRY" write "$LIMFILE" 104857600)"
  # given only the memory limit file: memory yes, CPU quota and pids no
  chown "$UA:$GA" "$LIMFILE"
  row "A given only memory.limit_in_bytes sets the memory limit" ok ok \
    "$(as_a "$TRY" write "$MNT/$D/resources.json" '{"memory":{"limit":104857600}}')" \
    "$(as_a "$TRY" write "$LIMFILE" 104857600)"
  # the daemon writes a hot cgroup's limit files through descriptors kept open (perhaps opened
  # by A's write above): taken back from A, the file refuses A again, as the kernel does
  for v in 115343360 125829120; do
    [ "$("$TRY" write "$MNT/$D/resources.json" "{\"memory\":{\"limit\":$v}}")" = ok ] ||
      fail "root could not set the memory limit of $D through the mount"
  done
  chown 0:0 "$LIMFILE"
  row "A, given memory.limit_in_bytes and then no longer, sets the memory limit" EACCES EACCES \
    "$(as_a "$TRY" write "$MNT/$D/resources.json" '{"memory":{"limit":136314880}}')" \
    "$(as_a "$TRY" write "$LIMFILE" 136314880)"
  [ "$(cat "$LIMFILE")" = 125829120 ] || fail "A changed the memory limit after the file was taken back"
  chown "$UA:$GA" "$LIMFILE"
  row "A given only memory.limit_in_bytes removes root's CPU quota" EACCES EACCES \
    "$(as_a "$TRY" write "$MNT/$D/resources.json" '{"cpu":{"quota":-1}}')" \
    "$(as_a "$TRY" write "$CPUFILE" -1)"
  row "A given only memory.limit_in_bytes raises pids.max" EACCES EACCES \
    "$(as_a "$TRY" write "$MNT/$D/resources.json" '{"pids":{"limit":1000}}')" \
    "$(as_a "$TRY" write "$PIDSFILE" 1000)"
  [ "$(cat "$CPUFILE")" = "$before_cpu" ] && [ "$(cat "$PIDSFILE")" = "$before_pids" ] ||
    fail "A changed root's limits"
  # a container's root (no CAP_DAC_OVERRIDE) and A's limit file, which the daemon keeps open for
  # writing since root's writes above: the kernel's check for that caller, not the daemon's
  # capabilities (the daemon knows its own without a capget, never a caller's)
  NODAC_W=(setpriv --bounding-set -dac_override,-dac_read_search --)
  row "root without CAP_DAC_* sets the memory limit in A's memory.limit_in_bytes" EACCES EACCES \
    "$("${NODAC_W[@]}" "$TRY" write "$MNT/$D/resources.json" '{"memory":{"limit":146800640}}')" \
    "$("${NODAC_W[@]}" "$TRY" write "$LIMFILE" 146800640)"
  [ "$(cat "$LIMFILE")" = 125829120 ] || fail "root without CAP_DAC_* changed A's memory limit"
  row "A sets the memory limit of A's own child" ok ok \
    "$(as_a "$TRY" write "$MNT/$D/a/resources.json" '{"memory":{"limit":52428800}}')" \
    "$(as_a "$TRY" write "/sys/fs/cgroup/memory/$D/a/memory.limit_in_bytes" 52428800)"
  if [ -d /sys/fs/cgroup/devices ]; then
    row "A adds a device rule to A's own child (needs CAP_SYS_ADMIN)" EPERM EPERM \
      "$(as_a "$TRY" write "$MNT/$D/a/resources.json" '{"devices":[{"allow":false,"access":"rwm"}]}')" \
      "$(as_a "$TRY" write "/sys/fs/cgroup/devices/$D/a/devices.deny" a)"
    grep -qx "a \*:\* rwm" "/sys/fs/cgroup/devices/$D/a/devices.list" || fail "A's device rule was applied"
    NOADMIN=(setpriv --bounding-set -sys_admin --)
    row "root without CAP_SYS_ADMIN (a container's root) adds a device rule" EPERM EPERM \
      "$("${NOADMIN[@]}" "$TRY" write "$MNT/$D/a/resources.json" '{"devices":[{"allow":false,"access":"rwm"}]}')" \
      "$("${NOADMIN[@]}" "$TRY" write "/sys/fs/cgroup/devices/$D/a/devices.deny" a)"
    grep -qx "a \*:\* rwm" "/sys/fs/cgroup/devices/$D/a/devices.list" || fail "the device rule was applied"
  fi
fi

if [ "$VERSION" = v2 ] && grep -qw pids "$KROOT/$D/cgroup.controllers"; then
  row "A sets pids.max of A's cgroup (root's file)" EACCES EACCES \
    "$(as_a "$TRY" write "$MNT/$D/resources.json" '{"pids":{"limit":10}}')" \
    "$(as_a "$TRY" write "$KROOT/$D/pids.max" 10)"
  [ "$(cat "$KROOT/$D/pids.max")" = max ] || fail "A changed $D/pids.max"
  # the library enables pids in A's cgroup.subtree_control as A; the files that makes are A's
  as_a "$TRY" mkdir "$KROOT/$D/c" >/dev/null
  kout=$(as_a "$TRY" write "$KROOT/$D/cgroup.subtree_control" +pids)
  [ "$kout" = ok ] && kout=$(as_a "$TRY" write "$KROOT/$D/c/pids.max" 10)
  as_a "$TRY" write "$KROOT/$D/cgroup.subtree_control" -pids >/dev/null
  row "A sets the pids limit of A's own child (enabling pids in A's subtree_control)" ok ok \
    "$(as_a "$TRY" write "$MNT/$D/a/resources.json" '{"pids":{"limit":10}}')" "$kout"
  [ "$(stat -c %u "$KROOT/$D/a/pids.max")" = "$UA" ] || fail "$D/a/pids.max is not A's"
  [ "$(cat "$KROOT/$D/a/pids.max")" = 10 ] || fail "$D/a/pids.max is not 10"
  row "A writes a pids limit below root's cgroup (enabling pids in its subtree_control)" EACCES EACCES \
    "$(as_a "$TRY" write "$MNT/$O/resources.json" '{"pids":{"limit":10}}')" \
    "$(as_a "$TRY" write "$KROOT/$O/cgroup.subtree_control" +pids)"
fi

note "reads: a 0700 directory's counters, last_error"
as_a "$TRY" mkdir "$MNT/$D/priv" >/dev/null
# A closes it in one hierarchy only (v1: memory; v2: the only one) on cgroupfs
if [ "$VERSION" = v1 ]; then PRIV=/sys/fs/cgroup/memory/$D/priv STATFILE=memory.stat
else PRIV=$KROOT/$D/priv STATFILE=cgroup.stat; fi
as_a chmod 700 "$PRIV"
row "B reads the counters of A's 0700 cgroup" EACCES EACCES \
  "$(as_b "$TRY" read "$MNT/$D/priv/stats.json")" "$(as_b "$TRY" read "$PRIV/$STATFILE")"
row "A reads the counters of A's 0700 cgroup" ok ok \
  "$(as_a "$TRY" read "$MNT/$D/priv/stats.json")" "$(as_a "$TRY" read "$PRIV/$STATFILE")"
as_a "$TRY" write "$MNT/$D/a/state" melted >/dev/null # A's failed write: its words are kept
grep -q melted "$MNT/$D/a/last_error" || fail "no last_error in $D/a"
# the kernel keeps no message: the reference is who may write the cgroup's procs file
row "B reads A's last_error" EACCES EACCES \
  "$(as_b "$TRY" read "$MNT/$D/a/last_error")" "$(as_b "$TRY" write "$KROOT/$D/a/$K_PROCS" 0)"
row "A reads A's last_error" ok ok "$(as_a "$TRY" read "$MNT/$D/a/last_error")" ok

note "reads the daemon does as itself or as the opener (caller's capabilities learnt only for the latter)"
# A root caller without the DAC capabilities (a container's root): stats.json is read with its
# capabilities, procs as the daemon after the kernel checked the node's mode.
NODAC=(setpriv --bounding-set -dac_override,-dac_read_search --)
row "root without CAP_DAC_* reads the counters of A's 0700 cgroup" EACCES EACCES \
  "$("${NODAC[@]}" "$TRY" read "$MNT/$D/priv/stats.json")" "$("${NODAC[@]}" "$TRY" read "$PRIV/$STATFILE")"
row "root reads the counters of A's 0700 cgroup" ok ok \
  "$("$TRY" read "$MNT/$D/priv/stats.json")" "$("$TRY" read "$PRIV/$STATFILE")"
# A's cgroup whose procs file is readable by A only (and by root's capabilities); made on cgroupfs
# and never looked up through the mount before, so that the kernel's FUSE attribute cache (1 s)
# holds no older mode.
kmkdir "$D/r"
for m in $MOUNTS; do chown -R "$UA:$GA" "$m/$D/r"; done
chmod 600 "$KROOT/$D/r/$K_PROCS"
for who in B NODAC A root; do
  case $who in
    B) run=("${AS_B[@]}") want=EACCES ;;
    NODAC) run=("${NODAC[@]}") want=EACCES ;;
    A) run=("${AS_A[@]}") want=ok ;;
    root) run=() want=ok ;;
  esac
  row "$who reads A's procs (0600)" "$want" "$want" \
    "$("${run[@]}" "$TRY" read "$MNT/$D/r/procs")" "$("${run[@]}" "$TRY" read "$KROOT/$D/r/$K_PROCS")"
done
for who in B NODAC; do
  case $who in B) run=("${AS_B[@]}") ;; NODAC) run=("${NODAC[@]}") ;; esac
  row "$who reads A's procs (0644)" ok ok \
    "$("${run[@]}" "$TRY" read "$MNT/$D/a/procs")" "$("${run[@]}" "$TRY" read "$KROOT/$D/a/$K_PROCS")"
done

note "delegation with chown, and the options that would break ownership"
G=${PREFIX}given
mkdir "$MNT/$G"
kmkdir "$G/k"
row "root chowns a cgroup to A (delegation)" ok ok \
  "$("$TRY" chown "$MNT/$G" "$UA" "$GA")" "$("$TRY" chown "$KROOT/$G/k" "$UA" "$GA")"
for m in $MOUNTS; do
  for f in "" /cgroup.procs /"$K_THREADS"; do
    [ "$(stat -c %u:%g "$m/$G$f")" = "$UA:$GA" ] || fail "$m/$G$f was not given to A"
  done
  [ "$VERSION" = v1 ] || [ "$(stat -c %u "$m/$G/cgroup.subtree_control")" = "$UA" ] ||
    fail "$m/$G/cgroup.subtree_control was not given to A"
done
[ "$VERSION" = v2 ] || [ "$(stat -c %u "/sys/fs/cgroup/memory/$G/memory.limit_in_bytes")" = 0 ] ||
  fail "the delegated cgroup's own limit was given away"
row "A (the new owner) gives A's cgroup to B" EPERM EPERM \
  "$(as_a "$TRY" chown "$MNT/$G" "$UB" "$GB")" "$(as_a "$TRY" chown "$KROOT/$G" "$UB" "$GB")"
[ "$(stat -c %u "$KROOT/$G")" = "$UA" ] || fail "A gave the cgroup away"
row "B takes A's cgroup" EPERM EPERM \
  "$(as_b "$TRY" chown "$MNT/$G" "$UB" "$GB")" "$(as_b "$TRY" chown "$KROOT/$G" "$UB" "$GB")"
mkdir "$WORK/optmnt"
for opt in uid=0 gid=0 umask=0; do # (without -f: a wrong acceptance mounts and returns)
  if "$CGFS" --state-dir "$STATE_DIR" -o "$opt" "$WORK/optmnt" 2>/dev/null; then
    fusermount3 -u "$WORK/optmnt"
    fail "cgfs accepted -o $opt"
  fi
done

note "--root confines pids"
unmount_cgfs
mount_cgfs --hierarchy "$VERSION" -o allow_other --root "/$D"
ours "$PR"
row "root moves a process from outside --root in" ENOENT skipped \
  "$("$TRY" write "$MNT/procs" "$PR")" skipped
in_cgroup "$PR" "$O" || fail "root's process moved into --root"
ours "$PA1"
mkdir "$MNT/w"
row "root moves a process within --root" ok skipped "$("$TRY" write "$MNT/w/procs" "$PA1")" skipped
in_cgroup "$PA1" "$D/w" || fail "A's process did not move within --root"

cat "$TABLE"
note "ok: $ROWS attempts"
