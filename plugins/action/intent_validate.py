# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate the intent on the controller; see the documentation stub in plugins/modules/intent_validate.py."""

from __future__ import annotations

import os

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.anycast.network.plugins.module_utils.intent import derive
from ansible_collections.anycast.network.plugins.module_utils.common.plain_data import plain as _plain
from ansible_collections.anycast.network.plugins.module_utils.intent.validate import validate


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("intent", "lab_topology"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        result["changed"] = False
        args = self._task.args
        if "intent" not in args or args["intent"] is None:
            result.update(failed=True, msg="No intent: define anycast_intent in the inventory (see docs/intent.md).")
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
