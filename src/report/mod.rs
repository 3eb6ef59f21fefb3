//! The view model shared by the CLI and the TUI, and the one serde schema behind `--json`.
//!
//! Public face: [`TokenDocument`] (what `decode --json` prints), [`check::CheckDocument`] (what
//! `check --json` prints), [`decision`] (the one answer per token: signature, time, rules),
//! [`ErrorDocument`], and [`timefmt`] for durations and instants as people read them.

pub(crate) mod check;
pub mod decision;
pub mod timefmt;
pub mod wrap;

use serde::Serialize;

use crate::keys::{Cause, KeySource, Outcome, Status};
use crate::token::lint::{Lint, lint_token};
use crate::token::time::{TimeReport, TimeStatus, time_status};
use crate::token::{Claims, Form, FoundVia, Token};

/// Version of the JSON documents; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// The state of the signature, never "valid" unless it was checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureStatus {
    Verified,
    NotChecked,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignatureReport {
    pub status: SignatureStatus,
    pub reason: String,
    /// A stable code for the reason (`bad_signature`, `unknown_kid`, `offline` …); set by `verify`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Cause>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// The key set's URL or file (or the secret's option) the verdict was reached with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_source: Option<KeySource>,
    /// When the key set was fetched (Unix seconds); only for keys that came over HTTP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_cache: Option<bool>,
    /// Keys set aside and token headers ignored, one sentence each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl From<&Outcome> for SignatureReport {
    fn from(outcome: &Outcome) -> SignatureReport {
        let status = match outcome.status {
            Status::Verified => SignatureStatus::Verified,
            Status::NotChecked => SignatureStatus::NotChecked,
            Status::Failed => SignatureStatus::Failed,
        };
        SignatureReport {
            status,
            reason: outcome.reason.clone(),
            code: Some(outcome.cause),
            alg: outcome.alg.clone(),
            kid: outcome.kid.clone(),
            key_source: outcome.key_source.clone(),
            fetched_at: outcome.fetched_at,
            from_cache: outcome.fetched_at.map(|_| outcome.from_cache),
            notes: outcome.notes.clone(),
        }
    }
}

impl SignatureReport {
    pub fn not_checked(reason: impl Into<String>) -> SignatureReport {
        SignatureReport {
            status: SignatureStatus::NotChecked,
            reason: reason.into(),
            code: None,
            alg: None,
            kid: None,
            key_source: None,
            fetched_at: None,
            from_cache: None,
            notes: Vec::new(),
        }
    }

    /// What `decode` reports: it reads tokens, it does not verify them.
    pub fn not_checked_by_decode(token: &Token) -> SignatureReport {
        let reason = match token.form() {
            Form::Unsecured => "the token is unsigned (alg none): there is nothing to verify",
            Form::Encrypted => "the token is encrypted (JWE); its signature, if any, is inside",
            Form::Signed => "decode does not verify signatures; run `claimcheck verify`",
        };
        SignatureReport::not_checked(reason)
    }
}

/// A JWS payload that is not a claim set, as it can be shown: the text when it is UTF-8,
/// else its base64url.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PayloadView {
    Text(String),
    Base64url(String),
}

impl PayloadView {
    pub fn of(bytes: &[u8]) -> PayloadView {
        use base64::Engine;
        match std::str::from_utf8(bytes) {
            Ok(text) => PayloadView::Text(text.to_owned()),
            Err(_) => PayloadView::Base64url(
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
            ),
        }
    }
}

/// Everything known about one token: `decode --json` prints exactly this.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenDocument {
    pub schema: u32,
    /// Where the input came from: `argument`, `stdin`, `file:PATH`, or the `--from` source it
    /// was fetched from in canonical form (`github`, `exec:cat t.jwt`, …).
    pub source: String,
    pub found_via: FoundVia,
    pub form: Form,
    pub header: Claims,
    /// `null` for an encrypted token and for a payload that is not a JSON object.
    pub claims: Option<Claims>,
    /// The payload, only when it is not a claim set (RFC 7515 A.4 signs the text "Payload").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<PayloadView>,
    pub time: TimeReport,
    pub lints: Vec<Lint>,
    pub signature: SignatureReport,
}

/// A token's time against `now`; `unknown` when it has no claims to read times from (encrypted,
/// or a payload that is not a claim set).
pub fn token_time(claims: Option<&Claims>, now: i64, leeway_secs: i64) -> TimeReport {
    match claims {
        Some(claims) => time_status(claims, now, leeway_secs),
        None => {
            let mut unknown = time_status(&Claims::new(), now, leeway_secs);
            unknown.status = TimeStatus::Unknown;
            unknown
        }
    }
}

impl TokenDocument {
    pub fn new(token: &Token, source: String, now: i64, leeway_secs: i64) -> TokenDocument {
        let time = token_time(token.claims(), now, leeway_secs);
        TokenDocument {
            schema: SCHEMA_VERSION,
            source,
            found_via: token.found_via().clone(),
            form: token.form(),
            header: token.header().clone(),
            claims: token.claims().cloned(),
            payload: token.other_payload().map(|p| PayloadView::of(&p.bytes)),
            time,
            lints: lint_token(token),
            signature: SignatureReport::not_checked_by_decode(token),
        }
    }
}

/// What every `--json` command prints when its input could not be used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorDocument {
    pub schema: u32,
    pub error: ErrorBody,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorBody {
    pub kind: String,
    pub message: String,
}

impl ErrorDocument {
    pub fn new(kind: impl Into<String>, message: impl Into<String>) -> ErrorDocument {
        ErrorDocument {
            schema: SCHEMA_VERSION,
            error: ErrorBody {
                kind: kind.into(),
                message: message.into(),
            },
        }
    }
}
