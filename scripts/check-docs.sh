#!/usr/bin/env bash
# Every module and plugin must render with ansible-doc; every role must have an argument spec.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
for f in plugins/modules/*.py; do
  [ -e "$f" ] || continue
  name=$(basename "$f" .py)
  ansible-doc -t module "anycast.network.$name" >/dev/null 2>/tmp/ansible-doc.err.$$ || { echo "ansible-doc fails for module $name:"; cat /tmp/ansible-doc.err.$$; fail=1; }
done
for kind in inventory filter lookup callback strategy; do
  pattern="plugins/$kind/*.py"
  [ "$kind" = filter ] && pattern="plugins/filter/*.yml"
  for f in $pattern; do
    [ -e "$f" ] || continue
    name=$(basename "${f%.*}")
    ansible-doc -t "$kind" "anycast.network.$name" >/dev/null 2>/tmp/ansible-doc.err.$$ || { echo "ansible-doc fails for $kind $name:"; cat /tmp/ansible-doc.err.$$; fail=1; }
  done
done
rm -f /tmp/ansible-doc.err.$$
for role in roles/*/; do
  [ -f "$role/meta/argument_specs.yml" ] || { echo "$role has no meta/argument_specs.yml"; fail=1; }
done
[ $fail = 0 ] && echo "docs: every module, plugin and role documented"
exit $fail
