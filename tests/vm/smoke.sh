#!/bin/sh
# vm-smoke: checks, inside the guest, what every vm test relies on: cgroup2 with the controllers,
# a cgroup that takes limits, processes and a freeze, /dev/fuse, the users, and `meson test`
# running one of the unit tests from the shared build tree.
# usage: smoke.sh BUILD_DIR    (run through run-in-vm)
set -eu

build_dir=$1
cg=/sys/fs/cgroup
test_cg=$cg/cgfs-test-$$-smoke
sleeper=

fail() { echo "vm-smoke: FAIL: $*" >&2; exit 1; }
ok() { echo "vm-smoke: ok: $*"; }

cleanup() {
  set +e
  [ -n "$sleeper" ] && kill -KILL "$sleeper" 2>/dev/null && wait "$sleeper" 2>/dev/null
  [ -d "$test_cg" ] && rmdir "$test_cg"
  return 0
}
trap cleanup EXIT

# Polls (up to about 30 s) until file $1 has the line $2.
wait_for_line() {
  i=0
  until grep -qx "$2" "$1"; do
    i=$((i + 1))
    [ "$i" -le 600 ] || return 1
    sleep 0.05
  done
}

[ "$(hostname)" = cgfs-vm ] || fail "run me inside the guest: build/tests/vm/run-in-vm -- $0 BUILD_DIR"
[ "$(id -u)" = 0 ] || fail "not root in the guest"
grep -q " $cg rw,.* - cgroup2 " /proc/self/mountinfo || fail "cgroup2 is not mounted read-write at $cg"
ok "cgroup2 at $cg"

for c in cpuset cpu io memory hugetlb pids rdma misc; do
  grep -qw "$c" $cg/cgroup.controllers || fail "the root's cgroup.controllers lacks $c: $(cat $cg/cgroup.controllers)"
  grep -qw "$c" $cg/cgroup.subtree_control || fail "$c is not enabled in the root's cgroup.subtree_control"
done
ok "controllers: $(cat $cg/cgroup.subtree_control)"

mkdir "$test_cg"
for f in memory.max pids.max cpu.max cpu.weight io.max cpuset.cpus hugetlb.2MB.max rdma.max misc.max; do
  [ -f "$test_cg/$f" ] || fail "$test_cg has no $f"
done
echo 67108864 >"$test_cg/memory.max"
[ "$(cat "$test_cg/memory.max")" = 67108864 ] || fail "memory.max reads back $(cat "$test_cg/memory.max")"
echo 32 >"$test_cg/pids.max"
[ "$(cat "$test_cg/pids.max")" = 32 ] || fail "pids.max reads back $(cat "$test_cg/pids.max")"
echo "50000 100000" >"$test_cg/cpu.max"
[ "$(cat "$test_cg/cpu.max")" = "50000 100000" ] || fail "cpu.max reads back $(cat "$test_cg/cpu.max")"
ok "limits written and read back in $test_cg"

sleep 1000 &
sleeper=$!
echo "$sleeper" >"$test_cg/cgroup.procs"
grep -qx "$sleeper" "$test_cg/cgroup.procs" || fail "pid $sleeper is not in $test_cg/cgroup.procs"
grep -qx "0::/${test_cg#"$cg"/}" "/proc/$sleeper/cgroup" || fail "/proc/$sleeper/cgroup: $(cat "/proc/$sleeper/cgroup")"
wait_for_line "$test_cg/cgroup.events" "populated 1" || fail "cgroup.events does not say populated 1"
ok "process $sleeper moved in"

echo 1 >"$test_cg/cgroup.freeze"
wait_for_line "$test_cg/cgroup.events" "frozen 1" || fail "cgroup.events never said frozen 1: $(cat "$test_cg/cgroup.events")"
echo 0 >"$test_cg/cgroup.freeze"
wait_for_line "$test_cg/cgroup.events" "frozen 0" || fail "cgroup.events never said frozen 0 after thawing"
ok "frozen and thawed"

echo 1 >"$test_cg/cgroup.kill"
wait "$sleeper" 2>/dev/null || true
sleeper=
wait_for_line "$test_cg/cgroup.events" "populated 0" || fail "cgroup.events does not say populated 0 after cgroup.kill"
rmdir "$test_cg"
ok "killed and removed"

[ -c /dev/fuse ] || fail "/dev/fuse is missing"
id nobody >/dev/null || fail "no user nobody"
id cgfs >/dev/null || fail "no user cgfs"
ok "/dev/fuse, users nobody and cgfs"

# meson test inside: its own log name, so the host's meson-logs/testlog.* is left alone.
meson test -C "$build_dir" --no-rebuild --logbase vm-smoke-inner --suite unit system ||
  fail "meson test of the unit test 'system' failed inside the guest"
ok "meson test ran unit/system inside the guest"
