#!/bin/bash
# Delegation: a subtree chowned to a user shows as that user's, the kernel's permission checks
# apply through the mount (default_permissions), and a cgroup that user makes is theirs.
set -euo pipefail
. "$(dirname "$0")/fs-common.sh"

command -v setpriv >/dev/null || skip "no setpriv"
id nobody >/dev/null 2>&1 || skip "no user nobody"
[ -d /sys/fs/cgroup/pids ] || skip "no v1 pids hierarchy"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }

D=$PREFIX"deleg"
chmod 755 "$MNT"

note "without allow_other, only the mounting user gets in"
mount_cgfs --hierarchy v1
mkdir "$MNT/$D"
expect_error "Permission denied" as_nobody ls "$MNT/$D"
unmount_cgfs

note "a subtree given to nobody, as an administrator delegates it on v1"
for m in $(v1_mounts); do
  chown nobody:nogroup "$m/$D" "$m/$D/cgroup.procs" "$m/$D/tasks"
done
mount_cgfs --hierarchy v1 -o allow_other
[ "$(stat -c '%U:%G' "$MNT/$D")" = nobody:nogroup ] || fail "owner of $D: $(stat -c '%U:%G' "$MNT/$D")"
[ "$(stat -c '%U' "$MNT/$D/procs")" = nobody ] || fail "owner of procs"
[ "$(stat -c '%U' "$MNT/$D/threads")" = nobody ] || fail "owner of threads"
[ "$(stat -c '%U' "$MNT/$D/state")" = root ] || fail "owner of state (freezer.state is root's)"
as_nobody cat "$MNT/$D/procs" >/dev/null

note "nobody makes a cgroup below: it is nobody's, in every hierarchy"
as_nobody mkdir "$MNT/$D/sub"
for m in $(v1_mounts); do
  [ "$(stat -c '%U:%G' "$m/$D/sub")" = nobody:nogroup ] || fail "owner of $m/$D/sub"
  [ "$(stat -c '%U' "$m/$D/sub/cgroup.procs")" = nobody ] || fail "owner of $m/$D/sub/cgroup.procs"
done
[ "$(stat -c '%U' "$MNT/$D/sub/state")" = nobody ] || fail "owner of sub/state"

note "nobody cannot make a cgroup elsewhere, nor freeze a cgroup that is not theirs"
expect_error "Permission denied" as_nobody mkdir "$MNT/$PREFIX"nope
[ ! -e /sys/fs/cgroup/pids/"$PREFIX"nope ] || fail "nobody made a cgroup at the root"
expect_error "Permission denied" as_nobody sh -c "echo frozen > '$MNT/$D/state'"
[ "$(cat /sys/fs/cgroup/freezer/"$D"/freezer.state)" = THAWED ] || fail "nobody froze $D"
as_nobody sh -c "echo 1 > '$MNT/$D/kill'" # on v1, who may move processes out may kill them
as_nobody sh -c "echo frozen > '$MNT/$D/sub/state'" || fail "nobody cannot freeze their cgroup"
[ "$(cat /sys/fs/cgroup/freezer/"$D"/sub/freezer.state)" = FROZEN ] || fail "$D/sub is not frozen"
as_nobody sh -c "echo thawed > '$MNT/$D/sub/state'" || fail "nobody cannot thaw their cgroup"
[ "$(cat /sys/fs/cgroup/freezer/"$D"/sub/freezer.state)" = THAWED ] || fail "$D/sub is not thawed"

note "nobody removes their cgroup"
as_nobody rmdir "$MNT/$D/sub"
[ ! -e /sys/fs/cgroup/pids/"$D"/sub ] || fail "rmdir by nobody"

note "a cgroup nobody may remove in some hierarchies only: refused whole, nothing removed"
mkdir "$MNT/$D/half"
chown root:root "$(v1_dir memory "$D")" # taken back in one hierarchy: nobody may not write there
expect_error "Permission denied" as_nobody rmdir "$MNT/$D/half"
for m in $(v1_mounts); do [ -d "$m/$D/half" ] || fail "a refused rmdir removed $m/$D/half"; done
expect_error "Permission denied" as_nobody rmdir "$(v1_dir memory "$D/half")" # as on cgroupfs
chown nobody:nogroup "$(v1_dir memory "$D")"
as_nobody rmdir "$MNT/$D/half"
for m in $(v1_mounts); do [ ! -e "$m/$D/half" ] || fail "rmdir by nobody left $m/$D/half"; done
rmdir "$MNT/$D"
unmount_cgfs
note "ok"
