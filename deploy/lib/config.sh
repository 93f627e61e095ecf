# shellcheck shell=bash
# Configuration: defaults.env, then the host's deploy.env, then the environment (the environment wins); checked
# before anything runs. Also the names every part derives from the settings.

DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly DEPLOY_DIR
# Docker's tag grammar; a tag also ends up in container names and file contents, so nothing else may pass.
readonly TAG_PATTERN='^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$'
# shellcheck disable=SC2034 # used by the other parts
{
  # The port the app listens on inside its container (the image's ASP.NET Core default).
  readonly APP_PORT=8080
  # Labels on everything of a stack: how prune, orphan removal and the tests find its containers.
  readonly LABEL_STACK=org.inventory.stack
  readonly LABEL_ROLE=org.inventory.role
  readonly LABEL_TAG=org.inventory.tag
}

# The keys of defaults.env: a key outside this list in deploy.env is a typo, not a new setting.
SETTINGS=()

# Reads KEY=value lines into the known settings, leaving alone every key the environment already set.
read_settings() {
  local file=$1 line key value number=0
  while IFS= read -r line || [[ -n "$line" ]]; do
    number=$((number + 1))
    [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
    if [[ ! "$line" =~ ^[[:space:]]*([A-Z][A-Z0-9_]*)=(.*)$ ]]; then
      die "$file:$number is not a KEY=value line: fix or remove it"
    fi
    key="${BASH_REMATCH[1]}"
    value="${BASH_REMATCH[2]}"
    if [[ "$value" =~ ^\"(.*)\"[[:space:]]*$ || "$value" =~ ^\'(.*)\'[[:space:]]*$ ]]; then
      value="${BASH_REMATCH[1]}"
    fi
    if [[ " ${SETTINGS[*]} " != *" $key "* ]]; then
      die "$file:$number sets $key, which is not a setting (typo?): the settings are listed in $DEPLOY_DIR/defaults.env"
    fi
    [[ -n "${ENVIRONMENT_SET[$key]:-}" ]] || printf -v "$key" '%s' "$value"
  done <"$file"
}

# defaults.env, then deploy.env, then the environment (the environment wins). $1: "required", or "optional" when
# a missing deploy.env is fine (bootstrap.sh, before it writes one).
load_config() {
  local need=$1 key
  mapfile -t SETTINGS < <(sed -nE 's/^([A-Z][A-Z0-9_]*)=.*/\1/p' "$DEPLOY_DIR/defaults.env")
  declare -gA ENVIRONMENT_SET=()
  for key in "${SETTINGS[@]}"; do
    [[ -v "$key" ]] && ENVIRONMENT_SET[$key]=1
  done
  read_settings "$DEPLOY_DIR/defaults.env"
  INVENTORY_DEPLOY_ENV="${INVENTORY_DEPLOY_ENV:-/etc/inventory/deploy.env}"
  if [[ -f "$INVENTORY_DEPLOY_ENV" ]]; then
    [[ -r "$INVENTORY_DEPLOY_ENV" ]] \
      || die "$INVENTORY_DEPLOY_ENV is not readable by $(id -un): chown $(id -un) $INVENTORY_DEPLOY_ENV"
    read_settings "$INVENTORY_DEPLOY_ENV"
  elif [[ "$need" != optional ]]; then
    local fix="run bootstrap.sh, or set INVENTORY_DEPLOY_ENV to where it is"
    die "the deploy configuration $INVENTORY_DEPLOY_ENV does not exist: $fix"
  fi
  if [[ -n "$DOCKER_HOST" ]]; then export DOCKER_HOST; else unset DOCKER_HOST; fi
}

# $1: "image-required", or "image-optional" (bootstrap.sh asks for INVENTORY_IMAGE only when it writes deploy.env).
validate_config() {
  if [[ -z "$INVENTORY_IMAGE" && "$1" == image-optional ]]; then
    :
  elif [[ -z "$INVENTORY_IMAGE" ]]; then
    die "INVENTORY_IMAGE is not set: set it in $INVENTORY_DEPLOY_ENV (e.g. ghcr.io/OWNER/REPO)"
  else
    local rule="lower case, no tag"
    [[ "$INVENTORY_IMAGE" =~ ^[a-z0-9]([a-z0-9._:-]*[a-z0-9])?(/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$ ]] \
      || die "INVENTORY_IMAGE='$INVENTORY_IMAGE' is not an image repository ($rule): e.g. ghcr.io/owner/repo"
  fi
  [[ "$INVENTORY_NAME" =~ ^[a-z0-9][a-z0-9_.-]{0,40}$ ]] \
    || die "INVENTORY_NAME='$INVENTORY_NAME' must be 1-41 of a-z 0-9 _ . - (it prefixes container names)"
  [[ "$INVENTORY_HTTP_PORT" =~ ^[0-9]{1,5}$ && "$INVENTORY_HTTP_PORT" -ge 1 && "$INVENTORY_HTTP_PORT" -le 65535 ]] \
    || die "INVENTORY_HTTP_PORT='$INVENTORY_HTTP_PORT' is not a port number (1-65535)"
  local key
  for key in HEALTH_TIMEOUT MIGRATE_TIMEOUT DEPLOY_LOCK_TIMEOUT MIN_FREE_DISK_MB INVENTORY_KEEP; do
    [[ "${!key}" =~ ^[0-9]+$ ]] || die "$key='${!key}' must be a whole number"
  done
  # timeout(1) reads 0 as "no limit".
  [[ "$MIGRATE_TIMEOUT" -ge 1 ]] || die "MIGRATE_TIMEOUT=$MIGRATE_TIMEOUT must be at least 1 (seconds)"
  [[ "$INVENTORY_KEEP" -ge 2 ]] \
    || die "INVENTORY_KEEP=$INVENTORY_KEEP must be at least 2 (the live and the previous release)"
  [[ "$INVENTORY_STATE_DIR" == /* ]] || die "INVENTORY_STATE_DIR='$INVENTORY_STATE_DIR' must be an absolute path"
  [[ "$INVENTORY_BACKUP_DIR" == /* ]] || die "INVENTORY_BACKUP_DIR='$INVENTORY_BACKUP_DIR' must be an absolute path"
  [[ "$INVENTORY_BACKUP_KEEP" =~ ^[0-9]+$ && "$INVENTORY_BACKUP_KEEP" -ge 1 ]] \
    || die "INVENTORY_BACKUP_KEEP='$INVENTORY_BACKUP_KEEP' must be a whole number, at least 1"
  [[ -z "$INVENTORY_BACKUP_TIME" || "$INVENTORY_BACKUP_TIME" =~ ^([01][0-9]|2[0-3]):[0-5][0-9]$ ]] \
    || die "INVENTORY_BACKUP_TIME='$INVENTORY_BACKUP_TIME' must be HH:MM (e.g. 03:30), or empty for midnight"
  validate_tls_config
}

validate_tag() {
  local rule="letters, digits, _ . -, at most 128, not starting with . or -"
  [[ "$1" =~ $TAG_PATTERN ]] || die "'$1' is not an image tag ($rule): give a full commit SHA" 2
}

# deploy.env: defaults.env with each value replaced by the effective one (flags, environment); the token is never
# written (remote.sh passes it per run).
render_deploy_env() {
  local line key
  while IFS= read -r line || [[ -n "$line" ]]; do
    if [[ "$line" =~ ^([A-Z][A-Z0-9_]*)= ]]; then
      key="${BASH_REMATCH[1]}"
      if [[ "$key" == GHCR_PAT ]]; then
        printf '%s=\n' "$key"
      else
        printf '%s=%s\n' "$key" "${!key-}"
      fi
    else
      printf '%s\n' "$line"
    fi
  done <"$DEPLOY_DIR/defaults.env"
}
