#!/usr/bin/env bash
# Benchmarks the Inventory API against a raw Kestrel + Npgsql baseline (bench/baseline/Baseline.cs), side by side in
# one run on one throwaway PostgreSQL cluster, so the noise of a shared machine hits both alike. See usage().
# Leaves nothing behind: the API, the baseline, PostgreSQL and the work folder go on exit, also on failure or Ctrl-C.
# Its parts, in bench/lib/: harness.sh (the processes), seed.sh, load.sh (wrk and the other measurements),
# consistency.sh (the hot-issue check) and report.sh (the table, results.json, results.md).
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly BENCH_DIR="$ROOT/bench"
readonly WRK_SCRIPT="$BENCH_DIR/wrk/scenario.lua"
readonly LOG_PREFIX=bench

readonly CONNECTIONS=32
readonly WRK_THREADS=2
readonly ITEMS=10000
readonly LOCATIONS=5
readonly RECEIPT_SKUS=1000
readonly ETAG_SKUS=1000 # get-304 revalidates the first N items, whose ETags it reads once before the load
readonly SKU_PREFIX=BENCH-
readonly LOCATION_PREFIX=WH-
readonly HOT_LOCATION=WH-1
# Each target contends on its own row, seeded with more units than any run can issue: a 409 there is unexpected.
readonly API_HOT_SKU=BENCH-10000
readonly BASELINE_HOT_SKU=BENCH-09999
readonly HOT_STOCK=10000000
readonly DEEP_PAGE_SKIP_PAGES=45 # of 200 items: the deep page starts after item 9,000
readonly SCENARIOS=(list portal-items list-deep get get-304 receipt hot-issue)
readonly PORTAL_ADMIN=bench-admin
readonly PORTAL_ITEMS_PATH=/items # the portal's item list: its first page, 50 rows
readonly DATABASE=inventorydb
readonly SEED_ACTOR=bench-seed

# shellcheck source-path=SCRIPTDIR source=../.ci/lib/common.sh
source "$ROOT/.ci/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/harness.sh
source "$BENCH_DIR/lib/harness.sh"
# shellcheck source-path=SCRIPTDIR source=lib/seed.sh
source "$BENCH_DIR/lib/seed.sh"
# shellcheck source-path=SCRIPTDIR source=lib/portal.sh
source "$BENCH_DIR/lib/portal.sh"
# shellcheck source-path=SCRIPTDIR source=lib/load.sh
source "$BENCH_DIR/lib/load.sh"
# shellcheck source-path=SCRIPTDIR source=lib/consistency.sh
source "$BENCH_DIR/lib/consistency.sh"
# shellcheck source-path=SCRIPTDIR source=lib/report.sh
source "$BENCH_DIR/lib/report.sh"

usage() {
  cat <<'EOF'
Usage: bench/run.sh [--quick] [-h]

Starts a throwaway PostgreSQL cluster (this machine's initdb/pg_ctl), the Inventory API published as the
Dockerfile publishes it (Release, ReadyToRun) and run with the ENV of its last stage, and the raw baseline
(bench/baseline/Baseline.cs, Kestrel + Npgsql, hand-written SQL), seeds 10,000 items x 5 locations with
stock (CSV import through the API, then stock levels with their ledger receipts in one SQL transaction), and drives
wrk with 32 connections against both, scenario by scenario (each target warmed up first):

  list        GET /api/items?limit=50 (first page)          API and baseline
  portal-items  GET /items signed in (the portal's item list, 50 rows)
                                                  API only; its ratio is to the API's list
  list-deep   GET /api/items?limit=50&cursor=… (item 9,001) API and baseline
  get         GET /api/items/{sku}, random SKUs            API and baseline
  get-304     the same with If-None-Match: its current ETag  API only (every answer must be a 304)
  receipt     POST /api/stock/receipts over 1,000 SKUs       API only
  hot-issue   POST /api/stock/issues, one SKU and location  API and baseline (each on its own row)

portal-items signs in once with curl through the portal's forms (as the initial admin, whose password it changes
first) and sends the session cookie. Then checks the hot-issue stock (on hand == seeded + receipts - successful
issues, the ledger agrees everywhere), reads the API's peak RSS, and (full run, Docker engine answering) times the
image's start -> /health 200 with .ci/image-startup.sh (median of 5). Prints a table; writes bench/results.json and
the figures section of bench/results.md (full run) or bench/.work/results-quick.json (--quick).

  --quick   3 s per scenario and 1 s warm-ups, no container timing (for CI); default 20 s and 20 s
  -h        this help

Needs: dotnet (SDK 10), wrk, curl, jq, PostgreSQL server binaries (initdb, pg_ctl; run as the postgres user when
root) and psql. Exits non-zero when the harness fails or the hot-issue stock is inconsistent; targets are reported,
never asserted.
EOF
}

# The run's state, declared here once: the parts in bench/lib/ set it as the run goes; the report and cleanup read it.
quick=false
duration=20
# Long enough for the tiered JIT to settle at this load; a shorter warm-up measures the JIT.
# Why: see "Decision: a 20 s warm-up per scenario" in bench/README.md.
warmup=20
work_dir=""              # scratch: builds, logs, the key header, PostgreSQL's data
pg_bin=""                # the folder of initdb and pg_ctl
pg_data=""
pg_started=false         # cleanup stops PostgreSQL only once initdb has run
pg_port=""
api_port=""
baseline_port=""
api_pid=""
baseline_pid=""
api_key=""
api_key_sha=""
connection_string=""
api_start_ms=""
deep_cursor=""           # the list-deep page's cursor, found by walking the first pages
etags_file=""            # get-304: "SKU ETAG" lines, read before the load
portal_password=""       # the portal's initial admin password, then the one the sign-in changed it to
portal_cookie_file=""    # portal-items: the signed-in session's "Cookie: …" header (0600)
portal_items_rows=""     # table rows of the signed-in item page, header row included
load_before=""
load_after=""
machine=""
container_startup=""
api_peak_rss_mb=""
hot_issue_consistent=false
declare -A result=()     # "<target>/<scenario>/<field>" -> value, from the measured run
declare -A succeeded=()  # "<target>/<scenario>" -> 201s seen by wrk, warm-ups included
declare -A unanswered=() # "<target>/<scenario>" -> requests in flight when wrk stopped, warm-ups included
consistency_lines=()

parse_args() {
  while [[ $# -gt 0 ]]; do
    case "$1" in
      -h | --help) usage; exit 0 ;;
      --quick) quick=true; duration=3; warmup=1; shift ;;
      *) usage >&2; exit 2 ;;
    esac
  done
}

check_tools() {
  local tool
  for tool in dotnet wrk curl jq psql awk sed; do
    command -v "$tool" >/dev/null ||
      die "$tool is missing (wrk, curl, jq, psql: apt-get install wrk curl jq postgresql-client)"
  done
  pg_bin="$(find_postgres_bin)" || die "PostgreSQL server binaries (initdb, pg_ctl) are neither on PATH nor under" \
    "/usr/lib/postgresql/*/bin: apt-get install postgresql"
  if [[ "$(id -u)" == 0 ]] && ! id postgres >/dev/null 2>&1; then
    die "as root, PostgreSQL runs as the postgres user, which does not exist (apt-get install postgresql creates it)"
  fi
}

main() {
  parse_args "$@"
  check_tools
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'log "failed at line $LINENO: $BASH_COMMAND"' ERR
  load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
  make_work_dir
  build_apps
  start_postgres
  start_api
  start_baseline
  seed
  portal_sign_in
  find_deep_cursor
  read_etags
  run_scenarios
  check_hot_issue
  read_peak_rss
  stop_process "$baseline_pid" baseline
  stop_process "$api_pid" API
  measure_container_startup
  # Read once, so the table, results.json and results.md agree.
  load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
  machine="$(machine_description)"
  print_table
  write_results
  [[ "$hot_issue_consistent" == true ]] || die "the hot-issue stock is inconsistent (see above)"
}

# Sourcing the file (to call its functions by hand while profiling) does not run it.
[[ "${BASH_SOURCE[0]}" != "$0" ]] || main "$@"
