# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FRR configuration of the lab's routers: carriers, provider edges (Vultr emulation) and eyeball networks.

Policies:
- carriers (Gao-Rexford): routes are tagged on import with <asn>:100 (from a customer), <asn>:200 (from a peer) or
  <asn>:300 (from a provider) and get local preference 200, 150 or 100; peers and providers receive only customer
  routes and the carrier's own, customers receive everything. Across the carrier's backbone (iBGP) the local
  preference is lowered by a distance penalty below the gap between classes, standing in for the IGP cost of
  hot-potato routing. 65535:0 (GRACEFUL_SHUTDOWN, RFC 8326) sets local preference 0.
- provider edges behave like Vultr's BGP service: AS 64515 towards the instances (local-as no-prepend replace-as),
  neighbours 169.254.169.254 and 2001:19f0:ffff::1 on the loopback, multihop 2, TCP-MD5; only the customer's
  registered prefixes (no longer than /24 and /48), RPKI-valid only (lab/rpki.py); AS 20473 and private ASNs stripped towards carriers; Vultr's
  action communities (64600/64601/64602/64603/64699:X, 20473:6000/6001/6002/6003/666) and GRACEFUL_SHUTDOWN.
- eyeball networks announce their own network only and rank their providers by the topology's local_pref.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.anycast.network.plugins.module_utils.lab.rpki import STAYRTR_PORT as RTR_PORT
from ansible_collections.anycast.network.plugins.module_utils.lab.topology import LOCAL_PREF, VULTR_ASN, \
    VULTR_CUSTOMER_ASN

DAEMONS = """bgpd=yes
ospfd=no
ospf6d=no
ripd=no
ripngd=no
isisd=no
pimd=no
ldpd=no
nhrpd=no
eigrpd=no
babeld=no
sharpd=no
pbrd=no
bfdd=no
fabricd=no
vrrpd=no
pathd=no
staticd=yes
vtysh_enable=yes
zebra_options="  -A 127.0.0.1 -s 90000000"
bgpd_options="   -A 127.0.0.1"
staticd_options="-A 127.0.0.1"
"""

# Vultr action communities (AS20473 BGP customer guide).
VULTR_ACTIONS = {
    "no_export": "%d:6000" % VULTR_ASN,
    "prepend_all": {1: "%d:6001" % VULTR_ASN, 2: "%d:6002" % VULTR_ASN, 3: "%d:6003" % VULTR_ASN},
    "blackhole": "%d:666" % VULTR_ASN,
    "customer_tag": "%d:4000" % VULTR_ASN,
    "own_tag": "%d:500" % VULTR_ASN,
}
GSHUT = "65535:0"
BLACKHOLE = "65535:666"


def daemons(node):
    """FRR's daemons file: a provider edge's bgpd also loads the RPKI module (Debian's frr-rpki-rtrlib)."""
    if node.get("rpki"):
        return DAEMONS.replace('bgpd_options="   -A 127.0.0.1"', 'bgpd_options="   -A 127.0.0.1 -M rpki"')
    return DAEMONS


def _header(node):
    return [
        "frr version 8.4",
        "frr defaults traditional",
        "hostname %s" % node["name"],
        "log file /var/log/frr/frr.log informational",
        "service integrated-vtysh-config",
        "!",
    ]


def _neighbor_common(lines, nb):
    addr = nb["address"]
    lines.append(" neighbor %s remote-as %s" % (addr, nb["remote_as"]))
    lines.append(" neighbor %s description %s" % (addr, nb["description"]))
    lines.append(" neighbor %s timers connect 1" % addr)


def _router_bgp(node, neighbor_extra, af_extra, networks_map=None):
    lines = [
        "router bgp %d" % node["asn"],
        " bgp router-id %s" % node["router_id"],
        " no bgp ebgp-requires-policy",
        " no bgp default ipv4-unicast",
        " no bgp network import-check",
        " bgp log-neighbor-changes",
        " timers bgp 3 9",
    ]
    for nb in node["neighbors"]:
        _neighbor_common(lines, nb)
        lines.extend(neighbor_extra(nb))
    for family, afi in ((4, "ipv4"), (6, "ipv6")):
        lines.append(" address-family %s unicast" % afi)
        for prefix in node["originate%d" % family]:
            rm = (networks_map or {}).get("originate")
            lines.append("  network %s%s" % (prefix, " route-map %s" % rm if rm else ""))
        lines.append("  maximum-paths 8")
        lines.append("  maximum-paths ibgp 8")
        for nb in node["neighbors"]:
            if nb["family"] != family:
                continue
            lines.append("  neighbor %s activate" % nb["address"])
            lines.append("  neighbor %s send-community all" % nb["address"])
            lines.extend("  " + x for x in af_extra(nb, family))
        lines.append(" exit-address-family")
    lines.append("exit")
    lines.append("!")
    return lines


def render_carrier(node):
    asn = node["asn"]
    tag = {"customer": "%d:100" % asn, "peer": "%d:200" % asn, "provider": "%d:300" % asn}
    lines = _header(node)
    lines += [
        "bgp community-list standard GSHUT seq 5 permit %s" % GSHUT,
        "bgp community-list standard FROM-CUSTOMER seq 5 permit %s" % tag["customer"],
        "bgp community-list standard FROM-PEER seq 5 permit %s" % tag["peer"],
        "bgp community-list standard FROM-PROVIDER seq 5 permit %s" % tag["provider"],
        "bgp community-list standard OWN-TAGS seq 5 permit %s" % tag["customer"],
        "bgp community-list standard OWN-TAGS seq 10 permit %s" % tag["peer"],
        "bgp community-list standard OWN-TAGS seq 15 permit %s" % tag["provider"],
        "!",
    ]
    for role in ("customer", "peer", "provider"):
        name = "IN-%s" % role.upper()
        lines += [
            "route-map %s permit 10" % name,
            " match community GSHUT",
            " set local-preference 0",
            " set community %s additive" % tag[role],
            "exit",
            "route-map %s permit 20" % name,
            " set local-preference %d" % LOCAL_PREF[role],
            " set community %s additive" % tag[role],
            "exit",
        ]
    lines += [
        "route-map OUT-CUSTOMER permit 10",
        " set comm-list OWN-TAGS delete",
        "exit",
        # Peers and providers get customer routes (and the carrier's own, tagged as customer routes) only.
        "route-map OUT-UPSTREAM permit 10",
        " match community FROM-CUSTOMER",
        " set comm-list OWN-TAGS delete",
        "exit",
        "route-map OUT-UPSTREAM deny 20",
        "exit",
        "route-map ORIGINATE permit 10",
        " set community %s additive" % tag["customer"],
        "exit",
    ]
    penalties = sorted({nb["penalty"] for nb in node["neighbors"] if nb["role"] == "ibgp"})
    for penalty in penalties:
        name = "IN-IBGP-%d" % penalty
        lines += ["route-map %s permit 10" % name, " match community GSHUT", " set local-preference 0", "exit"]
        for seq, role, clist in ((20, "customer", "FROM-CUSTOMER"), (30, "peer", "FROM-PEER"),
                                 (40, "provider", "FROM-PROVIDER")):
            lines += ["route-map %s permit %d" % (name, seq), " match community %s" % clist,
                      " set local-preference %d" % (LOCAL_PREF[role] - penalty), "exit"]
        lines += ["route-map %s permit 50" % name, "exit"]
    lines.append("!")

    def af_extra(nb, family):
        addr = nb["address"]
        if nb["role"] == "ibgp":
            return ["neighbor %s next-hop-self" % addr, "neighbor %s route-map IN-IBGP-%d in" % (addr, nb["penalty"])]
        out = "OUT-CUSTOMER" if nb["role"] == "customer" else "OUT-UPSTREAM"
        return ["neighbor %s route-map IN-%s in" % (addr, nb["role"].upper()),
                "neighbor %s route-map %s out" % (addr, out),
                "neighbor %s maximum-prefix 10000" % addr]

    lines += _router_bgp(node, lambda nb: [], af_extra, {"originate": "ORIGINATE"})
    return "\n".join(lines) + "\n"


def _prefix_lists(node):
    lines = []
    seq = 5
    for prefix in node.get("customer_prefixes4", []):
        lines.append("ip prefix-list CUSTOMER-V4 seq %d permit %s le 24" % (seq, prefix))
        lines.append("ip prefix-list CUSTOMER-V4-BLACKHOLE seq %d permit %s le 32" % (seq, prefix))
        seq += 5
    lines.append("ip prefix-list CUSTOMER-V4 seq %d deny any" % seq)
    lines.append("ip prefix-list CUSTOMER-V4-BLACKHOLE seq %d deny any" % seq)
    seq = 5
    for prefix in node.get("customer_prefixes6", []):
        lines.append("ipv6 prefix-list CUSTOMER-V6 seq %d permit %s le 48" % (seq, prefix))
        lines.append("ipv6 prefix-list CUSTOMER-V6-BLACKHOLE seq %d permit %s le 128" % (seq, prefix))
        seq += 5
    lines.append("ipv6 prefix-list CUSTOMER-V6 seq %d deny any" % seq)
    lines.append("ipv6 prefix-list CUSTOMER-V6-BLACKHOLE seq %d deny any" % seq)
    return lines


def render_edge(node, password):
    lines = _header(node)
    lines += _prefix_lists(node)
    carriers = sorted({nb["remote_as"] for nb in node["neighbors"] if nb["role"] == "provider"})
    lines += [
        "bgp community-list standard GSHUT seq 5 permit %s" % GSHUT,
        "bgp community-list standard VULTR-BLACKHOLE seq 5 permit %s" % VULTR_ACTIONS["blackhole"],
        "bgp community-list standard VULTR-NO-EXPORT seq 5 permit %s" % VULTR_ACTIONS["no_export"],
        "bgp community-list standard EXPORTABLE seq 5 permit %s" % VULTR_ACTIONS["customer_tag"],
        "bgp community-list standard EXPORTABLE seq 10 permit %s" % VULTR_ACTIONS["own_tag"],
    ]
    for times, comm in VULTR_ACTIONS["prepend_all"].items():
        lines.append("bgp community-list standard VULTR-PREPEND%d-ALL seq 5 permit %s" % (times, comm))
    for asn in carriers:
        lines += [
            "bgp community-list standard VULTR-NO-ANNOUNCE-%d seq 5 permit 64600:%d" % (asn, asn),
            "bgp community-list standard VULTR-ANNOUNCE-%d seq 5 permit 64699:%d" % (asn, asn),
        ]
        for times in (1, 2, 3):
            lines.append("bgp community-list standard VULTR-PREPEND%d-%d seq 5 permit 6460%d:%d"
                         % (times, asn, times, asn))
    lines.append("!")
    if node.get("rpki"):
        # The RTR cache on this edge (stayrtr, lab/rpki.py); FRR re-validates its routes when the VRP set changes.
        lines += ["rpki", " rpki polling_period 5", " rpki retry_interval 5",
                  " rpki cache 127.0.0.1 %d preference 1" % RTR_PORT, "exit", "!"]
    # From instances: registered prefixes only (host routes only as blackhole requests); with RPKI, only routes whose
    # origin a ROA authorises (valid): a provider that requires its customers' ROAs drops invalid and not-found.
    for family, match in ((4, "ip"), (6, "ipv6")):
        name = "FROM-INSTANCE-V%d" % family
        lines += [
            "route-map %s permit 5" % name,
            " match %s address prefix-list CUSTOMER-V%d-BLACKHOLE" % (match, family),
            " match community VULTR-BLACKHOLE",
            " set local-preference %d" % LOCAL_PREF["customer"],
            " set community %s %s additive" % (VULTR_ACTIONS["customer_tag"], BLACKHOLE),
            "exit",
        ]
        if node.get("rpki"):
            lines += ["route-map %s deny 6" % name, " match rpki invalid", "exit",
                      "route-map %s deny 7" % name, " match rpki notfound", "exit"]
        lines += [
            "route-map %s permit 10" % name,
            " match %s address prefix-list CUSTOMER-V%d" % (match, family),
            " match community GSHUT",
            " set local-preference 0",
            " set community %s additive" % VULTR_ACTIONS["customer_tag"],
            "exit",
            "route-map %s permit 20" % name,
            " match %s address prefix-list CUSTOMER-V%d" % (match, family),
            " set local-preference %d" % LOCAL_PREF["customer"],
            " set community %s additive" % VULTR_ACTIONS["customer_tag"],
            "exit",
            "route-map %s deny 30" % name,
            "exit",
        ]
    lines += [
        "route-map TO-INSTANCE deny 10",
        "exit",
        # Routes from carriers are never re-exported upstream: drop any tag that would make them exportable.
        "route-map FROM-CARRIER permit 10",
        " match community GSHUT",
        " set local-preference 0",
        " set comm-list EXPORTABLE delete",
        "exit",
        "route-map FROM-CARRIER permit 20",
        " set local-preference %d" % LOCAL_PREF["provider"],
        " set comm-list EXPORTABLE delete",
        "exit",
        "route-map ORIGINATE permit 10",
        " set community %s additive" % VULTR_ACTIONS["own_tag"],
        "exit",
    ]
    prepend = {n: " ".join([str(VULTR_ASN)] * n) for n in (1, 2, 3)}
    for asn in carriers:
        name = "TO-AS%d" % asn
        lines += [
            # Only customer routes and the edge's own go upstream.
            "route-map %s permit 5" % name, " match community EXPORTABLE", " on-match goto 10", "exit",
            "route-map %s deny 6" % name, "exit",
            "route-map %s deny 10" % name, " match community VULTR-NO-ANNOUNCE-%d" % asn, "exit",
            "route-map %s permit 20" % name, " match community VULTR-ANNOUNCE-%d" % asn, " on-match goto 35", "exit",
            "route-map %s deny 30" % name, " match community VULTR-NO-EXPORT", "exit",
            "route-map %s permit 35" % name, " on-match goto 40", "exit",
        ]
        seq = 40
        for times in (3, 2, 1):
            lines += ["route-map %s permit %d" % (name, seq), " match community VULTR-PREPEND%d-%d" % (times, asn),
                      " set as-path prepend %s" % prepend[times], "exit"]
            seq += 1
        for times in (3, 2, 1):
            lines += ["route-map %s permit %d" % (name, seq), " match community VULTR-PREPEND%d-ALL" % times,
                      " set as-path prepend %s" % prepend[times], "exit"]
            seq += 1
        lines += ["route-map %s permit 60" % name, "exit"]
    lines.append("!")

    def neighbor_extra(nb):
        if nb["role"] != "instance":
            return []
        addr = nb["address"]
        return [
            " neighbor %s local-as %d no-prepend replace-as" % (addr, VULTR_CUSTOMER_ASN),
            " neighbor %s ebgp-multihop 2" % addr,
            " neighbor %s update-source %s" % (addr, nb["update_source"]),
            " neighbor %s password %s" % (addr, password),
        ]

    def af_rpki(nb):
        # What the instance sent is kept, so a new VRP set re-runs the import policy on it (FRR's revalidation).
        return ["neighbor %s soft-reconfiguration inbound" % nb["address"]] if node.get("rpki") else []

    def af_extra(nb, family):
        addr = nb["address"]
        if nb["role"] == "instance":
            return ["neighbor %s route-map FROM-INSTANCE-V%d in" % (addr, family),
                    "neighbor %s route-map TO-INSTANCE out" % addr,
                    "neighbor %s maximum-prefix 100" % addr] + af_rpki(nb)
        return ["neighbor %s route-map FROM-CARRIER in" % addr,
                "neighbor %s route-map TO-AS%d out" % (addr, nb["remote_as"]),
                "neighbor %s remove-private-AS all" % addr,
                "neighbor %s allowas-in 1" % addr]

    lines += _router_bgp(node, neighbor_extra, af_extra, {"originate": "ORIGINATE"})
    return "\n".join(lines) + "\n"


def render_eyeball(node):
    lines = _header(node)
    for prefix in node["originate4"]:
        lines.append("ip prefix-list OWN-V4 seq 5 permit %s" % prefix)
    for prefix in node["originate6"]:
        lines.append("ipv6 prefix-list OWN-V6 seq 5 permit %s" % prefix)
    lines += ["bgp community-list standard GSHUT seq 5 permit %s" % GSHUT, "!"]
    for lp in sorted({nb.get("local_pref", 100) for nb in node["neighbors"]}):
        lines += ["route-map FROM-PROVIDER-%d permit 10" % lp, " match community GSHUT",
                  " set local-preference 0", "exit",
                  "route-map FROM-PROVIDER-%d permit 20" % lp, " set local-preference %d" % lp, "exit"]
    for family, match in ((4, "ip"), (6, "ipv6")):
        lines += ["route-map TO-PROVIDER-V%d permit 10" % family,
                  " match %s address prefix-list OWN-V%d" % (match, family), "exit",
                  "route-map TO-PROVIDER-V%d deny 20" % family, "exit"]
    lines.append("!")

    def af_extra(nb, family):
        addr = nb["address"]
        return ["neighbor %s route-map FROM-PROVIDER-%d in" % (addr, nb.get("local_pref", 100)),
                "neighbor %s route-map TO-PROVIDER-V%d out" % (addr, family)]

    lines += _router_bgp(node, lambda nb: [], af_extra)
    return "\n".join(lines) + "\n"


def render(node, password=""):
    if node["kind"] == "carrier":
        return render_carrier(node)
    if node["kind"] == "edge":
        return render_edge(node, password)
    if node["kind"] == "eyeball":
        return render_eyeball(node)
    raise ValueError("%s is not a router" % node["name"])


def net_script(node):
    """Shell commands that set up a node's loopback addresses and routes (run at every start)."""
    lines = ["#!/bin/sh", "# Written by the anycast.network lab: addresses and routes handed out to this node.",
             "set -e"]
    for addr in node.get("loopback", []):
        fam = "-6 " if ":" in addr else ""
        lines.append("ip %saddr replace %s dev lo" % (fam, addr))
    for dest, via in node.get("routes", []):
        if dest == "default":
            lines.append("ip route replace default via %s" % via)
        elif dest == "default6":
            lines.append("ip -6 route replace default via %s" % via)
        else:
            fam = "-6 " if ipaddress.ip_network(dest).version == 6 else ""
            lines.append("ip %sroute replace %s via %s" % (fam, dest, via))
    return "\n".join(lines) + "\n"
