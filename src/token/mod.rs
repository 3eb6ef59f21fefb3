//! Tokens as the user has them: finding one in messy input, splitting and decoding it, its time
//! status and what is suspicious about it. Pure: no I/O and no clock ("now" is passed in).
//!
//! Public face:
//! - [`decode`] / [`parse_compact`] → [`Token`] (header and claims in token order) or a
//!   [`DecodeError`] naming the segment and position;
//! - [`time::time_status`] for `exp`/`nbf`/`iat` against an injected instant and leeway;
//! - [`lint::lint_token`] for RFC 8725 / OIDC practice findings;
//! - [`sanitize::escape_controls`], which every renderer uses on decoded text.

mod base64url;
pub mod dump;
mod error;
pub(crate) mod extract;
mod json_object;
pub mod lint;
pub mod sanitize;
pub mod time;

use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

pub use error::{DecodeError, Segment};
pub use extract::FoundVia;
pub use json_object::DuplicateName;

/// Decoded claims (or header), in the order the token has them.
pub type Claims = Map<String, Value>;

/// The default bound on a token's size: far above real tokens (a few kilobytes; an Entra token
/// with a long group list a few tens), low enough that hostile input cannot exhaust memory.
/// `--max-bytes` changes it.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 1024 * 1024;

/// Bounds on untrusted input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_token_bytes: usize,
    pub max_json_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
            max_json_depth: 64,
        }
    }
}

/// Which compact serialization the token uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// A JWS with a signature (three segments).
    Signed,
    /// A JWS with `alg: none` and an empty signature (RFC 7515 appendix A.5).
    Unsecured,
    /// A JWE (five segments): the header is readable, the claims are not.
    Encrypted,
}

/// Facts about how the token was encoded that are not errors but that the user should see.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EncodingFindings {
    pub padded_segments: Vec<Segment>,
    pub duplicate_header_names: Vec<DuplicateName>,
    pub duplicate_claim_names: Vec<DuplicateName>,
}

/// A JWS payload that is not a claim set (RFC 7515 allows any octets: RFC 7515 A.4 signs the
/// text "Payload", RFC 7520 §4 a quotation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherPayload {
    pub bytes: Vec<u8>,
    /// The payload segment is the payload itself, not its base64url (`b64: false`, RFC 7797).
    pub unencoded: bool,
    /// Why it is not a claim set: not JSON, or JSON of another type than an object.
    pub why: String,
}

/// A decoded compact token. Its raw text is a secret: `Debug` never prints it.
#[derive(Clone, PartialEq)]
pub struct Token {
    compact: String,
    form: Form,
    header: Claims,
    claims: Option<Claims>,
    /// A JWS payload that is not a JSON object; then `claims` is `None`.
    other_payload: Option<OtherPayload>,
    signature: Vec<u8>,
    found_via: FoundVia,
    findings: EncodingFindings,
}

impl Token {
    /// The compact serialization, for verifying and for copying to the clipboard.
    pub fn compact(&self) -> &str {
        &self.compact
    }

    pub fn form(&self) -> Form {
        self.form
    }

    pub fn header(&self) -> &Claims {
        &self.header
    }

    /// `None` for an encrypted token, whose claims cannot be read without the recipient's key,
    /// and for a JWS whose payload is not a JSON object (see [`Token::other_payload`]).
    pub fn claims(&self) -> Option<&Claims> {
        self.claims.as_ref()
    }

    /// The payload of a JWS that carries something other than a claim set.
    pub fn other_payload(&self) -> Option<&OtherPayload> {
        self.other_payload.as_ref()
    }

    /// The claims without the rest of the token, for callers that need nothing else (a corpus
    /// of a hundred thousand tokens should not copy every claim set).
    pub fn into_claims(self) -> Option<Claims> {
        self.claims
    }

    /// The bytes a JWS signature covers: `BASE64URL(header) '.' BASE64URL(payload)` as sent.
    pub fn signing_input(&self) -> &str {
        match self.compact.rfind('.') {
            Some(end) if self.form != Form::Encrypted => &self.compact[..end],
            _ => "",
        }
    }

    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    pub fn found_via(&self) -> &FoundVia {
        &self.found_via
    }

    pub fn findings(&self) -> &EncodingFindings {
        &self.findings
    }

    pub fn alg(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }

    pub fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    pub fn issuer(&self) -> Option<&str> {
        self.claims.as_ref()?.get("iss").and_then(Value::as_str)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field(
                "compact",
                &format_args!("<{} bytes, redacted>", self.compact.len()),
            )
            .field("form", &self.form)
            .field("header", &self.header)
            .field("claims", &self.claims)
            .field("other_payload", &self.other_payload)
            .field("found_via", &self.found_via)
            .finish_non_exhaustive()
    }
}

/// Finds the token in `input` (see [`extract::find_token`]) and decodes it.
pub fn decode(input: &str, limits: &Limits) -> Result<Token, DecodeError> {
    if input.len() > limits.max_token_bytes {
        return Err(DecodeError::TooLarge {
            size: input.len(),
            limit: limits.max_token_bytes,
        });
    }
    let found = extract::find_token(input)?;
    parse_compact(&found.compact, found.via, limits)
}

/// Decodes a compact JWS or JWE exactly as given.
pub fn parse_compact(compact: &str, via: FoundVia, limits: &Limits) -> Result<Token, DecodeError> {
    if compact.is_empty() {
        return Err(DecodeError::Empty);
    }
    if compact.len() > limits.max_token_bytes {
        return Err(DecodeError::TooLarge {
            size: compact.len(),
            limit: limits.max_token_bytes,
        });
    }
    let parts: Vec<&str> = compact.split('.').collect();
    let layout: &[Segment] = match parts.len() {
        3 => &Segment::JWS,
        5 => &Segment::JWE,
        found => return Err(DecodeError::SegmentCount { found }),
    };

    let mut findings = EncodingFindings::default();
    let mut decoded = Vec::with_capacity(parts.len());
    let mut offset = 0;
    let mut header: Option<json_object::DecodedObject> = None;
    let mut unencoded = false;
    for (index, (text, &segment)) in parts.iter().zip(layout).enumerate() {
        // A JWS signature is empty for `alg: none`, and a JWE encrypted key is empty for direct
        // encryption; an unencoded payload may be empty (detached content, RFC 7515
        // appendix F); every other segment must have content.
        let may_be_empty = matches!(segment, Segment::Signature | Segment::EncryptedKey)
            || (segment == Segment::Payload && unencoded);
        if text.is_empty() && !may_be_empty {
            return Err(DecodeError::EmptySegment {
                segment,
                index: index + 1,
            });
        }
        if segment == Segment::Payload && unencoded {
            decoded.push(text.as_bytes().to_vec());
            offset += text.len() + 1;
            continue;
        }
        let segment_bytes = base64url::decode_segment(text, segment, offset)?;
        if segment_bytes.padded {
            findings.padded_segments.push(segment);
        }
        if segment == Segment::Header {
            let object =
                json_object::decode_object(&segment_bytes.bytes, segment, limits.max_json_depth)?;
            unencoded = parts.len() == 3 && is_unencoded(&object.object);
            header = Some(object);
        }
        decoded.push(segment_bytes.bytes);
        offset += text.len() + 1;
    }

    let header = header.expect("the header is the first segment");
    findings.duplicate_header_names = header.duplicates;
    let mut other_payload = None;
    let (form, claims, signature) = if parts.len() == 5 {
        (Form::Encrypted, None, Vec::new())
    } else {
        let payload = std::mem::take(&mut decoded[1]);
        let claims = if unencoded {
            other_payload = Some(OtherPayload {
                bytes: payload,
                unencoded: true,
                why: "it is not base64url-encoded (b64: false, RFC 7797)".to_owned(),
            });
            None
        } else {
            match json_object::decode_object(&payload, Segment::Payload, limits.max_json_depth) {
                Ok(claims) => {
                    findings.duplicate_claim_names = claims.duplicates;
                    Some(claims.object)
                }
                // Any octets make a JWS payload (RFC 7515 §3); only a JWT's is a claim set
                // (RFC 7519 §7.2).
                Err(DecodeError::NotJson { message, .. }) => {
                    other_payload = Some(OtherPayload {
                        bytes: payload,
                        unencoded: false,
                        why: format!("it is not JSON ({message})"),
                    });
                    None
                }
                Err(DecodeError::NotObject { found, .. }) => {
                    other_payload = Some(OtherPayload {
                        bytes: payload,
                        unencoded: false,
                        why: format!("it is JSON but not an object: it is {found}"),
                    });
                    None
                }
                Err(other) => return Err(other),
            }
        };
        let unsecured = header.object.get("alg").and_then(Value::as_str) == Some("none")
            && decoded[2].is_empty();
        let form = if unsecured {
            Form::Unsecured
        } else {
            Form::Signed
        };
        (form, claims, std::mem::take(&mut decoded[2]))
    };

    Ok(Token {
        compact: compact.to_owned(),
        form,
        header: header.object,
        claims,
        other_payload,
        signature,
        found_via: via,
        findings,
    })
}

/// RFC 7797 §3 and §6: the payload segment is the payload itself when `b64` is `false` and
/// listed in `crit`; a `b64` that `crit` does not list is not in force.
fn is_unencoded(header: &Claims) -> bool {
    let listed = header
        .get("crit")
        .and_then(Value::as_array)
        .is_some_and(|names| names.iter().any(|name| name == "b64"));
    listed && header.get("b64") == Some(&Value::Bool(false))
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    fn b64(text: &str) -> String {
        URL_SAFE_NO_PAD.encode(text)
    }

    fn compact(header: &str, claims: &str, signature: &str) -> String {
        format!("{}.{}.{}", b64(header), b64(claims), signature)
    }

    fn parse(text: &str) -> Result<Token, DecodeError> {
        decode(text, &Limits::default())
    }

    #[test]
    fn signed_token_keeps_claim_order_and_exposes_signing_input() {
        let text = compact(
            r#"{"alg":"RS256","kid":"k1"}"#,
            r#"{"sub":"x","aud":"y","iat":1}"#,
            "c2ln",
        );
        let token = parse(&text).unwrap();
        assert_eq!(token.form(), Form::Signed);
        assert_eq!(token.alg(), Some("RS256"));
        assert_eq!(token.kid(), Some("k1"));
        let names: Vec<_> = token.claims().unwrap().keys().cloned().collect();
        assert_eq!(names, ["sub", "aud", "iat"]);
        assert_eq!(token.signature(), b"sig");
        assert_eq!(token.signing_input(), text.rsplit_once('.').unwrap().0);
        assert!(
            !format!("{token:?}").contains(&text),
            "Debug leaks the token"
        );
    }

    #[test]
    fn unsecured_and_encrypted_forms() {
        let unsecured = parse(&compact(r#"{"alg":"none"}"#, r#"{"sub":"x"}"#, "")).unwrap();
        assert_eq!(unsecured.form(), Form::Unsecured);
        let stripped = parse(&compact(r#"{"alg":"RS256"}"#, r#"{"sub":"x"}"#, "")).unwrap();
        assert_eq!(stripped.form(), Form::Signed);
        assert!(stripped.signature().is_empty());

        let jwe = format!(
            "{}..{}.{}.{}",
            b64(r#"{"alg":"dir","enc":"A256GCM","kid":"e1"}"#),
            b64("iv-bytes"),
            b64("ciphertext"),
            b64("tag")
        );
        let token = parse(&jwe).unwrap();
        assert_eq!(token.form(), Form::Encrypted);
        assert_eq!(token.header()["enc"], "A256GCM");
        assert!(token.claims().is_none());
        assert_eq!(token.signing_input(), "");
    }

    #[test]
    fn padding_and_duplicates_are_findings_not_errors() {
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","alg":"none"}"#);
        let claims = base64::engine::general_purpose::URL_SAFE.encode(r#"{"sub":"a","sub":"bb"}"#);
        let token = parse(&format!("{header}.{claims}.c2ln")).unwrap();
        let findings = token.findings();
        assert_eq!(findings.padded_segments, [Segment::Payload]);
        assert_eq!(findings.duplicate_header_names[0].pointer, "/alg");
        assert_eq!(findings.duplicate_claim_names[0].pointer, "/sub");
        assert_eq!(token.claims().unwrap()["sub"], "bb");
    }

    #[test]
    fn malformed_input_table() {
        let h = b64(r#"{"alg":"RS256"}"#);
        let c = b64(r#"{"sub":"x"}"#);
        let cases: Vec<(String, &str)> = vec![
            (String::new(), "empty_input"),
            ("a.b".into(), "segment_count"),
            ("a.b.c.d".into(), "segment_count"),
            (format!(".{c}.c2ln"), "empty_segment"),
            (format!("{h}..c2ln"), "empty_segment"),
            (format!("{h}.ab+d.c2ln"), "base64"),
            (format!("{h}.{c}.c2l"), "base64"),
            (format!("{}.{c}.c2ln", b64("not json")), "not_json"),
            (format!("{}.{c}.c2ln", b64("[1,2]")), "not_object"),
            (
                format!(
                    "{h}.{}.c2ln",
                    b64(&format!("{{\"a\":{}}}", "[".repeat(100)))
                ),
                "too_deep",
            ),
            ("x".repeat(1024 * 1024 + 1), "too_large"),
            (r#"{"hello":"world"}"#.into(), "no_token_in_json"),
        ];
        for (input, kind) in cases {
            let error = parse(&input).expect_err(&input[..input.len().min(60)]);
            assert_eq!(error.kind(), kind, "{error}");
        }
    }

    #[test]
    fn payloads_that_are_not_claim_sets_decode_without_claims() {
        // RFC 7515 §3 allows any octets as a JWS payload; RFC 7519 §7.2 makes a JWT only of a
        // JSON object. A.4 of RFC 7515 signs the text "Payload".
        let h = b64(r#"{"alg":"ES512"}"#);
        for (payload, why) in [
            (b"Payload".to_vec(), "it is not JSON"),
            (
                b"[1,2]".to_vec(),
                "it is JSON but not an object: it is an array",
            ),
            (b"{\"sub\": ".to_vec(), "it is not JSON"),
            (vec![0xff, 0x00], "it is not JSON (not valid UTF-8"),
        ] {
            let text = format!("{h}.{}.c2ln", URL_SAFE_NO_PAD.encode(&payload));
            let token = parse(&text).unwrap();
            assert_eq!(token.form(), Form::Signed);
            assert!(token.claims().is_none());
            assert_eq!(token.issuer(), None);
            let other = token.other_payload().unwrap();
            assert_eq!(other.bytes, payload);
            assert!(!other.unencoded);
            assert!(other.why.starts_with(why), "{}", other.why);
            assert_eq!(token.signing_input(), text.rsplit_once('.').unwrap().0);
        }
        let deep = format!("{{\"a\":{}}}", "[".repeat(100));
        let error = parse(&format!("{h}.{}.c2ln", b64(&deep))).unwrap_err();
        assert_eq!(error.kind(), "too_deep");
    }

    #[test]
    fn an_unencoded_payload_is_taken_as_it_stands() {
        // RFC 7797 §3: with "b64": false listed in "crit" the payload segment is the payload.
        let h = b64(r#"{"alg":"HS256","b64":false,"crit":["b64"]}"#);
        let token = parse(&format!("{h}.$.02.c2ln")).map(|_| ()).unwrap_err();
        assert_eq!(token.kind(), "segment_count");
        let token = parse(&format!("{h}.hello world?.c2ln")).unwrap();
        let other = token.other_payload().unwrap();
        assert_eq!(other.bytes, b"hello world?");
        assert!(other.unencoded);
        // Detached content (RFC 7515 appendix F; RFC 7797 §4.2's example).
        let detached = parse(&format!("{h}..c2ln")).unwrap();
        assert_eq!(detached.other_payload().unwrap().bytes, b"");
        // Not listed in crit: b64 is not in force and the payload is base64url as usual.
        let unlisted = b64(r#"{"alg":"HS256","b64":false}"#);
        let token = parse(&format!("{unlisted}.{}.c2ln", b64(r#"{"sub":"x"}"#))).unwrap();
        assert_eq!(token.claims().unwrap()["sub"], "x");
    }

    #[test]
    fn leading_dot_is_reported_as_an_empty_header() {
        let c = b64(r#"{"sub":"x"}"#);
        let error = parse_compact(&format!(".{c}.c2ln"), FoundVia::Bare, &Limits::default());
        assert_eq!(
            error.err(),
            Some(DecodeError::EmptySegment {
                segment: Segment::Header,
                index: 1
            })
        );
    }

    #[test]
    fn base64_error_names_position_in_the_token() {
        let h = b64(r#"{"alg":"RS256"}"#);
        let error = parse(&format!("{h}.ab+d.c2ln")).unwrap_err();
        match error {
            DecodeError::Base64 {
                segment,
                position,
                token_position,
                ..
            } => {
                assert_eq!(segment, Segment::Payload);
                assert_eq!(position, 3);
                assert_eq!(token_position, h.len() + 1 + 3);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[cfg(test)]
mod payload_properties {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// RFC 7515 §3: any octets make a JWS payload. Whatever they are, the token decodes,
        /// and either they are a JSON object (claims) or they come back unchanged.
        #[test]
        fn any_payload_decodes_and_is_kept_exactly(payload in prop::collection::vec(any::<u8>(), 1..200)) {
            let text = format!(
                "{}.{}.c2ln",
                URL_SAFE_NO_PAD.encode(r#"{"alg":"ES256"}"#),
                URL_SAFE_NO_PAD.encode(&payload)
            );
            let token = decode(&text, &Limits::default()).unwrap();
            let is_object = matches!(
                serde_json::from_slice::<Value>(&payload),
                Ok(Value::Object(_))
            );
            prop_assert_eq!(token.claims().is_some(), is_object);
            match token.other_payload() {
                Some(other) => prop_assert_eq!(&other.bytes, &payload),
                None => prop_assert!(is_object),
            }
            prop_assert_eq!(token.signing_input(), text.rsplit_once('.').unwrap().0);
        }
    }
}
