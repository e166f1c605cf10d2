#!/bin/sh
# vm-systemd: libcgfs's systemd backend against a real systemd (Debian's 252, PID 1 of the guest:
# run-in-vm --init systemd). Every operation is checked against `systemctl show` and against
# the kernel's files, and the limits must survive `systemctl daemon-reload`.
# Then the daemon, `cgfs --hierarchy systemd --root cgfs.slice`, through its mount.
# usage: vm-systemd.sh SYSTEMD_TOOL CGFS    (through run-in-vm --init systemd)
set -eu

tool=$1
cgfs=$2
mnt=
daemon=
cg=/sys/fs/cgroup
slice=/cgfs.slice/cgfs-test.slice
scope=$slice/cgfs-test-w.scope
sleepers=
failures=0

say() { echo "vm-systemd: $*"; }
fail() { say "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { say "ok: $*"; }

cleanup() {
  set +e
  for p in $sleepers; do kill -KILL "$p" 2>/dev/null; done
  [ -n "$mnt" ] && grep -q " $mnt fuse" /proc/self/mounts && fusermount3 -u "$mnt"
  [ -n "$daemon" ] && kill -TERM "$daemon" 2>/dev/null
  for u in cgfs-test-w.scope cgfs-test.slice cgfs.slice; do systemctl stop "$u" 2>/dev/null; done
  return 0
}
trap cleanup EXIT

[ "$(cat /proc/1/comm)" = systemd ] || { say "SKIP: PID 1 is not systemd (run-in-vm --init systemd)"; exit 77; }

# expect WHAT ACTUAL WANTED
expect() {
  if [ "$2" = "$3" ]; then ok "$1 = $3"; else fail "$1 is '$2', wanted '$3'"; fi
}
show() { systemctl show -p "$2" --value "$1"; }
# daemon-reload re-reads every unit over 9p: slow under TCG, longer than systemctl's 25 s.
reload() {
  busctl --timeout=300 call org.freedesktop.systemd1 /org/freedesktop/systemd1 \
    org.freedesktop.systemd1.Manager Reload >/dev/null || fail "daemon-reload"
}
file() { cat "$cg$1" 2>/dev/null | head -n 1; }
# must_fail WHAT NEEDLE COMMAND...: the command fails and says NEEDLE
must_fail() {
  what=$1 needle=$2
  shift 2
  if out=$("$@" 2>&1); then fail "$what succeeded"; return; fi
  case $out in *"$needle"*) ok "$what refused: $out" ;; *) fail "$what: '$out' lacks '$needle'" ;; esac
}
# Polls (up to about 30 s) until file $1's first line is $2: systemd realizes some settings a
# moment after the call that made them returns.
wait_file() {
  i=0
  until [ "$(file "$1")" = "$2" ]; do
    i=$((i + 1))
    [ "$i" -le 600 ] || return 1
    sleep 0.05
  done
}

# ---- a nested slice ----
"$tool" slice "$slice" || fail "making $slice"
expect "ActiveState of cgfs-test.slice" "$(show cgfs-test.slice ActiveState)" active
expect "ControlGroup of cgfs-test.slice" "$(show cgfs-test.slice ControlGroup)" "$slice"
[ -d "$cg$slice" ] && ok "$cg$slice exists" || fail "$cg$slice is missing"

# ---- a scope needs a process ----
must_fail "a scope without a process" "a scope needs a process" "$tool" slice "$scope"
sleep 1000 &
sleeper=$!
sleepers="$sleepers $sleeper"
"$tool" scope "$scope" "$sleeper" || fail "making $scope"
expect "ActiveState of the scope" "$(show cgfs-test-w.scope ActiveState)" active
expect "Delegate of the scope" "$(show cgfs-test-w.scope Delegate)" yes
expect "Slice of the scope" "$(show cgfs-test-w.scope Slice)" cgfs-test.slice
grep -qx "$sleeper" "$cg$scope/cgroup.procs" && ok "pid $sleeper in $scope/cgroup.procs" ||
  fail "pid $sleeper not in $scope/cgroup.procs"
expect "the tool's state" "$("$tool" state "$scope")" thawed

# ---- a job systemd fails ----
must_fail "a scope with a process that does not exist" "cgfs-test-x.scope" \
  "$tool" scope "$slice/cgfs-test-x.scope" 999999

# ---- limits as unit properties, and in the kernel's files ----
json='{"memory": {"limit": 67108864, "reservation": 16777216},
       "cpu": {"shares": 512, "quota": 20000, "period": 100000, "cpus": "0", "mems": "0"},
       "pids": {"limit": 50}, "unified": {"memory.high": "62914560"}}'
"$tool" update "$scope" "$json" || fail "update"
expect "MemoryMax" "$(show cgfs-test-w.scope MemoryMax)" 67108864
expect "MemoryLow" "$(show cgfs-test-w.scope MemoryLow)" 16777216
expect "MemoryHigh" "$(show cgfs-test-w.scope MemoryHigh)" 62914560
expect "CPUWeight" "$(show cgfs-test-w.scope CPUWeight)" 59
expect "CPUQuotaPerSecUSec" "$(show cgfs-test-w.scope CPUQuotaPerSecUSec)" 200ms
expect "CPUQuotaPeriodUSec" "$(show cgfs-test-w.scope CPUQuotaPeriodUSec)" 100ms
expect "AllowedCPUs" "$(show cgfs-test-w.scope AllowedCPUs)" 0
expect "TasksMax" "$(show cgfs-test-w.scope TasksMax)" 50
expect "memory.max" "$(file "$scope/memory.max")" 67108864
expect "memory.low" "$(file "$scope/memory.low")" 16777216
expect "memory.high" "$(file "$scope/memory.high")" 62914560
expect "cpu.weight" "$(file "$scope/cpu.weight")" 59
expect "cpu.max" "$(file "$scope/cpu.max")" "20000 100000"
expect "cpuset.cpus" "$(file "$scope/cpuset.cpus")" 0
expect "pids.max" "$(file "$scope/pids.max")" 50

# ---- they survive a daemon-reload (a value written to cgroupfs behind systemd's back does not
# have to) ----
reload
systemctl set-property --runtime cgfs-test-w.scope CPUAccounting=yes || fail "set-property" # makes systemd re-apply
wait_file "$scope/memory.max" 67108864 || true
expect "MemoryMax after daemon-reload" "$(show cgfs-test-w.scope MemoryMax)" 67108864
expect "memory.max after daemon-reload" "$(file "$scope/memory.max")" 67108864
expect "pids.max after daemon-reload" "$(file "$scope/pids.max")" 50
expect "cpu.max after daemon-reload" "$(file "$scope/cpu.max")" "20000 100000"
echo 50000000 >"$cg$scope/memory.max"
reload
systemctl set-property --runtime cgfs-test-w.scope CPUAccounting=yes || fail "set-property"
if wait_file "$scope/memory.max" 67108864; then
  ok "memory.max written behind systemd's back is overwritten by systemd's MemoryMax"
else
  say "note: memory.max written behind systemd's back kept $(file "$scope/memory.max")"
fi

# ---- all or nothing: the kernel refuses a CPU this guest lacks; the properties come back ----
must_fail "an update with CPU 99" "cpu.cpus" "$tool" update "$scope" \
  '{"memory": {"limit": 33554432}, "cpu": {"cpus": "99"}}'
expect "MemoryMax after the refused update" "$(show cgfs-test-w.scope MemoryMax)" 67108864
expect "AllowedCPUs after the refused update" "$(show cgfs-test-w.scope AllowedCPUs)" 0
wait_file "$scope/memory.max" 67108864 || true
expect "memory.max after the refused update" "$(file "$scope/memory.max")" 67108864
must_fail "an update with a value out of range" "memory.swappiness" "$tool" update "$scope" \
  '{"pids": {"limit": 10}, "memory": {"swappiness": 150}}'
expect "TasksMax after the second refusal" "$(show cgfs-test-w.scope TasksMax)" 50

# ---- devices: deny all but /dev/null ----
"$tool" update "$scope" '{"devices": [{"allow": false, "access": "rwm"},
  {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]}' || fail "devices"
expect "DevicePolicy" "$(show cgfs-test-w.scope DevicePolicy)" strict
expect "DeviceAllow" "$(show cgfs-test-w.scope DeviceAllow)" "/dev/char/1:3 rwm"

# ---- freezer through FreezeUnit ----
"$tool" freeze "$scope" || fail "freeze"
expect "FreezerState" "$(show cgfs-test-w.scope FreezerState)" frozen
expect "cgroup.freeze" "$(file "$scope/cgroup.freeze")" 1
grep -qx "frozen 1" "$cg$scope/cgroup.events" && ok "cgroup.events frozen 1" || fail "cgroup.events not frozen"
expect "the tool's state when frozen" "$("$tool" state "$scope")" frozen
"$tool" thaw "$scope" || fail "thaw"
expect "FreezerState after thaw" "$(show cgfs-test-w.scope FreezerState)" running
expect "cgroup.freeze after thaw" "$(file "$scope/cgroup.freeze")" 0

# ---- another process through AttachProcessesToUnit ----
sleep 1000 &
second=$!
sleepers="$sleepers $second"
"$tool" add "$scope" "$second" || fail "add $second"
grep -qx "$second" "$cg$scope/cgroup.procs" && ok "pid $second moved in" || fail "pid $second not moved in"

# ---- a plain cgroup below the delegated scope ----
"$tool" sub "$scope/sub" || fail "sub"
[ -d "$cg$scope/sub" ] && ok "$scope/sub made" || fail "$scope/sub missing"
"$tool" delete "$scope/sub" || fail "deleting $scope/sub"
[ -d "$cg$scope/sub" ] && fail "$scope/sub still there" || ok "$scope/sub removed"

# ---- delete = StopUnit, refused while processes remain ----
must_fail "deleting the scope with processes" "still in" "$tool" delete "$scope"
must_fail "deleting the slice with the scope" "cgfs-test-w.scope" "$tool" delete "$slice"
for p in $sleepers; do kill -KILL "$p"; wait "$p" 2>/dev/null || true; done
sleepers=
i=0
while [ -n "$(cat "$cg$scope/cgroup.procs")" ] && [ "$i" -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
# a scope whose processes are gone is stopped by systemd itself; deleting it again is ENOENT
if [ -d "$cg$scope" ]; then
  "$tool" delete "$scope" || fail "deleting the empty scope"
fi
expect "the scope's LoadState" "$(show cgfs-test-w.scope LoadState)" not-found
[ -d "$cg$scope" ] && fail "$cg$scope still there" || ok "$cg$scope removed"
"$tool" delete "$slice" || fail "deleting $slice"
expect "the slice's ActiveState" "$(show cgfs-test.slice ActiveState)" inactive
[ -d "$cg$slice" ] && fail "$cg$slice still there" || ok "$cg$slice removed"
"$tool" delete /cgfs.slice || fail "deleting cgfs.slice"

# ---- the daemon: cgfs --hierarchy systemd --root cgfs.slice ----
"$tool" slice /cgfs.slice || fail "making cgfs.slice again"
mnt=$(mktemp -d /tmp/cgfs-test-mnt.XXXXXX)
"$cgfs" -f --hierarchy systemd --root cgfs.slice "$mnt" >/tmp/cgfs-daemon.log 2>&1 &
daemon=$!
i=0
until grep -q " $mnt fuse" /proc/self/mounts; do
  i=$((i + 1))
  [ "$i" -le 600 ] && kill -0 "$daemon" 2>/dev/null || { cat /tmp/cgfs-daemon.log; fail "cgfs did not mount"; exit 1; }
  sleep 0.05
done
ok "cgfs --hierarchy systemd --root cgfs.slice mounted"
mkdir "$mnt/cgfs-web.slice" || fail "mkdir cgfs-web.slice"
expect "ActiveState of the slice made by mkdir" "$(show cgfs-web.slice ActiveState)" active
expect "its ControlGroup" "$(show cgfs-web.slice ControlGroup)" /cgfs.slice/cgfs-web.slice
mkdir "$mnt/plain" 2>/dev/null && fail "mkdir of a plain cgroup in a slice succeeded" ||
  ok "mkdir plain refused: $(cat "$mnt/last_error")"
mkdir "$mnt/cgfs-web.slice/x.scope" 2>/dev/null && fail "mkdir of a scope succeeded" ||
  ok "mkdir x.scope refused: $(cat "$mnt/cgfs-web.slice/last_error")"
case $(cat "$mnt/cgfs-web.slice/last_error") in
  *"a scope needs a process"*) ok "the message says why" ;;
  *) fail "last_error: $(cat "$mnt/cgfs-web.slice/last_error")" ;;
esac
# --root confines pids as it confines paths: the process comes from a scope inside cgfs.slice.
sleep 1000 &
third=$!
sleepers="$sleepers $third"
"$tool" scope /cgfs.slice/cgfs-hold.scope "$third" || fail "making cgfs-hold.scope"
echo "x.scope $third" >"$mnt/cgfs-web.slice/procs" || fail "starting x.scope through procs"
expect "ActiveState of x.scope" "$(show x.scope ActiveState)" active
expect "Slice of x.scope" "$(show x.scope Slice)" cgfs-web.slice
expect "procs of x.scope" "$(cat "$mnt/cgfs-web.slice/x.scope/procs")" "$third"
grep -qx "$third" "$cg/cgfs.slice/cgfs-web.slice/x.scope/cgroup.procs" && ok "in the kernel's cgroup.procs" ||
  fail "pid $third not in the kernel's cgroup.procs"
echo '{"memory": {"limit": 33554432}, "pids": {"limit": 20}}' >"$mnt/cgfs-web.slice/x.scope/resources.json" ||
  fail "writing resources.json: $(cat "$mnt/cgfs-web.slice/x.scope/last_error")"
expect "MemoryMax set through resources.json" "$(show x.scope MemoryMax)" 33554432
expect "TasksMax set through resources.json" "$(show x.scope TasksMax)" 20
expect "memory.max" "$(file /cgfs.slice/cgfs-web.slice/x.scope/memory.max)" 33554432
expect "resources.json read back" "$(jq -c '[.memory.limit, .pids.limit]' "$mnt/cgfs-web.slice/x.scope/resources.json")" "[33554432,20]"
echo frozen >"$mnt/cgfs-web.slice/x.scope/state" || fail "freezing through state"
expect "FreezerState through state" "$(show x.scope FreezerState)" frozen
echo thawed >"$mnt/cgfs-web.slice/x.scope/state" || fail "thawing through state"
rmdir "$mnt/cgfs-web.slice/x.scope" 2>/dev/null && fail "rmdir of a scope with a process succeeded" ||
  ok "rmdir x.scope refused while pid $third is in it"
kill -KILL "$third"
wait "$third" 2>/dev/null || true
i=0
while [ -d "$cg/cgfs.slice/cgfs-web.slice/x.scope" ] && [ "$(cat "$cg/cgfs.slice/cgfs-web.slice/x.scope/cgroup.procs" 2>/dev/null)" ] && [ "$i" -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
# systemd stops an empty scope by itself: rmdir may find it gone (ENOENT) on the way
# (the kernel's directory is checked: the mount's dentry can outlive it for the entry timeout)
kdir=$cg/cgfs.slice/cgfs-web.slice/x.scope
if [ -d "$kdir" ] && ! rmdir "$mnt/cgfs-web.slice/x.scope"; then
  i=0
  while [ -d "$kdir" ] && [ "$i" -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
  [ -d "$kdir" ] && fail "rmdir x.scope"
fi
expect "x.scope after rmdir" "$(show x.scope LoadState)" not-found
rmdir "$mnt/cgfs-web.slice" || fail "rmdir cgfs-web.slice: $(cat "$mnt/last_error")"
expect "cgfs-web.slice after rmdir" "$(show cgfs-web.slice ActiveState)" inactive
[ -d "$cg/cgfs.slice/cgfs-web.slice" ] && fail "the slice's cgroup is still there" || ok "the slice's cgroup is gone"
fusermount3 -u "$mnt"
wait "$daemon" || fail "cgfs exited with status $?"
daemon=
"$tool" delete /cgfs.slice || fail "deleting cgfs.slice"

if [ "$failures" != 0 ]; then
  [ -s /tmp/cgfs-daemon.log ] && { say "the daemon's log:"; cat /tmp/cgfs-daemon.log; }
  say "$failures check(s) failed"
  exit 1
fi
say "all checks passed"
