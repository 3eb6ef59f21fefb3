//! The document `check --json` prints: the decode document's fields (or, for a what-if, the bare
//! claims), then `decision` (the one answer, [`super::decision`]) and `verdicts`, one per rule, in
//! the schema of [`crate::trust::verdict`].

use serde::Serialize;

use super::decision::{Decision, SignatureRole, Subject, decide};
use super::{SCHEMA_VERSION, SignatureReport, TokenDocument};
use crate::token::Claims;
use crate::token::dump::{Dump, DumpShape};
use crate::token::time::{TimeReport, time_status};
use crate::trust::Verdict;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckDocument {
    #[serde(flatten)]
    pub subject: CheckSubject,
    pub decision: Decision,
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
    /// The JOSE header a decoded dump carried (`gitpod idp token --decode`, jwt-cli, step,
    /// jwt.io's panes): rules that check the header (Vault's `alg`) see it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<Claims>,
    /// What the claims were read from, when it was a tool's decoded dump.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dump: Option<DumpShape>,
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
            header: None,
            dump: None,
            signature: SignatureReport::not_checked(
                "what-if: bare claims, no token and no signature",
            ),
        }
    }

    /// The claims (and header) of a decoded dump; SIMULATED like any what-if, since nothing
    /// shows that a signature covered them.
    pub fn from_dump(dump: Dump, source: String, now: i64, leeway_secs: i64) -> ClaimsDocument {
        let mut document = ClaimsDocument::new(dump.claims, source, now, leeway_secs);
        if dump.shape != DumpShape::Claims {
            document.signature = SignatureReport::not_checked(format!(
                "what-if: claims from {}, not a token; no signature covers them",
                dump.shape.description()
            ));
            document.dump = Some(dump.shape);
        }
        document.header = dump.header;
        document
    }
}

impl CheckDocument {
    /// The document for `subject` and the rules' verdicts on it, with the decision made and the
    /// verdicts adjusted by it (a failed signature refuses every rule). `signature_role` says
    /// whether the signature is part of the question (not for a what-if or `--no-verify`);
    /// `any_of` pairs each verdict with its rule's alternatives key.
    pub fn decided(
        subject: CheckSubject,
        signature_role: SignatureRole,
        any_of: &[Option<&str>],
        mut verdicts: Vec<Verdict>,
    ) -> CheckDocument {
        let (signature, time) = match &subject {
            CheckSubject::Token(doc) => (&doc.signature, &doc.time),
            CheckSubject::Claims(doc) => (&doc.signature, &doc.time),
        };
        let role = match &subject {
            CheckSubject::Claims(_) => SignatureRole::NotRequired,
            CheckSubject::Token(_) => signature_role,
        };
        let decision = decide(
            Subject {
                signature,
                role,
                time,
            },
            any_of,
            &mut verdicts,
        );
        CheckDocument {
            subject,
            decision,
            verdicts,
        }
    }

    pub fn claims(&self) -> Option<&Claims> {
        match &self.subject {
            CheckSubject::Token(doc) => doc.claims.as_ref(),
            CheckSubject::Claims(doc) => Some(&doc.claims),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn what_if_document_is_marked_and_flattened() {
        let claims = json!({"sub": "x", "exp": 100}).as_object().unwrap().clone();
        let doc = CheckDocument::decided(
            CheckSubject::Claims(ClaimsDocument::new(claims, "argument".into(), 50, 0)),
            SignatureRole::Required,
            &[],
            Vec::new(),
        );
        let value = serde_json::to_value(&doc).unwrap();
        assert_eq!(value["schema"], 1);
        assert_eq!(value["form"], "claims");
        assert_eq!(value["simulated"], true);
        assert_eq!(value["signature"]["status"], "not_checked");
        assert_eq!(value["verdicts"], json!([]));
        assert_eq!(value["decision"]["signature"], "not_required");
    }
}
