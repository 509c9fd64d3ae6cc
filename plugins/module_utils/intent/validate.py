# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of the intent: every mistake at once, each with its path and a sentence an operator understands.

`validate(intent)` returns a list of `Problem(path, message)`; an empty list means the intent is valid.
Nothing here touches a host or an API, and no exception escapes: a malformed value is a Problem.

Two passes. The structure (unknown and required keys, types, allowed values, number ranges) is checked from the
declaration in schema.py; then the meaning (prefix lengths, addresses inside prefixes, passwords bird.conf can
hold, names that collide) is checked by the code below, which stays quiet about a path whose structure was
already reported. Messages never repeat a password.
"""

from __future__ import annotations

import difflib
import ipaddress
import math
import re
from collections import namedtuple
from urllib.parse import urlparse

from . import rules, schema, workload
from ..route53.geo_codes import CONTINENTS, COUNTRIES, US_SUBDIVISIONS
from ..registry.common import RegistryError, check_free_text

Problem = namedtuple("Problem", "path message")

BAD_PASSWORD_CHARS = re.compile(r'["\\\x00-\x1f\x7f]')
ANCESTOR = re.compile(r"[.\[]")


def _join(path, key):
    if isinstance(key, int):
        return "%s[%d]" % (path, key)
    return "%s.%s" % (path, key) if path else str(key)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _ip(value):
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _amount(value):
    return ("%d" % value) if float(value).is_integer() else ("%.2f" % value)


def _plural(word):
    if word.endswith("y"):
        return word[:-1] + "ies"
    return word + ("es" if word.endswith(("s", "x")) else "s")


def _inside(zone):
    """A test: is a host name the zone's apex or below it."""
    origin = str(zone).rstrip(".").lower()
    return lambda host: str(host).rstrip(".").lower() == origin or \
        str(host).rstrip(".").lower().endswith("." + origin)


def _items(value):
    """The elements of a list, or none: its shape was reported by the structure check."""
    return value if isinstance(value, list) else []


class Validator:
    def __init__(self, intent, known_lab_regions=None):
        self.intent = intent
        self.problems = []
        self.structural = set()     # paths whose structure is wrong: no second problem about them
        self.known_lab_regions = known_lab_regions
        self.allow_doc = False
        self.asn = None
        self.prefixes = []          # ipaddress networks that parsed
        self.address_owner = {}     # ip -> path of first use
        self.host_names = {}        # instance host name -> path
        self.zone_owner = {}        # zone origin -> path of the zone that serves it
        self.neighbors = []         # (ip, path) of generic upstreams' neighbours
        self.unicast = []           # (ip, path) of static hosts' own addresses
        self.workload_ports = {}    # (protocol, port) -> path of the workload that listens there

    # -- helpers -------------------------------------------------------------
    def err(self, path, message):
        """A problem of meaning; dropped when the structure at this path (or above it) is already reported."""
        if path in self.structural or any(path[:m.start()] in self.structural for m in ANCESTOR.finditer(path)):
            return
        self.problems.append(Problem(path, message))

    def shape(self, path, message):
        self.structural.add(path)
        self.problems.append(Problem(path, message))

    def guard(self, path, check, *args):
        """Run one check of meaning; a value of a type it did not expect below `path` ends that check only.
        The structure pass has reported such a value with its own path; when it has not, say where to look."""
        try:
            return check(*args)
        except Exception as exc:  # pylint: disable=broad-except
            if not any(p == path or p.startswith(path + ".") or p.startswith(path + "[") for p in self.structural):
                self.err(path, "could not be checked: a value below it has an unexpected type (%s)"
                         % type(exc).__name__)
            return None

    # -- structure, from the schema -----------------------------------------
    def structure(self, value, field, path, name=None):
        """Check `value` against its schema field: shape, unknown and required keys, types, choices, ranges."""
        if isinstance(field, schema.Dict):
            self.structure_dict(value, field, path, name)
        elif isinstance(field, schema.Map):
            if not isinstance(value, dict):
                self.shape(path, "must be a mapping of %s name to its settings, not %s" % (field.what, _describe(value)))
                return
            if len(value) < field.min_items:
                self.shape(path, "must define at least one %s%s" % (field.what, field.hint))
            for key, item in value.items():
                self.structure(item, field.of, _join(path, key), key)
        elif isinstance(field, schema.List):
            if not isinstance(value, list):
                self.shape(path, "must be a list of %s, not %s" % (_plural(field.what), _describe(value)))
                return
            if len(value) < field.min_items:
                self.shape(path, "must list at least one %s" % field.what)
            for i, item in enumerate(value):
                self.structure(item, field.of, _join(path, i))
        elif isinstance(field, schema.Bool):
            if not isinstance(value, bool):
                self.shape(path, "must be true or false, not %s" % _describe(value))
        elif isinstance(field, schema.Int):
            if not _is_int(value):
                self.shape(path, "must be a whole number (%s), not %s" % (field.meaning, _describe(value)))
            elif value < field.lo:
                self.shape(path, field.too_low or "%s must be between %d and %d, not %d"
                           % (field.meaning, field.lo, field.hi, value))
            elif value > field.hi:
                self.shape(path, field.too_high % (value, field.hi) if field.too_high else
                           "%s must be between %d and %d, not %d" % (field.meaning, field.lo, field.hi, value))
        elif isinstance(field, schema.Number):
            if not isinstance(value, (int, float)) or isinstance(value, bool) or math.isnan(value):
                self.shape(path, "must be a number (%s), not %s" % (field.meaning, _describe(value)))
            elif not field.lo <= value <= field.hi:
                self.shape(path, "%s must be between %s and %s, not %s" % (field.meaning, field.lo, field.hi, value))
        elif isinstance(field, schema.Choice):
            if not isinstance(value, str) or value not in field.choices:
                shown = "'%s'" % value if isinstance(value, str) else _describe(value)
                self.shape(path, "unknown %s %s: use %s" % (field.label, shown, field.use()))
        elif isinstance(field, schema.Value):
            self.structure_value(value, field, path)

    def structure_value(self, value, field, path):
        """A scalar's type and surrounding whitespace; its meaning is checked by the code below."""
        kind = field.type_name
        if kind == "asn":
            return  # check_asn explains a string ASN ('write the ASN as a number')
        if kind == "any" and isinstance(value, list):
            for i, item in enumerate(value):
                self.structure_value(item, schema.Value("text", ""), _join(path, i))
            return
        if kind == "record_value" and _is_int(value):
            return
        if not isinstance(value, str):
            what = "text" if kind in ("text", "any", "password", "record_value") else "a %s" % schema.VALUE_TYPES[kind]
            if field.secret:
                self.shape(path, "must be text (quote it in YAML), not %s" % _kind_of(value))
            else:
                self.shape(path, "must be %s, not %s" % (what, _describe(value)))
            return
        if field.block or kind == "file":
            return
        if value != value.strip():
            self.shape(path, "has spaces or a line break before or after it: remove them (they would reach the "
                       "configuration as part of the value)")
        elif kind != "password" and ("\n" in value or "\r" in value):
            self.shape(path, "must be one line")

    def structure_dict(self, value, field, path, name):
        if not isinstance(value, dict):
            self.shape(path or "anycast_intent", "must be %s, not %s" % (field.what, _describe(value)))
            return
        variant = field.variant_of(value, name)
        known = field.fields[field.variant].choices if field.variant else {}
        allowed = field.allowed(variant if variant in known else None)
        for key in value:
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), allowed, n=1)
                extra = " (did you mean '%s'?)" % hint[0] if hint else " (known keys: %s)" % ", ".join(allowed)
                where = " of a %s service" % variant if variant in known and key in field.fields else ""
                self.shape(_join(path, key), "unknown setting '%s'%s%s" % (key, where, extra))
        if field.variant and variant is None:
            self.shape(_join(path, field.variant), "is required: " + field.fields[field.variant].why)
        for key in allowed:
            sub = field.fields[key]
            kpath = _join(path, key)
            if key in value:
                self.structure(value[key], sub, kpath, key)
            elif field.variant and not field.applies(key, variant):
                continue    # required by another kind only, or this entry's kind is not known
            elif sub.required is True:
                self.shape(kpath, "is required" + (": " + sub.why if sub.why else ""))
            elif isinstance(sub.required, schema.When) and value.get(sub.required.key) in sub.required.values:
                phrase = sub.required.phrase.format(value=value[sub.required.key])
                self.shape(kpath, "is required %s%s" % (phrase, ": " + sub.why if sub.why else ""))

    # -- the intent -----------------------------------------------------------
    def run(self):
        intent = self.intent
        if not isinstance(intent, dict):
            self.err("anycast_intent", "the intent must be a mapping with network, asn, prefixes, services and pops; got %s"
                     % _describe(intent))
            return self.problems
        self.guard("anycast_intent", self.structure, intent, schema.INTENT, "")
        self.allow_doc = intent.get("allow_documentation_resources") is True
        self.guard("network", self.check_network, intent.get("network"))
        self.guard("asn", self.check_asn, intent.get("asn"), "asn", True)
        self.guard("prefixes", self.check_prefixes, intent.get("prefixes"))
        self.guard("services", self.check_services, intent.get("services"))
        defaults = intent.get("defaults") if isinstance(intent.get("defaults"), dict) else {}
        if "upstreams" in defaults:
            self.guard("defaults.upstreams", self.check_upstreams, defaults["upstreams"], "defaults.upstreams")
        if "vultr" in defaults:
            self.guard("defaults.vultr", self.check_vultr, defaults["vultr"], "defaults.vultr")
        self.guard("pops", self.check_pops, intent.get("pops"), defaults)
        self.guard("pops", self.check_address_pairs)
        if isinstance(intent.get("geodns"), dict):
            self.guard("geodns", self.check_geodns, intent["geodns"])
        if isinstance(intent.get("registry"), dict):
            self.guard("registry", self.check_registry, intent["registry"])
        self.guard("metrics", self.check_metrics, intent.get("metrics"))
        if isinstance(intent.get("rpki"), dict):
            self.guard("rpki", self.check_rpki, intent["rpki"])
        if isinstance(intent.get("rpki_rtr"), dict):
            self.guard("rpki_rtr", self.check_rpki_rtr, intent["rpki_rtr"])
        if isinstance(intent.get("rollout"), dict):
            self.guard("rollout", self.check_rollout, intent["rollout"], intent.get("pops"))
        if isinstance(intent.get("mesh"), dict):
            self.guard("mesh", self.check_mesh, intent["mesh"], intent.get("pops"))
        if self.known_lab_regions is not None:
            self.guard("pops", self.check_lab_build, intent.get("pops"), defaults)
        self.guard("pops", self.check_autoscaling, intent.get("pops"))
        return self.problems

    # -- the private mesh (docs/mesh.md) ------------------------------------------------------------------------
    MESH_RANGES = {4: [ipaddress.ip_network(n)
                       for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")],
                   6: [ipaddress.ip_network("fc00::/7")]}
    MESH_LENGTHS = {4: (8, 16), 6: (8, 48)}

    def check_mesh(self, mesh, pops):
        """The ranges are private and large enough for 255 PoPs of 254 instances; with the mesh on, every PoP has
        a mesh number of its own and no PoP more instances than its numbers hold."""
        words = {4: "private (RFC 1918: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) or shared (RFC 6598: "
                    "100.64.0.0/10)", 6: "a unique local range (fc00::/7, e.g. fd12:3456:789a::/48)"}
        for family, key in ((4, "ipv4"), (6, "ipv6")):
            if key not in mesh or "mesh." + key in self.structural:
                continue
            raw = mesh[key]
            try:
                net = ipaddress.ip_network(str(raw), strict=True)
            except ValueError:
                self.err("mesh." + key, "'%s' is not a prefix without host bits (e.g. %s)"
                         % (raw, "10.99.0.0/16" if family == 4 else "fd12:3456:789a::/48"))
                continue
            lo, hi = self.MESH_LENGTHS[family]
            if net.version != family:
                self.err("mesh." + key, "%s is not an IPv%d prefix" % (net, family))
            elif not any(net.subnet_of(r) for r in self.MESH_RANGES[family]):
                self.err("mesh." + key, "%s is not %s: mesh addresses must never be routed on the internet"
                         % (net, words[family]))
            elif not lo <= net.prefixlen <= hi:
                self.err("mesh." + key, "/%d is outside /%d-/%d: the mesh numbers every PoP (1-255) and its "
                         "instances (1-254) inside it" % (net.prefixlen, lo, hi))
        if mesh.get("enabled") is not True:
            return
        if "ipv4" not in mesh and "ipv6" not in mesh:
            self.err("mesh", "names no range: set ipv4 (e.g. 10.99.0.0/16), ipv6 (e.g. fd12:3456:789a::/48) or both")
        seen = {}
        for name, pop in (pops.items() if isinstance(pops, dict) else []):
            if not isinstance(pop, dict):
                continue
            path = "pops.%s.mesh_number" % name
            number = pop.get("mesh_number")
            if number is None:
                self.err(path, "is required with mesh.enabled: a number of its own (1-255), never reused, which "
                         "its instances' mesh addresses are made from")
            elif _is_int(number):
                if number in seen:
                    self.err(path, "%d is PoP %s's mesh number already" % (number, seen[number]))
                seen.setdefault(number, name)
            count = len(_items(pop.get("hosts"))) if pop.get("provider") == "static" else pop.get("instances")
            if _is_int(count) and count > 254:
                self.err("pops.%s" % name, "has %d instances; the mesh numbers at most 254 in a PoP" % count)

    # -- autoscaling (docs/autoscaling.md) ---------------------------------------------------------------------
    def check_autoscaling(self, pops):
        """Each PoP's autoscale settings: a lab or vultr PoP, min <= instances <= max, a band the metric can leave
        on both sides, a cooldown no shorter than the window. The spend cap at max is checked by the cost step,
        where Vultr's prices are known."""
        for name, pop in (pops.items() if isinstance(pops, dict) else []):
            if not isinstance(pop, dict) or not isinstance(pop.get("autoscale"), dict):
                continue
            path = "pops.%s.autoscale" % name
            scale = pop["autoscale"]
            if pop.get("provider") not in ("lab", "vultr"):
                self.err(path, "is for lab and vultr PoPs, whose instances are counted; a %s PoP has the hosts it "
                         "lists" % pop.get("provider"))
                continue
            low, high, count = scale.get("min"), scale.get("max"), pop.get("instances")
            if _is_int(low) and _is_int(high) and low > high:
                self.err(_join(path, "min"), "%d is more than max (%d)" % (low, high))
            elif _is_int(low) and _is_int(high) and _is_int(count) and not low <= count <= high:
                self.err("pops.%s.instances" % name, "%d is outside autoscale min-max (%d-%d): the intent's count "
                         "is where the scaler starts" % (count, low, high))
            target = scale.get("target")
            band = scale.get("band", 10)
            if not _number(target) or not _number(band):
                continue
            if target - band <= 0:
                self.err(_join(path, "band"), "target - band is %s: the metric never stays below it, so the PoP "
                         "would never scale down; lower band (or raise target)" % _amount(target - band))
            if scale.get("metric") == "cpu" and target + band >= 100:
                self.err(_join(path, "band"), "target + band is %s%%: CPU utilisation never stays above it, so "
                         "the PoP would never scale up; lower target or band" % _amount(target + band))
            window, cooldown = scale.get("window", 300), scale.get("cooldown", 900)
            if _is_int(window) and _is_int(cooldown) and cooldown < window:
                self.err(_join(path, "cooldown"), "%d s is shorter than the window (%d s): the next decision "
                         "would still average the load from before the last step" % (cooldown, window))

    # -- the rollout and what the lab can build (docs/rollout.md, docs/lab.md) -----------------------------------
    def check_rollout(self, settings, pops):
        """Every canary is a PoP of the intent, named once."""
        names = [str(name) for name in pops] if isinstance(pops, dict) else []
        seen = set()
        for i, name in enumerate(_items(settings.get("canary"))):
            path = "rollout.canary[%d]" % i
            if not isinstance(name, str):
                continue
            if names and name not in names:
                hint = difflib.get_close_matches(name, names, n=1)
                self.err(path, "'%s' is not a PoP of this intent (%s)" % (
                    name, "did you mean '%s'?" % hint[0] if hint else "its PoPs: " + ", ".join(names)))
            elif name in seen:
                self.err(path, "names PoP %s a second time" % name)
            seen.add(name)

    def check_lab_build(self, pops, defaults):
        """With a lab topology (a lab inventory), only what the lab builds: lab PoPs behind the lab's Vultr-like
        provider edges. A static PoP's hosts do not exist there, and no lab router answers a generic upstream."""
        if not isinstance(pops, dict):
            return
        inherited = {}
        for name, pop in pops.items():
            if not isinstance(pop, dict):
                continue
            path = "pops.%s" % name
            if pop.get("provider") == "static":
                self.err(_join(path, "provider"), "the lab builds no static PoP (no machine answers for its hosts, "
                         "the run would stop at an SSH timeout): use provider lab in a lab inventory")
                continue
            if pop.get("provider") != "lab":
                continue
            own = "upstreams" in pop
            for i, up in enumerate(_items(pop["upstreams"] if own else defaults.get("upstreams"))):
                if isinstance(up, dict) and up.get("profile") == "generic":
                    if own:
                        self.err("%s.upstreams[%d].profile" % (path, i), "the lab's provider edges are Vultr-like "
                                 "only (no lab router answers a generic upstream, its session would stay in "
                                 "Connect): use profile vultr in a lab inventory")
                    else:
                        inherited.setdefault(i, []).append(str(name))
        for i, names in sorted(inherited.items()):
            self.err("defaults.upstreams[%d].profile" % i, "lab PoP%s %s inherit%s this generic upstream, but the "
                     "lab's provider edges are Vultr-like only (its session would stay in Connect): use profile "
                     "vultr in a lab inventory" % ("s" if len(names) > 1 else "", ", ".join(names),
                                                   "" if len(names) > 1 else "s"))

    def check_rpki_rtr(self, rtr):
        if "address" not in rtr:
            return
        ip = _ip(rtr["address"])
        if ip is None:
            self.err("rpki_rtr.address", "'%s' is not an IP address: BIRD connects to the RTR cache by address"
                     % (rtr["address"],))
        elif ip.is_unspecified or ip.is_multicast or ip == ipaddress.ip_address("255.255.255.255"):
            self.err("rpki_rtr.address", "%s cannot be an RTR cache's address (unspecified, multicast or broadcast)"
                     % ip)
        elif self.anycast_use(ip):
            self.err("rpki_rtr.address", "%s is %s: an RTR cache there would be whichever instance is nearest; use "
                     "the cache's own unicast address (or 127.0.0.1 for a cache on every instance)"
                     % (ip, self.anycast_use(ip)))

    def check_upstream_import(self, up, upath):
        """max_prefixes and max_prefixes_action are the limit of a full table; none and default keep the bird
        role's own limits."""
        for key in ("max_prefixes", "max_prefixes_action"):
            if key in up and up.get("import", "none") != "full":
                self.err(_join(upath, key), "is only read with import: full (the limits of import none and default "
                         "are the bird role's: bird_import_limit, bird_receive_limit); remove it or set import: full")

    def check_rpki(self, rpki):
        source = rpki.get("source")
        if source == "rpki-client":
            if "file" not in rpki:
                self.err("rpki.file", "is required with source rpki-client: the relying party's JSON output "
                         "(rpki-client -j writes it as json in its output directory)")
            for key in ("url", "api_key", "manage_roas"):
                if key in rpki and not (key == "manage_roas" and rpki[key] is False):
                    self.err("rpki." + key, "is only read with source ripe: a relying party's output is read, "
                             "never written; remove it or use source ripe")
        elif source == "ripe":
            if not rpki.get("api_key") and "api_key" not in self.structural:
                self.err("rpki.api_key", "is required with source ripe: an API key of the RPKI Management API "
                         "(from a vault or the environment)")
            if "file" in rpki:
                self.err("rpki.file", "is only read with source rpki-client; remove it or use that source")
            url = urlparse(str(rpki.get("url", "https://my.ripe.net/api/rpki")))
            if url.scheme not in ("http", "https") or not url.hostname:
                self.err("rpki.url", "'%s' is not an http(s) URL of the RPKI Management API" % rpki.get("url"))

    def check_metrics(self, metrics):
        if isinstance(metrics, dict):
            defaults = {"node_exporter_port": 9100, "bird_exporter_port": 9324, "healthgate_port": 9731,
                        "caddy_port": 9732}
            seen = {}
            for key, default in defaults.items():
                port = metrics.get(key, default)
                if not _is_int(port):
                    continue
                if port in seen:
                    self.err("metrics.%s" % key, "is the same port as %s" % seen[port])
                else:
                    seen[port] = key
            for i, raw in enumerate(_items(metrics.get("scrape_from"))):
                try:
                    ipaddress.ip_network(str(raw), strict=True)
                except ValueError:
                    self.err("metrics.scrape_from[%d]" % i, "'%s' is not a prefix (the addresses allowed to scrape "
                             "the exporters, e.g. 192.0.2.10/32)" % (raw,))

    def check_network(self, name):
        if name is None:
            return
        if not isinstance(name, str) or not rules.NAME_RE.match(name):
            self.err("network", "'%s' is not a usable network name: use 1-32 lowercase letters, digits and dashes "
                     "(it becomes part of instance labels and tags)" % (name,))

    def check_asn(self, asn, path, own=False):
        if asn is None:
            return None
        if isinstance(asn, str) and re.match(r"^(?i:as)?\d+$", asn.strip()):
            self.err(path, "write the ASN as a number (%s), not the string '%s'" % (re.sub(r"(?i)^as", "", asn.strip()), asn))
            return None
        if not _is_int(asn):
            self.err(path, "must be an AS number, not %s" % _describe(asn))
            return None
        if not 0 <= asn <= 4294967295:
            self.err(path, "AS%d is out of range: AS numbers go from 1 to 4294967294" % asn)
            return None
        if asn in rules.RESERVED_ASNS:
            self.err(path, rules.RESERVED_ASNS[asn])
            return None
        for lo, hi, why in rules.RESERVED_ASN_RANGES:
            if lo <= asn <= hi:
                self.err(path, "AS%d %s" % (asn, why))
                return None
        if own and rules.asn_in(asn, rules.DOCUMENTATION_ASN_RANGES) and not self.allow_doc:
            self.err(path, "AS%d is reserved for documentation (RFC 5398): no transit will accept routes from it. "
                     "Use your own ASN, or set allow_documentation_resources: true for a lab or an example" % asn)
            return None
        if own:
            self.asn = asn
        return asn

    def check_prefixes(self, prefixes):
        seen = []
        for i, raw in enumerate(_items(prefixes)):
            path = "prefixes[%d]" % i
            if not isinstance(raw, str) or "/" not in raw:
                self.err(path, "'%s' is not a prefix: write it as address/length, e.g. 203.0.113.0/24" % (raw,))
                continue
            try:
                net = ipaddress.ip_network(raw.strip(), strict=False)
            except ValueError:
                self.err(path, "'%s' is not a valid IPv4 or IPv6 prefix" % raw)
                continue
            if ipaddress.ip_interface(raw.strip()).ip != net.network_address:
                self.err(path, "%s has host bits set: the prefix is %s" % (raw, net))
                continue
            limit = rules.MAX_PREFIXLEN[net.version]
            if net.prefixlen > limit:
                self.err(path, "%s is longer than /%d: transit providers filter IPv%d prefixes longer than /%d, "
                         "so it would not be reachable from most of the internet" % (net, limit, net.version, limit))
                continue
            if any(net.subnet_of(n) for n in rules.NON_ROUTABLE_NETS if n.version == net.version):
                self.err(path, "%s is not globally routable (private, shared, loopback, link-local or multicast "
                         "space): it cannot be announced to the internet" % net)
                continue
            if any(net.subnet_of(n) for n in rules.DOCUMENTATION_NETS if n.version == net.version) and not self.allow_doc:
                self.err(path, "%s is documentation address space (RFC 5737 / RFC 3849): transit drops it. Use your "
                         "own prefix, or set allow_documentation_resources: true for a lab or an example" % net)
                continue
            clash = next((j for j, other in seen if other.version == net.version and net.overlaps(other)), None)
            if clash is not None:
                other = dict(seen)[clash]
                what = "repeats" if other == net else "overlaps"
                self.err(path, "%s %s prefixes[%d] (%s): announce each address range once" % (net, what, clash, other))
                continue
            seen.append((i, net))
        self.prefixes = [net for index, net in seen]

    # -- services ---------------------------------------------------------------
    def check_services(self, services):
        if not isinstance(services, dict):
            return
        for name, svc in services.items():
            path = "services.%s" % name
            if not isinstance(name, str) or not rules.NAME_RE.match(name):
                self.err(path, "'%s' is not a usable service name: lowercase letters, digits and dashes" % (name,))
            if not isinstance(svc, dict):
                continue
            self.guard(path, self.check_service, name, svc, path)

    def check_service(self, name, svc, path):
        kind = schema.SERVICE.variant_of(svc, name)
        self.check_service_addresses(svc.get("addresses"), _join(path, "addresses"))
        if "prefixes" in svc:
            self.check_service_prefixes(svc, path)
        if kind == "web":
            self.check_web(svc, path)
        elif kind == "dns":
            self.check_dns(svc, path)
        elif kind == "workload":
            if "http_port" in svc:  # its hostnames and tls as a web service's (Caddy serves them)
                self.check_web({key: svc[key] for key in ("hostnames", "tls") if key in svc}, path)
            workload.check(svc, path, self.err, self.workload_ports)

    def check_service_addresses(self, addresses, path):
        for i, raw in enumerate(_items(addresses)):
            apath = _join(path, i)
            ip = _ip(raw)
            if ip is None:
                self.err(apath, "'%s' is not an IP address" % (raw,))
                continue
            if self.prefixes and not any(ip in n for n in self.prefixes):
                self.err(apath, "%s is outside every announced prefix (%s): nobody could reach it over anycast"
                         % (ip, ", ".join(str(n) for n in self.prefixes)))
            for net in self.prefixes:
                if net.version == 4 and ip in net and ip in (net.network_address, net.broadcast_address):
                    # RFC 919 / RFC 922: the all-zeros and all-ones host parts mean "this network" and "broadcast";
                    # hosts and routers treat packets to them specially (or drop them).
                    self.err(apath, "%s is the %s address of %s (RFC 919, RFC 922): many hosts and routers will not "
                             "answer or forward it; use another address of the prefix"
                             % (ip, "network" if ip == net.network_address else "broadcast", net))
            if ip in self.address_owner:
                self.err(apath, "%s is already used by %s: each service needs its own anycast address"
                         % (ip, self.address_owner[ip]))
            else:
                self.address_owner[ip] = apath

    def check_service_prefixes(self, svc, path):
        ppath = _join(path, "prefixes")
        for i, raw in enumerate(_items(svc["prefixes"])):
            try:
                net = ipaddress.ip_network(str(raw), strict=True)
            except ValueError:
                self.err(_join(ppath, i), "'%s' is not a prefix of this network" % (raw,))
                continue
            if net not in self.prefixes:
                self.err(_join(ppath, i), "%s is not one of the intent's prefixes: a service can only be gated on a "
                         "prefix the network announces" % net)

    def check_web(self, svc, path):
        for i, host in enumerate(_items(svc.get("hostnames"))):
            if not rules.is_hostname(host):
                self.err(_join(path, "hostnames[%d]" % i), "'%s' is not a valid host name" % (host,))
        if "root" in svc:
            self.err(_join(path, "root"), "is not supported yet: a web service serves its own page, or proxies to "
                     "proxy_to; serving a directory of static files is planned. Remove root")
        hp = svc.get("health_path", "/healthz")
        if not isinstance(hp, str) or not hp.startswith("/") or any(c.isspace() for c in hp):
            self.err(_join(path, "health_path"), "must be a URL path starting with /, e.g. /healthz")
        if "proxy_to" in svc:
            url = urlparse(str(svc["proxy_to"]))
            if url.scheme not in ("http", "https") or not url.hostname:
                self.err(_join(path, "proxy_to"), "'%s' is not an http:// or https:// URL of the application to "
                         "proxy to" % svc["proxy_to"])
        tls = svc.get("tls")
        if isinstance(tls, dict):
            tpath = _join(path, "tls")
            mode = tls.get("mode", schema.TLS.fields["mode"].default)
            if mode == "acme":
                if not svc.get("hostnames"):
                    self.err(_join(path, "hostnames"), "is required with tls mode acme: the certificate is for "
                             "these names")
                elif "acme_directory" not in tls:
                    self.err(_join(tpath, "acme_directory"), "is required with tls mode acme: the https:// URL of "
                             "the ACME directory (e.g. Let's Encrypt's)")
                url = urlparse(str(tls.get("acme_directory", "")))
                if "acme_directory" in tls and (url.scheme != "https" or not url.hostname):
                    self.err(_join(tpath, "acme_directory"), "must be the https:// URL of the ACME directory")
                if "email" in tls and not re.match(r"^[^@\s]+@[^@\s]+$", str(tls["email"])):
                    self.err(_join(tpath, "email"), "'%s' is not an e-mail address" % tls["email"])
            elif isinstance(mode, str) and mode in schema.TLS.fields["mode"].choices:
                for key in ("acme_directory", "email", "ca_root"):
                    if key in tls:
                        self.err(_join(tpath, key), "is only read with tls mode acme, and this service's mode is %s: "
                                 "remove it or set mode: acme" % mode)

    def check_dns(self, svc, path):
        zpath = _join(path, "zones")
        names = {}
        for i, zone in enumerate(_items(svc.get("zones"))):
            p = _join(zpath, i)
            if not isinstance(zone, dict):
                continue
            zname = zone.get("name")
            if not rules.is_hostname(zname):
                self.err(_join(p, "name"), "'%s' is not a valid zone name" % (zname,))
                origin = None
            else:
                origin = zname.rstrip(".").lower()
                if origin in names:
                    self.err(_join(p, "name"), "zone %s is already defined at %s" % (zname, names[origin]))
                elif origin in self.zone_owner:
                    # NSD on every instance serves every zone of every DNS service; two services cannot both be
                    # authoritative for one zone (one SOA, RFC 1035 section 4.3.4).
                    self.err(_join(p, "name"), "zone %s is already served by %s: each zone is served by one DNS "
                             "service only" % (origin, self.zone_owner[origin]))
                names[origin] = p
                self.zone_owner.setdefault(origin, p)
            if "hostmaster" in zone and not rules.is_hostname(str(zone["hostmaster"]).replace("@", ".")):
                self.err(_join(p, "hostmaster"), "'%s' is not a valid SOA mailbox name" % zone["hostmaster"])
            if "ttl" in zone:
                self.err(_join(p, "ttl"), "is not supported yet: every zone's default TTL is the DNS role's "
                         "(nsd_default_ttl, 300 s); set ttl on the records that need another")
            owners = {}
            for j, rec in enumerate(_items(zone.get("records"))):
                rpath = _join(p, "records[%d]" % j)
                owner = self.guard(rpath, self.check_record, rec, rpath, origin)
                if owner is not None:
                    owners.setdefault(owner, []).append((rec.get("type"), rpath))
            if origin is not None:
                self.check_cnames(owners, origin)

    def check_cnames(self, owners, origin):
        """RFC 1034 section 3.6.2 and RFC 2181 section 10.1: a name with a CNAME has no other data. The apex always
        has the SOA and NS records, so a CNAME cannot be there (NSD refuses such a zone)."""
        for owner, entries in owners.items():
            cnames = [rpath for rtype, rpath in entries if rtype == "CNAME"]
            if not cnames:
                continue
            if owner == origin + ".":
                self.err(cnames[0], "a CNAME cannot be at the zone apex (%s), which has the zone's SOA and NS records "
                         "(RFC 1034 section 3.6.2, RFC 2181 section 10.1); use A/AAAA records there" % origin)
            elif len(entries) > 1:
                others = [rpath for rtype, rpath in entries if rpath != cnames[0]]
                self.err(cnames[0], "a CNAME at %s cannot share its name with other records (%s): a name with a "
                         "CNAME has no other data (RFC 1034 section 3.6.2, RFC 2181 section 10.1)"
                         % (owner, ", ".join(others)))

    def check_record(self, rec, path, origin=None):
        """One record as the zone writer and NSD would take it. Returns its absolute owner name (lower case, with
        the trailing dot) when the name is valid and the zone's origin known, else None."""
        if not isinstance(rec, dict):
            return None
        name, rtype, value = rec.get("name"), rec.get("type"), rec.get("value")
        owner = None
        if not isinstance(name, str) or not _owner_ok(name):
            self.err(_join(path, "name"), "'%s' is not a valid owner name (use @ for the zone apex)" % (name,))
        elif origin is not None:
            owner = _absolute(name, origin)
            if not (owner == origin + "." or owner.endswith("." + origin + ".")):
                self.err(_join(path, "name"), "%s is outside the zone %s: a zone only holds names at or below its "
                         "origin (RFC 1034 section 4.2); write the name relative to the zone, or @ for the apex"
                         % (name, origin))
                owner = None
        if rtype not in rules.RECORD_TYPES:
            return owner
        vpath = _join(path, "value")
        if not isinstance(value, (str, int)) or isinstance(value, bool) or str(value) == "":
            self.err(vpath, "is required")
            return owner
        value = str(value)
        if "\n" in value or "\r" in value:
            self.err(vpath, "must be one line: a newline would inject records into the zone file")
            return owner
        message = _record_problem(rtype, value)
        if message:
            self.err(vpath, message)
        return owner

    # -- PoPs ----------------------------------------------------------------------
    def check_pops(self, pops, defaults):
        if not isinstance(pops, dict):
            return
        groups = {}
        for name, pop in pops.items():
            path = "pops.%s" % name
            if not isinstance(name, str) or not rules.NAME_RE.match(name):
                self.err(path, "'%s' is not a usable PoP name: 1-32 lowercase letters, digits and dashes, starting "
                         "and ending with a letter or digit" % (name,))
            else:
                group = "pop_" + name.replace("-", "_")
                if group in groups:
                    self.err(path, "PoP name '%s' collides with pops.%s (both become inventory group %s)"
                             % (name, groups[group], group))
                groups[group] = name
            if not isinstance(pop, dict):
                continue
            self.guard(path, self.check_pop, name, pop, path, defaults)

    def check_pop(self, name, pop, path, defaults):
        provider = pop.get("provider")
        count = 0
        if provider in ("lab", "vultr"):
            region = pop.get("region")
            if not isinstance(region, str) or not re.match(r"^[a-z][a-z0-9-]{1,15}$", region):
                self.err(_join(path, "region"), "'%s' is not a region code (e.g. ams, lhr, ewr)" % (region,))
            elif provider == "lab" and self.known_lab_regions is not None and region not in self.known_lab_regions:
                self.err(_join(path, "region"), "the lab topology has no region '%s' (it has: %s)"
                         % (region, ", ".join(sorted(self.known_lab_regions))))
            if "hosts" in pop:
                self.err(_join(path, "hosts"), "only static PoPs list hosts; %s PoPs are given an instance count"
                         % provider)
            value = pop.get("instances")
            if _is_int(value) and 1 <= value <= rules.MAX_INSTANCES_PER_POP:
                count = value
                for n in range(1, value + 1):
                    self.claim_host("%s-%d" % (name, n), path)
        elif provider == "static":
            if "instances" in pop:
                self.err(_join(path, "instances"), "a static PoP has the hosts it lists; remove instances")
            count = self.check_static_hosts(pop.get("hosts"), _join(path, "hosts"))
        if "monthly_cost" in pop and provider in ("vultr", "lab"):
            self.err(_join(path, "monthly_cost"), "is for static PoPs: a vultr PoP is priced from its plan at Vultr, "
                     "a lab PoP costs nothing; remove it" if provider == "vultr" else
                     "is for static PoPs: a lab PoP costs nothing; remove it")
        if "vultr" in pop:
            if provider != "vultr":
                self.err(_join(path, "vultr"), "Vultr settings only apply to PoPs with provider vultr")
            self.check_vultr(pop["vultr"], _join(path, "vultr"))
        self.check_te(pop, path)
        if "upstreams" in pop:
            self.check_upstreams(pop["upstreams"], _join(path, "upstreams"))
        elif not isinstance(defaults.get("upstreams"), list) or not defaults.get("upstreams"):
            self.err(_join(path, "upstreams"), "is required (or set defaults.upstreams): a PoP without a BGP session "
                     "announces nothing")
        if "geodns_fallback" in pop:
            self.check_locations(pop["geodns_fallback"], _join(path, "geodns_fallback"))
        return count

    def claim_host(self, host, path):
        if host in self.host_names:
            self.err(path, "instance name %s is also produced by %s: rename one of the PoPs or hosts"
                     % (host, self.host_names[host]))
        else:
            self.host_names[host] = path

    def check_static_hosts(self, hosts, path):
        for i, host in enumerate(_items(hosts)):
            hpath = _join(path, i)
            if not isinstance(host, dict):
                continue
            hname = host.get("name")
            if not isinstance(hname, str) or not rules.is_hostname(hname) or "." in hname:
                self.err(_join(hpath, "name"), "'%s' is not a usable host name (lowercase letters, digits, dashes)"
                         % (hname,))
            else:
                self.claim_host(hname, hpath)
            if "address" not in host and "address6" not in host:
                self.err(hpath, "needs address (IPv4) or address6 (IPv6): the instance's own unicast address")
            for key, version in (("address", 4), ("address6", 6)):
                if key in host:
                    ip = _ip(host[key])
                    if ip is None or ip.version != version:
                        self.err(_join(hpath, key), "'%s' is not an IPv%d address" % (host[key], version))
                    elif self.anycast_use(ip):
                        self.err(_join(hpath, key), "%s is %s: an instance needs a unicast address of its provider"
                                 % (ip, self.anycast_use(ip)))
                    else:
                        self.unicast.append((ip, _join(hpath, key)))
        return len(hosts) if isinstance(hosts, list) else 0

    def check_vultr(self, vultr, path):
        if not isinstance(vultr, dict):
            return
        if "os_id" in vultr and "image_id" in vultr:
            self.err(path, "set os_id or image_id, not both")
        for key in ("ssh_keys", "tags"):
            if key in vultr:
                for i, item in enumerate(_items(vultr[key])):
                    if not isinstance(item, str) or not item.strip():
                        self.err(_join(path, "%s[%d]" % (key, i)), "must be a non-empty name")

    def check_te(self, item, path):
        for i, comm in enumerate(_items(item.get("communities"))):
            parts = str(comm).split(":")
            if len(parts) != 2 or not all(p.isdigit() and int(p) <= 65535 for p in parts):
                self.err(_join(path, "communities[%d]" % i), "'%s' is not a standard community: write ASN:value with "
                         "both numbers 0-65535, e.g. 64600:174 (for 4-byte ASNs use large_communities)" % (comm,))
        for i, comm in enumerate(_items(item.get("large_communities"))):
            parts = str(comm).split(":")
            if len(parts) != 3 or not all(p.isdigit() and int(p) <= 4294967295 for p in parts):
                self.err(_join(path, "large_communities[%d]" % i), "'%s' is not a large community: write "
                         "ASN:value:value with numbers 0-4294967295, e.g. 20473:6000:174" % (comm,))

    def check_upstreams(self, upstreams, path):
        for i, up in enumerate(_items(upstreams)):
            upath = _join(path, i)
            if isinstance(up, dict):
                self.guard(upath, self.check_upstream, up, upath)

    def check_upstream(self, up, upath):
        profile = up.get("profile")
        if profile not in rules.PROFILES:
            return
        if profile == "vultr":
            for key in ("neighbor", "asn", "multihop", "source"):
                if key in up:
                    self.err(_join(upath, key), "is fixed by the vultr profile (neighbour %s / %s, AS%d, multihop "
                             "%d, source = the instance's own address); use profile generic to set it"
                             % (rules.VULTR_NEIGHBOR4, rules.VULTR_NEIGHBOR6, rules.VULTR_PEER_ASN,
                                rules.VULTR_MULTIHOP))
            for key in ("import", "max_prefixes", "max_prefixes_action"):
                if key in up:
                    self.err(_join(upath, key), "is fixed by the vultr profile: nothing is accepted from Vultr's "
                             "route servers (import none); use profile generic to set it")
            if "host_routes" in up:
                self.err(_join(upath, "host_routes"), "is not used by the vultr profile: Vultr's sessions announce "
                         "the anycast prefixes only, never the instance's own /32 or /128; remove it")
            if "password" in up and not up["password"]:
                self.err(_join(upath, "password"), "is empty: the variable or lookup it references gave nothing")
        else:
            neighbor = _ip(up.get("neighbor"))
            if "neighbor" in up and neighbor is None:
                self.err(_join(upath, "neighbor"), "'%s' is not an IP address: BGP neighbours are addressed by IP"
                         % (up.get("neighbor"),))
            elif neighbor is not None:
                self.check_neighbor(neighbor, _join(upath, "neighbor"))
            if "asn" in up:
                peer = self.check_asn(up["asn"], _join(upath, "asn"))
                if peer is not None and peer == self.asn:
                    self.err(_join(upath, "asn"), "AS%d is your own ASN: upstream sessions are eBGP, to another AS"
                             % peer)
            if "source" in up:
                src = _ip(up["source"])
                if src is None:
                    self.err(_join(upath, "source"), "'%s' is not an IP address" % (up["source"],))
                elif neighbor is not None and src.version != neighbor.version:
                    self.err(_join(upath, "source"), "%s is IPv%d but the neighbour %s is IPv%d"
                             % (src, src.version, neighbor, neighbor.version))
                elif src == neighbor:
                    self.err(_join(upath, "source"), "%s is the neighbour's own address: the source is this "
                             "instance's unicast address" % src)
                else:
                    self.check_source(src, _join(upath, "source"))
            if "password" in up and not up["password"]:
                self.err(_join(upath, "password"), "is empty: the variable or lookup it references gave nothing; "
                         "remove the key for a session without a password")
            self.check_upstream_import(up, upath)
        self.check_password(up.get("password"), _join(upath, "password"))
        self.check_te(up, upath)
        if "provider_name" in up and (not isinstance(up["provider_name"], str) or "\n" in up["provider_name"]):
            self.err(_join(upath, "provider_name"), "must be one line of text")

    def anycast_use(self, ip):
        """Why `ip` is ours to announce (a service address or inside our prefixes), or None."""
        if ip in self.address_owner:
            return "the anycast service address %s" % self.address_owner[ip]
        net = next((n for n in self.prefixes if ip in n), None)
        return "inside our anycast prefix %s" % net if net is not None else None

    def check_neighbor(self, ip, path):
        ours = self.anycast_use(ip)
        if ours:
            self.err(path, "%s is %s: the neighbour is the provider's router, reached over the provider's network, "
                     "never one of our anycast addresses" % (ip, ours))
        elif ip.is_unspecified or ip.is_loopback or ip.is_multicast or ip == ipaddress.ip_address("255.255.255.255"):
            self.err(path, "%s cannot be a BGP neighbour (unspecified, loopback, multicast or broadcast address)" % ip)
        elif ip.version == 6 and ip.is_link_local:
            self.err(path, "%s is an IPv6 link-local address: a session to it needs the interface, which the intent "
                     "cannot name; use the router's global address" % ip)
        else:
            self.neighbors.append((ip, path))

    def check_source(self, ip, path):
        ours = self.anycast_use(ip)
        if ours:
            self.err(path, "%s is %s: a session from an anycast address would be answered by whichever instance is "
                     "nearest; the source must be this instance's own unicast address" % (ip, ours))
        elif ip.is_unspecified or ip.is_loopback or ip.is_multicast:
            self.err(path, "%s cannot be a session's source (unspecified, loopback or multicast address)" % ip)

    def check_address_pairs(self):
        """Every static host's own address against the others and against the neighbours."""
        seen = {}
        for ip, path in self.unicast:
            if ip in seen:
                self.err(path, "%s is also the address of %s: every host needs its own address" % (ip, seen[ip]))
            else:
                seen[ip] = path
        for ip, path in self.neighbors:
            if ip in seen:
                self.err(path, "%s is the address of the host %s: the neighbour is the provider's router, not one "
                         "of our instances" % (ip, seen[ip]))

    def check_password(self, password, path):
        if password is None or password == "":
            return
        if not isinstance(password, str):
            self.err(path, "must be a string (quote it in YAML)")
            return
        if BAD_PASSWORD_CHARS.search(password):
            self.err(path, "contains a quote, backslash or control character, which would break out of the quoted "
                     "password in bird.conf; use letters, digits and other punctuation")
        elif any(ord(c) > 126 for c in password):
            self.err(path, "contains non-ASCII characters; TCP-MD5 keys are compared byte for byte, keep them ASCII")
        if len(password.encode("utf-8")) > rules.MD5_MAX_KEYLEN:
            self.err(path, "is longer than %d bytes, the longest TCP-MD5 key Linux accepts" % rules.MD5_MAX_KEYLEN)

    def check_locations(self, locations, path):
        seen = {}
        for i, loc in enumerate(_items(locations)):
            lpath = _join(path, i)
            if not isinstance(loc, dict):
                continue
            if any(not isinstance(loc.get(key), str) for key in ("continent", "country", "subdivision") if key in loc):
                continue  # reported by the structure check with its path
            if "continent" in loc and "country" in loc:
                self.err(lpath, "give a continent or a country, not both (Route53 takes one)")
                continue
            if "continent" in loc:
                code = loc["continent"]
                if code not in CONTINENTS:
                    self.err(_join(lpath, "continent"), "'%s' is not a continent code: use one of %s"
                             % (code, ", ".join(sorted(CONTINENTS))))
                key = ("continent", code)
            elif "country" in loc:
                code = loc["country"]
                if code not in COUNTRIES:
                    self.err(_join(lpath, "country"), "'%s' is not an ISO 3166-1 alpha-2 country code (e.g. BR, ZA)"
                             % (code,))
                if "subdivision" in loc:
                    if code != "US":
                        self.err(_join(lpath, "subdivision"), "Route53 takes subdivisions for the US only")
                    elif loc["subdivision"] not in US_SUBDIVISIONS:
                        self.err(_join(lpath, "subdivision"), "'%s' is not a US state code (e.g. CA)"
                                 % loc["subdivision"])
                key = ("country", code, loc.get("subdivision"))
            else:
                self.err(lpath, "needs continent or country")
                continue
            if key in seen:
                self.err(lpath, "the same location is already listed at %s" % seen[key])
            seen[key] = lpath

    def check_geodns(self, geodns):
        check = geodns.get("health_check")
        if isinstance(check, dict) and check.get("protocol") == "tcp":
            for key in ("path", "host"):
                if key in check:
                    self.err("geodns.health_check." + key, "is not used by a tcp health check (Route53 only opens a "
                             "connection); remove it or use protocol http or https")
        zone = geodns.get("zone")
        if not rules.is_hostname(zone):
            self.err("geodns.zone", "'%s' is not a valid zone name (the Route53 hosted zone)" % (zone,))
        for i, host in enumerate(_items(geodns.get("hostnames"))):
            if not rules.is_hostname(host):
                self.err("geodns.hostnames[%d]" % i, "'%s' is not a valid host name" % (host,))
            elif rules.is_hostname(zone) and not (host.rstrip(".") + ".").endswith("." + zone.rstrip(".") + ".") \
                    and host.rstrip(".") != zone.rstrip("."):
                self.err("geodns.hostnames[%d]" % i, "%s is not inside the zone %s" % (host, zone))
        self.check_geodns_nameservers(zone, "hostnames" in geodns)

    def check_geodns_nameservers(self, zone, has_hostnames):
        """A DNS service's name servers that GeoDNS serves sit in the Route53 zone, not under their own delegation."""
        services = self.intent.get("services") if isinstance(self.intent.get("services"), dict) else {}
        inside = _inside(zone) if rules.is_hostname(zone) else None
        named = False
        for name, svc in services.items():
            if not isinstance(svc, dict):
                continue
            own = [str(z.get("name")) for z in _items(svc.get("zones")) if isinstance(z, dict) and z.get("name")]
            for i, host in enumerate(_items(svc.get("nameservers"))):
                if not rules.is_hostname(host):
                    continue
                named = named or (inside is not None and inside(host))
                for origin in own:
                    if rules.is_hostname(origin) and _inside(origin)(host):
                        self.err("services.%s.nameservers[%d]" % (name, i),
                                 "%s is inside the zone %s that this service serves: resolvers take its address from "
                                 "that zone (the anycast one), so a geolocation answer in the parent would be unused; "
                                 "name a host of the parent zone, e.g. ns1.%s" % (host, origin, zone))
        if not has_hostnames and not named:
            self.err("geodns", "names nothing to answer by location: list web names in geodns.hostnames, or give a "
                     "DNS service nameservers inside %s" % (zone,))

    def check_registry(self, reg):
        backend = reg.get("backend")
        if "url" in reg:
            url = urlparse(str(reg["url"]))
            if url.scheme not in ("http", "https") or not url.hostname:
                self.err("registry.url", "'%s' is not an http(s) URL" % reg["url"])
        elif backend == "irrd":
            self.err("registry.url", "is required for the irrd backend: the registry's base URL")
        if not reg.get("mnt_by") or not rules.MNTNER_RE.match(str(reg.get("mnt_by"))):
            self.err("registry.mnt_by", "'%s' is not a maintainer name (e.g. EXAMPLE-MNT)" % (reg.get("mnt_by"),)
                     if reg.get("mnt_by") else "is required: the maintainer that protects the route objects")
        if not reg.get("source") or not re.match(r"^[A-Z][A-Z0-9-]{1,30}$", str(reg.get("source"))):
            self.err("registry.source", "is required: the registry source, e.g. RIPE, TEST or RADB"
                     if not reg.get("source") else "'%s' is not a registry source name" % reg["source"])
        for key in ("descr",):
            if key in reg:
                self.check_rpsl_text(reg[key], "registry." + key)
        if not reg.get("api_key") and not reg.get("password"):
            self.err("registry", "needs api_key or password (referenced from a vault or the environment): the "
                     "registry refuses unauthenticated changes")
        loa = reg.get("loa")
        if isinstance(loa, dict):
            for key in ("holder", "signatory"):
                if not loa.get(key):
                    self.err("registry.loa." + key, "is required: the letter names the resource holder and who signs")
                else:
                    self.check_rpsl_text(loa[key], "registry.loa." + key)

    def check_rpsl_text(self, value, path):
        """The registry modules' own check, run here so the validate step reports it with the rest."""
        try:
            check_free_text(value, "the text")
        except RegistryError as exc:
            self.err(path, exc.msg[len("the text "):] if exc.msg.startswith("the text ") else exc.msg)


OWNER_LABEL = re.compile(r"^_?[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?$")
CAA_RE = re.compile(r'^(\d{1,3})\s+(issue|issuewild|iodef)\s+"((?:[^"\\]|\\.)*)"$')
TXT_QUOTED_RE = re.compile(r'^(?:"((?:[^"\\]|\\.)*)"\s*)+$')


def _owner_ok(name):
    """An owner name as the zone writer takes it: @, or labels of letters, digits, dashes and underscores
    (a leading underscore for SRV and TXT names such as _dmarc), `*` only as the first label (RFC 4592)."""
    if name == "@":
        return True
    bare = name[:-1] if name.endswith(".") else name
    labels = bare.lower().split(".")
    if not bare or len(bare) > 253:
        return False
    if labels[0] == "*":
        labels = labels[1:]
    return all(OWNER_LABEL.match(label) for label in labels)


def _absolute(name, origin):
    """The absolute owner name (lower case, trailing dot) of a record name of the zone `origin`."""
    if name == "@":
        return origin + "."
    if name.endswith("."):
        return name.lower()
    return ("%s.%s." % (name, origin)).lower()


def _u16(text):
    return text.isdigit() and int(text) <= 65535


def _record_problem(rtype, value):
    """What is wrong with one record's value, as NSD and the RFCs would judge it, or None."""
    ip = _ip(value)
    if rtype == "A" and (ip is None or ip.version != 4 or value != value.strip()):
        return "an A record needs an IPv4 address, not '%s'" % value
    if rtype == "AAAA" and (ip is None or ip.version != 6 or value != value.strip()):
        return "an AAAA record needs an IPv6 address, not '%s'" % value
    if rtype in ("CNAME", "NS") and not rules.is_hostname(value.lower()):
        return "a %s record needs a host name, not '%s'" % (rtype, value)
    if rtype == "MX":
        parts = value.split()
        # RFC 1035 section 3.3.9: preference (16 bits) and exchange; RFC 7505: "0 ." is the null MX.
        if len(parts) != 2 or not _u16(parts[0]) or not (rules.is_hostname(parts[1].lower()) or parts[1] == "."):
            return "an MX record is 'preference host', e.g. '10 mail.example.net.', not '%s'" % value
    if rtype == "SRV":
        parts = value.split()
        # RFC 2782: priority, weight and port (16 bits each), then the target host ("." for no service).
        if len(parts) != 4 or not all(_u16(p) for p in parts[:3]) \
                or not (rules.is_hostname(parts[3].lower()) or parts[3] == "."):
            return ("an SRV record is 'priority weight port target' with numbers 0-65535 (RFC 2782), e.g. "
                    "'10 5 443 www.example.net.', not '%s'" % value)
    if rtype == "CAA":
        match = CAA_RE.match(value)
        # RFC 8659 section 4.1: flags 0-255, tag issue, issuewild or iodef, value in quotes.
        if not match or int(match.group(1)) > 255:
            return ("a CAA record is 'flags tag \"value\"' with flags 0-255 and tag issue, issuewild or iodef "
                    "(RFC 8659), e.g. '0 issue \"letsencrypt.org\"', not '%s'" % value)
        if match.group(2) == "iodef" and not re.match(r"^(mailto:|https?://)", match.group(3)):
            return "a CAA iodef value is a mailto: or https:// URL (RFC 8659 section 4.4), not '%s'" % match.group(3)
    if rtype == "TXT":
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            return "a TXT record cannot hold control characters"
        if value.startswith('"'):
            # Written as it is: quoted strings of at most 255 bytes each (RFC 1035 section 3.3.14).
            match = TXT_QUOTED_RE.match(value)
            if not match or any(len(s.encode("utf-8")) > 255 for s in re.findall(r'"((?:[^"\\]|\\.)*)"', value)):
                return ("a TXT value that starts with a quote is written to the zone as it is: it must be quoted "
                        "strings of at most 255 bytes each, e.g. '\"v=spf1 -all\"'; or write it without quotes")
    return None


def _kind_of(value):
    """What a value is, without the value itself (for secrets)."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else "text"


def _describe(value):
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "the boolean %s" % str(value).lower()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return "the number %s" % value
    return "'%s'" % value


def validate(intent, known_lab_regions=None):
    """Every problem of the intent, in the order found. Never raises."""
    validator = Validator(intent, known_lab_regions=known_lab_regions)
    try:
        return validator.run()
    except Exception as exc:  # a bug here must not hide the problems found so far behind a traceback
        return validator.problems + [Problem("anycast_intent", "could not be checked completely (%s: %s); "
                                             "please report this" % (type(exc).__name__, exc))]
