//! The one answer per token: would the exchange succeed, and if not, why? Made in the order the
//! real systems make it: the signature, then time, then the rules.
//!
//! - A `failed` signature is a definite no before any rule is read: every rule that would have
//!   allowed or denied is refused with the signature as its deciding check and the system's own
//!   error ([`Verdict::refuse_for_signature`]).
//! - A signature that is `not_checked` (offline, issuer unreachable, unsupported algorithm) is not
//!   a failure: the rules' verdicts stand, but "allowed" becomes "rules allow; signature not
//!   checked", which is not a yes.
//! - Time is each system's own business (their leeways differ: Vault allows 60 s by default,
//!   Kubernetes none on `exp`), so the evaluators check it. Only `--expect` rules, which stand
//!   for no system, are refused here with the run's leeway.
//! - A what-if (bare claims, edited claims) or `--no-verify` says the signature does not matter:
//!   the decision then rests on the rules alone, and says so.
//!
//! `check`, the interactive view and its matrix use [`decide`]; `preview` compares rules, not
//! signatures, and takes only the rules' part ([`combine`]).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;

use super::{SignatureReport, SignatureStatus};
use crate::token::time::{TimeReport, TimeStatus};
use crate::trust::{Check, Outcome, RuleKind, Verdict};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionOutcome {
    /// The rules allow and the signature verified (or the user said it does not matter).
    Allowed,
    /// A definite no: the signature failed, a rule denies, or no rule applies.
    Denied,
    /// The rules allow, but the signature could not be checked: not a yes.
    NotChecked,
    /// A rule could not be evaluated.
    Error,
}

impl DecisionOutcome {
    pub fn word(self) -> &'static str {
        match self {
            DecisionOutcome::Allowed => "allowed",
            DecisionOutcome::Denied => "denied",
            DecisionOutcome::NotChecked => "not checked",
            DecisionOutcome::Error => "error",
        }
    }

    pub fn glyph(self) -> &'static str {
        match self {
            DecisionOutcome::Allowed => "✓",
            DecisionOutcome::Denied => "✗",
            DecisionOutcome::NotChecked => "?",
            DecisionOutcome::Error => "!",
        }
    }
}

/// The signature as the decision used it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionSignature {
    Verified,
    NotChecked,
    Failed,
    /// A what-if or `--no-verify`: the decision rests on the rules alone.
    NotRequired,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub outcome: DecisionOutcome,
    /// One sentence: what decided it.
    pub reason: String,
    pub signature: DecisionSignature,
    pub time: TimeStatus,
}

/// Whether the token's signature takes part in the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureRole {
    /// A real token: the systems verify it before anything else.
    Required,
    /// A what-if or `--no-verify`: the user asked about the claims alone.
    NotRequired,
}

/// What is known about the token apart from the rules.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub signature: &'a SignatureReport,
    pub role: SignatureRole,
    pub time: &'a TimeReport,
}

/// Applies the signature and time to the rules' verdicts (in place) and gives the one answer.
/// `any_of[i]` is the alternatives key of the rule behind `verdicts[i]` ([`crate::trust::Rule::any_of`]).
pub fn decide(subject: Subject<'_>, any_of: &[Option<&str>], verdicts: &mut [Verdict]) -> Decision {
    let signature = match (subject.role, &subject.signature.status) {
        (SignatureRole::NotRequired, _) => DecisionSignature::NotRequired,
        (SignatureRole::Required, SignatureStatus::Verified) => DecisionSignature::Verified,
        (SignatureRole::Required, SignatureStatus::NotChecked) => DecisionSignature::NotChecked,
        (SignatureRole::Required, SignatureStatus::Failed) => DecisionSignature::Failed,
    };
    let time = subject.time.status;
    if signature == DecisionSignature::Failed {
        for verdict in verdicts.iter_mut() {
            verdict.refuse_for_signature(&subject.signature.reason);
        }
    }
    if matches!(time, TimeStatus::Expired | TimeStatus::NotYetValid) {
        for verdict in verdicts.iter_mut() {
            if verdict.rule.kind == RuleKind::Expect && verdict.outcome == Outcome::Allowed {
                refuse_for_time(verdict, subject.time);
            }
        }
    }
    let rules = combine(any_of, verdicts);
    let (outcome, reason) = match rules {
        // Every system refuses a forged token, including those the rules say are for another issuer.
        _ if signature == DecisionSignature::Failed => (
            DecisionOutcome::Denied,
            format!("signature failed: {}", subject.signature.reason),
        ),
        None => (DecisionOutcome::Error, "no rules to decide with".to_owned()),
        Some(Outcome::Denied) => (DecisionOutcome::Denied, denied_reason(verdicts)),
        Some(Outcome::NotApplicable) => (
            DecisionOutcome::Denied,
            "no rule applies to this token (each is for another issuer or provider), so none of these systems would accept it".to_owned(),
        ),
        Some(Outcome::Error) => (
            DecisionOutcome::Error,
            "a rule could not be evaluated; see its verdict".to_owned(),
        ),
        Some(Outcome::Allowed) => match signature {
            DecisionSignature::NotChecked => (
                DecisionOutcome::NotChecked,
                format!(
                    "rules allow; signature not checked ({})",
                    subject.signature.reason
                ),
            ),
            DecisionSignature::NotRequired => (
                DecisionOutcome::Allowed,
                format!(
                    "the rules allow these claims; the signature was not part of the question ({})",
                    subject.signature.reason
                ),
            ),
            // A failed signature was answered by the first arm; only Verified reaches here.
            DecisionSignature::Verified | DecisionSignature::Failed => (
                DecisionOutcome::Allowed,
                "the rules allow and the signature verified".to_owned(),
            ),
        },
    };
    Decision {
        outcome,
        reason,
        signature,
        time,
    }
}

/// The rules' answer alone: the worst outcome over the rules, where rules that are alternatives
/// of one another (the federated credentials of one Entra application) count as one decision
/// that allows when any of them allows. `None` when there are no verdicts.
pub fn combine(any_of: &[Option<&str>], verdicts: &[Verdict]) -> Option<Outcome> {
    let mut decisions: Vec<Outcome> = Vec::new();
    let mut groups: BTreeMap<&str, Vec<Outcome>> = BTreeMap::new();
    for (index, verdict) in verdicts.iter().enumerate() {
        match any_of.get(index).copied().flatten() {
            Some(key) => groups.entry(key).or_default().push(verdict.outcome),
            None => decisions.push(verdict.outcome),
        }
    }
    for outcomes in groups.into_values() {
        decisions.push(if outcomes.contains(&Outcome::Allowed) {
            Outcome::Allowed
        } else {
            worst(&outcomes).unwrap_or(Outcome::NotApplicable)
        });
    }
    worst(&decisions)
}

fn worst(outcomes: &[Outcome]) -> Option<Outcome> {
    [
        Outcome::Denied,
        Outcome::Error,
        Outcome::Allowed,
        Outcome::NotApplicable,
    ]
    .into_iter()
    .find(|o| outcomes.contains(o))
}

fn denied_reason(verdicts: &[Verdict]) -> String {
    let Some(verdict) = verdicts.iter().find(|v| v.outcome == Outcome::Denied) else {
        return "a rule denies".to_owned();
    };
    let by = match verdict.deciding_check() {
        Some(check) => format!(" at {}", check.condition),
        None => String::new(),
    };
    format!(
        "{} · {} denies{by}: {}",
        verdict.rule.kind.name(),
        verdict.rule.name,
        verdict.summary
    )
}

fn refuse_for_time(verdict: &mut Verdict, time: &TimeReport) {
    let (expected, actual) = match time.status {
        TimeStatus::NotYetValid => (
            "not before now (nbf)",
            format!("valid only in {} s", time.valid_in_secs.unwrap_or_default()),
        ),
        _ => (
            "not expired (exp)",
            format!(
                "expired {} s ago",
                -time.expires_in_secs.unwrap_or_default()
            ),
        ),
    };
    verdict.checks.insert(
        0,
        Check::failed("time", vec![json!(expected)], json!(actual)).with_note(format!(
            "--expect stands for no particular system; claimcheck refuses a token outside its time with the run's {} s leeway",
            time.leeway_secs
        )),
    );
    verdict.outcome = Outcome::Denied;
    verdict.summary = "the token is outside its validity time".to_owned();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::Claims;
    use crate::token::time::time_status;
    use crate::trust::RuleId;
    use serde_json::json;

    fn verdict(kind: RuleKind, outcome: Outcome) -> Verdict {
        Verdict {
            rule: RuleId {
                kind,
                file: None,
                name: "r".into(),
            },
            outcome,
            summary: "s".into(),
            checks: vec![Check::passed_if(
                outcome == Outcome::Allowed,
                "c",
                vec![],
                None,
            )],
            lints: Vec::new(),
            unverified: Vec::new(),
        }
    }

    fn signature(status: SignatureStatus) -> SignatureReport {
        SignatureReport {
            status,
            ..SignatureReport::not_checked("why")
        }
    }

    fn active() -> TimeReport {
        time_status(&Claims::new(), 0, 60)
    }

    fn run(status: SignatureStatus, role: SignatureRole, outcomes: &[Outcome]) -> Decision {
        let time = active();
        let report = signature(status);
        let mut verdicts: Vec<Verdict> = outcomes
            .iter()
            .map(|o| verdict(RuleKind::Aws, *o))
            .collect();
        let any_of = vec![None; verdicts.len()];
        decide(
            Subject {
                signature: &report,
                role,
                time: &time,
            },
            &any_of,
            &mut verdicts,
        )
    }

    #[test]
    fn signature_then_rules() {
        use DecisionOutcome as D;
        use Outcome::*;
        use SignatureRole::*;
        use SignatureStatus as S;
        // (signature, role, rule outcomes, decision)
        let rows = [
            (S::Verified, Required, vec![Allowed], D::Allowed),
            (S::Verified, Required, vec![Allowed, Denied], D::Denied),
            (S::Failed, Required, vec![Allowed], D::Denied),
            (S::Failed, Required, vec![NotApplicable], D::Denied),
            (S::NotChecked, Required, vec![Allowed], D::NotChecked),
            (S::NotChecked, Required, vec![Denied], D::Denied),
            (S::Failed, NotRequired, vec![Allowed], D::Allowed),
            (S::Verified, Required, vec![NotApplicable], D::Denied),
            (S::Verified, Required, vec![Allowed, Error], D::Error),
        ];
        for (status, role, outcomes, want) in rows {
            let decision = run(status.clone(), role, &outcomes);
            assert_eq!(decision.outcome, want, "{status:?} {role:?} {outcomes:?}");
        }
    }

    #[test]
    fn alternatives_allow_when_any_of_them_allows() {
        let verdicts = [
            verdict(RuleKind::Entra, Outcome::Denied),
            verdict(RuleKind::Entra, Outcome::Allowed),
        ];
        assert_eq!(
            combine(&[Some("app"), Some("app")], &verdicts),
            Some(Outcome::Allowed)
        );
        assert_eq!(combine(&[None, None], &verdicts), Some(Outcome::Denied));
        assert_eq!(combine(&[], &[]), None);
    }

    #[test]
    fn expect_rules_are_refused_outside_the_token_time() {
        let claims: Claims = json!({"exp": 100}).as_object().unwrap().clone();
        let time = time_status(&claims, 1_000, 60);
        let report = signature(SignatureStatus::Verified);
        let mut verdicts = vec![
            verdict(RuleKind::Expect, Outcome::Allowed),
            // A real system's evaluator applies its own leeway; the decision leaves it alone.
            verdict(RuleKind::Vault, Outcome::Allowed),
        ];
        let decision = decide(
            Subject {
                signature: &report,
                role: SignatureRole::Required,
                time: &time,
            },
            &[None, None],
            &mut verdicts,
        );
        assert_eq!(verdicts[0].outcome, Outcome::Denied);
        assert_eq!(verdicts[0].checks[0].condition, "time");
        assert_eq!(verdicts[1].outcome, Outcome::Allowed);
        assert_eq!(decision.outcome, DecisionOutcome::Denied);
        assert_eq!(decision.time, TimeStatus::Expired);
    }
}
