//! Getting token text from where the user has it, or from where it is issued. Every source
//! produces text; the `token` module finds and decodes the token in it.
//!
//! Public face:
//! - [`read_input`] for the `INPUT` argument of the commands (a token, a file, `-`, or piped
//!   standard input);
//! - [`SourceSpec`] (the `--from` value, parsed with `str::parse`), [`PRESETS`] to list them and
//!   [`AudienceUse`] to know whether to ask for an audience;
//! - [`fetch`]: a blocking call (run it on a worker thread in the TUI) that returns a decoded
//!   [`Fetched`] token or a [`SourceError`] whose [`SourceError::stderr`] carries the
//!   command's own explanation;
//! - [`Cancel`], a handle in [`FetchOptions`] that stops a running fetch from another thread;
//! - [`detect`]: the sources the [`Environment`] offers, for `fetch --list` and menus.
//!
//! Commands run without a shell (unless `sh:` asks for one), with a time limit
//! ([`FetchOptions::timeout`]), and their output is never echoed.

mod auto;
mod clipboard;
mod command;
mod environment;
mod error;
mod generic;
mod github;
mod gitlab;
mod http;
mod input;
mod programs;
mod spec;
mod token_file;
mod words;

use std::time::Duration;

use serde::Serialize;

use crate::token::{self, DecodeError, FoundVia, Limits, Token};

pub use auto::{Available, detect};
// `Budget` and `run_command` also run the vendors' CLIs that read live trust rules (app::live).
pub use command::{
    Budget, Cancel, run as run_command, stop_running_commands, termination_is_handled_by_caller,
};
pub use environment::Environment;
pub use error::SourceError;
pub use input::{InputError, InputOrigin, RawInput, read_input, read_text};
pub use spec::{AudienceUse, PRESETS, Preset, SERVICE_ACCOUNT_TOKEN_PATH, SourceSpec};

/// How long a token command may run unless `--timeout` says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchOptions {
    /// The `aud` to ask the issuer for; see [`SourceSpec::audience_use`].
    pub audience: Option<String>,
    /// For a command or an HTTP request.
    pub timeout: Duration,
    pub limits: Limits,
    /// Keep a clone to stop the fetch from another thread.
    pub cancel: Cancel,
}

impl Default for FetchOptions {
    fn default() -> FetchOptions {
        FetchOptions {
            audience: None,
            timeout: DEFAULT_TIMEOUT,
            limits: Limits::default(),
            cancel: Cancel::default(),
        }
    }
}

/// Something the source told about the token besides the token, e.g. the role an EKS token is
/// for (`AWS_ROLE_ARN`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detail {
    pub name: String,
    pub value: String,
}

/// A token from a source.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    /// Decoded from the source's whole output, as `decode` would decode it; `token.compact()`
    /// is the raw token.
    pub token: Token,
    /// The source in its canonical `--from` spelling (`github`, `exec:cat t.jwt`, …); the
    /// `source` of the JSON document.
    pub source: String,
    /// Where exactly the token came from, for people: a file, a variable, a command line, a URL.
    pub origin: String,
    pub details: Vec<Detail>,
    /// Things the user should know, e.g. that `--audience` was not used.
    pub notes: Vec<String>,
}

/// What a source produced before decoding.
struct Produced {
    /// May hold a token: never log it.
    text: String,
    origin: String,
    details: Vec<Detail>,
    /// A command's standard error, shown if its output holds no token.
    stderr: String,
    /// Whether the text is a command's standard output (so that nothing in it means the
    /// command printed nothing, not that a file or variable is empty).
    command: bool,
}

impl Produced {
    fn new(text: String, origin: String) -> Produced {
        Produced {
            text,
            origin,
            details: Vec::new(),
            stderr: String::new(),
            command: false,
        }
    }
}

/// Gets a token from `spec`, looking only at `env` (and the files and programs it names).
/// Blocks for as long as the source takes, at most about `options.timeout` for a command or a
/// request.
pub fn fetch(
    spec: &SourceSpec,
    options: &FetchOptions,
    env: &Environment,
) -> Result<Fetched, SourceError> {
    let audience = options.audience.as_deref().filter(|a| !a.is_empty());
    let mut notes = Vec::new();
    match (spec.audience_use(), audience) {
        (AudienceUse::Required, None) => {
            return Err(SourceError::AudienceRequired {
                source_name: spec.name(),
            });
        }
        (AudienceUse::Fixed, Some(_)) => notes.push(format!(
            "--audience was not used: {} reads a token whose audience was chosen where it was issued",
            spec.name()
        )),
        _ => {}
    }
    let budget = Budget {
        timeout: options.timeout,
        stdout_limit: output_limit(&options.limits),
        cancel: options.cancel.clone(),
    };
    let produced = match spec {
        SourceSpec::Github => github::fetch(env, audience, &budget)?,
        SourceSpec::Gitlab { variable } => {
            gitlab::fetch(env, variable.as_deref(), &options.limits)?
        }
        SourceSpec::Gitpod | SourceSpec::Ona | SourceSpec::Gcloud => {
            programs::fetch(spec, env, audience, &budget)?
        }
        SourceSpec::Eks => token_file::eks(env, &options.limits)?,
        SourceSpec::Aks => token_file::aks(env, &options.limits)?,
        SourceSpec::Kubernetes { path } => {
            token_file::kubernetes(path.as_deref(), &options.limits)?
        }
        SourceSpec::Env(variable) => generic::env_var(env, variable)?,
        SourceSpec::File(path) => generic::file(path, &options.limits)?,
        SourceSpec::Exec(argv) => generic::exec(env, argv, &budget)?,
        SourceSpec::Shell(script) => generic::shell(env, script, &budget)?,
        SourceSpec::Clipboard => clipboard::read(env, budget.stdout_limit)?,
        SourceSpec::Auto => {
            return Err(SourceError::Usage(
                "auto lists the sources this environment offers; fetch from one of them".into(),
            ));
        }
    };
    if produced.text.trim().is_empty() {
        return Err(SourceError::NothingInIt {
            origin: produced.origin,
            command: produced.command,
            stderr: produced.stderr,
        });
    }
    let token =
        decode_output(&produced.text, &options.limits).map_err(|error| SourceError::NotAToken {
            origin: produced.origin.clone(),
            error,
            stderr: produced.stderr.clone(),
        })?;
    Ok(Fetched {
        token,
        source: spec.to_string(),
        origin: produced.origin,
        details: produced.details,
        notes,
    })
}

/// Decodes what a source produced exactly as `decode` would; failing that, takes a line that
/// holds a whole token. A command may print progress lines made only of token characters
/// ("Refreshing... done"), which the decoder takes for pieces of a token wrapped over several
/// lines.
fn decode_output(text: &str, limits: &Limits) -> Result<Token, DecodeError> {
    let whole = token::decode(text, limits);
    if whole.is_ok() {
        return whole;
    }
    text.lines()
        .map(str::trim)
        .filter(|line| line.starts_with("eyJ"))
        .find_map(|line| token::parse_compact(line, FoundVia::Embedded, limits).ok())
        .map_or(whole, Ok)
}

/// Output may wrap the token (JSON, log lines), so allow the same slack `read_input` does.
fn output_limit(limits: &Limits) -> usize {
    limits.max_token_bytes.saturating_add(64 * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo;

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn results_can_cross_threads() {
        fn sendable<T: Send + 'static>() {}
        sendable::<Fetched>();
        sendable::<SourceError>();
        sendable::<FetchOptions>();
        sendable::<Environment>();
    }

    #[test]
    fn a_token_line_is_found_among_progress_lines() {
        let token = demo::template("gitpod").unwrap().mint(NOW);
        let output = format!("Refreshing credentials... done\n{token}\nbye\n");
        let decoded = decode_output(&output, &Limits::default()).unwrap();
        assert_eq!(decoded.compact(), token);
        assert_eq!(decoded.found_via(), &FoundVia::Embedded);
        // Output that decodes as a whole is decoded as `decode` would.
        let decoded = decode_output(&format!("{token}\n"), &Limits::default()).unwrap();
        assert_eq!(decoded.found_via(), &FoundVia::Bare);
        assert!(decode_output("Refreshing... done\n", &Limits::default()).is_err());
    }

    #[test]
    fn fetch_checks_the_audience_and_decodes() {
        let token = demo::template("gitlab").unwrap().mint(NOW);
        let env = Environment::from_vars([("MY_TOKEN", format!("Bearer {token}"))]);
        let spec: SourceSpec = "env:MY_TOKEN".parse().unwrap();
        let options = FetchOptions {
            audience: Some("ignored".into()),
            ..FetchOptions::default()
        };
        let fetched = fetch(&spec, &options, &env).unwrap();
        assert_eq!(fetched.token.compact(), token);
        assert_eq!(fetched.token.found_via(), &FoundVia::Bearer);
        assert_eq!(fetched.source, "env:MY_TOKEN");
        assert_eq!(fetched.origin, "$MY_TOKEN");
        assert!(fetched.notes[0].contains("--audience was not used"));

        let error = fetch(&SourceSpec::Ona, &FetchOptions::default(), &env).unwrap_err();
        assert!(matches!(
            error,
            SourceError::AudienceRequired { source_name: "ona" }
        ));
        let env = Environment::from_vars([("MY_TOKEN", "not a token")]);
        let error = fetch(&spec, &FetchOptions::default(), &env).unwrap_err();
        assert_eq!(error.kind(), "not_a_token");
        assert!(error.to_string().starts_with("$MY_TOKEN gave no token"));
        let error = fetch(&SourceSpec::Auto, &FetchOptions::default(), &env).unwrap_err();
        assert!(error.is_usage());
    }

    /// An empty output used to be reported as "the input is empty: paste a token…", which is
    /// advice for `decode`, not for a command.
    #[cfg(unix)]
    #[test]
    fn a_command_that_prints_nothing_is_told_apart_from_a_bad_token() {
        let env = Environment::from_vars([("PATH", "/usr/bin:/bin")]);
        let spec: SourceSpec = "sh:echo 'not logged in' >&2; printf '\\n'".parse().unwrap();
        let error = fetch(&spec, &FetchOptions::default(), &env).unwrap_err();
        let message = error.to_string();
        assert!(
            message.ends_with("printed nothing on standard output"),
            "{message}"
        );
        assert!(!message.contains("paste"), "{message}");
        assert_eq!(error.stderr(), Some("not logged in\n"));
        assert_eq!(error.kind(), "not_a_token");
        let env = Environment::from_vars([("EMPTYISH", " \n")]);
        let error = fetch(
            &"env:EMPTYISH".parse().unwrap(),
            &FetchOptions::default(),
            &env,
        )
        .unwrap_err();
        assert_eq!(error.to_string(), "$EMPTYISH is empty");
    }
}
