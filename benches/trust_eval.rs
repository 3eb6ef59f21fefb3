//! Evaluating 100 000 claim sets against AWS trust policies, Vault JWT roles and Entra federated
//! credentials ("well under a second" for 100 000 claim sets × 20 rules). Run with
//! `cargo bench --bench trust_eval`; each sample is one pass over all claim sets on one thread.

use claimcheck::token::Claims;
use claimcheck::trust::{Outcome, Rule};
use claimcheck::trust::{aws, entra, vault};
use serde_json::json;

const CLAIM_SETS: usize = 100_000;
const NOW: i64 = 1_900_000_000;

fn main() {
    divan::main();
}

/// Twenty AWS policies of the shapes people write: branch-pinned, environment-pinned, org-wide,
/// a Deny beside an Allow, and policy variables.
fn aws_rules() -> Vec<Box<dyn Rule>> {
    let provider = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
    (0..20)
        .map(|i| {
            let condition = match i % 4 {
                0 => json!({"StringEquals": {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub": format!("repo:acme/app{i}:ref:refs/heads/main")}}),
                1 => json!({"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                            "StringLike": {"token.actions.githubusercontent.com:sub": ["repo:acme/*:environment:prod", "repo:acme/*:ref:refs/tags/v*"]}}),
                2 => json!({"ForAnyValue:StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"},
                            "StringEqualsIfExists": {"token.actions.githubusercontent.com:environment": "prod"}}),
                _ => json!({"StringLike": {"token.actions.githubusercontent.com:sub": "repo:${token.actions.githubusercontent.com:repository}:*"}}),
            };
            let policy = json!({"Version": "2012-10-17", "Statement": [
                {"Sid": "Deploy", "Effect": "Allow", "Principal": {"Federated": provider},
                 "Action": "sts:AssumeRoleWithWebIdentity", "Condition": condition},
                {"Sid": "NoForks", "Effect": "Deny", "Principal": {"Federated": provider},
                 "Action": "sts:AssumeRoleWithWebIdentity",
                 "Condition": {"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:acme/app:pull_request"}}}
            ]});
            aws::parse(&policy, Some("bench.json")).unwrap().remove(0)
        })
        .collect()
}

/// Twenty mixed rules: eight AWS policies (as above), six Vault roles (string and glob bound
/// claims, a bound subject, claim mappings) and six Entra credentials (one a flexible
/// expression), each bound to one of the benchmark's repositories.
fn mixed_rules() -> Vec<Box<dyn Rule>> {
    let mut rules: Vec<Box<dyn Rule>> = aws_rules().into_iter().take(8).collect();
    for i in 0..6 {
        let bound_claims_type = if i % 2 == 0 { "string" } else { "glob" };
        let role = json!({"data": {
            "role_type": "jwt",
            "user_claim": "sub",
            "bound_audiences": ["sts.amazonaws.com", "https://vault.acme.example"],
            "bound_subject": if i == 5 { json!(format!("repo:acme/app{i}:environment:prod")) } else { json!("") },
            "bound_claims_type": bound_claims_type,
            "bound_claims": if i % 2 == 0 {
                json!({"repository": format!("acme/app{i}"), "environment": ["prod", "staging"]})
            } else {
                json!({"repository": "acme/*", "sub": format!("repo:acme/app{i}:*")})
            },
            "claim_mappings": {"repository": "repo", "environment": "env"},
        }, "bound_issuer": "https://token.actions.githubusercontent.com"});
        rules.extend(vault::parse(&role, Some("bench-vault.json")).unwrap());
    }
    let credentials: Vec<_> = (0..6)
        .map(|i| {
            let mut credential = json!({
                "name": format!("cred-{i}"),
                "issuer": "https://token.actions.githubusercontent.com",
                "audiences": ["api://AzureADTokenExchange"],
            });
            if i == 5 {
                credential["claimsMatchingExpression"] = json!({
                    "value": "claims['sub'] matches 'repo:acme/app*:environment:prod'",
                    "languageVersion": 1,
                });
            } else {
                credential["subject"] = json!(format!("repo:acme/app{i}:environment:prod"));
            }
            credential
        })
        .collect();
    rules.extend(entra::parse(&json!(credentials), Some("bench-entra.json")).unwrap());
    assert_eq!(rules.len(), 20);
    rules
}

/// How many (claim set, rule) pairs `decide` allows: every rule against every claim set.
fn allowed(
    rules: &[Box<dyn Rule>],
    claims: &[Claims],
    decide: impl Fn(&dyn Rule, &Claims) -> Outcome,
) -> usize {
    claims
        .iter()
        .flat_map(|c| rules.iter().map(move |rule| (rule, c)))
        .filter(|(rule, c)| decide(rule.as_ref(), c) == Outcome::Allowed)
        .count()
}

fn claim_sets() -> Vec<Claims> {
    (0..CLAIM_SETS)
        .map(|i| {
            let tail = match i % 3 {
                0 => "ref:refs/heads/main".to_owned(),
                1 => "environment:prod".to_owned(),
                _ => "pull_request".to_owned(),
            };
            let repo = format!("acme/app{}", i % 25);
            json!({
                "iss": "https://token.actions.githubusercontent.com",
                "aud": "sts.amazonaws.com",
                "sub": format!("repo:{repo}:{tail}"),
                "repository": repo,
                "repository_owner": "acme",
                "environment": "prod",
                "exp": 2_000_000_000i64,
            })
            .as_object()
            .unwrap()
            .clone()
        })
        .collect()
}

/// 100 000 claim sets × 20 AWS, Vault and Entra rules, decision only (`Rule::outcome`, what a
/// tokens × rules matrix needs): 2 000 000 evaluations per sample. The figure.
#[divan::bench(sample_count = 5)]
fn mixed_100k_claim_sets_x_20_rules_outcome(bencher: divan::Bencher) {
    let rules = mixed_rules();
    let claims = claim_sets();
    bencher.bench(|| allowed(&rules, &claims, |rule, c| rule.outcome(c, NOW)));
}

/// The same on both cores (the claim sets split in two, as `preview`'s matrix splits a
/// corpus): what a 2-core machine takes for the 100 000 × 20.
#[divan::bench(sample_count = 5)]
fn mixed_100k_claim_sets_x_20_rules_outcome_2_threads(bencher: divan::Bencher) {
    let rules = mixed_rules();
    let claims = claim_sets();
    bencher.bench(|| {
        let (first, second) = claims.split_at(claims.len() / 2);
        let count = |half: &[Claims]| allowed(&rules, half, |rule, c| rule.outcome(c, NOW));
        std::thread::scope(|scope| {
            let other = scope.spawn(|| count(second));
            count(first) + other.join().expect("the second half's thread")
        })
    });
}

/// The same with full explanations (`Rule::evaluate`: every check, hint and note, as `check`
/// prints them) — what it costs when every verdict is kept.
#[divan::bench(sample_count = 3)]
fn mixed_100k_claim_sets_x_20_rules_explained(bencher: divan::Bencher) {
    let rules = mixed_rules();
    let claims = claim_sets();
    bencher.bench(|| allowed(&rules, &claims, |rule, c| rule.evaluate(c, NOW).outcome));
}

/// 100 000 claim sets × 20 AWS rules, decision only.
#[divan::bench(sample_count = 5)]
fn aws_100k_claim_sets_x_20_rules_outcome(bencher: divan::Bencher) {
    let rules = aws_rules();
    let claims = claim_sets();
    bencher.bench(|| allowed(&rules, &claims, |rule, c| rule.outcome(c, NOW)));
}

/// 100 000 claim sets × 1 AWS rule with full explanations (`Rule::evaluate`: every check, hint
/// and note, as `check` prints them).
#[divan::bench(sample_count = 5)]
fn aws_100k_claim_sets_x_1_rule_explained(bencher: divan::Bencher) {
    let rules = aws_rules();
    let claims = claim_sets();
    bencher.bench(|| {
        claims
            .iter()
            .filter(|c| rules[0].evaluate(c, NOW).outcome == Outcome::Allowed)
            .count()
    });
}
