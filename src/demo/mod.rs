//! Bundled demo data (TEST-ONLY keys, their JWKS, and claim templates shaped like each issuer's
//! tokens) and the minting of fresh demo tokens from it. Used by `claimcheck demo` and by tests.
//!
//! The keys are published in this repository: anything signed with them proves nothing.

use jsonwebtoken::{Algorithm, EncodingKey};
use serde::Deserialize;
use serde_json::{Map, Value};

/// The public keys of the demo issuers, as a JWKS document.
pub const JWKS_JSON: &str = include_str!("../../assets/demo/jwks.json");

const RSA_KEY_PEM: &str = include_str!("../../assets/demo/keys/rsa-test-only.pem");
const EC_KEY_PEM: &str = include_str!("../../assets/demo/keys/ec-p256-test-only.pem");
const RSA_KID: &str = "claimcheck-demo-rsa-1";
const EC_KID: &str = "claimcheck-demo-ec-1";

const TEMPLATES: [&str; 8] = [
    include_str!("../../assets/demo/tokens/github-environment.json"),
    include_str!("../../assets/demo/tokens/github-branch.json"),
    include_str!("../../assets/demo/tokens/github-pull-request.json"),
    include_str!("../../assets/demo/tokens/gitlab.json"),
    include_str!("../../assets/demo/tokens/gitpod.json"),
    include_str!("../../assets/demo/tokens/ona.json"),
    include_str!("../../assets/demo/tokens/kubernetes.json"),
    include_str!("../../assets/demo/tokens/eks-irsa.json"),
];

/// Which bundled key signs a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DemoKey {
    Rsa,
    Ec,
}

impl DemoKey {
    pub fn kid(self) -> &'static str {
        match self {
            DemoKey::Rsa => RSA_KID,
            DemoKey::Ec => EC_KID,
        }
    }

    fn algorithm(self) -> (Algorithm, &'static str) {
        match self {
            DemoKey::Rsa => (Algorithm::RS256, "RS256"),
            DemoKey::Ec => (Algorithm::ES256, "ES256"),
        }
    }

    fn encoding_key(self) -> EncodingKey {
        let parsed = match self {
            DemoKey::Rsa => EncodingKey::from_rsa_pem(RSA_KEY_PEM.as_bytes()),
            DemoKey::Ec => EncodingKey::from_ec_pem(EC_KEY_PEM.as_bytes()),
        };
        parsed.expect("the bundled demo keys are valid PEM (checked by tests)")
    }
}

/// A claim template from `assets/demo/tokens/`.
#[derive(Debug, Clone, Deserialize)]
pub struct Template {
    pub name: String,
    pub description: String,
    pub key: DemoKey,
    /// Extra header parameters; `alg` and `kid` come from the key.
    #[serde(default)]
    pub header: Map<String, Value>,
    /// Time claims that hold offsets from "now" in seconds.
    #[serde(default)]
    pub times_relative_to_now: Vec<String>,
    pub claims: Map<String, Value>,
}

impl Template {
    /// The claims with relative time claims resolved against `now` (seconds since the epoch),
    /// in template order.
    pub fn claims_at(&self, now: i64) -> Map<String, Value> {
        let mut claims = self.claims.clone();
        for name in &self.times_relative_to_now {
            if let Some(offset) = claims.get(name).and_then(Value::as_i64) {
                claims.insert(name.clone(), Value::from(now + offset));
            }
        }
        claims
    }

    /// Signs `claims` as this template's issuer would, header first with `alg` and `kid`.
    pub fn sign(&self, claims: &Map<String, Value>) -> String {
        sign_with(self.key, &self.header, claims)
    }

    /// A freshly minted token for this template, valid around `now`.
    pub fn mint(&self, now: i64) -> String {
        self.sign(&self.claims_at(now))
    }
}

/// Every bundled template, in the order the demo shows them.
pub fn templates() -> Vec<Template> {
    TEMPLATES
        .iter()
        .map(|text| {
            serde_json::from_str(text).expect("bundled demo templates parse (checked by tests)")
        })
        .collect()
}

/// The template called `name` (e.g. `github-environment`).
pub fn template(name: &str) -> Option<Template> {
    templates().into_iter().find(|t| t.name == name)
}

/// Signs arbitrary claims with a demo key; tests use it to mint tokens of any shape.
pub fn sign_with(
    key: DemoKey,
    extra_header: &Map<String, Value>,
    claims: &Map<String, Value>,
) -> String {
    crate::install_crypto_provider();
    let (algorithm, alg_name) = key.algorithm();
    let mut header = Map::new();
    header.insert("alg".into(), alg_name.into());
    header.insert("kid".into(), key.kid().into());
    for (name, value) in extra_header {
        header.insert(name.clone(), value.clone());
    }
    let signing_input = format!(
        "{}.{}",
        base64url(&Value::Object(header)),
        base64url(&Value::Object(claims.clone()))
    );
    let signature =
        jsonwebtoken::crypto::sign(signing_input.as_bytes(), &key.encoding_key(), algorithm)
            .expect("signing with a bundled demo key cannot fail");
    format!("{signing_input}.{signature}")
}

fn base64url(value: &Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::{Form, Limits, decode};

    #[test]
    fn every_template_mints_a_token_that_decodes_in_template_order() {
        let now = 1_800_000_000;
        for template in templates() {
            let token = decode(&template.mint(now), &Limits::default()).unwrap();
            assert_eq!(token.form(), Form::Signed, "{}", template.name);
            assert_eq!(token.kid(), Some(template.key.kid()));
            let minted: Vec<_> = token.claims().unwrap().keys().collect();
            let templated: Vec<_> = template.claims.keys().collect();
            assert_eq!(minted, templated, "{}", template.name);
            for name in &template.times_relative_to_now {
                let at = token.claims().unwrap()[name].as_i64().unwrap();
                assert!(
                    (now - 60..=now + 86_400).contains(&at),
                    "{} {name}",
                    template.name
                );
            }
        }
    }

    #[test]
    fn templates_cover_the_documented_issuers() {
        let names: Vec<_> = templates().into_iter().map(|t| t.name).collect();
        assert_eq!(
            names,
            [
                "github-environment",
                "github-branch",
                "github-pull-request",
                "gitlab",
                "gitpod",
                "ona",
                "kubernetes",
                "eks-irsa"
            ]
        );
    }

    #[test]
    fn jwks_holds_both_demo_keys() {
        let jwks: Value = serde_json::from_str(JWKS_JSON).unwrap();
        let kids: Vec<_> = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap())
            .collect();
        assert_eq!(kids, [RSA_KID, EC_KID]);
    }
}
