"""playbooks/registry.yml with ansible-playbook: skip without a registry section; route objects and LOAs from an
intent, against the RIPE emulation and the real IRRd."""

from __future__ import annotations

import importlib.util
import re
import os
import pathlib
import subprocess
import sys

import pypdf
import pytest
import yaml

pytestmark = pytest.mark.integration

ROOT = pathlib.Path(__file__).resolve().parents[3]
_EMU = ROOT / "tests" / "emulators" / "ripe" / "server.py"
_spec = importlib.util.spec_from_file_location("ripe_emulator_pb", _EMU)
ripe_emulator = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ripe_emulator)

KEY = "AbCdEfGhIjKlMnOpQrStUv12:playbook-secret"


def intent(**registry):
    data = yaml.safe_load((ROOT / "inventories" / "vultr-example" / "group_vars" / "all" / "intent.yml").read_text())
    data["anycast_intent"].pop("registry", None)
    if registry:
        data["anycast_intent"]["registry"] = registry
    return data


def playbook(tmp_path, data, *extra, env=None):
    inv = tmp_path / "inventory"
    (inv / "group_vars" / "all").mkdir(parents=True, exist_ok=True)
    (inv / "hosts.yml").write_text(yaml.safe_dump({"all": {"hosts": {"localhost": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}))
    (inv / "group_vars" / "all" / "intent.yml").write_text(yaml.safe_dump(data))
    run_env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default",
                   ANSIBLE_NOCOLOR="1", ANSIBLE_CACHE_PLUGIN="memory", **(env or {}))
    out = subprocess.run([str(pathlib.Path(sys.executable).parent / "ansible-playbook"), "-i", str(inv / "hosts.yml"),
                          str(ROOT / "playbooks" / "registry.yml"), *extra], cwd=ROOT, env=run_env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
    recap = re.search(r"localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+"
                      r"skipped=(\d+)", out.stdout)
    stats = dict(zip(("ok", "changed", "unreachable", "failures", "skipped"), map(int, recap.groups())))
    return stats, out.stdout + out.stderr


def test_skips_cleanly_without_registry(tmp_path):
    stats, raw = playbook(tmp_path, intent())
    assert "Registry paperwork skipped: the intent has no registry section" in raw
    assert "Ensure the route objects of the anycast prefixes" not in raw
    assert stats["failures"] == 0 and stats["changed"] == 0 and stats["ok"] == 1


def test_ripe_routes_and_loas(tmp_path):
    with ripe_emulator.RipeEmulator() as emu:
        emu.db.add_mntner("EXAMPLE-MNT", api_keys=dict([KEY.split(":")]))
        data = intent(backend="ripe", url=emu.url, source="RIPE", mnt_by="EXAMPLE-MNT",
                      descr="Example anycast service",
                      api_key="{{ lookup('ansible.builtin.env', 'TEST_RIPE_API_KEY') }}",
                      loa={"holder": "Example Networks Ltd", "signatory": "Jane Doe, Network Operations",
                           "contact": "noc@example.com", "validity_days": 365,
                           "output_dir": str(tmp_path / "loa")})
        env = {"TEST_RIPE_API_KEY": KEY}
        stats, raw = playbook(tmp_path, data, "--diff", env=env)
        assert "playbook-secret" not in raw
        assert stats["changed"] >= 2
        assert sorted(k[2] for k in emu.db.objects) == ["192.0.2.0/24AS64496", "2001:DB8:100::/48AS64496"]
        loas = sorted(p.name for p in (tmp_path / "loa").iterdir())
        assert loas == ["loa-example-metal-gmbh-as64511.pdf", "loa-vultr-the-constant-company-llc-as20473.pdf"]
        text = pypdf.PdfReader(str(tmp_path / "loa" / loas[0])).pages[0].extract_text()
        flat = " ".join(text.split())
        assert "Example Metal GmbH (AS64511)" in flat and "served by Example Metal GmbH: fra-metal" in flat
        text = " ".join(pypdf.PdfReader(str(tmp_path / "loa" / loas[1])).pages[0].extract_text().split())
        assert "Vultr (The Constant Company, LLC) (AS20473)" in text and "ams, ewr, lax, lhr" in text
        before = {p: p.read_bytes() for p in (tmp_path / "loa").iterdir()}

        # a second run changes nothing
        stats, raw = playbook(tmp_path, data, env=env)
        assert stats["changed"] == 0
        assert before == {p: p.read_bytes() for p in (tmp_path / "loa").iterdir()}


def test_irrd_routes_from_the_lab_intent(tmp_path, irrd):
    # The lab intent: its upstream password is a lookup of the lab's state directory, which the intent inventory
    # plugin names in every real run (ansible-core 2.18 templates the whole intent when the play reads a part of it).
    data = yaml.safe_load((ROOT / "inventories" / "lab" / "group_vars" / "all" / "intent.yml").read_text())
    data["anycast_lab_state_dir"] = str(tmp_path / "lab-state")
    (tmp_path / "lab-state").mkdir()
    data["anycast_intent"]["registry"] = {
        "backend": "irrd", "url": irrd.http_url, "source": irrd.source, "mnt_by": irrd.mntner,
        "descr": "seedlab anycast", "password": "{{ lookup('ansible.builtin.env', 'TEST_IRRD_PASSWORD') }}",
        "loa": {"holder": "Seedlab", "signatory": "Lab Operator", "output_dir": str(tmp_path / "loa")}}
    env = {"TEST_IRRD_PASSWORD": irrd.password}
    try:
        stats, raw = playbook(tmp_path, data, env=env)
        assert irrd.password not in raw
        assert "origin:         AS64500" in irrd.whois("!mroute,203.0.113.0/24AS64500")
        assert [p.name for p in (tmp_path / "loa").iterdir()] == ["loa-vultr-the-constant-company-llc-as20473.pdf"]
        stats, raw = playbook(tmp_path, data, env=env)
        assert stats["changed"] == 0
    finally:
        playbook(tmp_path, data, "-e", "anycast_registry_state=absent", env=env)
    assert irrd.whois("!mroute,203.0.113.0/24AS64500") == ""
