"""The built collection: only what the allow-list in galaxy.yml names ships, never a checkout's local files
(inventories, .env, keys, caches, reports, letters); everything the collection needs is in it; it installs and works."""

import os
import pathlib
import shutil
import subprocess
import tarfile

import pytest
from toolpath import tool

ROOT = pathlib.Path(__file__).resolve().parents[3]
MARKER = "-".join(("secret", "value", "that", "must", "not", "ship"))
EXAMPLE_INVENTORIES = ("lab", "lab-mystery", "lab-scale", "vultr-example", "static-example")
# Files a developer or an operator may have in a checkout; none may ship.
SEEDED = (
    "inventories/prod/hosts.anycast.yml",
    "inventories/prod/group_vars/all/intent.yml",
    "inventories/lab/group_vars/all/vault.env",
    "inventories/lab/id_ed25519",
    ".env",
    "roles/bird/.env",
    ".lab/id_ed25519",
    ".lab/id_ed25519.pub",
    ".cache/facts/pop1-a",
    ".cache/venv-core-2.18/bin/activate",
    "reports/verify.json",
    "reports/catchments.html",
    "loa/loa-ams.pdf",
    "server.pem",
    "roles/caddy/files/site.pem",
    "roles/caddy/templates/site.key",
    "files/loa/logo.p12",
    "plugins/module_utils/intent/__pycache__/validate.cpython-311.pyc",
    "tests/integration/cloud-config-vultr.ini",
    "benchmarks/results/run.json",
    "anycast-network-0.9.0.tar.gz",
)
# Tracked paths that belong to the repository, not the collection.
# The scale topology's generator is a tool of the repository, like scripts/: its output (scale.yml) ships.
NOT_SHIPPED = (".", "collections/", "tests/", "benchmarks/", "molecule/", "scripts/", "ansible.cfg", "galaxy.yml",
               "pyproject.toml", "lab/topologies/scale.py")


def tracked_files():
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("needs a git checkout to know its tracked files")
    out = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], check=True, capture_output=True).stdout
    return [name for name in out.decode().split("\0") if name and (ROOT / name).is_file()]


def shipped(name):
    if name == "tests/sanity" or name.startswith("tests/sanity/"):
        return True
    if name.startswith("inventories/"):
        return name.split("/")[1] in EXAMPLE_INVENTORIES
    return not name.startswith(NOT_SHIPPED)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("packaging")
    checkout = tmp / "checkout"
    tracked = tracked_files()
    for name in tracked:
        (checkout / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, checkout / name)
    for name in SEEDED:
        path = checkout / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(MARKER + "\n")
    dist = tmp / "dist"
    run = subprocess.run([tool("ansible-galaxy"), "collection", "build", "--output-path", str(dist), str(checkout)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    tarball = next(dist.glob("anycast-network-*.tar.gz"))
    return tmp, tarball, tracked


def test_seeded_files_never_ship(built):
    _tmp, tarball, _tracked = built
    with tarfile.open(tarball) as tar:
        names = set(tar.getnames())
        for member in tar.getmembers():
            if member.isfile():
                assert MARKER.encode() not in tar.extractfile(member).read(), member.name
    for name in SEEDED:
        assert name not in names, name
    assert not [n for n in names if n.startswith("inventories/") and n.split("/")[1] not in EXAMPLE_INVENTORIES]
    assert not [n for n in names if "__pycache__" in n or n.startswith((".", "tests/output"))]


def test_everything_needed_ships(built):
    _tmp, tarball, tracked = built
    with tarfile.open(tarball) as tar:
        names = set(tar.getnames())
    missing = sorted(name for name in tracked if shipped(name) and name not in names)
    assert not missing, missing
    for name in ("MANIFEST.json", "FILES.json", "LICENSE", "README.md", "meta/runtime.yml",
                 "plugins/module_utils/intent/validate.py", "changelogs/changelog.yaml", "files/loa/default.yml",
                 "lab/topologies/default.yml", "inventories/lab/hosts.anycast.yml"):
        assert name in names, name
    assert "galaxy.yml" not in names
    extra = sorted(n for n in names if n not in tracked and n not in ("MANIFEST.json", "FILES.json")
                   and not any(t.startswith(n + "/") for t in tracked))
    assert not extra, extra


def test_installs_and_works(built):
    tmp, tarball, _tracked = built
    install = tmp / "installed"
    (tmp / "ansible.cfg").write_text("[defaults]\n")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(install), ANSIBLE_CONFIG=str(tmp / "ansible.cfg"))
    subprocess.run([tool("ansible-galaxy"), "collection", "install", "-p", str(install), str(tarball)],
                   check=True, capture_output=True, text=True, timeout=300, env=env, cwd=tmp)
    doc = subprocess.run([tool("ansible-doc"), "-t", "module", "anycast.network.intent_validate"],
                         capture_output=True, text=True, env=env, cwd=tmp, timeout=120)
    assert doc.returncode == 0 and str(install) in doc.stdout, doc.stderr
    play = tmp / "check.yml"
    play.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - anycast.network.intent_validate:\n        intent: {network: x}\n      register: r\n      ignore_errors: true\n"
        "    - ansible.builtin.assert:\n        that: [r.failed, \"'asn: is required' in r.msg\"]\n")
    run = subprocess.run([tool("ansible-playbook"), str(play)], capture_output=True, text=True, env=env,
                         cwd=tmp, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
