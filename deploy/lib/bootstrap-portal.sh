# shellcheck shell=bash
# bootstrap.sh's portal admin: the first portal user, made by the app at its first start when no user exists
# (Portal__InitialAdmin__* in the app env file). The password is generated here and also kept in a root-only file
# for the operator, who signs in once and must then choose a new one. Uses bootstrap.sh's write_file and random_hex.
readonly PORTAL_ADMIN_USER=admin

# Appends the initial admin to the app env file unless it names one already (a host bootstrapped before the portal
# gets one too); never regenerates a password it wrote before.
ensure_portal_admin_in_env_file() {
  local owner=$1 password lines=()
  if grep -q '^Portal__InitialAdmin__UserName=' "$INVENTORY_ENV_FILE" 2>/dev/null; then
    return 0
  fi
  password="$(random_hex 16)"
  if [[ -f "$INVENTORY_ENV_FILE" ]]; then
    mapfile -t lines <"$INVENTORY_ENV_FILE"
  fi
  {
    [[ ${#lines[@]} -eq 0 ]] || printf '%s\n' "${lines[@]}"
    printf 'Portal__InitialAdmin__UserName=%s\nPortal__InitialAdmin__Password=%s\n' "$PORTAL_ADMIN_USER" "$password"
  } | write_file "$INVENTORY_ENV_FILE" 600 "$owner"
  printf '%s\n' "$password" | write_file "$CONFIG_DIR/portal-admin-password" 600 root:root
  say "config: the portal's first admin is '$PORTAL_ADMIN_USER'; the password is in" \
    "$CONFIG_DIR/portal-admin-password (root only): sign in, choose a new password, then delete that file"
}
