#!/usr/bin/env bash
# Runs every benchmark (internal/bench) on PostgreSQL and SQLite, each beside
# its raw baseline in the same run, and writes the figures into BENCHMARKS.md.
#
#   make bench                         # or: bash scripts/bench.sh
#   RATIFY_BENCH_ROUNDS=3 make bench   # three rounds; the report shows medians
#   RATIFY_BENCH='Campaign' make bench # only the benchmarks matching a -bench pattern
#
# A full round seeds 200,000 contacts and 1,000,000 outreach records on
# PostgreSQL: count on most of an hour on a 2-core machine. The raw result
# lines are kept in bench-results.jsonl (RATIFY_BENCH_OUT to put them elsewhere).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  read -r version name _ <<<"$(pg_lsclusters --no-header | head -n1)"
  pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
db="ratify_bench_$$"
psql_admin() { psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -q "$@"; }
psql_admin -c "CREATE DATABASE $db"
trap 'psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true' EXIT

out="$(realpath -m "${RATIFY_BENCH_OUT:-bench-results.jsonl}")" # go test runs in the package folder
: >"$out"
rounds="${RATIFY_BENCH_ROUNDS:-1}"
for round in $(seq 1 "$rounds"); do
  echo "bench: round $round of $rounds"
  RATIFY_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable" RATIFY_BENCH_SQLITE=1 \
    RATIFY_BENCH_OUT="$out" go test ./internal/bench -run '^$' -bench "${RATIFY_BENCH:-.}" -benchtime 1x -count 1 -timeout 300m
done
go run ./internal/bench/benchreport -in "$out" -out BENCHMARKS.md
echo "bench: BENCHMARKS.md updated from $out"
