# shellcheck shell=bash
# bootstrap.sh's tls step: the ACME client lego and the timer that runs renew-cert.sh (INVENTORY_TLS=acme). Uses
# bootstrap.sh's run, write_file and user_home.

step_tls() {
  if [[ "$INVENTORY_TLS" != acme ]]; then
    say "tls: INVENTORY_TLS=$INVENTORY_TLS: no ACME client or renewal timer needed"
    [[ "$INVENTORY_TLS" == off ]] && warn "tls: plain HTTP only: put a load balancer that terminates TLS in front" \
      "(see \"HTTPS\" in deploy/README.md), or run again with --domain NAME --email ADDRESS"
    return 0
  fi
  if command -v lego >/dev/null; then
    say "tls: lego is installed"
  else
    say "tls: installing the ACME client lego (apt)"
    run apt-get update -qq
    run apt-get install -y -qq lego
  fi
  local unit="$INVENTORY_NAME-renew-cert" script
  script="$(user_home)/inventory-deploy/renew-cert.sh"
  if [[ -d /run/systemd/system || -n "$DRY_RUN" ]]; then
    renewal_service "$script" | write_file "/etc/systemd/system/$unit.service" 644 root:root
    renewal_timer | write_file "/etc/systemd/system/$unit.timer" 644 root:root
    run systemctl daemon-reload
    run systemctl enable --now "$unit.timer"
    say "tls: the timer $unit.timer runs $script twice a day (systemctl list-timers $unit.timer)"
  elif [[ -d /etc/cron.d ]]; then
    printf '# Renews the HTTPS certificate of %s twice a day (bootstrap.sh).\n%s %s %s env %s %s 2>&1 | %s\n' \
      "$INVENTORY_NAME" "$((RANDOM % 60))" '3,15 * * *' "$DEPLOY_USER" "INVENTORY_DEPLOY_ENV=$CONFIG_DIR/deploy.env" \
      "$script" "logger -t $unit" | write_file "/etc/cron.d/$unit" 644 root:root
    say "tls: /etc/cron.d/$unit runs $script twice a day (no systemd here)"
  else
    warn "tls: neither systemd nor cron here: run $script as $DEPLOY_USER twice a day yourself"
  fi
}

renewal_service() {
  cat <<UNIT
[Unit]
Description=Renew the HTTPS certificate of $INVENTORY_NAME
After=docker.service

[Service]
Type=oneshot
User=$DEPLOY_USER
Environment=INVENTORY_DEPLOY_ENV=$CONFIG_DIR/deploy.env
ExecStart=$script
UNIT
}

# Twice a day, as Let's Encrypt suggests, at a random moment of the hour so hosts do not all ask at once.
renewal_timer() {
  cat <<UNIT
[Unit]
Description=Renew the HTTPS certificate of $INVENTORY_NAME

[Timer]
OnCalendar=*-*-* 03,15:00:00
RandomizedDelaySec=1h
Persistent=true

[Install]
WantedBy=timers.target
UNIT
}
