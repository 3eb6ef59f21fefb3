//! A scaffolded rule, evaluated by claimcheck's own evaluators, admits exactly the token it was
//! written for: it allows that token and refuses the demo tokens of other repositories.

use claimcheck::demo;
use claimcheck::token::Claims;
use claimcheck::trust::load::load_rule_file;
use claimcheck::trust::scaffold::scaffold;
use claimcheck::trust::{Outcome, RuleKind};
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
