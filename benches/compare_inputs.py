#!/usr/bin/env python3
"""Inputs for benches/compare.sh, written into the directory given as the only argument.

Everything here is TEST-ONLY: the HMAC secret and the Ed25519 key are made up for the
benchmark and sign nothing real.

- corpus-claims.jsonl: 100 000 JSON lines of GitHub Actions-shaped claim sets (25 repositories,
  branch, environment and pull-request jobs, each run its own id).
- rules-aws/: 20 AWS IAM role trust policies (StringEquals, StringLike, IfExists, ForAnyValue,
  Deny statements), the rules benches/preview_reference.py matches too.
- rules-mixed/: 20 rules of four systems (6 AWS, 5 Vault, 4 Entra, 5 GCP with CEL).
- tokens-1m.txt: 1 000 000 HS256-signed tokens (GitHub Actions runs and, one in seven, GitLab
  pipelines), one per line; written only when missing.
- jwks.json, token-rs256.jwt, token-es256.jwt, token-eddsa.jwt: GitHub Actions-shaped tokens
  signed by openssl with the TEST-ONLY demo keys (the directory given as the second argument) and
  a fresh TEST-ONLY Ed25519 key, and a JWKS with the three public keys, for `decode` and `verify`.
- token-1mb.jwt, token-5mb.jwt, token-10mb.jwt: large HS256 tokens.

Usage: compare_inputs.py OUT_DIR assets/demo/keys
"""

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time

GH = "token.actions.githubusercontent.com"
PROVIDER = f"arn:aws:iam::111122223333:oidc-provider/{GH}"
NOW = 1_800_000_000
HMAC_SECRET = b"claimcheck-bench-test-only-secret"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def github_claims(i: int) -> dict:
    repo = f"acme/app{i % 25}"
    tail = ["ref:refs/heads/main", "environment:prod", "pull_request"][i % 3]
    claims = {
        "jti": f"5f0c1e4a-8c1d-4c43-9a51-{i:012d}",
        "sub": f"repo:{repo}:{tail}",
        "aud": "sts.amazonaws.com" if i % 11 else "api://AzureADTokenExchange",
        "ref": "refs/heads/main" if i % 13 else f"refs/tags/v{i % 9}.0",
        "sha": "d6f2a4a5b8f1c4e3a2b1c0d9e8f7a6b5c4d3e2f1",
        "repository": repo,
        "repository_owner": "acme",
        "actor_id": "1201",
        "repository_visibility": "private",
        "repository_id": str(74000 + i % 25),
        "repository_owner_id": "65001",
        "run_id": str(9_000_000_000 + i),
        "run_number": str(i % 500),
        "run_attempt": "1",
        "runner_environment": "github-hosted",
        "actor": ["octocat", "hubot", "dependabot[bot]"][i % 3],
        "workflow": "deploy",
        "head_ref": "",
        "base_ref": "",
        "event_name": "push",
        "ref_type": "branch",
        "workflow_ref": f"{repo}/.github/workflows/deploy.yml@refs/heads/main",
        "job_workflow_ref": f"{repo}/.github/workflows/deploy.yml@refs/heads/main",
        "iss": f"https://{GH}",
        "nbf": NOW - 5 + i % 60,
        "exp": NOW + 295 + i % 60,
        "iat": NOW - 5 + i % 60,
    }
    if i % 3 == 1:
        claims["environment"] = "prod" if i % 2 else "staging"
    return claims


def gitlab_claims(i: int) -> dict:
    project = f"acme/infra{i % 5}"
    return {
        "namespace_id": "72",
        "namespace_path": "acme",
        "project_id": str(20 + i % 5),
        "project_path": project,
        "user_id": "1",
        "user_login": "deploy-bot",
        "user_email": "deploy-bot@acme.example",
        "pipeline_id": str(1_000_000 + i),
        "pipeline_source": "push",
        "job_id": str(2_000_000 + i),
        "ref": "main",
        "ref_type": "branch",
        "ref_protected": "true" if i % 2 else "false",
        "runner_id": 1,
        "runner_environment": "gitlab-hosted",
        "sha": "714a629c0b401fdce83e847fc9589983fc6f46bc",
        "jti": f"235b3a54-b797-45c7-ae9a-{i:012d}",
        "iss": "https://gitlab.com",
        "iat": NOW - 5,
        "nbf": NOW - 10,
        "exp": NOW + 3595,
        "sub": f"project_path:{project}:ref_type:branch:ref:main",
        "aud": "https://vault.acme.example",
    }


def policy(allow_condition: dict, deny_condition: dict | None) -> dict:
    statements = [
        {
            "Sid": "Deploy",
            "Effect": "Allow",
            "Principal": {"Federated": PROVIDER},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": allow_condition,
        }
    ]
    if deny_condition is not None:
        statements.append(
            {
                "Sid": "No",
                "Effect": "Deny",
                "Principal": {"Federated": PROVIDER},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": deny_condition,
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def aws_policies() -> list:
    k = lambda claim: f"{GH}:{claim}"  # noqa: E731
    aud = {k("aud"): "sts.amazonaws.com"}
    no_prs = {"StringLike": {k("sub"): "repo:*:pull_request"}}
    policies = []
    for n in range(8):
        policies.append(
            policy(
                {"StringEquals": {**aud, k("sub"): f"repo:acme/app{n}:environment:prod"}},
                None,
            )
        )
    for n in range(4):
        policies.append(
            policy(
                {
                    "StringEquals": aud,
                    "StringLike": {
                        k("sub"): [f"repo:acme/app{n}*:ref:refs/heads/*", "repo:acme/*:ref:refs/tags/v*"]
                    },
                },
                no_prs,
            )
        )
    policies.append(policy({"StringLike": {k("sub"): "repo:acme/*"}}, no_prs))
    policies.append(policy({"StringLike": {k("sub"): "repo:acme/app?:*"}}, None))
    policies.append(
        policy(
            {
                "ForAnyValue:StringLike": {k("sub"): "repo:acme/app1*"},
                "StringEqualsIfExists": {k("environment"): "prod"},
            },
            None,
        )
    )
    policies.append(
        policy(
            {"StringEquals": {**aud, k("repository"): "acme/app3", k("actor"): "octocat"}},
            None,
        )
    )
    policies.append(
        policy(
            {"StringEquals": aud, "StringNotEquals": {k("actor"): "dependabot[bot]"}},
            None,
        )
    )
    policies.append(
        policy(
            {
                "StringEquals": aud,
                "StringLike": {k("job_workflow_ref"): "acme/*/.github/workflows/deploy.yml@refs/heads/main"},
            },
            {"StringNotLike": {k("ref"): "refs/heads/*"}},
        )
    )
    policies.append(policy({"StringEquals": {k("environment"): ["prod", "staging"]}}, no_prs))
    policies.append(
        policy({"StringLike": {k("sub"): ["repo:acme/app2?:*", "repo:acme/app1?:environment:*"]}}, None)
    )
    assert len(policies) == 20
    return policies


def mixed_rules(out: str) -> None:
    policies = aws_policies()
    for i in range(6):
        write(os.path.join(out, f"aws-{i}.json"), json.dumps(policies[i * 3]))
    bindings = [
        {"project_path": "acme/infra0", "ref": "main"},
        {"project_path": "acme/infra1", "ref_type": "branch"},
        {"namespace_path": "acme", "ref_protected": "true"},
        {"project_path": ["acme/infra2", "acme/infra3"]},
        {"project_path": "acme/infra4", "ref": "main", "ref_protected": "true"},
    ]
    for i, bound in enumerate(bindings):
        role = {
            "data": {
                "role_type": "jwt",
                "bound_audiences": ["https://vault.acme.example"],
                "bound_claims": bound,
                "bound_claims_type": "string",
                "bound_subject": "",
                "user_claim": "user_email",
                "token_policies": ["deploy"],
            }
        }
        write(os.path.join(out, f"vault-{i}.json"), json.dumps(role))
    credentials = [
        {
            "name": f"acme-app{i}-prod",
            "issuer": f"https://{GH}",
            "subject": f"repo:acme/app{i}:environment:prod",
            "audiences": ["api://AzureADTokenExchange"],
        }
        for i in range(4)
    ]
    write(os.path.join(out, "entra-credentials.json"), json.dumps(credentials))
    conditions = [
        "assertion.repository == 'acme/app1' && assertion.environment == 'prod'",
        "assertion.repository_owner == 'acme'",
        "assertion.ref.startsWith('refs/heads/') && assertion.ref_type == 'branch'",
        "assertion.sub.matches('^repo:acme/app[0-9]+:environment:prod$')",
        "has(assertion.environment) ? assertion.environment in ['prod', 'staging'] : false",
    ]
    for i, condition in enumerate(conditions):
        write(
            os.path.join(out, f"gcp-{i}.yaml"),
            f'attributeCondition: "{condition}"\nattributeMapping:\n  google.subject: assertion.sub\n'
            "  attribute.repository: assertion.repository\n"
            f"name: projects/1/locations/global/workloadIdentityPools/github/providers/p{i}\n"
            "oidc:\n  allowedAudiences:\n  - sts.amazonaws.com\n  - api://AzureADTokenExchange\n"
            f"  issuerUri: https://{GH}\nstate: ACTIVE\n",
        )


def write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def hs256(claims: dict, header: str) -> str:
    signing_input = header + "." + b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(HMAC_SECRET, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64(signature)


def der_ecdsa_to_raw(der: bytes, size: int) -> bytes:
    """An ECDSA signature as openssl writes it (DER SEQUENCE of r and s) → JWS's r || s (RFC 7518 §3.4)."""
    assert der[0] == 0x30
    at = 2 if der[1] < 0x80 else 3
    raw = b""
    for _ in range(2):
        assert der[at] == 0x02
        length = der[at + 1]
        integer = der[at + 2 : at + 2 + length].lstrip(b"\0")
        raw += integer.rjust(size, b"\0")
        at += 2 + length
    return raw


def signed_token(out: str, name: str, alg: str, key: str, kid: str) -> None:
    """token-NAME.jwt: GitHub Actions-shaped claims valid for a day from now (jwt-cli checks exp
    against its clock), signed by openssl with `key`."""
    header = b64(json.dumps({"alg": alg, "typ": "JWT", "kid": kid}).encode())
    claims = github_claims(1)
    now = int(time.time())
    claims.update(iat=now, nbf=now, exp=now + 86_400)
    signing_input = header + "." + b64(json.dumps(claims).encode())
    message = os.path.join(out, f"{name}.signing-input")
    write(message, signing_input)
    if alg == "EdDSA":
        command = ["openssl", "pkeyutl", "-sign", "-inkey", key, "-rawin", "-in", message]
    else:
        command = ["openssl", "dgst", "-sha256", "-sign", key, message]
    signature = subprocess.run(command, check=True, capture_output=True).stdout
    if alg == "ES256":
        signature = der_ecdsa_to_raw(signature, 32)
    write(os.path.join(out, f"token-{name}.jwt"), signing_input + "." + b64(signature) + "\n")


def keys(out: str, demo_keys: str) -> None:
    """The TEST-ONLY demo RSA and P-256 keys (assets/demo/keys, assets/demo/jwks.json) and a
    fresh TEST-ONLY Ed25519 key, with a JWKS holding all three public keys."""
    ed_key = os.path.join(out, "ed25519.pem")
    if not os.path.exists(ed_key):
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", ed_key], check=True)
    der = subprocess.run(
        ["openssl", "pkey", "-in", ed_key, "-pubout", "-outform", "DER"], check=True, capture_output=True
    ).stdout
    with open(os.path.join(demo_keys, "..", "jwks.json")) as f:
        jwks = json.load(f)
    jwks["keys"].append(
        {"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": "bench-ed25519", "x": b64(der[-32:])}
    )
    write(os.path.join(out, "jwks.json"), json.dumps(jwks, indent=2))
    kid = {k["alg"]: k["kid"] for k in jwks["keys"]}
    signed_token(out, "rs256", "RS256", os.path.join(demo_keys, "rsa-test-only.pem"), kid["RS256"])
    signed_token(out, "es256", "ES256", os.path.join(demo_keys, "ec-p256-test-only.pem"), kid["ES256"])
    signed_token(out, "eddsa", "EdDSA", ed_key, kid["EdDSA"])


def big_token(out: str, megabytes: int) -> None:
    """token-NMB.jwt: an HS256 token of about N MB (a large `groups` claim, as some identity
    providers emit), for decoding time and memory against size."""
    path = os.path.join(out, f"token-{megabytes}mb.jwt")
    if os.path.exists(path):
        return
    claims = github_claims(2)
    count = megabytes * 1_000_000 * 3 // 4 // 40
    claims["groups"] = [f"group-{i:08d}-of-a-large-directory" for i in range(count)]
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    write(path, hs256(claims, header) + "\n")


def main() -> None:
    out = sys.argv[1]
    for sub in ("rules-aws", "rules-mixed"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    for i, p in enumerate(aws_policies()):
        write(os.path.join(out, "rules-aws", f"aws-{i:02d}.json"), json.dumps(p))
    mixed_rules(os.path.join(out, "rules-mixed"))
    corpus = os.path.join(out, "corpus-claims.jsonl")
    if not os.path.exists(corpus):
        with open(corpus + ".partial", "w") as f:
            for i in range(100_000):
                f.write(json.dumps(github_claims(i), separators=(",", ":")) + "\n")
        os.rename(corpus + ".partial", corpus)
    tokens = os.path.join(out, "tokens-1m.txt")
    if not os.path.exists(tokens):
        header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        with open(tokens + ".partial", "w") as f:
            for i in range(1_000_000):
                claims = gitlab_claims(i) if i % 7 == 6 else github_claims(i)
                f.write(hs256(claims, header) + "\n")
        os.rename(tokens + ".partial", tokens)
    keys(out, sys.argv[2])
    for size in (1, 5, 10):
        big_token(out, size)


if __name__ == "__main__":
    main()
