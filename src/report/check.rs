//! The document `check --json` prints: the decode document's fields (or, for a what-if, the bare
//! claims), then `verdicts`, one per rule, in the schema of [`crate::trust::verdict`].

use serde::Serialize;

use super::{SCHEMA_VERSION, SignatureReport, TokenDocument};
use crate::token::Claims;
use crate::token::time::{TimeReport, time_status};
use crate::trust::{Outcome, Verdict};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckDocument {
    #[serde(flatten)]
    pub subject: CheckSubject,
    pub verdicts: Vec<Verdict>,
}

/// What was checked: a token, or claims given as a JSON object (a what-if, never signed).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum CheckSubject {
    Token(TokenDocument),
    Claims(ClaimsDocument),
}

/// Bare claims evaluated as if a token carried them. `simulated` is always true and `form` is
/// `"claims"`, so a reader cannot mistake it for a token.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaimsDocument {
    pub schema: u32,
    pub source: String,
    pub form: &'static str,
    pub simulated: bool,
    pub claims: Claims,
    pub time: TimeReport,
    pub signature: SignatureReport,
}

impl ClaimsDocument {
    pub fn new(claims: Claims, source: String, now: i64, leeway_secs: i64) -> ClaimsDocument {
        ClaimsDocument {
            schema: SCHEMA_VERSION,
            source,
            form: "claims",
            simulated: true,
            time: time_status(&claims, now, leeway_secs),
            claims,
            signature: SignatureReport::not_checked(
                "what-if: bare claims, no token and no signature",
            ),
        }
    }
}

impl CheckDocument {
    pub fn claims(&self) -> Option<&Claims> {
        match &self.subject {
            CheckSubject::Token(doc) => doc.claims.as_ref(),
            CheckSubject::Claims(doc) => Some(&doc.claims),
        }
    }

    /// Any rule denies → a definite "no"; otherwise any rule that could not be evaluated.
    pub fn worst_outcome(&self) -> Option<Outcome> {
        let has = |o: Outcome| self.verdicts.iter().any(|v| v.outcome == o);
        [
            Outcome::Denied,
            Outcome::Error,
            Outcome::Allowed,
            Outcome::NotApplicable,
        ]
        .into_iter()
        .find(|o| has(*o))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn what_if_document_is_marked_and_flattened() {
        let claims = json!({"sub": "x", "exp": 100}).as_object().unwrap().clone();
        let doc = CheckDocument {
            subject: CheckSubject::Claims(ClaimsDocument::new(claims, "argument".into(), 50, 0)),
            verdicts: Vec::new(),
        };
        let value = serde_json::to_value(&doc).unwrap();
        assert_eq!(value["schema"], 1);
        assert_eq!(value["form"], "claims");
        assert_eq!(value["simulated"], true);
        assert_eq!(value["signature"]["status"], "not_checked");
        assert_eq!(value["verdicts"], json!([]));
        assert_eq!(doc.worst_outcome(), None);
    }
}
