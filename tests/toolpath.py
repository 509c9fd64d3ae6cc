"""Where the tests find ansible-playbook and the other tools: beside the Python that runs the tests (its
virtualenv's bin/, so a run under another ansible-core uses that one's tools), else on PATH."""

import os
import pathlib
import shutil
import sys

def _bin():
    beside = pathlib.Path(sys.executable).parent
    if (beside / "ansible-playbook").exists():
        return beside
    found = shutil.which("ansible-playbook")
    return pathlib.Path(found).parent if found else beside


BIN = _bin()


def tool(name):
    """Path of the command `name`: beside sys.executable first, then on PATH."""
    beside = BIN / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError("%s is neither beside %s nor on PATH" % (name, sys.executable))
    return found


def path_env(path=None):
    """A PATH value with the tools' directory first."""
    return os.pathsep.join((str(BIN), path if path is not None else os.environ.get("PATH", "")))
