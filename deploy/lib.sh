# shellcheck shell=bash
# The deploy library, sourced by deploy.sh, rollback.sh and bootstrap.sh: one small function per step (configuration,
# lock, login, pull, start_candidate, wait_until_healthy, switch_traffic, record_state, audit, prune). It only
# defines things; the scripts that source it decide what runs. Every failure goes through `die`: one line that says
# what failed and what to do, a non-zero exit, and the EXIT trap (`finish`) that puts the host back as it was.

DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly DEPLOY_DIR
# Docker's tag grammar; a tag also ends up in container names and file contents, so nothing else may pass.
readonly TAG_PATTERN='^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$'
readonly APP_PORT=8080
readonly FAILED_BOOT_LOG_LINES=200
# How long old nginx workers may finish their requests after a reload (nginx.conf's worker_shutdown_timeout too).
readonly PROXY_DRAIN_SECONDS=30
readonly LABEL_STACK=org.inventory.stack
readonly LABEL_ROLE=org.inventory.role
readonly LABEL_TAG=org.inventory.tag

SCRIPT_NAME="${SCRIPT_NAME:-deploy}"
ACTION="${ACTION:-$SCRIPT_NAME}"
FROM_TAG=""
TO_TAG=""
CANDIDATE=""
CANDIDATE_PROMOTED=""
SWITCHING=""
PROMOTED_TAG=""
PROMOTED_PREVIOUS=""
STATE_RECORDED=""
PROXY_OLD_WORKERS=""
LIVE_CONTAINER=""
LIVE_TAG=""
LAST_GOOD=""
PREV_GOOD=""
GATE_FAILURE=""
PROMOTED=""
LOCK_FD=""
RUN_DOCKER_CONFIG=""
OUTCOME=""
FAILURE=""
RUN_STARTED=$SECONDS
SETTINGS=()

say() { printf '%s: %s\n' "$SCRIPT_NAME" "$*"; }
warn() { printf '%s: warning: %s\n' "$SCRIPT_NAME" "$*" >&2; }
now_utc() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# The one-line error. Never call it inside $(…): it would only end the subshell.
die() {
  FAILURE="$1"
  printf '%s: error: %s\n' "$SCRIPT_NAME" "$1" >&2
  exit "${2:-1}"
}

on_unexpected_error() {
  local status=$? line=$1 command=$2
  FAILURE="unexpected failure (exit $status) of '$command' at ${BASH_SOURCE[1]##*/}:$line"
  printf '%s: error: %s; nothing was switched — see the lines above\n' "$SCRIPT_NAME" "$FAILURE" >&2
}

# --- configuration --------------------------------------------------------------------------------------------

# Reads KEY=value lines into the known settings, leaving alone every key the environment already set.
read_settings() {
  local file=$1 line key value number=0
  while IFS= read -r line || [[ -n "$line" ]]; do
    number=$((number + 1))
    [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
    if [[ ! "$line" =~ ^[[:space:]]*([A-Z][A-Z0-9_]*)=(.*)$ ]]; then
      die "$file:$number is not a KEY=value line: fix or remove it"
    fi
    key="${BASH_REMATCH[1]}"
    value="${BASH_REMATCH[2]}"
    if [[ "$value" =~ ^\"(.*)\"[[:space:]]*$ || "$value" =~ ^\'(.*)\'[[:space:]]*$ ]]; then
      value="${BASH_REMATCH[1]}"
    fi
    if [[ " ${SETTINGS[*]} " != *" $key "* ]]; then
      die "$file:$number sets $key, which is not a setting (typo?): the settings are listed in $DEPLOY_DIR/defaults.env"
    fi
    [[ -n "${ENVIRONMENT_SET[$key]:-}" ]] || printf -v "$key" '%s' "$value"
  done <"$file"
}

# defaults.env, then deploy.env, then the environment (the environment wins). $1: "required", or "optional" when
# a missing deploy.env is fine (bootstrap.sh, before it writes one).
load_config() {
  local need=$1 key
  mapfile -t SETTINGS < <(sed -nE 's/^([A-Z][A-Z0-9_]*)=.*/\1/p' "$DEPLOY_DIR/defaults.env")
  declare -gA ENVIRONMENT_SET=()
  for key in "${SETTINGS[@]}"; do
    [[ -v "$key" ]] && ENVIRONMENT_SET[$key]=1
  done
  read_settings "$DEPLOY_DIR/defaults.env"
  INVENTORY_DEPLOY_ENV="${INVENTORY_DEPLOY_ENV:-/etc/inventory/deploy.env}"
  if [[ -f "$INVENTORY_DEPLOY_ENV" ]]; then
    [[ -r "$INVENTORY_DEPLOY_ENV" ]] || die "$INVENTORY_DEPLOY_ENV is not readable by $(id -un): chown $(id -un) $INVENTORY_DEPLOY_ENV"
    read_settings "$INVENTORY_DEPLOY_ENV"
  elif [[ "$need" != optional ]]; then
    die "the deploy configuration $INVENTORY_DEPLOY_ENV does not exist: run bootstrap.sh, or set INVENTORY_DEPLOY_ENV to where it is"
  fi
  if [[ -n "$DOCKER_HOST" ]]; then export DOCKER_HOST; else unset DOCKER_HOST; fi
}

# $1: "image-required", or "image-optional" (bootstrap.sh asks for INVENTORY_IMAGE only when it writes deploy.env).
validate_config() {
  if [[ -z "$INVENTORY_IMAGE" && "$1" == image-optional ]]; then
    :
  elif [[ -z "$INVENTORY_IMAGE" ]]; then
    die "INVENTORY_IMAGE is not set: set it in $INVENTORY_DEPLOY_ENV (e.g. ghcr.io/OWNER/REPO)"
  else
    [[ "$INVENTORY_IMAGE" =~ ^[a-z0-9]([a-z0-9._:-]*[a-z0-9])?(/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$ ]] \
      || die "INVENTORY_IMAGE='$INVENTORY_IMAGE' is not an image repository (lower case, no tag): e.g. ghcr.io/owner/repo"
  fi
  [[ "$INVENTORY_NAME" =~ ^[a-z0-9][a-z0-9_.-]{0,40}$ ]] \
    || die "INVENTORY_NAME='$INVENTORY_NAME' must be 1-41 of a-z 0-9 _ . - (it prefixes container names)"
  [[ "$INVENTORY_HTTP_PORT" =~ ^[0-9]{1,5}$ && "$INVENTORY_HTTP_PORT" -ge 1 && "$INVENTORY_HTTP_PORT" -le 65535 ]] \
    || die "INVENTORY_HTTP_PORT='$INVENTORY_HTTP_PORT' is not a port number (1-65535)"
  local key
  for key in HEALTH_TIMEOUT DEPLOY_LOCK_TIMEOUT MIN_FREE_DISK_MB INVENTORY_KEEP; do
    [[ "${!key}" =~ ^[0-9]+$ ]] || die "$key='${!key}' must be a whole number"
  done
  [[ "$INVENTORY_KEEP" -ge 2 ]] || die "INVENTORY_KEEP=$INVENTORY_KEEP must be at least 2 (the live and the previous release)"
  [[ "$INVENTORY_STATE_DIR" == /* ]] || die "INVENTORY_STATE_DIR='$INVENTORY_STATE_DIR' must be an absolute path"
}

validate_tag() {
  [[ "$1" =~ $TAG_PATTERN ]] \
    || die "'$1' is not an image tag (letters, digits, _ . -, at most 128, not starting with . or -): give a full commit SHA" 2
}

network_name() { printf '%s-net' "$INVENTORY_NAME"; }
proxy_name() { printf '%s-proxy' "$INVENTORY_NAME"; }
proxy_dir() { printf '%s/proxy' "$INVENTORY_STATE_DIR"; }
audit_log() { printf '%s/deploy.log' "$INVENTORY_STATE_DIR"; }
state_file() { printf '%s/.%s' "$INVENTORY_STATE_DIR" "$1"; }

public_url() {
  local host=$INVENTORY_HTTP_BIND
  case "$host" in
    "" | 0.0.0.0) host=127.0.0.1 ;;
    :: | "[::]") host="[::1]" ;;
    *:*) host="[$host]" ;;
  esac
  printf 'http://%s:%s' "$host" "$INVENTORY_HTTP_PORT"
}

# --- preflight ---------------------------------------------------------------------------------------------------

require_docker() {
  command -v docker >/dev/null || die "docker is not installed on this host: run bootstrap.sh (it installs Docker)"
  local output
  if ! output="$(timeout 20 docker info --format '{{.ServerVersion}}' 2>&1)"; then
    die "cannot reach the Docker engine${DOCKER_HOST:+ at $DOCKER_HOST} ($(printf '%s' "$output" | grep -m1 . || echo 'no answer')): start it (sudo systemctl start docker) or add $(id -un) to the docker group"
  fi
}

require_state_dir() {
  if [[ ! -d "$INVENTORY_STATE_DIR" ]]; then
    (umask 022 && mkdir -p "$INVENTORY_STATE_DIR") 2>/dev/null \
      || die "cannot create INVENTORY_STATE_DIR $INVENTORY_STATE_DIR as $(id -un): run bootstrap.sh, or create it owned by $(id -un)"
  fi
  [[ -w "$INVENTORY_STATE_DIR" ]] || die "INVENTORY_STATE_DIR $INVENTORY_STATE_DIR is not writable by $(id -un): chown -R $(id -un) $INVENTORY_STATE_DIR"
}

# Kamal users met migrations started without their secrets (kamal#1700): check before anything starts.
check_env_file() {
  local file=$INVENTORY_ENV_FILE
  [[ -e "$file" ]] || die "the app env file $file does not exist: create it (bootstrap.sh does; see deploy/inventory.env.example) — nothing was changed"
  [[ -f "$file" && -r "$file" ]] || die "the app env file $file is not readable by $(id -un): chown $(id -un) $file && chmod 600 $file — nothing was changed"
  grep -q '^ConnectionStrings__inventorydb=.' "$file" \
    || die "the app env file $file has no ConnectionStrings__inventorydb=… line, so the app cannot reach its database: see deploy/inventory.env.example — nothing was changed"
}

check_disk_space() {
  local root free_kb
  root="$(docker info --format '{{.DockerRootDir}}' 2>/dev/null)" || return 0
  free_kb="$(df -Pk "$root" 2>/dev/null | awk 'NR == 2 { print $4 }')" || true
  if [[ ! "$free_kb" =~ ^[0-9]+$ ]]; then
    warn "cannot measure the free space of $root (Docker's data): not checked"
    return 0
  fi
  if ((free_kb / 1024 < MIN_FREE_DISK_MB)); then
    die "only $((free_kb / 1024)) MB free on the disk of $root (Docker's data), below MIN_FREE_DISK_MB=$MIN_FREE_DISK_MB: free space (docker image prune) and deploy again — nothing was changed"
  fi
}

# --- audit ------------------------------------------------------------------------------------------------------

# One line per step and outcome in deploy.log: UTC time, user, action, from -> to, result, seconds [, error].
audit() {
  local step=$1 result=$2 seconds=${3:-0} error=${4:-}
  local line
  line="$(now_utc) user=$(id -un) action=$ACTION step=$step from=${FROM_TAG:--} to=${TO_TAG:--} result=$result seconds=$seconds"
  [[ -n "$error" ]] && line+=" error=\"${error//\"/\'}\""
  [[ -d "$INVENTORY_STATE_DIR" && -w "$INVENTORY_STATE_DIR" ]] && printf '%s\n' "$line" >>"$(audit_log)"
  return 0
}

# --- lock ---------------------------------------------------------------------------------------------------------

lock_holder_text() {
  local info=$1 pid action tag user since via
  pid="$(sed -nE 's/.*\bpid=([0-9]+).*/\1/p' <<<"$info")"
  action="$(sed -nE 's/.*\baction=([^ ]+).*/\1/p' <<<"$info")"
  tag="$(sed -nE 's/.*\btag=([^ ]+).*/\1/p' <<<"$info")"
  user="$(sed -nE 's/.*\buser=([^ ]+).*/\1/p' <<<"$info")"
  since="$(sed -nE 's/.*\bsince=([^ ]+).*/\1/p' <<<"$info")"
  via="$(sed -nE 's/.*\bvia="([^"]*)".*/\1/p' <<<"$info")"
  printf 'pid %s (%s of %s by %s%s, since %s)' "${pid:-?}" "${action:-?}" "${tag:--}" "${user:-?}" "${via:+ via $via}" "${since:-?}"
}

# flock: the kernel frees the lock when its holder dies, however it dies. The holder's details live in the lock
# file while it is held and are emptied on release, so details found on taking the lock mean a killed holder.
acquire_lock() {
  local file="$INVENTORY_STATE_DIR/deploy.lock" info started=$SECONDS
  exec {LOCK_FD}>>"$file"
  if ! flock -n "$LOCK_FD"; then
    info="$(cat "$file" 2>/dev/null || true)"
    say "waiting up to ${DEPLOY_LOCK_TIMEOUT} s for the deploy lock, held by $(lock_holder_text "$info")"
    if ! flock -w "$DEPLOY_LOCK_TIMEOUT" "$LOCK_FD"; then
      info="$(cat "$file" 2>/dev/null || true)"
      exec {LOCK_FD}>&-
      LOCK_FD=""
      die "another deploy still holds the lock after ${DEPLOY_LOCK_TIMEOUT} s: $(lock_holder_text "$info"); let it finish and run again (DEPLOY_LOCK_TIMEOUT sets the wait)"
    fi
    say "got the deploy lock after $((SECONDS - started)) s"
  fi
  info="$(cat "$file")"
  if [[ -n "$info" ]]; then
    warn "the deploy lock was left by $(lock_holder_text "$info"), which ended without releasing it (killed?): taking it over"
    audit lock took-over 0 "stale lock of $(lock_holder_text "$info")"
  fi
  local pgid
  pgid="$(ps -o pgid= -p $$ | tr -d ' ')"
  printf 'pid=%s pgid=%s action=%s tag=%s user=%s since=%s via="%s"\n' \
    "$$" "$pgid" "$ACTION" "${TO_TAG:--}" "$(id -un)" "$(now_utc)" "${DEPLOY_VIA:-a shell on $(hostname)}" >"$file"
  audit lock ok $((SECONDS - started))
}

release_lock() {
  [[ -n "$LOCK_FD" ]] || return 0
  : >"$INVENTORY_STATE_DIR/deploy.lock"
  flock -u "$LOCK_FD"
  exec {LOCK_FD}>&-
  LOCK_FD=""
}

# --- state --------------------------------------------------------------------------------------------------------

# Sets the variable named $2 to the tag in state file $1 (empty when the file is absent); dies when it is corrupt.
read_state_tag() {
  local name=$1 var=$2 file content
  file="$(state_file "$name")"
  printf -v "$var" '%s' ""
  [[ -e "$file" ]] || return 0
  [[ -f "$file" && -r "$file" ]] || die "the state file $file is not a readable file: fix its ownership (chown $(id -un)) — nothing was changed"
  content="$(<"$file")"
  if [[ ! "$content" =~ $TAG_PATTERN ]]; then
    local fix="write the right tag into it (rollback.sh --list shows the history)"
    [[ "$name" == last_good_tag && -n "$LIVE_TAG" ]] && fix="the proxy serves $LIVE_TAG: echo $LIVE_TAG > $file"
    die "the state file $file is corrupt (it holds '$(head -c 60 "$file" | tr -c '[:print:]' '?')', not one image tag): $fix — nothing was changed"
  fi
  printf -v "$var" '%s' "$content"
}

write_state_file() {
  local name=$1 value=$2 tmp
  tmp="$(mktemp "$INVENTORY_STATE_DIR/.$name.XXXXXX")"
  printf '%s\n' "$value" >"$tmp"
  chmod 644 "$tmp"
  mv -f "$tmp" "$(state_file "$name")"
}

# .prev_good_tag <- the version that was live, .last_good_tag <- the new one; each file replaced atomically.
record_state() {
  local new=$1 previous=$2
  [[ -n "$previous" && "$previous" != "$new" ]] && write_state_file prev_good_tag "$previous"
  write_state_file last_good_tag "$new"
  STATE_RECORDED=1
  audit record-state ok 0
}

# The live container and tag, as the proxy's configuration names them (empty before the first deploy).
read_live() {
  LIVE_CONTAINER=""
  LIVE_TAG=""
  local file
  file="$(proxy_dir)/upstream.conf"
  [[ -f "$file" ]] || return 0
  read -r _ _ LIVE_CONTAINER LIVE_TAG < <(grep -m1 '^# live: ' "$file") || true
  if [[ "$LIVE_CONTAINER" == none ]]; then
    LIVE_CONTAINER=""
    LIVE_TAG=""
  fi
}

# The state files and the proxy must agree on what is live; a disagreement is reported, never guessed at.
read_state() {
  read_live
  read_state_tag last_good_tag LAST_GOOD
  read_state_tag prev_good_tag PREV_GOOD
  if [[ -n "$LIVE_TAG" && -z "$LAST_GOOD" ]]; then
    die "the state file $(state_file last_good_tag) is missing, but the proxy serves $LIVE_TAG ($LIVE_CONTAINER): restore it with: echo $LIVE_TAG > $(state_file last_good_tag) — nothing was changed"
  fi
  if [[ -n "$LIVE_TAG" && "$LIVE_TAG" != "$LAST_GOOD" ]]; then
    die "the state file $(state_file last_good_tag) says $LAST_GOOD, but the proxy serves $LIVE_TAG ($LIVE_CONTAINER), so an earlier run was interrupted: if $LIVE_TAG is right, run: echo $LIVE_TAG > $(state_file last_good_tag) — nothing was changed"
  fi
}

# Names, tags and times each version went live, newest first, from the audit log's switch lines.
live_history() {
  local log
  log="$(audit_log)"
  [[ -f "$log" ]] || return 0
  sed -nE 's/^([^ ]+) .* step=switch from=[^ ]+ to=([^ ]+) result=ok .*/\1 \2/p' "$log" | tac
}

# --- docker pieces -------------------------------------------------------------------------------------------------

container_exists() { docker container inspect "$1" >/dev/null 2>&1; }
container_running() { [[ "$(docker container inspect --format '{{.State.Running}}' "$1" 2>/dev/null)" == true ]]; }

ensure_network() {
  local network
  network="$(network_name)"
  docker network inspect "$network" >/dev/null 2>&1 && return 0
  docker network create --label "$LABEL_STACK=$INVENTORY_NAME" "$network" >/dev/null
  say "created the network $network"
}

# A crashed or killed run may leave a candidate running beside the live version: it never got traffic.
remove_orphan_candidates() {
  local name
  while read -r name; do
    [[ -z "$name" || "$name" == "$LIVE_CONTAINER" ]] && continue
    warn "removing $name, a candidate an interrupted run left running (it never received traffic)"
    docker rm --force "$name" >/dev/null
    audit remove-orphan ok 0 "$name"
  done < <(docker ps --filter "label=$LABEL_STACK=$INVENTORY_NAME" --filter "label=$LABEL_ROLE=app" --format '{{.Names}}')
}

# Returns 1 when the file was already up to date (then nothing needs a reload).
write_nginx_conf() {
  local dir=$1
  cat >"$dir/nginx.conf.tmp" <<'EOF'
# Written by deploy/lib.sh (write_nginx_conf) on every deploy: edit that function, not this file.
# Runs as an unprivileged user on a read-only root: every writable path is under /tmp (a tmpfs).
worker_processes 1;
worker_shutdown_timeout 30s;
pid /tmp/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
    access_log /dev/stdout;
    server_tokens off;
    client_body_temp_path /tmp/client_body;
    proxy_temp_path /tmp/proxy;
    fastcgi_temp_path /tmp/fastcgi;
    uwsgi_temp_path /tmp/uwsgi;
    scgi_temp_path /tmp/scgi;
    # The API's largest body is a 5 MB CSV import; it answers oversized bodies itself (problem details).
    client_max_body_size 8m;
    # The live app container (upstream inventory_app), swapped by switch_traffic.
    include /etc/inventory-proxy/upstream.conf;
    server {
        listen 8080;
        location / {
            proxy_pass http://inventory_app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 120s;
        }
    }
}
EOF
  if cmp -s "$dir/nginx.conf.tmp" "$dir/nginx.conf"; then
    rm -f "$dir/nginx.conf.tmp"
    return 1
  fi
  chmod 644 "$dir/nginx.conf.tmp"
  mv -f "$dir/nginx.conf.tmp" "$dir/nginx.conf"
}

# $1 = container or "none", $2 = tag.
write_upstream_conf() {
  local dir=$1 container=$2 tag=$3 server
  if [[ "$container" == none ]]; then
    # Nothing deployed yet: a server that refuses, so the proxy answers 502.
    server="server 127.0.0.1:9 down;"
  else
    server="server $container:$APP_PORT; keepalive 16;"
  fi
  printf '# live: %s %s\nupstream inventory_app { %s }\n' "$container" "$tag" "$server" >"$dir/upstream.conf.tmp"
  chmod 644 "$dir/upstream.conf.tmp"
  mv -f "$dir/upstream.conf.tmp" "$dir/upstream.conf"
}

proxy_nginx() { docker exec "$(proxy_name)" nginx -e stderr -c /etc/inventory-proxy/nginx.conf "$@"; }

# nginx -s reload reports "signal process started" even when all is well: its output is shown only on failure.
reload_proxy() {
  local output
  if ! output="$(proxy_nginx -s reload 2>&1)"; then
    printf '%s
' "$output" >&2
    return 1
  fi
}

# The reverse proxy owns the public port; it is created once and then only reloaded.
ensure_proxy() {
  local proxy dir output
  proxy="$(proxy_name)"
  dir="$(proxy_dir)"
  (umask 022 && mkdir -p "$dir")
  chmod 755 "$dir"
  local changed=""
  write_nginx_conf "$dir" && changed=1
  [[ -f "$dir/upstream.conf" ]] || write_upstream_conf "$dir" none -
  if container_running "$proxy"; then
    if ! docker port "$proxy" 8080/tcp 2>/dev/null | grep -q ":$INVENTORY_HTTP_PORT\$"; then
      die "the proxy $proxy publishes $(docker port "$proxy" 8080/tcp | head -n1), not INVENTORY_HTTP_PORT=$INVENTORY_HTTP_PORT: to move it, run docker rm -f $proxy and deploy again (a short outage)"
    fi
    # A reload closes idle keep-alive connections: only when these scripts changed the configuration.
    if [[ -n "$changed" ]]; then
      proxy_nginx -t -q || die "the proxy's new configuration in $dir does not pass nginx -t (see above): fix write_nginx_conf"
      reload_proxy
      say "reloaded the proxy $proxy with its new nginx.conf"
    fi
    return 0
  fi
  if ! docker image inspect "$INVENTORY_PROXY_IMAGE" >/dev/null 2>&1; then
    say "pulling the proxy image $INVENTORY_PROXY_IMAGE"
    output="$(docker pull --quiet "$INVENTORY_PROXY_IMAGE" 2>&1)" \
      || die "cannot pull the proxy image $INVENTORY_PROXY_IMAGE: $(docker_error "$output")"
  fi
  container_exists "$proxy" && docker rm --force "$proxy" >/dev/null
  if ! output="$(docker run --detach --name "$proxy" --network "$(network_name)" \
    --publish "$INVENTORY_HTTP_BIND:$INVENTORY_HTTP_PORT:8080" --restart unless-stopped \
    --user 65534:65534 --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges --memory 128m \
    --log-opt max-size=10m --log-opt max-file=3 --label "$LABEL_STACK=$INVENTORY_NAME" --label "$LABEL_ROLE=proxy" \
    --volume "$dir:/etc/inventory-proxy:ro" \
    "$INVENTORY_PROXY_IMAGE" nginx -e stderr -c /etc/inventory-proxy/nginx.conf -g 'daemon off;' 2>&1)"; then
    # A failed bind leaves a Created container holding the name.
    docker rm --force "$proxy" >/dev/null 2>&1 || true
    if grep -qiE 'address already in use|port is already allocated' <<<"$output"; then
      die "port $INVENTORY_HTTP_BIND:$INVENTORY_HTTP_PORT is in use by another program or container: free it, or set INVENTORY_HTTP_PORT — nothing was changed"
    fi
    die "cannot start the proxy $proxy: $(docker_error "$output")"
  fi
  local deadline=$((SECONDS + 15))
  until curl --silent --output /dev/null --max-time 1 "$(public_url)/"; do
    if ((SECONDS >= deadline)) || ! container_running "$proxy"; then
      docker logs --tail 20 "$proxy" 2>&1 | sed 's/^/  | /' >&2
      die "the proxy $proxy did not answer on $(public_url) within 15 s (its log is above)"
    fi
    sleep 0.2
  done
  say "started the proxy $proxy on $INVENTORY_HTTP_BIND:$INVENTORY_HTTP_PORT"
}

# The informative line of a failed docker command (the daemon's reason, not "Run 'docker run --help'…").
docker_error() {
  grep -m1 -iE 'error|denied|failed|conflict' <<<"$1" || grep -m1 . <<<"$1" || echo "no output"
}

registry_of() {
  local first=${1%%/*}
  if [[ "$1" == */* && ("$first" == *.* || "$first" == *:* || "$first" == localhost) ]]; then
    printf '%s' "$first"
  else
    printf 'docker.io'
  fi
}

# The token goes to docker on standard input, into a configuration directory of this run only, removed at exit:
# it is never on a command line, in a log, or left on the host's disk.
login() {
  if [[ -z "$GHCR_PAT" ]]; then
    say "GHCR_PAT is not set: pulling without logging in"
    return 0
  fi
  local registry output started=$SECONDS
  registry="$(registry_of "$INVENTORY_IMAGE")"
  [[ -n "$GHCR_USERNAME" ]] || die "GHCR_PAT is set but GHCR_USERNAME is not: set both (the GitHub user the token belongs to)"
  RUN_DOCKER_CONFIG="$(mktemp -d)"
  export DOCKER_CONFIG=$RUN_DOCKER_CONFIG
  if ! output="$(printf '%s' "$GHCR_PAT" | docker login --username "$GHCR_USERNAME" --password-stdin "$registry" 2>&1)"; then
    audit login failed $((SECONDS - started))
    local reason
    if reason="$(network_fault "$output")"; then
      die "cannot reach the registry $registry to log in ($reason): check the host's network and INVENTORY_IMAGE — nothing was changed"
    fi
    die "the registry $registry refused the login of $GHCR_USERNAME: check GHCR_USERNAME and GHCR_PAT (a token with read:packages that has not expired) — nothing was changed"
  fi
  audit login ok $((SECONDS - started))
}

# The network failure Docker's output $1 reports ("connection refused", "no such host"…; $2: one more pattern), for
# the operator; fails when the output reports none. A bare "dial tcp" counts, and reads "no connection".
network_fault() {
  local extra=${2:+|$2}
  grep -qiE "connection refused|no such host|timeout|network is unreachable|dial tcp$extra" <<<"$1" || return 1
  grep -m1 -oiE "(connection refused|no such host|i/o timeout|timeout|network is unreachable$extra)" <<<"$1" || echo "no connection"
}

pull() {
  local tag=$1 output started=$SECONDS image="$INVENTORY_IMAGE:$1"
  say "pulling $image"
  if output="$(docker pull --quiet "$image" 2>&1)"; then
    audit pull ok $((SECONDS - started))
    return 0
  fi
  audit pull failed $((SECONDS - started))
  local registry reason
  registry="$(registry_of "$INVENTORY_IMAGE")"
  if grep -qiE 'no space left on device' <<<"$output"; then
    die "the disk filled up while pulling $image: free space (docker image prune) and deploy again — nothing was changed"
  elif grep -qiE 'manifest unknown|not found|manifest for .* not found' <<<"$output"; then
    die "the registry has no image $image: check the tag (the workflow pushes the full commit SHA) — nothing was changed"
  elif grep -qiE 'unauthorized|denied|authentication required' <<<"$output"; then
    die "the registry $registry refused to serve $image: set GHCR_USERNAME and GHCR_PAT (a token with read:packages), or make the package public — nothing was changed"
  elif reason="$(network_fault "$output" EOF)"; then
    die "cannot reach the registry $registry ($reason): check the host's network and the registry's status — nothing was changed"
  fi
  die "docker pull $image failed: $(grep -m1 . <<<"$output") — nothing was changed"
}

# Rollback targets are normally still on the host (prune keeps them); only a missing one is pulled.
pull_if_missing() {
  if docker image inspect "$INVENTORY_IMAGE:$1" >/dev/null 2>&1; then
    say "$INVENTORY_IMAGE:$1 is on the host: no pull needed"
    return 0
  fi
  check_disk_space
  login
  pull "$1"
}

# The new version starts beside the live one, hardened as the image expects; no restart policy until it has
# passed the gate, so a crash at start-up shows as an exit code rather than a restart loop.
start_candidate() {
  local tag=$1 output short=${1:0:12}
  CANDIDATE="$INVENTORY_NAME-app-$short-$(date -u +%Y%m%d%H%M%S)-$((RANDOM % 1000))"
  CANDIDATE_PROMOTED=""
  local started=$SECONDS
  if ! output="$(docker run --detach --name "$CANDIDATE" --network "$(network_name)" \
    --env-file "$INVENTORY_ENV_FILE" \
    --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges \
    --memory "$INVENTORY_MEMORY" --log-opt max-size=10m --log-opt max-file=5 \
    --label "$LABEL_STACK=$INVENTORY_NAME" --label "$LABEL_ROLE=app" --label "$LABEL_TAG=$tag" \
    "$INVENTORY_IMAGE:$tag" 2>&1)"; then
    audit start-candidate failed $((SECONDS - started))
    docker rm --force "$CANDIDATE" >/dev/null 2>&1 || true
    CANDIDATE=""
    die "cannot start a container of $INVENTORY_IMAGE:$tag: $(docker_error "$output") — the live version was not touched"
  fi
  say "started the candidate $CANDIDATE"
  audit start-candidate ok $((SECONDS - started))
}

json_string_field() {
  local field=$1 json=$2
  [[ "$json" =~ \"$field\"[[:space:]]*:[[:space:]]*\"([^\"]*)\" ]] && printf '%s' "${BASH_REMATCH[1]}"
  return 0
}

# The gate: GET /health is 200 within HEALTH_TIMEOUT, and GET /version names the tag (as its version or commit),
# so a stale or mislabelled image cannot pass. Checked from the host against the container's address on the app
# network (the image has no shell). Sets GATE_FAILURE when it returns 1.
wait_until_healthy() {
  local container=$1 tag=$2 started=$SECONDS ip status exit_code code=000 body version commit network
  local deadline=$((SECONDS + HEALTH_TIMEOUT))
  GATE_FAILURE=""
  # Outside the loop, not nested in its process substitution: bash re-parses a nested $(...) when it expands it and
  # may run a pending signal trap from inside that parse. The trap then fails to parse ("trap: line 2: unexpected
  # EOF while looking for matching `)'"), and an interrupted deploy ended with status 2 instead of 130 (seen once).
  network="$(network_name)"
  say "health gate: waiting up to ${HEALTH_TIMEOUT} s for GET /health = 200 and GET /version = $tag"
  while true; do
    status=gone exit_code="?" ip=""
    # One inspect per poll: its state, and its address on the app network (empty until it has one).
    read -r status exit_code ip < <(docker container inspect --format \
      "{{.State.Status}} {{.State.ExitCode}} {{with index .NetworkSettings.Networks \"$network\"}}{{.IPAddress}}{{end}}" \
      "$container") || true
    if [[ "$status" != running ]]; then
      GATE_FAILURE="the candidate $container stopped at start-up with exit code $exit_code (status $status)"
      break
    fi
    if [[ -n "$ip" ]]; then
      code="$(curl --silent --output /dev/null --write-out '%{http_code}' --max-time 2 "http://$ip:$APP_PORT/health" || true)"
      if [[ "$code" == 200 ]]; then
        body="$(curl --silent --fail --max-time 2 "http://$ip:$APP_PORT/version" || true)"
        version="$(json_string_field version "$body")"
        commit="$(json_string_field commit "$body")"
        if [[ "$version" == "$tag" || "$commit" == "$tag" ]]; then
          say "health gate passed in $((SECONDS - started)) s: /health 200, /version $version (commit $commit)"
          audit health-gate ok $((SECONDS - started))
          return 0
        fi
        GATE_FAILURE="the candidate is healthy but /version says version '${version:-?}' commit '${commit:-?}', not $tag: the image under this tag is not the build it names"
        break
      fi
    fi
    if ((SECONDS >= deadline)); then
      GATE_FAILURE="GET /health of the candidate answered ${code/000/nothing} instead of 200 for ${HEALTH_TIMEOUT} s (HEALTH_TIMEOUT)"
      break
    fi
    sleep 1
  done
  audit health-gate failed $((SECONDS - started)) "$GATE_FAILURE"
  return 1
}

# Kamal's users got too few lines to see why a boot failed (kamal#1479): print 200 and how it ended.
report_failed_candidate() {
  local container=$1 state
  state="$(docker container inspect --format 'status {{.State.Status}}, exit code {{.State.ExitCode}}, OOM-killed {{.State.OOMKilled}}, restarts {{.RestartCount}}' "$container" 2>/dev/null || echo 'gone')"
  printf '%s: health gate failed: %s\n' "$SCRIPT_NAME" "$GATE_FAILURE" >&2
  printf '%s: its state: %s; its last %s log lines:\n' "$SCRIPT_NAME" "$state" "$FAILED_BOOT_LOG_LINES" >&2
  docker logs --tail "$FAILED_BOOT_LOG_LINES" "$container" 2>&1 | sed 's/^/  | /' >&2 || true
  printf '%s: (end of the candidate'\''s log)\n' "$SCRIPT_NAME" >&2
}

remove_candidate() {
  [[ -n "$CANDIDATE" && -z "$CANDIDATE_PROMOTED" ]] || return 0
  docker rm --force "$CANDIDATE" >/dev/null 2>&1 || true
  say "removed the candidate $CANDIDATE"
  CANDIDATE=""
}

# Waits until the public port answers /version with the tag three times in a row: the switch is visible outside.
confirm_public_version() {
  local tag=$1 in_a_row=0 body deadline=$((SECONDS + 15))
  while ((SECONDS < deadline)); do
    body="$(curl --silent --fail --max-time 2 "$(public_url)/version" || true)"
    if [[ "$(json_string_field version "$body")" == "$tag" || "$(json_string_field commit "$body")" == "$tag" ]]; then
      in_a_row=$((in_a_row + 1))
      ((in_a_row >= 3)) && return 0
    else
      in_a_row=0
    fi
    sleep 0.1
  done
  return 1
}

# The proxy's worker processes as the host sees them (the image needs no ps): "accepting" ones take new
# connections; after a reload the old ones are "nginx: worker process is shutting down" until their requests end.
proxy_workers() {
  local which=$1
  docker top "$(proxy_name)" -o pid,args | awk -v which="$which" '
    $2 == "nginx:" && $3 == "worker" && $4 == "process" && (which == "all" || NF == 4) { print $1 }'
}

# Waits until none of the worker pids in $1 is listed as $2 ("accepting" or "all"); fails after $3 seconds.
wait_for_workers_gone() {
  local old=$1 which=$2 deadline=$((SECONDS + $3)) pid current
  while true; do
    current=" $(proxy_workers "$which" | tr '\n' ' ') "
    local left=""
    for pid in $old; do
      [[ "$current" == *" $pid "* ]] && left=1
    done
    [[ -z "$left" ]] && return 0
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}

# Points the proxy at the candidate: the new upstream file replaces the old one by rename, nginx checks it and
# reloads gracefully. The switch counts as done once the old workers no longer accept connections and the public
# port reports the new version three times in a row — under load, old and new workers overlap for a moment, and
# stopping the old container inside that moment would fail requests.
switch_traffic() {
  local container=$1 tag=$2 dir started=$SECONDS old_workers
  dir="$(proxy_dir)"
  cp -p "$dir/upstream.conf" "$dir/upstream.conf.before"
  write_upstream_conf "$dir" "$container" "$tag"
  if ! proxy_nginx -t -q; then
    mv -f "$dir/upstream.conf.before" "$dir/upstream.conf"
    audit switch failed $((SECONDS - started))
    die "nginx rejected the configuration that points to $container (see above); the proxy still serves the live version"
  fi
  old_workers="$(proxy_workers accepting | tr '\n' ' ')"
  # From here until the switch is confirmed, an interrupted run switches back (finish → revert_switch).
  SWITCHING=1
  reload_proxy
  if ! wait_for_workers_gone "$old_workers" accepting 15 || ! confirm_public_version "$tag"; then
    revert_switch
    audit switch failed $((SECONDS - started))
    die "after the proxy reload, $(public_url)/version did not report $tag within 15 s: switched back to the live version"
  fi
  rm -f "$dir/upstream.conf.before"
  PROXY_OLD_WORKERS=$old_workers
  CANDIDATE_PROMOTED=1
  SWITCHING=""
  say "switched $(public_url) to $tag ($container)"
  audit switch ok $((SECONDS - started))
}

# Points the proxy back at what it served before the switch (the old container still runs until stop_old).
revert_switch() {
  local dir
  dir="$(proxy_dir)"
  SWITCHING=""
  [[ -f "$dir/upstream.conf.before" ]] || return 0
  mv -f "$dir/upstream.conf.before" "$dir/upstream.conf"
  reload_proxy || true
  warn "switched the proxy back to what it served before"
}

# The old version stops once no proxy worker can still hand it a request, and stays on the host for a fast
# rollback (prune keeps it). The app finishes its own in-flight requests on SIGTERM (3 s).
stop_old() {
  local container=$1
  [[ -n "$container" ]] && container_exists "$container" || return 0
  if ! wait_for_workers_gone "${PROXY_OLD_WORKERS:-}" all "$PROXY_DRAIN_SECONDS"; then
    warn "old proxy workers still finish requests after ${PROXY_DRAIN_SECONDS} s: stopping $container anyway"
  fi
  # The new version already serves: a failure here is reported, not fatal.
  if docker stop --time 10 "$container" >/dev/null; then
    say "stopped $container (kept for rollback)"
  else
    warn "could not stop $container: the new version serves anyway; stop it with docker stop $container"
  fi
}

# Keeps the releases named in the state files, then the most recently live ones, up to INVENTORY_KEEP tags;
# removes every other stopped app container of this stack and every other image tag of INVENTORY_IMAGE that no
# container on the host was made from.
# Kamal once pruned its own rollback target (kamal#403); here a state file's tag is never a candidate for removal.
prune() {
  local -A keep=() seen=()
  local tag name started=$SECONDS
  [[ -n "$LAST_GOOD" ]] && keep[$LAST_GOOD]=1
  [[ -n "$PREV_GOOD" ]] && keep[$PREV_GOOD]=1
  while read -r _ tag; do
    ((${#keep[@]} >= INVENTORY_KEEP)) && break
    [[ -n "$tag" ]] && keep[$tag]=1
  done < <(live_history)
  while read -r name tag; do
    [[ -z "$name" || "$name" == "$LIVE_CONTAINER" ]] && continue
    if [[ -n "${keep[$tag]:-}" && -z "${seen[$tag]:-}" ]]; then
      seen[$tag]=1
      continue
    fi
    if docker rm "$name" >/dev/null 2>&1; then say "pruned the container $name ($tag)"; fi
  done < <(docker ps --all --filter "label=$LABEL_STACK=$INVENTORY_NAME" --filter "label=$LABEL_ROLE=app" \
    --filter status=exited --filter status=created --filter status=dead \
    --format "{{.Names}} {{.Label \"$LABEL_TAG\"}}")
  # Another stack on this host may keep a release of the same image for its own rollback.
  local -A in_use=()
  while read -r tag; do
    [[ -n "$tag" ]] && in_use[$tag]=1
  done < <(docker ps --all --filter "label=$LABEL_ROLE=app" --format "{{.Label \"$LABEL_TAG\"}}")
  while read -r tag; do
    [[ -z "$tag" || "$tag" == "<none>" || -n "${keep[$tag]:-}" || -n "${in_use[$tag]:-}" ]] && continue
    if docker image rm "$INVENTORY_IMAGE:$tag" >/dev/null 2>&1; then say "pruned the image $INVENTORY_IMAGE:$tag"; fi
  done < <(docker image ls "$INVENTORY_IMAGE" --format '{{.Tag}}')
  audit prune ok $((SECONDS - started))
}

# Starts TAG as the candidate and runs the health gate. Passed: the candidate restarts with Docker from now on.
# Failed: its logs and exit code are printed, it is removed and CANDIDATE is empty (GATE_FAILURE says why).
# (Returns 0 either way, as promote does, so that `set -e` stays on inside it.)
start_and_gate() {
  local tag=$1
  start_candidate "$tag"
  if ! wait_until_healthy "$CANDIDATE" "$tag"; then
    report_failed_candidate "$CANDIDATE"
    remove_candidate
    return 0
  fi
  docker update --restart unless-stopped "$CANDIDATE" >/dev/null
}

# After a failed gate the live version normally still serves; if nothing does (it crashed meanwhile, or the host
# rebooted oddly), the last good version is started again through the same gate and switch.
ensure_live_serving() {
  [[ -n "$LAST_GOOD" ]] || return 0
  if [[ -n "$LIVE_CONTAINER" ]] && container_running "$LIVE_CONTAINER" \
    && [[ "$(curl --silent --output /dev/null --write-out '%{http_code}' --max-time 5 "$(public_url)/health" || true)" == 200 ]]; then
    say "$LAST_GOOD still serves $(public_url)"
    return 0
  fi
  warn "nothing healthy serves $(public_url): starting the last good version $LAST_GOOD again"
  audit recover started 0
  local previous_live=$LIVE_CONTAINER
  start_and_gate "$LAST_GOOD"
  if [[ -z "$CANDIDATE" ]]; then
    warn "the last good version $LAST_GOOD did not pass the gate either: nothing serves; see the logs above"
    audit recover failed 0 "$GATE_FAILURE"
    return 0
  fi
  switch_traffic "$CANDIDATE" "$LAST_GOOD"
  LIVE_CONTAINER=$CANDIDATE
  if [[ -n "$previous_live" ]] && container_exists "$previous_live"; then
    warn "the container that stopped serving, $previous_live, is kept for its logs: docker logs $previous_live"
  fi
  audit recover ok 0
}

# Health gate, switch, state, stop, prune — shared by deploy and rollback. Sets PROMOTED=1 when the candidate is
# live; when the gate failed, the candidate has been reported and removed and the live version is left serving.
# (Returns 0 either way: a function called as a condition would run with `set -e` off.)
promote() {
  local tag=$1
  PROMOTED=""
  start_and_gate "$tag"
  if [[ -z "$CANDIDATE" ]]; then
    ensure_live_serving
    return 0
  fi
  local old=$LIVE_CONTAINER
  PROMOTED_TAG=$tag
  PROMOTED_PREVIOUS=$LAST_GOOD
  switch_traffic "$CANDIDATE" "$tag"
  LIVE_CONTAINER=$CANDIDATE
  record_state "$tag" "$LAST_GOOD"
  if [[ -n "$LAST_GOOD" && "$LAST_GOOD" != "$tag" ]]; then PREV_GOOD=$LAST_GOOD; fi
  LAST_GOOD=$tag
  stop_old "$old"
  prune
  # shellcheck disable=SC2034 # read by deploy.sh and rollback.sh
  PROMOTED=1
}

# --- run lifecycle ------------------------------------------------------------------------------------------------

# The line remote.sh reads for the job summary.
print_result() {
  say "result: action=$ACTION outcome=$1 tag=${TO_TAG:--} previous=${FROM_TAG:--} seconds=$((SECONDS - RUN_STARTED))"
}

finish() {
  local status=$?
  trap - ERR
  set +e
  # Interrupted half-way through a switch: back to the old version, which still runs.
  [[ -n "$SWITCHING" ]] && revert_switch
  # Interrupted after the switch: the new version serves, so the state files must say so.
  if [[ -n "$PROMOTED_TAG" && -n "$CANDIDATE_PROMOTED" && -z "$STATE_RECORDED" ]]; then
    record_state "$PROMOTED_TAG" "$PROMOTED_PREVIOUS"
  fi
  remove_candidate
  if [[ -z "$OUTCOME" ]]; then
    OUTCOME=failed
    [[ -n "$LOCK_FD" ]] && audit outcome failed $((SECONDS - RUN_STARTED)) "${FAILURE:-exit $status}"
  fi
  release_lock
  [[ -n "$RUN_DOCKER_CONFIG" ]] && rm -rf "$RUN_DOCKER_CONFIG"
  case "$OUTCOME" in deployed | rolled-back | unchanged | failed) print_result "$OUTCOME" ;; esac
  exit "$status"
}

install_traps() {
  trap finish EXIT
  trap 'on_unexpected_error "$LINENO" "$BASH_COMMAND"' ERR
  # A hang-up or an interrupt still runs finish: the candidate goes, the lock is released.
  trap 'FAILURE="interrupted"; exit 130' INT TERM HUP
  # After a hang-up nobody reads the output: a write must fail, not kill the clean-up.
  trap '' PIPE
}

# The common start of deploy.sh and rollback.sh once their arguments are parsed; $1 non-empty: --secrets-from-stdin.
begin_run() {
  install_traps
  [[ -n "$1" ]] && read_secrets_from_stdin
  load_config required
  validate_config image-required
}

# remote.sh sends GHCR_USERNAME, GHCR_PAT and DEPLOY_VIA as KEY=value lines on standard input; nothing else is read.
read_secrets_from_stdin() {
  local line
  while IFS= read -r line; do
    case "$line" in
      GHCR_USERNAME=*) GHCR_USERNAME="${line#*=}" ;;
      GHCR_PAT=*) GHCR_PAT="${line#*=}" ;;
      DEPLOY_VIA=*) DEPLOY_VIA="${line#*=}" ;;
      "") ;;
      *) die "unexpected line on standard input (only GHCR_USERNAME=, GHCR_PAT=, DEPLOY_VIA= are read)" 2 ;;
    esac
  done
  exec </dev/null
}
