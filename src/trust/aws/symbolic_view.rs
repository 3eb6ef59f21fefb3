//! A read-only view of a trust policy for the symbolic analysis (`trust::symbolic`): what each
//! statement tests, in the evaluator's own parsed form, so the analysis reads exactly what the
//! evaluator evaluates; and the evaluator's answers of the conditions on one claim, by which
//! the analysis groups that claim's values.

pub use super::condition::BaseOp;
use super::condition::{Tri, evaluate_key};
use super::context::{TokenContext, split_key};
use super::document::Principal as DocumentPrincipal;
use super::evaluate::TrustPolicy;
pub use super::pattern::as_text;
use crate::token::Claims;
pub use crate::trust::wildcard::Piece;

pub enum Principal<'a> {
    /// `"*"` or `{"AWS": "*"}`: every issuer.
    Everyone,
    /// The provider URLs (without `https://`) a `Principal.Federated` names.
    Federated(&'a [String]),
    /// No federated caller.
    Other,
}

#[derive(Clone, Copy)]
pub struct OperatorView {
    pub base: BaseOp,
    /// `ForAnyValue:` or `ForAllValues:`.
    pub qualified: bool,
}

pub struct ValueView<'a> {
    pub written: &'a str,
    /// The value's pieces; `None` when it holds policy variables.
    pub pieces: Option<&'a [Piece]>,
}

pub struct ConditionView<'a> {
    /// `StringLike token.actions.githubusercontent.com:sub`.
    pub written: &'a str,
    pub key: &'a str,
    /// `None`: an operator the evaluator does not evaluate (it answers "unknown").
    pub operator: Option<OperatorView>,
    pub values: Vec<ValueView<'a>>,
}

pub struct StatementView<'a> {
    pub principal: Principal<'a>,
    pub conditions: Vec<ConditionView<'a>>,
}

pub struct PolicyView<'a> {
    pub statements: Vec<StatementView<'a>>,
    /// The URLs of the provider documents given beside the policy.
    pub providers: Vec<&'a str>,
    /// Every client ID of those documents.
    pub client_ids: Vec<&'a str>,
}

impl TrustPolicy {
    pub fn symbolic_view(&self) -> PolicyView<'_> {
        let statements = self
            .document()
            .statements
            .iter()
            .map(|statement| StatementView {
                principal: match &statement.principal {
                    DocumentPrincipal::Everyone(_) => Principal::Everyone,
                    DocumentPrincipal::Federated(_) => {
                        Principal::Federated(&statement.provider_urls)
                    }
                    DocumentPrincipal::Other(_) => Principal::Other,
                },
                conditions: statement
                    .conditions
                    .iter()
                    .map(|entry| ConditionView {
                        written: entry.written(),
                        key: &entry.key,
                        operator: entry.operator.as_ref().ok().map(|op| OperatorView {
                            base: op.base,
                            qualified: op.qualifier.is_some(),
                        }),
                        values: entry
                            .values
                            .iter()
                            .map(|value| ValueView {
                                written: &value.written,
                                pieces: value.template.fixed_pieces(),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        PolicyView {
            statements,
            providers: self.providers().iter().map(|p| p.url.as_str()).collect(),
            client_ids: self
                .providers()
                .iter()
                .flat_map(|p| p.client_ids.iter().map(String::as_str))
                .collect(),
        }
    }
}

impl TrustPolicy {
    /// The answers, in the evaluator's own terms (`condition::evaluate_key`), of every
    /// condition whose key names `claim`, for a token whose value of `claim` is the one in
    /// `claims`; each condition is asked under its own key prefix, since under any other issuer
    /// the key is absent whatever the value is.
    ///
    /// `None` when the outcome may depend on `claim` otherwise: a policy variable (it reads
    /// other claims into a condition's values), or a claim the evaluator reads outside the
    /// conditions (`iss` for the principal, `aud` and `azp` for the client IDs and the `:aud`
    /// key, `exp` for expiry; `oaud` reads `aud`). Otherwise the policy's outcome depends on
    /// `claim` only through these answers (`Evaluation::run`: the issuer, the client-ID and
    /// expiry checks, and each statement's AND of its conditions' answers).
    pub fn condition_answers(&self, claim: &str, claims: &Claims) -> Option<Vec<Tri>> {
        if matches!(
            claim,
            "iss" | "aud" | "azp" | "oaud" | "exp" | "nbf" | "iat"
        ) || claim.bytes().any(|b| b.is_ascii_uppercase())
        {
            return None;
        }
        let entries = || {
            self.document()
                .statements
                .iter()
                .flat_map(|s| &s.conditions)
        };
        if entries()
            .flat_map(|entry| &entry.values)
            .any(|value| value.template.has_variables())
        {
            return None;
        }
        let mut answers = Vec::new();
        for entry in entries() {
            let Some((prefix, key_claim)) = split_key(&entry.key) else {
                continue;
            };
            if !key_claim.eq_ignore_ascii_case(claim) {
                continue;
            }
            // An operator the evaluator does not evaluate answers "unknown" for every value.
            let Ok(operator) = entry.operator else {
                continue;
            };
            let context = TokenContext::new(prefix, claims);
            answers.push(evaluate_key(operator, &entry.parsed_key, &entry.values, &context).result);
        }
        Some(answers)
    }
}
