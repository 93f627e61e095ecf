# shellcheck shell=bash
# What a run tells: lines for the operator (prefixed with the script's name), the one-line error, and the audit log
# deploy.log (one line per step and outcome, as Kamal's auditor keeps).

# A line nobody can read any more (a closed channel, for a run started by hand over SSH) must not end the run.
say() { printf '%s: %s\n' "$SCRIPT_NAME" "$*" 2>/dev/null || true; }
warn() { printf '%s: warning: %s\n' "$SCRIPT_NAME" "$*" >&2 2>/dev/null || true; }
now_utc() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# The one-line error. Never call it inside $(…): it would only end the subshell.
die() {
  FAILURE="$1"
  printf '%s: error: %s\n' "$SCRIPT_NAME" "$1" >&2
  exit "${2:-1}"
}

# The error of a check that failed before anything on the host changed, which the line then says. Like say, it
# joins its arguments with spaces, so a long message can be given in parts.
refuse() { die "$* — nothing was changed"; }

on_unexpected_error() {
  local status=$? line=$1 command=$2
  FAILURE="unexpected failure (exit $status) of '$command' at ${BASH_SOURCE[1]##*/}:$line"
  printf '%s: error: %s; nothing was switched — see the lines above\n' "$SCRIPT_NAME" "$FAILURE" >&2
}

audit_log() { printf '%s/deploy.log' "$INVENTORY_STATE_DIR"; }

# One line per step and outcome in deploy.log: UTC time, user, action, from -> to, result, [the caller's
# AUDIT_FIELDS, e.g. serving=TAG on the outcome line,] seconds, the to= tag's digest (- when unknown) [, details: more
# key=value fields, e.g. a backup's file=] [, error].
audit() {
  local step=$1 result=$2 seconds=${3:-0} error=${4:-} details=${5:-}
  local line digest=""
  line="$(now_utc) user=$(id -un) action=$ACTION step=$step from=${FROM_TAG:--} to=${TO_TAG:--}"
  declare -F digest_of >/dev/null && digest="$(digest_of "${TO_TAG:-}")"
  line+=" result=$result${AUDIT_FIELDS:+ $AUDIT_FIELDS} seconds=$seconds digest=${digest:--}${details:+ $details}"
  [[ -n "$error" ]] && line+=" error=\"${error//\"/\'}\""
  [[ -d "$INVENTORY_STATE_DIR" && -w "$INVENTORY_STATE_DIR" ]] && printf '%s\n' "$line" >>"$(audit_log)"
  return 0
}
