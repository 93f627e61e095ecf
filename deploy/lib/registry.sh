# shellcheck shell=bash
# The image: room on Docker's disk, the registry login and the pull, each failure told as the operator's next step.

check_disk_space() {
  local root free_kb
  root="$(docker info --format '{{.DockerRootDir}}' 2>/dev/null)" || return 0
  free_kb="$(df -Pk "$root" 2>/dev/null | awk 'NR == 2 { print $4 }')" || true
  if [[ ! "$free_kb" =~ ^[0-9]+$ ]]; then
    warn "cannot measure the free space of $root (Docker's data): not checked"
    return 0
  fi
  if ((free_kb / 1024 < MIN_FREE_DISK_MB)); then
    refuse "only $((free_kb / 1024)) MB free on the disk of $root (Docker's data)," \
      "below MIN_FREE_DISK_MB=$MIN_FREE_DISK_MB: free space (docker image prune) and deploy again"
  fi
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
  [[ -n "$GHCR_USERNAME" ]] \
    || die "GHCR_PAT is set but GHCR_USERNAME is not: set both (the GitHub user the token belongs to)"
  RUN_DOCKER_CONFIG="$(mktemp -d)"
  export DOCKER_CONFIG=$RUN_DOCKER_CONFIG
  if ! output="$(printf '%s' "$GHCR_PAT" \
    | docker login --username "$GHCR_USERNAME" --password-stdin "$registry" 2>&1)"; then
    audit login failed $((SECONDS - started))
    local reason
    if reason="$(network_fault "$output")"; then
      refuse "cannot reach the registry $registry to log in ($reason): check the host's network and INVENTORY_IMAGE"
    fi
    refuse "the registry $registry refused the login of $GHCR_USERNAME: check GHCR_USERNAME and GHCR_PAT" \
      "(a token with read:packages that has not expired)"
  fi
  audit login ok $((SECONDS - started))
}

# The network failure Docker's output $1 reports ("connection refused", "no such host"…; $2: one more pattern), for
# the operator; fails when the output reports none. A bare "dial tcp" counts, and reads "no connection".
network_fault() {
  local extra=${2:+|$2}
  grep -qiE "connection refused|no such host|timeout|network is unreachable|dial tcp$extra" <<<"$1" || return 1
  grep -m1 -oiE "(connection refused|no such host|i/o timeout|timeout|network is unreachable$extra)" <<<"$1" \
    || echo "no connection"
}

# By digest when the release has one (never its tag then), else by tag.
pull() {
  local output started=$SECONDS image
  image="$(image_ref "$1")"
  say "pulling $image"
  if output="$(docker pull --quiet "$image" 2>&1)"; then
    audit pull ok $((SECONDS - started))
    learn_digest "$1"
    return 0
  fi
  audit pull failed $((SECONDS - started))
  local registry reason
  registry="$(registry_of "$INVENTORY_IMAGE")"
  if grep -qiE 'no space left on device' <<<"$output"; then
    refuse "the disk filled up while pulling $image: free space (docker image prune) and deploy again"
  elif grep -qiE 'manifest unknown|not found|manifest for .* not found' <<<"$output"; then
    [[ "$image" == *@* ]] && refuse "the registry has no image $image: check the digest" \
      "(build-and-push's digest output; rollback.sh --list shows the recorded ones)"
    refuse "the registry has no image $image: check the tag (the workflow pushes the full commit SHA)"
  elif grep -qiE 'unauthorized|denied|authentication required' <<<"$output"; then
    refuse "the registry $registry refused to serve $image: set GHCR_USERNAME and GHCR_PAT" \
      "(a token with read:packages), or make the package public"
  elif reason="$(network_fault "$output" EOF)"; then
    refuse "cannot reach the registry $registry ($reason): check the host's network and the registry's status"
  fi
  refuse "docker pull $image failed: $(grep -m1 . <<<"$output")"
}

# Rollback targets are normally still on the host (prune keeps them); only a missing one is pulled.
pull_if_missing() {
  local image
  image="$(image_ref "$1")"
  if docker image inspect "$image" >/dev/null 2>&1; then
    say "$image is on the host: no pull needed"
    learn_digest "$1"
    return 0
  fi
  check_disk_space
  login
  pull "$1"
}
