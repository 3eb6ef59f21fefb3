//! Reading a role trust policy: the bare policy document, or `aws iam get-role` output whose
//! `Role.AssumeRolePolicyDocument` is an object, a JSON string, or a URL-encoded JSON string (as
//! the IAM API and CloudFormation return it).

use serde_json::Value;

use super::condition::{Operator, PolicyValue, parse_operator};
use super::context::ParsedKey;
use super::pattern::Template;

/// The only policy version with policy variables (reference_policies_variables.md).
pub const VARIABLES_VERSION: &str = "2012-10-17";

#[derive(Debug, Clone)]
pub struct PolicyDocument {
    pub version: Option<String>,
    pub statements: Vec<Statement>,
    /// `Role.RoleName` when the input was `get-role` output.
    pub role_name: Option<String>,
}

impl PolicyDocument {
    pub fn variables_enabled(&self) -> bool {
        self.version.as_deref() == Some(VARIABLES_VERSION)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// Every principal, federated web-identity callers included: `"Principal": "*"` or
    /// `"Principal": {"AWS": "*"}`, which AWS documents as the same thing
    /// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-anonymous).
    Everyone(Wildcard),
    /// `Principal.Federated`: provider ARNs or built-in provider names.
    Federated(Vec<String>),
    /// Only non-federated principals (`AWS`, `Service`), or `NotPrincipal`.
    Other(String),
}

/// How a statement wrote its wildcard principal, to quote it back to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wildcard {
    /// `"Principal": "*"`.
    Star,
    /// `"Principal": {"AWS": "*"}` (possibly among other principals, or in a list).
    AwsStar,
}

impl Wildcard {
    pub fn as_json(self) -> Value {
        match self {
            Wildcard::Star => Value::String("*".into()),
            Wildcard::AwsStar => serde_json::json!({"AWS": "*"}),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionSpec {
    Action(Vec<String>),
    NotAction(Vec<String>),
    Missing,
}

#[derive(Debug, Clone)]
pub struct ConditionEntry {
    pub operator_written: String,
    pub operator: Result<Operator, String>,
    pub key: String,
    /// `key` parsed once for evaluation.
    pub parsed_key: ParsedKey,
    pub values: Vec<PolicyValue>,
    /// `StringLike token.actions.githubusercontent.com:sub`, as the user reads it.
    pub condition: String,
    /// The values as written, ready for [`crate::trust::Check::expected`].
    pub expected: Vec<Value>,
}

impl ConditionEntry {
    pub fn new(
        operator_written: &str,
        key: &str,
        written: Vec<String>,
        variables: bool,
    ) -> ConditionEntry {
        ConditionEntry {
            operator: parse_operator(operator_written),
            condition: format!("{operator_written} {key}"),
            expected: written.iter().cloned().map(Value::String).collect(),
            values: written
                .into_iter()
                .map(|written| PolicyValue {
                    template: Template::parse(&written, variables),
                    written,
                })
                .collect(),
            operator_written: operator_written.to_owned(),
            parsed_key: ParsedKey::new(key),
            key: key.to_owned(),
        }
    }

    pub fn written(&self) -> &str {
        &self.condition
    }
}

#[derive(Debug, Clone)]
pub struct Statement {
    pub sid: Option<String>,
    /// 1-based position in the policy, for statements without a Sid.
    pub index: usize,
    pub effect: Effect,
    pub principal: Principal,
    pub action: ActionSpec,
    /// Whether `Action`/`NotAction` covers `sts:AssumeRoleWithWebIdentity` (token-independent).
    pub covers_web_identity: bool,
    /// The provider URLs (`Principal.Federated` without the ARN part), for matching `iss`.
    pub provider_urls: Vec<String>,
    pub conditions: Vec<ConditionEntry>,
}

impl Statement {
    /// `'GitHubDeploy'` or `#2`.
    pub fn label(&self) -> String {
        match &self.sid {
            Some(sid) if !sid.is_empty() => format!("'{sid}'"),
            _ => format!("#{}", self.index),
        }
    }
}

/// Does `value` look like a trust policy or `get-role` output?
pub fn looks_like_policy(value: &Value) -> bool {
    let Some(object) = value.as_object() else {
        return false;
    };
    object.contains_key("Statement")
        || object.contains_key("AssumeRolePolicyDocument")
        || object
            .get("Role")
            .and_then(Value::as_object)
            .is_some_and(|role| role.contains_key("AssumeRolePolicyDocument"))
}

pub fn parse_policy(value: &Value) -> Result<PolicyDocument, String> {
    let (role, document) = match value.get("Role") {
        Some(role) => (Some(role), role.get("AssumeRolePolicyDocument")),
        None => (None, value.get("AssumeRolePolicyDocument")),
    };
    let decoded;
    let document = match document {
        None => value,
        Some(Value::String(text)) => {
            decoded = decode_embedded_policy(text)?;
            &decoded
        }
        Some(other) => other,
    };
    let mut policy = parse_document(document)?;
    policy.role_name = role
        .and_then(|r| r.get("RoleName"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(policy)
}

/// A policy embedded as a string: JSON, or URL-encoded JSON.
fn decode_embedded_policy(text: &str) -> Result<Value, String> {
    if let Ok(value) = serde_json::from_str(text) {
        return Ok(value);
    }
    let decoded = percent_decode(text)
        .ok_or("AssumeRolePolicyDocument is a string that is neither JSON nor URL-encoded JSON")?;
    serde_json::from_str(&decoded)
        .map_err(|e| format!("AssumeRolePolicyDocument, once URL-decoded, is not JSON: {e}"))
}

/// RFC 3986 percent-decoding (`%7B` → `{`); `None` if the result is not UTF-8.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn parse_document(document: &Value) -> Result<PolicyDocument, String> {
    let object = document
        .as_object()
        .ok_or("the policy document is not a JSON object")?;
    let version = object
        .get("Version")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let variables = version.as_deref() == Some(VARIABLES_VERSION);
    let statements = match object.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        Some(_) => return Err("\"Statement\" must be an object or an array of objects".into()),
        None => return Err("the policy has no \"Statement\"".into()),
    };
    let statements = statements
        .into_iter()
        .enumerate()
        .map(|(i, statement)| {
            parse_statement(statement, i + 1, variables)
                .map_err(|e| format!("statement #{}: {e}", i + 1))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PolicyDocument {
        version,
        statements,
        role_name: None,
    })
}

fn parse_statement(value: &Value, index: usize, variables: bool) -> Result<Statement, String> {
    let object = value.as_object().ok_or("not a JSON object")?;
    let effect = match object.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        Some(other) => return Err(format!("Effect must be Allow or Deny, not {other:?}")),
        None => return Err("no Effect".into()),
    };
    let principal = match (object.get("Principal"), object.get("NotPrincipal")) {
        (Some(Value::String(star)), _) if star == "*" => Principal::Everyone(Wildcard::Star),
        (Some(Value::Object(map)), _) if map.get("AWS").is_some_and(names_everyone) => {
            Principal::Everyone(Wildcard::AwsStar)
        }
        (Some(Value::Object(map)), _) => match map.get("Federated") {
            Some(federated) => Principal::Federated(strings(federated, "Principal.Federated")?),
            None => Principal::Other(map.keys().cloned().collect::<Vec<_>>().join(", ")),
        },
        (Some(other), _) => {
            return Err(format!("Principal {other} is neither \"*\" nor an object"));
        }
        (None, Some(_)) => Principal::Other("NotPrincipal".into()),
        (None, None) => Principal::Other("no Principal".into()),
    };
    let action = match (object.get("Action"), object.get("NotAction")) {
        (Some(action), _) => ActionSpec::Action(strings(action, "Action")?),
        (None, Some(not_action)) => ActionSpec::NotAction(strings(not_action, "NotAction")?),
        (None, None) => ActionSpec::Missing,
    };
    let conditions = match object.get("Condition") {
        None => Vec::new(),
        Some(Value::Object(operators)) => {
            let mut entries = Vec::new();
            for (operator_written, keys) in operators {
                let keys = keys
                    .as_object()
                    .ok_or_else(|| format!("Condition.{operator_written} is not an object"))?;
                for (key, values) in keys {
                    let written = strings(values, &format!("Condition.{operator_written}.{key}"))?;
                    entries.push(ConditionEntry::new(
                        operator_written,
                        key,
                        written,
                        variables,
                    ));
                }
            }
            entries
        }
        Some(_) => return Err("Condition is not an object".into()),
    };
    let provider_urls = match &principal {
        Principal::Federated(entries) => entries
            .iter()
            .map(|entry| provider_url(entry).to_owned())
            .collect(),
        _ => Vec::new(),
    };
    Ok(Statement {
        sid: object.get("Sid").and_then(Value::as_str).map(str::to_owned),
        index,
        effect,
        principal,
        covers_web_identity: covers_web_identity(&action),
        provider_urls,
        action,
        conditions,
    })
}

/// `"AWS": "*"` or `"AWS": [..., "*", ...]`: the anonymous principal, i.e. everyone.
fn names_everyone(aws: &Value) -> bool {
    crate::trust::strings::strings_in(Some(aws)).contains(&"*")
}

/// The provider URL of a `Principal.Federated` entry: what follows `oidc-provider/` in an ARN,
/// or a built-in provider name (`accounts.google.com`, `cognito-identity.amazonaws.com`).
pub fn provider_url(entry: &str) -> &str {
    entry
        .split_once(":oidc-provider/")
        .map_or(entry, |(_, url)| url)
}

pub const WEB_IDENTITY_ACTION: &str = "sts:AssumeRoleWithWebIdentity";

/// IAM action names are case-insensitive and may hold `*`/`?` wildcards.
fn covers_web_identity(action: &ActionSpec) -> bool {
    let matches = |patterns: &[String]| {
        patterns.iter().any(|pattern| {
            let template = Template::parse(&pattern.to_ascii_lowercase(), false);
            template
                .resolve(&|_| super::pattern::VariableValue::Missing)
                .is_ok_and(|pieces| {
                    super::pattern::glob_matches(&pieces, &WEB_IDENTITY_ACTION.to_ascii_lowercase())
                })
        })
    };
    match action {
        ActionSpec::Action(patterns) => matches(patterns),
        ActionSpec::NotAction(patterns) => !matches(patterns),
        ActionSpec::Missing => false,
    }
}

/// A policy value list: a scalar or an array of scalars, each as text (IAM stores `true` and
/// `"true"` alike).
fn strings(value: &Value, what: &str) -> Result<Vec<String>, String> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(format!("{what} holds {other}, not a string")),
    };
    match value {
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => Ok(vec![scalar(other)?]),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn get_role_output_with_url_encoded_document() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Federated%22%3A%22arn%3Aaws%3Aiam%3A%3A111122223333%3Aoidc-provider%2Ftoken.actions.githubusercontent.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRoleWithWebIdentity%22%7D%5D%7D";
        let value = json!({"Role": {"RoleName": "deploy", "AssumeRolePolicyDocument": encoded}});
        assert!(looks_like_policy(&value));
        let policy = parse_policy(&value).unwrap();
        assert_eq!(policy.role_name.as_deref(), Some("deploy"));
        assert!(policy.variables_enabled());
        assert_eq!(
            policy.statements[0].principal,
            Principal::Federated(vec![
                "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
                    .into()
            ])
        );
    }

    #[test]
    fn bare_document_with_single_statement_and_conditions() {
        let value = json!({
            "Version": "2008-10-17",
            "Statement": {"Sid": "S", "Effect": "Deny", "Principal": "*", "NotAction": "sts:TagSession",
                          "Condition": {"Bool": {"k": true}, "StringLike": {"a": ["x*", "y"], "b": "z"}}}
        });
        let policy = parse_policy(&value).unwrap();
        assert!(!policy.variables_enabled());
        let statement = &policy.statements[0];
        assert_eq!(statement.label(), "'S'");
        assert_eq!(statement.effect, Effect::Deny);
        assert_eq!(statement.principal, Principal::Everyone(Wildcard::Star));
        assert_eq!(
            statement.action,
            ActionSpec::NotAction(vec!["sts:TagSession".into()])
        );
        let written: Vec<_> = statement
            .conditions
            .iter()
            .map(ConditionEntry::written)
            .collect();
        assert_eq!(written, ["Bool k", "StringLike a", "StringLike b"]);
        assert_eq!(statement.conditions[0].values[0].written, "true");
    }

    // reference_policies_elements_principal.html#principal-anonymous: "Principal": "*" and
    // "Principal": {"AWS": "*"} are equivalent; both name every principal.
    #[test]
    fn wildcard_principal_forms() {
        let principal = |p: Value| {
            let value = json!({"Statement": {"Effect": "Deny", "Principal": p, "Action": "sts:*"}});
            parse_policy(&value).unwrap().statements[0]
                .principal
                .clone()
        };
        assert_eq!(principal(json!("*")), Principal::Everyone(Wildcard::Star));
        assert_eq!(
            principal(json!({"AWS": "*"})),
            Principal::Everyone(Wildcard::AwsStar)
        );
        assert_eq!(
            principal(json!({"AWS": ["arn:aws:iam::1:root", "*"]})),
            Principal::Everyone(Wildcard::AwsStar)
        );
        assert_eq!(
            principal(json!({"Federated": "accounts.google.com", "AWS": "*"})),
            Principal::Everyone(Wildcard::AwsStar)
        );
        assert_eq!(
            principal(json!({"AWS": "arn:aws:iam::1:root"})),
            Principal::Other("AWS".into())
        );
    }

    #[test]
    fn malformed_documents_say_where() {
        let bad = json!({"Statement": [{"Effect": "Allow"}, {"Effect": "Maybe"}]});
        assert_eq!(
            parse_policy(&bad).unwrap_err(),
            "statement #2: Effect must be Allow or Deny, not \"Maybe\""
        );
        let bad = json!({"Statement": [{"Effect": "Allow", "Condition": {"StringEquals": {"k": {"x": 1}}}}]});
        assert!(
            parse_policy(&bad)
                .unwrap_err()
                .contains("Condition.StringEquals.k")
        );
        assert!(!looks_like_policy(&json!({"Url": "x"})));
        assert_eq!(percent_decode("a%2Fb%zz").as_deref(), Some("a/b%zz"));
    }
}
