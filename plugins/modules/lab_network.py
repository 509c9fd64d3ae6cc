#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: anycast.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: lab_network
short_description: Bring the sealed lab internet up or down
version_added: "1.0.0"
description:
  - With O(state=present), builds the simulated internet of a lab topology with podman (transit carriers, provider
    edges that behave like Vultr's BGP service, eyeball networks with vantage-point clients, the ACME CA, and one
    container per instance of the intent's C(lab) PoPs, reached over SSH on a management network).
  - Copes with leftovers of a killed run; containers of the same name are reused when they match the plan
    (started again if stopped) and rebuilt when they do not; stale networks are replaced.
  - Waits until every session between lab routers is Established and every instance runs systemd and answers SSH
    (for the routers, see O(routers)).
  - With O(state=absent), removes every container and network labelled C(anycast.network.lab) and, unless
    O(keep_image=true), the lab image tags.
  - Writes C(<state_dir>/lab.json), the lab's plan, which M(anycast.network.lab_probe) reads.
options:
  topology:
    description:
      - Path of the lab topology file (see C(docs/lab.md)), e.g. C(lab/topologies/default.yml).
      - Required with O(state=present).
    type: path
  intent:
    description:
      - The network's intent (C(anycast_intent)). Its C(lab) PoPs get instances; its prefixes are the only ones the
        provider edges accept. Required with O(state=present).
    type: dict
  state_dir:
    description:
      - The lab's state directory (SSH key, BGP password, generated router and node files), e.g. C(.lab).
      - The BGP password file C(bgp-password) is created there when missing; the intent reads the same file.
      - So is the lab root CA (C(ca/root.pem), C(ca/root.key)) that signs the ACME CA's API certificate; the lab
        intent hands C(ca/root.pem) to Caddy.
    type: path
    required: true
  state:
    description: V(present) builds or repairs the lab, V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  keep_image:
    description: With O(state=absent), keep the lab image (rebuilding it takes a minute).
    type: bool
    default: true
  image:
    description: The lab image.
    type: str
    default: localhost/anycast-lab-node:current
  image_script:
    description:
      - The script that builds the lab image (C(scripts/setup.d/10-lab-image.sh)). With O(state=present), it is
        run first when the image its definition builds (C(<script> --print-tag)) is missing or is not O(image);
        quick otherwise (one C(podman image inspect)).
    type: path
  timeout:
    description: Seconds to wait for sessions and instances; at least 2.5 per container of the lab (a large lab's
      containers boot together on the machine's cores).
    type: int
    default: 120
  routers:
    description:
      - When to read the lab routers' BGP sessions (and wait for them). V(always), or V(when_started) only when this
        run created or started a container; an unchanged lab is then checked by its instances alone (SSH and
        systemd), for a caller that reads the routers itself later (C(site.yml)'s probe does).
      - V(answering) waits, when this run created or started a container, only until every router's FRR answers,
        not for the sessions between routers, and starts the instances' containers before the routers' (their boot
        is then the longest wait). For a caller that configures the instances next and waits for the routers'
        sessions itself later (C(site.yml), whose probe M(anycast.network.lab_probe) waits for them); the provider
        edges already answer when a PoP's BIRD first connects.
    type: str
    choices: [always, when_started, answering]
    default: always
  base_dir:
    description:
      - Where a relative path of the intent is read from (the project's root), that is the intent's C(rpki.file),
        whose ROAs are the VRP set the lab's provider edges validate against (C(rpki.source=rpki-client)). Without
        such a file the lab publishes a ROA per prefix of the intent.
    type: path
notes:
  - Runs on the controller as root and drives C(podman); every lab object carries the label C(anycast.network.lab).
attributes:
  check_mode:
    description: Can run in check mode and report what would change without changing it.
    support: full
  diff_mode:
    description: Returns details of what changed (or would change in check mode) when run in diff mode.
    support: none
author:
  - anycast.network developers (@anycast-network)
"""

EXAMPLES = r"""
- name: Bring the lab up for the intent's lab PoPs
  anycast.network.lab_network:
    topology: "{{ playbook_dir }}/../lab/topologies/default.yml"
    intent: "{{ anycast_intent }}"
    state_dir: "{{ anycast_lab_state_dir }}"

- name: Tear the lab down, image included
  anycast.network.lab_network:
    state: absent
    state_dir: "{{ anycast_lab_state_dir }}"
    keep_image: false
"""

RETURN = r"""
instances:
  description: Every PoP instance of the lab.
  returned: state=present
  type: list
  elements: dict
  sample:
    - name: lhr-1
      pop: lhr
      index: 1
      ansible_host: 198.18.0.13
      address: 198.18.18.11
      address6: "2001:db8:f100:2::11"
vantage_points:
  description: The vantage points, by name, with their city, client container and router container.
  returned: state=present
  type: dict
services:
  description:
    - The lab's services. C(ca) is the ACME CA (pebble), started in the background (nothing waits for it).
    - C(directory) is its ACME directory, C(roots) the URL of its issuing root (made anew at every pebble start),
      C(lab_root) the lab root (on the controller) that signed its API certificate, C(dns_server) where it resolves
      the names it validates (the intent's anycast DNS service).
  returned: state=present
  type: dict
  sample:
    ca:
      hostname: ca.lab.test
      address: 198.18.128.10
      address6: "2001:db8:f400::10"
      directory: https://ca.lab.test:14000/dir
      roots: https://ca.lab.test:15000/roots/0
      lab_root: /srv/anycast/.lab/ca/root.pem
      dns_server: 203.0.113.53:53
sessions:
  description: Every BGP session between lab routers and its state.
  returned: state=present, not check mode, and the routers were read (see O(routers))
  type: list
  elements: dict
instances_created:
  description: The PoP instances (by name) whose container this run created (or would, in check mode).
  returned: state=present
  type: list
  elements: str
  sample: [ams-1, ams-2]
created:
  description: Containers created.
  returned: always
  type: list
  elements: str
removed:
  description: Containers removed (stale or of another specification).
  returned: state=present
  type: list
  elements: str
timings:
  description:
    - Seconds from the start until networks, containers and readiness were done, and (C(instances_ready),
      C(routers_ready)) until the instances and the routers were ready, as far as they were waited for.
  returned: state=present and not check mode
  type: dict
containers_removed:
  description: Containers removed by O(state=absent).
  returned: state=absent
  type: list
  elements: str
networks_removed:
  description:
    - Networks removed. With O(state=absent), lab networks of podman's CNI backend too (left by a run from before
      the project named netavark), marked C(<name> (cni)).
  returned: always
  type: list
  elements: str
demo:
  description:
    - The lab's demo workload (docs/lab.md), when the intent runs an image from the lab's registry. C(built) the
      versions built from the lab image by this run, C(pushed) those pushed to the registry.
  returned: state=present
  type: dict
  sample: {built: [], pushed: [v1, v2, unhealthy]}
image_built:
  description: With O(image_script), whether the lab image was built (or tagged) by this run.
  returned: with O(state=present)
  type: bool
  sample: false
images_removed:
  description: Image tags removed.
  returned: state=absent
  type: list
  elements: str
"""

from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.anycast.network.plugins.module_utils.lab import addressing
from ansible_collections.anycast.network.plugins.module_utils.lab import podman
from ansible_collections.anycast.network.plugins.module_utils.lab import registry
from ansible_collections.anycast.network.plugins.module_utils.lab import rpki as lab_rpki
from ansible_collections.anycast.network.plugins.module_utils.lab import topology as topo_mod
from ansible_collections.anycast.network.plugins.module_utils.rpki.step import RpkiStepError


ARGUMENT_SPEC = {
    "topology": {"type": "path"},
    "intent": {"type": "dict"},
    "state_dir": {"type": "path", "required": True},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "keep_image": {"type": "bool", "default": True},
    "image": {"type": "str", "default": "localhost/anycast-lab-node:current"},
    "image_script": {"type": "path"},
    "timeout": {"type": "int", "default": 120},
    "routers": {"type": "str", "choices": ["always", "when_started", "answering"], "default": "always"},
    "base_dir": {"type": "path"},
}
MODULE_KWARGS = {"required_if": [("state", "present", ("topology", "intent"))], "supports_check_mode": True}


def run(module):
    """The lab's life cycle; also run in the worker by the action plugin of the same name
    (plugin_utils/controller_module.py)."""
    params = module.params
    try:
        if params["state"] == "absent":
            result = podman.down(keep_image=params["keep_image"], check_mode=module.check_mode)
            module.exit_json(**result)
        image_built = False
        if params["image_script"]:
            image_built = podman.ensure_image(params["image_script"], params["image"], check_mode=module.check_mode)
        topo = topo_mod.load(params["topology"])
        roas = lab_rpki.lab_roas(params["intent"], params["base_dir"] or ".")
        plan = addressing.plan_for_intent(topo, params["intent"], image=params["image"], roas=roas)
        # The demo workload's images are built from the lab image while the lab comes up, and pushed to the lab's
        # registry once it answers (only when the intent runs an image from that registry).
        with ThreadPoolExecutor(max_workers=1) as pool:
            demo_build = pool.submit(lambda: registry.build_demo(params["image"], check_mode=module.check_mode)
                                     if registry.lab_images(params["intent"], plan) else [])
            result = podman.up(plan, params["state_dir"], image=params["image"], timeout=params["timeout"],
                               check_mode=module.check_mode, routers=params["routers"])
            built = demo_build.result()
        demo = registry.ensure_demo(plan, params["state_dir"], params["intent"], params["image"],
                                    check_mode=module.check_mode, built=built)
        result["demo"] = demo
        result["changed"] = result["changed"] or bool(demo["built"] or demo["pushed"])
        result["image_built"] = image_built
        result["changed"] = result["changed"] or image_built
        summaries = result.pop("summaries", None)
        if not module.check_mode and summaries is not None:
            result["sessions"] = podman.router_sessions(plan, summaries=summaries)
        result["instances_created"] = [i["name"] for i in plan["instances"]
                                       if plan["nodes"][i["name"]]["container"] in result["created"]]
        result["instances"] = [{k: i[k] for k in ("name", "pop", "index", "address", "address6")}
                               | {"ansible_host": i["mgmt"]} for i in plan["instances"]]
        result["vantage_points"] = plan["vantage_points"]
        result["services"] = plan["services"]
        if "ca" in plan["services"]:
            result["services"]["ca"]["lab_root"] = podman.ca_root_path(params["state_dir"])
        module.exit_json(**result)
    except topo_mod.TopologyError as exc:
        module.fail_json(msg=str(exc), errors=exc.errors)
    except RpkiStepError as exc:
        module.fail_json(msg="the lab's VRP set: %s" % exc)
    except (podman.LabError, registry.RegistryError, OSError) as exc:
        module.fail_json(msg=str(exc))


def main():
    run(AnsibleModule(argument_spec=ARGUMENT_SPEC, **MODULE_KWARGS))


if __name__ == "__main__":
    main()
