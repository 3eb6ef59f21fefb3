//! The memo must change nothing: a preview with it equals a preview without it, on random
//! corpora (repeated and varied claim values, odd JSON, lines that are not claims) and random
//! rules of every kind; and each rule that says what it reads decides a claim set as it decides
//! that set cut down to what it says.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::corpus::{self, Unparsed};
use super::group::GroupBy;
use super::matrix::{Clock, Preview, PreviewInput, evaluate};
use crate::token::Claims;
use crate::trust::{self, Rule};

const GH: &str = "token.actions.githubusercontent.com";

fn aws(conditions: Value, deny: Option<Value>, version: &str) -> Value {
    let statement = |effect: &str, condition: Value| {
        json!({
            "Effect": effect,
            "Principal": {"Federated": format!("arn:aws:iam::111122223333:oidc-provider/{GH}")},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": condition,
        })
    };
    let mut statements = vec![statement("Allow", conditions)];
    if let Some(deny) = deny {
        statements.push(statement("Deny", deny));
    }
    json!({"Version": version, "Statement": statements})
}

/// Rule documents of every kind, each a way a rule reads claims: exact and glob conditions,
/// IfExists, set qualifiers, Null, Deny, policy variables, a key AWS does not expose, Vault
/// bound claims with globs and pointers, Entra subjects and expressions, GCP and Kubernetes
/// CEL.
fn rule_documents() -> Vec<(&'static str, Value)> {
    let k = |claim: &str| format!("{GH}:{claim}");
    vec![
        (
            "aws",
            aws(
                json!({"StringEquals": {k("aud"): "sts.amazonaws.com", k("sub"): "repo:acme/app:environment:prod"}}),
                None,
                "2012-10-17",
            ),
        ),
        (
            "aws",
            aws(
                json!({"StringLike": {k("sub"): ["repo:acme/*:ref:refs/heads/*", "repo:acme/app?:*"]}}),
                Some(json!({"StringLike": {k("sub"): "repo:*:pull_request"}})),
                "2012-10-17",
            ),
        ),
        (
            "aws",
            aws(
                json!({"ForAnyValue:StringLike": {k("aud"): "sts.*"}, "StringEqualsIfExists": {k("environment"): "prod"}}),
                None,
                "2012-10-17",
            ),
        ),
        (
            "aws",
            aws(
                json!({"StringNotEquals": {k("actor"): "dependabot[bot]"}, "Null": {k("environment"): "false"}, "StringEqualsIgnoreCase": {k("Repository"): "ACME/APP"}}),
                Some(json!({"StringNotLike": {k("ref"): "refs/heads/*"}})),
                "2012-10-17",
            ),
        ),
        (
            "aws",
            aws(
                json!({"StringEquals": {k("repository_owner"): "acme", k("oaud"): "sts.amazonaws.com", "aws:SourceIp": "10.0.0.1"}}),
                None,
                "2012-10-17",
            ),
        ),
        // Policy variables: the value compared depends on another key, per token.
        (
            "aws",
            aws(
                json!({"StringLike": {k("sub"): "repo:${token.actions.githubusercontent.com:repository}:*"}}),
                None,
                "2012-10-17",
            ),
        ),
        // Without the 2012-10-17 version, ${…} is literal text, not a variable.
        (
            "aws",
            aws(
                json!({"StringLike": {k("sub"): "repo:${x}:*"}}),
                None,
                "2008-10-17",
            ),
        ),
        (
            "vault",
            json!({"data": {"role_type": "jwt", "bound_audiences": ["https://vault.acme.example"],
                "bound_claims": {"project_path": "acme/*", "/nested/team": "a*"}, "bound_claims_type": "glob",
                "user_claim": "user_email", "token_policies": ["p"]}}),
        ),
        (
            "vault",
            json!({"data": {"role_type": "jwt", "bound_audiences": ["sts.amazonaws.com"],
                "bound_claims": {"ref_protected": ["true"], "environment": "prod"}, "bound_claims_type": "string",
                "bound_subject": "repo:acme/app:environment:prod", "user_claim": "sub",
                "expiration_leeway": 30, "token_policies": ["p"]}}),
        ),
        (
            "entra",
            json!([{"name": "prod", "issuer": format!("https://{GH}"), "subject": "repo:acme/app:environment:prod",
                "audiences": ["api://AzureADTokenExchange"]},
                {"name": "flex", "issuer": format!("https://{GH}"), "audiences": ["api://AzureADTokenExchange"],
                 "claimsMatchingExpression": {"value": "claims['sub'] matches 'repo:acme/*'", "languageVersion": 1}}]),
        ),
        (
            "gcp",
            json!({"name": "projects/1/locations/global/workloadIdentityPools/p/providers/a",
                "state": "ACTIVE",
                "attributeCondition": "assertion.repository == 'acme/app' && has(assertion.environment)",
                "attributeMapping": {"google.subject": "assertion.sub", "attribute.env": "assertion.environment"},
                "oidc": {"issuerUri": format!("https://{GH}"), "allowedAudiences": ["sts.amazonaws.com"]}}),
        ),
        (
            "gcp",
            json!({"name": "projects/1/locations/global/workloadIdentityPools/p/providers/b",
                "state": "ACTIVE",
                "attributeCondition": "assertion.exists(k, k == 'environment')",
                "attributeMapping": {"google.subject": "assertion.sub"},
                "oidc": {"issuerUri": format!("https://{GH}")}}),
        ),
        (
            "kubernetes",
            json!({"apiVersion": "apiserver.config.k8s.io/v1beta1", "kind": "AuthenticationConfiguration",
                "jwt": [{"issuer": {"url": "https://gitlab.com", "audiences": ["https://vault.acme.example"]},
                    "claimValidationRules": [{"claim": "ref_protected", "requiredValue": "true"},
                        {"expression": "claims.namespace_path == 'acme'"}],
                    "claimMappings": {"username": {"expression": "'gitlab:' + claims.sub"}}}]}),
        ),
    ]
}

fn load(kind: &str, document: &Value) -> Vec<Box<dyn Rule>> {
    let parsed = match kind {
        "aws" => trust::aws::parse(document, Some("aws.json")),
        "vault" => trust::vault::parse(document, Some("vault.json")),
        "entra" => trust::entra::parse(document, Some("entra.json")),
        "gcp" => trust::gcp::parse(document, Some("gcp.json")),
        "kubernetes" => trust::kubernetes::parse(document, Some("k8s.json")),
        other => panic!("no rule kind {other}"),
    };
    parsed.unwrap_or_else(|e| panic!("{kind}: {e}"))
}

/// The Entra credentials' document.
const ENTRA: usize = 9;

/// The index that picks [`NowParity`] rather than a document.
const NOW_PARITY: usize = 13;

fn rules(picked: &[usize]) -> Vec<Box<dyn Rule>> {
    let documents = rule_documents();
    picked
        .iter()
        .flat_map(|&i| {
            if i == NOW_PARITY {
                return vec![Box::new(NowParity::new()) as Box<dyn Rule>];
            }
            let (kind, document) = &documents[i % documents.len()];
            load(kind, document)
        })
        .collect()
}

/// A rule whose outcome turns on the instant as much as on a claim: the memo must key by the
/// instant too. (The trust systems' own time checks rarely flip within a corpus whose entries
/// are each evaluated at their own issue time.)
struct NowParity {
    id: trust::RuleId,
}

impl NowParity {
    fn new() -> NowParity {
        NowParity {
            id: trust::RuleId {
                kind: trust::RuleKind::Expect,
                file: None,
                name: "now parity".into(),
            },
        }
    }
}

impl Rule for NowParity {
    fn id(&self) -> &trust::RuleId {
        &self.id
    }

    fn evaluate(&self, claims: &Claims, now: i64) -> trust::Verdict {
        let has_sub = claims.get("sub").is_some_and(Value::is_string);
        let outcome = if has_sub && now % 2 == 0 {
            trust::Outcome::Allowed
        } else {
            trust::Outcome::Denied
        };
        trust::Verdict {
            rule: self.id.clone(),
            outcome,
            summary: format!("sub is a string and {now} is even"),
            checks: Vec::new(),
            lints: Vec::new(),
            unverified: Vec::new(),
        }
    }

    fn reads(&self) -> Option<trust::Reads> {
        Some(trust::Reads::new(["sub"], true))
    }

    fn lints(&self) -> Vec<trust::RuleLint> {
        Vec::new()
    }
}

/// Claim values drawn from small sets, so that entries repeat each other's projections and
/// the memo is hit, with the odd shapes rules must handle (arrays, numbers, null, nesting).
fn claim_choices() -> Vec<(&'static str, Vec<Option<Value>>)> {
    vec![
        (
            "iss",
            vec![
                Some(json!(format!("https://{GH}"))),
                Some(json!(format!("https://{GH}"))),
                Some(json!("https://gitlab.com")),
                Some(json!(7)),
                None,
            ],
        ),
        (
            "sub",
            vec![
                Some(json!("repo:acme/app:environment:prod")),
                Some(json!("repo:acme/app:ref:refs/heads/main")),
                Some(json!("repo:acme/app1:pull_request")),
                Some(json!("repo:acme/app:run_id:5:x")),
                Some(json!("project_path:acme/infra:ref_type:branch:ref:main")),
                Some(json!(["repo:acme/app:environment:prod"])),
                Some(Value::Null),
                None,
            ],
        ),
        (
            "aud",
            vec![
                Some(json!("sts.amazonaws.com")),
                Some(json!(["sts.amazonaws.com"])),
                Some(json!(["sts.amazonaws.com", "x"])),
                Some(json!("https://vault.acme.example")),
                Some(json!("api://AzureADTokenExchange")),
                None,
            ],
        ),
        (
            "azp",
            vec![
                None,
                None,
                Some(json!("sts.amazonaws.com")),
                Some(json!("x")),
            ],
        ),
        (
            "exp",
            vec![
                Some(json!(1_800_000_100)),
                Some(json!(1_799_999_000)),
                Some(json!(1_800_000_000.5)),
                Some(json!("1800000100")),
                None,
            ],
        ),
        (
            "iat",
            vec![
                Some(json!(1_799_999_990)),
                Some(json!(1_800_000_050)),
                Some(json!(1_800_000_051)),
                None,
            ],
        ),
        (
            "nbf",
            vec![Some(json!(1_799_999_990)), Some(json!(1_800_000_100)), None],
        ),
        (
            "environment",
            vec![
                Some(json!("prod")),
                Some(json!("Prod")),
                Some(json!("staging")),
                None,
            ],
        ),
        (
            "repository",
            vec![Some(json!("acme/app")), Some(json!("Acme/App")), None],
        ),
        (
            "repository_owner",
            vec![Some(json!("acme")), Some(json!("other")), None],
        ),
        (
            "actor",
            vec![Some(json!("octocat")), Some(json!("dependabot[bot]")), None],
        ),
        (
            "ref",
            vec![
                Some(json!("refs/heads/main")),
                Some(json!("refs/tags/v1")),
                Some(json!("main")),
                None,
            ],
        ),
        (
            "ref_protected",
            vec![
                Some(json!("true")),
                Some(json!(true)),
                Some(json!("false")),
                None,
            ],
        ),
        (
            "project_path",
            vec![Some(json!("acme/infra")), Some(json!("other/x")), None],
        ),
        ("namespace_path", vec![Some(json!("acme")), None]),
        (
            "nested",
            vec![
                Some(json!({"team": "alpha"})),
                Some(json!({"team": "beta"})),
                None,
            ],
        ),
        (
            "user_email",
            vec![Some(json!("a@acme.example")), Some(json!(5)), None],
        ),
    ]
}

/// How a line is written: plain, with escapes and spaces, with a repeated key, or broken.
#[derive(Debug, Clone, Copy)]
enum Form {
    Plain,
    Escaped,
    Repeated,
    NotJson,
    TokenResponse,
    Array,
}

fn line(claims: &Claims, form: Form, number: usize) -> String {
    let plain = Value::Object(claims.clone()).to_string();
    match form {
        Form::Plain => plain,
        // The same claims written another way: escapes and whitespace.
        Form::Escaped => plain
            .replace("prod", "\\u0070rod")
            .replace(',', " ,\t")
            .replace("acme/", "acme\\/"),
        // A first value the map replaces with the last.
        Form::Repeated => plain.replacen('{', "{\"sub\":\"repo:evil/x:ref:refs/heads/main\",", 1),
        Form::NotJson => format!("{{\"sub\": \"x\", \"n\": {number}"),
        Form::TokenResponse => {
            format!("{{\"id_token\": \"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.\", \"n\": {number}}}")
        }
        Form::Array => "[1, 2]".to_owned(),
    }
}

/// A corpus of a few workflows' runs: each line takes one of a few claim sets and changes up
/// to three of its claims (so that entries often share what a rule reads, and differ just
/// where it matters, e.g. an expiry on the other side of the instant).
fn corpus_strategy() -> impl Strategy<Value = Vec<String>> {
    let choices = claim_choices();
    let widths: Vec<usize> = choices.iter().map(|(_, values)| values.len()).collect();
    let claim_set = widths.iter().map(|&w| 0..w).collect::<Vec<_>>();
    let change = (0..widths.len(), 0usize..8);
    let entry = (
        0usize..4,
        prop::collection::vec(change, 0..4),
        prop_oneof![
            8 => Just(Form::Plain),
            2 => Just(Form::Escaped),
            1 => Just(Form::Repeated),
            1 => Just(Form::NotJson),
            1 => Just(Form::TokenResponse),
            1 => Just(Form::Array),
        ],
    );
    (
        prop::collection::vec(claim_set, 4),
        prop::collection::vec(entry, 0..120),
    )
        .prop_map(move |(sets, entries)| {
            entries
                .iter()
                .enumerate()
                .map(|(n, (set, changes, form))| {
                    let mut picks = sets[*set].clone();
                    for &(claim, pick) in changes {
                        picks[claim] = pick % widths[claim];
                    }
                    let mut claims = Claims::new();
                    for ((name, values), &pick) in choices.iter().zip(&picks) {
                        if let Some(value) = &values[pick] {
                            claims.insert((*name).to_owned(), value.clone());
                        }
                    }
                    // A claim no rule reads, different on every line.
                    claims.insert("jti".into(), json!(format!("run-{n}")));
                    line(&claims, *form, n)
                })
                .collect()
        })
}

/// Mostly rules that say what they read, so that the memo is used; now and then one that does
/// not, so that the preview goes without it.
fn rule_pick() -> impl Strategy<Value = usize> {
    prop_oneof![6 => 0usize..5, 2 => Just(ENTRA), 1 => Just(NOW_PARITY), 1 => 0usize..13]
}

fn run(lines: &[String], input: &PreviewInput<'_>) -> Preview {
    let text = lines.join("\n");
    let entries: Vec<Unparsed> = corpus::lines(text.as_bytes()).collect();
    evaluate(entries.into_iter(), input, &|_| {})
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn a_memoised_preview_equals_one_without_the_memo(
        lines in corpus_strategy(),
        current in prop::collection::vec(rule_pick(), 1..5),
        proposed in prop::option::of(prop::collection::vec(rule_pick(), 1..5)),
        pinned in any::<bool>(),
        by_claims in any::<bool>(),
        max_listed in 0usize..4,
    ) {
        let current = rules(&current);
        let proposed = proposed.map(|p| rules(&p));
        let input = |memoise: bool| PreviewInput {
            current: &current,
            proposed: proposed.as_deref(),
            clock: if pinned {
                Clock::Pinned { at: 1_800_000_000 }
            } else {
                Clock::EntryOwn { fallback: 1_800_000_000 }
            },
            group_by: if by_claims {
                GroupBy::Claims(vec!["environment".into(), "/nested/team".into(), "/aud/0".into()])
            } else {
                GroupBy::FoldedSubject
            },
            max_listed,
            threads: 2,
            memoise,
        };
        let memoised = run(&lines, &input(true));
        let plain = run(&lines, &input(false));
        prop_assert_eq!(&memoised, &plain);
        prop_assert_eq!(
            serde_json::to_string(&memoised).unwrap(),
            serde_json::to_string(&plain).unwrap()
        );
    }

    #[test]
    fn a_rule_decides_on_what_it_says_it_reads(
        lines in corpus_strategy(),
        now in prop_oneof![Just(1_800_000_000i64), Just(1_799_999_000), Just(1_900_000_000)],
    ) {
        let documents = rule_documents();
        for (kind, document) in &documents {
            for rule in load(kind, document) {
                let Some(reads) = rule.reads() else { continue };
                for text in &lines {
                    let Ok(Value::Object(claims)) = serde_json::from_str::<Value>(text) else {
                        continue;
                    };
                    let projected: Claims = claims
                        .iter()
                        .filter(|(name, _)| {
                            reads.claims.contains(name) || reads.expiry.as_ref() == Some(name)
                        })
                        .map(|(name, value)| (name.clone(), value.clone()))
                        .collect();
                    let outcome = rule.outcome(&claims, now);
                    prop_assert_eq!(
                        outcome,
                        rule.outcome(&projected, now),
                        "{} on {}", rule.id().name, text
                    );
                    if !reads.now {
                        // Another instant on the same side of the expiry, if any.
                        let later = match reads.expiry.as_ref().and_then(|e| claims.get(e)).and_then(Value::as_i64) {
                            Some(exp) if now < exp => exp - 1,
                            _ => now + 86_400 * 365,
                        };
                        prop_assert_eq!(outcome, rule.outcome(&claims, later), "{} at {}", rule.id().name, later);
                    }
                    if let Some(expiry) = &reads.expiry {
                        // Another expiry on the same side of the instant.
                        let mut moved = claims.clone();
                        let other = match claims.get(expiry).and_then(Value::as_i64) {
                            None => json!("not a NumericDate"),
                            Some(exp) if now < exp => json!(now + 1),
                            Some(_) => json!(now - 86_400),
                        };
                        moved.insert(expiry.clone(), other);
                        prop_assert_eq!(outcome, rule.outcome(&moved, now), "{} with {}", rule.id().name, expiry);
                    }
                }
            }
        }
    }
}

/// Which rules say what they read: those whose outcome is a function of named claims (Vault's
/// roles, GCP's and Kubernetes' CEL do not say, yet).
#[test]
fn rules_that_cannot_name_what_they_read_do_not_answer() {
    let documents = rule_documents();
    let answers: Vec<(&str, bool)> = documents
        .iter()
        .flat_map(|(kind, document)| {
            load(kind, document)
                .into_iter()
                .map(move |rule| (*kind, rule.reads().is_some()))
        })
        .collect();
    // The policy with a variable (the sixth document) does not answer; the other AWS ones do.
    let aws: Vec<bool> = answers
        .iter()
        .filter(|(kind, _)| *kind == "aws")
        .map(|(_, answers)| *answers)
        .collect();
    assert_eq!(aws, [true, true, true, true, true, false, true]);
    let entra: Vec<bool> = answers
        .iter()
        .filter(|(kind, _)| *kind == "entra")
        .map(|(_, answers)| *answers)
        .collect();
    assert_eq!(entra, [true, true]);
    let flexible = load("entra", &documents[ENTRA].1)[1].reads().unwrap();
    assert_eq!(flexible.claims, ["aud", "exp", "iss", "nbf", "sub"]);
    assert!(flexible.now);
    let reads = load("aws", &documents[3].1)[0].reads().unwrap();
    assert_eq!(
        reads.claims,
        [
            "actor",
            "aud",
            "azp",
            "environment",
            "iss",
            "ref",
            "repository"
        ]
    );
    assert!(!reads.now);
    assert_eq!(reads.expiry.as_deref(), Some("exp"));
}
