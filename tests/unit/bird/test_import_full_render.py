"""The import filters of a full table (import: full), rendered through the role's tasks and parsed by the real BIRD:
bogons, our own prefixes, prefix lengths, AS paths, RPKI with an RTR cache, the limits; none and default unchanged."""

import copy
import re
import subprocess

import pytest

from bird_support import load_intent, needs_bird, render

pytestmark = needs_bird


def full_host(allow_documentation=True, rtr=True, **upstream):
    intent = copy.deepcopy(load_intent("lab"))
    intent["allow_documentation_resources"] = allow_documentation
    intent["pops"]["lhr"]["upstreams"] = [
        dict({"profile": "generic", "neighbor": "192.0.2.1", "asn": 64496, "import": "full"}, **upstream),
        {"profile": "generic", "neighbor": "2001:db8:21::1", "asn": 64497, "import": "full", "multihop": 2,
         "max_prefixes": 250000, "max_prefixes_action": "restart"},
        {"profile": "generic", "neighbor": "192.0.2.9", "asn": 64498, "import": "default"},
        {"profile": "generic", "neighbor": "192.0.2.10", "asn": 64499},
    ]
    if rtr:
        intent["rpki_rtr"] = {"address": "192.0.2.250"}
    return {"anycast_intent": intent, "anycast_pop": "lhr", "anycast_address": "192.0.2.21",
            "anycast_address6": "2001:db8:21::21"}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bird-import-full")
    return render(tmp, {
        "full": full_host(),
        "full_production": full_host(allow_documentation=False),
        "full_no_rtr": full_host(rtr=False),
        "full_no_kernel": dict(full_host(), bird_kernel=False),
    })


def conf(rendered, name):
    return rendered[name]["config"].read_text()


def block(text, head):
    match = re.search(r"^%s \{.*?^\}" % re.escape(head), text, re.S | re.M)
    assert match, head
    return match.group(0)


def define(text, name):
    match = re.search(r"^define %s = \[(.*?)\];" % name, text, re.S | re.M)
    assert match, name
    return [re.sub(r"\s*#.*", "", line).strip(" ,") for line in match.group(1).splitlines()
            if re.sub(r"\s*#.*", "", line).strip(" ,")]


def test_every_config_parses_with_bird(rendered):
    for name, paths in rendered.items():
        proc = subprocess.run(["bird", "-p", "-c", str(paths["config"])], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, (name, proc.stderr)


def test_full_session_filter_checks_in_order(rendered):
    text = conf(rendered, "full")
    rules = [line.strip() for line in block(text, "filter import_full_up0_v4").splitlines()[1:-1]]
    assert rules == [
        "if net.len < 8 || net.len > 24 then reject;",
        "if net ~ ANYCAST_BOGONS4 then reject;",
        "if net ~ ANYCAST_OWN4 then reject;",
        "if bgp_path.len > 100 then reject;",
        "if bgp_path.first != 64496 then reject;",
        "if delete(bgp_path, 64496) ~ ANYCAST_BOGON_ASNS then reject;",
        "if roa_check(anycast_roa4, net, bgp_path.last) = ROA_INVALID then reject;",
        "accept;",
    ]
    v6 = block(text, "filter import_full_up1_v6")
    assert "if net.len < 16 || net.len > 48 then reject;" in v6
    assert "if ! (net ~ [ 2000::/3+ ]) then reject;" in v6
    assert "roa_check(anycast_roa6, net, bgp_path.last) = ROA_INVALID" in v6


def test_limits_of_full_sessions_and_unchanged_ones(rendered):
    text = conf(rendered, "full")
    up0 = block(text, "protocol bgp up0_v4")
    assert "import filter import_full_up0_v4;" in up0
    assert "import limit 1500000 action disable;" in up0 and "receive limit 2250000 action disable;" in up0
    up1 = block(text, "protocol bgp up1_v6")
    assert "import limit 250000 action restart;" in up1 and "receive limit 375000 action restart;" in up1
    assert "gateway recursive;" in up1
    # import default and none: exactly as before
    up2 = block(text, "protocol bgp up2_v4")
    assert "import filter import_default_v4;" in up2
    assert "receive limit 100 action block;" in up2 and "import limit 10 action disable;" in up2
    up3 = block(text, "protocol bgp up3_v4")
    assert "import none;" in up3 and "import limit 10 action disable;" in up3


def test_own_prefixes_and_more_specifics(rendered):
    text = conf(rendered, "full")
    assert define(text, "ANYCAST_OWN4") == ["203.0.113.0/24+"]
    assert define(text, "ANYCAST_OWN6") == ["2001:db8:ac00::/48+"]


def test_bogons_with_and_without_documentation_resources(rendered):
    production = conf(rendered, "full_production")
    bogons4 = define(production, "ANYCAST_BOGONS4")
    for net in ("0.0.0.0/8+", "10.0.0.0/8+", "100.64.0.0/10+", "127.0.0.0/8+", "169.254.0.0/16+", "172.16.0.0/12+",
                "192.0.2.0/24+", "192.168.0.0/16+", "198.18.0.0/15+", "198.51.100.0/24+", "203.0.113.0/24+",
                "224.0.0.0/4+", "240.0.0.0/4+"):
        assert net in bogons4
    bogons6 = define(production, "ANYCAST_BOGONS6")
    for net in ("::/8+", "2001:db8::/32+", "2002::/16+", "fc00::/7+", "fe80::/10+", "ff00::/8+"):
        assert net in bogons6
    asns = define(production, "ANYCAST_BOGON_ASNS")
    assert asns == ["0", "23456", "64496..64511", "64512..65534", "65535", "65536..65551", "65552..131071",
                    "4200000000..4294967294", "4294967295"]
    lab = conf(rendered, "full")
    assert "192.0.2.0/24+" not in define(lab, "ANYCAST_BOGONS4") and "10.0.0.0/8+" in define(lab, "ANYCAST_BOGONS4")
    assert "2001:db8::/32+" not in define(lab, "ANYCAST_BOGONS6")
    assert "64496..64511" not in define(lab, "ANYCAST_BOGON_ASNS") and "64512..65534" in define(lab, "ANYCAST_BOGON_ASNS")
    # every bogon line cites its source
    raw = re.search(r"^define ANYCAST_BOGONS4 = \[\n(.*?)^\];", production, re.S | re.M).group(1)
    for line in raw.splitlines():
        assert re.search(r"# (RFC \d+|IANA)", line), line


def test_rtr_cache(rendered):
    text = conf(rendered, "full")
    rpki = block(text, "protocol rpki anycast_rtr")
    assert "remote 192.0.2.250 port 323;" in rpki
    assert "roa4 table anycast_roa4;" in text and "roa6 table anycast_roa6;" in text
    no_rtr = conf(rendered, "full_no_rtr")
    assert "protocol rpki" not in no_rtr and "roa_check" not in no_rtr
    assert "if delete(bgp_path, 64496) ~ ANYCAST_BOGON_ASNS then reject;" in no_rtr


def test_kernel_gets_the_full_table_or_nothing(rendered):
    text = conf(rendered, "full")
    assert "if source = RTS_BGP then accept;" in block(text, "protocol kernel kernel_v4")
    assert "if source = RTS_BGP then accept;" in block(text, "protocol kernel kernel_v6")
    assert "protocol kernel" not in conf(rendered, "full_no_kernel")


def test_exports_are_those_of_a_session_without_import(rendered):
    """The export filters do not depend on what a session imports."""
    text = conf(rendered, "full")
    exports = {name: re.sub(r"^# .*\n", "", block(text, "filter export_%s" % name), flags=re.M)
               for name in ("up0_v4", "up2_v4", "up3_v4")}
    assert exports["up0_v4"].replace("up0_v4", "X") == exports["up3_v4"].replace("up3_v4", "X")
    assert exports["up2_v4"].replace("up2_v4", "X") == exports["up3_v4"].replace("up3_v4", "X")


def test_without_full_sessions_nothing_changes(rendered, tmp_path):
    """A full table's definitions are only written where a session imports one (an RTR cache alone adds nothing)."""
    host = full_host()
    for up in host["anycast_intent"]["pops"]["lhr"]["upstreams"]:
        up["import"] = "none"
        up.pop("max_prefixes", None)
        up.pop("max_prefixes_action", None)
    text = render(tmp_path, {"none": host})["none"]["config"].read_text()
    for word in ("ANYCAST_BOGONS", "protocol rpki", "roa4 table", "import_full", "RTS_BGP"):
        assert word not in text
