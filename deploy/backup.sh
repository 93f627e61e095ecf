#!/usr/bin/env bash
# Backs up the inventory database now, under the deploy lock (so never during a deploy, rollback or restore): the
# daily schedule bootstrap.sh installs runs it, and so can an operator. Runs on the host as the deploy user.
set -Eeuo pipefail

SCRIPT_NAME=backup
ACTION=backup
# shellcheck source-path=SCRIPTDIR source=lib/all.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/all.sh"

usage() {
  cat <<EOF
Usage: backup.sh [REASON]
       backup.sh -h

Dumps the inventory database (pg_dump --format=custom, from a one-off container of INVENTORY_POSTGRES_IMAGE on
the stack's network, as the app's own database role) into INVENTORY_BACKUP_DIR as
INVENTORY_NAME-YYYYMMDDTHHMMSSZ-REASON.dump (mode 600), verifies it with pg_restore, keeps the newest
INVENTORY_BACKUP_KEEP, and copies it to INVENTORY_BACKUP_S3_URI when that is set and the aws CLI is installed.
REASON (default: manual) names the file; the schedule passes "scheduled". Waits up to DEPLOY_LOCK_TIMEOUT s for
a deploy, rollback or restore to finish. Appends step=backup lines to \$INVENTORY_STATE_DIR/deploy.log.

Settings: as deploy.sh (deploy.sh -h). Exit status: 0 backed up, 1 failed (no backup file was left; or the local
backup is good but its S3 upload failed, which the last line says), 2 bad usage.
EOF
}

main() {
  case "${1:-}" in
    -h | --help) usage; return 0 ;;
    -*) printf 'backup: error: unknown option %s\n' "$1" >&2; usage >&2; exit 2 ;;
  esac
  [[ $# -le 1 ]] || { printf 'backup: error: give at most one REASON\n' >&2; usage >&2; exit 2; }
  local reason=${1:-manual}
  [[ -n "$(backup_slug "$reason")" ]] || { printf 'backup: error: REASON needs a letter or digit\n' >&2; exit 2; }
  begin_run ""
  require_state_dir
  check_env_file
  require_docker
  acquire_lock
  backup_database "$reason" || die "no backup was made (see above); the database is unchanged"
  [[ -z "$BACKUP_UPLOAD_FAILED" ]] \
    || die "the backup $BACKUP_FILE is good, but its upload to $INVENTORY_BACKUP_S3_URI failed: see above"
  end_change backed-up "backed up to $BACKUP_FILE"
}

main "$@"
