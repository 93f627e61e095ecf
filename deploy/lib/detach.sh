# shellcheck shell=bash
# A deploy or rollback started over SSH runs on the host detached from the SSH channel: in a session of its own,
# its output in a log file of its own, its exit code recorded in a file beside it, so a dropped channel (a cancelled
# workflow, a lost network) neither signals it nor fails one of its writes. The channel only follows the log.
# Why: see "Decision: a run on the host does not depend on its SSH channel" in deploy/README.md.
# Needs say and die from the sourcing script; defines only functions and constants.

DETACH_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly DETACH_LIB
# Run logs kept per folder: a few weeks of deploys, a few hundred kilobytes.
readonly RUN_LOGS_KEPT=50

# Where run logs go: INVENTORY_STATE_DIR/runs for the stack deploy.env names; the deploy user's
# ~/.inventory-deploy/runs when the settings cannot be read (the run itself then says why, in its log).
runs_dir() {
  local state dir
  state="$( (
    # shellcheck source-path=SCRIPTDIR source=config.sh
    source "$DETACH_LIB/config.sh"
    load_config required && printf '%s' "$INVENTORY_STATE_DIR"
  ) 2>/dev/null || true)"
  # The state folder itself is bootstrap's (or the run's) to create, with its own mode.
  [[ -n "$state" && -d "$state" ]] || state=""
  for dir in ${state:+"$state/runs"} "$HOME/.inventory-deploy/runs"; do
    if (umask 077 && mkdir -p "$dir") 2>/dev/null && [[ -w "$dir" ]]; then
      printf '%s' "$dir"
      return 0
    fi
  done
  die "cannot create a folder for the run's log (${state:+$state/runs or }$HOME/.inventory-deploy/runs)"
}

# Starts SCRIPT ARGS… ($2…) as run ID ($1) in a session of its own; RUN_DIR is then its folder. Standard input: with
# --secrets-from-stdin among ARGS, the channel's KEY=value lines, read to their end first and handed over through a
# pipe (printf is a builtin: the token is on no command line and in no file); otherwise nothing. The wrapper shell
# records the exit code once the script has ended, whatever signal the group got (its trap only defers it).
start_detached() {
  local id=$1 script=$2 dir secrets=""
  shift 2
  dir="$(runs_dir)"
  # shellcheck disable=SC2034 # read by the sourcing script
  RUN_DIR=$dir
  if [[ " $* " == *" --secrets-from-stdin "* ]]; then
    IFS= read -r -d '' secrets || true
  fi
  (umask 077 && : >"$dir/$id.log")
  # shellcheck disable=SC2016 # expanded by the wrapper shell, not here
  printf '%s' "$secrets" | setsid bash -c 'trap : HUP INT TERM; bash "$@"; code=$?
    printf "%s\n" "$code" >"$0.tmp" && mv -f "$0.tmp" "$0"' "$dir/$id.status" "$script" "$@" >>"$dir/$id.log" 2>&1 &
  # shellcheck disable=SC2031 # $! is the pipeline's last process, the wrapper (setsid execs it)
  printf '%s\n' "$!" >"$dir/$id.pid"
  prune_run_logs "$dir"
}

prune_run_logs() {
  local dir=$1 old
  while read -r old; do
    [[ -n "$old" ]] && rm -f "$dir/$old".{log,pid,status}
  done < <(run_ids "$dir" | head -n "-$RUN_LOGS_KEPT")
}

# The runs of folder $1, oldest first: an ID starts with the UTC time remote.sh started it (YYYYMMDDTHHMMSSZ-…).
run_ids() {
  find "$1" -maxdepth 1 -name '*.log' -printf '%f\n' 2>/dev/null | sed 's/\.log$//' | sort
}

# Prints run ID's ($2, in folder $1) log from its start and as it grows until the run has ended, then how it ended;
# returns the run's exit code (1 when it ended without recording one: killed outright).
follow_run() {
  local dir=$1 id=$2 pid="" code
  [[ -f "$dir/$id.log" ]] || die "no run $id in $dir (ls $dir lists the runs)"
  [[ -f "$dir/$id.pid" ]] && pid="$(<"$dir/$id.pid")"
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    tail -n +1 -s 0.5 --pid="$pid" -f "$dir/$id.log"
  else
    cat "$dir/$id.log"
  fi
  if [[ ! -f "$dir/$id.status" ]]; then
    say "the run $id ended without recording its exit code (killed outright?): its log is $dir/$id.log"
    return 1
  fi
  code="$(<"$dir/$id.status")"
  say "the run $id ended with exit code $code; its log is $dir/$id.log"
  return "$code"
}
