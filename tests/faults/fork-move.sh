#!/bin/bash
# Fault (4): forks during moves. A process forking every millisecond is moved ROUNDS times
# between two cgroups through the mount; after each write, no process of its tree may sit in
# different cgroups in different hierarchies (fork-move.c). Then a move into a cgroup that
# exists in only some hierarchies must fail with ENOENT and move nothing.
set -euo pipefail
. "$(dirname "$0")/../integration/fs-common.sh"

[ -d /sys/fs/cgroup/memory ] && [ -d /sys/fs/cgroup/pids ] || skip "no v1 memory and pids hierarchies"
[ -n "${FORK_MOVE:-}" ] && [ -x "$FORK_MOVE" ] || skip "FORK_MOVE does not name the fork-move helper"
ROUNDS=${ROUNDS:-600}

mount_cgfs --hierarchy "${HIERARCHY:-v1}"
mkdir "$MNT/${PREFIX}a" "$MNT/${PREFIX}b"
note "$ROUNDS moves of a forking process"
"$FORK_MOVE" "$MNT/${PREFIX}a" "$MNT/${PREFIX}b" "/$PREFIX" "$ROUNDS" 2> "$WORK/fork-move.err" ||
  fail "$(tail -5 "$WORK/fork-move.err")"
echo "figure: $(grep -c split: "$WORK/fork-move.err" || true) split"

if [ "${HIERARCHY:-v1}" = v1 ]; then
  note "a move into a cgroup missing from some hierarchies is refused (ENOENT), nothing moves"
  P=$PREFIX"partial"
  mkdir /sys/fs/cgroup/memory/"$P" /sys/fs/cgroup/pids/"$P"
  spawn_sleep
  expect_error "No such file or directory" write_to "$MNT/$P/procs" "$SLEPT"
  grep -q "does not exist in the" "$MNT/$P/last_error" || fail "last_error: $(cat "$MNT/$P/last_error")"
  ! grep -q "/$P\$" /proc/"$SLEPT"/cgroup || fail "moved anyway: $(cat /proc/"$SLEPT"/cgroup)"
fi
note "ok"
