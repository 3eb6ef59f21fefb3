#!/usr/bin/env bash
# claimcheck against the tools people would pick instead, in one run on this machine:
#   - decode, --version and verify (local JWKS) against jwt-cli (crates.io `jwt-cli`, binary `jwt`),
#     installed into a scratch cargo root under target/ when missing;
#   - preview over 100 000 JSON-lines claim sets × 20 AWS trust policies against
#     benches/preview_reference.py (json + re, the same matching);
#   - preview over 1 000 000 signed tokens × 20 mixed rules (goal: under 15 s on 2 cores, memory
#     flat: the same peak RSS as for 100 000);
#   - decoding 1, 5 and 10 MB tokens (goal: time and memory linear in the size).
# Each ratio comes from interleaved pairs (benches/compare_pairs.py): medians and their ratio,
# plus peak RSS from /usr/bin/time -v. On a shared machine compare ratios, not absolute times,
# and note the load average printed at the start and the end.
#
# Usage: benches/compare.sh [PAIRS]     (default 30 pairs for the one-shot commands; the preview
#        comparison uses PAIRS / 6, at least 3, because one Python run takes seconds)
# Inputs go to target/compare/ (the 1 000 000-token corpus is 1.1 GB and is kept between runs).
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-30}
preview_pairs=$(( pairs / 6 > 3 ? pairs / 6 : 3 ))
work=target/compare
tools=target/compare-tools
jwt_version=6.2.0
mkdir -p "$work"
# No user configuration: the same run everywhere (a config file could pin keys or set timeouts).
export CLAIMCHECK_CONFIG="$PWD/$work/no-config.toml"

command -v python3 >/dev/null || { echo "compare.sh needs python3 (the reference script and the timer)" >&2; exit 2; }
command -v openssl >/dev/null || { echo "compare.sh needs openssl (it signs the test tokens)" >&2; exit 2; }
if [ ! -x "$tools/bin/jwt" ]; then
  echo "installing jwt-cli $jwt_version into $tools (once)" >&2
  cargo install --quiet --locked --root "$tools" --version "$jwt_version" jwt-cli
fi
jwt=$tools/bin/jwt
echo "building the release binary (profile in Cargo.toml; see docs/PERFORMANCE.md for the build time)" >&2
cargo build --release --quiet
bin=target/release/claimcheck

python3 benches/compare_inputs.py "$work" assets/demo/keys
[ -x /usr/bin/time ] || echo "/usr/bin/time is missing: peak RSS is skipped" >&2

echo "claimcheck $(git rev-parse --short HEAD 2>/dev/null || echo '(no git)') vs $("$jwt" --version) and Python $(python3 -c 'import platform; print(platform.python_version())')"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo

pair() { python3 benches/compare_pairs.py "$@"; }
rs=$(cat "$work/token-rs256.jwt")
es=$(cat "$work/token-es256.jwt")
ed=$(cat "$work/token-eddsa.jwt")
jwks=$work/jwks.json

echo "## start-up (goal: time ≤ 1.0×, peak memory ≤ 1.5× jwt-cli)"
pair "decode (text)" "$pairs" -- "$bin" decode --color never "$rs" -- "$jwt" decode "$rs"
pair "decode --json" "$pairs" -- "$bin" decode --json "$rs" -- "$jwt" decode --json "$rs"
pair "--version" "$pairs" -- "$bin" --version -- "$jwt" --version
echo
echo "## verify with a local JWKS file (goal: ≤ 1.1× jwt-cli)"
pair "verify RS256" "$pairs" -- "$bin" verify --color never --jwks "$jwks" "$rs" -- "$jwt" decode --alg RS256 --secret "@$jwks" "$rs"
pair "verify ES256" "$pairs" -- "$bin" verify --color never --jwks "$jwks" "$es" -- "$jwt" decode --alg ES256 --secret "@$jwks" "$es"
pair "verify EdDSA" "$pairs" -- "$bin" verify --color never --jwks "$jwks" "$ed" -- "$jwt" decode --alg EDDSA --secret "@$jwks" "$ed"
pair "verify --offline RS256" "$pairs" -- "$bin" verify --offline --color never --jwks "$jwks" "$rs" -- "$jwt" decode --alg RS256 --secret "@$jwks" "$rs"
echo
echo "## preview, 100 000 JSON-lines claim sets × 20 AWS trust policies (goal: ≥ 20× faster than Python)"
aws_rules=("$work"/rules-aws/*.json)
rule_args=()
for f in "${aws_rules[@]}"; do rule_args+=(--rules "aws:$f"); done
ours=$("$bin" preview --tokens "$work/corpus-claims.jsonl" "${rule_args[@]}" --now 1800000000 --json |
  python3 -c 'import json, sys; d = json.load(sys.stdin)["preview"]; print([sum(g["current"][i]["allowed"] for g in d["groups"]) for i in range(20)])')
theirs=$(python3 benches/preview_reference.py "$work/corpus-claims.jsonl" "${aws_rules[@]}" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["allowed"])')
if [ "$ours" != "$theirs" ]; then
  echo "the two disagree on how many claim sets each policy admits: claimcheck $ours, Python $theirs" >&2
  exit 1
fi
echo "both count the same admissions per policy: $ours"
pair "preview 100k × 20 AWS vs Python (inverse: speed-up)" "$preview_pairs" -- \
  "$bin" preview --tokens "$work/corpus-claims.jsonl" "${rule_args[@]}" --now 1800000000 --json -- \
  python3 benches/preview_reference.py "$work/corpus-claims.jsonl" "${aws_rules[@]}"
echo
echo "## preview, signed tokens × 20 mixed rules (goal: 1 000 000 in under 15 s on 2 cores, flat memory)"
mixed_args=()
for f in "$work"/rules-mixed/*; do mixed_args+=(--rules "$f"); done
head -n 100000 "$work/tokens-1m.txt" > "$work/tokens-100k.txt"
for corpus in tokens-100k.txt tokens-1m.txt; do
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "%e s wall, %U s user + %S s system, peak RSS %M kB" -o "$work/time.txt" \
      "$bin" preview --tokens "$work/$corpus" "${mixed_args[@]}" --now 1800000000 --json > /dev/null
    echo "preview $corpus × 20 mixed rules: $(cat "$work/time.txt")"
  else
    start=$(date +%s.%N)
    "$bin" preview --tokens "$work/$corpus" "${mixed_args[@]}" --now 1800000000 --json > /dev/null
    echo "preview $corpus × 20 mixed rules: $(echo "$(date +%s.%N) - $start" | bc) s wall"
  fi
done
echo
echo "## large tokens (goal: linear time and memory; jwt-cli for scale)"
for size in 1 5 10; do
  token=$work/token-${size}mb.jwt
  # On standard input: one argument cannot exceed 128 KiB on Linux (MAX_ARG_STRLEN).
  pair "decode --json ${size} MB token (stdin)" 5 --stdin "$token" -- "$bin" decode --json --max-bytes 20000000 - -- "$jwt" decode --json -
done
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
