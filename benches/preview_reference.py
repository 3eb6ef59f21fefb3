#!/usr/bin/env python3
"""What someone would write instead of `claimcheck preview` for AWS trust policies: a short
script (json + re) that reads JSON lines of claim sets and counts, per caller (`sub`), how many
each role trust policy admits. benches/compare.sh times it against `claimcheck preview` on the
same corpus and rules (benches/compare_inputs.py writes both) and checks that both count the
same admissions.

It implements only what those 20 policies use, as IAM documents it
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):
StringEquals / StringNotEquals / StringLike / StringNotLike (case-sensitive; `*` and `?` in
the Like forms), the IfExists suffix, the ForAnyValue: prefix, AND across keys and operators,
OR across values, and an explicit Deny beating any Allow. Condition keys are
`<provider>:<claim>`; a claim that is not a string is not a key (none is, in this corpus).

Usage: preview_reference.py CORPUS.jsonl RULE.json... ; prints one JSON summary line.
"""

import json
import re
import sys
from collections import defaultdict

PROVIDER_PREFIX = "arn:aws:iam::111122223333:oidc-provider/"


def like(pattern: str) -> "re.Pattern[str]":
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern) + r"\Z", re.S)


def compile_condition(condition: dict) -> list:
    """[(claim, provider, negated, if_exists, any_value, matcher)] for one statement."""
    tests = []
    for operator, keys in condition.items():
        any_value = operator.startswith("ForAnyValue:")
        base = operator.removeprefix("ForAnyValue:")
        if_exists = base.endswith("IfExists")
        base = base.removesuffix("IfExists")
        negated = base.startswith("StringNot")
        is_like = base.endswith("Like")
        for key, values in keys.items():
            provider, claim = key.rsplit(":", 1)
            values = values if isinstance(values, list) else [values]
            if is_like:
                patterns = [like(v) for v in values]
                matcher = lambda actual, patterns=patterns: any(p.match(actual) for p in patterns)  # noqa: E731
            else:
                wanted = set(values)
                matcher = lambda actual, wanted=wanted: actual in wanted  # noqa: E731
            tests.append((claim.lower(), provider.lower(), negated, if_exists, any_value, matcher))
    return tests


def load(path: str) -> list:
    with open(path) as f:
        document = json.load(f)
    statements = []
    for statement in document["Statement"]:
        provider = statement["Principal"]["Federated"].removeprefix(PROVIDER_PREFIX)
        statements.append((statement["Effect"] == "Allow", provider, compile_condition(statement.get("Condition", {}))))
    return statements


def holds(tests: list, context: dict) -> bool:
    for claim, _provider, negated, if_exists, any_value, matcher in tests:
        actual = context.get(claim)
        if actual is None:
            if if_exists or (negated and not any_value):
                continue
            return False
        matched = matcher(actual)
        if matched == negated:
            return False
    return True


def admitted(statements: list, issuer: str, context: dict) -> bool:
    allowed = False
    for allow, provider, tests in statements:
        if issuer != "https://" + provider:
            continue
        if holds(tests, context):
            if not allow:
                return False
            allowed = True
    return allowed


def main() -> None:
    corpus, rule_files = sys.argv[1], sys.argv[2:]
    rules = [load(path) for path in rule_files]
    groups = defaultdict(lambda: [0] * len(rules))
    entries = 0
    with open(corpus) as f:
        for line in f:
            claims = json.loads(line)
            entries += 1
            row = groups[claims.get("sub")]
            # Condition key names are case-insensitive; this corpus's claim names are lower case.
            context = {k.lower(): v for k, v in claims.items() if isinstance(v, str)}
            issuer = claims.get("iss", "")
            for index, statements in enumerate(rules):
                if admitted(statements, issuer, context):
                    row[index] += 1
    allowed = [sum(row[i] for row in groups.values()) for i in range(len(rules))]
    print(json.dumps({"entries": entries, "groups": len(groups), "allowed": allowed}))


if __name__ == "__main__":
    main()
