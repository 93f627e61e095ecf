# shellcheck shell=bash
# The Docker engine as every part uses it: reachable, containers by name, the stack's network, and the one line of
# a failed docker command worth showing.

network_name() { printf '%s-net' "$INVENTORY_NAME"; }

require_docker() {
  command -v docker >/dev/null || die "docker is not installed on this host: run bootstrap.sh (it installs Docker)"
  local output reason fix
  if ! output="$(timeout 20 docker info --format '{{.ServerVersion}}' 2>&1)"; then
    reason="$(printf '%s' "$output" | grep -m1 . || echo 'no answer')"
    fix="start it (sudo systemctl start docker) or add $(id -un) to the docker group"
    die "cannot reach the Docker engine${DOCKER_HOST:+ at $DOCKER_HOST} ($reason): $fix"
  fi
}

container_exists() { docker container inspect "$1" >/dev/null 2>&1; }
container_running() { [[ "$(docker container inspect --format '{{.State.Running}}' "$1" 2>/dev/null)" == true ]]; }

ensure_network() {
  local network
  network="$(network_name)"
  docker network inspect "$network" >/dev/null 2>&1 && return 0
  docker network create --label "$LABEL_STACK=$INVENTORY_NAME" "$network" >/dev/null
  say "created the network $network"
}

# The subnets of the stack's network, one a line: nginx's address is in one of them, and the app believes the
# X-Forwarded-For of requests from them (ForwardedHeaders__KnownNetworks), so it sees each client's own address.
network_subnets() {
  docker network inspect --format '{{range .IPAM.Config}}{{println .Subnet}}{{end}}' "$(network_name)" | grep .
}

# The informative line of a failed docker command (the daemon's reason, not "Run 'docker run --help'…").
docker_error() {
  grep -m1 -iE 'error|denied|failed|conflict' <<<"$1" || grep -m1 . <<<"$1" || echo "no output"
}
