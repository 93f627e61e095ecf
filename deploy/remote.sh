#!/usr/bin/env bash
# Runner side of a deploy or rollback: copies deploy/ to the EC2 host with scp and starts deploy.sh or rollback.sh
# there over SSH — pinned host key only, registry token on standard input — detached from the channel, follows its
# log, then exits with the host's exit code and, on GitHub Actions, writes the job summary. The deploy-to-ec2 and
# rollback workflows run it.
set -Eeuo pipefail

DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly DEPLOY_DIR
# Docker's tag grammar, optionally pinned to a digest (TAG@sha256:…, see "Decision: deploy by digest").
readonly TAG_PATTERN='^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}(@sha256:[0-9a-f]{64})?$'

usage() {
  cat <<'EOF'
Usage: deploy/remote.sh deploy TAG@sha256:DIGEST
       deploy/remote.sh rollback [TAG[@sha256:DIGEST]]
       deploy/remote.sh -h

Copies deploy/ to the host (scp, into the deploy user's ~/inventory-deploy) and starts deploy.sh TAG@sha256:DIGEST
or rollback.sh [TAG[@sha256:DIGEST]] there over SSH (a plain TAG still works, not pinned), detached from the
connection: the run finishes (or reverts) on the host whatever happens to it. Prints the run's log as it goes and
exits with its exit code (non-zero when the new version failed its health gate and the live one kept serving).
When the connection drops, the run goes on: ssh to the host and run ~/inventory-deploy/follow.sh RUN_ID (printed
at the start) to see how it ended. With GITHUB_STEP_SUMMARY set, appends the job summary: tag, digest, previous
tag, outcome, what serves, duration.

Environment:
  EC2_HOST        the host's DNS name or IP address                                      (required)
  EC2_USERNAME    the deploy user                                                        (required)
  EC2_SSH_KEY     the deploy user's private key, the whole file                          (required)
  EC2_HOST_KEY    the host's public key as one known_hosts line ([HOST]:PORT when not 22) (required)
  EC2_PORT        SSH port                                                               (default 22)
  GHCR_USERNAME   registry user the host logs in as
  GHCR_PAT        registry token; sent on standard input, never on a command line; empty = no login
  EC2_DEPLOY_ENV  deploy.env on the host, for a second stack on one host    (default /etc/inventory/deploy.env)
SSH runs with StrictHostKeyChecking=yes against EC2_HOST_KEY alone; key and known_hosts live in 0600 temporary
files, removed at exit.
EOF
}

die() { printf 'remote.sh: error: %s\n' "$1" >&2; exit "${2:-1}"; }

require_env() {
  local name
  for name in "$@"; do
    [[ -n "${!name:-}" ]] \
      || die "$name is not set: see deploy/remote.sh -h (in GitHub: the production environment's secrets)" 2
  done
}

# Markdown for the run's page; EC2_HOST is a secret, so it is not shown.
write_summary() {
  local action=$1 requested_tag=$2 status=$3 seconds=$4 output=$5 result="" outcome tag previous serving text digest
  [[ -f "$output" ]] && result="$(grep -E '^(deploy|rollback): result: ' "$output" | tail -n 1 || true)"
  outcome="$(sed -nE 's/.* outcome=([^ ]+).*/\1/p' <<<"$result")"
  tag="$(sed -nE 's/.* tag=([^ ]+).*/\1/p' <<<"$result")"
  previous="$(sed -nE 's/.* previous=([^ ]+).*/\1/p' <<<"$result")"
  serving="$(sed -nE 's/.* serving=([^ ]+).*/\1/p' <<<"$result")"
  digest="$(sed -nE 's/.* digest=([^ ]+).*/\1/p' <<<"$result")"
  tag=${tag:-${requested_tag:--}}
  previous=${previous:--}
  case "$outcome" in
    deployed) text="✅ deployed: $tag is live" ;;
    rolled-back) text="✅ rolled back: $tag is live" ;;
    unchanged) text="✅ $tag was already live: nothing to do" ;;
    failed)
      if [[ -n "$serving" && "$serving" == "$tag" ]]; then
        text="❌ failed after the switch: $tag serves and is recorded as live; see the step's log"
      elif [[ -n "$serving" && "$serving" != - && "$serving" != "$previous" ]]; then
        text="❌ failed: $tag is not live; $serving serves"
      elif [[ "$previous" != - ]]; then
        text="❌ failed: $tag is not live; $previous still serves (state unchanged)"
      else
        text="❌ failed: $tag is not live"
      fi ;;
    *) text="❌ failed before the host reported a result (exit $status): see the step's log" ;;
  esac
  {
    printf '### %s to production\n\n' "${action^}"
    printf '| | |\n|---|---|\n'
    printf '| tag | %s |\n' "\`$tag\`"
    printf '| digest | %s |\n' "\`${digest:--}\`"
    printf '| previous tag | %s |\n' "\`$previous\`"
    printf '| serving now | %s |\n' "\`${serving:-?}\`"
    printf '| outcome | %s |\n' "$text"
    printf '| duration | %s s |\n' "$seconds"
    printf '| exit code | %s |\n\n' "$status"
  } >>"$GITHUB_STEP_SUMMARY"
}

ACTION=""
TAG=""
WORK=""
STARTED=$SECONDS

# The job summary is written however the run ends, once the action is known.
finish() {
  local status=$?
  if [[ -n "${GITHUB_STEP_SUMMARY:-}" && -n "$ACTION" ]]; then
    write_summary "$ACTION" "$TAG" "$status" "$((SECONDS - STARTED))" "${WORK:-/nonexistent}/output"
  fi
  [[ -n "$WORK" ]] && rm -rf "$WORK"
  exit "$status"
}

main() {
  local action="${1:-}" tag=""
  case "$action" in
    -h | --help) usage; return 0 ;;
    deploy) [[ $# -eq 2 ]] || { usage >&2; exit 2; }; tag=$2 ;;
    rollback) [[ $# -le 2 ]] || { usage >&2; exit 2; }; tag="${2:-}" ;;
    *) usage >&2; exit 2 ;;
  esac
  ACTION=$action
  TAG=$tag
  trap finish EXIT
  if [[ -n "$tag" && ! "$tag" =~ $TAG_PATTERN ]]; then
    usage >&2
    die "'$tag' is not an image tag (letters, digits, _ . -, at most 128), optionally pinned as TAG@sha256:<64\
 lower-case hex digits>: give a full commit SHA, with build-and-push's digest" 2
  fi
  require_env EC2_HOST EC2_USERNAME EC2_SSH_KEY EC2_HOST_KEY
  local port="${EC2_PORT:-22}"
  [[ "$port" =~ ^[0-9]{1,5}$ ]] || die "EC2_PORT='$port' is not a port number" 2
  [[ "$EC2_USERNAME" =~ ^[a-z_][a-z0-9_.-]{0,31}$ ]] || die "EC2_USERNAME='$EC2_USERNAME' is not a user name" 2
  [[ "$EC2_HOST" =~ ^[A-Za-z0-9][A-Za-z0-9.:-]*$ ]] || die "EC2_HOST is not a host name or IP address" 2
  [[ -z "${EC2_DEPLOY_ENV:-}" || "$EC2_DEPLOY_ENV" =~ ^/[A-Za-z0-9/._-]+$ ]] \
    || die "EC2_DEPLOY_ENV must be an absolute path" 2

  local work
  work="$(umask 077 && mktemp -d)"
  WORK=$work
  (
    umask 077
    printf '%s\n' "$EC2_SSH_KEY" >"$work/key"
    printf '%s\n' "$EC2_HOST_KEY" >"$work/known_hosts"
  )
  [[ "$(awk 'NF >= 3' "$work/known_hosts" | wc -l)" -ge 1 ]] \
    || die "EC2_HOST_KEY is not a known_hosts line (HOST KEYTYPE KEY): see .github/workflows/README.md, Secrets" 2

  local ssh_options=(-o BatchMode=yes -o IdentitiesOnly=yes -o IdentityFile="$work/key"
    -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$work/known_hosts" -o GlobalKnownHostsFile=/dev/null
    -o ConnectTimeout=20 -o ServerAliveInterval=15 -o ServerAliveCountMax=8 -o LogLevel=ERROR)
  local id host=$EC2_HOST
  id="$(date -u +%Y%m%dT%H%M%SZ)-${GITHUB_RUN_ID:-local}-$$-$RANDOM"
  [[ "$host" == *:* ]] && host="[$host]"

  printf 'remote.sh: copying deploy/ to %s@host:%s\n' "$EC2_USERNAME" "$port"
  if ! scp "${ssh_options[@]}" -P "$port" -q -r "$DEPLOY_DIR" "$EC2_USERNAME@$host:inventory-deploy.upload-$id"; then
    local check="check EC2_HOST, EC2_PORT, EC2_USERNAME, EC2_SSH_KEY, and that EC2_HOST_KEY is the host's current key"
    die "cannot copy deploy/ to the host over SSH (see above): $check"
  fi

  local remote_command
  remote_command="$(printf 'bash inventory-deploy.upload-%q/receive.sh %q %q --secrets-from-stdin' \
    "$id" "$id" "$action")"
  [[ -n "$tag" ]] && remote_command+=" $(printf '%q' "$tag")"
  if [[ -n "${EC2_DEPLOY_ENV:-}" ]]; then
    remote_command="INVENTORY_DEPLOY_ENV=$(printf '%q' "$EC2_DEPLOY_ENV") $remote_command"
  fi
  local via
  via="remote.sh on $(hostname)"
  [[ -n "${GITHUB_RUN_ID:-}" ]] && via="GitHub Actions run ${GITHUB_RUN_ID} (${GITHUB_ACTOR:-?})"

  # The token travels inside the SSH channel on standard input; printf is a shell builtin, so it is on no command line.
  set +e
  {
    [[ -n "${GHCR_USERNAME:-}" ]] && printf 'GHCR_USERNAME=%s\n' "$GHCR_USERNAME"
    [[ -n "${GHCR_PAT:-}" ]] && printf 'GHCR_PAT=%s\n' "$GHCR_PAT"
    printf 'DEPLOY_VIA=%s\n' "$via"
  } | ssh "${ssh_options[@]}" -p "$port" "$EC2_USERNAME@$EC2_HOST" "$remote_command" | tee "$work/output"
  local statuses=("${PIPESTATUS[@]}")
  set -e
  local status=${statuses[1]}

  if [[ $status -ne 0 ]] && ! grep -qE '^receive: the run [^ ]+ ended ' "$work/output"; then
    printf 'remote.sh: error: ssh ended with %s before the host said how the run ended: %s %s\n' "$status" \
      "the connection failed or dropped (see above). A run that had started goes on on the host by itself; see how" \
      "it ended with: ssh $EC2_USERNAME@HOST INVENTORY_DEPLOY_ENV=… ~/inventory-deploy/follow.sh $id" >&2
  fi
  printf 'remote.sh: %s finished with exit code %s in %s s\n' "$action" "$status" "$((SECONDS - STARTED))"
  exit "$status"
}

main "$@"
