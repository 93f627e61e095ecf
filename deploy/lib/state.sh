# shellcheck shell=bash
# The state of a stack: .last_good_tag (live) and .prev_good_tag (the rollback target) in INVENTORY_STATE_DIR, what
# the proxy serves, and the history of what was live (from deploy.log). Each file is replaced atomically.

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
  [[ -n "$previous" && "$previous" != "$new" ]] && write_state_file prev_good_tag "$previous"
  write_state_file last_good_tag "$new"
  # shellcheck disable=SC2034 # read by finish (lib/run.sh)
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

# The state files and the proxy must agree on what is live; a disagreement is reported, never guessed at.
read_state() {
  read_live
  read_state_tag last_good_tag LAST_GOOD
  read_state_tag prev_good_tag PREV_GOOD
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

# Names, tags and times each version went live, newest first, from the audit log's switch lines.
live_history() {
  local log
  log="$(audit_log)"
  [[ -f "$log" ]] || return 0
  sed -nE 's/^([^ ]+) .* step=switch from=[^ ]+ to=([^ ]+) result=ok .*/\1 \2/p' "$log" | tac
}
