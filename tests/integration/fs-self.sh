#!/bin/bash
# self: a link at the mount's root to the caller's own cgroup, different for each caller.
set -euo pipefail
. "$(dirname "$0")/fs-common.sh"

if [ -n "$(v1_mounts)" ]; then HIER=v1; else HIER=v2; fi
mount_cgfs --hierarchy "$HIER"
A=${PREFIX}a B=${PREFIX}b

note "self at the root is a link; a cgroup cannot take its name there"
[ -L "$MNT/self" ] || fail "self is not a symbolic link"
ls -l "$MNT" | grep -q " self -> " || fail "ls -l does not show the link: $(ls -l "$MNT")"
# the link has the owner and times of the root cgroup's directory (a cgroup made or removed at
# the root by another test between the two stats changes them: compared again, with a deadline)
link_attrs_are_roots() { [ "$(stat -c '%u %g %Y %Z' "$MNT/self")" = "$(stat -c '%u %g %Y %Z' "$MNT")" ]; }
deadline=$((SECONDS + 30))
until link_attrs_are_roots; do
  [ $SECONDS -lt $deadline ] ||
    fail "self: $(stat -c '%u %g %Y %Z' "$MNT/self"), the root: $(stat -c '%u %g %Y %Z' "$MNT")"
  sleep 0.1
done
expect_error "File exists" mkdir "$MNT/self"
mkdir "$MNT/$A" "$MNT/$A/sub" "$MNT/$B" "$MNT/$A/self"
[ -d "$MNT/$A/self" ] && [ ! -L "$MNT/$A/self" ] || fail "a cgroup named self below the root"

note "each caller is led to its own cgroup"
# a shell that moves itself in with 0, then reports where self leads it
where() { bash -c 'echo 0 > "$1/procs"; readlink "$2/self"; grep -qx $$ "$2/self/procs" && echo listed' - "$1" "$MNT"; }
[ "$(where "$MNT/$A/sub")" = "$(printf '%s\nlisted' "$A/sub")" ] || fail "self from $A/sub: $(where "$MNT/$A/sub")"
[ "$(where "$MNT/$B")" = "$(printf '%s\nlisted' "$B")" ] || fail "self from $B: $(where "$MNT/$B")"
# the kernel agrees: the shell's /proc/self/cgroup names the same cgroup
got=$(bash -c 'echo 0 > "$1/procs"; readlink "$2/self"; cat /proc/$$/cgroup' - "$MNT/$B" "$MNT")
grep -q ":/$B\$" <<<"$got" || fail "the kernel puts the shell elsewhere: $got"
# one after the other through the same dentry: not cached across callers
[ "$(readlink "$MNT/self")" != "$B" ] || fail "the test's shell was led to $B"

note "with --root, self is relative to the root; outside it there is none"
unmount_cgfs
mount_cgfs --hierarchy "$HIER" --root "/$A"
# a shell put into cgroup $2 directly in every hierarchy (a --root mount moves nothing in from
# outside), then asked where self leads
self_from() {
  bash -c 'for m in $3; do [ -d "$m/$2" ] && echo $$ > "$m/$2/cgroup.procs"; done; readlink "$1/self"' \
    - "$MNT" "$1" "$(v1_mounts) $(v2_mount)"
}
[ "$(self_from "$A/sub")" = sub ] || fail "self below --root: $(self_from "$A/sub")"
[ "$(self_from "$A")" = . ] || fail "self at --root: $(self_from "$A")"
expect_error "No such file or directory" cat "$MNT/self/procs" # this test's shell is outside
unmount_cgfs
note "ok"
