//! A rule read from infrastructure code (a Terraform plan or state, a CloudFormation template):
//! the rule the vendor's own loader builds from the resource's values, named by the resource's
//! address, and undecidable while a value it depends on is known only after apply.
//!
//! An unknown value is never guessed. A rule with any unknown value it depends on has the
//! outcome `error` (it cannot be evaluated from the plan), whatever the known values say: an
//! unknown issuer, audience or condition can turn any answer the known values give into another.
//! Its verdict lists one failed check per unknown value (`known after apply`) after the checks
//! the known values make, and its summary says what the known values alone would decide.

use serde_json::Value;

use super::{Check, Outcome, Rule, RuleId, RuleKind, RuleLint, Verdict};
use crate::token::Claims;

/// What an unknown value shows as its actual value.
pub const KNOWN_AFTER_APPLY: &str = "(known after apply)";

pub struct ResourceRule {
    id: RuleId,
    inner: Option<Box<dyn Rule>>,
    /// Paths of the values this rule depends on that are unknown until apply, e.g.
    /// `assume_role_policy` or `aws_iam_openid_connect_provider.github.client_id_list`.
    unknown: Vec<String>,
}

impl ResourceRule {
    /// `inner` is the rule built from the known values (`None` when the rule's whole text is
    /// unknown); `file` is where the resource was read (the plan file), `address` its name.
    pub fn new(
        kind: RuleKind,
        file: Option<&str>,
        address: String,
        inner: Option<Box<dyn Rule>>,
        unknown: Vec<String>,
    ) -> ResourceRule {
        ResourceRule {
            id: RuleId {
                kind: inner.as_ref().map_or(kind, |rule| rule.id().kind),
                file: file.map(str::to_owned),
                name: address,
            },
            inner,
            unknown,
        }
    }

    pub fn unknown(&self) -> &[String] {
        &self.unknown
    }

    /// The rule built from the resource's known values (`None` when its whole text is unknown).
    pub fn known_rule(&self) -> Option<&dyn Rule> {
        self.inner.as_deref()
    }

    fn finish(&self, known: Option<Verdict>) -> Verdict {
        let Some(mut verdict) = known else {
            return Verdict {
                rule: self.id.clone(),
                outcome: Outcome::Error,
                summary: self.pending_summary(None),
                checks: self.unknown_checks(),
                lints: Vec::new(),
                unverified: Vec::new(),
            };
        };
        verdict.rule = self.id.clone();
        if self.unknown.is_empty() {
            return verdict;
        }
        verdict.summary = self.pending_summary(Some(&verdict));
        verdict.outcome = Outcome::Error;
        verdict.checks.extend(self.unknown_checks());
        verdict
    }

    fn pending_summary(&self, known: Option<&Verdict>) -> String {
        let mut summary = format!(
            "known after apply: {}; the plan cannot say whether this rule admits the token",
            self.unknown.join(", ")
        );
        if let Some(known) = known {
            summary.push_str(&format!(
                " (the known values alone: {}: {})",
                known.outcome.word(),
                known.summary
            ));
        }
        summary
    }

    fn unknown_checks(&self) -> Vec<Check> {
        self.unknown
            .iter()
            .map(|path| {
                Check::failed(
                    path.clone(),
                    Vec::new(),
                    Value::String(KNOWN_AFTER_APPLY.to_owned()),
                )
                .with_note(
                    "Terraform computes this value during apply; claimcheck does not guess it",
                )
            })
            .collect()
    }
}

impl Rule for ResourceRule {
    fn id(&self) -> &RuleId {
        &self.id
    }

    fn evaluate(&self, claims: &Claims, now: i64) -> Verdict {
        self.finish(self.inner.as_ref().map(|rule| rule.evaluate(claims, now)))
    }

    fn evaluate_with_header(&self, header: &Claims, claims: &Claims, now: i64) -> Verdict {
        self.finish(
            self.inner
                .as_ref()
                .map(|rule| rule.evaluate_with_header(header, claims, now)),
        )
    }

    fn outcome(&self, claims: &Claims, now: i64) -> Outcome {
        match &self.inner {
            Some(rule) if self.unknown.is_empty() => rule.outcome(claims, now),
            _ => Outcome::Error,
        }
    }

    fn lints(&self) -> Vec<RuleLint> {
        self.inner
            .as_ref()
            .map(|rule| rule.lints())
            .unwrap_or_default()
    }

    fn any_of(&self) -> Option<&str> {
        self.inner.as_ref().and_then(|rule| rule.any_of())
    }
}
