#!/usr/bin/env bash
# Differential test of claimcheck's CEL against Google's CEL C++ runtime (PyPI cel-expr-python).
# Not part of `cargo test`. Installs the engine into tests/differential/.cache/venv when missing,
# generates the cases from fixed seeds, runs both, and reports agreement (see README.md, "CEL").
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="$here/.cache"
venv="$cache/venv"
mkdir -p "$cache"
if ! "$venv/bin/python" -c 'import cel_expr_python' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet cel-expr-python
fi
cases="$cache/cel_cases.jsonl"
engine="$cache/cel_engine.jsonl"
ours="$cache/cel_claimcheck.jsonl"
"$venv/bin/python" "$here/cel_run.py" generate "$cases"
"$venv/bin/python" "$here/cel_run.py" engine "$cases" "$engine"
# claimcheck evaluates the cases in bulk through the library: an ignored unit test.
(cd "$root" && CEL_DIFF_CASES="$cases" CEL_DIFF_OUT="$ours" \
  cargo test --quiet --lib trust::cel::tests::differential_cases -- --ignored --exact >/dev/null)
"$venv/bin/python" "$here/cel_run.py" compare "$cases" "$engine" "$ours"
