# shellcheck shell=bash
# The health gate: the candidate must run the image digest asked for, be healthy and report the tag it was started as,
# or it never gets traffic.
# Why: see "Decision: health-gated switch, then stop the old" in deploy/README.md.

json_string_field() {
  local field=$1 json=$2
  [[ "$json" =~ \"$field\"[[:space:]]*:[[:space:]]*\"([^\"]*)\" ]] && printf '%s' "${BASH_REMATCH[1]}"
  return 0
}

# GET /health is 200 within HEALTH_TIMEOUT, and GET /version names the tag (as its version or commit), so a stale or
# mislabelled image cannot pass. Checked from the host against the container's address on the app network (the
# image has no shell). Sets GATE_FAILURE when it returns 1.
wait_until_healthy() {
  local container=$1 tag=$2 started=$SECONDS ip status exit_code code=000 body version commit network format
  local deadline=$((SECONDS + HEALTH_TIMEOUT))
  GATE_FAILURE=""
  # Outside the loop, not nested in its process substitution: bash re-parses a nested $(...) when it expands it and
  # may run a pending signal trap from inside that parse. The trap then fails to parse ("trap: line 2: unexpected
  # EOF while looking for matching `)'"), and an interrupted deploy ended with status 2 instead of 130 (seen once).
  network="$(network_name)"
  # One inspect per poll: its state, and its address on the app network (empty until it has one).
  format="{{.State.Status}} {{.State.ExitCode}}"
  format+=" {{with index .NetworkSettings.Networks \"$network\"}}{{.IPAddress}}{{end}}"
  say "health gate: waiting up to ${HEALTH_TIMEOUT} s for GET /health = 200 and GET /version = $tag"
  if ! check_candidate_digest "$container" "$tag"; then
    audit health-gate failed $((SECONDS - started)) "$GATE_FAILURE"
    return 1
  fi
  while true; do
    status=gone exit_code="?" ip=""
    read -r status exit_code ip < <(docker container inspect --format "$format" "$container") || true
    if [[ "$status" != running ]]; then
      GATE_FAILURE="the candidate $container stopped at start-up with exit code $exit_code (status $status)"
      GATE_FAILURE+="$(schema_refusal "$container")"
      break
    fi
    if [[ -n "$ip" ]]; then
      code="$(curl --silent --output /dev/null --write-out '%{http_code}' --max-time 2 "http://$ip:$APP_PORT/health" \
        || true)"
      if [[ "$code" == 200 ]]; then
        body="$(curl --silent --fail --max-time 2 "http://$ip:$APP_PORT/version" || true)"
        version="$(json_string_field version "$body")"
        commit="$(json_string_field commit "$body")"
        if [[ "$version" == "$tag" || "$commit" == "$tag" ]]; then
          say "health gate passed in $((SECONDS - started)) s: /health 200, /version $version (commit $commit)"
          audit health-gate ok $((SECONDS - started))
          return 0
        fi
        GATE_FAILURE="the candidate is healthy but /version says version '${version:-?}' commit '${commit:-?}',"
        GATE_FAILURE+=" not $tag: the image under this tag is not the build it names"
        break
      fi
    fi
    if ((SECONDS >= deadline)); then
      GATE_FAILURE="GET /health of the candidate answered ${code/000/nothing} instead of 200"
      GATE_FAILURE+=" for ${HEALTH_TIMEOUT} s (HEALTH_TIMEOUT)"
      break
    fi
    sleep 1
  done
  audit health-gate failed $((SECONDS - started)) "$GATE_FAILURE"
  return 1
}

# Starts TAG as the candidate and runs the health gate. Passed: the candidate restarts with Docker from now on.
# Failed: its logs and exit code are printed, it is removed and CANDIDATE is empty (GATE_FAILURE says why).
# (Returns 0 either way, as promote does, so that `set -e` stays on inside it.)
start_and_gate() {
  local tag=$1
  start_candidate "$tag"
  if ! wait_until_healthy "$CANDIDATE" "$tag"; then
    report_failed_candidate "$CANDIDATE"
    remove_candidate
    return 0
  fi
  tag_release "$tag"
  docker update --restart unless-stopped "$CANDIDATE" >/dev/null
}
