//! Verification against key sources served by a real HTTP server on 127.0.0.1, including
//! hostile ones. A key source that cannot be reached or read leaves the signature not checked;
//! only a definite answer (a bad signature, keys for another issuer) fails it.

use crate::support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use claimcheck::keys::{Cause, KeyLocation, KeySource, Keyring, Secret, Settings, Status};
use serde_json::{Value, json};
use support::keys::{TestKey, mint_hmac, tamper};
use support::server::{Reply, Request, TestServer, discovery};
use support::{NOW, scratch_dir, settings, token};

const DISCOVERY: &str = "/.well-known/openid-configuration";

fn claims(issuer: &str) -> Value {
    json!({"iss": issuer, "sub": "repo:acme/app:ref:refs/heads/main", "aud": "sts.amazonaws.com",
           "iat": NOW, "exp": NOW + 300})
}

/// An issuer at the server's origin whose key set is whatever `jwks` holds at the time.
fn issuer_serving(jwks: Arc<Mutex<Value>>) -> TestServer {
    TestServer::start(move |request: &Request| match request.path.as_str() {
        DISCOVERY => Reply::json(&discovery(&request.base, "/jwks")),
        "/jwks" => Reply::json(&jwks.lock().unwrap()),
        _ => Reply::status(404),
    })
}

fn keyring(settings: Settings) -> Keyring {
    Keyring::new(settings).unwrap()
}

#[test]
fn every_algorithm_verifies_through_discovery_and_its_tampered_twin_fails() {
    let algs = [
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "ES256K",
        "EdDSA", "Ed25519",
    ];
    let keys: Vec<(&str, TestKey)> = algs
        .iter()
        .map(|alg| (*alg, TestKey::for_alg(alg)))
        .collect();
    let jwks = json!({"keys": keys.iter().map(|(alg, key)| key.jwk(&alg.to_lowercase())).collect::<Vec<_>>()});
    let server = issuer_serving(Arc::new(Mutex::new(jwks)));
    let mut keyring = keyring(settings());
    for (alg, key) in &keys {
        let kid = alg.to_lowercase();
        let minted = key.mint(alg, Some(&kid), json!({"typ": "JWT"}), claims(&server.base));
        let outcome = keyring.verify(&token(&minted));
        assert_eq!(
            outcome.status,
            Status::Verified,
            "{alg}: {}",
            outcome.reason
        );
        assert_eq!(outcome.alg.as_deref(), Some(*alg));
        assert_eq!(outcome.kid.as_deref(), Some(kid.as_str()));
        assert_eq!(
            outcome.key_source,
            Some(KeySource::Url(format!("{}/jwks", server.base)))
        );
        assert!(outcome.fetched_at.is_some());

        let tampered = keyring.verify(&token(&tamper(&minted)));
        assert_eq!(tampered.status, Status::Failed, "{alg} tampered");
        assert_eq!(tampered.cause, Cause::BadSignature, "{}", tampered.reason);
    }
    // One discovery and one key-set fetch per issuer per run.
    assert_eq!(server.count(DISCOVERY), 1);
    assert_eq!(server.count("/jwks"), 1);
    let agent = server.requests()[0].user_agent.clone().unwrap_or_default();
    assert!(agent.starts_with("claimcheck/"), "{agent}");
}

#[test]
fn hmac_verifies_only_with_the_users_secret_never_with_published_keys() {
    // The JWKS even publishes the secret as an oct key: it must still not be used.
    let secret = b"a shared secret of thirty-two bytes!";
    let jwks = json!({"keys": [{"kty": "oct", "kid": "h", "k": support::keys::b64(secret)}]});
    let server = issuer_serving(Arc::new(Mutex::new(jwks)));
    let with_secret = Settings {
        secret: Some(Secret {
            bytes: secret.to_vec(),
            from: "--secret".into(),
        }),
        ..settings()
    };
    for alg in ["HS256", "HS384", "HS512"] {
        let minted = mint_hmac(alg, secret, claims(&server.base));
        let verified = keyring(with_secret.clone()).verify(&token(&minted));
        assert_eq!(
            verified.status,
            Status::Verified,
            "{alg}: {}",
            verified.reason
        );
        assert_eq!(
            verified.key_source,
            Some(KeySource::Secret("--secret".into()))
        );
        let tampered = keyring(with_secret.clone()).verify(&token(&tamper(&minted)));
        assert_eq!(tampered.cause, Cause::BadSignature, "{alg}");

        let without = keyring(settings()).verify(&token(&minted));
        assert_eq!(without.status, Status::NotChecked, "{alg}");
        assert_eq!(without.cause, Cause::SecretNeeded);
    }
    // Algorithm confusion: an HS256 token "signed" with an RSA public key's bytes is not
    // verified with that key, nor is the key set even fetched for an HMAC token.
    let rsa = TestKey::rsa();
    let public_n = rsa.jwk("r")["n"].as_str().unwrap().to_owned();
    let confused = mint_hmac("HS256", public_n.as_bytes(), claims(&server.base));
    let outcome = keyring(settings()).verify(&token(&confused));
    assert_eq!(outcome.cause, Cause::SecretNeeded);
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

#[test]
fn an_unknown_kid_fails_and_names_the_kids_the_set_has() {
    let key = TestKey::rsa();
    let jwks = json!({"keys": [key.jwk("current")]});
    let server = issuer_serving(Arc::new(Mutex::new(jwks)));
    let minted = key.mint("RS256", Some("retired"), json!({}), claims(&server.base));
    let outcome = keyring(settings()).verify(&token(&minted));
    assert_eq!(outcome.status, Status::Failed);
    assert_eq!(outcome.cause, Cause::UnknownKid);
    assert!(outcome.reason.contains("'retired'"), "{}", outcome.reason);
    assert!(outcome.reason.contains("'current'"), "{}", outcome.reason);
    // Fetched in this run already: a rotation refetch could not find anything newer.
    assert_eq!(server.count("/jwks"), 1);
}

#[test]
fn key_rotation_refetches_once_then_is_rate_limited() {
    let old = TestKey::ec("P-256");
    let new = TestKey::ec("P-256");
    let jwks = Arc::new(Mutex::new(json!({"keys": [old.jwk("k1")]})));
    let server = issuer_serving(Arc::clone(&jwks));
    let cached = Settings {
        cache_dir: Some(scratch_dir("rotation")),
        ..settings()
    };
    let first = old.mint("ES256", Some("k1"), json!({}), claims(&server.base));
    assert_eq!(
        keyring(cached.clone()).verify(&token(&first)).status,
        Status::Verified
    );
    assert_eq!(server.count("/jwks"), 1);

    // The issuer rotates: k2 appears after our first fetch, while the cached copy is fresh.
    *jwks.lock().unwrap() = json!({"keys": [old.jwk("k1"), new.jwk("k2")]});
    let rotated = new.mint("ES256", Some("k2"), json!({}), claims(&server.base));
    let outcome = keyring(cached.clone()).verify(&token(&rotated));
    assert_eq!(outcome.status, Status::Verified, "{}", outcome.reason);
    assert_eq!(outcome.kid.as_deref(), Some("k2"));
    assert!(
        outcome.notes.iter().any(|n| n.contains("key rotation")),
        "{:?}",
        outcome.notes
    );
    assert_eq!(server.count("/jwks"), 2);

    // Another unknown kid within the minute: no third fetch.
    let unknown = new.mint("ES256", Some("k3"), json!({}), claims(&server.base));
    let outcome = keyring(cached).verify(&token(&unknown));
    assert_eq!(outcome.cause, Cause::UnknownKid);
    assert!(
        outcome
            .notes
            .iter()
            .any(|n| n.contains("less than 60 s ago")),
        "{:?}",
        outcome.notes
    );
    assert_eq!(server.count("/jwks"), 2);
}

#[test]
fn a_discovery_document_for_another_issuer_fails_showing_both() {
    let key = TestKey::rsa();
    let server = TestServer::start(|request: &Request| match request.path.as_str() {
        DISCOVERY => Reply::json(&json!({
            "issuer": format!("{}/", request.base),
            "jwks_uri": format!("{}/jwks", request.base),
        })),
        _ => Reply::status(404),
    });
    let minted = key.mint("RS256", Some("k"), json!({}), claims(&server.base));
    let outcome = keyring(settings()).verify(&token(&minted));
    assert_eq!(outcome.status, Status::Failed);
    assert_eq!(outcome.cause, Cause::DiscoveryIssuerMismatch);
    assert!(
        outcome.reason.contains(&format!("\"{}/\"", server.base)),
        "{}",
        outcome.reason
    );
    assert!(
        outcome.reason.contains(&format!("\"{}\"", server.base)),
        "{}",
        outcome.reason
    );
    assert_eq!(server.count("/jwks"), 0);
}

#[test]
fn rfc8414_metadata_is_the_fallback_when_openid_configuration_is_missing() {
    let key = TestKey::ed25519();
    let jwks = json!({"keys": [key.jwk("ed")]});
    let server = TestServer::start(move |request: &Request| match request.path.as_str() {
        "/.well-known/oauth-authorization-server" => {
            Reply::json(&discovery(&request.base, "/keys"))
        }
        "/keys" => Reply::json(&jwks),
        _ => Reply::status(404),
    });
    let minted = key.mint("EdDSA", Some("ed"), json!({}), claims(&server.base));
    let outcome = keyring(settings()).verify(&token(&minted));
    assert_eq!(outcome.status, Status::Verified, "{}", outcome.reason);
    assert_eq!(server.count(DISCOVERY), 1);
}

#[test]
fn an_http_jwks_uri_on_a_non_loopback_host_is_refused_before_connecting() {
    let key = TestKey::rsa();
    // `.invalid` never resolves (RFC 6761 §6.4); the refusal must come before any lookup.
    let server = TestServer::start(|request: &Request| match request.path.as_str() {
        DISCOVERY => Reply::json(&json!({
            "issuer": request.base,
            "jwks_uri": "http://keys.claimcheck.invalid/jwks",
        })),
        _ => Reply::status(404),
    });
    let minted = key.mint("RS256", Some("k"), json!({}), claims(&server.base));
    let outcome = keyring(settings()).verify(&token(&minted));
    assert_eq!(outcome.status, Status::NotChecked);
    assert_eq!(outcome.cause, Cause::Refused);
    assert!(
        outcome
            .reason
            .contains("http://keys.claimcheck.invalid/jwks"),
        "{}",
        outcome.reason
    );
    assert!(
        outcome.reason.contains("not a loopback host"),
        "{}",
        outcome.reason
    );
}

#[test]
fn a_redirect_to_http_is_refused() {
    let key = TestKey::rsa();
    let jwks = json!({"keys": [key.jwk("k")]});
    let server = TestServer::start(move |request: &Request| match request.path.as_str() {
        DISCOVERY => Reply::json(&discovery(&request.base, "/jwks")),
        "/jwks" => Reply::redirect(&format!("{}/moved", request.base)),
        "/moved" => Reply::json(&jwks),
        _ => Reply::status(404),
    });
    let minted = key.mint("RS256", Some("k"), json!({}), claims(&server.base));
    let outcome = keyring(settings()).verify(&token(&minted));
    assert_eq!(outcome.status, Status::NotChecked);
    assert_eq!(outcome.cause, Cause::Refused);
    assert!(
        outcome.reason.contains("redirects must go to https"),
        "{}",
        outcome.reason
    );
    assert_eq!(server.count("/moved"), 0);
}

#[test]
fn a_stalling_server_times_out_within_seconds() {
    let key = TestKey::rsa();
    let server = TestServer::start(|request: &Request| match request.path.as_str() {
        DISCOVERY => Reply::json(&discovery(&request.base, "/jwks")),
        _ => Reply::stall(),
    });
    let mut quick = settings();
    quick.http.total_timeout = Duration::from_millis(700);
    let minted = key.mint("RS256", Some("k"), json!({}), claims(&server.base));
    let started = Instant::now();
    let outcome = keyring(quick).verify(&token(&minted));
    assert_eq!(outcome.status, Status::NotChecked);
    assert_eq!(outcome.cause, Cause::Timeout);
    assert!(outcome.reason.contains("timed out"), "{}", outcome.reason);
    // Not a timing assertion: only a guard that the stall did not run its full two minutes.
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn a_5_mib_key_set_is_cut_off_at_the_1_mib_cap() {
    let key = TestKey::rsa();
    for chunked in [false, true] {
        let server = TestServer::start(move |request: &Request| match request.path.as_str() {
            DISCOVERY => Reply::json(&discovery(&request.base, "/jwks")),
            _ => {
                let mut huge = br#"{"keys":[],"padding":""#.to_vec();
                huge.resize(5 * 1024 * 1024, b'x');
                huge.extend_from_slice(b"\"}");
                let mut reply = Reply::with_type(200, "application/json", huge);
                reply.chunked = chunked;
                reply
            }
        });
        let minted = key.mint("RS256", Some("k"), json!({}), claims(&server.base));
        let outcome = keyring(settings()).verify(&token(&minted));
        assert_eq!(outcome.status, Status::NotChecked, "chunked {chunked}");
        assert_eq!(outcome.cause, Cause::TooLarge);
        assert!(
            outcome.reason.contains("larger than 1048576 bytes"),
            "{}",
            outcome.reason
        );
    }
}

#[test]
fn a_key_set_that_is_not_json_fails_naming_its_content_type() {
    let key = TestKey::rsa();
    let server = TestServer::start(|request: &Request| match request.path.as_str() {
        DISCOVERY => Reply::json(&discovery(&request.base, "/jwks")),
        _ => Reply::with_type(200, "text/html", b"<html>Please sign in</html>".to_vec()),
    });
    let minted = key.mint("RS256", Some("k"), json!({}), claims(&server.base));
    let outcome = keyring(settings()).verify(&token(&minted));
    assert_eq!(outcome.status, Status::NotChecked);
    assert_eq!(outcome.cause, Cause::BadDocument);
    assert!(
        outcome.reason.contains("not JSON (Content-Type text/html)"),
        "{}",
        outcome.reason
    );
}

#[test]
fn a_json_key_set_with_a_generic_content_type_is_accepted() {
    // Object stores often serve a self-hosted JWKS as application/octet-stream.
    let key = TestKey::rsa();
    let jwks = json!({"keys": [key.jwk("k")]});
    let server = TestServer::start(move |request: &Request| match request.path.as_str() {
        DISCOVERY => Reply::json(&discovery(&request.base, "/jwks")),
        _ => Reply::with_type(
            200,
            "application/octet-stream",
            jwks.to_string().into_bytes(),
        ),
    });
    let minted = key.mint("RS256", Some("k"), json!({}), claims(&server.base));
    assert_eq!(
        keyring(settings()).verify(&token(&minted)).status,
        Status::Verified
    );
}

#[test]
fn keys_of_unsupported_types_beside_a_good_one_do_not_stop_verification() {
    let key = TestKey::rsa();
    let jwks = json!({"keys": [
        {"kty": "OKP", "crv": "X25519", "kid": "x", "x": "hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"},
        {"kty": "OKP", "crv": "Ed448", "kid": "ed448", "x": "AAAA"},
        {"kty": "EC", "crv": "P-192", "kid": "p192", "x": "AAAA", "y": "AAAA"},
        {"kty": "AKP", "alg": "ML-DSA-44", "kid": "pq", "pub": "AAAA"},
        {"kty": "RSA", "use": "enc", "kid": "enc", "n": "AQAB", "e": "AQAB"},
        key.jwk("good"),
    ]});
    let server = issuer_serving(Arc::new(Mutex::new(jwks)));
    let mut keyring = keyring(settings());
    let with_kid = key.mint("RS256", Some("good"), json!({}), claims(&server.base));
    let outcome = keyring.verify(&token(&with_kid));
    assert_eq!(outcome.status, Status::Verified, "{}", outcome.reason);
    // Without a kid every RSA key that fits is tried; the one for encryption is refused.
    let without_kid = key.mint("RS256", None, json!({}), claims(&server.base));
    let outcome = keyring.verify(&token(&without_kid));
    assert_eq!(outcome.status, Status::Verified, "{}", outcome.reason);
    assert_eq!(outcome.kid.as_deref(), Some("good"));
    assert!(
        outcome
            .notes
            .iter()
            .any(|n| n.contains("'enc'") && n.contains("use")),
        "{:?}",
        outcome.notes
    );
}

#[test]
fn a_key_whose_alg_contradicts_the_token_is_not_used() {
    let key = TestKey::rsa();
    let mut jwk = key.jwk("k");
    jwk["alg"] = "PS256".into();
    let server = issuer_serving(Arc::new(Mutex::new(json!({"keys": [jwk]}))));
    let minted = key.mint("RS256", Some("k"), json!({}), claims(&server.base));
    let outcome = keyring(settings()).verify(&token(&minted));
    assert_eq!(outcome.cause, Cause::KeyMismatch, "{}", outcome.reason);
    assert!(
        outcome
            .notes
            .iter()
            .any(|n| n.contains("its alg is PS256, the token says RS256"))
    );
}

#[test]
fn keys_offered_by_the_token_itself_are_never_fetched_or_used() {
    let issuer_key = TestKey::rsa();
    let attacker = TestKey::rsa();
    let attacker_jwk = attacker.jwk("evil");
    let issuer_jwks = json!({"keys": [issuer_key.jwk("real")]});
    let attacker_jwks = json!({"keys": [attacker_jwk.clone()]});
    let server = TestServer::start(move |request: &Request| match request.path.as_str() {
        DISCOVERY => Reply::json(&discovery(&request.base, "/jwks")),
        "/jwks" => Reply::json(&issuer_jwks),
        "/attacker-jwks" => Reply::json(&attacker_jwks),
        _ => Reply::status(404),
    });
    let header = json!({
        "jku": format!("{}/attacker-jwks", server.base),
        "x5u": format!("{}/attacker-cert", server.base),
        "jwk": attacker_jwk,
    });
    let forged = attacker.mint("RS256", Some("evil"), header, claims(&server.base));
    let outcome = keyring(settings()).verify(&token(&forged));
    assert_eq!(outcome.status, Status::Failed);
    assert_eq!(outcome.cause, Cause::UnknownKid);
    assert_eq!(server.count("/attacker-jwks"), 0);
    assert_eq!(server.count("/attacker-cert"), 0);
    for name in ["jku", "x5u", "jwk"] {
        assert!(
            outcome
                .notes
                .iter()
                .any(|n| n.contains(&format!("{name} header was ignored"))),
            "{name}: {:?}",
            outcome.notes
        );
    }
}

#[test]
fn a_cache_hit_makes_no_second_request() {
    let key = TestKey::rsa();
    let server = issuer_serving(Arc::new(Mutex::new(json!({"keys": [key.jwk("k")]}))));
    let cached = Settings {
        cache_dir: Some(scratch_dir("cache-hit")),
        ..settings()
    };
    let minted = key.mint("RS256", Some("k"), json!({}), claims(&server.base));
    let first = keyring(cached.clone()).verify(&token(&minted));
    assert!(!first.from_cache);
    let before = server.requests().len();
    let second = keyring(cached).verify(&token(&minted));
    assert_eq!(second.status, Status::Verified);
    assert!(second.from_cache);
    assert_eq!(second.fetched_at, first.fetched_at);
    assert_eq!(server.requests().len(), before);
}

#[test]
fn a_stale_cache_entry_is_revalidated_with_its_etag() {
    let key = TestKey::rsa();
    let jwks = json!({"keys": [key.jwk("k")]});
    let server = TestServer::start(move |request: &Request| match request.path.as_str() {
        DISCOVERY => Reply::json(&discovery(&request.base, "/jwks")),
        "/jwks" if request.if_none_match.as_deref() == Some("\"v1\"") => Reply::status(304),
        "/jwks" => Reply::json(&jwks)
            .header("ETag", "\"v1\"")
            .header("Cache-Control", "max-age=0"),
        _ => Reply::status(404),
    });
    let cached = Settings {
        cache_dir: Some(scratch_dir("etag")),
        ..settings()
    };
    let minted = key.mint("RS256", Some("k"), json!({}), claims(&server.base));
    assert_eq!(
        keyring(cached.clone()).verify(&token(&minted)).status,
        Status::Verified
    );
    let second = keyring(cached).verify(&token(&minted));
    assert_eq!(second.status, Status::Verified, "{}", second.reason);
    let jwks_requests: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/jwks")
        .collect();
    assert_eq!(jwks_requests.len(), 2);
    assert_eq!(jwks_requests[1].if_none_match.as_deref(), Some("\"v1\""));
    // Revalidation reuses the cached jwks_uri: discovery ran once.
    assert_eq!(server.count(DISCOVERY), 1);
}

#[test]
fn offline_uses_the_cache_and_without_one_is_not_checked() {
    let key = TestKey::rsa();
    let server = issuer_serving(Arc::new(Mutex::new(json!({"keys": [key.jwk("k")]}))));
    let minted = key.mint("RS256", Some("k"), json!({}), claims(&server.base));
    let cache_dir = scratch_dir("offline");

    let no_cache = Settings {
        offline: true,
        cache_dir: Some(cache_dir.clone()),
        ..settings()
    };
    let outcome = keyring(no_cache.clone()).verify(&token(&minted));
    assert_eq!(outcome.status, Status::NotChecked);
    assert_eq!(outcome.cause, Cause::Offline);
    assert!(server.requests().is_empty());

    let online = Settings {
        cache_dir: Some(cache_dir),
        ..settings()
    };
    assert_eq!(
        keyring(online).verify(&token(&minted)).status,
        Status::Verified
    );
    let requests = server.requests().len();
    let outcome = keyring(no_cache).verify(&token(&minted));
    assert_eq!(outcome.status, Status::Verified, "{}", outcome.reason);
    assert!(outcome.from_cache);
    assert_eq!(server.requests().len(), requests);
}

#[test]
fn offline_still_verifies_with_a_pinned_file() {
    let key = TestKey::ec("P-384");
    let dir = scratch_dir("pinned");
    let file = dir.join("jwks.json");
    std::fs::write(&file, json!({"keys": [key.jwk("p")]}).to_string()).unwrap();
    let issuer = "https://issuer.claimcheck.invalid";
    let pinned = Settings {
        offline: true,
        pins: vec![claimcheck::keys::Pin {
            issuer: issuer.into(),
            location: KeyLocation::File(file.clone()),
        }],
        ..settings()
    };
    let minted = key.mint("ES384", Some("p"), json!({}), claims(issuer));
    let outcome = keyring(pinned).verify(&token(&minted));
    assert_eq!(outcome.status, Status::Verified, "{}", outcome.reason);
    assert_eq!(
        outcome.key_source,
        Some(KeySource::File(file.display().to_string()))
    );
}

#[test]
fn an_unsupported_algorithm_is_not_checked_rather_than_failed() {
    let server = issuer_serving(Arc::new(Mutex::new(json!({"keys": []}))));
    let key = TestKey::rsa();
    for alg in ["RS1", "Ed448", "ML-DSA-44"] {
        // The signature bytes are irrelevant: no algorithm, no verdict on them.
        let real = key.mint("RS256", Some("k"), json!({}), claims(&server.base));
        let (_, rest) = real.split_once('.').unwrap();
        let header = support::keys::b64(json!({"alg": alg, "kid": "k"}).to_string().as_bytes());
        let outcome = keyring(settings()).verify(&token(&format!("{header}.{rest}")));
        assert_eq!(outcome.status, Status::NotChecked, "{alg}");
        assert_eq!(outcome.cause, Cause::UnsupportedAlgorithm);
        assert!(outcome.reason.contains(alg), "{}", outcome.reason);
    }
    assert!(server.requests().is_empty());
}

#[test]
fn unsigned_tokens_are_never_verified() {
    // RFC 7515 appendix A.5: an unsecured JWS. Failed, not not-checked: no key or option could
    // make it pass, and every relying party must refuse it.
    let unsecured = "eyJhbGciOiJub25lIn0.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.";
    let with_secret = Settings {
        secret: Some(Secret {
            bytes: b"anything".to_vec(),
            from: "--secret".into(),
        }),
        ..settings()
    };
    for settings in [settings(), with_secret] {
        let outcome = keyring(settings).verify(&token(unsecured));
        assert_eq!(outcome.status, Status::Failed);
        assert_eq!(outcome.cause, Cause::Unsigned);
    }
}

#[test]
fn a_jwks_url_given_directly_skips_discovery() {
    let key = TestKey::ec("P-521");
    let server = issuer_serving(Arc::new(Mutex::new(json!({"keys": [key.jwk("k")]}))));
    let direct = Settings {
        jwks: Some(KeyLocation::Url(format!("{}/jwks", server.base))),
        ..settings()
    };
    // The issuer is irrelevant (and unreachable) when the key set is given.
    let minted = key.mint(
        "ES512",
        Some("k"),
        json!({}),
        claims("https://issuer.claimcheck.invalid"),
    );
    let outcome = keyring(direct).verify(&token(&minted));
    assert_eq!(outcome.status, Status::Verified, "{}", outcome.reason);
    assert_eq!(server.count(DISCOVERY), 0);
}

#[test]
fn transport_errors_report_the_useful_end_of_the_cause_chain() {
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let unreachable = Settings {
        jwks: Some(KeyLocation::Url(format!(
            "http://127.0.0.1:{closed_port}/jwks"
        ))),
        ..settings()
    };
    let key = TestKey::ed25519();
    let minted = key.mint(
        "EdDSA",
        Some("k"),
        json!({}),
        claims("https://issuer.example"),
    );
    let outcome = keyring(unreachable).verify(&token(&minted));
    assert_eq!(outcome.status, Status::NotChecked);
    assert_eq!(outcome.cause, Cause::Connect);
    assert!(
        outcome.reason.contains("could not connect"),
        "{}",
        outcome.reason
    );
    assert!(outcome.reason.contains("refused"), "{}", outcome.reason);
    assert!(
        !outcome.reason.contains("error sending request"),
        "{}",
        outcome.reason
    );
}

#[test]
fn keys_without_a_kid_are_tried_when_no_key_has_the_tokens_kid() {
    // Older Kubernetes clusters and static key lists publish keys without a kid, while their
    // tokens carry one (or an empty one); a verifier holding such keys tries each of them.
    let key = TestKey::rsa();
    let mut kidless = key.jwk("unused");
    kidless.as_object_mut().unwrap().remove("kid");
    let server = issuer_serving(Arc::new(Mutex::new(json!({"keys": [kidless]}))));
    let mut keyring = keyring(settings());
    for kid in ["pJcxkJ4q0O1tOt0Z37VB6-x6Mw8xFZSxM9roPtMQq0A", ""] {
        let minted = key.mint("RS256", Some(kid), json!({}), claims(&server.base));
        let outcome = keyring.verify(&token(&minted));
        assert_eq!(outcome.status, Status::Verified, "{}", outcome.reason);
        assert_eq!(outcome.kid, None);
        assert!(
            outcome
                .notes
                .iter()
                .any(|n| n.contains("which has no kid, verified")),
            "{:?}",
            outcome.notes
        );
        let tampered = keyring.verify(&token(&tamper(&minted)));
        assert_eq!(tampered.cause, Cause::UnknownKid, "{}", tampered.reason);
        assert!(
            tampered.reason.contains("none of the 1 keys without a kid"),
            "{}",
            tampered.reason
        );
    }
}

#[test]
fn no_store_key_sets_are_not_written_to_the_cache() {
    let key = TestKey::rsa();
    let jwks = json!({"keys": [key.jwk("k")]});
    let server = TestServer::start(move |request: &Request| match request.path.as_str() {
        DISCOVERY => Reply::json(&discovery(&request.base, "/jwks")),
        "/jwks" => Reply::json(&jwks).header("Cache-Control", "no-store"),
        _ => Reply::status(404),
    });
    let cache_dir = scratch_dir("no-store");
    let cached = Settings {
        cache_dir: Some(cache_dir.clone()),
        ..settings()
    };
    let minted = key.mint("RS256", Some("k"), json!({}), claims(&server.base));
    assert_eq!(
        keyring(cached.clone()).verify(&token(&minted)).status,
        Status::Verified
    );
    assert_eq!(
        keyring(cached).verify(&token(&minted)).status,
        Status::Verified
    );
    assert_eq!(server.count("/jwks"), 2);
    assert_eq!(std::fs::read_dir(&cache_dir).unwrap().count(), 0);
}

#[test]
fn the_keyring_can_move_to_a_worker_thread() {
    // The TUI verifies on a worker thread.
    fn assert_send<T: Send>() {}
    assert_send::<Keyring>();
}

/// A keyring whose key set is `jwks`, written to a file (`--jwks FILE`).
fn keyring_with_file(name: &str, jwks: &Value) -> Keyring {
    let file = scratch_dir(name).join("jwks.json");
    std::fs::write(&file, jwks.to_string()).unwrap();
    keyring(Settings {
        jwks: Some(KeyLocation::File(file)),
        ..settings()
    })
}

#[test]
fn a_genuine_signature_by_a_1024_bit_rsa_key_fails_as_too_small() {
    // RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used with these algorithms."
    let fixture: Value = serde_json::from_str(include_str!("../fixtures/rsa-1024.json")).unwrap();
    let outcome = keyring_with_file("rsa-1024", &fixture["jwks"])
        .verify(&token(fixture["token"].as_str().unwrap()));
    assert_eq!(outcome.status, Status::Failed);
    assert_eq!(outcome.cause, Cause::KeyTooSmall);
    assert!(
        outcome
            .reason
            .starts_with("key too small: 1024-bit RSA, minimum 2048"),
        "{}",
        outcome.reason
    );
    assert!(!outcome.reason.contains("altered"), "{}", outcome.reason);
}

#[test]
fn critical_header_extensions_claimcheck_does_not_understand_fail() {
    // RFC 7515 §4.1.11: crit lists extensions the recipient must understand and process, or
    // reject the JWS; an empty list and registered header names are invalid. RFC 7797 §3: b64
    // is the one extension claimcheck understands.
    let key = TestKey::ec("P-256");
    let mut keyring = keyring_with_file("crit", &json!({"keys": [key.jwk("k")]}));
    let rows: Vec<(Value, Status, Cause, &str)> = vec![
        (
            json!({"crit": ["exp"], "exp": 1}),
            Status::Failed,
            Cause::CriticalHeader,
            "\"exp\", which claimcheck does not understand",
        ),
        (
            json!({"crit": []}),
            Status::Failed,
            Cause::CriticalHeader,
            "an empty list",
        ),
        (
            json!({"crit": ["alg"]}),
            Status::Failed,
            Cause::CriticalHeader,
            "a header parameter of JWS itself",
        ),
        (
            json!({"crit": ["kid"]}),
            Status::Failed,
            Cause::CriticalHeader,
            "a header parameter of JWS itself",
        ),
        (
            json!({"crit": "b64", "b64": true}),
            Status::Failed,
            Cause::CriticalHeader,
            "not an array",
        ),
        (
            json!({"crit": ["urn:example:ext"]}),
            Status::Failed,
            Cause::CriticalHeader,
            "which the header does not have",
        ),
        (
            json!({"crit": ["b64"]}),
            Status::Failed,
            Cause::CriticalHeader,
            "which the header does not have",
        ),
        (
            json!({"crit": ["b64"], "b64": "no"}),
            Status::Failed,
            Cause::CriticalHeader,
            "not a boolean",
        ),
        (
            json!({"crit": ["b64"], "b64": true}),
            Status::Verified,
            Cause::Verified,
            "ES256 with key 'k'",
        ),
    ];
    for (header, status, cause, reason) in rows {
        let minted = key.mint(
            "ES256",
            Some("k"),
            header.clone(),
            claims("https://i.example"),
        );
        let outcome = keyring.verify(&token(&minted));
        assert_eq!(outcome.status, status, "{header}: {}", outcome.reason);
        assert_eq!(outcome.cause, cause, "{header}");
        assert!(
            outcome.reason.contains(reason),
            "{header}: {}",
            outcome.reason
        );
    }
}

#[test]
fn an_unencoded_payload_is_not_checked_even_with_a_genuine_signature() {
    // RFC 7797 §3: "b64": false in crit; the signing input is the header's base64url, '.',
    // and the payload as it stands.
    let key = TestKey::ec("P-256");
    let header = support::keys::b64(
        json!({"alg": "ES256", "kid": "k", "b64": false, "crit": ["b64"]})
            .to_string()
            .as_bytes(),
    );
    let input = format!("{header}.hello world");
    let signature = support::keys::b64(&key.sign("ES256", input.as_bytes()));
    let outcome = keyring_with_file("b64", &json!({"keys": [key.jwk("k")]}))
        .verify(&token(&format!("{input}.{signature}")));
    assert_eq!(outcome.status, Status::NotChecked);
    assert_eq!(outcome.cause, Cause::UnencodedPayload);
    assert!(outcome.reason.contains("b64: false"), "{}", outcome.reason);
}

#[test]
fn a_jwks_file_that_cannot_serve_is_a_setup_error() {
    let dir = scratch_dir("bad-file");
    let not_a_set = dir.join("not-a-set.json");
    std::fs::write(&not_a_set, "[]").unwrap();
    for (path, message) in [
        (not_a_set, "not a JWK set"),
        (dir.join("missing.json"), "No such file"),
    ] {
        let error = Keyring::new(Settings {
            jwks: Some(KeyLocation::File(path.clone())),
            ..settings()
        })
        .err()
        .expect("a file that is not a key set");
        assert!(error.to_string().contains(message), "{error}");
    }
}

#[test]
fn a_dripping_token_endpoint_cannot_outlast_the_timeout_either() {
    // `fetch --from github` asks its endpoint through the same client: the budget covers the
    // body there too, however short each read is kept.
    use claimcheck::keys::http::{HttpClient, HttpError, HttpSettings, TransportKind};
    let origin = support::server::dripping_issuer(vec![b'x'; 500], Duration::from_secs(1));
    let client = HttpClient::new(HttpSettings {
        total_timeout: Duration::from_secs(2),
        ..HttpSettings::default()
    })
    .unwrap();
    let started = Instant::now();
    let error = client
        .get_authorized(
            &format!("{origin}/token"),
            "bearer-value",
            "claimcheck-test",
        )
        .unwrap_err();
    assert!(
        matches!(
            error,
            HttpError::Transport {
                kind: TransportKind::Timeout,
                ..
            }
        ),
        "{error:?}"
    );
    // A guard, not a measurement: the whole body would take over eight minutes.
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn an_unknown_kid_in_keys_offline_kept_from_refreshing_is_not_checked() {
    // The cached set may predate a key rotation: "unknown kid" is definite only after the
    // issuer's current keys were fetched.
    let old = TestKey::ec("P-256");
    let new = TestKey::ec("P-256");
    let server = issuer_serving(Arc::new(Mutex::new(json!({"keys": [old.jwk("k1")]}))));
    let cache_dir = scratch_dir("offline-kid");
    let online = Settings {
        cache_dir: Some(cache_dir.clone()),
        ..settings()
    };
    let first = old.mint("ES256", Some("k1"), json!({}), claims(&server.base));
    assert_eq!(
        keyring(online).verify(&token(&first)).status,
        Status::Verified
    );
    let requests = server.requests().len();
    let offline = Settings {
        offline: true,
        cache_dir: Some(cache_dir),
        ..settings()
    };
    let rotated = new.mint("ES256", Some("k2"), json!({}), claims(&server.base));
    let outcome = keyring(offline).verify(&token(&rotated));
    assert_eq!(outcome.status, Status::NotChecked, "{}", outcome.reason);
    assert_eq!(outcome.cause, Cause::Offline);
    assert!(
        outcome.reason.contains("no key with kid 'k2'"),
        "{}",
        outcome.reason
    );
    assert!(
        outcome
            .notes
            .iter()
            .any(|n| n.contains("--offline forbids")),
        "{:?}",
        outcome.notes
    );
    assert_eq!(server.requests().len(), requests);
}
