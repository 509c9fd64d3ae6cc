#!/usr/bin/env bash
# Headless Chromium for the catchment report's picture and its test, Prometheus for the lab's metrics test.
# Installed without starting or enabling any service on this machine.
set -euo pipefail
[ "${ANYCAST_SKIP_APT:-0}" = 1 ] && exit 0
PACKAGES=(chromium fonts-dejavu-core prometheus)
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
systemctl disable prometheus prometheus-node-exporter >/dev/null 2>&1 || true
