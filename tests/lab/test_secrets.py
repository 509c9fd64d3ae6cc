"""Secrets never appear in output: the lab's BGP password is not in -vvv --diff output of a configure run, nor in
the verify report, nor in anything the instances expose outside the BIRD configuration."""

import os
import pathlib
import subprocess

import pytest

from ansible_collections.anycast.network.plugins.module_utils.lab import podman
from toolpath import BIN

ROOT = pathlib.Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.lab


def test_bgp_password_never_in_output(converged_lab):
    password = (ROOT / ".lab" / "bgp-password").read_text().strip()
    assert len(password) >= 16
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               PATH="%s:%s" % (BIN, os.environ.get("PATH", "")))
    proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(ROOT / "inventories/lab"),
                           str(ROOT / "site.yml"), "--tags", "configure", "--limit", "pop_ams", "-vvv", "--diff"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert password not in proc.stdout and password not in proc.stderr
    report = ROOT / "reports" / "verify.json"
    if report.exists():
        assert password not in report.read_text()
    node = converged_lab["nodes"]["ams-1"]["container"]
    manifest = podman.exec_(node, "cat", "/etc/anycast/routing.json").stdout
    assert manifest and password not in manifest
    perms = podman.exec_(node, "stat", "-c", "%a %U %G", "/etc/bird/bird.conf").stdout.split()
    assert perms == ["640", "root", "bird"], perms
    journal = podman.exec_(node, "journalctl", "--no-pager", "-q").stdout
    assert password not in journal
