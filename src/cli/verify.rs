//! `claimcheck verify`: decode the token, verify its signature against the issuer's keys, and
//! print the same document as `decode` with the signature filled in.

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use clap::{ArgGroup, Args};

use super::args::{OutputArgs, TimeArgs};
use super::decode::{fail, print_json};
use super::paint::Paint;
use super::text::{TextStyle, render_document};
use super::{exit, print_stdout};
use crate::config::{self, Config};
use crate::keys::{HttpSettings, KeyLocation, Keyring, Pin, Secret, Settings, Status};
use crate::report::{SignatureReport, TokenDocument};
use crate::source::read_input;
use crate::token::sanitize::escape_controls;
use crate::token::time::TimeStatus;
use crate::token::{Limits, decode};

pub const EXAMPLES: &str = "\
Keys come from the issuer: GET {iss}/.well-known/openid-configuration, then its jwks_uri (https
only, except loopback hosts). They are cached (public keys only) under the user cache directory.
Keys offered by the token itself (jku, x5u, jwk, x5c) are never used. HMAC tokens (HS256…) verify
only with the shared secret.

Pins can also live in the config file ($CLAIMCHECK_CONFIG, or config.toml in the user config
directory):
  [verify.jwks_for]
  \"https://kubernetes.default.svc\" = \"cluster-jwks.json\"

Exit status: 0 verified and active, 1 signature failed or token expired / not yet valid,
2 bad input, 3 signature not checked (issuer unreachable, offline, unsupported algorithm…).
--timeout bounds all the requests of a verification together.

Examples:
  claimcheck verify token.jwt
  claimcheck demo --print-token github-environment | claimcheck verify --jwks-for https://token.actions.githubusercontent.com=assets/demo/jwks.json
  kubectl get --raw /openid/v1/jwks > cluster.json; claimcheck verify --jwks cluster.json sa-token.jwt
  claimcheck verify --secret-file hmac.key --json token.jwt
  claimcheck verify --offline token.jwt                 only the cache and pins, no network
  claimcheck verify --ca-cert corp-root.pem token.jwt   behind a TLS-inspecting proxy";

#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// A token, a file holding one, or '-' for standard input.
    #[arg(value_name = "INPUT")]
    pub input: Option<String>,

    #[command(flatten)]
    pub keys: KeyArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub time: TimeArgs,
}

/// Where keys come from and how they are fetched; shared by `verify` and `check`.
#[derive(Debug, Clone, Args)]
#[command(group(ArgGroup::new("hmac_secret").args(["secret", "secret_file", "secret_base64"])))]
pub struct KeyArgs {
    /// Verify with this key set (a URL or a JWKS file) instead of discovering the issuer's.
    #[arg(long, value_name = "URL|FILE")]
    pub jwks: Option<String>,

    /// Pin an issuer to a key set (URL or JWKS file); repeatable. Overrides the config file.
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

    /// Give up on fetching keys after this many seconds, all requests together (default 10;
    /// connecting: at most 5).
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout)]
    pub timeout: Option<Duration>,
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

fn parse_timeout(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds <= 600.0 => Ok(Duration::from_secs_f64(seconds)),
        _ => Err("expected a number of seconds between 0 and 600".to_owned()),
    }
}

pub fn run(args: &VerifyArgs) -> u8 {
    let json = args.output.json;
    let config = match Config::load() {
        Ok(config) => config,
        Err(error) => return fail(json, "config", &error.to_string()),
    };
    let settings = match settings(&args.keys, &config) {
        Ok(settings) => settings,
        Err(message) => return fail(json, "usage", &message),
    };
    let limits = Limits::default();
    let input = match read_input(args.input.as_deref(), limits.max_token_bytes) {
        Ok(input) => input,
        Err(error) => return fail(json, error.kind(), &error.to_string()),
    };
    let token = match decode(&input.text, &limits) {
        Ok(token) => token,
        Err(error) => return fail(json, error.kind(), &error.to_string()),
    };
    let mut keyring = match Keyring::new(settings) {
        Ok(keyring) => keyring,
        Err(error) => return fail(json, "usage", &error.to_string()),
    };
    let outcome = keyring.verify(&token);
    let mut document = TokenDocument::new(
        &token,
        input.origin.to_string(),
        args.time.now(),
        args.time.leeway,
    );
    document.signature = SignatureReport::from(&outcome);
    if json {
        print_json(&document);
    } else {
        let style = TextStyle {
            paint: Paint::for_stdout(args.output.color),
            dates: args.output.date,
        };
        let mut text = render_document(&document, &style);
        if !document.signature.notes.is_empty() {
            text.push_str(&style.paint.bold("Key notes"));
            text.push('\n');
            for note in &document.signature.notes {
                text.push_str(&format!("  · {}\n", escape_controls(note)));
            }
        }
        print_stdout(&text);
    }
    exit_code(
        outcome.status,
        document.time.status,
        token.claims().is_some(),
    )
}

/// The signature of `token` checked with the key options of `args`, for commands that verify
/// on the way to something else (`check`). `Err` is a usage or configuration problem.
pub fn verify_signature(
    token: &crate::token::Token,
    args: &KeyArgs,
) -> Result<SignatureReport, (&'static str, String)> {
    let config = Config::load().map_err(|error| ("config", error.to_string()))?;
    let settings = settings(args, &config).map_err(|message| ("usage", message))?;
    let mut keyring = Keyring::new(settings).map_err(|error| ("usage", error.to_string()))?;
    Ok(SignatureReport::from(&keyring.verify(token)))
}

/// 1 for any definite "no" (bad signature, expired, an unusable exp), else 3 when the signature
/// was not checked. A token without readable claims (a JWE, a payload that is not a claim set)
/// has no times to judge, so its signature alone decides.
fn exit_code(signature: Status, time: TimeStatus, has_claims: bool) -> u8 {
    match (signature, time) {
        (Status::Failed, _) => exit::DEFINITE_NO,
        (_, TimeStatus::Expired | TimeStatus::NotYetValid) => exit::DEFINITE_NO,
        (_, TimeStatus::Unknown) if has_claims => exit::DEFINITE_NO,
        (Status::NotChecked, _) => exit::NOT_CHECKED,
        (Status::Verified, _) => exit::SUCCESS,
    }
}

fn settings(args: &KeyArgs, config: &Config) -> Result<Settings, String> {
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
    fn exit_codes_put_a_definite_no_before_not_checked() {
        use Status::*;
        use TimeStatus::*;
        assert_eq!(exit_code(Verified, Active, true), exit::SUCCESS);
        assert_eq!(exit_code(Verified, Expired, true), exit::DEFINITE_NO);
        assert_eq!(exit_code(Failed, Active, true), exit::DEFINITE_NO);
        assert_eq!(exit_code(NotChecked, Active, true), exit::NOT_CHECKED);
        assert_eq!(exit_code(NotChecked, NotYetValid, true), exit::DEFINITE_NO);
        // An exp that is not a number: every relying party refuses the token.
        assert_eq!(exit_code(Verified, Unknown, true), exit::DEFINITE_NO);
        // No claims at all (JWE, text payload): the signature decides.
        assert_eq!(exit_code(NotChecked, Unknown, false), exit::NOT_CHECKED);
        assert_eq!(exit_code(Verified, Unknown, false), exit::SUCCESS);
        assert_eq!(exit_code(Failed, Unknown, false), exit::DEFINITE_NO);
    }

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
        assert_eq!(parse_timeout("0.5").unwrap(), Duration::from_millis(500));
        assert!(parse_timeout("0").is_err());
    }
}
