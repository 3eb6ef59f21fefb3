//! OpenID Connect Discovery 1.0 §4 (and RFC 8414 §3 as the fallback): from an issuer to the URL
//! of its key set. The document's `issuer` must equal the token's `iss` exactly (OIDC Discovery
//! §4.3), and `jwks_uri` must pass the HTTP policy (https, or http on loopback).

use reqwest::Url;
use serde_json::Value;

use super::http::{Deadline, HttpClient, HttpError, check_url, http_reason};

const OIDC_SUFFIX: &str = "/.well-known/openid-configuration";
const OAUTH_WELL_KNOWN: &str = "/.well-known/oauth-authorization-server";

#[derive(Debug, Clone, PartialEq)]
pub struct Discovered {
    pub document_url: String,
    pub jwks_uri: String,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DiscoveryError {
    #[error("{}", http_reason(.0))]
    Http(HttpError),
    #[error("discovery document {url} is not JSON ({found}): {cause}")]
    NotJson {
        url: String,
        found: String,
        cause: String,
    },
    #[error(
        "discovery document {url} is for issuer \"{found}\", but the token's iss is \"{expected}\" (they must be equal)"
    )]
    IssuerMismatch {
        url: String,
        expected: String,
        found: String,
    },
    #[error("discovery document {url} has no jwks_uri")]
    NoJwksUri { url: String },
    #[error("discovery document {url} gives jwks_uri {jwks_uri}, which is refused: {why}")]
    JwksUriRefused {
        url: String,
        jwks_uri: String,
        why: String,
    },
}

/// The OIDC location (`{iss}/.well-known/openid-configuration`, trailing slash of the issuer
/// removed first) and the RFC 8414 §3.1 one (well-known segment inserted before the path).
pub fn document_urls(issuer: &str) -> Result<[String; 2], HttpError> {
    let url = check_url(issuer)?;
    let trimmed = issuer.trim_end_matches('/');
    let oidc = format!("{trimmed}{OIDC_SUFFIX}");
    let path = url.path().trim_end_matches('/');
    let mut oauth: Url = url.clone();
    oauth.set_path(&format!("{OAUTH_WELL_KNOWN}{path}"));
    oauth.set_query(None);
    Ok([oidc, oauth.to_string()])
}

pub fn discover(
    client: &HttpClient,
    issuer: &str,
    deadline: &Deadline,
) -> Result<Discovered, DiscoveryError> {
    let [oidc, oauth] = document_urls(issuer).map_err(DiscoveryError::Http)?;
    let fetched = match client.get(&oidc, None, deadline) {
        Err(HttpError::Status { status, .. }) if (400..500).contains(&status) => client
            .get(&oauth, None, deadline)
            .map_err(DiscoveryError::Http)?,
        other => other.map_err(DiscoveryError::Http)?,
    };
    let url = fetched.final_url.clone();
    let document: Value =
        serde_json::from_slice(&fetched.body).map_err(|e| DiscoveryError::NotJson {
            url: url.clone(),
            found: fetched
                .content_type
                .clone()
                .map(|t| format!("Content-Type {t}"))
                .unwrap_or_else(|| "no Content-Type".to_owned()),
            cause: e.to_string(),
        })?;
    let found = document.get("issuer").and_then(Value::as_str).unwrap_or("");
    if found != issuer {
        return Err(DiscoveryError::IssuerMismatch {
            url,
            expected: issuer.to_owned(),
            found: found.to_owned(),
        });
    }
    let Some(jwks_uri) = document.get("jwks_uri").and_then(Value::as_str) else {
        return Err(DiscoveryError::NoJwksUri { url });
    };
    if let Err(refused) = check_url(jwks_uri) {
        let why = match refused {
            HttpError::Refused { why, .. } => why,
            other => other.to_string(),
        };
        return Err(DiscoveryError::JwksUriRefused {
            url,
            jwks_uri: jwks_uri.to_owned(),
            why,
        });
    }
    Ok(Discovered {
        document_url: url,
        jwks_uri: jwks_uri.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_locations() {
        // OIDC Discovery §4.1 appends to the issuer; RFC 8414 §3.1 inserts before its path.
        assert_eq!(
            document_urls("https://token.actions.githubusercontent.com").unwrap(),
            [
                "https://token.actions.githubusercontent.com/.well-known/openid-configuration",
                "https://token.actions.githubusercontent.com/.well-known/oauth-authorization-server",
            ]
        );
        assert_eq!(
            document_urls("https://api.gitpod.io/idp/").unwrap(),
            [
                "https://api.gitpod.io/idp/.well-known/openid-configuration",
                "https://api.gitpod.io/.well-known/oauth-authorization-server/idp",
            ]
        );
        assert!(document_urls("http://issuer.example").is_err());
    }
}
