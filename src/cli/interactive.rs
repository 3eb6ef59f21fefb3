//! Opening the interactive view from the command line: `claimcheck [INPUT] [--rules FILE…]`,
//! `claimcheck --from SOURCE` and `claimcheck demo` on a terminal. Input is read (piped stdin included) before the terminal is
//! taken over. This is the only place the CLI reaches into `tui`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use super::args::{DecodeArgs, DemoArgs, PreviewArgs, SourceArgs, TimeArgs, TuiArgs};
use super::exit;
use crate::preview::group::GroupBy;
use crate::source::read_input;
use crate::token::{FoundVia, Limits, Token, decode, parse_compact};
use crate::tui::engine::{Engine, Live};
use crate::tui::fetch_menu::FetchedFrom;
use crate::tui::matrix::CorpusSpec;
use crate::tui::{Clock, Launch, settings};

/// The interactive view only makes sense on a terminal, and not when JSON was asked for.
pub fn wanted(json: bool) -> bool {
    !json && std::io::stdout().is_terminal()
}

pub fn bare(args: &DecodeArgs, source: &SourceArgs, options: &TuiArgs, started: Instant) -> u8 {
    let mut tokens = Vec::new();
    let mut rejected = None;
    let mut fetched_from = None;
    if let Some(spec) = &source.pick.from {
        if args.input.is_some() {
            eprintln!("claimcheck: give either INPUT or --from SOURCE, not both");
            return exit::BAD_INPUT;
        }
        // Fetched before the screen is taken over, so that a failure reads like `fetch`'s.
        super::print_error(&format!("fetching a token from {spec}…"));
        match super::fetch::fetch_from(&source.pick, source.timeout) {
            Ok(fetched) => {
                super::fetch::print_side_info(&fetched);
                fetched_from = Some(FetchedFrom {
                    spec: fetched.source.parse().unwrap_or_else(|_| spec.clone()),
                    audience: source.pick.audience.clone().filter(|a| !a.is_empty()),
                });
                tokens.push((fetched.token, fetched.source));
            }
            Err(error) => return super::fetch::report_error(false, &error),
        }
    } else if source.pick.any_option() {
        eprintln!("claimcheck: --audience, --env and --path need --from SOURCE");
        return exit::BAD_INPUT;
    }
    let stdin_waiting =
        tokens.is_empty() && args.input.is_none() && !std::io::stdin().is_terminal();
    if args.input.is_some() || stdin_waiting {
        let limits = Limits::default();
        match read_input(args.input.as_deref(), limits.max_token_bytes) {
            Ok(input) => match decode(&input.text, &limits) {
                Ok(token) => tokens.push((token, input.origin.to_string())),
                Err(error) => rejected = Some(format!("not a token: {error}")),
            },
            Err(error) => {
                super::print_error(&error.to_string());
                return exit::BAD_INPUT;
            }
        }
    }
    let engine = Arc::new(Live {
        keys: live_key_settings(Vec::new()),
    });
    open(
        Opened {
            tokens,
            rejected,
            fetched_from,
        },
        options.rules.clone(),
        engine,
        options,
        &args.time,
        started,
        None,
    )
}

/// The tokens the view opens on.
struct Opened {
    tokens: Vec<(Token, String)>,
    /// Input that did not decode, shown in the paste prompt.
    rejected: Option<String>,
    /// Where the one token came from when `--from` fetched it (so the refetch key works).
    fetched_from: Option<FetchedFrom>,
}

pub fn demo(args: &DemoArgs, started: Instant) -> u8 {
    let now = args.time.now();
    // Minting is most of the time to the first frame (each RSA signature parses the demo key
    // again), so the tokens are minted in parallel.
    let tokens: Vec<(Token, String)> = std::thread::scope(|scope| {
        let minting: Vec<_> = crate::demo::templates()
            .into_iter()
            .map(|template| {
                scope.spawn(move || {
                    let compact = template.mint(now);
                    let token = parse_compact(&compact, FoundVia::Bare, &Limits::default())
                        .expect("demo tokens decode (checked by tests)");
                    (token, format!("demo:{}", template.name))
                })
            })
            .collect();
        minting
            .into_iter()
            .map(|handle| handle.join().expect("minting a demo token does not panic"))
            .collect()
    });
    let mut rules = demo_rule_files();
    rules.extend(args.interactive.rules.iter().cloned());
    let engine = Arc::new(Live {
        keys: demo_key_settings(),
    });
    open(
        Opened {
            tokens,
            rejected: None,
            fetched_from: None,
        },
        rules,
        engine,
        &args.interactive,
        &args.time,
        started,
        None,
    )
}

/// The bundled demo rules: every file in `assets/demo/rules/`, looked up beside the working
/// directory first, then beside the crate this binary was built from.
fn demo_rule_files() -> Vec<PathBuf> {
    let candidates = [
        PathBuf::from("assets/demo/rules"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/rules"),
    ];
    let Some(dir) = candidates.iter().find(|dir| dir.is_dir()) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.is_file())
                .filter(|path| {
                    !path
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                })
                // The TUI loads each rule file on its own, and an AWS OIDC provider document
                // only makes sense beside a policy (`check --rules policy --rules provider`).
                .filter(|path| !is_aws_provider_document(path))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn is_aws_provider_document(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .is_some_and(|document| crate::trust::aws::detect_provider(&document))
}

/// `claimcheck preview --tui`: the matrix of a corpus, recomputed as its rule files change.
pub fn preview(args: &PreviewArgs, started: Instant) -> u8 {
    if args.tokens == "-" {
        eprintln!(
            "claimcheck: preview --tui needs a corpus file or directory, not stdin: the matrix reads it again whenever a rule file changes"
        );
        return exit::BAD_INPUT;
    }
    if !std::io::stdout().is_terminal() {
        eprintln!("claimcheck: preview --tui needs a terminal; leave out --tui for a report");
        return exit::BAD_INPUT;
    }
    let spec = CorpusSpec {
        corpus: args.tokens.clone(),
        current: args.rules.clone(),
        proposed: args.against.clone(),
        group_by: if args.group_by.is_empty() {
            GroupBy::FoldedSubject
        } else {
            GroupBy::Claims(args.group_by.clone())
        },
        pinned_now: args.time.now,
    };
    let engine = Arc::new(Live {
        keys: live_key_settings(Vec::new()),
    });
    let options = TuiArgs {
        rules: Vec::new(),
        mouse: false,
        clipboard: None,
        theme: None,
    };
    open(
        Opened {
            tokens: Vec::new(),
            rejected: None,
            fetched_from: None,
        },
        spec.rule_paths(),
        engine,
        &options,
        &args.time,
        started,
        Some(spec),
    )
}

#[allow(clippy::too_many_arguments)]
fn open(
    opened: Opened,
    rule_paths: Vec<PathBuf>,
    engine: Arc<dyn Engine>,
    options: &TuiArgs,
    time: &TimeArgs,
    started: Instant,
    matrix: Option<CorpusSpec>,
) -> u8 {
    let (mut settings, settings_problem) = settings::load();
    settings.mouse |= options.mouse;
    if let Some(mode) = options.clipboard {
        settings.clipboard = mode;
    }
    if let Some(theme) = options.theme {
        settings.theme = theme;
    }
    let launch = Launch {
        tokens: opened.tokens,
        rejected: opened.rejected,
        fetched_from: opened.fetched_from,
        rule_paths,
        engine,
        settings,
        settings_problem,
        clock: time.now.map_or(Clock::System, Clock::Frozen),
        leeway: time.leeway,
        started,
        matrix,
    };
    match crate::tui::run(launch) {
        Ok(()) => exit::SUCCESS,
        Err(error) => {
            eprintln!("claimcheck: the terminal failed: {error}");
            exit::BAD_INPUT
        }
    }
}

/// Key settings from the config file (pins, CA, timeouts) plus `extra` pins.
fn live_key_settings(extra: Vec<crate::keys::Pin>) -> crate::keys::Settings {
    let config = crate::config::Config::load().unwrap_or_default();
    let mut pins = extra;
    pins.extend(
        config
            .verify
            .jwks_for
            .iter()
            .map(|(issuer, location)| crate::keys::Pin {
                issuer: issuer.clone(),
                location: crate::keys::KeyLocation::parse(location, config.base_dir.as_deref()),
            }),
    );
    let mut http = crate::keys::HttpSettings::default();
    if let Some(seconds) = config.verify.timeout_secs {
        http.total_timeout = std::time::Duration::from_secs(seconds);
    }
    crate::keys::Settings {
        pins,
        cache_dir: crate::config::cache_dir(),
        http,
        ..crate::keys::Settings::default()
    }
}

/// Every demo issuer pinned to the bundled test-only JWKS, and no network at all. The key set
/// is written to a temporary file (public keys only) because pins name files or URLs.
fn demo_key_settings() -> crate::keys::Settings {
    let path =
        std::env::temp_dir().join(format!("claimcheck-demo-jwks-{}.json", std::process::id()));
    let pins = match std::fs::write(&path, crate::demo::JWKS_JSON) {
        Ok(()) => {
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
            issuers
                .into_iter()
                .map(|issuer| crate::keys::Pin {
                    issuer,
                    location: crate::keys::KeyLocation::File(path.clone()),
                })
                .collect()
        }
        Err(_) => Vec::new(),
    };
    crate::keys::Settings {
        pins,
        offline: true,
        ..crate::keys::Settings::default()
    }
}
