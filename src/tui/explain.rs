//! The Explain panel's state and updates: a pasted error message (or a whole CI log) is
//! explained with the same text as `claimcheck explain`, the tokens printed in it are added,
//! and a key goes to the verdict the error matches.

use super::model::{Model, NoticeKind, Pane};
use super::update::{Cmd, add_token, batch, notice};
use crate::explain::{self, Agreement, Explanation, Link};
use crate::token::{Limits, decode, extract};

/// At most this many tokens are taken from one pasted log.
const MAX_TOKENS_FROM_TEXT: usize = 20;

pub struct ExplainState {
    pub explanation: Explanation,
    /// For each finding, the id of the token entry the service most likely saw: the one
    /// printed last before the error in the pasted text, else the first one printed.
    pub token_for: Vec<Option<u64>>,
    pub open: bool,
    pub scroll: u16,
}

/// Explains `text` when it holds a recognised error: adds the tokens printed in it, opens the
/// panel and returns `Some` (with the verification commands); `None` leaves the text to the
/// token decoder.
pub fn on_text(model: &mut Model, text: &str, source: &str) -> Option<Option<Cmd>> {
    let explanation = explain::explain(text, &explain::Limits::default());
    if !explanation.recognised() {
        return None;
    }
    model.input = None;
    let mut cmds = Vec::new();
    let mut added: Vec<(usize, u64)> = Vec::new();
    for (line, compact) in extract::embedded_tokens(text, MAX_TOKENS_FROM_TEXT) {
        let Ok(token) = decode(compact, &Limits::default()) else {
            continue;
        };
        let id = model.next_id;
        if let Some(cmd) = add_token(model, token, format!("{source}: line {line}")) {
            cmds.push(cmd);
        }
        added.push((line, id));
    }
    if !added.is_empty() {
        model.selected = model.tokens.len() - 1;
        model.claim_cursor = 0;
        model.rule_cursor = 0;
    }
    let token_for = explanation
        .findings
        .iter()
        .map(|finding| {
            added
                .iter()
                .rev()
                .find(|(line, _)| *line <= finding.line)
                .or(added.first())
                .map(|(_, id)| *id)
        })
        .collect();
    let count = explanation.findings.len();
    model.explain = Some(ExplainState {
        explanation,
        token_for,
        open: true,
        scroll: 0,
    });
    let tokens = match added.len() {
        0 => String::new(),
        1 => ", 1 token added".to_owned(),
        n => format!(", {n} tokens added"),
    };
    notice(
        model,
        NoticeKind::Info,
        format!(
            "{count} error{} explained{tokens}: w shows or hides the panel, W goes to the verdict",
            if count == 1 { "" } else { "s" }
        ),
    );
    Some(batch(cmds))
}

/// Each finding's link to the verdict it matches, from the tokens and rules loaded now (so a
/// rule file loaded later links too).
pub fn links(model: &Model) -> Vec<Option<(usize, usize, Link)>> {
    let Some(state) = &model.explain else {
        return Vec::new();
    };
    state
        .explanation
        .findings
        .iter()
        .zip(&state.token_for)
        .map(|(finding, id)| {
            let index = model.tokens.iter().position(|e| Some(e.id) == *id)?;
            let entry = &model.tokens[index];
            let verdicts: Vec<_> = entry.verdicts.iter().map(|(_, v)| v).collect();
            let at = explain::matching_verdict(finding, &verdicts)?;
            let verdict = verdicts[at].clone();
            let line = entry
                .source
                .rsplit_once("line ")
                .and_then(|(_, n)| n.parse().ok())
                .unwrap_or(0);
            Some((
                index,
                at,
                Link {
                    token_line: line,
                    agreement: Agreement::of(verdict.outcome),
                    verdict,
                },
            ))
        })
        .collect()
}

/// The panel's text: what `claimcheck explain` prints for the same text and rules.
pub fn lines(model: &Model) -> Vec<String> {
    let Some(state) = &model.explain else {
        return Vec::new();
    };
    let links: Vec<Option<Link>> = links(model)
        .into_iter()
        .map(|l| l.map(|(_, _, link)| link))
        .collect();
    explain::render_with(&state.explanation, &links)
}

pub fn toggle(model: &mut Model) {
    match model.explain.as_mut() {
        Some(state) => state.open = !state.open,
        None => notice(
            model,
            NoticeKind::Info,
            "nothing to explain: paste an error message or a CI log",
        ),
    }
}

/// Selects the token and the verdict the first linked error matches, with its why panel.
pub fn go_to_verdict(model: &mut Model) {
    let Some((token, verdict)) = links(model)
        .into_iter()
        .flatten()
        .map(|(token, verdict, _)| (token, verdict))
        .next()
    else {
        let why = if model.tokens.is_empty() {
            "no token yet: paste one (or a log that prints it)"
        } else if model.rule_files.is_empty() {
            "no rules loaded: add the rule file the service uses (A)"
        } else {
            "no loaded rule is of the system that refused the token"
        };
        notice(
            model,
            NoticeKind::Error,
            format!("no verdict to go to: {why}"),
        );
        return;
    };
    model.selected = token;
    model.rule_cursor = verdict;
    model.why_open = true;
    model.why_scroll = 0;
    model.focus = Pane::Rules;
}

/// Scrolls the panel by `delta` lines.
pub fn scroll(model: &mut Model, delta: i32) {
    let total = lines(model).len();
    if let Some(state) = model.explain.as_mut() {
        let max = total.saturating_sub(1) as i32;
        state.scroll = (state.scroll as i32 + delta).clamp(0, max) as u16;
    }
}
