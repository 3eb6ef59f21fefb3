//! Kubernetes structured authentication: would the API server authenticate this token, and as
//! whom?
//!
//! Public face: [`detect`] and [`parse`] (the loader's contract) read an
//! `AuthenticationConfiguration` (`apiserver.config.k8s.io/v1beta1` or `v1`, usually YAML: run
//! it through [`crate::trust::yaml::to_json`] first). Each `jwt` entry becomes one
//! [`JwtAuthenticator`] rule. A token from another issuer is `not_applicable` (the API server
//! skips it); an invalid entry is `error`; an allowed verdict ends with a `resulting user`
//! check whose `actual` is `{"username", "uid", "groups", "extra"}`.

mod config;
mod rule;

pub use config::{ClaimRule, PrefixedMapping, UsernameMapping};
pub use rule::JwtAuthenticator;

use serde_json::Value;

use crate::trust::{Rule, RuleId, RuleKind};

const API_GROUP: &str = "apiserver.config.k8s.io/";

pub fn detect(doc: &Value) -> bool {
    let kind = doc.get("kind").and_then(Value::as_str);
    let api = doc.get("apiVersion").and_then(Value::as_str);
    match (kind, api) {
        (Some(kind), _) => kind == "AuthenticationConfiguration",
        (None, Some(api)) => api.starts_with(API_GROUP),
        (None, None) => doc.get("jwt").is_some_and(Value::is_array),
    }
}

pub fn parse(doc: &Value, file: Option<&str>) -> Result<Vec<Box<dyn Rule>>, String> {
    if let Some(api) = doc.get("apiVersion").and_then(Value::as_str) {
        let version = api
            .strip_prefix(API_GROUP)
            .ok_or_else(|| format!("apiVersion {api} is not {API_GROUP}v1, v1beta1 or v1alpha1"))?;
        if !["v1", "v1beta1", "v1alpha1"].contains(&version) {
            return Err(format!(
                "apiVersion {api}: claimcheck knows v1, v1beta1 and v1alpha1"
            ));
        }
    }
    let entries = match doc.get("jwt") {
        Some(Value::Array(entries)) if !entries.is_empty() => entries,
        Some(Value::Array(_)) | None | Some(Value::Null) => {
            return Err("the AuthenticationConfiguration has no jwt authenticators".to_owned());
        }
        Some(other) => return Err(format!("jwt must be a list, found {other}")),
    };
    Ok(entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let url = entry
                .pointer("/issuer/url")
                .and_then(Value::as_str)
                .unwrap_or("(no issuer.url)");
            let rule = JwtAuthenticator {
                id: RuleId {
                    kind: RuleKind::Kubernetes,
                    file: file.map(str::to_owned),
                    name: format!("jwt[{i}] {url}"),
                },
                config: config::read(entry, &format!("jwt[{i}]")),
            };
            Box::new(rule) as Box<dyn Rule>
        })
        .collect())
}

#[cfg(test)]
mod tests;
