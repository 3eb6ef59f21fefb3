//! Opening the interactive view from the command line: `claimcheck [INPUT] [--rules FILE…]`,
//! `claimcheck --from SOURCE` and `claimcheck demo` on a terminal. Input is read (piped stdin included) before the terminal is
//! taken over. This is the only place the CLI reaches into `tui`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use super::args::{DecodeArgs, DemoArgs, PreviewArgs, SourceArgs, TimeArgs, TuiArgs};
use super::exit;
use crate::app::Live;
use crate::app::keys::{self, KeyArgs};
use crate::config::Config;
use crate::preview::group::GroupBy;
use crate::source::read_input;
use crate::token::{FoundVia, Limits, Token, decode, parse_compact};
use crate::tui::engine::Engine;
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
        match super::fetch::fetch_from(&source.pick, source.timeout, args.limits.limits()) {
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
        let limits = args.limits.limits();
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
    let Some((config, engine)) = live_engine(options) else {
        return exit::BAD_INPUT;
    };
    open(
        Opened {
            tokens,
            rejected,
            fetched_from,
        },
        rule_paths(&options.rules),
        engine,
        &config,
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
    rules.extend(rule_paths(&args.interactive.rules));
    let Some((config, user_keys)) = key_settings(&args.interactive.keys) else {
        return exit::BAD_INPUT;
    };
    // The demo issuers' keys are the bundled ones whatever else is given, and the demo makes
    // no request; the user's pins, secret and key set serve tokens pasted into it.
    let mut demo_keys = keys::demo_settings();
    demo_keys.pins.extend(user_keys.pins);
    demo_keys.secret = user_keys.secret;
    demo_keys.jwks = user_keys.jwks;
    let engine: Arc<dyn Engine> =
        Arc::new(Live::new(demo_keys).with_rule_kinds(&args.interactive.rules));
    open(
        Opened {
            tokens,
            rejected: None,
            fetched_from: None,
        },
        rules,
        engine,
        &config,
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
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// `claimcheck preview --tui`: the matrix of a corpus, recomputed as its rule files change.
pub fn preview(args: &PreviewArgs, started: Instant) -> u8 {
    // clap makes --tui require --tokens.
    let tokens = args.tokens.clone().unwrap_or_default();
    if tokens == "-" {
        eprintln!(
            "claimcheck: preview --tui needs a corpus file or directory, not stdin: the matrix reads it again whenever a rule file changes"
        );
        return exit::BAD_INPUT;
    }
    // The matrix re-reads the corpus (and opens its entries) with the default bound; refusing
    // is better than silently ignoring the flag.
    if args.limits.max_bytes != crate::token::DEFAULT_MAX_TOKEN_BYTES {
        eprintln!(
            "claimcheck: --max-bytes applies to a preview report, not to preview --tui; leave out --tui"
        );
        return exit::BAD_INPUT;
    }
    if !std::io::stdout().is_terminal() {
        eprintln!("claimcheck: preview --tui needs a terminal; leave out --tui for a report");
        return exit::BAD_INPUT;
    }
    let spec = CorpusSpec {
        corpus: tokens,
        current: args.rules.clone(),
        proposed: args.against.clone(),
        group_by: if args.group_by.is_empty() {
            GroupBy::FoldedSubject
        } else {
            GroupBy::Claims(args.group_by.clone())
        },
        pinned_now: args.time.now,
    };
    let options = TuiArgs {
        keys: args.keys.clone(),
        ..TuiArgs::default()
    };
    let Some((config, engine)) = live_engine(&options) else {
        return exit::BAD_INPUT;
    };
    open(
        Opened {
            tokens: Vec::new(),
            rejected: None,
            fetched_from: None,
        },
        spec.rule_paths(),
        engine,
        &config,
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
    config: &Config,
    options: &TuiArgs,
    time: &TimeArgs,
    started: Instant,
    matrix: Option<CorpusSpec>,
) -> u8 {
    let (mut settings, settings_problem) = settings::from_config(config);
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
        signature_required: !options.no_verify,
        started,
        matrix,
    };
    match crate::tui::run(launch) {
        Ok(()) => exit::SUCCESS,
        Err(error) => {
            // Not eprintln!, which panics when standard error is the terminal that failed.
            let _ = writeln!(
                std::io::stderr(),
                "claimcheck: the terminal failed: {error}"
            );
            exit::BAD_INPUT
        }
    }
}

/// The config file and the key settings of `args` over it, made as `check` makes them; `None`
/// after saying on stderr what is wrong (as `verify` would, before the screen is taken over).
fn key_settings(args: &KeyArgs) -> Option<(Config, crate::keys::Settings)> {
    match keys::config_and_settings(args) {
        Ok(found) => Some(found),
        Err(error) => {
            super::print_error(&error.to_string());
            None
        }
    }
}

/// The engine of the interactive view, for the key options of `options`.
fn live_engine(options: &TuiArgs) -> Option<(Config, Arc<dyn Engine>)> {
    let (config, settings) = key_settings(&options.keys)?;
    let live = if options.no_verify {
        Live::without_verifying()
    } else {
        Live::new(settings)
    };
    let engine: Arc<dyn Engine> = Arc::new(live.with_rule_kinds(&options.rules));
    Some((config, engine))
}

/// The files of `[KIND:]FILE` arguments (the engine keeps the kinds).
fn rule_paths(args: &[String]) -> Vec<PathBuf> {
    args.iter()
        .map(|arg| crate::app::rules::file_of(arg))
        .collect()
}
