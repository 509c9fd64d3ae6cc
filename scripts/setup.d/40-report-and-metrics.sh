#!/usr/bin/env bash
# Headless Chromium for the catchment report's picture and its test, Prometheus for the lab's metrics test;
# Alertmanager (amtool checks the shipped configuration) and the BIRD exporter for the alerting integration test.
# Installed without starting or enabling any service on this machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/apt.sh
apt_ensure chromium fonts-dejavu-core prometheus prometheus-alertmanager prometheus-bird-exporter
systemctl disable prometheus prometheus-node-exporter prometheus-alertmanager prometheus-bird-exporter >/dev/null 2>&1 || true
