# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Price the intent on the controller; see the documentation stub in plugins/modules/cost_estimate.py."""

from __future__ import annotations

import os

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.validation import check_type_bool, check_type_float, check_type_int
from ansible.plugins.action import ActionBase

from ansible_collections.anycast.network.plugins.module_utils.common.plain_data import plain as _plain
from ansible_collections.anycast.network.plugins.module_utils.cost import estimate as cost
from ansible_collections.anycast.network.plugins.module_utils.intent import derive
from ansible_collections.anycast.network.plugins.module_utils.vultr.client import (
    DEFAULT_API_URL,
    VultrAPIError,
    VultrClient,
)


def _setting(args, name, env, default, convert):
    value = args.get(name)
    if value is None:
        value = os.environ.get(env, default)
    try:
        return convert(value)
    except (TypeError, ValueError) as exc:
        raise AnsibleActionFail("%s: %s" % (name, exc))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("intent", "enforce_budget", "api_key", "api_url", "api_timeout", "api_retries",
                             "validate_certs"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self._task.args
        if not isinstance(args.get("intent"), dict):
            result.update(failed=True, msg="intent is required: the network's intent (anycast_intent)")
            return result
        intent = _plain(args["intent"])
        model = derive.normalize(intent)
        plans = []
        pops = cost.vultr_pops(model)
        if pops:
            api_key = args.get("api_key") or os.environ.get("VULTR_API_KEY", "")
            if not api_key:
                result.update(failed=True, msg="The intent has Vultr PoPs (%s): their price comes from Vultr's plan "
                              "list, which needs the API key (VULTR_API_KEY or anycast_vultr_api_key)."
                              % ", ".join(pops))
                return result
            try:
                client = VultrClient(
                    api_key=api_key,
                    api_url=_setting(args, "api_url", "VULTR_API_URL", DEFAULT_API_URL, str),
                    timeout=_setting(args, "api_timeout", "VULTR_API_TIMEOUT", 60, check_type_float),
                    retries=_setting(args, "api_retries", "VULTR_API_RETRIES", 6, check_type_int),
                    validate_certs=check_type_bool(args.get("validate_certs", True)))
                plans = client.list("/plans", "plans", params={"type": "all"})
            except VultrAPIError as exc:
                result.update(failed=True, msg="Vultr's plan prices could not be read: %s" % exc)
                return result
        result.update(cost.verdict(model, plans, check_type_bool(args.get("enforce_budget", False))))
        warnings = ["%s %s" % (item["path"], item["message"]) for item in result.get("warnings_list", [])]
        if warnings:
            result["warnings"] = result.get("warnings", []) + warnings
        return result
