//! The text output of `claimcheck decode`, pinned: what a user sees is part of the contract.

use assert_cmd::Command;
use claimcheck::demo::{self, DemoKey};
use serde_json::{Map, Value, json};

const NOW: i64 = 1_800_000_000;

fn decode_text(token: &str, extra: &[&str]) -> String {
    let output = Command::cargo_bin("claimcheck")
        .unwrap()
        .env("CLAIMCHECK_CONFIG", "/nonexistent")
        .args(["decode", "--color", "never", "--now", &NOW.to_string()])
        .args(extra)
        .arg(token)
        .output()
        .unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn github_environment_token() {
    let token = demo::template("github-environment").unwrap().mint(NOW);
    insta::assert_snapshot!(decode_text(&token, &[]));
}

#[test]
fn kubernetes_token_with_nested_claims() {
    let token = demo::template("kubernetes").unwrap().mint(NOW);
    insta::assert_snapshot!(decode_text(&token, &[]));
}

#[test]
fn expired_token_with_lints() {
    let claims: Map<String, Value> = json!({
        "iss": "https://issuer.example",
        "sub": "svc",
        "aud": ["a", "b"],
        "iat": NOW - 200_000,
        "exp": NOW - 100,
    })
    .as_object()
    .unwrap()
    .clone();
    let header = json!({"jku": "https://attacker.example/jwks.json"})
        .as_object()
        .unwrap()
        .clone();
    let token = demo::sign_with(DemoKey::Rsa, &header, &claims);
    insta::assert_snapshot!(decode_text(&token, &["--leeway", "30"]));
}
