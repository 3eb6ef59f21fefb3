//! Fitting text into cells: display width (not bytes or chars), truncation with `…`, wrapping.
//! Every decoded string is escaped by the caller before it gets here.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

pub fn width(text: &str) -> usize {
    text.width()
}

/// `text` cut to at most `max` columns, ending in `…` when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.width() <= max {
        return text.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// `text` padded with spaces (or truncated) to exactly `columns`.
pub fn fit(text: &str, columns: usize) -> String {
    let cut = truncate(text, columns);
    let pad = columns.saturating_sub(cut.width());
    format!("{cut}{}", " ".repeat(pad))
}

/// Hard-wraps `text` into lines of at most `columns` (values like tokens have no spaces to
/// break at). Always at least one line.
pub fn wrap(text: &str, columns: usize) -> Vec<String> {
    let columns = columns.max(1);
    let mut lines = vec![String::new()];
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > columns && used > 0 {
            lines.push(String::new());
            used = 0;
        }
        lines.last_mut().expect("never empty").push(c);
        used += w;
    }
    lines
}

/// Word-wraps prose at spaces, hard-wrapping words longer than a line.
pub fn wrap_words(text: &str, columns: usize) -> Vec<String> {
    let columns = columns.max(1);
    let mut lines: Vec<String> = vec![String::new()];
    for word in text.split(' ') {
        let current = lines.last_mut().expect("never empty");
        let needed = if current.is_empty() {
            word.width()
        } else {
            current.width() + 1 + word.width()
        };
        if needed <= columns {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        } else if word.width() <= columns {
            lines.push(word.to_owned());
        } else {
            let mut pieces = wrap(word, columns);
            if current.is_empty() {
                lines.pop();
            }
            lines.append(&mut pieces);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_and_wrapping_respect_display_width() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        assert_eq!(truncate("日本語です", 5), "日本…");
        assert_eq!(fit("ab", 4), "ab  ");
        assert_eq!(wrap("abcdefg", 3), ["abc", "def", "g"]);
        assert_eq!(wrap("", 3), [""]);
        assert_eq!(
            wrap_words("the quick brown fox", 9),
            ["the quick", "brown fox"]
        );
        assert_eq!(
            wrap_words("a verylongword", 4),
            ["a", "very", "long", "word"]
        );
    }
}
