#!/usr/bin/env bash
# smoke.sh: runs one bench server and its client on W1-W5 with a tiny load and short window.
# Usage: smoke.sh SERVER [ARGS...] -- CLIENT [ARGS...]. Fails only if a run or a reply fails.
set -euo pipefail

server=()
while (($#)) && [ "$1" != "--" ]; do server+=("$1"); shift; done
shift
client=("$@")

out=$(mktemp)
trap 'kill "$pid" 2>/dev/null || true; rm -f "$out"' EXIT
"${server[@]}" --addr 127.0.0.1:0 >"$out" &
pid=$!
for _ in $(seq 100); do
  grep -q '^listening ' "$out" && break
  sleep 0.05
done
addr=$(sed -n 's/^listening //p' "$out")
[ -n "$addr" ] || { echo "server did not start"; exit 1; }
for w in W1 W2 W3 W4 W5; do
  "${client[@]}" --addr "$addr" --workload "$w" --conns 2 --inflight 2 \
    --warmup 0.1 --window 0.3 --server-pid "$pid"
done
