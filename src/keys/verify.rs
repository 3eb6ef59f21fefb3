//! The signature check itself. jsonwebtoken 11 (aws-lc-rs backend) verifies what it supports;
//! ES512 (P-521) and ES256K (secp256k1), which it lacks (Keats/jsonwebtoken#250), go to aws-lc-rs
//! directly, so every JWS algorithm of RFC 7518 plus EdDSA and ES256K is covered.

use aws_lc_rs::signature::{
    ECDSA_P256K1_SHA256_FIXED, ECDSA_P521_SHA512_FIXED, EcdsaVerificationAlgorithm,
    UnparsedPublicKey,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey};

use super::alg::JwsAlg;

/// A public key ready to verify, built once from a JWK.
#[derive(Clone)]
pub enum PublicKey {
    /// RSA, P-256, P-384 and Ed25519 keys, verified by jsonwebtoken.
    Jwt(DecodingKey),
    /// P-521 and secp256k1 keys as an uncompressed point (`04 || x || y`), verified by aws-lc-rs.
    EcPoint { curve: &'static str, point: Vec<u8> },
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PublicKey::Jwt(_) => f.write_str("PublicKey::Jwt"),
            PublicKey::EcPoint { curve, .. } => write!(f, "PublicKey::EcPoint({curve})"),
        }
    }
}

/// True when `signature` over `signing_input` verifies under `key` with `alg`. A key of another
/// family never verifies (the caller selects keys by family first; this is the backstop).
pub fn verify_with_key(
    alg: JwsAlg,
    key: &PublicKey,
    signing_input: &[u8],
    signature: &[u8],
) -> bool {
    if alg.is_hmac() {
        return false;
    }
    match (key, jwt_algorithm(alg)) {
        (PublicKey::Jwt(decoding_key), Some(algorithm)) => {
            jwt_verify(algorithm, decoding_key, signing_input, signature)
        }
        (PublicKey::EcPoint { point, .. }, None) => match aws_lc_algorithm(alg) {
            Some(algorithm) => UnparsedPublicKey::new(algorithm, point)
                .verify(signing_input, signature)
                .is_ok(),
            None => false,
        },
        _ => false,
    }
}

/// HMAC: only ever with a secret the user supplied, never with a key from a JWKS.
pub fn verify_with_secret(
    alg: JwsAlg,
    secret: &[u8],
    signing_input: &[u8],
    signature: &[u8],
) -> bool {
    match jwt_algorithm(alg) {
        Some(algorithm) if alg.is_hmac() => jwt_verify(
            algorithm,
            &DecodingKey::from_secret(secret),
            signing_input,
            signature,
        ),
        _ => false,
    }
}

fn jwt_verify(
    algorithm: Algorithm,
    key: &DecodingKey,
    signing_input: &[u8],
    signature: &[u8],
) -> bool {
    crate::install_crypto_provider();
    // jsonwebtoken takes the signature as the token carries it; the token module has already
    // decoded it (tolerating padding), so re-encode canonically.
    let encoded = URL_SAFE_NO_PAD.encode(signature);
    jsonwebtoken::crypto::verify(&encoded, signing_input, key, algorithm).unwrap_or(false)
}

fn jwt_algorithm(alg: JwsAlg) -> Option<Algorithm> {
    Some(match alg {
        JwsAlg::HS256 => Algorithm::HS256,
        JwsAlg::HS384 => Algorithm::HS384,
        JwsAlg::HS512 => Algorithm::HS512,
        JwsAlg::RS256 => Algorithm::RS256,
        JwsAlg::RS384 => Algorithm::RS384,
        JwsAlg::RS512 => Algorithm::RS512,
        JwsAlg::PS256 => Algorithm::PS256,
        JwsAlg::PS384 => Algorithm::PS384,
        JwsAlg::PS512 => Algorithm::PS512,
        JwsAlg::ES256 => Algorithm::ES256,
        JwsAlg::ES384 => Algorithm::ES384,
        JwsAlg::EdDSA | JwsAlg::Ed25519 => Algorithm::EdDSA,
        JwsAlg::ES512 | JwsAlg::ES256K => return None,
    })
}

fn aws_lc_algorithm(alg: JwsAlg) -> Option<&'static EcdsaVerificationAlgorithm> {
    match alg {
        // JWS ECDSA signatures are R || S, fixed width (RFC 7518 §3.4): the FIXED variants.
        JwsAlg::ES512 => Some(&ECDSA_P521_SHA512_FIXED),
        JwsAlg::ES256K => Some(&ECDSA_P256K1_SHA256_FIXED),
        _ => None,
    }
}

/// Whether a curve's keys are verified through aws-lc-rs directly rather than jsonwebtoken.
pub fn verified_by_aws_lc(curve: &str) -> bool {
    matches!(curve, "P-521" | "secp256k1")
}
