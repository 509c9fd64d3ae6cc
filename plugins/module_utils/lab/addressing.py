# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab address plan and node/network derivation.

Only reserved and documentation ranges are used (the intent's anycast prefixes are never touched here):

IPv4 (198.18.0.0/15, RFC 2544 benchmarking range)
  198.18.0.0/24           management network (the host is 198.18.0.1, instances .10 and up)
  198.18.<16+R>.0/24      PoP LAN of region R (R = the region's id): provider edge .1, instances .11 and up
  198.18.<64+E>.0/24      eyeball network E: its router .1, the vantage point's client .10
  198.18.128.0/24         lab services (the ACME CA): carrier router .1, CA .10
  198.18.255.N            router ids (not routed)
  198.19.0.0/16           point-to-point links, one /29 each: a side .2, b side .3
IPv6 (2001:db8:f000::/36, inside RFC 3849's documentation prefix, apart from the intent's)
  2001:db8:f100:R::/64    PoP LAN of region R: edge ::1, instances ::11 and up
  2001:db8:f200:E::/64    eyeball network E: router ::1, client ::10
  2001:db8:f400::/64      lab services
  2001:db8:f300:L::/64    link L: a side ::2, b side ::3
Vultr's side: 169.254.169.254 and 2001:19f0:ffff::1 on each provider edge's loopback.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.anycast.network.plugins.module_utils.lab import rpki
from ansible_collections.anycast.network.plugins.module_utils.lab import topology as topo_mod
from ansible_collections.anycast.network.plugins.module_utils.lab.ca import API_PORT, MANAGEMENT_PORT
from ansible_collections.anycast.network.plugins.module_utils.lab.ca import REGISTRY_HOSTNAME, REGISTRY_PORT

LAB_V4 = ipaddress.ip_network("198.18.0.0/15")
LAB_V6 = ipaddress.ip_network("2001:db8:f000::/36")
MGMT_V4 = ipaddress.ip_network("198.18.0.0/24")
MGMT_GATEWAY = "198.18.0.1"
SERVICES_V4 = ipaddress.ip_network("198.18.128.0/24")
SERVICES_V6 = ipaddress.ip_network("2001:db8:f400::/64")
VULTR_NEIGHBOR4 = "169.254.169.254"
VULTR_NEIGHBOR6 = "2001:19f0:ffff::1"
PREFIX = "anycast-lab"
LABEL = "anycast.network.lab"
MAX_INSTANCES_PER_REGION = 200
INSTANCE_BASE = 10


def region_lan(region_id):
    return (ipaddress.ip_network("198.18.%d.0/24" % (16 + region_id)),
            ipaddress.ip_network("2001:db8:f100:%x::/64" % region_id))


def eyeball_lan(index):
    return (ipaddress.ip_network("198.18.%d.0/24" % (64 + index)),
            ipaddress.ip_network("2001:db8:f200:%x::/64" % index))


def link_nets(index):
    base = int(ipaddress.ip_address("198.19.0.0")) + 8 * index
    return (ipaddress.ip_network("%s/29" % ipaddress.ip_address(base)),
            ipaddress.ip_network("2001:db8:f300:%x::/64" % index))


def host(net, number):
    """The number-th address of net; in IPv6 the number is written in the interface id as decimal digits."""
    if net.version == 4:
        return str(net.network_address + number)
    return str(net.network_address + int(str(number), 16))


def lab_pops(intent):
    """The intent's lab PoPs: {name: {region, instances}} in the intent's order."""
    if isinstance(intent, dict) and "anycast_intent" in intent:
        intent = intent["anycast_intent"]
    pops = {}
    for name, pop in ((intent or {}).get("pops") or {}).items():
        if isinstance(pop, dict) and pop.get("provider") == "lab":
            pops[name] = {"region": pop.get("region", name), "instances": int(pop.get("instances", 1))}
    return pops


def intent_prefixes(intent):
    if isinstance(intent, dict) and "anycast_intent" in intent:
        intent = intent["anycast_intent"]
    v4, v6 = [], []
    for prefix in (intent or {}).get("prefixes") or []:
        net = ipaddress.ip_network(str(prefix), strict=False)
        (v4 if net.version == 4 else v6).append(str(net))
    return v4, v6


def intent_dns_server(intent):
    """The address:port of the intent's first anycast DNS service (IPv4 preferred), or None.

    The lab's CA resolves the names it validates there, so its validation requests follow the lab's routes.
    """
    if isinstance(intent, dict) and "anycast_intent" in intent:
        intent = intent["anycast_intent"]
    for svc in ((intent or {}).get("services") or {}).values():
        if not isinstance(svc, dict) or svc.get("kind") != "dns":
            continue
        addrs = []
        for addr in svc.get("addresses") or []:
            try:
                addrs.append(ipaddress.ip_address(str(addr)))
            except ValueError:
                continue
        if addrs:
            addr = sorted(addrs, key=lambda a: a.version)[0]
            return "%s:53" % addr if addr.version == 4 else "[%s]:53" % addr
    return None


def plan_for_intent(topo, intent, image="localhost/anycast-lab-node:current", roas=None):
    """The lab plan of a (validated) topology for an intent: its lab PoPs, prefixes and DNS service."""
    prefixes4, prefixes6 = intent_prefixes(intent)
    result = plan(topo, lab_pops(intent), prefixes4, prefixes6, image=image, ca_dns_server=intent_dns_server(intent))
    # The ROAs the lab's RPKI publishes to the provider edges (lab/rpki.py).
    result["roas"] = rpki.default_roas(intent) if roas is None else roas
    return result


def instances(topo, pops):
    """Every lab PoP instance with its addresses, in a stable order.

    PoPs of one region share the region's PoP LAN (its provider edge); the instances of the PoPs of a region are
    numbered in the order of the PoP names, so adding a PoP in another region never moves an address.
    """
    errors = []
    out = []
    by_region = {}
    for name in sorted(pops):
        pop = pops[name]
        edge = topo["pops"].get(name, {}).get("edge", pop["region"])
        if edge not in topo["edges"]:
            errors.append("pops.%s: the lab topology %s has no provider edge in region %r (it has: %s)"
                          % (name, topo["name"], edge, ", ".join(sorted(topo["edges"]))))
            continue
        by_region.setdefault(edge, []).append(name)
    mgmt_next = INSTANCE_BASE
    for region in sorted(by_region, key=lambda r: topo["regions"][r]["id"]):
        lan4, lan6 = region_lan(topo["regions"][region]["id"])
        number = INSTANCE_BASE
        for name in by_region[region]:
            count = pops[name]["instances"]
            for index in range(1, count + 1):
                number += 1
                if number - INSTANCE_BASE > MAX_INSTANCES_PER_REGION:
                    errors.append("pops.%s: more than %d lab instances in region %s"
                                  % (name, MAX_INSTANCES_PER_REGION, region))
                    break
                out.append({
                    "name": "%s-%d" % (name, index),
                    "pop": name,
                    "index": index,
                    "region": region,
                    "address": host(lan4, number),
                    "address6": host(lan6, number),
                    "gateway": host(lan4, 1),
                    "gateway6": host(lan6, 1),
                    "lan4": str(lan4),
                    "lan6": str(lan6),
                })
    # Management addresses in the same stable order (region id, PoP name, index).
    for inst in out:
        mgmt_next += 1
        inst["mgmt"] = str(MGMT_V4.network_address + mgmt_next)
    if len(out) > 240:
        errors.append("pops: more than 240 lab instances in all")
    if errors:
        raise topo_mod.TopologyError(errors)
    return out


def plan(topo, pops, prefixes4, prefixes6, image="localhost/anycast-lab-node:current", ca_dns_server=None):
    """Derive every network and node of the lab.

    ca_dns_server ("address:port") is where the lab's CA resolves the names it validates (see intent_dns_server);
    without it the CA uses its container's resolver.

    Returns {"networks": {name: {...}}, "nodes": {name: {...}}, "instances": [...], "vantage_points": {...}}.
    Node entries carry what podman needs (networks with addresses, capabilities, sysctls, systemd or not) and the
    BGP description the FRR renderer needs.
    """
    networks = {}
    nodes = {}
    routers = {}

    def add_network(name, kind, v4, v6, gateway=None):
        networks[name] = {"name": "%s-%s" % (PREFIX, name), "kind": kind, "subnet4": str(v4),
                          "subnet6": str(v6) if v6 else None, "gateway4": gateway}
        return networks[name]

    def add_node(name, kind, region, systemd=False):
        nodes[name] = {"name": name, "container": "%s-%s" % (PREFIX, name), "kind": kind, "region": region,
                       "systemd": systemd, "interfaces": [], "routes": [], "loopback": [], "hosts": {}}
        return nodes[name]

    def attach(node, network, ifname, ip4, ip6):
        node["interfaces"].append({"network": networks[network]["name"], "ifname": ifname, "ip4": ip4,
                                   "ip6": ip6})

    def add_router(name, kind, region, asn):
        node = add_node(name, kind, region)
        node["asn"] = asn
        node["router_id"] = str(ipaddress.ip_address("198.18.255.0") + len(routers) + 1)
        node["neighbors"] = []
        node["originate4"] = []
        node["originate6"] = []
        routers[name] = node
        return node

    link_count = [0]

    def link(a, b, a_role, b_role, a_extra=None, b_extra=None):
        """A point-to-point link between routers a and b with one BGP session per family.

        a_role is what b is to a ("customer", "peer", "provider", "ibgp"), b_role what a is to b.
        """
        idx = link_count[0]
        link_count[0] += 1
        v4, v6 = link_nets(idx)
        net = add_network("link%d" % idx, "link", v4, v6)
        net["ends"] = [a["name"], b["name"]]
        ifname = "lk%d" % idx
        a4, b4, a6, b6 = host(v4, 2), host(v4, 3), host(v6, 2), host(v6, 3)
        attach(a, "link%d" % idx, ifname, a4, a6)
        attach(b, "link%d" % idx, ifname, b4, b6)
        for me, other, role, peer4, peer6, extra in ((a, b, a_role, b4, b6, a_extra), (b, a, b_role, a4, a6, b_extra)):
            for family, addr in ((4, peer4), (6, peer6)):
                neighbor = {"address": addr, "family": family, "remote_as": other["asn"], "role": role,
                            "description": other["name"]}
                neighbor.update(extra or {})
                me["neighbors"].append(neighbor)

    # Management network (instances only; the host is the gateway so the controller reaches them by SSH).
    add_network("mgmt", "mgmt", MGMT_V4, None, gateway=MGMT_GATEWAY)

    # Carrier routers, one per carrier and region.
    for cname, carrier in topo["carriers"].items():
        for region in carrier["regions"]:
            node = add_router("%s-%s" % (cname, region), "carrier", region, carrier["asn"])
            node["carrier"] = cname
    # Carrier backbones: a full mesh of iBGP sessions over direct links (next-hop-self, no IGP needed).
    for cname, carrier in topo["carriers"].items():
        regs = carrier["regions"]
        for i, ra in enumerate(regs):
            for rb in regs[i + 1:]:
                a, b = routers["%s-%s" % (cname, ra)], routers["%s-%s" % (cname, rb)]
                link(a, b, "ibgp", "ibgp",
                     {"penalty": topo_mod.distance_penalty(topo, ra, rb), "peer_region": rb},
                     {"penalty": topo_mod.distance_penalty(topo, rb, ra), "peer_region": ra})
                networks["link%d" % (link_count[0] - 1)]["latency_ms"] = topo_mod.latency_ms(topo, ra, rb)
    # Interconnections between carriers.
    for rel in topo["relations"]:
        for region in rel["regions"]:
            a, b = routers["%s-%s" % (rel["a"], region)], routers["%s-%s" % (rel["b"], region)]
            if rel["kind"] == "peer":
                link(a, b, "peer", "peer")
            else:  # a is b's provider
                link(a, b, "customer", "provider")

    # Provider edges (Vultr) and their PoP LANs.
    inst = instances(topo, pops)
    for region, edge in topo["edges"].items():
        rid = topo["regions"][region]["id"]
        lan4, lan6 = region_lan(rid)
        node = add_router("edge-%s" % region, "edge", region, topo_mod.VULTR_ASN)
        add_network("pop-%s" % region, "pop", lan4, lan6)
        attach(node, "pop-%s" % region, "lan0", host(lan4, 1), host(lan6, 1))
        node["loopback"] = [VULTR_NEIGHBOR4 + "/32", VULTR_NEIGHBOR6 + "/128"]
        node["originate4"].append(str(lan4))
        node["originate6"].append(str(lan6))
        node["customer_prefixes4"] = list(prefixes4)
        node["customer_prefixes6"] = list(prefixes6)
        # Origin validation of the instances' routes against the lab's VRP set (lab/rpki.py).
        node["rpki"] = True
        for up in edge["upstreams"]:
            carrier = routers["%s-%s" % (up["carrier"], region)]
            link(carrier, node, "customer", "provider")
    # Instances on the PoP LANs.
    for item in inst:
        node = add_node(item["name"], "instance", item["region"], systemd=True)
        node.update({"pop": item["pop"], "index": item["index"]})
        attach(node, "mgmt", "mgmt0", item["mgmt"], None)
        attach(node, "pop-%s" % item["region"], "eth0", item["address"], item["address6"])
        gw4, gw6 = item["gateway"], item["gateway6"]
        node["routes"] = [(VULTR_NEIGHBOR4 + "/32", gw4), (str(LAB_V4), gw4),
                          (VULTR_NEIGHBOR6 + "/128", gw6), (str(LAB_V6), gw6)]
        edge = routers["edge-%s" % item["region"]]
        for family, addr, src in ((4, item["address"], VULTR_NEIGHBOR4), (6, item["address6"], VULTR_NEIGHBOR6)):
            edge["neighbors"].append({"address": addr, "family": family, "remote_as": "external",
                                      "role": "instance", "description": item["name"], "update_source": src})

    # Eyeball networks: a router and a client (the vantage point).
    vantage = {}
    for e_index, (vp, eyeball) in enumerate(topo["eyeballs"].items(), start=1):
        lan4, lan6 = eyeball_lan(e_index)
        node = add_router("eyeball-%s" % vp, "eyeball", eyeball["region"], eyeball["asn"])
        add_network("eyeball-%s" % vp, "eyeball", lan4, lan6)
        attach(node, "eyeball-%s" % vp, "lan0", host(lan4, 1), host(lan6, 1))
        node["originate4"].append(str(lan4))
        node["originate6"].append(str(lan6))
        for up in eyeball["upstreams"]:
            carrier = routers["%s-%s" % (up["carrier"], eyeball["region"])]
            link(carrier, node, "customer", "provider", None, {"local_pref": up["local_pref"]})
        client = add_node("client-%s" % vp, "client", eyeball["region"])
        attach(client, "eyeball-%s" % vp, "eth0", host(lan4, 10), host(lan6, 10))
        client["routes"] = [("default", host(lan4, 1)), ("default6", host(lan6, 1))]
        vantage[vp] = {"city": eyeball["city"], "region": eyeball["region"], "client": client["container"],
                       "router": node["container"], "address": host(lan4, 10), "address6": host(lan6, 10),
                       "asn": eyeball["asn"], "index": e_index}

    # Lab services: the ACME CA behind a carrier router.
    services = {}
    if "ca" in topo["services"]:
        ca = topo["services"]["ca"]
        carrier = routers["%s-%s" % (ca["carrier"], ca["region"])]
        add_network("services", "services", SERVICES_V4, SERVICES_V6)
        attach(carrier, "services", "svc0", host(SERVICES_V4, 1), host(SERVICES_V6, 1))
        carrier["originate4"].append(str(SERVICES_V4))
        carrier["originate6"].append(str(SERVICES_V6))
        node = add_node("ca", "ca", ca["region"])
        attach(node, "services", "eth0", host(SERVICES_V4, 10), host(SERVICES_V6, 10))
        node["routes"] = [("default", host(SERVICES_V4, 1)), ("default6", host(SERVICES_V6, 1))]
        node["hostname"] = ca["hostname"]
        node["dns_server"] = ca_dns_server
        services["ca"] = {"hostname": ca["hostname"], "address": host(SERVICES_V4, 10),
                          "address6": host(SERVICES_V6, 10), "container": node["container"],
                          "dns_server": ca_dns_server,
                          "directory": "https://%s:%d/dir" % (ca["hostname"], API_PORT),
                          "roots": "https://%s:%d/roots/0" % (ca["hostname"], MANAGEMENT_PORT),
                          # The lab's image registry (Debian's docker-registry) runs beside pebble (registry.py).
                          "registry": "%s:%d" % (REGISTRY_HOSTNAME, REGISTRY_PORT)}
        # The instances (ACME clients, image pulls) and the vantage points (which fetch pebble's issuing root) know
        # its names.
        for n in nodes.values():
            if n["kind"] in ("instance", "client"):
                n["hosts"][ca["hostname"]] = host(SERVICES_V4, 10)
                n["hosts"][REGISTRY_HOSTNAME] = host(SERVICES_V4, 10)

    return {"name": topo["name"], "networks": networks, "nodes": nodes, "instances": inst,
            "vantage_points": vantage, "services": services,
            "prefixes4": list(prefixes4), "prefixes6": list(prefixes6)}
