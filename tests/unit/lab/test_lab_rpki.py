"""RPKI in the lab: the VRP set the provider edges validate against, and the edges' FRR configuration."""

import json

import pytest

from ansible_collections.anycast.network.plugins.module_utils.lab import addressing, frr, rpki
from ansible_collections.anycast.network.plugins.module_utils.lab import topology as topo_mod
from ansible_collections.anycast.network.plugins.module_utils.rpki.step import RpkiStepError

INTENT = {"asn": 64500, "prefixes": ["203.0.113.0/24", "2001:db8:ac00::/48"]}


def test_without_an_rpki_file_a_roa_per_prefix_of_the_intent():
    assert rpki.lab_roas(INTENT) == [{"prefix": "203.0.113.0/24", "maxLength": 24, "asn": "AS64500"},
                                     {"prefix": "2001:db8:ac00::/48", "maxLength": 48, "asn": "AS64500"}]
    doc = json.loads(rpki.vrp_json(rpki.lab_roas(INTENT)))
    assert doc["roas"][0] == {"asn": "AS64500", "maxLength": 24, "prefix": "203.0.113.0/24"}


def test_the_intents_relying_party_file_is_the_lab_vrp_set(tmp_path):
    (tmp_path / "vrps.json").write_text(json.dumps({"roas": [
        {"prefix": "203.0.113.0/24", "maxLength": 32, "asn": 64500},
        {"prefix": "2001:db8:ac00::/48", "maxLength": 48, "asn": "AS64500"}]}))
    intent = dict(INTENT, rpki={"source": "rpki-client", "file": "vrps.json"})
    assert rpki.lab_roas(intent, str(tmp_path)) == [
        {"prefix": "203.0.113.0/24", "maxLength": 32, "asn": "AS64500"},
        {"prefix": "2001:db8:ac00::/48", "maxLength": 48, "asn": "AS64500"}]
    with pytest.raises(RpkiStepError, match="missing.json"):
        rpki.lab_roas(dict(INTENT, rpki={"source": "rpki-client", "file": "missing.json"}), str(tmp_path))


def test_every_edge_validates_over_rtr_and_accepts_only_valid_routes_from_instances():
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    topo = topo_mod.load(str(root / "lab" / "topologies" / "default.yml"))
    intent = {"asn": 64500, "prefixes": INTENT["prefixes"], "pops": {"lhr": {"provider": "lab", "region": "lhr",
                                                                               "instances": 2}}}
    plan = addressing.plan_for_intent(topo, intent, roas=[{"prefix": "203.0.113.0/24", "maxLength": 24,
                                                             "asn": "AS64500"}])
    assert plan["roas"] == [{"prefix": "203.0.113.0/24", "maxLength": 24, "asn": "AS64500"}]
    edges = [n for n in plan["nodes"].values() if n["kind"] == "edge"]
    assert edges and all(n.get("rpki") for n in edges)
    others = [n for n in plan["nodes"].values() if n["kind"] in ("carrier", "eyeball")]
    assert others and not any(n.get("rpki") for n in others)
    assert "-M rpki" in frr.daemons(edges[0]) and "-M rpki" not in frr.daemons(others[0])
    lhr = next(n for n in edges if n["name"] == "edge-lhr")  # the edge the PoP's instances peer with
    conf = frr.render(lhr, "secret")
    assert " rpki cache 127.0.0.1 %d preference 1" % rpki.STAYRTR_PORT in conf
    for family in (4, 6):
        name = "FROM-INSTANCE-V%d" % family
        assert "route-map %s deny 6\n match rpki invalid\n" % name in conf
        assert "route-map %s deny 7\n match rpki notfound\n" % name in conf
        # The blackhole request (permit 5) comes first, the registered prefixes (permit 10, 20) after the checks.
        assert conf.index("route-map %s permit 5" % name) < conf.index("route-map %s deny 6" % name) \
            < conf.index("route-map %s permit 10" % name)
    assert "soft-reconfiguration inbound" in conf
    assert "rpki" not in frr.render(others[0], "secret")
