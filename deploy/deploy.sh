#!/usr/bin/env bash
# Deploys one image tag on this host behind the reverse proxy, with zero failed requests, or leaves the live version
# serving and exits non-zero. Runs on the host (remote.sh starts it over SSH; an operator may run it by hand).
set -Eeuo pipefail

SCRIPT_NAME=deploy
# shellcheck source-path=SCRIPTDIR source=lib/all.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/all.sh"

usage() {
  cat <<EOF
Usage: deploy.sh [--secrets-from-stdin] TAG@sha256:DIGEST
       deploy.sh [--secrets-from-stdin] TAG
       deploy.sh --prepare
       deploy.sh -h

Deploys the release TAG of \$INVENTORY_IMAGE on this host, pinned to its DIGEST (64 lower-case hex digits, as
build-and-push outputs it): the image is pulled and run as \$INVENTORY_IMAGE@sha256:DIGEST, never by the tag. A plain
TAG (compatibility) pulls the registry's current image for the tag, is logged as "by tag, not pinned", and its digest
is recorded from then on.
  1. takes the deploy lock (waits up to DEPLOY_LOCK_TIMEOUT s; takes over a lock a killed run left);
  2. checks the app env file, the state files and Docker before anything starts (a healthy version the proxy
     serves but the state files do not name, left by a crash after a switch, is adopted with an audit line);
  3. logs in to the registry when GHCR_PAT is set (token on standard input only) and pulls the image (by digest);
  4. migration step: a one-off container of the image lists its pending migrations; if there are any, backs the
     database up (when lib/backup.sh is there) and applies them within MIGRATE_TIMEOUT s while the live version
     serves; a failed or timed-out migration is rolled back and fails the deploy (its log is printed);
  5. starts it as a candidate container beside the live one (hardened, memory-limited, on the app network), which
     does not migrate at start;
  6. health gate: the candidate's image must be DIGEST (its RepoDigests), GET /health must answer 200 within
     HEALTH_TIMEOUT s and GET /version must report TAG (as its version or its commit);
  7. passed: tags the image \$INVENTORY_IMAGE:TAG on the host, switches the proxy to it (nginx reload, no failed
     request), records .last_good_tag and .prev_good_tag with their TAG@DIGEST companions .last_good_ref and
     .prev_good_ref, stops the old container (kept for rollback), prunes to INVENTORY_KEEP releases;
  8. failed: prints the candidate's last 200 log lines and exit code, removes it, and exits 1 while the
     live version keeps serving (restarting the last good one if nothing serves).
Every step appends a line to \$INVENTORY_STATE_DIR/deploy.log (with digest=, the release's digest).

  --secrets-from-stdin  read GHCR_USERNAME=, GHCR_PAT= and DEPLOY_VIA= lines from standard input (remote.sh)
  --prepare             only create the network and the proxy (502 until the first deploy); bootstrap.sh runs it

Settings: $DEPLOY_DIR/defaults.env lists each with its default; the host's values are in
\${INVENTORY_DEPLOY_ENV:-/etc/inventory/deploy.env}; the environment overrides both.
Exit status: 0 deployed, 1 failed (the live version unchanged), 2 bad usage.
EOF
}

prepare() {
  ACTION=prepare
  require_state_dir
  require_docker
  acquire_lock
  read_state
  ensure_network
  ensure_proxy
  end_change prepared "the network $(network_name) and the proxy $(proxy_name) are ready on $(public_url)"
}

deploy() {
  begin_change
  say "deploying $TO_TAG of $INVENTORY_IMAGE (live now: ${LAST_GOOD:-nothing})"
  remove_orphan_candidates
  ensure_network
  ensure_proxy
  check_disk_space
  login
  choose_digest
  pull "$TO_TAG"
  migrate_schema "$TO_TAG"
  promote "$TO_TAG"
  if [[ -z "$PROMOTED" ]]; then
    local failed="$TO_TAG did not pass the health gate ($GATE_FAILURE)"
    if [[ -n "$LAST_GOOD" ]]; then
      die "$failed; $LAST_GOOD still serves — the state files are unchanged"
    fi
    die "$failed; nothing was live before, so nothing serves yet"
  fi
  local seconds=$((SECONDS - RUN_STARTED))
  end_change deployed "deployed $TO_TAG in $seconds s (previous: ${FROM_TAG:-none}; rollback.sh goes back to it)"
}

main() {
  local secrets_from_stdin="" mode=deploy
  while [[ $# -gt 0 ]]; do
    case "$1" in
      -h | --help) usage; return 0 ;;
      --secrets-from-stdin) secrets_from_stdin=1; shift ;;
      --prepare) mode=prepare; shift ;;
      -*) printf 'deploy: error: unknown option %s\n' "$1" >&2; usage >&2; exit 2 ;;
      *) break ;;
    esac
  done
  if [[ "$mode" == prepare ]]; then
    [[ $# -eq 0 ]] || { usage >&2; exit 2; }
  else
    [[ $# -eq 1 ]] || { printf 'deploy: error: give exactly one TAG to deploy\n' >&2; usage >&2; exit 2; }
    parse_ref "$1"
  fi
  begin_run "$secrets_from_stdin"
  "$mode"
}

main "$@"
