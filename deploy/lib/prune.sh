# shellcheck shell=bash
# Prune: what a release leaves behind goes, except what a rollback needs.

# Keeps the releases named in the state files, then the most recently live ones, up to INVENTORY_KEEP tags;
# removes every other stopped app container of this stack and every other image tag of INVENTORY_IMAGE that no
# container on the host was made from.
# Kamal once pruned its own rollback target (kamal#403); here a state file's tag is never a candidate for removal.
prune() {
  local -A keep=() seen=()
  local tag name started=$SECONDS
  [[ -n "$LAST_GOOD" ]] && keep[$LAST_GOOD]=1
  [[ -n "$PREV_GOOD" ]] && keep[$PREV_GOOD]=1
  tag="$(rollback_target)"
  [[ -n "$tag" ]] && keep[$tag]=1
  while read -r _ tag; do
    ((${#keep[@]} >= INVENTORY_KEEP)) && break
    [[ -n "$tag" ]] && keep[$tag]=1
  done < <(live_history)
  while read -r name tag; do
    [[ -z "$name" || "$name" == "$LIVE_CONTAINER" ]] && continue
    if [[ -n "${keep[$tag]:-}" && -z "${seen[$tag]:-}" ]]; then
      seen[$tag]=1
      continue
    fi
    if docker rm "$name" >/dev/null 2>&1; then say "pruned the container $name ($tag)"; fi
  done < <(docker ps --all --filter "label=$LABEL_STACK=$INVENTORY_NAME" --filter "label=$LABEL_ROLE=app" \
    --filter status=exited --filter status=created --filter status=dead \
    --format "{{.Names}} {{.Label \"$LABEL_TAG\"}}")
  # Another stack on this host may keep a release of the same image for its own rollback.
  local -A in_use=()
  while read -r tag; do
    [[ -n "$tag" ]] && in_use[$tag]=1
  done < <(docker ps --all --filter "label=$LABEL_ROLE=app" --format "{{.Label \"$LABEL_TAG\"}}")
  while read -r tag; do
    [[ -z "$tag" || "$tag" == "<none>" || -n "${keep[$tag]:-}" || -n "${in_use[$tag]:-}" ]] && continue
    if docker image rm "$INVENTORY_IMAGE:$tag" >/dev/null 2>&1; then say "pruned the image $INVENTORY_IMAGE:$tag"; fi
  done < <(docker image ls "$INVENTORY_IMAGE" --format '{{.Tag}}')
  audit prune ok $((SECONDS - started))
}
