#!/usr/bin/env bash
# check-snippets.sh: every README code block marked <!-- snippet: FILE --> must equal FILE,
# so the README's examples are the ones CI builds.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - <<'PY'
import re, sys
readme = open("README.md").read()
bad = 0
for m in re.finditer(r"<!-- snippet: (\S+) -->\s*```\w*\n(.*?)```", readme, re.S):
    path, block = m.group(1), m.group(2)
    if open(path).read() != block:
        print(f"README snippet differs from {path}")
        bad += 1
found = len(re.findall(r"<!-- snippet:", readme))
print(f"{found} snippets checked, {bad} differ")
sys.exit(1 if bad or found == 0 else 0)
PY
