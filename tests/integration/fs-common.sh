# Sourced by the fs-*.sh tests: mount the cgfs daemon on a temp dir, and undo everything the test
# did in every outcome (unmount, end the processes it started, by pid, and remove every
# cgfs-test-<pid>-* cgroup it made, in every hierarchy). Needs bash, root and /dev/fuse.
# The daemon to test is $CGFS (meson passes the one it built).

skip() { echo "skipped: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "== $*"; }
# Whether the files list no process; a file that cannot be read fails the test.
no_procs() { local out; out=$(cat "$@") || fail "cannot read $*"; [ -z "$out" ]; }

[ "$(id -u)" = 0 ] || skip "needs root"
[ -c /dev/fuse ] || skip "no /dev/fuse"
[ -n "${CGFS:-}" ] && [ -x "$CGFS" ] || skip "CGFS does not name the cgfs binary"
command -v fusermount3 >/dev/null || skip "no fusermount3"
command -v jq >/dev/null || skip "no jq"

PREFIX=cgfs-test-$$-
MNT=$(mktemp -d /tmp/cgfs-test-$$-mnt.XXXXXX)
WORK=$(mktemp -d /tmp/cgfs-test-$$-work.XXXXXX) # the test's own files, removed in every outcome
LOG=$WORK/daemon.log
DAEMON_PID=
SPAWNED=()
# The test's own stdout and stderr, for the cleanup: it can run while a redirection into the
# mount is active (a failure inside `cmd > $MNT/...`).
exec {TEST_OUT}>&1 {TEST_ERR}>&2

v1_mounts() { awk '$3 == "cgroup" { print $2 }' /proc/self/mounts; }
v2_mount() { awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts; }
# The kernel's directory of the test's cgroup $2 in the v1 hierarchy named $1 (e.g. memory).
v1_dir() { echo "/sys/fs/cgroup/$1/$2"; }

is_mounted() { grep -q " $MNT fuse" /proc/self/mounts; }

# This test's cgroups, in every hierarchy, every level; parents first, or with -depth last.
own_cgroups() {
  local m d
  for m in $(v1_mounts) $(v2_mount); do
    for d in "$m/$PREFIX"*; do [ -d "$d" ] && find "$d" "$@" -type d; done
  done
}

# Thaw them first: a frozen process does not die of SIGKILL until it is thawed.
thaw_own_cgroups() {
  local d
  while read -r d; do
    [ -e "$d/freezer.state" ] && echo THAWED > "$d/freezer.state" 2>/dev/null
    [ -e "$d/cgroup.freeze" ] && echo 0 > "$d/cgroup.freeze" 2>/dev/null
  done < <(own_cgroups) # parents first: v2 cannot thaw below a frozen parent
}

# Deepest first; a v1 cgroup whose last process has just died can stay busy for a moment.
remove_own_cgroups() {
  local d
  while read -r d; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$d" 2>/dev/null && break; sleep 0.1; done
  done < <(own_cgroups -depth)
}

TEST_PID=$BASHPID

cleanup() {
  local status=$? p m d
  # A child forked for `cmd &` runs the shell's traps until it execs: only the test cleans up.
  [ "$BASHPID" = "$TEST_PID" ] || exit "$status"
  trap '' INT TERM # finish cleaning up
  set +e
  exec 1>&"$TEST_OUT" 2>&"$TEST_ERR"
  thaw_own_cgroups
  # Only the ones not reaped yet: a reaped pid may belong to someone else by now.
  local ours=" $(jobs -p | tr '\n' ' ') "
  for p in "${SPAWNED[@]}"; do [[ $ours == *" $p "* ]] && kill -KILL "$p" 2>/dev/null; done
  for p in "${SPAWNED[@]}"; do [[ $ours == *" $p "* ]] && wait "$p" 2>/dev/null; done
  if is_mounted; then fusermount3 -u "$MNT" || fusermount3 -uz "$MNT"; fi
  if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"
  fi
  remove_own_cgroups
  rmdir "$MNT" 2>/dev/null
  if [ "$status" != 0 ] && [ -s "$LOG" ]; then echo "--- daemon log"; cat "$LOG"; fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The journal of the test's daemons (--state-dir): inside $WORK, removed with it, so that no test
# writes to the machine's /run/cgfs-state (a daemon killed by a test would leave its directory
# there). Every daemon a test starts gets `--state-dir "$STATE_DIR"`.
STATE_DIR=$WORK/state

# Mount cgfs on $MNT in the foreground, in the background of this shell; options are passed on
# (a --state-dir among them wins: the last one given counts).
mount_cgfs() {
  "$CGFS" -f --state-dir "$STATE_DIR" "$@" "$MNT" >>"$LOG" 2>&1 {TEST_OUT}>&- {TEST_ERR}>&- &
  DAEMON_PID=$!
  until is_mounted; do
    kill -0 "$DAEMON_PID" 2>/dev/null || { DAEMON_PID=; fail "cgfs $* did not mount"; }
    sleep 0.02
  done
}

# Unmount as a user would, and check that the daemon ended cleanly.
unmount_cgfs() {
  fusermount3 -u "$MNT"
  wait "$DAEMON_PID" || fail "cgfs exited with status $?"
  DAEMON_PID=
  ! is_mounted || fail "still mounted"
}

# Start a sleeper that never ends by itself (`sleep infinity`: a guest whose clock runs fast on a
# loaded host ended `sleep 1000` mid-test); its pid is in $SLEPT (not a subshell, so the cleanup
# knows it).
spawn_sleep() {
  sleep infinity &
  SLEPT=$!
  SPAWNED+=("$SLEPT")
}

# A pid that no longer exists.
gone_pid() {
  sleep 0 &
  local p=$!
  wait "$p"
  echo "$p"
}

# `expect_error TEXT CMD...`: CMD must fail, and say TEXT (the strerror of the errno) on stderr.
expect_error() {
  local want=$1 out
  shift
  if out=$("$@" 2>&1); then fail "'$*' succeeded; wanted '$want'"; fi
  [[ $out == *"$want"* ]] || fail "'$*' said '$out'; wanted '$want'"
}

# As typed at a shell: bash's builtin echo into a file; and coreutils' echo, which reports the
# error of close() too.
write_to() { echo "$2" > "$1"; }
ext_write_to() { /bin/echo "$2" > "$1"; }

# `file_has_line FILE LINE`
file_has_line() { grep -qxF -- "$2" "$1"; }

# Whether the node exists in this build of the daemon (resources.json and stats.json need the
# library's resources and stats code).
has_node() { [ -e "$MNT/$1" ]; }

# The state letter of /proc/PID/stat.
proc_state() { sed -E 's/.*\) (.).*/\1/' "/proc/$1/stat"; }

# `proc_state_becomes PID LETTER`: whether the process reaches that state within 10 s (a task
# just thawed is runnable, R, until it has run back into its sleep: on a busy machine that takes
# a while).
proc_state_becomes() {
  local deadline=$((SECONDS + 10))
  until [ "$(proc_state "$1")" = "$2" ]; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.02
  done
}
