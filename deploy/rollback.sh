#!/usr/bin/env bash
# Puts a version that was live before back in front of users, through the same health gate and zero-downtime
# switch as deploy.sh; or lists the versions that can be rolled back to. Runs on the host.
set -Eeuo pipefail

SCRIPT_NAME=rollback
# shellcheck source-path=SCRIPTDIR source=lib/all.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/all.sh"

usage() {
  cat <<EOF
Usage: rollback.sh [--secrets-from-stdin] [TAG[@sha256:DIGEST]]
       rollback.sh --list
       rollback.sh -h

Without TAG: back to the newest version that was live before the current one and was not itself rolled back
from (read from \$INVENTORY_STATE_DIR/deploy.log: after deploy C and a rollback to B, the next goes to A, not C).
With TAG: to that version. Either way .prev_good_tag <- what was live, .last_good_tag <- the version rolled back to
(and their TAG@DIGEST companions .prev_good_ref, .last_good_ref). The image is the digest recorded when the version
was live (state files, deploy.log), or the DIGEST given; a version never recorded with one goes by tag, not pinned.
The image is pulled (by digest) only if it is no longer on the host. Same lock, health gate (the image's digest,
GET /health 200 and GET /version = TAG) and proxy switch as deploy.sh: a version that fails the gate is removed and
the live one keeps serving. Refuses, with a message, when there is nothing to roll back to. Runs no migration: a
version older than the schema's last contract migration stops at start-up and fails the gate, with that reason.

  --list                the versions that were live (newest first), when, which were rolled back from or failed
                        their health gate (rejected), their recorded digest, whether the image is on the host,
                        where a rollback goes
  --secrets-from-stdin  read GHCR_USERNAME=, GHCR_PAT= and DEPLOY_VIA= lines from standard input (remote.sh)

Settings: as deploy.sh (deploy.sh -h). Exit status: 0 rolled back (or already live), 1 failed (the live version
unchanged), 2 bad usage.
EOF
}

image_where() {
  if docker image inspect "$(image_ref "$1")" >/dev/null 2>&1; then
    printf 'on the host'
  else
    printf 'pull needed'
  fi
}

# One row of --list: tag, state, when it was live, what the history marks it with, its digest, where its image is.
list_row() {
  local digest=$5
  [[ "$1" == TAG ]] || digest="$(digest_of "$1")"
  printf '%-42s %-9s %-48s %-28s %-71s %s\n' "$1" "$2" "$3" "${4:--}" "${digest:--}" "$6"
}

list_versions() {
  read_state
  local -A shown=() marks=()
  local when tag mark until=now period status target
  while read -r tag mark; do
    mark=${mark//-/ }
    marks[$tag]="${marks[$tag]:+${marks[$tag]}, }$mark"
  done < <(history_marks | sort)
  list_row TAG STATE "LAST LIVE (UTC)" HISTORY DIGEST IMAGE
  while read -r when tag; do
    if [[ -z "${shown[$tag]:-}" ]]; then
      shown[$tag]=1
      status=-
      [[ "$tag" == "$PREV_GOOD" ]] && status=previous
      [[ "$tag" == "$LAST_GOOD" ]] && status=live
      if [[ "$until" == now ]]; then period="since $when"; else period="$when - $until"; fi
      list_row "$tag" "$status" "$period" "${marks[$tag]:-}" - "$(image_where "$tag")"
    fi
    until=$when
  done < <(live_history)
  for tag in "$LAST_GOOD" "$PREV_GOOD" "${!marks[@]}"; do
    if [[ -n "$tag" && -z "${shown[$tag]:-}" ]]; then
      shown[$tag]=1
      status=-
      period="(never live)"
      [[ "$tag" == "$PREV_GOOD" ]] && status=previous period="(not in deploy.log)"
      [[ "$tag" == "$LAST_GOOD" ]] && status=live period="(not in deploy.log)"
      list_row "$tag" "$status" "$period" "${marks[$tag]:-}" - "$(image_where "$tag")"
    fi
  done
  target="$(rollback_target)"
  if ((${#shown[@]} == 0)); then
    say "no version has been live on this host yet (nothing in $(audit_log))"
  elif [[ -n "$target" ]]; then
    say "rollback.sh goes back to $target; rollback.sh TAG to any tag above (by its recorded digest)"
  else
    say "nothing to roll back to without a TAG (no earlier version that was not rolled back from):" \
      "rollback.sh TAG goes to any tag above"
  fi
}

rollback() {
  begin_change
  if [[ -z "$TO_TAG" ]]; then
    local list="rollback.sh --list shows the versions that were live, rollback.sh TAG goes to one of them"
    TO_TAG="$(rollback_target)"
    [[ -n "$TO_TAG" || -n "$PREV_GOOD" ]] || refuse "nothing to roll back to: no previous good version is recorded" \
      "($(state_file prev_good_tag) is absent); $list"
    [[ -n "$TO_TAG" ]] || refuse "nothing to roll back to: every version that served before $LAST_GOOD was rolled" \
      "back from since (rollback.sh --list marks them); rollback.sh TAG goes to one of them anyway"
  fi
  local live_digest
  live_digest="$(digest_of "$LAST_GOOD")"
  if [[ "$TO_TAG" == "$LAST_GOOD" && -n "$LIVE_CONTAINER" && (-z "$TO_DIGEST" || "$TO_DIGEST" == "$live_digest") ]] \
    && container_running "$LIVE_CONTAINER"; then
    end_change unchanged "$TO_TAG is already live ($LIVE_CONTAINER): nothing to do"
    return 0
  fi
  say "rolling back from ${LAST_GOOD:-nothing} to $TO_TAG of $INVENTORY_IMAGE"
  choose_digest
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
    parse_ref "$1"
  fi
  begin_run "$secrets_from_stdin"
  if [[ "$mode" == list_versions ]]; then
    OUTCOME=listed
    require_docker
  fi
  "$mode"
}

main "$@"
