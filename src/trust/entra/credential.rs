//! Federated identity credentials as `az ad app federated-credential list` (a JSON list) or
//! `show` (one object) prints them; a Graph response (`{"value": [...]}`) is accepted too.
//! Fields (Graph federatedIdentityCredential resource): `name`, `issuer`, `subject` (null for a
//! flexible credential), `audiences`, `description`, `claimsMatchingExpression`
//! (`{value, languageVersion}`).

use serde_json::{Map, Value};

use crate::trust::strings::only_strings;

use super::expression::{Expression, SyntaxError, parse_expression};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matching {
    /// Classic: the token's `sub` must equal this exactly.
    Subject(String),
    Expression(Result<Expression, SyntaxError>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub name: String,
    pub issuer: String,
    pub audiences: Vec<String>,
    pub matching: Matching,
    /// What Entra would refuse when the credential is created (it cannot exist as given).
    pub write_errors: Vec<String>,
}

/// The credential objects of the document, if it looks like az/Graph output.
pub fn credential_objects(doc: &Value) -> Option<Vec<&Map<String, Value>>> {
    let items: Vec<&Value> = match doc {
        Value::Array(items) => items.iter().collect(),
        Value::Object(o) => match o.get("value") {
            Some(Value::Array(items)) if !o.contains_key("issuer") => items.iter().collect(),
            _ => vec![doc],
        },
        _ => return None,
    };
    if items.is_empty() {
        return None;
    }
    items
        .into_iter()
        .map(|item| {
            let object = item.as_object()?;
            let looks_like = object.contains_key("issuer")
                && object.contains_key("audiences")
                && (object.contains_key("subject")
                    || object.contains_key("claimsMatchingExpression"));
            looks_like.then_some(object)
        })
        .collect()
}

pub fn parse_credential(object: &Map<String, Value>, index: usize) -> Result<Credential, String> {
    let label = |field: &str| format!("credential #{}: {field}", index + 1);
    let text = |field: &str| -> Result<Option<String>, String> {
        match object.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("{}: expected a string", label(field))),
        }
    };
    let given_name = text("name")?;
    let name = given_name
        .clone()
        .unwrap_or_else(|| format!("credential #{}", index + 1));
    let issuer = text("issuer")?.ok_or_else(|| format!("{}: missing", label("issuer")))?;
    let audiences = match object.get("audiences") {
        Some(Value::Array(items)) => only_strings(items).ok(),
        _ => None,
    }
    .ok_or_else(|| format!("{}: expected a list of strings", label("audiences")))?;
    let subject = text("subject")?.filter(|s| !s.is_empty());
    let expression = match object.get("claimsMatchingExpression") {
        None | Some(Value::Null) => None,
        Some(Value::Object(e)) => {
            let value = match e.get("value") {
                Some(Value::String(v)) => v.clone(),
                _ => {
                    return Err(format!(
                        "{}: expected {{\"value\": \"…\", \"languageVersion\": 1}}",
                        label("claimsMatchingExpression")
                    ));
                }
            };
            let version = e.get("languageVersion").and_then(Value::as_i64);
            Some((value, version))
        }
        Some(_) => {
            return Err(format!(
                "{}: expected an object",
                label("claimsMatchingExpression")
            ));
        }
    };
    let mut write_errors = Vec::new();
    if let Some(name) = &given_name
        && !valid_name(name)
    {
        write_errors.push(format!(
            "name {name:?} must be 3–120 characters of letters, digits, '-' and '_', starting with a letter or digit"
        ));
    }
    for (field, value) in [("issuer", Some(&issuer)), ("subject", subject.as_ref())]
        .into_iter()
        .chain(audiences.iter().map(|a| ("audience", Some(a))))
    {
        if let Some(value) = value
            && value.chars().count() > MAX_FIELD_CHARS
        {
            write_errors.push(format!(
                "{field} is longer than {MAX_FIELD_CHARS} characters"
            ));
        }
    }
    if audiences.len() != 1 {
        write_errors.push(format!(
            "Federated identity credentials must have exactly one audience (this one has {})",
            audiences.len()
        ));
    }
    let matching = match (subject, expression) {
        (Some(_), Some(_)) => {
            write_errors
                .push("subject and claimsMatchingExpression are mutually exclusive".to_owned());
            Matching::Subject(String::new())
        }
        (None, None) => {
            write_errors.push("neither subject nor claimsMatchingExpression is set".to_owned());
            Matching::Subject(String::new())
        }
        (Some(subject), None) => Matching::Subject(subject),
        (None, Some((value, version))) => {
            if version != Some(1) {
                write_errors.push(format!(
                    "claimsMatchingExpression.languageVersion must be 1 (found {})",
                    version.map_or_else(|| "none".to_owned(), |v| v.to_string())
                ));
            }
            Matching::Expression(parse_expression(&value))
        }
    };
    Ok(Credential {
        name,
        issuer,
        audiences,
        matching,
        write_errors,
    })
}

/// Issuer, subject and audience values are limited to 600 characters (considerations doc).
const MAX_FIELD_CHARS: usize = 600;

/// Names: 3–120 characters of `[A-Za-z0-9_-]`, the first alphanumeric (considerations doc).
fn valid_name(name: &str) -> bool {
    (3..=120).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shapes() {
        // `az ad app federated-credential show` prints one object, `list` a list; Graph wraps the
        // list in "value" (microsoft-graph-docs-contrib federatedidentitycredential resource).
        let one = json!({"name": "a", "issuer": "i", "subject": "s", "audiences": ["x"]});
        assert_eq!(credential_objects(&one).unwrap().len(), 1);
        assert_eq!(
            credential_objects(&json!([one.clone(), one.clone()]))
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            credential_objects(&json!({"value": [one.clone()]}))
                .unwrap()
                .len(),
            1
        );
        assert!(credential_objects(&json!([])).is_none());
        assert!(credential_objects(&json!([one, {"x": 1}])).is_none());
        assert!(credential_objects(&json!({"user_claim": "sub"})).is_none());
    }

    #[test]
    fn write_time_errors() {
        // Entra docs (federated-credential-configuration-considerations.md): exactly one
        // audience; subject and claimsMatchingExpression are mutually exclusive.
        let two = json!({"issuer": "i", "subject": "s", "audiences": ["a", "b"]});
        assert_eq!(
            parse_credential(two.as_object().unwrap(), 0)
                .unwrap()
                .write_errors,
            ["Federated identity credentials must have exactly one audience (this one has 2)"]
        );
        let both = json!({"issuer": "i", "subject": "s", "audiences": ["a"],
                          "claimsMatchingExpression": {"value": "claims['sub'] eq 's'", "languageVersion": 1}});
        let credential = parse_credential(both.as_object().unwrap(), 1).unwrap();
        assert_eq!(credential.name, "credential #2");
        assert_eq!(
            credential.write_errors,
            ["subject and claimsMatchingExpression are mutually exclusive"]
        );
        let version = json!({"issuer": "i", "subject": null, "audiences": ["a"],
                             "claimsMatchingExpression": {"value": "claims['sub'] eq 's'", "languageVersion": 2}});
        assert_eq!(
            parse_credential(version.as_object().unwrap(), 0)
                .unwrap()
                .write_errors,
            ["claimsMatchingExpression.languageVersion must be 1 (found 2)"]
        );
        let names =
            json!({"name": "-x", "issuer": "i", "subject": "s".repeat(601), "audiences": ["a"]});
        assert_eq!(
            parse_credential(names.as_object().unwrap(), 0)
                .unwrap()
                .write_errors,
            [
                "name \"-x\" must be 3–120 characters of letters, digits, '-' and '_', starting with a letter or digit",
                "subject is longer than 600 characters",
            ]
        );
        assert!(valid_name("acme-app_prod1") && !valid_name("ab") && !valid_name("a.b.c"));
        let bad = json!({"issuer": 1, "subject": "s", "audiences": ["a"]});
        assert!(
            parse_credential(bad.as_object().unwrap(), 0)
                .unwrap_err()
                .contains("issuer")
        );
    }
}
