#!/usr/bin/env bash
# govulncheck without vuln.go.dev: the Go vulnerability database is also
# published as the Go module golang.org/x/vulndb (its OSV files), which the
# module proxy serves. This builds a local database from a pinned snapshot
# (cached beside the Go build cache) and checks the code against it.
#
# It fails on any reachable vulnerability in a module we depend on. Findings
# in the standard library are printed but only fail the run with
# RATIFY_VULN_STRICT=1: they are fixed by a newer Go toolchain, and the
# toolchain is the machine's (GOTOOLCHAIN=local); SECURITY.md lists them.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

vulndb=golang.org/x/vulndb@v0.0.0-20261105234957-e22db6528018 # snapshot of 2026-11-05
govulncheck=golang.org/x/vuln/cmd/govulncheck@v1.9.0

cache="$(go env GOCACHE)/ratify-vulndb-${vulndb##*@}"
if [ ! -f "$cache/index/db.json" ]; then
  echo "govulncheck: building the vulnerability database from $vulndb"
  src=$(go mod download -json "$vulndb" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  rm -rf "$cache.tmp"
  go run "golang.org/x/vulndb/cmd/indexdb@${vulndb##*@}" -vulns "$src/data/osv" -out "$cache.tmp"
  rm -rf "$cache" && mv "$cache.tmp" "$cache"
fi

report=$(mktemp)
trap 'rm -f "$report"' EXIT
go run "$govulncheck" -db "file://$cache" -format json ./... >"$report"
python3 - "$report" "${RATIFY_VULN_STRICT:-0}" <<'PY'
import json, sys
path, strict = sys.argv[1], sys.argv[2] == "1"
dec, text, i = json.JSONDecoder(), open(path).read(), 0
called, summary = {}, {}
while True:
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    obj, i = dec.raw_decode(text, i)
    if "osv" in obj:
        summary[obj["osv"]["id"]] = obj["osv"].get("summary", "")
    f = obj.get("finding")
    # A finding whose trace reaches a function is reachable from our code.
    if f and f.get("trace") and f["trace"][0].get("function"):
        called.setdefault(f["osv"], (f["trace"][0].get("module", "?"), f.get("fixed_version", "")))
for v, (m, fixed) in sorted(called.items()):
    print(f"govulncheck: {v} in {m} (fixed in {fixed or 'no release yet'}): {summary.get(v, '')}")
called = {v: m for v, (m, _) in called.items()}
stdlib = sorted(v for v, m in called.items() if m == "stdlib")
mods = sorted(f"{v} ({m})" for v, m in called.items() if m != "stdlib")
print(f"govulncheck: reachable: {len(mods)} in modules, {len(stdlib)} in the standard library")
if stdlib:
    print("govulncheck: standard library (fixed by a newer Go toolchain):", " ".join(stdlib))
if mods:
    print("govulncheck: FAIL: reachable vulnerabilities in modules:", " ".join(mods))
    sys.exit(1)
if strict and stdlib:
    sys.exit(1)
PY
