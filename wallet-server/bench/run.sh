#!/usr/bin/env bash
# The HTTP service's benchmark: the runnable jar, wrk on the same machine, 127.0.0.1 only.
#
#   wallet-server/bench/run.sh [seconds per run, default 10]
#
# For each strategy: a fresh data directory, 1,000 accounts funded through the API, a warm-up of
# the same length, then single transfers (fresh ids, random pairs) at 16, 64 and 256 connections
# and the batch endpoint at 1,000 and 8,000 transfers per request (event-sourcing); the same over
# TLS at 64 connections and 1,000 per batch; single transfers at 64 connections for memory and
# 2pc. Every request carries a bearer token (--dev's generated key, or an API key over TLS).
# Prints one table row per run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${1:-10}"
jar="$root/wallet-server/target/wallet-server.jar"

if ! command -v wrk >/dev/null; then
  echo "installing wrk from the Debian packages" >&2
  if [ "$(id -u)" -eq 0 ]; then apt-get install -y wrk >/dev/null; else sudo apt-get install -y wrk >/dev/null; fi
fi
if [ ! -f "$jar" ]; then
  (cd "$root" && mvn -B -ntp -q -pl wallet-server -am package -DskipTests)
fi

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

token=""
start() { # strategy [tls]
  local log="$work/$1${2:+-tls}.log"
  if [ -n "${2:-}" ]; then
    # An API key over TLS, with the test certificate for 127.0.0.1.
    token=$(head -c 32 /dev/urandom | base64 | tr -d '/+=\n')
    printf '%s bench operator,auditor\n' "$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)" > "$work/keys.txt"
    java -jar "$jar" --strategy "$1" --data "$work/$1-tls" --port 0 --api-keys "$work/keys.txt" \
      --tls-cert "$root/wallet-server/src/test/resources/tls/cert.pem" \
      --tls-key "$root/wallet-server/src/test/resources/tls/key.pem" > "$log" 2>&1 &
  else
    java -jar "$jar" --dev --strategy "$1" --data "$work/$1" --port 0 > "$log" 2>&1 &
  fi
  server=$!
  base=""
  for _ in $(seq 1 300); do
    base=$(grep -o 'Listening on https\?://[^/]*' "$log" 2>/dev/null | sed 's/Listening on //' || true)
    [ -n "$base" ] && break
    sleep 0.1
  done
  [ -n "$base" ] || { cat "$log"; exit 1; }
  if [ -z "${2:-}" ]; then
    token=$(sed -n 's/^Authorization: Bearer //p' "$log")
  fi
  "$here/seed.sh" "$base" 1000 "$token" "${2:+$root/wallet-server/src/test/resources/tls/cert.pem}"
}

stop() {
  kill -TERM "$server"; wait "$server" || true; server=""
}

run=$(date +%s)
row() { # strategy endpoint connections per-request script-args...
  local strategy=$1 endpoint=$2 connections=$3 per=$4; shift 4
  run=$((run + 1))
  local out
  out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$@" "$base" -- 1000 "$run" "$per" "$token" 2>&1)
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx/ {print $5}' <<<"$out"); errors=${errors:-0}
  local socket; socket=$(grep -o 'Socket errors.*' <<<"$out" || true)
  printf '| %-14s | %-17s | %5s | %5s | %10.0f | %12.0f | %8s | %8s | %s %s\n' "$strategy" "$endpoint" "$connections" "$per" \
    "$rps" "$(awk -v r="$rps" -v p="$per" 'BEGIN {print r * p}')" "$p50" "$p99" "$errors" "$socket"
}

echo "wrk $seconds s per run after a warm-up of the same length; $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
printf '| %-14s | %-17s | %5s | %5s | %10s | %12s | %8s | %8s | %s\n' strategy endpoint conns items requests/s transfers/s p50 p99 "non-2xx"
printf '|%s|\n' "----------------|-------------------|-------|-------|------------|--------------|----------|----------|---------"

start event-sourcing
wrk -t2 -c64 -d"${seconds}s" -s "$here/transfers.lua" "$base" -- 1000 $((run += 1)) 1 "$token" >/dev/null
for connections in 16 64 256; do
  row event-sourcing balance_transfer "$connections" 1 "$here/transfers.lua"
done
wrk -t2 -c8 -d"${seconds}s" -s "$here/transfers.lua" "$base" -- 1000 $((run += 1)) 1000 "$token" >/dev/null
row event-sourcing balance_transfers 8 1000 "$here/transfers.lua"
row event-sourcing balance_transfers 4 8000 "$here/transfers.lua"
stop

start event-sourcing tls
wrk -t2 -c64 -d"${seconds}s" -s "$here/transfers.lua" "$base" -- 1000 $((run += 1)) 1 "$token" >/dev/null
row "es + TLS" balance_transfer 64 1 "$here/transfers.lua"
row "es + TLS" balance_transfers 8 1000 "$here/transfers.lua"
stop

for strategy in memory 2pc; do
  start "$strategy"
  wrk -t2 -c64 -d"${seconds}s" -s "$here/transfers.lua" "$base" -- 1000 $((run += 1)) 1 "$token" >/dev/null
  row "$strategy" balance_transfer 64 1 "$here/transfers.lua"
  stop
done
