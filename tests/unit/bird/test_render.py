"""The BIRD role's configuration, rendered through the role's tasks and parsed by the real BIRD."""

import copy
import json
import re
import subprocess

import pytest

from bird_support import lab_host, load_intent, needs_bird, render

pytestmark = needs_bird


def vultr_host(pop, index=1, address="198.51.100.31", address6="2001:db8:31::31"):
    intent = load_intent("vultr-example")
    intent["defaults"]["upstreams"][0]["password"] = "s3cret-Vultr"
    for pop_def in intent["pops"].values():
        for up in pop_def.get("upstreams", []):
            up["password"] = "s3cret-metal"
    return {"anycast_intent": intent, "anycast_pop": pop, "anycast_instance_index": index,
            "anycast_address": address, "anycast_address6": address6}


def static_v6_host():
    intent = load_intent("static-example")
    for pop_def in intent["pops"].values():
        for up in pop_def.get("upstreams", []):
            up["password"] = "hostus-pw"
    return {"anycast_intent": intent, "anycast_pop": "lon", "anycast_address": "",
            "anycast_address6": "2001:db8:310::10"}


def custom_host():
    """A PoP with every knob: generic upstreams with host routes, BFD, a default route, announce false."""
    intent = copy.deepcopy(load_intent("vultr-example"))
    intent["pops"]["fra-metal"] = {
        "provider": "static",
        "hosts": [{"name": "fra-metal-1", "address": "198.51.100.20", "address6": "2001:db8:200::20"}],
        "communities": ["64601:3356"],
        "prepend": 2,
        "upstreams": [
            {"profile": "generic", "neighbor": "198.51.100.1", "asn": 64511, "password": "pw-metal/1+2",
             "host_routes": True, "bfd": True, "import": "default", "provider_name": "Metal \"GmbH\""},
            {"profile": "generic", "neighbor": "2001:db8:200::1", "asn": 64511, "multihop": 3,
             "announce": False},
            {"profile": "generic", "neighbor": "192.0.2.99", "asn": 64512, "source": "192.0.2.98",
             "large_communities": ["20473:6001:174"], "prepend": 0},
        ],
    }
    return {"anycast_intent": intent, "anycast_pop": "fra-metal", "anycast_address": "198.51.100.20",
            "anycast_address6": "2001:db8:200::20"}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bird-render")
    return render(tmp, {
        "lab_lhr": lab_host(),
        "lab_v4only": lab_host(address6=""),
        "vultr_ewr": vultr_host("ewr"),
        "vultr_lax": vultr_host("lax"),
        "static_v6": static_v6_host(),
        "custom": custom_host(),
    })


def conf(rendered, name):
    return rendered[name]["config"].read_text()


def manifest(rendered, name):
    return json.loads(rendered[name]["manifest"].read_text())


def test_every_config_parses_with_bird(rendered):
    for name, paths in rendered.items():
        proc = subprocess.run(["bird", "-p", "-c", str(paths["config"])], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, (name, proc.stderr)


def test_lab_sessions_per_family_with_vultr_parameters(rendered):
    text = conf(rendered, "lab_lhr")
    assert re.findall(r"^protocol bgp (\S+)", text, re.M) == ["up0_v4", "up0_v6"]
    assert "neighbor 169.254.169.254 as 64515;" in text
    assert "neighbor 2001:19f0:ffff::1 as 64515;" in text
    assert "local 192.0.2.21 as ANYCAST_ASN;" in text
    assert "local 2001:db8:21::21 as ANYCAST_ASN;" in text
    assert text.count("multihop 2;") == 2
    assert "define ANYCAST_ASN = 64500;" in text
    assert "export all" not in text and "import all" not in text


def test_lab_password_comes_from_the_lab_secret(rendered):
    secret = (rendered["lab_lhr"]["dir"].parent / "bgp-password").read_text().strip()
    assert len(secret) == 24
    assert conf(rendered, "lab_lhr").count('password "%s";' % secret) == 2
    assert secret not in rendered["lab_lhr"]["manifest"].read_text()


def test_only_families_the_instance_has_an_address_of(rendered):
    text = conf(rendered, "lab_v4only")
    assert re.findall(r"^protocol bgp (\S+)", text, re.M) == ["up0_v4"]
    assert [s["name"] for s in manifest(rendered, "lab_v4only")["sessions"]] == ["up0_v4"]


def test_static_blackholes_originate_exactly_the_prefixes(rendered):
    text = conf(rendered, "lab_lhr")
    assert re.findall(r"^\s+route (\S+) blackhole;", text, re.M) == ["203.0.113.0/24", "2001:db8:ac00::/48"]
    # the kernel never receives the blackholes: its export filters accept no static route
    for block in re.findall(r"protocol kernel \S+ \{.*?\n\}", text, re.S):
        assert "RTS_STATIC" not in block and "accept" not in block


def test_export_filter_allows_exactly_the_intents_prefixes(rendered):
    text = conf(rendered, "lab_lhr")
    block = re.search(r"filter export_up0_v4 \{.*?\n\}", text, re.S).group(0)
    assert re.findall(r"if net = (\S+) &&", block) == ["203.0.113.0/24"]
    assert block.rstrip("}\n ").endswith("reject;")
    assert "export limit 1 action disable;" in text
    assert "import none;" in text and "receive limit 100 action block;" in text


def test_pop_communities_and_large_communities(rendered):
    ewr = conf(rendered, "vultr_ewr")
    assert "bgp_community.add((64601,3356));" in ewr
    lax = conf(rendered, "vultr_lax")
    assert "bgp_large_community.add((20473,6001,174));" in lax
    assert "bgp_community.add((64601,3356));" not in lax


def test_drain_tags_graceful_shutdown_and_vultr_prepend(rendered):
    text = conf(rendered, "lab_lhr")
    block = re.search(r"filter export_up0_v4 \{.*?\n\}", text, re.S).group(0)
    drain = re.search(r"if ANYCAST_MODE = 1 then \{(.*?)\}", block, re.S).group(1)
    assert "bgp_community.add((65535,0));" in drain
    assert "bgp_community.add((20473,6003));" in drain
    assert drain.count("bgp_path.prepend(ANYCAST_ASN);") == 3
    assert "if ANYCAST_MODE = 2 then reject;" in block
    assert "if net ~ ANYCAST_DOWN4 then reject;" in block


def test_ipv6_only_generic_upstream(rendered):
    text = conf(rendered, "static_v6")
    assert re.findall(r"^protocol bgp (\S+)", text, re.M) == ["up0_v6"]
    assert "neighbor 2001:db8:310::1 as 64510;" in text
    assert "local 2001:db8:310::10 as ANYCAST_ASN;" in text
    assert "protocol static anycast_v4" not in text
    # an IPv6-only host still needs a 32-bit router ID: derived from its name
    rid = re.search(r"^router id (\S+);", text, re.M).group(1)
    assert re.match(r"^\d+\.\d+\.\d+\.\d+$", rid) and not rid.startswith("0.")


def test_generic_knobs(rendered):
    text = conf(rendered, "custom")
    assert re.findall(r"^protocol bgp (\S+)", text, re.M) == ["up0_v4", "up1_v6", "up2_v4"]
    up0 = re.search(r"filter export_up0_v4 \{.*?\n\}", text, re.S).group(0)
    # host route only to the upstream that asked for it
    assert "if net = 198.51.100.20/32 && proto = \"host_v4\"" in up0
    assert "198.51.100.20/32" not in re.search(r"filter export_up2_v4 \{.*?\n\}", text, re.S).group(0)
    assert "protocol static host_v4" in text and "protocol static host_v6" not in text
    # PoP TE applies; prepend 2 at the PoP, 0 on up2 (override)
    assert up0.count("bgp_path.prepend(ANYCAST_ASN);") == 2 + 3
    up2 = re.search(r"filter export_up2_v4 \{.*?\n\}", text, re.S).group(0)
    assert up2.count("bgp_path.prepend(ANYCAST_ASN);") == 0 + 3
    assert "bgp_large_community.add((20473,6001,174));" in up2 and "(64601,3356)" in up2
    # announce false: nothing exported, but the session is configured
    up1 = re.search(r"filter export_up1_v6 \{.*?\n\}", text, re.S).group(0)
    assert re.sub(r"\s*#.*", "", up1).split("{", 1)[1].split() == ["reject;", "}"]
    assert "multihop 3;" in text and "direct;" in text
    # bfd, default route import, quoting
    assert "bfd on;" in text and "protocol bfd anycast_bfd" in text
    assert "import filter import_default_v4;" in text
    assert "source = RTS_BGP && net = 0.0.0.0/0 then accept;" in text
    assert 'password "pw-metal/1+2";' in text
    assert 'description "Metal GmbH IPv4";' in text
    assert "local 192.0.2.98 as ANYCAST_ASN;" in text
    sessions = {s["name"]: s for s in manifest(rendered, "custom")["sessions"]}
    assert sessions["up0_v4"]["exports"] == ["192.0.2.0/24", "198.51.100.20/32"]
    assert sessions["up1_v6"]["exports"] == []
    assert sessions["up2_v4"]["exports"] == ["192.0.2.0/24"]
    assert all("password" not in s for s in sessions.values())


def test_include_renders_initial_state(rendered):
    inc = rendered["lab_lhr"]["include"].read_text()
    assert "define ANYCAST_MODE = 0;" in inc
    assert "define ANYCAST_DOWN4 = [ 0.0.0.0/32 ];" in inc
    # The mode on disk; the gates only in the runtime state beside the include (memory on an instance).
    state = json.loads(rendered["lab_lhr"]["state"].read_text())
    assert state["mode"] == "normal" and "gates" not in state
    runtime = json.loads((rendered["lab_lhr"]["include"].parent / "announce-runtime.json").read_text())
    assert runtime["mode"] == "normal"
    assert runtime["gates"] == {"203.0.113.0/24": "up", "2001:db8:ac00::/48": "up"}
