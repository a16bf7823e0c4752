#!/usr/bin/env bash
# Browser tests: Debian's chromium driven by playwright-core (see DESIGN.md),
# and mailpit as the real SMTP server the campaign journey sends to.
# Installs what is missing, builds ratify once, starts mailpit on free local
# ports, then runs the node:test suite; exits non-zero on failure.
# Usage: bash e2e/run.sh [FILE.test.mjs ...]   (from anywhere; no FILE: every
#        *.test.mjs in e2e/; CHROMIUM=/path/to/chromium to override)
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$PATH:/usr/local/go/bin"
export PATH="$PATH:$(go env GOPATH)/bin"

missing=()
command -v chromium >/dev/null || missing+=(chromium)
{ command -v node >/dev/null && command -v npm >/dev/null; } || missing+=(nodejs npm)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "e2e: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
export CHROMIUM="${CHROMIUM:-$(command -v chromium)}"

# `npx playwright install` cannot work here: only the npm packages are needed.
if [ ! -d node_modules/playwright-core ] || [ ! -f node_modules/axe-core/axe.min.js ]; then
  echo "e2e: npm ci"
  npm ci --no-audit --no-fund
fi

# mailpit, the SMTP server with an HTTP API that the campaign journey reads
# its messages back from. v1.33.1 builds with Go 1.26; v1.27.11 is the fallback.
if ! command -v mailpit >/dev/null; then
  echo "e2e: go install mailpit"
  go install github.com/axllent/mailpit@v1.33.1 || go install github.com/axllent/mailpit@v1.27.11
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ratify-e2e-run.XXXXXX")
mailpit_pid=""
cleanup() {
  if [ -n "$mailpit_pid" ]; then
    kill "$mailpit_pid" 2>/dev/null || true
    wait "$mailpit_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# One build for every test file (each starts its own server from it).
echo "e2e: go build"
(cd .. && go build -o "$work/ratify" ./cmd/ratify)
export RATIFY_E2E_BIN="$work/ratify"

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
smtp_port=$(free_port)
http_port=$(free_port)
while [ "$http_port" = "$smtp_port" ]; do http_port=$(free_port); done
mailpit --listen "127.0.0.1:$http_port" --smtp "127.0.0.1:$smtp_port" --database "$work/mailpit.db" \
  --disable-version-check --smtp-disable-rdns >"$work/mailpit.log" 2>&1 &
mailpit_pid=$!
export E2E_MAILPIT_SMTP="127.0.0.1:$smtp_port"
export E2E_MAILPIT_API="http://127.0.0.1:$http_port"
if ! node -e '
  const url = process.argv[1] + "/api/v1/info";
  const deadline = Date.now() + 20000;
  (async () => {
    while (Date.now() < deadline) {
      try { if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).ok) return; } catch {}
      await new Promise((r) => setTimeout(r, 100));
    }
    process.exit(1);
  })();' "$E2E_MAILPIT_API"; then
  echo "e2e: mailpit did not start:" >&2
  cat "$work/mailpit.log" >&2
  exit 1
fi

echo "e2e: browser tests ($("$CHROMIUM" --version 2>/dev/null || echo chromium), node $(node --version), mailpit at $E2E_MAILPIT_API)"
if [ "$#" -gt 0 ]; then
  files=()
  for f in "$@"; do files+=("${f#e2e/}"); done # paths from the repository root work too
  node --test "${files[@]}"
else
  npm test
fi
