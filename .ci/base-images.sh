#!/usr/bin/env bash
# Makes sure the local Docker engine has every base image the project needs: the PostgreSQL image of the AppHost
# and the tests, and each FROM image of the Dockerfile. Each is pulled; when the pull fails (an air-gapped machine
# like our CI), a stand-in is built from Debian packages and this machine's .NET and tagged with the same name.
# Idempotent: an image already present is left alone.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly IMAGES_DIR="$ROOT/.ci/images"
readonly WORK_DIR="${CI_WORK_DIR:-$ROOT/.ci/.work}"
readonly DEBIAN_IMAGE="debian:bookworm-slim"
readonly DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# The tag Aspire.Hosting.PostgreSQL 13.6.5 runs; Inventory.Tests' PostgresServer.Image uses the same.
readonly POSTGRES_IMAGE="docker.io/library/postgres:18.3"
readonly DOTNET_DIR="${DOTNET_DIR:-/usr/share/dotnet}"
# The deploy's reverse proxy, as deploy/defaults.env names it (its INVENTORY_PROXY_IMAGE default).
PROXY_IMAGE="$(sed -n 's/^INVENTORY_PROXY_IMAGE=//p' "$ROOT/deploy/defaults.env" 2>/dev/null || true)"
readonly PROXY_IMAGE
readonly LOG_PREFIX=base-images
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$ROOT/.ci/lib/common.sh"

usage() {
  cat <<EOF
Usage: .ci/base-images.sh [-h]

Ensures these images exist in the local Docker engine, pulling each or, when the pull fails,
building a local stand-in (see .ci/images/):
  $DEBIAN_IMAGE, $POSTGRES_IMAGE, ${PROXY_IMAGE:-the deploy proxy} (deploy/defaults.env),
  and every FROM image of ./Dockerfile.

Environment: DEBIAN_MIRROR (default $DEBIAN_MIRROR), DOTNET_DIR (default $DOTNET_DIR),
CI_WORK_DIR (scratch space, default .ci/.work).
EOF
}

has_image() { docker image inspect "$1" >/dev/null 2>&1; }

try_pull() {
  local image="$1"
  log "pulling $image"
  if timeout 300 docker pull --quiet "$image" >/dev/null 2>&1; then
    return 0
  fi
  log "cannot pull $image: building a local stand-in"
  return 1
}

# Debian's minimal root filesystem, imported as an image (an imported image has no config: Dockerfiles built
# on it set ENV PATH themselves).
build_debian() {
  local rootfs="$WORK_DIR/debian-rootfs" tarball="$WORK_DIR/debian-rootfs.tar"
  command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install -y debootstrap"
  if [[ ! -s "$tarball" ]]; then
    rm -rf "$rootfs"
    mkdir -p "$rootfs"
    debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR" >"$WORK_DIR/debootstrap.log" 2>&1 \
      || die "debootstrap failed; see $WORK_DIR/debootstrap.log"
    tar -C "$rootfs" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$rootfs"
  fi
  docker import "$tarball" "$DEBIAN_IMAGE" >/dev/null
}

# A stand-in whose recipe is a plain Dockerfile in .ci/images/$2.
build_recipe() {
  local image="$1" recipe="$2"
  docker build --quiet --network host -t "$image" "$IMAGES_DIR/$recipe" >/dev/null
}

# The context is a tar stream of the recipe's files, the machine's .NET folder (only the parts named) and, for
# the SDK, the machine's extra CA certificates: no copy of 600 MB on disk.
build_dotnet() {
  local image="$1" recipe="$2"
  shift 2
  [[ -x "$DOTNET_DIR/dotnet" ]] || die "no .NET in $DOTNET_DIR (set DOTNET_DIR)"
  local staging="$WORK_DIR/$recipe-context" recipe_files=()
  rm -rf "$staging"
  mkdir -p "$staging/ca"
  mapfile -t recipe_files < <(find "$IMAGES_DIR/$recipe" -maxdepth 1 -type f -printf '%f\n')
  cp "${recipe_files[@]/#/$IMAGES_DIR/$recipe/}" "$staging/"
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$staging/ca/"
  fi
  ln -s "$DOTNET_DIR" "$staging/dotnet"
  local parts=(dotnet) part
  if [[ $# -gt 0 ]]; then
    parts=()
    for part in "$@"; do
      parts+=("dotnet/$part")
    done
  fi
  tar -C "$staging" -ch "${recipe_files[@]}" ca "${parts[@]}" \
    | docker build --quiet --network host -t "$image" - >/dev/null
  rm -rf "$staging"
  remove_build_stages "$recipe"
}

# A multi-stage recipe leaves its earlier stages behind as untagged images; they carry this label (and nothing
# else does), so removing them touches no one else's image or build cache.
remove_build_stages() {
  local recipe="$1"
  docker image prune --force --filter "label=org.inventory.ci.stand-in-stage=$recipe" >/dev/null
}

build_standin() {
  local image="$1"
  case "$image" in
    "$DEBIAN_IMAGE" | docker.io/library/"$DEBIAN_IMAGE")
      build_debian ;;
    docker.io/library/postgres:* | postgres:*)
      build_recipe "$image" postgres ;;
    docker.io/library/nginx:* | nginx:*)
      build_recipe "$image" nginx ;;
    mcr.microsoft.com/dotnet/sdk:*)
      build_dotnet "$image" dotnet-sdk ;;
    mcr.microsoft.com/dotnet/aspnet:*)
      build_dotnet "$image" dotnet-aspnet dotnet LICENSE.txt host shared/Microsoft.NETCore.App \
        shared/Microsoft.AspNetCore.App ;;
    *)
      die "no stand-in recipe for $image; make it available to the engine (docker load) or add a recipe here" ;;
  esac
}

ensure_image() {
  local image="$1" started=$SECONDS
  if has_image "$image"; then
    log "$image present"
    return 0
  fi
  if ! try_pull "$image"; then
    build_standin "$image"
  fi
  has_image "$image" || die "$image is still missing after the build"
  log "$image ready ($((SECONDS - started)) s)"
}

# FROM lines of the Dockerfile, without stage references (FROM build AS …) and scratch.
dockerfile_images() {
  local dockerfile="$ROOT/Dockerfile"
  [[ -f "$dockerfile" ]] || return 0
  local stages=() line image
  while read -r line; do
    read -r _ image _ <<<"$line"
    if [[ "$image" != scratch && ! " ${stages[*]} " =~ \ ${image}\  ]]; then
      printf '%s\n' "$image"
    fi
    if [[ "$line" =~ [Aa][Ss][[:space:]]+([^[:space:]]+) ]]; then
      stages+=("${BASH_REMATCH[1]}")
    fi
  done < <(grep -iE '^[[:space:]]*FROM[[:space:]]' "$dockerfile" | sed -E 's/--platform=[^[:space:]]+[[:space:]]+//')
}

main() {
  if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then
    usage
    return 0
  fi
  [[ $# -eq 0 ]] || { usage >&2; exit 2; }
  docker info >/dev/null 2>&1 || die "no Docker engine answers 'docker info'; start one first (.ci/run does)"
  mkdir -p "$WORK_DIR"

  ensure_image "$DEBIAN_IMAGE"
  ensure_image "$POSTGRES_IMAGE"
  [[ -n "$PROXY_IMAGE" ]] || die "no INVENTORY_PROXY_IMAGE in deploy/defaults.env"
  ensure_image "$PROXY_IMAGE"
  local image
  while read -r image; do
    ensure_image "$image"
  done < <(dockerfile_images | sort -u)
}

main "$@"
