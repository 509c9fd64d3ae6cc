# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether an instance still is what its last verified converge left: the comparison behind
`anycast.network.converged` (state=check)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess

from ansible_collections.anycast.network.plugins.module_utils.converge import systemd_units
from ansible_collections.anycast.network.plugins.module_utils.common.command import run
from ansible_collections.anycast.network.plugins.module_utils.bird.read import BirdReadError, read_state

VERSION = 1
DEFAULT_STATE_FILE = "/var/lib/anycast/converged.json"


def file_sha256(path):
    """SHA-256 of a file's content, or None when it is not a regular file."""
    if not os.path.isfile(path):
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def unit_states(units):
    """{unit: (ActiveState, UnitFileState)}, enablement read from the unit files where the manager does not say
    enabled."""
    try:
        states = systemd_units.query_states(run, units)
    except systemd_units.UnitStateError as exc:
        return {unit: ("unknown: %s" % exc, "unknown") for unit in units}
    return {unit: (props.get("ActiveState", "unknown"), props.get("UnitFileState") or "not-found")
            for unit, props in states.items()}


def probe_drift(argv):
    """None when the probe reports no drift, else a sentence."""
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return "probe %s could not run: %s" % (" ".join(argv), exc)
    if proc.returncode != 0:
        return "probe %s exited %d: %s" % (" ".join(argv), proc.returncode, (proc.stderr or proc.stdout).strip()[-300:])
    try:
        out = json.loads(proc.stdout or "null")
    except ValueError:
        return None
    if isinstance(out, dict) and out.get("changed"):
        return "probe %s reports a change to make" % " ".join(argv)
    return None


def compare(record, digest, force=False):
    """The reasons the instance is not what the record says (empty when it is)."""
    if force:
        return ["a full converge was asked for"]
    if not record:
        return ["no record of an earlier converge"]
    if record.get("version") != VERSION:
        return ["the record was written by another version"]
    if record.get("digest") != digest:
        return ["the intent, the variables or the collection changed since the last converge"]
    reasons = []
    for path, sha in sorted((record.get("files") or {}).items()):
        now = file_sha256(path)
        if now != sha:
            reasons.append("%s %s on the instance" % (path, "is missing" if now is None else "changed"))
    units = list(record.get("units") or [])
    for unit, (active, enabled) in sorted(unit_states(units).items()):
        if active != "active":
            reasons.append("unit %s is %s" % (unit, active))
        if enabled not in systemd_units.ENABLED_STATES:
            reasons.append("unit %s is %s" % (unit, enabled))
    for argv in record.get("probes") or []:
        problem = probe_drift([str(a) for a in argv])
        if problem:
            reasons.append(problem)
    return reasons


def read_record(path):
    try:
        with open(path) as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def check(digest, state_file=DEFAULT_STATE_FILE, force=False):
    """The result of state=check: converged or not, the reasons, and BIRD's state when converged and recorded."""
    previous = read_record(state_file)
    reasons = compare(previous, digest, force)
    result = {"changed": False, "converged": not reasons, "reasons": reasons, "digest": digest}
    if not reasons and previous.get("bird"):
        try:
            result["bird"] = read_state(run, **previous["bird"])
        except (BirdReadError, TypeError) as exc:
            result["bird"] = {"error": str(exc)}
    return result
