"""Expected PoPs (given, by region, nearest), the map's layout, its SVG and its Pillow drawing, lab DNS rows."""

import io

from ansible_collections.anycast.network.plugins.module_utils.report import catchment as rep
from ansible_collections.anycast.network.plugins.module_utils.report import geography, worldmap

LAB_ROWS = {"vantage_points": [
    {"vantage": "sea", "city": "Seattle", "family": "ipv4", "address": "203.0.113.10", "reachable": True,
     "pop": "jfk", "instance": "jfk-1", "rtt_ms": 33.0, "as_path": "65104 65030 20473 64500",
     "dns": {"instance": "jfk-2", "status": "NOERROR", "address": "203.0.113.53"}},
    {"vantage": "lhr", "city": "London", "family": "ipv4", "address": "203.0.113.10", "reachable": True,
     "pop": "lhr", "instance": "lhr-1", "rtt_ms": 1.0, "as_path": "65102 65010 20473 64500",
     "dns": {"instance": None, "status": "no answer", "address": "203.0.113.53"}},
]}
INTENT = {"pops": {"lhr": {"provider": "lab", "region": "lhr"}, "jfk": {"provider": "lab", "region": "jfk"},
                   "lax": {"provider": "lab", "region": "lax"}}}


def test_expected_pop_nearest_region_and_intent():
    r = rep.normalize_verify(LAB_ROWS, dict(INTENT))
    by = {(p["vantage"], p["service"]): p for p in r["probes"]}
    # Seattle has no PoP of its own: the nearest is Los Angeles, so landing in New York is misrouted.
    assert (by[("sea", "web")]["expected_pop"], by[("sea", "web")]["expected_from"]) == ("lax", "nearest")
    assert (by[("lhr", "web")]["expected_pop"], by[("lhr", "web")]["expected_from"]) == ("lhr", "region")
    assert [(p["vantage"], p["service"]) for p in rep.summarize(r)["misrouted"]] == [("sea", "dns"), ("sea", "web")]
    # The intent names another expected PoP: then jfk is right.
    told = dict(INTENT, vantage={"lab": {"sea": {"expected_pop": "jfk"}}})
    assert rep.summarize(rep.normalize_verify(LAB_ROWS, told))["misrouted"] == []


def test_lab_dns_answer_is_a_row_of_its_own():
    r = rep.normalize_verify(LAB_ROWS)
    dns = {p["vantage"]: p for p in r["probes"] if p["service"] == "dns"}
    assert (dns["sea"]["instance"], dns["sea"]["pop"], dns["sea"]["target"]) == ("jfk-2", "jfk", "203.0.113.53")
    assert not dns["lhr"]["ok"] and dns["lhr"]["error"] == "no answer"
    assert rep.summarize(r)["failed"] == [dns["lhr"]]


def test_places_from_regions_and_the_intent():
    places = geography.pop_places({"pops": {"edge": {"provider": "static"}, "fra": {"region": "fra"}},
                                   "vantage": {"places": {"edge": {"latitude": -1.5, "longitude": 36.8}}}},
                                  ["edge", "fra", "nowhere"])
    assert places["edge"]["latitude"] == -1.5 and places["fra"]["city"] == "Frankfurt" and "nowhere" not in places
    assert 330 < geography.km(geography.place_of("lhr"), geography.place_of("Amsterdam")) < 380


def test_window_holds_every_point_with_the_world_aspect():
    west, south, east, north = worldmap.window([(51.5, -0.1), (47.6, -122.3), (-33.9, 151.2)])
    assert west <= -122.3 and east >= 151.2 and south <= -33.9 and north >= 51.5
    assert abs((east - west) - 2 * (north - south)) < 1e-6 or (east - west) == 360.0


def test_svg_marks_the_misrouted_vantage_point_and_draws_land():
    r = rep.normalize_verify(LAB_ROWS, INTENT)
    s = rep.summarize(r)
    plan = worldmap.layout(r, s)
    assert len(plan["land"]) > 10
    svg = worldmap.svg(plan)
    assert 'data-map-vantage="sea" data-misrouted="true"' in svg
    assert 'data-map-vantage="lhr" data-misrouted="false"' in svg
    assert 'data-line-vantage="sea" data-line-pop="jfk" data-misrouted="true"' in svg
    assert 'data-line-vantage="sea" data-line-pop="lax" data-misrouted="false" data-expected="true"' in svg
    for pop in ("lhr", "jfk", "lax"):
        assert 'data-map-pop="%s"' % pop in svg


def test_pillow_map_is_red_only_when_something_is_misrouted():
    from PIL import Image

    def reds(data):
        img = Image.open(io.BytesIO(rep.draw_png(data))).convert("RGB")
        return sum(1 for px in img.get_flattened_data() if px == (0xd0, 0, 0))

    wrong = rep.normalize_verify(LAB_ROWS, INTENT)
    right = rep.normalize_verify(LAB_ROWS, dict(INTENT, vantage={"lab": {"sea": {"expected_pop": "jfk"}}}))
    assert reds(wrong) > 300
    assert reds(right) == 0
