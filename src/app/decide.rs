//! Deciding for one token (or claim set): every rule evaluated against it, then the one
//! decision of `report::decision` over the signature, the times and the verdicts. `check` and
//! the interactive view both decide here, so they cannot give different answers for the same
//! token, rules and settings; the view only adds what is its own (it shows the verdicts before
//! the signature is known, and a what-if's claims replace the token's).

use crate::report::check::{CheckDocument, CheckSubject};
use crate::report::decision::{Decision, SignatureRole, Subject, decide};
use crate::report::{PayloadView, SignatureReport};
use crate::token::Claims;
use crate::token::time::TimeReport;
use crate::trust::{Rule, Verdict};

/// What the rules read: the claims, and the token's JOSE header when there is a token.
#[derive(Clone, Copy)]
pub struct Read<'a> {
    /// `None` for a token whose payload is not a claim set: every rule refuses it.
    pub claims: Option<&'a Claims>,
    /// `None` for bare claims (a what-if given as JSON), which have no header.
    pub header: Option<&'a Claims>,
    /// What the payload is when it is not a claim set (see [`no_claims`]).
    pub payload: Option<&'a PayloadView>,
}

/// Every rule's verdict, in the order of `rules`.
pub fn verdicts<'r>(
    rules: impl IntoIterator<Item = &'r dyn Rule>,
    read: Read<'_>,
    now: i64,
) -> Vec<Verdict> {
    rules
        .into_iter()
        .map(|rule| match (read.claims, read.header) {
            (Some(claims), Some(header)) => rule.evaluate_with_header(header, claims, now),
            (Some(claims), None) => rule.evaluate(claims, now),
            (None, _) => Verdict::without_claims(rule, &no_claims(read.payload)),
        })
        .collect()
}

/// The one answer over the signature, the time and `verdicts` (the verdicts of `rules`, in
/// order), which it adjusts: a failed signature refuses every rule.
pub fn decision<'r>(
    rules: impl IntoIterator<Item = &'r dyn Rule>,
    signature: &SignatureReport,
    role: SignatureRole,
    time: &TimeReport,
    verdicts: &mut [Verdict],
) -> Decision {
    let any_of: Vec<Option<&str>> = rules.into_iter().map(|rule| rule.any_of()).collect();
    decide(
        Subject {
            signature,
            role,
            time,
        },
        &any_of,
        verdicts,
    )
}

/// The document `claimcheck check` prints: `subject` against `rules` at `now`.
pub fn check_document(
    subject: CheckSubject,
    rules: &[Box<dyn Rule>],
    role: SignatureRole,
    now: i64,
) -> CheckDocument {
    let read = match &subject {
        CheckSubject::Token(token) => Read {
            claims: token.claims.as_ref(),
            header: Some(&token.header),
            payload: token.payload.as_ref(),
        },
        CheckSubject::Claims(doc) => Read {
            claims: Some(&doc.claims),
            header: doc.header.as_ref(),
            payload: None,
        },
    };
    let verdicts = verdicts(rules.iter().map(AsRef::as_ref), read, now);
    let any_of: Vec<Option<&str>> = rules.iter().map(|rule| rule.any_of()).collect();
    CheckDocument::decided(subject, role, &any_of, verdicts)
}

/// What a token without claims carries instead, for its verdicts.
fn no_claims(payload: Option<&PayloadView>) -> String {
    match payload {
        Some(PayloadView::Text(_)) => "a payload of text, not a JSON object".to_owned(),
        Some(PayloadView::Base64url(_)) => "a payload of bytes that are not text".to_owned(),
        None => "no readable payload".to_owned(),
    }
}
