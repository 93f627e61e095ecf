# shellcheck shell=bash
# bootstrap.sh's backup parts: the backup directory (made by the config step, so every deploy can back up before
# its migrations) and the daily schedule of backup.sh (the backup step): a systemd timer when systemd runs the
# host, else an /etc/cron.d entry. Uses bootstrap.sh's run, write_file and user_home.

make_backup_dir() {
  run install -d -m 700 -o "$DEPLOY_USER" -g "$DEPLOY_USER" "$INVENTORY_BACKUP_DIR"
}

# The schedule's name: one per stack, so two stacks on a host back up separately (cron ignores names with dots).
backup_unit_name() { printf '%s-backup' "${INVENTORY_NAME//./_}"; }

backup_command() {
  printf 'INVENTORY_DEPLOY_ENV=%s %s/inventory-deploy/backup.sh scheduled' "$CONFIG_DIR/deploy.env" "$(user_home)"
}

install_backup_timer() {
  local unit dir=/etc/systemd/system calendar=daily
  unit="$(backup_unit_name)"
  [[ -n "$INVENTORY_BACKUP_TIME" ]] && calendar="*-*-* $INVENTORY_BACKUP_TIME:00"
  write_file "$dir/$unit.service" 644 root:root <<EOF
# Written by bootstrap.sh: one backup of the inventory stack $INVENTORY_NAME (see "Backups and restore" in
# ~$DEPLOY_USER/inventory-deploy/README.md).
[Unit]
Description=Back up the inventory database ($INVENTORY_NAME)
After=docker.service

[Service]
Type=oneshot
User=$DEPLOY_USER
Environment=INVENTORY_DEPLOY_ENV=$CONFIG_DIR/deploy.env
ExecStart=$(user_home)/inventory-deploy/backup.sh scheduled
EOF
  write_file "$dir/$unit.timer" 644 root:root <<EOF
# Written by bootstrap.sh from INVENTORY_BACKUP_TIME: change it in deploy.env, then run bootstrap.sh --steps backup.
[Unit]
Description=Daily backup of the inventory database ($INVENTORY_NAME)

[Timer]
OnCalendar=$calendar
Persistent=true

[Install]
WantedBy=timers.target
EOF
  run systemctl daemon-reload
  run systemctl enable --now "$unit.timer"
  say "backup: the systemd timer $unit.timer runs backup.sh daily ($calendar); systemctl list-timers $unit.timer"
}

install_backup_cron() {
  local file when="@daily"
  file="/etc/cron.d/$(backup_unit_name)"
  [[ -n "$INVENTORY_BACKUP_TIME" ]] \
    && when="$((10#${INVENTORY_BACKUP_TIME#*:})) $((10#${INVENTORY_BACKUP_TIME%:*})) * * *"
  run install -d -m 755 /etc/cron.d
  write_file "$file" 644 root:root <<EOF
# Written by bootstrap.sh: the daily backup of the inventory stack $INVENTORY_NAME, at INVENTORY_BACKUP_TIME (change
# it in deploy.env, then run bootstrap.sh --steps backup). Its output goes to syslog, tagged $(backup_unit_name).
SHELL=/bin/bash
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
$when $DEPLOY_USER $(backup_command) 2>&1 | logger -t $(backup_unit_name)
EOF
  say "backup: $file runs backup.sh daily ($when)"
  command -v cron >/dev/null || command -v crond >/dev/null || [[ -n "$DRY_RUN" ]] \
    || warn "no cron daemon is installed, so $file will not run: install cron (apt-get install cron)"
}

step_backup() {
  make_backup_dir
  if [[ -d /run/systemd/system ]]; then
    install_backup_timer
  else
    install_backup_cron
  fi
}
