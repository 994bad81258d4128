#!/usr/bin/env bash
# test.sh: installs what is missing, builds everything and runs the whole test suite:
# the normal build (with the benchmarks' smoke runs), then the same tests under ASan+UBSan
# (g++) and under TSan (clang 14), which leave the benchmarks out (gRPC is not instrumented).
# Then every fuzz target for a short budget. NETRPC_SANITIZERS=0 skips the sanitizer builds and
# NETRPC_FUZZ_SECONDS=0 the fuzzing, for a quick local run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

jobs=$(nproc)
run_suite() {  # run_suite DIR [cmake args...]
  local dir=$1
  shift
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 300
}

echo "== build and test"
run_suite build -DCMAKE_BUILD_TYPE=Debug
if [ "${NETRPC_SANITIZERS:-1}" != 0 ]; then
  echo "== ASan + UBSan (g++)"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DNETRPC_SANITIZE=address -DNETRPC_BUILD_BENCH=OFF
  echo "== TSan (clang 14)"
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/scripts/tsan.supp \
    run_suite build-tsan -DCMAKE_BUILD_TYPE=Debug -DNETRPC_SANITIZE=thread -DNETRPC_BUILD_BENCH=OFF \
    -DCMAKE_CXX_COMPILER=clang++-14
fi
if [ "${NETRPC_FUZZ_SECONDS:-15}" != 0 ]; then
  echo "== fuzz every decoder for ${NETRPC_FUZZ_SECONDS:-15} s (libFuzzer, ASan+UBSan)"
  bash scripts/fuzz.sh "${NETRPC_FUZZ_SECONDS:-15}"
fi
echo "== all tests passed"
