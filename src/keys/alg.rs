//! The JWS `alg` values claimcheck verifies: every signature algorithm of RFC 7518 §3.1, plus
//! EdDSA (RFC 8037), ES256K (RFC 8812) and the fully specified `Ed25519` (RFC 9864).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JwsAlg {
    HS256,
    HS384,
    HS512,
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
    ES256,
    ES384,
    ES512,
    ES256K,
    EdDSA,
    Ed25519,
}

/// The family decides which keys may verify a token (RFC 7518 §6: `kty` and `crv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// A shared secret; never a key from a JWKS (algorithm confusion, RFC 8725 §2.1).
    Hmac,
    Rsa,
    /// An elliptic-curve key on the named curve.
    Ec(&'static str),
    /// An octet key pair (RFC 8037); `EdDSA` with Ed25519 is the only one verifiable here.
    Okp,
}

impl JwsAlg {
    pub const ALL: [JwsAlg; 15] = [
        JwsAlg::HS256,
        JwsAlg::HS384,
        JwsAlg::HS512,
        JwsAlg::RS256,
        JwsAlg::RS384,
        JwsAlg::RS512,
        JwsAlg::PS256,
        JwsAlg::PS384,
        JwsAlg::PS512,
        JwsAlg::ES256,
        JwsAlg::ES384,
        JwsAlg::ES512,
        JwsAlg::ES256K,
        JwsAlg::EdDSA,
        JwsAlg::Ed25519,
    ];

    /// `None` for `none`, for names of no signature algorithm, and for ones claimcheck cannot
    /// verify (Ed448, ML-DSA …): the caller reports those as not checked.
    pub fn parse(name: &str) -> Option<JwsAlg> {
        JwsAlg::ALL.into_iter().find(|alg| alg.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            JwsAlg::HS256 => "HS256",
            JwsAlg::HS384 => "HS384",
            JwsAlg::HS512 => "HS512",
            JwsAlg::RS256 => "RS256",
            JwsAlg::RS384 => "RS384",
            JwsAlg::RS512 => "RS512",
            JwsAlg::PS256 => "PS256",
            JwsAlg::PS384 => "PS384",
            JwsAlg::PS512 => "PS512",
            JwsAlg::ES256 => "ES256",
            JwsAlg::ES384 => "ES384",
            JwsAlg::ES512 => "ES512",
            JwsAlg::ES256K => "ES256K",
            JwsAlg::EdDSA => "EdDSA",
            JwsAlg::Ed25519 => "Ed25519",
        }
    }

    pub fn family(self) -> Family {
        match self {
            JwsAlg::HS256 | JwsAlg::HS384 | JwsAlg::HS512 => Family::Hmac,
            JwsAlg::RS256
            | JwsAlg::RS384
            | JwsAlg::RS512
            | JwsAlg::PS256
            | JwsAlg::PS384
            | JwsAlg::PS512 => Family::Rsa,
            JwsAlg::ES256 => Family::Ec("P-256"),
            JwsAlg::ES384 => Family::Ec("P-384"),
            JwsAlg::ES512 => Family::Ec("P-521"),
            JwsAlg::ES256K => Family::Ec("secp256k1"),
            JwsAlg::EdDSA | JwsAlg::Ed25519 => Family::Okp,
        }
    }

    pub fn is_hmac(self) -> bool {
        self.family() == Family::Hmac
    }
}

impl fmt::Display for JwsAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_none() {
        for alg in JwsAlg::ALL {
            assert_eq!(JwsAlg::parse(alg.name()), Some(alg));
        }
        for name in ["none", "None", "HS1", "rs256", "Ed448", "ML-DSA-44", ""] {
            assert_eq!(JwsAlg::parse(name), None, "{name}");
        }
    }
}
