#!/usr/bin/env bash
# Opens accounts a0..a(N-1) in USD and deposits 1,000,000.00 into each, over one keep-alive connection per step.
#   seed.sh <base-url> [accounts] [token] [ca-certificate]
# (the token of an operator, who then owns the accounts; the certificate to trust over https)
set -euo pipefail
base="$1"; accounts="${2:-1000}"; token="${3:-}"; ca="${4:-}"
# Options in a curl config file apply to one URL each, so every block repeats the certificate.
trust=""; [ -n "$ca" ] && trust="cacert = \"$ca\""
config=$(mktemp)
trap 'rm -f "$config"' EXIT
for ((i = 0; i < accounts; i++)); do
  ((i > 0)) && echo next
  printf 'url = "%s/v1/wallet/accounts"\nheader = "Content-Type: application/json"\nheader = "Authorization: Bearer %s"\ndata = "{\\"account\\":\\"a%d\\",\\"currency\\":\\"USD\\"}"\noutput = "/dev/null"\n%s\n' "$base" "$token" "$i" "$trust"
done > "$config"
curl -sf --config "$config"
for ((i = 0; i < accounts; i++)); do
  ((i > 0)) && echo next
  printf 'url = "%s/v1/wallet/deposit"\nheader = "Content-Type: application/json"\nheader = "Authorization: Bearer %s"\ndata = "{\\"account\\":\\"a%d\\",\\"amount\\":\\"1000000.00\\",\\"currency\\":\\"USD\\",\\"transaction_id\\":\\"%s\\"}"\noutput = "/dev/null"\n%s\n' "$base" "$token" "$i" "$(cat /proc/sys/kernel/random/uuid)" "$trust"
done > "$config"
curl -sf --config "$config"
