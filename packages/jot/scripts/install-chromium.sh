#!/usr/bin/env bash
# Installs Debian's Chromium for the real-browser test (test/browser/chromium.test.ts), which drives
# it with playwright-core at /usr/bin/chromium. A test tool's own browser download does not work on
# our machines, so the system package is the one supported browser. `npm test` runs this first.
# Idempotent and non-interactive (as root, or with passwordless sudo); otherwise it fails saying how.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi

sudo=''
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null || ! sudo -n true 2>/dev/null; then
    echo "install-chromium: the browser test suite needs Debian's Chromium at /usr/bin/chromium, and installing it needs root." >&2
    echo "  Run once as root: apt-get install -y chromium chromium-driver fonts-liberation" >&2
    echo "  (or: sudo bash packages/jot/scripts/install-chromium.sh), then npm test again." >&2
    exit 1
  fi
  sudo='sudo -n'
fi

export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-liberation >/dev/null
echo "chromium installed: $(/usr/bin/chromium --version)"
