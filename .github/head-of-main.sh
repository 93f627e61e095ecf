#!/usr/bin/env bash
# Newest wins: tells a ci-cd job whether the commit it runs for is still the head of main, so that an older run
# finishing after a newer one neither moves :latest back nor deploys over the newer version. The head comes from a
# checkout of refs/heads/main the job makes itself: that works in private repositories too, and no token reaches a
# script.
set -Eeuo pipefail

usage() {
  cat <<'EOF'
Usage: .github/head-of-main.sh [-h] HEAD_CHECKOUT CONSEQUENCE

Compares GITHUB_SHA, the commit this workflow run is for, with the commit checked out in HEAD_CHECKOUT (a fresh
checkout of refs/heads/main) and writes head=true or head=false to the file GITHUB_OUTPUT names. When another
commit is the head, prints a ::notice:: annotation naming both commits and ending with CONSEQUENCE (what the job
leaves undone because of it). Exits 1 when a commit cannot be read, so that a broken check stops the job instead
of deploying or skipping blindly; 2 on wrong usage.
EOF
}

fail() {
  echo "::error::head-of-main: $*"
  exit 1
}

main() {
  if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then
    usage
    return 0
  fi
  if [[ $# -ne 2 ]]; then
    usage >&2
    return 2
  fi
  local checkout="$1" consequence="$2" head
  [[ "${GITHUB_SHA:-}" =~ ^[0-9a-f]{40}$ ]] || fail "GITHUB_SHA is not a full commit SHA: '${GITHUB_SHA:-}'"
  [[ -n "${GITHUB_OUTPUT:-}" ]] || fail "GITHUB_OUTPUT is not set"
  # Its own repository, not a folder of the job's checkout of GITHUB_SHA, which git would otherwise find above it.
  [[ -e "$checkout/.git" ]] || fail "'$checkout' is not a checkout of its own"
  head="$(git -C "$checkout" rev-parse --verify --quiet 'HEAD^{commit}')" \
    || fail "no commit is checked out in '$checkout'"

  if [[ "$head" == "$GITHUB_SHA" ]]; then
    echo "head=true" >>"$GITHUB_OUTPUT"
    echo "$GITHUB_SHA is the head of main"
  else
    echo "head=false" >>"$GITHUB_OUTPUT"
    echo "::notice title=A newer commit is the head of main::$GITHUB_SHA is no longer the head of main ($head is):" \
      "$consequence"
  fi
}

main "$@"
