//! What verification concluded: verified (by which key, from where, fetched
//! when), not checked (and why), or failed (the precise reason). Never "valid" unless checked.

use std::fmt;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Verified,
    NotChecked,
    Failed,
}

/// The reason as a stable code for scripts; the sentence beside it is for people.
///
/// `failed` is kept for definite answers, ones the issuer's real verifier would give too;
/// anything that stopped claimcheck from looking at the signature is `not_checked`, so a DNS
/// failure is never mistaken for a forged token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    Verified,
    // not checked
    Encrypted,
    NoIssuer,
    IssuerNotUrl,
    UnsupportedAlgorithm,
    UnsupportedKey,
    SecretNeeded,
    Offline,
    /// The payload is not base64url-encoded (`b64: false`, RFC 7797).
    UnencodedPayload,
    /// The key source's host name did not resolve.
    Dns,
    /// The key source did not accept a connection (refused, unreachable, reset).
    Connect,
    /// The TLS handshake failed (certificate not trusted, wrong name, protocol error).
    Tls,
    /// The verification's time budget (`--timeout`) ran out.
    Timeout,
    /// The key source answered with an HTTP error status.
    HttpStatus,
    /// The discovery document or key set is over the size cap.
    TooLarge,
    /// The discovery document or key set is not JSON, or not the document it should be.
    BadDocument,
    /// The HTTP policy refused a URL before requesting it (plain http, a redirect to http).
    Refused,
    /// A network failure of another kind (the connection dropped mid-response …).
    Network,
    /// A key set file could not be read.
    KeyFile,
    // failed
    Unsigned,
    MissingSignature,
    BadSignature,
    UnknownKid,
    KeyMismatch,
    NoSuitableKey,
    DiscoveryIssuerMismatch,
    /// The only keys for the token are RSA keys under 2048 bits (RFC 7518 §3.3, §3.5).
    KeyTooSmall,
    /// `crit` names an extension claimcheck does not understand, or is malformed (RFC 7515
    /// §4.1.11): a conforming verifier rejects the token.
    CriticalHeader,
}

impl Cause {
    pub fn status(self) -> Status {
        match self {
            Cause::Verified => Status::Verified,
            Cause::Encrypted
            | Cause::NoIssuer
            | Cause::IssuerNotUrl
            | Cause::UnsupportedAlgorithm
            | Cause::UnsupportedKey
            | Cause::SecretNeeded
            | Cause::Offline
            | Cause::UnencodedPayload
            | Cause::Dns
            | Cause::Connect
            | Cause::Tls
            | Cause::Timeout
            | Cause::HttpStatus
            | Cause::TooLarge
            | Cause::BadDocument
            | Cause::Refused
            | Cause::Network
            | Cause::KeyFile => Status::NotChecked,
            Cause::Unsigned
            | Cause::MissingSignature
            | Cause::BadSignature
            | Cause::UnknownKid
            | Cause::KeyMismatch
            | Cause::NoSuitableKey
            | Cause::DiscoveryIssuerMismatch
            | Cause::KeyTooSmall
            | Cause::CriticalHeader => Status::Failed,
        }
    }

    /// Whether the key source could not be reached or read: the view says "could not reach"
    /// for these rather than anything about the token.
    pub fn is_unreachable(self) -> bool {
        matches!(
            self,
            Cause::Dns
                | Cause::Connect
                | Cause::Tls
                | Cause::Timeout
                | Cause::HttpStatus
                | Cause::TooLarge
                | Cause::BadDocument
                | Cause::Refused
                | Cause::Network
        )
    }
}

/// Where the verifying key came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "location", rename_all = "snake_case")]
pub enum KeySource {
    /// A key set fetched over HTTP(S) (directly or from the on-disk cache).
    Url(String),
    /// A key set read from a file (`--jwks FILE`, `--jwks-for ISSUER=FILE`).
    File(String),
    /// A key set held in memory, named by its label (the bundled demo keys).
    Inline(String),
    /// The shared secret the user gave (`--secret`, `--secret-file`, `--secret-base64`).
    Secret(String),
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::Url(url) => f.write_str(url),
            KeySource::File(path) => write!(f, "file {path}"),
            KeySource::Inline(label) => f.write_str(label),
            KeySource::Secret(flag) => write!(f, "the secret from {flag}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub status: Status,
    pub cause: Cause,
    /// One sentence: for verified, which key from where; otherwise what went wrong.
    pub reason: String,
    pub alg: Option<String>,
    /// The `kid` of the key that verified (or the token's, when none did).
    pub kid: Option<String>,
    pub key_source: Option<KeySource>,
    /// When the key set was fetched (Unix seconds), for keys that came over HTTP.
    pub fetched_at: Option<i64>,
    /// Whether the keys came from the on-disk cache rather than a request made now.
    pub from_cache: bool,
    /// Keys set aside and headers ignored, one line each.
    pub notes: Vec<String>,
}

impl Outcome {
    pub fn new(cause: Cause, reason: impl Into<String>) -> Outcome {
        Outcome {
            status: cause.status(),
            cause,
            reason: reason.into(),
            alg: None,
            kid: None,
            key_source: None,
            fetched_at: None,
            from_cache: false,
            notes: Vec::new(),
        }
    }
}
