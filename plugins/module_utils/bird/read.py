# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read BIRD 2's BGP sessions and exports on an instance and compare them with the routing manifest.

Shared by the bird_state module (the verify step) and the converged module (an unchanged instance's check reads
the same state in the same run)."""

from __future__ import annotations

import json
import os

from ansible_collections.anycast.network.plugins.module_utils.bird.parse import compare, parse_protocols, parse_routes

DEFAULTS = {"birdc": ["birdc"], "socket": None, "routes": True, "manifest": None, "announce_state": None,
            "honour_announce_state": False, "announce_command": "/usr/local/sbin/anycast-announce"}


class BirdReadError(Exception):
    """BIRD does not answer, or the manifest or the announcement state cannot be read; `result` holds what was."""

    def __init__(self, msg, result=None):
        super().__init__(msg)
        self.result = result or {}


def _birdc(run_command, params, *args):
    cmd = list(params["birdc"])
    if params["socket"]:
        cmd += ["-s", params["socket"]]
    cmd += list(args)
    rc, out, err = run_command(cmd)
    text = out + err
    if rc != 0 or text.startswith("Unable to connect") or "Unable to connect to server" in text:
        raise BirdReadError("BIRD does not answer (%s): %s" % (" ".join(cmd), (text or "rc=%d" % rc).strip()))
    return out


def _read_json(path, what):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        return None
    except ValueError as exc:
        raise BirdReadError("%s %s is not JSON: %s" % (what, path, exc))


def read_state(run_command, **options):
    """The bird_state module's result (without `changed`); run_command(argv) -> (rc, out, err).
    Options: those of DEFAULTS. Raises BirdReadError."""
    params = dict(DEFAULTS, **{k: v for k, v in options.items() if v is not None})
    version, protocols = parse_protocols(_birdc(run_command, params, "show", "protocols", "all"))
    exports = {}
    sessions = []
    for proto in protocols:
        if proto["proto"] != "BGP":
            continue
        routes = []
        if params["routes"] and proto.get("established"):
            routes = parse_routes(_birdc(run_command, params, "show", "route", "export", proto["name"], "all"))
        exports[proto["name"]] = routes
        limits = {}
        exported = 0
        for chan in proto.get("channels", {}).values():
            limits.update(chan.get("limits", {}))
            exported += chan.get("routes", {}).get("exported", 0)
        sessions.append({
            "name": proto["name"],
            "state": proto["state"],
            "bgp_state": proto.get("bgp_state", ""),
            "established": proto.get("established", False),
            "neighbor_address": proto.get("neighbor_address", ""),
            "neighbor_as": proto.get("neighbor_as"),
            "local_as": proto.get("local_as"),
            "last_error": proto.get("last_error", ""),
            "info": proto.get("info", ""),
            "routes_exported": exported,
            "exported": routes,
            "limits": limits,
        })
    result = {"bird_state": {"version": version, "sessions": sessions, "protocols": protocols}}
    command = params["announce_command"]
    if command and os.access(command, os.X_OK):
        argv = [command] + (["--manifest", params["manifest"]] if params["manifest"] else []) + ["status"]
        rc, out, _err = run_command(argv)
        try:
            result["announce_status"] = json.loads(out) if rc == 0 else {}
        except ValueError:
            result["announce_status"] = {}
    if params["manifest"]:
        try:
            manifest = _read_json(params["manifest"], "The routing manifest")
            if manifest is None:
                raise BirdReadError("No routing manifest at %s: the anycast.network.bird role has not run here"
                                    % params["manifest"])
            state_path = params["announce_state"] or manifest.get("state_file")
            state = _read_json(state_path, "The announcement state") if state_path and os.path.exists(
                state_path) else None
        except BirdReadError as exc:
            exc.result = result
            raise
        problems, warnings = compare(manifest, protocols, exports, state,
                                     honour_announce_state=params["honour_announce_state"])
        result.update(problems=problems, warnings_found=warnings, announce_state=state or {})
    return result
