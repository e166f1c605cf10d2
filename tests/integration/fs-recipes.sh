#!/bin/bash
# The shell recipes of examples/shell, run on a test mount, each checked against the kernel:
# delegation (owners in the kernel, the user makes a cgroup), sidecar (its own stats), runc
# interop (a bundle's config.json gets the limits), monitoring (metrics.prom's top cgroups).
set -euo pipefail
. "$(dirname "$0")/fs-common.sh"

RECIPES=$(dirname "$0")/../../examples/shell
[ -n "$(v1_mounts)" ] || skip "written for this machine's v1 hierarchies"
command -v setpriv >/dev/null && id nobody >/dev/null 2>&1 || skip "no setpriv or no user nobody"
export MNT
chmod 755 "$MNT" # nobody must reach the mount point
mount_cgfs --hierarchy v1 -o allow_other
G=$PREFIX"grp"
mkdir "$MNT/$G"
echo '{"memory": {"limit": 67108864}, "pids": {"limit": 16}}' >"$MNT/$G/resources.json"

note "runc interop: the group's limits into a bundle's config.json"
mkdir "$WORK/bundle"
echo '{"ociVersion": "1.0.2", "process": {"args": ["sh"]}, "linux": {"namespaces": []}}' \
  >"$WORK/bundle/config.json"
"$RECIPES/runc-interop.sh" "$G" "$WORK/bundle" >/dev/null
[ "$(jq .linux.resources.memory.limit "$WORK/bundle/config.json")" = \
  "$(cat "/sys/fs/cgroup/memory/$G/memory.limit_in_bytes")" ] || fail "runc-interop: memory limit"
[ "$(jq .linux.resources.pids.limit "$WORK/bundle/config.json")" = 16 ] || fail "runc-interop: pids"
[ "$(jq -c .linux.namespaces "$WORK/bundle/config.json")" = "[]" ] || fail "runc-interop lost keys"

note "sidecar: a process in the group reports its own stats"
# A shell of ours moves itself in ($$ is that shell), then runs the recipe once.
out=$(ONCE=1 bash -c "echo \$\$ > '$MNT/$G/procs'; exec '$RECIPES/sidecar.sh'")
pids=$(jq .pids <<<"$out")
[ "$pids" -ge 1 ] && [ "$(jq '.memory | type' <<<"$out")" = '"number"' ] || fail "sidecar said $out"

note "monitoring: metrics.prom's top cgroups include ours"
# grep reads it all (not -q): with pipefail, a grep that quits at the first match makes the
# recipe die of SIGPIPE when the machine has many cgroups (its output outgrows the pipe)
TOP=100000 "$RECIPES/monitoring.sh" | grep " /$G$" >/dev/null || fail "monitoring does not list /$G"

note "delegation: the group given to nobody, who makes a cgroup below it"
D=$PREFIX"deleg"
"$RECIPES/delegation.sh" nobody "$D" >/dev/null
for m in $(v1_mounts); do
  [ "$(stat -c %U "$m/$D")" = nobody ] || fail "delegation: owner of $m/$D"
  [ "$(stat -c %U "$m/$D/cgroup.procs")" = nobody ] || fail "delegation: owner of $m/$D/cgroup.procs"
done
setpriv --reuid=nobody --regid=nogroup --clear-groups -- mkdir "$MNT/$D/job"
[ "$(stat -c %U "/sys/fs/cgroup/pids/$D/job")" = nobody ] || fail "delegation: nobody's mkdir"
rmdir "$MNT/$D/job" "$MNT/$D"
unmount_cgfs
note "ok"
