#!/bin/bash
# Fair share: a hostile unprivileged user, created by this test, tries to exhaust a shared cgfs
# mount (-o allow_other) — thousands of open files, unfinished 4 MiB documents, 100 pollers,
# self-freezing writers, huge error messages — and gets at most its share (docs/tree.md
# "Limits"), while root and a second user created here keep their service: their opens, writes
# and poll() wake-ups work meanwhile. Each hostile run is `hog` (hog.c) as that user; each is
# checked against the kernel's own files where it changes something.
#
# On cgroup v1 here, and on cgroup v2 in the QEMU guest (vm-fault-fair-share), with the same
# figures. The counts of the guest run (emulated, slow) are lowered by the environment where the
# figure stays the same: FAIR_OPENS (default 2200; any count above 1024 shows the limit),
# FAIR_METRICS_CGROUPS (default 60: the size of each snapshot, the limit is in bytes).
# The deep-subtree case is v1's (v2's populated is the kernel's cgroup.events: no walk).
set -eu
. "$(dirname "$0")/../integration/fs-common.sh"
[ -n "${HOG:-}" ] && [ -x "$HOG" ] || skip "HOG does not name the hog helper"
[ -n "${FS_POLL:-}" ] && [ -x "$FS_POLL" ] || skip "FS_POLL does not name fs-poll"
command -v useradd >/dev/null && command -v setpriv >/dev/null || skip "no useradd or setpriv"
if [ -n "$(v1_mounts)" ]; then
  VERSION=v1
else
  VERSION=v2
  [ -n "$(v2_mount)" ] || skip "no cgroup v1 or v2 mount"
  for c in memory pids; do
    grep -qw "$c" "$(v2_mount)/cgroup.subtree_control" || skip "v2 without $c enabled at its root"
  done
fi
OPENS=${FAIR_OPENS:-2200}
METRICS_CGROUPS=${FAIR_METRICS_CGROUPS:-60}
# The kernel's directory of the test's cgroup $2 for controller $1 (v1: its hierarchy).
kdir() { if [ "$VERSION" = v1 ]; then v1_dir "$1" "$2"; else echo "$(v2_mount)/$2"; fi; }
kmounts() { if [ "$VERSION" = v1 ]; then v1_mounts; else v2_mount; fi; }

# The figures of fs/fs.h.
MAX_OPEN=1024
MAX_PENDING=$((8 << 20))
MAX_POLLERS=64
MAX_MESSAGE=512
MAX_SNAPSHOTS=$((16 << 20))

USERS=()
declare -A UID_OF GID_OF
# `make_user NAME FALLBACK_ID`: the guest has no writable /etc/passwd: numeric ids are users to
# the kernel too.
make_user() {
  if useradd --system --no-create-home --user-group --shell /usr/sbin/nologin "$1" 2>/dev/null; then
    USERS+=("$1")
    UID_OF[$1]=$(id -u "$1") GID_OF[$1]=$(id -g "$1")
  elif [ "$VERSION" = v2 ]; then # the guest: useradd cannot work there
    UID_OF[$1]=$2 GID_OF[$1]=$2
  else
    skip "cannot add user $1"
  fi
}
HOSTILE=cgfst$$h
OTHER=cgfst$$o
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

make_user "$HOSTILE" 40011
make_user "$OTHER" 40012
uid_of() { echo "${UID_OF[$1]}"; }
as() { local u=$1; shift; setpriv --reuid="${UID_OF[$u]}" --regid="${GID_OF[$u]}" --clear-groups "$@"; }
# The helper where the users can run it (the guest's build tree may not let them).
install -m 755 "$HOG" "$WORK/hog"
HOG=$WORK/hog
chmod 711 "$WORK"

# The poller share depends on the daemon's open files limit (fs_fair_share_pollers_for): 64
# from 8192 up. The guest's default (4096) gives 51; root there may raise it, as here it is.
[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 8192 ] || ulimit -n 8192 2>/dev/null || true
mount_cgfs -o allow_other
# What fs/main.c and fs/fair-share.c make of the daemon's limit: the fd cache takes
# min(4096, nofile / 2), the rest less 32 + 16 workers x 24 is for pollers of 4 fds; a user
# gets an eighth, at most MAX_POLLERS.
nofile=$(awk '/^Max open files/ { print $4 }' "/proc/$DAEMON_PID/limits")
fd_cache=$((nofile / 2 < 4096 ? nofile / 2 : 4096))
pollers=$(((nofile - fd_cache - 32 - 16 * 24) / 4 / 8))
[ "$pollers" -le "$MAX_POLLERS" ] || pollers=$MAX_POLLERS
top=${PREFIX}share
mkdir "$MNT/$top" "$MNT/$top/mine" "$MNT/$top/theirs"
# Delegate mine to the hostile user and theirs to the other one, as systemd's Delegate=yes
# does: the directory, cgroup.procs and tasks in every v1 hierarchy; on v2 the directory,
# cgroup.procs, cgroup.threads and cgroup.subtree_control, with memory and pids enabled for
# their children (the test's own cgroups' kernel files: cgfs leaves subtree_control to users).
delegate() {
  local m f files=(cgroup.procs tasks)
  [ "$VERSION" = v1 ] || files=(cgroup.procs cgroup.threads cgroup.subtree_control)
  for m in $(kmounts); do
    chown "${UID_OF[$2]}:${GID_OF[$2]}" "$m/$1"
    for f in "${files[@]}"; do chown "${UID_OF[$2]}:${GID_OF[$2]}" "$m/$1/$f"; done
  done
}
if [ "$VERSION" = v2 ]; then
  for d in "$top" "$top/mine" "$top/theirs"; do echo "+memory +pids" > "$(v2_mount)/$d/cgroup.subtree_control"; done
fi
delegate "$top/mine" "$HOSTILE"
delegate "$top/theirs" "$OTHER"
chmod 0755 "$MNT/$top" 2>/dev/null || true
# Each user makes a cgroup of its own below: theirs entirely (limits included).
as "$HOSTILE" mkdir "$MNT/$top/mine/own"
as "$OTHER" mkdir "$MNT/$top/theirs/own"
memory_limit_file=memory.limit_in_bytes
[ "$VERSION" = v1 ] || memory_limit_file=memory.max
[ "$(stat -c %u "$(kdir memory "$top/mine/own")/$memory_limit_file")" = "$(uid_of "$HOSTILE")" ] ||
  fail "the hostile user's cgroup is not theirs in the kernel"

# `start_hog NAME ARGS...`: run hog as the hostile user in the background, its stdin a fifo kept
# open by the test; wait for its report line, which lands in $WORK/NAME.
start_hog() {
  local name=$1; shift
  mkfifo "$WORK/$name.in"
  # exec: $! is the hog itself (setpriv execs it), so that it can be ended by pid.
  (exec setpriv --reuid="${UID_OF[$HOSTILE]}" --regid="${GID_OF[$HOSTILE]}" --clear-groups "$HOG" "$@") \
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
  [ "$(cat "$(kdir pids "$top/theirs/own")/pids.max")" = "$lim" ] ||
    fail "$why: the other user's limit is not in the kernel"
  rm -f "$WORK/ready"
  "$FS_POLL" "$MNT/$top/theirs/events" "$WORK/ready" > "$WORK/poll.out" &
  local poller=$!
  SPAWNED+=("$poller")
  until [ -e "$WORK/ready" ]; do kill -0 "$poller" 2>/dev/null || fail "$why: fs-poll ended"; sleep 0.02; done
  spawn_sleep
  # the test's own sleep, into a leaf (v2: no process in a cgroup that enables controllers)
  echo "$SLEPT" > "$(kdir pids "$top/theirs/own")/cgroup.procs"
  wait "$poller" || fail "$why: poll() on events did not wake (status $?)"
  grep -q "populated 1" "$WORK/poll.out" || fail "$why: the wake-up did not show populated 1"
  kill -KILL "$SLEPT"; wait "$SLEPT" 2>/dev/null || true
}

note "open files: $OPENS opens of events by one user"
fds0=$(daemon_fds)
start_hog open open "$MNT/$top/mine/events" "$OPENS"
[ "$HOG_OK" = "$MAX_OPEN" ] && [ "$HOG_ERRNO" = EMFILE ] ||
  fail "the hostile user opened $HOG_OK files ($HOG_ERRNO), not $MAX_OPEN then EMFILE"
[ "$(daemon_fds)" -le $((fds0 + 8)) ] || fail "the daemon holds $(daemon_fds) fds, $fds0 before"
others_served "with $MAX_OPEN files open by another user"
stop_hog

note "contents: 1024 opens of the metrics.prom of a subtree of $METRICS_CGROUPS cgroups"
as "$HOSTILE" /usr/bin/python3 -c '
import os, sys
for i in range(int(sys.argv[2])):
    os.mkdir("%s/m%d" % (sys.argv[1], i))' "$MNT/$top/mine/own" "$METRICS_CGROUPS"
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
[ "$HOG_OK" = "$pollers" ] ||
  fail "the hostile user got $HOG_OK pollers, not $pollers (the daemon's open files limit: $nofile)"
others_served "with $pollers pollers of another user"
stop_hog

note "self-freezing writers: 20 threads freezing their own cgroup"
# The hog sits in its own cgroup in every hierarchy (the test's own process, moved by pid).
mkfifo "$WORK/freeze.in"
bash -c 'for m in '"$(kmounts | tr '\n' ' ')"'; do echo $$ > "$m/'"$top"'/mine/own/cgroup.procs"; done
         exec setpriv --reuid='"${UID_OF[$HOSTILE]}"' --regid='"${GID_OF[$HOSTILE]}"' --clear-groups "$0" "$@"' \
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
if [ "$VERSION" = v1 ]; then
  [ "$(cat "$(v1_dir freezer "$top/mine/own")/freezer.state")" = THAWED ] ||
    fail "the hostile user's cgroup is not THAWED"
else
  grep -qx "frozen 0" "$(v2_mount)/$top/mine/own/cgroup.events" && [ "$(cat "$(v2_mount)/$top/mine/own/cgroup.freeze")" = 0 ] ||
    fail "the hostile user's cgroup is frozen"
fi
stop_hog

note "error messages: a 5000-byte key"
key=$(head -c 5000 /dev/zero | tr '\0' k)
expect_error "Invalid argument" as "$HOSTILE" /bin/sh -c \
  "/bin/echo '{\"$key\": 1}' > '$MNT/$top/mine/own/resources.json'"
len=$(as "$HOSTILE" cat "$MNT/$top/mine/own/last_error" | wc -c)
[ "$len" -gt 0 ] && [ "$len" -le $((MAX_MESSAGE + 1)) ] || fail "last_error is $len bytes"

# The kernel makes deep cgroups in quadratic time (12000 levels: minutes here): 3000 levels
# against a daemon limited to 1024 fds show the same (a walk holding fds per level needs 6000).
if [ "$VERSION" = v2 ]; then note "ok (v2: no deep-subtree case, populated is the kernel's)"; exit 0; fi
note "a subtree 3000 levels deep (made by the user in the pids hierarchy)"
DEEP=$(v1_dir pids "$top/mine")
as "$HOSTILE" bash -c "$(declare -f chain); chain make '$DEEP' 3000"
prlimit --pid "$DAEMON_PID" --nofile=1024:1024
cat "$MNT/$top/mine/events" > "$WORK/deep-events" || fail "events of a deep subtree cannot be read"
grep -qx "populated 0" "$WORK/deep-events" || fail "events of the deep subtree: $(cat "$WORK/deep-events")"
chain remove "$DEEP" 0
DEEP=

note "ok"
