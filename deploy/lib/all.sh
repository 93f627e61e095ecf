# shellcheck shell=bash
# shellcheck source-path=SCRIPTDIR source-path=SCRIPTDIR/lib # lib/ when checked alone, deploy/ when followed
# Every part of the library, for deploy.sh and rollback.sh, which use them all (bootstrap.sh sources the few it
# needs). A part only defines functions and constants: sourcing one runs nothing.

DEPLOY_LIB="$(dirname "${BASH_SOURCE[0]}")"
source "$DEPLOY_LIB/config.sh"
source "$DEPLOY_LIB/log.sh"
source "$DEPLOY_LIB/docker.sh"
source "$DEPLOY_LIB/lock.sh"
source "$DEPLOY_LIB/state.sh"
source "$DEPLOY_LIB/history.sh"
source "$DEPLOY_LIB/digest.sh"
source "$DEPLOY_LIB/registry.sh"
source "$DEPLOY_LIB/proxy.sh"
source "$DEPLOY_LIB/migrate.sh"
source "$DEPLOY_LIB/tls.sh"
source "$DEPLOY_LIB/candidate.sh"
source "$DEPLOY_LIB/gate.sh"
source "$DEPLOY_LIB/switch.sh"
source "$DEPLOY_LIB/prune.sh"
# Not followed: shellcheck 0.9's time grows steeply with each followed part (over 5 min with these two); each is
# linted on its own.
# shellcheck source=/dev/null
source "$DEPLOY_LIB/backup.sh"
# shellcheck source=/dev/null
source "$DEPLOY_LIB/restore.sh"
source "$DEPLOY_LIB/run.sh"
