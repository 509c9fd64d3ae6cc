#!/usr/bin/env bash
# Headless Chromium for the catchment report's picture and its test, Prometheus for the lab's metrics test.
# Installed without starting or enabling any service on this machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/apt.sh
apt_ensure chromium fonts-dejavu-core prometheus
systemctl disable prometheus prometheus-node-exporter >/dev/null 2>&1 || true
