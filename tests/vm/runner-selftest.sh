#!/bin/sh
# vm-runner: the runner reports what happens in the guest. A command's exit status and output come
# back; a hung guest is stopped at the timeout and fails. Runs on the host, boots the guest twice.
# usage: runner-selftest.sh RUN_IN_VM
runner=$1
log=$(mktemp) || exit 1
trap 'rm -f "$log"' EXIT

fail() { echo "vm-runner: FAIL: $*" >&2; cat "$log" >&2; exit 1; }

"$runner" -- sh -c 'echo "marker from the guest: $(cat /proc/sys/kernel/hostname)"; exit 3' >"$log" 2>&1
rc=$?
[ "$rc" = 77 ] && { cat "$log"; exit 77; }
[ "$rc" = 3 ] || fail "the guest command exited 3 but the runner exited $rc"
grep -q 'marker from the guest: cgfs-vm' "$log" || fail "the guest's output did not come back"
echo "vm-runner: ok: exit status 3 and the output came back"

"$runner" --timeout 20 -- sleep 1000 >"$log" 2>&1
rc=$?
[ "$rc" = 1 ] || fail "a hung guest made the runner exit $rc, not 1"
grep -q 'hung' "$log" || fail "the runner did not say the guest hung"
echo "vm-runner: ok: a hung guest was stopped at the timeout and failed"
