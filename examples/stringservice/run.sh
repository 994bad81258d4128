#!/usr/bin/env bash
# run.sh GO_SOURCE NETRPC_BINARY WORKDIR: builds and runs the Go program and its netrpc port;
# both must print the same lines, and the expected ones.
set -euo pipefail
go_src=$1 port=$2 work=$3
mkdir -p "$work"
GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=${GOCACHE:-/tmp/gocache} HOME=${HOME:-/tmp} \
  go build -o "$work/stringservice_go" "$go_src"
expected=$'Call: net/rpc\nGo: C++20'
go_out=$(timeout 60 "$work/stringservice_go")
cc_out=$(timeout 60 "$port")
echo "Go:     ${go_out//$'\n'/ | }"
echo "netrpc: ${cc_out//$'\n'/ | }"
[ "$go_out" = "$expected" ] || { echo "Go printed something else"; exit 1; }
[ "$cc_out" = "$go_out" ] || { echo "the netrpc port printed something else than Go"; exit 1; }
