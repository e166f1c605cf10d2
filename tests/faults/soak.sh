#!/bin/bash
# The soak: $SOAK_CLIENTS clients (default 64) for $SOAK_SECONDS (default 120) against a mounted
# cgfs (tests/faults/cgfs-load.c does the load and samples the daemon), then checks: no
# operation failed (EMFILE included), and once idle the daemon holds the fds it held before the
# load and its RSS is back near where it started. Prints the report (ops/s, peak fds, RSS,
# threads). Everything happens under $MNT/cgfs-test-<pid>-soak.
set -eu
. "$(dirname "$0")/../integration/fs-common.sh"
[ -n "${CGFS_LOAD:-}" ] && [ -x "$CGFS_LOAD" ] || skip "CGFS_LOAD does not name cgfs-load"

clients=${SOAK_CLIENTS:-64}
seconds=${SOAK_SECONDS:-120}
# The daemon runs with the usual default of 1024 fds (not the raised limit it takes itself), and
# must stay within its documented budget (docs/tree.md "Limits"): fixed fds, two cgroups' worth
# per worker thread (libfuse's default of 10 threads), and a polled events file per client;
# files the clients keep open (8 each) hold none; the cache of hot cgroups holds at most its
# --fd-cache (kept small here, so that it fills and drops under the load).
nofile=${SOAK_NOFILE:-1024}
cache=128
fd_budget=$((16 + 10 * 24 + clients * 4 + cache))
# RSS may keep what the allocator holds after the peak; "back" means within this many kB of the
# start (the start is taken after a warm-up, with every worker thread made).
rss_slack_kb=${SOAK_RSS_SLACK_KB:-16384}

mount_cgfs --fd-cache $cache
prlimit --pid "$DAEMON_PID" --nofile="$nofile:$nofile"
top=$MNT/${PREFIX}soak
mkdir "$top"
# On v2 the clients' limits need memory and pids enabled for the children of $top (on the
# kernel's file of the test's own cgroup: cgfs leaves cgroup.subtree_control to the user).
if [ -z "$(v1_mounts)" ]; then
  for c in memory pids; do
    if grep -qw "$c" "$(v2_mount)/cgroup.subtree_control"; then
      echo "+$c" > "$(v2_mount)/${PREFIX}soak/cgroup.subtree_control"
    fi
  done
fi

note "warm-up: $clients clients for 3 s"
"$CGFS_LOAD" "$MNT" "$top" "$DAEMON_PID" "$clients" 3 > "$WORK/warmup.json" ||
  { cat "$WORK/warmup.json"; fail "the warm-up had failures"; }

note "soak: $clients clients for $seconds s"
status=0
"$CGFS_LOAD" "$MNT" "$top" "$DAEMON_PID" "$clients" "$seconds" > "$WORK/report.json" || status=$?
cat "$WORK/report.json"
[ "$status" != 2 ] || fail "the load generator could not set up"
r=$WORK/report.json
[ "$(jq .emfile "$r")" = 0 ] || fail "$(jq .emfile "$r") operations failed with EMFILE"
[ "$(jq .failed "$r")" = 0 ] || fail "$(jq .failed "$r") operations failed: $(jq -c .errors "$r")"
[ "$(jq .ops_total "$r")" -gt 0 ] || fail "no operation completed"
fds0=$(jq .daemon.fds_start "$r") fds1=$(jq .daemon.fds_after "$r")
peak=$(jq .daemon.fds_peak "$r")
[ "$peak" -le "$fd_budget" ] || fail "the daemon held $peak fds, over its budget of $fd_budget"
[ "$fds1" -le $((fds0 + cache)) ] ||
  fail "the daemon holds $fds1 fds after the load, $fds0 before (and at most $cache cached)"
rss0=$(jq .daemon.rss_kb_start "$r") rss1=$(jq .daemon.rss_kb_after "$r")
[ "$rss1" -le $((rss0 + rss_slack_kb)) ] ||
  fail "the daemon's RSS is $rss1 kB after the load, $rss0 kB before"

# The kernel holds the last limit written, as resources.json shows it. A client can end without
# having written one when the machine is starved (a guest under TCG managed 7 operations in 25 s
# once): its cgroup must then have none; and every limit write counted must be somewhere.
written=0
for d in "$top"/c*; do
  want=$(jq .pids.limit "$d/resources.json") || fail "cannot read $d/resources.json"
  kd=$(v1_dir pids "${PREFIX}soak/${d##*/}")
  [ -d "$kd" ] || kd=$(v2_mount)/${PREFIX}soak/${d##*/}
  kernel=$(cat "$kd/pids.max")
  [ "$want" != -1 ] || want=max
  [ "$kernel" = "$want" ] || fail "$kd/pids.max is $kernel, resources.json says $want"
  [ "$want" = max ] && continue
  [ "$want" -ge 100 ] && [ "$want" -lt 200 ] || fail "$d: pids limit $want was never written"
  written=$((written + 1))
done
[ "$(jq .ops.limits "$r")" = 0 ] || [ "$written" -gt 0 ] ||
  fail "$(jq .ops.limits "$r") limit writes, and no cgroup holds one"
note "ok: $(jq -c '{ops_per_s, emfile, failed, daemon}' "$r")"
