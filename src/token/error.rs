//! Why a piece of input could not be decoded as a token.

use std::fmt;

use serde::Serialize;

/// Which part of a compact token an error or finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Segment {
    Header,
    Payload,
    Signature,
    EncryptedKey,
    Iv,
    Ciphertext,
    Tag,
}

impl Segment {
    /// The segments of a JWS (3) and a JWE (5), in order.
    pub const JWS: [Segment; 3] = [Segment::Header, Segment::Payload, Segment::Signature];
    pub const JWE: [Segment; 5] = [
        Segment::Header,
        Segment::EncryptedKey,
        Segment::Iv,
        Segment::Ciphertext,
        Segment::Tag,
    ];

    fn name(self) -> &'static str {
        match self {
            Segment::Header => "header",
            Segment::Payload => "payload (claims)",
            Segment::Signature => "signature",
            Segment::EncryptedKey => "encrypted key",
            Segment::Iv => "initialization vector",
            Segment::Ciphertext => "ciphertext",
            Segment::Tag => "authentication tag",
        }
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A decoding failure. Each variant names the segment and, where there is one, the position, so
/// the user can find the damage in a token they pasted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the input is empty: paste a token, give a file path, or pipe one in")]
    Empty,
    #[error("the input is {size} bytes, over the {limit}-byte limit for a token")]
    TooLarge { size: usize, limit: usize },
    #[error(
        "found {found} segment(s) separated by '.'; a signed token (JWS) has 3 and an encrypted one (JWE) has 5"
    )]
    SegmentCount { found: usize },
    #[error("the {segment} segment (segment {index}) is empty")]
    EmptySegment { segment: Segment, index: usize },
    #[error(
        "the {segment} segment is not base64url: {problem} at character {position} of the segment (character {token_position} of the token)"
    )]
    Base64 {
        segment: Segment,
        problem: String,
        /// 1-based offset within the segment.
        position: usize,
        /// 1-based offset within the whole compact token.
        token_position: usize,
    },
    #[error("the {segment} segment decodes to bytes that are not UTF-8 JSON: {message}")]
    NotJson { segment: Segment, message: String },
    #[error("the {segment} segment is JSON but not an object: it is {found}")]
    NotObject {
        segment: Segment,
        found: &'static str,
    },
    #[error("the {segment} segment nests JSON deeper than {limit} levels")]
    TooDeep { segment: Segment, limit: usize },
    #[error(
        "the JSON has no token in it (looked for the fields {looked_for}); to evaluate bare claims use `claimcheck check`"
    )]
    NoTokenInJson { looked_for: String },
}

impl DecodeError {
    /// A stable machine-readable name, used as `error.kind` in `--json` output.
    pub fn kind(&self) -> &'static str {
        match self {
            DecodeError::Empty => "empty_input",
            DecodeError::TooLarge { .. } => "too_large",
            DecodeError::SegmentCount { .. } => "segment_count",
            DecodeError::EmptySegment { .. } => "empty_segment",
            DecodeError::Base64 { .. } => "base64",
            DecodeError::NotJson { .. } => "not_json",
            DecodeError::NotObject { .. } => "not_object",
            DecodeError::TooDeep { .. } => "too_deep",
            DecodeError::NoTokenInJson { .. } => "no_token_in_json",
        }
    }
}
