//! Reading a workload identity pool provider from the shapes users have:
//! * `gcloud iam workload-identity-pools providers describe` (YAML by default or
//!   `--format=json`): camelCase, `oidc.issuerUri`, `oidc.allowedAudiences`;
//! * Terraform-style JSON: the `google_iam_workload_identity_pool_provider` arguments in
//!   snake_case (`attribute_mapping`, `attribute_condition`, `oidc` as an object or a one-element
//!   list with `issuer_uri`, `allowed_audiences`), alone or inside Terraform's JSON syntax
//!   `{"resource": {"google_iam_workload_identity_pool_provider": {"<label>": {...}}}}`.
//!
//! Field names: hashicorp/terraform-provider-google
//! `website/docs/r/iam_workload_identity_pool_provider.html.markdown@122d64a`, which mirrors the
//! REST resource `WorkloadIdentityPoolProvider`.

use serde_json::{Map, Value};

use crate::trust::strings::only_strings;

/// One provider as written in the rule file, before any CEL is compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderConfig {
    /// Full resource name `projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<id>`,
    /// when known.
    pub name: Option<String>,
    /// A short label for verdicts: the provider id, the Terraform label or the display name.
    pub label: String,
    pub issuer_uri: Option<String>,
    pub allowed_audiences: Vec<String>,
    /// Target attribute → CEL expression, in file order.
    pub attribute_mapping: Vec<(String, String)>,
    pub attribute_condition: Option<String>,
    pub disabled: bool,
    /// `state` as gcloud prints it (ACTIVE, DELETED).
    pub state: Option<String>,
}

const TERRAFORM_TYPE: &str = "google_iam_workload_identity_pool_provider";

pub fn looks_like_provider(doc: &Value) -> bool {
    let Some(object) = doc.as_object() else {
        return false;
    };
    if terraform_resources(object).is_some() {
        return true;
    }
    let has = |k: &str| object.contains_key(k);
    let oidc_issuer = oidc_block(object)
        .is_some_and(|oidc| oidc.contains_key("issuerUri") || oidc.contains_key("issuer_uri"));
    has("attributeMapping")
        || has("attribute_mapping")
        || has("workload_identity_pool_provider_id")
        || oidc_issuer
        || object
            .get("name")
            .and_then(Value::as_str)
            .is_some_and(|n| n.contains("/workloadIdentityPools/") && n.contains("/providers/"))
}

pub fn read(doc: &Value) -> Result<Vec<ProviderConfig>, String> {
    let object = doc
        .as_object()
        .ok_or("a GCP provider must be a JSON/YAML object")?;
    if let Some(resources) = terraform_resources(object) {
        if resources.is_empty() {
            return Err(format!("no {TERRAFORM_TYPE} resource in the file"));
        }
        return resources
            .iter()
            .map(|(label, body)| {
                let body = body
                    .as_object()
                    .ok_or_else(|| format!("resource {label} is not an object"))?;
                read_one(body, Some(label))
            })
            .collect();
    }
    read_one(object, None).map(|p| vec![p])
}

fn terraform_resources(object: &Map<String, Value>) -> Option<&Map<String, Value>> {
    object
        .get("resource")?
        .as_object()?
        .get(TERRAFORM_TYPE)?
        .as_object()
}

/// `oidc` as gcloud prints it (an object) or as Terraform state holds blocks (a list of one).
fn oidc_block(object: &Map<String, Value>) -> Option<&Map<String, Value>> {
    match object.get("oidc")? {
        Value::Object(oidc) => Some(oidc),
        Value::Array(items) => items.first()?.as_object(),
        _ => None,
    }
}

fn field<'a>(object: &'a Map<String, Value>, camel: &str, snake: &str) -> Option<&'a Value> {
    object.get(camel).or_else(|| object.get(snake))
}

fn string_field(
    object: &Map<String, Value>,
    camel: &str,
    snake: &str,
) -> Result<Option<String>, String> {
    match field(object, camel, snake) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("{camel} must be a string, found {other}")),
    }
}

fn read_one(
    object: &Map<String, Value>,
    terraform_label: Option<&str>,
) -> Result<ProviderConfig, String> {
    if object.contains_key("aws") || object.contains_key("saml") || object.contains_key("x509") {
        return Err(
            "this is an AWS, SAML or X.509 provider; claimcheck evaluates OIDC providers only"
                .to_owned(),
        );
    }
    let oidc = oidc_block(object);
    let issuer_uri = match oidc {
        Some(oidc) => string_field(oidc, "issuerUri", "issuer_uri")?,
        None => None,
    };
    let allowed_audiences =
        match oidc.and_then(|o| field(o, "allowedAudiences", "allowed_audiences")) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => only_strings(items)
                .map_err(|a| format!("allowedAudiences must hold strings, found {a}"))?,
            Some(other) => return Err(format!("allowedAudiences must be a list, found {other}")),
        };
    let attribute_mapping = match field(object, "attributeMapping", "attribute_mapping") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(target, expr)| match expr {
                Value::String(expr) => Ok((target.clone(), expr.clone())),
                other => Err(format!(
                    "attributeMapping.{target} must be a CEL string, found {other}"
                )),
            })
            .collect::<Result<_, _>>()?,
        Some(other) => return Err(format!("attributeMapping must be a map, found {other}")),
    };
    let attribute_condition = string_field(object, "attributeCondition", "attribute_condition")?
        .filter(|c| !c.trim().is_empty());
    let name = string_field(object, "name", "name")?.or_else(|| terraform_name(object));
    let label = name
        .as_deref()
        .and_then(|n| n.rsplit_once("/providers/").map(|(_, id)| id.to_owned()))
        .or_else(|| terraform_label.map(str::to_owned))
        .or(string_field(object, "displayName", "display_name")?)
        .unwrap_or_else(|| "provider".to_owned());
    Ok(ProviderConfig {
        name,
        label,
        issuer_uri,
        allowed_audiences,
        attribute_mapping,
        attribute_condition,
        disabled: field(object, "disabled", "disabled").and_then(Value::as_bool) == Some(true),
        state: string_field(object, "state", "state")?,
    })
}

/// Terraform arguments name the project (often by ID), pool and provider separately.
fn terraform_name(object: &Map<String, Value>) -> Option<String> {
    let get = |k: &str| object.get(k).and_then(Value::as_str);
    Some(format!(
        "projects/{}/locations/global/workloadIdentityPools/{}/providers/{}",
        get("project")?,
        get("workload_identity_pool_id")?,
        get("workload_identity_pool_provider_id")?
    ))
}
