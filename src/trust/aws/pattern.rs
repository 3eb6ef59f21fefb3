//! Policy values as IAM reads them: policy variables (`${key}`, `${key, 'default'}`), the
//! escapes `${*}` `${?}` `${$}`, and the `*`/`?` wildcards of `StringLike`.
//!
//! Source: reference_policies_variables.md (`policy-vars-specialchars`, `policy-vars-default-values`,
//! `policy-vars-no-value`) and reference_policies_elements_condition_operators.md#Conditions_String.
//! A substituted value is literal: a `*` inside it is not a wildcard (iam-simulate StringLike test
//! "not match wildcards in the policy value"). That is
//! why matching works on [`Piece`]s rather than on a pattern string.

use std::borrow::Cow;

/// One unit of a resolved policy value: a literal character, `*` or `?`.
pub use crate::trust::wildcard::Piece;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Piece(Piece),
    Variable {
        name: String,
        default: Option<String>,
    },
}

/// A policy value parsed once; variables are resolved per evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
    /// The pieces when there is no variable, so the common case allocates nothing per evaluation.
    fixed: Option<Vec<Piece>>,
}

/// What a variable's key holds in the request.
pub enum VariableValue {
    One(String),
    /// Absent from the request.
    Missing,
    /// A multivalued key, which a variable cannot stand for.
    Many,
}

/// Why a policy value could not be resolved; IAM then treats the value as not matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VariableError {
    Missing(String),
    MultiValued(String),
}

impl std::fmt::Display for VariableError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VariableError::Missing(name) => write!(
                f,
                "policy variable ${{{name}}} has no value in the request and no default, so this value never matches"
            ),
            VariableError::MultiValued(name) => write!(
                f,
                "policy variable ${{{name}}} names a multivalued key, which a variable cannot stand for; this value never matches"
            ),
        }
    }
}

impl Template {
    /// Parses `text`. Policies older than version 2012-10-17 have no variables: `${…}` is then
    /// plain text (reference_policies_variables.md, "policy-vars-intro").
    pub fn parse(text: &str, variables_enabled: bool) -> Template {
        let mut parts = Vec::with_capacity(text.len());
        let mut rest = text;
        // The next `}` at or after the current position, searched for only once we have passed
        // the previous one, and never again once there is none: one pass over the text even
        // for a value made of unterminated `${` (searching afresh at each `${` is quadratic).
        let mut next_close: Option<Option<usize>> = None;
        while let Some(c) = rest.chars().next() {
            if variables_enabled && rest.starts_with("${") {
                let at = text.len() - rest.len();
                let close = match next_close {
                    Some(Some(close)) if close > at => Some(close),
                    Some(None) => None,
                    _ => {
                        let found = text[at..].find('}').map(|i| at + i);
                        next_close = Some(found);
                        found
                    }
                };
                if let Some(end) = close {
                    parts.push(parse_variable(&text[at + 2..end]));
                    rest = &text[end + 1..];
                    continue;
                }
            }
            parts.push(Part::Piece(wildcard_or_literal(c)));
            rest = &rest[c.len_utf8()..];
        }
        let fixed = parts
            .iter()
            .map(|part| match part {
                Part::Piece(piece) => Some(*piece),
                Part::Variable { .. } => None,
            })
            .collect();
        Template { parts, fixed }
    }

    /// The pieces of a value without variables (`None` when it has some).
    pub fn fixed_pieces(&self) -> Option<&[Piece]> {
        self.fixed.as_deref()
    }

    pub fn has_variables(&self) -> bool {
        self.fixed.is_none()
    }

    /// Substitutes variables; their values become literal characters.
    pub fn resolve(
        &self,
        lookup: &dyn Fn(&str) -> VariableValue,
    ) -> Result<Cow<'_, [Piece]>, VariableError> {
        if let Some(fixed) = &self.fixed {
            return Ok(Cow::Borrowed(fixed));
        }
        let mut pieces = Vec::with_capacity(self.parts.len());
        for part in &self.parts {
            match part {
                Part::Piece(piece) => pieces.push(*piece),
                Part::Variable { name, default } => {
                    // A default stands in for a variable that cannot be substituted, whether
                    // its key is absent (policy-vars-default-values) or multivalued, which AWS
                    // does not document; iam-simulate util.ts replaceIamStringToken falls back
                    // to the default in both cases, and so does claimcheck.
                    let value = match (lookup(name), default) {
                        (VariableValue::One(value), _) => value,
                        (VariableValue::Missing | VariableValue::Many, Some(default)) => {
                            default.clone()
                        }
                        (VariableValue::Missing, None) => {
                            return Err(VariableError::Missing(name.clone()));
                        }
                        (VariableValue::Many, None) => {
                            return Err(VariableError::MultiValued(name.clone()));
                        }
                    };
                    pieces.extend(value.chars().map(Piece::Literal));
                }
            }
        }
        Ok(Cow::Owned(pieces))
    }
}

fn wildcard_or_literal(c: char) -> Piece {
    match c {
        '*' => Piece::AnyRun,
        '?' => Piece::AnyOne,
        other => Piece::Literal(other),
    }
}

/// The inside of `${…}`: an escape, a key, or a key with a quoted default.
fn parse_variable(inner: &str) -> Part {
    match inner.trim() {
        "*" => return Part::Piece(Piece::Literal('*')),
        "?" => return Part::Piece(Piece::Literal('?')),
        "$" => return Part::Piece(Piece::Literal('$')),
        _ => {}
    }
    match inner.split_once(',') {
        Some((name, default)) => {
            let default = default.trim();
            let unquoted = default
                .strip_prefix('\'')
                .and_then(|d| d.strip_suffix('\''))
                .unwrap_or(default);
            Part::Variable {
                name: name.trim().to_owned(),
                default: Some(unquoted.to_owned()),
            }
        }
        None => Part::Variable {
            name: inner.trim().to_owned(),
            default: None,
        },
    }
}

/// The resolved value as text, wildcards written as `*` and `?` (what `StringEquals` compares).
pub fn as_text(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|piece| match piece {
            Piece::Literal(c) => *c,
            Piece::AnyRun => '*',
            Piece::AnyOne => '?',
        })
        .collect()
}

/// `StringEqualsIgnoreCase`: equal character by character under Unicode simple case folding
/// (CaseFolding.txt statuses C and S), as Go's `strings.EqualFold` compares and as Java's
/// `String.equalsIgnoreCase` does apart from the Turkish dotted and dotless i. Lower-casing whole
/// strings would be wrong: it applies context rules (`ΑΣ` → `ας`, final sigma, while `ασ` stays)
/// and one-to-many expansions (`İ` → `i̇`).
pub fn eq_ignore_case(a: &str, b: &str) -> bool {
    let (mut a, mut b) = (a.chars(), b.chars());
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if x == y || simple_fold(x) == simple_fold(y) => {}
            _ => return false,
        }
    }
}

/// A representative of `c`'s simple case folding class: lower case of upper case, each taken
/// only when it is one character (a one-to-many mapping such as `ß` → `SS` is a full mapping,
/// not a simple one). `ı` and `İ` have no simple folding (CaseFolding.txt gives them only the
/// Turkic `T` status), so they stay themselves.
pub fn simple_fold(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    if c == 'ı' || c == 'İ' {
        return c;
    }
    fn one(mut mapped: impl Iterator<Item = char>, c: char) -> char {
        match (mapped.next(), mapped.next()) {
            (Some(single), None) => single,
            _ => c,
        }
    }
    let upper = one(c.to_uppercase(), c);
    one(upper.to_lowercase(), upper)
}

/// `StringLike`: anchored, case-sensitive; `*` any run (including empty), `?` one character.
/// Linear in the pattern and text unless a `*`-free stretch of the pattern mixes `?` with
/// literals (see [`crate::trust::wildcard::glob`]).
pub fn glob_matches(pieces: &[Piece], text: &str) -> bool {
    crate::trust::wildcard::glob(pieces, text)
}

/// Whether a written value holds a wildcard character outside the `${*}`/`${?}` escapes.
pub fn has_wildcard(text: &str, variables_enabled: bool) -> bool {
    Template::parse(text, variables_enabled)
        .parts
        .iter()
        .any(|part| matches!(part, Part::Piece(Piece::AnyRun | Piece::AnyOne)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_vars(_: &str) -> VariableValue {
        VariableValue::Missing
    }

    fn like(pattern: &str, text: &str) -> bool {
        let template = Template::parse(pattern, true);
        glob_matches(&template.resolve(&no_vars).unwrap(), text)
    }

    // Source for every row: reference_policies_elements_condition_operators.md#Conditions_String
    // unless the row says otherwise.
    #[test]
    fn string_like_table() {
        let rows: &[(&str, &str, bool)] = &[
            (
                "repo:acme/*",
                "repo:acme/app:ref:refs/heads/feature/x",
                true,
            ), // * spans : and /
            ("repo:acme/app", "repo:acme/app:ref:refs/heads/main", false), // anchored
            ("repo:acme/app:*", "repo:acme/app:", true),                   // * may be empty
            ("refs/heads/v?", "refs/heads/v1", true),                      // ? one char
            ("refs/heads/v?", "refs/heads/v10", false),                    // ? exactly one
            ("refs/heads/v?", "refs/heads/v", false),
            ("repo:Acme/*", "repo:acme/app", false), // case-sensitive (configure-aws-credentials#318)
            ("a*b*c", "aXbYbZc", true),
            ("*", "", true),
            ("?", "", false),
            ("data[1]/*/file?.txt", "data[1]/x/file1.txt", true), // brackets are literal (iam-simulate)
            ("data[1]/*/file?.txt", "data1/x/file1.txt", false),
            ("ünï*", "ünïcode", true), // characters, not bytes
            // reference_policies_variables.md#policy-vars-specialchars
            ("s3:::${*}", "s3:::*", true),
            ("s3:::${*}", "s3:::abc", false),
            ("s3:::${?}", "s3:::?", true),
            ("s3:::${?}", "s3:::a", false),
            ("s3:::${$}", "s3:::$", true),
        ];
        for &(pattern, text, expected) in rows {
            assert_eq!(like(pattern, text), expected, "{pattern} ~ {text}");
        }
    }

    // reference_policies_variables.md (policy-vars-default-values, policy-vars-no-value);
    // substituted values are literal (iam-simulate StringLike "not match wildcards in the policy value").
    #[test]
    fn variables_substitute_literal_text() {
        let lookup = |name: &str| match name {
            "aws:username" => VariableValue::One("Bob*".into()),
            "aws:tags" => VariableValue::Many,
            _ => VariableValue::Missing,
        };
        let template = Template::parse("test${aws:username}", true);
        assert!(template.has_variables());
        let pieces = template.resolve(&lookup).unwrap();
        assert!(glob_matches(&pieces, "testBob*"));
        assert!(!glob_matches(&pieces, "testBobTwo"));

        let defaulted = Template::parse("x-${aws:missing, 'fallback'}", true);
        assert_eq!(as_text(&defaulted.resolve(&lookup).unwrap()), "x-fallback");

        let missing = Template::parse("${aws:missing}", true);
        assert_eq!(
            missing.resolve(&lookup).unwrap_err(),
            VariableError::Missing("aws:missing".into())
        );
        let many_defaulted = Template::parse("${aws:tags, 'none'}", true);
        assert_eq!(as_text(&many_defaulted.resolve(&lookup).unwrap()), "none");
        let many = Template::parse("${aws:tags}", true);
        assert!(matches!(
            many.resolve(&lookup),
            Err(VariableError::MultiValued(_))
        ));
    }

    // reference_policies_variables.md: variables need Version 2012-10-17; otherwise literal.
    #[test]
    fn old_policy_versions_have_no_variables() {
        let template = Template::parse("${aws:username}", false);
        assert!(!template.has_variables());
        assert_eq!(
            as_text(&template.resolve(&no_vars).unwrap()),
            "${aws:username}"
        );
    }

    #[test]
    fn unterminated_variable_is_plain_text() {
        assert!(like("a${b", "a${b"));
        assert!(has_wildcard("repo:acme/*", true));
        assert!(!has_wildcard("repo:acme/${*}", true));
        assert!(has_wildcard("repo:acme/${*}", false));
    }

    // StringEqualsIgnoreCase compares under simple case folding, character by character. Rows
    // follow Go's strings.EqualFold (unicode.SimpleFold orbits from CaseFolding.txt C+S).
    #[test]
    fn ignore_case_table() {
        let rows: &[(&str, &str, bool)] = &[
            ("repo:Acme/App", "REPO:acme/app", true),
            ("ΑΣ", "ασ", true), // whole-string lower-casing gives "ας" for ΑΣ (final sigma)
            ("ΑΣ", "ας", true), // ς, σ and Σ share one folding class
            ("ΟΔΟΣ", "οδοσ", true),
            ("µ", "μ", true), // U+00B5 MICRO SIGN folds to U+03BC
            ("µ", "Μ", true),
            ("ſ", "S", true),        // LATIN SMALL LETTER LONG S folds to s
            ("\u{212A}", "k", true), // U+212A KELVIN SIGN folds to k
            ("\u{212B}", "å", true), // U+212B ANGSTROM SIGN
            ("ẞ", "ß", true),        // capital sharp s: simple folding to ß
            ("ß", "SS", false),      // SS is a full (one-to-many) folding, not simple
            ("ß", "ss", false),
            ("İ", "i", false), // Turkic-only mapping (status T)
            ("ı", "I", false),
            ("ǅ", "ǆ", true), // titlecase digraph
            ("Ǆ", "ǅ", true),
            ("ᾳ", "ᾼ", true), // simple mapping although the full upper case is ΑΙ
            ("𐐀", "𐐨", true), // DESERET, outside the BMP
            ("a", "ab", false),
            ("", "", true),
            ("straße", "STRASSE", false),
        ];
        for &(a, b, want) in rows {
            assert_eq!(eq_ignore_case(a, b), want, "{a:?} vs {b:?}");
            assert_eq!(eq_ignore_case(b, a), want, "{b:?} vs {a:?}");
        }
    }

    // Values that took minutes: `${` without `}` made parsing quadratic (2 MB: 128 s), and the
    // two-pointer StringLike matcher was O(pattern × value) (100 k × 700 k: 165 s). Generous
    // bound, debug build.
    #[test]
    fn long_values_parse_and_match_in_linear_time() {
        let started = std::time::Instant::now();
        let unterminated = "${".repeat(1_000_000);
        let template = Template::parse(&unterminated, true);
        assert!(!template.has_variables());
        assert_eq!(as_text(&template.resolve(&no_vars).unwrap()), unterminated);
        let closed_at_end = format!("{}}}", "${".repeat(1_000_000));
        assert!(Template::parse(&closed_at_end, true).has_variables());

        let value = "a".repeat(700_000);
        assert!(!like(&format!("*{}b", "a".repeat(100_000)), &value));
        assert!(like(&format!("*{}", "a".repeat(100_000)), &value));
        assert!(like(
            &format!("a*${{?}}{}*", "a".repeat(100_000)),
            &format!("a?{value}")
        ));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn ignore_case_is_reflexive_and_symmetric(a in "\\PC{0,8}", b in "\\PC{0,8}") {
                prop_assert!(eq_ignore_case(&a, &a));
                prop_assert_eq!(eq_ignore_case(&a, &b), eq_ignore_case(&b, &a));
            }

            #[test]
            fn ignore_case_agrees_with_ascii_on_ascii(a in "[ -~]{0,8}", b in "[ -~]{0,8}") {
                prop_assert_eq!(eq_ignore_case(&a, &b), a.eq_ignore_ascii_case(&b));
                prop_assert!(eq_ignore_case(&a, &a.to_ascii_uppercase()));
            }

            // Mixed-case Greek, Latin-1 and ASCII text equals its own upper and lower case taken
            // character by character (String::to_lowercase would apply the final-sigma rule).
            #[test]
            fn ignore_case_equals_per_character_case_changes(a in "[a-zA-ZσςΣαΑµμΜàÀ]{0,10}") {
                let upper: String = a.chars().map(|c| c.to_uppercase().next().unwrap()).collect();
                prop_assert!(eq_ignore_case(&a, &upper));
            }

            // wildmatch 2.7 implements exactly IAM's `*`/`?` grammar for patterns without escapes,
            // so it serves as the oracle.
            #[test]
            fn agrees_with_wildmatch(pattern in "[ab*?:/ü]{0,12}", text in "[ab:/ü]{0,16}") {
                let template = Template::parse(&pattern, true);
                let pieces = template.resolve(&|_| VariableValue::Missing).unwrap();
                prop_assert_eq!(
                    glob_matches(&pieces, &text),
                    wildmatch::WildMatch::new(&pattern).matches(&text)
                );
            }

            #[test]
            fn never_panics(pattern in "\\PC{0,20}", text in "\\PC{0,20}") {
                let template = Template::parse(&pattern, true);
                if let Ok(pieces) = template.resolve(&|_| VariableValue::One("v".into())) {
                    let _ = glob_matches(&pieces, &text);
                }
            }

            #[test]
            fn literal_text_matches_itself(text in "[a-z:/.]{0,16}") {
                let template = Template::parse(&text, true);
                let pieces = template.resolve(&|_| VariableValue::Missing).unwrap();
                prop_assert!(glob_matches(&pieces, &text));
            }
        }
    }
}
