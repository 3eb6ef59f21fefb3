//! The symbolic analysis (`trust::symbolic`, docs/SEMANTICS.md §10) on typical rule pairs:
//! an AWS trust policy of up to 20 conditions with up to 10 patterns each against its edit, a
//! Vault role, Entra credentials, a GCP provider whose condition loses a `startsWith`, a
//! Kubernetes authenticator whose claim validation rule is loosened, and `who` on the demo
//! rules. Budget: typical pairs under
//! 100 ms (figures in docs/PERFORMANCE.md).
//!
//! Run with `cargo bench --bench symbolic`.

use claimcheck::trust::Rule;
use claimcheck::trust::load::load_rule_file;
use claimcheck::trust::symbolic::{Budget, compare, reach};
use serde_json::{Value, json};

const NOW: i64 = 1_900_000_000;
const GH: &str = "token.actions.githubusercontent.com";

fn main() {
    divan::main();
}

fn rules(value: &Value) -> Vec<Box<dyn Rule>> {
    load_rule_file("bench.json", &value.to_string(), None)
        .unwrap()
        .into_rules()
        .unwrap()
}

/// An AWS policy with `statements` Allow statements of five conditions each (aud, sub with
/// `patterns` subject patterns, a StringNotLike on sub, a ForAnyValue on amr, an IfExists on
/// environment) and one Deny.
fn aws(statements: usize, patterns: usize, wider: bool) -> Vec<Box<dyn Rule>> {
    let mut list: Vec<Value> = (0..statements)
        .map(|s| {
            let subjects: Vec<String> = (0..patterns)
                .map(|p| {
                    if wider && p == 0 {
                        format!("repo:acme-{s}/*")
                    } else {
                        format!("repo:acme-{s}/app-{p}:ref:refs/heads/*")
                    }
                })
                .collect();
            json!({"Effect": "Allow",
                "Principal": {"Federated": format!("arn:aws:iam::111122223333:oidc-provider/{GH}")},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {format!("{GH}:aud"): "sts.amazonaws.com"},
                    "StringLike": {format!("{GH}:sub"): subjects},
                    "StringNotLike": {format!("{GH}:sub"): "*:pull_request"},
                    "StringEqualsIfExists": {format!("{GH}:environment"): ["prod", "staging"]},
                    "ForAnyValue:StringLike": {format!("{GH}:job_workflow_ref"): "acme/*"}}})
        })
        .collect();
    list.push(json!({"Effect": "Deny",
        "Principal": {"Federated": format!("arn:aws:iam::111122223333:oidc-provider/{GH}")},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringLike": {format!("{GH}:sub"): "repo:acme-0/legacy:*"}}}));
    rules(&json!({"Version": "2012-10-17", "Statement": list}))
}

#[divan::bench(args = [(1, 3), (2, 5), (4, 10)])]
fn aws_pair(bencher: divan::Bencher, (statements, patterns): (usize, usize)) {
    let current = aws(statements, patterns, false);
    let proposed = aws(statements, patterns, true);
    bencher.bench(|| compare(&current, &proposed, NOW, Budget::default()));
}

fn vault(sub: &str) -> Vec<Box<dyn Rule>> {
    rules(
        &json!({"role_type": "jwt", "user_claim": "sub", "bound_issuer": "https://gitlab.com",
        "bound_audiences": ["https://vault.example"], "bound_claims_type": "glob",
        "bound_claims": {"sub": sub, "ref_type": "branch", "namespace_path": ["acme", "acme-ops"]}}),
    )
}

#[divan::bench]
fn vault_pair(bencher: divan::Bencher) {
    let current = vault("project_path:acme/app:*");
    let proposed = vault("project_path:acme/*");
    bencher.bench(|| compare(&current, &proposed, NOW, Budget::default()));
}

#[divan::bench]
fn entra_pair(bencher: divan::Bencher) {
    let credential = |subject: &str| {
        json!({"name": "c", "issuer": "https://token.actions.githubusercontent.com",
            "subject": subject, "audiences": ["api://AzureADTokenExchange"]})
    };
    let current = rules(&json!([
        credential("repo:acme/app:environment:prod"),
        credential("repo:acme/app:ref:refs/heads/main")
    ]));
    let proposed = rules(&json!([credential("repo:acme/app:environment:prod"),
        {"name": "f", "issuer": "https://token.actions.githubusercontent.com", "subject": null,
         "audiences": ["api://AzureADTokenExchange"],
         "claimsMatchingExpression": {"value": "claims['sub'] matches 'repo:acme/*'", "languageVersion": 1}}]));
    bencher.bench(|| compare(&current, &proposed, NOW, Budget::default()));
}

/// A GitHub provider: google.subject and two attributes mapped, the condition given.
fn gcp(condition: &str) -> Vec<Box<dyn Rule>> {
    rules(&json!({
        "name": "projects/123456789012/locations/global/workloadIdentityPools/github/providers/acme-app",
        "state": "ACTIVE",
        "oidc": {"issuerUri": "https://token.actions.githubusercontent.com",
            "allowedAudiences": ["sts.amazonaws.com"]},
        "attributeMapping": {"google.subject": "assertion.sub",
            "attribute.repository": "assertion.repository",
            "attribute.ref": "assertion.ref"},
        "attributeCondition": condition}))
}

#[divan::bench]
fn gcp_pair(bencher: divan::Bencher) {
    let current = gcp(
        "assertion.repository_owner == 'acme' && attribute.repository in ['acme/app', 'acme/api'] && assertion.ref.startsWith('refs/heads/') && !assertion.ref.endsWith('/tmp')",
    );
    let proposed = gcp(
        "assertion.repository_owner == 'acme' && attribute.repository in ['acme/app', 'acme/api'] && !assertion.ref.endsWith('/tmp')",
    );
    bencher.bench(|| compare(&current, &proposed, NOW, Budget::default()));
}

/// One GitLab authenticator: a required claim, a CEL claim validation rule on the ref, the
/// username from `sub` with a prefix and a user validation rule on it.
fn kubernetes(ref_rule: &str) -> Vec<Box<dyn Rule>> {
    rules(
        &json!({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AuthenticationConfiguration",
        "jwt": [{"issuer": {"url": "https://gitlab.com", "audiences": ["kubernetes"]},
            "claimValidationRules": [
                {"claim": "namespace_path", "requiredValue": "acme"},
                {"expression": ref_rule, "message": "protected refs only"}],
            "claimMappings": {"username": {"claim": "sub", "prefix": "gitlab:"}},
            "userValidationRules": [{"expression": "!user.username.startsWith('system:')"}]}]}),
    )
}

#[divan::bench]
fn kubernetes_pair(bencher: divan::Bencher) {
    let current = kubernetes("claims.ref == 'main'");
    let proposed = kubernetes("claims.ref.matches('^(main|release-[0-9]+)$')");
    bencher.bench(|| compare(&current, &proposed, NOW, Budget::default()));
}

#[divan::bench(args = [
    "aws-org-wide.json",
    "vault-role-deploy.json",
    "entra-credentials.json",
    "gcp-provider.yaml",
    "kubernetes-authn.yaml",
])]
fn who_demo(bencher: divan::Bencher, file: &str) {
    let path = format!("{}/assets/demo/rules/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let rules = load_rule_file(file, &text, None)
        .unwrap()
        .into_rules()
        .unwrap();
    bencher.bench(|| reach(&rules, NOW, Budget::default()));
}
