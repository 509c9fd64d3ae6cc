"""The lab module builds the lab image only when the image its definition builds is missing or not the one in use."""

import subprocess
import types

import pytest

from ansible_collections.anycast.network.plugins.module_utils.lab import podman


@pytest.fixture
def script(tmp_path):
    """A stand-in for scripts/setup.d/10-lab-image.sh at <root>/scripts/setup.d/; it leaves `built` when it builds."""
    setup_d = tmp_path / "scripts" / "setup.d"
    setup_d.mkdir(parents=True)
    path = setup_d / "10-lab-image.sh"
    path.write_text('[ "${1:-}" = --print-tag ] && { echo localhost/anycast-lab-node:abc; exit 0; }\n'
                    'pwd > built\n')
    return path


def _images(monkeypatch, ids):
    asked = []

    def fake(*args, **_kw):
        asked.append(args)
        return types.SimpleNamespace(stdout="\n".join(ids) + "\n", returncode=0 if len(ids) == 2 else 125)
    monkeypatch.setattr(podman, "podman", fake)
    return asked


def test_nothing_runs_when_current_is_the_definitions_image(script, monkeypatch):
    asked = _images(monkeypatch, ["sha256:1", "sha256:1"])
    assert podman.ensure_image(str(script), "localhost/anycast-lab-node:current") is False
    assert asked == [("image", "inspect", "--format", "{{.Id}}", "localhost/anycast-lab-node:abc",
                      "localhost/anycast-lab-node:current")]
    assert not (script.parents[2] / "built").exists()


@pytest.mark.parametrize("ids", [["sha256:1", "sha256:2"], ["sha256:1"], []])
def test_the_script_runs_from_the_root_when_the_image_is_missing_or_another(script, monkeypatch, ids):
    _images(monkeypatch, ids)
    assert podman.ensure_image(str(script), "localhost/anycast-lab-node:current", check_mode=True) is True
    assert not (script.parents[2] / "built").exists()
    assert podman.ensure_image(str(script), "localhost/anycast-lab-node:current") is True
    assert (script.parents[2] / "built").read_text().strip() == str(script.parents[2])


def test_the_real_script_prints_its_tag_without_podman():
    root = __import__("pathlib").Path(__file__).resolve().parents[3]
    out = subprocess.run(["bash", "scripts/setup.d/10-lab-image.sh", "--print-tag"], cwd=root, env={"PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, check=True).stdout
    assert out.startswith("localhost/anycast-lab-node:") and len(out.strip().split(":")[1]) == 12
