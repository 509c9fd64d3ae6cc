# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Facts about numbers and names the intent validation relies on, each with its source."""

from __future__ import annotations

import ipaddress
import re

# ASNs that can never be an origin AS.
# 0: RFC 7607; 23456 AS_TRANS: RFC 6793; 65535 and 4294967295: last ASNs, reserved (RFC 7300);
# 65552-131071: reserved by IANA (iana.org/assignments/as-numbers).
RESERVED_ASNS = {
    0: "AS0 is reserved (RFC 7607) and must never originate a route",
    23456: "AS23456 is AS_TRANS (RFC 6793), a placeholder for 4-byte ASNs, not a real ASN",
    65535: "AS65535 is reserved (RFC 7300)",
    4294967295: "AS4294967295 is reserved (RFC 7300)",
}
RESERVED_ASN_RANGES = [(65552, 131071, "is in 65552-131071, reserved by IANA")]
# Documentation ASNs: RFC 5398.
DOCUMENTATION_ASN_RANGES = [(64496, 64511), (65536, 65551)]
# Private-use ASNs: RFC 6996.
PRIVATE_ASN_RANGES = [(64512, 65534), (4200000000, 4294967294)]

# Documentation prefixes: RFC 5737 (IPv4), RFC 3849 (IPv6).
DOCUMENTATION_NETS = [ipaddress.ip_network(n) for n in (
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")]
# Not globally routable (RFC 1918, RFC 6598, RFC 1122, RFC 3927, RFC 5771, RFC 1112, RFC 4193, RFC 4291).
NON_ROUTABLE_NETS = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4",
    "::/8", "fc00::/7", "fe80::/10", "ff00::/8")]

# Longest prefixes transit providers accept (anycast_tooling: NLNOG BGP filter guide, Pathvector
# reject_out_of_bounds_routes()).
MAX_PREFIXLEN = {4: 24, 6: 48}

# A full table through a generic upstream (docs/import-filters.md). The default import limit leaves room for
# growth over the tables of today (about 1,000,000 IPv4 and 230,000 IPv6 routes); the receive limit, counted
# before the filters (filtered routes are kept), is that much again beyond the import limit.
FULL_TABLE_MAX_PREFIXES = {4: 1500000, 6: 400000}
FULL_TABLE_LIMIT_ACTION = "disable"
FULL_TABLE_RECEIVE_FACTOR = 1.5
MAX_PREFIXES_LIMIT = 10000000
# RPKI to Router protocol: IANA's port rpki-rtr (RFC 6810 section 7, RFC 8210).
RTR_PORT = 323

# Vultr's BGP service for cloud instances (docs.vultr.com "High Availability on Vultr with Floating IP and BGP").
VULTR_NEIGHBOR4 = "169.254.169.254"
VULTR_NEIGHBOR6 = "2001:19f0:ffff::1"
VULTR_PEER_ASN = 64515
VULTR_MULTIHOP = 2
VULTR_PROVIDER_NAME = "Vultr (The Constant Company, LLC)"
VULTR_PUBLIC_ASN = 20473

# Linux TCP_MD5SIG_MAXKEYLEN is 80 bytes (include/uapi/linux/tcp.h).
MD5_MAX_KEYLEN = 80

MAX_INSTANCES_PER_POP = 50

NAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$")
MNTNER_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,79}$")
HOST_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "TXT", "NS", "CAA", "SRV")
SERVICE_KINDS = ("web", "dns")
PROVIDERS = ("lab", "vultr", "static")
PROFILES = ("vultr", "generic")
TLS_MODES = ("acme", "internal", "off")
REGISTRY_BACKENDS = ("ripe", "irrd")


def asn_in(asn, ranges):
    return any(entry[0] <= asn <= entry[1] for entry in ranges)


def is_hostname(name, allow_wildcard=False):
    """A DNS name as operators write them: lowercase labels, optional trailing dot."""
    if not isinstance(name, str) or not name or len(name) > 253:
        return False
    name = name[:-1] if name.endswith(".") else name
    labels = name.split(".")
    if allow_wildcard and labels[0] == "*":
        labels = labels[1:]
    return bool(labels) and all(HOST_LABEL_RE.match(label) for label in labels)
