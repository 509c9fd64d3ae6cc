#!/usr/bin/env bash
# Debian's podman for the workload role's Molecule scenario. The scenario's instances (the lab image) have no route
# out, and the lab image does not carry podman: the packages podman needs beyond that image are fetched here, once,
# with apt-get download, into .cache/workload-debs; the scenario's prepare step copies them in and installs them.
# Also podman itself on this machine (for the rendering tests' systemd-analyze and the demo image build).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/apt.sh
apt_ensure podman systemd
[ "${ANYCAST_SKIP_APT:-0}" = 1 ] && exit 0
# podman 4.3 and what it needs that the lab image lacks (crun as the OCI runtime, which runs with
# --cgroups=disabled in a container; runc, which podman's package depends on; netavark as the network stack; gpg for
# image signatures), and Debian's docker-registry for the scenario's registry on loopback; the lab image's own
# package list is lab/image/packages.txt.
packages=(podman conmon crun libyajl2 runc netavark golang-github-containers-common golang-github-containers-image
  libgpgme11 libassuan0 libsubid4 libglib2.0-0 gpg gpgconf docker-registry)
dir=.cache/workload-debs
mkdir -p "$dir"
missing=()
for p in "${packages[@]}"; do
  compgen -G "$dir/${p}_*.deb" >/dev/null || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "== apt: downloading ${missing[*]} for the workload scenario"
  (cd "$dir" && apt-get download -qq "${missing[@]}")
fi
