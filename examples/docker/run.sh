#!/bin/sh
# Run cgfs in Docker and share its mount with the host and other containers. As root.
set -eu
mnt=${MOUNTPOINT:-/run/cgfs}
# The mount made inside the container reaches the host only through a shared mount point.
mkdir -p "$mnt"
mountpoint -q "$mnt" || mount --bind "$mnt" "$mnt"
mount --make-shared "$mnt"
# --device /dev/fuse and CAP_SYS_ADMIN: to mount FUSE. --pid host: pids in procs are the
# host's. --cgroupns host and the host's /sys/fs/cgroup: the whole tree, not the container's.
# AppArmor's docker-default profile refuses mount(2). CAP_SYS_PTRACE: to learn each caller's
# pid and cgroup namespaces (/proc/PID/ns/*); without it a caller with capabilities the daemon
# lacks (the host's root) or another uid reaches nothing of the mount.
docker run -d --name cgfs --restart on-failure \
  --device /dev/fuse --cap-add SYS_ADMIN --cap-add SYS_PTRACE \
  --security-opt apparmor=unconfined \
  --pid host --cgroupns host \
  -v /sys/fs/cgroup:/sys/fs/cgroup \
  -v "$mnt:/run/cgfs:rshared" \
  cgfs:0.1 -f -o allow_other /run/cgfs
# A sidecar that reads the stats of its own cgroup (HostToContainer = rslave):
#   docker run --rm -v "$mnt:/run/cgfs:rslave,ro" debian:bookworm-slim cat /run/cgfs/self/stats.json
