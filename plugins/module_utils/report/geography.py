# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where PoPs and vantage points are, and which PoP each vantage point should land at.

Places: the intent's ``vantage.places`` for a PoP, else its region code (Vultr's region ids, which the lab's
topologies use too, plus the lab's ``jfk``), else a city name; Atlas rows carry their probe's own coordinates.
Coordinates are city centres, in degrees (latitude north, longitude east).

Expected PoP of a vantage point: the one its row names (the intent's ``vantage.atlas.points.<name>.expected_pop``),
else the intent's ``vantage.lab.<name>.expected_pop``, else the PoP of the same region, else the nearest PoP by
great-circle distance.
"""

from __future__ import annotations

import math

# Region id -> (city, latitude, longitude): Vultr's regions (API v2 /regions) and the lab's extra New York id.
REGIONS = {
    "ams": ("Amsterdam", 52.37, 4.90), "atl": ("Atlanta", 33.75, -84.39), "blr": ("Bangalore", 12.97, 77.59),
    "bom": ("Mumbai", 19.08, 72.88), "cdg": ("Paris", 48.86, 2.35), "del": ("Delhi", 28.61, 77.21),
    "dfw": ("Dallas", 32.78, -96.80), "ewr": ("New Jersey", 40.74, -74.17), "fra": ("Frankfurt", 50.11, 8.68),
    "hnl": ("Honolulu", 21.31, -157.86), "icn": ("Seoul", 37.57, 126.98), "itm": ("Osaka", 34.69, 135.50),
    "jnb": ("Johannesburg", -26.20, 28.05), "lax": ("Los Angeles", 34.05, -118.24), "lhr": ("London", 51.51, -0.13),
    "mad": ("Madrid", 40.42, -3.70), "man": ("Manchester", 53.48, -2.24), "mel": ("Melbourne", -37.81, 144.96),
    "mex": ("Mexico City", 19.43, -99.13), "mia": ("Miami", 25.76, -80.19), "nrt": ("Tokyo", 35.68, 139.69),
    "ord": ("Chicago", 41.88, -87.63), "sao": ("Sao Paulo", -23.55, -46.63), "scl": ("Santiago", -33.45, -70.67),
    "sea": ("Seattle", 47.61, -122.33), "sgp": ("Singapore", 1.35, 103.82), "sjc": ("Silicon Valley", 37.34, -121.89),
    "sto": ("Stockholm", 59.33, 18.07), "syd": ("Sydney", -33.87, 151.21), "tlv": ("Tel Aviv", 32.09, 34.78),
    "waw": ("Warsaw", 52.23, 21.01), "yto": ("Toronto", 43.65, -79.38), "jfk": ("New York", 40.71, -74.01),
}
CITIES = {city.lower(): (lat, lon) for city, lat, lon in REGIONS.values()}


def place_of(*names):
    """(latitude, longitude) of the first name that is a region id or a known city, else None."""
    for name in names:
        if not name:
            continue
        text = str(name).strip()
        if text.lower() in REGIONS:
            return REGIONS[text.lower()][1:]
        if text.lower() in CITIES:
            return CITIES[text.lower()]
    return None


def km(a, b):
    """Great-circle distance in km between two (latitude, longitude)."""
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dp, dl = p2 - p1, math.radians(b[1] - a[1])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, h)))


def pop_places(intent, pops):
    """{pop: {"latitude", "longitude", "city"}} for the PoPs (those given and the intent's) that can be placed."""
    places = ((intent or {}).get("vantage") or {}).get("places") or {}
    declared = (intent or {}).get("pops") or {}
    out = {}
    for pop in sorted(set(pops) | set(declared)):
        if pop in places:
            p = places[pop]
            out[pop] = {"latitude": float(p["latitude"]), "longitude": float(p["longitude"]),
                        "city": p.get("city") or pop}
            continue
        region = (declared.get(pop) or {}).get("region") or pop
        where = place_of(region, pop)
        if where:
            city = REGIONS.get(str(region).lower(), (pop,))[0]
            out[pop] = {"latitude": where[0], "longitude": where[1], "city": city}
    return out


def apply(report, intent=None):
    """Give every probe row its place and expected PoP; every PoP its place. Changes `report` in place."""
    places = pop_places(intent, report["pops"])
    report["places"] = places
    lab = ((intent or {}).get("vantage") or {}).get("lab") or {}
    regions = {pop: str(((intent or {}).get("pops") or {}).get(pop, {}).get("region") or pop)
               for pop in report["pops"]}
    for probe in report["probes"]:
        if probe.get("latitude") is None or probe.get("longitude") is None:
            where = place_of(probe["city"], probe["vantage"])
            probe["latitude"], probe["longitude"] = where if where else (None, None)
        if probe["expected_pop"]:
            probe["expected_from"] = probe.get("expected_from") or "intent"
            continue
        if probe["vantage"] in lab:
            probe["expected_pop"], probe["expected_from"] = lab[probe["vantage"]]["expected_pop"], "intent"
            continue
        same = [pop for pop, region in sorted(regions.items()) if region == probe["vantage"]]
        if same:
            probe["expected_pop"], probe["expected_from"] = same[0], "region"
            continue
        if probe["latitude"] is not None and places:
            here = (probe["latitude"], probe["longitude"])
            nearest = min(sorted(places), key=lambda pop: km(here, (places[pop]["latitude"],
                                                                    places[pop]["longitude"])))
            probe["expected_pop"], probe["expected_from"] = nearest, "nearest"
    return report
