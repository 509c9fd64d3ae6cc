"""The bad-input corpus grown by a fuzzer: valid intents mutated (types, whitespace, unicode, boundary numbers,
duplicated names, addresses of every kind). For each mutant the validator either rejects it cleanly (every problem
with a path, no crash, no secret repeated) or accepts it, and then the normalisation and every filter that reads
the intent accept it too. Derandomized, with a bounded number of examples: the same cases on every run."""

import copy
import pathlib

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.anycast.network.plugins.filter import intent as intent_filters
from ansible_collections.anycast.network.plugins.filter.zone import zone_records_by_origin
from ansible_collections.anycast.network.plugins.module_utils.intent import derive
from ansible_collections.anycast.network.plugins.module_utils.intent.validate import validate

HERE = pathlib.Path(__file__).parent
BASE = yaml.safe_load((HERE / "base_intent.yml").read_text())
SECRETS = ("testpassword1", "testpassword2")

# Replacement values: wrong types, boundaries, whitespace, unicode and addresses of every kind.
ADDRESSES = [
    "203.0.113.0", "203.0.113.255", "203.0.113.10", "203.0.113.53", "203.0.113.11", "2001:db8:ac00::",
    "2001:db8:ac00::10", "2001:db8:ac00::1", "198.51.100.1", "198.51.100.20", "198.51.100.21", "0.0.0.0", "::",
    "127.0.0.1", "::1", "255.255.255.255", "224.0.0.5", "ff02::1", "fe80::1", "169.254.169.254", "10.0.0.1",
    "::ffff:203.0.113.10", "203.0.113.010", "203.0.113.10/32", "2001:db8:ac00::/48", "203.0.113.0/24",
    "198.51.100.0/24", "2001:db8:ad00::/48", "203.0.112.0/23",
]
SCALARS = [
    None, True, False, 0, 1, -1, 2, 10, 11, 255, 256, 65535, 65536, 64500, 64511, 64515, 2 ** 31 - 1, 2 ** 31,
    4294967295, 4294967296, 1.5, "", " ", "a", "x" * 81, "web", "dns", "lab", "static", "vultr", "generic",
    "acme", "internal", "off", "A", "AAAA", "CNAME", "MX", "TXT", "SRV", "CAA", "NS", "@", "www", "*", "_dmarc",
    "anycast.test", "anycast.test.", "other.test.", "ns1", "10 mail.anycast.test.", "0 .",
    "10 5 443 www.anycast.test.", "0 issue \"letsencrypt.org\"", "0 iodef \"mailto:a@anycast.test\"",
    "\"v=spf1 -all\"", "v=spf1 -all", "GB", "SA", "US", "CA", "ams", "/healthz", "http://127.0.0.1:8080",
    "https://ca.lab.test/dir", "pw\"x", "caf\u00e9", "\uff21\uff33", "a\u200bb", "\u202eabc", "line\nbreak",
    "tab\there",
] + ADDRESSES
WRAPPERS = ["list", "dict", "pad_left", "pad_right", "newline", "unicode"]


def _paths(node, prefix=()):
    """Every place in the intent a mutation can touch: (container path, key)."""
    out = []
    if isinstance(node, dict):
        for key, value in node.items():
            out.append((prefix, key))
            out.extend(_paths(value, prefix + (key,)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out.append((prefix, index))
            out.extend(_paths(value, prefix + (index,)))
    return out


def _container(intent, path):
    node = intent
    for key in path:
        node = node[key]
    return node


@st.composite
def mutants(draw):
    intent = copy.deepcopy(BASE)
    for mutation in range(draw(st.integers(1, 3))):  # pylint: disable=unused-variable
        places = _paths(intent)
        if not places:
            break
        path, key = draw(st.sampled_from(places))
        try:
            parent = _container(intent, path)
            current = parent[key]
        except (KeyError, IndexError, TypeError):
            continue
        action = draw(st.sampled_from(["replace", "wrap", "delete", "duplicate", "text"]))
        if action == "replace":
            parent[key] = draw(st.sampled_from(SCALARS))
        elif action == "wrap":
            how = draw(st.sampled_from(WRAPPERS))
            text = str(current) if not isinstance(current, (dict, list)) else "x"
            parent[key] = {
                "list": [current], "dict": {"x": current}, "pad_left": " " + text, "pad_right": text + " ",
                "newline": text + "\n", "unicode": text + "\u00e9",
            }[how]
        elif action == "delete":
            del parent[key]
        elif action == "duplicate":
            if isinstance(parent, list):
                parent.append(copy.deepcopy(current))
            else:
                parent[str(key) + draw(st.sampled_from(["2", "-b", "_", "X"]))] = copy.deepcopy(current)
        else:
            parent[key] = draw(st.text(max_size=12))
    return intent


def _filters_accept(intent):
    model = derive.normalize(intent)
    for pop, entry in model["pops"].items():
        intent_filters.anycast_sessions(intent, pop, "198.51.100.20", "2001:db8:200::20")
        assert isinstance(entry, dict)
    intent_filters.anycast_prefixes(intent, 4)
    intent_filters.anycast_prefixes(intent, 6)
    intent_filters.anycast_service_addresses(intent)
    intent_filters.anycast_upstream_providers(intent)
    names = derive.instance_names(intent)
    groups = {derive.pop_group(pop): hosts for pop, hosts in names.items()}
    hostvars = {host: {"anycast_address": "198.51.100.30"} for hosts in names.values() for host in hosts}
    if "geodns" in intent:
        intent_filters.anycast_geodns_records(intent, groups, hostvars)
    zone_records_by_origin(intent_filters.anycast_services(intent, "dns"))
    intent_filters.anycast_services(intent, "web")


@settings(max_examples=400, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutants())
def test_a_mutated_intent_is_rejected_with_paths_or_accepted_by_every_consumer(intent):
    problems = validate(intent)
    for problem in problems:
        assert isinstance(problem.path, str) and problem.path, problem
        assert "could not be checked" not in problem.message, problem
        assert not any(secret in problem.message for secret in SECRETS), problem
    if not problems:
        _filters_accept(intent)
