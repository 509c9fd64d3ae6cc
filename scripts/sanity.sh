#!/usr/bin/env bash
# ansible-test sanity on the collection as it ships: build the tarball from this checkout, unpack it into
# ansible_collections/anycast/network in a temporary directory outside the checkout (inside it, ansible-test
# would take the checkout's git for the list of files and find none to test) and run the sanity tests there.
# Run it from a checkout's root: scripts/sanity.sh [more ansible-test sanity options, e.g. --test pylint]
#
# ansible-test runs with --venv: it makes its own virtualenvs (one for itself, one per sanity test, under
# ~/.ansible/test/venv) and installs each test's pinned requirements there (--requirements) with the machine's
# pip configuration. The project's .venv only provides ansible-test itself and is never installed into.
set -euo pipefail
root=$PWD
if [ ! -f "$root/galaxy.yml" ] || [ ! -d "$root/plugins" ]; then
  echo "sanity.sh: run it from the collection's root (where galaxy.yml is)" >&2
  exit 2
fi
# The tools of the checkout's virtualenv when there is one, else those already on PATH.
if [ -x "$root/.venv/bin/ansible-test" ]; then
  PATH="$root/.venv/bin:$PATH"
fi
PYTHON_VERSION=${ANYCAST_SANITY_PYTHON:-3.11}

# ansible-test makes its virtualenvs without pip and bootstraps pip with a get-pip script that it downloads from
# its own CI file host, which a machine that only reaches the package registries cannot. It looks for that script
# in its cache first; when none is there, put one there that does the same with what the machine has: the
# interpreter's bundled pip (ensurepip), then pip installing the pinned pip version through the machine's pip
# configuration. A get-pip script of another origin already in the cache is left as it is.
py="$(dirname "$(command -v ansible-test)")/python"
[ -x "$py" ] || py=python3
ansible_test_dir=$("$py" -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')
pip_version=$(sed -n "s/^ *pip='\([0-9.]*\)',\?\$/\1/p" "$ansible_test_dir/_internal/python_requirements.py" | head -n1)
if [ -n "$pip_version" ]; then
  get_pip="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
  if [ ! -e "$get_pip" ] || grep -q '^# anycast.network sanity.sh$' "$get_pip"; then
    mkdir -p "$(dirname "$get_pip")"
    cat > "$get_pip" <<'PY'
# anycast.network sanity.sh
"""Bootstraps pip into an empty virtualenv: the interpreter's bundled pip, then pip install with the arguments given."""
import subprocess
import sys

args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]  # get-pip's own options
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], stdout=subprocess.DEVNULL)
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "--upgrade", *args]))
PY
  fi
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/anycast-sanity.XXXXXX")
trap 'rm -rf "$work"' EXIT
tree="$work/ansible_collections/anycast/network"
mkdir -p "$work/dist" "$tree"
ansible-galaxy collection build --force --output-path "$work/dist" "$root" >/dev/null
tar -xzf "$work"/dist/anycast-network-*.tar.gz -C "$tree"
cd "$tree"
# The tests see the built collection only, with ansible-core's defaults, not the checkout's configuration.
unset ANSIBLE_CONFIG ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS
ansible-test sanity --venv --requirements --python "$PYTHON_VERSION" --color no "$@"
