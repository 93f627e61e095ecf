# shellcheck shell=bash
# bootstrap.sh's host steps: the Docker engine and the deploy user. Uses bootstrap.sh's run and write_file.

step_docker() {
  if docker info >/dev/null 2>&1; then
    say "docker: an engine answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null)): nothing to install"
    return 0
  fi
  if command -v docker >/dev/null && systemctl list-unit-files docker.service >/dev/null 2>&1; then
    say "docker: installed but not answering: starting it"
    run systemctl enable --now docker
    return 0
  fi
  # shellcheck source=/dev/null
  [[ -r /etc/os-release ]] && . /etc/os-release
  if [[ "${ID:-}" != ubuntu ]]; then
    local fix="install Docker yourself, then run again with --steps ${ALL_STEPS#docker,}"
    [[ -n "$DRY_RUN" ]] || die "installs Docker on Ubuntu only (this is ${PRETTY_NAME:-unknown}): $fix"
    VERSION_CODENAME="<ubuntu codename>"
  fi
  say "docker: installing Docker Engine from Docker's apt repository (Ubuntu $VERSION_CODENAME)"
  run apt-get update -qq
  run apt-get install -y -qq ca-certificates curl
  run install -m 0755 -d /etc/apt/keyrings
  run curl -fsSL https://download.docker.com/linux/ubuntu/gpg -o /etc/apt/keyrings/docker.asc
  run chmod a+r /etc/apt/keyrings/docker.asc
  printf 'deb [arch=%s signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/ubuntu %s stable\n' \
    "$(dpkg --print-architecture)" "$VERSION_CODENAME" | write_file /etc/apt/sources.list.d/docker.list 644 root:root
  run apt-get update -qq
  run apt-get install -y -qq docker-ce docker-ce-cli containerd.io
  run systemctl enable --now docker
}

step_user() {
  if ! id "$DEPLOY_USER" >/dev/null 2>&1; then
    say "user: creating $DEPLOY_USER"
    run useradd --create-home --shell /bin/bash --user-group "$DEPLOY_USER"
  else
    say "user: $DEPLOY_USER exists"
  fi
  # useradd leaves the password '!' (locked), which sshd without PAM treats as a locked account; '*' = no password.
  if [[ -n "$DRY_RUN" ]] || [[ "$(getent shadow "$DEPLOY_USER" | cut -d: -f2)" =~ ^!*$ ]]; then
    run usermod --password '*' "$DEPLOY_USER"
  fi
  getent group docker >/dev/null || [[ -n "$DRY_RUN" ]] || die "there is no docker group: run the docker step first"
  run usermod --append --groups docker "$DEPLOY_USER"
  if [[ -n "$AUTHORIZED_KEY" ]]; then
    local home
    home="$(user_home)"
    [[ "$AUTHORIZED_KEY" =~ ^(ssh-|ecdsa-|sk-) ]] \
      || die "--authorized-key is not a public key line (ssh-ed25519 AAAA… comment)"
    run install -d -m 700 -o "$DEPLOY_USER" -g "$DEPLOY_USER" "$home/.ssh"
    if ! grep -qxF "$AUTHORIZED_KEY" "$home/.ssh/authorized_keys" 2>/dev/null; then
      { cat "$home/.ssh/authorized_keys" 2>/dev/null || true; printf '%s\n' "$AUTHORIZED_KEY"; } \
        | write_file "$home/.ssh/authorized_keys" 600 "$DEPLOY_USER:$DEPLOY_USER"
      say "user: authorized the key for $DEPLOY_USER"
    fi
  fi
}
