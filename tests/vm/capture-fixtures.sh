#!/bin/sh
# Re-captures the unit tests' fixtures from real cgroup v2 inside the guest:
#   tests/fixtures/mountinfo/debian-guest-v2.{mountinfo,cgroup}  (a process in a cgfs-test cgroup)
#   tests/fixtures/v2-guest/   every readable interface file of a busy cgfs-test cgroup
#   tests/fixtures/v2-guest.txt  what was running, the limits written, the files left out
# usage (from the source tree): build/tests/vm/run-in-vm -- tests/vm/capture-fixtures.sh
set -eu

here=$(cd "$(dirname "$0")" && pwd)
fixtures=$(cd "$here/../fixtures" && pwd)
root=/sys/fs/cgroup
cg=$root/cgfs-test-$$-capture
shm=/dev/shm/cgfs-capture-$$
huge=/dev/hugepages/cgfs-capture-$$
busy=

die() { echo "capture-fixtures: $*" >&2; exit 1; }

# Only inside the guest: it writes limits, fills memory and writes to the scratch disk.
[ "$(hostname)" = cgfs-vm ] && [ -f $root/cgroup.controllers ] && [ -b /dev/vda ] ||
  die "run me inside the guest: build/tests/vm/run-in-vm -- $0"

cleanup() {
  set +e
  if [ -d "$cg" ]; then
    echo 1 >"$cg/cgroup.kill"
    [ -n "$busy" ] && wait "$busy" 2>/dev/null
    i=0
    while grep -qx 'populated 1' "$cg/cgroup.events" && [ "$i" -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
  fi
  rm -f "$shm" "$huge"
  [ -d "$cg" ] && rmdir "$cg"
  return 0
}
trap cleanup EXIT

# Runs "$@" as a process of the test cgroup.
in_cgroup() { sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@"; }

dev=$(cat /sys/block/vda/dev)
echo bfq >/sys/block/vda/queue/scheduler
# iocost on the scratch disk: per-device io.weight, and the cost.* keys in io.stat.
echo "$dev enable=1" >$root/io.cost.qos

mkdir "$cg"
limits="memory.max=67108864 memory.low=16777216 memory.min=4194304 memory.swap.max=33554432
pids.max=64 cpu.max=50000_100000 cpu.weight=50 cpuset.cpus=1 cpuset.mems=0
io.max=${dev}_wbps=33554432_riops=5000 io.weight=${dev}_200 io.bfq.weight=${dev}_300
hugetlb.2MB.max=4194304"
for setting in $limits; do
  file=${setting%%=*}
  value=$(echo "${setting#*=}" | tr _ ' ')
  echo "$value" >"$cg/$file" || die "cannot write '$value' to $file"
done

# The load: a busy loop (throttled by cpu.max), a huge page, shmem, direct writes and buffered
# reads on the scratch disk (throttled by io.max), then a process OOM-killed at memory.max.
in_cgroup sh -c 'while :; do :; done' &
busy=$!
in_cgroup fallocate -l 2M "$huge"
in_cgroup dd if=/dev/zero of="$shm" bs=1M count=8 status=none
in_cgroup dd if=/dev/zero of=/dev/vda bs=1M count=48 oflag=direct status=none
in_cgroup dd if=/dev/vda of=/dev/null bs=1M count=32 status=none
in_cgroup tail /dev/zero 2>/dev/null && die "tail /dev/zero was not OOM-killed at memory.max"
sleep 2
grep -qx 'oom_kill 1' "$cg/memory.events" || die "memory.events has no oom_kill 1: $(cat "$cg/memory.events")"

in_cgroup sh -c 'cat /proc/self/mountinfo >"$0.mountinfo" && cat /proc/self/cgroup >"$0.cgroup"' \
  "$fixtures/mountinfo/debian-guest-v2"

out=$fixtures/v2-guest
rm -rf "$out.tmp"
mkdir "$out.tmp"
skipped=
for f in "$cg"/*; do
  name=${f##*/}
  case $(stat -c %A "$f") in
    ?r*) cat "$f" >"$out.tmp/$name" || die "cannot read $name" ;;
    *) skipped="$skipped $name" ;;
  esac
done
rm -rf "$out"
mv "$out.tmp" "$out"

cat >"$fixtures/v2-guest.txt" <<EOF
tests/fixtures/v2-guest/: every readable interface file of a busy cgroup v2 (${cg#"$root"/}),
captured in the vm suite's guest by tests/vm/capture-fixtures.sh; run it again to re-capture.
Kernel: $(uname -r) ($(uname -v)), $(nproc) CPUs, $(awk '/MemTotal/ { print $2 " kB" }' /proc/meminfo).
Scratch disk /dev/vda is $dev, scheduler bfq, iocost enabled ($root/io.cost.qos: $(cat $root/io.cost.qos)).
No swap device.
Limits written: $(echo $limits | tr _ ' ')
Load: a busy shell loop (still running at capture), 2 MB huge page (fallocate on hugetlbfs),
8 MB on /dev/shm, 48 MB direct writes and 32 MB buffered reads on /dev/vda, and
\`tail /dev/zero\`, OOM-killed at memory.max.
Write-only files, not captured:$skipped
mountinfo/debian-guest-v2.{mountinfo,cgroup}: /proc/self/{mountinfo,cgroup} of a process in that cgroup.
EOF
echo "capture-fixtures: wrote $out ($(ls "$out" | wc -l) files), $fixtures/v2-guest.txt," \
  "$fixtures/mountinfo/debian-guest-v2.{mountinfo,cgroup}"
