//! Strict base64url decoding of one segment, with errors that point at the offending character.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::error::{DecodeError, Segment};

pub(crate) struct DecodedSegment {
    pub bytes: Vec<u8>,
    /// The producer added `=` padding, which RFC 7515 §2 forbids but some libraries emit.
    pub padded: bool,
}

/// Decodes `text`, which starts at byte `offset` (0-based) of the whole token.
pub(crate) fn decode_segment(
    text: &str,
    segment: Segment,
    offset: usize,
) -> Result<DecodedSegment, DecodeError> {
    let unpadded = text.trim_end_matches('=');
    let padded = unpadded.len() != text.len();
    let error = |problem: String, index: usize| DecodeError::Base64 {
        segment,
        problem,
        position: index + 1,
        token_position: offset + index + 1,
    };
    if text.len() - unpadded.len() > 2 {
        return Err(error(
            "more than two '=' padding characters".into(),
            unpadded.len(),
        ));
    }
    // A well-formed segment decodes at once: the decoder accepts exactly the characters the
    // checks below accept, and refuses a length they refuse. Only a failure walks the
    // characters to say which one is wrong (a preview decodes every token of a corpus).
    if (!padded || text.len().is_multiple_of(4))
        && let Ok(bytes) = URL_SAFE_NO_PAD.decode(unpadded)
    {
        return Ok(DecodedSegment { bytes, padded });
    }
    checked(text, unpadded, padded, &error)
}

/// [`decode_segment`] checking each character before decoding, for the first error's words.
fn checked(
    text: &str,
    unpadded: &str,
    padded: bool,
    error: &dyn Fn(String, usize) -> DecodeError,
) -> Result<DecodedSegment, DecodeError> {
    for (index, c) in unpadded.char_indices() {
        if !(c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            let problem = match c {
                '+' | '/' => format!(
                    "'{c}' belongs to standard base64, not base64url (which uses '-' and '_')"
                ),
                '=' => "'=' padding in the middle of the segment".to_string(),
                c if c.is_whitespace() => "whitespace".to_string(),
                c if c.is_control() => format!("control character U+{:04X}", c as u32),
                c => format!("'{c}' is not a base64url character"),
            };
            return Err(error(problem, index));
        }
    }
    if unpadded.len() % 4 == 1 {
        return Err(error(
            format!(
                "a length of {} characters cannot be base64 (one character too many or too few)",
                unpadded.len()
            ),
            unpadded.len().saturating_sub(1),
        ));
    }
    if padded && !text.len().is_multiple_of(4) {
        return Err(error(
            "'=' padding that does not complete a 4-character group".into(),
            unpadded.len(),
        ));
    }
    match URL_SAFE_NO_PAD.decode(unpadded) {
        Ok(bytes) => Ok(DecodedSegment { bytes, padded }),
        Err(base64::DecodeError::InvalidLastSymbol(index, byte)) => Err(error(
            format!(
                "last character '{}' has bits set past the end of the data (not canonical base64url)",
                byte as char
            ),
            index,
        )),
        Err(other) => Err(error(other.to_string(), 0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> DecodeError {
        match decode_segment(text, Segment::Payload, 10) {
            Err(e) => e,
            Ok(_) => panic!("{text:?} decoded"),
        }
    }

    #[test]
    fn decodes_unpadded_and_flags_padding() {
        let plain = decode_segment("eyJhIjoxfQ", Segment::Header, 0).unwrap();
        assert_eq!(plain.bytes, br#"{"a":1}"#);
        assert!(!plain.padded);
        let padded = decode_segment("eyJhIjoxfQ==", Segment::Header, 0).unwrap();
        assert_eq!(padded.bytes, br#"{"a":1}"#);
        assert!(padded.padded);
    }

    #[test]
    fn names_the_offending_character_and_its_positions() {
        let e = err("eyJh+joxfQ");
        assert_eq!(
            e,
            DecodeError::Base64 {
                segment: Segment::Payload,
                problem: "'+' belongs to standard base64, not base64url (which uses '-' and '_')"
                    .into(),
                position: 5,
                token_position: 15,
            }
        );
        assert!(
            err("ab$d")
                .to_string()
                .contains("'$' is not a base64url character")
        );
        assert!(
            err("ab d")
                .to_string()
                .contains("whitespace at character 3")
        );
        assert!(err("ab=d").to_string().contains("padding in the middle"));
    }

    #[test]
    fn impossible_lengths_and_noncanonical_endings_are_errors() {
        assert!(err("abcde").to_string().contains("length of 5"));
        assert!(err("eyJhIjoxfR").to_string().contains("not canonical"));
        assert!(err("eyJhIjoxfQ=").to_string().contains("does not complete"));
        assert!(err("abcd===").to_string().contains("more than two"));
    }

    proptest::proptest! {
        /// Decoding at once answers as the character-by-character checks do, errors included.
        #[test]
        fn decoding_at_once_answers_as_the_checks_do(text in "[A-Za-z0-9_=+/ é-]{0,12}") {
            let unpadded = text.trim_end_matches('=');
            let padded = unpadded.len() != text.len();
            let error = |problem: String, index: usize| DecodeError::Base64 {
                segment: Segment::Payload,
                problem,
                position: index + 1,
                token_position: 3 + index + 1,
            };
            let fast = decode_segment(&text, Segment::Payload, 3);
            let expected = if text.len() - unpadded.len() > 2 {
                fast.as_ref().err().cloned().map(Err)
            } else {
                Some(checked(&text, unpadded, padded, &error))
            };
            if let Some(expected) = expected {
                match (fast, expected) {
                    (Ok(a), Ok(b)) => {
                        proptest::prop_assert_eq!(a.bytes, b.bytes);
                        proptest::prop_assert_eq!(a.padded, b.padded);
                    }
                    (a, b) => proptest::prop_assert_eq!(a.err(), b.err()),
                }
            }
        }
    }
}
