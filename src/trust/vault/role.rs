//! A Vault JWT role as `vault read -format=json auth/<mount>/role/<name>` prints it (the role is
//! under `data`), or the bare role body. `bound_issuer` belongs to the mount's config
//! (`auth/<mount>/config`), not to the role; it is accepted in the same document (beside the role
//! fields, or in `data`) because the login checks it, and is optional. So is the config's
//! `jwt_supported_algs`.
//!
//! Field semantics and write-time validation: vault-plugin-auth-jwt path_role.go (docs/SEMANTICS.md §4,
//! "Role-write constraints"; conformance notes list the write-time error texts).

use serde_json::{Map, Value};

use crate::trust::strings::only_strings;

use super::value::GoValue;

/// Fields that only a Vault JWT/OIDC role has; two of them make a document a role.
const ROLE_FIELDS: &[&str] = &[
    "role_type",
    "user_claim",
    "bound_audiences",
    "bound_subject",
    "bound_claims",
    "bound_claims_type",
    "claim_mappings",
    "groups_claim",
    "clock_skew_leeway",
    "expiration_leeway",
    "not_before_leeway",
    "user_claim_json_pointer",
    "allowed_redirect_uris",
];

/// The object holding the role fields: `data` of `vault read` output, or the document itself.
pub fn role_body(doc: &Value) -> Option<&Map<String, Value>> {
    let object = doc.as_object()?;
    let looks_like_role =
        |o: &Map<String, Value>| ROLE_FIELDS.iter().filter(|f| o.contains_key(**f)).count() >= 2;
    match object.get("data").and_then(Value::as_object) {
        Some(data) if looks_like_role(data) => Some(data),
        _ => looks_like_role(object).then_some(object),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    /// `None` when the document has no `role_type`; Vault stores such a role as `oidc`.
    pub role_type: Option<String>,
    pub bound_issuer: Option<String>,
    /// Mount config; empty means every algorithm the plugin supports (for JWT roles).
    pub jwt_supported_algs: Vec<String>,
    pub bound_subject: String,
    pub bound_audiences: Vec<String>,
    /// In file order; Vault iterates a Go map (random order) — see the evaluator.
    pub bound_claims: Vec<(String, Value)>,
    pub glob: bool,
    pub user_claim: String,
    pub user_claim_json_pointer: bool,
    pub claim_mappings: Vec<(String, String)>,
    pub groups_claim: String,
    pub clock_skew_leeway: i64,
    pub expiration_leeway: i64,
    pub not_before_leeway: i64,
    pub token_bound_cidrs: Vec<String>,
    /// What Vault would refuse when the role is written (the role cannot exist as given).
    pub write_errors: Vec<String>,
}

/// Reads the role fields; a wrong JSON type is an error naming the field.
pub fn parse_role(doc: &Value) -> Result<Role, String> {
    let body = role_body(doc).ok_or_else(|| {
        "not a Vault role: expected `vault read -format=json auth/<mount>/role/<name>` output or a role body".to_owned()
    })?;
    let outer = doc.as_object().filter(|o| !std::ptr::eq(*o, body));
    let bound_issuer = match body
        .get("bound_issuer")
        .or_else(|| outer?.get("bound_issuer"))
    {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err("bound_issuer: expected a string".into()),
    };
    let jwt_supported_algs = match outer.filter(|_| !body.contains_key("jwt_supported_algs")) {
        Some(outer) => string_list(outer, "jwt_supported_algs")?,
        None => string_list(body, "jwt_supported_algs")?,
    };
    let bound_claims_type = string_field(body, "bound_claims_type")?.unwrap_or_default();
    let mut write_errors = Vec::new();
    let glob = match bound_claims_type.as_str() {
        "" | "string" => false,
        "glob" => true,
        other => {
            write_errors.push(format!("invalid 'bound_claims_type': {other}"));
            false
        }
    };
    let bound_claims: Vec<(String, Value)> = match body.get("bound_claims") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        Some(_) => return Err("bound_claims: expected an object".into()),
    };
    if glob {
        // path_role.go refuses non-string glob values when the role is written.
        for (key, value) in &bound_claims {
            let bad = match value {
                Value::String(_) => None,
                Value::Array(items) => items.iter().find(|v| !v.is_string()),
                other => Some(other),
            };
            if let Some(bad) = bad {
                let shown =
                    GoValue::from_role(bad).map_or_else(|| "<nil>".to_owned(), |v| v.go_display());
                write_errors.push(format!(
                    "bound claim {key:?} in glob mode: claim is not a string: {shown}"
                ));
            }
        }
    }
    let claim_mappings: Vec<(String, String)> = match body.get("claim_mappings") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| match v {
                Value::String(target) => Ok((k.clone(), target.clone())),
                _ => Err(format!("claim_mappings.{k}: expected a string")),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("claim_mappings: expected an object".into()),
    };
    let mut targets = std::collections::HashSet::new();
    for (_, target) in &claim_mappings {
        if target == "role" {
            write_errors.push(
                "metadata key \"role\" is reserved and may not be a mapping destination".into(),
            );
        } else if !targets.insert(target.as_str()) {
            write_errors.push(format!(
                "multiple keys are mapped to metadata key {target:?}"
            ));
        }
    }
    let user_claim = string_field(body, "user_claim")?.unwrap_or_default();
    if user_claim.is_empty() {
        write_errors.push("a user claim must be defined on the role".into());
    }
    let role = Role {
        role_type: string_field(body, "role_type")?,
        bound_issuer,
        jwt_supported_algs,
        bound_subject: string_field(body, "bound_subject")?.unwrap_or_default(),
        bound_audiences: string_list(body, "bound_audiences")?,
        bound_claims,
        glob,
        user_claim,
        user_claim_json_pointer: matches!(
            body.get("user_claim_json_pointer"),
            Some(Value::Bool(true))
        ),
        claim_mappings,
        groups_claim: string_field(body, "groups_claim")?.unwrap_or_default(),
        clock_skew_leeway: seconds_field(body, "clock_skew_leeway")?,
        expiration_leeway: seconds_field(body, "expiration_leeway")?,
        not_before_leeway: seconds_field(body, "not_before_leeway")?,
        token_bound_cidrs: string_list(body, "token_bound_cidrs")?,
        write_errors,
    };
    let mut role = role;
    if role.role_type.as_deref() != Some("oidc")
        && role.bound_audiences.is_empty()
        && role.bound_subject.is_empty()
        && role.bound_claims.is_empty()
        && role.token_bound_cidrs.is_empty()
    {
        role.write_errors
            .push("must have at least one bound constraint when creating/updating a role".into());
    }
    Ok(role)
}

fn string_field(body: &Map<String, Value>, name: &str) -> Result<Option<String>, String> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{name}: expected a string")),
    }
}

/// Vault prints comma-string-slice fields as lists; a comma-separated string (as written on the
/// command line) is accepted too.
fn string_list(body: &Map<String, Value>, name: &str) -> Result<Vec<String>, String> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()),
        Some(Value::Array(items)) => {
            only_strings(items).map_err(|_| format!("{name}: expected a list of strings"))
        }
        Some(_) => Err(format!("{name}: expected a list of strings")),
    }
}

/// Vault prints durations in seconds; as written they may also be Go-style (`90s`, `2m`, `1h`).
/// Absent means 0, which the plugin treats as "use the default".
fn seconds_field(body: &Map<String, Value>, name: &str) -> Result<i64, String> {
    let bad = || format!("{name}: expected seconds (a number, or a duration like \"60s\")");
    match body.get(name) {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => n.as_i64().ok_or_else(bad),
        Some(Value::String(s)) => parse_duration_seconds(s).ok_or_else(bad),
        Some(_) => Err(bad()),
    }
}

fn parse_duration_seconds(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(n) = text.parse::<i64>() {
        return Some(n);
    }
    let (number, unit) = text.split_at(text.find(|c: char| c.is_ascii_alphabetic())?);
    let n: i64 = number.parse().ok()?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return None,
    };
    Some(n * scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn vault_read_output_and_bare_body() {
        // Shape of `vault read -format=json auth/jwt/role/x` (hashicorp/vault
        // website/content/api-docs/auth/jwt.mdx "Read role" response).
        let read = json!({
            "request_id": "r", "lease_id": "", "lease_duration": 0, "renewable": false,
            "data": {"role_type": "jwt", "user_claim": "sub", "bound_audiences": ["a"],
                     "clock_skew_leeway": 0, "bound_claims": {"x": "y"}}
        });
        let role = parse_role(&read).unwrap();
        assert_eq!(role.role_type.as_deref(), Some("jwt"));
        assert_eq!(role.bound_audiences, ["a"]);
        assert!(role.write_errors.is_empty());
        let bare = json!({"user_claim": "sub", "bound_subject": "s", "bound_issuer": "https://i",
                          "clock_skew_leeway": "2m", "bound_audiences": "a, b"});
        let role = parse_role(&bare).unwrap();
        assert_eq!(role.bound_issuer.as_deref(), Some("https://i"));
        assert_eq!(role.clock_skew_leeway, 120);
        assert_eq!(role.bound_audiences, ["a", "b"]);
        let outer_issuer = json!({"bound_issuer": "https://i", "data": {"user_claim": "sub", "bound_subject": "s"}});
        assert_eq!(
            parse_role(&outer_issuer).unwrap().bound_issuer.as_deref(),
            Some("https://i")
        );
    }

    #[test]
    fn write_time_errors() {
        // path_role.go write-time validation (conformance notes "role_validation_errors").
        let role = parse_role(&json!({
            "role_type": "jwt", "bound_claims_type": "glob", "bound_claims": {"n": 42, "l": ["a", true]},
            "claim_mappings": {"a": "role", "b": "x", "c": "x"}
        }))
        .unwrap();
        assert_eq!(
            role.write_errors,
            [
                "bound claim \"n\" in glob mode: claim is not a string: 42",
                "bound claim \"l\" in glob mode: claim is not a string: true",
                "metadata key \"role\" is reserved and may not be a mapping destination",
                "multiple keys are mapped to metadata key \"x\"",
                "a user claim must be defined on the role",
            ]
        );
        let unbound = parse_role(&json!({"role_type": "jwt", "user_claim": "sub"})).unwrap();
        assert_eq!(
            unbound.write_errors,
            ["must have at least one bound constraint when creating/updating a role"]
        );
        let bad_type = parse_role(
            &json!({"user_claim": "sub", "bound_subject": "s", "bound_claims_type": "regex"}),
        )
        .unwrap();
        assert_eq!(
            bad_type.write_errors,
            ["invalid 'bound_claims_type': regex"]
        );
        assert!(
            parse_role(&json!({"user_claim": 1, "bound_subject": "s"}))
                .unwrap_err()
                .contains("user_claim")
        );
        assert!(parse_role(&json!({"iss": "x"})).is_err());
    }
}
