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

/// `text` cut to at most `max` columns by leaving out its middle (`…` in its place), the
/// start and the end kept, the end given the larger share: keys and paths that share a long
/// prefix (`repo:acme/api:ref:refs/heads/main`, `…/dev`) differ at the end, which a cut from
/// the right would hide.
pub fn truncate_middle(text: &str, max: usize) -> String {
    if text.width() <= max {
        return text.to_owned();
    }
    if max < 3 {
        return truncate(text, max);
    }
    let room = max - 1;
    let head_room = room / 3;
    let tail_room = room - head_room;
    let mut head = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > head_room {
            break;
        }
        used += w;
        head.push(c);
    }
    let mut tail: Vec<char> = Vec::new();
    let mut used = 0;
    for c in text.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > tail_room {
            break;
        }
        used += w;
        tail.push(c);
    }
    tail.reverse();
    format!("{head}…{}", tail.into_iter().collect::<String>())
}

/// Every key cut to at most `max` columns so that keys that differ still read differently:
/// cut in the middle ([`truncate_middle`]) where that tells them apart, and otherwise around
/// the first character where the key differs from its nearest neighbour (`repo:acme/app:…`
/// and `repo:acme/tools:…` that end alike).
pub fn truncate_distinct(keys: &[String], max: usize) -> Vec<String> {
    let middle: Vec<String> = keys.iter().map(|k| truncate_middle(k, max)).collect();
    (0..keys.len())
        .map(|i| {
            let chars: Vec<char> = keys[i].chars().collect();
            // Where this key first differs from the keys whose middle cut reads the same.
            let differs_at = (0..keys.len())
                .filter(|&j| j != i && middle[j] == middle[i] && keys[j] != keys[i])
                .map(|j| {
                    chars
                        .iter()
                        .zip(keys[j].chars())
                        .take_while(|(a, b)| **a == *b)
                        .count()
                })
                .min();
            match differs_at {
                Some(at) => window(&chars, at, max),
                None => middle[i].clone(),
            }
        })
        .collect()
}

/// `chars` cut to `max` columns showing where it differs (at `at`): its start, then from a
/// little before `at` on.
fn window(chars: &[char], at: usize, max: usize) -> String {
    let text: String = chars.iter().collect();
    if text.width() <= max || max < 8 {
        return truncate(&text, max);
    }
    // A cut from the right already shows where it differs, and a few characters after.
    if at + 4 < max {
        return truncate(&text, max);
    }
    let head = (max / 5).max(2);
    let start = at.saturating_sub(3).max(head);
    let rest: String = chars[start..].iter().collect();
    let room = max - head - 1;
    format!(
        "{}…{}",
        chars[..head].iter().collect::<String>(),
        truncate(&rest, room)
    )
}

/// `text` padded with spaces (or cut in the middle) to exactly `columns`.
pub fn fit_middle(text: &str, columns: usize) -> String {
    let cut = truncate_middle(text, columns);
    let pad = columns.saturating_sub(cut.width());
    format!("{cut}{}", " ".repeat(pad))
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
    #[test]
    fn a_middle_cut_keeps_the_distinguishing_end() {
        let main = super::truncate_middle("repo:acme/api:ref:refs/heads/main", 20);
        let dev = super::truncate_middle("repo:acme/api:ref:refs/heads/dev", 20);
        assert_ne!(
            main, dev,
            "cut from the right, both read repo:acme/api:ref:re…"
        );
        assert!(
            main.starts_with("repo:") && main.ends_with("heads/main"),
            "{main}"
        );
        assert_eq!(super::width(&main), 20);
        assert_eq!(super::truncate_middle("short", 20), "short");
        assert_eq!(
            super::width(&super::fit_middle("日本語のグループ名です", 9)),
            9
        );
    }

    #[test]
    fn keys_that_end_alike_are_cut_where_they_differ() {
        let keys: Vec<String> = [
            "repo:acme/app:ref:refs/heads/main",
            "repo:acme/tools:ref:refs/heads/main",
            "repo:acme/app:ref:refs/heads/dev",
            "repo:acme/app:environment:prod",
        ]
        .map(String::from)
        .to_vec();
        for max in [16, 20, 25, 30] {
            let cut = super::truncate_distinct(&keys, max);
            for (i, a) in cut.iter().enumerate() {
                assert!(super::width(a) <= max, "{a} at {max}");
                for b in &cut[i + 1..] {
                    assert_ne!(a, b, "at {max}: {cut:?}");
                }
            }
        }
    }

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
