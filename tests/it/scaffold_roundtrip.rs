//! A scaffolded rule, evaluated by claimcheck's own evaluators, admits exactly the token it was
//! written for: it allows that token and refuses the demo tokens of other repositories.

use claimcheck::demo;
use claimcheck::token::Claims;
use claimcheck::trust::load::load_rule_file;
use claimcheck::trust::scaffold::scaffold;
use claimcheck::trust::{Outcome, RuleKind};
use proptest::prelude::*;
use serde_json::json;

const NOW: i64 = 1_800_000_000;

fn claims(name: &str) -> Claims {
    demo::template(name).unwrap().claims_at(NOW)
}

fn outcomes(kind: RuleKind, text: &str, claims: &Claims) -> Vec<Outcome> {
    let rules = load_rule_file("scaffold", text, Some(kind))
        .and_then(|loaded| loaded.into_rules())
        .unwrap_or_else(|e| panic!("{kind:?} scaffold does not load: {e}\n{text}"));
    assert!(!rules.is_empty());
    rules
        .iter()
        .map(|rule| rule.evaluate(claims, NOW).outcome)
        .collect()
}

/// The same workflow in another repository of another owner.
fn other_repository(mut claims: Claims) -> Claims {
    let sub = claims["sub"]
        .as_str()
        .unwrap()
        .replace("acme/app", "other/app");
    claims.insert("sub".into(), json!(sub));
    claims.insert("repository".into(), json!("other/app"));
    claims
}

#[test]
fn every_kind_allows_its_token_and_denies_other_repositories() {
    let kinds = [
        RuleKind::Aws,
        RuleKind::Gcp,
        RuleKind::Entra,
        RuleKind::Vault,
        RuleKind::Kubernetes,
    ];
    let subjects = [
        "github-environment",
        "github-branch",
        "gitlab",
        "gitpod",
        "kubernetes",
        "eks-irsa",
    ];
    for kind in kinds {
        for subject in subjects {
            let own = claims(subject);
            let rule = scaffold(kind, &own).unwrap();
            let allowed = outcomes(kind, &rule.text, &own);
            assert!(
                allowed.iter().all(|o| *o == Outcome::Allowed),
                "{kind:?} scaffold for {subject} does not allow it: {allowed:?}\n{}",
                rule.text
            );
            for other in subjects.iter().filter(|o| **o != subject) {
                let verdicts = outcomes(kind, &rule.text, &claims(other));
                assert!(
                    !verdicts.contains(&Outcome::Allowed),
                    "{kind:?} scaffold for {subject} also allows {other}"
                );
            }
            if subject.starts_with("github") {
                let verdicts = outcomes(kind, &rule.text, &other_repository(own.clone()));
                assert!(
                    !verdicts.contains(&Outcome::Allowed),
                    "{kind:?} {subject}: another repository is allowed"
                );
            }
        }
    }
}

/// Claim strings the rule languages interpret: IAM policy variables and wildcards, CEL and YAML
/// quotes, escapes and line breaks, and characters that draw nothing or reorder text; then
/// anything at all.
fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::sample::select(vec![
            '$', '{', '}', '*', '?', '\'', '"', '\\', '\n', '\r', '\t', ':', '#', '&', '!', '%',
            '@', '[', ']', ',', '-', ' ', '/', '.', '~', '|', '>', '\u{0}', '\u{7f}', '\u{85}',
            '\u{a0}', '\u{ad}', '\u{200b}', '\u{200d}', '\u{2028}', '\u{2029}', '\u{202e}',
            '\u{2066}', '\u{feff}', '\u{fffd}', '\u{e0041}', 'é', '漢', '😀',
        ]),
        2 => prop::char::range('a', 'z'),
        1 => any::<char>(),
    ]
}

/// Up to 30 characters, so at most 120 bytes: GCP maps `sub` to google.subject, which may hold
/// 127 bytes.
fn hostile_string() -> impl Strategy<Value = String> {
    prop::collection::vec(hostile_char(), 1..30).prop_map(|chars| chars.into_iter().collect())
}

fn with_sub(mut claims: Claims, sub: &str) -> Claims {
    claims.insert("sub".into(), json!(sub));
    claims
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Whatever the subject holds, the scaffolded rule admits the token it was written for
    /// and refuses one whose subject differs in a single character, for every kind.
    #[test]
    fn a_scaffold_admits_exactly_its_own_subject(
        sub in hostile_string(),
        at in any::<prop::sample::Index>(),
        replacement in hostile_char(),
    ) {
        let chars: Vec<char> = sub.chars().collect();
        let at = at.index(chars.len());
        prop_assume!(chars[at] != replacement);
        let mut changed = chars.clone();
        changed[at] = replacement;
        let changed: String = changed.into_iter().collect();
        let own = with_sub(claims("github-branch"), &sub);
        let other = with_sub(claims("github-branch"), &changed);
        for kind in [RuleKind::Aws, RuleKind::Gcp, RuleKind::Entra, RuleKind::Vault, RuleKind::Kubernetes] {
            let rule = scaffold(kind, &own).unwrap();
            let allowed = outcomes(kind, &rule.text, &own);
            prop_assert!(
                allowed.iter().all(|o| *o == Outcome::Allowed),
                "{:?} scaffold for {:?} does not allow it: {:?}\n{}", kind, sub, allowed, rule.text
            );
            let verdicts = outcomes(kind, &rule.text, &other);
            prop_assert!(
                !verdicts.contains(&Outcome::Allowed),
                "{:?} scaffold for {:?} also allows {:?}\n{}", kind, sub, changed, rule.text
            );
        }
    }
}
