# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Podman orchestration of the lab: networks and containers from a plan (see addressing.plan).

Every object carries the label anycast.network.lab; set-up copes with leftovers of a killed run (same names,
stopped containers, stale networks) and tear-down selects by that label only.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import socket
import string
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.anycast.network.plugins.module_utils.lab import ca as ca_mod
from ansible_collections.anycast.network.plugins.module_utils.lab import frr
from ansible_collections.anycast.network.plugins.module_utils.lab import rpki as rpki_mod
from ansible_collections.anycast.network.plugins.module_utils.lab.addressing import LABEL

IMAGE = "localhost/anycast-lab-node"
COMMON_ARGS = ["--runtime", "runc", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1000:1000",
               "--stop-timeout", "3", "--dns", "none"]
ROUTER_SYSCTLS = ["net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1", "net.ipv4.fib_multipath_hash_policy=1",
                  "net.ipv6.fib_multipath_hash_policy=1", "net.ipv4.conf.all.rp_filter=0",
                  "net.ipv4.conf.default.rp_filter=0", "net.ipv6.conf.all.accept_dad=0",
                  "net.ipv6.conf.default.accept_dad=0"]
HOST_SYSCTLS = ["net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
                "net.ipv6.conf.all.accept_ra=0", "net.ipv6.conf.default.accept_ra=0"]
CAPS = {
    # MKNOD: podman's crun makes a workload container's /dev nodes (docs/workloads.md).
    "instance": ["NET_ADMIN", "NET_RAW", "NET_BROADCAST", "SYS_ADMIN", "MKNOD"],
    "carrier": ["NET_ADMIN", "NET_RAW", "NET_BROADCAST", "SYS_ADMIN"],
    "edge": ["NET_ADMIN", "NET_RAW", "NET_BROADCAST", "SYS_ADMIN"],
    "eyeball": ["NET_ADMIN", "NET_RAW", "NET_BROADCAST", "SYS_ADMIN"],
    "client": ["NET_ADMIN", "NET_RAW"],
    "ca": ["NET_ADMIN", "NET_RAW"],
}
PASSWORD_CHARS = string.ascii_letters + string.digits


class LabError(RuntimeError):
    pass


# The lab's networks need netavark: it lets a container hold a network's first address (the provider edges do), where
# CNI's bridge plugin keeps it for the host. Podman picks its backend once per machine (CNI where it ran before
# netavark was installed), so every podman call of the project names it.
BACKEND = "netavark"
PODMAN = ("podman", "--network-backend", BACKEND)


def podman(*args, check=True, timeout=120, input_text=None, backend=BACKEND):
    """podman with the network backend named (`backend="cni"` only to find what an older run left)."""
    proc = subprocess.run(["podman", "--network-backend", backend] + list(args), capture_output=True, text=True,
                          timeout=timeout, input=input_text, check=False)
    if check and proc.returncode != 0:
        raise LabError("podman %s failed (%d): %s" % (" ".join(args[:3]), proc.returncode,
                                                      (proc.stderr or proc.stdout).strip()[-2000:]))
    return proc


def _json(*args):
    out = podman(*args).stdout.strip()
    return json.loads(out) if out else []


def _made_by_the_lab(labels):
    """A container the lab made: its lab label names the node's kind. A container someone else made from the lab's
    image (a Molecule scenario's) inherits the image's label with the value `image`: never the lab's to remove."""
    return labels.get(LABEL) not in (None, "image") and "anycast.network.molecule" not in labels


def list_containers():
    """Containers the lab made (carrying the lab label, see _made_by_the_lab): {name: {state, labels}}."""
    out = {}
    for item in _json("ps", "-a", "--filter", "label=%s" % LABEL, "--format", "json"):
        if not _made_by_the_lab(item.get("Labels") or {}):
            continue
        names = item.get("Names") or []
        name = names[0] if names else item.get("Id")
        out[name] = {"state": item.get("State", ""), "labels": item.get("Labels") or {}, "id": item.get("Id")}
    return out


def list_networks():
    out = {}
    for item in _json("network", "ls", "--filter", "label=%s" % LABEL, "--format", "json"):
        out[item.get("name") or item.get("Name")] = {"labels": item.get("labels") or item.get("Labels") or {}}
    return out


def list_images():
    out = []
    for item in _json("images", "--filter", "label=%s" % LABEL, "--format", "json"):
        for name in item.get("Names") or []:
            out.append(name)
    return sorted(set(out))


def ensure_state(state_dir):
    """The lab's state directory: BGP password and the controller's SSH key, each generated once."""
    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    pw_file = os.path.join(state_dir, "bgp-password")
    if not os.path.exists(pw_file) or not open(pw_file, encoding="utf-8").read().strip():
        password = "".join(secrets.choice(PASSWORD_CHARS) for dummy in range(24))
        fd = os.open(pw_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(password + "\n")
    # ansible.builtin.password stores "<password> salt=..." when it generated the file; the password is the first word.
    password = open(pw_file, encoding="utf-8").read().strip().split()[0]
    key = os.path.join(state_dir, "id_ed25519")
    if not os.path.exists(key):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "anycast-lab-controller", "-f", key],
                       check=True, capture_output=True)
    pubkey = open(key + ".pub", encoding="utf-8").read().strip()
    return password, pubkey


def node_files(node, password, pubkey, ca=None):
    files = {"net.sh": frr.net_script(node)}
    if node["kind"] in ("carrier", "edge", "eyeball"):
        files["frr.conf"] = frr.render(node, password)
        files["daemons"] = frr.daemons(node)
    if node.get("rpki"):
        files["start.sh"] = rpki_mod.start_script()
    if node["kind"] == "instance":
        files["authorized_keys"] = pubkey + "\n"
        if ca:  # podman trusts it for the lab's registry (the image links it into /etc/containers/certs.d)
            files["lab-root.pem"] = ca["root_pem"]
    if node["kind"] == "ca" and ca:
        files.update(ca_mod.node_files(ca, node.get("dns_server")))
    return files


def file_mode(name):
    """Mode of a generated node file: scripts run, secrets stay private."""
    if name.endswith(".sh"):
        return 0o755
    if name == "frr.conf" or name.endswith("-key.pem"):
        return 0o600
    return 0o644


def ca_root_path(state_dir):
    return os.path.join(os.path.abspath(state_dir), "ca", "root.pem")


def ensure_ca(plan, state_dir):
    """The lab CA's certificates (generated once, see ca.ensure_ca), or None when the plan has no CA."""
    svc = (plan.get("services") or {}).get("ca")
    if not svc:
        return None
    return ca_mod.ensure_ca(state_dir, svc["hostname"], [svc.get("address"), svc.get("address6")],
                            names=[ca_mod.REGISTRY_HOSTNAME])


def run_args(node, image):
    kind = node["kind"]
    args = ["--name", node["container"], "--hostname", node["name"], "--label", "%s=%s" % (LABEL, kind)]
    args += COMMON_ARGS
    for cap in CAPS[kind]:
        args += ["--cap-add", cap]
    sysctls = ROUTER_SYSCTLS if kind in ("carrier", "edge", "eyeball") else HOST_SYSCTLS
    for sysctl in sysctls:
        args += ["--sysctl", sysctl]
    for iface in node["interfaces"]:
        opts = ["ip=%s" % iface["ip4"]]
        if iface.get("ip6"):
            opts.append("ip=%s" % iface["ip6"])
        opts.append("interface_name=%s" % iface["ifname"])
        args += ["--network", "%s:%s" % (iface["network"], ",".join(opts))]
    for name, addr in sorted(node.get("hosts", {}).items()):
        args += ["--add-host", "%s:%s" % (name, addr)]
    if node["systemd"]:
        args += ["--systemd", "always", image, "/sbin/init"]
    else:
        args += ["--systemd", "false", image, "/usr/local/sbin/anycast-lab-init"]
    return args


def _spec_hash(args, files, image_id):
    blob = json.dumps({"args": args, "files": files, "image": image_id}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _net_hash(net):
    return hashlib.sha256(json.dumps(net, sort_keys=True).encode()).hexdigest()[:16]


def _parallel(func, items, workers=6):
    errors = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for item, exc in zip(items, pool.map(lambda i: _catch(func, i), items)):
            if exc:
                errors.append("%s: %s" % (item, exc))
    if errors:
        raise LabError("; ".join(errors))


def ensure_image(script, image, check_mode=False):
    """Run the image script when the image its definition builds is missing or is not `image`; True when it ran."""
    script = os.path.abspath(script)
    root = os.path.dirname(os.path.dirname(os.path.dirname(script)))  # <root>/scripts/setup.d/<script>
    proc = subprocess.run(["bash", script, "--print-tag"], cwd=root, capture_output=True, text=True, check=False,
                          timeout=60)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise LabError("%s --print-tag failed: %s" % (script, (proc.stderr or proc.stdout).strip()))
    tag = proc.stdout.strip()
    ids = podman("image", "inspect", "--format", "{{.Id}}", tag, image, check=False).stdout.split()
    if len(ids) == 2 and ids[0] == ids[1]:
        return False
    if check_mode:
        return True
    proc = subprocess.run(["bash", script], cwd=root, capture_output=True, text=True, check=False, timeout=1800)
    if proc.returncode != 0:
        raise LabError("building the lab image failed: %s" % (proc.stderr or proc.stdout).strip()[-2000:])
    return True


def _catch(func, item):
    try:
        func(item)
        return None
    except Exception as exc:  # pylint: disable=broad-except
        return exc


# The least wait for a lab to be ready, per container: systemd, SSH host keys and FRR of every node start together.
SECONDS_PER_NODE = 2.5


def up(plan, state_dir, image="%s:current" % IMAGE, timeout=120, check_mode=False, routers="always"):
    """Bring the lab to the plan. Returns {changed, created, started, removed, networks_created, ...}, and the
    routers' BGP summaries under "summaries" when their sessions were waited for: always, or with
    routers="when_started" only when a container was created or started. With routers="answering" only the routers'
    FRR is waited for (when a container was created or started), not their sessions: for a caller that waits for
    the sessions itself later (site.yml's probe does), while the instances are configured."""
    t0 = time.monotonic()
    # The reads of what exists go side by side (each podman call costs about a tenth of a second).
    with ThreadPoolExecutor(max_workers=3) as pool:
        image_read = pool.submit(podman, "image", "inspect", "--format", "{{.Id}}", image, check=False)
        have_read = pool.submit(list_containers)
        nets_read = pool.submit(list_networks)
        image_proc = image_read.result()
        have, have_nets = have_read.result(), nets_read.result()
    if image_proc.returncode != 0:
        raise LabError("the lab image %s is missing: run scripts/setup.d/10-lab-image.sh" % image)
    image_id = image_proc.stdout.strip()
    timings = {}
    result = {"changed": False, "created": [], "started": [], "removed": [], "networks_created": [],
              "networks_removed": [], "timings": timings}
    password, pubkey = ensure_state(state_dir)
    ca = ensure_ca(plan, state_dir)
    nodes_dir = os.path.join(state_dir, "nodes")

    want_nets = {}
    for net in plan["networks"].values():
        want_nets[net["name"]] = dict(net, hash=_net_hash(net))
    want = {}
    for node in plan["nodes"].values():
        files = node_files(node, password, pubkey, ca)
        args = run_args(node, image)
        want[node["container"]] = {"node": node, "files": files, "args": args,
                                   "hash": _spec_hash(args, files, image_id)}

    # Containers to remove: not in the plan, or built from another spec; networks likewise.
    stale_nets = [n for n, info in have_nets.items()
                  if n not in want_nets or info["labels"].get(LABEL + ".spec") != want_nets[n]["hash"]]
    remove = [c for c, info in have.items()
              if c not in want or info["labels"].get(LABEL + ".spec") != want[c]["hash"]]
    # A container attached to a network that goes away must go too.
    for cname, spec in want.items():
        if cname in have and cname not in remove:
            if any(i["network"] in stale_nets for i in spec["node"]["interfaces"]):
                remove.append(cname)
    start = [c for c, info in have.items() if c not in remove and info["state"] != "running"]
    create = [c for c in want if c not in have or c in remove]
    create_nets = [n for n in want_nets if n not in have_nets or n in stale_nets]
    if remove or start or create or create_nets or stale_nets:
        result["changed"] = True
    result.update(removed=sorted(remove), started=sorted(start), created=sorted(create),
                  networks_created=sorted(create_nets), networks_removed=sorted(stale_nets))
    if check_mode:
        return result

    if remove:
        podman("rm", "-f", "-t", "0", *remove)
    if stale_nets:
        podman("network", "rm", "-f", *stale_nets)

    def _create_net(name):
        net = want_nets[name]
        args = ["network", "create", "--internal", "--disable-dns", "--label", "%s=network" % LABEL,
                "--label", "%s.spec=%s" % (LABEL, net["hash"]), "--subnet", net["subnet4"]]
        if net.get("gateway4"):
            args += ["--gateway", net["gateway4"]]
        if net.get("subnet6"):
            args += ["--ipv6", "--subnet", net["subnet6"]]
        podman(*(args + [name]))

    # Side by side, like the containers below (about 40 networks, each podman call mostly its own start-up).
    _parallel(_create_net, create_nets)

    for cname, spec in want.items():
        ndir = os.path.join(nodes_dir, spec["node"]["name"])
        os.makedirs(ndir, exist_ok=True)
        for fname, content in spec["files"].items():
            path = os.path.join(ndir, fname)
            mode = file_mode(fname)
            tmp = path + ".tmp"
            with open(tmp, "w", encoding="utf-8") as handle:
                handle.write(content)
            os.chmod(tmp, mode)
            os.replace(tmp, path)

    def _create(cname):
        spec = want[cname]
        ndir = os.path.abspath(os.path.join(nodes_dir, spec["node"]["name"]))
        args = spec["args"][:]
        # The volume goes before the image name (the last two arguments).
        args[-2:-2] = ["--label", "%s.spec=%s" % (LABEL, spec["hash"]), "-v", "%s:/etc/anycast-lab:ro" % ndir]
        podman("run", "-d", "--pull", "never", *args)

    def _start(cname):
        proc = podman("start", cname, check=False)
        if proc.returncode != 0:
            # A container left in a state podman cannot restart (killed mid-set-up): build it again.
            podman("rm", "-f", "-t", "0", cname, check=False)
            _create(cname)

    # The edges' VRP set: not part of a container's spec (a new set is read by the running stayrtr).
    rpki_mod.write_vrps(nodes_dir, [n["name"] for n in plan["nodes"].values() if n.get("rpki")], plan.get("roas", []))
    write_plan(plan, state_dir)
    timings["networks"] = round(time.monotonic() - t0, 2)
    # Whatever the wait is for starts first: the routers when their sessions are waited for (they take longest to
    # converge), else the instances (systemd's boot is then the longest).
    routers_first = routers != "answering"
    order = sorted(create, key=lambda c: ((want[c]["node"]["kind"] in ("carrier", "edge", "eyeball")) != routers_first,
                                          c))
    _parallel(_create, order)
    _parallel(_start, start)
    timings["containers"] = round(time.monotonic() - t0, 2)
    started = bool(create or start)
    wait_routers = {"always": True, "when_started": started, "answering": "answering" if started else False}[routers]
    summaries = {} if wait_routers is True else None
    waited = {}
    # Booting containers share the machine's cores: a large lab (the scale lab's 130 containers) needs longer.
    wait_ready(plan, timeout=max(timeout, int(SECONDS_PER_NODE * len(plan["nodes"]))), summaries=summaries,
               routers=wait_routers, waited=waited)
    timings.update({"%s_ready" % what: round(timings["containers"] + seconds, 2) for what, seconds in waited.items()})
    timings["ready"] = round(time.monotonic() - t0, 2)
    result["summaries"] = summaries
    return result


def write_plan(plan, state_dir):
    """The plan the probes read: <state_dir>/lab.json."""
    path = os.path.join(state_dir, "lab.json")
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(plan, handle, indent=1, sort_keys=True)
    os.replace(path + ".tmp", path)


def read_plan(state_dir):
    """The plan write_plan left in <state_dir>/lab.json; LabError when the lab was never brought up."""
    path = os.path.join(state_dir, "lab.json")
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as exc:
        raise LabError("no lab plan at %s (bring the lab up first): %s" % (path, exc))


# Commands in lab containers. As root, through nsenter into the container's namespaces (about 30 ms a call against
# 150 ms of CPU for podman exec, which the probes and readiness checks make dozens of); otherwise podman exec.
EXEC_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root",
            "LANG": "C.UTF-8", "container": "podman"}
_PIDS = {}
_PIDS_LOCK = threading.Lock()
_PIDS_PRIMED = []


def _start_time(pid):
    try:
        with open("/proc/%d/stat" % pid, encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _prime_pids():
    """Every running lab container's PID from one podman call, instead of one inspect per container."""
    proc = podman("ps", "--filter", "label=%s" % LABEL, "--format", "json", check=False)
    try:
        items = json.loads(proc.stdout) if proc.returncode == 0 and proc.stdout.strip() else []
    except ValueError:
        return
    for item in items:
        pid = item.get("Pid") or 0
        names = item.get("Names") or []
        if pid > 0 and names:
            _PIDS[names[0]] = (pid, _start_time(pid))


def _container_pid(container):
    """The PID of the container's first process, checked against its start time (a restarted container has another
    one); None when the container does not run or nsenter cannot be used."""
    if os.geteuid() != 0 or not os.path.exists("/usr/bin/nsenter"):
        return None
    with _PIDS_LOCK:
        if not _PIDS_PRIMED:
            _PIDS_PRIMED.append(True)
            _prime_pids()
    known = _PIDS.get(container)
    if known and _start_time(known[0]) == known[1]:
        return known[0]
    proc = podman("inspect", "--format", "{{.State.Pid}}", container, check=False)
    try:
        pid = int(proc.stdout.strip())
    except ValueError:
        return None
    if pid <= 0:
        return None
    _PIDS[container] = (pid, _start_time(pid))
    return pid


def exec_(container, *cmd, timeout=30, check=False, input_text=None):
    pid = _container_pid(container)
    if pid is None:
        if input_text is not None:
            return podman("exec", "-i", container, *cmd, check=check, timeout=timeout, input_text=input_text)
        return podman("exec", container, *cmd, check=check, timeout=timeout)
    argv = ["nsenter", "--target", str(pid), "--all", "--root", "--wd", "--"] + list(cmd)
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, input=input_text, check=False,
                          env=EXEC_ENV, stdin=None if input_text is not None else subprocess.DEVNULL)
    if check and proc.returncode != 0:
        raise LabError("%s in %s failed (%d): %s" % (" ".join(cmd[:3]), container, proc.returncode,
                                                     (proc.stderr or proc.stdout).strip()[-2000:]))
    return proc


def bgp_summary(container):
    proc = exec_(container, "vtysh", "-c", "show bgp vrf default summary json")
    if proc.returncode != 0:
        return None
    try:
        return json.loads(proc.stdout)
    except ValueError:
        return None


def router_summaries(plan, kinds=("carrier", "edge", "eyeball")):
    """{container: BGP summary (None when FRR does not answer)} of every lab router, read in parallel."""
    routers = [n["container"] for n in plan["nodes"].values() if n["kind"] in kinds]
    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(zip(routers, pool.map(bgp_summary, routers)))


def router_sessions(plan, container=None, summaries=None):
    """Every lab-router-to-lab-router BGP session: [{router, neighbor, description, family, state}].
    With summaries (from router_summaries), nothing is read again."""
    out = []
    routers = [n for n in plan["nodes"].values() if n["kind"] in ("carrier", "edge", "eyeball")]
    if container:
        routers = [n for n in routers if n["container"] == container]
    if summaries is None:
        summaries = {}

        def _fetch(node):
            summaries[node["container"]] = bgp_summary(node["container"])

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(_fetch, routers))
    for node in routers:
        summary = summaries.get(node["container"]) or {}
        peers = {}
        for af in ("ipv4Unicast", "ipv6Unicast"):
            peers.update((summary.get(af) or {}).get("peers") or {})
        for nb in node["neighbors"]:
            if nb["role"] == "instance":
                continue
            state = (peers.get(nb["address"]) or {}).get("state", "Unknown")
            out.append({"router": node["name"], "neighbor": nb["address"], "description": nb["description"],
                        "family": nb["family"], "state": state})
    return out


def instance_sessions(plan, summaries=None):
    """The provider edges' sessions with PoP instances (up only once the BIRD role has run).
    With summaries (from router_summaries), nothing is read again."""
    out = []
    for node in plan["nodes"].values():
        if node["kind"] != "edge":
            continue
        if summaries is not None and node["container"] in summaries:
            summary = summaries[node["container"]] or {}
        else:
            summary = bgp_summary(node["container"]) or {}
        peers = {}
        for af in ("ipv4Unicast", "ipv6Unicast"):
            peers.update((summary.get(af) or {}).get("peers") or {})
        for nb in node["neighbors"]:
            if nb["role"] == "instance":
                info = peers.get(nb["address"]) or {}
                out.append({"edge": node["name"], "instance": nb["description"], "neighbor": nb["address"],
                            "family": nb["family"], "state": info.get("state", "Unknown"),
                            "prefixes_received": info.get("pfxRcd", 0)})
    return out


def _tcp_open(addr, port, timeout=0.5):
    try:
        with socket.create_connection((addr, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            return sock.recv(4).startswith(b"SSH")
    except OSError:
        return False


def _router_down(node, seen=None):
    """The lab-router sessions of one router that are not Established (None when FRR does not answer yet)."""
    summary = bgp_summary(node["container"])
    if seen is not None:
        seen[node["container"]] = summary
    if summary is None:
        return None
    peers = {}
    for af in ("ipv4Unicast", "ipv6Unicast"):
        peers.update((summary.get(af) or {}).get("peers") or {})
    return [nb for nb in node["neighbors"]
            if nb["role"] != "instance" and (peers.get(nb["address"]) or {}).get("state") != "Established"]


def wait_ready(plan, timeout=120, summaries=None, routers=True, instances=True, waited=None):
    """Wait until every instance runs systemd and answers SSH (unless instances is false) and every lab router's
    sessions are Established (routers true), or only its FRR answers (routers "answering"), or nothing of the
    routers (false). The routers' last BGP summaries are left in summaries (a dict) when given;
    waited (a dict) gets the seconds until the instances and until the routers were ready."""
    deadline = time.monotonic() + timeout
    waited = {} if waited is None else waited
    pending_inst = {n["container"]: n for n in plan["nodes"].values() if instances and n["kind"] == "instance"}
    pending_rtr = {n["container"]: n for n in plan["nodes"].values()
                   if routers and n["kind"] in ("carrier", "edge", "eyeball")}
    last = {}

    def _check(item):
        cname, node = item
        if node["kind"] == "instance":
            mgmt = next(i["ip4"] for i in node["interfaces"] if i["ifname"] == "mgmt0")
            if not _tcp_open(mgmt, 22):
                last[cname] = "no ssh"
                return False
            state = exec_(cname, "systemctl", "is-system-running", timeout=10).stdout.strip()
            last[cname] = state
            return state in ("running", "degraded")
        down_list = _router_down(node, summaries)
        last[cname] = "no bgpd" if down_list is None else down_list
        return down_list is not None if routers == "answering" else down_list == []

    t0 = time.monotonic()
    while True:
        items = list(pending_inst.items()) + list(pending_rtr.items())
        with ThreadPoolExecutor(max_workers=8) as pool:
            done = list(pool.map(_check, items))
        for (cname, _node), ok in zip(items, done):
            if ok:
                pending_inst.pop(cname, None)
                pending_rtr.pop(cname, None)
        for what, pending in (("instances", pending_inst), ("routers", pending_rtr)):
            if not pending and what not in waited:
                waited[what] = round(time.monotonic() - t0, 2)
        if not pending_inst and not pending_rtr:
            return True
        if time.monotonic() > deadline:
            break
        time.sleep(0.5)
    detail = []
    if pending_inst:
        detail.append("instances not ready: %s" % ", ".join(
            "%s (%s)" % (c, last.get(c, "?")) for c in sorted(pending_inst)))
    for cname in sorted(pending_rtr):
        state = last.get(cname)
        if isinstance(state, list):
            detail.append("%s: no session with %s" % (cname, ", ".join(
                "%s/IPv%d" % (nb["description"], nb["family"]) for nb in state)))
        else:
            detail.append("%s: %s" % (cname, state))
    raise LabError("the lab is not ready after %ds: %s" % (timeout, "; ".join(detail)))


def cni_networks():
    """Lab networks that podman made with its CNI backend (a machine where podman picked CNI before the project named
    netavark): netavark does not list them. [] when podman's CNI backend cannot be asked."""
    try:
        proc = podman("network", "ls", "--filter", "label=%s" % LABEL, "--format", "{{.Name}}", check=False,
                      timeout=60, backend="cni")
    except (OSError, subprocess.TimeoutExpired):
        return []
    return sorted(line.strip() for line in proc.stdout.splitlines() if line.strip()) if proc.returncode == 0 else []


def down(keep_image=True, check_mode=False):
    """Remove every container, network (those of podman's CNI backend too) and (unless kept) image tag carrying the
    lab label."""
    containers = sorted(list_containers())
    networks = sorted(list_networks())
    legacy = cni_networks()
    images = [] if keep_image else list_images()
    result = {"changed": bool(containers or networks or legacy or images), "containers_removed": containers,
              "networks_removed": networks + ["%s (cni)" % name for name in legacy], "images_removed": images}
    if check_mode:
        return result
    if containers:
        podman("rm", "-f", "-t", "0", *containers)
    if networks:
        podman("network", "rm", "-f", *networks)
    if legacy:
        podman("network", "rm", "-f", *legacy, backend="cni")
    for name in images:
        podman("rmi", "-f", name, check=False)
    return result
