//! The two small wildcard languages the evaluators need, written out because each system's
//! exact rules matter more than a general-purpose glob crate's conveniences.
//!
//! - [`go_glob`]: `ryanuber/go-glob` as used by Vault's `bound_claims_type=glob`: only `*` is
//!   special; no `?`, no classes, no escaping; anchored; case-sensitive.
//! - [`star_question`]: `*` any run of characters (possibly empty), `?` exactly one character;
//!   anchored; case-sensitive; no escaping. Used by Entra's `matches` and by `--expect CLAIM~GLOB`.

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

/// Anchored match with `*` (any run, including empty) and `?` (one character, not byte).
/// Linear-time two-pointer algorithm with a single backtrack point, so hostile patterns such as
/// `*a*a*a*…b` cannot blow up; works on the UTF-8 bytes without allocating, stepping whole
/// characters (both inputs are valid UTF-8, so every index stays on a character boundary).
pub fn star_question(pattern: &str, subject: &str) -> bool {
    let (pattern, subject) = (pattern.as_bytes(), subject.as_bytes());
    let (mut p, mut s) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while s < subject.len() {
        if let Some(&c) = pattern.get(p) {
            if c == b'*' {
                backtrack = Some((p, s));
                p += 1;
                continue;
            }
            if c == b'?' {
                p += 1;
                s += utf8_len(subject[s]);
                continue;
            }
            let len = utf8_len(c);
            if subject[s..].starts_with(&pattern[p..p + len]) {
                p += len;
                s += len;
                continue;
            }
        }
        match backtrack {
            Some((star, matched)) => {
                let next = matched + utf8_len(subject[matched]);
                p = star + 1;
                s = next;
                backtrack = Some((star, next));
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// Length of the UTF-8 sequence that starts with `first`.
fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
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
            // `?` is an ordinary character in go-glob (reference §4: "only `*` … no `?`").
            ("ma?n", "main", false),
            ("ma?n", "ma?n", true),
            // Case-sensitive (reference §0 table: Vault "Case-sensitive").
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
        // `?` one character, `*` multi-character; anchoring is reference §3.2 [infer].
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

    proptest! {
        #[test]
        fn matchers_agree_with_naive_oracle(p in "[aü€b*?/]{0,8}", s in "[aü€b?/]{0,10}") {
            let (pc, sc): (Vec<char>, Vec<char>) = (p.chars().collect(), s.chars().collect());
            prop_assert_eq!(star_question(&p, &s), naive(&pc, &sc, true));
            prop_assert_eq!(go_glob(&p, &s), naive(&pc, &sc, false));
        }
    }
}
