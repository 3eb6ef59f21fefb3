//! The bundled Vault and Entra demo rule files against the bundled demo tokens: the verdicts
//! `claimcheck check` will show in the demo (assets/demo/rules, assets/demo/tokens).

use claimcheck::demo;
use claimcheck::trust::{Outcome, Rule, Verdict, entra, vault};
use serde_json::Value;

const NOW: i64 = 1_800_000_000;

/// The loader contract every evaluator module provides (`vault::parse`, `entra::parse`).
type ParseFn = fn(&Value, Option<&str>) -> Result<Vec<Box<dyn Rule>>, String>;

fn rules(text: &str, file: &str, parse: ParseFn) -> Vec<Box<dyn Rule>> {
    let doc: Value = serde_json::from_str(text).unwrap();
    parse(&doc, Some(file)).unwrap()
}

fn evaluate(rules: &[Box<dyn Rule>], token: &str) -> Vec<Verdict> {
    let claims = demo::template(token).unwrap().claims_at(NOW);
    rules
        .iter()
        .map(|r| {
            let verdict = r.evaluate(&claims, NOW);
            assert_eq!(r.outcome(&claims, NOW), verdict.outcome);
            verdict
        })
        .collect()
}

#[test]
fn vault_role_allows_the_gitlab_token() {
    let doc: Value = serde_json::from_str(include_str!(
        "../../assets/demo/rules/vault-role-deploy.json"
    ))
    .unwrap();
    assert!(vault::detect(&doc) && !entra::detect(&doc));
    let rules = rules(
        include_str!("../../assets/demo/rules/vault-role-deploy.json"),
        "assets/demo/rules/vault-role-deploy.json",
        vault::parse,
    );
    let verdict = &evaluate(&rules, "gitlab")[0];
    assert_eq!(verdict.outcome, Outcome::Allowed, "{}", verdict.summary);
    assert_eq!(verdict.rule.name, "vault-role-deploy");
    assert!(verdict.lints.is_empty());
    // The GitHub token is for another issuer and audience: Vault names the issuer first.
    let github = &evaluate(&rules, "github-environment")[0];
    assert_eq!(github.outcome, Outcome::Denied);
    assert_eq!(
        github.summary,
        "error validating token: invalid issuer (iss) claim"
    );
}

#[test]
fn vault_role_with_boolean_denies_instructively() {
    let rules = rules(
        include_str!("../../assets/demo/rules/vault-role-protected-bool.json"),
        "assets/demo/rules/vault-role-protected-bool.json",
        vault::parse,
    );
    let verdict = &evaluate(&rules, "gitlab")[0];
    assert_eq!(verdict.outcome, Outcome::Denied);
    assert_eq!(
        verdict.summary,
        "error validating claims: claim \"ref_protected\" does not match any associated bound claim values"
    );
    let check = verdict.deciding_check().unwrap();
    assert_eq!(check.actual, Some(Value::String("true".into())));
    assert_eq!(check.hints[0].code, "vault-bool-vs-string");
}

#[test]
fn entra_credentials_against_github_tokens() {
    let text = include_str!("../../assets/demo/rules/entra-credentials.json");
    let doc: Value = serde_json::from_str(text).unwrap();
    assert!(entra::detect(&doc) && !vault::detect(&doc));
    let rules = rules(
        text,
        "assets/demo/rules/entra-credentials.json",
        entra::parse,
    );
    assert_eq!(rules.len(), 3);

    // The environment job matches the prod credential's subject, but the demo token was
    // requested for AWS (aud sts.amazonaws.com), so Entra refuses it on the audience.
    let environment = evaluate(&rules, "github-environment");
    assert!(environment.iter().all(|v| v.outcome == Outcome::Denied));
    let prod = &environment[0];
    assert_eq!(prod.rule.name, "acme-app-prod");
    assert!(prod.checks[1].passed, "subject matches");
    assert!(prod.summary.starts_with("AADSTS700212"), "{}", prod.summary);
    assert_eq!(
        prod.deciding_check().unwrap().hints.last().unwrap().code,
        "entra-request-default-audience"
    );
    // The main-branch credential fails on the subject first.
    assert!(environment[1].summary.starts_with("AADSTS700213"));

    // With the audience Azure/login requests, the right credential allows and the others deny.
    let mut claims = demo::template("github-branch").unwrap().claims_at(NOW);
    claims.insert("aud".into(), Value::String(entra::DEFAULT_AUDIENCE.into()));
    let outcomes: Vec<Outcome> = rules
        .iter()
        .map(|r| r.evaluate(&claims, NOW).outcome)
        .collect();
    assert_eq!(
        outcomes,
        [Outcome::Denied, Outcome::Allowed, Outcome::Denied]
    );

    // The pull-request credential was typed with a capital A: a case-only mismatch.
    let mut pr = demo::template("github-pull-request")
        .unwrap()
        .claims_at(NOW);
    pr.insert("aud".into(), Value::String(entra::DEFAULT_AUDIENCE.into()));
    let verdict = rules[2].evaluate(&pr, NOW);
    assert!(
        verdict.summary.starts_with("AADSTS7002138"),
        "{}",
        verdict.summary
    );
    assert_eq!(
        verdict.deciding_check().unwrap().hints[0].code,
        "case-only-difference"
    );
}
