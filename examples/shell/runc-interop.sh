#!/bin/sh
# runc and cgfs speak the same LinuxResources JSON: read a cgfs cgroup's limits and run a
# container with them, or copy a container's limits into a cgroup of the mount.
#   MNT=/run/cgfs examples/shell/runc-interop.sh GROUP BUNDLE
# GROUP: a cgroup of the mount; BUNDLE: an OCI bundle (config.json, rootfs/).
set -eu
group=$1 bundle=$2
mnt=${MNT:-/run/cgfs}
# 1. The group's limits into the bundle's config.json (linux.resources), as runc expects them.
jq --slurpfile r "$mnt/$group/resources.json" '.linux.resources = $r[0]' \
  "$bundle/config.json" > "$bundle/config.json.new"
mv "$bundle/config.json.new" "$bundle/config.json"
# 2. The other way: a container's limits applied to a cgroup, all or nothing (cgfs reads the
#    whole config.json's linux.resources too):
#   jq .linux.resources "$bundle/config.json" > "$mnt/$group/resources.json"
# 3. Run it; `runc update --resources FILE` takes the same JSON later:
#   runc run -b "$bundle" my-container
#   runc update --resources "$mnt/$group/resources.json" my-container
echo "config.json now has the limits of $group"
