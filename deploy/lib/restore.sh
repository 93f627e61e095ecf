# shellcheck shell=bash
# shellcheck disable=SC2034 # BACKUP_PATH is read by restore.sh
# Restores a backup into the live database in one transaction. Why one transaction on the live database, not a
# fresh database renamed into place: see "Decision: restore in one transaction, then through the health gate" in
# deploy/README.md. Uses lib/backup.sh's pg_tool and write_pg_env_file.

# A backup the operator names: a file name in INVENTORY_BACKUP_DIR (as restore.sh --list prints it) or a path to
# one there. Sets BACKUP_PATH to the file's full path; exits 2 (bad usage) for anything else.
resolve_backup() {
  local given=$1 dir path
  local hint="restore.sh --list shows the backups in $INVENTORY_BACKUP_DIR"
  dir="$(realpath -e "$INVENTORY_BACKUP_DIR" 2>/dev/null)" \
    || die "the backup directory $INVENTORY_BACKUP_DIR does not exist: nothing to restore ($hint)" 2
  if [[ "$given" == */* ]]; then
    path="$(realpath -e "$given" 2>/dev/null)" || die "$given does not exist: $hint" 2
  else
    path="$dir/$given"
  fi
  local name=${path##*/}
  [[ "${path%/*}" == "$dir" && "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*\.dump$ ]] \
    || die "'$given' is not a backup in $INVENTORY_BACKUP_DIR (a NAME.dump file there): $hint" 2
  [[ -f "$path" ]] || die "there is no backup $name in $INVENTORY_BACKUP_DIR: $hint" 2
  [[ -r "$path" ]] || die "the backup $path is not readable by $(id -un): chown $(id -un) $path" 2
  BACKUP_PATH=$path
}

# restore.sh --list: this stack's backups, newest first, with size and time.
list_backups() {
  local file count=0
  printf '%-64s %12s  %s\n' BACKUP BYTES "WRITTEN (UTC)"
  while read -r file; do
    printf '%-64s %12s  %s\n' "$file" "$(stat -c %s "$INVENTORY_BACKUP_DIR/$file")" \
      "$(date -u -r "$INVENTORY_BACKUP_DIR/$file" +%Y-%m-%dT%H:%M:%SZ)"
    count=$((count + 1))
  done < <(backup_files | tac)
  say "$count backup(s) in $INVENTORY_BACKUP_DIR; restore one with: restore.sh NAME"
}

# Replaces the database's public schema with the backup's, in a single transaction as the app's own role: the SQL
# is made from the dump first (a dump that cannot be read changes nothing), and psql stops at the first error, so
# the transaction either commits the whole backup or rolls back to what was there. The live app's queries wait on
# the transaction's locks for its duration and then see the restored data. Prints psql's error on failure.
restore_into_database() {
  local file=$1 pg_env status=0
  pg_env="$(write_pg_env_file)" || return 1
  # shellcheck disable=SC2016 # the script runs in the container's shell
  pg_tool "$pg_env" sh -c 'set -e
    cat >/tmp/backup
    pg_restore --no-owner --no-acl --file=/tmp/restore.sql /tmp/backup
    psql --quiet --no-psqlrc --set ON_ERROR_STOP=1 --single-transaction --output=/dev/null \
      --command="SET client_min_messages = warning" --command="DROP SCHEMA public CASCADE" \
      --command="CREATE SCHEMA public" --file=/tmp/restore.sql' \
    <"$file" 2>&1 >/dev/null || status=$?
  rm -f "$pg_env"
  return "$status"
}
