"""The built collection: no credentials, caches, reports or VCS files inside; installs and works the same."""

import os
import pathlib
import subprocess
import tarfile

ROOT = pathlib.Path(__file__).resolve().parents[3]
BIN = ROOT / ".venv/bin"
MARKER = "-".join(("secret", "value", "that", "must", "not", "ship"))
FORBIDDEN = (".git/", ".venv/", ".lab/", ".cache/", "reports/", "loa/", "collections/", ".ci/", "benchmarks/results")


def test_build_install_and_use(tmp_path):
    # Leftovers a developer might have in the tree must not be packaged.
    planted = [ROOT / "reports" / "verify.json", ROOT / "tests" / "integration" / "cloud-config-vultr.ini"]
    for path in planted:
        path.parent.mkdir(parents=True, exist_ok=True)
    created = [p for p in planted if not p.exists()]
    for path in created:
        path.write_text(MARKER + "\n")
    try:
        subprocess.run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(tmp_path), str(ROOT)],
                       check=True, capture_output=True, text=True, timeout=300)
    finally:
        for path in created:
            path.unlink()
    tarball = next(tmp_path.glob("anycast-network-*.tar.gz"))
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
        for member in tar.getmembers():
            if member.isfile() and member.size < 1_000_000:
                data = tar.extractfile(member).read()
                assert MARKER.encode() not in data, member.name
    for name in names:
        assert not any((name + "/").startswith(bad) for bad in FORBIDDEN), name
        assert "__pycache__" not in name and ".pytest_cache" not in name, name
        assert not name.endswith((".ini", ".pyc", ".log", ".secret")), name
    assert "galaxy.yml" not in names and "MANIFEST.json" in names
    assert "plugins/module_utils/intent/validate.py" in names

    install = tmp_path / "installed"
    (tmp_path / "ansible.cfg").write_text("[defaults]\n")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(install), ANSIBLE_CONFIG=str(tmp_path / "ansible.cfg"))
    subprocess.run([str(BIN / "ansible-galaxy"), "collection", "install", "-p", str(install), str(tarball)],
                   check=True, capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    doc = subprocess.run([str(BIN / "ansible-doc"), "-t", "module", "anycast.network.intent_validate"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert doc.returncode == 0 and str(install) in doc.stdout, doc.stderr
    play = tmp_path / "check.yml"
    play.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - anycast.network.intent_validate:\n        intent: {network: x}\n      register: r\n      ignore_errors: true\n"
        "    - ansible.builtin.assert:\n        that: [r.failed, \"'asn: is required' in r.msg\"]\n")
    run = subprocess.run([str(BIN / "ansible-playbook"), str(play)], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
