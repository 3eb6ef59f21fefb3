//! `aws iam get-open-id-connect-provider` output: the provider URL and its client-ID list
//! ("audiences"), which STS checks before it reads the trust policy (id_roles_providers_create_oidc.html).

use serde_json::Value;

use crate::trust::strings::only_strings;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcProvider {
    /// As IAM stores it: without `https://` (e.g. `token.actions.githubusercontent.com`).
    pub url: String,
    pub client_ids: Vec<String>,
    /// The file it came from, for messages.
    pub file: Option<String>,
}

impl OidcProvider {
    /// STS finds the provider by the token's `iss`: exact, case-sensitive, trailing slash
    /// included (id_roles_providers_create_oidc.html; mozilla-iam/mozilla-aws-cli#127).
    pub fn matches_issuer(&self, issuer: &str) -> bool {
        issuer.strip_prefix("https://") == Some(self.url.as_str())
    }
}

pub fn looks_like_provider(value: &Value) -> bool {
    value.as_object().is_some_and(|object| {
        object.contains_key("ClientIDList")
            || (object.contains_key("Url") && object.contains_key("ThumbprintList"))
    })
}

pub fn parse_provider(value: &Value, file: Option<&str>) -> Result<OidcProvider, String> {
    let url = value
        .get("Url")
        .and_then(Value::as_str)
        .ok_or("the provider document has no \"Url\"")?;
    let client_ids = match value.get("ClientIDList") {
        Some(Value::Array(items)) => only_strings(items)
            .map_err(|item| format!("ClientIDList holds {item}, not a string"))?,
        None => Vec::new(),
        Some(other) => return Err(format!("ClientIDList is {other}, not a list")),
    };
    Ok(OidcProvider {
        url: url.strip_prefix("https://").unwrap_or(url).to_owned(),
        client_ids,
        file: file.map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn parses_cli_output_and_matches_issuer_exactly() {
        let value = json!({
            "Url": "token.actions.githubusercontent.com",
            "ClientIDList": ["sts.amazonaws.com"],
            "ThumbprintList": ["6938fd4d98bab03faadb97b34396831e3780aea1"],
            "CreateDate": "2024-01-01T00:00:00+00:00"
        });
        assert!(looks_like_provider(&value));
        let provider = parse_provider(&value, Some("p.json")).unwrap();
        assert_eq!(provider.client_ids, ["sts.amazonaws.com"]);
        assert!(provider.matches_issuer("https://token.actions.githubusercontent.com"));
        // trailing slash counts (mozilla-iam/mozilla-aws-cli#127)
        assert!(!provider.matches_issuer("https://token.actions.githubusercontent.com/"));
        assert!(!provider.matches_issuer("https://Token.actions.githubusercontent.com"));
        assert!(!looks_like_provider(&json!({"Statement": []})));
        assert!(parse_provider(&json!({"ClientIDList": []}), None).is_err());
    }
}
