#!/usr/bin/env bash
# The main job on the local lab, on a fresh Debian 12 machine as root: set-up, then site.yml on the lab inventory.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
exec ansible-playbook site.yml "$@"
