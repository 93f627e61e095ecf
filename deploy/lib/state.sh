# shellcheck shell=bash
# shellcheck disable=SC2034 # it sets the run's state (lib/run.sh), which finish and the scripts read
# The state of a stack: .last_good_tag (live) and .prev_good_tag (the version live before it) in INVENTORY_STATE_DIR,
# each with its companion .last_good_ref / .prev_good_ref (TAG@DIGEST, lib/digest.sh),
# what the proxy serves, and the history of what was live (from deploy.log). Each file is replaced atomically.

state_file() { printf '%s/.%s' "$INVENTORY_STATE_DIR" "$1"; }

require_state_dir() {
  local user dir=$INVENTORY_STATE_DIR
  user="$(id -un)"
  if [[ ! -d "$dir" ]]; then
    (umask 022 && mkdir -p "$dir") 2>/dev/null \
      || die "cannot create INVENTORY_STATE_DIR $dir as $user: run bootstrap.sh, or create it owned by $user"
  fi
  [[ -w "$dir" ]] || die "INVENTORY_STATE_DIR $dir is not writable by $user: chown -R $user $dir"
}

# Sets the variable named $2 to the tag in state file $1 (empty when the file is absent); dies when it is corrupt.
read_state_tag() {
  local name=$1 var=$2 file content
  file="$(state_file "$name")"
  printf -v "$var" '%s' ""
  [[ -e "$file" ]] || return 0
  [[ -f "$file" && -r "$file" ]] \
    || refuse "the state file $file is not a readable file: fix its ownership (chown $(id -un))"
  content="$(<"$file")"
  if [[ ! "$content" =~ $TAG_PATTERN ]]; then
    local fix="write the right tag into it (rollback.sh --list shows the history)" held
    [[ "$name" == last_good_tag && -n "$LIVE_TAG" ]] && fix="the proxy serves $LIVE_TAG: echo $LIVE_TAG > $file"
    held="$(head -c 60 "$file" | tr -c '[:print:]' '?')"
    refuse "the state file $file is corrupt (it holds '$held', not one image tag): $fix"
  fi
  printf -v "$var" '%s' "$content"
}

write_state_file() {
  local name=$1 value=$2 tmp
  tmp="$(mktemp "$INVENTORY_STATE_DIR/.$name.XXXXXX")"
  printf '%s\n' "$value" >"$tmp"
  chmod 644 "$tmp"
  mv -f "$tmp" "$(state_file "$name")"
}

# .prev_good_tag <- the version that was live, .last_good_tag <- the new one.
record_state() {
  local new=$1 previous=$2
  # Each companion (TAG@DIGEST) first: a run cut short between the two leaves one naming another tag, ignored.
  if [[ -n "$previous" && "$previous" != "$new" ]]; then
    write_state_ref prev_good_ref "$previous"
    write_state_file prev_good_tag "$previous"
  fi
  write_state_ref last_good_ref "$new"
  write_state_file last_good_tag "$new"
  STATE_RECORDED=1
  audit record-state ok 0
}

# The live container and tag, as the proxy's configuration names them (empty before the first deploy).
read_live() {
  LIVE_CONTAINER=""
  LIVE_TAG=""
  local file
  file="$(proxy_dir)/upstream.conf"
  [[ -f "$file" ]] || return 0
  read -r _ _ LIVE_CONTAINER LIVE_TAG < <(grep -m1 '^# live: ' "$file") || true
  if [[ "$LIVE_CONTAINER" == none ]]; then
    LIVE_CONTAINER=""
    LIVE_TAG=""
  fi
}

# The tag the proxy serves now, "-" for nothing (the outcome lines name it); the run's LIVE_* are left alone.
serving_tag() {
  local LIVE_CONTAINER="" LIVE_TAG=""
  # A run that failed before its settings were read cannot know.
  [[ -n "${INVENTORY_STATE_DIR:-}" ]] && read_live
  printf '%s' "${LIVE_TAG:--}"
}

# The state files and the proxy must agree on what is live. With $1 = adopt (deploy and rollback, under the lock),
# what a crash between the switch and record_state leaves is adopted (adopt_live); anything else is refused.
read_state() {
  read_live
  read_state_tag last_good_tag LAST_GOOD
  read_state_tag prev_good_tag PREV_GOOD
  load_digests
  if [[ "${1:-}" == adopt && -n "$LIVE_TAG" && "$LIVE_TAG" != "$LAST_GOOD" ]] && can_adopt_live; then
    adopt_live
    return 0
  fi
  local file serves="the proxy serves $LIVE_TAG ($LIVE_CONTAINER)"
  file="$(state_file last_good_tag)"
  if [[ -n "$LIVE_TAG" && -z "$LAST_GOOD" ]]; then
    refuse "the state file $file is missing, but $serves: restore it with: echo $LIVE_TAG > $file"
  fi
  if [[ -n "$LIVE_TAG" && "$LIVE_TAG" != "$LAST_GOOD" ]]; then
    local fix="if $LIVE_TAG is right, run: echo $LIVE_TAG > $file"
    refuse "the state file $file says $LAST_GOOD, but $serves, so an earlier run was interrupted: $fix"
  fi
}

# A hard crash (power loss, kill -9) between the proxy switch and record_state leaves the proxy serving a version the
# state files do not name. It passed its gate and serves, so deploy and rollback adopt it, with an adopt line in
# deploy.log, rather than refusing until someone edits a state file. Only that shape is adopted: the container the
# proxy names runs that tag and the public port answers healthy with it; and a missing .last_good_tag counts only
# when deploy.log's last switch to that tag was never recorded (a first deploy cut short), not when the file was
# lost or deleted afterwards.
can_adopt_live() {
  [[ -n "$LIVE_CONTAINER" ]] && container_running "$LIVE_CONTAINER" || return 1
  [[ "$(docker container inspect --format "{{index .Config.Labels \"$LABEL_TAG\"}}" "$LIVE_CONTAINER")" \
    == "$LIVE_TAG" ]] || return 1
  public_serves_healthy "$LIVE_TAG" || return 1
  [[ -n "$LAST_GOOD" ]] || switched_without_record "$LIVE_TAG"
}

public_serves_healthy() {
  local tag=$1 body
  [[ "$(public_curl --silent --output /dev/null --write-out '%{http_code}' --max-time 5 "$(public_url)/health" \
    || true)" == 200 ]] || return 1
  body="$(public_curl --silent --fail --max-time 5 "$(public_url)/version" || true)"
  [[ "$(json_string_field version "$body")" == "$tag" || "$(json_string_field commit "$body")" == "$tag" ]]
}

# Whether deploy.log's last switch to tag $1 has no record-state line after it.
switched_without_record() {
  local log
  log="$(audit_log)"
  [[ -f "$log" ]] || return 1
  awk -v tag="$1" '/ step=(switch|adopt) / && / result=ok / && index($0, " to=" tag " ") { pending = 1 }
    / step=record-state / && / result=ok / { pending = 0 }
    END { exit !pending }' "$log"
}

# Records what the proxy serves as live (the state files as the interrupted run would have left them) and stops the
# container it replaced, which the crash left running, once no proxy worker can still hand it a request.
adopt_live() {
  local previous=$LAST_GOOD name pid accepting draining=""
  warn "the proxy serves $LIVE_TAG ($LIVE_CONTAINER), healthy, but the state files name ${previous:-nothing}:" \
    "an earlier run stopped between its switch and its record; adopting $LIVE_TAG as live"
  adopt_record "$previous"
  LAST_GOOD=$LIVE_TAG
  if [[ -n "$previous" ]]; then PREV_GOOD=$previous; fi
  accepting=" $(proxy_workers accepting | tr '\n' ' ') "
  for pid in $(proxy_workers all); do
    [[ "$accepting" == *" $pid "* ]] || draining+="$pid "
  done
  PROXY_OLD_WORKERS=$draining
  while read -r name; do
    if [[ -n "$name" && "$name" != "$LIVE_CONTAINER" ]]; then stop_old "$name"; fi
  done < <(docker ps --filter "label=$LABEL_STACK=$INVENTORY_NAME" --filter "label=$LABEL_ROLE=app" \
    --filter "label=$LABEL_TAG=${previous:-none}" --format '{{.Names}}')
  return 0
}

# deploy.log's lines for the adoption name what it was adopted from and to, whatever this run then deploys.
adopt_record() {
  local FROM_TAG=$1 TO_TAG=$LIVE_TAG
  audit adopt ok 0
  record_state "$LIVE_TAG" "$1"
  # This run's own switch, if any, must still be recorded by finish should it be interrupted.
  STATE_RECORDED=""
}
