//! One `jwt` entry of an `AuthenticationConfiguration`, read and validated as the API server
//! does at start-up (kubernetes/apiserver `pkg/apis/apiserver/v1/types.go`,
//! `pkg/apis/apiserver/validation/validation.go` @24a394e). A violation makes the entry an
//! `error` verdict: the real API server would refuse to start with it.

use serde_json::{Map, Value};

use crate::trust::cel::{self, Dialect, Expression};

pub struct JwtConfig {
    pub issuer_url: String,
    pub audiences: Vec<String>,
    pub claim_rules: Vec<ClaimRule>,
    pub username: UsernameMapping,
    pub groups: Option<PrefixedMapping>,
    pub uid: Option<PrefixedMapping>,
    pub extra: Vec<(String, Expression)>,
    pub user_rules: Vec<CelRule>,
}

pub enum ClaimRule {
    /// The claim must be present, a string, and equal to the value ("" when omitted).
    Required { claim: String, value: String },
    /// Boxed: a compiled expression is much larger than the other variant.
    Cel(Box<CelRule>),
}

pub struct CelRule {
    pub expression: Expression,
    pub message: String,
}

pub enum UsernameMapping {
    Claim { claim: String, prefix: String },
    Expression(Expression),
}

/// A claim with an optional prefix, or a CEL expression (groups, uid).
pub enum PrefixedMapping {
    Claim { claim: String, prefix: String },
    Expression(Expression),
}

type Obj = Map<String, Value>;

fn object<'a>(value: Option<&'a Value>, path: &str) -> Result<Option<&'a Obj>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(other) => Err(format!("{path}: must be an object, found {other}")),
    }
}

fn string(o: &Obj, key: &str, path: &str) -> Result<Option<String>, String> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        // The API server decodes strictly: a YAML `true` or `42` where a string belongs fails.
        Some(other) => Err(format!(
            "{path}.{key}: must be a string, found {other} (quote it in YAML)"
        )),
    }
}

fn list<'a>(o: &'a Obj, key: &str, path: &str) -> Result<&'a [Value], String> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(format!("{path}.{key}: must be a list, found {other}")),
    }
}

const BOOL: &[&str] = &["bool"];
const STRING: &[&str] = &["string"];
const STRINGS: &[&str] = &["string", "list(string)"];

/// Compiles and type-checks an expression whose result must be one of `returns`, as the API
/// server does when it loads the configuration (k8s.io/apiserver/pkg/authentication/cel
/// compile.go: validation rules return bool, username and uid string, groups and extra values
/// string or list(string)).
fn compile(source: &str, path: &str, returns: &[&str]) -> Result<Expression, String> {
    cel::compile(Dialect::Kubernetes, source)
        .and_then(|e| e.returning(returns, path))
        .map_err(|e| format!("{path}: {e}"))
}

pub fn read(entry: &Value, path: &str) -> Result<JwtConfig, String> {
    let entry = object(Some(entry), path)?.ok_or_else(|| format!("{path}: empty entry"))?;
    let issuer = object(entry.get("issuer"), &format!("{path}.issuer"))?
        .ok_or_else(|| format!("{path}.issuer: Required value"))?;
    let issuer_url = string(issuer, "url", "issuer")?
        .filter(|u| !u.is_empty())
        .ok_or("issuer.url: Required value")?;
    if !issuer_url.starts_with("https://") {
        return Err(format!(
            "issuer.url: Invalid value: \"{issuer_url}\": URL scheme must be https"
        ));
    }
    if let Some(discovery) = string(issuer, "discoveryURL", "issuer")?
        && discovery == issuer_url
    {
        return Err(
            "issuer.discoveryURL: Invalid value: discoveryURL must be different from URL"
                .to_owned(),
        );
    }
    let audiences = list(issuer, "audiences", "issuer")?
        .iter()
        .map(|a| {
            a.as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("issuer.audiences: must hold strings, found {a}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if audiences.is_empty() {
        return Err(
            "issuer.audiences: Required value: at least one issuer.audiences is required"
                .to_owned(),
        );
    }
    match (
        string(issuer, "audienceMatchPolicy", "issuer")?.as_deref(),
        audiences.len(),
    ) {
        (Some("MatchAny"), _) | (None | Some(""), 1) => {}
        (None | Some(""), _) => {
            return Err("issuer.audienceMatchPolicy: Invalid value: \"\": audienceMatchPolicy must be MatchAny for multiple audiences".to_owned());
        }
        (Some(other), _) => {
            return Err(format!(
                "issuer.audienceMatchPolicy: Unsupported value: \"{other}\": supported values: \"MatchAny\""
            ));
        }
    }

    let mut claim_rules = Vec::new();
    for (i, rule) in list(entry, "claimValidationRules", path)?
        .iter()
        .enumerate()
    {
        let at = format!("claimValidationRules[{i}]");
        let rule = object(Some(rule), &at)?.ok_or_else(|| format!("{at}: empty rule"))?;
        let claim = string(rule, "claim", &at)?.filter(|c| !c.is_empty());
        let expression = string(rule, "expression", &at)?.filter(|e| !e.is_empty());
        claim_rules.push(match (claim, expression) {
            (Some(claim), None) => {
                if string(rule, "message", &at)?.is_some() {
                    return Err(format!("{at}.message: Invalid value: message can't be set when claim is set"));
                }
                ClaimRule::Required {
                    value: string(rule, "requiredValue", &at)?.unwrap_or_default(),
                    claim,
                }
            }
            (None, Some(source)) => {
                if string(rule, "requiredValue", &at)?.is_some() {
                    return Err(format!("{at}.requiredValue: Invalid value: requiredValue can't be set when expression is set"));
                }
                ClaimRule::Cel(Box::new(CelRule {
                    expression: compile(&source, &format!("{at}.expression"), BOOL)?,
                    message: string(rule, "message", &at)?.unwrap_or_default(),
                }))
            }
            (Some(_), Some(_)) => return Err(format!("{at}: Invalid value: claim and expression can't both be set")),
            (None, None) => return Err(format!("{at}: Required value: claim or expression is required")),
        });
    }

    let mappings = object(entry.get("claimMappings"), "claimMappings")?
        .ok_or("claimMappings.username: Required value: claim or expression is required")?;
    let username = read_username(mappings)?;
    let groups = read_prefixed(mappings, "groups", true)?;
    let uid = read_prefixed(mappings, "uid", false)?;

    let mut extra: Vec<(String, Expression)> = Vec::new();
    for (i, item) in list(mappings, "extra", "claimMappings")?.iter().enumerate() {
        let at = format!("claimMappings.extra[{i}]");
        let item = object(Some(item), &at)?.ok_or_else(|| format!("{at}: empty entry"))?;
        let key = string(item, "key", &at)?.ok_or_else(|| format!("{at}.key: Required value"))?;
        validate_extra_key(&key, &at)?;
        if extra.iter().any(|(k, _)| *k == key) {
            return Err(format!("{at}.key: Duplicate value: \"{key}\""));
        }
        let source = string(item, "valueExpression", &at)?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                format!("{at}.valueExpression: Required value: valueExpression is required")
            })?;
        extra.push((
            key,
            compile(&source, &format!("{at}.valueExpression"), STRINGS)?,
        ));
    }

    let mut user_rules = Vec::new();
    for (i, rule) in list(entry, "userValidationRules", path)?.iter().enumerate() {
        let at = format!("userValidationRules[{i}]");
        let rule = object(Some(rule), &at)?.ok_or_else(|| format!("{at}: empty rule"))?;
        let source = string(rule, "expression", &at)?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| format!("{at}.expression: Required value: expression is required"))?;
        user_rules.push(CelRule {
            expression: compile(&source, &format!("{at}.expression"), BOOL)?,
            message: string(rule, "message", &at)?.unwrap_or_default(),
        });
    }

    Ok(JwtConfig {
        issuer_url,
        audiences,
        claim_rules,
        username,
        groups,
        uid,
        extra,
        user_rules,
    })
}

fn read_username(mappings: &Obj) -> Result<UsernameMapping, String> {
    let at = "claimMappings.username";
    let username = object(mappings.get("username"), at)?
        .ok_or("claimMappings.username: Required value: claim or expression is required")?;
    let claim = string(username, "claim", at)?.filter(|c| !c.is_empty());
    let expression = string(username, "expression", at)?.filter(|e| !e.is_empty());
    let prefix = string(username, "prefix", at)?;
    match (claim, expression) {
        (Some(claim), None) => {
            let prefix = prefix.ok_or(
                "claimMappings.username.prefix: Required value: prefix is required when claim is set. It can be set to an empty string to disable prefixing",
            )?;
            Ok(UsernameMapping::Claim { claim, prefix })
        }
        (None, Some(source)) => {
            if prefix.is_some() {
                return Err("claimMappings.username.prefix: Invalid value: prefix can't be set when expression is set".to_owned());
            }
            let expression = compile(&source, "claimMappings.username.expression", STRING)?;
            // validation.go: an expression reading claims.email must also read
            // claims.email_verified, so unverified addresses are not trusted by accident.
            if source.contains("claims.email") && !source.contains("claims.email_verified") {
                return Err("claimMappings.username.expression: Invalid value: claims.email_verified must be used in claimMappings.username.expression or claimMappings.extra[*].valueExpression or claimValidationRules[*].expression when claims.email is used in claimMappings.username.expression".to_owned());
            }
            Ok(UsernameMapping::Expression(expression))
        }
        (Some(_), Some(_)) => Err(
            "claimMappings.username: Invalid value: claim and expression can't both be set"
                .to_owned(),
        ),
        (None, None) => Err(
            "claimMappings.username: Required value: claim or expression is required".to_owned(),
        ),
    }
}

fn read_prefixed(
    mappings: &Obj,
    name: &str,
    has_prefix: bool,
) -> Result<Option<PrefixedMapping>, String> {
    let at = format!("claimMappings.{name}");
    let Some(mapping) = object(mappings.get(name), &at)? else {
        return Ok(None);
    };
    let claim = string(mapping, "claim", &at)?.filter(|c| !c.is_empty());
    let expression = string(mapping, "expression", &at)?.filter(|e| !e.is_empty());
    let prefix = if has_prefix {
        string(mapping, "prefix", &at)?
    } else {
        None
    };
    match (claim, expression) {
        (Some(claim), None) => {
            let prefix = match (has_prefix, prefix) {
                (false, _) => String::new(),
                (true, Some(p)) => p,
                (true, None) => {
                    return Err(format!(
                        "{at}.prefix: Required value: prefix is required when claim is set. It can be set to an empty string to disable prefixing"
                    ));
                }
            };
            Ok(Some(PrefixedMapping::Claim { claim, prefix }))
        }
        (None, Some(source)) => {
            if prefix.is_some() {
                return Err(format!(
                    "{at}.prefix: Invalid value: prefix can't be set when expression is set"
                ));
            }
            let returns = if name == "groups" { STRINGS } else { STRING };
            Ok(Some(PrefixedMapping::Expression(compile(
                &source,
                &format!("{at}.expression"),
                returns,
            )?)))
        }
        (Some(_), Some(_)) => Err(format!(
            "{at}: Invalid value: claim and expression can't both be set"
        )),
        (None, None) => Ok(None),
    }
}

/// Extra keys are domain-prefixed paths in lower case; `k8s.io` and `kubernetes.io` domains
/// are reserved for Kubernetes.
fn validate_extra_key(key: &str, at: &str) -> Result<(), String> {
    let Some((domain, _)) = key.split_once('/') else {
        return Err(format!(
            "{at}.key: Invalid value: \"{key}\": must be a domain-prefixed path (such as \"acme.io/foo\")"
        ));
    };
    if key.to_lowercase() != key {
        return Err(format!(
            "{at}.key: Invalid value: \"{key}\": key must be lowercase"
        ));
    }
    let reserved = ["k8s.io", "kubernetes.io"];
    if reserved
        .iter()
        .any(|r| domain == *r || domain.ends_with(&format!(".{r}")))
    {
        return Err(format!(
            "{at}.key: Invalid value: \"{key}\": k8s.io, kubernetes.io and their subdomains are reserved for Kubernetes use"
        ));
    }
    Ok(())
}
