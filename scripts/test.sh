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
      run pytest -q -p no:cacheprovider tests/unit
      ;;
    integration)
      if [ -d tests/integration ] && find tests/integration -name 'test_*.py' | grep -q .; then
        run pytest -q -p no:cacheprovider tests/integration
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
