#!/usr/bin/env bash
# Installs Debian's Chromium for the real-browser test (test/browser/chromium.test.ts), which drives
# it with playwright-core at /usr/bin/chromium. A test tool's own browser download does not work on
# our machines, so the system package is the one supported browser. Idempotent and non-interactive:
# safe to run on every CI start (as root, or with sudo available).
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi

sudo=''
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-chromium: need root (or sudo) to apt-get install chromium" >&2; exit 1; }
  sudo='sudo'
fi

export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-liberation >/dev/null
echo "chromium installed: $(/usr/bin/chromium --version)"
