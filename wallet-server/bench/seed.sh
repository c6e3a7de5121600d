#!/usr/bin/env bash
# Opens accounts a0..a(N-1) in USD and deposits 1,000,000.00 into each, over one keep-alive connection per step.
set -euo pipefail
base="$1"; accounts="${2:-1000}"
config=$(mktemp)
trap 'rm -f "$config"' EXIT
for ((i = 0; i < accounts; i++)); do
  ((i > 0)) && echo next
  printf 'url = "%s/v1/wallet/accounts"\nheader = "Content-Type: application/json"\ndata = "{\\"account\\":\\"a%d\\",\\"currency\\":\\"USD\\"}"\noutput = "/dev/null"\n' "$base" "$i"
done > "$config"
curl -sf --config "$config"
for ((i = 0; i < accounts; i++)); do
  ((i > 0)) && echo next
  printf 'url = "%s/v1/wallet/deposit"\nheader = "Content-Type: application/json"\ndata = "{\\"account\\":\\"a%d\\",\\"amount\\":\\"1000000.00\\",\\"currency\\":\\"USD\\",\\"transaction_id\\":\\"%s\\"}"\noutput = "/dev/null"\n' "$base" "$i" "$(cat /proc/sys/kernel/random/uuid)"
done > "$config"
curl -sf --config "$config"
