//! The one place where decoded text becomes safe to put on a terminal.
//!
//! Claims are attacker-controlled: a `sub` holding `ESC ]52;c;…` would otherwise write the
//! user's clipboard, a bidi override could make `acme/app` render as another repository, and a
//! zero-width space makes two different values print identically. Every text renderer (CLI
//! and TUI) passes decoded strings through [`escape_controls`].

use std::borrow::Cow;
use std::fmt::Write;

/// Returns `text` with every control character made visible and inert: C0 controls (including
/// ESC, CR, LF and TAB), DEL, C1 controls, and the Unicode bidirectional overrides and isolates
/// (as `\e`, `\n`, `\u{202e}`…); and every character that draws nothing
/// ([`is_invisible`]) shown by its code point, as `⟨U+200B⟩`.
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
                c if is_invisible(c) => {
                    let _ = write!(out, "⟨U+{:04X}⟩", c as u32);
                }
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
    c.is_control() || is_bidi_control(c) || is_invisible(c)
}

/// Characters that draw nothing (or only a break) yet make a string differ: zero-width spaces
/// and joiners, the word joiner and invisible operators, the byte-order mark, the soft hyphen,
/// the line and paragraph separators, Hangul fillers, tag characters (U+E0000–U+E007F) and the
/// like (Unicode's Default_Ignorable_Code_Point, minus variation selectors, which emoji need).
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}'
            | '\u{034f}'
            | '\u{115f}'
            | '\u{1160}'
            | '\u{17b4}'
            | '\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{200b}'..='\u{200d}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{2060}'..='\u{2064}'
            | '\u{206a}'..='\u{206f}'
            | '\u{3164}'
            | '\u{feff}'
            | '\u{ffa0}'
            | '\u{fff0}'..='\u{fffb}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0000}'..='\u{e007f}'
    )
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

    /// They used to pass through: `check` then printed an expected and an actual that looked
    /// identical.
    #[test]
    fn invisible_characters_are_shown_by_code_point() {
        for (hidden, shown) in [
            ("repo:acme/app\u{200b}", "repo:acme/app⟨U+200B⟩"),
            ("a\u{200c}b\u{200d}c", "a⟨U+200C⟩b⟨U+200D⟩c"),
            ("\u{2060}x", "⟨U+2060⟩x"),
            ("\u{feff}sub", "⟨U+FEFF⟩sub"),
            ("soft\u{ad}hyphen", "soft⟨U+00AD⟩hyphen"),
            ("tag\u{e0041}\u{e007f}", "tag⟨U+E0041⟩⟨U+E007F⟩"),
            ("line\u{2028}para\u{2029}", "line⟨U+2028⟩para⟨U+2029⟩"),
        ] {
            assert_eq!(escape_controls(hidden), shown);
        }
        // Visible non-ASCII text, emoji with their variation selector included, is untouched.
        assert_eq!(escape_controls("ünï ❤\u{fe0f} 漢字"), "ünï ❤\u{fe0f} 漢字");
    }

    #[test]
    fn bidi_overrides_are_visible() {
        assert_eq!(escape_controls("acme\u{202e}ppa"), "acme\\u{202e}ppa");
        assert_eq!(escape_controls("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
    }
}
