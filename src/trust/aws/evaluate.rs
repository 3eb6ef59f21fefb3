//! A role trust policy as a [`Rule`]: STS's pipeline for `AssumeRoleWithWebIdentity`
//! (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html): provider by `iss`, audience against the provider's client IDs, expiry, then the policy —
//! "some Allow matches and no Deny matches" (reference_policies_evaluation-logic.md).
//!
//! One code path serves both [`Rule::evaluate`] (with every check, hint and note) and
//! [`Rule::outcome`] (the decision alone, allocation-light), so the two cannot disagree.

use serde_json::Value;

use super::condition::{BaseOp, KeyOutcome, Tri, evaluate_key, variable_errors};
use super::context::{Absence, Lookup, TokenContext, Values, split_key};
use super::document::{
    ActionSpec, ConditionEntry, Effect, PolicyDocument, Principal, Statement, WEB_IDENTITY_ACTION,
    Wildcard,
};
use super::hints;
use super::keys::is_github_prefix;
use super::lints::{federated_prefix, lint_policy};
use super::provider::OidcProvider;
use crate::token::Claims;
use crate::trust::hints::{common_prefix_chars, string_mismatch_hints};
use crate::trust::strings::strings_in;
use crate::trust::verdict::{Check, Hint, Outcome, RuleId, RuleKind, RuleLint, Verdict};
use crate::trust::{Reads, Rule, github_hints};

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

    pub(crate) fn document(&self) -> &PolicyDocument {
        &self.document
    }

    pub(crate) fn providers(&self) -> &[OidcProvider] {
        &self.providers
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
        let mut evaluation = Evaluation::new(self, claims, now, true);
        let decision = evaluation.run();
        let summary = evaluation.summary(&decision);
        let mut unverified = evaluation.unverified;
        unverified.dedup();
        Verdict::of(
            self,
            decision.outcome,
            summary,
            evaluation.checks,
            unverified,
        )
    }

    fn outcome(&self, claims: &Claims, now: i64) -> Outcome {
        Evaluation::new(self, claims, now, false).run().outcome
    }

    /// `iss` (the provider, the key prefix), `azp` and `aud` (the client-ID check), each
    /// condition key's claims, and `exp` only as [`Evaluation::check_expiry`] reads it: whether
    /// `now` is before it. A policy variable can name any key, resolved per token: such a
    /// policy does not answer.
    fn reads(&self) -> Option<Reads> {
        let mut claims = vec!["iss", "azp", "aud"];
        for entry in self.document.statements.iter().flat_map(|s| &s.conditions) {
            if entry.values.iter().any(|v| v.template.has_variables()) {
                return None;
            }
            claims.extend(entry.parsed_key.claims_read());
        }
        Some(Reads::new(claims, false).with_expiry("exp"))
    }

    fn lints(&self) -> Vec<RuleLint> {
        self.lints.clone()
    }
}

/// The statement's provider matches the token's issuer: `"*"`, or a `Principal.Federated` entry
/// whose provider URL (after `oidc-provider/`, or a built-in name) is the issuer without `https://`.
fn principal_matches(statement: &Statement, issuer: &str) -> bool {
    match &statement.principal {
        Principal::Everyone(_) => true,
        Principal::Federated(_) => {
            let without_scheme = issuer.strip_prefix("https://");
            statement
                .provider_urls
                .iter()
                .any(|url| without_scheme == Some(url.as_str()) || issuer == url)
        }
        Principal::Other(_) => false,
    }
}

/// Whether the policy speaks to this token at all: some statement federates with its issuer's
/// provider, or an Allow admits every principal. A policy whose only applicable statements are
/// wildcard-principal Denies cannot allow this token, and STS refuses a token whose issuer no
/// statement federates with before any Deny matters (InvalidIdentityToken or AccessDenied,
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html); calling
/// that "denied by the Deny" would blame the wrong statement, so it is not applicable, as a
/// policy without any statement for this issuer is. This never turns an Allow into anything
/// else: an applicable Allow always makes the policy applicable.
fn names_this_token<'s>(mut applicable: impl Iterator<Item = &'s Statement>, issuer: &str) -> bool {
    applicable.any(|s| match &s.principal {
        Principal::Federated(_) => principal_matches(s, issuer),
        Principal::Everyone(_) => s.effect == Effect::Allow,
        Principal::Other(_) => false,
    })
}

/// What made a statement fail first.
#[derive(Clone, Copy)]
enum Failure<'p> {
    Action,
    Condition(&'p ConditionEntry),
}

struct StatementResult<'p> {
    statement: &'p Statement,
    result: Tri,
    first_failure: Option<Failure<'p>>,
    failures: usize,
}

/// Why the outcome is what it is; rendered to text only when explaining.
enum Reason<'p> {
    NoIssuer,
    NotApplicable,
    IncorrectAudience,
    Expired,
    ExplicitDeny(&'p Statement),
    AllowedBy(&'p Statement),
    NoAllowMatched(Option<(&'p Statement, Option<Failure<'p>>)>),
    NoAllowStatement,
    Undecidable,
}

struct Decision<'p> {
    outcome: Outcome,
    reason: Reason<'p>,
}

struct Evaluation<'a> {
    policy: &'a TrustPolicy,
    claims: &'a Claims,
    now: i64,
    /// Build checks, hints and notes; off for [`Rule::outcome`].
    explain: bool,
    checks: Vec<Check>,
    unverified: Vec<String>,
    undecidable: Vec<String>,
    issuer: &'a str,
}

impl<'a> Evaluation<'a> {
    fn new(policy: &'a TrustPolicy, claims: &'a Claims, now: i64, explain: bool) -> Evaluation<'a> {
        Evaluation {
            policy,
            claims,
            now,
            explain,
            checks: Vec::new(),
            unverified: Vec::new(),
            undecidable: Vec::new(),
            issuer: "",
        }
    }

    fn run(&mut self) -> Decision<'a> {
        let Some(issuer) = self.claims.get("iss").and_then(Value::as_str) else {
            if self.explain {
                self.checks.push(Check::absent("iss", vec![]).with_note(
                    "STS finds the OIDC provider by the token's iss; without one it cannot",
                ));
            }
            return Decision {
                outcome: Outcome::Denied,
                reason: Reason::NoIssuer,
            };
        };
        self.issuer = issuer;
        let policy = self.policy;
        let applicable = policy
            .document
            .statements
            .iter()
            .filter(|s| principal_matches(s, issuer));
        if !names_this_token(applicable.clone(), issuer) {
            if self.explain {
                self.explain_not_applicable(issuer);
            }
            return Decision {
                outcome: Outcome::NotApplicable,
                reason: Reason::NotApplicable,
            };
        }

        let audience_ok = self.check_provider(issuer);
        let not_expired = self.check_expiry();
        let context = TokenContext::new(issuer, self.claims);
        let results: Vec<StatementResult<'a>> = applicable
            .map(|statement| self.evaluate_statement(statement, &context))
            .collect();
        if !audience_ok {
            return Decision {
                outcome: Outcome::Denied,
                reason: Reason::IncorrectAudience,
            };
        }
        if !not_expired {
            return Decision {
                outcome: Outcome::Denied,
                reason: Reason::Expired,
            };
        }
        decide(&results)
    }

    fn explain_not_applicable(&mut self, issuer: &str) {
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
        let wildcard_deny = self
            .policy
            .document
            .statements
            .iter()
            .any(|s| s.effect == Effect::Deny && matches!(s.principal, Principal::Everyone(_)));
        let note = if wildcard_deny {
            "no statement names this issuer's provider: STS refuses the token before any Deny matters, and a Deny with a wildcard principal cannot allow it"
        } else {
            "a statement applies only to tokens of the provider it federates with"
        };
        self.checks.push(
            Check::failed(
                "Principal.Federated",
                trusted.iter().map(|t| Value::String(t.clone())).collect(),
                Value::String(issuer.to_owned()),
            )
            .with_hints(hint)
            .with_note(note),
        );
    }

    /// STS's audience check against the provider's client IDs; true when it passes or when no
    /// provider document was given (then it is reported as skipped).
    fn check_provider(&mut self, issuer: &str) -> bool {
        let Some(provider) = self
            .policy
            .providers
            .iter()
            .find(|p| p.matches_issuer(issuer))
        else {
            if self.explain {
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
            }
            return true;
        };
        let azp = self.claims.get("azp").and_then(Value::as_str);
        let aud = self.claims.get("aud");
        let candidates = match azp {
            Some(azp) => vec![azp],
            None => strings_in(aud),
        };
        let passed = candidates
            .iter()
            .any(|c| provider.client_ids.iter().any(|id| id == c));
        if self.explain {
            self.explain_provider(provider, azp, aud, &candidates, passed);
        }
        passed
    }

    fn explain_provider(
        &mut self,
        provider: &OidcProvider,
        azp: Option<&str>,
        aud: Option<&Value>,
        candidates: &[&str],
        passed: bool,
    ) {
        if azp.is_none() && candidates.len() > 1 {
            self.unverified.push("the token's aud has several values and no azp; which one STS checks against the client IDs is not known: any one was accepted".into());
        }
        if let (Some(azp), Some(aud)) = (azp, aud)
            && aud != &Value::String(azp.to_owned())
            && aud != &Value::from(vec![azp])
        {
            self.unverified.push(format!(
                "the token's azp \"{azp}\" differs from its aud {aud}; STS is taken to check azp against the client IDs (observed in aws/aws-sdk-net#3071; AWS does not document it)"
            ));
        }
        let actual = match (azp, aud) {
            (Some(azp), _) => Some(Value::String(azp.to_owned())),
            (None, Some(aud)) => Some(aud.clone()),
            (None, None) => None,
        };
        let mut check_hints: Vec<Hint> = Vec::new();
        if !passed {
            check_hints.extend(hints::azp_used_as_audience(azp, aud, &provider.client_ids));
            if let [one] = candidates
                && let Some(closest) = closest(provider.client_ids.iter(), one)
            {
                check_hints.extend(string_mismatch_hints(closest, one));
            }
            check_hints.extend(hints::audience_to_request(&provider.client_ids));
        }
        let note = if azp.is_some() {
            "STS compares azp (not aud) with the client IDs when the token has azp (observed: AWS does not document this)"
        } else {
            "STS compares aud with the provider's client IDs"
        };
        self.checks.push(
            Check::passed_if(
                passed,
                "client ID (audience)",
                provider
                    .client_ids
                    .iter()
                    .cloned()
                    .map(Value::String)
                    .collect(),
                actual,
            )
            .with_hints(check_hints)
            .with_note(note)
            .in_scope(format!("OIDC provider {}", provider.url)),
        );
    }

    /// STS refuses expired tokens; a token without a numeric `exp` is not judged here.
    fn check_expiry(&mut self) -> bool {
        let Some(exp) = self.claims.get("exp").and_then(Value::as_i64) else {
            return true;
        };
        let passed = self.now < exp;
        if self.explain {
            let hint = hints::token_expired(exp, self.now);
            self.checks.push(
                Check::passed_if(
                    passed,
                    "exp (token not expired)",
                    vec![Value::String(format!(
                        "later than now ({})",
                        rfc3339(self.now)
                    ))],
                    Value::String(format!("{exp} ({})", rfc3339(exp))),
                )
                .with_hints(hint)
                .with_note("STS refuses expired tokens; no clock-skew allowance assumed (inferred: AWS does not document this)")
                .in_scope("token"),
            );
        }
        passed
    }

    fn evaluate_statement(
        &mut self,
        statement: &'a Statement,
        context: &TokenContext,
    ) -> StatementResult<'a> {
        let scope = self.explain.then(|| {
            format!(
                "statement {} ({})",
                statement.label(),
                match statement.effect {
                    Effect::Allow => "Allow",
                    Effect::Deny => "Deny: denies when every condition holds",
                }
            )
        });
        if let (Some(scope), Principal::Everyone(form)) = (&scope, &statement.principal) {
            self.explain_wildcard_principal(*form, scope);
        }
        let mut result = Tri::True;
        let mut first_failure = None;
        let mut failures = 0;
        if !statement.covers_web_identity {
            if let Some(scope) = &scope {
                self.explain_action(statement, scope);
            }
            result = Tri::False;
            failures += 1;
            first_failure = Some(Failure::Action);
        }
        for entry in &statement.conditions {
            let tri = self.evaluate_entry(entry, statement.effect, context, scope.as_deref());
            if tri == Tri::False && first_failure.is_none() {
                first_failure = Some(Failure::Condition(entry));
            }
            if tri != Tri::True {
                failures += 1;
            }
            result = result.and(tri);
        }
        StatementResult {
            statement,
            result,
            first_failure,
            failures,
        }
    }

    /// A wildcard principal names every caller, this token's federated one included; say so,
    /// since users often read `"AWS": "*"` as "AWS principals only".
    fn explain_wildcard_principal(&mut self, form: Wildcard, scope: &str) {
        self.checks.push(
            Check::passed(
                "Principal",
                vec![form.as_json()],
                Value::String("federated caller".into()),
            )
            .with_note(format!(
                "this statement applies to the token because of the wildcard principal {}: AWS documents \"*\" and {{\"AWS\": \"*\"}} alike as every principal, federated web-identity callers included (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-anonymous)",
                form.as_json()
            ))
            .in_scope(scope),
        );
    }

    fn explain_action(&mut self, statement: &Statement, scope: &str) {
        let (condition, expected) = match &statement.action {
            ActionSpec::Action(p) => ("Action", p.clone()),
            ActionSpec::NotAction(p) => ("NotAction", p.clone()),
            ActionSpec::Missing => ("Action", Vec::new()),
        };
        let mut check = Check::failed(
            condition,
            expected.into_iter().map(Value::String).collect(),
            Value::String(WEB_IDENTITY_ACTION.into()),
        )
        .in_scope(scope);
        if statement.effect == Effect::Allow {
            check = check.with_hint(Hint::new(
                "action-not-web-identity",
                format!("a web-identity token needs \"Action\": \"{WEB_IDENTITY_ACTION}\" (sts:AssumeRole is for AWS principals)"),
            ));
        }
        self.checks.push(check);
    }

    fn evaluate_entry(
        &mut self,
        entry: &ConditionEntry,
        effect: Effect,
        context: &TokenContext,
        scope: Option<&str>,
    ) -> Tri {
        let operator = match &entry.operator {
            Ok(operator) => *operator,
            Err(message) => {
                if let Some(scope) = scope {
                    self.undecidable
                        .push(format!("{}: {message}", entry.written()));
                    self.checks.push(
                        Check::failed(entry.written(), entry.expected.clone(), None)
                            .with_note(message.clone())
                            .in_scope(scope),
                    );
                }
                return Tri::Unknown;
            }
        };
        let outcome = evaluate_key(operator, &entry.parsed_key, &entry.values, context);
        if let Some(scope) = scope {
            let check = self.explain_entry(
                entry,
                operator.base,
                operator.qualifier.is_some(),
                effect,
                &outcome,
                context,
            );
            self.checks.push(check.in_scope(scope));
        }
        outcome.result
    }

    fn explain_entry(
        &mut self,
        entry: &ConditionEntry,
        base: BaseOp,
        qualified: bool,
        effect: Effect,
        outcome: &KeyOutcome,
        context: &TokenContext,
    ) -> Check {
        let actual = match &outcome.lookup {
            Lookup::Present { values, .. } => Some(values.to_json()),
            _ => None,
        };
        let mut notes: Vec<String> = Vec::new();
        if let Some(note) = &outcome.note
            && (actual.is_none()
                || qualified
                || base == BaseOp::Null
                || outcome.result == Tri::False)
        {
            notes.push((*note).to_owned());
        }
        if let Lookup::Present {
            caveat: Some(caveat),
            ..
        } = &outcome.lookup
        {
            let text = caveat.describe(self.claims);
            if caveat.is_unverified() {
                self.unverified.push(format!("{}: {text}", entry.written()));
            }
            notes.push(text);
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
        if matches!(outcome.lookup, Lookup::Present { .. }) {
            notes.extend(
                variable_errors(&entry.values, context)
                    .iter()
                    .map(ToString::to_string),
            );
        }
        if effect == Effect::Deny && outcome.result == Tri::False {
            notes.push(
                "in a Deny statement a condition that does not hold keeps the Deny from applying"
                    .into(),
            );
        }
        let check_hints = if outcome.result == Tri::False && effect == Effect::Allow {
            self.hints_for(entry, base, outcome, context)
        } else {
            Vec::new()
        };
        let mut check = Check::passed_if(
            outcome.result == Tri::True,
            entry.written(),
            entry.expected.clone(),
            actual,
        )
        .with_hints(check_hints);
        if !notes.is_empty() {
            check = check.with_note(notes.join("; "));
        }
        check
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
                found.push(hints::provider_prefix_mismatch(key_prefix, context.prefix));
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
                let literal_values = written
                    .iter()
                    .filter(|w| base.is_exact() || !super::pattern::has_wildcard(w, variables));
                if let Some(best) = closest(literal_values, actual) {
                    found.extend(string_mismatch_hints(best, actual));
                }
                if claim == "aud" {
                    found.extend(hints::azp_used_as_audience(
                        self.claims.get("azp").and_then(Value::as_str),
                        self.claims.get("aud"),
                        &written,
                    ));
                    found.extend(hints::audience_to_request(&written));
                }
                if claim == "sub"
                    && is_github_prefix(context.prefix)
                    && let Some(best) = closest(written.iter(), actual)
                {
                    found.extend(github_hints::subject_form(best, actual, self.claims));
                    found.extend(github_hints::immutable_subject(best, actual));
                }
            }
            _ => {}
        }
        let mut seen = std::collections::HashSet::new();
        found.retain(|hint| seen.insert((hint.code, hint.message.clone())));
        found
    }

    fn summary(&mut self, decision: &Decision) -> String {
        match &decision.reason {
            Reason::NoIssuer => {
                "InvalidIdentityToken: the token has no iss, so STS cannot find its OIDC provider"
                    .into()
            }
            Reason::NotApplicable => format!(
                "no statement federates with {}; STS would not use this role's policy for this token",
                self.issuer
            ),
            Reason::IncorrectAudience => "InvalidIdentityToken: Incorrect token audience".into(),
            Reason::Expired => "ExpiredTokenException: Token expired".into(),
            Reason::ExplicitDeny(statement) => format!(
                "{NOT_AUTHORIZED} — explicit Deny in statement {}",
                statement.label()
            ),
            Reason::AllowedBy(statement) => {
                let caveat = if self.policy.providers.is_empty() {
                    " (the provider's client-ID check was not evaluated)"
                } else {
                    ""
                };
                format!("allowed by statement {}{caveat}", statement.label())
            }
            Reason::NoAllowMatched(Some((statement, failure))) => {
                let what = match failure {
                    Some(Failure::Action) => format!("does not allow {WEB_IDENTITY_ACTION}"),
                    Some(Failure::Condition(entry)) => {
                        format!("condition {} failed", entry.written())
                    }
                    None => "did not match".to_owned(),
                };
                format!("{NOT_AUTHORIZED} — statement {} {what}", statement.label())
            }
            Reason::NoAllowMatched(None) => {
                format!("{NOT_AUTHORIZED} — no Allow statement matched")
            }
            Reason::NoAllowStatement => {
                format!("{NOT_AUTHORIZED} — no Allow statement for this provider")
            }
            Reason::Undecidable => {
                self.undecidable.dedup();
                format!(
                    "cannot decide from the token alone: {}",
                    self.undecidable.join("; ")
                )
            }
        }
    }
}

/// "Some Allow matches and no Deny matches", in three-valued logic.
fn decide<'p>(results: &[StatementResult<'p>]) -> Decision<'p> {
    let of = |effect: Effect| results.iter().filter(move |r| r.statement.effect == effect);
    let allow = of(Effect::Allow).fold(Tri::False, |acc, r| acc.or(r.result));
    let deny = of(Effect::Deny).fold(Tri::False, |acc, r| acc.or(r.result));
    if deny == Tri::True
        && let Some(r) = of(Effect::Deny).find(|r| r.result == Tri::True)
    {
        return Decision {
            outcome: Outcome::Denied,
            reason: Reason::ExplicitDeny(r.statement),
        };
    }
    match (allow, deny) {
        (Tri::True, Tri::False) => {
            let by = of(Effect::Allow)
                .find(|r| r.result == Tri::True)
                .map(|r| r.statement);
            Decision {
                outcome: Outcome::Allowed,
                reason: by.map_or(Reason::Undecidable, Reason::AllowedBy),
            }
        }
        (Tri::False, _) => {
            let reason = if of(Effect::Allow).next().is_none() {
                Reason::NoAllowStatement
            } else {
                Reason::NoAllowMatched(
                    of(Effect::Allow)
                        .filter(|r| r.first_failure.is_some())
                        .min_by_key(|r| r.failures)
                        .map(|r| (r.statement, r.first_failure)),
                )
            };
            Decision {
                outcome: Outcome::Denied,
                reason,
            }
        }
        _ => Decision {
            outcome: Outcome::Error,
            reason: Reason::Undecidable,
        },
    }
}

fn closest<'s>(candidates: impl Iterator<Item = &'s String>, actual: &str) -> Option<&'s str> {
    candidates
        .max_by_key(|c| common_prefix_chars(c, actual))
        .map(String::as_str)
}

fn rfc3339(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| at.to_string())
}
