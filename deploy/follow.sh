#!/usr/bin/env bash
# Follows a deploy or rollback that runs on this host (started by remote.sh, detached from its SSH channel): prints
# its log from the start and as it grows, says how it ended, and exits with its exit code. Runs on the host.
set -Eeuo pipefail

SCRIPT_NAME=follow
# shellcheck source-path=SCRIPTDIR source=lib/detach.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/detach.sh"

usage() {
  cat <<'EOF_USAGE'
Usage: follow.sh [ID]
       follow.sh --list
       follow.sh -h

Prints the log of run ID (default: the newest run) from its start, follows it while the run goes on, then says
how it ended and exits with the run's exit code (0 done, 1 failed with the live version unchanged, 130
interrupted; 1 too when the run was killed before it could record one). remote.sh prints each run's ID; --list
shows the runs, newest last. Run logs live in INVENTORY_STATE_DIR/runs (the stack INVENTORY_DEPLOY_ENV names,
default /etc/inventory/deploy.env), the newest 50 are kept.
EOF_USAGE
}

say() { printf '%s: %s\n' "$SCRIPT_NAME" "$*"; }
die() { printf '%s: error: %s\n' "$SCRIPT_NAME" "$1" >&2; exit "${2:-1}"; }

main() {
  local dir id
  case "${1:-}" in
    -h | --help) usage; return 0 ;;
    --list)
      dir="$(runs_dir)"
      run_ids "$dir"
      return 0
      ;;
    -*) usage >&2; exit 2 ;;
  esac
  [[ $# -le 1 ]] || { usage >&2; exit 2; }
  dir="$(runs_dir)"
  id="${1:-$(run_ids "$dir" | tail -n 1)}"
  [[ -n "$id" ]] || die "no run has been started on this stack yet (nothing in $dir)"
  [[ "$id" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$ ]] || die "'$id' is not a run ID (follow.sh --list shows them)" 2
  follow_run "$dir" "$id"
}

main "$@"
