#!/bin/sh
# Runs inside the freshly bootstrapped root file system (chroot) of the lab image.
# Changing this file changes the image tag (scripts/setup.d/10-lab-image.sh hashes it).
set -eu

# Daemons stay off until a role (instances) or the lab (routers) configures and starts them. An enabled daemon that
# cannot run in a container stalls boot (frr.service waits about a minute for zebra without SYS_ADMIN).
for unit in frr.service bird.service caddy.service caddy-api.service nsd.service pebble.service \
    prometheus-node-exporter.service prometheus-bird-exporter.service nftables.service stayrtr.service docker-registry.service \
    podman.service podman-auto-update.timer podman-restart.service; do
  if [ -e "/lib/systemd/system/$unit" ]; then
    systemctl disable "$unit" >/dev/null 2>&1 || true
  fi
done
# Nothing a container needs: consoles, timers of a long-lived machine, udev-driven units.
for unit in console-getty.service getty@tty1.service getty-static.service apt-daily.timer \
    apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer dpkg-db-backup.timer \
    man-db.timer systemd-timesyncd.service prometheus-node-exporter-apt.timer \
    prometheus-node-exporter-ipmitool-sensor.timer prometheus-node-exporter-mellanox-hca-temp.timer \
    prometheus-node-exporter-nvme.timer prometheus-node-exporter-smartmon.timer dev-hugepages.mount \
    sys-fs-fuse-connections.mount sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
    systemd-remount-fs.service; do
  systemctl mask "$unit" >/dev/null 2>&1 || true
done
# FRR, should a role ever enable it: never hold up boot for long.
mkdir -p /etc/systemd/system/frr.service.d
cat > /etc/systemd/system/frr.service.d/anycast-lab.conf <<'EOF'
[Service]
TimeoutStartSec=20s
EOF

# SSH: root by key only. The lab puts the controller's public key in /etc/anycast-lab/authorized_keys (a read-only
# mount), so roles stay free to manage /root/.ssh/authorized_keys.
mkdir -p /etc/ssh/sshd_config.d /root/.ssh
chmod 0700 /root/.ssh
cat > /etc/ssh/sshd_config.d/10-anycast-lab.conf <<'EOF'
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
HostKey /etc/ssh/ssh_host_ed25519_key
HostKey /etc/ssh/ssh_host_ecdsa_key
AuthorizedKeysFile .ssh/authorized_keys /etc/anycast-lab/authorized_keys
EOF
# Every container gets its own host keys at first boot, not the image's (no RSA: it takes seconds to make).
rm -f /etc/ssh/ssh_host_*
cat > /etc/systemd/system/anycast-lab-hostkeys.service <<'EOF'
[Unit]
Description=Generate this lab node's SSH host keys
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -q -t ed25519 -N "" -f /etc/ssh/ssh_host_ed25519_key
ExecStart=/usr/bin/ssh-keygen -q -t ecdsa -N "" -f /etc/ssh/ssh_host_ecdsa_key

[Install]
WantedBy=multi-user.target
EOF
systemctl enable anycast-lab-hostkeys.service >/dev/null 2>&1

# Addresses and routes the lab hands out (what DHCP would do on a VPS): /etc/anycast-lab/net.sh, written by the lab.
cat > /etc/systemd/system/anycast-lab-net.service <<'EOF'
[Unit]
Description=Lab network set-up (addresses and routes handed out by the lab)
DefaultDependencies=no
After=systemd-sysctl.service
Before=network.target ssh.service
Wants=network.target
ConditionPathExists=/etc/anycast-lab/net.sh

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh /etc/anycast-lab/net.sh

[Install]
WantedBy=multi-user.target
EOF
systemctl enable anycast-lab-net.service >/dev/null 2>&1

# Routers and clients run without systemd: a small init sets up the network, starts FRR when configured, reaps
# children and stops at once on SIGTERM.
cat > /usr/local/sbin/anycast-lab-init <<'EOF'
#!/bin/bash
set -u
trap 'exit 0' TERM INT
if [ -r /etc/anycast-lab/net.sh ]; then
  /bin/sh /etc/anycast-lab/net.sh || echo "anycast-lab-init: net.sh failed" >&2
fi
if [ -r /etc/anycast-lab/frr.conf ]; then
  install -o frr -g frr -m 0640 /etc/anycast-lab/frr.conf /etc/frr/frr.conf
  install -o frr -g frr -m 0640 /etc/anycast-lab/daemons /etc/frr/daemons
  : > /etc/frr/vtysh.conf
  /usr/lib/frr/frrinit.sh start || echo "anycast-lab-init: frr failed to start" >&2
fi
if [ -r /etc/anycast-lab/start.sh ]; then
  /bin/sh /etc/anycast-lab/start.sh || echo "anycast-lab-init: start.sh failed" >&2
fi
touch /run/anycast-lab-ready
while :; do
  sleep 3600 &
  wait $!
done
EOF
chmod 0755 /usr/local/sbin/anycast-lab-init

# Workloads: the container's root is overlayfs, on which podman's overlay driver cannot stack (no fuse-overlayfs):
# vfs. The lab's registry (registry.lab.test:5000, on the CA node) has a certificate from the lab root, which the lab
# hands every instance as /etc/anycast-lab/lab-root.pem: podman trusts it for that registry (containers-certs.d(5)).
mkdir -p /etc/containers/certs.d/registry.lab.test:5000
cat > /etc/containers/storage.conf <<'EOF'
[storage]
driver = "vfs"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
EOF
ln -sf /etc/anycast-lab/lab-root.pem /etc/containers/certs.d/registry.lab.test:5000/ca.crt

# Smaller image: package lists and caches are of no use without a mirror.
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/*.log /var/log/apt/* /tmp/* /var/tmp/*
: > /etc/machine-id
