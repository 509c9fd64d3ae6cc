"""The execution environment: ansible-builder makes a build context that installs the collection's own tarball,
and its introspection finds the collection's Python and system dependencies.

The image itself is not built here: that needs a container registry for the base image.
"""

import os
import pathlib
import re
import shutil
import subprocess
import tomllib

import pytest
import yaml
from toolpath import BIN

ROOT = pathlib.Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.integration


def _name(requirement):
    return re.split(r"[<>=!~\[; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _lines(path):
    return [ln.split("#", 1)[0].strip() for ln in path.read_text().splitlines() if ln.split("#", 1)[0].strip()]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The collection tarball and the build context, made from a copy of the EE definition."""
    work = tmp_path_factory.mktemp("ee")
    cfg = work / "ansible.cfg"
    cfg.write_text("[defaults]\n")
    env = dict(os.environ, ANSIBLE_CONFIG=str(cfg))
    subprocess.run([str(BIN / "ansible-galaxy"), "collection", "build", "--force", "--output-path",
                    str(work / "dist"), str(ROOT)], check=True, capture_output=True, text=True, env=env, timeout=300)
    shutil.copy(ROOT / "execution-environment.yml", work)
    shutil.copy(ROOT / "bindep.txt", work)
    run = subprocess.run([str(BIN / "ansible-builder"), "create", "--file", "execution-environment.yml",
                          "--context", "context", "--output-filename", "Containerfile"],
                         cwd=work, capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    return work, env


def test_definition_is_version_3_and_pins_core():
    ee = yaml.safe_load((ROOT / "execution-environment.yml").read_text())
    assert ee["version"] == 3
    assert "2.19" in ee["dependencies"]["ansible_core"]["package_pip"]
    assert ee["dependencies"]["system"] == "bindep.txt"


def test_build_context_installs_the_collection_tarball(built):
    work, _ = built
    context = work / "context"
    containerfile = (context / "Containerfile").read_text()
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    tarball = f"{galaxy['namespace']}-{galaxy['name']}-{galaxy['version']}.tar.gz"
    # The tarball is in the context, and the galaxy requirement names exactly it (a version bump in galaxy.yml
    # must be followed in execution-environment.yml).
    assert (context / "_build" / "collections" / tarball).is_file()
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert requirements["collections"] == [{"name": f"collections/{tarball}", "type": "file"}]
    assert "ansible-galaxy collection install" in containerfile
    assert "-r requirements.yml" in containerfile
    assert "introspect" in containerfile
    assert "anycast.network" in containerfile
    assert "ansible-core>=2.19,<2.20" in containerfile
    assert (context / "_build" / "bindep.txt").read_text() == (ROOT / "bindep.txt").read_text()


def test_introspection_finds_the_collection_dependencies(built, tmp_path):
    work, env = built
    tarball = next((work / "dist").glob("anycast-network-*.tar.gz"))
    # --force and a neutral working directory: the checkout's own collections/ link must not count as installed.
    subprocess.run([str(BIN / "ansible-galaxy"), "collection", "install", "--force", "-p", str(tmp_path),
                    str(tarball)], check=True, capture_output=True, text=True, env=env, timeout=300, cwd=work)
    assert (tmp_path / "ansible_collections" / "anycast" / "network" / "meta" / "execution-environment.yml").is_file()
    run = subprocess.run([str(BIN / "ansible-builder"), "introspect", "--sanitize", str(tmp_path)],
                         capture_output=True, text=True, env=env, timeout=120, check=True)
    found = yaml.safe_load(run.stdout.split("---", 1)[1])
    python = {_name(line.split("#")[0]) for line in found["python"]}
    system = [line.split("#")[0].strip() for line in found["system"]]
    # Every runtime dependency of the project, except what the EE itself provides.
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime = {_name(dep) for dep in pyproject["project"]["dependencies"]} - {"ansible-core", "ansible-runner"}
    assert runtime <= python, runtime - python
    # Same version constraints as pyproject, so the EE runs what the tests ran.
    declared = {_name(ln): ln.replace(" ", "") for ln in _lines(ROOT / "meta" / "ee-requirements.txt")}
    for dep in pyproject["project"]["dependencies"]:
        if _name(dep) in declared:
            assert declared[_name(dep)] == dep.replace(" ", ""), dep
    assert "openssh-client [platform:dpkg]" in system


@pytest.mark.parametrize("path", ["bindep.txt", "meta/ee-bindep.txt"])
def test_bindep_files_resolve_on_both_families(path):
    from bindep.depends import Depends

    depends = Depends((ROOT / path).read_text())
    for platform in ("platform:dpkg", "platform:rpm"):
        rules = depends.active_rules([platform])
        assert rules, f"{path}: nothing for {platform}"
        assert any(name.startswith("openssh") for name, _, _ in rules)


def test_collection_metadata_points_at_shipped_files():
    meta = yaml.safe_load((ROOT / "meta" / "execution-environment.yml").read_text())
    assert meta["version"] == 1
    for kind in ("python", "system"):
        rel = meta["dependencies"][kind]
        assert not os.path.isabs(rel) and (ROOT / rel).is_file()
    # The tarball carries them: the allow-list in galaxy.yml names them (tests/integration/packaging checks the build).
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    assert "include meta/*.yml meta/ee-*.txt" in galaxy["manifest"]["directives"]
