# shellcheck shell=bash disable=SC2034,SC2154 # the run state is declared once, in bench/run.sh, and shared by its parts
# The load and the other measurements: wrk against each target, scenario by scenario (a warm-up, then the measured
# run), the API's peak memory, and the image's start-up time. Sourced by bench/run.sh.

field() { sed -nE "s/.* $1=([^ ]*).*/\1/p" <<<"$2"; }

status_count() {
  local statuses="$1" code="$2"
  tr ',' '\n' <<<"$statuses" | awk -F: -v code="$code" '$1 == code { n += $2 } END { print n + 0 }'
}

# Answers other than the scenario's expected status by status, and socket errors: "409:3,socket:1", or "" when there
# were none. Expected: any 2xx, or the status given (get-304 expects 304 and nothing else).
errors_of() {
  local statuses="$1" socket="$2" expected="${3:-}"
  tr ',' '\n' <<<"$statuses" | awk -F: -v socket="$socket" -v expected="$expected" '
    $1 != "" && (expected != "" ? $1 != expected : ($1 < 200 || $1 > 299)) { out = out sep $1 ":" $2; sep = "," }
    END { if (socket > 0) out = out sep "socket:" socket; print out }'
}

# Runs wrk against a target and prints its BENCH line.
run_wrk() {
  local target="$1" scenario="$2" seconds="$3" port="$api_port" hot_sku="$API_HOT_SKU" output
  if [[ "$target" == baseline ]]; then
    port="$baseline_port"
    hot_sku="$BASELINE_HOT_SKU"
  fi
  output="$(BENCH_SCENARIO="$scenario" BENCH_API_KEY="$api_key" BENCH_CURSOR="$deep_cursor" BENCH_ETAGS="$etags_file" \
    BENCH_SKU_PREFIX="$SKU_PREFIX" BENCH_ITEMS="$ITEMS" BENCH_RECEIPT_SKUS="$RECEIPT_SKUS" \
    BENCH_LOCATION_PREFIX="$LOCATION_PREFIX" BENCH_LOCATIONS="$LOCATIONS" BENCH_HOT_SKU="$hot_sku" \
    BENCH_HOT_LOCATION="$HOT_LOCATION" BENCH_PORTAL_COOKIE="$portal_cookie_file" \
    BENCH_PORTAL_PATH="$PORTAL_ITEMS_PATH" \
    wrk -t "$WRK_THREADS" -c "$CONNECTIONS" -d "${seconds}s" --timeout 10s -s "$WRK_SCRIPT" \
    "http://127.0.0.1:$port" 2>&1)" || { printf '%s\n' "$output" >&2; die "wrk failed ($target $scenario)"; }
  grep '^BENCH ' <<<"$output" ||
    { printf '%s\n' "$output" >&2; die "wrk printed no BENCH line ($target $scenario)"; }
}

# The status every answer of a scenario must have, when only one will do.
expected_status_of() { [[ "$1" != get-304 ]] || echo 304; }

# Counts what the run changed (writes are checked for consistency afterwards) and, for the measured run, keeps figures.
# A scenario with one expected status fails the run on any other: get-304 must measure the 304 path, not a 200.
record() {
  local target="$1" scenario="$2" line="$3" measured="$4" key="$1/$2" statuses socket expected unexpected
  statuses="$(field statuses "$line")"
  socket="$(field socket_errors "$line")"
  expected="$(expected_status_of "$scenario")"
  unexpected="$(errors_of "$statuses" 0 "$expected")"
  [[ -z "$expected" || -z "$unexpected" ]] ||
    die "$scenario on the $target answered $unexpected besides $expected (statuses $statuses)"
  succeeded["$key"]=$((${succeeded[$key]:-0} + $(status_count "$statuses" 201)))
  unanswered["$key"]=$((${unanswered[$key]:-0} + $(field sent "$line") - $(field answered "$line")))
  [[ "$measured" == true ]] || return 0
  result["$key/rps"]="$(field rps "$line")"
  result["$key/p50"]="$(field p50_ms "$line")"
  result["$key/p99"]="$(field p99_ms "$line")"
  result["$key/errors"]="$(errors_of "$statuses" "$socket" "$expected")"
  result["$key/statuses"]="$statuses"
}

# The baseline has no ETags, so nothing to revalidate against, and no portal.
has_baseline() { [[ "$1" != receipt && "$1" != get-304 && "$1" != portal-items ]]; }

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
  local output median samples
  if output="$("$ROOT/.ci/image-startup.sh" 2>&1)"; then
    median="$(sed -nE 's/^start -> healthy median \(ms\): ([0-9]+)$/\1/p' <<<"$output")"
    samples="$(sed -nE 's/^start -> healthy samples \(ms\): (.*)$/\1/p' <<<"$output")"
    container_startup="median ${median} ms; samples $samples"
  else
    container_startup="not measured: .ci/image-startup.sh failed: $(tail -n 1 <<<"$output")"
  fi
}
