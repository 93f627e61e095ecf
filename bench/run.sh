#!/usr/bin/env bash
# Benchmarks the Inventory API against a raw Kestrel + Npgsql baseline (bench/baseline/Baseline.cs), side by side in
# one run on one throwaway PostgreSQL cluster, so the noise of a shared machine hits both alike. See usage().
# Leaves nothing behind: the API, the baseline, PostgreSQL and the work folder go on exit, also on failure or Ctrl-C.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly BENCH_DIR="$ROOT/bench"
readonly WRK_SCRIPT="$BENCH_DIR/wrk/scenario.lua"

readonly CONNECTIONS=32
readonly WRK_THREADS=2
readonly ITEMS=10000
readonly LOCATIONS=5
readonly RECEIPT_SKUS=1000
readonly SKU_PREFIX=BENCH-
readonly LOCATION_PREFIX=WH-
readonly HOT_LOCATION=WH-1
# Each target contends on its own row, seeded with more units than any run can issue: a 409 there is unexpected.
readonly API_HOT_SKU=BENCH-10000
readonly BASELINE_HOT_SKU=BENCH-09999
readonly HOT_STOCK=10000000
readonly DEEP_PAGE_SKIP_PAGES=45 # of 200 items: the deep page starts after item 9,000
readonly SCENARIOS=(list list-deep get receipt hot-issue)
readonly DATABASE=inventorydb
readonly SEED_ACTOR=bench-seed

usage() {
  cat <<'EOF'
Usage: bench/run.sh [--quick] [-h]

Starts a throwaway PostgreSQL cluster (this machine's initdb/pg_ctl), the Inventory API published as the
Dockerfile publishes it (Release, ReadyToRun) and the raw baseline (bench/baseline/Baseline.cs, Kestrel + Npgsql,
hand-written SQL), seeds 10,000 items x 5 locations with
stock (CSV import through the API, then stock levels with their ledger receipts in one SQL transaction), and drives
wrk with 32 connections against both, scenario by scenario (each target warmed up first):

  list        GET /api/items?limit=50 (first page)          API and baseline
  list-deep   GET /api/items?limit=50&cursor=… (item 9,001) API and baseline
  get         GET /api/items/{sku}, random SKUs            API and baseline
  receipt     POST /api/stock/receipts over 1,000 SKUs       API only
  hot-issue   POST /api/stock/issues, one SKU and location  API and baseline (each on its own row)

Then checks the hot-issue stock (on hand == seeded + receipts - successful issues, the ledger agrees everywhere),
reads the API's peak RSS, and (full run, Docker engine answering) times the image's start -> /health 200 with
.ci/image-startup.sh (median of 5). Prints a table; writes bench/results.json and the figures section of
bench/results.md (full run) or bench/.work/results-quick.json (--quick).

  --quick   3 s per scenario and 1 s warm-ups, no container timing (for CI); default 20 s and 20 s
  -h        this help

Needs: dotnet (SDK 10), wrk, curl, PostgreSQL server binaries (initdb, pg_ctl; run as the postgres user when root)
and psql. Exits non-zero when the harness fails or the hot-issue stock is inconsistent; targets are reported,
never asserted.
EOF
}

log() { printf 'bench: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

quick=false
duration=20
# Long enough for the tiered JIT to settle at this load: from a cold start both the API and the baseline serve `get`
# 3-5x slower per request for the first ~15-20 s (bench/results.md, item 7); a shorter warm-up measures the JIT.
warmup=20
work_dir=""
pg_bin=""
pg_data=""
pg_started=false
pg_port=""
api_port=""
baseline_port=""
api_pid=""
baseline_pid=""
api_key=""
api_key_sha=""
connection_string=""
api_start_ms=""
deep_cursor=""
load_before=""
load_after=""
machine=""
container_startup=""
api_peak_rss_mb=""
hot_issue_consistent=false
declare -A result=()    # "<target>/<scenario>/<field>" -> value, from the measured run
declare -A succeeded=() # "<target>/<scenario>" -> 201s seen by wrk, warm-ups included
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
  for tool in dotnet wrk curl psql awk sed; do
    command -v "$tool" >/dev/null || die "$tool is missing (wrk, curl, psql: apt-get install wrk curl postgresql-client)"
  done
  pg_bin="$(find_postgres_bin)" ||
    die "PostgreSQL server binaries (initdb, pg_ctl) are neither on PATH nor under /usr/lib/postgresql/*/bin: apt-get install postgresql"
  if [[ "$(id -u)" == 0 ]] && ! id postgres >/dev/null 2>&1; then
    die "as root, PostgreSQL runs as the postgres user, which does not exist (apt-get install postgresql creates it)"
  fi
}

find_postgres_bin() {
  local dir
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(command -v pg_ctl)"
    return 0
  fi
  for dir in /usr/lib/postgresql/*/bin; do
    [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]] && { echo "$dir"; return 0; }
  done
  return 1
}

# initdb and postgres refuse to run as root.
as_postgres() {
  if [[ "$(id -u)" == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

random_hex() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }

# Below the kernel's ephemeral range: a port inside it can be in use, with no listener to answer the probe, as the
# source port of any outgoing connection (wrk's, Npgsql's, the tests'), and then the bind fails (it did once).
free_port() {
  local port low
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range
  ((low > 11000)) || die "the ephemeral port range starts at $low; the benchmark picks its ports between 10000 and it"
  for _ in $(seq 1 50); do
    port=$((10000 + RANDOM % (low - 10000)))
    if ! (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  die "found no free TCP port on 127.0.0.1"
}

cleanup() {
  local status=$?
  trap - ERR
  stop_process "$baseline_pid" baseline
  stop_process "$api_pid" API
  if [[ "$pg_started" == true ]]; then
    as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null 2>&1 || log "warning: pg_ctl stop failed"
  fi
  [[ -z "$work_dir" ]] || rm -rf "$work_dir"
  exit "$status"
}

stop_process() {
  local pid="$1" name="$2"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  log "warning: the $name (pid $pid) ignored SIGTERM for 10 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

make_work_dir() {
  work_dir="$(mktemp -d "${TMPDIR:-/tmp}/inventory-bench.XXXXXX")"
  # PostgreSQL runs as another user when we are root: it must be able to enter this folder.
  chmod 711 "$work_dir"
  api_key="$(random_hex)"
  api_key_sha="$(printf '%s' "$api_key" | sha256sum | cut -d' ' -f1)"
  (umask 077 && printf 'X-Api-Key: %s\n' "$api_key" >"$work_dir/key-header")
}

# The API is published as the Dockerfile publishes it (Release, ReadyToRun for this machine's architecture, no
# apphost), so the figures, its memory above all, are those of the build that ships.
build_apps() {
  local rid
  case "$(uname -m)" in
    x86_64) rid=linux-x64 ;;
    aarch64 | arm64) rid=linux-arm64 ;;
    *) die "no .NET runtime identifier known for the architecture $(uname -m)" ;;
  esac
  log "publishing the API (Release, ReadyToRun, $rid) and building the baseline"
  dotnet publish "$ROOT/Inventory.Api/Inventory.Api.csproj" -c Release -o "$work_dir/api" -r "$rid" --self-contained false \
    -p:PublishReadyToRun=true -p:UseAppHost=false -nologo -v q >"$work_dir/build-api.log" 2>&1 ||
    { tail -n 30 "$work_dir/build-api.log" >&2; die "the API did not build (log above)"; }
  dotnet build -c Release "$BENCH_DIR/baseline/Baseline.cs" -nologo -v q >"$work_dir/build-baseline.log" 2>&1 ||
    { tail -n 30 "$work_dir/build-baseline.log" >&2; die "the baseline did not build (log above)"; }
}

start_postgres() {
  local password
  password="$(random_hex)"
  pg_port="$(free_port)"
  mkdir -p "$work_dir/pg"
  pg_data="$work_dir/pg/data"
  (umask 077 && printf '%s\n' "$password" >"$work_dir/pg/pwfile")
  [[ "$(id -u)" != 0 ]] || chown -R postgres: "$work_dir/pg"
  log "starting PostgreSQL ($("$pg_bin/pg_ctl" --version | awk '{print $3}')) on 127.0.0.1:$pg_port"
  as_postgres "$pg_bin/initdb" -D "$pg_data" -U postgres --auth=scram-sha-256 --pwfile="$work_dir/pg/pwfile" \
    >"$work_dir/initdb.log" 2>&1 || { cat "$work_dir/initdb.log" >&2; die "initdb failed (log above)"; }
  pg_started=true
  as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -l "$work_dir/pg/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $work_dir/pg -c max_connections=300" start >/dev/null ||
    { tail -n 20 "$work_dir/pg/server.log" >&2; die "PostgreSQL did not start (log above)"; }
  export PGHOST=127.0.0.1 PGPORT="$pg_port" PGUSER=postgres PGPASSWORD="$password" PGDATABASE="$DATABASE"
  connection_string="Host=127.0.0.1;Port=$pg_port;Username=postgres;Password=$password;Database=$DATABASE"
}

sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$@"; }

wait_healthy() {
  local name="$1" port="$2" pid="$3" log_file="$4"
  for _ in $(seq 1 1200); do
    if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/health" || true)" == 200 ]]; then
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { tail -n 30 "$log_file" >&2; die "the $name exited before it was healthy (log above)"; }
    sleep 0.05
  done
  tail -n 30 "$log_file" >&2
  die "the $name was not healthy within 60 s (log above)"
}

# Runs from its output folder, so that it reads its appsettings.json as a deployed API does. Secrets reach it by
# environment, never on a command line.
# shellcheck disable=SC2030,SC2031 # each (…) exports into the environment of the one process it execs
start_api() {
  api_port="$(free_port)"
  local out="$work_dir/api" started
  log "starting the API on 127.0.0.1:$api_port"
  started="$(now_ms)"
  (
    cd "$out"
    export ASPNETCORE_URLS="http://127.0.0.1:$api_port" ASPNETCORE_ENVIRONMENT=Production \
      ConnectionStrings__inventorydb="$connection_string" \
      Auth__ApiKeys__0__Name=bench Auth__ApiKeys__0__Role=Admin Auth__ApiKeys__0__Sha256="$api_key_sha" \
      RateLimiting__TokenLimit=1000000 RateLimiting__TokensPerPeriod=1000000
    exec dotnet Inventory.Api.dll
  ) >"$work_dir/api.log" 2>&1 &
  api_pid=$!
  wait_healthy API "$api_port" "$api_pid" "$work_dir/api.log"
  api_start_ms=$(($(now_ms) - started))
}

# shellcheck disable=SC2031 # as in start_api
start_baseline() {
  baseline_port="$(free_port)"
  local dll
  dll="$(dotnet build -c Release "$BENCH_DIR/baseline/Baseline.cs" -getProperty:TargetPath 2>/dev/null)"
  [[ -f "$dll" ]] || die "the baseline's build output was not found ($dll)"
  log "starting the baseline on 127.0.0.1:$baseline_port"
  (
    export ASPNETCORE_URLS="http://127.0.0.1:$baseline_port" BASELINE_CONNECTION_STRING="$connection_string" \
      BASELINE_API_KEY_SHA256="$api_key_sha"
    exec dotnet "$dll"
  ) >"$work_dir/baseline.log" 2>&1 &
  baseline_pid=$!
  wait_healthy baseline "$baseline_port" "$baseline_pid" "$work_dir/baseline.log"
}

# Prints the HTTP status; the body goes to $work_dir/response.
api_call() {
  local method="$1" path="$2" content_type="$3" data="$4"
  curl -s -o "$work_dir/response" -w '%{http_code}' -X "$method" -H @"$work_dir/key-header" \
    -H "Content-Type: $content_type" --data-binary "$data" "http://127.0.0.1:$api_port$path"
}

write_items_csv() {
  awk -v items="$ITEMS" -v prefix="$SKU_PREFIX" 'BEGIN {
    print "sku,name,category,unit,reorderPoint"
    split("Fasteners,Electrical,Plumbing,Tools,Safety,Paint,Adhesives,Packaging", categories, ",")
    for (i = 1; i <= items; i++)
      printf "%s%05d,Bench item %05d,%s,pcs,%d\n", prefix, i, i, categories[i % 8 + 1], (i * 7) % 40
  }' >"$work_dir/items.csv"
}

# Locations and items through the API (its CSV import takes exactly 10,000 rows); stock by SQL, because 50,000
# receipts through the API would take minutes: each stock row and its ledger receipt in one transaction, so the
# ledger matches on hand from the start.
seed() {
  local i status started
  started="$(now_ms)"
  for i in $(seq 1 "$LOCATIONS"); do
    status="$(api_call POST /api/locations application/json "{\"code\":\"$LOCATION_PREFIX$i\",\"name\":\"Warehouse $i\"}")"
    [[ "$status" == 201 ]] || die "creating location $LOCATION_PREFIX$i answered $status: $(cat "$work_dir/response")"
  done
  write_items_csv
  status="$(api_call POST /api/items/import text/csv "@$work_dir/items.csv")"
  [[ "$status" == 200 ]] || die "the CSV import answered $status: $(head -c 600 "$work_dir/response")"
  sql -v hot_stock="$HOT_STOCK" -v hot_location="$HOT_LOCATION" -v api_hot="$API_HOT_SKU" \
    -v baseline_hot="$BASELINE_HOT_SKU" -v actor="$SEED_ACTOR" >/dev/null <<'SQL'
BEGIN;
INSERT INTO stock_levels (item_id, location_id, quantity)
SELECT i.id, l.id,
       CASE WHEN l.code = :'hot_location' AND i.sku IN (:'api_hot', :'baseline_hot') THEN :hot_stock
            ELSE 50 + (i.id * 7 + l.id * 13) % 450 END
FROM items i CROSS JOIN locations l;
INSERT INTO stock_movements (type, item_id, location_id, quantity, on_hand_after, actor, at, reason)
SELECT 'receipt', item_id, location_id, quantity, quantity, :'actor', now(), 'benchmark seed' FROM stock_levels;
COMMIT;
VACUUM ANALYZE;
SQL
  log "seeded $ITEMS items x $LOCATIONS locations with stock in $(($(now_ms) - started)) ms"
}

# Walks the first pages as a client does, to get a real cursor for the deep page; the baseline reads the same cursor.
find_deep_cursor() {
  local page status
  for page in $(seq 1 "$DEEP_PAGE_SKIP_PAGES"); do
    status="$(curl -s -o "$work_dir/response" -w '%{http_code}' -H @"$work_dir/key-header" \
      "http://127.0.0.1:$api_port/api/items?limit=200${deep_cursor:+&cursor=$deep_cursor}")"
    [[ "$status" == 200 ]] || die "GET /api/items (page $page) answered $status"
    deep_cursor="$(sed -nE 's/.*"nextCursor":"([^"]+)".*/\1/p' "$work_dir/response")"
    [[ -n "$deep_cursor" ]] || die "page $page of GET /api/items has no nextCursor"
  done
}

field() { sed -nE "s/.* $1=([^ ]*).*/\1/p" <<<"$2"; }

status_count() {
  local statuses="$1" code="$2"
  tr ',' '\n' <<<"$statuses" | awk -F: -v code="$code" '$1 == code { n += $2 } END { print n + 0 }'
}

# Non-2xx answers by status, and socket errors: "409:3,socket:1", or "" when there were none.
errors_of() {
  local statuses="$1" socket="$2"
  tr ',' '\n' <<<"$statuses" | awk -F: -v socket="$socket" '
    $1 != "" && ($1 < 200 || $1 > 299) { out = out sep $1 ":" $2; sep = "," }
    END { if (socket > 0) out = out sep "socket:" socket; print out }'
}

# Runs wrk against a target and prints its BENCH line.
run_wrk() {
  local target="$1" scenario="$2" seconds="$3" port="$api_port" hot_sku="$API_HOT_SKU" output
  if [[ "$target" == baseline ]]; then
    port="$baseline_port"
    hot_sku="$BASELINE_HOT_SKU"
  fi
  output="$(BENCH_SCENARIO="$scenario" BENCH_API_KEY="$api_key" BENCH_CURSOR="$deep_cursor" \
    BENCH_SKU_PREFIX="$SKU_PREFIX" BENCH_ITEMS="$ITEMS" BENCH_RECEIPT_SKUS="$RECEIPT_SKUS" \
    BENCH_LOCATION_PREFIX="$LOCATION_PREFIX" BENCH_LOCATIONS="$LOCATIONS" BENCH_HOT_SKU="$hot_sku" \
    BENCH_HOT_LOCATION="$HOT_LOCATION" \
    wrk -t "$WRK_THREADS" -c "$CONNECTIONS" -d "${seconds}s" --timeout 10s -s "$WRK_SCRIPT" \
    "http://127.0.0.1:$port" 2>&1)" || { printf '%s\n' "$output" >&2; die "wrk failed ($target $scenario)"; }
  grep '^BENCH ' <<<"$output" || { printf '%s\n' "$output" >&2; die "wrk printed no BENCH line ($target $scenario)"; }
}

# Counts what the run changed (writes are checked for consistency afterwards) and, for the measured run, keeps figures.
record() {
  local target="$1" scenario="$2" line="$3" measured="$4" key="$1/$2" statuses socket
  statuses="$(field statuses "$line")"
  socket="$(field socket_errors "$line")"
  succeeded[$key]=$((${succeeded[$key]:-0} + $(status_count "$statuses" 201)))
  unanswered[$key]=$((${unanswered[$key]:-0} + $(field sent "$line") - $(field answered "$line")))
  [[ "$measured" == true ]] || return 0
  result[$key/rps]="$(field rps "$line")"
  result[$key/p50]="$(field p50_ms "$line")"
  result[$key/p99]="$(field p99_ms "$line")"
  result[$key/errors]="$(errors_of "$statuses" "$socket")"
  result[$key/statuses]="$statuses"
}

has_baseline() { [[ "$1" != receipt ]]; }

run_scenarios() {
  local scenario target line
  for scenario in "${SCENARIOS[@]}"; do
    for target in api baseline; do
      [[ "$target" == api ]] || has_baseline "$scenario" || continue
      log "$scenario on the $target: ${warmup} s warm-up, ${duration} s measured"
      line="$(run_wrk "$target" "$scenario" "$warmup")"
      record "$target" "$scenario" "$line" false
      line="$(run_wrk "$target" "$scenario" "$duration")"
      record "$target" "$scenario" "$line" true
    done
  done
}

# The row each target hammered: on hand, its seeded receipt, later receipts and the issues in the ledger.
hot_row_figures() {
  sql -F ' ' -v sku="$1" -v location="$HOT_LOCATION" -v actor="$SEED_ACTOR" <<'SQL'
SELECT s.quantity,
       COALESCE(SUM(m.quantity) FILTER (WHERE m.type = 'receipt' AND m.actor = :'actor'), 0),
       COALESCE(SUM(m.quantity) FILTER (WHERE m.type = 'receipt' AND m.actor <> :'actor'), 0),
       COALESCE(SUM(m.quantity) FILTER (WHERE m.type = 'issue'), 0),
       COUNT(*) FILTER (WHERE m.type = 'issue')
FROM stock_levels s
JOIN items i ON i.id = s.item_id
JOIN locations l ON l.id = s.location_id
LEFT JOIN stock_movements m ON m.item_id = s.item_id AND m.location_id = s.location_id
WHERE i.sku = :'sku' AND l.code = :'location'
GROUP BY s.quantity;
SQL
}

# Every (item, location) whose ledger sum differs from on hand, as the API's StockLedger.FindMismatchesAsync counts them.
ledger_mismatches() {
  sql <<'SQL'
WITH deltas AS (
    SELECT item_id, location_id,
           CASE type WHEN 'issue' THEN -quantity WHEN 'transfer' THEN -quantity ELSE quantity END AS delta
    FROM stock_movements
    UNION ALL
    SELECT item_id, to_location_id, quantity FROM stock_movements WHERE type = 'transfer'),
sums AS (SELECT item_id, location_id, SUM(delta) AS total FROM deltas GROUP BY item_id, location_id)
SELECT COUNT(*)
FROM stock_levels s FULL JOIN sums l ON l.item_id = s.item_id AND l.location_id = s.location_id
WHERE COALESCE(s.quantity, 0) <> COALESCE(l.total, 0);
SQL
}

# Each issue takes 1 unit. wrk stops with up to one request per connection in flight, whose answer it never reads
# but the server may still commit: the successful issues are the 201s seen plus at most those.
check_hot_issue() {
  local target sku on_hand seeded receipts issued issues ok in_flight mismatches consistent=true
  sleep 1 # let requests that were in flight when wrk stopped finish
  for target in api baseline; do
    sku="$API_HOT_SKU"
    [[ "$target" == api ]] || sku="$BASELINE_HOT_SKU"
    read -r on_hand seeded receipts issued issues < <(hot_row_figures "$sku")
    ok="${succeeded[$target/hot-issue]:-0}"
    in_flight="${unanswered[$target/hot-issue]:-0}"
    local verdict=ok
    if ((on_hand != seeded + receipts - issued)); then
      verdict="MISMATCH: on hand $on_hand != $seeded + $receipts - $issued"
    elif ((issues < ok || issues > ok + in_flight)); then
      verdict="MISMATCH: the ledger has $issues issues, wrk saw $ok succeed with $in_flight in flight at stop"
    fi
    [[ "$verdict" == ok ]] || consistent=false
    consistency_lines+=("$target $sku@$HOT_LOCATION: seeded $seeded + receipts $receipts - issues $issued = on hand $on_hand; 201s seen $ok (+ $in_flight in flight at stop) vs $issues issues in the ledger: $verdict")
  done
  mismatches="$(ledger_mismatches)"
  ((mismatches == 0)) || consistent=false
  consistency_lines+=("ledger == on hand for every (item, location): $mismatches mismatching")
  hot_issue_consistent="$consistent"
}

read_peak_rss() {
  local kb
  kb="$(awk '/^VmHWM:/ { print $2 }' "/proc/$api_pid/status")"
  api_peak_rss_mb="$(awk -v kb="$kb" 'BEGIN { printf "%.1f", kb * 1024 / 1000000 }')"
}

measure_container_startup() {
  if [[ "$quick" == true ]]; then
    container_startup="not measured (--quick)"
    return 0
  fi
  if ! timeout 5 docker info >/dev/null 2>&1; then
    container_startup="not measured: no Docker engine answers (DOCKER_HOST=${DOCKER_HOST:-unset})"
    return 0
  fi
  log "timing the image's start -> healthy (.ci/image-startup.sh, median of 5)"
  local output median
  if output="$("$ROOT/.ci/image-startup.sh" 2>&1)"; then
    median="$(sed -nE 's/^start -> healthy median \(ms\): ([0-9]+)$/\1/p' <<<"$output")"
    container_startup="median ${median} ms; samples $(sed -nE 's/^start -> healthy samples \(ms\): (.*)$/\1/p' <<<"$output")"
  else
    container_startup="not measured: .ci/image-startup.sh failed: $(tail -n 1 <<<"$output")"
  fi
}

machine_description() {
  local cpu memory os
  cpu="$(sed -nE 's/^model name[[:space:]]*: (.*)$/\1/p' /proc/cpuinfo | head -n 1)"
  memory="$(awk '/^MemTotal:/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)"
  os="$(sed -nE 's/^PRETTY_NAME="?([^"]*)"?$/\1/p' /etc/os-release)"
  printf '%s, %s cores (%s), %s GiB, kernel %s, .NET SDK %s, PostgreSQL %s, wrk %s' "$os" "$(nproc)" "$cpu" \
    "$memory" "$(uname -r)" "$(dotnet --version)" "$("$pg_bin/pg_ctl" --version | awk '{print $3}')" \
    "$({ wrk -v 2>&1 || true; } | awk 'NR == 1 { print $2 }')"
}

ratio() {
  local scenario="$1"
  has_baseline "$scenario" || { echo ""; return 0; }
  awk -v a="${result[api/$scenario/rps]}" -v b="${result[baseline/$scenario/rps]}" 'BEGIN { printf "%.2f", a / b }'
}

target_of() {
  case "$1" in
    list | list-deep | get) echo 0.8 ;;
    hot-issue) echo 0.5 ;;
    *) echo "" ;;
  esac
}

verdict_of() {
  local scenario="$1" r target
  r="$(ratio "$scenario")"
  target="$(target_of "$scenario")"
  [[ -n "$target" ]] || { echo "-"; return 0; }
  if awk -v r="$r" -v t="$target" 'BEGIN { exit !(r >= t) }'; then echo "met (>= $target)"; else echo "MISSED (< $target)"; fi
}

# One scenario's figures in the given printf format: name, API rps/p50/p99/non-2xx, baseline rps/p50/p99, ratio, verdict.
scenario_row() {
  local format="$1" scenario="$2"
  # shellcheck disable=SC2059 # the format is the caller's, on purpose
  printf "$format" "$scenario" "${result[api/$scenario/rps]}" "${result[api/$scenario/p50]}" \
    "${result[api/$scenario/p99]}" "${result[api/$scenario/errors]:-none}" "${result[baseline/$scenario/rps]:--}" \
    "${result[baseline/$scenario/p50]:--}" "${result[baseline/$scenario/p99]:--}" "$(ratio "$scenario")" \
    "$(verdict_of "$scenario")"
}

print_table() {
  local scenario
  printf '\n%-10s %9s %8s %8s %-16s %9s %8s %8s %6s  %s\n' scenario "API rps" "p50 ms" "p99 ms" "API non-2xx" \
    "base rps" "p50 ms" "p99 ms" ratio target
  for scenario in "${SCENARIOS[@]}"; do
    scenario_row '%-10s %9s %8s %8s %-16s %9s %8s %8s %6s  %s\n' "$scenario"
  done
  printf '\nAPI peak RSS: %s MB (target <= 250)\n' "$api_peak_rss_mb"
  printf 'API process start -> /health 200 (local, migrating an empty database): %s ms\n' "$api_start_ms"
  printf 'Container start -> /health 200: %s (target <= 2000 ms)\n' "$container_startup"
  printf 'Hot-issue consistency: %s\n' "$hot_issue_consistent"
  printf '  %s\n' "${consistency_lines[@]}"
  printf 'Load average before / after: %s / %s\n' "$load_before" "$load_after"
}

json_string() { printf '"%s"' "$(sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' <<<"$1")"; }

json_errors() {
  tr ',' '\n' <<<"$1" | awk -F: 'NF == 2 { out = out sep "\"" $1 "\": " $2; sep = ", " } END { print "{" out "}" }'
}

json_or_null() { if [[ -n "$1" ]]; then echo "$1"; else echo null; fi; }

write_json() {
  local file="$1" scenario sep=""
  {
    printf '{\n  "machine": %s,\n  "date": %s,\n  "scenarios": [\n' "$(json_string "$machine")" \
      "$(json_string "$(date -u +%Y-%m-%dT%H:%M:%SZ)")"
    for scenario in "${SCENARIOS[@]}"; do
      printf '%s    {"name": "%s", "rps": %s, "p50_ms": %s, "p99_ms": %s, "errors": %s, "baseline_rps": %s, "ratio": %s}' \
        "$sep" "$scenario" "${result[api/$scenario/rps]}" "${result[api/$scenario/p50]}" "${result[api/$scenario/p99]}" \
        "$(json_errors "${result[api/$scenario/errors]}")" "$(json_or_null "${result[baseline/$scenario/rps]:-}")" \
        "$(json_or_null "$(ratio "$scenario")")"
      sep=$',\n'
    done
    printf '\n  ],\n  "api_peak_rss_mb": %s,\n  "hot_issue_consistent": %s\n}\n' "$api_peak_rss_mb" "$hot_issue_consistent"
  } >"$file"
}

figures_markdown() {
  local scenario
  printf "_Generated by \`bench/run.sh\` on %s._\n\n" "$(date -u '+%Y-%m-%d %H:%M UTC')"
  printf -- '- Machine: %s\n' "$machine"
  printf -- '- Load average (1, 5, 15 min) before / after the run: %s / %s\n' "$load_before" "$load_after"
  printf -- '- wrk: %s threads, %s connections, %s s per scenario after a %s s warm-up of each target\n\n' \
    "$WRK_THREADS" "$CONNECTIONS" "$duration" "$warmup"
  printf '| scenario | API rps | API p50 ms | API p99 ms | API non-2xx | baseline rps | baseline p50 ms | baseline p99 ms | ratio | target |\n'
  printf '|---|---:|---:|---:|---|---:|---:|---:|---:|---|\n'
  for scenario in "${SCENARIOS[@]}"; do
    scenario_row '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$scenario"
  done
  printf '\n| other | figure | target |\n|---|---|---|\n'
  printf '| API peak RSS (VmHWM) | %s MB | <= 250 MB |\n' "$api_peak_rss_mb"
  printf "| container \`docker run\` -> \`/health\` 200 (\`.ci/image-startup.sh\`) | %s | <= 2 s |\n" "$container_startup"
  printf "| API process start -> \`/health\` 200, local, migrating an empty database | %s ms | - |\n" "$api_start_ms"
  printf '| hot-issue stock consistent | %s | true |\n' "$hot_issue_consistent"
  printf '\nHot-issue check:\n\n'
  printf -- '- %s\n' "${consistency_lines[@]}"
}

# Replaces the figures between the markers in bench/results.md and keeps the hand-written rest.
write_markdown() {
  local file="$1" figures="$work_dir/figures.md"
  figures_markdown >"$figures"
  if [[ ! -f "$file" ]] || ! grep -q '^<!-- figures:begin -->$' "$file"; then
    printf '# Benchmark results\n\n<!-- figures:begin -->\n<!-- figures:end -->\n' >"$file"
  fi
  awk -v figures="$figures" '
    /^<!-- figures:begin -->$/ { print; while ((getline line < figures) > 0) print line; skipping = 1; next }
    /^<!-- figures:end -->$/ { skipping = 0 }
    !skipping { print }' "$file" >"$work_dir/results.md"
  cat "$work_dir/results.md" >"$file"
}

write_results() {
  if [[ "$quick" == true ]]; then
    mkdir -p "$BENCH_DIR/.work"
    write_json "$BENCH_DIR/.work/results-quick.json"
    log "wrote bench/.work/results-quick.json"
  else
    write_json "$BENCH_DIR/results.json"
    write_markdown "$BENCH_DIR/results.md"
    log "wrote bench/results.json and the figures of bench/results.md"
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
  find_deep_cursor
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
