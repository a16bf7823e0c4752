#!/usr/bin/env bash
# Runs sqlmap against a running Ratify's query-string and JSON parameters
# with a valid session, and fails if any parameter is reported injectable.
#
#   bash scripts/sqlmap.sh            # builds ratify, starts it on SQLite with the demo data
#   RATIFY_SQLMAP_DB=postgres://…     # the same on a PostgreSQL database (it is migrated and seeded)
#   RATIFY_SQLMAP_LEVEL=3 RATIFY_SQLMAP_RISK=2   # a deeper (much slower) scan; defaults 1 and 1
#
# sqlmap comes from Debian's package (apt-get install sqlmap); the script
# installs it when it is missing and apt-get is there. The last result is
# recorded in SECURITY.md.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v sqlmap >/dev/null; then
  echo "sqlmap: installing Debian's sqlmap package"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlmap >/dev/null
fi

work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
go build -o "$work/ratify" ./cmd/ratify
RATIFY_ADDR="127.0.0.1:$port" RATIFY_DATA_DIR="$work/data" RATIFY_BASE_URL="$base" \
  RATIFY_DATABASE_URL="${RATIFY_SQLMAP_DB:-}" RATIFY_LOG_LEVEL=warn \
  "$work/ratify" serve --demo >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  curl -fsS "$base/readyz" >/dev/null 2>&1 && break
  sleep 1
done
curl -fsS "$base/readyz" >/dev/null

# A coordinator sees every list and filter; the token goes in a header so
# sqlmap tests the parameters, not the session.
token=$(curl -fsS -H 'Content-Type: application/json' \
  -d '{"email":"coordinator@demo.example.org","password":"ratify-demo-password"}' \
  "$base/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
# The browser pages use the cookie of the same session.
cookie="ratify_session=$token"
curl -fsS -o /dev/null -H "Authorization: Bearer $token" "$base/api/v1/me"

api="$base/api/v1"
# A template and a draft campaign, so the campaign routes have a record to read.
post() { curl -fsS -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$2" "$api/$1"; }
id() { python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
template=$(post templates '{"name":"Scan","variants":[{"language":"en","subject":"Hello","html":"<p>Dear {{.Contact.FullName}}</p>","text":""}]}' | id)
campaign=$(post campaigns "{\"name\":\"Scan\",\"template_id\":$template,\"fallback_language\":\"en\",\"audience\":{\"countries\":[\"PHL\"]}}" | id)
urls=(
  "$api/contacts?q=ami&country=PHL&region=Asia&kind=parliamentarian&institution_kind=parliament&party=x&tag=x&stance=supportive&language=en&do_not_contact=false&sort=name&dir=asc"
  "$api/outreach?country=PHL&region=Asia&type=meeting&instrument=ICRMW&organisation_id=1&outcome=positive&from=2025-01-01&to=2026-12-31&visibility=coalition"
  "$api/followups?status=open&assignee=1&country=PHL&contact_id=1&overdue=true"
  "$api/countries?q=phil&region=Asia&subregion=x&status=signed&instrument=ICRMW&priority=high&stage=x&focal_organisation=1&sort=name&dir=asc"
  "$api/users?q=demo&role=member&organisation_id=1"
  "$api/audit?action=contact.create&actor_id=1&from=2025-01-01&to=2026-12-31"
  "$api/campaigns/$campaign/recipients?state=sent&q=demo&ambiguous=false"
  "$base/campaigns/$campaign?state=sent"
  "$api/institutions?q=parl&country=PHL&kind=parliament"
  "$base/contacts?q=ami&country=PHL&sort=name&dir=asc&do_not_contact=false"
  "$base/outreach?q=x&country=PHL&from=2025-01-01&to=2026-12-31"
  "$base/followups?view=all&assignee=1&country=PHL"
  "$base/institutions?q=parl&country=PHL&kind=parliament&parent_id=1"
  "$base/audit?from=2025-01-01&to=2026-12-31"
  "$base/suppressions?q=demo"
  "$base/templates?q=x"
  "$base/contacts/picker?q=ami"
  "$base/contacts.csv?q=ami&country=PHL"
  "$base/outreach.csv?country=PHL&type=meeting"
)

level=${RATIFY_SQLMAP_LEVEL:-1}
risk=${RATIFY_SQLMAP_RISK:-1}
found=0
for u in "${urls[@]}"; do
  echo "sqlmap: $u"
  out="$work/out-$(echo "$u" | md5sum | cut -c1-8)"
  # The API takes the Bearer header, the pages the cookie, which sqlmap
  # must not test as a parameter (a mangled session only signs it out).
  auth=(--headers "Authorization: Bearer $token")
  case "$u" in "$api"/*) ;; *) auth=(--cookie "$cookie" --skip ratify_session) ;; esac
  sqlmap -u "$u" --batch --level "$level" --risk "$risk" --threads 4 --time-sec 2 "${auth[@]}" \
    --output-dir "$out" --disable-coloring >"$out.log" 2>&1 || true
  if grep -Eq "is vulnerable|sqlmap identified the following injection point" "$out.log"; then
    echo "sqlmap: INJECTABLE: $u"; grep -E "Parameter:|Type:|Title:" "$out.log" || true
    found=1
  fi
  if ! grep -Eq "all tested parameters do not appear to be injectable" "$out.log"; then
    echo "sqlmap: no verdict for $u:"; tail -n 5 "$out.log"; found=1
  fi
done

# A JSON body: the contact create binder.
echo "sqlmap: POST $api/contacts (JSON body)"
out="$work/out-json"
sqlmap -u "$api/contacts" --method POST --batch --level "$level" --risk "$risk" --threads 4 --time-sec 2 \
  --headers "Authorization: Bearer $token" --data '{"first_name":"Ada","last_name":"Lovelace","kind":"other","country":"PHL","party":"x"}' \
  --output-dir "$out" --disable-coloring >"$out.log" 2>&1 || true
if grep -Eq "is vulnerable|sqlmap identified the following injection point" "$out.log"; then
  echo "sqlmap: INJECTABLE: POST $api/contacts"; found=1
fi
if ! grep -Eq "all tested parameters do not appear to be injectable" "$out.log"; then
  echo "sqlmap: no verdict for the JSON body:"; tail -n 5 "$out.log"; found=1
fi

if grep -q "level=ERROR" "$work/server.log"; then
  echo "sqlmap: the server logged errors:"; grep "level=ERROR" "$work/server.log" | head -n 20
fi
if [ "$found" -ne 0 ]; then
  echo "sqlmap: injectable parameters found"; exit 1
fi
echo "sqlmap: ${#urls[@]} URLs and one JSON body tested at level $level, risk $risk: no injectable parameter"
