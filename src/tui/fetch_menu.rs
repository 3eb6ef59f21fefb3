//! The fetch menu: `f` lists the token sources (those this environment offers first, then every
//! other preset), asks for what a source needs (a command, a path, an audience), and has the
//! worker fetch; the token joins the list. `F` fetches the current token again from where it
//! came from (tokens live minutes). Esc cancels a fetch under way.
//!
//! State lives in [`FetchState`] (`Model::fetch`); the functions here are `update`'s for the
//! menu and return the [`Cmd`]s the runtime carries out. Nothing here does I/O.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent};
use serde_json::Value;

use super::model::{Model, NoticeKind, Signature};
use super::text_field::TextField;
use super::update::{Cmd, NOTICE_FRAMES, add_token, reevaluate};
use crate::source::{AudienceUse, Available, Cancel, Fetched, PRESETS, SourceError, SourceSpec};
use crate::token::sanitize::escape_controls;

/// Offered when a source needs an audience and nothing better is known: the audience AWS STS
/// expects, the most common reason to fetch a token at all.
pub const FALLBACK_AUDIENCE: &str = "sts.amazonaws.com";

/// Where a token in the list was fetched from, to fetch it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedFrom {
    pub spec: SourceSpec,
    pub audience: Option<String>,
}

/// What the runtime hands the worker.
#[derive(Debug, Clone)]
pub struct FetchRequest {
    pub generation: u64,
    pub spec: SourceSpec,
    pub audience: Option<String>,
    pub cancel: Cancel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Add the token to the list.
    New,
    /// Replace this entry's token (a refetch).
    Replace(u64),
}

/// The fetch under way.
#[derive(Debug, Clone)]
pub struct Running {
    pub generation: u64,
    /// The source as the status line names it.
    pub label: String,
    pub audience: Option<String>,
    pub origin: FetchedFrom,
    pub target: Target,
    pub cancel: Cancel,
}

/// What choosing a menu item does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    Ready(SourceSpec),
    /// The source needs a parameter typed after its prefix (`exec:` and a command).
    Needs {
        prefix: &'static str,
        prompt: &'static str,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuItem {
    pub choice: Choice,
    pub label: String,
    /// Why it is offered (detected) or what it is (the rest). Escaped for display.
    pub detail: String,
    pub detected: bool,
    pub audience: AudienceUse,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    Choose,
    /// Typing the parameter of `items[item]`.
    Parameter {
        item: usize,
        field: TextField,
    },
    Audience {
        spec: SourceSpec,
        field: TextField,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchMenu {
    pub items: Vec<MenuItem>,
    /// The environment is still being looked at; `items` holds the presets only.
    pub detecting: bool,
    pub cursor: usize,
    pub stage: Stage,
}

#[derive(Debug, Default)]
pub struct FetchState {
    pub menu: Option<FetchMenu>,
    /// The audience last typed for each source (by its `--from` spelling), this session only.
    pub audiences: BTreeMap<String, String>,
    /// The audience typed last, for any source.
    pub last_audience: Option<String>,
    /// Where each fetched token came from, by entry id.
    pub origins: BTreeMap<u64, FetchedFrom>,
    pub running: Option<Running>,
    /// Bumped on every fetch; a result carrying an older number is dropped.
    pub generation: u64,
    /// The last failure in full (with the source's standard error), shown in the menu.
    pub last_error: Option<String>,
}

/// The `f` key: opens the menu at once on the presets and asks for the detected sources.
pub fn open(model: &mut Model) -> Option<Cmd> {
    model.fetch.menu = Some(FetchMenu {
        items: menu_items(&[]),
        detecting: true,
        cursor: 0,
        stage: Stage::Choose,
    });
    Some(Cmd::DetectSources)
}

/// The detected sources arrived: they go first.
pub fn on_detected(model: &mut Model, detected: Vec<Available>) {
    if let Some(menu) = model.fetch.menu.as_mut()
        && menu.detecting
    {
        menu.items = menu_items(&detected);
        menu.detecting = false;
        menu.cursor = 0;
    }
}

/// Detected sources first (with what was seen), then every other preset except `auto`.
pub fn menu_items(detected: &[Available]) -> Vec<MenuItem> {
    let mut items: Vec<MenuItem> = detected
        .iter()
        .map(|available| MenuItem {
            choice: Choice::Ready(available.spec.clone()),
            label: escape_controls(&available.spec.to_string()).into_owned(),
            detail: available.evidence.clone(),
            detected: true,
            audience: available.audience,
        })
        .collect();
    for preset in PRESETS {
        let name = preset
            .usage
            .split(['[', ':'])
            .next()
            .unwrap_or(preset.usage);
        if name == "auto" || detected.iter().any(|a| a.spec.name() == name) {
            continue;
        }
        let choice = match name {
            "env" => Choice::Needs {
                prefix: "env",
                prompt: "The name of the environment variable that holds the token.",
            },
            "file" => Choice::Needs {
                prefix: "file",
                prompt: "The path of the file that holds the token.",
            },
            "exec" => Choice::Needs {
                prefix: "exec",
                prompt: "The command to run, without a shell (quotes work; no $VAR, pipes or globs). The token is picked out of its output.",
            },
            "sh" => Choice::Needs {
                prefix: "sh",
                prompt: "The command to run with sh -c (pipes and variables work). The token is picked out of its output.",
            },
            _ => match name.parse::<SourceSpec>() {
                Ok(spec) => Choice::Ready(spec),
                Err(_) => continue,
            },
        };
        items.push(MenuItem {
            choice,
            label: preset.usage.to_owned(),
            detail: preset.summary.to_owned(),
            detected: false,
            audience: preset.audience,
        });
    }
    items
}

/// Keys while the menu is open (it takes them all, like a text input).
pub fn on_key(model: &mut Model, event: KeyEvent) -> Option<Cmd> {
    let menu = model.fetch.menu.as_mut()?;
    match &mut menu.stage {
        Stage::Choose => {
            let last = menu.items.len().saturating_sub(1);
            match event.code {
                KeyCode::Esc | KeyCode::Char('q') => model.fetch.menu = None,
                KeyCode::Down | KeyCode::Char('j') => menu.cursor = (menu.cursor + 1).min(last),
                KeyCode::Up | KeyCode::Char('k') => menu.cursor = menu.cursor.saturating_sub(1),
                KeyCode::Home | KeyCode::Char('g') => menu.cursor = 0,
                KeyCode::End | KeyCode::Char('G') => menu.cursor = last,
                KeyCode::Enter => return choose(model),
                _ => {}
            }
            None
        }
        Stage::Parameter { field, .. } | Stage::Audience { field, .. } => {
            match event.code {
                KeyCode::Esc => menu.stage = Stage::Choose,
                KeyCode::Enter => return submit(model),
                _ => {
                    field.edit(&event);
                }
            }
            None
        }
    }
}

/// A paste while a text stage is open goes into it. Returns false when the menu does not take
/// it.
pub fn on_paste(model: &mut Model, pasted: &str) -> bool {
    match model.fetch.menu.as_mut().map(|menu| &mut menu.stage) {
        Some(Stage::Parameter { field, .. } | Stage::Audience { field, .. }) => {
            field.paste(pasted);
            true
        }
        _ => false,
    }
}

fn choose(model: &mut Model) -> Option<Cmd> {
    let menu = model.fetch.menu.as_mut()?;
    let item = menu.items.get(menu.cursor)?;
    match item.choice.clone() {
        Choice::Ready(spec) => after_spec(model, spec),
        Choice::Needs { .. } => {
            menu.stage = Stage::Parameter {
                item: menu.cursor,
                field: TextField::default(),
            };
            None
        }
    }
}

fn submit(model: &mut Model) -> Option<Cmd> {
    let menu = model.fetch.menu.as_mut()?;
    match &mut menu.stage {
        Stage::Choose => None,
        Stage::Parameter { item, field } => {
            let Some(Choice::Needs { prefix, .. }) = menu.items.get(*item).map(|i| &i.choice)
            else {
                return None;
            };
            match format!("{prefix}:{}", field.text.trim()).parse::<SourceSpec>() {
                Ok(spec) => after_spec(model, spec),
                Err(message) => {
                    field.refuse(message);
                    None
                }
            }
        }
        Stage::Audience { spec, field } => {
            let audience = field.text.trim().to_owned();
            if audience.is_empty() && spec.audience_use() == AudienceUse::Required {
                field.refuse(format!(
                    "{} needs an audience: the `aud` the token is for",
                    spec.name()
                ));
                return None;
            }
            let spec = spec.clone();
            let audience = (!audience.is_empty()).then_some(audience);
            if let Some(audience) = &audience {
                model
                    .fetch
                    .audiences
                    .insert(spec.to_string(), audience.clone());
                model.fetch.last_audience = Some(audience.clone());
            }
            start(model, FetchedFrom { spec, audience }, Target::New)
        }
    }
}

/// A source is chosen: ask for its audience if it takes one, else fetch.
fn after_spec(model: &mut Model, spec: SourceSpec) -> Option<Cmd> {
    if spec == SourceSpec::Clipboard {
        // The runtime's clipboard service reads it, as the paste key does.
        model.fetch.menu = None;
        return Some(Cmd::ReadClipboard);
    }
    if spec.audience_use() == AudienceUse::Fixed {
        return start(
            model,
            FetchedFrom {
                spec,
                audience: None,
            },
            Target::New,
        );
    }
    let field = TextField::new(default_audience(model, &spec));
    if let Some(menu) = model.fetch.menu.as_mut() {
        menu.stage = Stage::Audience { spec, field };
    }
    None
}

/// The audience last used with this source; else the one last used at all; else the current
/// token's (likely the audience that was refused); else AWS's for a source that needs one.
pub fn default_audience(model: &Model, spec: &SourceSpec) -> String {
    if let Some(audience) = model.fetch.audiences.get(&spec.to_string()) {
        return audience.clone();
    }
    if let Some(audience) = &model.fetch.last_audience {
        return audience.clone();
    }
    let current = model
        .current()
        .and_then(|entry| entry.claims())
        .and_then(|claims| match claims.get("aud") {
            Some(Value::String(aud)) => Some(aud.clone()),
            Some(Value::Array(auds)) => auds.first().and_then(Value::as_str).map(str::to_owned),
            _ => None,
        });
    match (current, spec.audience_use()) {
        (Some(aud), _) => aud,
        (None, AudienceUse::Required) => FALLBACK_AUDIENCE.to_owned(),
        (None, _) => String::new(),
    }
}

fn start(model: &mut Model, origin: FetchedFrom, target: Target) -> Option<Cmd> {
    if let Some(previous) = model.fetch.running.take() {
        previous.cancel.cancel();
    }
    model.fetch.generation += 1;
    model.fetch.menu = None;
    let cancel = Cancel::default();
    model.fetch.running = Some(Running {
        generation: model.fetch.generation,
        label: escape_controls(&origin.spec.to_string()).into_owned(),
        audience: origin.audience.clone(),
        origin: origin.clone(),
        target,
        cancel: cancel.clone(),
    });
    Some(Cmd::Fetch(FetchRequest {
        generation: model.fetch.generation,
        spec: origin.spec,
        audience: origin.audience,
        cancel,
    }))
}

/// The refetch key: the current token's source again, replacing the token in place.
pub fn refetch(model: &mut Model) -> Option<Cmd> {
    let Some(entry) = model.current() else {
        notice(model, NoticeKind::Error, "no token: f fetches one");
        return None;
    };
    match model.fetch.origins.get(&entry.id).cloned() {
        Some(origin) => {
            let id = entry.id;
            start(model, origin, Target::Replace(id))
        }
        None => {
            notice(
                model,
                NoticeKind::Error,
                "this token was not fetched from a source, so it cannot be refetched; f fetches one",
            );
            None
        }
    }
}

/// Esc with a fetch under way stops it. Returns whether there was one.
pub fn cancel_running(model: &mut Model) -> bool {
    match model.fetch.running.take() {
        Some(running) => {
            running.cancel.cancel();
            notice(
                model,
                NoticeKind::Info,
                format!("fetch from {} cancelled", running.label),
            );
            true
        }
        None => false,
    }
}

/// The worker's answer. Stale answers (cancelled, or overtaken by a newer fetch) are dropped.
pub fn on_fetched(
    model: &mut Model,
    generation: u64,
    result: Result<Box<Fetched>, SourceError>,
) -> Option<Cmd> {
    let running = match model.fetch.running.take() {
        Some(running) if running.generation == generation => running,
        other => {
            model.fetch.running = other;
            return None;
        }
    };
    match result {
        Ok(fetched) => {
            model.fetch.last_error = None;
            let fetched = *fetched;
            let mut text = format!("fetched a token from {}", escape_controls(&fetched.origin));
            for note in &fetched.notes {
                text.push_str(" · ");
                text.push_str(note);
            }
            let cmd = match running.target {
                Target::Replace(id) if model.tokens.iter().any(|e| e.id == id) => {
                    text.insert_str(0, "re");
                    replace_token(model, id, fetched.token)
                }
                _ => {
                    let cmd = add_token(model, fetched.token, fetched.source);
                    model.input = None;
                    model.selected = model.tokens.len() - 1;
                    model.claim_cursor = 0;
                    model.rule_cursor = 0;
                    let id = model.tokens[model.selected].id;
                    model.fetch.origins.insert(id, running.origin);
                    cmd
                }
            };
            notice(model, NoticeKind::Info, text);
            cmd
        }
        Err(error) => {
            let mut full = format!("fetch from {} failed: {error}", running.label);
            // The status line is one line: the command's own words first, then ours; the menu
            // (f) shows both in full.
            let mut status = full.clone();
            if let Some(stderr) = error.stderr() {
                let lines: Vec<&str> = stderr
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect();
                status = format!(
                    "fetch from {} failed (f shows why in full); its stderr: {} · {error}",
                    running.label,
                    lines.join(" ⏎ ")
                );
                full.push_str("\nIts standard error:");
                for line in lines {
                    full.push_str("\n  | ");
                    full.push_str(line);
                }
            }
            model.fetch.last_error = Some(full);
            // Longer than other notices: there is a message and the command's own words to read.
            model.notice = Some(super::model::Notice {
                text: status,
                kind: NoticeKind::Error,
                until_frame: model.frame + 3 * NOTICE_FRAMES,
            });
            None
        }
    }
}

fn replace_token(model: &mut Model, id: u64, token: crate::token::Token) -> Option<Cmd> {
    let entry = model.tokens.iter_mut().find(|e| e.id == id)?;
    entry.token = token.clone();
    entry.simulated = None;
    entry.generation += 1;
    entry.signature = Signature::Checking;
    let generation = entry.generation;
    reevaluate(model);
    Some(Cmd::Verify {
        entry_id: id,
        generation,
        token: Box::new(token),
    })
}

fn notice(model: &mut Model, kind: NoticeKind, text: impl Into<String>) {
    model.notice = Some(super::model::Notice {
        text: text.into(),
        kind,
        until_frame: model.frame + NOTICE_FRAMES,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detected_sources_come_first_and_replace_their_preset() {
        let detected = [Available {
            spec: SourceSpec::Gitlab {
                variable: Some("VAULT_ID_TOKEN".into()),
            },
            audience: AudienceUse::Fixed,
            evidence: "$VAULT_ID_TOKEN holds a token from https://gitlab.com".into(),
        }];
        let items = menu_items(&detected);
        assert_eq!(items[0].label, "gitlab:VAULT_ID_TOKEN");
        assert!(items[0].detected);
        let labels: Vec<&str> = items.iter().map(|i| i.label.as_str()).collect();
        assert!(!labels.contains(&"gitlab[:NAME]"), "{labels:?}");
        assert!(!labels.contains(&"auto"));
        assert!(labels.contains(&"exec:COMMAND") && labels.contains(&"clipboard"));
        assert_eq!(items.len(), PRESETS.len() - 2 + 1);
    }
}
