#!/usr/bin/env bash
# Test prerequisites of the registry part (route objects, LOAs):
#  - Debian packages: PostgreSQL and Redis (throwaway instances started by the tests on loopback; the packages'
#    own system services are neither needed nor touched), bgpq4 (builds a transit provider's prefix list);
#  - IRRd 4 in its own virtualenv (.cache/irrd-venv): it pins about 45 dependencies to exact versions, so it
#    never shares a virtualenv with ansible-core.
# Idempotent and quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/../.."

IRRD_VERSION=4.5.4
APT_PACKAGES=(postgresql postgresql-contrib redis-server bgpq4)

if [ "${ANYCAST_SKIP_APT:-0}" != 1 ]; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "== apt: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # policy-rc.d keeps the packages' own services from starting: the tests run their own instances.
    policy=/usr/sbin/policy-rc.d
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 0755 "$policy"
      trap 'rm -f "$policy"' EXIT
    fi
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

venv=.cache/irrd-venv
stamp=$venv/.irrd-version
if [ ! -x "$venv/bin/irrd" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$IRRD_VERSION" ]; then
  echo "== irrd $IRRD_VERSION: installing in $venv"
  mkdir -p .cache
  [ -x "$venv/bin/python" ] || "${ANYCAST_PYTHON:-python3}" -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q "irrd==$IRRD_VERSION"
  echo "$IRRD_VERSION" > "$stamp"
fi
