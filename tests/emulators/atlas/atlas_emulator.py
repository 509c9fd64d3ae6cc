"""An emulation of the RIPE Atlas REST API v2, on loopback over HTTPS (ripe.atlas.cousteau speaks https only), for
the parts the verify step uses. Built from RIPE Atlas's documentation:

* measurement creation, ``POST /api/v2/measurements/`` with ``definitions`` (type, af, description, target; DNS:
  query_class, query_type, query_argument, set_nsid_bit, protocol; traceroute: protocol), ``probes`` (type, value,
  requested) and ``is_oneoff``, answered with ``{"measurements": [ids]}``; the key in ``Authorization: Key ...``:
  https://atlas.ripe.net/docs/apis/rest-api-manual/measurements/creating-measurements/ ,
  https://atlas.ripe.net/docs/apis/rest-api-manual/measurements/creating-measurements/definitions/ ,
  https://atlas.ripe.net/docs/apis/rest-api-reference/measurements/measurements_create/
* a measurement's meta-data with its ``status`` ``{id, name}`` (Ongoing, Stopped):
  https://atlas.ripe.net/docs/apis/rest-api-manual/measurements/type_of_information.html
* the probes list with ``id__in``, ``country_code``, ``status``, ``asn`` and ``radius=<lat>,<lon>:<km>``, paged with
  ``count``/``next``/``previous``/``results``, each probe with ``geometry`` (GeoJSON Point, longitude first):
  https://atlas.ripe.net/docs/apis/rest-api-manual/probes/listing-probes ,
  https://atlas.ripe.net/docs/apis/rest-api-reference/probes/probes_list
* results, ``GET /api/v2/measurements/<id>/results/``, in the firmware 5000 format: a DNS result's ``result`` with
  ``rt``, ``size``, ``abuf`` (the answer in DNS wire format, base64; here with the EDNS0 NSID option, RFC 5001, that
  names the instance) and a traceroute's ``result`` list of hops ``{hop, result: [{from, ttl, size, rtt}]}``:
  https://atlas.ripe.net/doc/data_struct
* errors as ``{"error": {"status", "code", "title", "detail", "errors"}}``.

The world: probes with a place and, per address family, the instance their route reaches and the round-trip time.
What it costs is the emulator's own table (``COSTS``), given to the server, and the account's balance decreases by
it; a creation over the balance is refused.
"""

from __future__ import annotations

import base64
import itertools
import json
import math
import ssl
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dns.edns
import dns.flags
import dns.message
import dns.rdataclass
import dns.rdatatype
import dns.rrset

COSTS = {"dns": 10, "traceroute": 30}
STATUS = {2: "Ongoing", 4: "Stopped"}


def _km(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def dns_abuf(zone, instance):
    """An authoritative SOA answer for `zone` with NSID `instance`, in wire format, base64."""
    query = dns.message.make_query(zone, dns.rdatatype.SOA, use_edns=0, options=[dns.edns.NSIDOption(b"")])
    response = dns.message.make_response(query)
    response.flags |= dns.flags.AA
    response.answer.append(dns.rrset.from_text(zone, 3600, dns.rdataclass.IN, dns.rdatatype.SOA,
                                               "ns1.%s hostmaster.%s 1 3600 600 86400 300" % (zone, zone)))
    response.use_edns(0, options=[dns.edns.NSIDOption(instance.encode())] if instance else [])
    return base64.b64encode(response.to_wire()).decode()


def _error(status, title, detail, code=None):
    return status, {"error": {"status": status, "code": code or status, "title": title, "detail": detail,
                              "errors": [{"source": {"pointer": "/"}, "detail": detail}]}}


class World:
    """Probes, the key that may create measurements, the credit balance, and what was asked."""

    def __init__(self, probes, key, credits=100000, polls_before_results=1):
        self.probes = {int(p["id"]): p for p in probes}
        self.key = key
        self.credits = credits
        self.polls_before_results = polls_before_results
        self.measurements = {}
        self.created = []   # every accepted creation body
        self.requests = []  # (method, path, query, authorization header present)
        self.ids = itertools.count(90000001)
        self.lock = threading.Lock()

    # -- the probes list -------------------------------------------------------------------------------------
    def probe_json(self, p):
        return {"id": p["id"], "type": "Probe", "is_public": True, "is_anchor": False,
                "country_code": p["country_code"], "asn_v4": p.get("asn_v4"), "asn_v6": p.get("asn_v6"),
                "address_v4": None, "address_v6": None,
                "geometry": {"type": "Point", "coordinates": [p["longitude"], p["latitude"]]},
                "status": {"id": p.get("status", 1), "name": {1: "Connected", 2: "Disconnected"}.get(
                    p.get("status", 1), "Abandoned")}, "tags": []}

    def list_probes(self, query):
        found = sorted(self.probes.values(), key=lambda p: p["id"])
        if "id__in" in query:
            wanted = {int(x) for x in query["id__in"].split(",") if x}
            found = [p for p in found if p["id"] in wanted]
        if "country_code" in query:
            found = [p for p in found if p["country_code"] == query["country_code"]]
        if "status" in query:
            found = [p for p in found if p.get("status", 1) == int(query["status"])]
        if "asn" in query:
            found = [p for p in found if int(query["asn"]) in (p.get("asn_v4"), p.get("asn_v6"))]
        if "radius" in query:
            where, km = query["radius"].split(":")
            lat, lon = (float(v) for v in where.split(","))
            found = [p for p in found if _km(lat, lon, p["latitude"], p["longitude"]) <= float(km)]
        size = int(query.get("page_size", 50))
        page = int(query.get("page", 1))
        chunk = found[(page - 1) * size:page * size]
        base = "https://atlas.ripe.net/api/v2/probes/?"
        rest = {k: v for k, v in query.items() if k != "page"}
        nxt = base + urllib.parse.urlencode(dict(rest, page=page + 1)) if page * size < len(found) else None
        return {"count": len(found), "next": nxt, "previous": None,
                "results": [self.probe_json(p) for p in chunk]}

    # -- creation ---------------------------------------------------------------------------------------------
    def create(self, body):
        defs = body.get("definitions")
        sources = body.get("probes")
        if not isinstance(defs, list) or not defs:
            return _error(400, "Bad Request", "definitions: at least one measurement definition is required")
        if not isinstance(sources, list) or not sources:
            return _error(400, "Bad Request", "probes: at least one probe selection is required")
        for d in defs:
            for key in ("type", "af", "description"):
                if key not in d:
                    return _error(400, "Bad Request", "definitions: %s is required" % key)
            if d["type"] not in COSTS:
                return _error(400, "Bad Request", "definitions: type %r is not emulated" % d["type"])
            if d["af"] not in (4, 6):
                return _error(400, "Bad Request", "definitions: af must be 4 or 6")
            need = {"dns": ("target", "query_class", "query_type", "query_argument"),
                    "traceroute": ("target", "protocol")}[d["type"]]
            for key in need:
                if key not in d:
                    return _error(400, "Bad Request", "definitions: %s is required for %s" % (key, d["type"]))
        probe_ids = []
        for s in sources:
            if s.get("type") != "probes":
                return _error(400, "Bad Request", "probes: only type 'probes' is emulated")
            ids = [int(x) for x in str(s.get("value", "")).split(",") if x]
            unknown = [i for i in ids if i not in self.probes]
            if unknown:
                return _error(400, "Bad Request", "probes: unknown probes %s" % unknown)
            probe_ids += ids[:int(s.get("requested", len(ids)))]
        cost = sum(COSTS[d["type"]] for d in defs) * len(probe_ids)
        with self.lock:
            if cost > self.credits:
                return _error(402, "Payment Required", "not enough credits: the measurements cost %d, the balance "
                              "is %d" % (cost, self.credits))
            self.credits -= cost
            self.created.append(body)
            ids = []
            for d in defs:
                msm = next(self.ids)
                self.measurements[msm] = {"definition": d, "probes": probe_ids, "polls": 0,
                                          "oneoff": bool(body.get("is_oneoff"))}
                ids.append(msm)
        return 201, {"measurements": ids}

    # -- meta-data and results --------------------------------------------------------------------------------
    def _ready(self, msm):
        return self.measurements[msm]["polls"] > self.polls_before_results

    def meta(self, msm):
        m = self.measurements[msm]
        status = 4 if self._ready(msm) else 2
        d = m["definition"]
        return {"id": msm, "type": d["type"], "af": d["af"], "target": d.get("target"),
                "description": d["description"], "is_oneoff": m["oneoff"], "participant_count": len(m["probes"]),
                "status": {"id": status, "name": STATUS[status]}}

    def results(self, msm):
        m = self.measurements[msm]
        m["polls"] += 1
        if not self._ready(msm):
            return []
        d = m["definition"]
        out = []
        for pid in m["probes"]:
            p = self.probes[pid]
            lands = (p.get("lands") or {}).get(str(d["af"]))
            common = {"fw": 5080, "lts": 12, "msm_id": msm, "prb_id": pid, "timestamp": int(time.time()),
                      "af": d["af"], "dst_addr": d["target"], "src_addr": p.get("src_addr", "192.0.2.%d" % (pid % 250)),
                      "from": p.get("from", "198.51.100.%d" % (pid % 250)), "group_id": msm}
            if lands is None:  # no route: DNS times out, the traceroute stops short
                if d["type"] == "dns":
                    out.append(dict(common, type="dns", msm_name="Tdig", proto="UDP", error={"timeout": 5000}))
                else:
                    out.append(dict(common, type="traceroute", msm_name="Traceroute", proto="ICMP", size=48,
                                    paris_id=1, dst_name=d["target"], endtime=int(time.time()),
                                    result=[{"hop": 1, "result": [{"from": common["src_addr"], "ttl": 64,
                                                                   "size": 28, "rtt": 0.5}]},
                                            {"hop": 2, "result": [{"x": "*"}, {"x": "*"}, {"x": "*"}]}]))
                continue
            rtt = float(p.get("rtt", {}).get(str(d["af"]), 20.0))
            if d["type"] == "dns":
                if not d.get("set_nsid_bit"):
                    lands = None  # NSID is only sent back when asked for
                out.append(dict(common, type="dns", msm_name="Tdig", proto=d.get("protocol", "UDP"), dst_port="53",
                                result={"rt": rtt, "size": 120, "ID": 4711, "ANCOUNT": 1, "QDCOUNT": 1,
                                        "NSCOUNT": 0, "ARCOUNT": 1,
                                        "abuf": dns_abuf(d["query_argument"].rstrip(".") + ".", lands)}))
            else:
                hops = []
                path = list(p.get("hops", {}).get(str(d["af"]), [])) + [d["target"]]
                for i, hop in enumerate(path, start=1):
                    share = rtt * i / len(path)
                    hops.append({"hop": i, "result": [{"from": hop, "ttl": 64 - i, "size": 28,
                                                       "rtt": round(share + k * 0.1, 3)} for k in range(3)]})
                out.append(dict(common, type="traceroute", msm_name="Traceroute", proto=d["protocol"], size=48,
                                paris_id=1, dst_name=d["target"], endtime=int(time.time()), result=hops))
        return out


class Handler(BaseHTTPRequestHandler):
    world = None

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def _send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self):
        header = self.headers.get("Authorization") or ""
        return header == "Key %s" % self.world.key

    def do_GET(self):  # noqa: N802
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        path = url.path.rstrip("/") + "/"
        self.world.requests.append(("GET", url.path, url.query, "Authorization" in self.headers))
        parts = [p for p in path.split("/") if p]
        if path == "/api/v2/probes/":
            return self._send(200, self.world.list_probes(query))
        if len(parts) >= 4 and parts[:3] == ["api", "v2", "measurements"] and parts[3].isdigit():
            msm = int(parts[3])
            if msm not in self.world.measurements:
                return self._send(*_error(404, "Not Found", "no measurement %d" % msm))
            if len(parts) == 4:
                return self._send(200, self.world.meta(msm))
            if parts[4:] == ["results"]:
                return self._send(200, self.world.results(msm))
        return self._send(*_error(404, "Not Found", "not emulated: %s" % url.path))

    def do_POST(self):  # noqa: N802
        url = urllib.parse.urlsplit(self.path)
        self.world.requests.append(("POST", url.path, url.query, "Authorization" in self.headers))
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return self._send(*_error(400, "Bad Request", "the body is not JSON"))
        if url.path.rstrip("/") != "/api/v2/measurements":
            return self._send(*_error(404, "Not Found", "not emulated: %s" % url.path))
        if not self._authorized():
            return self._send(*_error(403, "Forbidden", "Authentication credentials were not provided or are "
                                      "not valid."))
        return self._send(*self.world.create(body))


class AtlasEmulator:
    """start() serves the world on 127.0.0.1 over TLS with the given certificate; `server` is 'host:port'."""

    def __init__(self, world, certfile, keyfile):
        handler = type("BoundHandler", (Handler,), {"world": world})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certfile, keyfile)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.world = world
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def server(self):
        return "127.0.0.1:%d" % self.httpd.server_address[1]

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
