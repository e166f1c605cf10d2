#!/bin/bash
# Fair share: a hostile unprivileged user, created by this test, tries to exhaust a shared cgfs
# mount (-o allow_other) — thousands of open files, unfinished 4 MiB documents, 100 pollers,
# self-freezing writers, huge error messages — and gets at most its share (docs/tree.md
# "Limits"), while root and a second user created here keep their service: their opens, writes
# and poll() wake-ups work meanwhile. Each hostile run is `hog` (hog.c) as that user; each is
# checked against the kernel's own files where it changes something.
set -eu
. "$(dirname "$0")/../integration/fs-common.sh"
[ -n "${HOG:-}" ] && [ -x "$HOG" ] || skip "HOG does not name the hog helper"
[ -n "${FS_POLL:-}" ] && [ -x "$FS_POLL" ] || skip "FS_POLL does not name fs-poll"
command -v useradd >/dev/null && command -v setpriv >/dev/null || skip "no useradd or setpriv"
[ -n "$(v1_mounts)" ] || skip "needs cgroup v1 (the guest's v2 runs fs-v2 tests instead)"

# The figures of fs/fs.h.
MAX_OPEN=1024
MAX_PENDING=$((8 << 20))
MAX_POLLERS=64
MAX_MESSAGE=512
MAX_SNAPSHOTS=$((16 << 20))

HOSTILE=cgfst$$h
OTHER=cgfst$$o
USERS=()
HOGS=()

end_hogs() {
  local p
  for p in "${HOGS[@]}"; do kill -KILL "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  HOGS=()
}
remove_users() {
  local u
  end_hogs
  for u in "${USERS[@]}"; do userdel "$u" 2>/dev/null || userdel -f "$u" || true; done
}
# `chain make|remove DIR N`: a chain of N cgroups DIR/d/d/..., longer than any path: made and
# removed from inside, level by level.
chain() {
  /usr/bin/python3 - "$@" <<'PY'
import os, sys
what, top, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
if not os.path.isdir(top):
    sys.exit(0)
os.chdir(top)
if what == "make":
    for _ in range(n):
        os.mkdir("d")
        os.chdir("d")
else:
    depth = 0
    while os.path.isdir("d"):
        os.chdir("d")
        depth += 1
    for _ in range(depth):
        os.chdir("..")
        os.rmdir("d")
PY
}
DEEP=
# Hostile processes first (the users cannot be removed while they run), then the deep chain
# (fs-common's clean-up works with paths), then fs-common's cleanup.
trap 'st=$?; set +e; remove_users; [ -z "$DEEP" ] || chain remove "$DEEP" 0; (exit $st); cleanup' EXIT

for u in "$HOSTILE" "$OTHER"; do
  useradd --system --no-create-home --shell /usr/sbin/nologin "$u" || skip "cannot add user $u"
  USERS+=("$u")
done
uid_of() { id -u "$1"; }
as() { local u=$1; shift; setpriv --reuid="$u" --regid="$u" --clear-groups "$@"; }

mount_cgfs -o allow_other
top=${PREFIX}share
mkdir "$MNT/$top" "$MNT/$top/mine" "$MNT/$top/theirs"
# Delegate mine to the hostile user and theirs to the other one, as systemd's Delegate=yes
# does on v1: the directory, cgroup.procs and tasks in every hierarchy.
for m in $(v1_mounts); do
  chown "$HOSTILE:" "$m/$top/mine" "$m/$top/mine/cgroup.procs" "$m/$top/mine/tasks"
  chown "$OTHER:" "$m/$top/theirs" "$m/$top/theirs/cgroup.procs" "$m/$top/theirs/tasks"
done
chmod 0755 "$MNT/$top" 2>/dev/null || true
# Each user makes a cgroup of its own below: theirs entirely (limits included).
as "$HOSTILE" mkdir "$MNT/$top/mine/own"
as "$OTHER" mkdir "$MNT/$top/theirs/own"
[ "$(stat -c %u "$(v1_dir memory "$top/mine/own")/memory.limit_in_bytes")" = "$(uid_of "$HOSTILE")" ] ||
  fail "the hostile user's cgroup is not theirs in the kernel"

# `start_hog NAME ARGS...`: run hog as the hostile user in the background, its stdin a fifo kept
# open by the test; wait for its report line, which lands in $WORK/NAME.
start_hog() {
  local name=$1; shift
  mkfifo "$WORK/$name.in"
  # exec: $! is the hog itself (setpriv execs it), so that it can be ended by pid.
  (exec setpriv --reuid="$HOSTILE" --regid="$HOSTILE" --clear-groups "$HOG" "$@") \
    < "$WORK/$name.in" > "$WORK/$name" 2>&1 &
  HOGS+=($!)
  SPAWNED+=($!)
  exec {HOG_IN}> "$WORK/$name.in"
  until grep -q '^done ' "$WORK/$name"; do
    kill -0 "${HOGS[-1]}" 2>/dev/null || fail "hog $* ended: $(cat "$WORK/$name")"
    sleep 0.05
  done
  read -r _ HOG_OK HOG_FAILED HOG_ERRNO _ < "$WORK/$name"
  note "hog $1 (${2##*/} x$3): $HOG_OK ok, $HOG_FAILED refused ($HOG_ERRNO)"
}
stop_hog() { exec {HOG_IN}>&-; end_hogs; }

daemon_fds() { ls "/proc/$DAEMON_PID/fd" | wc -l; }
daemon_rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$DAEMON_PID/status"; }

# Root and the other user still get service: read, write a limit (checked in the kernel), and a
# poll() that wakes when a process of theirs enters a cgroup.
others_served() {
  local why=$1 lim=$((RANDOM + 100))
  cat "$MNT/$top/stats.json" | jq -e .pids > /dev/null || fail "$why: root cannot read stats.json"
  as "$OTHER" cat "$MNT/$top/theirs/own/events" > /dev/null || fail "$why: the other user cannot read events"
  as "$OTHER" sh -c "echo '{\"pids\": {\"limit\": $lim}}' > '$MNT/$top/theirs/own/resources.json'" ||
    fail "$why: the other user cannot write a limit"
  [ "$(cat "$(v1_dir pids "$top/theirs/own")/pids.max")" = "$lim" ] ||
    fail "$why: the other user's limit is not in the kernel"
  rm -f "$WORK/ready"
  "$FS_POLL" "$MNT/$top/theirs/events" "$WORK/ready" > "$WORK/poll.out" &
  local poller=$!
  SPAWNED+=("$poller")
  until [ -e "$WORK/ready" ]; do kill -0 "$poller" 2>/dev/null || fail "$why: fs-poll ended"; sleep 0.02; done
  spawn_sleep
  echo "$SLEPT" > "$(v1_dir pids "$top/theirs")/cgroup.procs" # the test's own sleep
  wait "$poller" || fail "$why: poll() on events did not wake (status $?)"
  grep -q "populated 1" "$WORK/poll.out" || fail "$why: the wake-up did not show populated 1"
  kill -KILL "$SLEPT"; wait "$SLEPT" 2>/dev/null || true
}

note "open files: 2200 opens of events by one user"
fds0=$(daemon_fds)
start_hog open open "$MNT/$top/mine/events" 2200
[ "$HOG_OK" = "$MAX_OPEN" ] && [ "$HOG_ERRNO" = EMFILE ] ||
  fail "the hostile user opened $HOG_OK files ($HOG_ERRNO), not $MAX_OPEN then EMFILE"
[ "$(daemon_fds)" -le $((fds0 + 8)) ] || fail "the daemon holds $(daemon_fds) fds, $fds0 before"
others_served "with $MAX_OPEN files open by another user"
stop_hog

note "contents: 1024 opens of the metrics.prom of a subtree of 60 cgroups"
as "$HOSTILE" /usr/bin/python3 -c '
import os, sys
for i in range(60):
    os.mkdir("%s/m%d" % (sys.argv[1], i))' "$MNT/$top/mine/own"
size=$(as "$HOSTILE" cat "$MNT/$top/mine/own/metrics.prom" | wc -c)
rss0=$(daemon_rss_kb)
start_hog contents open "$MNT/$top/mine/own/metrics.prom" 1024
[ "$HOG_ERRNO" = ENOMEM ] && [ "$HOG_OK" -lt 1024 ] && [ "$HOG_OK" -ge $((MAX_SNAPSHOTS / size / 2)) ] ||
  fail "the hostile user held $HOG_OK snapshots of $size bytes ($HOG_ERRNO), wanted about $((MAX_SNAPSHOTS / size)) then ENOMEM"
[ "$(daemon_rss_kb)" -le $((rss0 + MAX_SNAPSHOTS / 1024 + 16384)) ] ||
  fail "the daemon's RSS grew from $rss0 to $(daemon_rss_kb) kB"
others_served "with $HOG_OK snapshots held by another user"
stop_hog

note "pending bytes: unfinished 4 MiB documents"
rss0=$(daemon_rss_kb)
start_hog write write "$MNT/$top/mine/own/resources.json" 6 $((4 << 20))
[ "$HOG_OK" = $((MAX_PENDING >> 22)) ] && [ "$HOG_ERRNO" = EDQUOT ] ||
  fail "the hostile user left $HOG_OK unfinished documents ($HOG_ERRNO), not $((MAX_PENDING >> 22)) then EDQUOT"
rss1=$(daemon_rss_kb)
[ "$rss1" -le $((rss0 + MAX_PENDING / 1024 + 8192)) ] ||
  fail "the daemon's RSS grew from $rss0 to $rss1 kB"
others_served "with unfinished documents of another user"
stop_hog

# With the daemon limited to 1024 fds (the usual default), 100 pollers holding fds per
# hierarchy starved everyone else (EMFILE); now one user's pollers are few and hold 4 each.
note "pollers: 100 polled events files of one user (the daemon limited to 1024 fds)"
prlimit --pid "$DAEMON_PID" --nofile=1024:1024
start_hog poll poll "$MNT/$top/mine/events" 100
[ "$HOG_OK" = "$MAX_POLLERS" ] ||
  fail "the hostile user got $HOG_OK pollers, not $MAX_POLLERS"
others_served "with $MAX_POLLERS pollers of another user"
stop_hog

note "self-freezing writers: 20 threads freezing their own cgroup"
# The hog sits in its own cgroup in every hierarchy (the test's own process, moved by pid).
mkfifo "$WORK/freeze.in"
bash -c 'for m in '"$(v1_mounts | tr '\n' ' ')"'; do echo $$ > "$m/'"$top"'/mine/own/cgroup.procs"; done
         exec setpriv --reuid='"$HOSTILE"' --regid='"$HOSTILE"' --clear-groups "$0" "$@"' \
  "$HOG" freeze "$MNT/$top/mine/own/state" 20 < "$WORK/freeze.in" > "$WORK/freeze" 2>&1 &
HOGS+=($!) SPAWNED+=($!)
exec {HOG_IN}> "$WORK/freeze.in"
until grep -q '^done ' "$WORK/freeze"; do
  kill -0 "${HOGS[-1]}" 2>/dev/null || fail "hog freeze ended: $(cat "$WORK/freeze")"
  others_served "while another user's writers freeze their own cgroup"
done
read -r _ HOG_OK HOG_FAILED HOG_ERRNO _ < "$WORK/freeze"
note "hog freeze x20: $HOG_OK ok, $HOG_FAILED refused ($HOG_ERRNO)"
[ "$HOG_OK" = 0 ] && [ "$HOG_FAILED" = 20 ] || fail "self-freezing writes: $HOG_OK succeeded"
[[ $HOG_ERRNO == EDEADLK || $HOG_ERRNO == EAGAIN ]] || fail "self-freeze refused with $HOG_ERRNO"
[ "$(cat "$(v1_dir freezer "$top/mine/own")/freezer.state")" = THAWED ] ||
  fail "the hostile user's cgroup is not THAWED"
stop_hog

note "error messages: a 5000-byte key"
key=$(head -c 5000 /dev/zero | tr '\0' k)
expect_error "Invalid argument" as "$HOSTILE" /bin/sh -c \
  "/bin/echo '{\"$key\": 1}' > '$MNT/$top/mine/own/resources.json'"
len=$(as "$HOSTILE" cat "$MNT/$top/mine/own/last_error" | wc -c)
[ "$len" -gt 0 ] && [ "$len" -le $((MAX_MESSAGE + 1)) ] || fail "last_error is $len bytes"

# The kernel makes deep cgroups in quadratic time (12000 levels: minutes here): 3000 levels
# against a daemon limited to 1024 fds show the same (a walk holding fds per level needs 6000).
note "a subtree 3000 levels deep (made by the user in the pids hierarchy)"
DEEP=$(v1_dir pids "$top/mine")
as "$HOSTILE" bash -c "$(declare -f chain); chain make '$DEEP' 3000"
prlimit --pid "$DAEMON_PID" --nofile=1024:1024
cat "$MNT/$top/mine/events" > "$WORK/deep-events" || fail "events of a deep subtree cannot be read"
grep -qx "populated 0" "$WORK/deep-events" || fail "events of the deep subtree: $(cat "$WORK/deep-events")"
chain remove "$DEEP" 0
DEEP=

note "ok"
