#!/usr/bin/env bash
# Runs on the host, as the deploy user, right after remote.sh copied deploy/ to ~/inventory-deploy.upload-ID:
# makes that copy the host's current one (~/inventory-deploy, a symlink switched by rename) and runs deploy.sh or
# rollback.sh from it. Each upload keeps its own directory, so a run never executes a script that another upload is
# overwriting; the newest few copies are kept. A deploy or rollback runs detached from the SSH channel (lib/detach.sh):
# this script only follows its log and exits with its exit code.
set -Eeuo pipefail

readonly RELEASES="$HOME/.inventory-deploy/releases"
readonly CURRENT="$HOME/inventory-deploy"
readonly KEEP_COPIES=5

usage() {
  cat <<'EOF'
Usage: receive.sh ID deploy|rollback [ARGS…]
       receive.sh ID install
       receive.sh -h

ID names an upload (~/inventory-deploy.upload-ID, made by remote.sh's scp, or bootstrap.sh). The upload moves to
~/.inventory-deploy/releases/ID, ~/inventory-deploy then points to it, and deploy.sh or rollback.sh runs from it
with ARGS (install only installs) as run ID: in a session of its own, detached from this SSH channel, its output
in INVENTORY_STATE_DIR/runs/ID.log. This script prints that log as it grows and exits with the run's exit code;
if the channel drops, the run goes on (~/inventory-deploy/follow.sh ID follows it again). Operators use the
current copy: ~/inventory-deploy/rollback.sh --list.
EOF
}

die() { printf 'receive: error: %s\n' "$1" >&2; exit "${2:-1}"; }
say() { printf 'receive: %s\n' "$*"; }

install_copy() {
  local id=$1 upload="$HOME/inventory-deploy.upload-$1"
  mkdir -p "$RELEASES"
  [[ -d "$upload" ]] && mv "$upload" "$RELEASES/$id"
  [[ -f "$RELEASES/$id/deploy.sh" ]] \
    || die "no upload $upload and no copy $RELEASES/$id: copy deploy/ first (remote.sh does)"
  if [[ -e "$CURRENT" && ! -L "$CURRENT" ]]; then
    die "$CURRENT exists and is not the symlink this script manages: move it away and run again"
  fi
  ln -sfn "$RELEASES/$id" "$CURRENT.new-$id"
  mv -T "$CURRENT.new-$id" "$CURRENT"
  local old
  while read -r old; do
    [[ -n "$old" && "$old" != "$id" ]] && rm -rf "${RELEASES:?}/$old"
  done < <(find "$RELEASES" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort | head -n "-$KEEP_COPIES")
}

main() {
  [[ "${1:-}" == -h || "${1:-}" == --help ]] && { usage; return 0; }
  [[ $# -ge 2 ]] || { usage >&2; exit 2; }
  local id=$1 action=$2
  shift 2
  [[ "$id" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$ ]] || die "'$id' is not an upload id" 2
  install_copy "$id"
  case "$action" in
    install) printf 'receive: %s now points to %s\n' "$CURRENT" "$RELEASES/$id" ;;
    deploy | rollback)
      # shellcheck source-path=SCRIPTDIR source=lib/detach.sh
      source "$RELEASES/$id/lib/detach.sh"
      start_detached "$id" "$RELEASES/$id/$action.sh" "$@"
      exec </dev/null
      say "$action started on the host as run $id (log: $RUN_DIR/$id.log); it goes on if this connection drops"
      local code=0
      follow_run "$RUN_DIR" "$id" || code=$?
      exit "$code"
      ;;
    *) die "unknown action '$action' (deploy, rollback or install)" 2 ;;
  esac
}

main "$@"
