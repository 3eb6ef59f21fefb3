//! The one place where decoded text becomes safe to put on a terminal.
//!
//! Claims are attacker-controlled: a `sub` holding `ESC ]52;c;…` would otherwise write the
//! user's clipboard, and a bidi override could make `acme/app` render as another repository.
//! Every text renderer (CLI and TUI) passes decoded strings through [`escape_controls`].

use std::borrow::Cow;
use std::fmt::Write;

/// Returns `text` with every control character made visible and inert: C0 controls (including
/// ESC, CR, LF and TAB), DEL, C1 controls, and the Unicode bidirectional overrides and isolates.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            match c {
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{1b}' => out.push_str("\\e"),
                _ => {
                    let _ = write!(out, "\\u{{{:x}}}", c as u32);
                }
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// Trojan-source characters (CVE-2021-42574): they reorder how the rest of the line is drawn.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            escape_controls("repo:acme/app"),
            Cow::Borrowed("repo:acme/app")
        ));
        assert_eq!(escape_controls("ünïcödé ✓"), "ünïcödé ✓");
    }

    #[test]
    fn osc52_clipboard_write_is_inert() {
        let hostile = "\u{1b}]52;c;ZXZpbA==\u{7}";
        let shown = escape_controls(hostile);
        assert_eq!(shown, "\\e]52;c;ZXZpbA==\\u{7}");
        assert!(!shown.chars().any(|c| c.is_control()));
    }

    #[test]
    fn line_breaks_tabs_and_c1_controls_are_visible() {
        assert_eq!(escape_controls("a\nb\rc\td"), "a\\nb\\rc\\td");
        assert_eq!(escape_controls("x\u{9b}31m"), "x\\u{9b}31m");
        assert_eq!(escape_controls("\u{7f}"), "\\u{7f}");
    }

    #[test]
    fn bidi_overrides_are_visible() {
        assert_eq!(escape_controls("acme\u{202e}ppa"), "acme\\u{202e}ppa");
        assert_eq!(escape_controls("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
    }
}
