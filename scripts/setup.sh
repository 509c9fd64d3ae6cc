#!/usr/bin/env bash
# Set-up for a fresh Debian 12 machine, as root: system packages, the project's virtualenv, the lab image.
# Safe to run again: every step checks what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/apt.sh
. scripts/lib/apt.sh

APT_PACKAGES=(
  python3 python3-venv python3-dev gcc
  podman netavark aardvark-dns runc debootstrap uidmap iproute2 iputils-ping
  openssh-client sshpass curl ca-certificates git
  knot-dnsutils bind9-dnsutils jq shellcheck
)
apt_ensure "${APT_PACKAGES[@]}"

# The virtualenv, on Debian's own Python by default: it is built with profile-guided optimisation, and the
# controller's CPU is what bounds a converge (another python3 earlier in PATH ran Ansible about 1.7 times slower).
# Rebuilt when pyproject.toml or the interpreter changes.
PY=${ANYCAST_PYTHON:-/usr/bin/python3}
stamp=.venv/.pyproject.sha256
want=$( { cat pyproject.toml; readlink -f "$(command -v "$PY")"; "$PY" -VV; } | sha256sum | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "== virtualenv: installing the collection's Python dependencies"
  if [ -e .venv/pyvenv.cfg ] && ! grep -qx "executable = $(readlink -f "$(command -v "$PY")")" .venv/pyvenv.cfg; then
    rm -rf .venv  # made with another interpreter
  fi
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[test,mitogen]'
  echo "$want" > "$stamp"
fi

# A second virtualenv with the same test dependencies on the oldest ansible-core that meta/runtime.yml allows:
# unit and integration tests run under both (scripts/test.sh). Rebuilt when pyproject.toml or the interpreter changes.
OLD_CORE=${ANYCAST_OLD_CORE:-2.18}
old_venv=.cache/venv-core-$OLD_CORE
old_stamp=$old_venv/.pyproject.sha256
old_want=$( { echo "$OLD_CORE"; cat pyproject.toml; readlink -f "$(command -v "$PY")"; "$PY" -VV; } | sha256sum | cut -d' ' -f1)
if [ ! -x "$old_venv/bin/python" ] || [ "$(cat "$old_stamp" 2>/dev/null)" != "$old_want" ]; then
  echo "== virtualenv: the test dependencies on ansible-core $OLD_CORE"
  rm -rf "$old_venv"
  mkdir -p .cache
  "$PY" -m venv "$old_venv"
  "$old_venv/bin/pip" install -q --upgrade pip
  "$old_venv/bin/pip" install -q -e '.[test]' "ansible-core==$OLD_CORE.*"
  echo "$old_want" > "$old_stamp"
fi

# The collection resolves from the checkout through this symlink (see ansible.cfg).
mkdir -p collections/ansible_collections/anycast
ln -sfn ../../.. collections/ansible_collections/anycast/network

# Extra set-up steps of the parts of the project that need them (lab image, test services).
for hook in scripts/setup.d/*.sh; do
  [ -e "$hook" ] || continue
  echo "== $(basename "$hook")"
  bash "$hook"
done
