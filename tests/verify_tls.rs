//! HTTPS key servers on 127.0.0.1 with a certificate from a test-only CA
//! (`tests/fixtures/tls`): an untrusted certificate fails with the useful part of the cause, and
//! `--ca-cert` makes it trusted.

mod support;

use claimcheck::keys::{Cause, KeyLocation, Keyring, Settings, Status};
use serde_json::json;
use support::keys::TestKey;
use support::tls::{fixture, https_server};
use support::{settings, token};

#[test]
fn an_untrusted_certificate_fails_naming_the_cause_and_ca_cert_trusts_it() {
    let key = TestKey::rsa();
    let origin = https_server(json!({"keys": [key.jwk("k")]}).to_string());
    let minted = key.mint(
        "RS256",
        Some("k"),
        json!({}),
        json!({"iss": "https://issuer.example", "sub": "x"}),
    );
    let pinned = Settings {
        jwks: Some(KeyLocation::Url(format!("{origin}/jwks"))),
        ..settings()
    };

    let untrusted = Keyring::new(pinned.clone())
        .unwrap()
        .verify(&token(&minted));
    // A certificate claimcheck cannot trust says nothing about the token: not checked.
    assert_eq!(untrusted.status, Status::NotChecked);
    assert_eq!(untrusted.cause, Cause::Tls);
    assert!(
        untrusted.reason.contains("invalid peer certificate"),
        "{}",
        untrusted.reason
    );
    assert!(
        untrusted.reason.contains("UnknownIssuer"),
        "{}",
        untrusted.reason
    );

    let mut trusted = pinned;
    trusted.http.ca_cert = Some(fixture("ca.pem"));
    let outcome = Keyring::new(trusted).unwrap().verify(&token(&minted));
    assert_eq!(outcome.status, Status::Verified, "{}", outcome.reason);
}

#[test]
fn a_ca_cert_file_without_certificates_is_a_setup_error() {
    let mut broken = settings();
    broken.http.ca_cert = Some(fixture("README.md"));
    let error = Keyring::new(broken)
        .err()
        .expect("a README is not a certificate");
    assert!(
        error
            .to_string()
            .contains("holds no usable PEM certificate"),
        "{error}"
    );
}

#[test]
fn https_redirects_are_followed_three_times_at_most() {
    use support::tls::{HttpsReply, https_router};
    let key = TestKey::ec("P-256");
    let jwks = json!({"keys": [key.jwk("k")]}).to_string();
    // /hop/N redirects to /hop/N-1; /hop/0 is the key set.
    let origin = https_router(move |path| match path.strip_prefix("/hop/") {
        Some("0") => HttpsReply::Json(jwks.clone()),
        Some(n) => HttpsReply::Redirect(format!("/hop/{}", n.parse::<u32>().unwrap() - 1)),
        None => HttpsReply::Json("{}".into()),
    });
    let minted = key.mint(
        "ES256",
        Some("k"),
        json!({}),
        json!({"iss": "https://issuer.example"}),
    );
    let via = |hops: u32| {
        let mut trusted = Settings {
            jwks: Some(KeyLocation::Url(format!("{origin}/hop/{hops}"))),
            ..settings()
        };
        trusted.http.ca_cert = Some(fixture("ca.pem"));
        Keyring::new(trusted).unwrap().verify(&token(&minted))
    };
    let three = via(3);
    assert_eq!(three.status, Status::Verified, "{}", three.reason);
    let four = via(4);
    assert_eq!(four.status, Status::NotChecked);
    assert_eq!(four.cause, Cause::Refused);
    assert!(
        four.reason.contains("more than 3 redirects"),
        "{}",
        four.reason
    );
}
