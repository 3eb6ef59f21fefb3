//! The keymap as data: one table of (keys, action, description, context) drives both dispatch
//! and the `?` help overlay, and the `[tui.keys]` section of config.toml rebinds actions by name.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a binding applies. A text input takes keys before any of these (see `update`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Global,
    Claims,
    Rules,
    Why,
    Help,
    Matrix,
    Regions,
}

impl Context {
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Claims => "Claims pane",
            Context::Rules => "Rules pane",
            Context::Why => "Why panel",
            Context::Help => "This help",
            Context::Matrix => "Matrix view",
            Context::Regions => "Regions list (beside the matrix)",
        }
    }
}

/// Everything a key can do. The snake_case name is what config.toml uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    Close,
    Down,
    Up,
    Top,
    Bottom,
    PageDown,
    PageUp,
    NextPane,
    PrevPane,
    NextToken,
    PrevToken,
    RemoveToken,
    AddToken,
    PasteClipboard,
    CopyToken,
    CopyClaims,
    CopyValue,
    Reverify,
    ReloadRules,
    Filter,
    ToggleTime,
    EditClaim,
    EditClaimsExternal,
    OpenWhy,
    TogglePassed,
    OpenRuleFile,
    FetchToken,
    Refetch,
    OpenMatrix,
    AddRuleFile,
    GiveKey,
    ToggleExplain,
    ExplainVerdict,
    ExplainScrollDown,
    ExplainScrollUp,
    OpenWitness,
    Suspend,
}

impl Action {
    pub const ALL: [Action; 39] = [
        Action::Quit,
        Action::Help,
        Action::Close,
        Action::Down,
        Action::Up,
        Action::Top,
        Action::Bottom,
        Action::PageDown,
        Action::PageUp,
        Action::NextPane,
        Action::PrevPane,
        Action::NextToken,
        Action::PrevToken,
        Action::RemoveToken,
        Action::AddToken,
        Action::PasteClipboard,
        Action::CopyToken,
        Action::CopyClaims,
        Action::CopyValue,
        Action::Reverify,
        Action::ReloadRules,
        Action::Filter,
        Action::ToggleTime,
        Action::EditClaim,
        Action::EditClaimsExternal,
        Action::OpenWhy,
        Action::TogglePassed,
        Action::OpenRuleFile,
        Action::FetchToken,
        Action::Refetch,
        Action::OpenMatrix,
        Action::AddRuleFile,
        Action::GiveKey,
        Action::ToggleExplain,
        Action::ExplainVerdict,
        Action::ExplainScrollDown,
        Action::ExplainScrollUp,
        Action::OpenWitness,
        Action::Suspend,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::Close => "close",
            Action::Down => "down",
            Action::Up => "up",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::PageDown => "page_down",
            Action::PageUp => "page_up",
            Action::NextPane => "next_pane",
            Action::PrevPane => "prev_pane",
            Action::NextToken => "next_token",
            Action::PrevToken => "prev_token",
            Action::RemoveToken => "remove_token",
            Action::AddToken => "add_token",
            Action::PasteClipboard => "paste_clipboard",
            Action::CopyToken => "copy_token",
            Action::CopyClaims => "copy_claims",
            Action::CopyValue => "copy_value",
            Action::Reverify => "reverify",
            Action::ReloadRules => "reload_rules",
            Action::Filter => "filter",
            Action::ToggleTime => "toggle_time",
            Action::EditClaim => "edit_claim",
            Action::EditClaimsExternal => "edit_claims_external",
            Action::OpenWhy => "open_why",
            Action::TogglePassed => "toggle_passed",
            Action::OpenRuleFile => "open_rule_file",
            Action::FetchToken => "fetch_token",
            Action::Refetch => "refetch",
            Action::OpenMatrix => "open_matrix",
            Action::AddRuleFile => "add_rule_file",
            Action::GiveKey => "give_key",
            Action::ToggleExplain => "toggle_explain",
            Action::ExplainVerdict => "explain_verdict",
            Action::ExplainScrollDown => "explain_scroll_down",
            Action::ExplainScrollUp => "explain_scroll_up",
            Action::OpenWitness => "open_witness",
            Action::Suspend => "suspend",
        }
    }

    fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// One key with its modifiers. For characters, Shift is part of the character (`G`), so it
/// is not recorded separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub const fn plain(code: KeyCode) -> Key {
        Key {
            code,
            mods: KeyModifiers::NONE,
        }
    }

    pub const fn ch(c: char) -> Key {
        Key::plain(KeyCode::Char(c))
    }

    pub const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            mods: KeyModifiers::CONTROL,
        }
    }

    pub fn from_event(event: &KeyEvent) -> Key {
        let mut mods = event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let code = match event.code {
            KeyCode::BackTab => KeyCode::BackTab,
            KeyCode::Char(c) if mods.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            other => other,
        };
        // BackTab already says Shift (terminals send `ESC [ Z`, which crossterm reports as
        // BackTab *with* SHIFT); characters carry their case. Other keys keep Shift.
        if !matches!(code, KeyCode::Char(_) | KeyCode::BackTab) {
            mods |= event.modifiers & KeyModifiers::SHIFT;
        }
        Key { code, mods }
    }

    /// Parses `q`, `G`, `?`, `ctrl-v`, `alt-x`, `enter`, `esc`, `tab`, `backtab`, `up`, `pgdown`,
    /// `f1`, `space`…
    pub fn parse(text: &str) -> Result<Key, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(tail) = lower.strip_prefix("ctrl-") {
                mods |= KeyModifiers::CONTROL;
                rest = &rest[rest.len() - tail.len()..];
            } else if let Some(tail) = lower.strip_prefix("alt-") {
                mods |= KeyModifiers::ALT;
                rest = &rest[rest.len() - tail.len()..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if mods.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            (Some(c), None) => KeyCode::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" | "shift-tab" => KeyCode::BackTab,
                "backspace" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pgup" | "pageup" => KeyCode::PageUp,
                "pgdown" | "pagedown" => KeyCode::PageDown,
                "space" => KeyCode::Char(' '),
                f if f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                    KeyCode::F(f[1..].parse().expect("checked"))
                }
                _ => return Err(format!("unknown key '{text}'")),
            },
        };
        Ok(Key { code, mods })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) if self.mods.contains(KeyModifiers::CONTROL) => {
                write!(f, "{}", c.to_ascii_uppercase())
            }
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub keys: Vec<Key>,
    pub action: Action,
    pub description: &'static str,
    pub context: Context,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

fn bind(keys: &[Key], action: Action, description: &'static str, context: Context) -> Binding {
    Binding {
        keys: keys.to_vec(),
        action,
        description,
        context,
    }
}

impl Default for Keymap {
    fn default() -> Keymap {
        use Action as A;
        use Context::*;
        use KeyCode as K;
        let p = Key::plain;
        Keymap {
            bindings: vec![
                bind(&[Key::ch('q'), Key::ctrl('c')], A::Quit, "quit", Global),
                bind(
                    &[Key::ch('?'), p(K::F(1))],
                    A::Help,
                    "show or hide this help",
                    Global,
                ),
                bind(
                    &[p(K::Esc)],
                    A::Close,
                    "close the panel, clear the filter, cancel a check",
                    Global,
                ),
                bind(&[Key::ch('j'), p(K::Down)], A::Down, "move down", Global),
                bind(&[Key::ch('k'), p(K::Up)], A::Up, "move up", Global),
                bind(&[Key::ch('g'), p(K::Home)], A::Top, "go to the top", Global),
                bind(
                    &[Key::ch('G'), p(K::End)],
                    A::Bottom,
                    "go to the bottom",
                    Global,
                ),
                bind(&[p(K::PageDown)], A::PageDown, "a page down", Global),
                bind(&[p(K::PageUp)], A::PageUp, "a page up", Global),
                bind(&[p(K::Tab)], A::NextPane, "next pane", Global),
                bind(&[p(K::BackTab)], A::PrevPane, "previous pane", Global),
                bind(
                    &[Key::ch('n'), Key::ch(']'), Key::ch('l'), p(K::Right)],
                    A::NextToken,
                    "next token",
                    Global,
                ),
                bind(
                    &[Key::ch('N'), Key::ch('['), Key::ch('h'), p(K::Left)],
                    A::PrevToken,
                    "previous token",
                    Global,
                ),
                bind(
                    &[Key::ch('x'), p(K::Delete)],
                    A::RemoveToken,
                    "remove this token",
                    Global,
                ),
                bind(
                    &[Key::ch('a')],
                    A::AddToken,
                    "add a token (type or paste it)",
                    Global,
                ),
                bind(
                    &[Key::ch('A')],
                    A::AddRuleFile,
                    "add a rule file by path (Tab completes; watched)",
                    Global,
                ),
                bind(
                    &[Key::ch('K')],
                    A::GiveKey,
                    "give this token's issuer a key: secret, @key.pem, @jwks.json or a URL",
                    Global,
                ),
                bind(
                    &[Key::ch('p'), Key::ctrl('v')],
                    A::PasteClipboard,
                    "add the token on the clipboard",
                    Global,
                ),
                bind(
                    &[Key::ch('f'), Key::ctrl('f')],
                    A::FetchToken,
                    "fetch a token where it is issued (CI, gp, gcloud, pod, file, command)",
                    Global,
                ),
                bind(
                    &[Key::ch('F')],
                    A::Refetch,
                    "fetch this token again from its source (tokens are short-lived)",
                    Global,
                ),
                bind(&[Key::ch('y')], A::CopyToken, "copy the raw token", Global),
                bind(
                    &[Key::ch('c')],
                    A::CopyClaims,
                    "copy the claims as JSON",
                    Global,
                ),
                bind(
                    &[Key::ch('r')],
                    A::Reverify,
                    "verify the signature again (refetch keys)",
                    Global,
                ),
                bind(
                    &[Key::ch('R')],
                    A::ReloadRules,
                    "reload the rule files",
                    Global,
                ),
                bind(
                    &[Key::ch('t')],
                    A::ToggleTime,
                    "show times as UTC / local / unix",
                    Global,
                ),
                bind(&[Key::ch('/')], A::Filter, "filter claims", Global),
                bind(
                    &[Key::ch('w')],
                    A::ToggleExplain,
                    "show or hide the Explain panel (paste an error message or a CI log)",
                    Global,
                ),
                bind(
                    &[Key::ch('W')],
                    A::ExplainVerdict,
                    "go to the verdict the explained error matches",
                    Global,
                ),
                bind(
                    &[Key::ch('}')],
                    A::ExplainScrollDown,
                    "scroll the Explain panel down",
                    Global,
                ),
                bind(
                    &[Key::ch('{')],
                    A::ExplainScrollUp,
                    "scroll the Explain panel up",
                    Global,
                ),
                bind(
                    &[Key::ch('e')],
                    A::EditClaim,
                    "what-if: edit the selected claim",
                    Claims,
                ),
                bind(
                    &[Key::ch('E')],
                    A::EditClaimsExternal,
                    "what-if: edit all claims in $EDITOR",
                    Global,
                ),
                bind(
                    &[Key::ctrl('z')],
                    A::Suspend,
                    "suspend to the shell (fg comes back)",
                    Global,
                ),
                bind(
                    &[Key::ch('v')],
                    A::CopyValue,
                    "copy the selected claim's value",
                    Claims,
                ),
                bind(
                    &[p(K::Enter)],
                    A::OpenWhy,
                    "explain the selected rule (why panel)",
                    Rules,
                ),
                bind(
                    &[Key::ch('o')],
                    A::OpenRuleFile,
                    "open the rule's file in $EDITOR",
                    Rules,
                ),
                bind(
                    &[Key::ch('o')],
                    A::OpenRuleFile,
                    "open the rule's file in $EDITOR",
                    Why,
                ),
                bind(
                    &[p(K::Enter), p(K::Right)],
                    A::TogglePassed,
                    "show or fold the checks that passed",
                    Why,
                ),
                bind(
                    &[Key::ch('M')],
                    A::OpenMatrix,
                    "matrix: rules × the loaded tokens (or back to the preview)",
                    Global,
                ),
                bind(
                    &[Key::ch('l'), p(K::Right)],
                    A::NextToken,
                    "next rule column",
                    Matrix,
                ),
                bind(
                    &[Key::ch('h'), p(K::Left)],
                    A::PrevToken,
                    "previous rule column",
                    Matrix,
                ),
                bind(
                    &[p(K::Enter)],
                    A::OpenWhy,
                    "open the group's first token with this rule's why panel",
                    Matrix,
                ),
                bind(
                    &[Key::ch('R')],
                    A::ReloadRules,
                    "reload the rule files and recompute",
                    Matrix,
                ),
                bind(
                    &[p(K::Esc), Key::ch('M')],
                    A::Close,
                    "back to the token view",
                    Matrix,
                ),
                bind(
                    &[p(K::Tab)],
                    A::NextPane,
                    "to the Regions list and back (who gains or loses access, for every caller)",
                    Matrix,
                ),
                bind(
                    &[p(K::BackTab)],
                    A::PrevPane,
                    "to the Regions list and back",
                    Matrix,
                ),
                bind(
                    &[p(K::Enter)],
                    A::OpenWitness,
                    "open the region's witness as a SIMULATED what-if, with the why panels of the current and proposed rules",
                    Regions,
                ),
            ],
        }
    }
}

/// Key bindings from config.toml: action name → one key or a list of keys.
pub type Overrides = BTreeMap<String, KeyList>;

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(untagged)]
pub enum KeyList {
    One(String),
    Many(Vec<String>),
}

impl Keymap {
    /// The action bound to `key` in the first of `contexts` that binds it.
    pub fn lookup(&self, contexts: &[Context], key: Key) -> Option<Action> {
        contexts.iter().find_map(|&context| {
            self.bindings
                .iter()
                .find(|b| b.context == context && b.keys.contains(&key))
                .map(|b| b.action)
        })
    }

    /// The keys bound to `action`, for the key bar.
    pub fn keys_for(&self, action: Action) -> Vec<Key> {
        self.bindings
            .iter()
            .find(|b| b.action == action)
            .map(|b| b.keys.clone())
            .unwrap_or_default()
    }

    /// Replaces the keys of the named actions. Returns one message per entry it could not use;
    /// the rest still apply.
    pub fn apply(&mut self, overrides: &Overrides) -> Vec<String> {
        let mut problems = Vec::new();
        for (name, keys) in overrides {
            let Some(action) = Action::from_name(name) else {
                problems.push(format!("[tui.keys] has no action called '{name}'"));
                continue;
            };
            let texts = match keys {
                KeyList::One(text) => vec![text.clone()],
                KeyList::Many(texts) => texts.clone(),
            };
            let parsed: Result<Vec<Key>, String> = texts.iter().map(|t| Key::parse(t)).collect();
            match parsed {
                Ok(keys) => {
                    for binding in self.bindings.iter_mut().filter(|b| b.action == action) {
                        binding.keys = keys.clone();
                    }
                }
                Err(error) => problems.push(format!("[tui.keys] {name}: {error}")),
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_display() {
        assert_eq!(Key::parse("ctrl-v").unwrap(), Key::ctrl('v'));
        assert_eq!(Key::parse("Ctrl-V").unwrap(), Key::ctrl('v'));
        assert_eq!(Key::parse("G").unwrap(), Key::ch('G'));
        assert_eq!(Key::parse("pgdown").unwrap(), Key::plain(KeyCode::PageDown));
        assert_eq!(Key::parse("f1").unwrap(), Key::plain(KeyCode::F(1)));
        assert!(Key::parse("hyper-x").is_err());
        assert_eq!(Key::ctrl('v').to_string(), "Ctrl-V");
        assert_eq!(Key::plain(KeyCode::BackTab).to_string(), "Shift-Tab");
    }

    /// crossterm reports a real terminal's `ESC [ Z` as BackTab with SHIFT; the binding is
    /// written without it.
    #[test]
    fn shift_tab_as_terminals_send_it_matches_the_binding() {
        let event = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&event), Key::plain(KeyCode::BackTab));
        assert_eq!(
            Keymap::default().lookup(&[Context::Global], Key::from_event(&event)),
            Some(Action::PrevPane)
        );
    }

    #[test]
    fn shifted_characters_match_without_the_shift_flag() {
        let event = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&event), Key::ch('G'));
        let ctrl = KeyEvent::new(
            KeyCode::Char('C'),
            KeyModifiers::CONTROL | KeyModifiers::SHIFT,
        );
        assert_eq!(Key::from_event(&ctrl), Key::ctrl('c'));
    }

    #[test]
    fn a_pane_binding_wins_over_a_global_one_and_overrides_apply() {
        let mut keymap = Keymap::default();
        assert_eq!(
            keymap.lookup(
                &[Context::Rules, Context::Global],
                Key::plain(KeyCode::Enter)
            ),
            Some(Action::OpenWhy)
        );
        assert_eq!(
            keymap.lookup(&[Context::Global], Key::plain(KeyCode::Enter)),
            None
        );
        let overrides: Overrides = [
            (
                "next_token".to_owned(),
                KeyList::Many(vec!["ctrl-n".into(), "J".into()]),
            ),
            ("no_such".to_owned(), KeyList::One("x".into())),
            ("quit".to_owned(), KeyList::One("hyper-q".into())),
        ]
        .into();
        let problems = keymap.apply(&overrides);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(
            keymap.lookup(&[Context::Global], Key::ctrl('n')),
            Some(Action::NextToken)
        );
        assert_eq!(keymap.lookup(&[Context::Global], Key::ch('n')), None);
        assert_eq!(
            keymap.lookup(&[Context::Global], Key::ch('q')),
            Some(Action::Quit)
        );
    }

    #[test]
    fn every_action_is_bound_and_named_uniquely() {
        let keymap = Keymap::default();
        for action in Action::ALL {
            assert!(!keymap.keys_for(action).is_empty(), "{action:?}");
            assert_eq!(Action::from_name(action.name()), Some(action));
        }
    }
}

#[cfg(test)]
mod readme {
    use super::Action;

    #[test]
    fn the_readme_names_every_action() {
        let readme = include_str!("../../README.md");
        for action in Action::ALL {
            assert!(
                readme.contains(&format!("`{}`", action.name())),
                "README.md does not document the action {}",
                action.name()
            );
        }
    }
}
