#!/usr/bin/env bash
# run.sh CLUSTER_BINARY EXPECTED: runs the cluster example and compares what it printed.
set -euo pipefail
out=$(timeout 60 "$1")
echo "$out"
diff -u "$2" <(echo "$out")
