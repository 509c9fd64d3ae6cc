# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate the intent on the controller; see the documentation stub in plugins/modules/intent_validate.py."""

from __future__ import annotations

import os

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.anycast.network.plugins.module_utils.intent import derive
from ansible_collections.anycast.network.plugins.module_utils.common.plain_data import plain as _plain
from ansible_collections.anycast.network.plugins.module_utils.intent.files import IntentFileError, load_intent_file
from ansible_collections.anycast.network.plugins.module_utils.intent.validate import validate

INVENTORY_SUFFIXES = (".anycast.yml", ".anycast.yaml")
DEFAULT_INTENT_FILE = "group_vars/all/intent.yml"


def _configs(sources):
    """The run's anycast.network.intent inventory sources (files ending in .anycast.yml, or directories holding
    one): [(path, its settings)]."""
    from ansible_collections.anycast.network.plugins.module_utils.intent.files import load_yaml

    configs = []
    for source in sources if isinstance(sources, (list, tuple)) else [sources] if sources else []:
        source = str(source)
        if os.path.isdir(source):
            configs += [os.path.join(source, name) for name in sorted(os.listdir(source))
                        if name.endswith(INVENTORY_SUFFIXES)]
        elif source.endswith(INVENTORY_SUFFIXES) and os.path.isfile(source):
            configs.append(source)
    found = []
    for config in configs:
        try:
            data = load_yaml(config)
        except Exception:  # pylint: disable=broad-except
            continue  # the inventory plugin reports its own configuration
        if isinstance(data, dict) and data.get("plugin") in ("anycast.network.intent", "intent"):
            found.append((config, data))
    return found


def _intent_files(sources):
    """The intent files of the run's anycast.network.intent inventory sources, each resolved as the inventory
    plugin resolves its intent_file option."""
    files = []
    for config, data in _configs(sources):
        name = data.get("intent_file") or DEFAULT_INTENT_FILE
        path = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(config)), str(name)))
        if path not in files:
            files.append(path)
    return files


def _lab_topologies(sources):
    """{topology file: the inventory file that names it}: the lab topology of each anycast.network.intent
    inventory source, resolved as the inventory plugin resolves its lab_topology option (the file's setting, else
    the environment's ANYCAST_LAB_TOPOLOGY, relative to the inventory file)."""
    found = {}
    for config, data in _configs(sources):
        name = data.get("lab_topology") or os.environ.get("ANYCAST_LAB_TOPOLOGY")
        if name:
            path = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(config)), str(name)))
            found.setdefault(path, config)
    return found


def _topology_disagrees(given, sources):
    """The message refusing a lab topology that is not the inventory's (a command line's -e anycast_lab_topology
    wins over the inventory's variable, while the inventory's hosts come from its own topology), else None."""
    named = _lab_topologies(sources)
    if not given or not named:
        return None
    if os.path.realpath(os.path.abspath(str(given))) in {os.path.realpath(p) for p in named}:
        return None
    return ("The lab topology %s (anycast_lab_topology, given on the command line) is not the inventory's: %s "
            "names %s. The inventory chooses the topology (its lab_topology setting, docs/lab.md): use the "
            "inventory of that topology (-i) instead of -e anycast_lab_topology. Nothing was changed."
            % (given, ", ".join(sorted(set(named.values()))), ", ".join(sorted(named))))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("intent", "lab_topology"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        result["changed"] = False
        args = self._task.args
        sources = (task_vars or {}).get("ansible_inventory_sources")
        files = _intent_files(sources)
        refused = _topology_disagrees(args.get("lab_topology"), sources)
        if refused:
            result.update(failed=True, msg=refused)
            return result
        for path in files:
            # Ansible only warns about a key written twice and keeps the last; an intent file that is empty or not
            # YAML leaves no intent at all. Say so here, naming the file and line, rather than something vaguer.
            try:
                load_intent_file(path)
            except IntentFileError as exc:
                result.update(failed=True, msg="%s. Nothing was changed." % exc)
                return result
        if "intent" not in args or args["intent"] is None:
            where = " (the inventory's intent file is %s)" % ", ".join(files) if files else ""
            result.update(failed=True, msg="No intent: define anycast_intent in the inventory%s; see docs/intent.md."
                          % where)
            return result
        try:
            intent = _plain(args["intent"])
            regions = None
            if args.get("lab_topology"):
                regions = self._lab_regions(args["lab_topology"])
            problems = validate(intent, known_lab_regions=regions)
        except AnsibleError:
            raise
        except Exception as exc:  # never a traceback for the operator
            result.update(failed=True, msg="The intent could not be validated: %s: %s" % (type(exc).__name__, exc))
            return result
        result["problems"] = [{"path": p.path, "message": p.message} for p in problems]
        if problems:
            lines = ["The intent has %d problem%s; nothing was changed:" % (len(problems), "" if len(problems) == 1 else "s")]
            lines += ["  %s: %s" % (p.path, p.message) for p in problems]
            result.update(failed=True, msg="\n".join(lines))
            return result
        names = derive.instance_names(intent)
        result["summary"] = {
            "network": intent["network"],
            "asn": intent["asn"],
            "prefixes": derive.prefixes(intent),
            "services": sorted(intent["services"]),
            "pops": {pop: {"provider": intent["pops"][pop]["provider"], "instances": names[pop]}
                     for pop in sorted(intent["pops"])},
        }
        result["msg"] = "The intent is valid: AS%s, %d prefixes, %d services, %d PoPs, %d instances." % (
            intent["asn"], len(intent["prefixes"]), len(intent["services"]), len(intent["pops"]),
            sum(len(v) for v in names.values()))
        return result

    def _lab_regions(self, path):
        from ansible_collections.anycast.network.plugins.module_utils.intent.files import load_yaml
        if not os.path.isfile(path):
            raise AnsibleError("The lab topology %s does not exist." % path)
        topo = load_yaml(path)
        regions = topo.get("regions", {}) if isinstance(topo, dict) else {}
        return set(regions) if isinstance(regions, (dict, list)) else set()
