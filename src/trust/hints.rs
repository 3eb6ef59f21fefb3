//! Hints that compare what a rule expected with what the token had. Each is a small function
//! returning `Option<Hint>`, tested on its own; evaluators call [`string_mismatch_hints`] and add
//! their system-specific hints.

use super::verdict::Hint;

/// All generic hints for a string that should have equalled `expected` but was `actual`.
pub fn string_mismatch_hints(expected: &str, actual: &str) -> Vec<Hint> {
    [
        case_only_difference,
        surrounding_whitespace,
        trailing_slash,
        first_difference,
    ]
    .iter()
    .filter_map(|hint| hint(expected, actual))
    .collect()
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
