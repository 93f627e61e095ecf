# shellcheck shell=bash disable=SC2034,SC2154 # the run state is declared once, in bench/run.sh, and shared by its parts
# The benchmark's processes: the work folder, the builds, a throwaway PostgreSQL cluster, the API and the baseline,
# each started on a free loopback port and stopped again by cleanup. Sourced by bench/run.sh.

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

is_running() { kill -0 "$1" 2>/dev/null; }

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
  [[ -n "$pid" ]] && is_running "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    is_running "$pid" || return 0
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
  portal_password="$(random_hex)"
  portal_cookie_file="$work_dir/portal-cookie-header"
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
  dotnet publish "$ROOT/Inventory.Api/Inventory.Api.csproj" -c Release -o "$work_dir/api" -r "$rid" \
    --self-contained false -p:PublishReadyToRun=true -p:UseAppHost=false -nologo -v q >"$work_dir/build-api.log" 2>&1 ||
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
  # shellcheck disable=SC2153 # DATABASE is one of bench/run.sh's constants, not a misspelt PGDATABASE
  export PGHOST=127.0.0.1 PGPORT="$pg_port" PGUSER=postgres PGPASSWORD="$password" PGDATABASE="$DATABASE"
  connection_string="Host=127.0.0.1;Port=$pg_port;Username=postgres;Password=$password;Database=$DATABASE"
}

sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$@"; }

wait_healthy() {
  local name="$1" port="$2" pid="$3" log_file="$4" status=0
  wait_until_healthy "http://127.0.0.1:$port/health" $(($(now_ms) + 60000)) is_running "$pid" || status=$?
  case "$status" in
    0) return 0 ;;
    2) tail -n 30 "$log_file" >&2; die "the $name exited before it was healthy (log above)" ;;
  esac
  tail -n 30 "$log_file" >&2
  die "the $name was not healthy within 60 s (log above)"
}

# The environment the image gives the API (the ENV of the Dockerfile's last stage), one KEY=VALUE a line: the benchmark
# runs the API with it, so the allocator's tunables and the rest are those of the image.
image_env() {
  local pairs pair
  pairs="$(awk '/^FROM / { env = "" }
    /^ENV / || more { line = $0; more = sub(/\\$/, "", line); sub(/^ENV /, "", line); env = env " " line }
    END { print env }' "$ROOT/Dockerfile")"
  for pair in $pairs; do
    [[ "$pair" =~ ^[A-Za-z_][A-Za-z0-9_]*=[^\"\'\$]*$ ]] ||
      die "the Dockerfile's ENV holds '$pair'; the benchmark reads only plain KEY=VALUE pairs"
    printf '%s\n' "$pair"
  done
}

# Runs from its output folder, so that it reads its appsettings.json as a deployed API does. Secrets reach it by
# environment, never on a command line.
# shellcheck disable=SC2030,SC2031 # each (…) exports into the environment of the one process it execs
start_api() {
  api_port="$(free_port)"
  local out="$work_dir/api" started env
  env="$(image_env)"
  log "starting the API on 127.0.0.1:$api_port with the image's environment: $(cut -d= -f1 <<<"$env" | paste -sd' ')"
  started="$(now_ms)"
  (
    cd "$out" || exit
    while IFS= read -r pair; do export "${pair?}"; done <<<"$env"
    export ASPNETCORE_URLS="http://127.0.0.1:$api_port" ASPNETCORE_ENVIRONMENT=Production \
      ConnectionStrings__inventorydb="$connection_string" \
      Auth__ApiKeys__0__Name=bench Auth__ApiKeys__0__Role=Admin Auth__ApiKeys__0__Sha256="$api_key_sha" \
      RateLimiting__TokenLimit=1000000 RateLimiting__TokensPerPeriod=1000000 \
      Portal__InitialAdmin__UserName="$PORTAL_ADMIN" Portal__InitialAdmin__Password="$portal_password"
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
