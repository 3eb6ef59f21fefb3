//! The interactive terminal UI, in The Elm Architecture.
//!
//! Public face:
//! - [`Launch`] and [`run`]: what to open (tokens, rule files, settings) and the event loop;
//! - [`Engine`] / [`engine::Standalone`]: the boundary to rule loading and signature
//!   verification that the caller supplies;
//! - [`model`], [`update`], [`view`]: the pure core, driven by tests without a terminal;
//! - [`settings`]: the `[tui]` section of config.toml; [`keymap`]: the key table;
//! - [`fetch_menu`]: fetching tokens from where they are issued (`f`, refetch `F`);
//! - [`matrix`] and [`regions`]: the rules × caller groups matrix (`M`, `preview --tui`) and
//!   the Regions list beside it (who gains or loses access for every caller).
//! - [`text_field`]: the one-line text field every prompt edits.
//!
//! Threads: the UI thread runs `update` and `view`; an input thread sends key, paste, mouse,
//! resize and tick messages; a worker thread runs the engine; a watcher reports rule-file
//! changes. All of them talk to the UI thread over one `std::sync::mpsc` channel.

mod app;
mod editor;
pub mod engine;
mod events;
pub mod explain;
pub mod fetch_menu;
mod hangup;
pub(crate) mod inputs;
pub mod keymap;
pub mod matrix;
pub mod matrix_job;
pub mod model;
pub mod regions;
pub mod regions_job;
pub(crate) mod settings;
mod terminal;
pub mod text_field;
pub mod theme;
pub mod update;
pub mod view;
mod watch;
mod worker;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

pub use engine::Engine;
pub use events::Clock;

use self::keymap::Keymap;
use self::model::{Model, NoticeKind};
use self::settings::TuiSettings;
use self::theme::{Theme, no_color_requested};
use self::update::{Cmd, add_rule_files, add_token};
use crate::clipboard::Clipboard;
use crate::token::Token;

/// What to open the UI on.
pub struct Launch {
    /// Decoded tokens with where each came from (`argument`, `stdin`, `demo:gitlab`…).
    pub tokens: Vec<(Token, String)>,
    /// Input that did not decode: shown in the paste prompt with the decoder's message.
    pub rejected: Option<String>,
    /// Where the token was fetched from (`claimcheck --from SOURCE`), so that the refetch key
    /// works on it; applies to the first token.
    pub fetched_from: Option<fetch_menu::FetchedFrom>,
    pub rule_paths: Vec<PathBuf>,
    pub engine: Arc<dyn Engine>,
    pub settings: TuiSettings,
    /// A problem with config.toml, shown once on the status line.
    pub settings_problem: Option<String>,
    pub clock: Clock,
    pub leeway: i64,
    /// False with `--no-verify`: the decision rests on the rules (and times) alone.
    pub signature_required: bool,
    pub started: Instant,
    /// A corpus to open the rules × tokens matrix on (`claimcheck preview --tui`).
    pub matrix: Option<matrix::CorpusSpec>,
}

/// Builds the model and the commands to run first (verifications, rule loading).
pub fn initial_model(launch: &mut Launch) -> (Model, Option<Cmd>) {
    let mut keymap = Keymap::default();
    let mut problems: Vec<String> = launch.settings_problem.take().into_iter().collect();
    problems.extend(keymap.apply(&launch.settings.keys));
    let theme = Theme::new(launch.settings.theme, no_color_requested());
    let mut model = Model::new(launch.clock.now(), keymap, theme);
    model.leeway = launch.leeway;
    model.signature_required = launch.signature_required;
    model.clear_clipboard_after = launch.settings.clear_clipboard_after_secs;
    let mut cmds: Vec<Cmd> = add_rule_files(&mut model, launch.rule_paths.clone())
        .into_iter()
        .collect();
    for (token, source) in std::mem::take(&mut launch.tokens) {
        cmds.extend(add_token(&mut model, token, source));
    }
    if let (Some(origin), Some(first)) = (launch.fetched_from.take(), model.tokens.first()) {
        model.fetch.origins.insert(first.id, origin);
    }
    if let Some(spec) = launch.matrix.take() {
        model.matrix = Some(matrix::MatrixState::corpus(spec));
        cmds.extend(matrix::recompute(&mut model));
        cmds.extend(regions::recompute(&mut model));
    }
    if !model.tokens.is_empty() {
        model.input = None;
        model.selected = 0;
    } else if let (Some(message), Some(input)) = (launch.rejected.take(), model.input.as_mut()) {
        input.field.refuse(message);
    }
    if !problems.is_empty() {
        model.notice = Some(model::Notice {
            text: problems.join("; "),
            kind: NoticeKind::Error,
            until_frame: model.frame + 2 * update::NOTICE_FRAMES,
        });
    }
    (model, update::batch(cmds))
}

/// Opens the terminal UI and runs it until the user quits.
pub fn run(mut launch: Launch) -> std::io::Result<()> {
    let (model, initial) = initial_model(&mut launch);
    app::run(app::Runtime {
        model,
        initial,
        engine: launch.engine,
        clipboard: Clipboard::for_process(launch.settings.clipboard),
        clock: launch.clock,
        mouse: launch.settings.mouse,
        rule_paths: launch.rule_paths,
        started: launch.started,
    })
}
