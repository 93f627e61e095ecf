# shellcheck shell=bash
# Helpers shared by the scripts of .ci/ and bench/: log, die, time, random hex, a free loopback port and the HTTP
# health probe. Sourced, never run. A script sets LOG_PREFIX before sourcing it (default: the script's file name).
# It lives in .ci/ because the top level stays as the product card fixes it, and bench/ already relies on .ci/.

log() { printf '%s: %s\n' "${LOG_PREFIX:-${0##*/}}" "$*" >&2; }

die() {
  log "error: $*"
  exit 1
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# BYTES random bytes (default 16) as lowercase hex.
random_hex() { od -An -N"${1:-16}" -tx1 /dev/urandom | tr -d ' \n'; }

# Below the kernel's ephemeral range: a port inside it can be in use, with no listener to answer the probe, as the
# source port of any outgoing connection (wrk's, Npgsql's, the tests'), and then the bind fails (it did once).
free_port() {
  local port low
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range
  ((low > 11000)) || die "the ephemeral port range starts at $low; free ports are picked between 10000 and it"
  for _ in $(seq 1 50); do
    port=$((10000 + RANDOM % (low - 10000)))
    if ! (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  die "found no free TCP port on 127.0.0.1"
}

# Succeeds when GET URL answers 200 within a second. The HTTP status, never the port: docker-proxy accepts TCP on a
# published port even when nothing listens behind it.
health_ok() {
  [[ "$(curl --silent --output /dev/null --max-time 1 --write-out '%{http_code}' "$1" || true)" == 200 ]]
}

# Polls health_ok URL every 50 ms until it succeeds (status 0), the clock passes DEADLINE_MS (status 1, see now_ms)
# or the optional command ALIVE... fails (status 2: what should answer has exited).
wait_until_healthy() {
  local url="$1" deadline_ms="$2"
  shift 2
  until health_ok "$url"; do
    if [[ $# -gt 0 ]] && ! "$@"; then
      return 2
    fi
    (($(now_ms) <= deadline_ms)) || return 1
    sleep 0.05
  done
}
