#!/usr/bin/env bash
# Soak test of the interactive view in a real terminal (tmux). Not run by `cargo test`: it takes
# minutes. For SECONDS seconds (default 300) it drives `claimcheck demo --mouse` with random
# keys, mouse clicks and wheel turns, bracketed pastes of real demo tokens, resizes between
# 20×5 and 200×60, fetches from a slow command (`sh:` through the fetch menu) and the matrix
# (whose recompute runs while tokens arrive). Then:
#
#   run 1 ends with Esc (to close whatever is open) and `q`: the process must exit within
#          100 ms of the `q`, with status 0;
#   run 2 ends by killing the tmux server (the terminal goes away): within 2 s no claimcheck
#          process (by PID) and no fetch command it started may be left.
#
# Usage: tests/soak.sh [SECONDS]       (default 300; tests/tmux-smoke.sh runs a 30-second one)
#        CLAIMCHECK_BIN=path tests/soak.sh 60
#        SOAK_SEED=42 tests/soak.sh    (the same random sequence again)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v tmux >/dev/null || { echo "soak: tmux is not installed" >&2; exit 2; }
seconds=${1:-300}
bin=${CLAIMCHECK_BIN:-target/debug/claimcheck}
[ -x "$bin" ] || cargo build --quiet
bin=$(realpath "$bin")
RANDOM=${SOAK_SEED:-$$}
echo "soak: ${seconds}s per run, seed ${SOAK_SEED:-$$}"

work=$(mktemp -d)
session="claimcheck-soak-$$"
tmux_() { tmux -L "$session" -f /dev/null "$@"; }
cleanup() { tmux_ kill-server 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
screen() { tmux_ capture-pane -p -t "$session" 2>/dev/null || true; }
wait_for() {
  for _ in $(seq 100); do
    screen | grep -qF -- "$1" && return 0
    sleep 0.1
  done
  return 1
}

# Real demo tokens to paste, and a slow token command for the fetch menu.
names=(github-environment github-branch github-pull-request gitlab gitpod kubernetes eks-irsa ona)
tokens=()
for name in "${names[@]}"; do tokens+=("$("$bin" demo --print-token "$name")"); done
printf '%s\n' "${tokens[0]}" >"$work/fetched-token"
cat >"$work/slow-fetch.sh" <<SCRIPT
sleep 2
cat "$work/fetched-token"
SCRIPT
# The fetch under way when the terminal goes away (run 2) outlasts the checks: a command left
# behind must still be running when they look for it.
cat >"$work/hung-fetch.sh" <<SCRIPT
sleep 60
cat "$work/fetched-token"
SCRIPT

# Keys a user presses, q and Ctrl-C left out (the end is chosen, not random); E and o open the
# editor, which is `true` here.
keys=(j k g G Tab BTab Enter Escape n N PageUp PageDown Up Down Left Right '?' t / x M e w a A K
      R r y c v p 1 2 z Space BSpace Home End F1 E o)

# One random action, as a user would take it.
act() {
  local width=$1 height=$2
  case $((RANDOM % 20)) in
    0) # a resize between 20×5 and 200×60
      tmux_ resize-window -t "$session" -x $((20 + RANDOM % 181)) -y $((5 + RANDOM % 56)) ;;
    1) # a bracketed paste of a real token
      tmux_ set-buffer -- "${tokens[$((RANDOM % ${#tokens[@]}))]}"
      tmux_ paste-buffer -p -t "$session" ;;
    2) # a click or a wheel turn somewhere (SGR mouse: button;column;row, 1-based)
      local x=$((1 + RANDOM % width)) y=$((1 + RANDOM % height))
      local button=$(((RANDOM % 3 == 0) ? 0 : 64 + RANDOM % 2))
      tmux_ send-keys -t "$session" -l $'\e'"[<$button;$x;${y}M"$'\e'"[<$button;$x;${y}m" ;;
    3) # a fetch from a slow command through the menu (left running or cancelled at random)
      fetch ;;
    *) tmux_ send-keys -t "$session" "${keys[$((RANDOM % ${#keys[@]}))]}" ;;
  esac
}

# A fetch of `sh SCRIPT` (default: the slow one).
fetch() {
  local script=${1:-$work/slow-fetch.sh}
  tmux_ send-keys -t "$session" Escape Escape f
  for _ in $(seq 15); do
    screen | grep -qF "› sh:COMMAND" && break
    tmux_ send-keys -t "$session" j
    sleep 0.05
  done
  if screen | grep -qF "› sh:COMMAND"; then
    tmux_ send-keys -t "$session" Enter
    tmux_ send-keys -t "$session" -l "sh $script"
    tmux_ send-keys -t "$session" Enter
    # Open the matrix while the fetch runs: its recompute starts when the token arrives.
    tmux_ send-keys -t "$session" M
  else
    tmux_ send-keys -t "$session" Escape
  fi
}

# Runs the soak; leaves the claimcheck PID in $app_pid.
soak() {
  local run=$1
  rm -f "$work/rc" "$work/exited"
  cat >"$work/run.sh" <<SCRIPT
EDITOR=true VISUAL=true NO_COLOR=1 CLAIMCHECK_CONFIG="$work/none.toml" "$bin" demo --mouse --clipboard off
rc=\$?
date +%s%N >"$work/exited"
echo "rc=\$rc" >"$work/rc"
sleep 30
SCRIPT
  # A fresh server: one started while the last is still going down fails.
  for _ in $(seq 20); do tmux_ ls >/dev/null 2>&1 || break; sleep 0.1; done
  for _ in 1 2 3; do
    tmux_ new-session -d -s "$session" -x 120 -y 40 "bash $work/run.sh" 2>/dev/null && break
    sleep 0.3
  done
  wait_for "token 1/8" || { fail "run $run: no first frame"; screen >&2; return 1; }
  app_pid=$(pgrep -P "$(tmux_ display -p -t "$session" '#{pane_pid}')" -x claimcheck || true)
  [ -n "$app_pid" ] || { fail "run $run: could not find the claimcheck process"; return 1; }
  local width=120 height=40 end=$((SECONDS + seconds)) actions=0
  while [ "$SECONDS" -lt "$end" ]; do
    read -r width height < <(tmux_ display -p -t "$session" '#{window_width} #{window_height}') || true
    act "$width" "$height"
    actions=$((actions + 1))
    sleep 0.0$((RANDOM % 10))
    if ! kill -0 "$app_pid" 2>/dev/null; then
      fail "run $run: claimcheck exited during the soak ($(cat "$work/rc" 2>/dev/null))"
      screen >&2
      return 1
    fi
  done
  echo "soak run $run: $actions actions in ${seconds}s"
}

# Run 1: q quits within 100 ms and exits 0.
if soak 1; then
  tmux_ resize-window -t "$session" -x 120 -y 40
  # Close inputs, menus, overlays and the matrix (Esc also cancels a fetch under way).
  for _ in 1 2 3 4 5 6; do tmux_ send-keys -t "$session" Escape; sleep 0.1; done
  sleep 0.5
  sent=$(date +%s%N)
  tmux_ send-keys -t "$session" q
  for _ in $(seq 40); do [ -s "$work/rc" ] && break; sleep 0.05; done
  if [ -s "$work/rc" ]; then
    took=$((($(cat "$work/exited") - sent) / 1000000))
    echo "soak run 1: q answered in ${took} ms, $(cat "$work/rc")"
    [ "$took" -le 100 ] || fail "run 1: q took ${took} ms (limit 100 ms)"
    [ "$(cat "$work/rc")" = "rc=0" ] || fail "run 1: exit status $(cat "$work/rc")"
  else
    fail "run 1: q did not quit within 2 s"
    screen >&2
    kill -KILL "$app_pid" 2>/dev/null || true
  fi
fi
tmux_ kill-server 2>/dev/null || true

# Run 2: the terminal goes away; nothing may be left behind.
if soak 2; then
  # A size the fetch menu fits in (the last resize may have left a screen too small for it).
  tmux_ resize-window -t "$session" -x 120 -y 40
  sleep 0.3
  fetch "$work/hung-fetch.sh"
  for _ in $(seq 20); do pgrep -f "$work/hung-fetch.sh" >/dev/null && break; sleep 0.1; done
  fetchers=$(pgrep -f "$work/hung-fetch.sh" || true)
  [ -n "$fetchers" ] || { fail "run 2: the last fetch had not started when the terminal went away"; screen >&2; }
  tmux_ kill-server
  for _ in $(seq 20); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$app_pid" 2>/dev/null; then
    fail "run 2: claimcheck (pid $app_pid) still runs 2 s after its terminal went away"
    # What each thread is doing, for the report.
    for task in /proc/"$app_pid"/task/*; do
      echo "  thread $(cat "$task/comm" 2>/dev/null): state $(cut -d' ' -f3 "$task/stat" 2>/dev/null)," \
        "waiting in $(cat "$task/wchan" 2>/dev/null), syscall $(cut -d' ' -f1 "$task/syscall" 2>/dev/null)" >&2
    done
    kill -KILL "$app_pid" 2>/dev/null || true
  else
    echo "soak run 2: claimcheck gone after the terminal went away"
  fi
  # A killed command may take a moment to go; a zombie (state Z) has gone, only not been
  # reaped by whoever inherited it.
  sleep 0.5
  for pid in $fetchers; do
    state=$(awk '/^State:/ {print $2}' /proc/"$pid"/status 2>/dev/null || true)
    if [ -n "$state" ] && [ "$state" != Z ]; then
      fail "run 2: the fetch command (pid $pid, state $state: $(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null)) outlived claimcheck"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
fi

if [ "$failures" -gt 0 ]; then
  echo "soak: $failures failure(s)" >&2
  exit 1
fi
echo "soak: ok"
