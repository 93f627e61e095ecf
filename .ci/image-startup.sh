#!/usr/bin/env bash
# Measures the production image as Inventory.Api/README.md ("The image") reports it: image size, build context
# size, and the time from `docker run` to the first `GET /health` 200 — the container run as the host runs it
# (hardened, beside PostgreSQL on a user-defined network, configured by an env file). Prints every sample and their
# median.
# Leaves nothing behind: every container, network, env file and image it made is removed on exit.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly POSTGRES_IMAGE="docker.io/library/postgres:18.3"
readonly HARDENING=(--read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges)
readonly HEALTH_TIMEOUT_SECONDS=60
readonly LOG_PREFIX=image-startup
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$ROOT/.ci/lib/common.sh"

usage() {
  cat <<'EOF'
Usage: .ci/image-startup.sh [-n SAMPLES] [--database fresh|existing] [--image TAG] [-h]

Builds the image from ./Dockerfile (unless --image names one), starts PostgreSQL, then SAMPLES times (default 5):
`docker run` the image hardened (--read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges) and
time it until GET /health answers 200 (polled every 50 ms on a loopback port), then remove it.

  --database fresh     each sample gets a new, empty database: it creates and migrates it (default)
  --database existing  every sample starts on one already-migrated database, as a redeploy does
  --image TAG          measure this image instead of building one (its context size is then not known)

Prints the image size, the build context size, each sample and the median, in milliseconds.
Needs a Docker engine (DOCKER_HOST as for docker), curl, and the postgres image (.ci/base-images.sh).
EOF
}

run_id="inventory-startup-$(random_hex 4)"
readonly run_id
built_image=""
env_file=""
containers=()

cleanup() {
  local status=$?
  if [[ ${#containers[@]} -gt 0 ]]; then
    docker rm --force "${containers[@]}" >/dev/null 2>&1 || true
  fi
  docker network rm "$run_id" >/dev/null 2>&1 || true
  if [[ -n "$built_image" ]]; then
    docker image rm --force "$built_image" "$built_image-build" >/dev/null 2>&1 || true
  fi
  [[ -z "$env_file" ]] || rm -f "$env_file"
  exit "$status"
}

# Prints the context size the engine reported. The build stage is tagged too, so that clean-up removes its layers.
build_image() {
  local tag="$1" output commit
  commit="$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)"
  local args=(--network host --force-rm --build-arg VERSION=startup-measure --build-arg "COMMIT=$commit")
  if ! output="$(docker build "${args[@]}" --target build -t "$tag-build" "$ROOT" 2>&1)"; then
    printf '%s\n' "$output" >&2
    remove_failed_build "$output"
    die "docker build failed (output above)"
  fi
  docker build "${args[@]}" -t "$tag" "$ROOT" >/dev/null 2>&1 || die "docker build of the final stage failed"
  sed -nE 's/^Sending build context to Docker daemon[[:space:]]+(.*)$/\1/p' <<<"$output" | head -n 1
}

# A failed legacy build leaves its last committed step as an untagged image; removing it (without force) also
# removes the parents only it used, and nothing another image still needs.
remove_failed_build() {
  local last
  last="$(sed -nE 's/^ ---> ([0-9a-f]{12})$/\1/p' <<<"$1" | tail -n 1)"
  [[ -z "$last" ]] || docker image rm "$last" >/dev/null 2>&1 || true
}

start_postgres() {
  local name="$1" password="$2" i
  printf 'POSTGRES_PASSWORD=%s\n' "$password" >"$env_file"
  containers+=("$name")
  docker run --detach --name "$name" --network "$run_id" --env-file "$env_file" "$POSTGRES_IMAGE" >/dev/null
  for i in $(seq 1 240); do
    if docker exec "$name" pg_isready -h 127.0.0.1 -U postgres >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.25
  done
  die "PostgreSQL did not accept connections within 60 s; see: docker logs $name"
}

# Prints the milliseconds from `docker run` to the first /health 200. Runs in a subshell ($(…)): the caller
# records the container's name for clean-up.
time_to_healthy() {
  local image="$1" name="$2" connection_string="$3" started port
  # The API refuses to start without an API key: a throwaway one (only its hash reaches the container).
  printf '%s\n' "ConnectionStrings__inventorydb=$connection_string" Auth__ApiKeys__0__Name=startup-measure \
    Auth__ApiKeys__0__Role=Reader "Auth__ApiKeys__0__Sha256=$(random_hex | sha256sum | cut -d' ' -f1)" >"$env_file"
  started="$(now_ms)"
  docker run --detach --name "$name" --network "$run_id" --publish 127.0.0.1::8080 "${HARDENING[@]}" \
    --env-file "$env_file" "$image" >/dev/null
  port="$(docker port "$name" 8080/tcp | head -n 1)"
  port="${port##*:}"
  if ! wait_until_healthy "http://127.0.0.1:$port/health" $((started + HEALTH_TIMEOUT_SECONDS * 1000)); then
    docker logs --tail 30 "$name" >&2 || true
    die "$name was not healthy within $HEALTH_TIMEOUT_SECONDS s"
  fi
  echo $(($(now_ms) - started))
  docker rm --force "$name" >/dev/null
}

median() {
  sort -n | awk '{ v[NR] = $1 }
    END { if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

main() {
  local samples=5 database=fresh image=""
  while [[ $# -gt 0 ]]; do
    case "$1" in
      -h | --help) usage; return 0 ;;
      -n) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "-n needs a positive whole number"; samples="$2"; shift 2 ;;
      --database)
        [[ "${2:-}" =~ ^(fresh|existing)$ ]] || die "--database is fresh or existing"
        database="$2"
        shift 2 ;;
      --image) [[ -n "${2:-}" ]] || die "--image needs a tag"; image="$2"; shift 2 ;;
      *) usage >&2; exit 2 ;;
    esac
  done
  command -v curl >/dev/null || die "curl is missing (apt-get install curl)"
  docker info >/dev/null 2>&1 || die "no Docker engine answers 'docker info' (set DOCKER_HOST)"
  docker image inspect "$POSTGRES_IMAGE" >/dev/null 2>&1 || die "$POSTGRES_IMAGE is missing: run .ci/base-images.sh"
  trap cleanup EXIT
  env_file="$(mktemp)"
  chmod 600 "$env_file"

  local context="unknown (--image given)"
  if [[ -z "$image" ]]; then
    log "building the image from $ROOT/Dockerfile"
    built_image="$run_id:image"
    image="$built_image"
    context="$(build_image "$image")"
  fi
  local size_mb
  size_mb=$(($(docker image inspect --format '{{.Size}}' "$image") / 1000000))

  docker network create "$run_id" >/dev/null
  local password postgres="$run_id-pg"
  password="$(random_hex)"
  log "starting PostgreSQL"
  start_postgres "$postgres" "$password"

  local base="Host=$postgres;Username=postgres;Password=$password;Database="
  if [[ "$database" == existing ]]; then
    log "warm-up run: migrating the shared database"
    containers+=("$run_id-warmup")
    time_to_healthy "$image" "$run_id-warmup" "${base}inventory_existing" >/dev/null
  fi
  local i ms results=()
  for i in $(seq 1 "$samples"); do
    local db=inventory_existing
    [[ "$database" == fresh ]] && db="inventory_fresh_$i"
    containers+=("$run_id-api-$i")
    ms="$(time_to_healthy "$image" "$run_id-api-$i" "$base$db")"
    log "sample $i: ${ms} ms"
    results+=("$ms")
  done

  echo "image: $image, ${size_mb} MB"
  echo "build context: $context"
  echo "database: $database"
  echo "start -> healthy samples (ms): ${results[*]}"
  echo "start -> healthy median (ms): $(printf '%s\n' "${results[@]}" | median)"
}

main "$@"
