# shellcheck shell=bash
# bootstrap.sh's database: where the connection string comes from (a file or standard input, never argv, where `ps`
# and sudo's log would show its password), and the local PostgreSQL container with the app's own role.
# Uses bootstrap.sh's run, write_file and random_hex.
# The app's login: owns the inventory database and nothing else; POSTGRES_USER stays the container's superuser.
readonly APP_DB_ROLE=inventory_app
readonly APP_DB_NAME=inventorydb
readonly DB_SUPERUSER=inventory
local_database() { [[ -z "$DATABASE_URL" ]]; }
# --database-url-file PATH, or - for standard input: the first line is the Npgsql connection string.
read_database_url() {
  local source=$1 line=""
  if [[ "$source" == - ]]; then
    IFS= read -r line || [[ -n "$line" ]] || die "--database-url-file -: nothing on standard input" 2
  else
    [[ -r "$source" ]] || die "--database-url-file: cannot read $source" 2
    IFS= read -r line <"$source" || [[ -n "$line" ]] || die "--database-url-file: $source is empty" 2
  fi
  [[ -n "$line" ]] || die "--database-url-file: the connection string is empty" 2
  DATABASE_URL=$line
}
old_database_url_form() {
  die "--database-url no longer takes the connection string (a command line is visible in ps and sudo's log):\
 write it to a file and pass --database-url-file PATH, or pipe it in with --database-url-file -" 2
}
# The app role's password, kept in postgres.env beside the superuser's (generated once, also on an older host).
app_role_password() {
  local password
  password="$(sed -n 's/^INVENTORY_APP_DB_PASSWORD=//p' "$CONFIG_DIR/postgres.env" 2>/dev/null || true)"
  if [[ -z "$password" && -z "$DRY_RUN" ]]; then
    password="$(random_hex 24)"
    { cat "$CONFIG_DIR/postgres.env"; printf 'INVENTORY_APP_DB_PASSWORD=%s\n' "$password"; } \
      | write_file "$CONFIG_DIR/postgres.env" 600 "$DEPLOY_USER:$DEPLOY_USER"
  fi
  printf '%s\n' "$password"
}
local_connection_string() {
  printf 'Host=%s-db;Database=%s;Username=%s;Password=%s\n' "$INVENTORY_NAME" "$APP_DB_NAME" "$APP_DB_ROLE" "$1"
}
# A host bootstrapped before the app role existed connects as the superuser: point its env file at the role.
adopt_app_role_in_env_file() {
  local password=$1 line lines=()
  grep -q "^ConnectionStrings__inventorydb=.*Username=$DB_SUPERUSER;" "$INVENTORY_ENV_FILE" || return 0
  while IFS= read -r line || [[ -n "$line" ]]; do
    [[ "$line" == ConnectionStrings__inventorydb=* ]] \
      && line="ConnectionStrings__inventorydb=$(local_connection_string "$password")"
    lines+=("$line")
  done <"$INVENTORY_ENV_FILE"
  printf '%s\n' "${lines[@]}" | write_file "$INVENTORY_ENV_FILE" 600 "$DEPLOY_USER:$DEPLOY_USER"
  say "config: $INVENTORY_ENV_FILE now connects as $APP_DB_ROLE instead of the superuser $DB_SUPERUSER"
}
# Idempotent: creates the role or resets its password and attributes, and gives it the database and everything in
# it (tables a superuser-connected version made before). The SQL goes through standard input: no password in argv.
ensure_app_role() {
  local db=$1 password=$2
  run_sql "$db" <<SQL
SELECT format('CREATE ROLE %I', '$APP_DB_ROLE') WHERE NOT EXISTS (
  SELECT FROM pg_roles WHERE rolname = '$APP_DB_ROLE') \\gexec
ALTER ROLE $APP_DB_ROLE WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD '$password';
ALTER DATABASE $APP_DB_NAME OWNER TO $APP_DB_ROLE;
ALTER SCHEMA public OWNER TO $APP_DB_ROLE;
DO \$\$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
             AND c.relowner <> '$APP_DB_ROLE'::regrole LOOP
    EXECUTE format('ALTER TABLE %s OWNER TO $APP_DB_ROLE', r.name);
  END LOOP;
END
\$\$;
SQL
  say "database: the app connects as $APP_DB_ROLE (no superuser; owns $APP_DB_NAME)"
}
run_sql() {
  local db=$1
  if [[ -n "$DRY_RUN" ]]; then
    cat >/dev/null
    printf 'bootstrap: would run: docker exec -i %s psql (the app role %s, from standard input)\n' "$db" \
      "$APP_DB_ROLE" >&2
    return 0
  fi
  docker exec -i "$db" psql --quiet --no-psqlrc -v ON_ERROR_STOP=1 --username "$DB_SUPERUSER" \
    --dbname "$APP_DB_NAME" >/dev/null
}
step_database() {
  if ! local_database; then
    say "database: external (--database-url-file): no local PostgreSQL"
    return 0
  fi
  local db="$INVENTORY_NAME-db" volume="$INVENTORY_NAME-pgdata"
  [[ -f "$CONFIG_DIR/postgres.env" || -n "$DRY_RUN" ]] \
    || die "$CONFIG_DIR/postgres.env is missing: run the config step first"
  if [[ -n "$DRY_RUN" ]]; then run docker network create "$(network_name)"; else ensure_network; fi
  if container_running "$db"; then
    say "database: $db runs"
  elif container_exists "$db"; then
    say "database: starting $db"
    run docker start "$db" >/dev/null
  else
    if ! docker image inspect "$INVENTORY_POSTGRES_IMAGE" >/dev/null 2>&1; then
      run docker pull --quiet "$INVENTORY_POSTGRES_IMAGE" >/dev/null
    fi
    say "database: starting $db ($INVENTORY_POSTGRES_IMAGE, data in the volume $volume)"
    run docker run --detach --name "$db" --network "$(network_name)" --restart unless-stopped \
      --env-file "$CONFIG_DIR/postgres.env" --volume "$volume:/var/lib/postgresql" \
      --log-opt max-size=10m --log-opt max-file=3 \
      --label "$LABEL_STACK=$INVENTORY_NAME" --label "$LABEL_ROLE=db" "$INVENTORY_POSTGRES_IMAGE" >/dev/null
  fi
  if [[ -z "$DRY_RUN" ]]; then
    local deadline=$((SECONDS + 90))
    until docker exec "$db" pg_isready --quiet --host 127.0.0.1 --username "$DB_SUPERUSER" --dbname "$APP_DB_NAME"
    do
      ((SECONDS < deadline)) || die "PostgreSQL ($db) is not ready after 90 s: docker logs $db"
      sleep 1
    done
    say "database: $db accepts connections"
  fi
  ensure_app_role "$db" "$(app_role_password)"
}
