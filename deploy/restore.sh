#!/usr/bin/env bash
# Restores a backup of the inventory database under the deploy lock, after a fresh safety backup, and puts the live
# version through the health gate against the restored data; or lists the backups. Runs on the host.
set -Eeuo pipefail

SCRIPT_NAME=restore
ACTION=restore
# shellcheck source-path=SCRIPTDIR source=lib/all.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/all.sh"

usage() {
  cat <<EOF
Usage: restore.sh BACKUP
       restore.sh --list
       restore.sh -h

Restores BACKUP (a file name from --list, or its path in INVENTORY_BACKUP_DIR) into the inventory database:
  1. takes the deploy lock (no deploy, rollback or backup runs meanwhile);
  2. verifies BACKUP with pg_restore: an unreadable one is refused before anything is touched;
  3. backs up the database as it is now (reason "before restore"): the way back;
  4. replaces the database's contents with BACKUP in one transaction (all of it or nothing);
  5. starts the live version again as a candidate against the restored database: health gate, then the proxy
     switch (no failed request). If it fails the gate (say the backup's schema is one the live build cannot run
     on), the safety backup is restored the same way and the live version keeps serving.
Appends step=restore (with the backup's name and the outcome) to \$INVENTORY_STATE_DIR/deploy.log.

  --list   this stack's backups, newest first

Settings: as deploy.sh (deploy.sh -h). Exit status: 0 restored, 1 failed (the database as before), 2 bad usage.
EOF
}

# The live build refused the restored data: put back what was there, then say why.
undo_restore() {
  local file=$1 safety=$2 reason=$3 output
  warn "putting the database back as it was before the restore (from $safety)"
  if ! output="$(restore_into_database "$safety")"; then
    audit restore failed 0 "$reason; putting the safety backup back failed too" "file=${file##*/}"
    die "$reason; putting the database back from $safety failed too ($output): restore.sh ${safety##*/}"
  fi
  audit restore failed 0 "$reason" "file=${file##*/}"
  die "$reason; the database is back as it was (from ${safety##*/}) and ${LAST_GOOD:-nothing} serves"
}

# The migration step failed on the restored database ($1: why): put back what was there.
undo_restore_after_migration() {
  undo_restore "${RESTORE_UNDO[0]}" "${RESTORE_UNDO[1]}" "the migration of the restored database failed: $1"
}

restore() {
  local file output started
  resolve_backup "$1"
  file=$BACKUP_PATH
  begin_change
  TO_TAG=$LAST_GOOD
  say "checking $file"
  if ! output="$(verify_backup "$file")"; then
    audit restore failed 0 "not a readable backup" "file=${file##*/}"
    refuse "$file is not a readable backup ($(tr '\n' ' ' <<<"$output"))"
  fi
  # shellcheck disable=SC2034 # read by rotate_backups (lib/backup.sh)
  BACKUP_PROTECTED=${file##*/}
  backup_database "before restore" || refuse "the safety backup failed (see above), so nothing was restored"
  local safety=$BACKUP_FILE
  say "restoring $file (the database as it was is in $safety)"
  started=$SECONDS
  if ! output="$(restore_into_database "$file")"; then
    audit restore failed $((SECONDS - started)) "pg_restore or psql failed" "file=${file##*/}"
    die "restoring $file failed, so its transaction was rolled back and the database is unchanged: $output"
  fi
  say "restored $file into the database in $((SECONDS - started)) s"
  if [[ -z "$LAST_GOOD" ]]; then
    audit restore ok $((SECONDS - started)) "" "file=${file##*/}"
    end_change restored "restored $file; no version is live yet, so no health gate ran"
    return 0
  fi
  remove_orphan_candidates
  ensure_network
  ensure_proxy
  pull_if_missing "$LAST_GOOD"
  # An older backup holds an older schema: the live build's migrations bring it forward before its gate (a candidate
  # never migrates); if they fail, the database goes back as it was.
  RESTORE_UNDO=("$file" "$safety")
  MIGRATION_FAILURE_HOOK=undo_restore_after_migration
  migrate_schema "$LAST_GOOD"
  MIGRATION_FAILURE_HOOK=""
  promote "$LAST_GOOD"
  [[ -n "$PROMOTED" ]] \
    || undo_restore "$file" "$safety" "$LAST_GOOD did not pass the health gate on the restored database ($GATE_FAILURE)"
  audit restore ok $((SECONDS - RUN_STARTED)) "" "file=${file##*/}"
  end_change restored "restored $file in $((SECONDS - RUN_STARTED)) s; $LAST_GOOD serves it (safety backup: $safety)"
}

main() {
  case "${1:-}" in
    -h | --help) usage; return 0 ;;
    --list)
      [[ $# -eq 1 ]] || { usage >&2; exit 2; }
      begin_run ""
      OUTCOME=listed
      list_backups
      return 0 ;;
    -*) printf 'restore: error: unknown option %s\n' "$1" >&2; usage >&2; exit 2 ;;
  esac
  [[ $# -eq 1 ]] || { printf 'restore: error: give exactly one BACKUP\n' >&2; usage >&2; exit 2; }
  begin_run ""
  restore "$1"
}

main "$@"
