# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Price the intent on the controller; see the documentation stub in plugins/modules/cost_estimate.py."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.validation import check_type_bool
from ansible.plugins.action import ActionBase

from ansible_collections.anycast.network.plugins.module_utils.common.plain_data import plain as _plain
from ansible_collections.anycast.network.plugins.module_utils.cost import estimate as cost
from ansible_collections.anycast.network.plugins.module_utils.intent import derive
from ansible_collections.anycast.network.plugins.module_utils.vultr.client import (
    VultrAPIError,
    client_from_params,
    vultr_argument_spec,
)


def _vultr_params(args):
    """The task's Vultr options with the defaults and environment fallbacks the Vultr modules apply
    (vultr_argument_spec); the API key is optional here: only Vultr PoPs need it."""
    spec = vultr_argument_spec()
    spec["api_key"] = dict(spec["api_key"], required=False)
    given = {key: value for key, value in args.items() if key in spec and value is not None}
    checked = ArgumentSpecValidator(spec).validate(given)
    if checked.error_messages:
        raise AnsibleActionFail("; ".join(checked.error_messages))
    return checked.validated_parameters


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("intent", "autoscale_record", "enforce_budget", "api_key", "api_url", "api_timeout", "api_retries",
                             "validate_certs"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self._task.args
        if not isinstance(args.get("intent"), dict):
            result.update(failed=True, msg="intent is required: the network's intent (anycast_intent)")
            return result
        intent = _plain(args["intent"])
        # The autoscaler's decided counts (docs/autoscaling.md), applied by the normalisation like everywhere else.
        model = derive.normalize(intent, _plain(args.get("autoscale_record") or None))
        plans = []
        pops = cost.vultr_pops(model)
        if pops:
            params = _vultr_params(args)
            if not params.get("api_key"):
                result.update(failed=True, msg="The intent has Vultr PoPs (%s): their price comes from Vultr's plan "
                              "list, which needs the API key (VULTR_API_KEY or anycast_vultr_api_key)."
                              % ", ".join(pops))
                return result
            try:
                plans = client_from_params(params).list("/plans", "plans", params={"type": "all"})
            except VultrAPIError as exc:
                result.update(failed=True, msg="Vultr's plan prices could not be read: %s" % exc)
                return result
        result.update(cost.verdict(model, plans, check_type_bool(args.get("enforce_budget", False))))
        warnings = ["%s %s" % (item["path"], item["message"]) for item in result.get("warnings_list", [])]
        if warnings:
            result["warnings"] = result.get("warnings", []) + warnings
        return result
