//! `claimcheck verify`: decode the token, verify its signature against the issuer's keys, and
//! print the same document as `decode` with the signature filled in.

use clap::Args;

use super::args::{LimitArgs, OutputArgs, TimeArgs};
use super::decode::{fail, print_json};
use super::text::{TextStyle, render_document};
use super::{exit, print_stdout};
use crate::app::keys;
use crate::keys::Status;
use crate::report::{SignatureReport, TokenDocument};
use crate::source::read_input;
use crate::token::decode;
use crate::token::sanitize::escape_controls;
use crate::token::time::TimeStatus;

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
  claimcheck verify --jwks issuer-public.pem token.jwt   a PEM or DER public key (RSA, EC, Ed25519)
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

    #[command(flatten)]
    pub limits: LimitArgs,
}

pub use crate::app::keys::KeyArgs;

pub fn run(args: &VerifyArgs) -> u8 {
    let json = args.output.json;
    let settings = match keys::settings_from_config_file(&args.keys) {
        Ok(settings) => settings,
        Err(error) => return fail(json, error.kind(), &error.to_string()),
    };
    let limits = args.limits.limits();
    let input = match read_input(args.input.as_deref(), limits.max_token_bytes) {
        Ok(input) => input,
        Err(error) => return fail(json, error.kind(), &error.to_string()),
    };
    let token = match decode(&input.text, &limits) {
        Ok(token) => token,
        Err(error) => return fail(json, error.kind(), &error.to_string()),
    };
    let mut keyring = match keys::keyring(settings) {
        Ok(keyring) => keyring,
        Err(error) => return fail(json, error.kind(), &error.to_string()),
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
        let style = TextStyle::for_stdout(&args.output);
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
}
