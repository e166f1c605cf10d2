#!/bin/sh
# Delegation: give the cgroup NAME to USER, who can then make cgroups below it, move their own
# processes and freeze them, through the mount, with nothing above NAME in reach.
#   MNT=/run/cgfs examples/shell/delegation.sh alice alice-jobs        (as root)
# The mount must have been made with -o allow_other. As cgroupfs wants it, the delegator chowns
# the directory and its process files in the kernel (a chown through the mount is refused: the
# mount mirrors the kernel's owners, docs/tree.md).
set -eu
user=$1 name=$2
mnt=${MNT:-/run/cgfs}
mkdir -p "$mnt/$name"
awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/self/mounts | while read -r m; do
  [ -d "$m/$name" ] || continue
  chown "$user:" "$m/$name"
  for f in cgroup.procs tasks cgroup.threads cgroup.subtree_control; do
    [ -e "$m/$name/$f" ] && chown "$user:" "$m/$name/$f"
  done
done
echo "$user may now: mkdir $mnt/$name/job; echo \$\$ > $mnt/$name/job/procs"
# The user can also get a view of only that subtree (root mounts it for them):
#   cgfs -o allow_other --root /$name /home/$user/cgroups
