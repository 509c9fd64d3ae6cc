# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""RPKI of our announcements, on the controller; see the documentation stub in plugins/modules/rpki_roas.py."""

from __future__ import annotations

from ansible.module_utils.common.validation import check_type_list
from ansible.plugins.action import ActionBase

from ansible_collections.anycast.network.plugins.module_utils.common.plain_data import plain as _plain
from ansible_collections.anycast.network.plugins.module_utils.rpki import step


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("intent", "stage", "instances", "base_dir"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self._task.args
        if not isinstance(args.get("intent"), dict):
            result.update(failed=True, msg="intent is required: the network's intent (anycast_intent)")
            return result
        stage = args.get("stage", "validate")
        instances = args.get("instances")
        if instances is None and stage != "validate":
            instances = self._inventory_instances(task_vars or {})
        try:
            out = step.run(_plain(args["intent"]), stage=stage,
                           instances=_plain(check_type_list(instances or [])),
                           base_dir=str(args.get("base_dir") or "."), check_mode=bool(self._task.check_mode))
        except step.RpkiStepError as exc:
            result.update(failed=True, changed=False, msg="%s. Nothing was changed." % exc)
            return result
        warnings = out.pop("warnings", [])
        result.update(out)
        if warnings:
            result["warnings"] = result.get("warnings", []) + warnings
        return result

    @staticmethod
    def _inventory_instances(task_vars):
        """The instances of the inventory's group anycast_instances, with their PoP and own addresses."""
        hostvars = task_vars.get("hostvars") or {}
        out = []
        for name in (task_vars.get("groups") or {}).get("anycast_instances", []):
            host = hostvars[name] if name in hostvars else {}
            out.append({"name": name, "pop": host.get("anycast_pop", ""), "address": host.get("anycast_address", ""),
                        "address6": host.get("anycast_address6", "")})
        return out
