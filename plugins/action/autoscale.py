# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decide each autoscaled PoP's count on the controller; see the documentation stub in plugins/modules/autoscale.py."""

from __future__ import annotations

import json
import time

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.anycast.network.plugins.module_utils.autoscale import record as records
from ansible_collections.anycast.network.plugins.module_utils.autoscale.run import autoscaled_pops, scale
from ansible_collections.anycast.network.plugins.module_utils.common import atomic_file
from ansible_collections.anycast.network.plugins.module_utils.common.plain_data import plain as _plain
from ansible_collections.anycast.network.plugins.module_utils.cost import estimate as cost
from ansible_collections.anycast.network.plugins.module_utils.intent import derive, validate
from ansible_collections.anycast.network.plugins.module_utils.prometheus.client import (
    PrometheusError,
    client_from_params as prometheus_client,
    prometheus_argument_spec,
)
from ansible_collections.anycast.network.plugins.module_utils.vultr.client import (
    VultrAPIError,
    client_from_params as vultr_client,
    vultr_argument_spec,
)


def _spec():
    spec = dict(prometheus_argument_spec())
    # Vultr's options with their environment fallbacks (VULTR_API_KEY, ...): only to price Vultr PoPs.
    for key, option in vultr_argument_spec().items():
        spec.setdefault(key, dict(option, required=False))
    spec.update(intent=dict(type="dict", required=True, no_log=True),
                record=dict(type="path", required=True),
                rate_interval=dict(type="str", default="1m"),
                pops=dict(type="list", elements="str"))
    return spec


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(_spec())
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        given = {key: value for key, value in _plain(self._task.args).items() if value is not None}
        checked = ArgumentSpecValidator(_spec()).validate(given)
        if checked.error_messages:
            raise AnsibleActionFail("; ".join(checked.error_messages))
        params = checked.validated_parameters
        intent = params["intent"]
        problems = validate.validate(intent)
        if problems:
            result.update(failed=True, msg="The intent is not valid; nothing was decided:\n" + "\n".join(
                "  %s: %s" % (p.path, p.message) for p in problems))
            return result
        model = derive.normalize(intent)
        path = params["record"]
        try:
            before = records.load(path)
        except ValueError as exc:
            result.update(failed=True, msg=str(exc))
            return result
        plans = []
        scaled = autoscaled_pops(model, params.get("pops"))
        if model.get("budget") and any(model["pops"][p].get("provider") == "vultr" for p in scaled):
            if not params.get("api_key"):
                result.update(failed=True, msg="The intent has a spend cap and autoscaled Vultr PoPs: their price "
                              "comes from Vultr's plan list, which needs the API key (VULTR_API_KEY or api_key).")
                return result
            try:
                plans = vultr_client(params).list("/plans", "plans", params={"type": "all"})
            except VultrAPIError as exc:
                result.update(failed=True, msg="Vultr's plan prices could not be read: %s" % exc)
                return result
        now = time.time()
        try:
            decisions, after = scale(intent, before, prometheus_client(params), now,
                                     rate_interval=params["rate_interval"], only=params.get("pops"), plans=plans)
        except PrometheusError as exc:
            result.update(failed=True, msg="Nothing was decided: %s" % exc)
            return result
        steps = [d for d in decisions if d["action"] != "none"]
        result.update(
            changed=bool(steps), decisions=decisions, steps=steps,
            up=[d["pop"] for d in steps if d["action"] == "up"],
            down=[d["pop"] for d in steps if d["action"] == "down"],
            counts=records.counts(intent, after), record=path, entries=records.without_log(after),
            lines=["%s: %s" % (d["pop"], d["reason"]) for d in decisions],
            msg="; ".join("%s %s %d -> %d" % (d["pop"], d["action"], d["from"], d["to"]) for d in steps)
            or "no step: " + ("; ".join("%s: %s" % (d["pop"], d["reason"]) for d in decisions) or
                              "no PoP of the intent has autoscale"))
        if self._task.diff and steps:
            result["diff"] = {"before": {d["pop"]: d["from"] for d in steps},
                              "after": {d["pop"]: d["to"] for d in steps},
                              "before_header": "%s (instances)" % path, "after_header": "%s (instances)" % path}
        if not self._task.check_mode and decisions:
            atomic_file.write(path, json.dumps(after, indent=2, sort_keys=True) + "\n", mode=0o600)
        if model.get("budget"):
            result["spend"] = cost.estimate(records.apply(intent, after), plans)["total"]
        return result
