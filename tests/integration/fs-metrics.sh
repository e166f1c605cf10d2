#!/bin/bash
# metrics.prom with the real consumers: `promtool check metrics` accepts it, and Debian's
# prometheus-node-exporter, its textfile collector pointed at the mount, exports the cgfs series
# with the values of the kernel's own files.
set -euo pipefail
. "$(dirname "$0")/fs-common.sh"

command -v python3 >/dev/null || skip "no python3"
EXPORTER=$(command -v prometheus-node-exporter || command -v node_exporter || true)
[ -n "$EXPORTER" ] || skip "no prometheus-node-exporter (scripts/install-deps installs it)"

ROOT=$PREFIX"mon"
if [ -n "$(v1_mounts)" ]; then HIER=v1; else HIER=v2; fi
# Made through cgfs, which gives a v1 cpuset cgroup its parent's cpus and mems.
# The processes are moved in before --root: a mount with --root moves no process from outside it.
mount_cgfs --hierarchy="$HIER"
mkdir "$MNT/$ROOT" "$MNT/$ROOT/grp"
spawn_sleep; S1=$SLEPT
spawn_sleep; S2=$SLEPT
echo "$S1 $S2" >"$MNT/$ROOT/grp/procs"
unmount_cgfs
mount_cgfs --root="/$ROOT" --hierarchy="$HIER"

note "a cgroup with limits and two processes"
mkdir "$MNT/grp/sub"
echo '{"memory": {"limit": 268435456}, "pids": {"limit": 64}}' >"$MNT/grp/resources.json"

# The kernel's values, in the units of the metrics.
if [ $HIER = v1 ]; then
  k_mem_limit=$(cat "/sys/fs/cgroup/memory/$ROOT/grp/memory.limit_in_bytes")
  k_pids_max=$(cat "/sys/fs/cgroup/pids/$ROOT/grp/pids.max")
  k_pids_current=$(cat "/sys/fs/cgroup/pids/$ROOT/grp/pids.current")
  k_cpu=$(awk '{ printf "%.9f", $1 / 1e9 }' "/sys/fs/cgroup/cpuacct/$ROOT/grp/cpuacct.usage")
else
  d=$(v2_mount)/$ROOT/grp
  k_mem_limit=$(cat "$d/memory.max")
  k_pids_max=$(cat "$d/pids.max")
  k_pids_current=$(cat "$d/pids.current")
  k_cpu=$(awk '$1 == "usage_usec" { printf "%.6f", $2 / 1e6 }' "$d/cpu.stat")
fi
[ "$k_mem_limit" = 268435456 ] && [ "$k_pids_max" = 64 ] && [ "$k_pids_current" = 2 ] ||
  fail "the kernel shows limit $k_mem_limit, pids.max $k_pids_max, pids.current $k_pids_current"

# `check_samples FILE` : the samples of FILE (exposition text) for cgroup /grp match the kernel.
check_samples() {
  python3 - "$1" "$k_mem_limit" "$k_pids_max" "$k_pids_current" "$k_cpu" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
mem_limit, pids_max, pids_current, cpu = map(float, sys.argv[2:6])
samples = {}
for line in text.splitlines():
    m = re.match(r'^(\w+)\{(.*)\} (\S+)$', line)
    if m:
        samples[(m.group(1), m.group(2))] = float(m.group(3))
want = {
    "cgfs_memory_limit_bytes": mem_limit,
    "cgfs_pids_limit": pids_max,
    "cgfs_pids_current": pids_current,
    "cgfs_cpu_usage_seconds_total": cpu,
}
bad = []
for name, value in want.items():
    got = samples.get((name, 'cgroup="/grp"'))
    if got is None or abs(got - value) > 1e-6 * max(1.0, abs(value)):
        bad.append(f"{name}{{cgroup=\"/grp\"}}: {got}, the kernel says {value}")
# cpu usage for every cgroup (v1 cpuacct, v2 cpu.stat, a core file); memory where the
# controller is (on v2 /grp/sub has none: nothing enabled it in /grp's subtree_control).
for name, cgroups in (("cgfs_cpu_usage_seconds_total", ("/", "/grp", "/grp/sub")),
                      ("cgfs_memory_usage_bytes", ("/", "/grp"))):
    for cg in cgroups:
        if (name, f'cgroup="{cg}"') not in samples:
            bad.append(f"no {name} for {cg}")
if bad:
    sys.exit("FAIL: " + "; ".join(bad))
PY
}

note "the mount's root metrics.prom: every cgroup of the view, labelled as the mount shows it"
cp "$MNT/metrics.prom" "$WORK/root.prom"
check_samples "$WORK/root.prom"
! grep -q "$ROOT" "$WORK/root.prom" || fail "a label names the cgroup above the mount's root"
grep -q '^# TYPE cgfs_cpu_usage_seconds_total counter$' "$WORK/root.prom" || fail "no TYPE line"

note "a cgroup's metrics.prom: its subtree only"
cp "$MNT/grp/metrics.prom" "$WORK/grp.prom"
grep -q 'cgroup="/grp/sub"' "$WORK/grp.prom" || fail "grp/metrics.prom lacks /grp/sub"
! grep -q 'cgroup="/"' "$WORK/grp.prom" || fail "grp/metrics.prom has the root"

note "promtool check metrics"
if command -v promtool >/dev/null; then
  out=$(promtool check metrics <"$WORK/root.prom" 2>&1) || fail "promtool: $out"
else
  note "(no promtool here: not checked)"
fi

note "node_exporter's textfile collector on the mount"
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# GET http://127.0.0.1:$1/metrics into $2; fails while nothing listens.
fetch() {
  python3 -c 'import sys, urllib.request
open(sys.argv[2], "wb").write(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=60).read())' "$1" "$2" 2>/dev/null
}
if ! free_port >/dev/null 2>&1; then
  # The QEMU guest of the vm suite has no loopback interface up: the rest is for the host.
  note "(no 127.0.0.1 here: node_exporter not run)"
  unmount_cgfs
  note "ok"
  exit 0
fi
for attempt in 1 2 3 4 5; do # another program can take the free port first
  PORT=$(free_port)
  "$EXPORTER" --web.listen-address="127.0.0.1:$PORT" --collector.disable-defaults \
    --collector.textfile --collector.textfile.directory="$MNT" >>"$WORK/exporter.log" 2>&1 &
  EXP=$!
  SPAWNED+=("$EXP")
  for ((i = 0; i < 3000; i++)); do
    fetch "$PORT" "$WORK/scrape" && break
    kill -0 "$EXP" 2>/dev/null || break
    sleep 0.02
  done
  [ -s "$WORK/scrape" ] && break
  kill "$EXP" 2>/dev/null || true
  wait "$EXP" 2>/dev/null || true
done
[ -s "$WORK/scrape" ] || { cat "$WORK/exporter.log"; fail "node_exporter did not answer"; }
grep -qx 'node_textfile_scrape_error 0' "$WORK/scrape" ||
  { grep textfile "$WORK/scrape" "$WORK/exporter.log" || true; fail "node_exporter could not read metrics.prom"; }
check_samples "$WORK/scrape"
kill "$EXP"
wait "$EXP" || true
unmount_cgfs
note "ok"
