#!/usr/bin/env bash
# Renews the proxy's HTTPS certificate when it is due (INVENTORY_TLS=acme), or installs the operator's replaced
# certificate files (files). bootstrap.sh's timer runs it twice a day as the deploy user; an operator may run it too.
set -Eeuo pipefail

SCRIPT_NAME=renew-cert
ACTION=renew-cert
# shellcheck source-path=SCRIPTDIR source=lib/all.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/all.sh"

# Let's Encrypt's advice: renew a 90-day certificate when 30 days are left.
readonly RENEW_DAYS=30
# More days than any certificate lives: lego renews at once.
readonly FORCE_DAYS=100000

usage() {
  cat <<EOF
Usage: renew-cert.sh [--force]
       renew-cert.sh -h

Keeps the proxy's HTTPS certificate current, under the deploy lock:
  acme   asks INVENTORY_ACME_CA (lego, HTTP-01 on the webroot the proxy serves) for a new certificate for
         INVENTORY_DOMAIN when fewer than $RENEW_DAYS days are left (or now, with --force), or for the first one;
  files  installs INVENTORY_TLS_CERT and INVENTORY_TLS_KEY after you replaced them;
  off    nothing to do.
A new certificate goes live only after nginx -t in the proxy container accepts it, through a graceful reload (no
request fails); otherwise the proxy keeps serving the old one and the script exits 1 saying what to do. Each run
appends its outcome to \$INVENTORY_STATE_DIR/deploy.log.

  --force   renew now, whatever the certificate's age (mind the CA's rate limits: Let's Encrypt allows 5 a week)

Settings: as deploy.sh (deploy.sh -h). Exit status: 0 renewed or still valid, 1 failed (the old certificate
serves), 2 bad usage.
EOF
}

renew() {
  local days=$1
  require_state_dir
  require_docker
  acquire_lock
  container_running "$(proxy_name)" \
    || die "the proxy $(proxy_name) is not running: run deploy.sh --prepare (bootstrap.sh's proxy step) first"
  local cert
  cert="$(proxy_dir)/tls/cert.pem"
  case "$INVENTORY_TLS" in
    off)
      end_change unchanged "INVENTORY_TLS=off: the load balancer in front holds the certificate; nothing to renew"
      return 0 ;;
    files)
      if install_certificate "$INVENTORY_TLS_CERT" "$INVENTORY_TLS_KEY"; then
        end_change renewed "installed $INVENTORY_TLS_CERT"
      else
        end_change unchanged "the proxy already serves $INVENTORY_TLS_CERT ($(certificate_summary "$cert"))"
      fi
      return 0 ;;
  esac
  if [[ -f "$(lego_certificate)" ]]; then
    local output
    if ! output="$(lego_run renew --days "$days" --no-random-sleep 2>&1)"; then
      printf '%s\n' "$output" | tail -n 5 >&2
      audit certificate failed 0 "renewal for $INVENTORY_DOMAIN failed"
      local fix="check that $INVENTORY_DOMAIN resolves to this host, port 80 is open and the CA answers, then run again"
      die "the renewal failed (see above); the proxy keeps serving $(certificate_summary "$cert"): $fix"
    fi
  fi
  # The first certificate (none yet, or the placeholder), or the one lego has just renewed.
  local before
  before="$(certificate_summary "$cert")"
  ensure_certificate required
  if [[ "$(certificate_summary "$cert")" != "$before" ]]; then
    end_change renewed "renewed the certificate of $INVENTORY_DOMAIN"
  else
    end_change unchanged "the certificate of $INVENTORY_DOMAIN is still valid ($before): not due for renewal"
  fi
}

main() {
  local days=$RENEW_DAYS
  while [[ $# -gt 0 ]]; do
    case "$1" in
      -h | --help) usage; return 0 ;;
      --force) days=$FORCE_DAYS; shift ;;
      *) printf 'renew-cert: error: unknown argument %s\n' "$1" >&2; usage >&2; exit 2 ;;
    esac
  done
  begin_run ""
  renew "$days"
}

main "$@"
