#!/usr/bin/env bash
# run.sh SERVER CLIENT: runs the auth example on 127.0.0.1 and checks what it prints: a call
# without the token is refused, one with it answered, and the debug page wants the token too.
set -euo pipefail
server=$1 client=$2
export AUTH_TOKEN=example-token-42
out=$(mktemp)
"$server" 127.0.0.1:0 >"$out" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 100); do grep -q 'serving Arith on' "$out" && break; sleep 0.1; done
addr=$(sed -n 's/^serving Arith on //p' "$out")
[ -n "$addr" ] || { echo "the server did not start"; exit 1; }

got=$(timeout 30 "$client" "$addr")
echo "$got"
want='without a token: unauthorized: a bearer token is needed
with the token: 7*8=56'
[ "$got" = "$want" ] || { echo "the client printed something else; want:"; echo "$want"; exit 1; }

# http_status [HEADER]: the status line of GET /debug/rpc, over bash's own TCP.
http_status() {
  exec 3<>"/dev/tcp/${addr%:*}/${addr##*:}"
  printf 'GET /debug/rpc HTTP/1.0\r\n%s\r\n' "${1:+$1$'\r\n'}" >&3
  local line
  IFS= read -r line <&3
  exec 3<&-
  printf '%s\n' "${line%$'\r'}"
}
without=$(http_status)
with=$(http_status "Authorization: Bearer $AUTH_TOKEN")
echo "debug page without a token: $without"
echo "debug page with the token: $with"
[ "$without" = "HTTP/1.0 401 Unauthorized" ] || { echo "want 401 without the token"; exit 1; }
[ "$with" = "HTTP/1.0 200 OK" ] || { echo "want 200 with the token"; exit 1; }
