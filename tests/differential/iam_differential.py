#!/usr/bin/env python3
"""Differential test: claimcheck's AWS trust-policy evaluation against cloud-copilot/iam-simulate.

Generates random role trust policies and token claim sets from a fixed seed, builds the request
context STS would build from each claim set (the `<provider>:<claim>` keys of the claims AWS
exposes, with the azp/aud rule), asks iam-simulate for its decision on that context, asks
`claimcheck check CLAIMS --rules POLICY --json` for its decision on the claims, and compares.

Where the engine contradicts AWS documentation, the documented answer is used instead and the
case is counted as a correction (see CORRECTIONS and README.md). Run through iam_run.sh, which
installs the engine; not part of `cargo test` because it needs the npm registry.

Exit status: 0 when every case agrees after corrections, 1 otherwise.
"""

import argparse
import collections
import concurrent.futures
import datetime
import json
import os
import random
import re
import subprocess
import sys
import tempfile

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "222233334444"

# Keys STS puts in the request context for every OIDC provider, and GitHub's own since 2026-01
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif).
# azp is not a key: it only decides what :aud holds.
GENERIC = ["amr", "aud", "email", "oaud", "sub"]
GITHUB = [
    "actor", "actor_id", "job_workflow_ref", "repository", "repository_id",
    "workflow", "ref", "environment", "enterprise_id",
]

PROVIDERS = [
    {
        "prefix": "token.actions.githubusercontent.com",
        "exposed": GENERIC + GITHUB,
        "unexposed": ["azp", "repository_owner", "workflow_ref", "event_name", "runner_environment"],
    },
    {
        "prefix": "accounts.google.com",
        "exposed": GENERIC,
        "unexposed": ["azp", "hd", "name"],
    },
    {
        "prefix": "idp.example.com",
        "exposed": GENERIC,
        "unexposed": ["azp", "groups", "tenant", "repository"],
    },
]
OTHER_PREFIX = "other-idp.example.org"

# Values chosen to collide: exact and case variants, wildcard and `$` characters, and letters
# whose simple case folding differs from whole-string lower-casing (final sigma, micro sign,
# sharp s, dotted and dotless i, titlecase digraphs).
POOL = [
    "prod", "Prod", "PROD", "dev", "main", "refs/heads/main", "refs/heads/Main",
    "repo:acme/app:ref:refs/heads/main", "repo:acme/app:pull_request",
    "repo:Acme/app:environment:prod", "acme/app", "sts.amazonaws.com", "STS.amazonaws.com",
    "ασ", "ΑΣ", "ας", "οδος", "ΟΔΟΣ", "µ", "μ", "Μ", "ß", "SS", "ss", "İ", "i", "ı", "I",
    "ǅ", "ǆ", "Ǆ", "Ünï", "üNÏ", "a*b", "a?b", "$x", "{x}", "x}", "true", "false", "TRUE",
    "False", "x", "ab", "a:b/c",
]
ALPHABET = "ab:/*?$Aσ"

BASES = [
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
    "StringLike", "StringNotLike", "Bool",
]

SPACED_DEFAULT = re.compile(r"\$\{\s+([^,}]*?)\s+,\s*'([^'}]*)'\s+\}")

CORRECTIONS = {
    "default-value-spaces": (
        "\"Spaces before and after the condition key name and the default value's single "
        "quotation marks are ignored\" "
        "(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-default-values), "
        "so `${ key , 'd' }` is `${key, 'd'}`. iam-simulate splits on \", \" and then needs the "
        "default to end with a quote, so it ignores such a default; the documented answer is the "
        "engine's answer for the policy with the spaces removed."
    ),
    "policy-version-variables": (
        "Policy variables exist only in policies with \"Version\": \"2012-10-17\"; in older "
        "policies `${...}` is plain text "
        "(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html). "
        "iam-simulate substitutes variables in every version; the documented answer is the "
        "engine's answer for the policy with each `${` written as `${$}{` (a literal `${`)."
    ),
}


def random_text(rng):
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 5)))


def claim_value(rng):
    return rng.choice(POOL) if rng.random() < 0.8 else random_text(rng)


def make_claims(rng, provider):
    prefix = provider["prefix"]
    claims = {"iss": f"https://{prefix}"}
    roll = rng.random()
    aud = claim_value(rng) if rng.random() < 0.5 else "sts.amazonaws.com"
    if roll < 0.6:
        claims["aud"] = aud
    elif roll < 0.75:
        claims["aud"] = [aud]
    elif roll < 0.8:
        claims["aud"] = [aud, claim_value(rng)]
    if rng.random() < 0.3:
        claims["azp"] = rng.choice([aud, claim_value(rng)])
    for claim in provider["exposed"] + provider["unexposed"]:
        if claim in ("aud", "oaud", "azp"):
            continue
        if claim == "amr":
            if rng.random() < 0.35:
                claims["amr"] = [claim_value(rng) for _ in range(rng.randint(1, 3))]
            continue
        if rng.random() < (0.9 if claim == "sub" else 0.45):
            claims[claim] = claim_value(rng)
    return claims


def one_or_many(value):
    if isinstance(value, list):
        return value[0] if len(value) == 1 else list(value)
    return value


def sts_context(provider, claims):
    """The request context STS builds: only exposed claims become keys; `:aud` is azp when the
    token has one (`:oaud` is then the token's aud), else aud, as is `:oaud` (condition-keys-wif,
    `ck_aud`). A one-element aud array is its element; several stay a multivalued key."""
    prefix = provider["prefix"]
    context = {}
    for claim in provider["exposed"]:
        if claim in ("aud", "oaud") or claim not in claims:
            continue
        context[f"{prefix}:{claim}"] = one_or_many(claims[claim]) if claim != "amr" else list(claims[claim])
    aud = one_or_many(claims["aud"]) if "aud" in claims else None
    if isinstance(claims.get("azp"), str):
        context[f"{prefix}:aud"] = claims["azp"]
        if aud is not None:
            context[f"{prefix}:oaud"] = aud
    elif aud is not None:
        context[f"{prefix}:aud"] = aud
        context[f"{prefix}:oaud"] = aud
    return context


def mangle_case(rng, text):
    return "".join(c.upper() if rng.random() < 0.5 else c for c in text)


def choose_key(rng, provider, claims):
    prefix = provider["prefix"]
    roll = rng.random()
    if roll < 0.08:
        return f"{OTHER_PREFIX}:{rng.choice(['sub', 'aud'])}", None
    if roll < 0.22:
        claim = rng.choice(provider["unexposed"])
    else:
        claim = rng.choice(provider["exposed"])
    key = f"{prefix}:{claim}"
    if rng.random() < 0.08:
        key = mangle_case(rng, key)  # condition key names are case-insensitive
    return key, claim


def request_values(provider, claims, claim):
    if claim is None:
        return []
    value = sts_context(provider, claims).get(f"{provider['prefix']}:{claim}")
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def variable(rng, provider):
    prefix = provider["prefix"]
    claim = rng.choice(provider["exposed"] + provider["unexposed"][:1] + ["amr"])
    name = f"{prefix}:{claim}"
    if rng.random() < 0.1:
        name = mangle_case(rng, name)
    if rng.random() < 0.4:
        default = rng.choice(["prod", "main", "a*b", "x?y", "ασ", "repo:acme/app:ref:refs/heads/main"])
        if rng.random() < 0.15:
            return "${ " + name + " , '" + default + "' }"  # spaces are ignored (documented)
        return "${" + name + ", '" + default + "'}"
    return "${" + name + "}"


def glob_of(rng, text):
    chars = list(text)
    for _ in range(rng.randint(1, 2)):
        if not chars:
            break
        at = rng.randrange(len(chars))
        if rng.random() < 0.5:
            chars[at] = rng.choice("*?")
        else:
            chars = chars[:at] + ["*"]
    return "".join(chars)


def escape_some(rng, text):
    at = rng.randint(0, len(text))
    return text[:at] + rng.choice(["${*}", "${?}", "${$}"]) + text[at:]


def policy_value(rng, base, provider, request):
    if base == "Null":
        return rng.choice(["true", "false", "True", "FALSE"])
    if base == "Bool":
        # Policy variables are for string and ARN operators only (policy-vars-conditionelement).
        return rng.choice(["true", "false", "TRUE", "False"])
    seed = rng.choice(request) if request and rng.random() < 0.6 else claim_value(rng)
    roll = rng.random()
    if roll < 0.3:
        return seed
    if roll < 0.4:
        return mangle_case(rng, seed)
    if roll < 0.55:
        return glob_of(rng, seed)
    if roll < 0.65:
        return escape_some(rng, seed)
    if roll < 0.8:
        head = seed[: rng.randint(0, len(seed))] if rng.random() < 0.5 else ""
        tail = rng.choice(["", "*", ":x"])
        return head + variable(rng, provider) + tail
    if roll < 0.85:
        return rng.choice(["${", "a${b", "${x${y}", "}$", "$"]) + seed
    return claim_value(rng)


def operator(rng):
    if rng.random() < 0.1:
        return rng.choice(["Null", "ForAnyValue:Null", "ForAllValues:Null"]), "Null"
    base = rng.choice(BASES)
    qualifier = rng.choices(["", "ForAnyValue:", "ForAllValues:"], [0.5, 0.25, 0.25])[0]
    if_exists = "IfExists" if rng.random() < 0.35 else ""
    return f"{qualifier}{base}{if_exists}", base


def statement(rng, provider, claims, effect):
    own = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{provider['prefix']}"
    other = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{OTHER_PREFIX}"
    principal = rng.choices(
        [
            {"Federated": own},
            "*",
            {"AWS": "*"},
            {"AWS": [f"arn:aws:iam::{OTHER_ACCOUNT}:root", "*"]},
            {"AWS": ["*"]},
            {"Federated": other},
            {"Federated": [other, own]},
            {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
        ],
        [70, 7, 7, 2, 2, 5, 4, 3],
    )[0]
    action = rng.choices(
        [
            "sts:AssumeRoleWithWebIdentity",
            "sts:*",
            "*",
            "sts:AssumeRole",
            ["sts:TagSession", "sts:AssumeRoleWithWebIdentity"],
            "sts:AssumeRoleWith*",
        ],
        [85, 4, 3, 3, 3, 2],
    )[0]
    conditions = {}
    for _ in range(rng.choices([0, 1, 2, 3], [10, 45, 30, 15])[0]):
        written, base = operator(rng)
        block = conditions.setdefault(written, {})
        for _ in range(rng.choices([1, 2], [75, 25])[0]):
            key, claim = choose_key(rng, provider, claims)
            request = request_values(provider, claims, claim)
            values = [policy_value(rng, base, provider, request) for _ in range(rng.choices([1, 2, 3], [60, 30, 10])[0])]
            block[key] = values[0] if len(values) == 1 and rng.random() < 0.5 else values
    result = {"Effect": effect, "Principal": principal, "Action": action}
    if conditions or rng.random() < 0.5:
        result["Condition"] = conditions
    return result


def make_case(rng, number):
    provider = rng.choice(PROVIDERS)
    claims = make_claims(rng, provider)
    statements = [statement(rng, provider, claims, "Allow")]
    for _ in range(rng.choices([0, 1, 2], [45, 40, 15])[0]):
        statements.append(statement(rng, provider, claims, rng.choice(["Allow", "Deny", "Deny"])))
    rng.shuffle(statements)
    version = "2012-10-17" if rng.random() < 0.94 else "2008-10-17"
    return {
        "id": number,
        "provider": provider["prefix"],
        "claims": claims,
        "policy": {"Version": version, "Statement": statements},
        "context": sts_context(provider, claims),
        "principal": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{provider['prefix']}",
    }


def without_default_spaces(policy):
    """`policy` with `${ key , 'd' }` written `${key, 'd'}`, which AWS documents as the same."""
    def rewrite(value):
        if isinstance(value, str):
            return SPACED_DEFAULT.sub(lambda m: "${" + m.group(1) + ", '" + m.group(2) + "'}", value)
        if isinstance(value, list):
            return [rewrite(v) for v in value]
        if isinstance(value, dict):
            return {k: rewrite(v) for k, v in value.items()}
        return value
    return dict(policy, Statement=[
        dict(st, Condition=rewrite(st["Condition"])) if "Condition" in st else st
        for st in policy["Statement"]
    ])


def literal_variables(policy):
    """The 2012-10-17 policy that means what `policy` (an older version) means: `${` literal."""
    def rewrite(value):
        if isinstance(value, str):
            return value.replace("${", "${$}{")
        if isinstance(value, list):
            return [rewrite(v) for v in value]
        if isinstance(value, dict):
            return {k: rewrite(v) for k, v in value.items()}
        return value
    statements = []
    for st in policy["Statement"]:
        st = dict(st)
        if "Condition" in st:
            st["Condition"] = rewrite(st["Condition"])
        statements.append(st)
    return {"Version": "2012-10-17", "Statement": statements}


def features(case):
    """What a case exercises, for the coverage lines of the report."""
    found = set()
    claims = case["claims"]
    if "azp" in claims:
        found.add("azp in token" + (" (differs from aud)" if [claims["azp"]] != [claims.get("aud")] and [claims["azp"]] != claims.get("aud") else ""))
    if isinstance(claims.get("aud"), list):
        found.add("aud array")
    for st in case["policy"]["Statement"]:
        found.add("statement " + st["Effect"])
        principal = st["Principal"]
        if principal == "*":
            found.add('principal "*"')
        elif "AWS" in principal and "*" in json.dumps(principal["AWS"]):
            found.add('principal {"AWS": "*"}')
        for op, keys in st.get("Condition", {}).items():
            qualifier, _, rest = op.rpartition(":")
            base = rest.removesuffix("IfExists")
            form = (qualifier + ":" if qualifier else "") + ("…IfExists" if rest.endswith("IfExists") else "")
            found.add(f"operator {base} {form or 'plain'}")
            for key, values in keys.items():
                prefix, _, claim = key.partition(":")
                provider = next(p for p in PROVIDERS if p["prefix"] == case["provider"])
                if prefix.lower() != case["provider"]:
                    found.add("key of another provider")
                elif claim.lower() in provider["unexposed"]:
                    found.add("unexposed key" + (" :azp" if claim.lower() == "azp" else ""))
                elif key.lower() not in {k.lower() for k in case["context"]}:
                    found.add("absent exposed key")
                if key != key.lower():
                    found.add("key in mixed case")
                for value in values if isinstance(values, list) else [values]:
                    for token in ("${*}", "${?}", "${$}"):
                        if token in value:
                            found.add(f"escape {token}")
                    if re.search(r"\$\{[^*?$}][^}]*\}", value):
                        found.add("policy variable" + (" with default" if "'" in value else ""))
                    if any(c in value for c in "ΑΣσςµμΜßİıǅǆǄ"):
                        found.add("non-ASCII case folding")
    return found


def run_engine(cache, cases):
    payload = "".join(
        json.dumps({"id": c["id"], "policy": p, "principal": c["principal"], "context": c["context"]}) + "\n"
        for c in cases
        for p in [c["engine_policy"]]
    )
    out = subprocess.run(
        ["node", os.path.join(cache, "iam_engine.mjs")],
        input=payload, capture_output=True, text=True, check=True,
    )
    return {r["id"]: r["result"] for r in map(json.loads, out.stdout.splitlines())}


def run_claimcheck(binary, workdir, case):
    claims_path = os.path.join(workdir, f"{case['id']}.claims.json")
    policy_path = os.path.join(workdir, f"{case['id']}.policy.json")
    with open(claims_path, "w") as f:
        json.dump(case["claims"], f, ensure_ascii=False)
    with open(policy_path, "w") as f:
        json.dump(case["policy"], f, ensure_ascii=False)
    out = subprocess.run(
        [binary, "check", claims_path, "--rules", policy_path, "--json", "--no-verify"],
        capture_output=True, text=True,
    )
    try:
        document = json.loads(out.stdout)
        outcomes = [v["outcome"] for v in document["verdicts"]]
        outcome = outcomes[0] if len(outcomes) == 1 else f"several: {outcomes}"
    except (ValueError, KeyError, IndexError):
        outcome = f"unreadable (exit {out.returncode}): {out.stdout[:200]} {out.stderr[:200]}"
    os.remove(claims_path)
    os.remove(policy_path)
    return outcome


def engine_allows(result):
    return result == "Allowed"


def claimcheck_allows(outcome):
    if outcome == "allowed":
        return True
    if outcome in ("denied", "not_applicable"):
        return False
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", required=True)
    parser.add_argument("--claimcheck", required=True)
    parser.add_argument("--cases", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--show", type=int, default=10, help="disagreements to print")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    cases = [make_case(rng, n) for n in range(args.cases)]
    for case in cases:
        case["engine_policy"] = case["policy"]
        if case["policy"]["Version"] != "2012-10-17":
            case["engine_policy"] = literal_variables(case["policy"])
            case["correction"] = "policy-version-variables"
        elif without_default_spaces(case["policy"]) != case["policy"]:
            case["engine_policy"] = without_default_spaces(case["policy"])
            case["correction"] = "default-value-spaces"

    corrected = run_engine(args.cache, cases)
    raw = run_engine(args.cache, [dict(c, engine_policy=c["policy"]) for c in cases if "correction" in c])

    with tempfile.TemporaryDirectory(dir=args.cache) as workdir:
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            ours = dict(zip(
                (c["id"] for c in cases),
                pool.map(lambda c: run_claimcheck(args.claimcheck, workdir, c), cases),
            ))

    tally = collections.Counter()
    disagreements = []
    for case in cases:
        expected = corrected[case["id"]]
        mine = claimcheck_allows(ours[case["id"]])
        if "correction" in case and raw[case["id"]] != expected:
            tally["corrected:" + case["correction"]] += 1
        tally["engine:" + expected] += 1
        if expected.startswith("Error") or mine is None:
            tally["undecided"] += 1
            disagreements.append((case, expected, ours[case["id"]]))
        elif mine == engine_allows(expected):
            tally["agree"] += 1
        else:
            tally["false allow" if mine else "false deny"] += 1
            disagreements.append((case, expected, ours[case["id"]]))

    path = os.path.join(args.cache, "iam-disagreements.jsonl")
    with open(path, "w") as f:
        for case, expected, mine in disagreements:
            f.write(json.dumps({"engine": expected, "claimcheck": mine, **case}, ensure_ascii=False) + "\n")
    for case, expected, mine in disagreements[: args.show]:
        print(json.dumps({"id": case["id"], "engine": expected, "claimcheck": mine,
                          "claims": case["claims"], "context": case["context"],
                          "policy": case["policy"]}, ensure_ascii=False))

    coverage = collections.Counter(f for case in cases for f in features(case))
    total = len(cases)
    print("coverage (cases exercising each feature):")
    for feature in sorted(coverage):
        print(f"  {feature}: {coverage[feature]}")
    print(f"date: {datetime.date.today().isoformat()}  seed: {args.seed}")
    print(f"cases: {total}")
    print(f"agree: {tally['agree']} ({100.0 * tally['agree'] / total:.2f} %), "
          f"of which corrected: {sum(v for k, v in tally.items() if k.startswith('corrected:'))}")
    for key in sorted(k for k in tally if k.startswith("corrected:")):
        print(f"  {key}: {tally[key]}")
    print(f"false allow (claimcheck allows, engine does not): {tally['false allow']}")
    print(f"false deny: {tally['false deny']}")
    print(f"undecided: {tally['undecided']}")
    print("engine outcomes: " + ", ".join(f"{k[7:]} {v}" for k, v in sorted(tally.items()) if k.startswith("engine:")))
    if disagreements:
        print(f"disagreements written to {path}")
    return 0 if not disagreements else 1


if __name__ == "__main__":
    sys.exit(main())
