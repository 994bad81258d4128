#!/usr/bin/env bash
# demo.sh: installs what is missing, builds the arith example, and runs its server and its
# client as two processes, printing the client's calls and their results.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build-demo -G Ninja -DCMAKE_BUILD_TYPE=Release -DNETRPC_BUILD_TESTS=OFF >/dev/null
cmake --build build-demo --target arith_server arith_client

log=$(mktemp)
./build-demo/examples/arith_server 127.0.0.1:0 >"$log" &
server=$!
trap 'kill $server 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 100); do
  grep -q "serving" "$log" && break
  sleep 0.05
done
address=$(sed -n 's/^serving Arith on //p' "$log")
echo "server: serving Arith on $address (pid $server)"
./build-demo/examples/arith_client "$address"
