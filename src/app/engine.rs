//! The engine the interactive view runs on: rule files through [`super::rules`], signatures
//! through a `keys::Keyring` built from the same settings `claimcheck check` builds, plus the
//! keys given inside the view (the signature input), pinned for the session.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use super::rules::Loaded;
use crate::keys::{KeyLocation, Keyring, Pin, Secret, Settings};
use crate::report::SignatureReport;
use crate::token::Token;
use crate::tui::engine::{Engine, LoadFailure, Rules};

/// The real engine. The settings sit behind a lock because keys given in the view change them
/// while the worker verifies.
#[derive(Debug)]
pub struct Live {
    keys: Mutex<Settings>,
    /// The AWS provider documents among the view's rule files (path, text): joined to every
    /// trust policy loaded, as `check --rules policy --rules provider` joins them.
    providers: Mutex<Vec<(PathBuf, String)>>,
    /// False with `--no-verify`: the rules are evaluated against the claims as given.
    verifying: bool,
    /// Readings forced with `KIND:FILE` (`--rules aws:policy.json`, `tfplan-before:plan.json`).
    forced: Vec<ForcedFile>,
}

/// A rule file given with a `KIND:` prefix.
#[derive(Debug)]
struct ForcedFile {
    path: PathBuf,
    reading: super::rules::Forced,
    /// The argument as given, for work that reads the file afresh (`Engine::rule_argument`).
    argument: String,
}

impl Live {
    pub fn new(keys: Settings) -> Live {
        Live {
            keys: Mutex::new(keys),
            providers: Mutex::new(Vec::new()),
            verifying: true,
            forced: Vec::new(),
        }
    }

    /// Loads the files of `KIND:FILE` arguments as that kind, as `check` does.
    pub fn with_rule_kinds(mut self, args: &[String]) -> Live {
        self.forced = args
            .iter()
            .filter_map(|arg| {
                let (path, reading) = super::rules::forced_kind(arg)?;
                Some(ForcedFile {
                    path,
                    reading,
                    argument: arg.clone(),
                })
            })
            .collect();
        self
    }

    /// An engine that verifies no signature (`--no-verify`), as `check --no-verify` does.
    pub fn without_verifying() -> Live {
        Live {
            keys: Mutex::new(Settings::default()),
            providers: Mutex::new(Vec::new()),
            verifying: false,
            forced: Vec::new(),
        }
    }

    /// The key settings as they are now (those given in the view included).
    pub fn settings(&self) -> Settings {
        self.keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Engine for Live {
    fn load_rules(&self, path: &Path, text: &str) -> Result<Rules, LoadFailure> {
        let mut providers = self
            .providers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let kind = self
            .forced
            .iter()
            .find(|forced| forced.path == path)
            .map(|forced| forced.reading);
        let loaded = super::rules::load_text(path, text, kind, &providers);
        // A file that is no longer a provider document (edited, broken) stops joining others.
        providers.retain(|(known, _)| known != path);
        match loaded.map_err(|error| LoadFailure::Invalid(error.to_string()))? {
            Loaded::Rules(rules) => Ok(rules.into_iter().map(Arc::from).collect()),
            Loaded::ProvidersOnly => {
                providers.push((path.to_owned(), text.to_owned()));
                Ok(Vec::new())
            }
        }
    }

    fn rule_argument(&self, path: &Path) -> String {
        self.forced
            .iter()
            .find(|forced| forced.path == path)
            .map_or_else(
                || path.to_string_lossy().into_owned(),
                |forced| forced.argument.clone(),
            )
    }

    fn joins_others(&self, path: &Path) -> bool {
        self.providers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .any(|(known, _)| known == path)
    }

    fn verify(&self, token: &Token) -> SignatureReport {
        if !self.verifying {
            return SignatureReport::not_checked(
                "--no-verify: the rules were evaluated against the claims as given",
            );
        }
        match Keyring::new(self.settings()) {
            Ok(mut keyring) => SignatureReport::from(&keyring.verify(token)),
            Err(error) => {
                SignatureReport::not_checked(format!("cannot set up key fetching: {error}"))
            }
        }
    }

    fn give_key(&self, issuer: Option<&str>, given: &str) -> Result<String, String> {
        let given = given.trim();
        let key = parse_given_key(given)?;
        let mut settings = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        let described = match key {
            GivenKey::Secret(secret) => {
                settings.secret = Some(secret);
                "the shared secret given in the view (for HMAC tokens)".to_owned()
            }
            GivenKey::Location(location) => {
                check_location(&location)?;
                let shown = describe(&location);
                match issuer {
                    Some(issuer) => {
                        settings.pins.retain(|pin| pin.issuer != issuer);
                        // First, so that it wins over a pin from the config file.
                        settings.pins.insert(
                            0,
                            Pin {
                                issuer: issuer.to_owned(),
                                location,
                            },
                        );
                        format!("{shown} for {issuer}")
                    }
                    None => {
                        settings.jwks = Some(location);
                        format!("{shown} for every token")
                    }
                }
            }
        };
        Ok(described)
    }
}

/// What the signature input holds: a key set's location, or an HMAC secret.
enum GivenKey {
    Location(KeyLocation),
    Secret(Secret),
}

/// `https://…` or `http://…` is a key set URL, `@FILE` a JWKS or PEM/DER key file, and any
/// other text the shared secret itself.
fn parse_given_key(given: &str) -> Result<GivenKey, String> {
    if given.is_empty() {
        return Err("give a secret, @FILE (a JWKS or a PEM public key) or a JWKS URL".to_owned());
    }
    if let Some(path) = given.strip_prefix('@') {
        let path = expand_home(path.trim());
        return Ok(GivenKey::Location(KeyLocation::File(path)));
    }
    let lower = given.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        return Ok(GivenKey::Location(KeyLocation::Url(given.to_owned())));
    }
    Ok(GivenKey::Secret(Secret {
        bytes: given.as_bytes().to_vec(),
        from: "the view's signature input".to_owned(),
    }))
}

fn expand_home(path: &str) -> std::path::PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => path.into(),
    }
}

/// A key file is read now, so that a wrong path is said in the input instead of as every
/// verification's failure.
fn check_location(location: &KeyLocation) -> Result<(), String> {
    if let KeyLocation::File(path) = location {
        let settings = Settings {
            jwks: Some(location.clone()),
            offline: true,
            ..Settings::default()
        };
        Keyring::new(settings).map_err(|error| format!("{}: {error}", path.display()))?;
    }
    Ok(())
}

fn describe(location: &KeyLocation) -> String {
    match location {
        KeyLocation::Url(url) => url.clone(),
        KeyLocation::File(path) => format!("file {}", path.display()),
        KeyLocation::Inline { label, .. } => label.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_input_tells_secrets_files_and_urls_apart() {
        assert!(matches!(
            parse_given_key("@keys.json"),
            Ok(GivenKey::Location(KeyLocation::File(path))) if path == Path::new("keys.json")
        ));
        assert!(matches!(
            parse_given_key("https://issuer.example/jwks"),
            Ok(GivenKey::Location(KeyLocation::Url(_)))
        ));
        assert!(matches!(
            parse_given_key("hunter2"),
            Ok(GivenKey::Secret(secret)) if secret.bytes == b"hunter2"
        ));
        assert!(parse_given_key("").is_err());
    }

    /// The demo engine verifies every demo token from the key set in memory: nothing appears in
    /// the temporary directory (the old pin was a predictable file there, never removed, that a
    /// planted symlink could redirect), and the key source says what the keys are.
    #[test]
    fn the_demo_engine_verifies_from_memory_and_writes_no_file() {
        let listing = || -> std::collections::BTreeSet<std::ffi::OsString> {
            std::fs::read_dir(std::env::temp_dir())
                .unwrap()
                .map(|entry| entry.unwrap().file_name())
                .filter(|name| name.to_string_lossy().contains("claimcheck-demo"))
                .collect()
        };
        let before = listing();
        let engine = Live::new(crate::app::keys::demo_settings());
        for template in crate::demo::templates() {
            let compact = template.mint(1_800_000_000);
            let token = crate::token::decode(&compact, &crate::token::Limits::default()).unwrap();
            let report = engine.verify(&token);
            assert_eq!(
                report.status,
                crate::report::SignatureStatus::Verified,
                "{}: {report:?}",
                template.name
            );
            assert_eq!(
                report.key_source,
                Some(crate::keys::KeySource::Inline(
                    crate::app::keys::DEMO_KEYS_LABEL.to_owned()
                ))
            );
        }
        assert_eq!(listing(), before);
    }

    /// An HS256 token is verified once its secret is given in the view, and not before: a
    /// published key never verifies HMAC (RFC 8725 §3.1).
    #[test]
    fn a_secret_given_in_the_view_verifies_an_hmac_token() {
        crate::install_crypto_provider();
        let claims = serde_json::json!({"iss": "https://issuer.example", "sub": "x"});
        let compact = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(b"test-only shared secret"),
        )
        .unwrap();
        let token = crate::token::decode(&compact, &crate::token::Limits::default()).unwrap();
        let engine = Live::new(Settings {
            offline: true,
            ..Settings::default()
        });
        let before = engine.verify(&token);
        assert_eq!(before.status, crate::report::SignatureStatus::NotChecked);
        engine
            .give_key(Some("https://issuer.example"), "not the secret")
            .unwrap();
        assert_eq!(
            engine.verify(&token).status,
            crate::report::SignatureStatus::Failed
        );
        engine
            .give_key(Some("https://issuer.example"), "test-only shared secret")
            .unwrap();
        assert_eq!(
            engine.verify(&token).status,
            crate::report::SignatureStatus::Verified
        );
    }

    /// `--rules vault:policy.json` loads the file as a Vault role in the view, as `check` does:
    /// an IAM policy forced to be a Vault role is not one.
    #[test]
    fn a_forced_kind_reaches_the_view() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/rules/aws-deploy-role.json");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            Live::new(Settings::default())
                .load_rules(&path, &text)
                .is_ok()
        );
        let forced =
            Live::new(Settings::default()).with_rule_kinds(&[format!("vault:{}", path.display())]);
        let error = forced.load_rules(&path, &text).err().unwrap();
        assert!(error.message().contains("vault"), "{error:?}");
        // Work that reads the file afresh (the Regions list) is handed the same reading.
        assert_eq!(
            forced.rule_argument(&path),
            format!("vault:{}", path.display())
        );
        let other = Path::new("other.json");
        assert_eq!(forced.rule_argument(other), "other.json");
    }

    #[test]
    fn a_missing_key_file_is_refused_and_nothing_is_pinned() {
        let engine = Live::new(Settings::default());
        let error = engine
            .give_key(Some("https://issuer.example"), "@/no/such/jwks.json")
            .unwrap_err();
        assert!(error.contains("/no/such/jwks.json"), "{error}");
        assert!(engine.settings().pins.is_empty());
    }
}
