# shellcheck shell=bash
# The run lifecycle of deploy.sh and rollback.sh: the run's state, the traps, the common start (begin_run,
# begin_change) and end (end_change), and `finish`, the EXIT trap that puts the host back as it was.

# The run's state: set by the steps, read by the steps after them and by `finish` (so each is global).
# shellcheck disable=SC2034 # some are read only in the other parts of lib/ or in deploy.sh and rollback.sh
{
  SCRIPT_NAME="${SCRIPT_NAME:-deploy}" # prefixes every line the run prints
  ACTION="${ACTION:-$SCRIPT_NAME}"     # deploy, rollback or prepare: in the lock, deploy.log and the result line
  FROM_TAG=""                          # the tag live when the run began: deploy.log's from=, the result's previous=
  TO_TAG=""                            # the tag this run puts live: deploy.log's to=, the result's tag=
  LIVE_CONTAINER=""                    # the container the proxy serves (read_live), never removed as an orphan
  LIVE_TAG=""                          # its tag, compared with .last_good_tag before anything changes
  LAST_GOOD=""                         # .last_good_tag: kept by prune, the version recovery restarts
  PREV_GOOD=""                         # .prev_good_tag: the version live before, kept by prune
  LOCK_FD=""                           # the deploy lock's descriptor while it is held: finish releases it
  RUN_DOCKER_CONFIG=""                 # this run's docker login directory: finish removes it with the token
  CANDIDATE=""                         # the candidate container: finish removes it unless it was promoted
  CANDIDATE_PROMOTED=""                # set once the proxy serves the candidate: then it is live, not removed
  MIGRATOR=""                          # the migration step's one-off container: finish removes it
  MIGRATE_FAILURE=""                   # why the migration step failed
  GATE_FAILURE=""                      # why the candidate failed the health gate, for the error line and deploy.log
  SWITCHING=""                         # set while the proxy is being switched: finish switches back
  PROXY_OLD_WORKERS=""                 # the nginx workers before the switch: stop_old waits for them to drain
  PROMOTED_TAG=""                      # the tag being promoted: finish records it if the run dies after the switch
  PROMOTED_PREVIOUS=""                 # the tag it replaces, for that same record
  PROMOTED_OLD=""                      # the container it replaces: finish stops it if the run dies before stop_old
  STATE_RECORDED=""                    # set once the state files name the promoted tag: finish need not
  PROMOTED=""                          # set when promote made the candidate live; empty when the gate failed
  OUTCOME=""                           # deployed, rolled-back, unchanged…: empty at exit means the run failed
  FAILURE=""                           # the error line (set by die), for deploy.log's failed outcome
  RUN_STARTED=$SECONDS                 # for the seconds in deploy.log and the result line
}

# The line remote.sh reads for the job summary; serving= is what the proxy serves now.
print_result() {
  local seconds=$((SECONDS - RUN_STARTED))
  local digest
  digest="$(digest_of "$TO_TAG")"
  say "result: action=$ACTION outcome=$1 tag=${TO_TAG:--} previous=${FROM_TAG:--} serving=$(serving_tag)" \
    "seconds=$seconds digest=${digest:--}"
}

# deploy.log's outcome line ($1: deployed, failed…; $2: the error), naming what the proxy serves after the run.
audit_outcome() {
  local AUDIT_FIELDS
  AUDIT_FIELDS="serving=$(serving_tag)"
  audit outcome "$1" $((SECONDS - RUN_STARTED)) "${2:-}"
}

finish() {
  local status=$?
  trap - ERR
  set +e
  # Interrupted half-way through a switch: back to the old version, which still runs.
  [[ -n "$SWITCHING" ]] && revert_switch
  # Interrupted after the switch: the new version serves, so the state files must say so.
  if [[ -n "$PROMOTED_TAG" && -n "$CANDIDATE_PROMOTED" && -z "$STATE_RECORDED" ]]; then
    record_state "$PROMOTED_TAG" "$PROMOTED_PREVIOUS"
  fi
  # …and the version it replaced must not go on running beside it.
  if [[ -n "$CANDIDATE_PROMOTED" && -n "$PROMOTED_OLD" ]] && container_running "$PROMOTED_OLD"; then
    stop_old "$PROMOTED_OLD"
  fi
  remove_candidate
  remove_migrator
  if [[ -z "$OUTCOME" ]]; then
    OUTCOME=failed
    [[ -n "$LOCK_FD" ]] && audit_outcome failed "${FAILURE:-exit $status}"
  fi
  release_lock
  [[ -n "$RUN_DOCKER_CONFIG" ]] && rm -rf "$RUN_DOCKER_CONFIG"
  case "$OUTCOME" in deployed | rolled-back | unchanged | failed) print_result "$OUTCOME" ;; esac
  exit "$status"
}

install_traps() {
  trap finish EXIT
  trap 'on_unexpected_error "$LINENO" "$BASH_COMMAND"' ERR
  # A hang-up or an interrupt still runs finish: the candidate goes, the lock is released.
  trap 'FAILURE="interrupted"; exit 130' INT TERM HUP
  # After a hang-up nobody reads the output: a write must fail, not kill the clean-up.
  trap '' PIPE
}

# The common start of deploy.sh and rollback.sh once their arguments are parsed; $1 non-empty: --secrets-from-stdin.
begin_run() {
  install_traps
  [[ -n "$1" ]] && read_secrets_from_stdin
  load_config required
  validate_config image-required
}

# remote.sh sends GHCR_USERNAME, GHCR_PAT and DEPLOY_VIA as KEY=value lines on standard input; nothing else is read.
read_secrets_from_stdin() {
  local line
  while IFS= read -r line; do
    case "$line" in
      GHCR_USERNAME=*) GHCR_USERNAME="${line#*=}" ;;
      GHCR_PAT=*) GHCR_PAT="${line#*=}" ;;
      DEPLOY_VIA=*) DEPLOY_VIA="${line#*=}" ;;
      "") ;;
      *) die "unexpected line on standard input (only GHCR_USERNAME=, GHCR_PAT=, DEPLOY_VIA= are read)" 2 ;;
    esac
  done
  exec </dev/null
}

# What a deploy or a rollback checks and reads before it changes anything; FROM_TAG is then what was live.
begin_change() {
  require_state_dir
  check_env_file
  require_docker
  acquire_lock
  read_state adopt
  FROM_TAG=$LAST_GOOD
}

# A run that reached its outcome ($1): deploy.log's outcome line, then the operator's line ($2).
end_change() {
  OUTCOME=$1
  audit_outcome "$1"
  say "$2"
}
