//! Hints that compare what a rule expected with what the token had. Each is a small function
//! returning `Option<Hint>`, tested on its own; evaluators call [`string_mismatch_hints`] and add
//! their system-specific hints.

use super::verdict::Hint;
use crate::token::sanitize::is_invisible;

/// All generic hints for a string that should have equalled `expected` but was `actual`.
pub fn string_mismatch_hints(expected: &str, actual: &str) -> Vec<Hint> {
    let mut hints: Vec<Hint> = [
        case_only_difference,
        surrounding_whitespace,
        trailing_slash,
        invisible_difference,
    ]
    .iter()
    .filter_map(|hint| hint(expected, actual))
    .collect();
    // Where an invisible character is the difference, the first-difference hint would only
    // say the same less clearly.
    if !hints.iter().any(|h| h.code == "invisible-character") {
        hints.extend(first_difference(expected, actual));
    }
    hints
}

/// The strings part ways at a character that draws nothing (a zero-width space, a BOM, a tag
/// character…), so the two print alike; renderers show it as `⟨U+200B⟩`.
pub fn invisible_difference(expected: &str, actual: &str) -> Option<Hint> {
    if expected == actual {
        return None;
    }
    let common = common_prefix_chars(expected, actual);
    let in_expected = expected.chars().nth(common).filter(|c| is_invisible(*c));
    let in_actual = actual.chars().nth(common).filter(|c| is_invisible(*c));
    let (c, side) = match (in_expected, in_actual) {
        (Some(c), None) => (c, "the rule's value has it, the token's does not"),
        (None, Some(c)) => (c, "the token's value has it, the rule's does not"),
        (Some(c), Some(_)) => (c, "the two have different invisible characters there"),
        (None, None) => return None,
    };
    let name = invisible_name(c).map_or_else(String::new, |name| format!(" {name}"));
    Some(Hint::new(
        "invisible-character",
        format!(
            "the values differ by an invisible character (U+{:04X}{name}) at position {}: {side}",
            c as u32,
            common + 1
        ),
    ))
}

fn invisible_name(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{00ad}' => "SOFT HYPHEN",
        '\u{200b}' => "ZERO WIDTH SPACE",
        '\u{200c}' => "ZERO WIDTH NON-JOINER",
        '\u{200d}' => "ZERO WIDTH JOINER",
        '\u{2028}' => "LINE SEPARATOR",
        '\u{2029}' => "PARAGRAPH SEPARATOR",
        '\u{2060}' => "WORD JOINER",
        '\u{feff}' => "ZERO WIDTH NO-BREAK SPACE (byte-order mark)",
        '\u{e0000}'..='\u{e007f}' => "TAG",
        _ => return None,
    })
}

/// The strings differ only in letter case; most trust systems compare case-sensitively even
/// where the issuer (GitHub) treats names case-insensitively.
pub fn case_only_difference(expected: &str, actual: &str) -> Option<Hint> {
    (expected != actual && expected.to_lowercase() == actual.to_lowercase()).then(|| {
        Hint::new(
            "case-only-difference",
            format!(
                "only letter case differs: the rule has \"{expected}\", the token has \"{actual}\"; the comparison is case-sensitive"
            ),
        )
    })
}

pub fn surrounding_whitespace(expected: &str, actual: &str) -> Option<Hint> {
    let differs = expected != actual && expected.trim() == actual.trim();
    differs.then(|| {
        let side = if expected.trim() != expected {
            "rule"
        } else {
            "token"
        };
        Hint::new(
            "surrounding-whitespace",
            format!(
                "the {side}'s value has leading or trailing whitespace; otherwise the two are equal"
            ),
        )
    })
}

pub fn trailing_slash(expected: &str, actual: &str) -> Option<Hint> {
    let differs =
        expected != actual && expected.trim_end_matches('/') == actual.trim_end_matches('/');
    differs.then(|| {
        let (with, without) = if expected.ends_with('/') { ("rule", "token") } else { ("token", "rule") };
        Hint::new(
            "trailing-slash",
            format!("the {with}'s value ends with '/' and the {without}'s does not; a trailing slash counts"),
        )
    })
}

/// Where two near-equal strings part ways: the common prefix, then the first differing
/// character of each. Only offered when they share a meaningful prefix.
pub fn first_difference(expected: &str, actual: &str) -> Option<Hint> {
    if expected == actual {
        return None;
    }
    let common = common_prefix_chars(expected, actual);
    // A shared `https://` says nothing about two different issuers.
    let scheme = expected.find("://").map_or(0, |at| at + "://".len());
    if common < 4 || common <= scheme {
        return None;
    }
    let at = |text: &str| {
        text.chars().nth(common).map_or_else(
            || "the end of the string".to_owned(),
            |c| format!("'{}'", c.escape_debug()),
        )
    };
    Some(Hint::new(
        "first-difference",
        format!(
            "the first {common} characters agree; then the rule has {} where the token has {}",
            at(expected),
            at(actual)
        ),
    ))
}

/// Number of leading characters two strings share; renderers use it to highlight the
/// differing part.
pub fn common_prefix_chars(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(expected: &str, actual: &str) -> Vec<&'static str> {
        string_mismatch_hints(expected, actual)
            .into_iter()
            .map(|h| h.code)
            .collect()
    }

    /// The two values used to print identically with no hint at all.
    #[test]
    fn an_invisible_character_is_named_with_its_position() {
        let rule = "repo:acme/app:ref:refs/heads/main";
        let token = "repo:acme/app\u{200b}:ref:refs/heads/main";
        let hints = string_mismatch_hints(rule, token);
        assert_eq!(
            hints.iter().map(|h| h.code).collect::<Vec<_>>(),
            ["invisible-character"]
        );
        assert_eq!(
            hints[0].message,
            "the values differ by an invisible character (U+200B ZERO WIDTH SPACE) at position 14: the token's value has it, the rule's does not"
        );
        for (expected, actual, code_point, position) in [
            (
                "\u{feff}sts.amazonaws.com",
                "sts.amazonaws.com",
                "U+FEFF",
                1,
            ),
            ("abc", "abc\u{e0041}", "U+E0041 TAG", 4),
            ("ab\u{ad}c", "ab\u{2060}c", "U+00AD", 3),
            ("line\u{2028}", "line", "U+2028", 5),
        ] {
            let hint = invisible_difference(expected, actual).unwrap();
            assert!(hint.message.contains(code_point), "{}", hint.message);
            assert!(
                hint.message.contains(&format!("at position {position}:")),
                "{}",
                hint.message
            );
        }
        assert!(invisible_difference("abc", "abd").is_none());
        assert!(invisible_difference("a\u{200b}", "a\u{200b}").is_none());
        assert_eq!(
            codes("repo:acme/app", "repo:acme/apq"),
            ["first-difference"]
        );
    }

    #[test]
    fn case_only() {
        assert!(
            case_only_difference(
                "repo:Acme/app:ref:refs/heads/main",
                "repo:acme/app:ref:refs/heads/main"
            )
            .is_some()
        );
        assert!(case_only_difference("a", "a").is_none());
        assert!(case_only_difference("a", "b").is_none());
    }

    #[test]
    fn whitespace_and_slash() {
        assert!(
            surrounding_whitespace("sts.amazonaws.com ", "sts.amazonaws.com")
                .unwrap()
                .message
                .contains("rule's")
        );
        assert!(surrounding_whitespace("x", "y").is_none());
        let slash = trailing_slash("https://issuer.example/", "https://issuer.example").unwrap();
        assert!(slash.message.contains("rule's value ends with '/'"));
        assert!(trailing_slash("https://a", "https://b").is_none());
    }

    #[test]
    fn a_shared_scheme_alone_is_no_hint() {
        assert!(first_difference("https://gitlab.com", "https://token.actions.example").is_none());
        assert!(first_difference("https://gitlab.com", "https://gitlab.co").is_some());
    }

    #[test]
    fn first_difference_points_at_the_character() {
        let hint = first_difference(
            "repo:acme/app:ref:refs/heads/main",
            "repo:acme/app:environment:prod",
        )
        .unwrap();
        assert_eq!(
            hint.message,
            "the first 14 characters agree; then the rule has 'r' where the token has 'e'"
        );
        let shorter = first_difference("repo:acme/app", "repo:acme/app:pull_request").unwrap();
        assert!(shorter.message.contains("the end of the string"));
        assert!(first_difference("abc", "xyz").is_none());
        assert_eq!(common_prefix_chars("ünï", "ünö"), 2);
    }

    #[test]
    fn combined() {
        assert_eq!(
            codes("sts.amazonaws.com/", "sts.amazonaws.com"),
            ["trailing-slash", "first-difference"]
        );
        assert_eq!(codes("same", "same"), Vec::<&str>::new());
        assert_eq!(codes("Prod", "prod"), ["case-only-difference"]);
    }
}
