#!/bin/bash
# Writers of every kind get the error of their own document: bash builtins, tee, dd, cp,
# Python (buffered and raw), C stdio; and a document written by several commands into one
# open file is assembled whole. Every effect checked in the kernel's own files.
set -euo pipefail
. "$(dirname "$0")/fs-common.sh"

[ -d /sys/fs/cgroup/pids ] || skip "no v1 pids hierarchy"
[ -n "${CORPUS_WRITE:-}" ] && [ -x "$CORPUS_WRITE" ] || skip "CORPUS_WRITE does not name the writer helper"
PY=/usr/bin/python3
[ -x $PY ] || skip "no $PY"

mount_cgfs --hierarchy v1
A=$PREFIX"w"
mkdir "$MNT/$A"
R=$MNT/$A/resources.json
PIDS_MAX=/sys/fs/cgroup/pids/$A/pids.max
echo '{"pids": {"limit": 50}}' > "$R"
[ "$(cat "$PIDS_MAX")" = 50 ] || fail "pids.max is $(cat "$PIDS_MAX")"

BAD='{"pids": {"limit": -5}}'
# `refused NAME CMD...`: CMD fails saying ERANGE's text, last_error names the field, and the
# kernel's pids.max is unchanged.
refused() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then fail "$name: a refused document succeeded"; fi
  [[ $out == *"Numerical result out of range"* || $out == *ERANGE* || $out == *"errno 34"* ]] ||
    fail "$name: said '$out', not ERANGE"
  grep -q "pids.limit" "$MNT/$A/last_error" || fail "$name: last_error: $(cat "$MNT/$A/last_error")"
  [ "$(cat "$PIDS_MAX")" = 50 ] || fail "$name: pids.max changed to $(cat "$PIDS_MAX")"
}

note "every writer gets ERANGE naming the field"
printf '%s' "$BAD" > "$WORK/bad.json"
refused "bash echo" bash -c 'echo "$1" > "$2"' - "$BAD" "$R"
refused "bash printf" bash -c 'printf "%s" "$1" > "$2"' - "$BAD" "$R"
refused "tee" bash -c 'printf "%s" "$1" | tee "$2" > /dev/null' - "$BAD" "$R"
refused "dd" dd if="$WORK/bad.json" of="$R" status=none
refused "dd bs=1" dd if="$WORK/bad.json" of="$R" bs=1 status=none
refused "cp" cp "$WORK/bad.json" "$R"
refused "python buffered" $PY -c '
import sys
with open(sys.argv[1], "w") as f:
    f.write(sys.argv[2])' "$R" "$BAD"
refused "python raw" $PY -c '
import sys
with open(sys.argv[1], "wb", buffering=0) as f:
    f.write(sys.argv[2].encode())' "$R" "$BAD"
refused "python buffered, written in pieces" $PY -c '
import sys
with open(sys.argv[1], "w") as f:
    for ch in sys.argv[2]:
        f.write(ch)
        f.flush()' "$R" "$BAD"
stdio() {
  local out
  out=$("$CORPUS_WRITE" --stdio "$R" < "$WORK/bad.json")
  echo "$out"
  [ "$out" = "write=0 close=0" ]
}
refused "C stdio" stdio

note "a document written by several commands into one open file is whole"
{ printf '{"pids": '; jq -n '{limit: 42}'; printf '}'; } > "$R"
[ "$(cat "$PIDS_MAX")" = 42 ] || fail "a document from 3 commands: pids.max is $(cat "$PIDS_MAX")"
{ printf '{"pids": {"limit": '; /bin/echo -n 43; printf '}}\n'; } > "$R"
[ "$(cat "$PIDS_MAX")" = 43 ] || fail "builtin, external, builtin: pids.max is $(cat "$PIDS_MAX")"
( printf '{'; /bin/printf '"pids": '; echo '{"limit": 44}}' ) > "$R"
[ "$(cat "$PIDS_MAX")" = 44 ] || fail "in a subshell: pids.max is $(cat "$PIDS_MAX")"
# ...and still refused whole when the last command leaves it unfinished.
{ printf '{"pids": '; jq -n '{limit: 45}'; } > "$R" 2>/dev/null || true
grep -q "ends before its closing" "$MNT/$A/last_error" || fail "unfinished: last_error: $(cat "$MNT/$A/last_error")"
[ "$(cat "$PIDS_MAX")" = 44 ] || fail "an unfinished document changed pids.max"

expect_error "Invalid argument" bash -c '/usr/bin/printf "{\"pids\": {\"limit\": 46}" > "$1"' - "$R"
[ "$(cat "$PIDS_MAX")" = 44 ] || fail "an unfinished document changed pids.max"

note "words from several commands into one open file"
spawn_sleep
{ printf '%s' "${SLEPT:0:1}"; /usr/bin/printf '%s' "${SLEPT:1}"; } > "$MNT/$A/procs"
file_has_line /sys/fs/cgroup/pids/"$A"/cgroup.procs "$SLEPT" || fail "a pid written in two pieces"
kill -KILL "$SLEPT"; wait "$SLEPT" 2>/dev/null || true
note "ok"
