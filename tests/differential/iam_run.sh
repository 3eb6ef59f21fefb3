#!/bin/sh
# Differential test of claimcheck's AWS trust-policy evaluation against
# cloud-copilot/iam-simulate (an independent IAM policy engine, from the npm registry).
# Not part of `cargo test`: it needs the registry once, to install the engine into .cache/.
#
#   tests/differential/iam_run.sh [--cases N] [--seed S] [--jobs J] [--show K]
#
# Results and the corrections applied are described in tests/differential/README.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache="$here/.cache"
engine_version=0.1.173

if [ ! -f "$cache/node_modules/@cloud-copilot/iam-simulate/package.json" ]; then
    mkdir -p "$cache"
    [ -f "$cache/package.json" ] || echo '{"private": true}' > "$cache/package.json"
    (cd "$cache" && npm install --no-audit --no-fund --silent "@cloud-copilot/iam-simulate@$engine_version")
fi
# The engine runner must sit beside node_modules to import the engine.
cp "$here/iam_engine.mjs" "$cache/iam_engine.mjs"

binary="$root/target/release/claimcheck"
(cd "$root" && cargo build --release --quiet)

exec python3 "$here/iam_differential.py" --cache "$cache" --claimcheck "$binary" "$@"
