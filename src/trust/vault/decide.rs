//! The login decision without building checks: the same steps as [`super::evaluate`], comparing
//! the token's JSON values in place so that a corpus × rules matrix allocates nothing per token.
//! Tests assert that it agrees with `evaluate` on every table row.

use serde_json::Value;

use super::time::{Leeways, time_ok};
use super::value::{GoValue, audience_unmarshals, lookup_raw, truncated_integer};
use super::{Role, VaultRole};
use crate::token::Claims;
use crate::trust::Outcome;
use crate::trust::strings::strings_in;
use crate::trust::wildcard::go_glob;

pub fn outcome(rule: &VaultRole, claims: &Claims, now: i64) -> Outcome {
    let role = rule.role();
    if !role.write_errors.is_empty() {
        return Outcome::Error;
    }
    if passes(rule, role, claims, now) {
        Outcome::Allowed
    } else {
        Outcome::Denied
    }
}

fn passes(rule: &VaultRole, role: &Role, claims: &Claims, now: i64) -> bool {
    role.role_type.as_deref().unwrap_or("oidc") != "oidc"
        && registered_types_ok(claims)
        && role
            .bound_issuer
            .as_deref()
            .is_none_or(|i| i == string_claim(claims, "iss"))
        && (role.bound_subject.is_empty() || role.bound_subject == string_claim(claims, "sub"))
        && audience_ok(role, claims)
        && time_ok(
            claims,
            now,
            Leeways {
                clock_skew: role.clock_skew_leeway,
                expiration: role.expiration_leeway,
                not_before: role.not_before_leeway,
            },
        )
        && user_claim_ok(role, claims)
        && role
            .claim_mappings
            .iter()
            .all(|(source, _)| lookup_raw(claims, source).is_none_or(Value::is_string))
        && groups_ok(role, claims)
        && role
            .bound_claims
            .iter()
            .zip(rule.bound_expected())
            .all(|((key, _), expected)| bound_claim_ok(key, expected.as_deref(), claims, role.glob))
}

fn string_claim<'a>(claims: &'a Claims, name: &str) -> &'a str {
    claims.get(name).and_then(Value::as_str).unwrap_or("")
}

fn registered_types_ok(claims: &Claims) -> bool {
    let scalar_ok = |name| {
        matches!(
            claims.get(name),
            None | Some(Value::String(_) | Value::Null)
        )
    };
    scalar_ok("iss")
        && scalar_ok("sub")
        && scalar_ok("jti")
        && claims.get("aud").is_none_or(audience_unmarshals)
}

fn audience_ok(role: &Role, claims: &Claims) -> bool {
    let aud = claims.get("aud");
    if role.bound_audiences.is_empty() {
        return match aud {
            Some(Value::String(s)) => s.is_empty(),
            Some(Value::Array(items)) => items.is_empty(),
            _ => true,
        };
    }
    let token_audiences = strings_in(aud);
    role.bound_audiences
        .iter()
        .any(|bound| token_audiences.contains(&bound.as_str()))
}

fn user_claim_ok(role: &Role, claims: &Claims) -> bool {
    if role.user_claim_json_pointer {
        lookup_raw(claims, &role.user_claim).is_some_and(Value::is_string)
    } else {
        claims.get(&role.user_claim).is_some_and(Value::is_string)
    }
}

fn groups_ok(role: &Role, claims: &Claims) -> bool {
    if role.groups_claim.is_empty() {
        return true;
    }
    match lookup_raw(claims, &role.groups_claim) {
        Some(Value::String(_)) => true,
        Some(Value::Array(items)) => items.iter().all(Value::is_string),
        _ => false,
    }
}

/// `validateBoundClaims` for one key: present, both sides normalisable to lists, and some
/// expected value equal to (or globbing) some actual value.
fn bound_claim_ok(key: &str, expected: Option<&[GoValue]>, claims: &Claims, glob: bool) -> bool {
    let (Some(actual), Some(expected)) = (lookup_raw(claims, key), expected) else {
        return false;
    };
    let matches_one = |have: &Value, top_level: bool| {
        expected.iter().any(|want| match (want, have) {
            (GoValue::String(w), Value::String(h)) => {
                if glob {
                    go_glob(w, h)
                } else {
                    w == h
                }
            }
            (GoValue::Bool(w), Value::Bool(h)) => !glob && w == h,
            (GoValue::Number(w), Value::Number(h)) => {
                !glob && top_level && number_text_equals(w, truncated_integer(h))
            }
            _ => false,
        })
    };
    match actual {
        Value::String(_) | Value::Bool(_) | Value::Number(_) => matches_one(actual, true),
        Value::Array(items) => items.iter().any(|item| matches_one(item, false)),
        Value::Object(_) | Value::Null => false,
    }
}

/// `json.Number` text equality with `strconv.Itoa(value)`, without formatting `value`.
fn number_text_equals(text: &str, value: i64) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let negative = text.starts_with('-');
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && !(negative && digits == "0");
    canonical && text.parse::<i64>() == Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_text() {
        assert!(number_text_equals("42", 42));
        assert!(number_text_equals("-3", -3));
        assert!(number_text_equals("0", 0));
        assert!(!number_text_equals("042", 42));
        assert!(!number_text_equals("42.0", 42));
        assert!(!number_text_equals("-0", 0));
        assert!(!number_text_equals("+4", 4));
    }
}
