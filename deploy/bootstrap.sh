#!/usr/bin/env bash
# Prepares a fresh Ubuntu EC2 host for deploy.sh, once, as root: Docker, the deploy user, /etc/inventory/ with
# deploy.env and the app env file, PostgreSQL in a container (unless an external database is given), the deploy
# scripts and the reverse proxy. Idempotent: what exists is kept (secrets are never regenerated), what is missing
# is made; run it again after changing a flag.
# shellcheck source-path=SCRIPTDIR/lib # how shellcheck follows each `source "$lib/…"` below
set -Eeuo pipefail

SCRIPT_NAME=bootstrap
lib="$(dirname "${BASH_SOURCE[0]}")/lib"
source "$lib/config.sh"
source "$lib/log.sh"
source "$lib/docker.sh"
source "$lib/bootstrap-host.sh"
source "$lib/bootstrap-database.sh"
source "$lib/bootstrap-backup.sh"
source "$lib/tls.sh"
source "$lib/bootstrap-tls.sh"
source "$lib/bootstrap-portal.sh"

readonly ALL_STEPS=docker,user,config,database,scripts,tls,proxy,backup
DEPLOY_USER=inventory
AUTHORIZED_KEY=""
DATABASE_URL=""
CONFIG_DIR=/etc/inventory
STEPS=$ALL_STEPS
DRY_RUN=""

usage() {
  cat <<EOF
Usage: sudo deploy/bootstrap.sh [options]

Prepares this Ubuntu host for deploy.sh; safe to run again (keeps what exists, never regenerates a secret).
Steps, in order (--steps picks some):
  docker    Docker Engine from Docker's apt repository (skipped when an engine answers)
  user      the deploy user: login shell, docker group, no password (SSH keys only), --authorized-key
  config    CONFIG_DIR/deploy.env (from deploy/defaults.env, the flags and the environment),
            CONFIG_DIR/inventory.env (connection string, a generated Admin API key's SHA-256),
            CONFIG_DIR/postgres.env (generated passwords) — each mode 600, owned by the deploy user;
            the Admin key itself in CONFIG_DIR/admin-api-key (root only: read it once, store it, delete it);
            the portal's first admin password in CONFIG_DIR/portal-admin-password (root only, likewise);
            INVENTORY_STATE_DIR and INVENTORY_BACKUP_DIR (700) owned by the deploy user
  database  PostgreSQL (INVENTORY_POSTGRES_IMAGE) as INVENTORY_NAME-db on the app network, data in the named
            volume INVENTORY_NAME-pgdata, and the app's role $APP_DB_ROLE (no superuser; owns the database
            $APP_DB_NAME, which the app connects as); skipped with --database-url-file
  scripts   this copy of deploy/ as the deploy user's ~/inventory-deploy (rollback.sh lives there)
  tls       with INVENTORY_TLS=acme: the ACME client lego (apt) and a timer (systemd, else cron) that runs
            renew-cert.sh twice a day as the deploy user
  proxy     the reverse proxy (nginx container INVENTORY_NAME-proxy on INVENTORY_HTTP_PORT; 502 until the first
            deploy), via deploy.sh --prepare as the deploy user; with HTTPS also on INVENTORY_HTTPS_PORT, with the
            first certificate from the CA (acme) or INVENTORY_TLS_CERT/INVENTORY_TLS_KEY (files)
  backup    the daily backup.sh (INVENTORY_BACKUP_TIME): a systemd timer, or /etc/cron.d without systemd

Options:
  --user NAME            deploy user (default: $DEPLOY_USER)
  --authorized-key KEY   a public key line allowed to log in as the deploy user, or @FILE to read it from FILE
  --image REPOSITORY     INVENTORY_IMAGE, e.g. ghcr.io/owner/repo (lower case; required on the first run)
  --name NAME            INVENTORY_NAME (default: inventory)
  --http-port PORT       INVENTORY_HTTP_PORT (default: 80)
  --domain NAME          INVENTORY_DOMAIN, the host's public DNS name; turns HTTPS on (INVENTORY_TLS=acme)
                         unless --tls says otherwise
  --email ADDRESS        INVENTORY_ACME_EMAIL, the CA's contact for expiry notices (you accept the CA's terms)
  --tls MODE             INVENTORY_TLS: acme, files (INVENTORY_TLS_CERT/_KEY) or off (behind a TLS load balancer)
  --database-url-file F  read the Npgsql connection string of an external database from the file F (or standard
                         input for -; --database-url - too) instead of starting a local PostgreSQL container
  --config-dir DIR       where deploy.env and the env files go (default: $CONFIG_DIR)
  --steps LIST           comma-separated steps to run (default: $ALL_STEPS)
  --dry-run              print what would be done; change nothing (needs no root)
  -h, --help             this text
Any other setting of deploy/defaults.env may be given in the environment; it is written into deploy.env.

Example (on the host, from a copy of the repository's deploy/ folder):
  sudo deploy/bootstrap.sh --image ghcr.io/owner/repo --authorized-key "\$(cat inventory-deploy.pub)" \\
    --domain inventory.example.com --email ops@example.com
EOF
}

# Every change goes through one of these, so --dry-run can show it instead.
run() {
  if [[ -n "$DRY_RUN" ]]; then
    printf 'bootstrap: would run: %s\n' "$*" >&2
    return 0
  fi
  "$@"
}

# Writes standard input to $1 (mode $2, owner $3) by rename, never leaving a partly written secret.
write_file() {
  local path=$1 mode=$2 owner=$3 tmp
  if [[ -n "$DRY_RUN" ]]; then
    printf 'bootstrap: would write %s (mode %s, owner %s)\n' "$path" "$mode" "$owner"
    cat >/dev/null
    return 0
  fi
  tmp="$(mktemp "$path.XXXXXX")"
  cat >"$tmp"
  chmod "$mode" "$tmp"
  chown "$owner" "$tmp"
  mv -f "$tmp" "$path"
}

random_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# The deploy user's home; /home/USER before the user exists (a dry run, or the user step not run yet).
user_home() {
  local home
  home="$(getent passwd "$DEPLOY_USER" | cut -d: -f6 || true)"
  printf '%s\n' "${home:-/home/$DEPLOY_USER}"
}

step_config() {
  local owner="$DEPLOY_USER:$DEPLOY_USER"
  run install -d -m 750 -o root -g "$DEPLOY_USER" "$CONFIG_DIR"
  if [[ -f "$CONFIG_DIR/deploy.env" ]]; then
    say "config: keeping $CONFIG_DIR/deploy.env"
  else
    [[ -n "$INVENTORY_IMAGE" ]] || die "--image is required on the first run (e.g. --image ghcr.io/owner/repo)"
    render_deploy_env | write_file "$CONFIG_DIR/deploy.env" 600 "$owner"
    say "config: wrote $CONFIG_DIR/deploy.env"
  fi
  local password=""
  if local_database; then
    if [[ ! -f "$CONFIG_DIR/postgres.env" ]]; then
      printf 'POSTGRES_USER=%s\nPOSTGRES_PASSWORD=%s\nPOSTGRES_DB=%s\nINVENTORY_APP_DB_PASSWORD=%s\n' \
        "$DB_SUPERUSER" "$(random_hex 24)" "$APP_DB_NAME" "$(random_hex 24)" \
        | write_file "$CONFIG_DIR/postgres.env" 600 "$owner"
      say "config: wrote $CONFIG_DIR/postgres.env (generated passwords)"
    fi
    password="$(app_role_password)"
  fi
  if [[ -f "$INVENTORY_ENV_FILE" ]]; then
    say "config: keeping $INVENTORY_ENV_FILE"
    local_database && adopt_app_role_in_env_file "$password"
  else
    local connection=$DATABASE_URL key
    local_database && connection="$(local_connection_string "$password")"
    key="$(random_hex 32)"
    {
      printf '# Written by bootstrap.sh; see deploy/inventory.env.example for every setting.\n'
      printf 'ConnectionStrings__inventorydb=%s\n' "$connection"
      printf 'Auth__ApiKeys__0__Name=admin\nAuth__ApiKeys__0__Role=Admin\n'
      printf 'Auth__ApiKeys__0__Sha256=%s\n' "$(printf '%s' "$key" | sha256sum | cut -d' ' -f1)"
    } | write_file "$INVENTORY_ENV_FILE" 600 "$owner"
    printf '%s\n' "$key" | write_file "$CONFIG_DIR/admin-api-key" 600 root:root
    say "config: wrote $INVENTORY_ENV_FILE with a new Admin API key; the key is in $CONFIG_DIR/admin-api-key" \
      "(root only): store it, then delete that file"
  fi
  ensure_portal_admin_in_env_file "$owner"
  # A kept file may have lost its mode or owner; the secrets stay readable by the deploy user alone.
  local file
  for file in "$CONFIG_DIR/deploy.env" "$INVENTORY_ENV_FILE" "$CONFIG_DIR/postgres.env"; do
    if [[ -f "$file" ]]; then
      run chmod 600 "$file"
      run chown "$owner" "$file"
    fi
  done
  run install -d -m 755 -o "$DEPLOY_USER" -g "$DEPLOY_USER" "$INVENTORY_STATE_DIR"
  make_backup_dir
}

step_scripts() {
  local home id upload
  home="$(user_home)"
  id="$(date -u +%Y%m%dT%H%M%SZ)-bootstrap-$$"
  upload="$home/inventory-deploy.upload-$id"
  run cp -r "$DEPLOY_DIR" "$upload"
  run chown -R "$DEPLOY_USER:$DEPLOY_USER" "$upload"
  run runuser -u "$DEPLOY_USER" -- env -i HOME="$home" PATH="$PATH" bash "$upload/receive.sh" "$id" install
}

step_proxy() {
  local home
  home="$(user_home)"
  [[ -f "$home/inventory-deploy/deploy.sh" || -n "$DRY_RUN" ]] \
    || die "$home/inventory-deploy/deploy.sh is missing: run the scripts step first"
  run runuser -u "$DEPLOY_USER" -- env -i HOME="$home" PATH="$PATH" INVENTORY_DEPLOY_ENV="$CONFIG_DIR/deploy.env" \
    bash "$home/inventory-deploy/deploy.sh" --prepare
}

parse_options() {
  while [[ $# -gt 0 ]]; do
    case "$1" in
      -h | --help) usage; exit 0 ;;
      --user) DEPLOY_USER=${2:?--user needs a name}; shift 2 ;;
      --authorized-key)
        AUTHORIZED_KEY=${2:?--authorized-key needs a key}
        if [[ "$AUTHORIZED_KEY" == @* ]]; then AUTHORIZED_KEY="$(head -n1 "${AUTHORIZED_KEY#@}")"; fi
        shift 2 ;;
      --image) export INVENTORY_IMAGE=${2:?--image needs a repository}; shift 2 ;;
      --name) export INVENTORY_NAME=${2:?--name needs a name}; shift 2 ;;
      --http-port) export INVENTORY_HTTP_PORT=${2:?--http-port needs a port}; shift 2 ;;
      --domain) export INVENTORY_DOMAIN=${2:?--domain needs a DNS name}; shift 2
        [[ -v INVENTORY_TLS ]] || export INVENTORY_TLS=acme ;;
      --email) export INVENTORY_ACME_EMAIL=${2:?--email needs an address}; shift 2 ;;
      --tls) export INVENTORY_TLS=${2:?--tls needs acme, files or off}; shift 2 ;;
      --database-url-file) read_database_url "${2:?--database-url-file needs a file, or - for standard input}"
        shift 2 ;;
      --database-url) [[ "${2:-}" == - ]] || old_database_url_form; read_database_url -; shift 2 ;;
      --config-dir) CONFIG_DIR=${2:?--config-dir needs a directory}; shift 2 ;;
      --steps) STEPS=${2:?--steps needs a list}; shift 2 ;;
      --dry-run) DRY_RUN=1; shift ;;
      *) printf 'bootstrap: error: unknown argument %s\n' "$1" >&2; usage >&2; exit 2 ;;
    esac
  done
  [[ "$DEPLOY_USER" =~ ^[a-z_][a-z0-9_-]{0,31}$ ]] || die "--user '$DEPLOY_USER' is not a user name" 2
  [[ "$CONFIG_DIR" == /* ]] || die "--config-dir must be an absolute path" 2
  local step
  for step in ${STEPS//,/ }; do
    [[ ",$ALL_STEPS," == *",$step,"* ]] || die "unknown step '$step' (steps: $ALL_STEPS)" 2
  done
}

main() {
  parse_options "$@"
  [[ -n "$DRY_RUN" || "$(id -u)" == 0 ]] || die "run as root (sudo), or with --dry-run" 2
  trap 'on_unexpected_error "$LINENO" "$BASH_COMMAND"' ERR
  export INVENTORY_DEPLOY_ENV="$CONFIG_DIR/deploy.env"
  local had_deploy_env=""
  [[ -f "$INVENTORY_DEPLOY_ENV" ]] && had_deploy_env=1
  load_config optional
  # A new deploy.env in another directory keeps its env file beside it.
  if [[ -z "$had_deploy_env" && -z "${ENVIRONMENT_SET[INVENTORY_ENV_FILE]:-}" ]]; then
    INVENTORY_ENV_FILE="$CONFIG_DIR/inventory.env"
  fi
  validate_config image-optional
  say "steps: $STEPS${DRY_RUN:+ (dry run: nothing is changed)}"
  local step
  for step in ${ALL_STEPS//,/ }; do
    [[ ",$STEPS," == *",$step,"* ]] && "step_$step"
  done
  say "done${DRY_RUN:+ (dry run)}"
}

main "$@"
