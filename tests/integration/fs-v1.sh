#!/bin/bash
# The cgfs daemon on this machine's cgroup v1 hierarchies, driven as a user would from a shell,
# every effect checked in the kernel's own files.
set -euo pipefail
. "$(dirname "$0")/fs-common.sh"

[ -d /sys/fs/cgroup/memory ] && [ -d /sys/fs/cgroup/freezer ] || skip "no v1 memory and freezer hierarchies"
[ -n "${FS_POLL:-}" ] && [ -x "$FS_POLL" ] || skip "FS_POLL does not name the fs-poll helper"

mount_cgfs --hierarchy v1
A=$PREFIX"a"

note "mkdir makes the cgroup and its child in every hierarchy"
mkdir "$MNT/$A"
mkdir "$MNT/$A/child"
for m in $(v1_mounts); do
  [ -d "$m/$A/child" ] || fail "$m/$A/child is missing"
done
ls "$MNT" | grep -qx "$A" || fail "ls does not show $A"
listing=$(ls "$MNT/$A" | tr '\n' ' ')
for name in procs threads state events kill last_error child; do
  [[ " $listing" == *" $name "* ]] || fail "ls $A lacks $name: $listing"
done
[ "$(find "$MNT/$A" -type d | wc -l)" = 2 ] || fail "find sees other than 2 directories"
expect_error "File exists" mkdir "$MNT/$A"
expect_error "File exists" mkdir "$MNT/$A/procs"

note "mkdir and rmdir keep none of the cgroup's directories open in the daemon"
daemon_fds() { ls /proc/"$DAEMON_PID"/fd | wc -l; }
mkdir "$MNT/$A/warm" && rmdir "$MNT/$A/warm" # the journal's slot, opened at first use
before=$(daemon_fds)
mkdir "$MNT/$A/fds"
[ "$(daemon_fds)" = "$before" ] || fail "mkdir left $(( $(daemon_fds) - before )) more fds open in the daemon"
rmdir "$MNT/$A/fds"
[ "$(daemon_fds)" = "$before" ] || fail "rmdir left $(( $(daemon_fds) - before )) more fds open in the daemon"
for m in $(v1_mounts); do [ ! -e "$m/$A/fds" ] || fail "rmdir left $m/$A/fds"; done

note "mkdir -m: the mode asked for, in every hierarchy"
mkdir -m 700 "$MNT/$A/m700" || fail "mkdir -m 700 exited $?"
for m in $(v1_mounts); do
  [ "$(stat -c %a "$m/$A/m700")" = 700 ] || fail "$m/$A/m700 is $(stat -c %a "$m/$A/m700")"
done
[ "$(stat -c %a "$MNT/$A/m700")" = 700 ] || fail "m700 shows $(stat -c %a "$MNT/$A/m700")"
rmdir "$MNT/$A/m700"

note "stat: size 0, modes and owners of the kernel's files"
[ "$(stat -c '%s %a %U' "$MNT/$A/procs")" = "0 644 root" ] || fail "procs: $(stat -c '%s %a %U' "$MNT/$A/procs")"
[ "$(stat -c '%a' "$MNT/$A/events")" = 444 ] || fail "events mode"
[ "$(stat -c '%a' "$MNT/$A/kill")" = 200 ] || fail "kill mode"
[ "$(stat -c '%a' "$MNT/$A")" = "$(stat -c '%a' /sys/fs/cgroup/cpu/"$A")" ] || fail "dir mode"

note "a cgroup made outside cgfs, in only some hierarchies, owned by a user, is shown as such"
P=$PREFIX"partial"
mkdir /sys/fs/cgroup/memory/"$P" /sys/fs/cgroup/pids/"$P"
chown nobody:nogroup /sys/fs/cgroup/memory/"$P" /sys/fs/cgroup/memory/"$P"/cgroup.procs
ls "$MNT" | grep -qx "$P" || fail "a cgroup in 2 hierarchies is not listed"
[ "$(stat -c '%U' "$MNT/$P")" = nobody ] || fail "owner of $P: $(stat -c '%U' "$MNT/$P")"
[ "$(stat -c '%U' "$MNT/$P/procs")" = nobody ] || fail "owner of $P/procs"
no_procs "$MNT/$P/procs" || fail "procs of an empty cgroup"
rmdir "$MNT/$P"
[ ! -e /sys/fs/cgroup/memory/"$P" ] && [ ! -e /sys/fs/cgroup/pids/"$P" ] || fail "rmdir $P left it"

note "mkdir: cpuset filled, clone_children set only on cgroups cgfs makes, EEXIST changes nothing"
E=$PREFIX"ext"
for m in $(v1_mounts); do mkdir "$m/$E"; done # made outside cgfs: its flag is left alone
echo 0 > "$(v1_dir cpuset "$E")"/cpuset.mems
cat "$(v1_dir cpuset "")"/cpuset.cpus > "$(v1_dir cpuset "$E")"/cpuset.cpus
mkdir "$MNT/$E/in"
[ "$(cat "$(v1_dir cpuset "$E")"/cgroup.clone_children)" = 0 ] || fail "clone_children set on $E"
[ "$(cat "$(v1_dir cpuset "$E/in")"/cgroup.clone_children)" = 1 ] || fail "clone_children of $E/in"
mkdir "$MNT/$E/in/deep" # the kernel copies cpus and mems
for f in cpuset.cpus cpuset.mems; do
  [ -n "$(cat "$(v1_dir cpuset "$E/in/deep")/$f")" ] &&
    [ "$(cat "$(v1_dir cpuset "$E/in/deep")/$f")" = "$(cat "$(v1_dir cpuset "$E")/$f")" ] ||
    fail "$f of $E/in/deep: '$(cat "$(v1_dir cpuset "$E/in/deep")/$f")'"
done
mkdir /sys/fs/cgroup/memory/"$E/in/m" # exists in one hierarchy only
expect_error "File exists" mkdir "$MNT/$E/in/m"
[ ! -e /sys/fs/cgroup/pids/"$E/in/m" ] || fail "a refused mkdir made $E/in/m in pids"
rmdir /sys/fs/cgroup/memory/"$E/in/m"
rmdir "$MNT/$E/in/deep" "$MNT/$E/in" "$MNT/$E"
for m in $(v1_mounts); do [ ! -e "$m/$E" ] || fail "rmdir left $m/$E"; done

note "echo \$pid > procs moves it in every hierarchy"
spawn_sleep; S1=$SLEPT
spawn_sleep; S2=$SLEPT
echo $S1 > "$MNT/$A/procs"
for m in $(v1_mounts); do
  file_has_line "$m/$A/cgroup.procs" $S1 || fail "$S1 not in $m/$A/cgroup.procs"
done
file_has_line "$MNT/$A/procs" $S1 || fail "cat procs lacks $S1"
file_has_line "$MNT/$A/threads" $S1 || fail "cat threads lacks $S1"
printf '%s\n' $S2 > "$MNT/$A/child/procs"
file_has_line /sys/fs/cgroup/memory/"$A"/child/cgroup.procs $S2 || fail "printf into child/procs"
echo "$S1 $S2" > "$MNT/$A/child/procs"
file_has_line /sys/fs/cgroup/pids/"$A"/child/cgroup.procs $S1 || fail "two pids in one write"
echo $S1 > "$MNT/$A/procs"
bash -c "echo 0 > '$MNT/$A/child/procs'; exec sleep 1000" &
SPAWNED+=($!); S0=$!
# The daemon moves the writer hierarchy by hierarchy: wait for the first and the last it moves.
deadline=$((SECONDS + 60))
until file_has_line /sys/fs/cgroup/cpu/"$A"/child/cgroup.procs $S0 &&
      file_has_line /sys/fs/cgroup/freezer/"$A"/child/cgroup.procs $S0; do
  kill -0 $S0 || fail "echo 0 > procs: the writer died"
  [ $SECONDS -lt $deadline ] || fail "0 = the writer: not moved in every hierarchy"
  sleep 0.02
done

note "a refused write moves nothing, not even the rest of a refused word"
spawn_sleep; S3=$SLEPT
python3 - "$MNT/$A/child/procs" "$S3" <<'PY' || fail "refused words"
import errno, os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
def refused(data):
    try:
        os.write(fd, data)
    except OSError as e:
        return e.errno == errno.EINVAL
    return False
assert refused(b"1" * 65), "a 65-byte word was taken"
os.write(fd, sys.argv[2].encode() + b"\n")  # the rest of that word: dropped, not a pid
assert refused(sys.argv[2].encode() + b"\0garbage\n"), "a NUL inside a word was taken"
# a write is checked whole, its unfinished last word too, before any word of it moves
assert refused(sys.argv[2].encode() + b" abc"), "'PID abc': the pid was moved"
assert refused(sys.argv[2].encode() + b" 12x"), "'PID 12x': the pid was moved"
# a word begun in an earlier write is checked with the write that completes it
os.write(fd, sys.argv[2][:2].encode())
assert refused(sys.argv[2][2:].encode() + b" 7 abc\n"), "a word across two writes"
PY
bash -c "printf '%d abc' $S3 > '$MNT/$A/child/procs'" 2>/dev/null && fail "printf '%d abc' succeeded"
grep -q "invalid pid 'abc...'" "$MNT/$A/child/last_error" || fail "last_error: $(cat "$MNT/$A/child/last_error")"
# a write that ends inside a word waits for it: refused whole at close
expect_error "No such process" bash -c "/usr/bin/printf '%d %d' $S3 4194305 > '$MNT/$A/child/procs'"
for m in $(v1_mounts); do
  ! file_has_line "$m/$A/child/cgroup.procs" $S3 || fail "$S3 was moved into $m/$A/child"
done

note "last_error belongs to the directory, not to its name"
X=$PREFIX"again"
mkdir "$MNT/$X"
expect_error "Invalid argument" write_to "$MNT/$X/procs" bogus
grep -q "invalid pid 'bogus'" "$MNT/$X/last_error" || fail "last_error of $X"
for m in $(v1_mounts); do rmdir "$m/$X"; done # removed outside cgfs...
mkdir "$MNT/$X"                               # ...and made again: a new directory
[ -z "$(cat "$MNT/$X/last_error")" ] || fail "the new $X shows the old one's last_error"
rmdir "$MNT/$X"

note "a cgroup made again under the same name is read anew, never through the old one's files"
mkdir "$MNT/$X"
echo 104857600 > "$(v1_dir memory "$X")"/memory.limit_in_bytes
[ "$(jq .memory.usage.limit "$MNT/$X/stats.json")" = 104857600 ] || fail "stats.json of $X"
for m in $(v1_mounts); do rmdir "$m/$X"; done # removed outside cgfs...
expect_error "No such file or directory" cat "$MNT/$X/stats.json"
for m in $(v1_mounts); do mkdir "$m/$X"; done # ...and made again
echo 209715200 > "$(v1_dir memory "$X")"/memory.limit_in_bytes
[ "$(jq .memory.usage.limit "$MNT/$X/stats.json")" = 209715200 ] ||
  fail "stats.json of the new $X: $(jq -c .memory.usage "$MNT/$X/stats.json")"
rmdir "$MNT/$X"

note "made again in one hierarchy only: loaded afresh, after one refused request at most"
mkdir "$MNT/$X"
for i in 1 2 3; do cat "$MNT/$X/stats.json" > /dev/null; done # cached, its files kept
rmdir "$(v1_dir memory "$X")"
mkdir "$(v1_dir memory "$X")"
echo '{"memory": {"limit": 104857600}}' > "$MNT/$X/resources.json" 2>/dev/null || true
echo '{"memory": {"limit": 104857600}}' > "$MNT/$X/resources.json"
[ "$(cat "$(v1_dir memory "$X")"/memory.limit_in_bytes)" = 104857600 ] || fail "limit of the new $X"
[ "$(jq .memory.usage.limit "$MNT/$X/stats.json")" = 104857600 ] || fail "stats.json of the new $X"
rmdir "$MNT/$X"

note "a resources.json opened before its cgroup was removed and made again: ENOENT, the new one untouched"
mkdir "$MNT/$X"
for i in 1 2 3; do cat "$MNT/$X/stats.json" > /dev/null; done # cached, its files kept
echo '{"pids": {"limit": 50}}' > "$MNT/$X/resources.json" # pids.max kept open too
# the audit lines, word for word (a change's, and one with arguments: mkdir's)
grep -qxF "cgfs: audit: uid 0 pid $BASHPID: /$X: changed limits" "$LOG" ||
  fail "no audit line of the change: $(grep audit "$LOG" | tail -2)"
grep -qxE "cgfs: audit: uid 0 pid [0-9]+: /: made cgroup $X" "$LOG" || fail "no audit line of mkdir $X"
told=$(grep -c "resources.json: cgroup deleted since the file was opened: .*$X" "$LOG" || true)
python3 - "$MNT/$X/resources.json" "$X" $(v1_mounts) <<'PY' || fail "write after the cgroup was made again"
import errno, os, sys
path, name, mounts = sys.argv[1], sys.argv[2], sys.argv[3:]
fd = os.open(path, os.O_WRONLY)
for m in mounts:  # removed outside cgfs...
    os.rmdir(os.path.join(m, name))
for m in mounts:  # ...and made again
    os.mkdir(os.path.join(m, name))
try:
    os.write(fd, b'{"pids": {"limit": 60}}')
    sys.exit("the write to the old cgroup's file was taken")
except OSError as e:
    assert e.errno == errno.ENOENT, "errno %d (%s), wanted ENOENT" % (e.errno, e.strerror)
try:
    os.close(fd)
except OSError:
    pass
PY
[ "$(cat "$(v1_dir pids "$X")"/pids.max)" = max ] || fail "pids.max of the new $X: $(cat "$(v1_dir pids "$X")"/pids.max)"
grep -q "cgroup deleted since the file was opened" "$MNT/$X/last_error" && fail "the new $X shows the old one's error"
[ "$(grep -c "resources.json: cgroup deleted since the file was opened: .*$X" "$LOG")" = "$((told + 1))" ] ||
  fail "the log does not tell the write's cgroup was deleted since the file was opened"
rmdir "$MNT/$X"

note "requests on an open file or directory (libfuse gives them no path: nullpath_ok)"
N=$PREFIX"open"
mkdir "$MNT/$N"
python3 - "$MNT/$N" "$(v1_dir pids "$N")" <<'PY' || fail "requests on open files of $N"
import errno, os, stat, sys
d, pids = sys.argv[1], sys.argv[2]
path = os.path.join(d, "resources.json")
fd = os.open(path, os.O_WRONLY)
os.ftruncate(fd, 0)  # setattr with the file handle: accepted, changes nothing
assert os.write(fd, b'{"pids": {"limit": 77}}') == 23
# the write invalidated the size: lseek(SEEK_END) asks getattr with the file handle
assert os.lseek(fd, 0, os.SEEK_END) == 0
st, by_path = os.fstat(fd), os.stat(path)
assert stat.S_ISREG(st.st_mode) and st.st_mode == by_path.st_mode, (st, by_path)
os.close(fd)
assert open(os.path.join(pids, "pids.max")).read() == "77\n"
fd = os.open(os.path.join(d, "stats.json"), os.O_RDONLY)
assert os.read(fd, 1) == b"{"
assert os.lseek(fd, 0, os.SEEK_END) == 0
os.close(fd)
dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)  # opendir, readdir, releasedir
names = set(os.listdir(dfd))
assert {"resources.json", "stats.json", "procs"} <= names, names
assert stat.S_ISDIR(os.fstat(dfd).st_mode)
try:
    os.fchmod(dfd, 0o700)
    sys.exit("fchmod of the directory accepted")
except OSError as e:
    assert e.errno == errno.EPERM, e
os.close(dfd)
PY
rmdir "$MNT/$N"

note "a hot cgroup's procs and events follow the kernel (v1's pid lists are never read twice)"
H=$PREFIX"hot"
mkdir "$MNT/$H"
for _ in 1 2 3; do cat "$MNT/$H/procs" "$MNT/$H/events" > /dev/null; done # hot: files kept
no_procs "$MNT/$H/procs" || fail "procs of the empty $H: $(cat "$MNT/$H/procs")"
file_has_line "$MNT/$H/events" "populated 0" || fail "events of the empty $H: $(cat "$MNT/$H/events")"
spawn_sleep; SH=$SLEPT
for m in $(v1_mounts); do echo "$SH" > "$m/$H/cgroup.procs"; done # moved in outside cgfs
[ "$(cat "$MNT/$H/procs")" = "$SH" ] || fail "procs of $H after a move outside cgfs: $(cat "$MNT/$H/procs")"
file_has_line "$MNT/$H/events" "populated 1" || fail "events of $H after a move: $(cat "$MNT/$H/events")"
kill "$SH"
for m in $(v1_mounts); do until no_procs "$m/$H/cgroup.procs"; do sleep 0.02; done; done
no_procs "$MNT/$H/procs" || fail "procs of $H after its process ended: $(cat "$MNT/$H/procs")"
file_has_line "$MNT/$H/events" "populated 0" || fail "events of $H after its process ended: $(cat "$MNT/$H/events")"
rmdir "$MNT/$H"

note "a listing kept between reads follows cgroups made and removed outside cgfs, in any hierarchy"
L=$PREFIX"list"
mkdir "$MNT/$L" "$MNT/$L/a" "$MNT/$L/b"
for _ in 1 2 3; do ls "$MNT/$L" > /dev/null; done # listed again and again: kept
children() { find "$MNT/$L" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort | tr '\n' ' '; }
[ "$(children)" = "a b " ] || fail "children of $L: $(children)"
mkdir "$(v1_dir memory "$L")/m" # in one hierarchy only, outside cgfs
[ "$(children)" = "a b m " ] || fail "children of $L after a mkdir in memory: $(children)"
rmdir "$(v1_dir memory "$L")/m"
[ "$(children)" = "a b " ] || fail "children of $L after that rmdir: $(children)"
for m in $(v1_mounts); do rmdir "$m/$L/a"; done
[ "$(children)" = "b " ] || fail "children of $L after a rmdir outside cgfs: $(children)"
rmdir "$MNT/$L/b"
[ -z "$(children)" ] || fail "children of $L after rmdir through cgfs: $(children)"
rmdir "$MNT/$L"

note "find and stat of cgroups not loaded: the kernel's directories, children in any hierarchy"
W=$PREFIX"walk"
for m in $(v1_mounts); do mkdir "$m/$W" "$m/$W/a" "$m/$W/b"; chmod 700 "$m/$W/b"; done
mkdir "$(v1_dir memory "$W")/a/g" # a grandchild in one hierarchy only
walked=$(cd "$MNT" && find "$W" -type d | sort | tr '\n' ' ')
[ "$walked" = "$W $W/a $W/a/g $W/b " ] || fail "find $W: $walked"
[ "$(stat -c %a "$MNT/$W/b")" = 700 ] || fail "mode of $W/b: $(stat -c %a "$MNT/$W/b")"
# a node mirrors the first hierarchy's file that has it (memory's limit for resources.json)
chown nobody "$(v1_dir memory "$W")/b/memory.limit_in_bytes"
[ "$(stat -c %U "$MNT/$W/b/resources.json")" = nobody ] ||
  fail "owner of $W/b/resources.json: $(stat -c %U "$MNT/$W/b/resources.json")"
[ "$(stat -c %a "$MNT/$W/b/state")" = "$(stat -c %a "$(v1_dir freezer "$W")/b/freezer.state")" ] ||
  fail "mode of $W/b/state"
[ "$(stat -c %a "$MNT/$W/a/g")" = "$(stat -c %a "$(v1_dir memory "$W")/a/g")" ] || fail "mode of $W/a/g"
expect_error "No such file or directory" stat "$MNT/$W/none"
# removed outside cgfs after the walk saw it (its entry may still be in the kernel's cache):
# listing it is ENOENT, not an empty directory
for m in $(v1_mounts); do rmdir "$m/$W/b"; done
expect_error "No such file or directory" ls "$MNT/$W/b"
# ...and a directory opened before it was removed lists as the kernel's own does: nothing (the
# daemon answers ENOENT, which readdir(3) takes for the end, as it does from cgroupfs)
for m in $(v1_mounts); do mkdir "$m/$W/c"; done
listed=$(python3 -c '
import os, subprocess, sys
mine, kernel = (os.open(d, os.O_RDONLY | os.O_DIRECTORY) for d in sys.argv[1:3])
subprocess.run(["rmdir"] + sys.argv[3:], check=True)
print(sorted(os.listdir(mine)), sorted(os.listdir(kernel)))' \
  "$MNT/$W/c" "$(v1_dir memory "$W")/c" $(for m in $(v1_mounts); do echo "$m/$W/c"; done))
[ "$listed" = "[] []" ] || fail "open directories removed outside cgfs (cgfs, cgroupfs) list as: $listed"
rmdir "$(v1_dir memory "$W")/a/g"
for m in $(v1_mounts); do rmdir "$m/$W/a" "$m/$W"; done

note "readers hold no descriptors of the daemon's"
before=$(ls /proc/"$DAEMON_PID"/fd | wc -l)
fds=()
for ((i = 0; i < 200; i++)); do exec {fd}<"$MNT/$A/procs"; fds+=("$fd"); done
held=$(ls /proc/"$DAEMON_PID"/fd | wc -l)
for fd in "${fds[@]}"; do exec {fd}<&-; done
[ "$held" -le $((before + 10)) ] || fail "200 open readers hold $((held - before)) daemon fds"

note "events and state"
[ "$(cat "$MNT/$A/events")" = "$(printf 'populated 1\nfrozen 0\nunder_oom 0\noom_kill 0')" ] ||
  fail "events: $(cat "$MNT/$A/events")"
[ "$(cat "$MNT/$A/state")" = thawed ] || fail "state is not thawed"
"$FS_POLL" "$MNT/$A/events" "$WORK/ready" > "$WORK/poll" &
POLLER=$!; SPAWNED+=($POLLER)
until [ -e "$WORK/ready" ]; do kill -0 $POLLER || fail "fs-poll ended early"; sleep 0.02; done
echo frozen > "$MNT/$A/state"
wait $POLLER || fail "fs-poll: no wake-up on v1"
sed -n '/after:/,$p' "$WORK/poll" | grep -qx "frozen 1" || fail "poll output: $(cat "$WORK/poll")"
rm -f "$WORK/ready" "$WORK/poll"
[ "$(cat "$MNT/$A/state")" = frozen ] || fail "state after freezing"
[ "$(cat /sys/fs/cgroup/freezer/"$A"/freezer.state)" = FROZEN ] || fail "freezer.state after freezing"
[ "$(proc_state $S1)" = D ] || fail "$S1 is $(proc_state $S1), not frozen (D)"
grep -qx "frozen 1" "$MNT/$A/events" || fail "events after freezing"
echo thawed > "$MNT/$A/state"
[ "$(cat /sys/fs/cgroup/freezer/"$A"/freezer.state)" = THAWED ] || fail "freezer.state after thawing"
proc_state_becomes $S1 S || fail "$S1 is $(proc_state $S1) after thawing"

note "errors: non-zero exit, the errno's text, last_error, nothing changed"
before=$(cat /sys/fs/cgroup/cpu/"$A"/cgroup.procs)
expect_error "Invalid argument" write_to "$MNT/$A/procs" "12abc"
grep -q "procs: invalid pid '12abc'" "$MNT/$A/last_error" || fail "last_error: $(cat "$MNT/$A/last_error")"
G=$(gone_pid)
expect_error "No such process" write_to "$MNT/$A/procs" "$G"
grep -q "procs: invalid pid $G: no such process" "$MNT/$A/last_error" || fail "last_error: $(cat "$MNT/$A/last_error")"
expect_error "No such process" ext_write_to "$MNT/$A/procs" "$S2 $G"
[ "$(cat /sys/fs/cgroup/cpu/"$A"/cgroup.procs)" = "$before" ] || fail "a failed write moved a process"
expect_error "Invalid argument" write_to "$MNT/$A/state" melted
grep -q "invalid state 'melted'" "$MNT/$A/last_error" || fail "last_error after state"
expect_error "Invalid argument" write_to "$MNT/$A/state" "frozen bogus"
grep -q "invalid state 'bogus'" "$MNT/$A/last_error" || fail "last_error after 'frozen bogus'"
expect_error "Invalid argument" bash -c "printf 'frozen bog' > '$MNT/$A/state'"
expect_error "Invalid argument" bash -c "printf '1 2' > '$MNT/$A/kill'"
[ "$(cat /sys/fs/cgroup/freezer/"$A"/freezer.state)" = THAWED ] || fail "a refused state write froze"
[ "$(cat /sys/fs/cgroup/freezer/"$A"/freezer.state)" = THAWED ] || fail "a failed state write changed it"
expect_error "Permission denied" write_to "$MNT/$A/events" x
grep -q "events: read-only: it cannot be opened for writing" "$MNT/$A/last_error" || fail "last_error after events"
expect_error "Invalid argument" write_to "$MNT/$A/kill" 2
kill -0 $S1 || fail "a failed kill killed"
expect_error "Device or resource busy" rmdir "$MNT/$A/child"
grep -q "rmdir: cannot delete cgroup /$A/child: process" "$MNT/$A/child/last_error" || fail "last_error after rmdir"
[ -d /sys/fs/cgroup/memory/"$A"/child ] || fail "a refused rmdir removed the cgroup"
expect_error "Directory not empty" rmdir "$MNT/$A"
expect_error "Operation not permitted" touch "$MNT/$A/newfile"
grep -q "'newfile': only cgroup directories" "$MNT/$A/last_error" || fail "last_error after touch"
expect_error "Operation not permitted" ln -s procs "$MNT/$A/link"
expect_error "Operation not permitted" rm "$MNT/$A/procs"
expect_error "No such file or directory" cat "$MNT/$A/nonexistent"
expect_error "No such file or directory" cat "$MNT/$A/cgroup.procs"
expect_error "Not a directory" ls "$MNT/$A/procs/x"
: > "$MNT/$A/procs"   # O_TRUNC alone is accepted
truncate -s 0 "$MNT/$A/state"
[ "$(cat /sys/fs/cgroup/freezer/"$A"/freezer.state)" = THAWED ] || fail "truncate changed state"

note "stats.json"
usage=$(jq .memory.usage.usage "$MNT/$A/stats.json")
[[ $usage =~ ^[0-9]+$ ]] || fail "memory.usage.usage is '$usage'"
expect_error "Permission denied" write_to "$MNT/$A/stats.json" '{}'
grep -q "stats.json: read-only" "$MNT/$A/last_error" || fail "last_error after stats.json"

note "resources.json"
echo '{"memory": {"limit": 268435456}, "pids": {"limit": 64}, "cpu": {"shares": 512}}' > "$MNT/$A/resources.json"
[ "$(cat /sys/fs/cgroup/memory/"$A"/memory.limit_in_bytes)" = 268435456 ] || fail "memory limit"
[ "$(cat /sys/fs/cgroup/pids/"$A"/pids.max)" = 64 ] || fail "pids.max"
[ "$(cat /sys/fs/cgroup/cpu/"$A"/cpu.shares)" = 512 ] || fail "cpu.shares"
[ "$(jq .memory.limit "$MNT/$A/resources.json")" = 268435456 ] || fail "jq .memory.limit"
[ "$(jq .pids.limit < "$MNT/$A/resources.json")" = 64 ] || fail "jq .pids.limit"
# Written in many small pieces, as a pipe would.
printf '{"pids":\n' > "$WORK/doc"; printf ' {"limit": 99}}\n' >> "$WORK/doc"
dd if="$WORK/doc" of="$MNT/$A/resources.json" bs=3 status=none
rm -f "$WORK/doc"
[ "$(cat /sys/fs/cgroup/pids/"$A"/pids.max)" = 99 ] || fail "pids.max after a write in pieces"
# The old values a write compares with are the kernel's now (read through kept descriptors once
# the cgroup is hot): a document written again after a change outside cgfs is applied again.
doc='{"memory": {"limit": 268435456}, "pids": {"limit": 64}, "cpu": {"shares": 512}}'
for i in 1 2 3; do echo "$doc" > "$MNT/$A/resources.json"; done
echo 65 > /sys/fs/cgroup/pids/"$A"/pids.max
echo 1024 > /sys/fs/cgroup/cpu/"$A"/cpu.shares
echo 268435456000 > /sys/fs/cgroup/memory/"$A"/memory.limit_in_bytes
echo "$doc" > "$MNT/$A/resources.json"
[ "$(cat /sys/fs/cgroup/pids/"$A"/pids.max)" = 64 ] || fail "pids.max after a change outside cgfs"
[ "$(cat /sys/fs/cgroup/cpu/"$A"/cpu.shares)" = 512 ] || fail "cpu.shares after a change outside cgfs"
[ "$(cat /sys/fs/cgroup/memory/"$A"/memory.limit_in_bytes)" = 268435456 ] ||
  fail "memory limit after a change outside cgfs"
# What was read, written back, changes nothing: on the leaf and on its parent (where v1 refuses
# devices.allow "a", so an allow-all list must be left alone).
limits() {
  cat /sys/fs/cgroup/memory/"$1"/memory.limit_in_bytes /sys/fs/cgroup/pids/"$1"/pids.max \
    /sys/fs/cgroup/cpu/"$1"/cpu.shares /sys/fs/cgroup/devices/"$1"/devices.list
}
for cg in "$A/child" "$A"; do
  limits "$cg" > "$WORK/kernel"
  cat "$MNT/$cg/resources.json" > "$WORK/read"
  cat "$WORK/read" > "$MNT/$cg/resources.json" || fail "writing back what was read of $cg"
  diff "$WORK/read" "$MNT/$cg/resources.json" || fail "$cg: read, write back, read differs"
  limits "$cg" | diff "$WORK/kernel" - || fail "$cg: writing back what was read changed kernel files"
done
rm -f "$WORK/read" "$WORK/kernel"
limit=$(cat /sys/fs/cgroup/memory/"$A"/memory.limit_in_bytes)
expect_error "Invalid argument" write_to "$MNT/$A/resources.json" '{bad json'
grep -q "resources.json: invalid JSON at line 1, column 2" "$MNT/$A/last_error" || fail "last_error: $(cat "$MNT/$A/last_error")"
expect_error "Invalid argument" ext_write_to "$MNT/$A/resources.json" '{"memory": {"limit": 1' 
grep -q "ends before its closing" "$MNT/$A/last_error" || fail "last_error after a cut document"
expect_error "Invalid argument" write_to "$MNT/$A/resources.json" '{"memory": {"limit": 1024}, "nope": 1}'
grep -q "nope" "$MNT/$A/last_error" || fail "last_error does not name the unknown key"
[ "$(cat /sys/fs/cgroup/memory/"$A"/memory.limit_in_bytes)" = "$limit" ] || fail "a failed write changed the limit"

note "resources.json: leaving idle and setting shares in one document"
I=$PREFIX"idle"
mkdir "$MNT/$I"
if echo 1 > /sys/fs/cgroup/cpu/"$I"/cpu.idle 2>/dev/null; then
  echo '{"cpu": {"shares": 700, "idle": 0}}' > "$MNT/$I/resources.json"
  [ "$(cat /sys/fs/cgroup/cpu/"$I"/cpu.shares)" = 700 ] || fail "shares on a cgroup leaving idle"
  [ "$(cat /sys/fs/cgroup/cpu/"$I"/cpu.idle)" = 0 ] || fail "cpu.idle not 0"
else
  note "SKIPPED: no v1 cpu.idle here"
fi

note "resources.json: a document completed after its cgroup was removed is ENOENT"
exec {fd}> "$MNT/$I/resources.json"
rmdir "$MNT/$I"
if echo '{"pids": {"limit": 5}}' >&$fd 2> "$WORK/err"; then fail "a write to a removed cgroup succeeded"; fi
grep -q "No such file or directory" "$WORK/err" || fail "removed cgroup: $(cat "$WORK/err")"
exec {fd}>&-

note "kill ends every process of the subtree"
echo 1 > "$MNT/$A/kill"
no_procs /sys/fs/cgroup/cpu/"$A"/cgroup.procs /sys/fs/cgroup/cpu/"$A"/child/cgroup.procs || fail "processes left after kill"
for p in $S1 $S2 $S0; do
  if wait $p; then fail "$p was not killed"; fi
done
grep -qx "populated 0" "$MNT/$A/events" || fail "events after kill"

note "restart: the same tree"
spawn_sleep; S3=$SLEPT
echo $S3 > "$MNT/$A/child/procs"
echo frozen > "$MNT/$A/child/state"
unmount_cgfs
mount_cgfs
ls "$MNT/$A" | grep -qx child || fail "child is gone after a restart"
file_has_line "$MNT/$A/child/procs" $S3 || fail "procs after a restart"
[ "$(cat "$MNT/$A/child/state")" = frozen ] || fail "state after a restart"
echo thawed > "$MNT/$A/child/state"
echo 1 > "$MNT/$A/child/kill"

note "--root: a subtree, nothing above it"
unmount_cgfs
mount_cgfs --root "/$A"
[ "$(ls "$MNT" | grep -vxE 'procs|threads|state|events|kill|last_error|resources.json|stats.json|metrics.prom|type|self')" = child ] ||
  fail "--root shows $(ls "$MNT")"
mkdir "$MNT/sub"
[ -d /sys/fs/cgroup/pids/"$A"/sub ] || fail "mkdir below --root"
expect_error "Device or resource busy" rmdir "$MNT"
rmdir "$MNT/sub" "$MNT/child"
[ ! -e /sys/fs/cgroup/pids/"$A"/child ] || fail "rmdir below --root"
unmount_cgfs
expect_error "--root /${PREFIX}none: no such cgroup" "$CGFS" -f --state-dir "$STATE_DIR" --root /"$PREFIX"none "$MNT"

note "rmdir, and SIGTERM unmounts"
mount_cgfs
note "rmdir: a process or a child in one hierarchy only, any of them, refuses it; nothing removed"
# One hierarchy is removed first without a check of its own (the kernel's EBUSY is its check):
# whichever it is, a busy cgroup is refused whole.
R=$PREFIX"rm1"
mkdir "$MNT/$R"
for m in $(v1_mounts); do
  spawn_sleep
  echo "$SLEPT" > "$m/$R/cgroup.procs"
  expect_error "Device or resource busy" rmdir "$MNT/$R"
  for n in $(v1_mounts); do [ -d "$n/$R" ] || fail "rmdir refused for $m removed $n/$R"; done
  kill -KILL "$SLEPT"; wait "$SLEPT" 2>/dev/null || true
  until [ -z "$(cat "$m/$R/cgroup.procs")" ]; do sleep 0.02; done
  mkdir "$m/$R/k"
  expect_error "Directory not empty" rmdir "$MNT/$R"
  for n in $(v1_mounts); do [ -d "$n/$R" ] || fail "rmdir refused for $m/$R/k removed $n/$R"; done
  rmdir "$m/$R/k"
done
rmdir "$MNT/$R"
for m in $(v1_mounts); do [ ! -e "$m/$R" ] || fail "$m/$R is left"; done

rmdir "$MNT/$A"
for m in $(v1_mounts); do [ ! -e "$m/$A" ] || fail "$m/$A is left"; done
kill -TERM $DAEMON_PID
wait $DAEMON_PID || fail "cgfs exited with $? on SIGTERM"
DAEMON_PID=
! is_mounted || fail "still mounted after SIGTERM"
note "ok"
