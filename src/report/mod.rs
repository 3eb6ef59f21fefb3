//! The view model shared by the CLI and the TUI, and the one serde schema behind `--json`.
//!
//! Public face: [`TokenDocument`] (what `decode --json` prints), [`check::CheckDocument`] (what
//! `check --json` prints), [`ErrorDocument`], and
//! [`timefmt`] for durations and instants as people read them.

pub mod check;
pub mod timefmt;

use serde::Serialize;

use crate::token::lint::{Lint, lint_token};
use crate::token::time::{TimeReport, TimeStatus, time_status};
use crate::token::{Claims, Form, FoundVia, Token};

/// Version of the JSON documents; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// The state of the signature, never "valid" unless it was checked (DESIGN.md §2).
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
}

impl SignatureReport {
    /// What `decode` reports: it reads tokens, it does not verify them.
    pub fn not_checked_by_decode(token: &Token) -> SignatureReport {
        let reason = match token.form() {
            Form::Unsecured => "the token is unsigned (alg none): there is nothing to verify",
            Form::Encrypted => "the token is encrypted (JWE); its signature, if any, is inside",
            Form::Signed => "decode does not verify signatures; run `claimcheck verify`",
        };
        SignatureReport {
            status: SignatureStatus::NotChecked,
            reason: reason.to_owned(),
        }
    }
}

/// Everything known about one token: `decode --json` prints exactly this.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenDocument {
    pub schema: u32,
    /// Where the input came from: `argument`, `stdin`, or `file:PATH`.
    pub source: String,
    pub found_via: FoundVia,
    pub form: Form,
    pub header: Claims,
    /// `null` for an encrypted token.
    pub claims: Option<Claims>,
    pub time: TimeReport,
    pub lints: Vec<Lint>,
    pub signature: SignatureReport,
}

impl TokenDocument {
    pub fn new(token: &Token, source: String, now: i64, leeway_secs: i64) -> TokenDocument {
        let time = match token.claims() {
            Some(claims) => time_status(claims, now, leeway_secs),
            None => {
                let mut unknown = time_status(&Claims::new(), now, leeway_secs);
                unknown.status = TimeStatus::Unknown;
                unknown
            }
        };
        TokenDocument {
            schema: SCHEMA_VERSION,
            source,
            found_via: token.found_via().clone(),
            form: token.form(),
            header: token.header().clone(),
            claims: token.claims().cloned(),
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
