#!/bin/bash
# resources.json and stats.json on real cgroup v2 with controllers (the vm suite's guest; skipped
# where the cgroup2 mount gives its children none, as on this machine): every field written as
# OCI JSON and checked in the kernel's file with the v1-to-v2 conversions, read back with jq and
# written back unchanged, device rules as a BPF program (head -c1 /dev/zero refused, then
# allowed), a refused document changing nothing, stats agreeing with the kernel's files.
set -euo pipefail
. "$(dirname "$0")/fs-common.sh"

V2=$(v2_mount)
[ -n "$V2" ] || skip "no cgroup2 mount"
for c in cpuset cpu io memory hugetlb pids; do
  grep -qw "$c" "$V2/cgroup.subtree_control" ||
    skip "$V2 gives its children no $c (the vm suite runs this test in a guest that does)"
done

mount_cgfs --hierarchy v2
A=$PREFIX"res"
mkdir "$MNT/$A"
has_node "$A/resources.json" || fail "no resources.json"

# The guest's scratch disk, for io.max.
THROTTLE=
if [ "$(hostname)" = cgfs-vm ] && [ -b /dev/vda ]; then
  VDA_MAJ=$((0x$(stat -c %t /dev/vda))) VDA_MIN=$((0x$(stat -c %T /dev/vda)))
  THROTTLE=", \"throttleReadBpsDevice\": [{\"major\": $VDA_MAJ, \"minor\": $VDA_MIN, \"rate\": 1048576}]"
fi

expect_file() { [ "$(cat "$V2/$A/$1")" = "$2" ] || fail "$1 holds '$(cat "$V2/$A/$1")', wanted '$2'"; }
control_files() {
  local f
  for f in memory.max memory.low memory.high memory.swap.max cpu.weight cpu.max cpuset.cpus \
    cpuset.mems pids.max io.max io.weight io.bfq.weight hugetlb.2MB.max; do
    [ -e "$V2/$A/$f" ] && echo "$f: $(cat "$V2/$A/$f")"
  done
}

note "every field through resources.json, checked in the kernel's files"
cat > "$WORK/doc.json" <<EOF
{"memory": {"limit": 67108864, "reservation": 16777216, "swap": 100663296},
 "cpu": {"shares": 1024, "quota": 50000, "period": 100000, "cpus": "0", "mems": "0"},
 "pids": {"limit": -1},
 "blockIO": {"weight": 500$THROTTLE},
 "hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}],
 "unified": {"memory.high": "50331648"}}
EOF
cat "$WORK/doc.json" > "$MNT/$A/resources.json"
expect_file memory.max 67108864
expect_file memory.low 16777216
expect_file memory.swap.max 33554432 # memory+swap − memory
expect_file memory.high 50331648
expect_file cpu.weight 100 # shares 1024
expect_file cpu.max "50000 100000"
expect_file cpuset.cpus 0
expect_file pids.max max # −1
expect_file hugetlb.2MB.max 4194304
if [ -e "$V2/$A/io.bfq.weight" ]; then expect_file io.bfq.weight "default 500"; else expect_file io.weight "default 4950"; fi
[ -z "$THROTTLE" ] || expect_file io.max "$VDA_MAJ:$VDA_MIN rbps=1048576 wbps=max riops=max wiops=max"

note "read back with jq, written back unchanged"
jq -e '.memory.limit == 67108864 and .memory.swap == 100663296 and .memory.reservation == 16777216
  and .cpu.shares == 1024 and .cpu.quota == 50000 and .cpu.period == 100000 and .pids.limit == -1
  and .unified["memory.high"] == "50331648"' "$MNT/$A/resources.json" >/dev/null ||
  fail "resources.json: $(cat "$MNT/$A/resources.json")"
before=$(control_files)
cat "$MNT/$A/resources.json" > "$WORK/back.json"
cat "$WORK/back.json" > "$MNT/$A/resources.json"
[ "$(control_files)" = "$before" ] || fail "writing back changed: $(diff <(echo "$before") <(control_files))"
cmp "$WORK/back.json" <(cat "$MNT/$A/resources.json") || fail "the read-back changed"

note "devices: head -c1 /dev/zero refused by the device program, then allowed"
echo '{"devices": [{"allow": false, "access": "rwm"},
  {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]}' > "$MNT/$A/resources.json"
in_cgroup() { bash -c "echo 0 > '$MNT/$A/procs' && exec $*"; }
if in_cgroup head -c1 /dev/zero > "$WORK/out" 2>&1; then fail "head read /dev/zero"; fi
grep -q "Operation not permitted" "$WORK/out" || fail "head said: $(cat "$WORK/out")"
in_cgroup head -c1 /dev/null > "$WORK/out" 2>&1 || fail "/dev/null refused: $(cat "$WORK/out")"
jq -e '.devices | length == 2 and .[0].allow == false and .[1].minor == 3' "$MNT/$A/resources.json" >/dev/null ||
  fail "devices read back: $(jq -c .devices "$MNT/$A/resources.json")"
echo '{"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1,
  "minor": 5, "access": "r"}]}' > "$MNT/$A/resources.json"
in_cgroup head -c1 /dev/zero > "$WORK/out" 2>&1 || fail "head after allowing: $(cat "$WORK/out")"
[ "$(od -An -tx1 "$WORK/out" | tr -d ' ')" = 00 ] || fail "head printed: $(od -c "$WORK/out")"

note "a refused document changes nothing, and says why"
before=$(control_files)
if write_to "$MNT/$A/resources.json" '{"memory": {"limit": 33554432}, "cpu": {"cpus": "99"}}' 2>/dev/null; then
  fail "cpus 99 was accepted"
fi
grep -q "cpu.cpus" "$MNT/$A/last_error" || fail "last_error: $(cat "$MNT/$A/last_error")"
[ "$(control_files)" = "$before" ] || fail "a refused write changed: $(diff <(echo "$before") <(control_files))"
if write_to "$MNT/$A/resources.json" '{"memory": {"swappiness": 10}}' 2>/dev/null; then
  fail "swappiness was accepted on v2"
fi
grep -q "memory.swappiness" "$MNT/$A/last_error" || fail "last_error: $(cat "$MNT/$A/last_error")"

note "stats.json agrees with the kernel's files"
spawn_sleep
echo "$SLEPT" > "$MNT/$A/procs"
jq -e ".pids.current == 1 and .memory.usage_limit == 67108864
  and .memory_events.max == $(awk '$1 == "max" { print $2 }' "$V2/$A/memory.events")
  and .hugetlb[0].max == 4194304" "$MNT/$A/stats.json" >/dev/null ||
  fail "stats.json: $(cat "$MNT/$A/stats.json")"

note "kill, rmdir, unmount"
echo 1 > "$MNT/$A/kill"
wait "$SLEPT" 2>/dev/null || true
rmdir "$MNT/$A"
[ ! -e "$V2/$A" ] || fail "rmdir left $V2/$A"
unmount_cgfs
note "ok"
