"""RPSL helpers of the registry modules: input checks, parsing, merging, RIPE error messages, API keys."""

from __future__ import annotations

import base64

import pytest

from ansible_collections.anycast.network.plugins.module_utils.registry.common import (
    RegistryError,
    RouteObject,
    check_free_text,
    check_name,
    normalize_origin,
    normalize_prefix,
)
from ansible_collections.anycast.network.plugins.module_utils.registry.ripe import (
    format_messages,
    split_api_key,
    to_whois_resources,
)


@pytest.mark.parametrize("bad", [
    "one\nmnt-by: EVIL-MNT", "one\r\nsource: RIPE", "one\rtwo", "one\x0btwo", "one\u2028two", "one\x85two",
    "mnt-by: EVIL-MNT", "remarks:x", "Source : RIPE", ": colon-led", "text # comment", " leading", "trailing ", "", "tab\there", "\u0142ukasz",
])
def test_free_text_refused(bad):
    with pytest.raises(RegistryError) as err:
        check_free_text(bad, "descr")
    assert err.value.msg.startswith("descr ")


@pytest.mark.parametrize("good", ["Example anycast service", "Anycast: web and DNS", "Zürich PoP (AS64500)",
                                  "10:00 UTC maintenance"])
def test_free_text_accepted(good):
    assert check_free_text(good, "descr") == good


def test_names_origins_prefixes():
    assert check_name("example-mnt", "mnt_by") == "EXAMPLE-MNT"
    for bad in ["EX MNT", "EX\nMNT", "-MNT", "MNT:", ""]:
        with pytest.raises(RegistryError):
            check_name(bad, "mnt_by")
    assert normalize_origin("as64500") == "AS64500" and normalize_origin(64500) == "AS64500"
    with pytest.raises(RegistryError):
        normalize_origin("AS0")
    assert normalize_prefix("2001:DB8:100:0::/48") == ("route6", "2001:db8:100::/48")
    with pytest.raises(RegistryError) as err:
        normalize_prefix("192.0.2.1/24")
    assert "host bits" in err.value.msg


def test_parse_and_merge_keeps_unmanaged_attributes():
    current = RouteObject.from_text(
        "route:          192.0.2.0/24\n"
        "descr:          old\n"
        "remarks:        first line\n"
        "                continued\n"
        "origin:         AS64500\n"
        "mnt-by:         OLD-MNT\n"
        "mnt-routes:     UPSTREAM-MNT\n"
        "created:        2020-01-01T00:00:00Z\n"
        "source:         RIPE\n")
    assert current.key == "192.0.2.0/24AS64500"
    assert current.values("remarks") == ["first line continued"]
    desired = RouteObject.desired("192.0.2.0/24", 64500, ["NEW-MNT", "OTHER-MNT"], "RIPE", descr=["new"])
    managed = {"descr", "origin", "mnt-by", "source"}
    assert current.differs(desired, managed) == ["descr", "mnt-by"]
    merged = current.merged_with(desired, managed)
    assert merged.attributes == [
        ("route", "192.0.2.0/24"), ("descr", "new"), ("remarks", "first line continued"), ("origin", "AS64500"),
        ("mnt-by", "NEW-MNT"), ("mnt-by", "OTHER-MNT"), ("mnt-routes", "UPSTREAM-MNT"), ("source", "RIPE")]
    assert merged.differs(desired, managed) == []
    # case does not matter for maintainers and sources
    lower = RouteObject([(n, v.lower() if n in ("mnt-by", "source") else v) for n, v in desired.attributes])
    assert lower.differs(desired, managed) == []


def test_whois_resources_shape():
    obj = RouteObject.desired("2001:db8::/48", "AS64500", ["EX-MNT"], "TEST", descr=["anycast"])
    body = to_whois_resources(obj, "TEST")
    item = body["objects"]["object"][0]
    assert item["type"] == "route6" and item["source"] == {"id": "TEST"}
    assert item["attributes"]["attribute"][0] == {"name": "route6", "value": "2001:db8::/48"}


def test_ripe_messages_are_formatted():
    payload = {"errormessages": {"errormessage": [
        {"severity": "Error", "text": "ERROR:101: no entries found\n\nNo entries found in source %s.\n",
         "args": [{"value": "TEST"}]},
        {"severity": "Error", "text": "Syntax error in %s", "args": [{"value": "AS-x"}],
         "attribute": {"name": "origin", "value": "AS-x"}},
        {"severity": "Warning", "text": "MD5 hashed password authentication is deprecated"},
    ]}}
    assert format_messages(payload) == ["ERROR:101: no entries found No entries found in source TEST.",
                                        "Syntax error in AS-x (attribute origin: AS-x)"]
    assert format_messages(payload, severities=("Warning",)) == ["MD5 hashed password authentication is deprecated"]
    assert format_messages("not json") == []


def test_api_key_forms():
    key_id = "A" * 12 + "b" * 12
    assert split_api_key(key_id + ":secret") == (key_id, "secret")
    token = base64.b64encode((key_id + ":secret").encode()).decode()
    assert split_api_key(token) == (key_id, "secret")
    assert split_api_key("Basic " + token) == (key_id, "secret")
    for bad in ["short:secret", key_id + ":", "%%%"]:
        with pytest.raises(RegistryError):
            split_api_key(bad)
