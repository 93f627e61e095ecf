# shellcheck shell=bash
# References by digest: TAG@sha256:<64 hex> names one immutable image, so a tag pushed again in the registry cannot
# change what a deploy or a rollback runs. The tag stays the release's name (labels, state files, history); the
# digest is what is pulled, run and checked. Why: see "Decision: deploy by digest" in deploy/README.md.

readonly DIGEST_PATTERN='^sha256:[0-9a-f]{64}$'
# The digest of each release this run knows (tag -> sha256:…): the request's, the state files', deploy.log's.
declare -gA DIGESTS=()
# The digest given with the TAG on the command line (empty: a plain TAG).
TO_DIGEST=""

# Splits the command line's reference into TO_TAG and TO_DIGEST, or prints the script's usage and exits 2 saying
# what to give instead.
parse_ref() {
  local ref=$1 tag=${1%%@*} digest=""
  [[ "$ref" == *@* ]] && digest=${ref#*@}
  if [[ ! "$tag" =~ $TAG_PATTERN || ("$ref" == *@* && ! "$digest" =~ $DIGEST_PATTERN) ]]; then
    usage >&2
    validate_tag "$tag"
    local what="give TAG@DIGEST as build-and-push outputs it (or a plain TAG, not pinned)"
    die "'$ref' is not TAG@sha256:<64 lower-case hex digits>: $what" 2
  fi
  TO_TAG=$tag
  TO_DIGEST=$digest
}

digest_of() {
  [[ -n "$1" ]] && printf '%s' "${DIGESTS[$1]:-}"
  return 0
}

# The image a release runs from: by digest when it is known, else by tag.
image_ref() {
  local digest
  digest="$(digest_of "$1")"
  if [[ -n "$digest" ]]; then
    printf '%s@%s' "$INVENTORY_IMAGE" "$digest"
  else
    printf '%s:%s' "$INVENTORY_IMAGE" "$1"
  fi
}

# "TAG DIGEST" for every release deploy.log recorded as live with its digest, oldest first (the last one counts).
recorded_digests() {
  local log
  log="$(audit_log)"
  [[ -f "$log" ]] || return 0
  awk '/ step=record-state / && / result=ok / {
      tag = ""; digest = ""
      for (i = 1; i <= NF; i++) {
        if (index($i, "to=") == 1) tag = substr($i, 4)
        if (index($i, "digest=sha256:") == 1) digest = substr($i, 8)
      }
      if (tag != "" && tag != "-" && digest != "") print tag, digest
    }' "$log"
}

# The state files' companions (.last_good_ref, .prev_good_ref: TAG@DIGEST) name the digest of their tag; a host whose
# state files predate them, or a companion naming another tag, falls back to deploy.log.
load_digests() {
  local tag digest
  while read -r tag digest; do
    [[ "$digest" =~ $DIGEST_PATTERN ]] && DIGESTS[$tag]=$digest
  done < <(recorded_digests)
  read_state_ref prev_good_ref "$PREV_GOOD"
  read_state_ref last_good_ref "$LAST_GOOD"
}

read_state_ref() {
  local file content
  file="$(state_file "$1")"
  [[ -n "$2" && -f "$file" && -r "$file" ]] || return 0
  content="$(<"$file")"
  if [[ "${content%%@*}" == "$2" && "${content#*@}" =~ $DIGEST_PATTERN ]]; then
    DIGESTS[$2]=${content#*@}
  elif [[ "${content%%@*}" != "$2" ]]; then
    return 0
  else
    warn "the state file $file holds '$(head -c 100 "$file" | tr -c '[:print:]' '?')', not $2@sha256:…: ignored"
  fi
}

# Writes the companion of a state file for TAG, or removes it when TAG's digest is unknown.
write_state_ref() {
  local digest
  digest="$(digest_of "$2")"
  if [[ -n "$digest" ]]; then
    write_state_file "$1" "$2@$digest"
  else
    rm -f "$(state_file "$1")"
  fi
}

# What this run puts live: the digest given, the one recorded for the tag (a rollback by tag), or, as a last resort,
# the tag — said plainly, since then the registry decides what runs.
choose_digest() {
  if [[ -n "$TO_DIGEST" ]]; then
    local recorded
    recorded="$(digest_of "$TO_TAG")"
    [[ -z "$recorded" || "$recorded" == "$TO_DIGEST" || "$ACTION" != rollback ]] \
      || warn "$TO_TAG was recorded with $recorded; going to $TO_DIGEST, as asked"
    DIGESTS[$TO_TAG]=$TO_DIGEST
    say "$TO_TAG by digest: $TO_DIGEST"
  elif [[ "$ACTION" == rollback && -n "$(digest_of "$TO_TAG")" ]]; then
    say "$TO_TAG by the digest recorded when it was live: $(digest_of "$TO_TAG")"
  else
    unset "DIGESTS[$TO_TAG]"
    warn "$TO_TAG by tag, not pinned: the registry's current image for the tag runs (give TAG@sha256:… to pin it)"
  fi
}

# After a pull by tag: the digest the registry served, so the release is recorded and run pinned from now on.
learn_digest() {
  local tag=$1 digest
  [[ -z "$(digest_of "$tag")" ]] || return 0
  digest="$(docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$INVENTORY_IMAGE:$tag" \
    2>/dev/null | awk -v repo="$INVENTORY_IMAGE@" 'index($0, repo) == 1 { print substr($0, length(repo) + 1) }' \
    | head -n 1)" || true
  if [[ "$digest" =~ $DIGEST_PATTERN ]]; then
    DIGESTS[$tag]=$digest
    say "$INVENTORY_IMAGE:$tag is $digest: recorded and run by digest"
  fi
}

# Part of the health gate: the candidate's image is the digest asked for (its RepoDigests name it). Sets
# GATE_FAILURE and fails otherwise; a release without a known digest passes (it was logged as not pinned).
check_candidate_digest() {
  local container=$1 tag=$2 digest image repo_digests
  digest="$(digest_of "$tag")"
  [[ -n "$digest" ]] || return 0
  image="$(docker container inspect --format '{{.Image}}' "$container" 2>/dev/null)" || image=""
  repo_digests="$(docker image inspect --format '{{range .RepoDigests}}{{.}} {{end}}' "$image" 2>/dev/null)" \
    || repo_digests=""
  if [[ -n "$image" && " $repo_digests" == *"@$digest "* ]]; then
    say "health gate: the candidate's image is $digest"
    return 0
  fi
  GATE_FAILURE="the candidate's image ${image:-?} is not $digest (its digests: ${repo_digests:-none}):"
  GATE_FAILURE+=" not the image asked for"
  return 1
}

# Once the candidate passed its gate, the release's tag names its image on the host (--list, prune, a fast rollback).
tag_release() {
  local digest
  digest="$(digest_of "$1")"
  [[ -n "$digest" ]] || return 0
  docker tag "$INVENTORY_IMAGE@$digest" "$INVENTORY_IMAGE:$1" \
    || warn "could not tag $INVENTORY_IMAGE@$digest as $INVENTORY_IMAGE:$1: the release runs anyway"
}
