# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authoritative zones from the intent: records checked and normalised, and an SOA serial that changes only when
the zone's content does (documented in zone_records.yml and zone_serial.yml beside this file)."""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import json
import re

try:
    from ansible.errors import AnsibleFilterError
except ImportError:  # pragma: no cover - outside Ansible
    AnsibleFilterError = ValueError

LABEL = r"(?:\*|_?[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)"
HOSTNAME_RE = re.compile(r"^(?:%s\.)*%s\.?$" % (LABEL, LABEL))
TYPES = ("A", "AAAA", "CNAME", "MX", "TXT", "NS", "SRV", "CAA", "PTR")
HEADER_RE = re.compile(r"^; anycast\.network zone content ([0-9a-f]{64}) serial ([0-9]+)$", re.M)


def _fail(path, msg):
    raise AnsibleFilterError("%s: %s" % (path, msg))


def _host(value, path, what):
    value = str(value).strip()
    if value != "." and not HOSTNAME_RE.match(value):
        _fail(path, "%s %r is not a host name" % (what, value))
    return value


def zone_origin(name):
    """A zone's origin as NSD, its zone file and zone_records_by_origin name it: lower case, no trailing dot."""
    return str(name).rstrip(".").lower()


def _absolute(name, origin):
    """A name of the intent (`@`, relative or absolute with a trailing dot) as an absolute name."""
    if name in ("@", ""):
        return origin + "."
    if name.endswith("."):
        return name.lower()
    return ("%s.%s." % (name, origin)).lower()


def _txt(value):
    raw = str(value)
    if raw.startswith('"'):
        return raw  # already in zone file form
    data = raw.replace("\\", "\\\\").replace('"', '\\"')
    chunks = [data[i:i + 255] for i in range(0, len(data), 255)] or [""]
    return " ".join('"%s"' % c for c in chunks)


def _rdata(rtype, value, path):
    value = str(value).strip()
    if rtype == "A":
        try:
            return str(ipaddress.IPv4Address(value))
        except ValueError:
            _fail(path, "value %r is not an IPv4 address" % value)
    if rtype == "AAAA":
        try:
            return str(ipaddress.IPv6Address(value))
        except ValueError:
            _fail(path, "value %r is not an IPv6 address" % value)
    if rtype in ("CNAME", "NS", "PTR"):
        return _host(value, path, "target")
    if rtype == "MX":
        parts = value.split()
        if len(parts) != 2 or not parts[0].isdigit() or int(parts[0]) > 65535:
            _fail(path, "MX value %r must be '<preference 0-65535> <host>'" % value)
        return "%d %s" % (int(parts[0]), _host(parts[1], path, "mail exchanger"))
    if rtype == "SRV":
        parts = value.split()
        if len(parts) != 4 or not all(p.isdigit() and int(p) <= 65535 for p in parts[:3]):
            _fail(path, "SRV value %r must be '<priority> <weight> <port> <target>'" % value)
        return "%s %s %s %s" % (int(parts[0]), int(parts[1]), int(parts[2]), _host(parts[3], path, "target"))
    if rtype == "CAA":
        m = re.match(r'^(\d{1,3})\s+(issue|issuewild|iodef)\s+(".*")$', value)
        if not m or int(m.group(1)) > 255:
            _fail(path, "CAA value %r must be '<flags> issue|issuewild|iodef \"<value>\"'" % value)
        return value
    if rtype == "TXT":
        return _txt(value)
    _fail(path, "type %r is not supported (use one of %s)" % (rtype, ", ".join(TYPES)))
    return None  # unreachable


def zone_records(zone, addresses, path="services.dns.zones[0]", ns_label="ns1", default_ttl=300):
    """Every record of a zone except the SOA: NS at the anycast DNS addresses, glue, then the intent's records.

    Returns a list of {owner, ttl, type, rdata}. Raises an error naming the record's path in the intent when a record
    is not valid.
    """
    if not isinstance(zone, dict) or not zone.get("name"):
        _fail(path, "a zone needs a name")
    origin = zone_origin(zone["name"])
    _host(origin, path + ".name", "zone name")
    ns_name = "%s.%s." % (ns_label, origin)
    out = [{"owner": origin + ".", "ttl": int(default_ttl), "type": "NS", "rdata": ns_name}]
    records = zone.get("records", []) or []
    owners_with_data = {}
    normalised = []
    for i, rec in enumerate(records):
        rpath = "%s.records[%d]" % (path, i)
        if not isinstance(rec, dict):
            _fail(rpath, "a record is a mapping with name, type and value")
        for key in ("name", "type", "value"):
            if key not in rec or rec[key] in (None, ""):
                _fail(rpath, "%s is required" % key)
        rtype = str(rec["type"]).upper()
        if rtype not in TYPES:
            _fail(rpath, "type %r is not supported (use one of %s)" % (rec["type"], ", ".join(TYPES)))
        name = str(rec["name"]).strip()
        if name != "@":
            _host(name, rpath, "name")
        owner = _absolute(name, origin)
        if not (owner == origin + "." or owner.endswith("." + origin + ".")):
            _fail(rpath, "name %r is outside the zone %s" % (name, origin))
        ttl = rec.get("ttl", default_ttl)
        if not isinstance(ttl, int) or isinstance(ttl, bool) or not 0 <= ttl <= 2147483647:
            _fail(rpath, "ttl %r must be an integer of seconds" % (ttl,))
        if rtype == "CNAME" and owner == origin + ".":
            _fail(rpath, "a CNAME cannot sit at the zone apex")
        normalised.append({"owner": owner, "ttl": ttl, "type": rtype, "rdata": _rdata(rtype, rec["value"], rpath)})
        owners_with_data.setdefault(owner, []).append((rtype, rpath))
    for owner, kinds in owners_with_data.items():
        types = {entry[0] for entry in kinds}
        if "CNAME" in types and len(kinds) > 1:
            _fail([p for t, p in kinds if t == "CNAME"][0], "a CNAME at %s cannot share its name with other records" % owner)
    if ns_name not in owners_with_data:
        for addr in addresses or []:
            ip = ipaddress.ip_address(str(addr))
            out.append({"owner": ns_name, "ttl": int(default_ttl), "type": "A" if ip.version == 4 else "AAAA",
                        "rdata": str(ip)})
    out.extend(normalised)
    return out


def zone_records_by_origin(services, ns_label="ns1", default_ttl=300):
    """Every zone of the DNS services, checked by zone_records: {origin: records}. Raises an error naming the
    path in the intent of a zone that a service lists a second time (each zone is served by one DNS service)."""
    out, seen = {}, {}
    for service in services or []:
        for index, zone in enumerate(service.get("zones") or []):
            path = "services.%s.zones[%d]" % (service.get("name"), index)
            records = zone_records(zone, service.get("addresses") or [], path, ns_label, default_ttl)
            origin = zone_origin(zone["name"])
            if origin in seen:
                _fail(path, "zone %s is already served at %s: every zone by one DNS service only"
                      % (origin, seen[origin]))
            seen[origin] = path
            out[origin] = records
    return out


def zone_content_hash(records, soa=None):
    """A hash of everything in the zone but the serial."""
    blob = json.dumps({"records": records, "soa": soa or {}}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def zone_serial(content_hash, previous_zone="", today=None):
    """The SOA serial for a zone whose content hashes to content_hash.

    previous_zone is the zone file now installed (empty when none). It starts with the header line
    `; anycast.network zone content <hash> serial <n>`. Same content: the same serial. New content:
    YYYYMMDD00 of today (UTC), or the previous serial + 1 when that is not lower (serial arithmetic, RFC 1982,
    only ever moves forward here).
    """
    prev_hash, prev_serial = None, None
    m = HEADER_RE.search(str(previous_zone or ""))
    if m:
        prev_hash, prev_serial = m.group(1), int(m.group(2))
    if prev_hash == content_hash and prev_serial is not None:
        return prev_serial
    if today is None:
        today = datetime.datetime.now(datetime.timezone.utc).date()
    elif isinstance(today, str):
        today = datetime.date.fromisoformat(today)
    base = int(today.strftime("%Y%m%d")) * 100
    if prev_serial is not None and prev_serial >= base:
        return (prev_serial + 1) % 4294967296
    return base


class FilterModule:
    def filters(self):
        return {
            "zone_records": zone_records,
            "zone_records_by_origin": zone_records_by_origin,
            "zone_content_hash": zone_content_hash,
            "zone_serial": zone_serial,
            "zone_origin": zone_origin,
        }
