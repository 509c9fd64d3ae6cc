#!/usr/bin/env bash
# The lab image: one Debian 12 image for every lab container (PoP instances, routers, clients, the ACME CA),
# built locally with debootstrap and `podman import` (no registry is reachable).
# Tagged localhost/anycast-lab-node:<hash of its definition> and :current, labelled anycast.network.lab.
# Rebuilt only when lab/image/ changes; quick when the image is there. Also makes the lab's SSH key (.lab/).
# --print-tag: print the tag the current definition builds, and nothing else (the lab module compares it).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/apt.sh

IMAGE=localhost/anycast-lab-node
SUITE=bookworm
# The mirror apt already uses on this machine, else Debian's.
MIRROR=${ANYCAST_LAB_MIRROR:-$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)\/*$/\1/p; s/^deb \(http[^ ]*\/debian\)\/* bookworm .*/\1/p' \
  /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null | head -n1 || true)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
STATE=.lab
CACHE=.cache/lab-image

# The definition's hash: the package list, the customisation script and the suite.
HASH=$( { echo "$SUITE"; cat lab/image/packages.txt lab/image/customize.sh; } | sha256sum | cut -c1-12)
TAG="$IMAGE:$HASH"
if [ "${1:-}" = --print-tag ]; then
  echo "$TAG"
  exit 0
fi

# netavark 1.4 sets up every network, internal ones too, with iptables, which Debian does not make it depend on:
# without it every container start fails with "netavark: No such file or directory".
apt_ensure podman netavark aardvark-dns iptables runc debootstrap openssh-client

# The controller's SSH key for the lab, generated once.
mkdir -p "$STATE"
chmod 0700 "$STATE"
if [ ! -s "$STATE/id_ed25519" ]; then
  ssh-keygen -q -t ed25519 -N '' -C anycast-lab-controller -f "$STATE/id_ed25519"
fi

if podman image exists "$TAG"; then
  # Cached: make sure :current points at it.
  if [ "$(podman image inspect --format '{{.Id}}' "$IMAGE:current" 2>/dev/null || true)" \
      != "$(podman image inspect --format '{{.Id}}' "$TAG")" ]; then
    podman tag "$TAG" "$IMAGE:current"
  fi
  echo "lab image $TAG is up to date"
  exit 0
fi

echo "building lab image $TAG from $MIRROR ($SUITE)"
PACKAGES=$(grep -v '^\s*#' lab/image/packages.txt | grep -v '^\s*$' | paste -sd' ' -)
mkdir -p "$CACHE/debs"
WORK=$(mktemp -d /var/tmp/anycast-lab-image.XXXXXX)
cleanup() {
  for m in var/cache/apt/archives dev/pts dev proc; do umount "$WORK/root/$m" 2>/dev/null || true; done
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

# Stage 1: a minimal Debian. Stage 2: the packages, with apt's resolver (debootstrap's own picks the first of
# alternatives, e.g. bird 1.6 for prometheus-bird-exporter, which conflicts with bird2).
# Package scripts must not start daemons on the build host: debootstrap fakes start-stop-daemon during its own
# run, and policy-rc.d forbids invoke-rc.d in stage 2.
DEBS=$(realpath "$CACHE/debs")
debootstrap --variant=minbase --components=main --include=ca-certificates \
  --cache-dir="$DEBS" "$SUITE" "$WORK/root" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
  tail -n 30 "$WORK/debootstrap.log" >&2
  mkdir -p "$CACHE" && cp "$WORK/root/debootstrap/debootstrap.log" "$CACHE/debootstrap-failed.log" 2>/dev/null || true
  echo "debootstrap failed: see $CACHE/debootstrap-failed.log" >&2
  exit 1
}
printf '#!/bin/sh\nexit 101\n' > "$WORK/root/usr/sbin/policy-rc.d"
chmod 0755 "$WORK/root/usr/sbin/policy-rc.d"
mount -t proc proc "$WORK/root/proc"
mount --bind /dev "$WORK/root/dev"
mount --bind /dev/pts "$WORK/root/dev/pts"
mount --bind "$DEBS" "$WORK/root/var/cache/apt/archives"
echo "deb $MIRROR $SUITE main" > "$WORK/root/etc/apt/sources.list"
# shellcheck disable=SC2086
chroot "$WORK/root" /usr/bin/env DEBIAN_FRONTEND=noninteractive LC_ALL=C sh -c \
  "apt-get -qq update && apt-get install -y -qq --no-install-recommends $PACKAGES" >"$WORK/apt.log" 2>&1 || {
  tail -n 40 "$WORK/apt.log" >&2
  exit 1
}
umount "$WORK/root/var/cache/apt/archives" "$WORK/root/dev/pts" "$WORK/root/dev" "$WORK/root/proc"
cp lab/image/customize.sh "$WORK/root/tmp/customize.sh"
chroot "$WORK/root" /bin/sh /tmp/customize.sh
rm -f "$WORK/root/usr/sbin/policy-rc.d" "$WORK/root/tmp/customize.sh"

tar --numeric-owner --xattrs -C "$WORK/root" -c . | podman import --quiet \
  --change 'CMD ["/sbin/init"]' \
  --change 'LABEL anycast.network.lab=image' \
  --change "LABEL anycast.network.lab.definition=$HASH" \
  --change 'ENV container=podman' \
  --message "anycast.network lab node $HASH" \
  - "$TAG" >/dev/null
podman tag "$TAG" "$IMAGE:current"
# Older definitions of the image are of no further use.
for old in $(podman images --filter label=anycast.network.lab --format '{{.Repository}}:{{.Tag}}' | sort -u); do
  case "$old" in "$TAG"|"$IMAGE:current") ;; "$IMAGE":*) podman rmi "$old" >/dev/null 2>&1 || true ;; esac
done
echo "built lab image $TAG"
