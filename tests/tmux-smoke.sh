#!/usr/bin/env bash
# Smoke test of the interactive view in a real terminal (tmux): starts `claimcheck demo`, moves
# to the next token, opens the why panel, opens and closes help, quits, and checks what the
# screen showed and that the terminal was restored (raw mode off, alternate screen left, mouse
# and bracketed paste off, cursor visible).
#
# The demo runs with a TMPDIR of its own, which must be empty after it: its keys are pinned in
# memory.
#
# Further runs: a paste and a resize before q (the q must not wait for another key); SIGTERM and
# SIGHUP while idle, in the middle of a paste, a resize and a fetch (the terminal restored, exit
# status 143 and 129, the fetch's command stopped); and the terminal lost (the tmux server
# killed) in the same four moments: the process must be gone within 2 s rather than linger
# reading a dead terminal, and leave no fetch command behind.
#
# A fourth run opens on an empty paste prompt, offline: a token is pasted, a rule file is added
# from inside the view (A, with Tab completing its name) and a JWKS file is given in the
# signature input (K); the signature must read verified and the rule's verdict show, without
# quitting.
#
# A fifth run pastes a 2 000-line CI log holding a token and an STS AccessDenied into an empty
# view with a rule file: the token, its verdict and the explanation of the error must show.
#
# Then: the why panel at 100×30 opens on the failing check; with --mouse a click focuses the pane
# under the pointer and the wheel scrolls it; `preview --tui` with a widened proposal shows the
# Regions list beside the matrix, and Enter on a region that gains access opens its witness with
# the current rule ✗ and the proposed one ✓, both whys in one panel; `check` stacks its
# conditions on an 80-column terminal; Ctrl-Z stops the view as a shell job and `fg` brings it
# back; and a 30-second soak (tests/soak.sh 15, two runs of 15 s).
#
# Usage: tests/tmux-smoke.sh            (uses target/debug/claimcheck, building it if needed)
#        CLAIMCHECK_BIN=path tests/tmux-smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v tmux >/dev/null || { echo "tmux-smoke: tmux is not installed" >&2; exit 2; }
bin=${CLAIMCHECK_BIN:-target/debug/claimcheck}
[ -x "$bin" ] || cargo build --quiet
bin=$(realpath "$bin")

work=$(mktemp -d)
session="claimcheck-smoke-$$"
# A private tmux server, so the user's sessions and settings play no part.
tmux_() { tmux -L "$session" -f /dev/null "$@"; }
cleanup() { tmux_ kill-server 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
screen() { tmux_ capture-pane -p -t "$session"; }
# Waits up to 10 s for TEXT on the screen.
wait_for() {
  for _ in $(seq 100); do
    screen | grep -qF -- "$1" && return 0
    sleep 0.1
  done
  return 1
}
expect() { wait_for "$1" || { fail "$2: expected '$1' on screen"; screen >&2; }; }
keys() { tmux_ send-keys -t "$session" "$@"; sleep 0.3; }

# A new session on a fresh server: killing the last session makes the server exit, and a
# session started while it is still going down fails ("server exited unexpectedly"), which a
# loaded machine made happen between the runs below.
fresh_session() {
  tmux_ kill-server 2>/dev/null || true
  for _ in $(seq 20); do tmux_ ls >/dev/null 2>&1 || break; sleep 0.1; done
  for _ in 1 2 3; do tmux_ new-session -d -s "$session" "$@" 2>/dev/null && return 0; sleep 0.3; done
  tmux_ new-session -d -s "$session" "$@"
}

mkdir "$work/demo-tmp"
cat >"$work/run.sh" <<SCRIPT
stty -g >"$work/stty-before"
echo SMOKE-SHELL-BEFORE
NO_COLOR=1 TMPDIR="$work/demo-tmp" CLAIMCHECK_CONFIG="$work/none.toml" "$bin" demo
echo "rc=\$?" >"$work/rc"
stty -g >"$work/stty-after"
echo SMOKE-SHELL-AFTER
# Anything pasted now must arrive without bracketed-paste markers.
head -n 1 | od -c >"$work/paste-after"
sleep 30
SCRIPT

tmux_ new-session -d -s "$session" -x 120 -y 40 "bash $work/run.sh"

expect "token 1/8" "first frame"
expect "github-environment" "first demo token"
# Rule files are headed by their names (the demo's paths are long and alike at the start).
expect "│aws-deploy-role.json" "rule file named by its file name"
# The provider document holds no rule of its own: it says what it is, not "0 rules".
expect "OIDC provider" "the provider document named for what it holds"
# The policies read again for the provider document beside them were not changed by anyone:
# no "reloaded" notice (every demo start said so).
sleep 1
screen | grep -qF "reloaded" && fail "a rule file nobody changed is announced as reloaded"
[ "$(tmux_ display -p -t "$session" '#{alternate_on}')" = 1 ] || fail "the UI should use the alternate screen"
[ "$(tmux_ display -p -t "$session" '#{mouse_any_flag}')" = 0 ] || fail "mouse capture should be off by default"

keys n
expect "token 2/8" "next token"
expect "github-branch" "next token's source"

# Shift-Tab as a terminal sends it (ESC [ Z, which crossterm reports with SHIFT) moves focus back
# (Claims → Token); two Tabs then reach the rules, where Enter opens the why panel. Were
# Shift-Tab ignored, the Tabs would land on the why pane and Enter would open nothing.
keys BTab Tab Tab Enter
if screen | grep -qF "┌ Why"; then
  echo "why panel opened"
  # Enter gave the panel the focus: its hint must not send the user away with Tab.
  screen | grep -qF "Tab here" && fail "the focused why panel says to Tab to it"
else
  # Without rule files (or with a build that cannot evaluate them) there is no verdict to
  # explain; the UI must say so rather than open an empty panel.
  expect "no rule verdict selected" "why panel without verdicts"
  echo "note: no rule verdicts in this build, so the why panel could not be opened"
fi

keys '?'
expect "Keys (Esc or ? closes" "help overlay"
expect "next token" "help lists the keymap"
# End (as the terminal sends it) scrolls the help to its last line rather than closing it;
# PageUp scrolls back.
keys End
expect '"ctrl-n"].' "End scrolls the help to its bottom"
keys PageUp
expect "Keys (Esc or ? closes" "PageUp keeps the help open"
keys Escape
screen | grep -qF "Keys (Esc or ? closes" && fail "Esc should close the help"

keys q
wait_for SMOKE-SHELL-AFTER || fail "claimcheck did not exit on q"
[ "$(cat "$work/rc" 2>/dev/null)" = "rc=0" ] || fail "exit status: $(cat "$work/rc" 2>/dev/null)"
cmp -s "$work/stty-before" "$work/stty-after" || fail "terminal modes (stty) not restored"
[ "$(tmux_ display -p -t "$session" '#{alternate_on}')" = 0 ] || fail "still on the alternate screen"
[ "$(tmux_ display -p -t "$session" '#{cursor_flag}')" = 1 ] || fail "cursor left hidden"
screen | grep -qF SMOKE-SHELL-BEFORE || fail "the shell's screen was not restored"
[ -z "$(ls -A "$work/demo-tmp")" ] || fail "the demo left files in TMPDIR: $(ls -A "$work/demo-tmp")"

tmux_ set-buffer -- "pasted"
tmux_ paste-buffer -p -t "$session"
keys Enter
for _ in $(seq 30); do [ -s "$work/paste-after" ] && break; sleep 0.1; done
if grep -q '033' "$work/paste-after"; then fail "bracketed paste still enabled after exit"; fi
grep -q 'p   a   s   t   e   d' "$work/paste-after" || fail "paste after exit not seen: $(cat "$work/paste-after")"

# A bracketed paste, then a resize, then q: the q must quit at once. crossterm's own resize
# signal, left pending, used to hide the readiness of the next key, which then waited in the
# terminal until another key arrived.
tmux_ kill-session -t "$session"
cat >"$work/paste-resize.sh" <<SCRIPT
NO_COLOR=1 CLAIMCHECK_CONFIG="$work/none.toml" "$bin" demo
echo "rc=\$?" >"$work/paste-resize-rc"
echo SMOKE-PASTE-RESIZE-DONE
sleep 30
SCRIPT
fresh_session -x 120 -y 40 "bash $work/paste-resize.sh"
expect "token 1/8" "first frame before the paste"
tmux_ set-buffer -- "eyJhbGciOiJSUzI1NiJ9.$(head -c 1500 /dev/zero | tr '\0' a).c2ln"
tmux_ paste-buffer -p -t "$session"
sleep 0.5
tmux_ resize-window -t "$session" -x 80 -y 24
sleep 0.5
tmux_ send-keys -t "$session" q
for _ in $(seq 20); do [ -s "$work/paste-resize-rc" ] && break; sleep 0.1; done
[ -s "$work/paste-resize-rc" ] || { fail "q after a paste and a resize did not quit within 2 s"; screen >&2; }

# The smallest screen (40×10) keeps what matters: the signature and expiry in the header, and
# the paste prompt's input line and error (the explanation above them gives way).
tmux_ kill-session -t "$session"
fresh_session -x 40 -y 10 \
  "NO_COLOR=1 CLAIMCHECK_CONFIG=$work/none.toml $bin demo; sleep 30"
expect "sig verified" "the signature state at 40×10"
expect "left" "the expiry at 40×10"
keys a h e l l o Enter
expect "> hello" "the prompt's input line at 40×10"
expect "✗ not a token" "the prompt's error at 40×10"

# A token command that takes its time, for a fetch under way when the signal or the hang-up
# comes; it must not outlive the view.
token=$("$bin" demo --print-token github-environment)
printf '%s\n' "$token" >"$work/fetched-token"
printf 'sleep 20\ncat %s\n' "$work/fetched-token" >"$work/slow-fetch.sh"
head -c 300000 /dev/zero | tr '\0' a >"$work/big-paste"
# Puts the view in MOMENT: idle, in the middle of a large paste, just resized, or with a
# fetch (of sh:COMMAND, through the fetch menu) under way.
enter_moment() {
  case $1 in
    paste)
      tmux_ load-buffer "$work/big-paste"
      tmux_ paste-buffer -p -t "$session"
      ;;
    resize) tmux_ resize-window -t "$session" -x 60 -y 20 ;;
    fetch)
      keys f
      for _ in $(seq 15); do
        screen | grep -qF "› sh:COMMAND" && break
        keys j
      done
      keys Enter
      tmux_ send-keys -t "$session" -l "sh $work/slow-fetch.sh"
      keys Enter
      for _ in $(seq 30); do pgrep -f "$work/slow-fetch.sh" >/dev/null && break; sleep 0.1; done
      pgrep -f "$work/slow-fetch.sh" >/dev/null || { fail "the fetch did not start"; screen >&2; }
      ;;
  esac
}
# The fetch command is gone (a zombie has gone too: only its reaping is left).
fetch_gone() {
  sleep 0.5
  for pid in $(pgrep -f "$work/slow-fetch.sh" || true); do
    state=$(awk '/^State:/ {print $2}' /proc/"$pid"/status 2>/dev/null || true)
    if [ -n "$state" ] && [ "$state" != Z ]; then
      fail "the fetch command (pid $pid) outlived claimcheck ($1)"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}

# SIGTERM and SIGHUP while the UI runs, idle or busy with a paste, a resize or a fetch: it must
# quit within a second, leave the terminal as it found it, stop the fetch's command, and exit as
# the signal asks (128 + its number, as a shell reports it).
for signal in TERM HUP; do
  for moment in idle paste resize fetch; do
    tmux_ kill-session -t "$session" 2>/dev/null || true
    rm -f "$work/term-rc" "$work/term-after"
    cat >"$work/term.sh" <<SCRIPT
stty -g >"$work/term-before"
NO_COLOR=1 CLAIMCHECK_CONFIG="$work/none.toml" "$bin" demo
echo "rc=\$?" >"$work/term-rc"
stty -g >"$work/term-after"
echo SMOKE-TERM-DONE
sleep 30
SCRIPT
    fresh_session -x 100 -y 30 "bash $work/term.sh"
    expect "token 1/8" "first frame before SIG$signal ($moment)"
    # The input thread starts after the first frame; what follows must reach it.
    sleep 0.5
    shell_pid=$(tmux_ display -p -t "$session" '#{pane_pid}')
    app_pid=$(pgrep -P "$shell_pid" -x claimcheck || true)
    if [ -z "$app_pid" ]; then
      fail "could not find the claimcheck process ($moment)"
      continue
    fi
    enter_moment "$moment"
    kill -"$signal" "$app_pid"
    # The view aims at a second; 2 s leaves room for a loaded machine.
    for _ in $(seq 40); do [ -s "$work/term-rc" ] && break; sleep 0.05; done
    [ -s "$work/term-rc" ] || fail "claimcheck did not quit within 2 s of SIG$signal ($moment)"
    # Not read from the screen: the rest of a paste cut short is echoed there once the view has gone.
    for _ in $(seq 100); do [ -s "$work/term-after" ] && break; sleep 0.1; done
    [ -s "$work/term-after" ] || { fail "claimcheck did not quit on SIG$signal ($moment)"; kill -KILL "$app_pid" 2>/dev/null || true; }
    want=$([ "$signal" = TERM ] && echo 143 || echo 129)
    [ "$(cat "$work/term-rc" 2>/dev/null)" = "rc=$want" ] \
      || fail "exit status after SIG$signal ($moment): $(cat "$work/term-rc" 2>/dev/null), want rc=$want"
    cmp -s "$work/term-before" "$work/term-after" || fail "terminal modes not restored after SIG$signal ($moment)"
    [ "$(tmux_ display -p -t "$session" '#{alternate_on}')" = 0 ] || fail "alternate screen left on after SIG$signal ($moment)"
    fetch_gone "SIG$signal, $moment"
  done
done

# The terminal goes away under the UI (the tmux server is killed, as when a window closes or
# ssh drops): the process must be gone within 2 s, also when that happens in the middle of a
# paste (crossterm is then reading, and spins on the dead terminal), of a resize, or of a fetch
# (whose command must not be left behind either).
# The shell around it ignores SIGHUP, so that it outlives the terminal and records the exit
# status: 129, as for SIGHUP (standard error is that dead terminal, and a failure to restore it
# printed there used to abort the process, 134, before it stopped the fetch's command).
for moment in idle paste resize fetch; do
  rm -f "$work/lost-rc"
  fresh_session -x 100 -y 30 \
    "trap '' HUP; NO_COLOR=1 CLAIMCHECK_CONFIG=$work/none.toml $bin demo; echo rc=\$? >$work/lost-rc"
  expect "token 1/8" "first frame before the terminal goes away ($moment)"
  sleep 0.5
  app_pid=$(pgrep -P "$(tmux_ display -p -t "$session" '#{pane_pid}')" -x claimcheck || true)
  if [ -z "$app_pid" ]; then
    fail "could not find the claimcheck process (terminal lost, $moment)"
    continue
  fi
  enter_moment "$moment"
  tmux_ kill-server
  for _ in $(seq 20); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$app_pid" 2>/dev/null; then
    fail "claimcheck still runs 2 s after its terminal went away ($moment)"
    kill -KILL "$app_pid" 2>/dev/null || true
  fi
  for _ in $(seq 10); do [ -s "$work/lost-rc" ] && break; sleep 0.1; done
  [ "$(cat "$work/lost-rc" 2>/dev/null)" = "rc=129" ] \
    || fail "exit status after the terminal went away ($moment): $(cat "$work/lost-rc" 2>/dev/null), want rc=129"
  fetch_gone "terminal lost, $moment"
done

# Everything `check` is given as options, given inside the view instead.
token=$("$bin" demo --print-token github-environment)
fresh_session -x 120 -y 40 -c "$PWD" \
  "NO_COLOR=1 CLAIMCHECK_CONFIG=$work/none.toml CLAIMCHECK_CACHE_DIR=$work/cache $bin --offline; sleep 30"
expect "Paste a token" "empty paste prompt"
tmux_ set-buffer -- "$token"
tmux_ paste-buffer -p -t "$session"
expect "token 1/1" "pasted token"
screen | grep -qF "signature verified" && fail "offline without keys the signature cannot be verified yet"
keys A
expect "Add a rule file" "rule file input"
keys 'assets/demo/rules/aws-dep' Tab
expect "aws-deploy-role.json" "Tab completes the file name"
keys Enter
expect "aws trust policy" "the added rule file's verdict"
keys K
expect "Key for https://token.actions.githubusercontent.com" "signature input"
keys '@assets/demo/jwks.json' Enter
expect "signature verified" "verified with the JWKS given in the view"
expect "Rules 0✓ 1✗" "the rule's verdict after verifying"
keys q

# A pasted CI log (2 000 coloured, timestamped lines) that prints a token and ends in STS's
# AccessDenied: the view adds the token, shows its verdict, and explains the error beside it.
tmux_ kill-session -t "$session" 2>/dev/null || true
token=$("$bin" demo --print-token github-environment)
for i in $(seq 1 2000); do
  stamp=$(printf '2026-01-02T03:%02d:%02d.1234567Z' $(((i / 60) % 60)) $((i % 60)))
  case $i in
    40) echo "$stamp   role-to-assume: arn:aws:iam::111122223333:role/deploy" ;;
    60) echo "$stamp OIDC token: $token" ;;
    1995) printf '%s ##[error]\033[31mCould not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity\033[0m\n' "$stamp" ;;
    *) printf '%s \033[36mbuild step %d\033[0m\n' "$stamp" "$i" ;;
  esac
done >"$work/ci.log"
fresh_session -x 120 -y 40 -c "$PWD" \
  "NO_COLOR=1 CLAIMCHECK_CONFIG=$work/none.toml CLAIMCHECK_CACHE_DIR=$work/cache $bin --offline --rules assets/demo/rules/aws-deploy-role.json; sleep 30"
expect "Paste a token" "empty paste prompt before the log"
tmux_ load-buffer "$work/ci.log"
tmux_ paste-buffer -p -t "$session"
expect "token 1/1 · paste: line 60" "the token printed in the log"
expect "Rules 0✓ 1✗" "the token's verdict"
expect "Explain" "the Explain panel"
expect "AWS STS: AccessDenied" "the explained error"
expect "verdict for the token on line 60: ✗ denied" "the error matched to its verdict"
keys W
expect "┌ Why" "W opens the why panel of the matching verdict"
keys q

# At 100×30 the why panel opens on the deciding check: the failing `sub` condition is on screen
# without scrolling; the passed checks are one line at the bottom, which Enter expands.
fresh_session -x 100 -y 30 -c "$PWD" \
  "NO_COLOR=1 CLAIMCHECK_CONFIG=$work/none.toml $bin demo; sleep 30"
expect "token 1/8" "first frame at 100×30"
keys Tab Enter
expect "┌ Why" "why panel at 100×30"
expect "✗ FAIL" "the failing check without scrolling at 100×30"
screen | grep -q "StringEquals token.actions.git.*✗ FAIL" || fail "the failing sub condition is not on screen at 100×30"
screen | grep -qF "✓ pass" && fail "a passed check is shown before the failing one is explained"
keys G
expect "passed checks:" "the folded passed checks"
expect "Enter/→ to expand" "how to expand the passed checks"
keys Enter G
expect "✓ pass" "Enter expands the passed checks"
expect "Enter/→ to fold" "how to fold them again"

# --mouse: a click focuses the pane under the pointer (the rules pane: Enter then opens the why
# panel), and the wheel over the rules pane moves its selection while the why panel keeps the
# focus. SGR mouse reports as a terminal sends them: ESC [ < button ; column ; row M/m (1-based).
fresh_session -x 120 -y 40 -c "$PWD" \
  "NO_COLOR=1 CLAIMCHECK_CONFIG=$work/none.toml $bin demo --mouse; sleep 30"
expect "token 1/8" "first frame with --mouse"
[ "$(tmux_ display -p -t "$session" '#{mouse_any_flag}')" = 1 ] || fail "--mouse should capture the mouse"
tmux_ send-keys -t "$session" -l $'\e[<0;100;6M\e[<0;100;6m'
sleep 0.3
keys Enter
expect "┌ Why" "a click on the rules pane focuses it (Enter opens the why panel)"
before=$(screen | grep -F "┌ Why" || true)
tmux_ send-keys -t "$session" -l $'\e[<65;100;6M'
sleep 0.3
after=$(screen | grep -F "┌ Why" || true)
[ -n "$after" ] && [ "$before" != "$after" ] || fail "the wheel over the rules pane did not move its selection ($after)"
# j scrolls the focused why panel; had the wheel moved the focus to the rules, j would select
# another rule and the panel's title would change.
keys j
[ "$(screen | grep -F "┌ Why" || true)" = "$after" ] || fail "the wheel moved the focus away from the why panel"
tmux_ send-keys -t "$session" -l $'\e[<0;50;6M\e[<0;50;6m'
sleep 0.3
# e (what-if) works only in the claims pane.
keys e
expect "What-if:" "a click on the claims pane focuses it (e edits a claim)"
keys Escape q

# preview --tui with a proposal (the demo deploy role widened from the main branch to any ref of
# its repository): the Regions list beside the matrix concludes that regions gain access; Tab
# and Enter open the first one's witness as a SIMULATED what-if, the current rule ✗ and the
# proposed one ✓, both explained in one why panel; a save that undoes the change analyses again
# and proves nobody gains access.
mkdir -p "$work/preview"
for name in github-branch github-pull-request github-environment; do
  "$bin" demo --print-token "$name"
done >"$work/preview/corpus.txt"
sed -e 's/StringEquals/StringLike/' -e 's#repo:acme/app:ref:refs/heads/main#repo:acme/app:*#' \
  assets/demo/rules/aws-deploy-role.json >"$work/preview/proposed.json"
fresh_session -x 120 -y 40 -c "$PWD" \
  "NO_COLOR=1 CLAIMCHECK_CONFIG=$work/none.toml $bin preview --tokens $work/preview/corpus.txt --rules assets/demo/rules/aws-deploy-role.json --against $work/preview/proposed.json --tui; sleep 30"
expect "Regions · every caller" "the Regions list beside the matrix"
expect "2 regions gain access" "the analysis's conclusion"
expect "+ gains 1" "a region that gains access"
keys Tab
expect "Enter open witness + why" "Tab gives the Regions list the keys"
keys Enter
expect "witness of region 1 that gains access" "Enter opens the region's witness"
expect "SIMULATED · unsigned" "the witness is a SIMULATED what-if"
expect "current ✗ denied → proposed ✓ allowed" "both rules' verdicts on the witness"
screen | grep -qF "✗ aws trust policy" || fail "the current rule's ✗ is not in the rules pane"
screen | grep -qF "✓ aws trust policy" || fail "the proposed rule's ✓ is not in the rules pane"
expect "┌ Why · current and proposed" "the why panel explains both rule sets"
expect "current: aws · trust policy ✗ denied" "the current rule's why, first"
keys PgDn
expect "proposed: aws · trust policy ✓ allowed" "PgDn scrolls the same panel to the proposed rule's why"
keys M
expect "Regions · every caller" "M returns to the matrix and its Regions list"
cp assets/demo/rules/aws-deploy-role.json "$work/preview/proposed.json"
expect "proved: no caller gains access" "a saved rule file is analysed again"
keys q

# `check` on an 80-column terminal: each condition is a stacked block that fits the width.
fresh_session -x 80 -y 60 -c "$PWD" \
  "$bin check $token --rules assets/demo/rules/aws-deploy-role.json --jwks assets/demo/jwks.json --color never; echo SMOKE-CHECK-DONE; sleep 30"
expect SMOKE-CHECK-DONE "check on an 80-column terminal"
screen | grep -qE "^      expected  repo:acme/app:ref:refs/heads/main" \
  || { fail "check is not stacked at 80 columns"; screen >&2; }
tmux_ kill-server 2>/dev/null || true

# Ctrl-Z in an interactive shell: the view hands the terminal back and stops as a job (the
# shell says so); `fg` brings it back redrawn and answering keys; q then quits with 0.
fresh_session -x 100 -y 24 -c "$PWD" "env PS1='smoke\$ ' bash --norc --noprofile -i"
keys "NO_COLOR=1 TMPDIR=$work/demo-tmp CLAIMCHECK_CONFIG=$work/none.toml $bin demo" Enter
expect "token 1/8" "the view before Ctrl-Z"
keys C-z
expect "Stopped" "Ctrl-Z stops the view as a shell job"
[ "$(tmux_ display -p -t "$session" '#{alternate_on}')" = 0 ] || fail "a stopped view keeps the alternate screen"
keys fg Enter
expect "token 1/8" "fg brings the view back, redrawn"
keys n
expect "token 2/8" "the view answers keys after fg"
keys q
keys 'echo SMOKE-FG-RC=$?' Enter
expect "SMOKE-FG-RC=0" "q after fg"
tmux_ kill-server 2>/dev/null || true

# A short soak (tests/soak.sh runs 5 minutes): random keys, clicks, pastes, resizes, fetches
# and the matrix; q must quit within 100 ms, and a lost terminal leave no process behind.
CLAIMCHECK_BIN="$bin" tests/soak.sh 15 || fail "the 30-second soak"

if [ "$failures" -gt 0 ]; then
  echo "tmux-smoke: $failures failure(s)" >&2
  exit 1
fi
echo "tmux-smoke: ok"
