#!/usr/bin/env bash
# run.sh: builds the bench programs (Release) and runs W1-W5 for every system in one run,
# then writes bench/results/results.md and chart.svg. See bench/README.md for the flags.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=$root/build-bench
warmup=2
window=10
pin=0
build_it=1
systems="netrpc go-gob go-jsonrpc grpc raw-tcp netrpc-gob netrpc-tls"
workloads="W1 W2 W3 W4 W5"
out=$here/results

usage() {
  echo "usage: $0 [--warmup S] [--window S] [--pin] [--no-build] [--build-dir DIR]"
  echo "          [--systems 'netrpc go-gob go-jsonrpc grpc raw-tcp netrpc-gob netrpc-tls']"
  echo "          [--workloads 'W1 W2 W3 W4 W5'] [--out DIR]"
  exit 2
}
while (($#)); do
  case $1 in
    --warmup) warmup=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --pin) pin=1; shift ;;
    --no-build) build_it=0; shift ;;
    --build-dir) build=$2; shift 2 ;;
    --systems) systems=$2; shift 2 ;;
    --workloads) workloads=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) usage ;;
  esac
done

if ((build_it)); then
  # -Wno-restrict: GCC 12 at -O3 reports a false -Wrestrict in std::string inside the gob codec.
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS=-Wno-restrict \
    -DNETRPC_BUILD_TESTS=OFF -DNETRPC_BUILD_EXAMPLES=OFF -DNETRPC_BUILD_BENCH=ON >/dev/null
  cmake --build "$build" --target bench_all
fi
bin=$build/bench
mkdir -p "$out"
raw=$out/raw.txt
: >"$raw"

# Unpinned by default: 2 shared cores, and every system (Go's runtime, gRPC's pools) gets
# the same freedom. --pin puts the server on CPU 0 and the client on CPU 1.
server_cpu=(); client_cpu=()
if ((pin)); then server_cpu=(taskset -c 0); client_cpu=(taskset -c 1); fi

# netrpc-tls: netrpc's server and client inside TLS (TLS 1.3, P-256 keys), with certificates
# made for this run.
certs=$build/bench-certs
case " $systems " in
  *" netrpc-tls "*) bash "$root/tests/transport/make_test_certs.sh" "$certs" >/dev/null ;;
esac

# server_cmd SYSTEM / client_cmd SYSTEM print the programs of a system, or nothing if absent.
server_cmd() {
  case $1 in
    netrpc) echo "$bin/netrpc_bench_server" ;;
    go-gob | netrpc-gob) echo "$bin/go_bench_server --codec gob" ;;
    go-jsonrpc) echo "$bin/go_bench_server --codec json" ;;
    grpc) echo "$bin/grpc_bench_server" ;;
    raw-tcp) echo "$bin/raw_bench_server" ;;
    netrpc-tls) echo "$bin/netrpc_bench_server --tls-cert $certs/server.pem --tls-key $certs/server.key" ;;
  esac
}
client_cmd() {
  case $1 in
    netrpc) echo "$bin/netrpc_bench_client" ;;
    go-gob) echo "$bin/go_bench_client --codec gob" ;;
    go-jsonrpc) echo "$bin/go_bench_client --codec json" ;;
    grpc) echo "$bin/grpc_bench_client" ;;
    raw-tcp) echo "$bin/raw_bench_client" ;;
    netrpc-gob) echo "$bin/netrpc_bench_client --protocol gob" ;;
    netrpc-tls) echo "$bin/netrpc_bench_client --tls-ca $certs/ca.pem" ;;
  esac
}

server_pid=""
log=$(mktemp)
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap 'stop_server; rm -f "$log"' EXIT

for system in $systems; do
  read -r -a server <<<"$(server_cmd "$system")"
  read -r -a client <<<"$(client_cmd "$system")"
  if [ ! -x "${server[0]:-/nonexistent}" ] || [ ! -x "${client[0]:-/nonexistent}" ]; then
    echo "SKIP system=$system reason=not-built" | tee -a "$raw"
    continue
  fi
  for w in $workloads; do
    # netrpc's gob client against Go's server is the interop check: W1 and W3 only.
    if [ "$system" = netrpc-gob ] && [ "$w" != W1 ] && [ "$w" != W3 ]; then continue; fi
    # TLS's cost: small calls (W1) and bulk bytes (W5) beside plaintext netrpc.
    if [ "$system" = netrpc-tls ] && [ "$w" != W1 ] && [ "$w" != W5 ]; then continue; fi
    # A fresh server per workload, so peak RSS belongs to that workload alone.
    "${server_cpu[@]}" "${server[@]}" --addr 127.0.0.1:0 >"$log" 2>&1 &
    server_pid=$!
    for _ in $(seq 200); do grep -q '^listening ' "$log" && break; sleep 0.05; done
    addr=$(sed -n 's/^listening //p' "$log")
    if [ -z "$addr" ]; then
      echo "SKIP system=$system workload=$w reason=server-did-not-start" | tee -a "$raw"
      stop_server
      continue
    fi
    echo "== $system $w ($addr)" >&2
    if ! result=$(timeout $((${warmup%.*} + ${window%.*} + 60)) "${client_cpu[@]}" "${client[@]}" \
        --addr "$addr" --workload "$w" --warmup "$warmup" --window "$window" \
        --server-pid "$server_pid" --system "$system"); then
      echo "FAIL system=$system workload=$w" | tee -a "$raw"
    fi
    grep '^RESULT' <<<"$result" | tee -a "$raw" || true
    stop_server
  done
done

python3 "$here/report.py" --raw "$raw" --out "$out" --warmup "$warmup" --window "$window" \
  --pinned "$pin" --root "$root"
echo "wrote $out/results.md and $out/chart.svg"
