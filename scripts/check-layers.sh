#!/usr/bin/env bash
# check-layers.sh: fails when a file in src/<layer>/ includes a header of a layer that is not
# below it, or when the public include/netrpc/ includes anything from src/. The build catches
# most of this already (each layer compiles against its own include root); this also covers
# headers that no source of their own layer includes, and relative paths such as "../server/x.h".
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - <<'PY'
import os, re, sys

# Each layer and the layers right below it, as in CMakeLists.txt's netrpc_layer lines. Written
# out again here on purpose: a wrong netrpc_layer line would change the build's roots, not this.
BELOW = {
    "types": [],
    "codec": ["types"],
    "protocol": ["codec"],
    "transport": ["protocol"],
    "server": ["transport"],
    "client": ["transport"],
    "http": ["server"],
    "xclient": ["client"],
}
ORDER = "types < codec < protocol < transport < server < http; transport < client < xclient"

def sees(layer):  # the layer itself and everything below it
    out = {layer}
    for b in BELOW[layer]:
        out |= sees(b)
    return out

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')

def target_layer(path, quote, name):
    """The src/ layer that `#include name` in path reaches, or None if it reaches none."""
    if quote == '"':  # a quoted include looks next to the including file first
        local = os.path.normpath(os.path.join(os.path.dirname(path), name))
        if os.path.exists(local):
            parts = local.split(os.sep)
            return parts[1] if parts[0] == "src" and len(parts) > 2 else None
    first = name.split("/")[0]
    return first if os.path.isdir(os.path.join("src", first)) else None

def files(top):
    for root, _, names in os.walk(top):
        for n in sorted(names):
            if n.endswith((".h", ".cc")):
                yield os.path.join(root, n)

bad = 0
checked = 0
for layer in sorted(os.listdir("src")):
    if os.path.isdir(os.path.join("src", layer)) and layer not in BELOW:
        print(f"src/{layer}/: not in check-layers.sh's BELOW table; add it with the layers below")
        bad += 1
for path in sorted(files("src")) + sorted(files("include")):
    checked += 1
    own = path.split(os.sep)[1] if path.startswith("src" + os.sep) else None
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            quote, name = m.groups()
            reached = target_layer(path, quote, name)
            if own is None:  # include/netrpc/
                if reached is not None or name.startswith("src/"):
                    print(f'{path}:{lineno}: #include "{name}": include/netrpc/ is the public API '
                          f"and may include only netrpc/ and outside headers, never src/")
                    bad += 1
            elif own in BELOW and reached is not None and reached not in sees(own):
                allowed = ", ".join(sorted(sees(own), key=list(BELOW).index))
                print(f'{path}:{lineno}: #include "{name}": {own} may include only {allowed} '
                      f"and include/netrpc/, not {reached}")
                bad += 1
if bad:
    print(f"layers, lowest first: {ORDER} (server and client are siblings)")
print(f"{checked} files checked, {bad} layer violations")
sys.exit(1 if bad else 0)
PY
