#!/usr/bin/env bash
# Test prerequisites of the registry part (route objects, LOAs):
#  - Debian packages: PostgreSQL and Redis (throwaway instances started by the tests on loopback; the packages'
#    own system services are neither needed nor touched), bgpq4 (builds a transit provider's prefix list);
#  - IRRd 4 in its own virtualenv (.cache/irrd-venv): it pins about 45 dependencies to exact versions, so it
#    never shares a virtualenv with ansible-core.
# Idempotent and quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/apt.sh

IRRD_VERSION=4.5.4
APT_PACKAGES=(postgresql postgresql-contrib redis-server bgpq4)

# PostgreSQL and Redis services stay stopped: the tests run their own instances.
apt_ensure "${APT_PACKAGES[@]}"

# IRRd drops its privileges to an unprivileged user when started as root: its interpreter and standard library
# must be readable by that user, so the virtualenv is built on Debian's python3 (not one under /root).
IRRD_PYTHON=${ANYCAST_IRRD_PYTHON:-/usr/bin/python3}
venv=.cache/irrd-venv
stamp=$venv/.irrd-version
want="irrd==$IRRD_VERSION $IRRD_PYTHON"
if [ ! -x "$venv/bin/irrd" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "== irrd $IRRD_VERSION: installing in $venv"
  mkdir -p .cache
  rm -rf "$venv"
  "$IRRD_PYTHON" -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
  "$venv/bin/pip" install -q "irrd==$IRRD_VERSION" 2>&1 | grep -v "^WARNING: Location" || true
  "$venv/bin/irrd" --help >/dev/null
  echo "$want" > "$stamp"
fi
