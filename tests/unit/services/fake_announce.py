#!/usr/bin/env python3
"""A stand-in for /usr/local/sbin/anycast-announce (the BIRD role's contract) for tests.

State in $FAKE_ANNOUNCE_STATE (JSON), every call appended to $FAKE_ANNOUNCE_LOG with a timestamp.
$FAKE_ANNOUNCE_FAIL names a verb that exits 1 (to emulate BIRD being down). `drain`/`withdraw --by NAME` records who
did it in "by", as the real command does.
"""
import json
import os
import sys
import time

state_path = os.environ.get("FAKE_ANNOUNCE_STATE", "/var/lib/anycast/announce.json")
log_path = os.environ.get("FAKE_ANNOUNCE_LOG", "/var/log/anycast-announce.log")
args = sys.argv[1:]
try:
    with open(state_path, encoding="utf-8") as fh:
        state = json.load(fh)
except (OSError, ValueError):
    state = {"mode": "normal", "gates": {}}
if log_path:
    with open(log_path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"t": time.time(), "args": args}) + "\n")
if not args:
    sys.exit(2)
if os.environ.get("FAKE_ANNOUNCE_FAIL") == args[0]:
    print("birdc: unable to connect", file=sys.stderr)
    sys.exit(1)
verb = args[0]
if verb == "status":
    print(json.dumps(state))
    sys.exit(0)
if verb == "gate" and len(args) >= 3 and len(args) % 2 == 1 and all(g in ("up", "down") for g in args[2::2]):
    for prefix, gate in zip(args[1::2], args[2::2]):
        state["gates"][prefix] = gate
elif verb in ("drain", "withdraw"):
    state["mode"] = verb
    state["by"] = args[2] if args[1:2] == ["--by"] and len(args) > 2 else None
elif verb == "undrain":
    state["mode"], state["by"] = "normal", None
elif verb == "fail-closed":
    state["gates"] = {prefix: "down" for prefix in state["gates"]}
else:
    print("usage", file=sys.stderr)
    sys.exit(2)
with open(state_path + ".tmp", "w", encoding="utf-8") as fh:
    json.dump(state, fh)
os.replace(state_path + ".tmp", state_path)
