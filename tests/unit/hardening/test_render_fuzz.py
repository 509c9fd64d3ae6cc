"""A fuzzer of the renderers: valid intents mutated at the values the roles write (strings with quotes, braces,
semicolons, line breaks, unicode and blanks; boundary numbers; addresses of every kind). For each mutant, either
the validator rejects it with a path, or the BIRD, Caddy, NSD and nftables configurations rendered from it pass
their daemons' own checks and BIRD's export filters announce exactly the intended prefixes. Rendered straight
through Templar with the roles' defaults and vars; test_direct_rendering_is_the_roles proves that equals the role's
template task. Derandomized and bounded: the same cases on every run, well under a minute."""

import copy
import re

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ansible.errors import AnsibleError
from render_support import bird_meaning, check, direct, lab_hostvars, load_intent, need, run_play

from ansible_collections.anycast.network.plugins.module_utils.intent import derive
from ansible_collections.anycast.network.plugins.module_utils.intent.validate import validate


def base_intent():
    intent = load_intent()
    # The lab's own files (its CA root, the demo's secret) are the lab's: plain values stand in for their templates.
    for svc in intent["services"].values():
        (svc.get("tls") or {}).pop("ca_root", None)
        if "secrets" in svc:
            svc["secrets"] = {name: "harmless-secret" for name in svc["secrets"]}
    intent["defaults"]["upstreams"][0]["password"] = "harmless-pw"
    intent["pops"]["lhr"]["upstreams"] = [
        {"profile": "generic", "neighbor": "198.51.100.1", "asn": 64511, "password": "harmless-pw",
         "provider_name": "Transit", "communities": ["64511:100"], "large_communities": ["64511:1:2"],
         "prepend": 1, "source": "192.0.2.21"}]
    intent["pops"]["lhr"].pop("region", None)
    intent["pops"]["lhr"] = {"provider": "static", "hosts": [{"name": "lhr-1", "address": "192.0.2.21",
                                                             "address6": "2001:db8:21::21"}],
                             "upstreams": intent["pops"]["lhr"]["upstreams"]}
    intent["services"]["dns"]["zones"][0]["records"] += [
        {"name": "txt", "type": "TXT", "value": "v=spf1 -all"},
        {"name": "@", "type": "CAA", "value": '0 issue "letsencrypt.org"'}]
    return intent


# Where a mutation lands: the values that reach a configuration file.
TARGETS = [
    ("pops", "lhr", "upstreams", 0, "password"),
    ("pops", "lhr", "upstreams", 0, "provider_name"),
    ("pops", "lhr", "upstreams", 0, "communities", 0),
    ("pops", "lhr", "upstreams", 0, "large_communities", 0),
    ("pops", "lhr", "upstreams", 0, "neighbor"),
    ("pops", "lhr", "upstreams", 0, "source"),
    ("pops", "lhr", "upstreams", 0, "asn"),
    ("pops", "lhr", "upstreams", 0, "prepend"),
    ("prefixes", 0),
    ("services", "web", "hostnames", 0),
    ("services", "web", "health_path"),
    ("services", "web", "addresses", 0),
    ("services", "web", "tls", "email"),
    ("services", "dns", "addresses", 1),
    ("services", "dns", "zones", 0, "records", 0, "name"),
    ("services", "dns", "zones", 0, "records", 2, "value"),
    ("services", "dns", "zones", 0, "records", 3, "value"),
    ("services", "dns", "zones", 0, "hostmaster"),
]
HOSTILE = [
    'x";\n  ipv4 { export all; };\n  password "y', "a\"b", "a'b", "a\\b", "{$HOME}", "{http.request.uri}", "a;b",
    "a # b", "a}b", "a{", "line\nbreak", "cr\rx", " padded ", "", "caf\u00e9", "\u202eabc", "a\u2028b", "`x`",
    "<b>", "64511:100)); bgp_community.delete((1,2", "1:2:3", "65536:1", "0:0", "4294967295:0:0", "64511:1:2",
    "1.2.3.4; accept", "198.51.100.2", "2001:db8::1", "fe80::1%eth0", "192.0.2.21/32", "203.0.113.0/24",
    "0.0.0.0/0", "::/0", "203.0.113.1/24", 0, 1, 10, 11, 64, 65535, 4294967295, 4294967296, -1, True, None,
    "www.anycast.test", "*.anycast.test", "a..b", "x" * 300, "/healthz", "/a b", "/a{b}", "http://x",
    '"quoted"', '"a" "b"', '"a"\n@ IN NS evil.test.', '0 issue "a" ; "b"', "0 issue \"ca\" )", "a@b.test",
    "a b@c.test",
]
texts = st.text(alphabet=st.sampled_from(list("aZ09.-_:/@\"'\\{}();# \n\t`<>$\u00e9\u202e")), max_size=12)


def _set(node, path, value):
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def _exports(bird_text):
    """{session: [prefixes its export filter accepts]} read from the configuration."""
    out = {}
    for name, body in bird_meaning(bird_text)["filters"].items():
        if name.startswith("export_"):
            out[name[len("export_"):]] = re.findall(r"^  if net = (\S+) &&", body, re.M)
    return out


def render_all(intent, tmp_path):
    """Every configuration of the lhr-1 instance for this intent: {kind: (text, origin)}."""
    hv = lab_hostvars(intent)
    include = tmp_path / "announce.conf"
    # What anycast-announce renders before any health gate reported (tests/unit/bird/test_render.py).
    include.write_text("define ANYCAST_MODE = 0;\ndefine ANYCAST_DOWN4 = [ 0.0.0.0/32 ];\n"
                       "define ANYCAST_DOWN6 = [ ::/128 ];\n")
    out = {"bird": (direct("bird", "bird.conf.j2", hv, {"bird_include_file": str(include)}), None),
           "caddy": (direct("caddy", "Caddyfile.j2", hv), None),
           "nft": (direct("base", "nftables.conf.j2", hv), None)}
    from ansible_collections.anycast.network.plugins.filter.zone import zone_records_by_origin
    from ansible_collections.anycast.network.plugins.filter.roles import anycast_zone_file
    services = [dict(s, name=n) for n, s in intent["services"].items() if s.get("kind") == "dns"]
    records = zone_records_by_origin(services)
    out["nsd-checkconf"] = (direct("nsd", "nsd.conf.j2", hv, {"nsd_zones_dir": "/tmp"}), None)
    for service in services:
        for zone in service.get("zones") or []:
            item = anycast_zone_file(zone, "/tmp")
            text = direct("nsd", "zone.j2", hv, {"__nsd_records": records[item["origin"]], "__nsd_hash": "0" * 64,
                                                 "__nsd_serial": 1, "__nsd_rname": "hostmaster.%s." % item["origin"]},
                          item=item)
            out["nsd-checkzone"] = (text, item["origin"])
    return out


def assert_renders_as_intended(intent, tmp_path):
    configs = render_all(intent, tmp_path)
    for kind, (text, origin) in configs.items():
        ok, msg = check(kind, text, tmp_path, origin)
        assert ok, (kind, msg, text[-3000:])
    sessions = derive.sessions(intent, "lhr", "192.0.2.21", "2001:db8:21::21")
    bird = configs["bird"][0]
    assert [p[1] for p in bird_meaning(bird)["protocols"] if p[0] == "bgp"] == [s["name"] for s in sessions]
    assert _exports(bird) == {s["name"]: [p for p in s["exports"] if "/" in p and not p.endswith(("/32", "/128"))]
                              for s in sessions}
    assert "export all" not in bird and "export where" not in bird


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(target=st.sampled_from(TARGETS), value=st.one_of(st.sampled_from(HOSTILE), texts))
def test_a_mutated_intent_is_refused_with_a_path_or_renders_as_intended(target, value, tmp_path):
    need("bird", "caddy", "nsd", "nft")
    intent = base_intent()
    _set(intent, target, value)
    problems = validate(copy.deepcopy(intent))
    event("refused by the validator" if problems else "rendered")
    if problems:
        for problem in problems:
            assert problem.path and "could not be checked completely" not in problem.message, problem
        return
    try:
        assert_renders_as_intended(intent, tmp_path)
    except AnsibleError as exc:
        # A writer refusing on its own what the validator let through is safe (each layer is), when it names the
        # value: the message holds the mutated key. Counted, so a gap in the validator shows in the statistics.
        key = [k for k in target if isinstance(k, str)][-1]
        assert key in str(exc), exc
        event("accepted by the validator, refused by a writer: %s" % (target,))


def test_the_base_intent_renders_as_intended(tmp_path):
    need("bird", "caddy", "nsd", "nft")
    assert validate(base_intent()) == []
    assert_renders_as_intended(base_intent(), tmp_path)


def test_direct_rendering_is_the_roles(tmp_path):
    """The Templar rendering the fuzzer uses gives the bytes the bird role's template task writes."""
    need("bird")
    hv = lab_hostvars(base_intent())
    hv.pop("inventory_hostname")
    paths = {"bird_config_file": str(tmp_path / "bird.conf"), "bird_manifest_file": str(tmp_path / "routing.json"),
             "bird_state_file": str(tmp_path / "announce.json"), "bird_include_file": str(tmp_path / "announce.conf"),
             "bird_announce_command": str(tmp_path / "anycast-announce")}
    code, failures, _ = run_play(tmp_path, {"lhr-1": dict(hv, **paths)}, """
        - name: Render through the bird role's configure entry point
          hosts: all
          gather_facts: false
          tasks:
            - name: Configure
              ansible.builtin.include_role:
                name: anycast.network.bird
                tasks_from: configure.yml
              vars:
                bird_run_service: false
        """)
    assert code == 0, failures
    by_role = (tmp_path / "bird.conf").read_text()
    mine = direct("bird", "bird.conf.j2", dict(hv, inventory_hostname="lhr-1"), paths)
    # The first line is ansible_managed, which the template task sets itself.
    assert mine.splitlines()[1:] == by_role.splitlines()[1:]
