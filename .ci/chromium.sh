#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium for the portal's browser tests (test/e2e/), and that
# the portal package (portal/, its own package.json) is installed and built, since those tests serve the
# built portal. Idempotent: installs only what is missing. Without Chromium the e2e tests report themselves
# skipped; without a built portal the same.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "chromium.sh: /usr/bin/chromium is missing and installing it needs root" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
/usr/bin/chromium --version

# The portal is its own package: its dependencies and build never enter the client's node_modules or dist/.
npm --prefix "$ROOT/portal" ci --no-audit --no-fund
npm --prefix "$ROOT/portal" run build
