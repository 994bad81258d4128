#!/usr/bin/env bash
# run_msgpack_interop.sh: drives the msgpack example's Go tests for ctest
# (examples/msgpack/CMakeLists.txt): builds the Go programs, checks the committed capture, and
# runs Go's msgpackrpc against netrpc's msgpack programs in both directions, on 127.0.0.1 only.
#
# Paths come from the environment that ctest sets:
#   MSGPACK_GO_SRC   examples/msgpack/go (capture/, server/, client/)
#   MSGPACK_CAPTURE  the committed testdata/go_msgpackrpc.txt
#   MSGPACK_WORK     a folder in the build dir for the Go binaries
#   MSGPACK_SERVER   netrpc's msgpack_server;  MSGPACK_CLIENT  netrpc's msgpack_client
#
# Modes (one per ctest test):
#   build-go             build the Go programs into $MSGPACK_WORK/go-bin (fixture setup)
#   capture-matches      Go's capture today equals the committed one (maps in random order aside)
#   go-client-to-netrpc  Go's msgpackrpc client -> msgpack_server
#   netrpc-client-to-go  msgpack_client -> Go's msgpackrpc server
set -euo pipefail

mode=${1:?usage: run_msgpack_interop.sh MODE}
bin=$MSGPACK_WORK/go-bin
client_timeout=50  # seconds; ctest's own limit for each test is 120

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# go_build: offline, in GOPATH mode against Debian's packaged Go sources.
go_build() {
  GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=/tmp/gocache HOME=/tmp GOPROXY=off \
    go build "$@"
}

# start_server OUT CMD...: starts a server that prints "listening on ADDR", sets server_pid
# and server_addr, and stops the server when this script exits.
start_server() {
  local out=$1 i
  shift
  "$@" >"$out" 2>&1 </dev/null &
  server_pid=$!
  trap 'kill "$server_pid" 2>/dev/null || true' EXIT
  for ((i = 0; i < 100; i++)); do
    server_addr=$(sed -n 's/^listening on //p' "$out" | head -n 1)
    [[ -n $server_addr ]] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$out" >&2
  fail "$1 printed no 'listening on ADDR' within 10 s"
}

# run_client CMD...: runs a client, shows its output, and asserts that it exited 0 with a
# last line "N passed, 0 failed".
run_client() {
  local out rc=0 last
  out=$(timeout "$client_timeout" "$@" 2>&1) || rc=$?
  printf '%s\n' "$out"
  last=$(printf '%s\n' "$out" | tail -n 1)
  ((rc == 124)) && fail "client gave no result within ${client_timeout} s"
  if ((rc != 0)) || [[ ! $last =~ ^[1-9][0-9]*\ passed,\ 0\ failed$ ]]; then
    fail "client exited with status $rc and last line '$last'; want 0 and 'N passed, 0 failed'"
  fi
  kill -0 "$server_pid" 2>/dev/null || fail "the server died during the run"
}

case $mode in
  build-go)
    mkdir -p "$bin"
    for program in capture server client; do
      go_build -o "$bin/msgpack_go_$program" "$MSGPACK_GO_SRC/$program/main.go"
    done
    echo "built msgpack_go_{capture,server,client} in $bin with $(go version)"
    ;;

  capture-matches)
    # Go writes a map's entries in random order: those messages (named *_anyorder) are left
    # out here; msgpack_test only decodes them.
    diff <(grep -v '_anyorder ' "$MSGPACK_CAPTURE") \
      <("$bin/msgpack_go_capture" | grep -v '_anyorder ') >/dev/null ||
      fail "Go's msgpackrpc now writes other bytes than $MSGPACK_CAPTURE; regenerate it with" \
        "go/capture (see its main.go) and look at what changed"
    echo "$(grep -vc '^#' "$MSGPACK_CAPTURE") captured messages match what Go writes today"
    ;;

  go-client-to-netrpc)
    out=$(mktemp)
    start_server "$out" "$MSGPACK_SERVER" 127.0.0.1:0
    echo "netrpc msgpack_server on $server_addr"
    run_client "$bin/msgpack_go_client" -addr "$server_addr"
    rm -f "$out"
    ;;

  netrpc-client-to-go)
    out=$(mktemp)
    start_server "$out" "$bin/msgpack_go_server" -addr 127.0.0.1:0
    echo "Go msgpackrpc server on $server_addr"
    run_client "$MSGPACK_CLIENT" "$server_addr"
    rm -f "$out"
    ;;

  *)
    fail "unknown mode $mode"
    ;;
esac
