# shellcheck shell=bash
# The deploy lock: one deploy, rollback or prepare at a time on a stack. flock, so the kernel frees it when its
# holder dies, however it dies (Kamal's mkdir lock outlived killed runs, kamal#1587); the holder's details live in
# the lock file while it is held, for the next run to name who it waits for.

lock_holder_text() {
  local info=$1 pid action tag user since via
  pid="$(sed -nE 's/.*\bpid=([0-9]+).*/\1/p' <<<"$info")"
  action="$(sed -nE 's/.*\baction=([^ ]+).*/\1/p' <<<"$info")"
  tag="$(sed -nE 's/.*\btag=([^ ]+).*/\1/p' <<<"$info")"
  user="$(sed -nE 's/.*\buser=([^ ]+).*/\1/p' <<<"$info")"
  since="$(sed -nE 's/.*\bsince=([^ ]+).*/\1/p' <<<"$info")"
  via="$(sed -nE 's/.*\bvia="([^"]*)".*/\1/p' <<<"$info")"
  printf 'pid %s (%s of %s by %s%s, since %s)' \
    "${pid:-?}" "${action:-?}" "${tag:--}" "${user:-?}" "${via:+ via $via}" "${since:-?}"
}

# The details are emptied on release, so details found on taking the lock mean a killed holder.
acquire_lock() {
  local file="$INVENTORY_STATE_DIR/deploy.lock" info started=$SECONDS
  exec {LOCK_FD}>>"$file"
  if ! flock -n "$LOCK_FD"; then
    info="$(cat "$file" 2>/dev/null || true)"
    say "waiting up to ${DEPLOY_LOCK_TIMEOUT} s for the deploy lock, held by $(lock_holder_text "$info")"
    if ! flock -w "$DEPLOY_LOCK_TIMEOUT" "$LOCK_FD"; then
      info="$(cat "$file" 2>/dev/null || true)"
      exec {LOCK_FD}>&-
      LOCK_FD=""
      local fix="let it finish and run again (DEPLOY_LOCK_TIMEOUT sets the wait)"
      die "another deploy still holds the lock after ${DEPLOY_LOCK_TIMEOUT} s: $(lock_holder_text "$info"); $fix"
    fi
    say "got the deploy lock after $((SECONDS - started)) s"
  fi
  info="$(cat "$file")"
  if [[ -n "$info" ]]; then
    warn "the deploy lock was left by $(lock_holder_text "$info"), which ended without releasing it (killed?):" \
      "taking it over"
    audit lock took-over 0 "stale lock of $(lock_holder_text "$info")"
  fi
  local pgid
  pgid="$(ps -o pgid= -p $$ | tr -d ' ')"
  # shellcheck disable=SC2153 # ACTION is the run's (lib/run.sh), not a misspelt local
  printf 'pid=%s pgid=%s action=%s tag=%s user=%s since=%s via="%s"\n' \
    "$$" "$pgid" "$ACTION" "${TO_TAG:--}" "$(id -un)" "$(now_utc)" "${DEPLOY_VIA:-a shell on $(hostname)}" >"$file"
  audit lock ok $((SECONDS - started))
}

release_lock() {
  [[ -n "$LOCK_FD" ]] || return 0
  : >"$INVENTORY_STATE_DIR/deploy.lock"
  flock -u "$LOCK_FD"
  exec {LOCK_FD}>&-
  LOCK_FD=""
}
