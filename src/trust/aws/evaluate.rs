//! A role trust policy as a [`Rule`]: STS's pipeline for `AssumeRoleWithWebIdentity` (reference
//! §1.1): provider by `iss`, audience against the provider's client IDs, expiry, then the policy —
//! "some Allow matches and no Deny matches" (reference_policies_evaluation-logic.md).

use serde_json::Value;

use super::condition::{BaseOp, KeyOutcome, Tri, evaluate_key};
use super::context::{Absence, Lookup, TokenContext, Values, split_key};
use super::document::{ActionSpec, ConditionEntry, Effect, PolicyDocument, Principal, Statement};
use super::hints;
use super::keys::is_github_prefix;
use super::lints::{federated_prefix, lint_policy};
use super::pattern::{Template, VariableValue, glob_matches};
use super::provider::OidcProvider;
use crate::token::Claims;
use crate::trust::hints::{common_prefix_chars, string_mismatch_hints};
use crate::trust::verdict::{Check, Hint, Outcome, RuleId, RuleKind, RuleLint, Verdict};
use crate::trust::{Rule, github_hints};

const ACTION: &str = "sts:AssumeRoleWithWebIdentity";
const NOT_AUTHORIZED: &str =
    "AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity";

/// A parsed trust policy, with the OIDC provider documents given beside it.
#[derive(Debug, Clone)]
pub struct TrustPolicy {
    id: RuleId,
    document: PolicyDocument,
    providers: Vec<OidcProvider>,
    lints: Vec<RuleLint>,
}

impl TrustPolicy {
    pub fn new(document: PolicyDocument, file: Option<&str>) -> TrustPolicy {
        let name = document
            .role_name
            .clone()
            .unwrap_or_else(|| "trust policy".to_owned());
        TrustPolicy {
            id: RuleId {
                kind: RuleKind::Aws,
                file: file.map(str::to_owned),
                name,
            },
            lints: lint_policy(&document),
            document,
            providers: Vec::new(),
        }
    }

    /// Supplies the `get-open-id-connect-provider` documents: the one whose URL matches the
    /// token's issuer gives the client IDs for the audience check.
    pub fn with_providers(mut self, providers: Vec<OidcProvider>) -> TrustPolicy {
        self.providers = providers;
        self
    }
}

impl Rule for TrustPolicy {
    fn id(&self) -> &RuleId {
        &self.id
    }

    fn evaluate(&self, claims: &Claims, now: i64) -> Verdict {
        Evaluation::new(self, claims, now).run()
    }

    fn lints(&self) -> Vec<RuleLint> {
        self.lints.clone()
    }
}

/// The statement's provider matches the token's issuer: `"*"`, or a `Principal.Federated` entry
/// whose provider URL (after `oidc-provider/`, or a built-in name) is the issuer without `https://`.
fn principal_matches(statement: &Statement, issuer: &str) -> bool {
    match &statement.principal {
        Principal::Everyone => true,
        Principal::Federated(entries) => entries.iter().any(|entry| {
            let url = federated_prefix(entry);
            issuer.strip_prefix("https://") == Some(url) || issuer == url
        }),
        Principal::Other(_) => false,
    }
}

/// IAM action names are case-insensitive and may hold wildcards.
fn action_matches(patterns: &[String]) -> bool {
    patterns.iter().any(|pattern| {
        let template = Template::parse(&pattern.to_ascii_lowercase(), false);
        template
            .resolve(&|_| VariableValue::Missing)
            .is_ok_and(|pieces| glob_matches(&pieces, &ACTION.to_ascii_lowercase()))
    })
}

struct StatementResult<'p> {
    statement: &'p Statement,
    result: Tri,
    first_failure: Option<String>,
    failures: usize,
}

struct Evaluation<'a> {
    policy: &'a TrustPolicy,
    claims: &'a Claims,
    now: i64,
    checks: Vec<Check>,
    unverified: Vec<String>,
    undecidable: Vec<String>,
}

impl<'a> Evaluation<'a> {
    fn new(policy: &'a TrustPolicy, claims: &'a Claims, now: i64) -> Evaluation<'a> {
        Evaluation {
            policy,
            claims,
            now,
            checks: Vec::new(),
            unverified: Vec::new(),
            undecidable: Vec::new(),
        }
    }

    fn verdict(self, outcome: Outcome, summary: String) -> Verdict {
        let mut unverified = self.unverified;
        unverified.dedup();
        Verdict {
            rule: self.policy.id.clone(),
            outcome,
            summary,
            checks: self.checks,
            lints: self.policy.lints.clone(),
            unverified,
        }
    }

    fn run(mut self) -> Verdict {
        let Some(issuer) = self.claims.get("iss").and_then(Value::as_str) else {
            self.checks
                .push(Check::new("iss", vec![], None, false).with_note(
                    "STS finds the OIDC provider by the token's iss; without one it cannot",
                ));
            return self.verdict(
                Outcome::Denied,
                "InvalidIdentityToken: the token has no iss, so STS cannot find its OIDC provider"
                    .into(),
            );
        };
        let statements: Vec<&Statement> = self
            .policy
            .document
            .statements
            .iter()
            .filter(|s| principal_matches(s, issuer))
            .collect();
        if statements.is_empty() {
            return self.not_applicable(issuer);
        }

        let mut early_denial = self.check_provider(issuer);
        if let Some(expired) = self.check_expiry() {
            early_denial.get_or_insert(expired);
        }

        let context = TokenContext::new(issuer, self.claims);
        let results: Vec<StatementResult> = statements
            .iter()
            .map(|statement| self.evaluate_statement(statement, &context))
            .collect();
        if let Some(summary) = early_denial {
            return self.verdict(Outcome::Denied, summary);
        }
        self.decide(&results)
    }

    fn not_applicable(mut self, issuer: &str) -> Verdict {
        let trusted: Vec<String> = self
            .policy
            .document
            .statements
            .iter()
            .filter_map(|s| match &s.principal {
                Principal::Federated(entries) => Some(entries.clone()),
                _ => None,
            })
            .flatten()
            .map(|entry| format!("https://{}", federated_prefix(&entry)))
            .collect();
        let hint = hints::token_from_other_issuer(issuer, &trusted);
        self.checks.push(
            Check::new(
                "Principal.Federated",
                trusted.iter().map(|t| Value::String(t.clone())).collect(),
                Some(Value::String(issuer.to_owned())),
                false,
            )
            .with_hints(hint.into_iter().collect())
            .with_note("a statement applies only to tokens of the provider it federates with"),
        );
        self.verdict(
            Outcome::NotApplicable,
            format!("no statement federates with {issuer}; STS would not use this role's policy for this token"),
        )
    }

    /// STS's audience check against the provider's client IDs. Returns the denial, if any.
    fn check_provider(&mut self, issuer: &str) -> Option<String> {
        let Some(provider) = self
            .policy
            .providers
            .iter()
            .find(|p| p.matches_issuer(issuer))
        else {
            let why = if self.policy.providers.is_empty() {
                "the OIDC provider document (aws iam get-open-id-connect-provider) was not given"
                    .to_owned()
            } else {
                let urls: Vec<&str> = self
                    .policy
                    .providers
                    .iter()
                    .map(|p| p.url.as_str())
                    .collect();
                format!(
                    "no provider document given is for {issuer} (given: {})",
                    urls.join(", ")
                )
            };
            self.unverified.push(format!(
                "{why}, so the audience check STS makes against the provider's client IDs was skipped (assumed to pass); the policy's own :aud conditions were evaluated"
            ));
            return None;
        };
        let azp = self.claims.get("azp").and_then(Value::as_str);
        let aud = self.claims.get("aud");
        let (actual, candidates): (Option<Value>, Vec<String>) = match (azp, aud) {
            (Some(azp), _) => (Some(Value::String(azp.to_owned())), vec![azp.to_owned()]),
            (None, Some(Value::String(one))) => {
                (Some(Value::String(one.clone())), vec![one.clone()])
            }
            (None, Some(Value::Array(items))) => {
                let values: Vec<String> = items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect();
                if values.len() > 1 {
                    self.unverified.push("the token's aud has several values and no azp; which one STS checks against the client IDs is not known (reference §9.1): any one was accepted".into());
                }
                (Some(Value::from(values.clone())), values)
            }
            _ => (None, Vec::new()),
        };
        if let (Some(azp), Some(aud)) = (azp, aud)
            && aud != &Value::String(azp.to_owned())
            && aud != &Value::from(vec![azp])
        {
            self.unverified.push(format!(
                "the token's azp \"{azp}\" differs from its aud {aud}; STS is taken to check azp against the client IDs (observed: aws/aws-sdk-net#3071) [obs, infer]"
            ));
        }
        let passed = candidates.iter().any(|c| provider.client_ids.contains(c));
        let mut check_hints: Vec<Hint> = Vec::new();
        if !passed {
            check_hints.extend(hints::azp_used_as_audience(azp, aud, &provider.client_ids));
            if let [one] = candidates.as_slice()
                && let Some(closest) = closest(&provider.client_ids, one)
            {
                check_hints.extend(string_mismatch_hints(closest, one));
            }
        }
        let note = if azp.is_some() {
            "STS compares azp (not aud) with the client IDs when the token has azp (reference §1.1) [obs]"
        } else {
            "STS compares aud with the provider's client IDs"
        };
        self.checks.push(
            Check::new(
                "client ID (audience)",
                provider
                    .client_ids
                    .iter()
                    .cloned()
                    .map(Value::String)
                    .collect(),
                actual,
                passed,
            )
            .with_hints(check_hints)
            .with_note(note)
            .with_scope(format!("OIDC provider {}", provider.url)),
        );
        (!passed).then(|| "InvalidIdentityToken: Incorrect token audience".to_owned())
    }

    fn check_expiry(&mut self) -> Option<String> {
        let exp = self.claims.get("exp").and_then(Value::as_i64)?;
        let passed = self.now < exp;
        let hint = hints::token_expired(exp, self.now);
        self.checks.push(
            Check::new(
                "exp (token not expired)",
                vec![Value::String(format!(
                    "later than now ({})",
                    rfc3339(self.now)
                ))],
                Some(Value::String(format!("{exp} ({})", rfc3339(exp)))),
                passed,
            )
            .with_hints(hint.into_iter().collect())
            .with_note("STS refuses expired tokens; no clock-skew allowance assumed [infer]")
            .with_scope("token"),
        );
        (!passed).then(|| "ExpiredTokenException: Token expired".to_owned())
    }

    fn evaluate_statement<'p>(
        &mut self,
        statement: &'p Statement,
        context: &TokenContext,
    ) -> StatementResult<'p> {
        let scope = format!(
            "statement {} ({})",
            statement.label(),
            match statement.effect {
                Effect::Allow => "Allow",
                Effect::Deny => "Deny: denies when every condition holds",
            }
        );
        let mut result = Tri::True;
        let mut first_failure = None;
        let mut failures = 0;
        let action_ok = match &statement.action {
            ActionSpec::Action(patterns) => action_matches(patterns),
            ActionSpec::NotAction(patterns) => !action_matches(patterns),
            ActionSpec::Missing => false,
        };
        if !action_ok {
            let (condition, expected) = match &statement.action {
                ActionSpec::Action(p) => ("Action", p.clone()),
                ActionSpec::NotAction(p) => ("NotAction", p.clone()),
                ActionSpec::Missing => ("Action", Vec::new()),
            };
            let mut check = Check::new(
                condition,
                expected.into_iter().map(Value::String).collect(),
                Some(Value::String(ACTION.into())),
                false,
            )
            .with_scope(scope.clone());
            if statement.effect == Effect::Allow {
                check = check.with_hints(vec![Hint::new(
                    "action-not-web-identity",
                    format!("a web-identity token needs \"Action\": \"{ACTION}\" (sts:AssumeRole is for AWS principals)"),
                )]);
            }
            self.checks.push(check);
            result = Tri::False;
            failures += 1;
            first_failure = Some(format!("does not allow {ACTION}"));
        }
        for entry in &statement.conditions {
            let (tri, check) = self.evaluate_entry(entry, statement.effect, context);
            if tri == Tri::False && first_failure.is_none() {
                first_failure = Some(format!("condition {} failed", entry.written()));
            }
            if tri != Tri::True {
                failures += 1;
            }
            result = result.and(tri);
            self.checks.push(check.with_scope(scope.clone()));
        }
        StatementResult {
            statement,
            result,
            first_failure,
            failures,
        }
    }

    fn evaluate_entry(
        &mut self,
        entry: &ConditionEntry,
        effect: Effect,
        context: &TokenContext,
    ) -> (Tri, Check) {
        let expected = entry.expected.clone();
        let operator = match &entry.operator {
            Ok(operator) => *operator,
            Err(message) => {
                self.undecidable
                    .push(format!("{}: {message}", entry.written()));
                let check =
                    Check::new(entry.written(), expected, None, false).with_note(message.clone());
                return (Tri::Unknown, check);
            }
        };
        let outcome = evaluate_key(operator, &entry.key, &entry.values, context);
        let actual = match &outcome.lookup {
            Lookup::Present { values, .. } => Some(values.to_json()),
            _ => None,
        };
        let mut notes: Vec<String> = Vec::new();
        if let Some(note) = &outcome.note
            && (actual.is_none()
                || operator.qualifier.is_some()
                || operator.base == BaseOp::Null
                || outcome.result == Tri::False)
        {
            notes.push(note.clone());
        }
        if let Lookup::Present {
            caveat: Some(caveat),
            ..
        } = &outcome.lookup
        {
            if caveat.starts_with("unverified") {
                self.unverified
                    .push(format!("{}: {caveat}", entry.written()));
            }
            notes.push(caveat.clone());
        }
        if outcome.lookup == Lookup::Unknown {
            notes.push(
                "this key comes from the request, not the token; claimcheck cannot evaluate it"
                    .into(),
            );
            self.undecidable.push(format!(
                "{} depends on the request, not the token",
                entry.written()
            ));
        }
        notes.extend(outcome.variable_errors.iter().map(ToString::to_string));
        if effect == Effect::Deny && outcome.result == Tri::False {
            notes.push(
                "in a Deny statement a condition that does not hold keeps the Deny from applying"
                    .into(),
            );
        }
        let check_hints = if outcome.result == Tri::False && effect == Effect::Allow {
            self.hints_for(entry, operator.base, &outcome, context)
        } else {
            Vec::new()
        };
        let mut check = Check::new(
            entry.written(),
            expected,
            actual,
            outcome.result == Tri::True,
        )
        .with_hints(check_hints);
        if !notes.is_empty() {
            check = check.with_note(notes.join("; "));
        }
        (outcome.result, check)
    }

    fn hints_for(
        &self,
        entry: &ConditionEntry,
        base: BaseOp,
        outcome: &KeyOutcome,
        context: &TokenContext,
    ) -> Vec<Hint> {
        let variables = self.policy.document.variables_enabled();
        let written: Vec<String> = entry.values.iter().map(|v| v.written.clone()).collect();
        let claim = split_key(&entry.key)
            .map(|(_, c)| c.to_ascii_lowercase())
            .unwrap_or_default();
        let mut found = Vec::new();
        match &outcome.lookup {
            Lookup::Absent(Absence::NotExposed { claim, token_value }) => {
                found.push(hints::claim_not_exposed(
                    &entry.key,
                    claim,
                    token_value.as_ref(),
                ));
            }
            Lookup::Absent(Absence::OtherProvider { key_prefix }) => {
                found.push(hints::provider_prefix_mismatch(key_prefix, &context.prefix));
            }
            Lookup::Present {
                values: Values::One(actual),
                ..
            } if !base.is_negated() => {
                if base.is_exact() {
                    found.extend(hints::wildcard_in_exact_operator(
                        &entry.operator_written,
                        &written,
                        variables,
                    ));
                }
                if base.is_like() {
                    found.extend(
                        written
                            .iter()
                            .find_map(|p| hints::like_matches_ignoring_case(p, actual, variables)),
                    );
                }
                let literal_values: Vec<&String> = written
                    .iter()
                    .filter(|w| base.is_exact() || !super::pattern::has_wildcard(w, variables))
                    .collect();
                if let Some(best) = closest_of(&literal_values, actual) {
                    found.extend(string_mismatch_hints(best, actual));
                }
                if claim == "aud" {
                    found.extend(hints::azp_used_as_audience(
                        self.claims.get("azp").and_then(Value::as_str),
                        self.claims.get("aud"),
                        &written,
                    ));
                }
                if claim == "sub" && is_github_prefix(&context.prefix) {
                    let refs: Vec<&String> = written.iter().collect();
                    if let Some(best) = closest_of(&refs, actual) {
                        found.extend(github_hints::subject_form(best, actual, self.claims));
                        found.extend(github_hints::immutable_subject(best, actual));
                    }
                }
            }
            _ => {}
        }
        let mut seen = std::collections::HashSet::new();
        found.retain(|hint| seen.insert((hint.code, hint.message.clone())));
        found
    }

    fn decide(mut self, results: &[StatementResult]) -> Verdict {
        let of = |effect: Effect| results.iter().filter(move |r| r.statement.effect == effect);
        let allow = of(Effect::Allow).fold(Tri::False, |acc, r| acc.or(r.result));
        let deny = of(Effect::Deny).fold(Tri::False, |acc, r| acc.or(r.result));
        if deny == Tri::True {
            let which = of(Effect::Deny)
                .find(|r| r.result == Tri::True)
                .map(|r| r.statement.label());
            return self.verdict(
                Outcome::Denied,
                format!(
                    "{NOT_AUTHORIZED} — explicit Deny in statement {}",
                    which.unwrap_or_default()
                ),
            );
        }
        match (allow, deny) {
            (Tri::True, Tri::False) => {
                let which = of(Effect::Allow)
                    .find(|r| r.result == Tri::True)
                    .map(|r| r.statement.label());
                let caveat = if self.policy.providers.is_empty() {
                    " (the provider's client-ID check was not evaluated)"
                } else {
                    ""
                };
                self.verdict(
                    Outcome::Allowed,
                    format!("allowed by statement {}{caveat}", which.unwrap_or_default()),
                )
            }
            (Tri::False, _) => {
                let best = of(Effect::Allow)
                    .filter(|r| r.first_failure.is_some())
                    .min_by_key(|r| r.failures);
                let summary = match best {
                    Some(r) => format!(
                        "{NOT_AUTHORIZED} — statement {} {}",
                        r.statement.label(),
                        r.first_failure.as_deref().unwrap_or("failed")
                    ),
                    None if of(Effect::Allow).next().is_none() => {
                        format!("{NOT_AUTHORIZED} — no Allow statement for this provider")
                    }
                    None => format!("{NOT_AUTHORIZED} — no Allow statement matched"),
                };
                self.verdict(Outcome::Denied, summary)
            }
            _ => {
                self.undecidable.dedup();
                let why = self.undecidable.join("; ");
                self.verdict(
                    Outcome::Error,
                    format!("cannot decide from the token alone: {why}"),
                )
            }
        }
    }
}

fn closest<'s>(candidates: &'s [String], actual: &str) -> Option<&'s str> {
    candidates
        .iter()
        .max_by_key(|c| common_prefix_chars(c, actual))
        .map(String::as_str)
}

fn closest_of<'s>(candidates: &[&'s String], actual: &str) -> Option<&'s str> {
    candidates
        .iter()
        .max_by_key(|c| common_prefix_chars(c, actual))
        .map(|c| c.as_str())
}

fn rfc3339(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| at.to_string())
}
