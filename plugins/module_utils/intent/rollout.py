# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The configure step's waves (docs/rollout.md): which PoPs go together, in which order. Pure Python.

A wave is whole PoPs. The canary PoPs (the intent's `rollout.canary`, normalised by derive.rollout) go first,
alone; then waves of growth, growth**2, ... PoPs, each at most max_wave, the PoPs in the play's order. Only PoPs
with hosts in the play count: a canary whose instances need nothing is not waited for, and then the first PoP that
does need configuring is the canary.

`serial` takes host counts and cuts the play's hosts in their order: `order` puts the canary PoPs' hosts first and
keeps each PoP's hosts together; `sizes` checks that the hosts it is given are in that order, so each batch Ansible
cuts is exactly one wave.
"""

from __future__ import annotations


class RolloutError(ValueError):
    """The hosts cannot be cut into whole PoPs in this order."""


def pop_of_hosts(hosts, pop_groups):
    """{host: PoP} for the hosts, from `pop_groups` ({PoP name: its hosts}, in the inventory's order); a host of no
    PoP group is a PoP of its own (named like the host)."""
    where = {}
    for pop, members in pop_groups.items():
        for host in members or []:
            where.setdefault(str(host), str(pop))
    return {str(h): where.get(str(h), str(h)) for h in hosts}


def _pops_in_order(hosts, host_pop):
    """The PoPs of the hosts, in the order of their first host; {PoP: [hosts]} in the hosts' order."""
    members = {}
    for host in hosts:
        members.setdefault(host_pop[host], []).append(host)
    return members


def order(hosts, host_pop, settings):
    """The hosts in rollout order: the canary PoPs' hosts first (in the canary's order), then every other PoP's
    hosts in the order of the PoP's first host, each PoP's hosts together and in their own order."""
    hosts = [str(h) for h in hosts]
    members = _pops_in_order(hosts, host_pop)
    canary = [p for p in settings.get("canary") or [] if p in members]
    ordered = []
    for pop in canary + [p for p in members if p not in canary]:
        ordered += members[pop]
    return ordered


def plan(hosts, host_pop, settings):
    """The waves of the hosts as given, [{'pops': [...], 'hosts': [...]}], or RolloutError when the hosts are not
    in rollout order (a PoP's hosts apart, or a canary PoP after another PoP)."""
    hosts = [str(h) for h in hosts]
    members = _pops_in_order(hosts, host_pop)
    seen = []
    for host in hosts:
        pop = host_pop[host]
        if seen and seen[-1] != pop and pop in seen:
            raise RolloutError(
                "the hosts of PoP %s are not next to each other in the play's order (%s): a batch of whole PoPs "
                "needs them together; run the play with order: inventory on hosts ordered by "
                "anycast.network.anycast_rollout_order" % (pop, ", ".join(members[pop])))
        if not seen or seen[-1] != pop:
            seen.append(pop)
    pops = list(members)
    canary = [p for p in settings.get("canary") or [] if p in members]
    if set(pops[:len(canary)]) != set(canary):
        late = ", ".join(canary)
        raise RolloutError("the canary PoP%s %s must come first in the play's order, before %s: order the hosts with "
                           "anycast.network.anycast_rollout_order" % ("s" if len(canary) > 1 else "", late, ", ".join(
                               p for p in pops if p not in canary)))
    canary = pops[:len(canary)]
    if not canary and pops:
        canary = pops[:1]       # no canary PoP needs configuring: the first PoP that does is the canary
    waves = [canary] if canary else []
    rest = pops[len(canary):]
    growth = int(settings.get("growth") or 1)
    largest = settings.get("max_wave")
    size = 1
    while rest:
        size *= growth
        take = min(size, int(largest)) if largest else size
        waves.append(rest[:take])
        rest = rest[take:]
    return [{"pops": wave, "hosts": [h for p in wave for h in members[p]]} for wave in waves]


def sizes(hosts, host_pop, settings):
    """The `serial` list: the number of hosts of each wave. [1] for no hosts (a valid serial that runs nothing)."""
    return [len(wave["hosts"]) for wave in plan(hosts, host_pop, settings)] or [1]


def status(batch, hosts, host_pop, settings):
    """Where the run is when `batch` (the hosts of the batch now running) starts: {'wave', 'waves', 'pops',
    'hosts', 'pops_done', 'pops_total', 'pops_after', 'msg'}."""
    waves = plan(hosts, host_pop, settings)
    batch = [str(h) for h in batch]
    index = next((i for i, wave in enumerate(waves) if batch and batch[0] in wave["hosts"]), None)
    if index is None:
        raise RolloutError("the batch %s is not a wave of this play's hosts" % ", ".join(batch))
    wave = waves[index]
    done = sum(len(w["pops"]) for w in waves[:index])
    total = sum(len(w["pops"]) for w in waves)
    after = [p for w in waves[index + 1:] for p in w["pops"]]
    msg = "Wave %d of %d%s: PoP%s %s (%s); %d of %d PoPs done before it, %s" % (
        index + 1, len(waves), " (canary)" if index == 0 else "", "s" if len(wave["pops"]) > 1 else "",
        ", ".join(wave["pops"]), ", ".join(wave["hosts"]), done, total,
        "%d after it" % len(after) if after else "none after it")
    return {"wave": index + 1, "waves": len(waves), "pops": wave["pops"], "hosts": wave["hosts"],
            "pops_done": done, "pops_total": total, "pops_after": after, "msg": msg}
