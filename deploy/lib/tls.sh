# shellcheck shell=bash
# HTTPS on the proxy: INVENTORY_TLS=acme (a certificate from an ACME CA through lego, HTTP-01 on the webroot nginx
# serves), files (the operator's certificate and key) or off (plain HTTP behind a load balancer that terminates TLS).
# The proxy reads the certificate from proxy_dir/tls; a new one is installed only after nginx -t accepts it.
# Why: see "Decision: HTTPS on the host, lego beside nginx" in deploy/README.md.

# Where the proxy container listens for HTTPS (published on INVENTORY_HTTPS_PORT).
readonly PROXY_HTTPS_PORT=8443

tls_enabled() { [[ "$INVENTORY_TLS" != off ]]; }

# lego's account, certificates and archive (mode 700, the deploy user's).
acme_dir() { printf '%s/acme' "$INVENTORY_STATE_DIR"; }

validate_tls_config() {
  case "$INVENTORY_TLS" in
    off) return 0 ;;
    acme | files) ;;
    *) die "INVENTORY_TLS='$INVENTORY_TLS' must be acme, files or off (see deploy/README.md, \"HTTPS\")" ;;
  esac
  [[ "$INVENTORY_HTTPS_PORT" =~ ^[0-9]{1,5}$ && "$INVENTORY_HTTPS_PORT" -ge 1 && "$INVENTORY_HTTPS_PORT" -le 65535 \
    && "$INVENTORY_HTTPS_PORT" != "$INVENTORY_HTTP_PORT" ]] \
    || die "INVENTORY_HTTPS_PORT='$INVENTORY_HTTPS_PORT' must be a port number (1-65535) other than INVENTORY_HTTP_PORT"
  [[ "$INVENTORY_DOMAIN" =~ ^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$ ]] \
    || die "INVENTORY_TLS=$INVENTORY_TLS needs INVENTORY_DOMAIN, the host's public DNS name (bootstrap.sh --domain)"
  if [[ "$INVENTORY_TLS" == files ]]; then
    local key
    for key in INVENTORY_TLS_CERT INVENTORY_TLS_KEY; do
      [[ "${!key}" == /* ]] || die "INVENTORY_TLS=files needs $key, the absolute path of a PEM file on this host"
    done
    return 0
  fi
  [[ "$INVENTORY_ACME_EMAIL" == *@* ]] \
    || die "INVENTORY_TLS=acme needs INVENTORY_ACME_EMAIL, the CA's contact for expiry notices (bootstrap.sh --email)"
  [[ "$INVENTORY_ACME_CA" == https://* ]] \
    || die "INVENTORY_ACME_CA='$INVENTORY_ACME_CA' must be the https:// URL of an ACME directory"
  [[ -z "$INVENTORY_ACME_CA_ROOT" || -r "$INVENTORY_ACME_CA_ROOT" ]] \
    || die "INVENTORY_ACME_CA_ROOT=$INVENTORY_ACME_CA_ROOT is not a readable file: give the CA's root certificate"
}

# sed expressions that keep the template's "#tls " lines (HTTPS) or its "#plain " lines (plain HTTP), and fill in
# the HTTPS settings. Printed one per line, for mapfile.
tls_template_expressions() {
  local suffix="" trusted=() cidr
  [[ "$INVENTORY_HTTPS_PORT" == 443 ]] || suffix=":$INVENTORY_HTTPS_PORT"
  if tls_enabled; then
    printf '%s\n' -e '/^[[:space:]]*#plain /d' -e 's/^\([[:space:]]*\)#tls /\1/'
  else
    printf '%s\n' -e '/^[[:space:]]*#tls /d' -e 's/^\([[:space:]]*\)#plain /\1/'
  fi
  for cidr in ${INVENTORY_TRUSTED_PROXIES//,/ }; do
    [[ "$cidr" =~ ^[0-9A-Fa-f.:]+(/[0-9]{1,3})?$ ]] \
      || die "INVENTORY_TRUSTED_PROXIES: '$cidr' is not an address or CIDR (e.g. 10.0.0.0/16)"
    trusted+=("set_real_ip_from $cidr;")
  done
  if [[ ${#trusted[@]} -eq 0 ]]; then
    printf '%s\n' -e '/@TRUSTED_PROXIES@/d'
  else
    printf '%s\n' -e "s|@TRUSTED_PROXIES@|${trusted[*]}|"
  fi
  printf '%s\n' -e "s|@DOMAIN@|$INVENTORY_DOMAIN|g" -e "s|@HTTPS_PORT_SUFFIX@|$suffix|g" \
    -e "s|@PROXY_HTTPS_PORT@|$PROXY_HTTPS_PORT|g"
}

# Before the proxy first starts with HTTPS it needs some certificate: the operator's (files), or, until the CA has
# issued one (acme), a self-signed placeholder for a day — nginx cannot start a TLS server without one.
prepare_tls_files() {
  local dir=$1
  tls_enabled || return 0
  (umask 022 && mkdir -p "$dir/acme")
  (umask 027 && mkdir -p "$dir/tls")
  chmod 750 "$dir/tls"
  [[ -f "$dir/tls/cert.pem" && -f "$dir/tls/key.pem" ]] && return 0
  if [[ "$INVENTORY_TLS" == files ]]; then
    copy_certificate "$INVENTORY_TLS_CERT" "$INVENTORY_TLS_KEY" "$dir/tls" ""
    return 0
  fi
  local output
  output="$(openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj "/CN=$INVENTORY_DOMAIN (placeholder until the CA issues)" -keyout "$dir/tls/key.pem.new" \
    -out "$dir/tls/cert.pem.new" 2>&1)" || die "cannot make a placeholder certificate with openssl: $output"
  chmod 640 "$dir/tls/key.pem.new"
  chmod 644 "$dir/tls/cert.pem.new"
  mv -f "$dir/tls/key.pem.new" "$dir/tls/key.pem"
  mv -f "$dir/tls/cert.pem.new" "$dir/tls/cert.pem"
  say "made a placeholder certificate for $INVENTORY_DOMAIN until the CA issues one"
}

# Copies certificate $1 and key $2 into the folder $3 (by rename; the key readable by the deploy user's group, which
# the proxy runs with); $4 non-empty keeps the replaced pair as *.old. Checks what a host can check before nginx.
copy_certificate() {
  local cert=$1 key=$2 tls=$3 keep_old=$4 file
  for file in "$cert" "$key"; do
    [[ -r "$file" ]] || die "cannot read $file: give the deploy user $(id -un) read access to it"
  done
  openssl x509 -in "$cert" -noout -checkend 0 >/dev/null 2>&1 \
    || die "$cert is not a PEM certificate, or it has expired: put a valid certificate there and run renew-cert.sh"
  install -m 644 "$cert" "$tls/cert.pem.new"
  install -m 640 "$key" "$tls/key.pem.new"
  if [[ -n "$keep_old" ]]; then
    cp -p "$tls/cert.pem" "$tls/cert.pem.old"
    cp -p "$tls/key.pem" "$tls/key.pem.old"
  fi
  mv -f "$tls/key.pem.new" "$tls/key.pem"
  mv -f "$tls/cert.pem.new" "$tls/cert.pem"
}

# Installs certificate $1 and key $2 into the running proxy: nginx -t must accept them (key matches, readable), else
# the old pair goes back and the run fails; then a graceful reload. Returns 1 when they were installed already.
install_certificate() {
  local cert=$1 key=$2 tls
  tls="$(proxy_dir)/tls"
  if cmp -s "$cert" "$tls/cert.pem" && cmp -s "$key" "$tls/key.pem"; then
    return 1
  fi
  copy_certificate "$cert" "$key" "$tls" keep-old
  local output
  if ! output="$(proxy_nginx -t -q 2>&1)"; then
    mv -f "$tls/key.pem.old" "$tls/key.pem"
    mv -f "$tls/cert.pem.old" "$tls/cert.pem"
    printf '%s\n' "$output" >&2
    audit certificate failed 0 "nginx -t refused $cert"
    die "nginx -t refused the certificate $cert with key $key (see above): the proxy keeps serving the old one"
  fi
  rm -f "$tls/key.pem.old" "$tls/cert.pem.old"
  # nginx -s reload returns before the new workers take over: done once the old ones no longer accept connections,
  # so every handshake from now on gets the new certificate (as the switch waits, lib/switch.sh).
  local old_workers
  old_workers="$(proxy_workers accepting | tr '\n' ' ')"
  reload_proxy || die "the proxy did not reload with the new certificate: docker logs $(proxy_name)"
  wait_for_workers_gone "$old_workers" accepting 15 \
    || die "the proxy's old workers still take connections 15 s after the reload: docker logs $(proxy_name)"
  audit certificate ok 0
  say "the proxy serves the certificate $(certificate_summary "$tls/cert.pem")"
}

certificate_summary() {
  openssl x509 -in "$1" -noout -serial -enddate 2>/dev/null | tr '\n' ' ' | sed 's/ $//; s/notAfter=/expires /'
}

# lego with this stack's settings; $@ = its command (run or renew …). The CA root, when given, is the one lego
# trusts for the ACME directory's own HTTPS.
lego_run() {
  command -v lego >/dev/null \
    || die "INVENTORY_TLS=acme needs the ACME client lego: run bootstrap.sh (its tls step installs it)"
  local ca_root=()
  [[ -n "$INVENTORY_ACME_CA_ROOT" ]] && ca_root=(LEGO_CA_CERTIFICATES="$INVENTORY_ACME_CA_ROOT")
  (umask 077 && mkdir -p "$(acme_dir)")
  env "${ca_root[@]}" lego --server "$INVENTORY_ACME_CA" --email "$INVENTORY_ACME_EMAIL" \
    --domains "$INVENTORY_DOMAIN" --key-type ec256 --path "$(acme_dir)" \
    --http --http.webroot "$(proxy_dir)/acme" "$@"
}

lego_certificate() { printf '%s/certificates/%s.crt' "$(acme_dir)" "$INVENTORY_DOMAIN"; }

# The certificate the proxy should serve now: the operator's (files) or lego's, obtained when there is none yet
# (acme). $1 = "required" fails the run when the CA cannot issue; otherwise (a deploy) that is a warning, since the
# proxy keeps what it has and the renewal timer tries again.
ensure_certificate() {
  local need=$1
  case "$INVENTORY_TLS" in
    off) return 0 ;;
    files) install_certificate "$INVENTORY_TLS_CERT" "$INVENTORY_TLS_KEY" || true; return 0 ;;
  esac
  if [[ ! -f "$(lego_certificate)" ]]; then
    say "asking $INVENTORY_ACME_CA for a certificate for $INVENTORY_DOMAIN (HTTP-01 on port $INVENTORY_HTTP_PORT)"
    local output
    if ! output="$(lego_run --accept-tos run 2>&1)"; then
      printf '%s\n' "$output" | tail -n 5 >&2
      audit certificate failed 0 "the CA did not issue for $INVENTORY_DOMAIN"
      local fix="check that $INVENTORY_DOMAIN resolves to this host and port 80 is open, then run renew-cert.sh"
      [[ "$need" == required ]] || { warn "no certificate yet (see above): $fix"; return 0; }
      die "the CA did not issue a certificate for $INVENTORY_DOMAIN (see above): $fix"
    fi
  fi
  install_certificate "$(lego_certificate)" "$(acme_dir)/certificates/$INVENTORY_DOMAIN.key" || true
}
