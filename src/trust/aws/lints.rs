//! What is risky about a trust policy regardless of the token: IAM's secure-by-default rule for
//! shared issuers, broad GitHub subjects, keys AWS does not expose, and `ForAllValues:` in an Allow
//! (aws-actions/configure-aws-credentials README).

use super::condition::{BaseOp, SetQualifier};
use super::context::split_key;
use super::document::{Effect, PolicyDocument, Principal, Statement};
use super::keys::{Exposure, exposure, is_github_prefix, required_tenancy_claim};
use super::pattern::has_wildcard;
use crate::token::lint::Severity;
use crate::trust::verdict::RuleLint;

/// The condition-key prefix of a `Principal.Federated` entry: its provider URL.
pub use super::document::provider_url as federated_prefix;

pub fn lint_policy(policy: &PolicyDocument) -> Vec<RuleLint> {
    let variables = policy.variables_enabled();
    let mut lints = Vec::new();
    for statement in &policy.statements {
        lint_tenancy(statement, &mut lints);
        for entry in &statement.conditions {
            let operator = match &entry.operator {
                Ok(operator) => *operator,
                // Operators IAM has but claimcheck does not evaluate are not the rule's fault;
                // the verdict says it cannot decide. Names IAM does not know are.
                Err(message) if message.contains("IAM would refuse") => {
                    lints.push(RuleLint::new(
                        "invalid-operator",
                        Severity::Error,
                        format!("statement {}: {message}", statement.label()),
                    ));
                    continue;
                }
                Err(_) => continue,
            };
            let written: Vec<String> = entry.values.iter().map(|v| v.written.clone()).collect();
            if statement.effect == Effect::Allow
                && operator.qualifier == Some(SetQualifier::ForAllValues)
            {
                lints.push(RuleLint::new(
                    "for-all-values-in-allow",
                    Severity::Warning,
                    format!(
                        "statement {}: {} is true when the key is absent or empty, so this Allow admits tokens without `{}`; use ForAnyValue: or a plain operator",
                        statement.label(),
                        entry.operator_written,
                        entry.key
                    ),
                ));
            }
            if operator.qualifier == Some(SetQualifier::ForAnyValue) && operator.if_exists {
                let consequence = match statement.effect {
                    Effect::Allow => "this Allow refuses tokens without",
                    Effect::Deny => "this Deny never applies to tokens without",
                };
                lints.push(RuleLint::new(
                    "for-any-value-ignores-if-exists",
                    Severity::Warning,
                    format!(
                        "statement {}: {} is false when the key is absent, IfExists or not, so {consequence} `{}`; write the plain operator with IfExists to let an absent key pass",
                        statement.label(),
                        entry.operator_written,
                        entry.key
                    ),
                ));
            }
            if operator.base.is_exact()
                && let Some(value) = written.iter().find(|v| has_wildcard(v, variables))
            {
                lints.push(RuleLint::new(
                    "string-equals-with-wildcard",
                    Severity::Warning,
                    format!(
                        "statement {}: {} {} holds \"{value}\", whose '*'/'?' are plain characters there; StringLike was probably meant",
                        statement.label(),
                        entry.operator_written,
                        entry.key
                    ),
                ));
            }
            let Some((prefix, claim)) = split_key(&entry.key) else {
                continue;
            };
            if statement.effect == Effect::Allow
                && operator.base == BaseOp::StringLike
                && is_github_prefix(prefix)
                && claim.eq_ignore_ascii_case("sub")
            {
                for value in &written {
                    if let Some(lint) = broad_github_subject(statement, value) {
                        lints.push(lint);
                    }
                }
            }
            let trusted = federated_prefixes(statement);
            if trusted.iter().any(|t| t.eq_ignore_ascii_case(prefix))
                && exposure(prefix, &claim.to_ascii_lowercase()) == Exposure::NotExposed
            {
                lints.push(RuleLint::new(
                    "key-not-exposed",
                    Severity::Warning,
                    format!(
                        "statement {}: AWS does not expose `{claim}` for {prefix}, so `{}` is always absent ({} never matches)",
                        statement.label(),
                        entry.key,
                        entry.operator_written
                    ),
                ));
            }
        }
    }
    lints
}

fn federated_prefixes(statement: &Statement) -> Vec<&str> {
    match &statement.principal {
        Principal::Federated(entries) => entries.iter().map(|e| federated_prefix(e)).collect(),
        _ => Vec::new(),
    }
}

/// Secure-by-default (June 2025): an Allow for a shared issuer must evaluate its tenancy claim.
fn lint_tenancy(statement: &Statement, lints: &mut Vec<RuleLint>) {
    if statement.effect != Effect::Allow {
        return;
    }
    for prefix in federated_prefixes(statement) {
        let Some(claim) = required_tenancy_claim(prefix) else {
            continue;
        };
        let evaluated = statement.conditions.iter().any(|entry| {
            split_key(&entry.key).is_some_and(|(p, c)| {
                p.eq_ignore_ascii_case(prefix) && c.eq_ignore_ascii_case(claim)
            })
        });
        if !evaluated {
            lints.push(RuleLint::new(
                "shared-issuer-without-tenancy-condition",
                Severity::Error,
                format!(
                    "statement {}: {prefix} is shared by every tenant, and there is no condition on `{prefix}:{claim}`, so any of them can assume this role; IAM refuses new policies like this since June 2025 (MalformedPolicyDocument, according to secondary sources)",
                    statement.label()
                ),
            ));
        }
    }
}

/// `repo:*`, `*`, or `repo:ORG/*`: every repository (of an org), pull requests included.
fn broad_github_subject(statement: &Statement, pattern: &str) -> Option<RuleLint> {
    let label = statement.label();
    if pattern == "*"
        || pattern.starts_with("repo:*")
        || !pattern.starts_with("repo:") && pattern.starts_with('*')
    {
        return Some(RuleLint::new(
            "github-subject-any-repository",
            Severity::Error,
            format!(
                "statement {label}: StringLike \"{pattern}\" on `sub` admits every GitHub repository on earth"
            ),
        ));
    }
    let (owner, repo_and_tail) = pattern.strip_prefix("repo:")?.split_once('/')?;
    repo_and_tail.starts_with('*').then(|| {
        RuleLint::new(
            "github-subject-org-wide",
            Severity::Warning,
            format!(
                "statement {label}: StringLike \"{pattern}\" admits every repository of `{owner}`, on any branch, including pull_request runs from forks' contributors; pin the repository and `:environment:NAME` or `:ref:refs/heads/BRANCH`"
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::document::parse_policy;
    use super::*;

    fn codes(policy: serde_json::Value) -> Vec<&'static str> {
        lint_policy(&parse_policy(&policy).unwrap())
            .into_iter()
            .map(|l| l.code)
            .collect()
    }

    fn github(effect: &str, condition: serde_json::Value) -> serde_json::Value {
        json!({"Version": "2012-10-17", "Statement": [{
            "Sid": "S", "Effect": effect,
            "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": condition
        }]})
    }

    // Each row: the lint a policy must get, with its source.
    #[test]
    fn lint_table() {
        let aud = json!({"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"});
        let rows: Vec<(serde_json::Value, Vec<&str>)> = vec![
            // secure-by-default: no sub condition on a shared issuer
            (
                github("Allow", json!({"StringEquals": aud})),
                vec!["shared-issuer-without-tenancy-condition"],
            ),
            // a Deny needs no tenancy condition
            (github("Deny", json!({"StringEquals": aud})), vec![]),
            // configure-aws-credentials README: ForAllValues in an Allow
            (
                github(
                    "Allow",
                    json!({"ForAllValues:StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"}}),
                ),
                vec!["for-all-values-in-allow", "github-subject-org-wide"],
            ),
            // iam-simulate forAnyValueMatch ("ForAnyValue will ignore IfExists"): IfExists has
            // no effect under ForAnyValue:, in an Allow and in a Deny
            (
                github(
                    "Allow",
                    json!({"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:acme/app:environment:prod"},
                           "ForAnyValue:StringEqualsIfExists": {"token.actions.githubusercontent.com:environment": "prod"}}),
                ),
                vec!["for-any-value-ignores-if-exists"],
            ),
            (
                github(
                    "Deny",
                    json!({"ForAnyValue:StringNotEqualsIfExists": {"token.actions.githubusercontent.com:environment": "prod"}}),
                ),
                vec!["for-any-value-ignores-if-exists"],
            ),
            // StringEquals holding a wildcard
            (
                github(
                    "Allow",
                    json!({"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:acme/app:*"}}),
                ),
                vec!["string-equals-with-wildcard"],
            ),
            (
                github(
                    "Allow",
                    json!({"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}}),
                ),
                vec!["github-subject-any-repository"],
            ),
            // a key AWS does not expose (condition-keys-wif)
            (
                github(
                    "Allow",
                    json!({"StringEquals": {
                    "token.actions.githubusercontent.com:sub": "repo:acme/app:environment:prod",
                    "token.actions.githubusercontent.com:repository_owner": "acme"}}),
                ),
                vec!["key-not-exposed"],
            ),
            // a tight policy gets nothing
            (
                github(
                    "Allow",
                    json!({"StringEquals": {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub": "repo:acme/app:environment:prod"}}),
                ),
                vec![],
            ),
            (
                github("Allow", json!({"NumericEquals": {"k": "1"}})),
                vec!["shared-issuer-without-tenancy-condition"],
            ),
            (
                github("Allow", json!({"StringEqual": {"k": "1"}})),
                vec![
                    "shared-issuer-without-tenancy-condition",
                    "invalid-operator",
                ],
            ),
        ];
        for (policy, expected) in rows {
            assert_eq!(codes(policy.clone()), expected, "{policy}");
        }
    }
}
