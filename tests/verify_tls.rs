//! HTTPS key servers on 127.0.0.1 with a certificate from a test-only CA
//! (`tests/fixtures/tls`): an untrusted certificate fails with the useful part of the cause, and
//! `--ca-cert` makes it trusted.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;

use claimcheck::keys::{Cause, KeyLocation, Keyring, Settings, Status};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::json;
use support::keys::TestKey;
use support::{settings, token};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tls")
        .join(name)
}

/// Serves `body` as JSON over TLS to every connection; returns the server's https origin.
fn https_server(body: String) -> String {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(fixture("server.pem"))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_file(fixture("server-key.pem")).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let config = Arc::clone(&config);
            let body = body.clone();
            std::thread::spawn(move || {
                let connection = rustls::ServerConnection::new(config).unwrap();
                let mut tls = rustls::StreamOwned::new(connection, stream);
                // A client that refuses the certificate ends the handshake here: nothing to serve.
                let mut reader = BufReader::new(&mut tls);
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                    if line == "\r\n" {
                        let response = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        let _ = tls.write_all(response.as_bytes());
                        let _ = tls.flush();
                        return;
                    }
                    line.clear();
                }
            });
        }
    });
    format!("https://127.0.0.1:{port}")
}

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
    assert_eq!(untrusted.status, Status::Failed);
    assert_eq!(untrusted.cause, Cause::KeySourceError);
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
