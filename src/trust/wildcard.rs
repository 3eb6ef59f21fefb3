//! The two small wildcard languages the evaluators need, written out because each system's
//! exact rules matter more than a general-purpose glob crate's conveniences.
//!
//! - [`go_glob`]: `ryanuber/go-glob` as used by Vault's `bound_claims_type=glob`: only `*` is
//!   special; no `?`, no classes, no escaping; anchored; case-sensitive.
//! - [`star_question`]: `*` any run of characters (possibly empty), `?` exactly one character;
//!   anchored; case-sensitive; no escaping. Used by Entra's `matches` and by `--expect CLAIM~GLOB`.
//! - [`glob`]: the same language over [`Piece`]s, for AWS `StringLike`, whose escapes (`${*}`)
//!   and substituted variables make literal `*` and `?` possible.

/// `ryanuber/go-glob` `Glob(pattern, subject)`, reproduced step for step from glob.go v1.0.0:
/// split on `*`, the first piece must be a prefix unless the pattern starts with `*`, every middle
/// piece is found leftmost in what remains, the last piece must be a suffix unless the pattern ends
/// with `*`. For `*`-only patterns leftmost matching is exact, so no backtracking is needed.
pub fn go_glob(pattern: &str, subject: &str) -> bool {
    if pattern.is_empty() {
        return subject.is_empty();
    }
    if pattern == "*" {
        return true;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return subject == pattern;
    }
    let leading_glob = pattern.starts_with('*');
    let trailing_glob = pattern.ends_with('*');
    let last = parts.len() - 1;
    let mut rest = subject;
    for (i, part) in parts[..last].iter().enumerate() {
        match rest.find(part) {
            Some(at) if i > 0 || leading_glob || at == 0 => rest = &rest[at + part.len()..],
            _ => return false,
        }
    }
    trailing_glob || rest.ends_with(parts[last])
}

/// One unit of a `*`/`?` glob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    Literal(char),
    /// `*`: any run of characters, including none, across `/` and `:`.
    AnyRun,
    /// `?`: exactly one character (not byte).
    AnyOne,
}

/// Anchored match with `*` (any run, including empty) and `?` (one character, not byte); no
/// escaping, case-sensitive.
pub fn star_question(pattern: &str, subject: &str) -> bool {
    let pieces: Vec<Piece> = pattern
        .chars()
        .map(|c| match c {
            '*' => Piece::AnyRun,
            '?' => Piece::AnyOne,
            other => Piece::Literal(other),
        })
        .collect();
    glob(&pieces, subject)
}

/// Anchored glob match over [`Piece`]s. The pattern is cut at its `*`s into segments: the first
/// must match at the start of the text, the last at its end, and each one between at its
/// leftmost occurrence after the previous one. Taking the leftmost occurrence never loses a
/// match, since the `*`s on both sides absorb whatever lies between, so nothing is retried.
/// A segment without `?` is found with the standard library's substring search (linear), which
/// makes the whole match linear in the pattern and text; only a segment mixing `?` with
/// literals is tried at each start, O(text × segment). (The classic two-pointer matcher with
/// star restarts is O(text × pattern) on `*aaa…ab` against `aaa…a`: minutes for 100 k × 700 k.)
pub fn glob(pieces: &[Piece], text: &str) -> bool {
    let Some(first_star) = pieces.iter().position(|p| *p == Piece::AnyRun) else {
        return match_prefix(pieces, text).is_some_and(str::is_empty);
    };
    let last_star = pieces
        .iter()
        .rposition(|p| *p == Piece::AnyRun)
        .unwrap_or(first_star);
    let Some(mut rest) = match_prefix(&pieces[..first_star], text) else {
        return false;
    };
    let between = pieces.get(first_star + 1..last_star).unwrap_or_default();
    for segment in between.split(|p| *p == Piece::AnyRun) {
        if segment.is_empty() {
            continue;
        }
        match find(segment, rest) {
            Some(end) => rest = &rest[end..],
            None => return false,
        }
    }
    match_suffix(&pieces[last_star + 1..], rest)
}

/// `text` after `segment` (no `*` in it) matched at its start.
fn match_prefix<'t>(segment: &[Piece], text: &'t str) -> Option<&'t str> {
    let mut chars = text.chars();
    for piece in segment {
        let c = chars.next()?;
        if let Piece::Literal(expected) = piece
            && *expected != c
        {
            return None;
        }
    }
    Some(chars.as_str())
}

/// Whether `segment` (no `*` in it) matches the end of `text`.
fn match_suffix(segment: &[Piece], text: &str) -> bool {
    let mut chars = text.chars().rev();
    segment
        .iter()
        .rev()
        .all(|piece| match (piece, chars.next()) {
            (_, None) => false,
            (Piece::Literal(expected), Some(c)) => *expected == c,
            (_, Some(_)) => true,
        })
}

/// The byte offset just past the leftmost occurrence of `segment` (no `*` in it) in `text`.
fn find(segment: &[Piece], text: &str) -> Option<usize> {
    if !segment.contains(&Piece::AnyOne) {
        let needle: String = segment
            .iter()
            .filter_map(|piece| match piece {
                Piece::Literal(c) => Some(*c),
                Piece::AnyRun | Piece::AnyOne => None,
            })
            .collect();
        return text.find(&needle).map(|at| at + needle.len());
    }
    text.char_indices()
        .map(|(at, _)| at)
        .find_map(|at| match_prefix(segment, &text[at..]).map(|rest| text.len() - rest.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn go_glob_table() {
        // Rows from ryanuber/go-glob glob_test.go (v1.0.0, the version vault-plugin-auth-jwt uses).
        let rows: &[(&str, &str, bool)] = &[
            ("", "", true),
            ("", "test", false),
            ("*", "", true),
            ("**", "", true),
            ("test", "", false),
            ("*test*", "", false),
            ("x*x", "", false),
            ("test", "test", true),
            ("*test", "this is a ϗѾ test", true),
            ("this*", "this is a ϗѾ test", true),
            ("this*test", "this is a ϗѾ test", true),
            ("*is *", "this is a ϗѾ test", true),
            ("**is**a***test*", "this is a ϗѾ test", true),
            ("*Ѿ*", "this is a ϗѾ test", true),
            ("test*", "this is a test", false),
            ("*is", "this is a test", false),
            ("*no*", "this is a test", false),
            (" ", "this is a test", false),
            ("* ", "this is a test", false),
            (" *", "this is a test", false),
            ("this*this is a test", "this is a test", false),
            (
                "*quick*fox*dog",
                "The quick brown fox jumped over the lazy dog",
                true,
            ),
            // `?` is an ordinary character in go-glob (glob.go splits on `*` only).
            ("ma?n", "main", false),
            ("ma?n", "ma?n", true),
            // Case-sensitive (glob.go compares bytes).
            ("Main*", "main", false),
            // `*` spans `/` and `:` (go-glob treats every other byte literally).
            (
                "project_path:acme/*",
                "project_path:acme/infra:ref_type:branch:ref:main",
                true,
            ),
        ];
        for &(pattern, subject, want) in rows {
            assert_eq!(
                go_glob(pattern, subject),
                want,
                "{pattern:?} vs {subject:?}"
            );
        }
        // go-glob glob_test.go: a million stars still match the empty string, quickly.
        assert!(go_glob(&"*".repeat(1_000_000), ""));
        assert!(!go_glob(&format!("x{}x", "*".repeat(1_000_000)), ""));
    }

    #[test]
    fn star_question_table() {
        // Entra flexible FIC doc (workload-identities-flexible-federated-identity-credentials.md):
        // `?` one character, `*` multi-character; anchoring is inferred from the examples (inferred).
        let rows: &[(&str, &str, bool)] = &[
            (
                "repo:contoso/contoso-repo:ref:refs/heads/*",
                "repo:contoso/contoso-repo:ref:refs/heads/feature-1",
                true,
            ),
            (
                "repo:contoso/contoso-repo:ref:refs/heads/*",
                "repo:contoso/contoso-repo:environment:prod",
                false,
            ),
            (
                "repo:contoso/contoso-repo-*:ref:refs/heads/????",
                "repo:contoso/contoso-repo-api:ref:refs/heads/main",
                true,
            ),
            (
                "repo:contoso/contoso-repo-*:ref:refs/heads/????",
                "repo:contoso/contoso-repo-api:ref:refs/heads/master",
                false,
            ),
            ("a*", "a", true),
            ("*", "", true),
            ("?", "", false),
            ("?", "ü", true),
            ("a*b*c", "abc", true),
            ("a*b*c", "aXbYbZc", true),
            ("a*b*c", "acb", false),
            ("abc", "abcd", false),
            ("bcd", "abcd", false),
            ("ABC", "abc", false),
        ];
        for &(pattern, subject, want) in rows {
            assert_eq!(
                star_question(pattern, subject),
                want,
                "{pattern:?} vs {subject:?}"
            );
        }
        let hostile = format!("{}b", "*a".repeat(50));
        assert!(!star_question(&hostile, &"a".repeat(200)));
    }

    /// Reference oracle: plain recursive matcher over chars, exponential but fine for short input.
    fn naive(p: &[char], s: &[char], question_is_wild: bool) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some(('*', rest)) => (0..=s.len()).any(|i| naive(rest, &s[i..], question_is_wild)),
            Some((&c, rest)) => match s.split_first() {
                Some((&h, tail)) if (question_is_wild && c == '?') || c == h => {
                    naive(rest, tail, question_is_wild)
                }
                _ => false,
            },
        }
    }

    // A long literal after a `*`, against a long text it almost matches: the two-pointer matcher
    // with star restarts re-scanned the literal from every text position (165 s for a 100 k
    // pattern against a 700 k value); segment search is linear. Generous bound, debug build.
    #[test]
    fn long_patterns_match_in_linear_time() {
        let started = std::time::Instant::now();
        let text = "a".repeat(700_000);
        let near_miss = format!("*{}b", "a".repeat(100_000));
        assert!(!star_question(&near_miss, &text));
        let hit = format!("*{}", "a".repeat(100_000));
        assert!(star_question(&hit, &text));
        let middle = format!("a*{}*a", "a".repeat(100_000));
        assert!(star_question(&middle, &text));
        let many_stars = "*a".repeat(50_000) + "b";
        assert!(!star_question(&many_stars, &text));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    proptest! {
        // wildmatch 2.7 implements the same `*`/`?` language (anchored, `?` one character).
        #[test]
        fn star_question_agrees_with_wildmatch(p in "[aü:/*?]{0,12}", s in "[aü:/]{0,16}") {
            prop_assert_eq!(star_question(&p, &s), wildmatch::WildMatch::new(&p).matches(&s));
        }

        #[test]
        fn matchers_agree_with_naive_oracle(p in "[aü€b*?/]{0,8}", s in "[aü€b?/]{0,10}") {
            let (pc, sc): (Vec<char>, Vec<char>) = (p.chars().collect(), s.chars().collect());
            prop_assert_eq!(star_question(&p, &s), naive(&pc, &sc, true));
            prop_assert_eq!(go_glob(&p, &s), naive(&pc, &sc, false));
        }
    }
}
