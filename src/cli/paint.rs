//! Colour for text output: only on a terminal, never with `NO_COLOR`, and never the only carrier
//! of meaning (every coloured word also has a glyph or a word of its own).

use std::io::IsTerminal;

use super::args::ColorChoice;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paint {
    enabled: bool,
}

impl Paint {
    pub fn for_stdout(choice: ColorChoice) -> Paint {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let enabled = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !no_color && std::io::stdout().is_terminal(),
        };
        Paint { enabled }
    }

    #[cfg(test)]
    pub const PLAIN: Paint = Paint { enabled: false };

    fn wrap(self, code: &str, text: &str) -> String {
        if self.enabled {
            format!("\u{1b}[{code}m{text}\u{1b}[0m")
        } else {
            text.to_owned()
        }
    }

    pub fn bold(self, text: &str) -> String {
        self.wrap("1", text)
    }

    pub fn dim(self, text: &str) -> String {
        self.wrap("2", text)
    }

    pub fn green(self, text: &str) -> String {
        self.wrap("32", text)
    }

    pub fn red(self, text: &str) -> String {
        self.wrap("31", text)
    }

    pub fn yellow(self, text: &str) -> String {
        self.wrap("33", text)
    }

    pub fn cyan(self, text: &str) -> String {
        self.wrap("36", text)
    }

    /// The fixed-width label of a lint's severity, glyph and word as well as colour.
    pub fn severity(self, severity: crate::token::lint::Severity) -> String {
        use crate::token::lint::Severity;
        match severity {
            Severity::Error => self.red("✗ error  "),
            Severity::Warning => self.yellow("! warning"),
            Severity::Info => self.dim("· info   "),
        }
    }
}

/// `text` padded with spaces to `columns` display columns. Pad before painting: `{:<n}` on a
/// painted string counts its escape sequences (and a wide character as one), so coloured
/// labels lose their padding.
pub fn pad(text: &str, columns: usize) -> String {
    let width = unicode_width::UnicodeWidthStr::width(text);
    format!("{text}{}", " ".repeat(columns.saturating_sub(width)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paint_adds_nothing() {
        assert_eq!(Paint::PLAIN.red("x"), "x");
        assert_eq!(Paint { enabled: true }.red("x"), "\u{1b}[31mx\u{1b}[0m");
        assert!(!Paint::for_stdout(ColorChoice::Never).enabled);
    }
}
