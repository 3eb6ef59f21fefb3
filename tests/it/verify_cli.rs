//! `claimcheck verify` end to end: the binary, its text and JSON output and its exit codes.

use crate::support;

use std::path::Path;

use assert_cmd::Command;
use claimcheck::demo::{self, DemoKey};
use predicates::prelude::*;
use serde_json::{Map, Value, json};
use support::keys::tamper;
use support::scratch_dir;
use support::server::{Reply, Request, TestServer, discovery};

const GITHUB: &str = "https://token.actions.githubusercontent.com";
const NOW: i64 = 1_800_000_000;

fn demo_jwks() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/demo/jwks.json")
        .display()
        .to_string()
}

/// The binary with no user config and a scratch cache, so tests never see the real user's.
fn claimcheck(scratch: &Path) -> Command {
    let mut command = Command::cargo_bin("claimcheck").unwrap();
    command
        .env("CLAIMCHECK_CONFIG", scratch.join("no-config.toml"))
        .env("CLAIMCHECK_CACHE_DIR", scratch.join("cache"))
        .env("NO_COLOR", "1");
    command
}

fn github_token() -> String {
    demo::template("github-environment").unwrap().mint(NOW)
}

fn json_output(command: &mut Command) -> Value {
    let output = command.output().unwrap();
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn a_demo_token_pinned_to_the_demo_jwks_is_verified_with_its_source() {
    let scratch = scratch_dir("cli-demo");
    let pin = format!("{GITHUB}={}", demo_jwks());
    claimcheck(&scratch)
        .args([
            "verify",
            "--now",
            &NOW.to_string(),
            "--jwks-for",
            &pin,
            &github_token(),
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(format!(
            "Signature  ✓ verified: RS256 with key 'claimcheck-demo-rsa-1' from file {}",
            demo_jwks()
        )))
        .stdout(predicate::str::contains("Time       ✓ active"));

    let document = json_output(claimcheck(&scratch).args([
        "verify",
        "--json",
        "--now",
        &NOW.to_string(),
        "--jwks-for",
        &pin,
        &github_token(),
    ]));
    assert_eq!(document["schema"], 1);
    assert_eq!(document["claims"]["iss"], GITHUB);
    let signature = &document["signature"];
    assert_eq!(signature["status"], "verified");
    assert_eq!(signature["code"], "verified");
    assert_eq!(signature["alg"], "RS256");
    assert_eq!(signature["kid"], "claimcheck-demo-rsa-1");
    assert_eq!(
        signature["key_source"],
        json!({"kind": "file", "location": demo_jwks()})
    );
}

#[test]
fn decode_still_reports_the_signature_as_not_checked_with_no_new_fields() {
    let scratch = scratch_dir("cli-decode");
    let document = json_output(claimcheck(&scratch).args(["decode", "--json", &github_token()]));
    let signature = document["signature"].as_object().unwrap();
    assert_eq!(signature.keys().collect::<Vec<_>>(), ["status", "reason"]);
    assert_eq!(signature["status"], "not_checked");
}

#[test]
fn exit_codes_tell_failed_expired_and_not_checked_apart() {
    let scratch = scratch_dir("cli-exit");
    let pin = format!("{GITHUB}={}", demo_jwks());
    let now = NOW.to_string();
    claimcheck(&scratch)
        .args([
            "verify",
            "--now",
            &now,
            "--jwks-for",
            &pin,
            &tamper(&github_token()),
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "✗ failed: the signature does not verify with key 'claimcheck-demo-rsa-1'",
        ));
    let much_later = (NOW + 86_400).to_string();
    claimcheck(&scratch)
        .args([
            "verify",
            "--now",
            &much_later,
            "--jwks-for",
            &pin,
            &github_token(),
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("✓ verified"))
        .stdout(predicate::str::contains("✗ expired"));
    claimcheck(&scratch)
        .args(["verify", "--now", &now, "--offline", &github_token()])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("– not checked: offline, and no cached keys for https://token.actions.githubusercontent.com"));
    claimcheck(&scratch)
        .args(["verify", "not-a-token-and-not-a-file"])
        .assert()
        .code(2);
    claimcheck(&scratch)
        .args([
            "verify",
            "--ca-cert",
            "/nonexistent/ca.pem",
            &github_token(),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot read the CA certificate file",
        ));
}

#[test]
fn pins_in_the_config_file_are_used_with_paths_relative_to_it() {
    let scratch = scratch_dir("cli-config");
    std::fs::copy(demo_jwks(), scratch.join("github.json")).unwrap();
    let config = scratch.join("config.toml");
    std::fs::write(
        &config,
        format!("[tui]\nanything = true\n\n[verify.jwks_for]\n\"{GITHUB}\" = \"github.json\"\n"),
    )
    .unwrap();
    claimcheck(&scratch)
        .env("CLAIMCHECK_CONFIG", &config)
        .args(["verify", "--now", &NOW.to_string(), &github_token()])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(format!(
            "from file {}",
            scratch.join("github.json").display()
        )));
    std::fs::write(&config, "[verify]\ntimeout_secs = \"soon\"\n").unwrap();
    claimcheck(&scratch)
        .env("CLAIMCHECK_CONFIG", &config)
        .args(["verify", &github_token()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not valid"));
}

#[test]
fn keys_discovered_over_http_are_shown_with_their_url_and_fetch_time_then_cached() {
    let server = TestServer::start(|request: &Request| match request.path.as_str() {
        "/.well-known/openid-configuration" => Reply::json(&discovery(&request.base, "/jwks")),
        "/jwks" => Reply::with_type(
            200,
            "application/jwk-set+json",
            demo::JWKS_JSON.as_bytes().to_vec(),
        ),
        _ => Reply::status(404),
    });
    let mut claims = Map::new();
    claims.insert("iss".into(), server.base.clone().into());
    claims.insert(
        "sub".into(),
        "system:serviceaccount:payments:api-server".into(),
    );
    claims.insert("exp".into(), (NOW + 600).into());
    let minted = demo::sign_with(DemoKey::Ec, &Map::new(), &claims);
    let scratch = scratch_dir("cli-http");
    let run = || {
        claimcheck(&scratch)
            .args(["verify", "--now", &NOW.to_string(), &minted])
            .assert()
            .code(0)
    };
    run().stdout(predicate::str::contains(format!(
        "✓ verified: ES256 with key 'claimcheck-demo-ec-1' from {}/jwks (fetched ",
        server.base
    )));
    run().stdout(predicate::str::contains(", from the cache)"));
    assert_eq!(server.count("/jwks"), 1);
}

#[test]
fn a_stalling_key_server_is_not_checked_with_the_timeout_code() {
    let server = TestServer::start(|request: &Request| match request.path.as_str() {
        "/.well-known/openid-configuration" => Reply::stall(),
        _ => Reply::status(404),
    });
    let mut claims = Map::new();
    claims.insert("iss".into(), server.base.clone().into());
    claims.insert("exp".into(), (NOW + 600).into());
    let minted = demo::sign_with(DemoKey::Rsa, &Map::new(), &claims);
    let scratch = scratch_dir("cli-stall");
    claimcheck(&scratch)
        .args([
            "verify",
            "--timeout",
            "0.5",
            "--no-cache",
            "--now",
            &NOW.to_string(),
            &minted,
        ])
        .assert()
        .code(3)
        .stdout(predicate::str::contains(format!(
            "– not checked: could not reach {}/.well-known/openid-configuration: timed out",
            server.base
        )));
}

/// A token from `issuer`, signed with the demo RSA key, valid at `NOW`.
fn token_from(issuer: &str) -> String {
    let mut claims = Map::new();
    claims.insert("iss".into(), issuer.into());
    claims.insert("sub".into(), "repo:acme/app:ref:refs/heads/main".into());
    claims.insert("exp".into(), (NOW + 600).into());
    demo::sign_with(DemoKey::Rsa, &Map::new(), &claims)
}

/// `verify --json` of `token` with no cache: (the signature member, the exit code).
fn verify_json(scratch: &Path, extra: &[&str], token: &str) -> (Value, i32) {
    let output = claimcheck(scratch)
        .args(["verify", "--json", "--no-cache", "--now", &NOW.to_string()])
        .args(extra)
        .arg(token)
        .output()
        .unwrap();
    let document: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    (document["signature"].clone(), output.status.code().unwrap())
}

#[test]
fn an_unreachable_issuer_is_not_checked_not_failed() {
    // README, Exit status: 1 is a definite no, 3 is "could not check".
    let scratch = scratch_dir("cli-unreachable");
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let issuer = format!("http://127.0.0.1:{closed_port}");
    let (signature, code) = verify_json(&scratch, &[], &token_from(&issuer));
    assert_eq!(code, 3, "{signature}");
    assert_eq!(signature["status"], "not_checked");
    assert_eq!(signature["code"], "connect");
    let reason = signature["reason"].as_str().unwrap();
    assert!(
        reason.starts_with(&format!(
            "could not reach {issuer}/.well-known/openid-configuration: could not connect"
        )),
        "{reason}"
    );

    claimcheck(&scratch)
        .args(["verify", "--no-cache", "--now", &NOW.to_string()])
        .arg(token_from(&issuer))
        .assert()
        .code(3)
        .stdout(predicate::str::contains("– not checked: could not reach"))
        .stdout(predicate::str::contains("failed").not());
}

#[test]
fn a_key_server_error_status_is_not_checked_with_the_status_code() {
    let scratch = scratch_dir("cli-500");
    let server = TestServer::start(|request: &Request| match request.path.as_str() {
        "/.well-known/openid-configuration" => Reply::json(&discovery(&request.base, "/jwks")),
        _ => Reply::status(500),
    });
    let (signature, code) = verify_json(&scratch, &[], &token_from(&server.base));
    assert_eq!(code, 3, "{signature}");
    assert_eq!(signature["status"], "not_checked");
    assert_eq!(signature["code"], "http_status");
    assert_eq!(
        signature["reason"],
        format!("{}/jwks answered HTTP 500", server.base)
    );
}

#[test]
fn a_discovery_document_for_another_issuer_is_a_definite_failure() {
    // OIDC Discovery 1.0 §4.3: the document's issuer must be identical to the token's iss.
    let scratch = scratch_dir("cli-other-issuer");
    let server = TestServer::start(|request: &Request| match request.path.as_str() {
        "/.well-known/openid-configuration" => {
            Reply::json(&discovery("https://someone-else.example", "/jwks"))
        }
        _ => Reply::status(404),
    });
    let (signature, code) = verify_json(&scratch, &[], &token_from(&server.base));
    assert_eq!(code, 1, "{signature}");
    assert_eq!(signature["status"], "failed");
    assert_eq!(signature["code"], "discovery_issuer_mismatch");
}

#[test]
fn a_key_set_dripped_a_byte_a_second_cannot_outlast_the_timeout() {
    let jwks = demo::JWKS_JSON.as_bytes().to_vec();
    let issuer = support::server::dripping_issuer(jwks, std::time::Duration::from_secs(1));
    let scratch = scratch_dir("cli-drip");
    let started = std::time::Instant::now();
    let (signature, code) = verify_json(&scratch, &["--timeout", "3"], &token_from(&issuer));
    let elapsed = started.elapsed();
    assert_eq!(code, 3, "{signature}");
    assert_eq!(signature["status"], "not_checked");
    assert_eq!(signature["code"], "timeout");
    assert!(
        signature["reason"]
            .as_str()
            .unwrap()
            .starts_with(&format!("could not reach {issuer}/jwks: timed out")),
        "{signature}"
    );
    // Not a timing measurement: a guard that the whole response was not waited for (the key
    // set is over a thousand bytes, so that would take over a quarter of an hour).
    assert!(elapsed < std::time::Duration::from_secs(10), "{elapsed:?}");
}

#[test]
fn an_encrypted_token_is_not_checked() {
    let scratch = scratch_dir("cli-jwe");
    let b64 = support::keys::b64;
    let jwe = format!(
        "{}..{}.{}.{}",
        b64(br#"{"alg":"dir","enc":"A256GCM","kid":"e1"}"#),
        b64(b"iv-bytes-123"),
        b64(b"ciphertext"),
        b64(b"tag-tag-tag-tag!")
    );
    let (signature, code) = verify_json(&scratch, &[], &jwe);
    assert_eq!(code, 3, "{signature}");
    assert_eq!(signature["status"], "not_checked");
    assert_eq!(signature["code"], "encrypted");
}

#[cfg(unix)]
#[test]
fn local_inputs_without_an_end_are_refused_by_size() {
    let scratch = scratch_dir("cli-bounded");
    let token = github_token();
    let started = std::time::Instant::now();
    for (args, message) in [
        (
            ["--jwks", "/dev/zero"],
            "key set file /dev/zero: larger than 1048576 bytes",
        ),
        (
            ["--secret-file", "/dev/zero"],
            "cannot read the secret file /dev/zero: larger than",
        ),
        (
            ["--ca-cert", "/dev/zero"],
            "cannot read the CA certificate file /dev/zero: larger than",
        ),
    ] {
        claimcheck(&scratch)
            .args(["verify", "--no-cache"])
            .args(args)
            .arg(&token)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
    claimcheck(&scratch)
        .env("CLAIMCHECK_CONFIG", "/dev/zero")
        .args(["verify", &token])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("larger than 1048576 bytes"));
    // A FIFO nobody writes to: opening it must not wait for a writer.
    let fifo = scratch.join("jwks.fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    claimcheck(&scratch)
        .args(["verify", "--no-cache", "--jwks"])
        .arg(&fifo)
        .arg(&token)
        .timeout(std::time::Duration::from_secs(30))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not JSON"));
    // A guard against reading without end, not a timing measurement.
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}

#[test]
fn a_zero_timeout_in_the_config_is_refused() {
    let scratch = scratch_dir("cli-zero-timeout");
    let config = scratch.join("config.toml");
    std::fs::write(&config, "[verify]\ntimeout_secs = 0\n").unwrap();
    claimcheck(&scratch)
        .env("CLAIMCHECK_CONFIG", &config)
        .args(["verify", &github_token()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("timeout_secs = 0"));
}

#[test]
fn hmac_secrets_come_from_any_of_the_three_options() {
    let scratch = scratch_dir("cli-hmac");
    let secret = b"correct horse battery staple, 32b";
    let minted = support::keys::mint_hmac("HS256", secret, json!({"sub": "x", "exp": NOW + 60}));
    let file = scratch.join("secret.txt");
    std::fs::write(&file, [secret.as_slice(), b"\n"].concat()).unwrap();
    let b64 = support::keys::b64(secret);
    let now = NOW.to_string();
    let file_arg = file.display().to_string();
    for option in [
        ["--secret", std::str::from_utf8(secret).unwrap()],
        ["--secret-file", file_arg.as_str()],
        ["--secret-base64", b64.as_str()],
    ] {
        claimcheck(&scratch)
            .args(["verify", "--now", &now])
            .args(option)
            .arg(&minted)
            .assert()
            .code(0)
            .stdout(predicate::str::contains(format!(
                "✓ verified: HS256 with the secret from {}",
                option[0]
            )));
    }
    claimcheck(&scratch)
        .args(["verify", "--now", &now, &minted])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("pass it with --secret"));
}

#[test]
fn help_has_examples() {
    let scratch = scratch_dir("cli-help");
    claimcheck(&scratch)
        .args(["verify", "--help"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Examples:"))
        .stdout(predicate::str::contains("--jwks-for"));
}

#[test]
fn ssl_cert_file_and_ca_cert_are_honoured_for_https_key_sets() {
    let jwks = demo::JWKS_JSON.to_owned();
    let origin = support::tls::https_server(jwks);
    let scratch = scratch_dir("cli-tls");
    let pin = format!("{GITHUB}={origin}/jwks");
    let now = NOW.to_string();
    let ca = support::tls::fixture("ca.pem");
    claimcheck(&scratch)
        .args([
            "verify",
            "--no-cache",
            "--now",
            &now,
            "--jwks-for",
            &pin,
            &github_token(),
        ])
        .assert()
        .code(3)
        .stdout(predicate::str::contains(
            "invalid peer certificate: UnknownIssuer",
        ));
    claimcheck(&scratch)
        .args([
            "verify",
            "--no-cache",
            "--now",
            &now,
            "--jwks-for",
            &pin,
            "--ca-cert",
        ])
        .arg(&ca)
        .arg(github_token())
        .assert()
        .code(0)
        .stdout(predicate::str::contains(format!(
            "✓ verified: RS256 with key 'claimcheck-demo-rsa-1' from {origin}/jwks"
        )));
    claimcheck(&scratch)
        .env("SSL_CERT_FILE", &ca)
        .args([
            "verify",
            "--no-cache",
            "--now",
            &now,
            "--jwks-for",
            &pin,
            &github_token(),
        ])
        .assert()
        .code(0);
}

/// A PEM or DER public key given to `--jwks` (as jwt-cli and jwt.io take one) is a key set of
/// that one key: SPKI "PUBLIC KEY" (RFC 5280 §4.1.2.7) and PKCS#1 "RSA PUBLIC KEY" (RFC 8017
/// A.1.1) for RSA, DER SPKI for EC P-256 (RFC 5480). The fixtures are the public halves of the
/// demo keys; the token's kid is in no PEM, so the kid-less key is matched by type.
#[test]
fn pem_and_der_public_keys_verify_with_jwks_in_verify_and_check() {
    let scratch = scratch_dir("cli-pem");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keys");
    let claims = demo::template("github-environment").unwrap().claims_at(NOW);
    let rsa = demo::sign_with(DemoKey::Rsa, &Map::new(), &claims);
    let ec = demo::sign_with(DemoKey::Ec, &Map::new(), &claims);
    let rules =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/rules/aws-deploy-role.json");
    for (token, file, verified) in [
        (&rsa, "demo-rsa-spki-test-only.pem", true),
        (&rsa, "demo-rsa-pkcs1-test-only.pem", true),
        (&ec, "demo-ec-p256-spki-test-only.der", true),
        (&rsa, "demo-ec-p256-spki-test-only.der", false),
        (&ec, "demo-rsa-spki-test-only.pem", false),
    ] {
        let key = fixtures.join(file).display().to_string();
        let document = json_output(claimcheck(&scratch).args([
            "verify",
            "--json",
            "--now",
            &NOW.to_string(),
            "--jwks",
            &key,
            token,
        ]));
        let status = &document["signature"]["status"];
        assert_eq!(status == "verified", verified, "{file}: {document}");
        assert_eq!(
            document["signature"]["key_source"]["location"], key,
            "{file}: {document}"
        );
        let checked = json_output(claimcheck(&scratch).args([
            "check",
            "--json",
            "--now",
            &NOW.to_string(),
            "--jwks",
            &key,
            "--rules",
            &rules.display().to_string(),
            token,
        ]));
        assert_eq!(checked["signature"]["status"], *status, "{file}: {checked}");
    }
    // A private key is refused with what to give instead, before anything is verified.
    let private = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/keys/rsa-test-only.pem");
    claimcheck(&scratch)
        .args(["verify", "--jwks", &private.display().to_string(), &rsa])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("-pubout"));
}
