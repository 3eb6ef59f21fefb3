//! The login path of `vault-plugin-auth-jwt` (path_login.go, claims.go; cap jwt.go), step by step
//! in the plugin's order. Every step becomes a check; the first failing step's message — the one
//! Vault would return — is the verdict's summary.

use serde_json::{Value, json};

use super::hints::bound_claim_hints;
use super::time::{Leeways, time_checks};
use super::value::{GoValue, audience_unmarshals, get_claim};

use super::{Role, VaultRole};
use crate::token::Claims;
use crate::trust::strings::owned_strings_in;
use crate::trust::verdict::Steps;
use crate::trust::{Check, Outcome, Rule, Verdict, hints};

const ALG_NOT_CHECKED: &str = "the token's alg header is not checked here: Vault also requires it to be one of the mount's jwt_supported_algs (default RS256, RS384, RS512, ES256, ES384, ES512, PS256, PS384, PS512, EdDSA)";

/// What the plugin accepts for JWT roles when the mount sets no `jwt_supported_algs` (Vault API
/// docs, auth/jwt config: "Defaults to all available algorithms for JWT roles").
const DEFAULT_ALGS: &[&str] = &[
    "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA",
];

/// cap's `alg` check (right after the signature, before any claim): the check and, when it
/// fails, Vault's message.
pub fn alg_check(role: &Role, alg: &str) -> (Check, Option<String>) {
    let allowed: Vec<&str> = if role.jwt_supported_algs.is_empty() {
        DEFAULT_ALGS.to_vec()
    } else {
        role.jwt_supported_algs.iter().map(String::as_str).collect()
    };
    let passed = allowed.contains(&alg);
    let check = Check::passed_if(
        passed,
        "alg ∈ jwt_supported_algs (mount config)",
        allowed.iter().map(|a| json!(a)).collect(),
        json!(alg),
    );
    let failure = (!passed).then(|| "error validating token: invalid algorithm (alg) header parameter: token signed with unexpected algorithm".to_owned());
    (check, failure)
}

/// `alg` is the token header's `alg` when the caller has the header; without it the step is
/// skipped and the verdict says so.
pub fn evaluate(rule: &VaultRole, alg: Option<&str>, claims: &Claims, now: i64) -> Verdict {
    let role = rule.role();
    let mut steps = Steps::new(if alg.is_none() {
        vec![ALG_NOT_CHECKED.to_owned()]
    } else {
        Vec::new()
    });
    if !role.write_errors.is_empty() {
        let summary = format!(
            "Vault would refuse to store this role: {}",
            role.write_errors.join("; ")
        );
        return Verdict::of(rule, Outcome::Error, summary, Vec::new(), Vec::new());
    }
    role_type(role, &mut steps);
    if let Some(alg) = alg {
        let (check, failure) = alg_check(role, alg);
        steps.push(check, failure);
    }
    if !role.token_bound_cidrs.is_empty() {
        steps.unverified.push(format!(
            "token_bound_cidrs ({}) is not checked: the client address is not known here",
            role.token_bound_cidrs.join(", ")
        ));
    }
    registered_claim_types(claims, &mut steps);
    issuer_subject_audience(role, claims, &mut steps);
    let leeways = Leeways {
        clock_skew: role.clock_skew_leeway,
        expiration: role.expiration_leeway,
        not_before: role.not_before_leeway,
    };
    for time in time_checks(claims, now, leeways) {
        let failure = time.failure.map(|m| format!("error validating token: {m}"));
        steps.push(time.check, failure);
    }
    audience_without_bound(role, claims, &mut steps);
    user_claim(role, claims, &mut steps);
    claim_mappings(role, claims, &mut steps);
    groups_claim(role, claims, &mut steps);
    bound_claims(role, claims, &mut steps);

    let (outcome, summary) = match steps.first_failure {
        Some(message) => (Outcome::Denied, message),
        None => (
            Outcome::Allowed,
            format!("Vault would log this token in with role {}", rule.id().name),
        ),
    };
    Verdict::of(rule, outcome, summary, steps.checks, steps.unverified)
}

fn role_type(role: &Role, steps: &mut Steps) {
    let actual = role.role_type.as_deref().unwrap_or("oidc");
    let passed = actual != "oidc";
    let mut check = Check::passed_if(passed, "role_type", vec![json!("jwt")], json!(actual));
    if role.role_type.is_none() {
        check = check.with_note("role_type absent: Vault stores a role written without it as oidc");
    }
    steps.push(
        check,
        (!passed).then(|| "role with oidc role_type is not allowed".to_owned()),
    );
}

/// cap unmarshals `iss`, `sub`, `jti` into strings and `aud` into a string list before comparing
/// anything; another type fails the whole validation with a JSON error.
fn registered_claim_types(claims: &Claims, steps: &mut Steps) {
    for name in ["iss", "sub", "jti"] {
        if let Some(value) = claims.get(name)
            && !matches!(value, Value::String(_) | Value::Null)
        {
            steps.push(
                Check::failed(
                    format!("{name} is a string"),
                    vec![json!("a string")],
                    value.clone(),
                )
                .with_note("message follows Go's encoding/json; not observed from Vault"),
                Some(format!(
                    "error validating token: json: cannot unmarshal {} into Go struct field Claims.{name} of type string",
                    go_json_kind(value)
                )),
            );
        }
    }
    if let Some(aud) = claims.get("aud")
        && !audience_unmarshals(aud)
    {
        steps.push(
            Check::failed("aud is a string or list of strings", vec![json!("string or list of strings")], aud.clone())
                .with_note("message follows go-jose's source; not observed from Vault"),
            Some("error validating token: go-jose/go-jose/jwt: expected string or array value to unmarshal to Audience".to_owned()),
        );
    }
}

fn go_json_kind(value: &Value) -> &'static str {
    match value {
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::String(_) => "string",
        Value::Null => "null",
    }
}

/// The token's `aud` as cap sees it: a string becomes a one-element list.
fn audiences(claims: &Claims) -> Vec<String> {
    owned_strings_in(claims.get("aud"))
}

fn issuer_subject_audience(role: &Role, claims: &Claims, steps: &mut Steps) {
    let string_claim = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or("");
    let exact = |condition: &str, expected: &str, claim: &str, message: &str, steps: &mut Steps| {
        let actual = string_claim(claim);
        let passed = expected == actual;
        let hints = if passed {
            Vec::new()
        } else {
            hints::string_mismatch_hints(expected, actual)
        };
        steps.push(
            Check::passed_if(
                passed,
                condition,
                vec![json!(expected)],
                claims.get(claim).cloned(),
            )
            .with_hints(hints),
            (!passed).then(|| format!("error validating token: {message}")),
        );
    };
    if let Some(issuer) = &role.bound_issuer {
        exact(
            "bound_issuer (mount config) = iss",
            issuer,
            "iss",
            "invalid issuer (iss) claim",
            steps,
        );
    }
    if !role.bound_subject.is_empty() {
        exact(
            "bound_subject = sub",
            &role.bound_subject,
            "sub",
            "invalid subject (sub) claim",
            steps,
        );
    }
    if !role.bound_audiences.is_empty() {
        let token_audiences = audiences(claims);
        let passed = role
            .bound_audiences
            .iter()
            .any(|bound| token_audiences.contains(bound));
        let mut hints_found = Vec::new();
        if !passed && role.bound_audiences.len() == 1 && token_audiences.len() == 1 {
            hints_found =
                hints::string_mismatch_hints(&role.bound_audiences[0], &token_audiences[0]);
        }
        steps.push(
            Check::passed_if(
                passed,
                "bound_audiences ∋ aud (any)",
                role.bound_audiences.iter().map(|a| json!(a)).collect(),
                claims.get("aud").cloned(),
            )
            .with_hints(hints_found),
            (!passed).then(|| "error validating token: invalid audience (aud) claim: audience claim does not match any expected audience".to_owned()),
        );
    }
}

fn audience_without_bound(role: &Role, claims: &Claims, steps: &mut Steps) {
    if !role.bound_audiences.is_empty() {
        return;
    }
    let has_audience = match claims.get("aud") {
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(items)) => !items.is_empty(),
        _ => false,
    };
    steps.push(
        Check::passed_if(
            !has_audience,
            "no aud when the role has no bound_audiences",
            vec![json!("no aud claim, or an empty one")],
            claims.get("aud").cloned(),
        )
        .with_note("Vault refuses any token carrying an audience when the role binds none"),
        has_audience
            .then(|| "audience claim found in JWT but no audiences bound to the role".to_owned()),
    );
}

fn user_claim(role: &Role, claims: &Claims, steps: &mut Steps) {
    let name = &role.user_claim;
    // Without user_claim_json_pointer the name is a literal key, even when it starts with '/';
    // a key present with a null value is "present" to Go's map lookup but not a string.
    let (present, actual, is_string) = if role.user_claim_json_pointer {
        match get_claim(claims, name) {
            Some(found) => (
                true,
                Some(found.raw),
                matches!(found.value, GoValue::String(_)),
            ),
            None => (false, None, false),
        }
    } else {
        let value = claims.get(name);
        (
            value.is_some(),
            value.cloned(),
            matches!(value, Some(Value::String(_))),
        )
    };
    let failure = if !present {
        Some(format!("claim {name:?} not found in token"))
    } else if !is_string {
        Some(format!("claim {name:?} could not be converted to string"))
    } else {
        None
    };
    let mut check = Check::passed_if(
        failure.is_none(),
        format!("user_claim {name:?} present and a string"),
        vec![json!("a string")],
        actual,
    );
    if name.starts_with('/') && !role.user_claim_json_pointer {
        check = check.with_note("user_claim_json_pointer is false, so this name is a literal top-level key, not a JSON pointer");
    }
    steps.push(check, failure);
}

fn claim_mappings(role: &Role, claims: &Claims, steps: &mut Steps) {
    for (source, target) in &role.claim_mappings {
        let found = get_claim(claims, source);
        let failure = match &found {
            Some(l) if !matches!(l.value, GoValue::String(_)) => {
                Some(format!("error converting claim '{source}' to string"))
            }
            _ => None,
        };
        let mut check = Check::passed_if(
            failure.is_none(),
            format!("claim_mappings {source:?} → {target:?} is a string"),
            vec![json!("a string, or absent")],
            found.map(|l| l.raw),
        );
        if check.absent {
            check = check.with_note("absent: the mapping is skipped");
        }
        steps.push(check, failure);
    }
}

fn groups_claim(role: &Role, claims: &Claims, steps: &mut Steps) {
    let name = &role.groups_claim;
    if name.is_empty() {
        return;
    }
    let found = get_claim(claims, name);
    let failure = match found.as_ref().map(|l| l.value.normalize_list()) {
        None => Some(format!("{name:?} claim not found in token")),
        Some(None) => Some(format!(
            "{name:?} claim could not be converted to string list"
        )),
        Some(Some(items)) => items
            .iter()
            .find(|v| !matches!(v, GoValue::String(_)))
            .map(|v| {
                format!(
                    "value {} in groups claim could not be parsed as string",
                    v.go_display()
                )
            }),
    };
    steps.push(
        Check::passed_if(
            failure.is_none(),
            format!("groups_claim {name:?} present, a string or list of strings"),
            vec![json!("a list of strings")],
            found.map(|l| l.raw),
        )
        .with_note(
            "the list-of-strings messages are read from an older plugin revision's path_login.go",
        ),
        failure,
    );
}

fn bound_claims(role: &Role, claims: &Claims, steps: &mut Steps) {
    let mode = if role.glob { "glob" } else { "string" };
    let mut failures = 0;
    for (key, expected_raw) in &role.bound_claims {
        let condition = format!("bound_claims ({mode}) {key:?}");
        let expected_shown = match expected_raw {
            Value::Array(items) => items.clone(),
            other => vec![other.clone()],
        };
        let Some(found) = get_claim(claims, key) else {
            let mut check = Check::absent(&condition, expected_shown);
            if key.starts_with('/') {
                check = check.with_note("JSON pointer: nothing at this path, or the path is invalid — Vault counts both as missing");
            }
            failures += 1;
            steps.push(
                check,
                Some(format!("error validating claims: claim {key:?} is missing")),
            );
            continue;
        };
        let expected = GoValue::from_role(expected_raw).and_then(|v| v.normalize_list());
        let actual = found.value.normalize_list();
        let outcome = match (&actual, &expected) {
            (None, _) => Err(format!(
                "error validating claims: received claim is not a string, bool, int or list: {}",
                found.value.go_display()
            )),
            (_, None) => Err(format!(
                "error validating claims: bound claim is not a string, bool, int or list: {}",
                GoValue::from_role(expected_raw)
                    .map_or_else(|| "<nil>".to_owned(), |v| v.go_display())
            )),
            (Some(actual), Some(expected)) => Ok(match_found(expected, actual, role.glob)),
        };
        let passed = matches!(outcome, Ok(true));
        let mut check = Check::passed_if(passed, &condition, expected_shown, found.raw.clone());
        if !passed && let (Some(a), Some(e)) = (&actual, &expected) {
            check = check.with_hints(bound_claim_hints(e, a, role.glob));
        }
        if let Some(original) = found.truncated_from {
            check = check.with_note(format!(
                "the token's number {original} was compared as json.Number(\"{}\"): Vault truncates top-level numbers",
                match &found.value {
                    GoValue::Number(n) => n.as_str(),
                    _ => "",
                }
            ));
            steps.unverified.push(format!(
                "bound claim {key:?}: truncating {original} follows vault-plugin-auth-jwt 2e68bba; another revision of claims.go formats non-integral numbers exactly (\"{original}\")"
            ));
        }
        let failure = match outcome {
            Ok(true) => None,
            Ok(false) => Some(format!(
                "error validating claims: claim {key:?} does not match any associated bound claim values"
            )),
            Err(message) => Some(message),
        };
        if failure.is_some() {
            failures += 1;
        }
        steps.push(check, failure);
    }
    if failures > 1 {
        steps.unverified.push(
            "several bound claims fail; Vault walks bound_claims in Go map order (random), so its message may name another of them".to_owned(),
        );
    }
}

/// `matchFound`: any expected value equals (string mode) or globs (glob mode) any actual value.
/// In glob mode non-string actual values are skipped; non-string expected values cannot occur
/// (the role could not have been written).
fn match_found(expected: &[GoValue], actual: &[GoValue], glob: bool) -> bool {
    expected.iter().any(|want| {
        actual.iter().any(|have| {
            if glob {
                match (want, have) {
                    (GoValue::String(pattern), GoValue::String(subject)) => {
                        crate::trust::wildcard::go_glob(pattern, subject)
                    }
                    _ => false,
                }
            } else {
                want.go_equals(have)
            }
        })
    })
}
