"""Each writer on its own: the roles rendered with hostile values straight through their entry points, without
playbooks/validate.yml. Each case either fails cleanly, naming the value, or gives a configuration the daemon
accepts and whose meaning is the intent's. The registry writers (RPSL route objects, the LOA) are called the same
way, without the module's checks in front of them."""

import copy
import json

import pytest

from render_support import bird_meaning, check, direct, lab_hostvars, need, run_play
from test_render_fuzz import base_intent

from ansible.errors import AnsibleError
from ansible_collections.anycast.network.plugins.module_utils.registry.common import RegistryError, RouteObject
from ansible_collections.anycast.network.plugins.module_utils.registry.loa import LoaError, build_fields

ATTACK = 'x";\n    ipv4 { export all; };\n  password "y'
BIRD_PLAY = """
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
"""


def _bird_host(tmp_path, name, intent):
    d = tmp_path / name
    d.mkdir()
    hv = lab_hostvars(intent)
    hv.pop("inventory_hostname")
    return dict(hv, bird_config_file=str(d / "bird.conf"), bird_manifest_file=str(d / "routing.json"),
                bird_state_file=str(d / "announce.json"), bird_include_file=str(d / "announce.conf"),
                bird_announce_command=str(d / "anycast-announce"))


def _with(path_value):
    intent = base_intent()
    for path, value in path_value:
        node = intent
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return intent


UP = ("pops", "lhr", "upstreams", 0)


def test_bird_hostile_values_through_the_role(tmp_path):
    need("bird")
    cases = {
        "harmless": _with([]),
        "attack": _with([(UP + ("password",), ATTACK)]),
        "odd_password": _with([(UP + ("password",), "p\\w{};#x caf\u00e9")]),
        "provider_name": _with([(UP + ("provider_name",), 'A "B"\nprotocol bgp evil { }')]),
        "community": _with([(UP + ("communities",), ["64511:100)); bgp_community.delete((1,2"])]),
        "source": _with([(UP + ("source",), "192.0.2.21; export all")]),
    }
    hosts = {name: _bird_host(tmp_path, name, intent) for name, intent in cases.items()}
    code, failures, out = run_play(tmp_path, hosts, BIRD_PLAY)
    assert code != 0
    # Refused: nothing written for the hosts whose value BIRD cannot hold (bird.conf is written under no_log,
    # so the task's message is censored there; the direct rendering below shows what it names).
    for name in ("attack", "community", "source"):
        assert name in failures, out[-3000:]
        assert not (tmp_path / name / "bird.conf").exists()
    # Accepted: BIRD parses it, and it means what the harmless one means.
    harmless = bird_meaning((tmp_path / "harmless" / "bird.conf").read_text())
    for name in ("odd_password", "provider_name"):
        assert name not in failures, failures.get(name)
        text = (tmp_path / name / "bird.conf").read_text()
        assert check("bird", text, tmp_path)[0]
        meaning = bird_meaning(text)
        for key in ("protocols", "channels", "filters"):
            assert meaning[key] == harmless[key], (name, key)
    assert 'password "p\\w{};#x caf\u00e9";' in (tmp_path / "odd_password" / "bird.conf").read_text()


@pytest.mark.parametrize("path,value,named", [
    (UP + ("password",), ATTACK, "bird_upstreams[0].password"),
    (UP + ("communities",), ["1:2)); x((1,2"], "bird_upstreams[0].communities"),
    (UP + ("large_communities",), ["1:2:3\n"], "bird_upstreams[0].large_communities"),
    (UP + ("source",), "192.0.2.21; export all", "bird_upstreams[0].source"),
    (UP + ("neighbor",), "fe80::1%eth0", None),
    (UP + ("prepend",), 1000, "bird_upstreams[0].prepend"),
])
def test_bird_refusals_name_the_value_and_never_echo_a_password(path, value, named):
    with pytest.raises(AnsibleError) as exc:
        direct("bird", "bird.conf.j2", lab_hostvars(_with([(path, value)])))
    if named:
        assert named in str(exc.value)
    assert "export all" not in str(exc.value) or "password" not in (named or "")


def test_caddy_hostile_values(tmp_path):
    need("caddy")
    hv = lab_hostvars(base_intent())
    # A quote in the instance name is escaped: Caddy sends exactly that header value.
    text = direct("caddy", "Caddyfile.j2", hv, {"caddy_instance_name": 'lhr"1 <b>`', "caddy_pop": "l;h r#"})
    ok, out = check("caddy", text, tmp_path)
    assert ok, out
    strings = json.dumps(json.loads(out.split("\n", 1)[0] if out.startswith("{") else out[out.index("{"):]))
    assert json.dumps('lhr"1 <b>`') in strings and json.dumps("l;h r#") in strings
    # The page shows the same characters, HTML-escaped inside its backtick token.
    assert "lhr&quot;1 &lt;b&gt;&#96;" in strings
    for overrides, named in [({"caddy_instance_name": "{$HOME}"}, "caddy_instance_name"),
                             ({"caddy_pop": "a\nb"}, "caddy_pop"),
                             ({"caddy_admin_listen": "localhost:2019 }\n:80 {"}, "caddy_admin_listen"),
                             ({"caddy_metrics_address": "192.0.2.1 }\n:80 {"}, "caddy_metrics_address"),
                             ({"caddy_metrics_address": "192.0.2.1", "caddy_metrics_port": "80 { }"},
                              "caddy_metrics_port")]:
        with pytest.raises(AnsibleError, match=named.replace("[", r"\[")):
            direct("caddy", "Caddyfile.j2", hv, overrides)
    for key, value in [("hostnames", ["www.anycast.test, evil.test"]), ("health_path", "/x {\n respond 200 }"),
                       ("proxy_to", "http://127.0.0.1:8080 { }")]:
        intent = base_intent()
        intent["services"]["web"][key] = value
        with pytest.raises(AnsibleError, match="services.web.%s" % key):
            direct("caddy", "Caddyfile.j2", lab_hostvars(intent))


def test_nsd_zone_and_conf_refuse_what_would_add_a_record(tmp_path):
    need("nsd")
    from ansible_collections.anycast.network.plugins.filter.roles import anycast_zone_file
    intent = base_intent()
    zone = intent["services"]["dns"]["zones"][0]
    item = anycast_zone_file(zone, str(tmp_path))
    good = [{"owner": "anycast.test.", "ttl": 300, "type": "NS", "rdata": "ns1.anycast.test."},
            {"owner": "txt.anycast.test.", "ttl": 300, "type": "TXT", "rdata": '"a\\"b; (c)"'}]
    common = {"__nsd_hash": "0" * 64, "__nsd_serial": 1, "__nsd_rname": "hostmaster.anycast.test."}
    text = direct("nsd", "zone.j2", lab_hostvars(intent), dict(common, __nsd_records=good), item=item)
    ok, out = check("nsd-checkzone", text, tmp_path, "anycast.test")
    assert ok, out
    # The zone filter passes a TXT already "in zone file form" through: the writer refuses the extra record.
    for record, named in [({"owner": "txt.anycast.test.", "ttl": 300, "type": "TXT",
                            "rdata": '"a"\n@ IN NS evil.test.'}, "records["),
                          ({"owner": "x.anycast.test.\tIN NS evil.test.\n", "ttl": 300, "type": "A",
                            "rdata": "192.0.2.1"}, ".name"),
                          ({"owner": "anycast.test.", "ttl": 300, "type": "CAA",
                            "rdata": '0 issue "a" ; ) ('}, "records[")]:
        with pytest.raises(AnsibleError, match=r"zone anycast\.test: .*" + named.replace("[", r"\[")):
            direct("nsd", "zone.j2", lab_hostvars(intent), dict(common, __nsd_records=good + [record]), item=item)
    with pytest.raises(AnsibleError, match="nsd_identity"):
        direct("nsd", "nsd.conf.j2", lab_hostvars(intent), {"nsd_identity": 'x"\nserver:\n ip-address: 0.0.0.0'})


def test_nsd_role_without_validate(tmp_path):
    """The nsd role's entry point with a record whose value is already in zone file form and adds a record."""
    need("nsd")
    intent = base_intent()
    intent["services"]["dns"]["zones"][0]["records"][2]["value"] = '"a"\nevil IN NS evil.test.'
    hv = lab_hostvars(intent)
    hv.pop("inventory_hostname")
    code, failures, out = run_play(tmp_path, {"lhr-1": hv}, """
- name: Render the nsd role
  hosts: all
  gather_facts: false
  tasks:
    - name: Preflight
      ansible.builtin.import_role:
        name: anycast.network.nsd
        tasks_from: preflight.yml
    - name: Zones and nsd.conf
      ansible.builtin.import_role:
        name: anycast.network.nsd
        tasks_from: files.yml
  vars:
    nsd_zones_dir: %s
    nsd_config_file: %s/nsd.conf
""" % (tmp_path, tmp_path))
    assert code != 0, out[-3000:]
    assert "records[2]" in out
    assert not (tmp_path / "anycast.test.zone").exists()


def test_nftables_hostile_values(tmp_path):
    need("nft")
    hv = lab_hostvars(base_intent())
    text = direct("base", "nftables.conf.j2", hv, {"base_ssh_sources": ["2001:DB8::/32", "192.0.2.1"],
                                                   "base_firewall_extra_rules": ["ip saddr { 192.0.2.9 } accept"]})
    ok, out = check("nft", text, tmp_path)
    assert ok, out
    assert "ip6 saddr { 2001:db8::/32 } tcp dport 22 accept" in text
    for overrides, named in [
            ({"base_ssh_sources": ["192.0.2.0/24 } accept; ip saddr { 0.0.0.0/0"]}, "base_ssh_sources"),
            ({"base_ssh_sources": ["192.0.2.1/24"]}, "base_ssh_sources"),
            ({"base_ssh_port": "22 accept"}, "base_ssh_port"),
            ({"base_service_ports": {"web": [{"proto": "tcp dport 1-65535 accept; tcp", "port": 80}]}}, "proto"),
            ({"base_firewall_extra_rules": ["accept\n  }\n  chain output {"]}, r"base_firewall_extra_rules\[0\]"),
            ({"base_firewall_extra_rules": ["accept } chain x {"]}, r"base_firewall_extra_rules\[0\]")]:
        with pytest.raises(AnsibleError, match=named):
            direct("base", "nftables.conf.j2", hv, overrides)


def test_rpsl_route_object_refuses_attributes_smuggled_in_values():
    ok = RouteObject.desired("203.0.113.0/24", 64500, ["EXAMPLE-MNT"], "RIPE", descr=["Anycast"])
    assert ok.text().count("\n") == 5
    for kwargs in [{"descr": ["x\nmnt-by: EVIL-MNT"]}, {"descr": ["mnt-by: EVIL-MNT"]}, {"remarks": ["a\u2028b"]},
                   {"mnt_by": ["EVIL\nsource: X"]}, {"source": "RIPE\norigin: AS1"}]:
        args = dict({"prefix": "203.0.113.0/24", "origin": 64500, "mnt_by": ["EXAMPLE-MNT"], "source": "RIPE"},
                    **kwargs)
        with pytest.raises(RegistryError):
            RouteObject.desired(**args)
    with pytest.raises(RegistryError, match="descr"):
        RouteObject([("route", "203.0.113.0/24"), ("descr", "a\rorigin: AS1")]).text()


def test_loa_refuses_text_that_would_read_otherwise():
    args = {"holder": "Example", "asn": 64500, "prefixes": ["203.0.113.0/24"], "provider_name": "Vultr",
            "provider_asn": 20473, "signatory": "A. Person", "contact": "noc@example.net",
            "issue_date": "2025-01-01", "validity_days": 365}
    assert build_fields(**args)["holder"] == "Example"
    for key, value in [("holder", "Example\u202e00546SA"), ("signatory", "A\u2028B"), ("provider_name", "V\x85x"),
                       ("contact", "a\nb")]:
        with pytest.raises(LoaError, match=key):
            build_fields(**dict(copy.deepcopy(args), **{key: value}))
