//! Table tests of the Entra evaluator. Sources: Entra docs (federated-credential-configuration-
//! considerations.md, workload-identity-federation-considerations.md, workload-identities-
//! flexible-federated-identity-credentials.md), Graph federatedIdentityCredential overview, and
//! the error texts users reported (Azure/login#515, #482; azure-workload-identity#1200), as
//! summarised in docs/SEMANTICS.md §3 (cited per row).

use serde_json::{Value, json};

use super::*;
use crate::trust::Outcome;

const GITHUB: &str = "https://token.actions.githubusercontent.com";

fn classic(subject: &str, audience: &str) -> Value {
    json!({"name": "classic-credential", "issuer": GITHUB, "subject": subject, "audiences": [audience], "description": null})
}

fn flexible(expression: &str, issuer: &str) -> Value {
    json!({"name": "flexible-credential", "issuer": issuer, "subject": null, "audiences": [DEFAULT_AUDIENCE],
           "claimsMatchingExpression": {"value": expression, "languageVersion": 1}})
}

fn token(sub: &str) -> Claims {
    json!({"iss": GITHUB, "sub": sub, "aud": DEFAULT_AUDIENCE, "exp": 600,
           "job_workflow_ref": "octo-org/reusable/.github/workflows/deploy.yml@refs/heads/main"})
    .as_object()
    .unwrap()
    .clone()
}

/// Evaluates, and checks on the way that the check-free decision agrees.
fn verdict(credential: Value, claims: &Claims) -> Verdict {
    let rule = &parse(&credential, Some("creds.json")).unwrap()[0];
    let verdict = rule.evaluate(claims, 0);
    assert_eq!(
        rule.outcome(claims, 0),
        verdict.outcome,
        "{}",
        verdict.summary
    );
    verdict
}

#[test]
fn classic_table() {
    // (why + source, credential, token sub, expected summary prefix or None for allowed)
    let rows: &[(&str, Value, &str, Option<&str>)] = &[
        // considerations doc: exact match.
        (
            "exact",
            classic(
                "repo:contoso/payments-api:ref:refs/heads/main",
                DEFAULT_AUDIENCE,
            ),
            "repo:contoso/payments-api:ref:refs/heads/main",
            None,
        ),
        // Graph overview "case-sensitive"; Azure/login#515: AADSTS7002138 for case-only.
        (
            "case-only subject",
            classic(
                "repo:Contoso/payments-api:environment:Production",
                DEFAULT_AUDIENCE,
            ),
            "repo:contoso/payments-api:environment:Production",
            Some(
                "AADSTS7002138: No matching federated identity record found for presented assertion subject 'repo:contoso/payments-api:environment:Production'. The subject matches with case-insensitive comparison",
            ),
        ),
        // considerations doc: "Wildcard characters aren't supported"; Azure/login#482 text.
        (
            "wildcard is literal",
            classic("repo:contoso/*", DEFAULT_AUDIENCE),
            "repo:contoso/payments-api:ref:refs/heads/main",
            Some(
                "AADSTS700213: No matching federated identity record found for presented assertion subject 'repo:contoso/payments-api:ref:refs/heads/main'. Check your federated identity credential",
            ),
        ),
        // workload-identities-github-immutable-subjects.md: immutable subjects need their own FIC.
        (
            "immutable subject",
            classic(
                "repo:contoso/payments-api:ref:refs/heads/main",
                DEFAULT_AUDIENCE,
            ),
            "repo:contoso@5544123/payments-api@821093847:ref:refs/heads/main",
            Some("AADSTS700213"),
        ),
        // considerations doc: audience must match (AADSTS700212 text unverified).
        (
            "audience mismatch",
            classic(
                "repo:o/r:ref:refs/heads/main",
                "api://AzureADTokenExchange/",
            ),
            "repo:o/r:ref:refs/heads/main",
            Some(
                "AADSTS700212: No matching federated identity record found for presented assertion audience 'api://AzureADTokenExchange'",
            ),
        ),
    ];
    for (why, credential, sub, want) in rows {
        let v = verdict(credential.clone(), &token(sub));
        match want {
            None => assert_eq!(v.outcome, Outcome::Allowed, "{why}: {}", v.summary),
            Some(prefix) => {
                assert_eq!(v.outcome, Outcome::Denied, "{why}");
                assert!(v.summary.starts_with(prefix), "{why}: {}", v.summary);
            }
        }
    }
}

#[test]
fn immutable_subject_hint() {
    // workload-identities-github-immutable-subjects.md: immutable subjects need their own FIC.
    let v = verdict(
        classic(
            "repo:contoso/payments-api:ref:refs/heads/main",
            DEFAULT_AUDIENCE,
        ),
        &token("repo:contoso@5544123/payments-api@821093847:ref:refs/heads/main"),
    );
    let codes: Vec<_> = v
        .deciding_check()
        .unwrap()
        .hints
        .iter()
        .map(|h| h.code)
        .collect();
    assert!(codes.contains(&"github-immutable-subject"), "{codes:?}");
    let reverse = verdict(
        classic(
            "repo:contoso@5544123/payments-api@821093847:ref:refs/heads/main",
            DEFAULT_AUDIENCE,
        ),
        &token("repo:contoso/payments-api:ref:refs/heads/main"),
    );
    assert!(
        reverse.checks[1]
            .hints
            .iter()
            .any(|h| h.message.contains("opted in"))
    );
}

#[test]
fn issuer_is_exact() {
    // MicrosoftDocs/azure-docs#97700: a trailing slash makes the issuer differ;
    // azure-workload-identity#1200: AADSTS700211.
    let mut credential = classic("repo:o/r:ref:refs/heads/main", DEFAULT_AUDIENCE);
    credential["issuer"] = json!(format!("{GITHUB}/"));
    let v = verdict(credential, &token("repo:o/r:ref:refs/heads/main"));
    assert_eq!(v.outcome, Outcome::Denied);
    assert!(v.summary.starts_with(&format!(
        "AADSTS700211: No matching federated identity record found for presented assertion issuer '{GITHUB}'"
    )));
    assert_eq!(v.checks[0].hints[0].code, "trailing-slash");
    // docs/SEMANTICS.md §3.1: an iss with surrounding whitespace blocks the exchange.
    let mut padded = token("repo:o/r:ref:refs/heads/main");
    padded.insert("iss".into(), json!(format!("{GITHUB} ")));
    let v = verdict(
        classic("repo:o/r:ref:refs/heads/main", DEFAULT_AUDIENCE),
        &padded,
    );
    assert_eq!(v.outcome, Outcome::Denied);
    assert!(v.checks[0].note.as_deref().unwrap().contains("whitespace"));
}

#[test]
fn audience_hints() {
    // docs/SEMANTICS.md §3.1: exactly one audience, normally api://AzureADTokenExchange.
    let mut aws_token = token("repo:o/r:ref:refs/heads/main");
    aws_token.insert("aud".into(), json!("sts.amazonaws.com"));
    let v = verdict(
        classic("repo:o/r:ref:refs/heads/main", DEFAULT_AUDIENCE),
        &aws_token,
    );
    let check = v.deciding_check().unwrap();
    assert_eq!(
        check.hints.last().unwrap().code,
        "entra-request-default-audience"
    );
    assert!(v.unverified.iter().any(|u| u.contains("AADSTS700212")));
    // The subject fails first: the verdict reports AADSTS700213, so no note about 700212.
    let v = verdict(
        classic("repo:o/r:ref:refs/heads/dev", DEFAULT_AUDIENCE),
        &aws_token,
    );
    assert!(v.summary.starts_with("AADSTS700213"), "{}", v.summary);
    assert!(
        v.unverified.iter().all(|u| !u.contains("AADSTS700212")),
        "{:?}",
        v.unverified
    );
    let v = verdict(
        classic("repo:o/r:ref:refs/heads/main", "https://github.com/o"),
        &token("repo:o/r:ref:refs/heads/main"),
    );
    let codes: Vec<_> = v
        .deciding_check()
        .unwrap()
        .hints
        .iter()
        .map(|h| h.code)
        .collect();
    assert!(codes.contains(&"entra-audience-not-default"), "{codes:?}");
}

#[test]
fn flexible_table() {
    // Flexible FIC doc examples (docs/SEMANTICS.md §3.2), subvectors github-azure-flexible rows.
    let rows: &[(&str, &str, &str, bool)] = &[
        (
            "matches *",
            "claims['sub'] matches 'repo:contoso/contoso-repo:ref:refs/heads/*'",
            "repo:contoso/contoso-repo:ref:refs/heads/feature-1",
            true,
        ),
        (
            "matches * other form",
            "claims['sub'] matches 'repo:contoso/contoso-repo:ref:refs/heads/*'",
            "repo:contoso/contoso-repo:environment:prod",
            false,
        ),
        (
            "? one character",
            "claims['sub'] matches 'repo:contoso/contoso-repo-*:ref:refs/heads/????'",
            "repo:contoso/contoso-repo-api:ref:refs/heads/master",
            false,
        ),
        (
            "eq exact",
            "claims['sub'] eq 'repo:contoso/contoso-repo:ref:refs/heads/main'",
            "repo:contoso/contoso-repo:ref:refs/heads/mainline",
            false,
        ),
        // "and" chain: both clauses must hold (subvectors gh-flex-and-reusable-workflow-pin).
        (
            "and chain",
            "claims['sub'] eq 'repo:octo-org/octo-repo:ref:refs/heads/main' and claims['job_workflow_ref'] matches 'octo-org/reusable/.github/workflows/*@refs/heads/main'",
            "repo:octo-org/octo-repo:ref:refs/heads/main",
            true,
        ),
        (
            "and chain, second fails",
            "claims['sub'] eq 'repo:octo-org/octo-repo:ref:refs/heads/main' and claims['job_workflow_ref'] matches 'octo-org/reusable/.github/workflows/*@refs/heads/dev'",
            "repo:octo-org/octo-repo:ref:refs/heads/main",
            false,
        ),
    ];
    for &(why, expression, sub, want) in rows {
        let v = verdict(flexible(expression, GITHUB), &token(sub));
        assert_eq!(v.outcome == Outcome::Allowed, want, "{why}: {}", v.summary);
        assert!(v.unverified.iter().any(|u| u.contains("preview")), "{why}");
    }
    let v = verdict(
        flexible(
            "claims['sub'] eq 'repo:octo-org/octo-repo:ref:refs/heads/main' and claims['job_workflow_ref'] matches 'x*'",
            GITHUB,
        ),
        &token("repo:octo-org/octo-repo:ref:refs/heads/main"),
    );
    assert_eq!(v.checks.len(), 5, "issuer, two clauses, audience, lifetime");
    assert_eq!(
        v.checks[2].condition,
        "claims['job_workflow_ref'] matches 'x*'"
    );
    assert!(v.summary.starts_with(
        "No matching federated identity record: claims['job_workflow_ref'] matches 'x*' is false"
    ));
    assert!(v.unverified.iter().any(|u| u.contains("anchored")));
}

#[test]
fn flexible_errors() {
    // docs/SEMANTICS.md §3.2: allowed claims per issuer; a claim outside the list cannot be used.
    let v = verdict(
        flexible("claims['repository'] eq 'acme/app'", GITHUB),
        &token("x"),
    );
    assert_eq!(v.outcome, Outcome::Error);
    assert!(v.summary.contains("claims['repository'] cannot be used"));
    assert!(v.summary.contains("allowed: sub, job_workflow_ref"));
    let gitlab = verdict(
        flexible("claims['job_workflow_ref'] eq 'x'", "https://gitlab.com"),
        &token("x"),
    );
    assert!(gitlab.summary.contains("allowed: sub"));
    let other = verdict(
        flexible("claims['sub'] eq 'x'", "https://api.gitpod.io/idp"),
        &token("x"),
    );
    assert_eq!(other.outcome, Outcome::Error);
    assert!(other.summary.contains("documented only for"));
    // A syntax error is an error verdict with the caret rendering.
    let syntax = verdict(flexible("claims['sub'] == 'x'", GITHUB), &token("x"));
    assert_eq!(syntax.outcome, Outcome::Error);
    assert!(syntax.summary.contains("unexpected character '='"));
    assert!(syntax.summary.ends_with('^'));
}

#[test]
fn several_credentials_are_alternatives() {
    let doc = json!([
        classic("repo:acme/app:environment:prod", DEFAULT_AUDIENCE),
        classic("repo:acme/app:ref:refs/heads/main", DEFAULT_AUDIENCE),
    ]);
    let rules = parse(&doc, Some("dir/creds.json")).unwrap();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0].any_of(), Some("creds.json"));
    assert_eq!(rules[0].any_of(), rules[1].any_of());
    let claims = token("repo:acme/app:environment:prod");
    assert_eq!(rules[0].evaluate(&claims, 0).outcome, Outcome::Allowed);
    let other = rules[1].evaluate(&claims, 0);
    assert_eq!(other.outcome, Outcome::Denied);
    assert!(other.summary.ends_with(
        "(the application still accepts the token if another of its 2 credentials matches)"
    ));
}

#[test]
fn lints() {
    // docs/SEMANTICS.md §3.1: no wildcards; at most 20 credentials per app.
    let codes = |doc: Value| -> Vec<&'static str> {
        parse(&doc, None).unwrap()[0]
            .lints()
            .iter()
            .map(|l| l.code)
            .collect()
    };
    assert_eq!(
        codes(classic("repo:acme/*", DEFAULT_AUDIENCE)),
        ["entra-subject-wildcard-literal"]
    );
    let many: Vec<Value> = (0..21)
        .map(|i| classic(&format!("repo:acme/app:environment:e{i}"), DEFAULT_AUDIENCE))
        .collect();
    assert_eq!(codes(Value::Array(many)), ["entra-too-many-credentials"]);
    assert_eq!(
        codes(classic("s", "https://github.com/acme")),
        ["entra-audience-not-default"]
    );
    assert_eq!(
        codes(json!([
            classic("s", DEFAULT_AUDIENCE),
            classic("s", DEFAULT_AUDIENCE)
        ])),
        ["entra-duplicate-subject"]
    );
    assert!(codes(classic("s", DEFAULT_AUDIENCE)).is_empty());
    // A credential Entra could not store is an error verdict.
    let v = verdict(
        json!({"issuer": GITHUB, "subject": "s", "audiences": []}),
        &token("s"),
    );
    assert_eq!(v.outcome, Outcome::Error);
    assert!(v.summary.contains("exactly one audience"));
}

#[test]
fn detection() {
    assert!(detect(&classic("s", DEFAULT_AUDIENCE)));
    assert!(detect(&json!([classic("s", DEFAULT_AUDIENCE)])));
    assert!(!detect(
        &json!({"data": {"user_claim": "sub", "bound_audiences": ["a"]}})
    ));
    assert!(!detect(&json!({"Version": "2012-10-17", "Statement": []})));
    assert!(parse(&json!({"x": 1}), None).is_err());
}

/// Entra validates the assertion's lifetime as well as matching a credential: AADSTS700024, the text
/// azure/login users report ("Client assertion is not within its valid time range"). No skew is
/// documented, so none is allowed.
#[test]
fn lifetime_is_checked_once_the_credential_matches() {
    let credential = classic("repo:o/r:ref:refs/heads/main", DEFAULT_AUDIENCE);
    let with = |extra: Value| {
        let mut claims = token("repo:o/r:ref:refs/heads/main");
        claims.remove("exp");
        claims.extend(extra.as_object().unwrap().clone());
        claims
    };
    // (why, time claims, at, allowed)
    let rows = [
        ("inside its lifetime", json!({"exp": 600}), 0, true),
        ("expired a second ago", json!({"exp": 600}), 601, false),
        ("at exp exactly", json!({"exp": 600}), 600, false),
        ("no exp", json!({}), 0, false),
        (
            "not before the future",
            json!({"exp": 900, "nbf": 100}),
            50,
            false,
        ),
        ("after nbf", json!({"exp": 900, "nbf": 100}), 100, true),
    ];
    for (why, time, at, allowed) in rows {
        let claims = with(time);
        let rule = &parse(&credential, Some("creds.json")).unwrap()[0];
        let verdict = rule.evaluate(&claims, at);
        assert_eq!(rule.outcome(&claims, at), verdict.outcome, "{why}");
        if allowed {
            assert_eq!(
                verdict.outcome,
                Outcome::Allowed,
                "{why}: {}",
                verdict.summary
            );
        } else {
            assert_eq!(verdict.outcome, Outcome::Denied, "{why}");
            assert!(
                verdict.summary.starts_with("AADSTS700024"),
                "{why}: {}",
                verdict.summary
            );
            assert_eq!(
                verdict.deciding_check().unwrap().condition,
                "assertion lifetime (nbf ≤ now < exp)"
            );
        }
    }
}
