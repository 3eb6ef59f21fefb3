//! Key settings: the key options of a command (`verify`, `check`, the interactive view) plus
//! the config file's `[verify]` section, made into one `keys::Settings`. The CLI and the view
//! both come through here, so a pin, a CA certificate or a timeout from the config file counts
//! the same in `claimcheck verify` and in the view.

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use clap::{ArgGroup, Args};

use crate::config::{self, Config};
use crate::keys::{HttpSettings, KeyLocation, Keyring, Pin, Secret, Settings};
use crate::report::SignatureReport;
use crate::token::Token;

/// How the bundled demo key set is named wherever a key source is shown.
pub const DEMO_KEYS_LABEL: &str = "bundled demo keys (test-only)";

/// Where keys come from and how they are fetched; shared by `verify`, `check` and the view.
#[derive(Debug, Clone, Default, Args)]
#[command(group(ArgGroup::new("hmac_secret").args(["secret", "secret_file", "secret_base64"])))]
pub struct KeyArgs {
    /// Verify with this key set instead of discovering the issuer's: a URL, a JWKS file, or a
    /// PEM or DER public key file (RSA, EC, Ed25519).
    #[arg(long, value_name = "URL|FILE")]
    pub jwks: Option<String>,

    /// Pin an issuer to a key set (URL, JWKS file or PEM/DER public key); repeatable. Overrides
    /// the config file.
    #[arg(long = "jwks-for", value_name = "ISSUER=URL|FILE", value_parser = parse_pin)]
    pub jwks_for: Vec<(String, String)>,

    /// HMAC shared secret, as text (visible to other users in the process list: prefer --secret-file).
    #[arg(long, value_name = "TEXT")]
    pub secret: Option<String>,

    /// HMAC shared secret: the file's bytes (one trailing newline is dropped).
    #[arg(long, value_name = "FILE")]
    pub secret_file: Option<PathBuf>,

    /// HMAC shared secret in base64 or base64url (as in a JWK's "k").
    #[arg(long, value_name = "BASE64")]
    pub secret_base64: Option<String>,

    /// Make no request: use only pinned key sets and the cache.
    #[arg(long)]
    pub offline: bool,

    /// Neither read nor write the key cache.
    #[arg(long)]
    pub no_cache: bool,

    /// Also trust this CA certificate (PEM) for https, e.g. a corporate TLS-inspection root.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,

    /// Give up on fetching keys (and on a token command) after this many seconds, all requests
    /// together (keys: default 10, connecting at most 5).
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout)]
    pub timeout: Option<Duration>,
}

impl KeyArgs {
    /// Whether any option says where keys come from or how to fetch them.
    pub fn any_given(&self) -> bool {
        self.jwks.is_some()
            || !self.jwks_for.is_empty()
            || self.secret.is_some()
            || self.secret_file.is_some()
            || self.secret_base64.is_some()
            || self.offline
            || self.no_cache
            || self.ca_cert.is_some()
            || self.timeout.is_some()
    }
}

fn parse_pin(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((issuer, location)) if !issuer.is_empty() && !location.is_empty() => {
            Ok((issuer.to_owned(), location.to_owned()))
        }
        _ => Err(
            "expected ISSUER=URL|FILE, e.g. https://token.actions.githubusercontent.com=jwks.json"
                .to_owned(),
        ),
    }
}

/// The one parser of `--timeout` values, for key requests and token commands alike.
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("expected a number of seconds, such as 20 or 0.5, not '{text}'"))?;
    if !(seconds > 0.0 && seconds <= 3600.0) {
        return Err("the timeout must be more than 0 and at most 3600 seconds".into());
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// The key settings of `args` over `config`: pins from the arguments come first (they win),
/// then the config file's; the arguments' CA certificate and timeout override the file's.
pub fn settings(args: &KeyArgs, config: &Config) -> Result<Settings, String> {
    let verify_config = &config.verify;
    let mut pins: Vec<Pin> = args
        .jwks_for
        .iter()
        .map(|(issuer, location)| Pin {
            issuer: issuer.clone(),
            location: KeyLocation::parse(location, None),
        })
        .collect();
    pins.extend(verify_config.jwks_for.iter().map(|(issuer, location)| Pin {
        issuer: issuer.clone(),
        location: KeyLocation::parse(location, config.base_dir.as_deref()),
    }));
    let mut http = HttpSettings::default();
    if let Some(seconds) = verify_config.timeout_secs {
        http.total_timeout = Duration::from_secs(seconds);
    }
    if let Some(seconds) = verify_config.connect_timeout_secs {
        http.connect_timeout = Duration::from_secs(seconds);
    }
    if let Some(timeout) = args.timeout {
        http.total_timeout = timeout;
    }
    http.connect_timeout = http.connect_timeout.min(http.total_timeout);
    http.ca_cert = args.ca_cert.clone().or_else(|| {
        let path = verify_config.ca_cert.clone()?;
        match &config.base_dir {
            Some(base) if path.is_relative() => Some(base.join(path)),
            _ => Some(path),
        }
    });
    Ok(Settings {
        jwks: args
            .jwks
            .as_deref()
            .map(|text| KeyLocation::parse(text, None)),
        pins,
        secret: secret(args)?,
        offline: args.offline,
        cache_dir: if args.no_cache {
            None
        } else {
            config::cache_dir()
        },
        http,
    })
}

/// The settings of `args` over the config file, which is read here; `Err` says what is wrong
/// with either.
pub fn settings_from_config_file(args: &KeyArgs) -> Result<Settings, KeySetupError> {
    Ok(config_and_settings(args)?.1)
}

/// The config file (every section of it, for the view's `[tui]` too) and the settings of
/// `args` over it.
pub fn config_and_settings(args: &KeyArgs) -> Result<(Config, Settings), KeySetupError> {
    let config = Config::load().map_err(|e| KeySetupError::Config(e.to_string()))?;
    let settings = settings(args, &config).map_err(KeySetupError::Usage)?;
    Ok((config, settings))
}

/// The keyring of `settings`; `Err` is a usage problem (an unreadable `--ca-cert`, a `--jwks`
/// file that is no key set).
pub fn keyring(settings: Settings) -> Result<Keyring, KeySetupError> {
    Keyring::new(settings).map_err(|error| KeySetupError::Usage(error.to_string()))
}

/// `token`'s signature checked with the key options of `args` over the config file, for
/// commands that verify on the way to something else (`check`).
pub fn verify_signature(token: &Token, args: &KeyArgs) -> Result<SignatureReport, KeySetupError> {
    let mut keyring = keyring(settings_from_config_file(args)?)?;
    Ok(SignatureReport::from(&keyring.verify(token)))
}

/// Why no key settings could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeySetupError {
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Usage(String),
}

impl KeySetupError {
    /// The `kind` of the JSON error document.
    pub fn kind(&self) -> &'static str {
        match self {
            KeySetupError::Config(_) => "config",
            KeySetupError::Usage(_) => "usage",
        }
    }
}

/// Every demo issuer pinned to the bundled test-only key set, held in memory (nothing is
/// written to disk), and no network at all.
pub fn demo_settings() -> Settings {
    let mut issuers: Vec<String> = crate::demo::templates()
        .iter()
        .filter_map(|t| {
            t.claims
                .get("iss")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        })
        .collect();
    issuers.sort();
    issuers.dedup();
    let pins = issuers
        .into_iter()
        .map(|issuer| Pin {
            issuer,
            location: KeyLocation::Inline {
                label: DEMO_KEYS_LABEL.to_owned(),
                text: crate::demo::JWKS_JSON.to_owned(),
            },
        })
        .collect();
    Settings {
        pins,
        offline: true,
        ..Settings::default()
    }
}

/// An HMAC key is at most a few hundred bytes; this leaves room for any encoding of one.
const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;

fn secret(args: &KeyArgs) -> Result<Option<Secret>, String> {
    if let Some(text) = &args.secret {
        return Ok(Some(Secret {
            bytes: text.as_bytes().to_vec(),
            from: "--secret".to_owned(),
        }));
    }
    if let Some(path) = &args.secret_file {
        let mut bytes = crate::keys::file::read_bounded(path, MAX_SECRET_FILE_BYTES)
            .map_err(|e| format!("cannot read the secret file {}: {e}", path.display()))?;
        // Editors and `echo` add a final newline that was never part of the secret.
        if bytes.ends_with(b"\n") {
            bytes.pop();
            if bytes.ends_with(b"\r") {
                bytes.pop();
            }
        }
        return Ok(Some(Secret {
            bytes,
            from: "--secret-file".to_owned(),
        }));
    }
    if let Some(text) = &args.secret_base64 {
        let trimmed = text.trim().trim_end_matches('=');
        let engines = [
            base64::engine::general_purpose::STANDARD_NO_PAD,
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ];
        let bytes = engines
            .iter()
            .find_map(|engine| engine.decode(trimmed).ok())
            .ok_or("--secret-base64 is neither base64 nor base64url")?;
        return Ok(Some(Secret {
            bytes,
            from: "--secret-base64".to_owned(),
        }));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_and_timeouts_parse() {
        assert_eq!(
            parse_pin("https://a.example=https://a.example/k?x=1").unwrap(),
            (
                "https://a.example".to_owned(),
                "https://a.example/k?x=1".to_owned()
            )
        );
        assert!(parse_pin("no-equals-sign").is_err());
        assert!(parse_pin("=file.json").is_err());
        assert_eq!(parse_timeout("20"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_timeout("0.5"), Ok(Duration::from_millis(500)));
        assert!(parse_timeout("0").is_err());
        assert!(parse_timeout("-1").is_err());
        assert!(parse_timeout("NaN").is_err());
        assert!(parse_timeout("soon").unwrap_err().contains("seconds"));
    }

    #[test]
    fn the_config_files_ca_cert_timeouts_and_pins_reach_the_settings() {
        let config = Config {
            verify: crate::config::VerifyConfig {
                jwks_for: [("https://issuer.example".to_owned(), "k.json".to_owned())].into(),
                ca_cert: Some("corp-root.pem".into()),
                connect_timeout_secs: Some(2),
                timeout_secs: Some(7),
            },
            base_dir: Some("/etc/claimcheck".into()),
            ..Config::default()
        };
        let settings = settings(&KeyArgs::default(), &config).unwrap();
        assert_eq!(
            settings.http.ca_cert,
            Some(PathBuf::from("/etc/claimcheck/corp-root.pem"))
        );
        assert_eq!(settings.http.total_timeout, Duration::from_secs(7));
        assert_eq!(settings.http.connect_timeout, Duration::from_secs(2));
        assert_eq!(
            settings.pins[0].location,
            KeyLocation::File("/etc/claimcheck/k.json".into())
        );
        // The arguments win over the file.
        let args = KeyArgs {
            ca_cert: Some("mine.pem".into()),
            timeout: Some(Duration::from_secs(1)),
            ..KeyArgs::default()
        };
        let settings = super::settings(&args, &config).unwrap();
        assert_eq!(settings.http.ca_cert, Some(PathBuf::from("mine.pem")));
        assert_eq!(settings.http.connect_timeout, Duration::from_secs(1));
    }

    #[test]
    fn the_demo_keys_are_pinned_in_memory() {
        let settings = demo_settings();
        assert!(settings.offline);
        assert!(!settings.pins.is_empty());
        for pin in &settings.pins {
            assert!(
                matches!(&pin.location, KeyLocation::Inline { label, .. } if label == DEMO_KEYS_LABEL),
                "{pin:?}"
            );
        }
    }
}
