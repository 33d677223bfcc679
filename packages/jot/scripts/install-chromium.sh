#!/usr/bin/env bash
# Installs Debian's Chromium for the real-browser test (test/browser/chromium.test.ts), which drives
# it with playwright-core at /usr/bin/chromium. A test tool's own browser download does not work on
# our machines, so the system package is the one supported browser. `npm test` runs this first.
# Idempotent; the install itself is scripts/apt-install.sh (root or passwordless sudo).
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi

bash "$(dirname "$0")/../../../scripts/apt-install.sh" install-chromium \
  "the browser test suite needs Debian's Chromium at /usr/bin/chromium" \
  chromium chromium-driver fonts-liberation
echo "chromium installed: $(/usr/bin/chromium --version)"
