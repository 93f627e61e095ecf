#!/usr/bin/env bash
# Puts a version that was live before back in front of users, through the same health gate and zero-downtime
# switch as deploy.sh; or lists the versions that can be rolled back to. Runs on the host.
set -Eeuo pipefail

SCRIPT_NAME=rollback
# shellcheck source-path=SCRIPTDIR source=lib/all.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/all.sh"

usage() {
  cat <<EOF
Usage: rollback.sh [--secrets-from-stdin] [TAG]
       rollback.sh --list
       rollback.sh -h

Without TAG: back to the previous good version (\$INVENTORY_STATE_DIR/.prev_good_tag); the state files swap
(.prev_good_tag <- what was live, .last_good_tag <- the version rolled back to). With TAG: to that version.
The image is pulled only if it is no longer on the host. Same lock, health gate (GET /health 200 and
GET /version = TAG) and proxy switch as deploy.sh: a version that fails the gate is removed and the live one
keeps serving. Refuses, with a message, when there is nothing to roll back to.

  --list                the versions that were live (newest first), when, and whether the image is on the host
  --secrets-from-stdin  read GHCR_USERNAME=, GHCR_PAT= and DEPLOY_VIA= lines from standard input (remote.sh)

Settings: as deploy.sh (deploy.sh -h). Exit status: 0 rolled back (or already live), 1 failed (the live version
unchanged), 2 bad usage.
EOF
}

image_where() {
  if docker image inspect "$INVENTORY_IMAGE:$1" >/dev/null 2>&1; then
    printf 'on the host'
  else
    printf 'pull needed'
  fi
}

list_versions() {
  read_state
  local -A shown=()
  local when tag until=now period status found=""
  printf '%-42s %-9s %-48s %s\n' TAG STATE "LAST LIVE (UTC)" IMAGE
  while read -r when tag; do
    if [[ -z "${shown[$tag]:-}" ]]; then
      shown[$tag]=1
      found=1
      status=-
      [[ "$tag" == "$PREV_GOOD" ]] && status=previous
      [[ "$tag" == "$LAST_GOOD" ]] && status=live
      if [[ "$until" == now ]]; then period="since $when"; else period="$when - $until"; fi
      printf '%-42s %-9s %-48s %s\n' "$tag" "$status" "$period" "$(image_where "$tag")"
    fi
    until=$when
  done < <(live_history)
  for tag in "$LAST_GOOD" "$PREV_GOOD"; do
    if [[ -n "$tag" && -z "${shown[$tag]:-}" ]]; then
      shown[$tag]=1
      found=1
      status=previous
      [[ "$tag" == "$LAST_GOOD" ]] && status=live
      printf '%-42s %-9s %-48s %s\n' "$tag" "$status" "(not in deploy.log)" "$(image_where "$tag")"
    fi
  done
  if [[ -z "$found" ]]; then
    say "no version has been live on this host yet (nothing in $(audit_log))"
  elif [[ -n "$PREV_GOOD" ]]; then
    say "rollback.sh goes back to $PREV_GOOD; rollback.sh TAG to any tag above"
  else
    say "no previous good version is recorded: rollback.sh TAG goes to any tag above"
  fi
}

rollback() {
  begin_change
  if [[ -z "$TO_TAG" ]]; then
    local list="rollback.sh --list shows the versions that were live, rollback.sh TAG goes to one of them"
    [[ -n "$PREV_GOOD" ]] || refuse "nothing to roll back to: no previous good version is recorded" \
      "($(state_file prev_good_tag) is absent); $list"
    TO_TAG=$PREV_GOOD
  fi
  if [[ "$TO_TAG" == "$LAST_GOOD" && -n "$LIVE_CONTAINER" ]] && container_running "$LIVE_CONTAINER"; then
    end_change unchanged "$TO_TAG is already live ($LIVE_CONTAINER): nothing to do"
    return 0
  fi
  say "rolling back from ${LAST_GOOD:-nothing} to $INVENTORY_IMAGE:$TO_TAG"
  remove_orphan_candidates
  ensure_network
  ensure_proxy
  pull_if_missing "$TO_TAG"
  promote "$TO_TAG"
  local unchanged="${FROM_TAG:-nothing} still serves — the state files are unchanged"
  [[ -n "$PROMOTED" ]] || die "$TO_TAG did not pass the health gate ($GATE_FAILURE); $unchanged"
  end_change rolled-back "rolled back to $TO_TAG in $((SECONDS - RUN_STARTED)) s (previous: ${FROM_TAG:-none})"
}

main() {
  local secrets_from_stdin="" mode=rollback
  while [[ $# -gt 0 ]]; do
    case "$1" in
      -h | --help) usage; return 0 ;;
      --list) mode=list_versions; shift ;;
      --secrets-from-stdin) secrets_from_stdin=1; shift ;;
      -*) printf 'rollback: error: unknown option %s\n' "$1" >&2; usage >&2; exit 2 ;;
      *) break ;;
    esac
  done
  [[ $# -le 1 ]] || { usage >&2; exit 2; }
  if [[ $# -eq 1 ]]; then
    [[ "$mode" == rollback ]] || { usage >&2; exit 2; }
    validate_tag "$1"
    TO_TAG=$1
  fi
  begin_run "$secrets_from_stdin"
  if [[ "$mode" == list_versions ]]; then
    OUTCOME=listed
    require_docker
  fi
  "$mode"
}

main "$@"
