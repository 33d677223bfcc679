#!/usr/bin/env bash
# Installs Debian's nginx (auth_request is built into nginx-light), Caddy (forward_auth) and HAProxy
# (Lua with core.httpclient, for proxies/haproxy/jotjwt-auth.lua) for the real-proxy tests (packages/gateway/test/proxies.test.ts), which start them on temporary ports with
# generated configurations. `npm test` runs this first. Idempotent and non-interactive (as root, or
# with passwordless sudo); otherwise it fails saying how. The packages' own services are not used.
set -euo pipefail

if command -v nginx >/dev/null && command -v caddy >/dev/null && command -v haproxy >/dev/null; then
  echo "proxies already installed: $(nginx -v 2>&1), caddy $(caddy version 2>/dev/null), $(haproxy -v 2>/dev/null | head -1)"
  exit 0
fi

sudo=''
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null || ! sudo -n true 2>/dev/null; then
    echo "install-proxies: the gateway's proxy tests need Debian's nginx, caddy and haproxy, and installing them needs root." >&2
    echo "  Run once as root: apt-get install -y nginx-light caddy haproxy" >&2
    echo "  (or: sudo bash packages/gateway/scripts/install-proxies.sh), then npm test again." >&2
    exit 1
  fi
  sudo='sudo -n'
fi

export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# policy-rc.d 101: the packages must not start their system services (the tests run their own).
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod +x /usr/sbin/policy-rc.d
  trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
fi
$sudo apt-get install -y -qq --no-install-recommends nginx-light caddy haproxy >/dev/null
echo "proxies installed: $(nginx -v 2>&1), caddy $(caddy version), $(haproxy -v | head -1)"
