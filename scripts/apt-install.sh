#!/usr/bin/env bash
# Installs Debian packages that a test suite runs as real peers (Chromium, nginx, Caddy, HAProxy).
# Usage: apt-install.sh WHO WHAT-FOR PACKAGE...
# Non-interactive, as root or with passwordless sudo; otherwise it fails saying how. The packages'
# own system services are never started (policy-rc.d answers 101): the tests start their own
# instances on temporary ports. Callers check first whether the tools are already there.
set -euo pipefail

who=$1 purpose=$2
shift 2

sudo=''
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null || ! sudo -n true 2>/dev/null; then
    echo "$who: $purpose, and installing them needs root." >&2
    echo "  Run once as root: apt-get install -y $*" >&2
    echo "  (or run this script again with sudo), then npm test again." >&2
    exit 1
  fi
  sudo='sudo -n'
fi

export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod +x /usr/sbin/policy-rc.d
  trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
fi
$sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
