//! Microsoft Entra federated identity credentials (docs/SEMANTICS.md §3): classic credentials (exact,
//! case-sensitive `issuer`, `subject`, one audience) and flexible ones (`claimsMatchingExpression`,
//! preview).
//!
//! Public face: [`detect`] and [`parse`] (the rule-file loader's contract) and
//! [`EntraCredential`], a [`Rule`]. Every credential in the file is its own rule. Entra accepts a
//! token when ANY credential of the application matches, so the rules of one file report the same
//! [`Rule::any_of`] key; callers combine them (the app allows when one allows).
//!
//! A credential whose issuer differs from the token's `iss` is `denied` (AADSTS700211), not
//! `not_applicable`: Entra reports exactly that, and a near-miss issuer (trailing slash, case)
//! is one of the mistakes this tool exists to show. Combining by `any_of` keeps credentials for
//! other issuers from deciding the application's answer.

mod credential;
mod evaluate;
pub(crate) mod expression;
mod issuers;

use std::path::Path;

use serde_json::Value;

use crate::token::Claims;
use crate::token::lint::Severity;
use crate::trust::{Rule, RuleId, RuleKind, RuleLint, Verdict};

pub use credential::{Credential, Matching};

/// The audience Entra documents for federated credentials.
pub const DEFAULT_AUDIENCE: &str = "api://AzureADTokenExchange";
/// At most this many federated credentials per application or user-assigned managed identity.
pub const MAX_CREDENTIALS: usize = 20;

/// True for `az ad app federated-credential list/show` output (one credential or a list).
pub fn detect(doc: &Value) -> bool {
    credential::credential_objects(doc).is_some()
}

/// One rule per credential, in file order.
pub fn parse(doc: &Value, file: Option<&str>) -> Result<Vec<Box<dyn Rule>>, String> {
    let objects = credential::credential_objects(doc).ok_or_else(|| {
        "not Entra federated credentials: expected `az ad app federated-credential list` or `show` output (objects with issuer, audiences and subject or claimsMatchingExpression)".to_owned()
    })?;
    let count = objects.len();
    let pair = |o: &serde_json::Map<String, Value>| {
        (
            o.get("issuer").and_then(Value::as_str).map(str::to_owned),
            o.get("subject").and_then(Value::as_str).map(str::to_owned),
        )
    };
    let pairs: Vec<_> = objects.iter().map(|o| pair(o)).collect();
    let group = file.map_or_else(
        || "entra application".to_owned(),
        |f| {
            Path::new(f)
                .file_name()
                .map_or_else(|| f.to_owned(), |n| n.to_string_lossy().into_owned())
        },
    );
    objects
        .into_iter()
        .enumerate()
        .map(|(index, object)| {
            let credential = credential::parse_credential(object, index)?;
            let unusable = match &credential.matching {
                Matching::Expression(Ok(expression)) => {
                    evaluate::claims_allowed(&credential.issuer, expression).err()
                }
                _ => None,
            };
            let duplicate_subject = pairs[index].1.is_some()
                && pairs.iter().filter(|p| **p == pairs[index]).count() > 1;
            let mut rule = EntraCredential {
                id: RuleId {
                    kind: RuleKind::Entra,
                    file: file.map(str::to_owned),
                    name: credential.name.clone(),
                },
                credential,
                credentials_in_file: count,
                duplicate_subject,
                unusable,
                group: group.clone(),
                lints: Vec::new(),
            };
            rule.lints = rule.compute_lints();
            Ok(Box::new(rule) as Box<dyn Rule>)
        })
        .collect()
}

pub struct EntraCredential {
    id: RuleId,
    credential: Credential,
    credentials_in_file: usize,
    /// Another credential in the file has the same issuer and subject.
    duplicate_subject: bool,
    /// Why the claims expression cannot be used with this issuer, if it cannot.
    unusable: Option<String>,
    group: String,
    lints: Vec<RuleLint>,
}

impl EntraCredential {
    pub fn credential(&self) -> &Credential {
        &self.credential
    }
}

impl Rule for EntraCredential {
    fn id(&self) -> &RuleId {
        &self.id
    }

    fn evaluate(&self, claims: &Claims, now: i64) -> Verdict {
        evaluate::evaluate(self, claims, now)
    }

    fn outcome(&self, claims: &Claims, now: i64) -> crate::trust::Outcome {
        evaluate::outcome(self, claims, now)
    }

    fn reads(&self) -> Option<crate::trust::Reads> {
        Some(evaluate::reads(self))
    }

    fn lints(&self) -> Vec<RuleLint> {
        self.lints.clone()
    }

    fn any_of(&self) -> Option<&str> {
        Some(&self.group)
    }
}

impl EntraCredential {
    fn compute_lints(&self) -> Vec<RuleLint> {
        let credential = &self.credential;
        let mut lints = Vec::new();
        if let Matching::Subject(subject) = &credential.matching
            && subject.contains('*')
        {
            lints.push(RuleLint::new(
                "entra-subject-wildcard-literal",
                Severity::Warning,
                format!("subject {subject:?} contains '*', which classic credentials compare literally (no wildcards in any property); use a flexible credential with 'matches', or one credential per subject"),
            ));
        }
        if self.duplicate_subject {
            lints.push(RuleLint::new(
                "entra-duplicate-subject",
                Severity::Error,
                "another credential in this file has the same issuer and subject; Entra requires the pair to be unique per application",
            ));
        }
        if self.credentials_in_file > MAX_CREDENTIALS {
            lints.push(RuleLint::new(
                "entra-too-many-credentials",
                Severity::Error,
                format!(
                    "{} credentials in this file: Entra allows at most {MAX_CREDENTIALS} per application or user-assigned managed identity",
                    self.credentials_in_file
                ),
            ));
        }
        if let [audience] = credential.audiences.as_slice()
            && audience != DEFAULT_AUDIENCE
        {
            lints.push(RuleLint::new(
                "entra-audience-not-default",
                Severity::Info,
                format!("audience {audience:?} is not {DEFAULT_AUDIENCE:?}, the value Entra documents and azure/login requests"),
            ));
        }
        lints
    }
}

#[cfg(test)]
mod tests;
