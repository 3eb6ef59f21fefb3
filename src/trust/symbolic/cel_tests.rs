//! The CEL fragment (GCP workload identity, Kubernetes structured authentication) against the
//! evaluators: its languages mirror CEL's string functions, the everyday changes give the
//! regions a reviewer would write, expressions outside the fragment are not proved with the
//! expression named, and random rules within it are sound and complete.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::lang::Lang;
use super::tests::{NOW, check_pair, in_model, one_lang, run};
use super::{Budget, Comparison, Conclusion, reach};
use crate::token::Claims;
use crate::trust::Rule;
use crate::trust::cel::{Dialect, matches_regex};

const GH_ISS: &str = "https://token.actions.githubusercontent.com";
const PROVIDER: &str =
    "projects/123456789012/locations/global/workloadIdentityPools/github/providers/acme-app";
const K8S_ISS: &str = "https://gitlab.com";

/// A provider on GitHub's issuer with `condition` and the mappings (google.subject from `sub`
/// unless given).
fn gcp(condition: &str, mapping: &[(&str, &str)]) -> Vec<Box<dyn Rule>> {
    let mut attribute_mapping = Map::new();
    attribute_mapping.insert("google.subject".into(), json!("assertion.sub"));
    for (target, source) in mapping {
        attribute_mapping.insert((*target).into(), json!(source));
    }
    let mut doc = json!({"name": PROVIDER, "state": "ACTIVE",
        "oidc": {"issuerUri": GH_ISS, "allowedAudiences": ["sts.amazonaws.com"]},
        "attributeMapping": attribute_mapping});
    if !condition.is_empty() {
        doc["attributeCondition"] = json!(condition);
    }
    crate::trust::gcp::parse(&doc, Some("provider.json")).unwrap()
}

/// One GitLab authenticator with these claim and user validation rules; usernames are
/// `p:` + `sub`.
fn k8s(claim_rules: &[&str], user_rules: &[&str]) -> Vec<Box<dyn Rule>> {
    let claim_rules: Vec<Value> = claim_rules
        .iter()
        .map(|e| json!({"expression": e, "message": "no"}))
        .collect();
    let user_rules: Vec<Value> = user_rules
        .iter()
        .map(|e| json!({"expression": e, "message": "no"}))
        .collect();
    let doc = json!({"apiVersion": "apiserver.config.k8s.io/v1beta1",
        "kind": "AuthenticationConfiguration",
        "jwt": [{"issuer": {"url": K8S_ISS, "audiences": ["kubernetes"]},
            "claimValidationRules": claim_rules,
            "claimMappings": {"username": {"claim": "sub", "prefix": "p:"}},
            "userValidationRules": user_rules}]});
    crate::trust::kubernetes::parse(&doc, Some("authn.json")).unwrap()
}

fn texts<'a>(regions: &'a [super::Region], claim: &str) -> Vec<&'a str> {
    regions
        .iter()
        .flat_map(|r| &r.constraints)
        .filter(|c| c.claim == claim)
        .map(|c| c.text.as_str())
        .collect()
}

fn value<'a>(claims: &'a Claims, claim: &str) -> Option<&'a str> {
    claims.get(claim).and_then(Value::as_str)
}

fn assert_clean(result: &Comparison) {
    assert!(result.not_proved.is_empty(), "{:?}", result.not_proved);
    assert!(
        result.analysis_errors.is_empty(),
        "{:?}",
        result.analysis_errors
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    // startsWith, endsWith and contains with a literal are the string functions.
    #[test]
    fn string_function_languages_are_the_functions(part in "[ab:é]{0,3}", text in "[ab:é]{0,5}") {
        let prefix = one_lang(Lang::prefix(&part));
        prop_assert_eq!(prefix.languages_of(&text).contains(&0), text.starts_with(&part));
        let suffix = one_lang(Lang::suffix(&part));
        prop_assert_eq!(suffix.languages_of(&text).contains(&0), text.ends_with(&part));
        let substring = one_lang(Lang::substring(&part));
        prop_assert_eq!(substring.languages_of(&text).contains(&0), text.contains(&part));
    }

    // `matches` is an unanchored search with RE2's meaning, as the evaluator runs it.
    #[test]
    fn matches_language_is_the_evaluator(
        pattern in prop::sample::select(vec![
            "^a+b?$", "a.b", r"\bab", "^$", r"(?i)AB", "[^a]", r"\d", "é|b:", r"^\C$", "a{2}",
        ]),
        text in "[ab:é1]{0,4}",
    ) {
        let translated = matches_regex(Dialect::Gcp, pattern).unwrap();
        let space = one_lang(Lang::search(pattern, &translated));
        let evaluator = regex::bytes::Regex::new(&translated).unwrap();
        prop_assert_eq!(
            space.languages_of(&text).contains(&0),
            evaluator.is_match(text.as_bytes()),
            "{} ~ {}", text, pattern
        );
    }

    // The google.subject limit counts bytes, not characters.
    #[test]
    fn byte_limit_language_counts_bytes(text in "[aé日]{0,6}", limit in 0usize..10) {
        let space = one_lang(Lang::max_bytes(limit, "test"));
        prop_assert_eq!(space.languages_of(&text).contains(&0), text.len() <= limit);
    }
}

/// The issue's example: a GCP condition losing its `startsWith` on the ref lets every other
/// ref of acme/app in, and a token without a ref (reading it was a CEL error).
#[test]
fn gcp_condition_losing_a_starts_with_gains_other_refs() {
    let current = gcp(
        "assertion.repository == 'acme/app' && assertion.ref.startsWith('refs/heads/')",
        &[],
    );
    let proposed = gcp("assertion.repository == 'acme/app'", &[]);
    let result = run(&current, &proposed);
    assert_clean(&result);
    assert_eq!(result.conclusion, Conclusion::GainsAccess, "{result:#?}");
    assert!(result.loses.is_empty(), "{result:#?}");
    assert_eq!(
        texts(&result.gains, "ref"),
        ["not a string starting with \"refs/heads/\" or absent"]
    );
    assert_eq!(texts(&result.gains, "repository"), ["= \"acme/app\""]);
    let witness = &result.gains[0].witness;
    assert_eq!(value(witness, "repository"), Some("acme/app"));
    assert!(
        !value(witness, "ref")
            .unwrap_or_default()
            .starts_with("refs/heads/")
    );
}

/// `==` widened to `startsWith`: every other branch gains, nobody loses.
#[test]
fn gcp_condition_widened_from_equals_to_starts_with_gains_other_branches() {
    let current = gcp("assertion.ref == 'refs/heads/main'", &[]);
    let proposed = gcp("assertion.ref.startsWith('refs/heads/')", &[]);
    let result = run(&current, &proposed);
    assert_clean(&result);
    assert_eq!(result.conclusion, Conclusion::GainsAccess);
    assert!(result.loses.is_empty());
    assert_eq!(
        texts(&result.gains, "ref"),
        ["a string starting with \"refs/heads/\" but not = \"refs/heads/main\""]
    );
    let witness = value(&result.gains[0].witness, "ref").unwrap();
    assert!(witness.starts_with("refs/heads/") && witness != "refs/heads/main");
    // The way back only loses.
    let back = run(&proposed, &current);
    assert_eq!(back.conclusion, Conclusion::ProvedNoNewAccess, "{back:#?}");
    assert_eq!(back.loses.len(), 1);
}

/// An `in` list gaining a value gains exactly that value.
#[test]
fn gcp_in_list_gaining_a_value_gains_that_value() {
    let current = gcp("assertion.environment in ['prod', 'staging']", &[]);
    let proposed = gcp("assertion.environment in ['prod', 'staging', 'dev']", &[]);
    let result = run(&current, &proposed);
    assert_clean(&result);
    assert_eq!(result.gains.len(), 1, "{result:#?}");
    assert_eq!(texts(&result.gains, "environment"), ["= \"dev\""]);
    assert_eq!(value(&result.gains[0].witness, "environment"), Some("dev"));
    assert!(result.loses.is_empty());
}

/// A condition on a mapped attribute joined from two claims: equality with a literal splits it
/// among the claims, so the analysis still decides every caller.
#[test]
fn gcp_joined_attribute_compared_with_literals() {
    let mapping = [(
        "attribute.repo_ref",
        "assertion.repository + '@' + assertion.ref",
    )];
    let current = gcp("attribute.repo_ref == 'acme/app@refs/heads/main'", &mapping);
    let proposed = gcp(
        "attribute.repo_ref in ['acme/app@refs/heads/main', 'acme/app@refs/tags/v1']",
        &mapping,
    );
    let result = run(&current, &proposed);
    assert_clean(&result);
    assert_eq!(result.gains.len(), 1, "{result:#?}");
    let witness = &result.gains[0].witness;
    assert_eq!(value(witness, "repository"), Some("acme/app"));
    assert_eq!(value(witness, "ref"), Some("refs/tags/v1"));
    let who = reach(&current, NOW, Budget::default());
    assert!(who.complete, "{:?}", who.not_proved);
    assert_eq!(who.admitted.len(), 1);
}

/// A subject longer than 127 bytes is refused: the prefix mapped into google.subject leaves the
/// claim 127 minus its length.
#[test]
fn gcp_subject_limit_follows_a_prefix() {
    let current = gcp("", &[("google.subject", "'gh:' + assertion.sub")]);
    let who = reach(&current, NOW, Budget::default());
    assert!(who.complete, "{:?}", who.not_proved);
    assert_eq!(
        texts(&who.admitted, "sub"),
        ["at most 124 bytes (the google.subject limit)"]
    );
}

/// A claim validation rule removed, then one loosened with `matches`.
#[test]
fn kubernetes_claim_validation_rule_removed_or_loosened() {
    let strict = k8s(
        &["claims.namespace_path == 'acme'", "claims.ref == 'main'"],
        &[],
    );
    let removed = k8s(&["claims.ref == 'main'"], &[]);
    let result = run(&strict, &removed);
    assert_clean(&result);
    assert_eq!(result.gains.len(), 1, "{result:#?}");
    assert_eq!(
        texts(&result.gains, "namespace_path"),
        ["not = \"acme\" or absent"]
    );
    assert_eq!(texts(&result.gains, "ref"), ["= \"main\""]);
    assert!(result.loses.is_empty());

    let loosened = k8s(
        &[
            "claims.namespace_path == 'acme'",
            "claims.ref.matches('^(main|release-.+)$')",
        ],
        &[],
    );
    let result = run(&strict, &loosened);
    assert_clean(&result);
    assert_eq!(result.gains.len(), 1, "{result:#?}");
    let gained = value(&result.gains[0].witness, "ref").unwrap();
    assert!(gained.starts_with("release-"), "{gained}");
    assert!(result.loses.is_empty());
}

/// A user validation rule over the prefixed username reads the claim behind it.
#[test]
fn kubernetes_user_rule_on_a_prefixed_username() {
    let open = k8s(&[], &[]);
    let guarded = k8s(&[], &["!user.username.startsWith('p:system:')"]);
    let result = run(&open, &guarded);
    assert_clean(&result);
    assert_eq!(result.conclusion, Conclusion::ProvedNoNewAccess);
    assert_eq!(
        texts(&result.loses, "sub"),
        ["a string starting with \"system:\""]
    );
}

/// Outside the fragment: not proved, naming the expression.
#[test]
fn cel_outside_the_fragment_is_not_proved_naming_the_expression() {
    let base = gcp("assertion.repository == 'acme/app'", &[]);
    let cases: [(Vec<Box<dyn Rule>>, &str); 5] = [
        (
            gcp("assertion.ref.extract('refs/heads/{b}') == 'main'", &[]),
            "assertion.ref.extract('refs/heads/{b}')",
        ),
        (
            gcp("assertion.a == assertion.b", &[]),
            "compares claims with each other",
        ),
        (
            gcp(
                "attribute.x.startsWith('acme/')",
                &[("attribute.x", "assertion.a + '/' + assertion.b")],
            ),
            "tests a join of several claims",
        ),
        (
            gcp("", &[("google.subject", "assertion.a + '/' + assertion.b")]),
            "127-byte limit",
        ),
        (
            gcp("assertion.groups.exists(g, g == 'admins')", &[]),
            "a macro",
        ),
    ];
    for (rules, named) in cases {
        let who = reach(&rules, NOW, Budget::default());
        assert!(!who.complete, "{named}");
        assert!(
            who.not_proved.iter().any(|w| w.contains(named)),
            "{named}: {:?}",
            who.not_proved
        );
        let result = run(&base, &rules);
        assert_ne!(result.conclusion, Conclusion::ProvedNoNewAccess, "{named}");
    }
    let groups = k8s(&[], &["'admins' in user.groups"]);
    let who = reach(&groups, NOW, Budget::default());
    assert!(!who.complete);
    assert!(
        who.not_proved[0].contains("user.groups"),
        "{:?}",
        who.not_proved
    );
}

/// The demo rules: both CEL rules' reach is complete and names the callers they admit.
#[test]
fn demo_cel_rules_reach() {
    for (file, text) in [
        (
            "gcp-provider.yaml",
            include_str!("../../../assets/demo/rules/gcp-provider.yaml"),
        ),
        (
            "kubernetes-authn.yaml",
            include_str!("../../../assets/demo/rules/kubernetes-authn.yaml"),
        ),
    ] {
        let rules = crate::trust::load::load_rule_file(file, text, None)
            .unwrap()
            .into_rules()
            .unwrap();
        let who = reach(&rules, NOW, Budget::default());
        assert!(who.complete, "{file}: {:?}", who.not_proved);
        assert!(!who.admitted.is_empty(), "{file}");
        let same = run(&rules, &rules);
        assert_eq!(same.conclusion, Conclusion::ProvedNoNewAccess, "{file}");
    }
}

// Random rules within the fragment.

/// Tests over `sub`, `env` and attributes mapped from them: `attribute.both` joins the two,
/// `attribute.tagged` prefixes `sub`.
fn gcp_atom() -> BoxedStrategy<String> {
    prop::sample::select(vec![
        "assertion.sub == 'ab'",
        "assertion.sub != 'a'",
        "assertion.sub.startsWith('a')",
        "assertion.sub.endsWith('b')",
        "assertion.sub.contains(':')",
        "assertion.sub.matches('^a+b?$')",
        "assertion.env in ['a', 'b:']",
        "has(assertion.env)",
        "assertion['env'] == ''",
        "'a' in assertion.env",
        "attribute.both == 'a:b'",
        "attribute.both in ['::', 'ab:']",
        "attribute.tagged.startsWith('p:a')",
        "attribute.tagged.endsWith('b:')",
        "attribute.tagged.contains(':a')",
        "attribute.tagged == 'p:'",
    ])
    .prop_map(str::to_owned)
    .boxed()
}

fn cel_condition(atom: BoxedStrategy<String>) -> impl Strategy<Value = String> {
    let leaf = prop_oneof![atom.clone(), atom.prop_map(|a| format!("!({a})"))];
    leaf.prop_recursive(2, 6, 2, |inner| {
        (inner.clone(), prop::sample::select(vec!["&&", "||"]), inner)
            .prop_map(|(a, op, b)| format!("({a}) {op} ({b})"))
    })
}

/// A condition, and whether google.subject is 120 bytes of text before `sub` (the subject
/// limit then leaves `sub` 7 bytes).
fn gcp_rule((condition, prefixed_subject): &(String, bool)) -> Vec<Box<dyn Rule>> {
    let mut mapping = vec![
        ("attribute.both", "assertion.sub + ':' + assertion.env"),
        ("attribute.tagged", "'p:' + assertion.sub"),
    ];
    let subject = format!("'{}' + assertion.sub", "x".repeat(120));
    if *prefixed_subject {
        mapping.push(("google.subject", subject.as_str()));
    }
    gcp(condition, &mapping)
}

fn k8s_atom() -> BoxedStrategy<String> {
    prop::sample::select(vec![
        "claims.sub == 'ab'",
        "claims.sub.startsWith('a')",
        "claims.sub.contains(':')",
        "claims.sub.matches('b$')",
        "claims.env in ['a', 'b:']",
        "has(claims.env)",
        "claims.env != 'a'",
        "'b:' in claims.env",
    ])
    .prop_map(str::to_owned)
    .boxed()
}

fn k8s_rules() -> impl Strategy<Value = (Vec<String>, Option<&'static str>)> {
    (
        prop::collection::vec(cel_condition(k8s_atom()), 0..3),
        prop::option::of(prop::sample::select(vec![
            "!user.username.startsWith('p:a')",
            "user.username.endsWith(':b')",
            "user.username.contains('p:b')",
        ])),
    )
}

fn k8s_rule((claim_rules, user_rule): &(Vec<String>, Option<&'static str>)) -> Vec<Box<dyn Rule>> {
    let claim_rules: Vec<&str> = claim_rules.iter().map(String::as_str).collect();
    let user_rules: Vec<&str> = user_rule.iter().copied().collect();
    k8s(&claim_rules, &user_rules)
}

fn cel_value() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        Just(None),
        prop::collection::vec("[ab:]{0,2}", 0..3).prop_map(|v| Some(json!(v))),
        "[ab:p]{0,3}".prop_map(|s| Some(json!(s))),
        prop::sample::select(vec!["aaaaaaa", "aaaaaaaa", "p:ab", "a:b"])
            .prop_map(|s| Some(json!(s))),
    ]
}

fn cel_claim_set() -> impl Strategy<Value = Claims> {
    (
        prop_oneof![
            3 => Just((GH_ISS, json!("sts.amazonaws.com"))),
            3 => Just((K8S_ISS, json!("kubernetes"))),
            1 => Just((GH_ISS, json!(["other", "sts.amazonaws.com"]))),
            1 => Just((K8S_ISS, json!(["kubernetes", "other"]))),
            1 => Just((GH_ISS, json!("kubernetes"))),
            1 => Just(("https://other.example", json!("sts.amazonaws.com"))),
        ],
        cel_value(),
        cel_value(),
    )
        .prop_map(|((iss, aud), sub, env)| {
            let mut claims = json!({"iss": iss, "aud": aud});
            for (name, value) in [("sub", sub), ("env", env)] {
                if let Some(value) = value {
                    claims[name] = value;
                }
            }
            in_model(claims)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn gcp_pairs_are_sound_and_complete(
        current in (cel_condition(gcp_atom()), prop::bool::ANY),
        proposed in (cel_condition(gcp_atom()), prop::bool::ANY),
        samples in prop::collection::vec(cel_claim_set(), 32),
    ) {
        let (current, proposed) = (gcp_rule(&current), gcp_rule(&proposed));
        prop_assert!(run(&current, &proposed).not_proved.is_empty());
        check_pair(&current, &proposed, &samples)?;
    }

    #[test]
    fn kubernetes_pairs_are_sound_and_complete(
        current in k8s_rules(),
        proposed in k8s_rules(),
        samples in prop::collection::vec(cel_claim_set(), 32),
    ) {
        let (current, proposed) = (k8s_rule(&current), k8s_rule(&proposed));
        prop_assert!(run(&current, &proposed).not_proved.is_empty());
        check_pair(&current, &proposed, &samples)?;
    }
}
