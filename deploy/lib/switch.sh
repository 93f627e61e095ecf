# shellcheck shell=bash
# shellcheck disable=SC2034 # it sets the run's state (lib/run.sh), which finish and the scripts read
# The switch: the proxy moves to a candidate that passed the gate, the switch is confirmed from outside, the state
# files follow, and only then does the old version stop (kept for rollback). promote runs the whole release.
# Why: see "Decision: health-gated switch, then stop the old" in deploy/README.md.

# Waits until the public port answers /version with the tag three times in a row: the switch is visible outside.
confirm_public_version() {
  local tag=$1 in_a_row=0 body deadline=$((SECONDS + 15))
  while ((SECONDS < deadline)); do
    body="$(public_curl --silent --fail --max-time 2 "$(public_url)/version" || true)"
    if [[ "$(json_string_field version "$body")" == "$tag" || "$(json_string_field commit "$body")" == "$tag" ]]; then
      in_a_row=$((in_a_row + 1))
      ((in_a_row >= 3)) && return 0
    else
      in_a_row=0
    fi
    sleep 0.1
  done
  return 1
}

# Points the proxy at the candidate: the new upstream file replaces the old one by rename, nginx checks it and
# reloads gracefully. The switch counts as done once the old workers no longer accept connections and the public
# port reports the new version three times in a row — under load, old and new workers overlap for a moment, and
# stopping the old container inside that moment would fail requests.
switch_traffic() {
  local container=$1 tag=$2 dir started=$SECONDS old_workers
  dir="$(proxy_dir)"
  cp -p "$dir/upstream.conf" "$dir/upstream.conf.before"
  write_upstream_conf "$dir" "$container" "$tag"
  if ! proxy_nginx -t -q; then
    mv -f "$dir/upstream.conf.before" "$dir/upstream.conf"
    audit switch failed $((SECONDS - started))
    local still="the proxy still serves the live version"
    die "nginx rejected the configuration that points to $container (see above); $still"
  fi
  old_workers="$(proxy_workers accepting | tr '\n' ' ')"
  # From here until the switch is confirmed, an interrupted run switches back (finish → revert_switch).
  SWITCHING=1
  reload_proxy
  if ! wait_for_workers_gone "$old_workers" accepting 15 || ! confirm_public_version "$tag"; then
    revert_switch
    audit switch failed $((SECONDS - started))
    local url
    url="$(public_url)"
    die "after the proxy reload, $url/version did not report $tag within 15 s: switched back to the live version"
  fi
  rm -f "$dir/upstream.conf.before"
  PROXY_OLD_WORKERS=$old_workers
  CANDIDATE_PROMOTED=1
  SWITCHING=""
  # The audit line first: it is what the history reads, and a file write does not fail with the run's output.
  audit switch ok $((SECONDS - started))
  say "switched $(public_url) to $tag ($container)"
}

# Points the proxy back at what it served before the switch (the old container still runs until stop_old).
revert_switch() {
  local dir
  dir="$(proxy_dir)"
  SWITCHING=""
  [[ -f "$dir/upstream.conf.before" ]] || return 0
  mv -f "$dir/upstream.conf.before" "$dir/upstream.conf"
  reload_proxy || true
  warn "switched the proxy back to what it served before"
}

# The old version stops once no proxy worker can still hand it a request, and stays on the host for a fast
# rollback (prune keeps it). The app finishes its own in-flight requests on SIGTERM (3 s).
stop_old() {
  local container=$1
  [[ -n "$container" ]] && container_exists "$container" || return 0
  if ! wait_for_workers_gone "${PROXY_OLD_WORKERS:-}" all "$PROXY_DRAIN_SECONDS"; then
    warn "old proxy workers still finish requests after ${PROXY_DRAIN_SECONDS} s: stopping $container anyway"
  fi
  # The new version already serves: a failure here is reported, not fatal.
  if docker stop --time 10 "$container" >/dev/null; then
    say "stopped $container (kept for rollback)"
  else
    warn "could not stop $container: the new version serves anyway; stop it with docker stop $container"
  fi
}

# After a failed gate the live version normally still serves; if nothing does (it crashed meanwhile, or the host
# rebooted oddly), the last good version is started again through the same gate and switch.
ensure_live_serving() {
  [[ -n "$LAST_GOOD" ]] || return 0
  if [[ -n "$LIVE_CONTAINER" ]] && container_running "$LIVE_CONTAINER" \
    && [[ "$(public_curl --silent --output /dev/null --write-out '%{http_code}' --max-time 5 "$(public_url)/health" \
      || true)" == 200 ]]; then
    say "$LAST_GOOD still serves $(public_url)"
    return 0
  fi
  warn "nothing healthy serves $(public_url): starting the last good version $LAST_GOOD again"
  # deploy.log's lines of the recovery name the version it starts and switches to, never the run's failed tag.
  local TO_TAG=$LAST_GOOD
  audit recover started 0
  local previous_live=$LIVE_CONTAINER
  start_and_gate "$LAST_GOOD"
  if [[ -z "$CANDIDATE" ]]; then
    warn "the last good version $LAST_GOOD did not pass the gate either: nothing serves; see the logs above"
    audit recover failed 0 "$GATE_FAILURE"
    return 0
  fi
  switch_traffic "$CANDIDATE" "$LAST_GOOD"
  LIVE_CONTAINER=$CANDIDATE
  if [[ -n "$previous_live" ]] && container_exists "$previous_live"; then
    warn "the container that stopped serving, $previous_live, is kept for its logs: docker logs $previous_live"
  fi
  audit recover ok 0
}

# Health gate, switch, state, stop, prune — shared by deploy and rollback. Sets PROMOTED=1 when the candidate is
# live; when the gate failed, the candidate has been reported and removed and the live version is left serving.
# (Returns 0 either way: a function called as a condition would run with `set -e` off.)
promote() {
  local tag=$1
  PROMOTED=""
  start_and_gate "$tag"
  if [[ -z "$CANDIDATE" ]]; then
    ensure_live_serving
    return 0
  fi
  local old=$LIVE_CONTAINER
  PROMOTED_OLD=$old
  PROMOTED_TAG=$tag
  PROMOTED_PREVIOUS=$LAST_GOOD
  switch_traffic "$CANDIDATE" "$tag"
  LIVE_CONTAINER=$CANDIDATE
  record_state "$tag" "$LAST_GOOD"
  if [[ -n "$LAST_GOOD" && "$LAST_GOOD" != "$tag" ]]; then PREV_GOOD=$LAST_GOOD; fi
  LAST_GOOD=$tag
  stop_old "$old"
  prune
  PROMOTED=1
}
