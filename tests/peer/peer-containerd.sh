#!/bin/bash
# Peer agreement: the same OCI documents applied to two fresh v1 cgroups, one through cgfs's
# resources.json, one with containerd/cgroups (the Go package, from Debian:
# golang-go golang-github-containerd-cgroups-dev; skipped when they are not installed), and
# the kernel files compared wherever both applied the document. scripts/install-deps installs
# them, so CI runs it.
set -euo pipefail
. "$(dirname "$0")/../integration/fs-common.sh"

command -v go >/dev/null || skip "no go (golang-go)"
[ -d /usr/share/gocode/src/github.com/containerd/cgroups ] ||
  skip "no containerd/cgroups (golang-github-containerd-cgroups-dev)"
for s in memory cpu pids devices; do
  [ -d /sys/fs/cgroup/$s ] || skip "no v1 $s hierarchy"
done

note "building the containerd/cgroups helper"
APPLY=$WORK/containerd-apply
GO111MODULE=off GOPATH=$WORK/gopath:/usr/share/gocode GOCACHE=$WORK/gocache \
  go build -o "$APPLY" "$(dirname "$0")/containerd-apply.go"

mount_cgfs --hierarchy v1

# The kernel's limit and setting files of cgroup $1 in every v1 hierarchy (those with a write
# bit; counters left out), "hierarchy/file: content" lines.
limits() {
  local m f
  for m in $(v1_mounts); do
    for f in $(find "$m/$1" -maxdepth 1 -type f -perm /222 | sort); do
      case ${f##*/} in
        *max_usage_in_bytes | *failcnt | cpuacct.usage | cgroup.procs | tasks | cgroup.clone_children | \
          notify_on_release | *.force_empty | *reset_stats | cgroup.event_control | devices.allow | \
          devices.deny | memory.kmem.limit_in_bytes) continue ;;
      esac
      printf '%s/%s: %s\n' "${m##*/}" "${f##*/}" "$(tr '\n' ' ' < "$f" 2>/dev/null || echo unreadable)"
    done
  done
}

# What a process in cgroup $1 may do with /dev/null and /dev/zero (devices.list does not show
# the deny exceptions of an allow-all cgroup): it joins through cgfs ("0" is the writer).
devices_probe() {
  bash -c 'echo 0 > "$1/procs" || exit 1
    for d in /dev/null /dev/zero; do
      { : < $d; } 2>/dev/null && printf r || printf -
      { : > $d; } 2>/dev/null && printf w || printf -
    done' - "$MNT/$1"
}

# One entry: documents applied in order, one per line.
DOCS=(
  '{"memory": {"limit": 268435456}}'
  '{"memory": {"limit": 268435456, "swap": 536870912}}'
  '{"memory": {"limit": 134217728, "reservation": 67108864, "swappiness": 30}}'
  '{"memory": {"limit": -1, "swap": -1}}'
  '{"memory": {"disableOOMKiller": true}}'
  '{"cpu": {"shares": 512}}'
  '{"cpu": {"shares": 2, "quota": 50000, "period": 100000}}'
  '{"cpu": {"quota": -1, "period": 250000}}'
  '{"cpu": {"cpus": "0", "mems": "0"}}'
  '{"cpu": {"cpus": "0-1"}}'
  '{"pids": {"limit": 64}}'
  '{"pids": {"limit": -1}}'
  '{"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 5, "access": "r"}]}'
  '{"devices": [{"allow": true, "access": "rwm"}, {"allow": false, "type": "c", "major": 1, "minor": 5, "access": "w"}]}'
  '{"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "access": "rwm"}]}'
  '{"devices": [{"allow": false, "type": "b", "major": 8, "access": "m"}]}'
  $'{"devices": [{"allow": true, "access": "rwm"}, {"allow": false, "type": "c", "major": 1, "minor": 5, "access": "w"}]}\n{"devices": [{"allow": true, "access": "rwm"}]}'
  $'{"devices": [{"allow": false, "type": "c", "major": 1, "minor": 3, "access": "w"}]}\n{"devices": [{"allow": true, "type": "a", "access": "rwm"}]}'
  $'{"memory": {"limit": 268435456}}\n{"memory": {"limit": 134217728, "swap": 268435456}}'
  $'{"cpu": {"quota": 20000, "period": 100000}}\n{"cpu": {"quota": 300000, "period": 200000}}'
  '{"blockIO": {"throttleReadBpsDevice": [{"major": 1, "minor": 3, "rate": 1048576}]}}'
  '{"memory": {"limit": 268435456}, "cpu": {"shares": 300, "quota": 20000, "period": 100000}, "pids": {"limit": 9}}'
)

agreed=0 differed=0 refusals=0
for i in "${!DOCS[@]}"; do
  doc=${DOCS[$i]}
  A=$PREFIX"peer$i-cgfs" B=$PREFIX"peer$i-containerd"
  mkdir "$MNT/$A" "$MNT/$B"
  ok_cgfs=0 ok_peer=0
  while IFS= read -r one; do
    printf '%s\n' "$one" > "$MNT/$A/resources.json" 2>/dev/null || ok_cgfs=$?
    "$APPLY" "/$B" <<< "$one" 2> "$WORK/peer.err" || ok_peer=$?
  done <<< "$doc"
  if [ "$ok_cgfs" != 0 ] || [ "$ok_peer" != 0 ]; then
    if [ "$ok_cgfs" = 0 ] || [ "$ok_peer" = 0 ]; then
      refusals=$((refusals + 1))
      note "only one applied $doc: cgfs=$ok_cgfs ($(cat "$MNT/$A/last_error")), containerd=$ok_peer ($(cat "$WORK/peer.err"))"
    fi
  elif diff <(limits "$A"; devices_probe "$A") <(limits "$B"; devices_probe "$B") > "$WORK/diff"; then
    agreed=$((agreed + 1))
  else
    differed=$((differed + 1))
    echo "DIFFERS for $doc (< cgfs, > containerd):"
    cat "$WORK/diff"
  fi
  # the probes have exited; a v1 cgroup can stay busy for a moment after its last process
  for c in "$A" "$B"; do
    for _ in $(seq 100); do rmdir "$MNT/$c" 2>/dev/null && break; sleep 0.05; done
    [ ! -e "$MNT/$c" ] || fail "cannot remove $c"
  done
done
note "${#DOCS[@]} documents: $agreed agree, $differed differ, $refusals applied by one only"
[ "$differed" = 0 ] || fail "kernel files differ where both applied the document"
note "ok"
