//! The text output of `claimcheck decode`, pinned: what a user sees is part of the contract.

use assert_cmd::Command;
use claimcheck::demo::{self, DemoKey};
use serde_json::{Map, Value, json};

const NOW: i64 = 1_800_000_000;

fn decode_text(token: &str, extra: &[&str]) -> String {
    let output = Command::cargo_bin("claimcheck")
        .unwrap()
        .env("CLAIMCHECK_CONFIG", "/nonexistent")
        .env_remove("COLUMNS")
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

#[test]
fn jws_with_a_text_payload() {
    // RFC 7520 §4.1: the JOSE cookbook signs a sentence, not a claim set.
    let token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9.SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4.MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmKZopdHM1O2U4mwzJdQx996ivp83xuglII7PNDi84wnB-BDkoBwA78185hX-Es4JIwmDLJK3lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8wW1Kt9eRo4QPocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_de3xyIrDaLGdjluPxUAhb6L2aXic1U12podGU0KLUQSE_oI-ZnmKJ3F4uOZDnd6QZWJushZ41Axf_fcIe8u9ipH84ogoree7vjbU5y18kDquDg";
    insta::assert_snapshot!(decode_text(token, &[]));
}

/// A token whose `groups` claim has `count` entries (as large directory tenants issue them).
fn token_with_groups(count: usize) -> String {
    let groups: Vec<String> = (0..count)
        .map(|i| format!("acme-team-{i:04}-engineering"))
        .collect();
    let claims: Map<String, Value> = json!({
        "iss": "https://login.example.com/tenant",
        "sub": "user-1",
        "aud": "api://claimcheck-test",
        "exp": NOW + 3600,
        "groups": groups,
        "note": "a long string claim that goes on and on past the edge of an eighty-column terminal, as descriptions and URLs do",
    })
    .as_object()
    .unwrap()
    .clone();
    demo::sign_with(DemoKey::Rsa, &Map::new(), &claims)
}

/// Large arrays and long strings wrap to the width (between array entries, continuation
/// lines under the value) instead of printing one line of 100 KB; piped without a width they
/// keep one line per claim.
#[test]
fn large_arrays_and_long_strings_wrap_to_the_width() {
    let text = decode_text(&token_with_groups(12), &["--width", "80"]);
    insta::assert_snapshot!(text);

    let big = token_with_groups(2100);
    let text = decode_text(&big, &["--width", "80"]);
    let widest = text
        .lines()
        .map(unicode_width::UnicodeWidthStr::width)
        .max()
        .unwrap();
    assert!(widest <= 80, "a line of {widest} columns");
    assert!(text.lines().count() > 1000);
    // Every entry is whole on some line: breaks fall between entries.
    for i in [0, 1049, 2099] {
        let entry = format!("\"acme-team-{i:04}-engineering\"");
        assert!(text.lines().any(|l| l.contains(&entry)), "{entry} was cut");
    }
    let piped = decode_text(&big, &[]);
    let groups_line = piped.lines().find(|l| l.contains("groups")).unwrap();
    assert!(
        groups_line.len() > 50_000,
        "piped output keeps one line per claim"
    );
}
