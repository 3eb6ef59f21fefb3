//! `update(&mut Model, Msg) -> Option<Cmd>`: the only place the model changes. Effects (copying,
//! verifying, reading files, running an editor) are returned as [`Cmd`]s for the runtime.

use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use serde_json::Value;

use super::engine::{LoadFailure, Rules};
use super::keymap::{Action, Context, Key};
use super::model::{
    Entry, Input, InputPurpose, Model, Notice, NoticeKind, Pane, RuleFile, RuleFileState, Signature,
};
use super::text_field::TextField;
use super::{fetch_menu, inputs};
use crate::app::decide;
use crate::clipboard::Via;
use crate::report::decision::SignatureRole;
use crate::report::{PayloadView, SignatureReport, token_time};
use crate::token::{Claims, Limits, Token, decode};
use crate::trust::Rule;

/// How many ticks a notice stays on the status line (4 s at the input thread's 250 ms tick).
pub const NOTICE_FRAMES: u64 = 16;

pub enum Msg {
    Key(KeyEvent),
    /// A bracketed paste: one edit, never a burst of keys.
    Paste(String),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// The clock (seconds since the epoch).
    Tick(i64),
    Verified {
        entry_id: u64,
        generation: u64,
        report: SignatureReport,
    },
    RulesLoaded {
        path: PathBuf,
        result: Result<Rules, LoadFailure>,
    },
    RuleFileUnreadable {
        path: PathBuf,
        error: String,
    },
    /// The AWS provider document at this path was loaded (or stopped being one): the rule
    /// files with rules are loaded again so that their trust policies join it.
    ProvidersChanged(PathBuf),
    /// The watcher saw a rule file change on disk.
    RuleFileChanged(PathBuf),
    ClipboardText(Result<String, String>),
    Copied {
        what: &'static str,
        result: Result<Via, String>,
    },
    /// The claims JSON came back from `$EDITOR`.
    ClaimsEdited(Result<String, String>),
    EditorClosed(Result<(), String>),
    /// SIGTERM, SIGHUP or SIGINT.
    Terminate,
    /// The sources this environment offers, for the fetch menu.
    SourcesDetected(Vec<crate::source::Available>),
    /// A fetch finished (or failed), with the generation it was started with.
    Fetched {
        generation: u64,
        result: Result<Box<crate::source::Fetched>, crate::source::SourceError>,
    },
    /// A corpus matrix computation has read this many entries.
    MatrixProgress {
        generation: u64,
        read: usize,
    },
    MatrixComputed {
        generation: u64,
        result: Result<Box<super::matrix::Grid>, String>,
    },
    /// The symbolic analysis behind the Regions list.
    RegionsComputed {
        generation: u64,
        result: Result<Box<super::regions_job::Analysis>, String>,
    },
    /// The engine's answer to a key given in the view (what it pinned, or why not).
    KeyGiven {
        issuer: Option<String>,
        result: Result<String, String>,
    },
    /// Tab in the rule file input, completed.
    PathCompleted(super::inputs::Completion),
    /// A corpus entry read back to open from the matrix, with the rule to explain.
    SampleRead {
        location: crate::preview::corpus::Location,
        rule: crate::trust::RuleId,
        result: Result<String, String>,
    },
}

pub enum Cmd {
    Batch(Vec<Cmd>),
    Quit,
    Copy {
        text: String,
        what: &'static str,
    },
    ClearClipboard,
    ReadClipboard,
    Verify {
        entry_id: u64,
        generation: u64,
        token: Box<Token>,
    },
    LoadRules(Vec<PathBuf>),
    EditClaimsExternally(String),
    OpenInEditor(PathBuf),
    /// Look for the sources this environment offers (answered by `Msg::SourcesDetected`).
    DetectSources,
    /// Fetch a token (answered by `Msg::Fetched`).
    Fetch(super::fetch_menu::FetchRequest),
    /// Evaluate the corpus of a matrix (worker thread).
    ComputeMatrix {
        generation: u64,
        spec: Arc<super::matrix::CorpusSpec>,
        now: i64,
    },
    /// Analyse the matrix's rules for every caller (worker thread).
    ComputeRegions(super::regions_job::RegionsJob),
    /// Ctrl-Z: the terminal back to the shell and the process stopped, as a shell's job; the
    /// view comes back, redrawn, when the shell continues it (`fg`).
    Suspend,
    /// Give the engine a key for `issuer`'s tokens (worker thread, answered by `Msg::KeyGiven`).
    GiveKey {
        issuer: Option<String>,
        text: String,
    },
    /// Watch a rule file added in the view.
    WatchRuleFile(PathBuf),
    /// Complete the file name typed in the rule file input (answered by `Msg::PathCompleted`).
    CompletePath(String),
    /// Read one corpus entry back (worker thread).
    ReadSample {
        corpus: String,
        location: crate::preview::corpus::Location,
        rule: crate::trust::RuleId,
    },
}

pub fn batch(cmds: Vec<Cmd>) -> Option<Cmd> {
    match cmds.len() {
        0 => None,
        1 => cmds.into_iter().next(),
        _ => Some(Cmd::Batch(cmds)),
    }
}

pub fn update(model: &mut Model, msg: Msg) -> Option<Cmd> {
    match msg {
        Msg::Key(event) if event.kind != KeyEventKind::Release => on_key(model, event),
        Msg::Key(_) => None,
        Msg::Paste(text) => on_paste(model, text),
        Msg::Mouse(event) => on_mouse(model, event),
        Msg::Resize(w, h) => {
            model.size = (w, h);
            if !model.panes().contains(&model.focus) {
                model.focus = Pane::Claims;
            }
            None
        }
        Msg::Tick(now) => on_tick(model, now),
        Msg::Verified {
            entry_id,
            generation,
            report,
        } => {
            if let Some(entry) = model
                .tokens
                .iter_mut()
                .find(|e| e.id == entry_id && e.generation == generation)
            {
                entry.signature = Signature::Done(report);
            }
            // The signature takes part in every verdict (a failed one refuses them all).
            let mut tokens = std::mem::take(&mut model.tokens);
            if let Some(entry) = tokens.iter_mut().find(|e| e.id == entry_id) {
                evaluate_entry(model, entry);
            }
            model.tokens = tokens;
            None
        }
        Msg::RulesLoaded { path, result } => {
            on_rules_loaded(model, path, result);
            None
        }
        Msg::RuleFileUnreadable { path, error } => {
            if let Some(file) = model.rule_files.iter_mut().find(|f| f.path == path) {
                file.state = RuleFileState::Unreadable(error);
            }
            reevaluate(model);
            None
        }
        Msg::ProvidersChanged(path) => {
            // Sent after the file's own load: a loaded file without rules of its own is the
            // provider document (one that went away, or turned into a policy, has rules or an
            // error instead).
            if let Some(file) = model.rule_files.iter_mut().find(|f| f.path == path) {
                file.joins_policies =
                    file.rules.is_empty() && matches!(file.state, RuleFileState::Loaded);
            }
            let others: Vec<PathBuf> = model
                .rule_files
                .iter()
                .filter(|file| file.path != path && !file.rules.is_empty())
                .map(|file| file.path.clone())
                .collect();
            for other in &others {
                if !model.rejoining.contains(other) {
                    model.rejoining.push(other.clone());
                }
            }
            (!others.is_empty()).then_some(Cmd::LoadRules(others))
        }
        Msg::RuleFileChanged(path) => {
            let recompute = super::matrix::on_rule_file_changed(model, &path);
            let regions = super::regions::on_rule_file_changed(model, &path);
            let reload = model
                .rule_files
                .iter()
                .any(|f| f.path == path)
                .then(|| Cmd::LoadRules(vec![path]));
            batch(reload.into_iter().chain(recompute).chain(regions).collect())
        }
        Msg::ClipboardText(Ok(text)) => add_from_text(model, &text, "clipboard"),
        Msg::ClipboardText(Err(error)) => {
            notice(model, NoticeKind::Error, format!("paste: {error}"));
            None
        }
        Msg::Copied { what, result } => {
            match result {
                Ok(via) => {
                    notice(model, NoticeKind::Info, format!("copied {what} via {via}"));
                    model.clear_clipboard_at = model
                        .clear_clipboard_after
                        .map(|secs| model.now + secs as i64);
                }
                Err(error) => notice(model, NoticeKind::Error, format!("not copied: {error}")),
            }
            None
        }
        Msg::ClaimsEdited(Ok(text)) => match parse_claims(&text) {
            Ok(claims) => add_what_if(model, claims, "edited in $EDITOR"),
            Err(error) => {
                notice(
                    model,
                    NoticeKind::Error,
                    format!("what-if not applied: {error}"),
                );
                None
            }
        },
        Msg::ClaimsEdited(Err(error)) | Msg::EditorClosed(Err(error)) => {
            notice(model, NoticeKind::Error, error);
            None
        }
        Msg::EditorClosed(Ok(())) => None,
        Msg::Terminate => {
            model.quit = true;
            Some(Cmd::Quit)
        }
        Msg::SourcesDetected(detected) => {
            fetch_menu::on_detected(model, detected);
            None
        }
        Msg::Fetched { generation, result } => fetch_menu::on_fetched(model, generation, result),
        Msg::MatrixProgress { generation, read } => {
            super::matrix::on_progress(model, generation, read);
            None
        }
        Msg::MatrixComputed { generation, result } => {
            super::matrix::on_computed(model, generation, result);
            None
        }
        Msg::RegionsComputed { generation, result } => {
            super::regions::on_computed(model, generation, result);
            None
        }
        Msg::SampleRead {
            location,
            rule,
            result,
        } => super::matrix::on_sample_read(model, location, rule, result),
        Msg::KeyGiven { issuer, result } => inputs::on_key_given(model, issuer, result),
        Msg::PathCompleted(completion) => {
            inputs::on_completed(model, completion);
            None
        }
    }
}

pub(super) fn notice(model: &mut Model, kind: NoticeKind, text: impl Into<String>) {
    model.notice = Some(Notice {
        text: text.into(),
        kind,
        until_frame: model.frame + NOTICE_FRAMES,
    });
}

fn on_tick(model: &mut Model, now: i64) -> Option<Cmd> {
    model.frame = model.frame.wrapping_add(1);
    if model
        .notice
        .as_ref()
        .is_some_and(|n| model.frame >= n.until_frame)
    {
        model.notice = None;
    }
    let second_changed = now != model.now;
    model.now = now;
    if second_changed {
        // Verdicts can depend on the clock (exp, nbf); relative times tick in `view`.
        reevaluate(model);
    }
    match model.clear_clipboard_at {
        Some(at) if now >= at => {
            model.clear_clipboard_at = None;
            Some(Cmd::ClearClipboard)
        }
        _ => None,
    }
}

fn on_key(model: &mut Model, event: KeyEvent) -> Option<Cmd> {
    let key = Key::from_event(&event);
    // Ctrl-C quits from anywhere, even from a text input.
    if key == Key::ctrl('c') {
        model.quit = true;
        return Some(Cmd::Quit);
    }
    // F1 (or the help key when no text is being typed) shows the help above anything.
    if key == Key::plain(KeyCode::F(1)) && !model.help_open {
        model.help_open = true;
        model.help_scroll = 0;
        return None;
    }
    if model.fetch.menu.is_some() && !model.help_open {
        return fetch_menu::on_key(model, event);
    }
    if super::matrix::is_open(model) && !model.help_open {
        if let Some(cmd) = super::regions::on_key(model, key) {
            return cmd;
        }
        return super::matrix::on_key(model, key);
    }
    if model.input.is_some() && !model.help_open {
        return on_input_key(model, event);
    }
    let contexts: &[Context] = if model.help_open {
        &[Context::Help, Context::Global]
    } else {
        match model.focus {
            Pane::Claims => &[Context::Claims, Context::Global],
            Pane::Rules => &[Context::Rules, Context::Global],
            Pane::Why => &[Context::Why, Context::Global],
            Pane::Token => &[Context::Global],
        }
    };
    let action = model.keymap.lookup(contexts, key)?;
    if model.help_open {
        return on_help_action(model, action);
    }
    perform(model, action)
}

fn on_help_action(model: &mut Model, action: Action) -> Option<Cmd> {
    let max = super::view::help::max_scroll(model);
    let page = super::view::help::page(model);
    let by = |delta: isize| scrolled(model.help_scroll, delta, max);
    model.help_scroll = match action {
        Action::Down => by(1),
        Action::Up => by(-1),
        Action::PageDown => by(page),
        Action::PageUp => by(-page),
        Action::Top => 0,
        Action::Bottom => max,
        Action::Quit => {
            model.quit = true;
            return Some(Cmd::Quit);
        }
        _ => {
            model.help_open = false;
            model.help_scroll
        }
    };
    None
}

/// `scroll` moved by `delta` lines, kept within `0..=max` so that a move back is seen at once.
fn scrolled(scroll: u16, delta: isize, max: u16) -> u16 {
    let moved = (scroll as isize)
        .saturating_add(delta)
        .clamp(0, max as isize);
    u16::try_from(moved).unwrap_or(max)
}

/// Runs one keymap action.
pub fn perform(model: &mut Model, action: Action) -> Option<Cmd> {
    match action {
        Action::Quit => {
            model.quit = true;
            return Some(Cmd::Quit);
        }
        Action::Help => {
            model.help_open = !model.help_open;
            model.help_scroll = 0;
        }
        Action::Suspend => return Some(Cmd::Suspend),
        // A fetch under way is the most recent thing started: Esc stops it first.
        Action::Close if model.fetch.running.is_some() => {
            fetch_menu::cancel_running(model);
        }
        Action::Close => return close(model),
        Action::FetchToken => return fetch_menu::open(model),
        Action::Refetch => return fetch_menu::refetch(model),
        Action::Down => move_cursor(model, 1),
        Action::Up => move_cursor(model, -1),
        Action::Top => move_cursor(model, isize::MIN),
        Action::Bottom => move_cursor(model, isize::MAX),
        Action::PageDown => move_cursor(model, super::view::page(model)),
        Action::PageUp => move_cursor(model, -super::view::page(model)),
        Action::NextPane => cycle_pane(model, 1),
        Action::PrevPane => cycle_pane(model, -1),
        Action::NextToken => select_token(model, model.selected.saturating_add(1)),
        Action::PrevToken => select_token(model, model.selected.saturating_sub(1)),
        Action::RemoveToken => remove_token(model),
        Action::AddToken => model.input = Some(Input::new(InputPurpose::Token, "")),
        Action::AddRuleFile => inputs::open_rule_file_input(model),
        Action::GiveKey => inputs::open_key_input(model),
        Action::PasteClipboard => {
            // An older notice ("copied …") would read as the answer to this key.
            model.notice = None;
            return Some(Cmd::ReadClipboard);
        }
        Action::CopyToken => return copy_token(model),
        Action::CopyClaims => return copy_claims(model),
        Action::CopyValue => {
            let text = model
                .selected_claim()
                .map(|(_, v)| super::model::value_text(v));
            return match text {
                Some(text) => Some(Cmd::Copy {
                    text,
                    what: "the claim value",
                }),
                None => {
                    notice(model, NoticeKind::Error, "no claim selected");
                    None
                }
            };
        }
        Action::Reverify => return reverify(model),
        Action::ReloadRules => {
            let paths: Vec<PathBuf> = model.rule_files.iter().map(|f| f.path.clone()).collect();
            if paths.is_empty() {
                notice(
                    model,
                    NoticeKind::Error,
                    "no rule files: add one with A, or start with --rules FILE",
                );
                return None;
            }
            return Some(Cmd::LoadRules(paths));
        }
        Action::Filter => {
            model.focus = Pane::Claims;
            model.input = Some(Input::new(InputPurpose::Filter, model.filter.clone()));
        }
        Action::ToggleTime => {
            model.date_style = model.date_style.next();
            notice(
                model,
                NoticeKind::Info,
                format!("times shown as {:?}", model.date_style).to_lowercase(),
            );
        }
        Action::EditClaim => match model.selected_claim() {
            Some((name, value)) => {
                let text = serde_json::to_string(value).unwrap_or_default();
                let purpose = InputPurpose::EditClaim { name: name.clone() };
                model.input = Some(Input::new(purpose, text));
            }
            None => notice(model, NoticeKind::Error, "no claim selected to edit"),
        },
        Action::EditClaimsExternal => match model.current().and_then(Entry::claims) {
            Some(claims) => {
                let json = serde_json::to_string_pretty(claims).unwrap_or_default();
                return Some(Cmd::EditClaimsExternally(json));
            }
            None => notice(model, NoticeKind::Error, "no readable claims to edit"),
        },
        Action::OpenWhy => {
            if model.selected_verdict().is_some() {
                model.why_open = true;
                model.why_scroll = 0;
                model.why_passed_open = false;
                model.focus = Pane::Why;
            } else {
                notice(model, NoticeKind::Error, "no rule verdict selected");
            }
        }
        Action::TogglePassed => {
            model.why_passed_open = !model.why_passed_open;
            let max = super::view::why::max_scroll(model);
            model.why_scroll = model.why_scroll.min(max);
        }
        Action::OpenMatrix => {
            let matrix = super::matrix::open(model);
            let regions = super::matrix::is_open(model)
                .then(|| super::regions::ensure(model))
                .flatten();
            return batch(matrix.into_iter().chain(regions).collect());
        }
        // The Regions list's own key (`regions::on_key`); nothing to open elsewhere.
        Action::OpenWitness => {}
        Action::ToggleExplain => super::explain::toggle(model),
        Action::ExplainVerdict => super::explain::go_to_verdict(model),
        Action::ExplainScrollDown => super::explain::scroll(model, 3),
        Action::ExplainScrollUp => super::explain::scroll(model, -3),
        Action::OpenRuleFile => {
            let path = model
                .selected_verdict()
                .and_then(|(file, _)| model.rule_files.get(*file))
                .or_else(|| model.rule_files.first())
                .map(|f| f.path.clone());
            match path {
                Some(path) => return Some(Cmd::OpenInEditor(path)),
                None => notice(model, NoticeKind::Error, "no rule file to open"),
            }
        }
    }
    None
}

fn close(model: &mut Model) -> Option<Cmd> {
    if model.help_open {
        model.help_open = false;
    } else if model.why_open {
        model.why_open = false;
        if model.focus == Pane::Why {
            model.focus = Pane::Rules;
        }
    } else if let Some(state) = model.explain.as_mut().filter(|s| s.open) {
        state.open = false;
    } else if !model.filter.is_empty() {
        model.filter.clear();
        model.claim_cursor = 0;
    } else if let Some(entry) = model.tokens.get_mut(model.selected)
        && entry.signature == Signature::Checking
    {
        // Cancelling: the result, if it ever comes, carries an old generation and is dropped.
        entry.generation += 1;
        entry.signature = Signature::Done(SignatureReport::not_checked("you cancelled the check"));
    }
    None
}

fn move_cursor(model: &mut Model, delta: isize) {
    let step = |cursor: usize, len: usize| -> usize {
        if len == 0 {
            return 0;
        }
        match delta {
            isize::MIN => 0,
            isize::MAX => len - 1,
            d => cursor.saturating_add_signed(d).min(len - 1),
        }
    };
    match model.focus {
        Pane::Claims => {
            let len = model.visible_claims().len();
            model.claim_cursor = step(model.claim_cursor, len);
        }
        Pane::Rules => {
            let len = model.current().map_or(0, |e| e.verdicts.len());
            model.rule_cursor = step(model.rule_cursor, len);
            model.why_scroll = 0;
        }
        Pane::Why => {
            let max = super::view::why::max_scroll(model);
            model.why_scroll = scrolled(model.why_scroll, delta, max);
        }
        Pane::Token => {}
    }
}

fn cycle_pane(model: &mut Model, delta: isize) {
    let panes = model.panes();
    let at = panes.iter().position(|&p| p == model.focus).unwrap_or(0);
    let next = (at as isize + delta).rem_euclid(panes.len() as isize) as usize;
    model.focus = panes[next];
}

fn select_token(model: &mut Model, index: usize) {
    if model.tokens.is_empty() {
        return;
    }
    let index = index.min(model.tokens.len() - 1);
    if index != model.selected {
        model.selected = index;
        model.claim_cursor = 0;
        model.rule_cursor = 0;
        model.why_scroll = 0;
    }
}

fn remove_token(model: &mut Model) {
    if model.tokens.is_empty() {
        return;
    }
    model.tokens.remove(model.selected);
    model.selected = model.selected.min(model.tokens.len().saturating_sub(1));
    model.claim_cursor = 0;
    model.rule_cursor = 0;
    if model.tokens.is_empty() {
        model.why_open = false;
        model.input = Some(Input::new(InputPurpose::Token, ""));
    }
    notice(model, NoticeKind::Info, "token removed");
}

fn copy_token(model: &mut Model) -> Option<Cmd> {
    let entry = model.current()?;
    if entry.simulated.is_some() {
        notice(
            model,
            NoticeKind::Error,
            "a what-if token is unsigned and exists only here; copy its claims with c",
        );
        return None;
    }
    Some(Cmd::Copy {
        text: entry.token.compact().to_owned(),
        what: "the raw token",
    })
}

fn copy_claims(model: &mut Model) -> Option<Cmd> {
    match model.current().and_then(Entry::claims) {
        Some(claims) => Some(Cmd::Copy {
            text: serde_json::to_string_pretty(claims).unwrap_or_default(),
            what: "the claims JSON",
        }),
        None => {
            notice(model, NoticeKind::Error, "no readable claims to copy");
            None
        }
    }
}

fn reverify(model: &mut Model) -> Option<Cmd> {
    let entry = model.tokens.get_mut(model.selected)?;
    if entry.simulated.is_some() {
        return None;
    }
    entry.generation += 1;
    entry.signature = Signature::Checking;
    Some(Cmd::Verify {
        entry_id: entry.id,
        generation: entry.generation,
        token: Box::new(entry.token.clone()),
    })
}

fn on_input_key(model: &mut Model, event: KeyEvent) -> Option<Cmd> {
    let input = model.input.as_mut()?;
    let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
    match event.code {
        KeyCode::Esc => {
            let purpose = input.purpose.clone();
            // The paste prompt is the whole screen when there is no token; it stays.
            if !(purpose == InputPurpose::Token && model.tokens.is_empty()) {
                model.input = None;
            } else {
                input.field = TextField::default();
            }
            if purpose == InputPurpose::Filter {
                model.filter.clear();
                model.claim_cursor = 0;
            }
            None
        }
        KeyCode::Enter => submit_input(model, "typed"),
        KeyCode::Char('v') if ctrl => Some(Cmd::ReadClipboard),
        KeyCode::Tab if input.purpose == InputPurpose::RuleFile => {
            Some(Cmd::CompletePath(input.field.text.clone()))
        }
        // The fetch key works from the paste prompt too when it is a Ctrl key (the prompt is
        // the whole screen until there is a token).
        KeyCode::Char(_)
            if ctrl
                && input.purpose == InputPurpose::Token
                && model
                    .keymap
                    .lookup(&[Context::Global], Key::from_event(&event))
                    == Some(Action::FetchToken) =>
        {
            fetch_menu::open(model)
        }
        _ => {
            if input.field.edit(&event) {
                sync_filter(model);
            }
            None
        }
    }
}

fn sync_filter(model: &mut Model) {
    if let Some(Input {
        purpose: InputPurpose::Filter,
        field,
    }) = &model.input
    {
        model.filter = field.text.clone();
        model.claim_cursor = 0;
    }
}

fn submit_input(model: &mut Model, source: &str) -> Option<Cmd> {
    let input = model.input.take()?;
    match input.purpose {
        InputPurpose::Filter => None,
        InputPurpose::Token => {
            // Kept open: a success closes it, a failure shows the decoder's message in it.
            let text = input.field.text.clone();
            model.input = Some(input);
            add_from_text(model, &text, source)
        }
        InputPurpose::EditClaim { name } => {
            let mut claims = model.current().and_then(Entry::claims).cloned()?;
            let text = input.field.text.trim();
            if text.is_empty() {
                claims.shift_remove(&name);
            } else {
                // JSON if it parses (numbers, booleans, arrays), otherwise the text as a string.
                let value = serde_json::from_str(text).unwrap_or_else(|_| Value::from(text));
                claims.insert(name.clone(), value);
            }
            add_what_if(model, claims, &format!("{name} edited"))
        }
        InputPurpose::RuleFile => inputs::submit_rule_file(model, input),
        InputPurpose::Key { ref issuer } => {
            let issuer = issuer.clone();
            inputs::submit_key(model, input, issuer)
        }
    }
}

fn on_paste(model: &mut Model, text: String) -> Option<Cmd> {
    if fetch_menu::on_paste(model, &text) {
        return None;
    }
    // A focused input takes the paste as one edit (a token pasted into the filter filters).
    if let Some(input) = model.input.as_mut() {
        input.field.paste(&text);
        if input.purpose == InputPurpose::Token {
            return submit_input(model, "paste");
        }
        sync_filter(model);
        return None;
    }
    add_from_text(model, &text, "paste")
}

/// A click focuses the pane under the pointer; the wheel scrolls the pane under the pointer
/// and leaves the focus where it was (as in jwt-ui and most terminal UIs). Elsewhere (the
/// matrix, overlays) the wheel moves what has the focus.
fn on_mouse(model: &mut Model, event: MouseEvent) -> Option<Cmd> {
    if super::view::on_explain_panel(model, event.column, event.row) {
        match event.kind {
            MouseEventKind::ScrollDown => super::explain::scroll(model, 1),
            MouseEventKind::ScrollUp => super::explain::scroll(model, -1),
            _ => {}
        }
        return None;
    }
    let under = super::view::pane_at(model, event.column, event.row);
    let wheel = match event.kind {
        MouseEventKind::ScrollDown => Action::Down,
        MouseEventKind::ScrollUp => Action::Up,
        MouseEventKind::Down(MouseButton::Left) => {
            if let Some(pane) = under.filter(|p| model.panes().contains(p)) {
                model.focus = pane;
            }
            return None;
        }
        _ => return None,
    };
    match under {
        Some(pane) if pane != model.focus => {
            let focus = std::mem::replace(&mut model.focus, pane);
            let cmd = perform(model, wheel);
            model.focus = focus;
            cmd
        }
        _ => perform(model, wheel),
    }
}

/// Decodes a token from user text and adds it, or reports why it is not one: in the paste
/// prompt when that is open, on the status line otherwise.
fn add_from_text(model: &mut Model, text: &str, source: &str) -> Option<Cmd> {
    // An error message (or a CI log with one) opens the Explain panel with its tokens.
    if let Some(cmd) = super::explain::on_text(model, text, source) {
        return cmd;
    }
    match decode(text, &Limits::default()) {
        Ok(token) => {
            model.input = None;
            let cmd = add_token(model, token, source.to_owned());
            model.selected = model.tokens.len() - 1;
            model.claim_cursor = 0;
            model.rule_cursor = 0;
            cmd
        }
        // A decoded dump (gitpod --decode, jwt-cli, step, jwt.io's panes, a claims object) is
        // a SIMULATED entry, as `check` takes it.
        Err(error) => {
            if let Some(dump) = crate::token::dump::recognise(text) {
                return add_dump(model, dump, source);
            }
            let message = format!("not a token: {error}");
            match model.input.as_mut() {
                Some(input) if input.purpose == InputPurpose::Token => {
                    input.field.refuse(message);
                }
                _ if model.tokens.is_empty() => {
                    let mut input = Input::new(InputPurpose::Token, "");
                    input.field.refuse(message);
                    model.input = Some(input);
                }
                _ => notice(model, NoticeKind::Error, message),
            }
            None
        }
    }
}

/// At most this many tokens are kept: each costs up to a few hundred KB with its verdicts, and a
/// pasted log or a script feeding the clipboard must not grow the view without bound.
pub const MAX_TOKENS: usize = 200;

/// A stand-in token for claims that came without one (a corpus line of claims, a region's
/// witness): an empty header, which the evaluation takes as "no header" (as for a decoded dump
/// without one), so that no made-up `alg` is judged by the rules that read the header (Vault's
/// `jwt_supported_algs`); the matrix and the analysis evaluate the claims alone too.
pub(super) fn claims_stand_in(claims: &Claims) -> Result<Token, crate::token::DecodeError> {
    use base64::Engine as _;
    let encode = |value: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
    };
    let compact = format!(
        "{}.{}.",
        encode(serde_json::Value::Object(Claims::new())),
        encode(serde_json::Value::Object(claims.clone()))
    );
    crate::token::parse_compact(
        &compact,
        crate::token::FoundVia::Bare,
        &crate::token::Limits::default(),
    )
}

/// Makes room for one more token by closing the oldest one, and says so.
pub(super) fn make_room(model: &mut Model) {
    if model.tokens.len() < MAX_TOKENS {
        return;
    }
    model.tokens.remove(0);
    model.selected = model.selected.saturating_sub(1);
    notice(
        model,
        NoticeKind::Info,
        format!("at most {MAX_TOKENS} tokens are kept: the oldest was closed"),
    );
}

/// Adds a decoded token and asks the worker to verify it.
pub fn add_token(model: &mut Model, token: Token, source: String) -> Option<Cmd> {
    make_room(model);
    let id = model.next_id;
    model.next_id += 1;
    let mut entry = Entry {
        id,
        token: token.clone(),
        source,
        simulated: None,
        witness_of: None,
        signature: Signature::Checking,
        generation: 1,
        verdicts: Vec::new(),
        decision: None,
    };
    evaluate_entry(model, &mut entry);
    model.tokens.push(entry);
    Some(Cmd::Verify {
        entry_id: id,
        generation: 1,
        token: Box::new(token),
    })
}

/// What the source of an entry made from a decoded dump ends with; the token pane says so.
pub const DUMP_SOURCE: &str = "(decoded dump, not a token)";

/// A decoded dump pasted instead of a token: its claims, SIMULATED, under a stand-in token that
/// carries the dump's header (empty when the dump has none, so rules that read the header skip
/// that step, as `check` does for bare claims).
fn add_dump(model: &mut Model, dump: crate::token::dump::Dump, source: &str) -> Option<Cmd> {
    use base64::Engine;
    let encode = |value: &Claims| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(Value::Object(value.clone()).to_string())
    };
    let header = dump.header.clone().unwrap_or_default();
    let compact = format!("{}.{}.", encode(&header), encode(&dump.claims));
    let token = match crate::token::parse_compact(
        &compact,
        crate::token::FoundVia::Bare,
        &Limits::default(),
    ) {
        Ok(token) => token,
        Err(error) => {
            notice(
                model,
                NoticeKind::Error,
                format!("not a token, nor a readable dump: {error}"),
            );
            return None;
        }
    };
    make_room(model);
    let id = model.next_id;
    model.next_id += 1;
    let mut entry = Entry {
        id,
        token,
        source: format!("{source}: {} {DUMP_SOURCE}", dump.shape.description()),
        simulated: Some(dump.claims),
        witness_of: None,
        signature: Signature::Done(SignatureReport::not_checked(
            "SIMULATED: claims from a decoded dump, not a token; nothing shows a signature covered them",
        )),
        generation: 0,
        verdicts: Vec::new(),
        decision: None,
    };
    evaluate_entry(model, &mut entry);
    model.tokens.push(entry);
    model.input = None;
    model.selected = model.tokens.len() - 1;
    model.claim_cursor = 0;
    model.rule_cursor = 0;
    notice(
        model,
        NoticeKind::Info,
        format!("{} added as a SIMULATED what-if", dump.shape.description()),
    );
    None
}

fn add_what_if(model: &mut Model, claims: Claims, change: &str) -> Option<Cmd> {
    let base_token = model.current()?.token.clone();
    if model.tokens.len() >= MAX_TOKENS {
        notice(
            model,
            NoticeKind::Error,
            format!("at most {MAX_TOKENS} tokens are kept: remove one (x) before adding a what-if"),
        );
        return None;
    }
    let id = model.next_id;
    model.next_id += 1;
    let mut entry = Entry {
        id,
        token: base_token,
        source: format!("what-if: {change}"),
        simulated: Some(claims),
        witness_of: None,
        signature: Signature::Done(SignatureReport::not_checked(
            "SIMULATED: the claims were edited, so no signature covers them",
        )),
        generation: 0,
        verdicts: Vec::new(),
        decision: None,
    };
    evaluate_entry(model, &mut entry);
    let at = model.selected + 1;
    model.tokens.insert(at, entry);
    model.selected = at;
    model.rule_cursor = model.rule_cursor.min(
        model
            .current()
            .map_or(0, |e| e.verdicts.len().saturating_sub(1)),
    );
    notice(model, NoticeKind::Info, "what-if added: rules re-evaluated");
    None
}

fn parse_claims(text: &str) -> Result<Claims, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(claims)) => Ok(claims),
        Ok(_) => Err("the claims must be a JSON object".to_owned()),
        Err(error) => Err(format!("not JSON: {error}")),
    }
}

fn on_rules_loaded(model: &mut Model, path: PathBuf, result: Result<Rules, LoadFailure>) {
    let rejoined = model.rejoining.iter().position(|p| *p == path);
    let rejoined = rejoined.map(|at| model.rejoining.swap_remove(at)).is_some();
    let Some(file) = model.rule_files.iter_mut().find(|f| f.path == path) else {
        return;
    };
    let was_loaded = !rejoined
        && matches!(
            file.state,
            RuleFileState::Loaded | RuleFileState::Invalid(_)
        );
    let name = path.display().to_string();
    let message = match result {
        Ok(rules) => {
            file.rules = rules;
            file.state = RuleFileState::Loaded;
            was_loaded.then(|| (NoticeKind::Info, format!("reloaded {name}")))
        }
        Err(LoadFailure::Invalid(error)) => {
            file.state = RuleFileState::Invalid(error);
            Some((
                NoticeKind::Error,
                format!("{name} has an error; see the rules pane"),
            ))
        }
    };
    if let Some((kind, text)) = message {
        notice(model, kind, text);
    }
    reevaluate(model);
}

/// Registers rule files to load (at start-up). Returns the command that loads them.
pub fn add_rule_files(model: &mut Model, mut paths: Vec<PathBuf>) -> Option<Cmd> {
    // Each file once: results are matched to files by path.
    let mut seen: Vec<PathBuf> = model.rule_files.iter().map(|f| f.path.clone()).collect();
    paths.retain(|path| {
        let new = !seen.contains(path);
        seen.push(path.clone());
        new
    });
    for path in &paths {
        model.rule_files.push(RuleFile {
            path: path.clone(),
            rules: Vec::new(),
            state: RuleFileState::Loading,
            joins_policies: false,
        });
    }
    (!paths.is_empty()).then_some(Cmd::LoadRules(paths))
}

/// Decides for `entry` the way `check` does (`app::decide`); what is the view's own is that the
/// verdicts show before the signature is known, and that a what-if's claims replace the token's.
fn evaluate_entry(model: &Model, entry: &mut Entry) {
    let claims = entry.claims();
    if claims.is_none() && entry.token.other_payload().is_none() {
        // Encrypted: nothing can be evaluated, and the panes say why (`check` refuses it too).
        entry.verdicts = Vec::new();
        entry.decision = None;
        return;
    }
    let (files, rules): (Vec<usize>, Vec<&dyn Rule>) = model
        .rule_files
        .iter()
        .enumerate()
        .flat_map(|(index, file)| file.rules.iter().map(move |rule| (index, rule.as_ref())))
        .unzip();
    let payload = entry
        .token
        .other_payload()
        .map(|payload| PayloadView::of(&payload.bytes));
    let header = entry.token.header();
    let read = decide::Read {
        claims,
        // Only a dump without a header has an empty one (a JWS header always names its alg),
        // and a dump without a header is read as bare claims, as `check` reads it.
        header: (!header.is_empty()).then_some(header),
        payload: payload.as_ref(),
    };
    let mut verdicts = decide::verdicts(rules.iter().copied(), read, model.now);
    let signature = match (&entry.simulated, &entry.signature) {
        (Some(_), Signature::Done(report)) => Some((report, SignatureRole::NotRequired)),
        (None, Signature::Done(report)) if model.signature_required => {
            Some((report, SignatureRole::Required))
        }
        (None, Signature::Done(report)) => Some((report, SignatureRole::NotRequired)),
        // Until the worker answers, the rules' verdicts are shown as they are, with no decision.
        (_, Signature::Checking) => None,
    };
    entry.decision = match signature {
        Some((report, role)) if !verdicts.is_empty() => {
            let time = token_time(claims, model.now, model.leeway);
            Some(decide::decision(
                rules.iter().copied(),
                report,
                role,
                &time,
                &mut verdicts,
            ))
        }
        _ => None,
    };
    entry.verdicts = files.into_iter().zip(verdicts).collect();
}

/// Re-evaluates every token against every loaded rule (rules changed, or the clock moved).
pub fn reevaluate(model: &mut Model) {
    let mut tokens = std::mem::take(&mut model.tokens);
    for entry in &mut tokens {
        evaluate_entry(model, entry);
    }
    model.tokens = tokens;
    let len = model.current().map_or(0, |e| e.verdicts.len());
    model.rule_cursor = model.rule_cursor.min(len.saturating_sub(1));
    if len == 0 && model.why_open {
        model.why_open = false;
        if model.focus == Pane::Why {
            model.focus = Pane::Rules;
        }
    }
}
