"""Stand-ins for the system programs a module calls (systemctl, dpkg-query, apt-get), first on PATH."""

import os
import sys

import pytest


@pytest.fixture
def stand_ins(tmp_path, monkeypatch):
    """install({name: script}, **values): writes each script (a %-template that gets `python` and `values`) to a
    directory put first on PATH, executable."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", "%s:%s" % (bin_dir, os.environ["PATH"]))

    def install(scripts, **values):
        for name, body in scripts.items():
            script = bin_dir / name
            script.write_text(body % dict(values, python=sys.executable))
            script.chmod(0o755)
    return install
