#!/usr/bin/env bash
# run_interop.sh: drives the Go interop tests for ctest (tests/interop/CMakeLists.txt): builds
# the Go programs, runs the shared netrpc server, and runs one client against one server.
#
# Paths come from the environment that ctest sets:
#   INTEROP_GO_REF   the shared Go reference programs (server/main.go, client/main.go)
#   INTEROP_GO_OWN   tests/interop/go (badinput/, gobskip/)
#   INTEROP_WORK     a folder in the build dir for the Go binaries and the server's state
#   INTEROP_SERVER   netrpc's interop_server;  INTEROP_CLIENT  netrpc's interop_client
#   INTEROP_GO_DIAL_CASES  netrpc's go_dial_cases (tests/interop/go_dial_cases.cc)
#   INTEROP_GO_TLS_CASES   netrpc's go_tls_cases (tests/interop/go_tls_cases.cc)
#   INTEROP_MAKE_CERTS     tests/transport/make_test_certs.sh
#
# Modes (one per ctest test):
#   build-go                   build the Go programs into $INTEROP_WORK/go-bin (fixture setup)
#   start-netrpc-server        start interop_server on 127.0.0.1:0 (fixture setup)
#   stop-netrpc-server         fail if it died during the tests, then stop it (fixture cleanup)
#   go-client PROTO            Go reference client -> netrpc server    (gob|json|http|geerpc)
#   netrpc-client PROTO        netrpc client -> netrpc server          (+ native)
#   netrpc-client-to-go PROTO  netrpc client -> Go reference server    (gob|json|http|geerpc)
#   badinput                   malformed Go-protocol input -> netrpc server
#   gobskip                    gob values to skip and mistyped values -> netrpc and Go servers
#   jsoncompat                 the same JSON-RPC bytes -> Go reference server and netrpc server,
#                              replies compared (tests/interop/go/jsoncompat)
#   geerpc-go-client           GeeRPC-style Go client (go/geerpc) -> netrpc server
#   netrpc-client-to-go-dial-cases  go_dial_cases -> GeeRPC-style Go server and Go reference
#   start-netrpc-tls-server    make the test certificates, start interop_server with TLS and a
#                              required client certificate (mTLS) (fixture setup)
#   stop-netrpc-tls-server     as stop-netrpc-server, for it (fixture cleanup)
#   netrpc-client-tls PROTO    netrpc client -> netrpc TLS server, mTLS (+ native)
#   go-client-tls PROTO        Go tls.Dial + rpc/jsonrpc/CONNECT -> netrpc TLS server, mTLS
#                              (gob|json|http)
#   go-client-tls-refused WHO  the same without a client certificate (none) or with one of
#                              another CA (stranger): refused
#   netrpc-client-to-go-tls    go_tls_cases -> Go's tls.Listen + rpc.ServeConn, mTLS
set -euo pipefail

mode=${1:?usage: run_interop.sh MODE [PROTO]}
proto=${2:-}
bin=$INTEROP_WORK/go-bin
state=$INTEROP_WORK/netrpc-server
certs=$INTEROP_WORK/tls-certs
case $mode in  # the TLS server's tests read its state
  *-tls | *-tls-server | go-client-tls-refused) state=$INTEROP_WORK/netrpc-tls-server ;;
esac
client_timeout=50  # seconds; ctest's own limit for each test is 60

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# show_server_log prints what the shared netrpc server logged, to explain a failure.
show_server_log() {
  if [[ -s $state/stderr ]]; then
    echo "--- netrpc server log (last 20 lines):" >&2
    tail -n 20 "$state/stderr" >&2
  fi
}

# run_client WANT CMD... runs a client, shows its output, and asserts both its exit status
# and that its last line is exactly WANT (e.g. "13 passed, 0 failed").
run_client() {
  local want=$1 out rc=0
  shift
  out=$(timeout "$client_timeout" "$@" 2>&1) || rc=$?
  printf '%s\n' "$out"
  local last
  last=$(printf '%s\n' "$out" | tail -n 1)
  if ((rc != 0)) || [[ $last != "$want" ]]; then
    show_server_log
    ((rc == 124)) && fail "client gave no result within ${client_timeout} s"
    fail "client exited with status $rc and last line '$last'; want status 0 and '$want'"
  fi
}

netrpc_addr() {
  [[ -s $state/addr ]] || fail "no netrpc server address in $state/addr (did the setup fail?)"
  cat "$state/addr"
}

# is_our_server PID: the pid still names the interop_server started here (not a reused pid).
is_our_server() {
  [[ -r /proc/$1/cmdline ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q interop_server
}

# wait_for_line FILE PATTERN PID: waits up to 10 s for a line matching PATTERN while PID lives.
wait_for_line() {
  local i
  for ((i = 0; i < 100; i++)); do
    if grep -qE "$2" "$1" 2>/dev/null; then
      grep -E "$2" "$1" | head -n 1
      return 0
    fi
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

go_build() {
  GOCACHE=/tmp/gocache HOME=/tmp GOPROXY=off GOFLAGS=-mod=mod go build "$@"
}

case $mode in
  build-go)
    mkdir -p "$bin"
    (cd "$INTEROP_GO_REF/server" && go_build -o "$bin/go_server" main.go)
    (cd "$INTEROP_GO_REF/client" && go_build -o "$bin/go_client" main.go)
    (cd "$INTEROP_GO_OWN" && go_build -o "$bin/badinput" ./badinput)
    (cd "$INTEROP_GO_OWN" && go_build -o "$bin/gobskip" ./gobskip)
    (cd "$INTEROP_GO_OWN" && go_build -o "$bin/jsoncompat" ./jsoncompat)
    (cd "$INTEROP_GO_OWN" && go_build -o "$bin/geerpc" ./geerpc)
    (cd "$INTEROP_GO_OWN" && go_build -o "$bin/tls" ./tls)
    echo "built $(ls "$bin" | tr '\n' ' ')with $(go version)"
    ;;

  start-netrpc-server | start-netrpc-tls-server)
    rm -rf "$state"
    mkdir -p "$state"
    server_flags=()
    if [[ $mode == start-netrpc-tls-server ]]; then
      bash "$INTEROP_MAKE_CERTS" "$certs" || fail "could not make the test certificates"
      server_flags=(--tls-cert "$certs/server.pem" --tls-key "$certs/server.key"
        --tls-client-ca "$certs/ca.pem")
    fi
    # The server outlives this script: the tests of the fixture share its one port. Its
    # output goes to files so that ctest does not wait on a pipe it still holds.
    setsid "$INTEROP_SERVER" "${server_flags[@]}" 127.0.0.1:0 >"$state/stdout" 2>"$state/stderr" \
      </dev/null &
    pid=$!
    trap 'kill "$pid" 2>/dev/null || true' EXIT  # until it is known to be serving
    line=$(wait_for_line "$state/stdout" '^listening on ' "$pid") ||
      { show_server_log; fail "interop_server did not print 'listening on ADDR' within 10 s"; }
    echo "$pid" >"$state/pid"
    echo "${line#listening on }" >"$state/addr"
    # If ctest goes away without running the cleanup test (interrupted), stop the server too.
    watched=$PPID
    (
      while kill -0 "$watched" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do sleep 1; done
      if is_our_server "$pid"; then kill "$pid" 2>/dev/null || true; fi
    ) </dev/null >/dev/null 2>&1 &
    disown
    trap - EXIT
    echo "netrpc interop_server (pid $pid) $line"
    ;;

  stop-netrpc-server | stop-netrpc-tls-server)
    pid=$(cat "$state/pid" 2>/dev/null) || fail "no pid in $state (did the setup fail?)"
    if ! is_our_server "$pid"; then
      show_server_log
      fail "the netrpc server (pid $pid) died during the tests"
    fi
    kill "$pid"
    for ((i = 0; i < 50; i++)); do
      is_our_server "$pid" || break
      sleep 0.1
    done
    if is_our_server "$pid"; then
      kill -9 "$pid"
      fail "the netrpc server ignored SIGTERM for 5 s"
    fi
    echo "netrpc server (pid $pid) was alive after every test and is stopped"
    ;;

  go-client)
    run_client "13 passed, 0 failed" "$bin/go_client" -addr "$(netrpc_addr)" -proto "$proto"
    ;;

  netrpc-client)
    run_client "13 passed, 0 failed" "$INTEROP_CLIENT" --addr "$(netrpc_addr)" --proto "$proto"
    ;;

  netrpc-client-to-go)
    out=$(mktemp)
    "$bin/go_server" -gob 127.0.0.1:0 -json 127.0.0.1:0 -http 127.0.0.1:0 \
      -geerpc 127.0.0.1:0 >"$out" 2>&1 &
    pid=$!
    trap 'kill "$pid" 2>/dev/null || true; rm -f "$out"' EXIT
    # The Go server prints one line once every listener is bound: gob=ADDR json=ADDR ...
    line=$(wait_for_line "$out" '^gob=' "$pid") ||
      { cat "$out"; fail "the Go server printed no 'gob=ADDR json=ADDR ...' line within 10 s"; }
    addr=$(tr ' ' '\n' <<<"$line" | sed -n "s/^$proto=//p")
    [[ -n $addr ]] || fail "no $proto= address in the Go server's line: $line"
    echo "Go reference server: $line"
    run_client "13 passed, 0 failed" "$INTEROP_CLIENT" --addr "$addr" --proto "$proto"
    kill -0 "$pid" 2>/dev/null || { cat "$out"; fail "the Go server died during the run"; }
    ;;

  badinput)
    addr=$(netrpc_addr)
    out=$(timeout "$client_timeout" "$bin/badinput" -addr "$addr" 2>&1) || {
      printf '%s\n' "$out"
      show_server_log
      fail "badinput failed"
    }
    printf '%s\n' "$out"
    [[ $(tail -n 1 <<<"$out") =~ ^[1-9][0-9]*\ passed,\ 0\ failed$ ]] ||
      fail "badinput's last line is not 'N passed, 0 failed'"
    ;;

  gobskip)
    # Every case compares netrpc's reply or error with Go's own server's for the same call.
    run_client "19 passed, 0 failed" "$bin/gobskip" -addr "$(netrpc_addr)"
    ;;

  jsoncompat)
    naddr=$(netrpc_addr)
    out=$(mktemp)
    "$bin/go_server" -json 127.0.0.1:0 >"$out" 2>&1 &
    pid=$!
    trap 'kill "$pid" 2>/dev/null || true; rm -f "$out"' EXIT
    line=$(wait_for_line "$out" '^json=' "$pid") ||
      { cat "$out"; fail "the Go server printed no 'json=ADDR' line within 10 s"; }
    res=$(timeout "$client_timeout" "$bin/jsoncompat" -go "${line#json=}" -netrpc "$naddr" 2>&1) || {
      printf '%s\n' "$res"
      show_server_log
      fail "jsoncompat failed"
    }
    printf '%s\n' "$res"
    [[ $(tail -n 1 <<<"$res") =~ ^[1-9][0-9]*\ passed,\ 0\ failed$ ]] ||
      fail "jsoncompat's last line is not 'N passed, 0 failed'"
    ;;

  geerpc-go-client)
    run_client "12 passed, 0 failed" "$bin/geerpc" -client "$(netrpc_addr)"
    ;;

  netrpc-client-to-go-dial-cases)
    gee_out=$(mktemp)
    ref_out=$(mktemp)
    "$bin/geerpc" -serve 127.0.0.1:0 >"$gee_out" 2>&1 &
    gee_pid=$!
    "$bin/go_server" -gob 127.0.0.1:0 -json 127.0.0.1:0 -http 127.0.0.1:0 >"$ref_out" 2>&1 &
    ref_pid=$!
    trap 'kill "$gee_pid" "$ref_pid" 2>/dev/null || true; rm -f "$gee_out" "$ref_out"' EXIT
    gee_line=$(wait_for_line "$gee_out" '^geerpc=' "$gee_pid") ||
      { cat "$gee_out"; fail "the GeeRPC-style Go server printed no 'geerpc=ADDR' within 10 s"; }
    ref_line=$(wait_for_line "$ref_out" '^gob=' "$ref_pid") ||
      { cat "$ref_out"; fail "the Go server printed no 'gob=ADDR json=ADDR http=ADDR' line within 10 s"; }
    field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }
    echo "Go servers: $gee_line $ref_line"
    run_client "11 passed, 0 failed" "$INTEROP_GO_DIAL_CASES" --geerpc "$(field geerpc "$gee_line")" \
      --geehttp "$(field geehttp "$gee_line")" --gob "$(field gob "$ref_line")" \
      --json "$(field json "$ref_line")" \
      --http "$(field http "$ref_line")"
    ;;

  netrpc-client-tls)
    run_client "13 passed, 0 failed" "$INTEROP_CLIENT" --tls-ca "$certs/ca.pem" \
      --tls-cert "$certs/client.pem" --tls-key "$certs/client.key" --addr "$(netrpc_addr)" \
      --proto "$proto"
    ;;

  go-client-tls)
    run_client "3 passed, 0 failed" "$bin/tls" -client "$(netrpc_addr)" -proto "$proto" \
      -ca "$certs/ca.pem" -cert "$certs/client.pem" -key "$certs/client.key"
    ;;

  go-client-tls-refused)
    who=()
    [[ $proto == stranger ]] && who=(-cert "$certs/stranger.pem" -key "$certs/stranger.key")
    run_client "1 passed, 0 failed" "$bin/tls" -client "$(netrpc_addr)" -proto gob \
      -ca "$certs/ca.pem" "${who[@]}" -refused
    ;;

  netrpc-client-to-go-tls)
    out=$(mktemp)
    "$bin/tls" -serve 127.0.0.1:0 -cert "$certs/server.pem" -key "$certs/server.key" \
      -client-ca "$certs/ca.pem" >"$out" 2>&1 &
    pid=$!
    trap 'kill "$pid" 2>/dev/null || true; rm -f "$out"' EXIT
    line=$(wait_for_line "$out" '^gob=' "$pid") ||
      { cat "$out"; fail "the Go TLS server printed no 'gob=ADDR json=ADDR' line within 10 s"; }
    field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }
    echo "Go TLS server: $line"
    run_client "4 passed, 0 failed" "$INTEROP_GO_TLS_CASES" --gob "$(field gob "$line")" \
      --json "$(field json "$line")" --ca "$certs/ca.pem" --cert "$certs/client.pem" \
      --key "$certs/client.key" --stranger-cert "$certs/stranger.pem" \
      --stranger-key "$certs/stranger.key"
    ;;

  *)
    fail "unknown mode $mode"
    ;;
esac
