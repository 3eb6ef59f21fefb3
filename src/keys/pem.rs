//! Public keys given as PEM or DER instead of a JWK set, as jwt-cli and jwt.io accept them: a
//! SubjectPublicKeyInfo (RFC 5280 §4.1.2.7; PEM label "PUBLIC KEY", RFC 7468 §13) holding an RSA
//! (RFC 3279 §2.3.1), EC (RFC 5480 §2) or Ed25519 (RFC 8410 §4) key, or a PKCS#1 RSAPublicKey
//! (RFC 8017 A.1.1; PEM label "RSA PUBLIC KEY"). The key becomes the JWK it is equivalent to,
//! without `kid`, so the one verification path (and its checks of size and curve) applies.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

const RSA_ENCRYPTION: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
const EC_PUBLIC_KEY: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
const ED25519: &[u8] = &[0x2B, 0x65, 0x70];
/// Named curves (RFC 5480 §2.1.1.1; secp256k1 from SEC 2 §A.2).
const CURVES: [(&[u8], &str); 4] = [
    (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07], "P-256"),
    (&[0x2B, 0x81, 0x04, 0x00, 0x22], "P-384"),
    (&[0x2B, 0x81, 0x04, 0x00, 0x23], "P-521"),
    (&[0x2B, 0x81, 0x04, 0x00, 0x0A], "secp256k1"),
];

/// Whether `bytes` look like PEM or DER rather than JSON (which starts with `{` or whitespace).
pub fn looks_like_key(bytes: &[u8]) -> bool {
    let trimmed = bytes.trim_ascii_start();
    trimmed.starts_with(b"-----BEGIN") || trimmed.first() == Some(&0x30)
}

/// The JWK set holding the one public key in `bytes` (PEM or DER).
pub fn key_set_document(bytes: &[u8]) -> Result<Value, String> {
    let trimmed = bytes.trim_ascii_start();
    let (der, label) = if trimmed.starts_with(b"-----BEGIN") {
        let text = std::str::from_utf8(trimmed).map_err(|_| "the PEM is not text".to_owned())?;
        let (label, der) = pem_body(text)?;
        (der, Some(label))
    } else {
        (trimmed.to_vec(), None)
    };
    let jwk = match label.as_deref() {
        Some("RSA PUBLIC KEY") => pkcs1(&der)?,
        Some("PUBLIC KEY") => spki(&der)?,
        Some(
            label
            @ ("PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" | "ENCRYPTED PRIVATE KEY"),
        ) => {
            return Err(format!(
                "a PEM {label}: give the public key (openssl pkey -pubout) — a private key is never needed to verify"
            ));
        }
        Some("CERTIFICATE") => {
            return Err(
                "a certificate: give its public key (openssl x509 -pubkey -noout)".to_owned(),
            );
        }
        Some(other) => return Err(format!("a PEM \"{other}\", not a public key")),
        // DER says nothing of its shape: a SubjectPublicKeyInfo, else PKCS#1.
        None => spki(&der).or_else(|spki_error| pkcs1(&der).map_err(|_| spki_error))?,
    };
    Ok(json!({ "keys": [jwk] }))
}

/// The label and decoded body of the first PEM block (RFC 7468 §2).
fn pem_body(text: &str) -> Result<(String, Vec<u8>), String> {
    let mut lines = text.lines().map(str::trim);
    let first = lines.next().unwrap_or_default();
    let label = first
        .strip_prefix("-----BEGIN ")
        .and_then(|rest| rest.strip_suffix("-----"))
        .ok_or("a PEM whose BEGIN line is malformed")?
        .to_owned();
    let end = format!("-----END {label}-----");
    let mut body = String::new();
    for line in lines {
        if line == end {
            let der = STANDARD
                .decode(body.as_bytes())
                .map_err(|e| format!("the PEM body is not base64: {e}"))?;
            return Ok((label, der));
        }
        body.push_str(line);
    }
    Err(format!("a PEM without its END {label} line"))
}

/// One DER element: its tag, its contents, and what follows it.
fn element(input: &[u8]) -> Result<(u8, &[u8], &[u8]), String> {
    let malformed = || "not DER (a truncated or malformed element)".to_owned();
    let (&tag, rest) = input.split_first().ok_or_else(malformed)?;
    let (&first, rest) = rest.split_first().ok_or_else(malformed)?;
    let (length, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7F);
        if count == 0 || count > 4 || rest.len() < count {
            return Err(malformed());
        }
        let length = rest[..count]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (length, &rest[count..])
    };
    if rest.len() < length {
        return Err(malformed());
    }
    Ok((tag, &rest[..length], &rest[length..]))
}

fn expect(input: &[u8], want: u8) -> Result<(&[u8], &[u8]), String> {
    let (tag, contents, rest) = element(input)?;
    if tag != want {
        return Err(format!(
            "not a public key (DER tag 0x{tag:02x} where 0x{want:02x} belongs)"
        ));
    }
    Ok((contents, rest))
}

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OID: u8 = 0x06;

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// An unsigned big-endian INTEGER without the sign byte DER adds before a high bit.
fn unsigned(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

fn pkcs1(der: &[u8]) -> Result<Value, String> {
    let (body, _) = expect(der, SEQUENCE)?;
    let (n, rest) = expect(body, INTEGER)?;
    let (e, _) = expect(rest, INTEGER)?;
    Ok(json!({ "kty": "RSA", "n": b64(unsigned(n)), "e": b64(unsigned(e)) }))
}

fn spki(der: &[u8]) -> Result<Value, String> {
    let (body, _) = expect(der, SEQUENCE)?;
    let (algorithm, rest) = expect(body, SEQUENCE)?;
    let (bits, _) = expect(rest, BIT_STRING)?;
    // The first byte of a BIT STRING counts its unused bits; a key has none.
    let key = match bits.split_first() {
        Some((0, key)) => key,
        _ => return Err("not a public key (its BIT STRING is malformed)".to_owned()),
    };
    let (oid, parameters) = expect(algorithm, OID)?;
    if oid == RSA_ENCRYPTION {
        return pkcs1(key);
    }
    if oid == ED25519 {
        return Ok(json!({ "kty": "OKP", "crv": "Ed25519", "x": b64(key) }));
    }
    if oid == EC_PUBLIC_KEY {
        let (curve_oid, _) = expect(parameters, OID)?;
        let Some((_, curve)) = CURVES.iter().find(|(known, _)| *known == curve_oid) else {
            return Err("an EC key on a curve claimcheck does not verify".to_owned());
        };
        // SEC 1 §2.3.3: 0x04 then x and y of equal width; compressed points are not accepted.
        let point = match key.split_first() {
            Some((0x04, point)) if point.len() % 2 == 0 => point,
            _ => return Err("an EC key whose point is not uncompressed".to_owned()),
        };
        let (x, y) = point.split_at(point.len() / 2);
        return Ok(json!({ "kty": "EC", "crv": curve, "x": b64(x), "y": b64(y) }));
    }
    Err("a public key of a type claimcheck does not verify (RSA, EC and Ed25519 only)".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo RSA key's public half, as `openssl rsa -pubout` and `-RSAPublicKey_out` print it.
    fn demo_rsa_n() -> String {
        let jwks: Value = serde_json::from_str(crate::demo::JWKS_JSON).unwrap();
        jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kty"] == "RSA")
            .unwrap()["n"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn truncated_and_foreign_der_is_refused() {
        assert!(key_set_document(&[0x30, 0x82, 0x01]).is_err());
        assert!(
            key_set_document(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
                .unwrap_err()
                .contains("openssl x509 -pubkey")
        );
        assert!(
            key_set_document(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
                .unwrap_err()
                .contains("-pubout")
        );
        assert!(key_set_document(b"-----BEGIN PUBLIC KEY-----\nAAAA\n").is_err());
    }

    #[test]
    fn pkcs1_and_spki_give_the_same_rsa_jwk() {
        // Built from the demo JWK's own n and e (65537), by the DER rules of X.690 §8.
        let n = URL_SAFE_NO_PAD.decode(demo_rsa_n()).unwrap();
        let integer = |bytes: &[u8]| {
            let mut content = Vec::new();
            if bytes[0] & 0x80 != 0 {
                content.push(0);
            }
            content.extend_from_slice(bytes);
            tlv(INTEGER, &content)
        };
        let mut body = integer(&n);
        body.extend(integer(&[1, 0, 1]));
        let pkcs1_der = tlv(SEQUENCE, &body);
        let mut algorithm = tlv(OID, RSA_ENCRYPTION);
        algorithm.extend([0x05, 0x00]);
        let mut bits = vec![0];
        bits.extend(&pkcs1_der);
        let mut spki_body = tlv(SEQUENCE, &algorithm);
        spki_body.extend(tlv(BIT_STRING, &bits));
        let spki_der = tlv(SEQUENCE, &spki_body);
        let from_pkcs1 = key_set_document(&pkcs1_der).unwrap();
        let from_spki = key_set_document(&spki_der).unwrap();
        assert_eq!(from_pkcs1, from_spki);
        assert_eq!(from_spki["keys"][0]["n"], demo_rsa_n());
        assert_eq!(from_spki["keys"][0]["e"], "AQAB");
        let pem = format!(
            "-----BEGIN RSA PUBLIC KEY-----\n{}\n-----END RSA PUBLIC KEY-----\n",
            STANDARD.encode(&pkcs1_der)
        );
        assert_eq!(key_set_document(pem.as_bytes()).unwrap(), from_spki);
    }

    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else if len < 0x100 {
            out.extend([0x81, len as u8]);
        } else {
            out.extend([0x82, (len >> 8) as u8, len as u8]);
        }
        out.extend_from_slice(content);
        out
    }
}
