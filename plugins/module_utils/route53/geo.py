# -*- coding: utf-8 -*-
# Copyright: contributors to the anycast.network collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""GeoDNS unicast fallback: the pure part (no API calls).

It turns the module's parameters into the records and health checks a hostname should have, checks everything
Route53 would reject (and what moto, the emulator the tests use, silently accepts), and computes the change batch
from what the zone holds. ``plugins/module_utils/route53/client.py`` does the API calls.

Ownership: every record this collection writes carries a SetIdentifier ``<owner>:<label>:<type>:<location>``, every
health check it creates a CallerReference ``<owner>:<random>``. Only those are ever changed or deleted.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re

from ansible_collections.anycast.network.plugins.module_utils.route53.geo_codes import (
    CONTINENTS,
    COUNTRIES,
    US_SUBDIVISIONS,
)

RECORD_TYPES = ("A", "AAAA")
TTL_MAX = 86400
TTL_ADVISED_MAX = 300
TTL_ADVISED_MIN = 10
SET_IDENTIFIER_MAX = 128
CALLER_REFERENCE_MAX = 64
OWNER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
HEALTH_CHECK_ID_RE = re.compile(r"^[0-9A-Za-z-]{1,64}$")
# Addresses Route53 health checkers cannot reach (they probe from the internet): checking them always fails.
UNREACHABLE_NETS = [
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8",
    )
]
# Compared when deciding whether an existing health check is the one wanted.
ENDPOINT_CHECK_KEYS = (
    "Type", "IPAddress", "Port", "ResourcePath", "FullyQualifiedDomainName", "RequestInterval",
    "FailureThreshold", "EnableSNI",
)


class Route53GeoError(Exception):
    """One or more problems, each a sentence a network engineer understands."""

    def __init__(self, errors):
        if isinstance(errors, str):
            errors = [errors]
        self.errors = list(errors)
        super().__init__("; ".join(self.errors))


def fqdn(name):
    """Lower case with the trailing dot, as Route53 lists names."""
    name = (name or "").strip().lower()
    return name if name.endswith(".") else name + "."


def location_key(location):
    """A short stable key for a location: default, continent-SA, country-ZA, country-US-CA."""
    if location is None:
        return "default"
    if location.get("continent"):
        return "continent-" + location["continent"]
    if location.get("subdivision"):
        return "country-%s-%s" % (location["country"], location["subdivision"])
    return "country-" + location["country"]


def geo_location(location):
    """The Route53 GeoLocation member for a location (None is the default record)."""
    if location is None:
        return {"CountryCode": "*"}
    if location.get("continent"):
        return {"ContinentCode": location["continent"]}
    geo = {"CountryCode": location["country"]}
    if location.get("subdivision"):
        geo["SubdivisionCode"] = location["subdivision"]
    return geo


def describe_location(location):
    if location is None:
        return "everywhere else (default record)"
    if location.get("continent"):
        return "continent %s (%s)" % (location["continent"], CONTINENTS[location["continent"]])
    if location.get("subdivision"):
        return "US state %s (%s)" % (location["subdivision"], US_SUBDIVISIONS[location["subdivision"]])
    return "country %s (%s)" % (location["country"], COUNTRIES[location["country"]])


def set_identifier(owner, label, rtype, key):
    """``<owner>:<label>:<type>:<location>``; unique in the zone (not only per name and type), so that a tool
    deleting by SetIdentifier alone cannot hit another record; a hash stands in for a label too long."""
    ident = "%s:%s:%s:%s" % (owner, label, rtype, key)
    if len(ident) > SET_IDENTIFIER_MAX:
        digest = hashlib.sha256(label.encode()).hexdigest()[:16]
        ident = "%s:%s:%s:%s" % (owner, digest, rtype, key)
    return ident


def owner_prefix(owner):
    return owner + ":"


def normalise_address(value):
    return ipaddress.ip_address(value.strip()).compressed


def _split_addresses(addresses, where, errors):
    by_type = {"A": [], "AAAA": []}
    for value in addresses or []:
        try:
            addr = ipaddress.ip_address(str(value).strip())
        except ValueError:
            errors.append("%s: %r is not an IPv4 or IPv6 address" % (where, value))
            continue
        rtype = "A" if addr.version == 4 else "AAAA"
        if addr.compressed not in by_type[rtype]:
            by_type[rtype].append(addr.compressed)
    for rtype in by_type:
        by_type[rtype].sort(key=ipaddress.ip_address)
    return by_type


def _check_location(fallback, where, errors):
    """Normalise and check one location; returns a dict or None when it is unusable."""
    continent = (fallback.get("continent") or "").strip().upper() or None
    country = (fallback.get("country") or "").strip().upper() or None
    subdivision = (fallback.get("subdivision") or "").strip().upper() or None
    bad = False
    if continent and (country or subdivision):
        errors.append(
            "%s: give a continent or a country, not both (continent %s, country %s): Route53 rejects a "
            "GeoLocation with ContinentCode and CountryCode" % (where, continent, country or "-")
        )
        bad = True
    if not continent and not country:
        errors.append("%s: give a location: continent (one of %s) or country (ISO 3166-1 alpha-2)"
                      % (where, ", ".join(sorted(CONTINENTS))))
        bad = True
    if subdivision and country != "US":
        errors.append(
            "%s: subdivision %s needs country US (Route53 geolocation takes subdivisions of the United States "
            "only), got country %s" % (where, subdivision, country or "-")
        )
        bad = True
    if continent and not bad and continent not in CONTINENTS:
        errors.append("%s: %r is not a continent code; use one of %s"
                      % (where, continent, ", ".join(sorted(CONTINENTS))))
        bad = True
    if country and not bad:
        if country == "*":
            errors.append("%s: country '*' is the default record, which always carries the anycast addresses; "
                          "name a real location" % where)
            bad = True
        elif country not in COUNTRIES:
            errors.append("%s: %r is not an ISO 3166-1 alpha-2 country code" % (where, country))
            bad = True
    if subdivision and not bad and subdivision not in US_SUBDIVISIONS:
        errors.append("%s: %r is not a US state code (ISO 3166-2:US, e.g. CA, NY, TX)" % (where, subdivision))
        bad = True
    if bad:
        return None
    return {"continent": continent, "country": country, "subdivision": subdivision}


def _check_health_address(address, where, errors):
    addr = ipaddress.ip_address(address)
    for net in UNREACHABLE_NETS:
        if addr.version == net.version and addr in net:
            errors.append(
                "%s: %s is in %s, which Route53 health checkers cannot reach from the internet; "
                "a fallback needs public unicast addresses" % (where, address, net)
            )
            return


def build_plan(params):
    """Check the parameters and return the desired state, or raise Route53GeoError with every problem found.

    Nothing here talks to AWS: a bad intent is reported before any API call.
    """
    errors = []
    warnings = []
    zone = fqdn(params.get("zone"))
    name = fqdn(params.get("name"))
    owner = params.get("owner") or ""
    state = params.get("state") or "present"

    if zone == ".":
        errors.append("zone: give the Route53 hosted zone name, e.g. example.com")
    if name == ".":
        errors.append("name: give the hostname to manage, e.g. www.example.com")
    elif zone != "." and not (name == zone or name.endswith("." + zone)):
        errors.append("name: %s is not inside the zone %s" % (name.rstrip("."), zone.rstrip(".")))
    if not OWNER_RE.match(owner):
        errors.append("owner: %r must be 1-40 characters of letters, digits, '.', '_' or '-', starting with a "
                      "letter or digit (it prefixes the SetIdentifier of every record this collection owns)" % owner)

    label = "@" if name == zone else name[: -len(zone) - 1] if name.endswith("." + zone) else name.rstrip(".")

    ttl = params.get("ttl")
    if ttl is None or not isinstance(ttl, int) or ttl <= 0 or ttl > TTL_MAX:
        errors.append("ttl: %r must be between 1 and %d seconds" % (ttl, TTL_MAX))
    elif ttl > TTL_ADVISED_MAX:
        warnings.append(
            "ttl %d s: resolvers keep a fallback answer for up to the TTL, so when a fallback PoP fails its region "
            "returns to anycast only after health check detection plus %d s; 60-300 s is advised" % (ttl, ttl)
        )
    elif ttl < TTL_ADVISED_MIN:
        warnings.append("ttl %d s: answers this short multiply DNS queries (and Route53's bill) for little gain; "
                        "60 s is advised" % ttl)

    hc = dict(params.get("health_check") or {})
    hc_enabled = hc.get("enabled", True)
    protocol = (hc.get("protocol") or "http").lower()
    if protocol not in ("http", "https", "tcp"):
        errors.append("health_check.protocol: %r must be http, https or tcp" % protocol)
    port = hc.get("port") or (443 if protocol == "https" else 80)
    if not 1 <= int(port) <= 65535:
        errors.append("health_check.port: %r must be 1-65535" % port)
    path = hc.get("path")
    if protocol == "tcp" and path:
        errors.append("health_check.path: %r applies to http and https checks only, not tcp" % path)
    if protocol != "tcp":
        path = path or "/"
        if not path.startswith("/") or len(path) > 255:
            errors.append("health_check.path: %r must start with '/' and be at most 255 characters" % path)
    interval = hc.get("request_interval") or 30
    if interval not in (10, 30):
        errors.append("health_check.request_interval: %r must be 10 or 30 seconds" % interval)
    threshold = hc.get("failure_threshold") or 3
    if not 1 <= int(threshold) <= 10:
        errors.append("health_check.failure_threshold: %r must be 1-10" % threshold)
    check_fqdn = hc.get("fqdn")
    endpoint_template = {
        "Type": protocol.upper(),
        "Port": int(port),
        "RequestInterval": int(interval),
        "FailureThreshold": int(threshold),
    }
    if protocol != "tcp":
        endpoint_template["ResourcePath"] = path
    if check_fqdn:
        endpoint_template["FullyQualifiedDomainName"] = fqdn(check_fqdn).rstrip(".")
        if protocol == "https":
            endpoint_template["EnableSNI"] = True

    records = []
    fallbacks = []
    # Instances leaving the network (scale-down, decommission): their unicast addresses leave every fallback
    # before they are drained; a fallback left with no address goes, and its region gets the default record.
    leaving = _split_addresses(params.get("exclude_addresses"), "exclude_addresses", errors)
    leaving = set(leaving["A"]) | set(leaving["AAAA"])
    dropped = []
    if state == "present":
        default = _split_addresses(params.get("default_addresses"), "default_addresses", errors)
        if not default["A"] and not default["AAAA"]:
            errors.append("default_addresses: give the anycast addresses of the service (the default record "
                          "answers every location without a fallback)")
        anycast = set(default["A"]) | set(default["AAAA"])
        seen = {}
        for index, fallback in enumerate(params.get("fallbacks") or []):
            pop = fallback.get("pop") or "?"
            where = "fallbacks[%d] (PoP %s)" % (index, pop)
            location = _check_location(fallback, where, errors)
            addresses = _split_addresses(fallback.get("addresses"), where, errors)
            if leaving & (set(addresses["A"]) | set(addresses["AAAA"])):
                addresses = {rtype: [a for a in values if a not in leaving] for rtype, values in addresses.items()}
                if not addresses["A"] and not addresses["AAAA"]:
                    dropped.append(pop)
                    continue
            if not addresses["A"] and not addresses["AAAA"]:
                errors.append("%s: no unicast address; the PoP's instances need anycast_address or "
                              "anycast_address6 (is the PoP provisioned?)" % where)
            for addr in sorted(anycast & (set(addresses["A"]) | set(addresses["AAAA"]))):
                errors.append("%s: %s is an anycast address of the service, not a unicast address of the PoP"
                              % (where, addr))
            hc_id = fallback.get("health_check_id")
            if hc_id is not None and not HEALTH_CHECK_ID_RE.match(str(hc_id)):
                errors.append("%s: health_check_id %r is not a Route53 health check ID" % (where, hc_id))
            if hc_enabled and not hc_id:
                for addr in addresses["A"] + addresses["AAAA"]:
                    _check_health_address(addr, where, errors)
            if location is None:
                continue
            key = location_key(location)
            if key in seen:
                errors.append(
                    "%s and fallbacks[%d] (PoP %s) both claim %s: Route53 allows one record per location per "
                    "name and type" % (where, seen[key][0], seen[key][1], describe_location(location))
                )
                continue
            seen[key] = (index, pop)
            if not addresses["A"] and not addresses["AAAA"]:
                continue
            fallbacks.append({
                "pop": pop,
                "key": key,
                "location": location,
                "addresses": addresses,
                "health_check_id": hc_id,
            })
            if not addresses["AAAA"] and default["AAAA"]:
                warnings.append("%s: no IPv6 unicast address, so IPv6 clients in %s keep the anycast AAAA answer"
                                % (where, describe_location(location)))

        if not errors:
            for rtype in RECORD_TYPES:
                if default[rtype]:
                    records.append(_record(name, rtype, set_identifier(owner, label, rtype, "default"),
                                           geo_location(None), ttl, default[rtype], None, "default", None))
                for fb in fallbacks:
                    if fb["addresses"][rtype]:
                        records.append(_record(name, rtype, set_identifier(owner, label, rtype, fb["key"]),
                                               geo_location(fb["location"]), ttl, fb["addresses"][rtype],
                                               fb, fb["key"], fb["pop"]))
            idents = [r["SetIdentifier"] for r in records]
            dupes = sorted({i for i in idents if idents.count(i) > 1})
            if dupes:
                errors.append("SetIdentifiers are not unique: %s" % ", ".join(dupes))
    if errors:
        raise Route53GeoError(errors)

    return {
        "zone": zone,
        "name": name,
        "label": label,
        "owner": owner,
        "state": state,
        "ttl": ttl,
        "records": records,
        "health_check": {"enabled": bool(hc_enabled), "template": endpoint_template},
        "warnings": warnings,
        "dropped_fallbacks": dropped,
    }


def _record(name, rtype, ident, geo, ttl, values, fallback, key, pop):
    return {
        "Name": name,
        "Type": rtype,
        "SetIdentifier": ident,
        "GeoLocation": geo,
        "TTL": ttl,
        "values": list(values),
        "key": key,
        "pop": pop,
        "fallback": fallback,
    }


def endpoint_check_config(template, address):
    config = dict(template)
    config["IPAddress"] = address
    return config


def endpoint_check_matches(existing_config, wanted):
    for key in ENDPOINT_CHECK_KEYS:
        have = existing_config.get(key)
        want = wanted.get(key)
        if key == "EnableSNI":
            have, want = bool(have), bool(want)
        elif key == "IPAddress" and have:
            try:
                have = normalise_address(have)
            except ValueError:
                pass
        elif key == "FullyQualifiedDomainName" and have:
            have = have.rstrip(".").lower()
        if have != want:
            return False
    return True


def calculated_check_matches(existing_config, children):
    return (
        existing_config.get("Type") == "CALCULATED"
        and int(existing_config.get("HealthThreshold") or 0) == 1
        and sorted(existing_config.get("ChildHealthChecks") or []) == sorted(children)
    )


def rrset_to_api(record, health_check_id=None):
    """A desired record as the ResourceRecordSet the API takes."""
    rrset = {
        "Name": record["Name"],
        "Type": record["Type"],
        "SetIdentifier": record["SetIdentifier"],
        "GeoLocation": dict(record["GeoLocation"]),
        "TTL": record["TTL"],
        "ResourceRecords": [{"Value": v} for v in record["values"]],
    }
    if health_check_id:
        rrset["HealthCheckId"] = health_check_id
    return rrset


def rrset_comparable(rrset):
    """What decides whether an existing record set already is the wanted one."""
    values = []
    for rr in rrset.get("ResourceRecords") or []:
        try:
            values.append(normalise_address(rr["Value"]))
        except ValueError:
            values.append(rr["Value"])
    geo = {k: v for k, v in (rrset.get("GeoLocation") or {}).items() if v}
    return {
        "Name": fqdn(rrset["Name"]),
        "Type": rrset["Type"],
        "SetIdentifier": rrset.get("SetIdentifier"),
        "GeoLocation": geo,
        "TTL": rrset.get("TTL"),
        "Values": sorted(values),
        "HealthCheckId": rrset.get("HealthCheckId"),
        "AliasTarget": rrset.get("AliasTarget"),
    }


def rrset_summary(rrset):
    """A readable form for results and diffs."""
    comp = rrset_comparable(rrset)
    out = {
        "name": comp["Name"],
        "type": comp["Type"],
        "set_identifier": comp["SetIdentifier"],
        "geo_location": comp["GeoLocation"],
        "ttl": comp["TTL"],
        "values": comp["Values"],
    }
    if comp["HealthCheckId"]:
        out["health_check_id"] = comp["HealthCheckId"]
    return out


def unescape_name(name):
    r"""Route53 lists some characters octal-escaped (``\052`` for ``*``)."""
    return re.sub(r"\\(\d{3})", lambda m: chr(int(m.group(1), 8)), name)


def zone_conflicts(plan, zone_records):
    """Problems with records this collection does not own, found before any change."""
    errors = []
    owned_prefix = owner_prefix(plan["owner"])
    name = plan["name"]
    wanted_types = {r["Type"] for r in plan["records"]}
    wanted_geo = {(r["Type"], tuple(sorted(r["GeoLocation"].items()))) for r in plan["records"]}
    wanted_ids = {(r["Type"], r["SetIdentifier"]) for r in plan["records"]}
    for rrset in zone_records:
        if fqdn(unescape_name(rrset["Name"])) != name:
            continue
        ident = rrset.get("SetIdentifier")
        if ident and ident.startswith(owned_prefix):
            continue
        rtype = rrset["Type"]
        if rtype == "CNAME" and plan["records"]:
            errors.append("%s has a CNAME record; it cannot also have A/AAAA geolocation records"
                          % name.rstrip("."))
            continue
        if rtype not in wanted_types:
            continue
        geo = {k: v for k, v in (rrset.get("GeoLocation") or {}).items() if v}
        if not geo:
            errors.append(
                "%s %s already has a record that is not a geolocation record (SetIdentifier %s) and that this "
                "collection does not own; Route53 does not mix it with geolocation records: remove it or use "
                "another hostname" % (name.rstrip("."), rtype, ident or "none")
            )
        elif (rtype, tuple(sorted(geo.items()))) in wanted_geo:
            errors.append(
                "%s %s already has a geolocation record for %s (SetIdentifier %s) that this collection does not "
                "own; Route53 allows one record per location: remove it or drop that location"
                % (name.rstrip("."), rtype, geo, ident)
            )
        elif (rtype, ident) in wanted_ids:
            errors.append("%s %s: SetIdentifier %s is already used by a record this collection does not own"
                          % (name.rstrip("."), rtype, ident))
    return errors
