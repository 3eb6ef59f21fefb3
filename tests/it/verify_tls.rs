//! HTTPS key servers on 127.0.0.1 with a certificate from a test-only CA
//! (`tests/fixtures/tls`): an untrusted certificate fails with the useful part of the cause, and
//! `--ca-cert` makes it trusted.

use crate::support;

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

/// The interactive view and `claimcheck check` give the same answer for the same token, rules
/// and settings: the signature state, every verdict and the decision. The key set sits behind
/// a test-only CA that only the config file's `ca_cert` makes trusted (the view once dropped
/// it and showed a TLS failure where `verify` verified), and in a second round the key is a
/// PEM public key given in the view's signature input. The view is driven in-process: its
/// model, `update`, and the application layer's engine, as the runtime drives them.
mod view_and_check_agree {
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    use assert_cmd::Command;
    use claimcheck::app::Live;
    use claimcheck::app::keys::{KeyArgs, settings as key_settings};
    use claimcheck::config::Config;
    use claimcheck::tui::engine::Engine;
    use claimcheck::tui::model::Model;
    use claimcheck::tui::update::{Cmd, Msg, update};
    use claimcheck::tui::{Clock, Launch, initial_model};
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use serde_json::Value;

    use super::support::tls::{fixture, https_server};
    use super::support::{NOW, scratch_dir};

    const GITHUB: &str = "https://token.actions.githubusercontent.com";

    fn repo(path: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
    }

    /// Carries out the view's commands with `engine`, as the runtime's worker does.
    fn run(model: &mut Model, engine: &dyn Engine, cmd: Option<Cmd>) {
        let Some(cmd) = cmd else { return };
        let next = match cmd {
            Cmd::Batch(cmds) => {
                for cmd in cmds {
                    run(model, engine, Some(cmd));
                }
                None
            }
            Cmd::LoadRules(paths) => {
                let mut next = Vec::new();
                for path in paths {
                    let text = std::fs::read_to_string(&path).unwrap();
                    let result = engine.load_rules(&path, &text);
                    let joins = engine.joins_others(&path);
                    next.extend(update(
                        model,
                        Msg::RulesLoaded {
                            path: path.clone(),
                            result,
                        },
                    ));
                    if joins {
                        next.extend(update(model, Msg::ProvidersChanged(path)));
                    }
                }
                claimcheck::tui::update::batch(next)
            }
            Cmd::Verify {
                entry_id,
                generation,
                token,
            } => {
                let report = engine.verify(&token);
                update(
                    model,
                    Msg::Verified {
                        entry_id,
                        generation,
                        report,
                    },
                )
            }
            Cmd::GiveKey { issuer, text } => {
                let result = engine.give_key(issuer.as_deref(), &text);
                update(model, Msg::KeyGiven { issuer, result })
            }
            Cmd::WatchRuleFile(_) => None,
            _ => panic!("the view asked for something this scenario does not expect"),
        };
        run(model, engine, next);
    }

    fn typed(model: &mut Model, engine: &dyn Engine, text: &str) {
        for c in text.chars() {
            let cmd = update(
                model,
                Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
            );
            run(model, engine, cmd);
        }
        let cmd = update(
            model,
            Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        );
        run(model, engine, cmd);
    }

    /// Pastes `token` into an empty view, adds each of `rules` with `A`, and gives `key` with
    /// `K`.
    fn view(engine: Arc<Live>, token: &str, rules: &[&Path], key: Option<&str>) -> Model {
        let mut launch = Launch {
            tokens: Vec::new(),
            rejected: None,
            fetched_from: None,
            rule_paths: Vec::new(),
            engine: engine.clone(),
            settings: Default::default(),
            settings_problem: None,
            clock: Clock::Frozen(NOW),
            leeway: 60,
            signature_required: true,
            started: std::time::Instant::now(),
            matrix: None,
        };
        let (mut model, cmd) = initial_model(&mut launch);
        run(&mut model, engine.as_ref(), cmd);
        let cmd = update(&mut model, Msg::Paste(token.to_owned()));
        run(&mut model, engine.as_ref(), cmd);
        for rules in rules {
            let cmd = update(
                &mut model,
                Msg::Key(KeyEvent::new(KeyCode::Char('A'), KeyModifiers::NONE)),
            );
            run(&mut model, engine.as_ref(), cmd);
            typed(&mut model, engine.as_ref(), &rules.display().to_string());
        }
        if let Some(key) = key {
            let cmd = update(
                &mut model,
                Msg::Key(KeyEvent::new(KeyCode::Char('K'), KeyModifiers::NONE)),
            );
            run(&mut model, engine.as_ref(), cmd);
            typed(&mut model, engine.as_ref(), key);
        }
        assert!(model.input.is_none(), "every input was accepted");
        model
    }

    fn assert_same(model: &Model, checked: &Value) {
        let entry = &model.tokens[0];
        let signature = match &entry.signature {
            claimcheck::tui::model::Signature::Done(report) => {
                serde_json::to_value(report).unwrap()
            }
            claimcheck::tui::model::Signature::Checking => panic!("still verifying"),
        };
        assert_eq!(
            without_fetch_time(signature),
            without_fetch_time(checked["signature"].clone())
        );
        let verdicts: Vec<Value> = entry
            .verdicts
            .iter()
            .map(|(_, verdict)| serde_json::to_value(verdict).unwrap())
            .collect();
        assert_eq!(Value::from(verdicts), checked["verdicts"]);
        assert_eq!(
            serde_json::to_value(entry.decision.as_ref().unwrap()).unwrap(),
            checked["decision"]
        );
    }

    /// The signature report without when the keys were fetched: the two runs fetch them a
    /// moment apart.
    fn without_fetch_time(mut report: Value) -> Value {
        let object = report.as_object_mut().unwrap();
        object.remove("fetched_at");
        if let Some(Value::String(reason)) = object.get_mut("reason")
            && let Some(at) = reason.find(" (fetched ")
        {
            reason.truncate(at);
        }
        report
    }

    fn check(config: &Path, scratch: &Path, args: &[&str]) -> Value {
        let output = Command::cargo_bin("claimcheck")
            .unwrap()
            .env("CLAIMCHECK_CONFIG", config)
            .env("CLAIMCHECK_CACHE_DIR", scratch.join("cache"))
            .args(["check", "--json", "--now", &NOW.to_string()])
            .args(args)
            .output()
            .unwrap();
        serde_json::from_slice(&output.stdout).unwrap()
    }

    #[test]
    fn with_the_config_files_ca_cert() {
        let scratch = scratch_dir("view-check-tls");
        let origin = https_server(claimcheck::demo::JWKS_JSON.to_owned());
        let config_path = scratch.join("config.toml");
        std::fs::write(
            &config_path,
            format!(
                "[verify]\nca_cert = {:?}\n[verify.jwks_for]\n{GITHUB:?} = \"{origin}/jwks\"\n",
                fixture("ca.pem").display().to_string()
            ),
        )
        .unwrap();
        let token = claimcheck::demo::template("github-environment")
            .unwrap()
            .mint(NOW);
        let rules = repo("assets/demo/rules/aws-deploy-role.json");
        let checked = check(
            &config_path,
            &scratch,
            &[
                &token,
                "--no-cache",
                "--rules",
                &rules.display().to_string(),
            ],
        );
        assert_eq!(checked["signature"]["status"], "verified", "{checked}");

        let config = Config::load_from(&config_path).unwrap();
        let args = KeyArgs {
            no_cache: true,
            ..KeyArgs::default()
        };
        let engine = Arc::new(Live::new(key_settings(&args, &config).unwrap()));
        assert_same(&view(engine, &token, &[&rules], None), &checked);
    }

    #[test]
    fn with_a_pem_key_given_in_the_view() {
        let scratch = scratch_dir("view-check-pem");
        let config_path = scratch.join("no-config.toml");
        let pem = repo("tests/fixtures/keys/demo-rsa-spki-test-only.pem");
        let token = claimcheck::demo::template("github-branch")
            .unwrap()
            .mint(NOW);
        let rules = repo("assets/demo/rules/aws-deploy-role.json");
        let checked = check(
            &config_path,
            &scratch,
            &[
                &token,
                "--offline",
                "--jwks-for",
                &format!("{GITHUB}={}", pem.display()),
                "--rules",
                &rules.display().to_string(),
            ],
        );
        assert_eq!(checked["signature"]["status"], "verified", "{checked}");

        let config = Config::load_from(&config_path).unwrap();
        let args = KeyArgs {
            offline: true,
            ..KeyArgs::default()
        };
        let engine = Arc::new(Live::new(key_settings(&args, &config).unwrap()));
        let model = view(
            engine,
            &token,
            &[&rules],
            Some(&format!("@{}", pem.display())),
        );
        assert_same(&model, &checked);
    }

    /// An AWS provider document added beside the trust policy joins it in the view as in
    /// `check --rules policy --rules provider`: STS checks the token's aud against the
    /// provider's client IDs, and that check replaces the note that it was skipped. Added
    /// after the policy, it makes the policy load again.
    #[test]
    fn with_a_provider_document_beside_the_policy() {
        let scratch = scratch_dir("view-check-provider");
        let config_path = scratch.join("no-config.toml");
        let jwks = repo("assets/demo/jwks.json");
        let mut claims = claimcheck::demo::template("github-branch")
            .unwrap()
            .claims_at(NOW);
        claims.insert("aud".into(), "https://github.com/acme".into());
        let token = claimcheck::demo::sign_with(
            claimcheck::demo::DemoKey::Rsa,
            &serde_json::Map::new(),
            &claims,
        );
        let policy = repo("assets/demo/rules/aws-deploy-role.json");
        let provider = repo("assets/demo/rules/aws-github-provider.json");
        let checked = check(
            &config_path,
            &scratch,
            &[
                &token,
                "--offline",
                "--jwks-for",
                &format!("{GITHUB}={}", jwks.display()),
                "--rules",
                &policy.display().to_string(),
                "--rules",
                &provider.display().to_string(),
            ],
        );
        assert!(
            checked["verdicts"][0]["unverified"]
                .as_array()
                .is_none_or(Vec::is_empty),
            "{checked}"
        );
        let config = Config::load_from(&config_path).unwrap();
        let args = KeyArgs {
            offline: true,
            jwks_for: vec![(GITHUB.to_owned(), jwks.display().to_string())],
            ..KeyArgs::default()
        };
        let engine = Arc::new(Live::new(key_settings(&args, &config).unwrap()));
        assert_same(&view(engine, &token, &[&policy, &provider], None), &checked);
    }

    /// Every demo rule file at once (AWS with its provider, GCP, Entra, Vault, Kubernetes): the
    /// same verdict from each system, Vault's header check included, with the PEM key given
    /// in the view for the issuer.
    #[test]
    fn with_every_kind_of_rule() {
        let scratch = scratch_dir("view-check-every-kind");
        let config_path = scratch.join("no-config.toml");
        let pem = repo("tests/fixtures/keys/demo-rsa-spki-test-only.pem");
        let token = claimcheck::demo::template("github-environment")
            .unwrap()
            .mint(NOW);
        let rules: Vec<PathBuf> = [
            "aws-deploy-role.json",
            "aws-github-provider.json",
            "aws-org-wide.json",
            "gcp-provider.yaml",
            "entra-credentials.json",
            "vault-role-deploy.json",
            "vault-role-protected-bool.json",
            "kubernetes-authn.yaml",
        ]
        .iter()
        .map(|name| repo(&format!("assets/demo/rules/{name}")))
        .collect();
        let mut args = vec![
            token.clone(),
            "--offline".to_owned(),
            "--jwks-for".to_owned(),
            format!("{GITHUB}={}", pem.display()),
        ];
        for rules in &rules {
            args.extend(["--rules".to_owned(), rules.display().to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let checked = check(&config_path, &scratch, &args);
        assert_eq!(checked["signature"]["status"], "verified", "{checked}");
        assert!(
            checked["verdicts"].as_array().unwrap().len() >= rules.len(),
            "{checked}"
        );

        let config = Config::load_from(&config_path).unwrap();
        let offline = KeyArgs {
            offline: true,
            ..KeyArgs::default()
        };
        let engine = Arc::new(Live::new(key_settings(&offline, &config).unwrap()));
        let rules: Vec<&Path> = rules.iter().map(PathBuf::as_path).collect();
        let model = view(engine, &token, &rules, Some(&format!("@{}", pem.display())));
        assert_same(&model, &checked);
    }

    /// A genuinely signed token whose payload is text, not claims (RFC 7515 A.4 signs the text
    /// "Payload"): every rule refuses it for the same stated reason, and the decision reads no
    /// time from it. The key is a JWKS file given for every token (the token has no `iss`).
    #[test]
    fn with_a_payload_that_is_not_claims() {
        let scratch = scratch_dir("view-check-text-payload");
        let config_path = scratch.join("no-config.toml");
        let key = super::TestKey::rsa();
        let jwks = scratch.join("jwks.json");
        std::fs::write(
            &jwks,
            serde_json::json!({"keys": [key.jwk("k1")]}).to_string(),
        )
        .unwrap();
        let token = key.mint(
            "RS256",
            Some("k1"),
            serde_json::json!({}),
            Value::String("Payload".into()),
        );
        let rules = repo("assets/demo/rules/aws-deploy-role.json");
        let checked = check(
            &config_path,
            &scratch,
            &[
                &token,
                "--offline",
                "--jwks",
                &jwks.display().to_string(),
                "--rules",
                &rules.display().to_string(),
            ],
        );
        assert_eq!(checked["signature"]["status"], "verified", "{checked}");
        assert_eq!(checked["decision"]["time"], "unknown", "{checked}");

        let config = Config::load_from(&config_path).unwrap();
        let offline = KeyArgs {
            offline: true,
            ..KeyArgs::default()
        };
        let engine = Arc::new(Live::new(key_settings(&offline, &config).unwrap()));
        let model = view(
            engine,
            &token,
            &[&rules],
            Some(&format!("@{}", jwks.display())),
        );
        assert_same(&model, &checked);
    }
}
