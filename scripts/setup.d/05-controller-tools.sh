#!/usr/bin/env bash
# Daemons whose own validators the unit tests call on the controller (bird -p, caddy validate, nsd-checkconf,
# nsd-checkzone, nft -c, sshd -t, pebble for the ACME relay test). Installed without starting or enabling any service on this
# machine: the tests start their own throwaway instances on loopback.
set -euo pipefail
[ "${ANYCAST_SKIP_APT:-0}" = 1 ] && exit 0
PACKAGES=(bird2 caddy nsd pebble openssl knot-dnsutils nftables openssh-server)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod 0755 "$policy"
  created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Keep them from starting at the next boot of this machine.
for unit in bird caddy nsd pebble ssh nftables; do
  systemctl disable "$unit" >/dev/null 2>&1 || true
done
