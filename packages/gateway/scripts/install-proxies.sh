#!/usr/bin/env bash
# Installs Debian's nginx (auth_request is built into nginx-light), Caddy (forward_auth) and HAProxy
# (Lua with core.httpclient, for proxies/haproxy/jotjwt-auth.lua) for the real-proxy tests
# (packages/gateway/test/proxies.test.ts), which start them on temporary ports with generated
# configurations. `npm test` runs this first. Idempotent; the install itself is
# scripts/apt-install.sh (root or passwordless sudo; the packages' own services are not started).
set -euo pipefail

if command -v nginx >/dev/null && command -v caddy >/dev/null && command -v haproxy >/dev/null; then
  echo "proxies already installed: $(nginx -v 2>&1), caddy $(caddy version 2>/dev/null), $(haproxy -v 2>/dev/null | head -1)"
  exit 0
fi

bash "$(dirname "$0")/../../../scripts/apt-install.sh" install-proxies \
  "the gateway's proxy tests need Debian's nginx, caddy and haproxy" \
  nginx-light caddy haproxy
echo "proxies installed: $(nginx -v 2>&1), caddy $(caddy version), $(haproxy -v | head -1)"
