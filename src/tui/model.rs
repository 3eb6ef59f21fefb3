//! Everything the screen shows, and nothing else. `view` renders from `&Model` only; `update`
//! is the only writer.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

use super::engine::Rules;
use super::keymap::Keymap;
use super::text_field::TextField;
use super::theme::Theme;
use crate::report::SignatureReport;
use crate::report::decision::Decision;
use crate::report::timefmt::DateStyle;
use crate::token::{Claims, Token};
use crate::trust::{Rule, Verdict};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Token,
    Claims,
    Rules,
    Why,
}

impl Pane {
    pub fn title(self) -> &'static str {
        match self {
            Pane::Token => "Token",
            Pane::Claims => "Claims",
            Pane::Rules => "Rules",
            Pane::Why => "Why",
        }
    }
}

/// Below this size the panes become tabs (docs/ARCHITECTURE.md §5: "at 80×24 the panes stack").
pub const WIDE_MIN: (u16, u16) = (100, 30);

#[derive(Debug, Clone, PartialEq)]
pub enum Signature {
    /// The worker is checking it; the UI shows a spinner.
    Checking,
    Done(SignatureReport),
}

/// One token in the list.
pub struct Entry {
    pub id: u64,
    pub token: Token,
    /// `argument`, `stdin`, `paste`, `clipboard`, `demo:github-branch`, `what-if of …`.
    pub source: String,
    /// The claims of a what-if: edited by the user, so unsigned; rules see these instead of the
    /// token's own.
    pub simulated: Option<Claims>,
    /// For the witness of a region opened from the Regions list: the change it shows (the why
    /// panel then explains the current and the proposed verdict side by side).
    pub witness_of: Option<super::regions::Change>,
    pub signature: Signature,
    /// Bumped on every verification request; a result carrying an older number is dropped.
    pub generation: u64,
    /// Verdicts of every loaded rule against this token's claims at `Model::now`, with the
    /// index of the rule file each came from, adjusted by the decision (a failed signature
    /// refuses every rule).
    pub verdicts: Vec<(usize, Verdict)>,
    /// The one answer for this token (signature, time, rules), once its signature is known and
    /// rules are loaded; `check` gives the same for the same token and rules.
    pub decision: Option<Decision>,
}

impl Entry {
    pub fn claims(&self) -> Option<&Claims> {
        self.simulated.as_ref().or(self.token.claims())
    }
}

pub enum RuleFileState {
    Loading,
    Loaded,
    /// The file no longer parses; `RuleFile::rules` still holds the last good rules (stale).
    Invalid(String),
    /// The file cannot be read.
    Unreadable(String),
}

pub struct RuleFile {
    pub path: PathBuf,
    pub rules: Rules,
    pub state: RuleFileState,
    /// The file holds no rule of its own but an AWS OIDC provider document that the policies
    /// beside it are joined with (its client IDs take part in their verdicts).
    pub joins_policies: bool,
}

impl RuleFile {
    pub fn is_stale(&self) -> bool {
        matches!(self.state, RuleFileState::Invalid(_)) && !self.rules.is_empty()
    }

    pub fn rule(&self, index: usize) -> Option<&Arc<dyn Rule>> {
        self.rules.get(index)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputPurpose {
    /// A token to add (the paste prompt).
    Token,
    /// The claims filter; applied as it is typed.
    Filter,
    /// A what-if edit of one claim: JSON, or a bare word taken as a string; empty removes it.
    EditClaim { name: String },
    /// The path of a rule file to add (Tab completes file names).
    RuleFile,
    /// A key for the tokens of `issuer` (`None`: a token without `iss`): a shared secret,
    /// `@FILE` (a JWKS, or a PEM or DER public key) or a key set URL, pinned for the session.
    Key { issuer: Option<String> },
}

/// The focused text input. It takes keys and pastes before any hotkey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub purpose: InputPurpose,
    pub field: TextField,
}

impl Input {
    pub fn new(purpose: InputPurpose, text: impl Into<String>) -> Input {
        Input {
            purpose,
            field: TextField::new(text),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    Info,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub kind: NoticeKind,
    /// Shown until `Model::frame` reaches this (frames, not the clock, which `--now` freezes).
    pub until_frame: u64,
}

pub struct Model {
    /// Seconds since the epoch; injected by ticks (or frozen with `--now` and in tests).
    pub now: i64,
    pub leeway: i64,
    /// Whether a token's decision needs its signature verified (false with `--no-verify`).
    pub signature_required: bool,
    pub tokens: Vec<Entry>,
    pub selected: usize,
    pub next_id: u64,
    pub rule_files: Vec<RuleFile>,
    /// Rule files read again only because an AWS provider document beside them came, changed
    /// or went: the user changed nothing in them, so their reload is not announced.
    pub rejoining: Vec<PathBuf>,
    pub focus: Pane,
    pub why_open: bool,
    pub help_open: bool,
    pub help_scroll: u16,
    pub input: Option<Input>,
    pub filter: String,
    /// Index into the *filtered* claims of the selected token.
    pub claim_cursor: usize,
    /// Index into the selected token's verdicts.
    pub rule_cursor: usize,
    pub why_scroll: u16,
    /// The why panel lists failed checks first and folds the passed ones into one line until
    /// this is set.
    pub why_passed_open: bool,
    pub date_style: DateStyle,
    pub notice: Option<Notice>,
    pub keymap: Keymap,
    pub theme: Theme,
    pub size: (u16, u16),
    /// Advances on every tick; drives the spinner.
    pub frame: u64,
    /// When to clear the clipboard after a copy (`clear_clipboard_after_secs`).
    pub clear_clipboard_at: Option<i64>,
    pub clear_clipboard_after: Option<u64>,
    /// The fetch menu, fetches under way, and where fetched tokens came from.
    pub fetch: super::fetch_menu::FetchState,
    pub quit: bool,
    /// The rules × tokens matrix, when it has been opened.
    pub matrix: Option<super::matrix::MatrixState>,
    /// The Explain panel: the last pasted error message or CI log, explained.
    pub explain: Option<super::explain::ExplainState>,
    /// The Regions list beside the matrix: the symbolic analysis of its rules.
    pub regions: Option<super::regions::RegionsState>,
}

impl Model {
    pub fn new(now: i64, keymap: Keymap, theme: Theme) -> Model {
        Model {
            now,
            leeway: crate::token::time::DEFAULT_LEEWAY_SECS,
            signature_required: true,
            tokens: Vec::new(),
            selected: 0,
            next_id: 1,
            rule_files: Vec::new(),
            rejoining: Vec::new(),
            focus: Pane::Claims,
            why_open: false,
            help_open: false,
            help_scroll: 0,
            input: Some(Input::new(InputPurpose::Token, "")),
            filter: String::new(),
            claim_cursor: 0,
            rule_cursor: 0,
            why_scroll: 0,
            why_passed_open: false,
            date_style: DateStyle::Utc,
            notice: None,
            keymap,
            theme,
            size: (120, 40),
            frame: 0,
            clear_clipboard_at: None,
            clear_clipboard_after: None,
            fetch: Default::default(),
            quit: false,
            matrix: None,
            explain: None,
            regions: None,
        }
    }

    pub fn wide(&self) -> bool {
        self.size.0 >= WIDE_MIN.0 && self.size.1 >= WIDE_MIN.1
    }

    pub fn current(&self) -> Option<&Entry> {
        self.tokens.get(self.selected)
    }

    /// The claims of the selected token that pass the filter, in token order.
    pub fn visible_claims(&self) -> Vec<(&String, &Value)> {
        let Some(claims) = self.current().and_then(Entry::claims) else {
            return Vec::new();
        };
        let needle = self.filter.to_lowercase();
        claims
            .iter()
            .filter(|(name, value)| {
                needle.is_empty()
                    || name.to_lowercase().contains(&needle)
                    || value_text(value).to_lowercase().contains(&needle)
            })
            .collect()
    }

    pub fn selected_claim(&self) -> Option<(&String, &Value)> {
        self.visible_claims().get(self.claim_cursor).copied()
    }

    pub fn selected_verdict(&self) -> Option<&(usize, Verdict)> {
        self.current()?.verdicts.get(self.rule_cursor)
    }

    /// The panes Tab cycles through, in order, for the current size and state.
    pub fn panes(&self) -> Vec<Pane> {
        let mut panes = if self.wide() {
            vec![Pane::Claims, Pane::Rules]
        } else {
            vec![Pane::Token, Pane::Claims, Pane::Rules]
        };
        if self.why_open || !self.wide() {
            panes.push(Pane::Why);
        }
        panes
    }
}

/// A claim value as one line of text: strings bare, everything else compact JSON.
pub fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
