# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The digest of everything an instance's configuration is made from, computed on the controller.

Inputs: the collection's roles, plugins and playbooks (their files' content), the host's variables the roles read
(anycast_* and <role>_* for every directory under roles/), the inventory variables of every instance, the inventory's groups, and the content
of every controller file an absolute path in those variables names (a CA root, a password file). Two runs with the
same digest render the same configuration, provided roles read the world outside the instance through variables only.
"""

from __future__ import annotations

import hashlib
import json
import os

from ansible_collections.anycast.network.plugins.module_utils.common.plain_data import plain

# Results of this run and switches that do not change what is rendered (anycast_converge_manages: what the roles of
# this run add to the record).
VOLATILE = ("anycast_converged", "anycast_converge_manages", "anycast_full_converge", "anycast_lab_probe",
            "anycast_report_", "anycast_lab_ca_timeout")
HOST_KEYS = ("anycast_pop", "anycast_instance_index", "anycast_provider", "anycast_address", "anycast_address6")
# A file named in a variable is hashed when it is at most this large; larger ones count by size and mtime.
MAX_FILE = 1 << 20

_CONTENT = {}


def collection_root():
    """The collection's root: this file is plugins/module_utils/converge/digest.py under it."""
    here = os.path.abspath(__file__)
    for _unused in range(4):
        here = os.path.dirname(here)
    return here


def role_prefixes(root=None):
    """The prefixes of the variables the roles read: anycast_ (the collection's) and <role>_ for every role
    directory of the collection (a new role joins the digest by being there)."""
    base = os.path.join(root or collection_root(), "roles")
    try:
        names = sorted(name for name in os.listdir(base) if os.path.isdir(os.path.join(base, name)))
    except OSError:
        names = []
    return ("anycast_",) + tuple(name + "_" for name in names)


def content_digest(root=None):
    """SHA-256 over the path and content of every file under roles/, plugins/ and playbooks/ (which roles run, and
    how); computed once per process."""
    root = root or collection_root()
    if root in _CONTENT:
        return _CONTENT[root]
    digest = hashlib.sha256()
    for top in ("roles", "plugins", "playbooks"):
        base = os.path.join(root, top)
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in sorted(filenames):
                if name.endswith((".pyc", ".pyo")):
                    continue
                path = os.path.join(dirpath, name)
                digest.update(os.path.relpath(path, root).encode() + b"\0")
                with open(path, "rb") as handle:
                    digest.update(hashlib.sha256(handle.read()).digest())
    _CONTENT[root] = digest.hexdigest()
    return _CONTENT[root]


def _strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def named_files(values):
    """{path: sha256} of the controller files named by absolute paths anywhere in values."""
    out = {}
    for text in _strings(values):
        if not text.startswith("/") or "\n" in text or len(text) > 4096 or not os.path.isfile(text):
            continue
        stat = os.stat(text)
        if stat.st_size > MAX_FILE:
            out[text] = "size %d mtime %d" % (stat.st_size, stat.st_mtime)
            continue
        with open(text, "rb") as handle:
            out[text] = hashlib.sha256(handle.read()).hexdigest()
    return out


def is_task_result(value):
    """A registered result of an earlier task (it differs every run and renders nothing)."""
    return isinstance(value, dict) and "changed" in value and bool(
        {"rc", "failed", "skipped", "msg", "results", "invocation", "start", "stdout"} & set(value))


def selected(variables, prefixes=None):
    prefixes = tuple(prefixes or role_prefixes())
    return sorted(k for k in variables
                  if isinstance(k, str) and k.startswith(prefixes) and not k.startswith(VOLATILE)
                  and not is_task_result(variables[k]))


def inputs(task_vars, template, root=None):
    """The material of the digest, as plain data: own variables, the instances' inventory variables, groups."""
    own = {key: plain(template(task_vars[key])) for key in selected(task_vars, role_prefixes(root))}
    hostvars = task_vars.get("hostvars") or {}
    groups = plain(task_vars.get("groups") or {})
    instances = {}
    for host in sorted(groups.get("anycast_instances") or []):
        try:
            hv = hostvars[host]
        except KeyError:
            continue
        instances[host] = {key: plain(template(hv[key])) for key in HOST_KEYS if key in hv}
    return {
        "host": str(task_vars.get("inventory_hostname", "")),
        "variables": own,
        "instances": instances,
        "groups": {name: sorted(members) for name, members in groups.items()},
    }


def digest(task_vars, template, root=None):
    material = inputs(task_vars, template, root)
    material["files"] = named_files(material["variables"])
    material["collection"] = content_digest(root)
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()
