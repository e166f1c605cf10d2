#!/bin/bash
# vm-docker: examples/docker/run.sh, as written, in the QEMU guest: Debian's dockerd (docker.io,
# containerd, runc: fetched with apt-get download and unpacked into the vm cache, never installed
# on the host, never run on the host) starts in the guest; the image is imported from a tarball
# of this build's cgfs and its libraries (no registry); run.sh starts the cgfs container; the
# checks: its FUSE mount reaches the guest through the shared mount point (rshared), a cgroup
# made there is the kernel's, and a sidecar container with the mount as rslave reads its own
# cgroup through `self` (its pid, in its own pid namespace, in self/procs; its --memory limit in
# self/resources.json as in the kernel's memory.max).
# Not tested: `docker build` of examples/docker/Dockerfile (it needs Debian's registry image and
# apt inside the build: no network in the guest).
#
# usage: vm-docker.sh RUN_IN_VM SOURCE_DIR CGFS_EXE       (on the host; meson test vm-docker)
#        vm-docker.sh --in-guest DOCKER_ROOT IMAGE_TAR SOURCE_DIR
set -euo pipefail

skip() { echo "vm-docker: SKIP: $*"; exit 77; }
fail() { echo "vm-docker: FAIL: $*" >&2; exit 1; }
ok() { echo "vm-docker: ok: $*"; }

# ---- on the host: the docker packages and the image tarball ----------------------------------
host() {
  local runner=$1 src=$2 cgfs=$3
  local cache
  cache=$(sed -n "s/^cache_dir='\(.*\)'$/\1/p" "$runner")
  [ -n "$cache" ] || cache=$(dirname "$runner")/cache
  local dk=$cache/docker
  if [ ! -x "$dk/root/usr/sbin/dockerd" ]; then
    command -v apt-get >/dev/null || skip "no apt-get to fetch docker.io"
    rm -rf "$dk" && mkdir -p "$dk/debs"
    local sandbox=()
    [ "$(id -u)" = 0 ] && sandbox=(-o APT::Sandbox::User=root)
    (cd "$dk/debs" && apt-get download -q "${sandbox[@]}" docker.io containerd runc >&2) ||
      skip "apt-get download docker.io containerd runc failed (no network?)"
    for deb in "$dk"/debs/*.deb; do dpkg -x "$deb" "$dk/root.tmp"; done
    mv "$dk/root.tmp" "$dk/root" && rm -rf "$dk/debs"
  fi
  # The image: cgfs, the libraries it loads (ldd), busybox for a shell.
  local image=$dk/image
  rm -rf "$image" && mkdir -p "$image/usr/bin" "$image/lib/x86_64-linux-gnu" "$image/lib64" \
    "$image/bin" "$image/run/cgfs" "$image/tmp"
  cp "$cgfs" "$image/usr/bin/cgfs"
  ldd "$cgfs" | awk '/=> \// { print $3 } /^\t\/lib64\// { print $1 }' | while read -r lib; do
    cp -L "$lib" "$image/lib/x86_64-linux-gnu/"
  done
  cp -L /lib64/ld-linux-x86-64.so.2 "$image/lib64/"
  cp "$(command -v busybox)" "$image/bin/busybox"
  for tool in sh cat grep sleep ls; do ln -s busybox "$image/bin/$tool"; done
  tar -C "$image" -cf "$dk/image.tar" . && rm -rf "$image"
  exec "$runner" --timeout 900 --memory 1536 -- "$0" --in-guest "$dk/root" "$dk/image.tar" "$src"
}

# ---- in the guest ----------------------------------------------------------------------------
dockerd_pid=
containerd_pid=
cleanup() {
  set +e
  docker rm -f cgfs >/dev/null 2>&1
  [ -n "$dockerd_pid" ] && kill "$dockerd_pid" && wait "$dockerd_pid"
  [ -n "$containerd_pid" ] && kill "$containerd_pid" && wait "$containerd_pid"
  return 0
}

# Polls (up to $1 seconds) until command "${@:2}" succeeds.
wait_for() {
  local deadline=$(($(date +%s) + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

guest() {
  local root=$1 tar=$2 src=$3
  export PATH=$root/usr/bin:$root/usr/sbin:$PATH
  export DOCKER_HOST=unix:///run/docker.sock
  trap cleanup EXIT
  mkdir -p /var/lib /etc/docker
  # containerd first, waited for (dockerd gives the one it starts itself too little time
  # under TCG).
  containerd >/tmp/containerd.log 2>&1 &
  containerd_pid=$!
  local t0=$(date +%s)
  wait_for 300 ctr version || { cat /tmp/containerd.log; fail "containerd did not answer in 300 s"; }
  ok "containerd is up after $(($(date +%s) - t0)) s"
  # No network in the guest (--bridge=none, no iptables); the vfs driver needs no module;
  # the guest's root is the initramfs, where runc cannot pivot_root (DOCKER_RAMDISK).
  DOCKER_RAMDISK=true dockerd --containerd=/run/containerd/containerd.sock --bridge=none \
    --iptables=false --ip-masq=false --storage-driver=vfs --data-root=/var/lib/docker \
    -H "$DOCKER_HOST" >/tmp/dockerd.log 2>&1 &
  dockerd_pid=$!
  wait_for 300 docker info || { cat /tmp/dockerd.log; fail "dockerd did not answer in 300 s"; }
  ok "dockerd $(docker version --format '{{.Server.Version}}') is up"

  docker import --change 'ENTRYPOINT ["/usr/bin/cgfs"]' \
    --change 'CMD ["-f", "-o", "allow_other", "/run/cgfs"]' "$tar" cgfs:0.1 >/dev/null
  local mnt=/run/cgfs
  MOUNTPOINT=$mnt sh "$src/examples/docker/run.sh" >/dev/null

  # The container's FUSE mount reaches the guest through the rshared bind mount.
  local on_mnt="^[0-9]+ [0-9]+ [^ ]+ [^ ]+ $mnt .* - fuse\\.cgfs "
  if ! wait_for 120 grep -Eq "$on_mnt" /proc/self/mountinfo; then
    docker logs cgfs 2>&1 | tail -20
    grep " $mnt " /proc/self/mountinfo || true
    fail "no fuse.cgfs mount on $mnt in the guest after 120 s"
  fi
  ok "the container's mount is on $mnt in the guest: $(grep -E "$on_mnt" /proc/self/mountinfo)"
  # What went wrong, when a check fails: the daemon's log, its restarts, the mount.
  diagnose() {
    echo "--- docker logs cgfs"; docker logs cgfs 2>&1 | tail -20
    echo "--- restarts: $(docker inspect -f '{{.RestartCount}} {{.State.Status}}' cgfs 2>&1)"
    echo "--- ls -la $mnt"; ls -la "$mnt" 2>&1 | head -20
    grep " $mnt " /proc/self/mountinfo
    local pid
    pid=$(docker inspect -f '{{.State.Pid}}' cgfs 2>/dev/null) || return 0
    echo "--- cgroup namespaces: daemon $(readlink "/proc/$pid/ns/cgroup"), test $(readlink /proc/self/ns/cgroup)"
    echo "--- the daemon's /proc/PID/cgroup: $(cat "/proc/$pid/cgroup"); the test's: $(cat /proc/self/cgroup)"
    echo "--- the daemon's view of itself: $(docker exec cgfs cat /proc/self/cgroup 2>&1)"
  }
  for node in resources.json stats.json procs metrics.prom self; do
    wait_for 60 test -e "$mnt/$node" || { diagnose; fail "$mnt/$node is missing after 60 s"; }
  done
  # --cgroupns host and the host's /sys/fs/cgroup: the mount's root is the guest's root cgroup.
  local cg=cgfs-test-$$-docker
  mkdir "$mnt/$cg" || fail "mkdir $mnt/$cg"
  [ -d "/sys/fs/cgroup/$cg" ] || fail "mkdir through the mount made no /sys/fs/cgroup/$cg"
  rmdir "$mnt/$cg"
  ok "mkdir through the container's mount made /sys/fs/cgroup/$cg"

  # A sidecar: the mount as rslave, its own cgroup through self, in its own pid namespace.
  local out
  out=$(docker run --rm --memory 64m -v "$mnt:/run/cgfs:rslave,ro" --entrypoint /bin/sh \
    cgfs:0.1 -c 'echo "me $$"; cat /run/cgfs/self/procs; cat /run/cgfs/self/resources.json') ||
    fail "the sidecar failed: $out"
  local me
  me=$(echo "$out" | sed -n 's/^me //p')
  echo "$out" | grep -qx "$me" || fail "the sidecar's pid $me (its namespace) is not in self/procs: $out"
  echo "$out" | grep -q '"limit" *: *67108864' ||
    fail "self/resources.json has not the sidecar's memory limit 67108864 (--memory 64m): $out"
  ok "a sidecar (rslave) reads its own cgroup through self: pid $me in procs, memory limit 64 MiB"
  # ... which is the kernel's: the same limit in its cgroup's memory.max.
  local id
  id=$(docker run -d --memory 64m -v "$mnt:/run/cgfs:rslave,ro" --entrypoint /bin/sleep cgfs:0.1 600)
  local kdir
  kdir=$(find /sys/fs/cgroup -maxdepth 3 -type d -name "*$id*" | head -n 1)
  [ -n "$kdir" ] || fail "no cgroup for container $id"
  [ "$(cat "$kdir/memory.max")" = 67108864 ] || fail "$kdir/memory.max is $(cat "$kdir/memory.max")"
  grep -q '"limit" *: *67108864' "$mnt${kdir#/sys/fs/cgroup}/resources.json" ||
    fail "$mnt${kdir#/sys/fs/cgroup}/resources.json differs from $kdir/memory.max"
  docker rm -f "$id" >/dev/null
  ok "the sidecar's cgroup through the mount equals the kernel's ($kdir/memory.max)"
}

if [ "${1:-}" = --in-guest ]; then
  shift
  guest "$@"
else
  host "$@"
fi
