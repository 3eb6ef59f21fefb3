//! Evaluating 100 000 claim sets against AWS trust policies (issue 4: "well under a second" for
//! 100 000 claim sets × 20 rules). Run with `cargo bench --bench trust_eval`.

use claimcheck::token::Claims;
use claimcheck::trust::aws;
use claimcheck::trust::{Outcome, Rule};
use serde_json::json;

const CLAIM_SETS: usize = 100_000;
const NOW: i64 = 1_900_000_000;

fn main() {
    divan::main();
}

/// Twenty policies of the shapes people write: branch-pinned, environment-pinned, org-wide,
/// a Deny beside an Allow, and policy variables.
fn rules() -> Vec<Box<dyn Rule>> {
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

/// 100 000 claim sets × 20 AWS rules, decision only (`Rule::outcome`, what a tokens × rules
/// matrix needs): 2 000 000 evaluations per iteration.
#[divan::bench(sample_count = 5)]
fn aws_100k_claim_sets_x_20_rules_outcome(bencher: divan::Bencher) {
    let rules = rules();
    let claims = claim_sets();
    bencher.bench(|| {
        let mut allowed = 0usize;
        for c in &claims {
            for rule in &rules {
                allowed += usize::from(rule.outcome(c, NOW) == Outcome::Allowed);
            }
        }
        allowed
    });
}

/// 100 000 claim sets × 1 AWS rule with full explanations (`Rule::evaluate`: every check, hint
/// and note, as `check` prints them).
#[divan::bench(sample_count = 5)]
fn aws_100k_claim_sets_x_1_rule_explained(bencher: divan::Bencher) {
    let rules = rules();
    let claims = claim_sets();
    bencher.bench(|| {
        claims
            .iter()
            .filter(|c| rules[0].evaluate(c, NOW).outcome == Outcome::Allowed)
            .count()
    });
}
