# shellcheck shell=bash
# The reverse proxy (an nginx container) owns the public port: created once, then only reloaded. Its configuration
# is nginx.conf.template, rendered here, plus upstream.conf, which names the live app container.
# Why: see "Decision: nginx as the proxy" in deploy/README.md.

# How long old nginx workers may finish their requests after a reload (the template's worker_shutdown_timeout).
readonly PROXY_DRAIN_SECONDS=30
# Where the proxy container sees proxy_dir (mounted read-only).
readonly PROXY_CONF_DIR=/etc/inventory-proxy

proxy_name() { printf '%s-proxy' "$INVENTORY_NAME"; }
proxy_dir() { printf '%s/proxy' "$INVENTORY_STATE_DIR"; }

public_url() {
  local host=$INVENTORY_HTTP_BIND scheme=http port=$INVENTORY_HTTP_PORT
  if tls_enabled; then scheme=https port=$INVENTORY_HTTPS_PORT; fi
  case "$host" in
    "" | 0.0.0.0) host=127.0.0.1 ;;
    :: | "[::]") host="[::1]" ;;
    *:*) host="[$host]" ;;
  esac
  printf '%s://%s:%s' "$scheme" "$host" "$port"
}

# curl to public_url: over loopback the certificate cannot name the address, so its name is not checked here (nginx -t
# checks the certificate before it is installed; check it from outside with curl -v https://DOMAIN/health).
public_curl() {
  if tls_enabled; then curl --insecure "$@"; else curl "$@"; fi
}

# Returns 1 when the file was already up to date (then nothing needs a reload).
write_nginx_conf() {
  local dir=$1 template="$DEPLOY_DIR/nginx.conf.template" tls_expressions
  mapfile -t tls_expressions < <(tls_template_expressions)
  # sed, not envsubst: sed is on every host (essential); envsubst may not be, and would eat nginx's $variables.
  sed -e '/^##/d' -e "s|@PROXY_DRAIN_SECONDS@|$PROXY_DRAIN_SECONDS|g" -e "s|@PROXY_CONF_DIR@|$PROXY_CONF_DIR|g" \
    "${tls_expressions[@]}" "$template" >"$dir/nginx.conf.tmp" \
    || die "cannot render $template into $dir: copy the whole deploy folder"
  if cmp -s "$dir/nginx.conf.tmp" "$dir/nginx.conf"; then
    rm -f "$dir/nginx.conf.tmp"
    return 1
  fi
  chmod 644 "$dir/nginx.conf.tmp"
  mv -f "$dir/nginx.conf.tmp" "$dir/nginx.conf"
}

# $1 = the proxy's folder, $2 = container or "none", $3 = tag. The file sets the variable nginx.conf proxies to; nginx
# looks the name up through Docker's DNS (see the template's resolver).
write_upstream_conf() {
  local dir=$1 container=$2 tag=$3 address
  if [[ "$container" == none ]]; then
    # Nothing deployed yet: a port that refuses, so the proxy answers 502.
    address="127.0.0.1:9"
  else
    address="$container:$APP_PORT"
  fi
  # shellcheck disable=SC2016 # $inventory_app is nginx's variable
  printf '# live: %s %s\nset $inventory_app %s;\n' "$container" "$tag" "$address" >"$dir/upstream.conf.tmp"
  chmod 644 "$dir/upstream.conf.tmp"
  mv -f "$dir/upstream.conf.tmp" "$dir/upstream.conf"
}

# Before the proxy looked the app up by name per request, upstream.conf held an nginx upstream block, which the
# current nginx.conf cannot include: rewritten in the current form, naming the same live container.
upgrade_upstream_conf() {
  local dir=$1 container="" tag=""
  grep -qF "set \$inventory_app " "$dir/upstream.conf" && return 0
  read -r _ _ container tag < <(grep -m1 '^# live: ' "$dir/upstream.conf") || true
  write_upstream_conf "$dir" "${container:-none}" "${tag:--}"
  say "rewrote $dir/upstream.conf in its current form (live: ${container:-none})"
}

proxy_nginx() { docker exec "$(proxy_name)" nginx -e stderr -c "$PROXY_CONF_DIR/nginx.conf" "$@"; }

# nginx -s reload reports "signal process started" even when all is well: its output is shown only on failure.
reload_proxy() {
  local output
  if ! output="$(proxy_nginx -s reload 2>&1)"; then
    printf '%s\n' "$output" >&2
    return 1
  fi
}

ensure_proxy() {
  local proxy dir need=""
  # deploy.sh --prepare (bootstrap) fails without a first certificate; a deploy warns and goes on with the old one.
  [[ "$ACTION" == prepare ]] && need=required
  proxy="$(proxy_name)"
  dir="$(proxy_dir)"
  (umask 022 && mkdir -p "$dir")
  chmod 755 "$dir"
  local changed=""
  write_nginx_conf "$dir" && changed=1
  if [[ -f "$dir/upstream.conf" ]]; then upgrade_upstream_conf "$dir"; else write_upstream_conf "$dir" none -; fi
  prepare_tls_files "$dir"
  if ! container_running "$proxy"; then
    start_proxy "$proxy" "$dir"
    ensure_certificate "$need"
    return 0
  fi
  if ! docker port "$proxy" 8080/tcp 2>/dev/null | grep -q ":$INVENTORY_HTTP_PORT\$"; then
    local publishes fix="to move it, run docker rm -f $proxy and deploy again (a short outage)"
    publishes="$(docker port "$proxy" 8080/tcp | head -n1 || true)"
    die "the proxy $proxy publishes $publishes, not INVENTORY_HTTP_PORT=$INVENTORY_HTTP_PORT: $fix"
  fi
  if tls_enabled \
    && ! docker port "$proxy" "$PROXY_HTTPS_PORT/tcp" 2>/dev/null | grep -q ":$INVENTORY_HTTPS_PORT\$"; then
    local fix="to publish it, run docker rm -f $proxy and deploy again (a short outage)"
    die "the proxy $proxy does not publish INVENTORY_HTTPS_PORT=$INVENTORY_HTTPS_PORT (HTTPS was off): $fix"
  fi
  # A reload closes idle keep-alive connections: only when these scripts changed the configuration.
  if [[ -n "$changed" ]]; then
    proxy_nginx -t -q \
      || die "the proxy's new configuration in $dir does not pass nginx -t (see above): fix write_nginx_conf"
    reload_proxy
    say "reloaded the proxy $proxy with its new nginx.conf"
  fi
  ensure_certificate "$need"
}

# Runs the proxy $1 on the configuration in $2 and waits until the public port answers.
start_proxy() {
  local proxy=$1 dir=$2 output
  if ! docker image inspect "$INVENTORY_PROXY_IMAGE" >/dev/null 2>&1; then
    say "pulling the proxy image $INVENTORY_PROXY_IMAGE"
    output="$(docker pull --quiet "$INVENTORY_PROXY_IMAGE" 2>&1)" \
      || die "cannot pull the proxy image $INVENTORY_PROXY_IMAGE: $(docker_error "$output")"
  fi
  container_exists "$proxy" && docker rm --force "$proxy" >/dev/null
  # With HTTPS: the HTTPS port too, and the deploy user's group, which alone may read the private key.
  local tls_options=() ports="$INVENTORY_HTTP_BIND:$INVENTORY_HTTP_PORT"
  if tls_enabled; then
    tls_options=(--publish "$INVENTORY_HTTP_BIND:$INVENTORY_HTTPS_PORT:$PROXY_HTTPS_PORT" --group-add "$(id -g)")
    ports+=" or $INVENTORY_HTTPS_PORT"
  fi
  # tcp_tw_reuse: nginx opens a connection to the app per request (no upstream keep-alive, see the template), so its
  # closed connections may reuse local ports still in TIME_WAIT instead of running out of them under load.
  if ! output="$(docker run --detach --name "$proxy" --network "$(network_name)" \
    --publish "$INVENTORY_HTTP_BIND:$INVENTORY_HTTP_PORT:8080" "${tls_options[@]}" --restart unless-stopped \
    --sysctl net.ipv4.tcp_tw_reuse=1 --user 65534:65534 --read-only --tmpfs /tmp --cap-drop ALL \
    --security-opt no-new-privileges --memory 128m \
    --log-opt max-size=10m --log-opt max-file=3 --label "$LABEL_STACK=$INVENTORY_NAME" --label "$LABEL_ROLE=proxy" \
    --volume "$dir:$PROXY_CONF_DIR:ro" \
    "$INVENTORY_PROXY_IMAGE" nginx -e stderr -c "$PROXY_CONF_DIR/nginx.conf" -g 'daemon off;' 2>&1)"; then
    # A failed bind leaves a Created container holding the name.
    docker rm --force "$proxy" >/dev/null 2>&1 || true
    if grep -qiE 'address already in use|port is already allocated' <<<"$output"; then
      refuse "port $ports is in use by another program or container:" \
        "free it, or set INVENTORY_HTTP_PORT${tls_options[1]:+ or INVENTORY_HTTPS_PORT}"
    fi
    die "cannot start the proxy $proxy: $(docker_error "$output")"
  fi
  local deadline=$((SECONDS + 15))
  until public_curl --silent --output /dev/null --max-time 1 "$(public_url)/"; do
    if ((SECONDS >= deadline)) || ! container_running "$proxy"; then
      docker logs --tail 20 "$proxy" 2>&1 | sed 's/^/  | /' >&2
      die "the proxy $proxy did not answer on $(public_url) within 15 s (its log is above)"
    fi
    sleep 0.2
  done
  say "started the proxy $proxy on $ports"
}

# The proxy's worker processes as the host sees them (the image needs no ps): "accepting" ones take new
# connections; after a reload the old ones are "nginx: worker process is shutting down" until their requests end.
proxy_workers() {
  local which=$1
  docker top "$(proxy_name)" -o pid,args | awk -v which="$which" '
    $2 == "nginx:" && $3 == "worker" && $4 == "process" && (which == "all" || NF == 4) { print $1 }'
}

# Waits until none of the worker pids in $1 is listed as $2 ("accepting" or "all"); fails after $3 seconds.
wait_for_workers_gone() {
  local old=$1 which=$2 deadline=$((SECONDS + $3)) pid current
  while true; do
    current=" $(proxy_workers "$which" | tr '\n' ' ') "
    local left=""
    for pid in $old; do
      [[ "$current" == *" $pid "* ]] && left=1
    done
    [[ -z "$left" ]] && return 0
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}
