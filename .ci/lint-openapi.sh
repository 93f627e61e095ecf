#!/usr/bin/env bash
# Lints the committed OpenAPI snapshot with Redocly CLI (recommended rules, warnings as errors: lint-tools/redocly.yaml)
# and Spectral (spectral:oas, failing on warnings: lint-tools/spectral.yaml). Both first lint a broken sample they
# must reject, so a linter that finds nothing cannot pass unnoticed.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly CONFIG_DIR="$ROOT/.ci/lint-tools"
readonly DEFAULT_DOCUMENT="$ROOT/Inventory.Api/openapi.json"
readonly LOG_PREFIX=lint-openapi
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$ROOT/.ci/lib/common.sh"

usage() {
  cat <<'EOF'
Usage: .ci/lint-openapi.sh [-h] [DOCUMENT]

Lints DOCUMENT (default Inventory.Api/openapi.json, the committed snapshot of /openapi/v1.json) with
  - Redocly CLI, recommended rules, every warning an error (.ci/lint-tools/redocly.yaml; single findings wrong
    for this API are listed with their reason in .ci/lint-tools/.redocly.lint-ignore.yaml);
  - Spectral, ruleset spectral:oas, failing on warnings (.ci/lint-tools/spectral.yaml).
Exits 1 on any finding. The npm packages are looked up in $LINT_TOOLS_DIR (default .ci/.work/lint-tools, where
`.ci/run lint` installs the versions locked in .ci/lint-tools/package-lock.json). Needs Node.js 18.19 or newer.
The snapshot is regenerated as Inventory.Api/README.md says under "Changing the API".
EOF
}

tools_dir="${LINT_TOOLS_DIR:-$ROOT/.ci/.work/lint-tools}"
# No telemetry and no update check: CI reaches only the package registries.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

redocly() { "$tools_dir/node_modules/.bin/redocly" lint --config "$CONFIG_DIR/redocly.yaml" "$1"; }
spectral() {
  "$tools_dir/node_modules/.bin/spectral" lint --ruleset "$CONFIG_DIR/spectral.yaml" --fail-severity=warn "$1"
}

check_node() {
  local version major minor
  version="$(node --version 2>/dev/null || true)"
  [[ "$version" =~ ^v([0-9]+)\.([0-9]+) ]] || die "node is missing; install Node.js 18.19 or newer"
  major="${BASH_REMATCH[1]}" minor="${BASH_REMATCH[2]}"
  ((major > 18 || (major == 18 && minor >= 19))) || die "the linters need Node.js 18.19 or newer; node is $version"
  [[ -x "$tools_dir/node_modules/.bin/redocly" && -x "$tools_dir/node_modules/.bin/spectral" ]] ||
    die "redocly or spectral is missing under $tools_dir/node_modules: run bash .ci/run lint"
}

# An operation without summary, description, operationId, tags or security, in a document without contact:
# each linter must fail on it.
check_linters_fail_on_a_broken_sample() {
  local sample
  sample="$(mktemp --suffix=.json)"
  # shellcheck disable=SC2064 # the path is fixed now
  trap "rm -f '$sample'" RETURN
  printf '%s\n' '{"openapi": "3.1.1", "info": {"title": "Broken sample", "version": "1"},' \
    '"paths": {"/x": {"get": {"responses": {"200": {"description": "OK"}}}}}}' >"$sample"
  if redocly "$sample" >/dev/null 2>&1; then
    die "Redocly found nothing wrong in a broken sample: it is not linting"
  fi
  if spectral "$sample" >/dev/null 2>&1; then
    die "Spectral found nothing wrong in a broken sample: it is not linting"
  fi
}

main() {
  case "${1:-}" in
    -h | --help) usage; return 0 ;;
  esac
  [[ $# -le 1 ]] || { usage >&2; exit 2; }
  local document="${1:-$DEFAULT_DOCUMENT}"
  [[ -f "$document" ]] || die "no OpenAPI document at $document"
  check_node
  check_linters_fail_on_a_broken_sample
  redocly "$document" || die "Redocly found problems in $document (listed above)"
  spectral "$document" || die "Spectral found problems in $document (listed above)"
  echo "OpenAPI lint clean (Redocly recommended-strict, Spectral spectral:oas): ${document#"$ROOT"/}"
}

main "$@"
