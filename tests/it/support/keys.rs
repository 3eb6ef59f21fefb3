//! Keys generated fresh by the tests (and the benchmark) with aws-lc-rs, for every algorithm,
//! and the minting of tokens with them. Nothing here is committed key material.

#![allow(dead_code)]

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub enum TestKey {
    Rsa(RsaKeyPair),
    Ec {
        pair: EcdsaKeyPair,
        crv: &'static str,
    },
    Ed(Ed25519KeyPair),
}

impl TestKey {
    pub fn rsa() -> TestKey {
        TestKey::Rsa(RsaKeyPair::generate(KeySize::Rsa2048).unwrap())
    }

    /// `crv` is a JOSE curve name: P-256, P-384, P-521 or secp256k1.
    pub fn ec(crv: &'static str) -> TestKey {
        let alg = match crv {
            "P-256" => &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            "P-384" => &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
            "P-521" => &signature::ECDSA_P521_SHA512_FIXED_SIGNING,
            "secp256k1" => &signature::ECDSA_P256K1_SHA256_FIXED_SIGNING,
            other => panic!("no curve {other}"),
        };
        TestKey::Ec {
            pair: EcdsaKeyPair::generate(alg).unwrap(),
            crv,
        }
    }

    pub fn ed25519() -> TestKey {
        TestKey::Ed(Ed25519KeyPair::generate().unwrap())
    }

    /// The key that signs `alg` tokens.
    pub fn for_alg(alg: &str) -> TestKey {
        match alg {
            "ES256" => TestKey::ec("P-256"),
            "ES384" => TestKey::ec("P-384"),
            "ES512" => TestKey::ec("P-521"),
            "ES256K" => TestKey::ec("secp256k1"),
            "EdDSA" | "Ed25519" => TestKey::ed25519(),
            _ => TestKey::rsa(),
        }
    }

    /// The public JWK, with `kid` and no `alg` or `use` (callers add them when a test needs).
    pub fn jwk(&self, kid: &str) -> Value {
        match self {
            TestKey::Rsa(pair) => {
                let components = PublicKeyComponents::<Vec<u8>>::from(pair.public_key());
                json!({"kty": "RSA", "kid": kid, "n": b64(&components.n), "e": b64(&components.e)})
            }
            TestKey::Ec { pair, crv } => {
                let point = pair.public_key().as_ref();
                let width = (point.len() - 1) / 2;
                json!({
                    "kty": "EC", "crv": crv, "kid": kid,
                    "x": b64(&point[1..1 + width]), "y": b64(&point[1 + width..]),
                })
            }
            TestKey::Ed(pair) => {
                json!({"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": b64(pair.public_key().as_ref())})
            }
        }
    }

    pub fn sign(&self, alg: &str, message: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match self {
            TestKey::Rsa(pair) => {
                let padding: &'static dyn signature::RsaEncoding = match alg {
                    "RS256" => &signature::RSA_PKCS1_SHA256,
                    "RS384" => &signature::RSA_PKCS1_SHA384,
                    "RS512" => &signature::RSA_PKCS1_SHA512,
                    "PS256" => &signature::RSA_PSS_SHA256,
                    "PS384" => &signature::RSA_PSS_SHA384,
                    "PS512" => &signature::RSA_PSS_SHA512,
                    other => panic!("an RSA key does not sign {other}"),
                };
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(padding, &rng, message, &mut signature).unwrap();
                signature
            }
            TestKey::Ec { pair, .. } => pair.sign(&rng, message).unwrap().as_ref().to_vec(),
            TestKey::Ed(pair) => pair.sign(message).as_ref().to_vec(),
        }
    }

    /// A compact JWS: `header` gets `alg` (and `kid` when given) first.
    pub fn mint(&self, alg: &str, kid: Option<&str>, extra_header: Value, claims: Value) -> String {
        let mut header = Map::new();
        header.insert("alg".into(), alg.into());
        if let Some(kid) = kid {
            header.insert("kid".into(), kid.into());
        }
        if let Value::Object(extra) = extra_header {
            header.extend(extra);
        }
        let input = format!(
            "{}.{}",
            b64(Value::Object(header).to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let signature = self.sign(alg, input.as_bytes());
        format!("{input}.{}", b64(&signature))
    }
}

/// An HMAC token signed with `secret` (jsonwebtoken's signer, as a relying party's peer would).
pub fn mint_hmac(alg: &str, secret: &[u8], claims: Value) -> String {
    claimcheck::install_crypto_provider();
    let algorithm = match alg {
        "HS256" => jsonwebtoken::Algorithm::HS256,
        "HS384" => jsonwebtoken::Algorithm::HS384,
        "HS512" => jsonwebtoken::Algorithm::HS512,
        other => panic!("not HMAC: {other}"),
    };
    let input = format!(
        "{}.{}",
        b64(json!({"alg": alg, "typ": "JWT"}).to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let signature = jsonwebtoken::crypto::sign(
        input.as_bytes(),
        &jsonwebtoken::EncodingKey::from_secret(secret),
        algorithm,
    )
    .unwrap();
    format!("{input}.{signature}")
}

/// The token with its claims changed (`sub` rewritten) and the signature kept: a tampered twin.
pub fn tamper(token: &str) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    claims["sub"] = "repo:attacker/app:ref:refs/heads/main".into();
    parts[1] = b64(claims.to_string().as_bytes());
    parts.join(".")
}
