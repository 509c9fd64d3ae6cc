# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The configure step's waves (documented in the .yml files beside this one; the design in docs/rollout.md)."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.anycast.network.plugins.module_utils.common.plain_data import plain as _plain
from ansible_collections.anycast.network.plugins.module_utils.intent import derive, rollout


def _settings(intent):
    """The intent's rollout, normalised. Only `rollout` and the PoPs' names are read: no PoP's settings (their
    passwords) are templated."""
    part = {}
    if isinstance(intent, Mapping):
        if "rollout" in intent:
            part["rollout"] = _plain(intent["rollout"])
        if isinstance(intent.get("pops"), Mapping):
            part["pops"] = {str(name): {} for name in intent["pops"]}
    return derive.rollout(part), list(part.get("pops") or [])


def _host_pop(hosts, groups, pop_names):
    """{host: its PoP}: from the groups of the intent's PoPs, else (no intent) from every pop_* group."""
    groups = groups if isinstance(groups, Mapping) else {}
    if pop_names:
        pop_groups = {name: groups.get(derive.pop_group(name)) or [] for name in pop_names}
    else:
        pop_groups = {str(name)[4:]: members for name, members in groups.items() if str(name).startswith("pop_")}
    return rollout.pop_of_hosts(hosts, pop_groups)


def _hosts(hosts, what):
    if hosts is None:
        return []
    if isinstance(hosts, (str, Mapping)) or not hasattr(hosts, "__iter__"):
        raise AnsibleFilterError("%s: the input must be a list of host names, got %r" % (what, hosts))
    return [str(h) for h in hosts]


def anycast_rollout_order(hosts, groups, intent):
    """The hosts in rollout order: the canary PoPs' hosts first, each PoP's hosts together."""
    hosts = _hosts(hosts, "anycast_rollout_order")
    settings, pops = _settings(intent)
    return rollout.order(hosts, _host_pop(hosts, groups, pops), settings)


def anycast_waves(play_hosts, groups, intent):
    """The `serial` list of a play over `play_hosts` (in the play's order): one batch per wave of whole PoPs."""
    hosts = _hosts(play_hosts, "anycast_waves")
    settings, pops = _settings(intent)
    try:
        return rollout.sizes(hosts, _host_pop(hosts, groups, pops), settings)
    except rollout.RolloutError as exc:
        raise AnsibleFilterError("anycast_waves: %s" % exc) from exc


def anycast_wave_status(batch, play_hosts, groups, intent):
    """Which wave `batch` (ansible_play_batch) is, which PoPs it holds and how far the run is."""
    hosts = _hosts(play_hosts, "anycast_wave_status")
    settings, pops = _settings(intent)
    try:
        return rollout.status(_hosts(batch, "anycast_wave_status"), hosts, _host_pop(hosts, groups, pops), settings)
    except rollout.RolloutError as exc:
        raise AnsibleFilterError("anycast_wave_status: %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {
            "anycast_rollout_order": anycast_rollout_order,
            "anycast_waves": anycast_waves,
            "anycast_wave_status": anycast_wave_status,
        }
