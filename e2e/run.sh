#!/usr/bin/env bash
# Browser tests: Debian's chromium driven by playwright-core (see DESIGN.md).
# Installs what is missing, then runs the node:test suite; exits non-zero on failure.
# Usage: bash e2e/run.sh   (from anywhere; CHROMIUM=/path/to/chromium to override)
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$PATH:/usr/local/go/bin"

missing=()
command -v chromium >/dev/null || missing+=(chromium)
{ command -v node >/dev/null && command -v npm >/dev/null; } || missing+=(nodejs npm)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "e2e: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
export CHROMIUM="${CHROMIUM:-$(command -v chromium)}"

# `npx playwright install` cannot work here: only the npm package is needed.
if [ ! -d node_modules/playwright-core ]; then
  echo "e2e: npm ci"
  npm ci --no-audit --no-fund
fi

echo "e2e: browser tests ($("$CHROMIUM" --version 2>/dev/null || echo chromium), node $(node --version))"
npm test
