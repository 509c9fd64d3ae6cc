#!/bin/bash
# The demo workload, built from this instance's own Python: an HTTP server that answers with its version and the
# instance's name. v3 is broken on purpose (it exits at once), for the rollback test. Pushed to 127.0.0.1:5000/demo.
set -euo pipefail
for version in "$@"; do
  if podman image exists "127.0.0.1:5000/demo:$version"; then continue; fi
  root=$(mktemp -d)
  for f in /usr/bin/python3.11 $(ldd /usr/bin/python3.11 | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$f")"; cp -L "$f" "$root$f"
  done
  mkdir -p "$root/usr/lib/python3.11" "$root/tmp" "$root/etc"
  (cd /usr/lib/python3.11 && tar -c --exclude=test --exclude=__pycache__ --exclude=idlelib --exclude=tkinter \
    --exclude=ensurepip --exclude=lib2to3 --exclude=distutils --exclude=pydoc_data . ) | tar -C "$root/usr/lib/python3.11" -x
  ln -s python3.11 "$root/usr/bin/python3"
  cat > "$root/app.py" <<'PY'
import http.server, os, socket, sys
if os.environ.get("DEMO_VERSION") == "v3":
    sys.exit("v3 is broken on purpose")
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("%s %s %s\n" % (os.environ["DEMO_VERSION"], socket.gethostname(),
                                "token-set" if os.environ.get("DEMO_TOKEN") else "no-token")).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, fmt, *args):
        print("%s %s" % (self.address_string(), fmt % args), flush=True)
print("demo %s listening on %s" % (os.environ["DEMO_VERSION"], os.environ.get("PORT", "8080")), flush=True)
http.server.ThreadingHTTPServer(("", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()
PY
  tar -C "$root" -c . | podman import -q --change "ENV=DEMO_VERSION=$version" \
    --change 'CMD=["/usr/bin/python3","-u","/app.py"]' - "127.0.0.1:5000/demo:$version" >/dev/null
  rm -rf "$root"
  podman push -q "127.0.0.1:5000/demo:$version"
  echo "pushed $version"
done
