#!/usr/bin/env bash
# Kernel limits of this machine that the lab needs, raised (never lowered) for the running kernel and kept in
# /etc/sysctl.d for the next boot. Every PoP instance of the lab runs systemd, which takes several inotify instances;
# the kernel's default of 128 per user stops the 25th or so instance from booting (its units never start, SSH
# among them): the scale lab runs 48.
set -euo pipefail

want_instances=1024
conf=/etc/sysctl.d/60-anycast-lab.conf
current=$(cat /proc/sys/fs/inotify/max_user_instances)
if [ "$current" -lt "$want_instances" ]; then
  sysctl -q -w fs.inotify.max_user_instances="$want_instances"
  printf '# The anycast.network lab: systemd in every lab instance (scripts/setup.d/15-lab-host.sh).\nfs.inotify.max_user_instances = %s\n' \
    "$want_instances" > "$conf"
  echo "raised fs.inotify.max_user_instances from $current to $want_instances"
fi
