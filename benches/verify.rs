//! Verification throughput (docs/ARCHITECTURE.md §9: RS256 within 1.5× of the crypto library's own raw
//! verify). Each algorithm is measured twice on the same signature: through claimcheck's path
//! (key selection by kid in a parsed JWKS, then jsonwebtoken's verifier) and with aws-lc-rs
//! directly. Decoding a token is measured too.
//!
//! Run: `cargo bench --bench verify`.

#[path = "../tests/it/support/keys.rs"]
mod keys;

use aws_lc_rs::signature::{self, UnparsedPublicKey};
use claimcheck::keys::{JwsAlg, KeySet, KeySource, Status, verify_with_set};
use claimcheck::token::{Limits, Token, decode};
use divan::{Bencher, black_box};
use keys::TestKey;
use serde_json::json;

fn main() {
    claimcheck::install_crypto_provider();
    divan::main();
}

struct Case {
    alg: JwsAlg,
    token: Token,
    set: KeySet,
    raw_key: Vec<u8>,
    raw_alg: &'static dyn signature::VerificationAlgorithm,
}

fn case(alg: JwsAlg) -> Case {
    let key = TestKey::for_alg(alg.name());
    let claims = json!({"iss": "https://issuer.example", "sub": "repo:acme/app:environment:prod",
                        "aud": "sts.amazonaws.com", "iat": 1_800_000_000, "exp": 1_800_000_300});
    let compact = key.mint(alg.name(), Some("k1"), json!({"typ": "JWT"}), claims);
    let token = decode(&compact, &Limits::default()).unwrap();
    let jwk = key.jwk("k1");
    let set = KeySet::from_value(&json!({"keys": [key.jwk("k0"), jwk.clone()]})).unwrap();
    let (raw_key, raw_alg): (Vec<u8>, &'static dyn signature::VerificationAlgorithm) = match &key {
        TestKey::Rsa(pair) => {
            use aws_lc_rs::signature::KeyPair;
            (
                pair.public_key().as_ref().to_vec(),
                &signature::RSA_PKCS1_2048_8192_SHA256,
            )
        }
        TestKey::Ec { pair, .. } => {
            use aws_lc_rs::signature::KeyPair;
            (
                pair.public_key().as_ref().to_vec(),
                &signature::ECDSA_P256_SHA256_FIXED,
            )
        }
        TestKey::Ed(pair) => {
            use aws_lc_rs::signature::KeyPair;
            (pair.public_key().as_ref().to_vec(), &signature::ED25519)
        }
    };
    let case = Case {
        alg,
        token,
        set,
        raw_key,
        raw_alg,
    };
    assert_eq!(through_claimcheck(&case), Status::Verified);
    assert!(raw(&case));
    case
}

fn through_claimcheck(case: &Case) -> Status {
    let source = KeySource::Url("https://issuer.example/jwks".to_owned());
    verify_with_set(
        case.alg,
        case.token.kid(),
        case.token.signing_input().as_bytes(),
        case.token.signature(),
        &case.set,
        &source,
    )
    .status
}

fn raw(case: &Case) -> bool {
    UnparsedPublicKey::new(case.raw_alg, &case.raw_key)
        .verify(
            case.token.signing_input().as_bytes(),
            case.token.signature(),
        )
        .is_ok()
}

const ALGS: [&str; 3] = ["RS256", "ES256", "EdDSA"];

#[divan::bench(args = ALGS)]
fn claimcheck_verify(bencher: Bencher, alg: &str) {
    let case = case(JwsAlg::parse(alg).unwrap());
    bencher.bench_local(|| through_claimcheck(black_box(&case)));
}

#[divan::bench(args = ALGS)]
fn aws_lc_rs_raw_verify(bencher: Bencher, alg: &str) {
    let case = case(JwsAlg::parse(alg).unwrap());
    bencher.bench_local(|| raw(black_box(&case)));
}

#[divan::bench]
fn decode_token(bencher: Bencher) {
    let demo = claimcheck::demo::template("github-environment").unwrap();
    let compact = demo.mint(1_800_000_000);
    let limits = Limits::default();
    bencher.bench_local(|| decode(black_box(&compact), &limits).unwrap());
}
