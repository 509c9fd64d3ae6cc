#!/usr/bin/env bash
# Daemons whose own validators the unit tests call on the controller (bird -p, caddy validate, nsd-checkconf,
# nsd-checkzone, nft -c, sshd -t, pebble for the ACME relay test, stayrtr as the RTR cache of the BIRD import
# test). Installed without starting or enabling any service on this machine: the tests start their own throwaway
# instances on loopback.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/apt.sh
apt_ensure bird2 caddy nsd pebble openssl knot-dnsutils nftables openssh-server stayrtr
# Keep them from starting at the next boot of this machine.
for unit in bird caddy nsd pebble ssh nftables stayrtr; do
  systemctl disable "$unit" >/dev/null 2>&1 || true
done
