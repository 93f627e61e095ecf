# shellcheck shell=bash
# The candidate: the new version's container, started beside the live one with the app's env file, reported in
# full when it fails, and removed unless it was promoted.

readonly FAILED_BOOT_LOG_LINES=200
# The deploy names the stack's network as ForwardedHeaders__KnownNetworks__90 (and __91… for more subnets): indexes
# below 90 stay free for the operator's own proxies in the env file.
readonly PROXY_NETWORK_INDEX=90

# Kamal users met migrations started without their secrets (kamal#1700): check before anything starts.
check_env_file() {
  local file=$INVENTORY_ENV_FILE example=deploy/inventory.env.example
  [[ -e "$file" ]] || refuse "the app env file $file does not exist: create it (bootstrap.sh does; see $example)"
  [[ -f "$file" && -r "$file" ]] \
    || refuse "the app env file $file is not readable by $(id -un): chown $(id -un) $file && chmod 600 $file"
  grep -q '^ConnectionStrings__inventorydb=.' "$file" \
    || refuse "the app env file $file has no ConnectionStrings__inventorydb=… line," \
      "so the app cannot reach its database: see $example"
}

# A crashed or killed run may leave a candidate running beside the live version: it never got traffic.
remove_orphan_candidates() {
  local name
  remove_orphan_migrators
  while read -r name; do
    [[ -z "$name" || "$name" == "$LIVE_CONTAINER" ]] && continue
    warn "removing $name, a candidate an interrupted run left running (it never received traffic)"
    docker rm --force "$name" >/dev/null
    audit remove-orphan ok 0 "$name"
  done < <(docker ps --filter "label=$LABEL_STACK=$INVENTORY_NAME" --filter "label=$LABEL_ROLE=app" \
    --format '{{.Names}}')
}

# The new version starts beside the live one, hardened as the image expects; no restart policy until it has
# passed the gate, so a crash at start-up shows as an exit code rather than a restart loop. It never migrates: the
# migration step did (deploy), or none may run (rollback); with migrations pending it stops at start-up.
start_candidate() {
  local tag=$1 output short=${1:0:12} subnets subnet index=$PROXY_NETWORK_INDEX proxy_networks=()
  # Without it every client would share nginx's address, and one client guessing keys would throttle them all.
  local network
  network="$(network_name)"
  subnets="$(network_subnets)" || die "cannot read the subnet of the network $network: docker network inspect $network"
  for subnet in $subnets; do
    proxy_networks+=(--env "ForwardedHeaders__KnownNetworks__$index=$subnet")
    index=$((index + 1))
  done
  CANDIDATE="$INVENTORY_NAME-app-$short-$(date -u +%Y%m%d%H%M%S)-$((RANDOM % 1000))"
  CANDIDATE_PROMOTED=""
  local started=$SECONDS
  if ! output="$(docker run --detach --name "$CANDIDATE" --network "$(network_name)" \
    --env-file "$INVENTORY_ENV_FILE" "${proxy_networks[@]}" --env Database__MigrateAtStart=false \
    --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges \
    --memory "$INVENTORY_MEMORY" --log-opt max-size=10m --log-opt max-file=5 \
    --label "$LABEL_STACK=$INVENTORY_NAME" --label "$LABEL_ROLE=app" --label "$LABEL_TAG=$tag" \
    "$(image_ref "$tag")" 2>&1)"; then
    audit start-candidate failed $((SECONDS - started))
    docker rm --force "$CANDIDATE" >/dev/null 2>&1 || true
    CANDIDATE=""
    local reason
    reason="$(docker_error "$output")"
    die "cannot start a container of $(image_ref "$tag"): $reason — the live version was not touched"
  fi
  say "started the candidate $CANDIDATE"
  audit start-candidate ok $((SECONDS - started))
}

# Kamal's users got too few lines to see why a boot failed (kamal#1479): print 200 and how it ended.
report_failed_candidate() {
  local container=$1 state format
  format='status {{.State.Status}}, exit code {{.State.ExitCode}}, OOM-killed {{.State.OOMKilled}}'
  format+=', restarts {{.RestartCount}}'
  state="$(docker container inspect --format "$format" "$container" 2>/dev/null || echo 'gone')"
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
