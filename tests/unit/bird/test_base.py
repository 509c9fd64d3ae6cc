"""The base role: firewall and SSH drop-in validated by nft and sshd, the netsetup command in a private netns."""

import json
import os
import shutil
import subprocess

import pytest
import yaml

from bird_support import ROOT, VENV_BIN, lab_host, load_intent

NETSETUP = ROOT / "roles" / "base" / "files" / "anycast-netsetup"
needs_tools = pytest.mark.skipif(not (shutil.which("nft") and os.path.exists("/usr/sbin/sshd") and os.geteuid() == 0),
                                 reason="needs root, nft and sshd")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("base-render")
    static = load_intent("static-example")
    # docs/intent.md: a service named web or dns without kind: has the kind of its name.
    implied = load_intent("lab")
    for name in ("web", "dns"):
        implied["services"][name].pop("kind", None)
    metrics = load_intent("lab")
    metrics["metrics"] = {"enabled": True, "scrape_from": ["198.51.100.0/28", "2001:db8:5c::/64"], "caddy_port": 9800}
    scenarios = {
        "lab": lab_host(),
        "implied_kind": lab_host(intent=implied),
        "metrics": lab_host(intent=metrics),
        "static_v6": {"anycast_intent": static, "anycast_pop": "lon", "anycast_address": "",
                      "anycast_address6": "2001:db8:310::10",
                      "overrides": {"base_ssh_sources": ["2001:db8:1::/64"]}},
    }
    hosts = {}
    for name, hv in scenarios.items():
        d = tmp / name
        d.mkdir()
        hosts[name] = dict(hv, out_dir=str(d), ansible_connection="local",
                           ansible_python_interpreter=str(VENV_BIN / "python"), anycast_lab_state_dir=str(tmp))
    inv = tmp / "inventory.yml"
    inv.write_text(yaml.safe_dump({"all": {"hosts": hosts}}))
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_CACHE_PLUGIN="memory")
    proc = subprocess.run([str(VENV_BIN / "ansible-playbook"), "-i", str(inv),
                           str(ROOT / "tests" / "unit" / "bird" / "render_base.yml")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    return {name: tmp / name for name in scenarios}


@needs_tools
def test_firewall_allows_bgp_only_from_neighbours_and_services_on_their_addresses(rendered):
    text = (rendered["lab"] / "nftables.conf").read_text()
    assert "elements = { 169.254.169.254 }" in text and "elements = { 2001:19f0:ffff::1 }" in text
    assert "ip saddr @bgp_neighbors4 tcp dport 179 accept" in text
    assert "tcp dport 179 accept" not in text.replace("@bgp_neighbors4 tcp dport 179", "").replace(
        "@bgp_neighbors6 tcp dport 179", "")
    assert "ip daddr { 203.0.113.10, 192.0.2.21 } tcp dport 443 accept" in text
    assert "ip6 daddr { 2001:db8:ac00::10, 2001:db8:21::21 } tcp dport 80 accept" in text
    assert "ip daddr { 203.0.113.53 } udp dport 53 accept" in text
    assert "ip daddr { 203.0.113.53 } tcp dport 53 accept" in text
    assert "policy drop;" in text and "ct state established,related accept" in text
    assert "delete table inet anycast_filter" in text and "flush ruleset" not in text
    # nft itself agrees (check only, nothing is loaded)
    assert subprocess.run(["nft", "-c", "-f", str(rendered["lab"] / "nftables.conf")], check=False).returncode == 0


@needs_tools
def test_firewall_v6_only_with_ssh_sources(rendered):
    text = (rendered["static_v6"] / "nftables.conf").read_text()
    assert "bgp_neighbors4" not in text and "elements = { 2001:db8:310::1 }" in text
    assert "ip6 saddr { 2001:db8:1::/64 } tcp dport 22 accept" in text
    assert "\n    tcp dport 22 accept" not in text


@needs_tools
def test_sshd_dropin_refuses_passwords(rendered):
    text = (rendered["lab"] / "sshd.conf").read_text()
    assert "PasswordAuthentication no" in text and "KbdInteractiveAuthentication no" in text
    assert "PermitRootLogin prohibit-password" in text


def test_netsetup_unit_carries_every_kernel_parameter_and_address(rendered):
    text = (rendered["lab"] / "netsetup.service").read_text()
    line = [x for x in text.splitlines() if x.startswith("ExecStart=")][0]
    assert line.split()[0] == "ExecStart=/usr/local/sbin/anycast-netsetup"
    assert sorted(line.split()[1:]) == sorted([
        "--set=net.ipv4.conf.all.arp_announce=2", "--set=net.ipv4.conf.all.arp_ignore=1",
        "--set=net.ipv4.ip_nonlocal_bind=1", "--set=net.ipv4.tcp_syncookies=1", "--set=net.ipv6.ip_nonlocal_bind=1",
        "--prefix=203.0.113.0/24", "--prefix=2001:db8:ac00::/48",
        "--address=203.0.113.10", "--address=2001:db8:ac00::10",
        "--address=203.0.113.53", "--address=2001:db8:ac00::53",
        # The lab's demo workloads (HTTP and UDP).
        "--address=203.0.113.30", "--address=2001:db8:ac00::30",
        "--address=203.0.113.31", "--address=2001:db8:ac00::31"])


@pytest.mark.skipif(not shutil.which("unshare") or os.geteuid() != 0, reason="needs root and unshare")
def test_netsetup_addresses_add_remove_idempotent_in_a_private_netns():
    script = """
set -e
ip link set lo up
ip addr add 203.0.113.99/32 dev lo
ip addr add 198.51.100.7/32 dev lo
A="--prefix=203.0.113.0/24 --prefix=2001:db8:ac00::/48 --address=203.0.113.10 --address=2001:db8:ac00::10"
python3 {cmd} --check $A
python3 {cmd} $A
python3 {cmd} $A
ip -j addr show dev lo
""".format(cmd=NETSETUP)
    proc = subprocess.run(["unshare", "--net", "sh", "-c", script], capture_output=True, text=True, timeout=30,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    check, first, second = (json.loads(x) for x in lines[:3])
    assert check == {"changed": True, "added": ["2001:db8:ac00::10/128", "203.0.113.10/32"],
                     "removed": ["203.0.113.99/32"], "keys": [], "skipped": [], "check": True}
    assert first["changed"] and first["removed"] == ["203.0.113.99/32"]
    assert second["changed"] is False
    addrs = {a["local"] for link in json.loads(lines[3]) for a in link["addr_info"]}
    # outside the anycast prefixes: left alone
    assert {"127.0.0.1", "::1", "198.51.100.7", "203.0.113.10", "2001:db8:ac00::10"} <= addrs
    assert "203.0.113.99" not in addrs


@needs_tools
def test_a_service_whose_kind_is_implied_by_its_name_is_opened_like_one_that_says_it(rendered):
    assert (rendered["implied_kind"] / "nftables.conf").read_text() == (rendered["lab"] / "nftables.conf").read_text()
    assert "tcp dport 443 accept" in (rendered["implied_kind"] / "nftables.conf").read_text()


@pytest.mark.skipif(not shutil.which("unshare") or os.geteuid() != 0, reason="needs root and unshare")
def test_netsetup_sets_the_kernel_parameters_that_differ_and_reports_the_read_only_ones(tmp_path):
    """Against a stand-in /proc/sys: one parameter to change, one already right, one on a read-only mount (as a
    container's /proc/sys is), one absent. In private mount and network namespaces: nothing of this machine's."""
    root = tmp_path / "sys"
    (root / "net" / "ipv4").mkdir(parents=True)
    (root / "net" / "ipv4" / "ip_nonlocal_bind").write_text("0\n")
    (root / "net" / "ipv4" / "tcp_syncookies").write_text("1\n")
    (root / "net" / "ipv4" / "ip_forward").write_text("0\n")
    cmd = "python3 {cmd} --sysctl-root {root} --set=net.ipv4.ip_nonlocal_bind=1 --set=net.ipv4.tcp_syncookies=1 " \
          "--set=net.ipv4.ip_forward=1 --set=net.ipv6.absent=1".format(cmd=NETSETUP, root=root)
    script = """
set -e
ro={root}/net/ipv4/ip_forward
mount --bind $ro $ro
mount -o remount,bind,ro $ro
{cmd} --check
cat {root}/net/ipv4/ip_nonlocal_bind
{cmd}
{cmd}
cat {root}/net/ipv4/ip_nonlocal_bind $ro
""".format(root=root, cmd=cmd)
    proc = subprocess.run(["unshare", "--mount", "--net", "sh", "-c", script], capture_output=True, text=True,
                          timeout=30, check=False)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    check, before, first, second, after, forward = (lines[0], lines[1], lines[2], lines[3], lines[4], lines[5])
    check, first, second = json.loads(check), json.loads(first), json.loads(second)
    assert check["keys"] == ["net.ipv4.ip_nonlocal_bind"] and check["changed"] is True and before == "0"
    assert first["keys"] == ["net.ipv4.ip_nonlocal_bind"]
    assert sorted(first["skipped"]) == ["net.ipv4.ip_forward", "net.ipv6.absent"]
    assert second["changed"] is False and second["keys"] == []
    assert after == "1" and forward == "0"


@needs_tools
def test_firewall_lets_only_the_metrics_sources_reach_every_metrics_port(rendered):
    """The exporters, the health gate's and Caddy's metrics (the intent's ports) from scrape_from only."""
    text = (rendered["metrics"] / "nftables.conf").read_text()
    assert "ip saddr { 198.51.100.0/28 } tcp dport { 9100, 9324, 9731, 9800 } accept" in text
    assert "ip6 saddr { 2001:db8:5c::/64 } tcp dport { 9100, 9324, 9731, 9800 } accept" in text
    assert [line for line in text.splitlines() if "9731" in line or "9800" in line] == [
        "    ip saddr { 198.51.100.0/28 } tcp dport { 9100, 9324, 9731, 9800 } accept",
        "    ip6 saddr { 2001:db8:5c::/64 } tcp dport { 9100, 9324, 9731, 9800 } accept"]
    assert "9731" not in (rendered["lab"] / "nftables.conf").read_text()
    assert subprocess.run(["nft", "-c", "-f", str(rendered["metrics"] / "nftables.conf")], check=False).returncode == 0
