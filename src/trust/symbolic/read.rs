//! What each evaluator reads from a token, as languages per claim: the claims a rule looks at,
//! the string tests it makes on them, and whether it reads them as lists. Mirrors the
//! evaluators (`trust::aws`, `trust::vault`, `trust::entra`; `trust::gcp` and
//! `trust::kubernetes` through `cel`) test for test; anything they do
//! that is not a membership test on a top-level string claim is listed as not understood, so
//! that the analysis says "not proved" instead of guessing.

use std::collections::BTreeMap;

use serde_json::Value;

use super::lang::Lang;
use crate::trust::Rule;
use crate::trust::aws::TrustPolicy;
use crate::trust::entra::expression::Operator as EntraOperator;
use crate::trust::entra::{EntraCredential, Matching};
use crate::trust::gcp::GcpProvider;
use crate::trust::kubernetes::JwtAuthenticator;
use crate::trust::resource::ResourceRule;
use crate::trust::vault::VaultRole;

/// How one rule uses one claim.
#[derive(Debug, Clone, Default)]
pub struct ClaimUse {
    pub langs: Vec<Lang>,
    /// Lists must be explored for this claim: a rule reads it as a list, or treats a list
    /// differently from a string.
    pub multi: bool,
    /// What a rule asks of a list of two or more values: for each union of languages, whether
    /// some value is inside it and (unless the flag says the rule only asks "any") whether some
    /// value is outside it. Evaluators read lists only through such any/all tests, so lists
    /// with the same answers get the same verdicts.
    pub list_tests: Vec<(Vec<Lang>, bool)>,
    /// A one-value list is read as its value (AWS `aud`), not as a list.
    pub singleton_is_value: bool,
    /// A string is read as the one-value list of it, and a list only through `list_tests`
    /// (Vault's `normalizeList`, Entra's audiences): a list whose answers are a single
    /// string's answers adds nothing.
    pub transparent: bool,
    /// Values of other JSON types the rule compares the claim with (a Vault bound claim
    /// `true`): explored beside the strings.
    pub extra_values: Vec<Value>,
}

/// What one rule reads from a token.
#[derive(Debug, Clone, Default)]
pub struct Reading {
    pub claims: BTreeMap<String, ClaimUse>,
    /// Conditions outside the analysis, as the user reads them.
    pub not_understood: Vec<String>,
    /// When set: unless `iss` is a string in one of these languages, the rule's outcome is the
    /// same whatever the other claims are (the evaluator settles it on the issuer alone), so
    /// the analysis need not combine the other claims' values for such an issuer.
    pub issuers: Option<Vec<Lang>>,
}

impl Reading {
    pub(super) fn lang(&mut self, claim: &str, lang: Lang) {
        let entry = self.claims.entry(claim.to_owned()).or_default();
        if !entry.langs.contains(&lang) {
            entry.langs.push(lang);
        }
    }

    pub(super) fn touch(&mut self, claim: &str) {
        self.claims.entry(claim.to_owned()).or_default();
    }

    pub(super) fn multi(&mut self, claim: &str) {
        self.claims.entry(claim.to_owned()).or_default().multi = true;
    }

    pub(super) fn list_test(&mut self, claim: &str, langs: &[Lang], any_only: bool) {
        let entry = self.claims.entry(claim.to_owned()).or_default();
        entry.multi = true;
        entry.list_tests.push((langs.to_vec(), any_only));
    }

    /// A value of another JSON type the rule compares the claim with.
    pub(super) fn extra(&mut self, claim: &str, value: Value) {
        let entry = self.claims.entry(claim.to_owned()).or_default();
        if !entry.extra_values.contains(&value) {
            entry.extra_values.push(value);
        }
    }

    pub(super) fn refuse(&mut self, what: String) {
        if !self.not_understood.contains(&what) {
            self.not_understood.push(what);
        }
    }
}

/// What `rule` reads; rules of a kind the analysis does not cover are wholly not understood.
pub fn read(rule: &dyn Rule) -> Reading {
    let any: &dyn std::any::Any = rule;
    if let Some(policy) = any.downcast_ref::<TrustPolicy>() {
        return read_aws(policy);
    }
    if let Some(role) = any.downcast_ref::<VaultRole>() {
        return read_vault(role);
    }
    if let Some(credential) = any.downcast_ref::<EntraCredential>() {
        return read_entra(credential);
    }
    if let Some(resource) = any.downcast_ref::<ResourceRule>() {
        // A rule from infrastructure code reads what the rule built from its values reads;
        // a value known only after apply is never guessed.
        if let (Some(inner), []) = (resource.known_rule(), resource.unknown()) {
            return read(inner);
        }
        let mut reading = Reading::default();
        reading.refuse(format!(
            "{} rule {}: {} known only after apply",
            rule.id().kind.name(),
            rule.id().name,
            resource.unknown().join(", ")
        ));
        return reading;
    }
    if let Some(provider) = any.downcast_ref::<GcpProvider>() {
        return super::cel::read_gcp(provider);
    }
    if let Some(authenticator) = any.downcast_ref::<JwtAuthenticator>() {
        return super::cel::read_kubernetes(authenticator);
    }
    let mut reading = Reading::default();
    reading.refuse(format!(
        "{} rule {}: rules of this kind are outside the symbolic analysis",
        rule.id().kind.name(),
        rule.id().name
    ));
    reading
}

/// AWS (docs/SEMANTICS.md §1): the statement's provider by `iss`, the provider's client IDs
/// against `azp` or `aud`, and each condition key `<provider>:<claim>`, whose prefix must equal
/// the issuer without `https://` ignoring ASCII case and whose `:aud` is `azp` when the token
/// has one.
fn read_aws(policy: &TrustPolicy) -> Reading {
    use crate::trust::aws::symbolic_view::{BaseOp, Principal};
    let mut reading = Reading::default();
    let view = policy.symbolic_view();
    for provider in view.providers {
        reading.lang("iss", Lang::exact(&format!("https://{provider}")));
    }
    let client_ids: Vec<Lang> = view.client_ids.iter().map(|id| Lang::exact(id)).collect();
    for lang in &client_ids {
        reading.lang("azp", lang.clone());
        reading.lang("aud", lang.clone());
    }
    if !client_ids.is_empty() {
        // STS accepts the token when any of its audiences is a client ID.
        reading.list_test("aud", &client_ids, true);
    }
    reading.touch("iss");
    // aws::evaluate: without a string `iss` the policy denies, and when no statement federates
    // with the issuer (`principal_matches`: the URL with or without `https://`) it does not
    // apply; either way before any condition is read. A wildcard principal applies to every
    // issuer.
    let mut issuers = Some(Vec::new());
    for statement in &view.statements {
        match &statement.principal {
            Principal::Federated(urls) => {
                for url in urls.iter() {
                    for lang in [Lang::exact(url), Lang::exact(&format!("https://{url}"))] {
                        reading.lang("iss", lang.clone());
                        if let Some(issuers) = &mut issuers {
                            issuers.push(lang);
                        }
                    }
                }
            }
            Principal::Everyone => issuers = None,
            Principal::Other => {}
        }
        for condition in &statement.conditions {
            let Some(operator) = condition.operator else {
                reading.refuse(format!(
                    "{}: an operator claimcheck does not evaluate",
                    condition.written
                ));
                continue;
            };
            let Some((prefix, claim)) = condition.key.split_once(':') else {
                reading.refuse(format!(
                    "{}: a key the token does not decide",
                    condition.written
                ));
                continue;
            };
            if !prefix.contains('.') && !prefix.contains('/') {
                reading.refuse(format!(
                    "{}: a request key the token does not decide",
                    condition.written
                ));
                continue;
            }
            reading.lang("iss", Lang::issuer_prefix(prefix));
            let claim = claim.to_ascii_lowercase();
            let targets: Vec<&str> = match claim.as_str() {
                "aud" => vec!["azp", "aud"],
                "oaud" => vec!["aud"],
                other => vec![other],
            };
            for target in &targets {
                // A list is a multivalued key: single-valued operators never match it, so lists
                // are explored for every claim a condition reads.
                reading.multi(target);
            }
            let mut langs = Vec::new();
            for value in &condition.values {
                let Some(pieces) = value.pieces else {
                    reading.refuse(format!(
                        "{}: the policy variable in {:?} is not resolved by the analysis",
                        condition.written, value.written
                    ));
                    continue;
                };
                let text: String = crate::trust::aws::symbolic_view::as_text(pieces);
                match operator.base {
                    BaseOp::StringEquals | BaseOp::StringNotEquals => {
                        langs.push(Lang::exact(&text))
                    }
                    BaseOp::StringEqualsIgnoreCase | BaseOp::StringNotEqualsIgnoreCase => {
                        langs.push(Lang::caseless(&text))
                    }
                    BaseOp::StringLike | BaseOp::StringNotLike => {
                        langs.push(Lang::glob(pieces, value.written))
                    }
                    BaseOp::Bool => {
                        if text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false") {
                            langs.push(Lang::ascii_caseless(&text));
                        }
                    }
                    BaseOp::Null => {}
                }
            }
            for target in targets {
                for lang in &langs {
                    reading.lang(target, lang.clone());
                }
                if operator.qualified {
                    reading.list_test(target, &langs, false);
                }
            }
        }
    }
    if let Some(aud) = reading.claims.get_mut("aud") {
        // aws::context: a one-element aud is taken as its element.
        aud.singleton_is_value = true;
    }
    reading.issuers = issuers;
    reading
}

/// A Vault claim name: a top-level key, or a JSON pointer to one (`/name`); deeper pointers
/// are outside the analysis.
fn vault_claim(reading: &mut Reading, name: &str, what: &str) -> Option<String> {
    match name.strip_prefix('/') {
        None => Some(name.to_owned()),
        Some(rest) if !rest.is_empty() && !rest.contains(['/', '~']) => Some(rest.to_owned()),
        Some(_) => {
            reading.refuse(format!("{what} {name:?}: a nested JSON pointer"));
            None
        }
    }
}

/// Vault (docs/SEMANTICS.md §4): `bound_issuer` and `bound_subject` exact, `bound_audiences`
/// any-of against the token's audiences (and an audience refused when none is bound),
/// `bound_claims` exact or go-glob against any of the claim's values, and the presence of the
/// user and groups claims.
fn read_vault(rule: &VaultRole) -> Reading {
    let role = rule.role();
    let mut reading = Reading::default();
    reading.touch("iss");
    reading.touch("sub");
    if let Some(issuer) = &role.bound_issuer {
        reading.lang("iss", Lang::exact(issuer));
    }
    if !role.bound_subject.is_empty() {
        reading.lang("sub", Lang::exact(&role.bound_subject));
    }
    reading.lang("aud", Lang::empty());
    let audiences: Vec<Lang> = role
        .bound_audiences
        .iter()
        .map(|a| Lang::exact(a))
        .collect();
    for lang in &audiences {
        reading.lang("aud", lang.clone());
    }
    reading.list_test("aud", &audiences, true);
    let user_claim = if role.user_claim_json_pointer {
        vault_claim(&mut reading, &role.user_claim, "user_claim")
    } else {
        Some(role.user_claim.clone())
    };
    if let Some(claim) = &user_claim {
        reading.touch(claim);
    }
    if !role.groups_claim.is_empty()
        && let Some(claim) = vault_claim(&mut reading, &role.groups_claim, "groups_claim")
    {
        reading.multi(&claim);
    }
    // Claims Vault also reads as one string: a list there fails where a string passes.
    let mut strings_only: Vec<String> = vec!["iss".into(), "sub".into(), "jti".into()];
    strings_only.extend(user_claim);
    for (source, _) in &role.claim_mappings {
        if let Some(claim) = vault_claim(&mut reading, source, "claim_mappings") {
            reading.touch(&claim);
            strings_only.push(claim);
        }
    }
    for (key, expected) in &role.bound_claims {
        let Some(claim) = vault_claim(&mut reading, key, "bound_claims") else {
            continue;
        };
        let values: Vec<&Value> = match expected {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        let mut langs = Vec::new();
        let mut extra = Vec::new();
        for value in values {
            match value {
                Value::String(text) if role.glob => langs.push(Lang::go_glob(text)),
                Value::String(text) => langs.push(Lang::exact(text)),
                // String mode compares a bool or a number with the token's value of the same
                // type (GoValue::go_equals); glob mode skips them.
                Value::Bool(_) | Value::Number(_) if !role.glob => extra.push(value.clone()),
                Value::Bool(_) | Value::Number(_) => {}
                other => reading.refuse(format!("bound_claims {key:?}: the value {other}")),
            }
        }
        for lang in &langs {
            reading.lang(&claim, lang.clone());
        }
        // matchFound: any bound value against any of the claim's values (normalizeList makes
        // a string the one-value list of it).
        reading.list_test(&claim, &langs, true);
        let entry = reading.claims.entry(claim.clone()).or_default();
        entry.transparent = !strings_only.contains(&claim);
        for value in extra {
            if !entry.extra_values.contains(&value) {
                entry.extra_values.push(value);
            }
        }
    }
    reading
}

/// Entra (docs/SEMANTICS.md §3): issuer and subject exact, or the flexible expression's
/// `eq`/`matches` clauses on string claims, and the audience among the token's audiences.
fn read_entra(rule: &EntraCredential) -> Reading {
    let credential = rule.credential();
    let mut reading = Reading::default();
    reading.lang("iss", Lang::exact(&credential.issuer));
    // entra::evaluate::outcome: an `iss` other than the issuer (a missing or non-string one
    // reads as "", which a non-empty issuer never equals) is refused whatever else.
    if !credential.issuer.is_empty() {
        reading.issuers = Some(vec![Lang::exact(&credential.issuer)]);
    }
    match &credential.matching {
        Matching::Subject(subject) => reading.lang("sub", Lang::exact(subject)),
        Matching::Expression(Ok(expression)) => {
            for clause in &expression.clauses {
                let lang = match clause.operator {
                    EntraOperator::Eq => Lang::exact(&clause.comparand),
                    EntraOperator::Matches => Lang::star_question(&clause.comparand),
                };
                reading.lang(&clause.claim, lang);
            }
        }
        Matching::Expression(Err(error)) => {
            reading.refuse(format!("credential {}: {}", credential.name, error.message));
        }
    }
    let audience: Vec<Lang> = credential
        .audiences
        .iter()
        .take(1)
        .map(|a| Lang::exact(a))
        .collect();
    for lang in &audience {
        reading.lang("aud", lang.clone());
    }
    reading.list_test("aud", &audience, true);
    if let Some(aud) = reading.claims.get_mut("aud") {
        // A string audience is compared as the one audience; a list by "contains".
        aud.transparent = true;
    }
    reading
}
