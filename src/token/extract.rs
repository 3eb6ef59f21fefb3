//! Finding the token in whatever the user pasted: a bare token, `Bearer …`, a whole
//! `Authorization:` header line, a token endpoint's JSON response, a redirect URL, a token that a
//! terminal wrapped over several lines, or a command's output with a token somewhere in it.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::Value;

use super::error::DecodeError;

/// JSON fields that hold a token, in the order they are preferred: an OIDC `id_token` over the
/// (possibly opaque) `access_token` of the same response; `value` is GitHub Actions' endpoint.
pub const JSON_TOKEN_FIELDS: [&str; 4] = ["id_token", "value", "token", "access_token"];

/// URL parameters (query or fragment) that carry a token.
const URL_TOKEN_PARAMS: [&str; 2] = ["id_token", "access_token"];

/// How the token was found in the input; shown so a surprising pick can be understood.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum FoundVia {
    /// The input was the token, give or take surrounding whitespace or quotes.
    Bare,
    /// After a `Bearer` scheme, possibly on an `Authorization:` header line.
    Bearer,
    /// The named field of a JSON object.
    JsonField(String),
    /// The named query or fragment parameter of a URL.
    UrlParameter(String),
    /// The token was broken over several lines and has been joined.
    Unwrapped,
    /// A token-shaped word inside other text (e.g. a command's output).
    Embedded,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found<'a> {
    pub compact: Cow<'a, str>,
    pub via: FoundVia,
}

pub fn find_token(input: &str) -> Result<Found<'_>, DecodeError> {
    let text = input.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if text.is_empty() {
        return Err(DecodeError::Empty);
    }
    if text.starts_with('{') {
        return from_json(text);
    }
    // The common case, and every corpus line of a preview: nothing but token characters. None
    // of the searches below can then find anything else (a `Bearer` needs whitespace after it,
    // a URL a `?` or `#`, quotes and wrapping are not token characters), so all of them end in
    // the bare text; one pass over the bytes says so without walking each search.
    if text.bytes().all(is_token_byte) {
        return Ok(found(text, FoundVia::Bare));
    }
    searched(text)
}

/// [`find_token`] for text that is more than token characters.
fn searched(text: &str) -> Result<Found<'_>, DecodeError> {
    if let Some(found) = from_authorization(text) {
        return Ok(found);
    }
    if let Some(found) = from_url(text) {
        return Ok(found);
    }
    let unquoted = strip_quotes(text);
    if is_compact_shaped(unquoted) {
        return Ok(found(unquoted, FoundVia::Bare));
    }
    if let Some(joined) = unwrapped(unquoted) {
        return Ok(Found {
            compact: Cow::Owned(joined),
            via: FoundVia::Unwrapped,
        });
    }
    if let Some(word) = embedded_token(unquoted) {
        return Ok(found(word, FoundVia::Embedded));
    }
    // Nothing better: hand the text to the parser, whose error says what is wrong with it.
    Ok(found(unquoted, FoundVia::Bare))
}

fn found(text: &str, via: FoundVia) -> Found<'_> {
    Found {
        compact: Cow::Borrowed(text),
        via,
    }
}

fn from_json(text: &str) -> Result<Found<'_>, DecodeError> {
    let Ok(Value::Object(object)) = serde_json::from_str::<Value>(text) else {
        // Not a JSON object after all; let the parser explain.
        return Ok(found(text, FoundVia::Bare));
    };
    for field in JSON_TOKEN_FIELDS {
        if let Some(Value::String(value)) = object.get(field) {
            let value = value.trim();
            if is_compact_shaped(value) {
                return Ok(Found {
                    compact: Cow::Owned(value.to_owned()),
                    via: FoundVia::JsonField(field.to_owned()),
                });
            }
        }
    }
    Err(DecodeError::NoTokenInJson {
        looked_for: JSON_TOKEN_FIELDS.join(", "),
    })
}

/// Whether a JSON object holds a token where [`find_token`] looks for one (a token endpoint's
/// response rather than a claim set).
pub fn json_holds_token(object: &serde_json::Map<String, Value>) -> bool {
    JSON_TOKEN_FIELDS.iter().any(|field| {
        matches!(object.get(*field), Some(Value::String(value)) if is_compact_shaped(value.trim()))
    })
}

fn from_authorization(text: &str) -> Option<Found<'_>> {
    for line in text.lines() {
        let mut rest = line.trim();
        if let Some(after) = strip_prefix_ignore_case(rest, "authorization:") {
            rest = after.trim_start();
        }
        if let Some(after) = strip_prefix_ignore_case(rest, "bearer")
            && after.starts_with(char::is_whitespace)
        {
            let candidate = strip_quotes(after.trim());
            if !candidate.is_empty() {
                return Some(found(candidate, FoundVia::Bearer));
            }
        }
    }
    None
}

fn from_url(text: &str) -> Option<Found<'_>> {
    if text.contains(char::is_whitespace) {
        return None;
    }
    let start = text.find(['?', '#'])?;
    for pair in text[start + 1..].split(['&', '#', '?']) {
        let Some((name, value)) = pair.split_once('=') else {
            continue;
        };
        if URL_TOKEN_PARAMS.contains(&name) && !value.is_empty() {
            let decoded = percent_decode(value);
            return Some(Found {
                compact: decoded,
                via: FoundVia::UrlParameter(name.to_owned()),
            });
        }
    }
    None
}

/// Tokens only ever contain `%2E`-style escapes when a client over-encoded them.
fn percent_decode(value: &str) -> Cow<'_, str> {
    if !value.contains('%') {
        return Cow::Borrowed(value);
    }
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| value.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        if let Some(byte) = escaped {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// A token a terminal broke over several lines; but not a line of progress chatter followed by
/// a token (`Refreshing... done` then the token), which the embedded search handles.
fn unwrapped(text: &str) -> Option<String> {
    if !text.chars().all(|c| is_token_char(c) || c.is_whitespace()) {
        return None;
    }
    let joined: String = text.split_whitespace().collect();
    is_compact_shaped(&joined).then_some(joined)
}

fn embedded_token(text: &str) -> Option<&str> {
    text.split(|c: char| !(is_token_char(c)))
        .filter(|word| word.starts_with("eyJ"))
        .find(|word| is_compact_shaped(word))
}

/// The lines of pasted text: a terminal's bracketed paste sends each newline as a carriage
/// return, so a lone `\r` ends a line as `\n` and `\r\n` do.
pub fn log_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match current.find(['\n', '\r']) {
            Some(at) => {
                let after = if current[at..].starts_with("\r\n") {
                    at + 2
                } else {
                    at + 1
                };
                rest = (after < current.len()).then(|| &current[after..]);
                Some(&current[..at])
            }
            None => {
                rest = None;
                (!current.is_empty()).then_some(current)
            }
        }
    })
}

/// Every token-shaped word in `text` with its line (1-based), at most `max` of them and each
/// only once: the tokens of a pasted CI log. Words are runs of base64url characters and dots
/// that start as every JWT header does (`eyJ`), so prose with dots is not taken.
pub fn embedded_tokens(text: &str, max: usize) -> Vec<(usize, &str)> {
    let mut found: Vec<(usize, &str)> = Vec::new();
    for (index, line) in log_lines(text).enumerate() {
        if !line.contains("eyJ") {
            continue;
        }
        // `=` ends a word here (`token=eyJ…`): compact JWS segments carry no padding.
        for word in line.split(|c: char| c == '=' || !is_token_char(c)) {
            if word.starts_with("eyJ")
                && is_compact_shaped(word)
                && !found.iter().any(|(_, seen)| *seen == word)
            {
                if found.len() == max {
                    return found;
                }
                found.push((index + 1, word));
            }
        }
    }
    found
}

fn strip_quotes(text: &str) -> &str {
    for quote in ['"', '\'', '`'] {
        if let Some(inner) = text.strip_prefix(quote).and_then(|t| t.strip_suffix(quote)) {
            return inner.trim();
        }
    }
    text
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn is_token_char(c: char) -> bool {
    u8::try_from(c).is_ok_and(is_token_byte)
}

fn is_token_byte(b: u8) -> bool {
    TOKEN_BYTES[usize::from(b)]
}

/// [`is_token_byte`] as a table: one load per byte over a whole corpus line.
static TOKEN_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'=');
        b += 1;
    }
    table
};

/// Three or five dot-separated runs of base64url characters (the signature may be empty).
fn is_compact_shaped(text: &str) -> bool {
    let dots = text.bytes().filter(|&b| b == b'.').count();
    (dots == 2 || dots == 4) && text.bytes().all(is_token_byte) && !text.starts_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";

    fn pick(input: &str) -> (String, FoundVia) {
        let found = find_token(input).unwrap();
        (found.compact.into_owned(), found.via)
    }

    #[test]
    fn table_of_input_shapes() {
        let cases: Vec<(String, FoundVia)> = vec![
            (T.to_string(), FoundVia::Bare),
            (format!("\n  {T}\n\n"), FoundVia::Bare),
            (format!("\"{T}\""), FoundVia::Bare),
            (format!("Bearer {T}"), FoundVia::Bearer),
            (format!("bearer   {T}\n"), FoundVia::Bearer),
            (format!("Authorization: Bearer {T}"), FoundVia::Bearer),
            (
                format!("GET / HTTP/1.1\nHost: x\nauthorization: Bearer {T}\nAccept: */*"),
                FoundVia::Bearer,
            ),
            (
                format!(r#"{{"value":"{T}"}}"#),
                FoundVia::JsonField("value".into()),
            ),
            (
                format!(r#"{{"access_token":"opaque","id_token":"{T}","token_type":"Bearer"}}"#),
                FoundVia::JsonField("id_token".into()),
            ),
            (
                format!(r#"{{"count":1,"token":"{T}"}}"#),
                FoundVia::JsonField("token".into()),
            ),
            (
                format!(r#"{{"access_token":"{T}","expires_in":3600}}"#),
                FoundVia::JsonField("access_token".into()),
            ),
            (
                format!("https://app.example/cb#id_token={T}&state=abc"),
                FoundVia::UrlParameter("id_token".into()),
            ),
            (
                format!("https://app.example/cb?state=x&access_token={T}"),
                FoundVia::UrlParameter("access_token".into()),
            ),
            (
                format!("{}\n{}\n{}", &T[..10], &T[10..30], &T[30..]),
                FoundVia::Unwrapped,
            ),
            (
                format!("your token is: {T} (expires soon)"),
                FoundVia::Embedded,
            ),
            (format!("Refreshing... done\n{T}\n"), FoundVia::Embedded),
        ];
        for (input, via) in cases {
            assert_eq!(pick(&input), (T.to_string(), via), "input {input:?}");
        }
    }

    #[test]
    fn percent_encoded_url_token() {
        let encoded = T.replace('.', "%2E");
        let (token, _) = pick(&format!("https://x/#id_token={encoded}"));
        assert_eq!(token, T);
    }

    #[test]
    fn empty_and_json_without_token() {
        assert_eq!(find_token("  \n\t ").err(), Some(DecodeError::Empty));
        assert!(matches!(
            find_token(r#"{"sub":"x"}"#).err(),
            Some(DecodeError::NoTokenInJson { .. })
        ));
    }

    #[test]
    fn pasted_lines_end_at_any_line_break() {
        let lines: Vec<&str> = log_lines("a\r\nb\rc\n\nd").collect();
        assert_eq!(lines, ["a", "b", "c", "", "d"]);
        assert_eq!(log_lines("a\n").collect::<Vec<_>>(), ["a"]);
        assert_eq!(log_lines("").count(), 0);
        assert_eq!(log_lines("\r").collect::<Vec<_>>(), [""]);
    }

    #[test]
    fn every_token_of_a_log_once_with_its_line() {
        let other = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ5In0.c2ln";
        let log = format!(
            "2026-01-02T03:04:05Z start\n\u{1b}[32mtoken={T}\u{1b}[0m\nsame again {T}\nversion 1.2.3 and eyJ.only\n{{\"value\":\"{other}\"}}\n"
        );
        assert_eq!(embedded_tokens(&log, 10), vec![(2, T), (5, other)]);
        assert_eq!(embedded_tokens(&log, 1), vec![(2, T)]);
        assert!(embedded_tokens("no tokens here. at all.", 10).is_empty());
    }

    #[test]
    fn garbage_is_passed_through_for_the_parser_to_explain() {
        assert_eq!(pick("not a token"), ("not a token".into(), FoundVia::Bare));
    }

    proptest::proptest! {
        /// Text of token characters only skips the searches; they would have picked the same.
        #[test]
        fn token_characters_alone_are_found_as_the_searches_find_them(
            text in "[A-Za-z0-9_=.-]{1,40}|eyJ[A-Za-z0-9_-]{0,8}(\\.[A-Za-z0-9_-]{0,8}){0,5}"
        ) {
            proptest::prop_assert_eq!(find_token(&text), searched(&text));
            proptest::prop_assert_eq!(find_token(&text)?.via, FoundVia::Bare);
        }
    }
}
