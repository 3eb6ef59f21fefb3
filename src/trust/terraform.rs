//! Trust rules from Terraform's JSON output (`terraform show -json plan.out` for a plan,
//! `terraform show -json` for the state), in the format documented at
//! <https://developer.hashicorp.com/terraform/internals/json-format>. Pure: the caller reads
//! the file.
//!
//! Each trust-rule resource is translated into the document its vendor's CLI prints and read
//! by the loader of that format (`trust::load`), so the same evaluators decide; the rules are
//! named by their resource address (`module.ci.aws_iam_role.deploy["x"]`). A plan's values that
//! are unknown until apply (`after_unknown`) are never guessed: a rule depending on one cannot
//! be decided (`trust::resource`).
//!
//! Resources read, with the fields as the providers document them:
//! * `aws_iam_role` (`assume_role_policy`, a JSON string) and `aws_iam_openid_connect_provider`
//!   (`url`, `client_id_list`), which joins every role like a `get-open-id-connect-provider`
//!   document (hashicorp/terraform-provider-aws, website/docs/r/iam_role.html.markdown and
//!   iam_openid_connect_provider.html.markdown);
//! * `google_iam_workload_identity_pool_provider` (`oidc`, `attribute_mapping`,
//!   `attribute_condition`, `disabled`, `name`), read by the GCP loader's Terraform form;
//! * `azuread_application_federated_identity_credential` (`display_name`, `issuer`, `subject`,
//!   `audiences`), `azuread_application_flexible_federated_identity_credential`
//!   (`claims_matching_expression`, `audience`), `azurerm_federated_identity_credential`
//!   (`audience`), and `azapi_resource` of a `…/federatedIdentityCredentials` type, whose `body`
//!   holds the Graph/ARM `properties` (including `claimsMatchingExpression`);
//! * `vault_jwt_auth_backend_role`, with `bound_issuer` and `jwt_supported_algs` from the
//!   `vault_jwt_auth_backend` whose `path` is the role's `backend` when it is in the plan;
//!   `bound_claims` values holding a comma are split into lists and trimmed, as the provider
//!   writes them (hashicorp/terraform-provider-vault, vault/resource_jwt_auth_backend_role.go,
//!   `jwtAuthBackendRoleDataToWrite`), and an unset `role_type` is not sent, so Vault's default
//!   applies;
//! * `local_file`/`local_sensitive_file` (`content`) and `kubernetes_config_map`/`kubernetes_config_map_v1` (`data`
//!   entries) whose text is a Kubernetes `AuthenticationConfiguration`; other files are not
//!   rules and are skipped.

use serde_json::{Map, Value, json};

use super::RuleKind;
use super::load::{LoadedRules, RuleFileError, load_rule_file};

/// Which values of a plan become rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `--rules tfplan:FILE`: the planned values (`change.after`), unknowns included.
    PlanAfter,
    /// `--rules tfplan-before:FILE`: the values before the change (`change.before`).
    PlanBefore,
    /// `--rules tfstate:FILE`: `values.root_module` of `terraform show -json` without a plan.
    State,
}

impl Source {
    pub fn prefix(self) -> &'static str {
        match self {
            Source::PlanAfter => "tfplan",
            Source::PlanBefore => "tfplan-before",
            Source::State => "tfstate",
        }
    }
}

/// One managed resource's values on one side of a plan (or in the state).
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub address: String,
    pub kind: String,
    /// The values, with null members removed (Terraform's null is "not set").
    pub values: Value,
    /// `after_unknown`'s entry for the resource: `true` leaves mark unknown values.
    pub unknown: Value,
}

/// What the resource types claimcheck reads are, for messages.
const READ_TYPES: &str = "aws_iam_role, aws_iam_openid_connect_provider, google_iam_workload_identity_pool_provider, azuread_application_federated_identity_credential, azuread_application_flexible_federated_identity_credential, azurerm_federated_identity_credential, azapi_resource (federatedIdentityCredentials), vault_jwt_auth_backend_role, local_file, local_sensitive_file and kubernetes_config_map holding an AuthenticationConfiguration";

const AWS_PROVIDER: &str = "aws_iam_openid_connect_provider";
const VAULT_BACKEND: &str = "vault_jwt_auth_backend";

fn invalid(file: &str, message: impl Into<String>) -> RuleFileError {
    RuleFileError::Invalid {
        file: file.to_owned(),
        kind: "Terraform",
        message: message.into(),
    }
}

/// Parses `terraform show -json` output; a syntax error names the line and column.
pub fn parse(file: &str, text: &str) -> Result<Value, RuleFileError> {
    serde_json::from_str(text).map_err(|e| RuleFileError::Json {
        syntax: "JSON",
        file: file.to_owned(),
        line: e.line(),
        column: e.column(),
        message: {
            let text = e.to_string();
            let tail = format!(" at line {} column {}", e.line(), e.column());
            text.strip_suffix(&tail).unwrap_or(&text).to_owned()
        },
        tried: "Terraform JSON output (`terraform show -json`)".to_owned(),
    })
}

/// Is `doc` a plan (`terraform show -json plan.out`)?
pub fn is_plan(doc: &Value) -> bool {
    doc.get("format_version").is_some()
        && (doc.get("resource_changes").is_some() || doc.get("planned_values").is_some())
}

/// Is `doc` the state (`terraform show -json` without a plan)?
pub fn is_state(doc: &Value) -> bool {
    doc.get("format_version").is_some()
        && !is_plan(doc)
        && (doc.pointer("/values/root_module").is_some() || doc.get("values").is_none())
}

/// The rules of a plan or state file: every trust-rule resource, on the side `source` asks for.
pub fn load(file: &str, text: &str, source: Source) -> Result<LoadedRules, RuleFileError> {
    let doc = parse(file, text)?;
    let resources = match source {
        Source::State if is_plan(&doc) => {
            return Err(invalid(
                file,
                "this is a plan (`terraform show -json plan.out`); read it with tfplan: or tfplan-before:",
            ));
        }
        Source::State if is_state(&doc) => state_resources(&doc),
        Source::PlanAfter | Source::PlanBefore if is_plan(&doc) => {
            plan_resources(file, &doc, source == Source::PlanBefore)?
        }
        Source::PlanAfter | Source::PlanBefore if is_state(&doc) => {
            return Err(invalid(
                file,
                "this is the state (`terraform show -json` without a plan); read it with tfstate:",
            ));
        }
        _ => {
            return Err(invalid(
                file,
                "not `terraform show -json` output (no format_version with resource_changes or values.root_module)",
            ));
        }
    };
    let loaded = rules(file, &resources, None)?;
    if loaded.is_empty() {
        let side = match source {
            Source::PlanBefore => " before the change",
            Source::PlanAfter => " after the change",
            Source::State => "",
        };
        return Err(invalid(
            file,
            format!("no trust-rule resource{side}; claimcheck reads {READ_TYPES}"),
        ));
    }
    Ok(loaded)
}

/// The managed resources of a plan, before or after the change. A resource created by the plan
/// has no before, one destroyed has no after.
pub fn plan_resources(
    file: &str,
    doc: &Value,
    before: bool,
) -> Result<Vec<Resource>, RuleFileError> {
    let Some(changes) = doc.get("resource_changes") else {
        return Ok(Vec::new());
    };
    let changes = changes
        .as_array()
        .ok_or_else(|| invalid(file, "resource_changes is not a list"))?;
    let mut resources = Vec::new();
    for change in changes {
        if change
            .get("mode")
            .and_then(Value::as_str)
            .unwrap_or("managed")
            != "managed"
        {
            continue;
        }
        let (Some(address), Some(kind)) = (
            change.get("address").and_then(Value::as_str),
            change.get("type").and_then(Value::as_str),
        ) else {
            return Err(invalid(file, "a resource change without address or type"));
        };
        let side = if before { "before" } else { "after" };
        let Some(values) = change
            .pointer(&format!("/change/{side}"))
            .filter(|v| v.is_object())
        else {
            continue;
        };
        let unknown = if before {
            Value::Null
        } else {
            change
                .pointer("/change/after_unknown")
                .cloned()
                .unwrap_or(Value::Null)
        };
        resources.push(Resource {
            address: address.to_owned(),
            kind: kind.to_owned(),
            values: without_nulls(values),
            unknown,
        });
    }
    Ok(resources)
}

/// The managed resources of the state, through every module.
pub fn state_resources(doc: &Value) -> Vec<Resource> {
    let mut resources = Vec::new();
    if let Some(root) = doc.pointer("/values/root_module") {
        walk_module(root, &mut resources);
    }
    resources
}

fn walk_module(module: &Value, out: &mut Vec<Resource>) {
    for resource in module
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if resource
            .get("mode")
            .and_then(Value::as_str)
            .unwrap_or("managed")
            != "managed"
        {
            continue;
        }
        let (Some(address), Some(kind), Some(values)) = (
            resource.get("address").and_then(Value::as_str),
            resource.get("type").and_then(Value::as_str),
            resource.get("values").filter(|v| v.is_object()),
        ) else {
            continue;
        };
        out.push(Resource {
            address: address.to_owned(),
            kind: kind.to_owned(),
            values: without_nulls(values),
            unknown: Value::Null,
        });
    }
    for child in module
        .get("child_modules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        walk_module(child, out);
    }
}

/// A changed trust-rule resource of a plan: its rules before and after, for `preview --plan`.
pub struct PlanChange {
    pub address: String,
    /// Terraform's actions (`create`, `update`, `delete`…), as the plan says them.
    pub actions: Vec<String>,
    pub before: LoadedRules,
    pub after: LoadedRules,
}

/// Every trust rule the plan changes, one entry per resource address, in plan order. A change
/// to an OIDC provider or a Vault backend changes every role that depends on it.
pub fn plan_changes(file: &str, text: &str) -> Result<Vec<PlanChange>, RuleFileError> {
    let doc = parse(file, text)?;
    if !is_plan(&doc) {
        return Err(invalid(
            file,
            "not a plan: give `terraform show -json plan.out` output",
        ));
    }
    let before = plan_resources(file, &doc, true)?;
    let after = plan_resources(file, &doc, false)?;
    let mut changed: Vec<(String, Vec<String>)> = Vec::new();
    let mut add = |address: &str, actions: &[String]| {
        if !changed.iter().any(|(known, _)| known == address) {
            changed.push((address.to_owned(), actions.to_vec()));
        }
    };
    for change in doc
        .get("resource_changes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let actions: Vec<String> = change
            .pointer("/change/actions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| a.as_str().map(str::to_owned))
            .collect();
        if actions.iter().all(|a| a == "no-op" || a == "read") {
            continue;
        }
        let (Some(address), Some(kind)) = (
            change.get("address").and_then(Value::as_str),
            change.get("type").and_then(Value::as_str),
        ) else {
            continue;
        };
        let dependents = match kind {
            AWS_PROVIDER => Some("aws_iam_role"),
            VAULT_BACKEND => Some("vault_jwt_auth_backend_role"),
            _ => None,
        };
        if let Some(dependent) = dependents {
            for resource in before.iter().chain(&after) {
                if resource.kind == dependent {
                    // The role's own actions when it changes too, else the provider's.
                    let own = actions_of(&doc, &resource.address);
                    let changes_itself = own.iter().any(|a| a != "no-op" && a != "read");
                    add(
                        &resource.address,
                        if changes_itself { &own } else { &actions },
                    );
                }
            }
            continue;
        }
        let is_rule = |side: &[Resource]| {
            side.iter()
                .filter(|r| r.address == address)
                .any(|r| !translate(file, r, side).is_ok_and(|rules| rules.is_none()))
        };
        if is_rule(&before) || is_rule(&after) {
            add(address, &actions);
        }
    }
    changed
        .into_iter()
        .map(|(address, actions)| {
            Ok(PlanChange {
                before: rules(file, &before, Some(&address))?,
                after: rules(file, &after, Some(&address))?,
                address,
                actions,
            })
        })
        .collect()
}

fn actions_of(doc: &Value, address: &str) -> Vec<String> {
    doc.get("resource_changes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| c.get("address").and_then(Value::as_str) == Some(address))
        .and_then(|c| c.pointer("/change/actions"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect()
}

/// The rules of `resources` (all of them, or only the one at `only` with what it joins).
pub fn rules(
    file: &str,
    resources: &[Resource],
    only: Option<&str>,
) -> Result<LoadedRules, RuleFileError> {
    let selected = |r: &Resource| only.is_none_or(|address| r.address == address);
    // Providers join the roles beside them; without a role they are not rules at all.
    let joins_aws = resources
        .iter()
        .any(|r| selected(r) && r.kind == "aws_iam_role");
    let mut loaded = LoadedRules::default();
    for resource in resources {
        let wanted = if resource.kind == AWS_PROVIDER {
            joins_aws
        } else {
            selected(resource)
        };
        if !wanted {
            continue;
        }
        if let Some(rules) = translate(file, resource, resources)? {
            loaded.merge(rules);
        }
    }
    Ok(loaded)
}

/// One resource's rules; `None` when the resource is not a trust rule.
fn translate(
    file: &str,
    resource: &Resource,
    all: &[Resource],
) -> Result<Option<LoadedRules>, RuleFileError> {
    let address = resource.address.as_str();
    let values = resource
        .values
        .as_object()
        .ok_or_else(|| invalid(address, "the resource's values are not an object"))?;
    // Federated credentials of one application (or managed identity) are alternatives: Entra
    // accepts a token when any of them matches. The loader groups the credentials of one file,
    // so each is read under its application's id.
    let application = ["application_id", "application_object_id", "parent_id"]
        .iter()
        .find_map(|key| values.get(*key).and_then(Value::as_str))
        .unwrap_or(address);
    let wrap = |kind: RuleKind, doc: Option<Value>, unknown: Vec<String>| {
        let shown = if kind == RuleKind::Entra {
            application
        } else {
            address
        };
        let rules = match doc.map(|doc| load_rule_file(shown, &doc.to_string(), Some(kind))) {
            Some(Ok(rules)) => Some(rules),
            // A document missing a value known only after apply (a subject, an issuer) may not
            // be one the loader accepts: it is a rule nobody can decide yet, not a bad file.
            Some(Err(_)) if !unknown.is_empty() => None,
            Some(Err(error)) => return Err(error),
            None => None,
        };
        Ok::<_, RuleFileError>(Some(LoadedRules::from_resource(
            kind,
            Some(file),
            address,
            rules,
            unknown,
        )))
    };
    match resource.kind.as_str() {
        "aws_iam_role" => {
            let unknown = resource.unknown_under(&["assume_role_policy"]);
            if !unknown.is_empty() {
                return wrap(RuleKind::Aws, None, unknown);
            }
            let policy = values
                .get("assume_role_policy")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid(address, "aws_iam_role without assume_role_policy"))?;
            let mut role = Map::new();
            if let Some(name) = values.get("name").filter(|_| !resource.is_unknown("name")) {
                role.insert("RoleName".into(), name.clone());
            }
            role.insert("AssumeRolePolicyDocument".into(), json!(policy));
            wrap(RuleKind::Aws, Some(json!({ "Role": role })), Vec::new())
        }
        AWS_PROVIDER => {
            let unknown: Vec<String> = resource
                .unknown_under(&["url", "client_id_list"])
                .into_iter()
                .map(|path| format!("{address}.{path}"))
                .collect();
            if !unknown.is_empty() {
                return Ok(Some(
                    LoadedRules::default().with_aws_provider_unknown(unknown),
                ));
            }
            let document = json!({
                "Url": values.get("url").cloned().unwrap_or(Value::Null),
                "ClientIDList": values.get("client_id_list").cloned().unwrap_or(json!([])),
                "ThumbprintList": values.get("thumbprint_list").cloned().unwrap_or(json!([])),
            });
            load_rule_file(address, &document.to_string(), Some(RuleKind::Aws)).map(Some)
        }
        "google_iam_workload_identity_pool_provider" => {
            let mut relevant = vec![
                "oidc",
                "attribute_mapping",
                "attribute_condition",
                "disabled",
            ];
            let audiences_given = values
                .get("oidc")
                .and_then(|oidc| oidc.get(0).or(Some(oidc)))
                .and_then(|oidc| oidc.get("allowed_audiences"))
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty());
            if !audiences_given {
                // Without allowed audiences, the provider's full name is the audience.
                relevant.push("name");
            }
            let mut doc = values.clone();
            // The state lists every block type, empty when unused; the GCP loader refuses a
            // provider with an aws, saml or x509 block.
            for block in ["aws", "saml", "x509"] {
                if doc.get(block).is_some_and(is_empty) {
                    doc.remove(block);
                }
            }
            wrap(
                RuleKind::Gcp,
                Some(Value::Object(doc)),
                resource.unknown_under(&relevant),
            )
        }
        "azuread_application_federated_identity_credential" => {
            let doc = json!({
                "name": values.get("display_name").cloned().unwrap_or(json!(address)),
                "issuer": values.get("issuer"),
                "subject": values.get("subject"),
                "audiences": values.get("audiences"),
            });
            wrap(
                RuleKind::Entra,
                Some(without_nulls(&doc)),
                resource.unknown_under(&["issuer", "subject", "audiences"]),
            )
        }
        "azuread_application_flexible_federated_identity_credential" => {
            let expression = values
                .get("claims_matching_expression")
                .map(|value| json!({"value": value, "languageVersion": 1}));
            let doc = json!({
                "name": values.get("display_name").cloned().unwrap_or(json!(address)),
                "issuer": values.get("issuer"),
                "audiences": values.get("audience").map(|a| if a.is_array() { a.clone() } else { json!([a]) }),
                "claimsMatchingExpression": expression,
            });
            wrap(
                RuleKind::Entra,
                Some(without_nulls(&doc)),
                resource.unknown_under(&["issuer", "audience", "claims_matching_expression"]),
            )
        }
        "azurerm_federated_identity_credential" => {
            let doc = json!({
                "name": values.get("name").cloned().unwrap_or(json!(address)),
                "issuer": values.get("issuer"),
                "subject": values.get("subject"),
                "audiences": values.get("audience"),
            });
            wrap(
                RuleKind::Entra,
                Some(without_nulls(&doc)),
                resource.unknown_under(&["issuer", "subject", "audience"]),
            )
        }
        "azapi_resource" => {
            let is_credential = values.get("type").and_then(Value::as_str).is_some_and(|t| {
                t.to_ascii_lowercase()
                    .contains("/federatedidentitycredentials")
            });
            if !is_credential {
                return Ok(None);
            }
            let unknown = resource.unknown_under(&["body"]);
            if resource.is_unknown("body") {
                return wrap(RuleKind::Entra, None, unknown);
            }
            // azapi 1.x holds the body as a JSON string, 2.x as an object.
            let body = match values.get("body") {
                Some(Value::String(text)) => serde_json::from_str(text)
                    .map_err(|e| invalid(address, format!("body is not JSON: {e}")))?,
                Some(body) => body.clone(),
                None => return Err(invalid(address, "azapi_resource without body")),
            };
            let mut doc = body
                .get("properties")
                .and_then(Value::as_object)
                .cloned()
                .ok_or_else(|| invalid(address, "body has no properties"))?;
            if let Some(name) = values.get("name") {
                doc.insert("name".into(), name.clone());
            }
            wrap(
                RuleKind::Entra,
                Some(without_nulls(&Value::Object(doc))),
                unknown,
            )
        }
        "vault_jwt_auth_backend_role" => vault_role(file, resource, values, all).map(Some),
        "local_file" | "local_sensitive_file" => {
            // Whether a file is an AuthenticationConfiguration is in its content: content known
            // only after apply may hold one, so the file is a rule nobody can decide yet rather
            // than no rule (a guard must not pass a configuration it has not read).
            let unknown = resource.unknown_under(&["content", "sensitive_content"]);
            if !unknown.is_empty() {
                return wrap(RuleKind::Kubernetes, None, unknown);
            }
            let Some(text) = values
                .get("content")
                .or_else(|| values.get("sensitive_content"))
                .and_then(Value::as_str)
            else {
                return Ok(None);
            };
            kubernetes_config(file, address, text)
        }
        "kubernetes_config_map" | "kubernetes_config_map_v1" => {
            // As for a file: an entry known only after apply may hold a configuration.
            let unknown = resource.unknown_under(&["data"]);
            let mut loaded: Option<LoadedRules> = if unknown.is_empty() {
                None
            } else {
                wrap(RuleKind::Kubernetes, None, unknown)?
            };
            for (key, text) in values
                .get("data")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let Some(text) = text.as_str() else { continue };
                let entry = format!("{address}.data[\"{key}\"]");
                if let Some(rules) = kubernetes_config(file, &entry, text)? {
                    loaded.get_or_insert_with(LoadedRules::default).merge(rules);
                }
            }
            Ok(loaded)
        }
        _ => Ok(None),
    }
}

fn kubernetes_config(
    file: &str,
    address: &str,
    text: &str,
) -> Result<Option<LoadedRules>, RuleFileError> {
    let is_config = super::yaml::to_json(text).is_ok_and(|doc| {
        doc.get("kind").and_then(Value::as_str) == Some("AuthenticationConfiguration")
    });
    if !is_config {
        return Ok(None);
    }
    let rules = load_rule_file(address, text, Some(RuleKind::Kubernetes))?;
    Ok(Some(LoadedRules::from_resource(
        RuleKind::Kubernetes,
        Some(file),
        address,
        Some(rules),
        Vec::new(),
    )))
}

/// Role fields the Vault loader reads, as the provider names them (the Vault API's names).
const VAULT_ROLE_FIELDS: &[&str] = &[
    "bound_audiences",
    "bound_subject",
    "bound_claims",
    "bound_claims_type",
    "user_claim",
    "user_claim_json_pointer",
    "claim_mappings",
    "groups_claim",
    "clock_skew_leeway",
    "expiration_leeway",
    "not_before_leeway",
    "token_bound_cidrs",
];

fn vault_role(
    file: &str,
    resource: &Resource,
    values: &Map<String, Value>,
    all: &[Resource],
) -> Result<LoadedRules, RuleFileError> {
    let address = resource.address.as_str();
    let mut role = Map::new();
    if let Some(role_type) = values
        .get("role_type")
        .filter(|_| !resource.is_unknown("role_type"))
    {
        role.insert("role_type".into(), role_type.clone());
    }
    for field in VAULT_ROLE_FIELDS {
        if let Some(value) = values.get(*field) {
            role.insert((*field).into(), value.clone());
        }
    }
    if let Some(Value::Object(claims)) = role.get_mut("bound_claims") {
        for value in claims.values_mut() {
            let split: Option<Vec<Value>> = value
                .as_str()
                .filter(|t| t.contains(','))
                .map(|t| t.split(',').map(|part| Value::from(part.trim())).collect());
            if let Some(split) = split {
                *value = Value::Array(split);
            }
        }
    }
    let mut relevant: Vec<&str> = VAULT_ROLE_FIELDS.to_vec();
    relevant.push("backend");
    let mut unknown = resource.unknown_under(&relevant);
    let mount = values
        .get("backend")
        .and_then(Value::as_str)
        .unwrap_or("jwt");
    let backend = all.iter().find(|r| {
        r.kind == VAULT_BACKEND
            && r.values
                .get("path")
                .and_then(Value::as_str)
                .map(|p| p.trim_matches('/'))
                == Some(mount.trim_matches('/'))
    });
    if let Some(backend) = backend {
        for field in ["bound_issuer", "jwt_supported_algs"] {
            if let Some(value) = backend.values.get(field) {
                role.insert(field.into(), value.clone());
            }
        }
        unknown.extend(
            backend
                .unknown_under(&["bound_issuer", "jwt_supported_algs"])
                .into_iter()
                .map(|path| format!("{}.{path}", backend.address)),
        );
    }
    let rules = load_rule_file(
        address,
        &Value::Object(role).to_string(),
        Some(RuleKind::Vault),
    )?;
    Ok(LoadedRules::from_resource(
        RuleKind::Vault,
        Some(file),
        address,
        Some(rules),
        unknown,
    ))
}

impl Resource {
    fn is_unknown(&self, attribute: &str) -> bool {
        self.unknown.get(attribute) == Some(&Value::Bool(true))
    }

    /// The paths of the unknown values under `attributes`, e.g. `oidc[0].allowed_audiences`.
    fn unknown_under(&self, attributes: &[&str]) -> Vec<String> {
        let mut paths = Vec::new();
        for attribute in attributes {
            if let Some(marks) = self.unknown.get(*attribute) {
                collect_unknown(marks, (*attribute).to_owned(), &mut paths);
            }
        }
        paths
    }
}

fn collect_unknown(marks: &Value, path: String, out: &mut Vec<String>) {
    match marks {
        Value::Bool(true) => out.push(path),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_unknown(item, format!("{path}[{i}]"), out);
            }
        }
        Value::Object(members) => {
            for (key, item) in members {
                collect_unknown(item, format!("{path}[\"{key}\"]"), out);
            }
        }
        _ => {}
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(members) => members.is_empty(),
        _ => false,
    }
}

/// `value` without null object members, at every depth.
fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(members) => Value::Object(
            members
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests;
