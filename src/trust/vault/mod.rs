//! HashiCorp Vault JWT auth roles (`hashicorp/vault-plugin-auth-jwt`), evaluated in the plugin's
//! login order with its own messages (docs/SEMANTICS.md §4).
//!
//! Public face: [`detect`] and [`parse`] (the rule-file loader's contract) and [`VaultRole`], a
//! [`Rule`]. Input: `vault read -format=json auth/<mount>/role/<name>` output or the bare role
//! body, with the mount config's optional `bound_issuer` accepted in the same document.
//!
//! The token's `alg` header is checked against the mount's `jwt_supported_algs` by
//! `Rule::evaluate_with_header`; plain `Rule::evaluate` (claims without a header) says it skipped it.
//! Not evaluated here, and said so in every verdict: the signature (the `keys` module does that)
//! and `token_bound_cidrs` (the client address is unknown).

mod decide;
mod evaluate;
mod hints;
mod role;
mod time;
mod value;

use std::path::Path;

use serde_json::Value;

use crate::token::Claims;
use crate::token::lint::Severity;
use crate::trust::{Rule, RuleId, RuleKind, RuleLint, Verdict};

pub use role::Role;

/// True when the document looks like a Vault JWT role (at least two role-only fields, at the top
/// level or under `data`).
pub fn detect(doc: &Value) -> bool {
    role::role_body(doc).is_some()
}

/// One rule per document: the role. `file` names the rule (its stem) and is kept for display.
pub fn parse(doc: &Value, file: Option<&str>) -> Result<Vec<Box<dyn Rule>>, String> {
    let role = role::parse_role(doc)?;
    let bound_expected = role
        .bound_claims
        .iter()
        .map(|(_, v)| value::GoValue::from_role(v).and_then(|g| g.normalize_list()))
        .collect();
    let lints = role_lints(&role);
    let name = file.and_then(|f| Path::new(f).file_stem()).map_or_else(
        || "vault role".to_owned(),
        |s| s.to_string_lossy().into_owned(),
    );
    Ok(vec![Box::new(VaultRole {
        id: RuleId {
            kind: RuleKind::Vault,
            file: file.map(str::to_owned),
            name,
        },
        role,
        bound_expected,
        lints,
    })])
}

pub struct VaultRole {
    id: RuleId,
    role: Role,
    /// Each bound claim's values as the plugin normalises them (`None`: not normalisable).
    bound_expected: Vec<Option<Vec<value::GoValue>>>,
    lints: Vec<RuleLint>,
}

impl VaultRole {
    pub fn role(&self) -> &Role {
        &self.role
    }

    fn bound_expected(&self) -> &[Option<Vec<value::GoValue>>] {
        &self.bound_expected
    }
}

impl Rule for VaultRole {
    fn id(&self) -> &RuleId {
        &self.id
    }

    fn evaluate(&self, claims: &Claims, now: i64) -> Verdict {
        evaluate::evaluate(self, None, claims, now)
    }

    fn evaluate_with_header(&self, header: &Claims, claims: &Claims, now: i64) -> Verdict {
        let alg = header
            .get("alg")
            .map_or("", |alg| alg.as_str().unwrap_or(""));
        evaluate::evaluate(self, Some(alg), claims, now)
    }

    fn outcome(&self, claims: &Claims, now: i64) -> crate::trust::Outcome {
        decide::outcome(self, claims, now)
    }

    fn lints(&self) -> Vec<RuleLint> {
        self.lints.clone()
    }
}

fn role_lints(role: &Role) -> Vec<RuleLint> {
    let mut lints = Vec::new();
    if role.role_type.as_deref() != Some("jwt") {
        lints.push(RuleLint::new(
            "vault-role-type-not-jwt",
            Severity::Error,
            match &role.role_type {
                Some(other) => format!("role_type is {other:?}: JWT login (auth/<mount>/login with a jwt) requires role_type=jwt"),
                None => "role_type is not set: Vault stores such a role as \"oidc\", and JWT login requires role_type=jwt".to_owned(),
            },
        ));
    }
    if role.bound_audiences.is_empty() {
        lints.push(RuleLint::new(
            "vault-no-bound-audiences",
            Severity::Warning,
            "no bound_audiences: any token that carries an aud claim is refused, and a token without aud is accepted whoever it was minted for; bind the audience your CI job requests",
        ));
    }
    if role.glob {
        for (key, value) in &role.bound_claims {
            let patterns = crate::trust::strings::strings_in(Some(value));
            if patterns.iter().any(|p| p.chars().all(|c| c == '*')) {
                lints.push(RuleLint::new(
                    "vault-glob-matches-anything",
                    Severity::Warning,
                    format!("bound claim {key:?} has the glob \"*\", which admits any string value: it only checks that the claim is present"),
                ));
            }
        }
    }
    lints
}

#[cfg(test)]
mod tests;
