//! What is suspicious about a token itself, before any trust rule looks at it: RFC 8725 (JWT best
//! current practice), OIDC practice, and what the decoder noticed on the way (padding, duplicate
//! names, odd time claims).

use serde::Serialize;
use serde_json::Value;

use super::time::TimeClaim;
use super::{Claims, Form, Token};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lint {
    /// Stable identifier, e.g. `alg-none`; documented in the README.
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
}

impl Lint {
    fn new(code: &'static str, severity: Severity, message: impl Into<String>) -> Lint {
        Lint {
            code,
            severity,
            message: message.into(),
        }
    }
}

/// Headers that name a key by reference or carry one inline. A verifier that follows them lets
/// the token choose its own key (RFC 8725 §3.10); claimcheck shows them and never uses them.
pub const KEY_CARRYING_HEADERS: [&str; 4] = ["jku", "x5u", "jwk", "x5c"];

const DAY_SECS: i64 = 24 * 60 * 60;

/// Every lint that applies to `token`, most severe first.
pub fn lint_token(token: &Token) -> Vec<Lint> {
    let mut lints = Vec::new();
    lint_encoding(token, &mut lints);
    lint_header(token, &mut lints);
    if let Some(claims) = token.claims() {
        lint_claims(claims, token.alg(), &mut lints);
    }
    if let Some(payload) = token.other_payload() {
        lints.push(Lint::new(
            "payload-not-json",
            Severity::Info,
            format!(
                "the payload is not a claim set: {}. It is a JWS (RFC 7515 allows any payload) but not a JWT, so it has no claims for a trust rule to match",
                payload.why
            ),
        ));
    }
    lints.sort_by_key(|lint| std::cmp::Reverse(lint.severity));
    lints
}

fn lint_encoding(token: &Token, lints: &mut Vec<Lint>) {
    let findings = token.findings();
    for duplicate in &findings.duplicate_claim_names {
        lints.push(Lint::new(
            "duplicate-claim",
            Severity::Error,
            format!(
                "claim {} appears {} times; parsers disagree on which value wins (claimcheck shows the last, {})",
                duplicate.pointer,
                duplicate.values.len(),
                compact_json(duplicate.values.last())
            ),
        ));
    }
    for duplicate in &findings.duplicate_header_names {
        lints.push(Lint::new(
            "duplicate-header",
            Severity::Error,
            format!(
                "header parameter {} appears {} times; parsers disagree on which value wins (claimcheck shows the last, {})",
                duplicate.pointer,
                duplicate.values.len(),
                compact_json(duplicate.values.last())
            ),
        ));
    }
    if !findings.padded_segments.is_empty() {
        let names: Vec<String> = findings
            .padded_segments
            .iter()
            .map(|s| s.to_string())
            .collect();
        lints.push(Lint::new(
            "padded-base64",
            Severity::Info,
            format!(
                "the {} segment(s) carry '=' padding, which RFC 7515 forbids; strict verifiers reject the token",
                names.join(", ")
            ),
        ));
    }
}

fn lint_header(token: &Token, lints: &mut Vec<Lint>) {
    let header = token.header();
    match token.alg() {
        None => lints.push(Lint::new(
            "missing-alg",
            Severity::Error,
            "the header has no string \"alg\"; no verifier will accept it",
        )),
        Some(alg) if alg.eq_ignore_ascii_case("none") => lints.push(Lint::new(
            "alg-none",
            Severity::Error,
            format!(
                "\"alg\": \"{alg}\" means the token is unsigned: anyone can write these claims (RFC 8725 §3.1)"
            ),
        )),
        Some(_) => {}
    }
    if token.form() == Form::Signed && token.signature().is_empty() {
        lints.push(Lint::new(
            "empty-signature",
            Severity::Error,
            "the signature segment is empty although \"alg\" names a signing algorithm (a stripped signature)",
        ));
    }
    for name in KEY_CARRYING_HEADERS {
        if header.contains_key(name) {
            lints.push(Lint::new(
                "untrusted-key-header",
                Severity::Warning,
                format!(
                    "header \"{name}\" lets the token name its own key; claimcheck never uses it to verify (RFC 8725 §3.10)"
                ),
            ));
        }
    }
    if header.contains_key("crit") {
        lints.push(Lint::new(
            "crit-header",
            Severity::Warning,
            "header \"crit\" lists extensions a verifier must understand or reject the token (RFC 7515 §4.1.11)",
        ));
    }
    if token.form() == Form::Encrypted {
        let enc = header.get("enc").and_then(Value::as_str).unwrap_or("?");
        lints.push(Lint::new(
            "encrypted-payload",
            Severity::Info,
            format!(
                "this is a JWE (enc {enc}): the claims are encrypted and only the recipient's private key can read them"
            ),
        ));
    }
    if token.form() == Form::Signed && token.kid().is_none() {
        lints.push(Lint::new(
            "missing-kid",
            Severity::Info,
            "no \"kid\" header: a verifier must try every key of the issuer",
        ));
    }
}

fn lint_claims(claims: &Claims, alg: Option<&str>, lints: &mut Vec<Lint>) {
    let issuer = claims.get("iss").and_then(Value::as_str);
    if let (Some(alg), Some(issuer)) = (alg, issuer)
        && alg.to_ascii_uppercase().starts_with("HS")
        && issuer.starts_with("https://")
    {
        lints.push(Lint::new(
                "hmac-with-public-issuer",
                Severity::Warning,
                format!(
                    "{alg} is a shared-secret algorithm, but issuer {issuer} publishes public keys: OIDC providers sign with RS/ES/PS/EdDSA, and a verifier that accepts this may be open to algorithm confusion (RFC 8725 §2.1)"
                ),
            ));
    }

    let exp = time_claim(claims, "exp");
    if matches!(exp, TimeClaim::Absent) {
        lints.push(Lint::new(
            "missing-exp",
            Severity::Warning,
            "no \"exp\" claim: the token never expires, and most relying parties reject it",
        ));
    }
    let start = time_claim(claims, "iat")
        .at()
        .or(time_claim(claims, "nbf").at());
    if let (Some(exp), Some(start)) = (exp.at(), start) {
        let lifetime = exp - start;
        if lifetime > DAY_SECS {
            lints.push(Lint::new(
                "long-lifetime",
                Severity::Warning,
                format!(
                    "the token lives {} hours; workload tokens usually live minutes (AWS caps web-identity tokens at 24 h)",
                    lifetime / 3600
                ),
            ));
        }
    }
    for name in ["exp", "nbf", "iat"] {
        match time_claim(claims, name) {
            TimeClaim::Invalid { reason, .. } => lints.push(Lint::new(
                "invalid-time-claim",
                Severity::Error,
                format!("\"{name}\" is {reason}"),
            )),
            TimeClaim::Present {
                fractional: true, ..
            } => lints.push(Lint::new(
                "fractional-time-claim",
                Severity::Info,
                format!(
                    "\"{name}\" has a fractional part; RFC 7519 allows it but some verifiers reject it"
                ),
            )),
            _ => {}
        }
    }

    if let Some(Value::Array(audiences)) = claims.get("aud")
        && audiences.len() > 1
        && !claims.contains_key("azp")
    {
        lints.push(Lint::new(
                "multiple-audiences-without-azp",
                Severity::Warning,
                format!(
                    "\"aud\" has {} values and there is no \"azp\"; OIDC Core §2 expects azp then, and AWS's mapping of a multi-valued aud is undocumented",
                    audiences.len()
                ),
            ));
    }
}

fn time_claim(claims: &Claims, name: &str) -> TimeClaim {
    TimeClaim::read(claims, name)
}

fn compact_json(value: Option<&Value>) -> String {
    value.map_or_else(String::new, Value::to_string)
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde_json::json;

    use super::*;
    use crate::token::{Limits, decode};

    fn token(header: Value, claims: Value) -> Token {
        let text = format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        decode(&text, &Limits::default()).unwrap()
    }

    fn codes(token: &Token) -> Vec<&'static str> {
        lint_token(token)
            .into_iter()
            .map(|lint| lint.code)
            .collect()
    }

    fn clean_claims() -> Value {
        json!({"iss": "https://issuer.example", "sub": "s", "aud": "a", "iat": 1000, "exp": 1600})
    }

    #[test]
    fn a_clean_token_has_no_lints() {
        let clean = token(json!({"alg": "RS256", "kid": "k"}), clean_claims());
        assert_eq!(codes(&clean), Vec::<&str>::new());
    }

    /// Each row: header, claims, the lint expected to fire. The clean token above is the
    /// "does not fire" case for every one of them.
    #[test]
    fn each_lint_fires() {
        let with = |extra: Value| {
            let mut claims = clean_claims();
            for (k, v) in extra.as_object().unwrap() {
                claims[k] = v.clone();
            }
            claims
        };
        let rs = json!({"alg": "RS256", "kid": "k"});
        let rows: Vec<(Value, Value, &str)> = vec![
            (json!({"alg": "none"}), clean_claims(), "alg-none"),
            (
                json!({"alg": "None", "kid": "k"}),
                clean_claims(),
                "alg-none",
            ),
            (json!({"kid": "k"}), clean_claims(), "missing-alg"),
            (
                json!({"alg": "HS256", "kid": "k"}),
                clean_claims(),
                "hmac-with-public-issuer",
            ),
            (
                rs.clone(),
                json!({"iss": "https://i", "iat": 1}),
                "missing-exp",
            ),
            (
                rs.clone(),
                with(json!({"exp": 1000 + 90_000})),
                "long-lifetime",
            ),
            (
                json!({"alg": "RS256", "kid": "k", "jku": "https://evil/jwks"}),
                clean_claims(),
                "untrusted-key-header",
            ),
            (
                json!({"alg": "RS256", "kid": "k", "x5u": "https://evil/cert"}),
                clean_claims(),
                "untrusted-key-header",
            ),
            (
                json!({"alg": "RS256", "kid": "k", "jwk": {"kty": "RSA"}}),
                clean_claims(),
                "untrusted-key-header",
            ),
            (
                json!({"alg": "RS256", "kid": "k", "x5c": ["MII="]}),
                clean_claims(),
                "untrusted-key-header",
            ),
            (
                json!({"alg": "RS256", "kid": "k", "crit": ["exp"]}),
                clean_claims(),
                "crit-header",
            ),
            (json!({"alg": "RS256"}), clean_claims(), "missing-kid"),
            (
                rs.clone(),
                with(json!({"aud": ["a", "b"]})),
                "multiple-audiences-without-azp",
            ),
            (
                rs.clone(),
                with(json!({"exp": "1600"})),
                "invalid-time-claim",
            ),
            (
                rs.clone(),
                with(json!({"iat": 1000.5})),
                "fractional-time-claim",
            ),
        ];
        for (header, claims, code) in rows {
            let found = codes(&token(header.clone(), claims.clone()));
            assert!(
                found.contains(&code),
                "{code} did not fire for {header} {claims}: {found:?}"
            );
        }
    }

    #[test]
    fn a_payload_that_is_not_a_claim_set_is_noted() {
        // RFC 7515 A.4 signs the text "Payload"; RFC 7519 §7.2 makes only a JSON object a JWT.
        for payload in ["Payload", "[1,2]", "\"text\""] {
            let text = format!(
                "{}.{}.c2ln",
                URL_SAFE_NO_PAD.encode(r#"{"alg":"ES512","kid":"k"}"#),
                URL_SAFE_NO_PAD.encode(payload)
            );
            let lints = lint_token(&decode(&text, &Limits::default()).unwrap());
            let lint = lints.iter().find(|l| l.code == "payload-not-json");
            assert_eq!(lint.map(|l| l.severity), Some(Severity::Info), "{payload}");
        }
        let clean = token(json!({"alg": "RS256", "kid": "k"}), clean_claims());
        assert!(!codes(&clean).contains(&"payload-not-json"));
    }

    #[test]
    fn near_misses_do_not_fire() {
        let rs = json!({"alg": "RS256", "kid": "k"});
        let mut claims = clean_claims();
        claims["aud"] = json!(["a", "b"]);
        claims["azp"] = json!("a");
        assert!(!codes(&token(rs.clone(), claims)).contains(&"multiple-audiences-without-azp"));
        let mut one = clean_claims();
        one["aud"] = json!(["a"]);
        assert!(!codes(&token(rs.clone(), one)).contains(&"multiple-audiences-without-azp"));
        let mut day = clean_claims();
        day["exp"] = json!(1000 + DAY_SECS);
        assert!(!codes(&token(rs.clone(), day)).contains(&"long-lifetime"));
        let mut local = clean_claims();
        local["iss"] = json!("internal-service");
        assert!(
            !codes(&token(json!({"alg": "HS256", "kid": "k"}), local))
                .contains(&"hmac-with-public-issuer")
        );
    }

    #[test]
    fn decoder_findings_become_lints_most_severe_first() {
        let text = format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"a","kid":"b"}"#),
            base64::engine::general_purpose::URL_SAFE
                .encode(r#"{"sub":"a","sub":"b","exp":5,"iat":1}"#)
        );
        let lints = lint_token(&decode(&text, &Limits::default()).unwrap());
        let found: Vec<_> = lints.iter().map(|l| l.code).collect();
        assert_eq!(
            found,
            ["duplicate-claim", "duplicate-header", "padded-base64"]
        );
        assert!(lints[0].message.contains("/sub appears 2 times"));
    }
}
