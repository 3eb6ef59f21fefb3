//! Claim values as the Vault plugin sees them: Go `interface{}` values, compared with Go interface
//! equality (type and value), plus the plugin's `getClaim` lookup.
//!
//! Sources (read in the code): `hashicorp/vault-plugin-auth-jwt` claims.go (`getClaim`, `normalizeList`,
//! `matchFound`) at 2e68bba as summarised in docs/SEMANTICS.md §4; `mitchellh/pointerstructure` get.go and
//! parse.go for JSON pointers.

use serde_json::{Number, Value};

use crate::token::Claims;

/// A Go value inside the plugin. Token claims are decoded with `encoding/json` (numbers become
/// `float64`); role values are stored with `UseNumber` (numbers become `json.Number`, i.e. text).
#[derive(Debug, Clone, PartialEq)]
pub enum GoValue {
    String(String),
    Bool(bool),
    /// `json.Number`: compared as its text.
    Number(String),
    /// `float64`: what a number nested inside a token list stays as.
    Float(f64),
    List(Vec<GoValue>),
    /// A JSON object: never equal to anything the plugin compares it with.
    Map,
    /// A JSON `null` inside a list (Go `nil`).
    Nil,
}

impl GoValue {
    /// A role value (bound claims are stored with `UseNumber`, so every number is text).
    pub fn from_role(value: &Value) -> Option<GoValue> {
        Some(match value {
            Value::Null => return None,
            Value::String(s) => GoValue::String(s.clone()),
            Value::Bool(b) => GoValue::Bool(*b),
            Value::Number(n) => GoValue::Number(n.to_string()),
            Value::Array(items) => {
                GoValue::List(items.iter().filter_map(GoValue::from_role).collect())
            }
            Value::Object(_) => GoValue::Map,
        })
    }

    /// A token value nested below what `getClaim` returned: numbers stay `float64`.
    fn from_token_nested(value: &Value) -> Option<GoValue> {
        Some(match value {
            Value::Null => return None,
            Value::String(s) => GoValue::String(s.clone()),
            Value::Bool(b) => GoValue::Bool(*b),
            Value::Number(n) => GoValue::Float(n.as_f64().unwrap_or(f64::NAN)),
            Value::Array(items) => GoValue::List(
                items
                    .iter()
                    .map(|v| GoValue::from_token_nested(v).unwrap_or(GoValue::Nil))
                    .collect(),
            ),
            Value::Object(_) => GoValue::Map,
        })
    }

    /// Go interface equality as used by `matchFound`: same dynamic type and same value. Lists
    /// and maps are not comparable in Go; they never count as equal here.
    pub fn go_equals(&self, other: &GoValue) -> bool {
        match (self, other) {
            (GoValue::String(a), GoValue::String(b)) => a == b,
            (GoValue::Bool(a), GoValue::Bool(b)) => a == b,
            (GoValue::Number(a), GoValue::Number(b)) => a == b,
            (GoValue::Float(a), GoValue::Float(b)) => a == b,
            _ => false,
        }
    }

    /// `normalizeList`: a string, bool or `json.Number` becomes a one-element list, a list stays;
    /// anything else is refused.
    pub fn normalize_list(&self) -> Option<Vec<GoValue>> {
        match self {
            GoValue::List(items) => Some(items.clone()),
            GoValue::String(_) | GoValue::Bool(_) | GoValue::Number(_) => Some(vec![self.clone()]),
            GoValue::Float(_) | GoValue::Map | GoValue::Nil => None,
        }
    }

    /// How Go's `%v` would print the value in the plugin's error messages.
    pub fn go_display(&self) -> String {
        match self {
            GoValue::String(s) | GoValue::Number(s) => s.clone(),
            GoValue::Bool(b) => b.to_string(),
            GoValue::Float(f) => format!("{f}"),
            GoValue::List(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(GoValue::go_display)
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            GoValue::Map => "map[…]".to_owned(),
            GoValue::Nil => "<nil>".to_owned(),
        }
    }
}

/// What `getClaim` returned for one key.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimLookup {
    /// The JSON value as the token has it (for display).
    pub raw: Value,
    pub value: GoValue,
    /// Set when a non-integral number was truncated by the conversion to `json.Number`.
    pub truncated_from: Option<f64>,
}

/// `getClaim`: a key starting with `/` is a JSON pointer (pointerstructure semantics), any other
/// key is a literal top-level name (even `https://vault/groups`). `None` means "missing": absent,
/// `null`, or a pointer that does not resolve or is invalid.
///
/// A top-level `float64` becomes `json.Number(strconv.Itoa(int(v)))` — truncation, so 3.7 becomes
/// "3" (docs/SEMANTICS.md §4 at 2e68bba). "Top level" is whatever the lookup returned, also via a pointer
/// (`/c/d` → json.Number("95") in the plugin's claims_test.go); numbers inside a returned list stay
/// `float64`.
pub fn get_claim(claims: &Claims, key: &str) -> Option<ClaimLookup> {
    let raw = if key.starts_with('/') {
        pointer_get(claims, key)?
    } else {
        claims.get(key)?
    };
    let (value, truncated_from) = match raw {
        Value::Null => return None,
        Value::Number(n) => {
            let (text, truncated) = truncate_to_json_number(n);
            (GoValue::Number(text), truncated)
        }
        other => (GoValue::from_token_nested(other)?, None),
    };
    Some(ClaimLookup {
        raw: raw.clone(),
        value,
        truncated_from,
    })
}

/// `getClaim` without the conversion: the JSON value the key names, `None` when missing
/// (absent, `null`, or an unresolvable pointer).
pub fn lookup_raw<'a>(claims: &'a Claims, key: &str) -> Option<&'a Value> {
    let raw = if key.starts_with('/') {
        pointer_get(claims, key)?
    } else {
        claims.get(key)?
    };
    (!raw.is_null()).then_some(raw)
}

/// The integer a top-level token number becomes (see [`get_claim`]).
/// Whether go-jose can unmarshal the token's `aud` into its `Audience` (a string, null, or a
/// list of strings), which cap does before comparing anything (SEMANTICS §4, login step 5);
/// anything else refuses the whole token.
pub fn audience_unmarshals(aud: &Value) -> bool {
    match aud {
        Value::String(_) | Value::Null => true,
        Value::Array(items) => items.iter().all(Value::is_string),
        _ => false,
    }
}

pub fn truncated_integer(n: &Number) -> i64 {
    match n.as_i64().filter(|i| i.unsigned_abs() < (1 << 53)) {
        Some(i) => i,
        None => n.as_f64().unwrap_or(0.0).trunc() as i64,
    }
}

/// `json.Number(strconv.Itoa(int(f)))` where `f` is the float64 `encoding/json` produced. Exact
/// for integers up to 2^53; Go's `int()` of a huge float is implementation-defined, Rust saturates.
fn truncate_to_json_number(n: &Number) -> (String, Option<f64>) {
    let integer = truncated_integer(n);
    let exact =
        n.as_i64().is_some_and(|i| i == integer) || n.as_f64().is_some_and(|f| f.trunc() == f);
    (
        integer.to_string(),
        (!exact).then(|| n.as_f64().unwrap_or(0.0)),
    )
}

/// `pointerstructure.Get` over the claims: RFC 6901 parts (`~1` → `/`, `~0` → `~`), map keys
/// looked up literally, list indexes parsed the way pointerstructure's `coerce` does it
/// (mapstructure weak decoding: `strconv.ParseInt(s, 0, …)`, so `0x1` and `+1` are accepted and
/// an empty part means 0) and bounds-checked.
pub fn pointer_get<'a>(claims: &'a Claims, pointer: &str) -> Option<&'a Value> {
    let mut parts = pointer[1..].split('/').map(unescape_pointer_part);
    let first = parts.next()?;
    let mut current = claims.get(first.as_ref())?;
    for part in parts {
        current = match current {
            Value::Object(map) => map.get(part.as_ref())?,
            Value::Array(items) => {
                let index = go_parse_int_base0(&part)?;
                usize::try_from(index).ok().and_then(|i| items.get(i))?
            }
            _ => return None,
        };
    }
    Some(current)
}

/// RFC 6901 part unescaping (`~1` → `/`, then `~0` → `~`); borrows when there is nothing to do.
fn unescape_pointer_part(part: &str) -> std::borrow::Cow<'_, str> {
    if part.contains('~') {
        part.replace("~1", "/").replace("~0", "~").into()
    } else {
        part.into()
    }
}

/// Go `strconv.ParseInt(s, 0, 64)` as mapstructure's weak string→int decoding calls it (an empty
/// string decodes as 0): optional sign, then `0x`/`0o`/`0b`/leading-`0` prefixes, `_` separators
/// only with a prefix.
fn go_parse_int_base0(text: &str) -> Option<i64> {
    if text.is_empty() {
        return Some(0);
    }
    let (negative, body) = match text.as_bytes()[0] {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_owned())
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_owned())
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_owned())
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_owned())
    } else {
        (10, lower.clone())
    };
    let digits = if radix != 10 {
        // Go allows `_` only with a base prefix, and only between digits (the prefix counts).
        if digits.ends_with('_') || digits.contains("__") {
            return None;
        }
        digits.replace('_', "")
    } else {
        digits
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i64::from_str_radix(&digits, radix).ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn getclaim_fixture() -> Claims {
        // The claim set of claims_test.go TestGetClaim (vault-plugin-auth-jwt).
        json!({"a": 42, "b": "bar", "c": {"d": 95, "e": ["dog", "cat", "bird"], "f": {"g": "zebra"}}})
            .as_object()
            .unwrap()
            .clone()
    }

    #[test]
    fn get_claim_table() {
        // Rows: claims_test.go TestGetClaim (vault-plugin-auth-jwt 2e68bba).
        let claims = getclaim_fixture();
        let rows: &[(&str, Option<GoValue>)] = &[
            ("a", Some(GoValue::Number("42".into()))),
            ("/a", Some(GoValue::Number("42".into()))),
            ("b", Some(GoValue::String("bar".into()))),
            ("/c/d", Some(GoValue::Number("95".into()))),
            ("/c/e/1", Some(GoValue::String("cat".into()))),
            ("/c/f/g", Some(GoValue::String("zebra".into()))),
            ("nope", None),
            ("/c/f/h", None),
            ("", None),
            ("\\", None),
            // pointerstructure: index out of range and a map key on a string are "missing".
            ("/c/e/3", None),
            ("/c/e/-1", None),
            ("/b/x", None),
            // mapstructure weak decoding of the index: base prefixes, and "" decodes as 0.
            ("/c/e/0x2", Some(GoValue::String("bird".into()))),
            ("/c/e/", Some(GoValue::String("dog".into()))),
            ("/c/e/x", None),
        ];
        for (key, want) in rows {
            assert_eq!(get_claim(&claims, key).map(|l| l.value), *want, "{key:?}");
        }
    }

    #[test]
    fn numbers() {
        // docs/SEMANTICS.md §4: top-level floats truncated to json.Number; list numbers stay float64.
        let claims = json!({"f": 3.7, "neg": -2.5, "l": [42, "x"], "big": 9007199254740993u64})
            .as_object()
            .unwrap()
            .clone();
        let f = get_claim(&claims, "f").unwrap();
        assert_eq!(f.value, GoValue::Number("3".into()));
        assert_eq!(f.truncated_from, Some(3.7));
        assert_eq!(
            get_claim(&claims, "neg").unwrap().value,
            GoValue::Number("-2".into())
        );
        assert_eq!(
            get_claim(&claims, "l").unwrap().value,
            GoValue::List(vec![GoValue::Float(42.0), GoValue::String("x".into())])
        );
        // float64 cannot hold 2^53+1: Go sees 9007199254740992.
        assert_eq!(
            get_claim(&claims, "big").unwrap().value,
            GoValue::Number("9007199254740992".into())
        );
    }

    #[test]
    fn go_equality_is_typed() {
        // claims_test.go "invalid bound claim expected boolean value": true ≠ "true".
        assert!(!GoValue::Bool(true).go_equals(&GoValue::String("true".into())));
        assert!(!GoValue::Number("42".into()).go_equals(&GoValue::String("42".into())));
        assert!(!GoValue::Number("42".into()).go_equals(&GoValue::Float(42.0)));
        assert!(GoValue::Number("42".into()).go_equals(&GoValue::Number("42".into())));
        assert!(!GoValue::Map.go_equals(&GoValue::Map));
    }

    #[test]
    fn parse_int_like_go() {
        for (text, want) in [
            ("1", Some(1)),
            ("+1", Some(1)),
            ("-1", Some(-1)),
            ("010", Some(8)),
            ("0x1f", Some(31)),
            ("0b11", Some(3)),
            ("0o17", Some(15)),
            ("0x_1", Some(1)),
            ("0_7", Some(7)),
            ("1_0", None),
            ("", Some(0)),
            ("08", None),
            ("a", None),
        ] {
            assert_eq!(go_parse_int_base0(text), want, "{text:?}");
        }
    }
}
