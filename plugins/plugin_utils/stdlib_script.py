# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a function of the collection's module_utils on a host as one plain Python script, without an Ansible module.

An Ansible module run costs its host about 0.25 CPU-seconds before the module does anything: the AnsiballZ wrapper
imports ansible.module_utils.basic and its helpers from a zip, compiling them every time (measured on a lab instance,
Python 3.11, ansible-core 2.19: `python3 -X importtime`). For a short check made on every instance of every run, that
start-up is most of the cost. `build()` puts the function's module and every collection module_utils file it
imports, found by reading their imports, into one script that serves them from memory; the action plugin pipes it to
the host's Python (`python3 -I -`, the way pipelining feeds a module) and reads one JSON document back. Only code that
needs nothing but Python's standard library can go this way: `build()` refuses anything else (NotStandalone).
"""

from __future__ import annotations

import ast
import importlib
import json
import sys

PREFIX = "ansible_collections.anycast.network.plugins.module_utils"

_RUNNER = r'''
import importlib.abc
import importlib.util
import json
import sys


class _Sources(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves the collection modules below from memory (their parent packages as empty packages)."""

    def find_spec(self, name, path=None, target=None):
        if name in SOURCES or any(key.startswith(name + ".") for key in SOURCES):
            return importlib.util.spec_from_loader(name, self, is_package=name not in SOURCES)
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        source = SOURCES.get(module.__name__)
        if source is not None:
            exec(compile(source, module.__name__.replace(".", "/") + ".py", "exec"), module.__dict__)


sys.meta_path.insert(0, _Sources())
_module = importlib.import_module(ENTRY)
json.dump(getattr(_module, FUNCTION)(**ARGS), sys.stdout)
'''


class NotStandalone(Exception):
    """The code imports something beyond the standard library and the collection's standalone module_utils."""


def _imports(name, source):
    """The absolute module names a source imports."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                raise NotStandalone("%s uses a relative import" % name)
            if node.module == PREFIX:
                names.extend("%s.%s" % (PREFIX, alias.name) for alias in node.names)
            else:
                names.append(node.module)
    return names


def sources(entry):
    """{module name: source} for `entry` and the collection module_utils it needs, however deep."""
    found = {}
    pending = [entry]
    while pending:
        name = pending.pop()
        if name in found:
            continue
        if not name.startswith(PREFIX + "."):
            raise NotStandalone("%s is not a module_utils module of the collection" % name)
        with open(importlib.import_module(name).__file__, encoding="utf-8") as handle:
            found[name] = handle.read()
        for imported in _imports(name, found[name]):
            top = imported.split(".")[0]
            if imported.startswith(PREFIX + "."):
                pending.append(imported)
            elif top not in sys.stdlib_module_names:
                raise NotStandalone("%s imports %s" % (name, imported))
    return found


def build(entry, function, args):
    """The script that prints `function(**args)` of module_utils module `entry` as JSON."""
    return "import json\nENTRY = %r\nFUNCTION = %r\nARGS = json.loads(%r)\nSOURCES = %r\n%s" % (
        entry, function, json.dumps(args), sources(entry), _RUNNER)


def parse(stdout):
    """The JSON document the script printed (ValueError when there is none)."""
    result = json.loads(stdout)
    if not isinstance(result, dict):
        raise ValueError("the script printed %s, not an object" % type(result).__name__)
    return result
