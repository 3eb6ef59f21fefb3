//! JWK sets (RFC 7517) and the choice of which keys may verify a token: by `kid`, then by
//! `kty`/`crv` for the algorithm, refusing keys whose own `alg`, `use` or `key_ops` contradict it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::DecodingKey;
use serde_json::Value;

use super::alg::{Family, JwsAlg};
use super::verify::{PublicKey, verified_by_aws_lc};

/// Members of a JWK that hold private or secret material (RFC 7518 §6.2.2, §6.3.2, §6.4.1);
/// they are never kept, cached or used.
const PRIVATE_MEMBERS: [&str; 9] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k", "priv"];

/// One key of a set, with what it says about itself and whether it is usable.
#[derive(Debug, Clone)]
pub struct Jwk {
    pub kid: Option<String>,
    pub kty: String,
    pub crv: Option<String>,
    pub alg: Option<String>,
    pub use_: Option<String>,
    pub key_ops: Option<Vec<String>>,
    /// The key, or why it cannot be used (unsupported type, malformed parameters).
    pub key: Result<PublicKey, String>,
    /// The modulus length of an RSA key, in bits.
    pub rsa_bits: Option<usize>,
}

impl Jwk {
    /// How the key is named in messages: its `kid`, or its type and position.
    pub fn label(&self, index: usize) -> String {
        match &self.kid {
            Some(kid) => format!("'{kid}'"),
            None => format!("#{} ({}, no kid)", index + 1, self.kty),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct KeySet {
    pub keys: Vec<Jwk>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JwksError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("not a JWK set: {0}")]
    NotAKeySet(&'static str),
    #[error("not a usable public key: {0}")]
    NotAKey(String),
}

impl KeySet {
    /// A JWK set, or one PEM or DER public key (detected by content), which becomes a set of
    /// that one key without `kid`, matched to tokens by its type.
    pub fn parse(bytes: &[u8]) -> Result<KeySet, JwksError> {
        if super::pem::looks_like_key(bytes) {
            let document = super::pem::key_set_document(bytes).map_err(JwksError::NotAKey)?;
            return KeySet::from_value(&document);
        }
        let document: Value =
            serde_json::from_slice(bytes).map_err(|e| JwksError::NotJson(e.to_string()))?;
        KeySet::from_value(&document)
    }

    pub fn from_value(document: &Value) -> Result<KeySet, JwksError> {
        let Some(object) = document.as_object() else {
            return Err(JwksError::NotAKeySet("the document is not a JSON object"));
        };
        let Some(keys) = object.get("keys") else {
            return Err(JwksError::NotAKeySet("it has no \"keys\" member"));
        };
        let Some(keys) = keys.as_array() else {
            return Err(JwksError::NotAKeySet("its \"keys\" member is not an array"));
        };
        Ok(KeySet {
            keys: keys.iter().map(parse_jwk).collect(),
        })
    }

    pub fn kids(&self) -> Vec<&str> {
        self.keys.iter().filter_map(|k| k.kid.as_deref()).collect()
    }

    pub fn has_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|k| k.kid.as_deref() == Some(kid))
    }
}

/// The JWKS document with every private member and every symmetric key removed: what may be
/// cached on disk (public keys only).
pub fn public_only(document: &Value) -> Value {
    let mut document = document.clone();
    if let Some(keys) = document.get_mut("keys").and_then(Value::as_array_mut) {
        keys.retain(|key| key.get("kty").and_then(Value::as_str) != Some("oct"));
        for key in keys.iter_mut() {
            if let Some(members) = key.as_object_mut() {
                for name in PRIVATE_MEMBERS {
                    members.remove(name);
                }
            }
        }
    }
    document
}

fn string_member(value: &Value, name: &str) -> Option<String> {
    value.get(name).and_then(Value::as_str).map(str::to_owned)
}

fn parse_jwk(value: &Value) -> Jwk {
    let kty = string_member(value, "kty").unwrap_or_default();
    let crv = string_member(value, "crv");
    let rsa_bits = (kty == "RSA")
        .then(|| decoded(value, "n").ok())
        .flatten()
        .map(|n| bit_length(&n));
    Jwk {
        rsa_bits,
        kid: string_member(value, "kid"),
        alg: string_member(value, "alg"),
        use_: string_member(value, "use"),
        key_ops: value.get("key_ops").and_then(Value::as_array).map(|ops| {
            ops.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        }),
        key: build_key(value, &kty, crv.as_deref()),
        kty,
        crv,
    }
}

/// The length in bits of a big-endian unsigned integer (leading zero bytes ignored).
fn bit_length(bytes: &[u8]) -> usize {
    match bytes.iter().position(|&b| b != 0) {
        Some(first) => (bytes.len() - first - 1) * 8 + (8 - bytes[first].leading_zeros() as usize),
        None => 0,
    }
}

/// RFC 7518 §3.3 and §3.5: "A key of size 2048 bits or larger MUST be used".
pub const MIN_RSA_BITS: usize = 2048;
/// The largest RSA modulus aws-lc-rs verifies with (its `RSA_*_2048_8192_*` algorithms).
const MAX_RSA_BITS: usize = 8192;

fn decoded(value: &Value, name: &str) -> Result<Vec<u8>, String> {
    let text = value
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing \"{name}\""))?;
    URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|e| format!("\"{name}\" is not base64url: {e}"))
}

fn build_key(value: &Value, kty: &str, crv: Option<&str>) -> Result<PublicKey, String> {
    match (kty, crv) {
        ("RSA", _) => {
            let n = decoded(value, "n")?;
            let e = decoded(value, "e")?;
            if n.is_empty() || e.is_empty() {
                return Err("empty RSA modulus or exponent".to_owned());
            }
            let bits = bit_length(&n);
            if bits > MAX_RSA_BITS {
                return Err(format!(
                    "a {bits}-bit RSA key; claimcheck verifies RSA keys of up to {MAX_RSA_BITS} bits"
                ));
            }
            Ok(PublicKey::Jwt(DecodingKey::from_rsa_raw_components(&n, &e)))
        }
        ("EC", Some(curve)) => {
            let width = match curve {
                "P-256" | "secp256k1" => 32,
                "P-384" => 48,
                "P-521" => 66,
                other => return Err(format!("unsupported curve {other}")),
            };
            let x = decoded(value, "x")?;
            let y = decoded(value, "y")?;
            if x.len() != width || y.len() != width {
                return Err(format!(
                    "{curve} coordinates must be {width} bytes each (x has {}, y has {})",
                    x.len(),
                    y.len()
                ));
            }
            let mut point = Vec::with_capacity(1 + 2 * width);
            point.push(0x04);
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            if verified_by_aws_lc(curve) {
                let curve = if curve == "P-521" {
                    "P-521"
                } else {
                    "secp256k1"
                };
                Ok(PublicKey::EcPoint { curve, point })
            } else {
                Ok(PublicKey::Jwt(DecodingKey::from_ec_der(&point)))
            }
        }
        ("EC", None) => Err("EC key without \"crv\"".to_owned()),
        ("OKP", Some("Ed25519")) => {
            let x = decoded(value, "x")?;
            if x.len() != 32 {
                return Err(format!(
                    "Ed25519 public key must be 32 bytes, not {}",
                    x.len()
                ));
            }
            Ok(PublicKey::Jwt(DecodingKey::from_ed_der(&x)))
        }
        ("OKP", Some(other)) => Err(format!("unsupported OKP curve {other}")),
        ("oct", _) => {
            Err("a symmetric (oct) key: a published key set never verifies HMAC tokens".to_owned())
        }
        ("", _) => Err("no \"kty\"".to_owned()),
        (other, _) => Err(format!("unsupported key type {other}")),
    }
}

/// The keys that may verify a token, and what was said about the others.
#[derive(Debug, Default)]
pub struct Selection<'a> {
    pub candidates: Vec<(usize, &'a Jwk, &'a PublicKey)>,
    /// One line per key set aside for a reason the user should see.
    pub notes: Vec<String>,
    /// Keys whose `kid` equals the token's (all keys when the token has none).
    pub considered: usize,
    /// Of the considered keys, how many were set aside only because claimcheck cannot use them.
    pub unsupported: usize,
    /// The token names a `kid` no key has, so the keys without any `kid` were considered.
    pub kidless_fallback: bool,
    /// The sizes of considered RSA keys set aside for being under [`MIN_RSA_BITS`].
    pub too_small: Vec<usize>,
}

/// Picks the keys for `alg` (and `kid`, when the token names one) from `set`. When no key has
/// the token's `kid` but some keys have none at all (static key lists, older Kubernetes and
/// Vault setups), those are considered: a verifier holding only kid-less keys tries them all.
pub fn select<'a>(set: &'a KeySet, alg: JwsAlg, kid: Option<&str>) -> Selection<'a> {
    let mut selection = Selection {
        kidless_fallback: kid.is_some_and(|kid| !set.has_kid(kid)),
        ..Selection::default()
    };
    for (index, jwk) in set.keys.iter().enumerate() {
        let kid_fits = match kid {
            None => true,
            Some(_) if selection.kidless_fallback => jwk.kid.is_none(),
            Some(kid) => jwk.kid.as_deref() == Some(kid),
        };
        if !kid_fits {
            continue;
        }
        let label = jwk.label(index);
        let family_fits = kty_fits(jwk, alg);
        if (kid.is_none() || selection.kidless_fallback) && !family_fits {
            // Without a kid, keys of other types are simply other keys, not worth a note.
            continue;
        }
        selection.considered += 1;
        if !family_fits {
            selection.notes.push(format!(
                "key {label} is {} and cannot verify {alg}",
                describe_type(jwk)
            ));
            continue;
        }
        if let Some(key_alg) = &jwk.alg
            && key_alg != alg.name()
        {
            selection.notes.push(format!(
                "key {label} is not used: its alg is {key_alg}, the token says {alg}"
            ));
            continue;
        }
        if let Some(key_use) = &jwk.use_
            && key_use != "sig"
        {
            selection.notes.push(format!(
                "key {label} is not used: its use is \"{key_use}\", not \"sig\""
            ));
            continue;
        }
        if let Some(ops) = &jwk.key_ops
            && !ops.iter().any(|op| op == "verify")
        {
            selection.notes.push(format!(
                "key {label} is not used: its key_ops [{}] do not include \"verify\"",
                ops.join(", ")
            ));
            continue;
        }
        if let Some(bits) = jwk.rsa_bits
            && bits < MIN_RSA_BITS
            && jwk.key.is_ok()
        {
            selection.too_small.push(bits);
            selection.notes.push(format!(
                "key {label} is not used: it is a {bits}-bit RSA key, and RFC 7518 §3.3 requires {MIN_RSA_BITS} bits or more"
            ));
            continue;
        }
        match &jwk.key {
            Ok(key) => selection.candidates.push((index, jwk, key)),
            Err(why) => {
                selection.unsupported += 1;
                selection
                    .notes
                    .push(format!("key {label} cannot be used: {why}"));
            }
        }
    }
    selection
}

fn describe_type(jwk: &Jwk) -> String {
    match &jwk.crv {
        Some(crv) => format!("{} {crv}", jwk.kty),
        None => jwk.kty.clone(),
    }
}

fn kty_fits(jwk: &Jwk, alg: JwsAlg) -> bool {
    match alg.family() {
        Family::Hmac => false,
        Family::Rsa => jwk.kty == "RSA",
        Family::Ec(curve) => jwk.kty == "EC" && jwk.crv.as_deref() == Some(curve),
        // An OKP key of another curve (Ed448) fits EdDSA but is unsupported: it is reported.
        Family::Okp => {
            jwk.kty == "OKP" && (alg == JwsAlg::EdDSA || jwk.crv.as_deref() == Some("Ed25519"))
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn set(keys: Value) -> KeySet {
        KeySet::from_value(&json!({ "keys": keys })).unwrap()
    }

    const P256_X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    const P256_Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";

    #[test]
    fn documents_that_are_not_key_sets_are_refused() {
        assert!(matches!(
            KeySet::parse(b"<html>"),
            Err(JwksError::NotJson(_))
        ));
        assert_eq!(
            KeySet::parse(b"[]").unwrap_err(),
            JwksError::NotAKeySet("the document is not a JSON object")
        );
        assert_eq!(
            KeySet::parse(br#"{"keys":{}}"#).unwrap_err(),
            JwksError::NotAKeySet("its \"keys\" member is not an array")
        );
    }

    #[test]
    fn selection_by_kid_notes_contradicting_keys() {
        let keys = set(json!([
            {"kty":"EC","crv":"P-256","kid":"a","alg":"ES384","x":P256_X,"y":P256_Y},
            {"kty":"EC","crv":"P-256","kid":"a","use":"enc","x":P256_X,"y":P256_Y},
            {"kty":"EC","crv":"P-256","kid":"a","key_ops":["encrypt"],"x":P256_X,"y":P256_Y},
            {"kty":"EC","crv":"P-256","kid":"a","x":P256_X,"y":P256_Y},
            {"kty":"EC","crv":"P-256","kid":"b","x":P256_X,"y":P256_Y},
        ]));
        let selection = select(&keys, JwsAlg::ES256, Some("a"));
        assert_eq!(selection.considered, 4);
        assert_eq!(selection.candidates.len(), 1);
        assert_eq!(selection.candidates[0].0, 3);
        assert!(selection.notes[0].contains("its alg is ES384, the token says ES256"));
        assert!(selection.notes[1].contains("its use is \"enc\""));
        assert!(selection.notes[2].contains("key_ops [encrypt]"));
    }

    #[test]
    fn without_kid_only_keys_of_the_right_curve_are_candidates() {
        let keys = set(json!([
            {"kty":"RSA","n":"AQAB","e":"AQAB"},
            {"kty":"EC","crv":"P-384","x":P256_X,"y":P256_Y},
            {"kty":"EC","crv":"P-256","x":P256_X,"y":P256_Y},
            {"kty":"OKP","crv":"X25519","x":P256_X},
            {"kty":"oct","k":"c2VjcmV0"},
        ]));
        let selection = select(&keys, JwsAlg::ES256, None);
        assert_eq!(selection.candidates.len(), 1);
        assert_eq!(selection.candidates[0].0, 2);
        assert!(selection.notes.is_empty(), "{:?}", selection.notes);
        assert!(select(&keys, JwsAlg::HS256, None).candidates.is_empty());
    }

    #[test]
    fn an_unknown_kid_falls_back_to_keys_without_a_kid_only() {
        let keys = set(json!([
            {"kty":"EC","crv":"P-256","kid":"other","x":P256_X,"y":P256_Y},
            {"kty":"EC","crv":"P-256","x":P256_X,"y":P256_Y},
            {"kty":"RSA","n":"AQAB","e":"AQAB"},
        ]));
        let selection = select(&keys, JwsAlg::ES256, Some("unknown"));
        assert!(selection.kidless_fallback);
        assert_eq!(selection.candidates.len(), 1);
        assert_eq!(selection.candidates[0].0, 1);
        let exact = select(&keys, JwsAlg::ES256, Some("other"));
        assert!(!exact.kidless_fallback);
        assert_eq!(exact.candidates[0].0, 0);
    }

    #[test]
    fn unusable_keys_are_reported_not_fatal() {
        let keys = set(json!([
            {"kty":"OKP","crv":"Ed448","kid":"ed448","x":"AAAA"},
            {"kty":"EC","crv":"P-256","kid":"short","x":"AAAA","y":P256_Y},
            {"kty":"PQC","kid":"future"},
        ]));
        let ed448 = select(&keys, JwsAlg::EdDSA, Some("ed448"));
        assert_eq!(ed448.unsupported, 1);
        assert!(ed448.notes[0].contains("unsupported OKP curve Ed448"));
        let short = select(&keys, JwsAlg::ES256, Some("short"));
        assert!(short.notes[0].contains("must be 32 bytes"));
        assert_eq!(keys.kids(), ["ed448", "short", "future"]);
    }

    #[test]
    fn cached_documents_hold_public_keys_only() {
        let document = json!({"keys": [
            {"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB","d":"secret","p":"x","q":"y"},
            {"kty":"oct","kid":"h","k":"c2VjcmV0"},
            {"kty":"OKP","crv":"Ed25519","x":"AAAA","d":"secret"},
        ]});
        let cached = public_only(&document);
        assert_eq!(
            cached,
            json!({"keys": [
                {"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"},
                {"kty":"OKP","crv":"Ed25519","x":"AAAA"},
            ]})
        );
    }
}
