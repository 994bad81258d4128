#!/usr/bin/env bash
# fuzz.sh [seconds-per-target]: builds every libFuzzer target in fuzz/ with clang 14
# (ASan+UBSan) into build-fuzz/, runs each for the budget (default 20 s) on a fresh copy of its
# seed corpus, and prints executions and coverage per target. Exits non-zero on any crash,
# leak, timeout or out-of-memory, keeping the input under build-fuzz/crashes/<target>/.
# Environment: FUZZ_BUILD_DIR (default build-fuzz), FUZZ_TARGETS (space-separated subset).
set -euo pipefail

secs=${1:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$root/fuzz" -B "$build" "${generator[@]}" -DCMAKE_CXX_COMPILER=clang++-14 >/dev/null
else
  cmake -S "$root/fuzz" -B "$build" >/dev/null
fi
echo "== building fuzz targets in $build"
cmake --build "$build" -j 2 | grep -Ev '^\[[0-9]+/[0-9]+\] (Building|Linking)' || true
[[ ${PIPESTATUS[0]} -eq 0 ]] || { echo "fuzz.sh: build failed" >&2; exit 2; }

read -r -a targets <<<"${FUZZ_TARGETS:-$(tr ';' ' ' <"$build/targets.txt")}"

dict_for() {
  case $1 in
    jsonrpc_*|gee_option) echo "$root/fuzz/dict/json.dict" ;;
    http_connect) echo "$root/fuzz/dict/http.dict" ;;
    sniff) echo "$root/fuzz/dict/sniff.dict" ;;
  esac
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
failed=()
printf '== fuzzing %d targets for %s s each\n' "${#targets[@]}" "$secs"
printf '%-18s %-6s %12s %8s %8s %8s\n' target result execs cov ft corpus
for t in "${targets[@]}"; do
  work=$build/run/$t
  crashes=$build/crashes/$t
  rm -rf "$work"
  mkdir -p "$work/corpus" "$crashes"
  if compgen -G "$root/fuzz/corpus/$t/*" >/dev/null; then cp "$root/fuzz/corpus/$t/"* "$work/corpus/"; fi
  args=(-max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 -timeout=10
        -print_final_stats=1 -artifact_prefix="$crashes/")
  dict=$(dict_for "$t")
  [[ -n $dict ]] && args+=(-dict="$dict")
  status=0
  "$build/$t" "${args[@]}" "$work/corpus" >"$work/log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  stats=$(grep -E '^#[0-9]+.*cov: ' "$work/log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$stats")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$stats")
  corp=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$stats")
  if [[ $status -eq 0 ]]; then
    printf '%-18s %-6s %12s %8s %8s %8s\n' "$t" ok "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}"
  else
    printf '%-18s %-6s %12s %8s %8s %8s\n' "$t" FAIL "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}"
    failed+=("$t")
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error:|ALARM|ERROR: libFuzzer)' "$work/log" | head -5 | sed 's/^/    /'
    unit=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$work/log" | tail -1)
    echo "    input: ${unit:-(none written)}"
    echo "    log:   $work/log"
    [[ -n $unit ]] && echo "    reproduce: $build/$t $unit"
  fi
done

if [[ ${#failed[@]} -ne 0 ]]; then
  echo "fuzz.sh: ${#failed[@]} target(s) failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: all targets clean"
