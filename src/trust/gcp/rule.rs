//! A compiled provider and its evaluation.

use serde_json::{Map, Value, json};

use super::audience;
use super::provider::ProviderConfig;
use crate::token::Claims;
use crate::token::lint::Severity;
use crate::token::time::time_status;
use crate::trust::cel::{self, Bindings, CompileError, Dialect, Expression, Reads};
use crate::trust::hints::string_mismatch_hints;
use crate::trust::{Check, Hint, Outcome, Rule, RuleId, RuleKind, RuleLint, Verdict};

/// `google.subject` may hold at most 127 BYTES of UTF-8 (the API's current wording; older text
/// said characters).
pub const SUBJECT_MAX_BYTES: usize = 127;

/// Issuers shared by many tenants: without a condition, every tenant's token is admitted.
/// Google refuses to create such providers without a condition since 2024
/// (cloud.google.com/iam/docs/workload-identity-federation-with-deployment-pipelines#conditions).
const MULTI_TENANT_ISSUERS: [(&str, &str); 6] = [
    (
        "https://token.actions.githubusercontent.com",
        "GitHub Actions",
    ),
    ("https://gitlab.com", "GitLab.com"),
    ("https://app.terraform.io", "HCP Terraform"),
    ("https://app.eu.terraform.io", "HCP Terraform (EU)"),
    ("https://api.gitpod.io/idp", "Gitpod"),
    ("https://app.gitpod.io", "Ona"),
];

const CONDITION_REJECTED: &str =
    "unauthorized_client: The given credential is rejected by the attribute condition.";

pub struct GcpProvider {
    id: RuleId,
    config: ProviderConfig,
    mapping: Vec<(String, Result<Expression, CompileError>)>,
    condition: Option<Result<Expression, CompileError>>,
    /// The claims the mapping expressions read, together: bound once per token.
    mapping_reads: Reads,
    member: Option<String>,
}

/// The attributes a token maps to: what the condition and IAM bindings see.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mapped {
    /// `google.*` targets (`subject`, `groups`, `display_name`, …) by name without the prefix.
    pub google: Map<String, Value>,
    /// `attribute.*` targets by name without the prefix.
    pub attribute: Map<String, Value>,
    /// Mapping expressions that failed, with CEL's error.
    pub errors: Vec<(String, String)>,
    /// Mapping expressions claimcheck could not evaluate (see `EvalError::unevaluable`).
    pub unevaluable: Vec<String>,
}

impl Mapped {
    /// Files a mapping's value under its target (`google.X` or `attribute.X`); other targets
    /// map nothing the condition or IAM can see.
    fn insert(&mut self, target: &str, value: Value) {
        if let Some(name) = target.strip_prefix("google.") {
            self.google.insert(name.to_owned(), value);
        } else if let Some(name) = target.strip_prefix("attribute.") {
            self.attribute.insert(name.to_owned(), value);
        }
    }
}

impl GcpProvider {
    pub fn new(config: ProviderConfig, file: Option<&str>) -> GcpProvider {
        let mapping: Vec<_> = config
            .attribute_mapping
            .iter()
            .map(|(target, source)| (target.clone(), cel::compile(Dialect::Gcp, source)))
            .collect();
        // Google refuses a condition that cannot return a bool when the provider is saved.
        let condition = config.attribute_condition.as_deref().map(|source| {
            cel::compile(Dialect::Gcp, source)
                .and_then(|c| c.returning(&["bool"], "an attribute condition"))
        });
        let mapping_reads = mapping_reads(&mapping);
        GcpProvider {
            id: RuleId {
                kind: RuleKind::Gcp,
                file: file.map(str::to_owned),
                name: config.label.clone(),
            },
            config,
            mapping,
            condition,
            mapping_reads,
            member: None,
        }
    }

    pub fn with_member(mut self, member: Option<String>) -> GcpProvider {
        self.member = member;
        self
    }

    pub fn config(&self) -> &ProviderConfig {
        &self.config
    }

    /// Each mapping's target and compiled expression (`None`: it did not compile).
    pub fn mapping_expressions(&self) -> impl Iterator<Item = (&str, Option<&Expression>)> {
        self.mapping
            .iter()
            .map(|(target, compiled)| (target.as_str(), compiled.as_ref().ok()))
    }

    /// The compiled condition: `None` without one, `Some(None)` when it did not compile.
    pub fn condition_expression(&self) -> Option<Option<&Expression>> {
        self.condition.as_ref().map(|c| c.as_ref().ok())
    }

    /// The IAM member every verdict also checks (`--gcp-member`).
    pub fn member(&self) -> Option<&str> {
        self.member.as_deref()
    }

    /// Evaluates the attribute mapping for `claims`.
    pub fn map_attributes(&self, claims: &Claims) -> Mapped {
        let mut bindings = Bindings::new(Dialect::Gcp);
        bindings.bind_object_for("assertion", claims, &self.mapping_reads);
        let mut mapped = Mapped::default();
        for (target, compiled) in &self.mapping {
            let result = match compiled {
                Ok(expr) => expr.evaluate(&bindings).map(|e| e.value).map_err(|e| {
                    if e.unevaluable {
                        mapped.unevaluable.push(target.clone());
                    }
                    e.to_string()
                }),
                Err(e) => Err(e.to_string()),
            };
            match result {
                Ok(value) => mapped.insert(target, value),
                Err(error) => mapped.errors.push((target.clone(), error)),
            }
        }
        mapped
    }

    /// The outcome a failed mapping check gives in [`Rule::evaluate`] (see [`mapping_checks`]),
    /// or else the mapped attributes when `keep` asks for them (the condition or the member
    /// reads them); each mapping is evaluated once, without error messages: no google.subject
    /// mapping is a rule error; a CEL error, or a subject that is not a string of at most the
    /// limit, refuses the token.
    fn mapping_for_decision(&self, claims: &Claims, keep: bool) -> Result<Option<Mapped>, Outcome> {
        let maps_subject = self.mapping.iter().any(|(t, _)| t == "google.subject");
        if !maps_subject {
            return Err(Outcome::Error);
        }
        let mut bindings = Bindings::new(Dialect::Gcp);
        bindings.bind_object_for("assertion", claims, &self.mapping_reads);
        let mut mapped = keep.then(Mapped::default);
        for (target, compiled) in &self.mapping {
            let Ok(expression) = compiled else {
                return Err(Outcome::Error);
            };
            let value = expression
                .value(&bindings)
                .map_err(|_| Outcome::Error)?
                .ok_or(Outcome::Denied)?;
            let subject_too_big = target == "google.subject"
                && !matches!(&value.value, Value::String(s) if s.len() <= SUBJECT_MAX_BYTES);
            if subject_too_big {
                return Err(Outcome::Denied);
            }
            if let Some(mapped) = mapped.as_mut() {
                mapped.insert(target, value.value);
            }
        }
        Ok(mapped)
    }

    fn compile_errors(&self) -> Vec<(String, String, &CompileError)> {
        let mapping = self.mapping.iter().filter_map(|(target, c)| {
            c.as_ref().err().map(|e| {
                (
                    format!("attributeMapping.{target}"),
                    source_of(&self.config, target),
                    e,
                )
            })
        });
        let condition = self
            .condition
            .iter()
            .filter_map(|c| c.as_ref().err())
            .map(|e| {
                (
                    "attributeCondition".to_owned(),
                    self.config.attribute_condition.clone().unwrap_or_default(),
                    e,
                )
            });
        mapping.chain(condition).collect()
    }
}

fn mapping_reads(mapping: &[(String, Result<Expression, CompileError>)]) -> Reads {
    let mut reads = Reads::default();
    for expression in mapping.iter().filter_map(|(_, e)| e.as_ref().ok()) {
        reads.union(expression.reads("assertion"));
    }
    reads
}

fn source_of(config: &ProviderConfig, target: &str) -> String {
    config
        .attribute_mapping
        .iter()
        .find(|(t, _)| t == target)
        .map(|(_, s)| s.clone())
        .unwrap_or_default()
}

impl Rule for GcpProvider {
    fn id(&self) -> &RuleId {
        &self.id
    }

    fn evaluate(&self, claims: &Claims, now: i64) -> Verdict {
        let compile_errors = self.compile_errors();
        if !compile_errors.is_empty() {
            let checks = compile_errors
                .iter()
                .map(|(place, source, error)| {
                    Check::failed(format!("{place}: {source}"), Vec::new(), None)
                        .with_note(error.to_string())
                })
                .collect();
            let (place, _, error) = &compile_errors[0];
            // The summary is one line; the check's note has the whole error, caret included.
            let error = error.to_string();
            let first_line = error.lines().next().unwrap_or_default();
            return Verdict::of(
                self,
                Outcome::Error,
                format!("{place} cannot be evaluated: {first_line}"),
                checks,
                Vec::new(),
            );
        }

        let mut checks = Vec::new();
        let mut unverified = Vec::new();
        // The first failure decides the outcome, as the service stops there; later checks are
        // still shown because they tell the user what comes next.
        let mut failure: Option<(Outcome, String)> = None;

        if self.config.disabled || self.config.state.as_deref().is_some_and(|s| s != "ACTIVE") {
            let state = self
                .config
                .state
                .clone()
                .unwrap_or_else(|| "DISABLED".to_owned());
            checks.push(Check::failed(
                "provider is enabled (state ACTIVE)",
                vec![json!("ACTIVE")],
                json!(state),
            ));
            fail(&mut failure, Outcome::Denied, "invalid_target: The target service indicated by the \"audience\" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn't exist.".to_owned());
        }

        let iss = claims.get("iss");
        match &self.config.issuer_uri {
            Some(expected) => {
                let passed = iss.and_then(Value::as_str) == Some(expected.as_str());
                let mut check = Check::passed_if(
                    passed,
                    "iss = oidc.issuerUri",
                    vec![json!(expected)],
                    iss.cloned(),
                );
                if !passed {
                    if let Some(actual) = iss.and_then(Value::as_str) {
                        check = check.with_hints(string_mismatch_hints(expected, actual));
                    }
                    fail(
                        &mut failure,
                        Outcome::Denied,
                        format!(
                            "The issuer in ID Token {} does not match the expected ones: {expected}",
                            iss.and_then(Value::as_str).unwrap_or("(none)")
                        ),
                    );
                }
                checks.push(check);
            }
            None => {
                checks.push(
                    Check::failed("iss = oidc.issuerUri", Vec::new(), iss.cloned())
                        .with_note("the rule file has no oidc.issuerUri"),
                );
                fail(
                    &mut failure,
                    Outcome::Error,
                    "the provider has no oidc.issuerUri; claimcheck evaluates OIDC providers only"
                        .to_owned(),
                );
            }
        }

        let aud_check = audience::check(
            &self.config.allowed_audiences,
            self.config.name.as_deref(),
            claims.get("aud"),
        );
        if !aud_check.passed {
            let shown = audience::token_audiences(claims.get("aud")).join(", ");
            let expected = aud_check
                .expected
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" or ");
            fail(
                &mut failure,
                Outcome::Denied,
                format!(
                    "invalid_grant: The audience in ID Token [{shown}] does not match the expected audience {expected}."
                ),
            );
        }
        checks.push(aud_check);

        let time = time_status(claims, now, 0);
        let exp_ok = time.exp.at().is_some_and(|exp| now <= exp);
        checks.push(
            Check::passed_if(
                exp_ok,
                "exp is in the future",
                Vec::new(),
                claims.get("exp").cloned(),
            )
            .with_note(
                "checked without leeway (inferred: Google does not document its clock-skew allowance)",
            ),
        );
        if !exp_ok {
            fail(
                &mut failure,
                Outcome::Denied,
                "the ID token has expired (or has no usable exp)".to_owned(),
            );
        }

        let mapped = self.map_attributes(claims);
        checks.extend(mapping_checks(&self.config, &mapped, &mut unverified));
        if let Some(failed) = checks
            .iter()
            .find(|c| !c.passed && c.condition.starts_with("attributeMapping"))
        {
            let summary = if failed.condition.contains("google.subject")
                && failed.note.as_deref().is_some_and(|n| n.contains("bytes"))
            {
                format!(
                    "The size of mapped attribute google.subject exceeds the {SUBJECT_MAX_BYTES} bytes limit."
                )
            } else {
                format!(
                    "{} failed: {}",
                    failed.condition,
                    failed.note.clone().unwrap_or_default()
                )
            };
            let outcome = if !mapped.unevaluable.is_empty() {
                Outcome::Error
            } else if self
                .config
                .attribute_mapping
                .iter()
                .any(|(t, _)| t == "google.subject")
            {
                Outcome::Denied
            } else {
                Outcome::Error
            };
            fail(&mut failure, outcome, summary);
        }
        if self
            .mapping
            .iter()
            .any(|(_, e)| e.as_ref().is_ok_and(|e| e.calls_function("extract")))
        {
            unverified.push("GCP extract(): the result when the template does not match (empty string) is from Google's documentation, not verified against the service".to_owned());
        }

        let expressions = self
            .mapping
            .iter()
            .map(|(_, e)| e)
            .chain(self.condition.iter());
        if expressions
            .filter_map(|e| e.as_ref().ok())
            .any(Expression::number_typing_matters)
        {
            unverified.push("GCP: an expression does arithmetic or type() on a claim, whose result depends on whether Google reads JSON numbers as int or (as a protobuf Struct would) as double; claimcheck reads integers as int, and Google does not document which".to_owned());
        }

        if let Some(Ok(condition)) = &self.condition {
            let (check, failed) = condition_check(condition, claims, &mapped, &mut unverified);
            if let Some((outcome, summary)) = failed {
                fail(&mut failure, outcome, summary);
            }
            checks.push(check);
        }

        if let Some(member) = &self.member {
            let check = super::member::check_mapped(self, member, &mapped);
            if !check.passed {
                fail(
                    &mut failure,
                    Outcome::Denied,
                    format!(
                        "the token would be exchanged, but its identity is not the IAM member {member}"
                    ),
                );
            }
            checks.push(check);
        }

        let (outcome, summary) = failure.unwrap_or_else(|| {
            let subject = mapped
                .google
                .get("subject")
                .and_then(Value::as_str)
                .unwrap_or_default();
            (
                Outcome::Allowed,
                format!("the provider would exchange this token for google.subject \"{subject}\""),
            )
        });
        Verdict::of(self, outcome, summary, checks, unverified)
    }

    /// [`Rule::evaluate`]'s first failure, in the same order, without building checks, hints
    /// or summaries: what a tokens × rules matrix needs.
    fn outcome(&self, claims: &Claims, now: i64) -> Outcome {
        let uncompiled =
            self.mapping.iter().any(|(_, c)| c.is_err()) || matches!(self.condition, Some(Err(_)));
        if uncompiled {
            return Outcome::Error;
        }
        if self.config.disabled || self.config.state.as_deref().is_some_and(|s| s != "ACTIVE") {
            return Outcome::Denied;
        }
        let Some(issuer) = &self.config.issuer_uri else {
            return Outcome::Error;
        };
        if claims.get("iss").and_then(Value::as_str) != Some(issuer.as_str()) {
            return Outcome::Denied;
        }
        let audience_ok = audience::accepts(
            &self.config.allowed_audiences,
            self.config.name.as_deref(),
            claims.get("aud"),
        );
        let exp_ok = time_status(claims, now, 0)
            .exp
            .at()
            .is_some_and(|exp| now <= exp);
        if !audience_ok || !exp_ok {
            return Outcome::Denied;
        }
        let condition = match &self.condition {
            Some(Ok(condition)) => Some(condition),
            _ => None,
        };
        let uses_mapped = |c: &Expression| {
            ["google", "attribute"]
                .iter()
                .any(|v| c.references_variable(v))
        };
        let keep = self.member.is_some() || condition.is_some_and(uses_mapped);
        let mapped = match self.mapping_for_decision(claims, keep) {
            Ok(mapped) => mapped,
            Err(outcome) => return outcome,
        };
        if let Some(condition) = condition {
            let mut bindings = Bindings::new(Dialect::Gcp);
            bindings.bind_object_for("assertion", claims, condition.reads("assertion"));
            if let Some(mapped) = &mapped {
                bindings
                    .bind_object("google", &mapped.google)
                    .bind_object("attribute", &mapped.attribute);
            }
            match condition.is_true(&bindings) {
                Ok(true) => {}
                Ok(false) => return Outcome::Denied,
                Err(_) => return Outcome::Error,
            }
        }
        if let (Some(member), Some(mapped)) = (&self.member, &mapped)
            && !super::member::check_mapped(self, member, mapped).passed
        {
            return Outcome::Denied;
        }
        Outcome::Allowed
    }

    fn lints(&self) -> Vec<RuleLint> {
        let mut lints = Vec::new();
        let issuer = self.config.issuer_uri.as_deref().unwrap_or_default();
        let shared = MULTI_TENANT_ISSUERS
            .iter()
            .find(|(url, _)| issuer.trim_end_matches('/') == *url);
        if let (None, Some((_, who))) = (&self.config.attribute_condition, shared) {
            lints.push(RuleLint::new(
                "gcp-no-condition-multi-tenant",
                Severity::Error,
                format!("no attributeCondition on the shared {who} issuer: every {who} tenant's token is admitted. Google now refuses to create such a provider (\"The attribute condition must reference one of the provider's claims.\")"),
            ));
        }
        if let Some(Ok(condition)) = &self.condition
            && !["assertion", "attribute", "google"]
                .iter()
                .any(|v| condition.references_variable(v))
        {
            lints.push(RuleLint::new(
                "gcp-condition-without-claim",
                Severity::Warning,
                "the attributeCondition references no claim (assertion.*, attribute.*, google.*): it admits or refuses every token alike. Google requires conditions on shared issuers to reference the provider's claims",
            ));
        }
        if !self
            .config
            .attribute_mapping
            .iter()
            .any(|(t, _)| t == "google.subject")
        {
            lints.push(RuleLint::new(
                "gcp-no-subject-mapping",
                Severity::Error,
                "attributeMapping has no google.subject, which OIDC providers require",
            ));
        }
        for (target, _) in &self.config.attribute_mapping {
            if let Some(name) = target.strip_prefix("attribute.")
                && (name.is_empty()
                    || name.len() > 100
                    || !name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'))
            {
                lints.push(RuleLint::new(
                    "gcp-attribute-name",
                    Severity::Warning,
                    format!("custom attribute name '{name}' must be 1-100 characters of [a-z0-9_]"),
                ));
            }
        }
        lints
    }
}

fn mapping_checks(
    config: &ProviderConfig,
    mapped: &Mapped,
    unverified: &mut Vec<String>,
) -> Vec<Check> {
    let mut checks = Vec::new();
    if !config
        .attribute_mapping
        .iter()
        .any(|(t, _)| t == "google.subject")
    {
        checks.push(
            Check::failed(
                "attributeMapping google.subject (required for OIDC providers)",
                Vec::new(),
                None,
            )
            .with_note("the provider maps no google.subject"),
        );
    }
    for (target, source) in &config.attribute_mapping {
        let condition = format!("attributeMapping {target} = {source}");
        if let Some((_, error)) = mapped.errors.iter().find(|(t, _)| t == target) {
            unverified.push(format!("GCP: a CEL error in the mapping of {target} is taken to reject the credential; Google does not document it"));
            checks.push(
                Check::failed(condition, Vec::new(), None).with_note(format!("CEL error: {error}")),
            );
            continue;
        }
        let value = target
            .strip_prefix("google.")
            .and_then(|n| mapped.google.get(n))
            .or_else(|| {
                target
                    .strip_prefix("attribute.")
                    .and_then(|n| mapped.attribute.get(n))
            })
            .cloned();
        if target != "google.subject" {
            checks.push(Check::passed(condition, Vec::new(), value));
            continue;
        }
        let check = match value.as_ref() {
            Some(Value::String(subject)) => {
                let bytes = subject.len();
                let expected = vec![json!(format!(
                    "a string of at most {SUBJECT_MAX_BYTES} bytes"
                ))];
                if bytes > SUBJECT_MAX_BYTES {
                    unverified
                        .push("GCP: the exact text of the google.subject size error".to_owned());
                    Check::failed(condition, expected, value.clone()).with_note(format!(
                        "{bytes} bytes ({} characters): exceeds the {SUBJECT_MAX_BYTES}-byte limit; multi-byte UTF-8 characters count as several bytes",
                        subject.chars().count()
                    ))
                } else {
                    Check::passed(condition, expected, value.clone())
                        .with_note(format!("{bytes} of {SUBJECT_MAX_BYTES} bytes"))
                }
            }
            other => Check::failed(condition, Vec::new(), other.cloned()).with_note(format!(
                "google.subject must be a string, the mapping gave {}",
                other.map_or("nothing".to_owned(), |v| v.to_string())
            )),
        };
        checks.push(check);
    }
    checks
}

fn condition_check(
    condition: &Expression,
    claims: &Claims,
    mapped: &Mapped,
    unverified: &mut Vec<String>,
) -> (Check, Option<(Outcome, String)>) {
    let mut bindings = Bindings::new(Dialect::Gcp);
    bindings
        .bind_object("assertion", claims)
        .bind_object("google", &mapped.google)
        .bind_object("attribute", &mapped.attribute);
    let label = format!("attributeCondition: {}", condition.source());
    match condition.evaluate(&bindings) {
        Ok(result) => {
            let passed = result.as_bool() == Some(true);
            let mut check =
                Check::passed_if(passed, label, vec![json!(true)], result.value.clone());
            if result.as_bool().is_none() {
                check = check.with_note(format!(
                    "the condition returned a {}, not a bool",
                    result.cel_type
                ));
            }
            if !passed {
                check = check.with_hints(condition.deciding_part_hints(&bindings));
            }
            (
                check,
                (!passed).then(|| (Outcome::Denied, CONDITION_REJECTED.to_owned())),
            )
        }
        Err(error) if error.unevaluable => {
            let check = Check::failed(label, vec![json!(true)], None).with_note(error.to_string());
            (
                check,
                Some((
                    Outcome::Error,
                    format!("attributeCondition cannot be evaluated: {error}"),
                )),
            )
        }
        Err(error) => {
            unverified.push("GCP: a CEL error in the attribute condition (e.g. an absent claim) is taken to reject the credential, as in CEL and Kubernetes; not verified against Google".to_owned());
            let mut hints = condition.deciding_part_hints(&bindings);
            let from_github = claims.get("iss").and_then(Value::as_str)
                == Some("https://token.actions.githubusercontent.com");
            if from_github && error.missing_key.as_deref() == Some("environment") {
                // github/docs oidc.md: the environment claim and the `:environment:` subject
                // exist only for jobs that reference an environment.
                hints.push(Hint::new(
                    "github-no-environment",
                    "GitHub sends 'environment' only for jobs that declare `environment:`; this job declared none",
                ));
            }
            if let Some(key) = &error.missing_key {
                hints.push(Hint::new(
                    "absent-claim",
                    format!("the token has no '{key}' claim (or mapped attribute), so reading it is a CEL error, not false; guard it with has(assertion.{key}) if its absence should be allowed or refused explicitly"),
                ));
            }
            let check = Check::failed(label, vec![json!(true)], None)
                .with_note(format!("CEL error: {error}"))
                .with_hints(hints);
            (
                check,
                Some((
                    Outcome::Denied,
                    format!(
                        "{CONDITION_REJECTED} (the condition failed with a CEL error: {error})"
                    ),
                )),
            )
        }
    }
}

/// Records the first failure only: the service stops at it.
fn fail(failure: &mut Option<(Outcome, String)>, outcome: Outcome, summary: String) {
    failure.get_or_insert((outcome, summary));
}
