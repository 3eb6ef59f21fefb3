//! Vault-specific hints for a bound claim that did not match. Each looks at the role's expected
//! values and the token's actual values as the plugin typed them ([`GoValue`]).

use super::value::GoValue;
use crate::trust::{Hint, hints};

/// Every hint for one failed bound claim, generic string hints included, without duplicates.
pub fn bound_claim_hints(expected: &[GoValue], actual: &[GoValue], glob: bool) -> Vec<Hint> {
    let mut found: Vec<Hint> = [
        bool_vs_string(expected, actual),
        number_vs_string(expected, actual),
        number_in_list(expected, actual),
        star_without_glob(expected, glob),
        question_in_glob(expected, glob),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !glob && expected.len() <= 3 {
        for want in expected {
            for have in actual {
                if let (GoValue::String(w), GoValue::String(h)) = (want, have) {
                    found.extend(hints::string_mismatch_hints(w, h));
                }
            }
        }
    }
    let mut unique: Vec<Hint> = Vec::new();
    for hint in found {
        if !unique.contains(&hint) {
            unique.push(hint);
        }
    }
    unique
}

/// `true` in the role against `"true"` in the token (GitLab sends `ref_protected: "true"`), or the
/// reverse: Go interface equality compares the type too.
pub fn bool_vs_string(expected: &[GoValue], actual: &[GoValue]) -> Option<Hint> {
    expected.iter().find_map(|want| {
        actual.iter().find_map(|have| match (want, have) {
            (GoValue::Bool(b), GoValue::String(s)) if *s == b.to_string() => Some(Hint::new(
                "vault-bool-vs-string",
                format!(
                    "the role binds the boolean {b} but the token has the string \"{s}\"; Vault compares type and value, so write the bound claim as the string \"{s}\""
                ),
            )),
            (GoValue::String(s), GoValue::Bool(b)) if *s == b.to_string() => Some(Hint::new(
                "vault-bool-vs-string",
                format!(
                    "the role binds the string \"{s}\" but the token has the boolean {b}; Vault compares type and value, so write the bound claim as {b} without quotes"
                ),
            )),
            _ => None,
        })
    })
}

/// A number in the role (stored as `json.Number`) against the same digits as a string in the
/// token, or the reverse.
pub fn number_vs_string(expected: &[GoValue], actual: &[GoValue]) -> Option<Hint> {
    expected.iter().find_map(|want| {
        actual.iter().find_map(|have| match (want, have) {
            (GoValue::Number(n), GoValue::String(s)) if n == s => Some(Hint::new(
                "vault-number-vs-string",
                format!(
                    "the role binds the number {n} but the token has the string \"{s}\"; Vault compares type and value, so write the bound claim as \"{s}\" in quotes"
                ),
            )),
            (GoValue::String(s), GoValue::Number(n)) if n == s => Some(Hint::new(
                "vault-number-vs-string",
                format!(
                    "the role binds the string \"{s}\" but the token has the number {n}; write the bound claim as {n} without quotes"
                ),
            )),
            _ => None,
        })
    })
}

/// Numbers inside a token list stay `float64` and can never equal a bound `json.Number`.
pub fn number_in_list(expected: &[GoValue], actual: &[GoValue]) -> Option<Hint> {
    let has_bound_number = expected.iter().any(|v| matches!(v, GoValue::Number(_)));
    let has_list_number = actual.iter().any(|v| matches!(v, GoValue::Float(_)));
    (has_bound_number && has_list_number).then(|| {
        Hint::new(
            "vault-number-in-list",
            "the token's list holds numbers, which the plugin keeps as float64; a bound number is a json.Number, so they never compare equal — bind a claim the token sends as strings instead",
        )
    })
}

pub fn star_without_glob(expected: &[GoValue], glob: bool) -> Option<Hint> {
    let has_star = expected
        .iter()
        .any(|v| matches!(v, GoValue::String(s) if s.contains('*')));
    (!glob && has_star).then(|| {
        Hint::new(
            "vault-star-is-literal",
            "bound_claims_type is not \"glob\", so '*' is compared literally; set bound_claims_type=glob to use it as a wildcard",
        )
    })
}

pub fn question_in_glob(expected: &[GoValue], glob: bool) -> Option<Hint> {
    let has_question = expected
        .iter()
        .any(|v| matches!(v, GoValue::String(s) if s.contains('?')));
    (glob && has_question).then(|| {
        Hint::new(
            "vault-glob-no-question-mark",
            "Vault globs (ryanuber/go-glob) only know '*'; '?' matches a literal question mark",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> GoValue {
        GoValue::String(text.into())
    }

    #[test]
    fn each_hint() {
        // claims_test.go "invalid bound claim expected boolean value": true vs "true".
        let hint = bool_vs_string(&[GoValue::Bool(true)], &[s("true")]).unwrap();
        assert!(
            hint.message
                .contains("write the bound claim as the string \"true\"")
        );
        assert!(bool_vs_string(&[s("false")], &[GoValue::Bool(false)]).is_some());
        assert!(bool_vs_string(&[GoValue::Bool(true)], &[s("false")]).is_none());
        // docs/SEMANTICS.md §4: json.Number("42") ≠ "42".
        assert!(number_vs_string(&[GoValue::Number("42".into())], &[s("42")]).is_some());
        assert!(number_vs_string(&[s("42")], &[GoValue::Number("42".into())]).is_some());
        assert!(number_vs_string(&[s("42")], &[s("42")]).is_none());
        // docs/SEMANTICS.md §4: list numbers stay float64.
        assert!(number_in_list(&[GoValue::Number("1".into())], &[GoValue::Float(1.0)]).is_some());
        assert!(number_in_list(&[s("1")], &[GoValue::Float(1.0)]).is_none());
        assert!(star_without_glob(&[s("acme/*")], false).is_some());
        assert!(star_without_glob(&[s("acme/*")], true).is_none());
        assert!(question_in_glob(&[s("ma?n")], true).is_some());
        assert!(question_in_glob(&[s("ma?n")], false).is_none());
    }

    #[test]
    fn combined_and_deduplicated() {
        let codes: Vec<_> = bound_claim_hints(&[s("Main"), s("Main")], &[s("main")], false)
            .into_iter()
            .map(|h| h.code)
            .collect();
        assert_eq!(codes, ["case-only-difference"]);
    }
}
