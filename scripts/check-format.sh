#!/usr/bin/env bash
# check-format.sh: fails when a tracked C++ file differs from what clang-format makes of it
# (.clang-format: Google base, 100 columns). Fix with: clang-format -i FILE...
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cc' '*.h' 2>/dev/null || find src include tests examples tools bench fuzz -name '*.cc' -o -name '*.h')
clang-format --dry-run --Werror "${files[@]}"
echo "${#files[@]} files formatted"
