#!/usr/bin/env bash
# Time to the first frame of the interactive view (docs/ARCHITECTURE.md §9: under 50 ms with a token
# argument), measured by the binary itself: with CLAIMCHECK_REPORT_FIRST_FRAME set it prints,
# after restoring the terminal, how long it took from entering main's command dispatch to the
# end of the first draw. Runs in a real terminal (tmux), release build.
#
# Usage: benches/first-frame.sh [RUNS]     (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
command -v tmux >/dev/null || { echo "tmux is not installed" >&2; exit 2; }
cargo build --release --quiet
bin=$(realpath target/release/claimcheck)
token=$("$bin" demo --print-token github-environment)
work=$(mktemp -d)
session="claimcheck-first-frame-$$"
tmux_() { tmux -L "$session" -f /dev/null "$@"; }
trap 'tmux_ kill-server 2>/dev/null || true; rm -rf "$work"' EXIT

measure() { # LABEL ARGS...
  local label=$1; shift
  local results=()
  for i in $(seq "$runs"); do
    printf 'CLAIMCHECK_REPORT_FIRST_FRAME=1 CLAIMCHECK_CONFIG=%q %q' "$work/none.toml" "$bin" >"$work/run.sh"
    printf ' %q' "$@" >>"$work/run.sh"
    printf ' 2>%q; sleep 5\n' "$work/out-$i" >>"$work/run.sh"
    tmux_ new-session -d -s "$session" -x 120 -y 40 "bash $work/run.sh"
    sleep 0.5
    tmux_ send-keys -t "$session" q
    for _ in $(seq 50); do [ -s "$work/out-$i" ] && break; sleep 0.1; done
    tmux_ kill-session -t "$session" 2>/dev/null || true
    results+=("$(grep -o '[0-9.]* ms' "$work/out-$i" | cut -d' ' -f1)")
  done
  printf '%s\n' "${results[@]}" | sort -n | awk -v label="$label" '
    { v[NR] = $1 }
    END { printf "%-28s runs %d  min %.1f ms  median %.1f ms  max %.1f ms\n", label, NR, v[1], v[int((NR + 1) / 2)], v[NR] }'
}

measure "claimcheck demo" demo
measure "claimcheck TOKEN" "$token"
