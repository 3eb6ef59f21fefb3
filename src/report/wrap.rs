//! Long values fitted to a width, for the text output and the view alike: a 2 100-entry
//! `groups` claim is many lines broken between its entries, not one line of 100 KB.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `text` in lines of at most `width` display columns, broken after a comma or at a space when
/// one is on the line (JSON arrays, prose), else anywhere (tokens and URLs have neither). Spaces
/// at a break are dropped. Always at least one line.
pub fn wrap_value(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    // Byte offset in `line` where a break may go (just after a comma or a space).
    let mut gap: Option<usize> = None;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width && used > 0 {
            match gap.filter(|&at| at < line.len()) {
                Some(at) => {
                    let tail = line.split_off(at);
                    lines.push(line.trim_end().to_owned());
                    line = tail.trim_start().to_owned();
                }
                None => lines.push(std::mem::take(&mut line).trim_end().to_owned()),
            }
            used = line.width();
            gap = last_gap(&line);
            if used + w > width && used > 0 {
                lines.push(std::mem::take(&mut line));
                used = 0;
                gap = None;
            }
        }
        if c == ' ' && line.is_empty() && !lines.is_empty() {
            continue;
        }
        line.push(c);
        used += w;
        if c == ',' || c == ' ' {
            gap = Some(line.len());
        }
    }
    lines.push(line);
    lines
}

fn last_gap(line: &str) -> Option<usize> {
    line.char_indices()
        .rev()
        .find(|&(_, c)| c == ',' || c == ' ')
        .map(|(i, c)| i + c.len_utf8())
}

#[cfg(test)]
mod tests {
    use unicode_width::UnicodeWidthStr;

    use super::wrap_value;

    #[test]
    fn breaks_after_commas_and_at_spaces_else_anywhere() {
        let rows: [(&str, usize, &[&str]); 6] = [
            (
                r#"["alpha","beta","gamma"]"#,
                12,
                &[r#"["alpha","#, r#""beta","#, r#""gamma"]"#],
            ),
            ("the quick brown fox", 10, &["the quick", "brown fox"]),
            ("abcdefghij", 4, &["abcd", "efgh", "ij"]),
            ("short", 80, &["short"]),
            ("", 10, &[""]),
            // wide characters count two columns
            ("日本語テキスト", 6, &["日本語", "テキス", "ト"]),
        ];
        for (text, width, expected) in rows {
            assert_eq!(wrap_value(text, width), expected, "{text} at {width}");
        }
    }

    #[test]
    fn no_line_is_wider_than_asked_and_nothing_is_lost() {
        let groups: Vec<String> = (0..2100).map(|i| format!("group-{i:04}")).collect();
        let text = serde_json::to_string(&groups).unwrap();
        for width in [16, 40, 79, 200] {
            let lines = wrap_value(&text, width);
            assert!(lines.iter().all(|l| l.width() <= width), "width {width}");
            assert_eq!(lines.concat(), text, "width {width}");
        }
    }
}
