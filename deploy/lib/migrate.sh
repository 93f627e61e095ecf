# shellcheck shell=bash
# shellcheck disable=SC2034 # it sets the run's state (lib/run.sh), which finish reads
# The migration step: before the candidate starts, a one-off container of the new image applies its pending
# migrations (`dotnet Inventory.Api.dll migrate`) within MIGRATE_TIMEOUT, while the live version keeps serving.
# Why: see "Decision: migrations as a deploy step of their own" in deploy/README.md.

readonly MIGRATE_LOG_LINES=200

# Runs `dotnet Inventory.Api.dll ARGS…` of TAG once, as MIGRATOR, on the app network with the app env file, hardened
# as the candidate; waits up to MIGRATE_TIMEOUT s. Returns 1 with MIGRATE_FAILURE set when it failed or ran out of
# time; then it is stopped (SIGTERM cancels the statement in progress, so PostgreSQL rolls its transaction back; after
# 10 s Docker kills it, and the server drops a killed client's session). The container stays for its log until
# remove_migrator. The entry point is named in full so that the command runs whatever arguments the image adds.
run_migrator() {
  local tag=$1 output status
  shift
  MIGRATOR="$INVENTORY_NAME-migrate-${tag:0:12}-$(date -u +%Y%m%d%H%M%S)-$((RANDOM % 1000))"
  MIGRATE_FAILURE=""
  if ! output="$(docker run --detach --name "$MIGRATOR" --network "$(network_name)" \
    --env-file "$INVENTORY_ENV_FILE" --entrypoint dotnet \
    --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges --memory "$INVENTORY_MEMORY" \
    --label "$LABEL_STACK=$INVENTORY_NAME" --label "$LABEL_ROLE=migrate" --label "$LABEL_TAG=$tag" \
    "$INVENTORY_IMAGE:$tag" Inventory.Api.dll "$@" 2>&1)"; then
    MIGRATE_FAILURE="cannot start a container of $INVENTORY_IMAGE:$tag: $(docker_error "$output")"
    return 1
  fi
  if ! status="$(timeout "$MIGRATE_TIMEOUT" docker wait "$MIGRATOR")"; then
    docker stop --time 10 "$MIGRATOR" >/dev/null 2>&1 || true
    MIGRATE_FAILURE="'$*' did not finish within $MIGRATE_TIMEOUT s (MIGRATE_TIMEOUT): stopped, so its open"
    MIGRATE_FAILURE+=" transaction was rolled back"
    return 1
  fi
  [[ "$status" == 0 ]] && return 0
  MIGRATE_FAILURE="'$*' exited with code $status"
  return 1
}

remove_migrator() {
  [[ -n "$MIGRATOR" ]] || return 0
  docker rm --force "$MIGRATOR" >/dev/null 2>&1 || true
  MIGRATOR=""
}

# A one-off that a killed run left may still be migrating (holding the advisory lock): stopped like a timed-out one.
# Only called with the deploy lock held, so no live run owns it.
remove_orphan_migrators() {
  local name
  while read -r name; do
    [[ -n "$name" ]] || continue
    warn "stopping $name, a migration an interrupted run left (its open transaction is rolled back)"
    docker stop --time 10 "$name" >/dev/null 2>&1 || true
    docker rm --force "$name" >/dev/null 2>&1 || true
    audit remove-orphan ok 0 "$name"
  done < <(docker ps --all --filter "label=$LABEL_STACK=$INVENTORY_NAME" --filter "label=$LABEL_ROLE=migrate" \
    --format '{{.Names}}')
}

# The step's failure: the one-off's log, an audit line, and the error line. The live version never stopped.
migration_failed() {
  local tag=$1 started=$2 what=$3
  printf '%s: %s failed: %s; its last %s log lines:\n' "$SCRIPT_NAME" "$what" "$MIGRATE_FAILURE" \
    "$MIGRATE_LOG_LINES" >&2
  docker logs --tail "$MIGRATE_LOG_LINES" "$MIGRATOR" 2>&1 | sed 's/^/  | /' >&2 || true
  printf '%s: (end of its log)\n' "$SCRIPT_NAME" >&2
  remove_migrator
  audit migrate failed $((SECONDS - started)) "$what: $MIGRATE_FAILURE"
  local message="$what of $tag failed ($MIGRATE_FAILURE); ${LAST_GOOD:-nothing} still serves and the schema is as"
  message+=" before (a migration that fails is rolled back; any applied before it stay, additive as the rules"
  message+=" require) — fix the migration (or raise MIGRATE_TIMEOUT) and deploy again; its log is above"
  migration_die "$message"
}

# Ends the run after a failed migration step; restore.sh first puts the database back as it was
# (MIGRATION_FAILURE_HOOK names its function, which is given the reason).
migration_die() {
  [[ -n "${MIGRATION_FAILURE_HOOK:-}" ]] && "$MIGRATION_FAILURE_HOOK" "$*"
  die "$*"
}

# The migration step of a deploy of TAG: lists the pending migrations; if there are any, backs the database up (when
# lib/backup.sh is installed), then applies them. Any failure ends the deploy before the candidate starts.
migrate_schema() {
  local tag=$1 started=$SECONDS pending
  say "migration step: asking $tag for its pending migrations (MIGRATE_TIMEOUT=${MIGRATE_TIMEOUT} s)"
  run_migrator "$tag" migrate --pending || migration_failed "$tag" "$started" "listing the pending migrations"
  pending="$(docker logs "$MIGRATOR" 2>/dev/null | tr -s '\n' ' ')"
  pending="${pending% }"
  remove_migrator
  if [[ -z "$pending" ]]; then
    say "migration step: no pending migration"
    audit migrate ok $((SECONDS - started))
    return 0
  fi
  say "migration step: pending: $pending"
  if declare -F backup_database >/dev/null && ! backup_database "before migrating to $tag"; then
    audit migrate failed $((SECONDS - started)) "the backup before migrating failed"
    migration_die "the backup before migrating to $tag failed (see above), so nothing was migrated; ${LAST_GOOD:-nothing}" \
      "still serves — fix the backup and deploy again"
  fi
  say "migrating the database to $tag (up to $MIGRATE_TIMEOUT s); the live version keeps serving meanwhile"
  run_migrator "$tag" migrate || migration_failed "$tag" "$started" "the migration"
  docker logs "$MIGRATOR" 2>&1 | grep -E '^ *(Applied migration|Database migrated)' | sed 's/^ */  | /' || true
  remove_migrator
  say "migration step: done in $((SECONDS - started)) s"
  audit migrate ok $((SECONDS - started))
}

# Why a candidate that stopped at start-up refused the database's schema (its log's line, after ': '), or nothing:
# the gate's reason then says it (a rollback past a contract migration, or a build with unapplied migrations).
schema_refusal() {
  local line
  line="$(docker logs "$1" 2>&1 | grep -m1 -o "This build cannot run on the database's schema.*")" || true
  [[ -n "$line" ]] && printf ': %s' "$line"
  return 0
}
