//! Opening the interactive view from the command line: `claimcheck [INPUT] [--rules FILE…]` and
//! `claimcheck demo` on a terminal. Input is read (piped stdin included) before the terminal is
//! taken over. This is the only place the CLI reaches into `tui`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use super::args::{DecodeArgs, DemoArgs, TimeArgs, TuiArgs};
use super::exit;
use crate::source::read_input;
use crate::token::{FoundVia, Limits, Token, decode, parse_compact};
use crate::tui::engine::{Engine, Standalone};
use crate::tui::{Clock, Launch, settings};

/// The interactive view only makes sense on a terminal, and not when JSON was asked for.
pub fn wanted(json: bool) -> bool {
    !json && std::io::stdout().is_terminal()
}

pub fn bare(args: &DecodeArgs, options: &TuiArgs, started: Instant) -> u8 {
    let stdin_waiting = args.input.is_none() && !std::io::stdin().is_terminal();
    let mut tokens = Vec::new();
    let mut rejected = None;
    if args.input.is_some() || stdin_waiting {
        let limits = Limits::default();
        match read_input(args.input.as_deref(), limits.max_token_bytes) {
            Ok(input) => match decode(&input.text, &limits) {
                Ok(token) => tokens.push((token, input.origin.to_string())),
                Err(error) => rejected = Some(format!("not a token: {error}")),
            },
            Err(error) => {
                eprintln!("claimcheck: {error}");
                return exit::BAD_INPUT;
            }
        }
    }
    let engine = Arc::new(Standalone { demo: false });
    open(
        tokens,
        rejected,
        options.rules.clone(),
        engine,
        options,
        &args.time,
        started,
    )
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
    // The demo issuers are pinned to the bundled JWKS (demo::JWKS_JSON) once verification is
    // part of the engine; no network either way.
    let engine = Arc::new(Standalone { demo: true });
    open(
        tokens,
        None,
        rules,
        engine,
        &args.interactive,
        &args.time,
        started,
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

fn open(
    tokens: Vec<(Token, String)>,
    rejected: Option<String>,
    rule_paths: Vec<PathBuf>,
    engine: Arc<dyn Engine>,
    options: &TuiArgs,
    time: &TimeArgs,
    started: Instant,
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
        tokens,
        rejected,
        rule_paths,
        engine,
        settings,
        settings_problem,
        clock: time.now.map_or(Clock::System, Clock::Frozen),
        leeway: time.leeway,
        started,
    };
    match crate::tui::run(launch) {
        Ok(()) => exit::SUCCESS,
        Err(error) => {
            eprintln!("claimcheck: the terminal failed: {error}");
            exit::BAD_INPUT
        }
    }
}
