# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab's image registry and its demo workload (docs/lab.md, "Workloads").

The registry is Debian's docker-registry on the CA node (`registry.lab.test:5000`, started by the node's start
script, ca.start_script), with pebble's API certificate, which the lab root signs and which names the registry too.
Instances trust the lab root for that registry only (/etc/containers/certs.d, set up by the lab image).

The demo app is built here from the lab's own image (no image comes from outside): a root file system holding the
image's Python and a small server (`demo.py`: HTTP on $PORT, or a UDP echo on $UDP_PORT, each answering with its
version and the instance's name), imported with `podman import` in a few versions, and pushed to the lab registry
from the controller's podman inside the CA node's network namespace (the registry is on lab addresses only), with
TLS verified against the lab root.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time

from ansible_collections.anycast.network.plugins.module_utils.lab import ca as ca_mod
from ansible_collections.anycast.network.plugins.module_utils.lab import podman as podman_mod
from ansible_collections.anycast.network.plugins.module_utils.lab.addressing import LABEL

DEMO_IMAGE = "localhost/anycast-lab-demo"
DEMO_REPOSITORY = "demo"
# v1 and v2 answer; unhealthy starts and listens but answers its health path with 503 (a rollout must stop on it).
DEMO_VERSIONS = ("v1", "v2", "unhealthy")
# Seconds the registry has to answer after the CA node (re)started (it starts in the background).
REGISTRY_WAIT = 60

DEMO_APP = r'''"""The lab's demo workload: `demo.py http` (HTTP on $PORT) or `demo.py udp` (UDP echo on $UDP_PORT), both
answering "demo <version> <instance>"; the version is the image's DEMO_VERSION."""
import http.server
import os
import socket
import sys

VERSION = os.environ.get("DEMO_VERSION", "v0")
NAME = socket.gethostname()
ANSWER = "demo %s %s\n" % (VERSION, NAME)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        status = 503 if self.path == "/healthz" and VERSION == "unhealthy" else 200
        body = ANSWER.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Demo-Version", VERSION)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


def udp(port):
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    # The answer leaves from the address the datagram was sent to (the anycast address), not the first one.
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
    sock.bind(("::", port))
    print("demo %s udp on %d" % (VERSION, port), flush=True)
    while True:
        data, anc, _flags, peer = sock.recvmsg(2048, 256)
        info = [a for a in anc if a[0] == socket.IPPROTO_IPV6 and a[1] == socket.IPV6_PKTINFO]
        reply = (ANSWER.strip() + " " + data.decode("utf-8", "replace").strip()[:100] + "\n").encode()
        sock.sendmsg([reply], [(socket.IPPROTO_IPV6, socket.IPV6_PKTINFO, info[0][2])] if info else [], 0, peer)


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "http"
    if mode == "udp":
        udp(int(os.environ.get("UDP_PORT", "7007")))
    port = int(os.environ.get("PORT", "8080"))
    print("demo %s http on %d" % (VERSION, port), flush=True)
    Server(("::", port), Handler).serve_forever()


main()
'''

# Run in a container of the lab image: the image's Python, its libraries and the demo as a tar on stdout.
ROOTFS_SCRIPT = r'''set -eu
root=$(mktemp -d)
py=$(readlink -f /usr/bin/python3)
for f in "$py" $(ldd "$py" | grep -o '/[^ ]*'); do mkdir -p "$root$(dirname "$f")"; cp -L "$f" "$root$f"; done
lib=$(dirname "$(python3 -c 'import os; print(os.__file__)')")
mkdir -p "$root$lib" "$root/tmp" "$root/etc" "$root/app"
(cd "$lib" && tar -c --exclude=test --exclude=__pycache__ --exclude=idlelib --exclude=tkinter --exclude=ensurepip \
  --exclude=lib2to3 --exclude=distutils --exclude=pydoc_data --exclude=site-packages --exclude=dist-packages .) \
  | tar -C "$root$lib" -x
ln -s "$(basename "$py")" "$root/usr/bin/python3" 2>/dev/null || true
chmod 1777 "$root/tmp"
cat > "$root/app/demo.py"
tar --numeric-owner -C "$root" -c .
'''


class RegistryError(RuntimeError):
    pass


BUILD_LABEL = LABEL + ".build"


def _remove_build_leftovers():
    proc = podman_mod.podman("ps", "-a", "-q", "--filter", "label=%s" % BUILD_LABEL, check=False)
    ids = proc.stdout.split()
    if ids:
        podman_mod.podman("rm", "-f", "-t", "0", *ids, check=False)


def lab_images(intent, plan):
    """The intent's workload images that name the lab's registry."""
    if isinstance(intent, dict) and "anycast_intent" in intent:
        intent = intent["anycast_intent"]
    registry = ((plan.get("services") or {}).get("ca") or {}).get("registry")
    if not registry:
        return []
    return sorted({str(s.get("image")) for s in ((intent or {}).get("services") or {}).values()
                   if isinstance(s, dict) and s.get("kind") == "workload"
                   and str(s.get("image", "")).startswith(registry + "/")})


def _image_id(ref):
    proc = podman_mod.podman("image", "inspect", "--format", "{{.Id}}", ref, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def _label(ref, key):
    proc = podman_mod.podman("image", "inspect", "--format", "{{index .Labels \"%s\"}}" % key, ref, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def build_demo(lab_image, check_mode=False):
    """The demo's versions as local images (<DEMO_IMAGE>:<version>), built from lab_image; an image built from
    another lab image (or left half-built) is built again. Returns the versions built."""
    base = _image_id(lab_image)
    if not base:
        raise RegistryError("the lab image %s is missing" % lab_image)
    built = []
    for version in DEMO_VERSIONS:
        ref = "%s:%s" % (DEMO_IMAGE, version)
        if _label(ref, LABEL + ".base") == base:
            continue
        built.append(version)
        if check_mode:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            tar = os.path.join(tmp, "rootfs.tar")
            with open(tar, "wb") as out:
                # The lab's own container arguments (runtime, the limits this host allows).
                # Its own label, not the lab's: the lab's set-up, running meanwhile, removes lab containers it did
                # not plan. One left by a killed run is removed first (by that label).
                _remove_build_leftovers()
                argv = (["podman", "--network-backend", podman_mod.BACKEND, "run", "--rm", "-i", "--network", "none",
                         "--pull", "never", "--label", "%s=demo" % BUILD_LABEL, "--entrypoint", "/bin/sh"]
                        + podman_mod.COMMON_ARGS[:podman_mod.COMMON_ARGS.index("--stop-timeout")]
                        + [lab_image, "-c", ROOTFS_SCRIPT])
                proc = subprocess.run(argv, input=DEMO_APP.encode(), stdout=out, stderr=subprocess.PIPE,
                                      timeout=300, check=False)
            if proc.returncode != 0:
                raise RegistryError("building the demo's root file system failed: %s"
                                    % proc.stderr.decode("utf-8", "replace")[-2000:])
            podman_mod.podman(
                "import", "--quiet",
                "--change", "ENV DEMO_VERSION=%s" % version,
                "--change", 'CMD ["/usr/bin/python3", "-u", "/app/demo.py", "http"]',
                "--change", "LABEL %s=demo" % LABEL,
                "--change", "LABEL %s.base=%s" % (LABEL, base),
                "--message", "anycast.network lab demo %s" % version, tar, ref, timeout=300)
    return built


def _in_ca_netns(plan, argv, timeout=120):
    """argv (a controller command) in the CA node's network namespace: the registry is on lab addresses only."""
    container = plan["services"]["ca"]["container"]
    pid = podman_mod._container_pid(container)  # pylint: disable=protected-access
    if pid is None:
        raise RegistryError("the lab's registry is reached from the CA node's network namespace, as root "
                            "(nsenter), and %s does not run" % container)
    return subprocess.run(["nsenter", "--target", str(pid), "--net", "--"] + list(argv), capture_output=True,
                          text=True, timeout=timeout, check=False)


def _url(plan, path):
    return "https://%s:%d%s" % (plan["services"]["ca"]["address"], ca_mod.REGISTRY_PORT, path)


def wait_registry(plan, root, timeout=REGISTRY_WAIT):
    """Until the registry answers its API root (/v2/, 200) with a certificate the lab root verifies."""
    deadline = time.monotonic() + timeout
    while True:
        proc = _in_ca_netns(plan, ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "3",
                                   "--cacert", root, _url(plan, "/v2/")], timeout=10)
        if proc.stdout.strip() == "200":
            return
        if time.monotonic() > deadline:
            raise RegistryError("the lab's registry does not answer on %s (curl: %d %s)"
                                % (_url(plan, "/v2/"), proc.returncode, (proc.stderr or proc.stdout).strip()))
        time.sleep(0.5)


MANIFEST_TYPES = ("application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, "
                  "application/vnd.docker.distribution.manifest.v1+prettyjws")


def has_tag(plan, root, repository, tag):
    proc = _in_ca_netns(plan, ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "5", "-I",
                               "--cacert", root, "-H", "Accept: %s" % MANIFEST_TYPES,
                               _url(plan, "/v2/%s/manifests/%s" % (repository, tag))], timeout=15)
    return proc.stdout.strip() == "200"


def push_demo(plan, state_dir, check_mode=False):
    """Every demo version the registry lacks, pushed (TLS verified against the lab root). Returns those pushed."""
    root = podman_mod.ca_root_path(state_dir)
    wait_registry(plan, root)
    missing = [v for v in DEMO_VERSIONS if not has_tag(plan, root, DEMO_REPOSITORY, v)]
    if check_mode or not missing:
        return missing
    with tempfile.TemporaryDirectory() as certs:
        # containers-certs.d(5): a directory of CA certificates (*.crt) for the registry pushed to.
        with open(os.path.join(certs, "ca.crt"), "w", encoding="utf-8") as handle:
            handle.write(open(root, encoding="utf-8").read())
        for version in missing:
            dest = "docker://%s:%d/%s:%s" % (plan["services"]["ca"]["address"], ca_mod.REGISTRY_PORT,
                                             DEMO_REPOSITORY, version)
            proc = _in_ca_netns(plan, ["podman", "push", "--quiet", "--cert-dir", certs,
                                       "%s:%s" % (DEMO_IMAGE, version), dest], timeout=300)
            if proc.returncode != 0:
                raise RegistryError("pushing the demo %s to the lab's registry failed: %s"
                                    % (version, (proc.stderr or proc.stdout).strip()[-2000:]))
    return missing


def ensure_demo(plan, state_dir, intent, lab_image, check_mode=False, built=None):
    """The demo built (unless `built` says which versions a caller built already) and in the lab's registry when
    the intent runs an image from it. Returns {"built": [...], "pushed": [...]} (empty when nothing was needed)."""
    if not lab_images(intent, plan):
        return {"built": [], "pushed": []}
    if built is None:
        built = build_demo(lab_image, check_mode=check_mode)
    return {"built": built, "pushed": push_demo(plan, state_dir, check_mode=check_mode)}
