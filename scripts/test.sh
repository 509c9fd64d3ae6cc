#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine, as root: set-up, linters, unit, integration, Molecule, lab.
# Select parts with ANYCAST_TEST_PARTS="lint unit integration molecule lab" (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
export ANSIBLE_CONFIG="$PWD/ansible.cfg"
# Only the checkout is the collection: a copy installed elsewhere must never shadow it.
export ANSIBLE_COLLECTIONS_PATH="$PWD/collections"
parts=${ANYCAST_TEST_PARTS:-"lint unit integration molecule lab"}
status=0
run() { echo "== $*"; "$@" || status=1; }
# Unit and integration tests run under both ansible-core versions that meta/runtime.yml allows: the project's
# .venv (2.19) and the one scripts/setup.sh builds for 2.18; the tests take their tools from the Python that runs them.
# In file order: pyproject.toml's addopts say -p no:randomly (benchmarks/race_hunt.py is where order is shuffled).
OLD_CORE_VENV="$PWD/.cache/venv-core-${ANYCAST_OLD_CORE:-2.18}"
on_old_core() { PATH="$OLD_CORE_VENV/bin:$PATH" "$@"; }

for part in $parts; do
  case $part in
    lint)
      run yamllint -s .
      run ansible-lint --profile production
      run antsibull-changelog lint
      run antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
      run ./scripts/sanity.sh
      run ./scripts/check-docs.sh
      ;;
    unit)
      # tests/unit/hardening renders through Ansible's own Templar, which needs ansible-core's collection loader
      # installed in the process (init_plugin_loader); the other unit tests import the collection as a plain
      # package, which that loader then refuses. Each kind runs in its own process.
      run pytest -q -p no:cacheprovider -n 2 tests/unit --ignore=tests/unit/hardening
      run pytest -q -p no:cacheprovider -n 2 tests/unit/hardening
      run on_old_core pytest -q -p no:cacheprovider -n 2 tests/unit --ignore=tests/unit/hardening
      run on_old_core pytest -q -p no:cacheprovider -n 2 tests/unit/hardening
      ;;
    integration)
      if [ -d tests/integration ] && find tests/integration -name 'test_*.py' | grep -q .; then
        run pytest -q -p no:cacheprovider tests/integration
        # A test that runs no part of ansible-core proves nothing more on the older one.
        run on_old_core pytest -q -p no:cacheprovider -m "not ansible_free" tests/integration
      fi
      ;;
    molecule)
      for scenario in molecule/*/molecule.yml; do
        [ -e "$scenario" ] || continue
        name=$(basename "$(dirname "$scenario")")
        [ "$name" = shared ] && continue
        run molecule test -s "$name"
      done
      ;;
    lab)
      if find tests/lab -name 'test_*.py' | grep -q .; then
        run pytest -q -p no:cacheprovider -m lab tests/lab
      fi
      ;;
  esac
done
exit $status
