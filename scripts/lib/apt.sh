# shellcheck shell=bash
# apt_ensure PACKAGE...: install the Debian packages that are missing, quietly, without starting any service they
# ship (policy-rc.d for the duration of the install). Honours ANYCAST_SKIP_APT=1.
apt_ensure() {
  [ "${ANYCAST_SKIP_APT:-0}" = 1 ] && return 0
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  echo "== apt: installing ${missing[*]}"
  local policy=/usr/sbin/policy-rc.d created=0 rc=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod 0755 "$policy"
    created=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } || rc=$?
  [ "$created" = 1 ] && rm -f "$policy"
  return "$rc"
}
