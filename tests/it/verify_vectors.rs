//! Published test vectors: RFC 7515 appendix A (JWS examples), RFC 7520 §4 (JOSE cookbook
//! signatures) and RFC 8037 appendix A (Ed25519). Tokens and keys are copied from the RFCs'
//! text; each tampered twin is derived here by changing one payload bit.

use crate::support;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use claimcheck::keys::verify::verify_with_secret;
use claimcheck::keys::{
    Cause, JwsAlg, KeyLocation, KeySet, KeySource, Keyring, Secret, Settings, Status,
    verify_with_set,
};
use serde_json::{Value, json};
use support::{scratch_dir, settings, token};

struct Vector {
    rfc: &'static str,
    alg: &'static str,
    jwk: Value,
}

// RFC 7520 §3.3 and §3.4: the cookbook's RSA key, used by §4.1 and §4.2.
const COOKBOOK_RSA_N: &str = "n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw";
// RFC 7520 §4 payload: "It’s a dangerous business, Frodo, going out your door. …"
const COOKBOOK_PAYLOAD: &str = "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4";
// RFC 7515 A.1–A.3 payload: {"iss":"joe", "exp":1300819380, "http://example.com/is_root":true}
const JOE_PAYLOAD: &str = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";

fn asymmetric_vectors() -> Vec<(Vector, String)> {
    let joined =
        |header: &str, payload: &str, signature: &str| format!("{header}.{payload}.{signature}");
    let bilbo = "bilbo.baggins@hobbiton.example";
    vec![
        (
            Vector {
                rfc: "RFC 7515 A.2 (RS256)",
                alg: "RS256",
                jwk: json!({"kty": "RSA", "e": "AQAB",
                "n": "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"}),
            },
            joined(
                "eyJhbGciOiJSUzI1NiJ9",
                JOE_PAYLOAD,
                "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw",
            ),
        ),
        (
            Vector {
                rfc: "RFC 7515 A.3 (ES256)",
                alg: "ES256",
                jwk: json!({"kty": "EC", "crv": "P-256",
                "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}),
            },
            joined(
                "eyJhbGciOiJFUzI1NiJ9",
                JOE_PAYLOAD,
                "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q",
            ),
        ),
        (
            Vector {
                rfc: "RFC 7515 A.4 (ES512, payload \"Payload\")",
                alg: "ES512",
                jwk: json!({"kty": "EC", "crv": "P-521",
                "x": "AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk",
                "y": "ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDly79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2"}),
            },
            joined(
                "eyJhbGciOiJFUzUxMiJ9",
                "UGF5bG9hZA",
                "AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-mZZqwqT2SI-KGDKB34XO0aw_7XdtAG8GaSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8KpEHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn",
            ),
        ),
        (
            Vector {
                rfc: "RFC 7520 §4.1 (RS256)",
                alg: "RS256",
                jwk: json!({"kty": "RSA", "kid": bilbo, "use": "sig", "n": COOKBOOK_RSA_N, "e": "AQAB"}),
            },
            joined(
                "eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9",
                COOKBOOK_PAYLOAD,
                "MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmKZopdHM1O2U4mwzJdQx996ivp83xuglII7PNDi84wnB-BDkoBwA78185hX-Es4JIwmDLJK3lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8wW1Kt9eRo4QPocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_de3xyIrDaLGdjluPxUAhb6L2aXic1U12podGU0KLUQSE_oI-ZnmKJ3F4uOZDnd6QZWJushZ41Axf_fcIe8u9ipH84ogoree7vjbU5y18kDquDg",
            ),
        ),
        (
            Vector {
                rfc: "RFC 7520 §4.2 (PS384)",
                alg: "PS384",
                jwk: json!({"kty": "RSA", "kid": bilbo, "use": "sig", "n": COOKBOOK_RSA_N, "e": "AQAB"}),
            },
            joined(
                "eyJhbGciOiJQUzM4NCIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9",
                COOKBOOK_PAYLOAD,
                "cu22eBqkYDKgIlTpzDXGvaFfz6WGoz7fUDcfT0kkOy42miAh2qyBzk1xEsnk2IpN6-tPid6VrklHkqsGqDqHCdP6O8TTB5dDDItllVo6_1OLPpcbUrhiUSMxbbXUvdvWXzg-UD8biiReQFlfz28zGWVsdiNAUf8ZnyPEgVFn442ZdNqiVJRmBqrYRXe8P_ijQ7p8Vdz0TTrxUeT3lm8d9shnr2lfJT8ImUjvAA2Xez2Mlp8cBE5awDzT0qI0n6uiP1aCN_2_jLAeQTlqRHtfa64QQSUmFAAjVKPbByi7xho0uTOcbH510a6GYmJUAfmWjwZ6oD4ifKo8DYM-X72Eaw",
            ),
        ),
        (
            Vector {
                rfc: "RFC 7520 §4.3 (ES512)",
                alg: "ES512",
                jwk: json!({"kty": "EC", "kid": bilbo, "use": "sig", "crv": "P-521",
                "x": "AHKZLLOsCOzz5cY97ewNUajB957y-C-U88c3v13nmGZx6sYl_oJXu9A5RkTKqjqvjyekWF-7ytDyRXYgCF5cj0Kt",
                "y": "AdymlHvOiLxXkEhayXQnNCvDX4h9htZaCJN34kfmC6pV5OhQHiraVySsUdaQkAgDPrwQrJmbnX9cwlGfP-HqHZR1"}),
            },
            joined(
                "eyJhbGciOiJFUzUxMiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9",
                COOKBOOK_PAYLOAD,
                "AE_R_YZCChjn4791jSQCrdPZCNYqHXCTZH0-JZGYNlaAjP2kqaluUIIUnC9qvbu9Plon7KRTzoNEuT4Va2cmL1eJAQy3mtPBu_u_sDDyYjnAMDxXPn7XrT0lw-kvAD890jl8e2puQens_IEKBpHABlsbEPX6sFY8OcGDqoRuBomu9xQ2",
            ),
        ),
        (
            Vector {
                rfc: "RFC 8037 A.4 (EdDSA, key from A.2)",
                alg: "EdDSA",
                jwk: json!({"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}),
            },
            joined(
                "eyJhbGciOiJFZERTQSJ9",
                "RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc",
                "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg",
            ),
        ),
    ]
}

/// Signing input and signature bytes of a compact JWS, without decoding the payload (several
/// RFC payloads are plain text, not claims).
fn split(compact: &str) -> (String, Vec<u8>) {
    let (input, signature) = compact.rsplit_once('.').unwrap();
    (input.to_owned(), URL_SAFE_NO_PAD.decode(signature).unwrap())
}

/// The same JWS with one bit of the payload flipped.
fn tampered_input(input: &str) -> String {
    let (header, payload) = input.split_once('.').unwrap();
    let mut bytes = URL_SAFE_NO_PAD.decode(payload).unwrap();
    bytes[0] ^= 1;
    format!("{header}.{}", URL_SAFE_NO_PAD.encode(bytes))
}

fn kid_of(input: &str) -> Option<String> {
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(input.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    header["kid"].as_str().map(str::to_owned)
}

#[test]
fn rfc_asymmetric_vectors_verify_and_their_tampered_twins_fail() {
    let source = KeySource::File("rfc".into());
    for (vector, compact) in asymmetric_vectors() {
        let alg = JwsAlg::parse(vector.alg).unwrap();
        let set = KeySet::from_value(&json!({"keys": [vector.jwk]})).unwrap();
        let (input, signature) = split(&compact);
        let kid = kid_of(&input);
        let outcome = verify_with_set(
            alg,
            kid.as_deref(),
            input.as_bytes(),
            &signature,
            &set,
            &source,
        );
        assert_eq!(
            outcome.status,
            Status::Verified,
            "{}: {}",
            vector.rfc,
            outcome.reason
        );

        let tampered = tampered_input(&input);
        let outcome = verify_with_set(
            alg,
            kid.as_deref(),
            tampered.as_bytes(),
            &signature,
            &set,
            &source,
        );
        assert_eq!(outcome.status, Status::Failed, "{} tampered", vector.rfc);
        assert_eq!(outcome.cause, Cause::BadSignature);
    }
}

#[test]
fn rfc_hmac_vectors_verify_only_with_the_secret() {
    // RFC 7515 A.1 and RFC 7520 §4.4: (token, the JWK's "k").
    let vectors = [
        (
            "RFC 7515 A.1",
            "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow",
        ),
        (
            "RFC 7520 §4.4",
            "eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LWVlZjMxNGJjNzAzNyJ9.SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4.s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0",
            "hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg",
        ),
    ];
    for (rfc, compact, k) in vectors {
        let secret = URL_SAFE_NO_PAD.decode(k).unwrap();
        let (input, signature) = split(compact);
        assert!(
            verify_with_secret(JwsAlg::HS256, &secret, input.as_bytes(), &signature),
            "{rfc}"
        );
        let tampered = tampered_input(&input);
        assert!(
            !verify_with_secret(JwsAlg::HS256, &secret, tampered.as_bytes(), &signature),
            "{rfc}"
        );
        // The same secret published as an oct JWK is never used (algorithm confusion).
        let set = KeySet::from_value(&json!({"keys": [{"kty": "oct", "k": k}]})).unwrap();
        let outcome = verify_with_set(
            JwsAlg::HS256,
            None,
            input.as_bytes(),
            &signature,
            &set,
            &KeySource::File("jwks".into()),
        );
        assert_eq!(outcome.cause, Cause::SecretNeeded, "{rfc}");
    }
}

#[test]
fn rfc7515_jwt_vectors_through_the_keyring() {
    // A.1–A.3 carry JWT claims, so they also go through `token::decode` and `Keyring::verify`,
    // with the key set in a file (`--jwks FILE`): their iss "joe" is not a discoverable URL.
    let dir = scratch_dir("rfc7515");
    for (vector, compact) in asymmetric_vectors().into_iter().take(2) {
        let file = dir.join(format!("{}.json", vector.alg));
        std::fs::write(&file, json!({"keys": [vector.jwk]}).to_string()).unwrap();
        let with_file = Settings {
            jwks: Some(KeyLocation::File(file)),
            ..settings()
        };
        let outcome = Keyring::new(with_file.clone())
            .unwrap()
            .verify(&token(&compact));
        assert_eq!(
            outcome.status,
            Status::Verified,
            "{}: {}",
            vector.rfc,
            outcome.reason
        );
        let without = Keyring::new(settings()).unwrap().verify(&token(&compact));
        assert_eq!(without.cause, Cause::IssuerNotUrl, "{}", vector.rfc);
    }
    let a1 = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let with_secret = Settings {
        secret: Some(Secret {
            bytes: URL_SAFE_NO_PAD
                .decode("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow")
                .unwrap(),
            from: "--secret-base64".into(),
        }),
        ..settings()
    };
    let outcome = Keyring::new(with_secret).unwrap().verify(&token(a1));
    assert_eq!(outcome.status, Status::Verified, "{}", outcome.reason);
}

/// The binary with no user config and a scratch cache.
fn claimcheck(scratch: &std::path::Path) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("claimcheck").unwrap();
    command
        .env("CLAIMCHECK_CONFIG", scratch.join("no-config.toml"))
        .env("CLAIMCHECK_CACHE_DIR", scratch.join("cache"))
        .env("NO_COLOR", "1");
    command
}

fn run_json(command: &mut assert_cmd::Command) -> (Value, i32) {
    let output = command.output().unwrap();
    let document: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    (document, output.status.code().unwrap())
}

/// Every example of RFC 7515 appendix A, RFC 7520 §4 and RFC 8037 A.4 (and a tampered twin of
/// each) through `claimcheck verify`, text payloads included: the fixture names the section
/// each comes from and the status the RFC implies. HMAC examples are verified with the
/// secret given as `--secret-base64`: a published key never verifies HMAC (RFC 8725 §2.1).
#[test]
fn rfc_vectors_through_the_binary_verify_exactly_as_the_rfcs_say() {
    let fixture: Value =
        serde_json::from_str(include_str!("../fixtures/jws-rfc-vectors.json")).unwrap();
    let cases = fixture["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 27);
    let scratch = scratch_dir("rfc-binary");
    for (index, case) in cases.iter().enumerate() {
        let id = case["id"].as_str().unwrap();
        let compact = case["token"].as_str().unwrap();
        let expect = case["expect"].as_str().unwrap();
        let now = case["now"].as_i64().unwrap_or(1_800_000_000).to_string();
        let mut command = claimcheck(&scratch);
        command.args(["verify", "--json", "--no-cache", "--now", &now]);
        let jwk = &case["jwk"];
        if jwk["kty"] == "oct" {
            command.args(["--secret-base64", jwk["k"].as_str().unwrap()]);
        } else if !jwk.is_null() {
            let file = scratch.join(format!("jwks-{index}.json"));
            std::fs::write(&file, json!({"keys": [jwk]}).to_string()).unwrap();
            command.arg("--jwks").arg(&file);
        }
        let (document, code) = run_json(command.arg(compact));
        let signature = &document["signature"];
        assert_eq!(signature["status"], expect, "{id}: {signature}");
        assert_eq!(code, if expect == "verified" { 0 } else { 1 }, "{id}");
        if expect == "failed" && case["alg"] != "none" {
            assert_eq!(signature["code"], "bad_signature", "{id}: {signature}");
        }
        if let Some(text) = case["payload_text"].as_str() {
            assert_eq!(document["form"], "signed", "{id}");
            assert_eq!(document["claims"], Value::Null, "{id}");
            assert_eq!(document["payload"], json!({"text": text}), "{id}");
            let lints: Vec<&str> = document["lints"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|lint| lint["code"].as_str())
                .collect();
            assert!(lints.contains(&"payload-not-json"), "{id}: {lints:?}");
        } else if case.get("now").is_some() {
            assert!(document["claims"].is_object(), "{id}");
            assert!(document.get("payload").is_none(), "{id}");
        }
    }
}

#[test]
fn a_published_hmac_key_leaves_the_rfc_hmac_examples_not_checked() {
    let fixture: Value =
        serde_json::from_str(include_str!("../fixtures/jws-rfc-vectors.json")).unwrap();
    let scratch = scratch_dir("rfc-oct");
    for case in fixture["cases"].as_array().unwrap() {
        if case["jwk"]["kty"] != "oct" || case["alg"] == "none" {
            continue;
        }
        let file = scratch.join("oct.json");
        std::fs::write(&file, json!({"keys": [case["jwk"]]}).to_string()).unwrap();
        let (document, code) = run_json(
            claimcheck(&scratch)
                .args(["verify", "--json", "--no-cache", "--jwks"])
                .arg(&file)
                .arg(case["token"].as_str().unwrap()),
        );
        let id = case["id"].as_str().unwrap();
        assert_eq!(document["signature"]["status"], "not_checked", "{id}");
        assert_eq!(document["signature"]["code"], "secret_needed", "{id}");
        // Without --now the JWT examples expired in 2011 (a definite no); a text payload has
        // no times, so the unchecked signature decides.
        let expected = if case.get("now").is_some() { 1 } else { 3 };
        assert_eq!(code, expected, "{id}");
    }
}

#[test]
fn text_payloads_decode_and_bytes_that_are_not_utf8_show_as_base64url() {
    let scratch = scratch_dir("rfc-decode");
    // RFC 7515 A.4: the payload is the text "Payload".
    let a4 = "eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZA.AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-mZZqwqT2SI-KGDKB34XO0aw_7XdtAG8GaSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8KpEHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn";
    let (document, code) = run_json(claimcheck(&scratch).args(["decode", "--json", a4]));
    assert_eq!(code, 0);
    assert_eq!(document["claims"], Value::Null);
    assert_eq!(document["payload"], json!({"text": "Payload"}));
    assert_eq!(document["time"]["status"], "unknown");
    claimcheck(&scratch)
        .args(["decode", a4])
        .assert()
        .code(0)
        .stdout(predicates::str::contains("Payload (text)\n  Payload\n"))
        .stdout(predicates::str::contains("the payload is not a claim set"));

    let bytes = [0xff_u8, 0x00, 0x80, 0x7f];
    let binary = format!(
        "eyJhbGciOiJFUzUxMiJ9.{}.AAAA",
        URL_SAFE_NO_PAD.encode(bytes)
    );
    let (document, code) = run_json(claimcheck(&scratch).args(["decode", "--json", &binary]));
    assert_eq!(code, 0, "{document}");
    assert_eq!(
        document["payload"],
        json!({"base64url": URL_SAFE_NO_PAD.encode(bytes)})
    );
}

#[test]
fn check_does_not_panic_on_a_token_without_claims() {
    let scratch = scratch_dir("rfc-check");
    let rules = scratch.join("trust.json");
    std::fs::write(
        &rules,
        json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}
        }]})
        .to_string(),
    )
    .unwrap();
    let a4 = "eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZA.AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-mZZqwqT2SI-KGDKB34XO0aw_7XdtAG8GaSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8KpEHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn";
    let output = claimcheck(&scratch)
        .args(["check", "--json", "--no-verify", "--rules"])
        .arg(&rules)
        .write_stdin(a4)
        .output()
        .unwrap();
    // No system can read a claim from a text payload: every rule refuses it, a definite no.
    let code = output.status.code().unwrap();
    assert_eq!(code, 1, "{}", String::from_utf8_lossy(&output.stderr));
    assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["claims"], serde_json::Value::Null);
    assert_eq!(document["payload"]["text"], "Payload");
    let verdict = &document["verdicts"][0];
    assert_eq!(verdict["outcome"], "denied");
    assert_eq!(verdict["checks"][0]["condition"], "claims");
    assert_eq!(
        verdict["checks"][0]["actual"],
        "a payload of text, not a JSON object"
    );
    assert_eq!(document["decision"]["outcome"], "denied");
}
