#!/bin/sh
# vm-systemd-hybrid: libcgfs's systemd backend against systemd 252 on cgroup v1 (hybrid: the v1
# hierarchies, name=systemd, and cgroup2 at /sys/fs/cgroup/unified; run-in-vm --init
# systemd-hybrid), checked with `systemctl show` and the v1 files.
# usage: vm-systemd-hybrid.sh SYSTEMD_TOOL
set -eu

tool=$1
cg=/sys/fs/cgroup
slice=/cgfs.slice/cgfs-test.slice
scope=$slice/cgfs-test-w.scope
sleepers=
failures=0

say() { echo "vm-systemd-hybrid: $*"; }
fail() { say "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { say "ok: $*"; }
cleanup() {
  set +e
  for p in $sleepers; do kill -KILL "$p" 2>/dev/null; done
  for u in cgfs-test-w.scope cgfs-test.slice cgfs.slice; do systemctl stop "$u" 2>/dev/null; done
  return 0
}
trap cleanup EXIT

[ "$(cat /proc/1/comm)" = systemd ] && [ -d $cg/systemd ] && [ -d $cg/memory ] ||
  { say "SKIP: not systemd on cgroup v1 (run-in-vm --init systemd-hybrid)"; exit 77; }

expect() { if [ "$2" = "$3" ]; then ok "$1 = $3"; else fail "$1 is '$2', wanted '$3'"; fi; }
show() { systemctl show -p "$2" --value "$1"; }
file() { cat "$cg$1" 2>/dev/null | head -n 1; }
must_fail() {
  what=$1 needle=$2
  shift 2
  if out=$("$@" 2>&1); then fail "$what succeeded"; return; fi
  case $out in *"$needle"*) ok "$what refused: $out" ;; *) fail "$what: '$out' lacks '$needle'" ;; esac
}
wait_file() {
  i=0
  until [ "$(file "$1")" = "$2" ]; do
    i=$((i + 1))
    [ "$i" -le 600 ] || return 1
    sleep 0.05
  done
}
reload() {
  busctl --timeout=300 call org.freedesktop.systemd1 /org/freedesktop/systemd1 \
    org.freedesktop.systemd1.Manager Reload >/dev/null || fail "daemon-reload"
}

"$tool" slice "$slice" || fail "making $slice"
expect "ActiveState of the slice" "$(show cgfs-test.slice ActiveState)" active
[ -d "$cg/systemd$slice" ] && ok "$slice in name=systemd" || fail "$slice not in name=systemd"

sleep 1000 &
sleeper=$!
sleepers="$sleepers $sleeper"
"$tool" scope "$scope" "$sleeper" || fail "making $scope"
expect "Delegate of the scope" "$(show cgfs-test-w.scope Delegate)" yes
for h in systemd memory pids cpu,cpuacct; do
  grep -qx "$sleeper" "$cg/$h$scope/cgroup.procs" && ok "pid $sleeper in $h$scope" ||
    fail "pid $sleeper not in $h$scope"
done

json='{"memory": {"limit": 67108864}, "cpu": {"shares": 512, "quota": 20000, "period": 100000},
       "pids": {"limit": 50}}'
"$tool" update "$scope" "$json" || fail "update"
expect "MemoryMax" "$(show cgfs-test-w.scope MemoryMax)" 67108864
expect "CPUShares" "$(show cgfs-test-w.scope CPUShares)" 512
expect "CPUQuotaPerSecUSec" "$(show cgfs-test-w.scope CPUQuotaPerSecUSec)" 200ms
expect "TasksMax" "$(show cgfs-test-w.scope TasksMax)" 50
expect "memory.limit_in_bytes" "$(file "/memory$scope/memory.limit_in_bytes")" 67108864
expect "cpu.shares" "$(file "/cpu,cpuacct$scope/cpu.shares")" 512
expect "cpu.cfs_quota_us" "$(file "/cpu,cpuacct$scope/cpu.cfs_quota_us")" 20000
expect "pids.max" "$(file "/pids$scope/pids.max")" 50

reload
systemctl set-property --runtime cgfs-test-w.scope CPUAccounting=yes || fail "set-property"
echo 50000000 >"$cg/memory$scope/memory.limit_in_bytes"
systemctl set-property --runtime cgfs-test-w.scope MemoryAccounting=yes || fail "set-property"
wait_file "/memory$scope/memory.limit_in_bytes" 67108864 || true
expect "memory.limit_in_bytes after daemon-reload (and a write behind systemd's back)" \
  "$(file "/memory$scope/memory.limit_in_bytes")" 67108864
expect "cpu.shares after daemon-reload" "$(file "/cpu,cpuacct$scope/cpu.shares")" 512
expect "pids.max after daemon-reload" "$(file "/pids$scope/pids.max")" 50

# The kernel refuses a throttle on a device that does not exist (systemd takes the path): the
# properties come back.
must_fail "a throttle on device 8:99" "throttleReadBpsDevice" "$tool" update "$scope" \
  '{"memory": {"limit": 33554432}, "pids": {"limit": 7},
    "blockIO": {"throttleReadBpsDevice": [{"major": 8, "minor": 99, "rate": 1000}]}}'
expect "MemoryMax after the refusal" "$(show cgfs-test-w.scope MemoryMax)" 67108864
expect "TasksMax after the refusal" "$(show cgfs-test-w.scope TasksMax)" 50
expect "pids.max after the refusal" "$(file "/pids$scope/pids.max")" 50
wait_file "/memory$scope/memory.limit_in_bytes" 67108864 || true
expect "memory.limit_in_bytes after the refusal" "$(file "/memory$scope/memory.limit_in_bytes")" 67108864

must_fail "freezing on v1" "freezer hierarchy" "$tool" freeze "$scope"

sleep 1000 &
second=$!
sleepers="$sleepers $second"
"$tool" add "$scope" "$second" || fail "add $second"
for h in systemd memory; do
  grep -qx "$second" "$cg/$h$scope/cgroup.procs" && ok "pid $second in $h$scope" ||
    fail "pid $second not in $h$scope"
done

must_fail "deleting the scope with processes" "still in" "$tool" delete "$scope"
for p in $sleepers; do kill -KILL "$p"; wait "$p" 2>/dev/null || true; done
sleepers=
i=0
while [ -d "$cg/systemd$scope" ] && [ -n "$(cat "$cg/systemd$scope/cgroup.procs" 2>/dev/null)" ] && [ "$i" -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
if [ -d "$cg/systemd$scope" ] && ! "$tool" delete "$scope"; then
  i=0
  while [ -d "$cg/systemd$scope" ] && [ "$i" -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
fi
# systemd removes the unit's directory hierarchy by hierarchy, after the job: wait for each.
for h in systemd memory pids; do
  i=0
  while [ -d "$cg/$h$scope" ] && [ "$i" -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
  [ -d "$cg/$h$scope" ] && fail "$h$scope still there" || ok "$h$scope removed"
done
"$tool" delete "$slice" || fail "deleting $slice"
"$tool" delete /cgfs.slice || fail "deleting cgfs.slice"
expect "the slice's ActiveState" "$(show cgfs-test.slice ActiveState)" inactive
i=0
while [ -d "$cg/memory$slice" ] && [ "$i" -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
[ -d "$cg/memory$slice" ] && fail "memory$slice still there" || ok "memory$slice removed"

[ "$failures" = 0 ] || { say "$failures check(s) failed"; exit 1; }
say "all checks passed"
