# shellcheck shell=bash
# shellcheck disable=SC2034 # BACKUP_FILE, BACKUP_UPLOAD_FAILED are read by backup.sh, restore.sh and deploy.sh
# Backups of the inventory database: pg_dump in its custom format into INVENTORY_BACKUP_DIR, verified readable,
# rotated, optionally copied to S3. The PostgreSQL tools run in a one-off container of INVENTORY_POSTGRES_IMAGE on
# the stack's network, so the host needs no PostgreSQL client and the tools match the server (see "Backups and
# restore" in deploy/README.md).

readonly BACKUP_SUFFIX=.dump

# The file name's reason: lower case, letters, digits and dashes ("before restore" -> before-restore).
backup_slug() {
  local slug
  slug="$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]' | tr -c 'a-z0-9' '-' | tr -s '-')"
  slug="${slug#-}"
  slug="${slug%-}"
  printf '%s' "${slug:0:40}"
}

# This stack's backups in the directory, oldest first (the UTC time in the name sorts them).
backup_files() {
  [[ -d "$INVENTORY_BACKUP_DIR" ]] || return 0
  find "$INVENTORY_BACKUP_DIR" -maxdepth 1 -type f -name "$INVENTORY_NAME-*$BACKUP_SUFFIX" -printf '%f\n' | sort
}

# The app's connection string (ConnectionStrings__inventorydb in INVENTORY_ENV_FILE) as libpq's PG* variables, in a
# mode 600 file for `docker run --env-file`: the password is never on a command line. Prints the file's path.
write_pg_env_file() {
  local line connection pair key value file
  line="$(grep -m1 '^ConnectionStrings__inventorydb=' "$INVENTORY_ENV_FILE" || true)"
  connection="${line#*=}"
  [[ -n "$connection" ]] || { warn "$INVENTORY_ENV_FILE has no ConnectionStrings__inventorydb=… line"; return 1; }
  file="$(mktemp "${TMPDIR:-/tmp}/inventory-pg.XXXXXX")"
  chmod 600 "$file"
  local -a pairs
  IFS=';' read -r -a pairs <<<"$connection"
  for pair in "${pairs[@]}"; do
    [[ "$pair" == *=* ]] || continue
    key="$(printf '%s' "${pair%%=*}" | tr -d ' ' | tr '[:upper:]' '[:lower:]')"
    value="${pair#*=}"
    case "$key" in
      host | server) printf 'PGHOST=%s\n' "$value" ;;
      port) printf 'PGPORT=%s\n' "$value" ;;
      database | db) printf 'PGDATABASE=%s\n' "$value" ;;
      username | userid | user) printf 'PGUSER=%s\n' "$value" ;;
      password | pwd) printf 'PGPASSWORD=%s\n' "$value" ;;
      sslmode) printf 'PGSSLMODE=%s\n' "$(printf '%s' "$value" | tr '[:upper:]' '[:lower:]')" ;;
    esac
  done >"$file"
  printf '%s\n' "$file"
}

# Runs a PostgreSQL tool of INVENTORY_POSTGRES_IMAGE in a one-off container on the stack's network, with standard
# input and output passed through (a dump streams out, a backup streams in). $1: the PG* env file, or "" for none.
pg_tool() {
  local env_file=$1
  shift
  if ! docker image inspect "$INVENTORY_POSTGRES_IMAGE" >/dev/null 2>&1; then
    docker pull --quiet "$INVENTORY_POSTGRES_IMAGE" >/dev/null || return 1
  fi
  docker run --rm --interactive --network "$(network_name)" ${env_file:+--env-file "$env_file"} \
    --log-driver none --label "$LABEL_STACK=$INVENTORY_NAME" --label "$LABEL_ROLE=backup" \
    "$INVENTORY_POSTGRES_IMAGE" "$@"
}

# A backup is readable when pg_restore lists its table of contents and reads every data block of it to the end
# (a dump cut short still has a readable table of contents). Prints pg_restore's error on failure.
verify_backup() {
  local file=$1
  pg_tool "" sh -c 'set -e; cat >/tmp/backup; pg_restore --list /tmp/backup >/dev/null
    pg_restore --file=/dev/null /tmp/backup' <"$file" 2>&1 >/dev/null
}

# Keeps the newest INVENTORY_BACKUP_KEEP backups of this stack (at least one: the one just made is never removed),
# and BACKUP_PROTECTED (the file name a restore is about to read) besides them.
rotate_backups() {
  local files=() file
  mapfile -t files < <(backup_files | grep -vxF "${BACKUP_PROTECTED:-/}")
  local excess=$((${#files[@]} - INVENTORY_BACKUP_KEEP))
  for file in "${files[@]:0:$((excess > 0 ? excess : 0))}"; do
    rm -f "$INVENTORY_BACKUP_DIR/$file"
    say "removed the old backup $file (INVENTORY_BACKUP_KEEP=$INVENTORY_BACKUP_KEEP)"
  done
}

# Copies a backup to INVENTORY_BACKUP_S3_URI when that is set and the aws CLI is installed (credentials: the
# instance's role, or aws's usual configuration); a one-line notice otherwise. Sets BACKUP_UPLOAD_FAILED.
upload_backup() {
  local name=$1 destination
  BACKUP_UPLOAD_FAILED=""
  if [[ -z "$INVENTORY_BACKUP_S3_URI" ]]; then
    say "S3 upload skipped: INVENTORY_BACKUP_S3_URI is not set (the backup stays on this host only)"
    return 0
  fi
  if ! command -v aws >/dev/null; then
    say "S3 upload skipped: the aws CLI is not installed (install it to copy backups to $INVENTORY_BACKUP_S3_URI)"
    return 0
  fi
  destination="${INVENTORY_BACKUP_S3_URI%/}/$name"
  if aws s3 cp --only-show-errors "$INVENTORY_BACKUP_DIR/$name" "$destination" </dev/null; then
    say "uploaded $name to $destination"
    audit backup-upload ok 0 "" "file=$name"
  else
    BACKUP_UPLOAD_FAILED=1
    warn "the upload of $name to $destination failed (see above); the backup on this host is good"
    audit backup-upload failed 0 "aws s3 cp failed" "file=$name"
  fi
}

# Ends a failed backup: removes its partial file, writes the audit line, says why (the caller returns 1).
backup_failed() {
  local partial=$1 started=$2 reason=$3
  [[ -n "$partial" ]] && rm -f "$partial"
  audit backup failed $((SECONDS - started)) "$reason"
  printf '%s: error: backup failed: %s\n' "$SCRIPT_NAME" "$reason" >&2
}

# backup_database REASON: dumps the database into INVENTORY_BACKUP_DIR as
# INVENTORY_NAME-YYYYMMDDTHHMMSSZ-REASON.dump (600), written under a hidden temporary name and renamed once
# verified, then rotates and uploads. Sets BACKUP_FILE to the new file's path. Returns 1 with a message on failure.
backup_database() {
  local reason=${1:-manual} started=$SECONDS name partial pg_env output size
  BACKUP_FILE=""
  local dir=$INVENTORY_BACKUP_DIR fix
  fix="run bootstrap.sh again (its config step makes it), or: sudo install -d -m 700 -o $(id -un) $dir"
  if [[ ! -d "$dir" ]] && ! mkdir -m 700 "$dir" 2>/dev/null; then
    backup_failed "" "$started" "the backup directory $dir does not exist: $fix"
    return 1
  fi
  [[ -w "$dir" && -x "$dir" ]] \
    || { backup_failed "" "$started" "the backup directory $dir is not writable by $(id -un): $fix"; return 1; }
  name="$INVENTORY_NAME-$(date -u +%Y%m%dT%H%M%SZ)-$(backup_slug "$reason")$BACKUP_SUFFIX"
  partial="$dir/.$name.partial"
  say "backing up the database ($reason) to $dir/$name"
  pg_env="$(write_pg_env_file)" || { backup_failed "" "$started" "cannot read the database connection"; return 1; }
  if ! output="$( (umask 077 && pg_tool "$pg_env" pg_dump --format=custom --no-password >"$partial") 2>&1)"; then
    rm -f "$pg_env"
    backup_failed "$partial" "$started" "pg_dump failed: $(tail -n 3 <<<"$output" | tr '\n' ' ')"
    return 1
  fi
  rm -f "$pg_env"
  if ! output="$(verify_backup "$partial")"; then
    backup_failed "$partial" "$started" "the dump is not readable by pg_restore (removed): $(tr '\n' ' ' <<<"$output")"
    return 1
  fi
  chmod 600 "$partial"
  mv -f "$partial" "$dir/$name"
  BACKUP_FILE="$dir/$name"
  size="$(stat -c %s "$BACKUP_FILE")"
  say "backup done: $BACKUP_FILE ($size bytes, verified with pg_restore) in $((SECONDS - started)) s"
  audit backup ok $((SECONDS - started)) "" "file=$name bytes=$size"
  rotate_backups
  upload_backup "$name"
}
