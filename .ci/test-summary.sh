#!/usr/bin/env bash
# Writes the test run's summary for a CI page: the Markdown report that `dotnet test … -- --report-xunit-markdown`
# leaves in RESULTS_DIR, and the TRX files beside it. Appends to $GITHUB_STEP_SUMMARY when set (GitHub Actions),
# else prints. Runs after a failed test step too, so it never fails itself for missing reports: it says so.
set -Eeuo pipefail

usage() {
  cat <<'EOF'
Usage: .ci/test-summary.sh RESULTS_DIR

Summarises the test reports in RESULTS_DIR (the --results-directory of dotnet test, run with
-- --report-xunit-trx --report-xunit-markdown): the Markdown reports in full, then the TRX file names.
Writes to $GITHUB_STEP_SUMMARY when set, else to stdout.
EOF
}

summarise() {
  local results_dir="$1" reports=() trx=() report
  if [[ -d "$results_dir" ]]; then
    mapfile -t reports < <(find "$results_dir" -type f -name '*.md' | sort)
    mapfile -t trx < <(find "$results_dir" -type f -name '*.trx' | sort)
  fi
  echo "## Tests"
  if [[ ${#reports[@]} -eq 0 ]]; then
    echo
    echo "No test report in \`$results_dir\`: the run stopped before the tests reported (build or restore error?)."
    echo "The log of the test step says why."
    return 0
  fi
  for report in "${reports[@]}"; do
    echo
    cat "$report"
  done
  echo
  echo "TRX: ${#trx[@]} file(s), in the \`test-results\` artifact of this run."
}

main() {
  if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then
    usage
    return 0
  fi
  [[ $# -eq 1 ]] || { usage >&2; exit 2; }
  if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
    summarise "$1" >>"$GITHUB_STEP_SUMMARY"
    echo "test summary written to the job summary"
  else
    summarise "$1"
  fi
}

main "$@"
