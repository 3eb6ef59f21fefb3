//! Deciding for one token (or claim set): every rule evaluated against it, then the one
//! decision of `report::decision` over the signature, the times and the verdicts.

use crate::report::PayloadView;
use crate::report::check::{CheckDocument, CheckSubject};
use crate::report::decision::SignatureRole;
use crate::trust::{Rule, Verdict};

/// The document `claimcheck check` prints: `subject` against `rules` at `now`.
pub fn check_document(
    subject: CheckSubject,
    rules: &[Box<dyn Rule>],
    role: SignatureRole,
    now: i64,
) -> CheckDocument {
    let (claims, header) = match &subject {
        CheckSubject::Token(token) => (token.claims.as_ref(), Some(&token.header)),
        CheckSubject::Claims(doc) => (Some(&doc.claims), doc.header.as_ref()),
    };
    let verdicts = rules
        .iter()
        .map(|rule| match (claims, header) {
            (Some(claims), Some(header)) => rule.evaluate_with_header(header, claims, now),
            (Some(claims), None) => rule.evaluate(claims, now),
            (None, _) => Verdict::without_claims(rule.as_ref(), &payload_description(&subject)),
        })
        .collect();
    let any_of: Vec<Option<&str>> = rules.iter().map(|rule| rule.any_of()).collect();
    CheckDocument::decided(subject, role, &any_of, verdicts)
}

/// What a token without claims carries instead, for its verdicts.
fn payload_description(subject: &CheckSubject) -> String {
    match subject {
        CheckSubject::Token(token) => match &token.payload {
            Some(PayloadView::Text(_)) => "a payload of text, not a JSON object".to_owned(),
            Some(PayloadView::Base64url(_)) => "a payload of bytes that are not text".to_owned(),
            None => "no readable payload".to_owned(),
        },
        CheckSubject::Claims(_) => "claims".to_owned(),
    }
}
