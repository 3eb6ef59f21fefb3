//! A claim constraint as a regular language, written as an anchored regular expression so that
//! every constraint on one claim compiles into one multi-pattern DFA (`space`).
//!
//! Each constructor mirrors one evaluator's string test exactly; the property tests in `tests`
//! check the mirror against the evaluator's own function on random strings.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::trust::wildcard::Piece;

/// One language over a claim's string value.
#[derive(Debug, Clone)]
pub struct Lang {
    /// The language as a regular expression, matched against the whole value.
    pub regex: String,
    /// How a reviewer reads it: `= "x"`, `like "repo:acme/*"`, `matches /re/`.
    pub shown: String,
    /// Members to try as realistic witnesses (the value itself, a glob with its wildcards
    /// filled in the ways issuers fill them).
    pub samples: Vec<String>,
}

impl PartialEq for Lang {
    fn eq(&self, other: &Lang) -> bool {
        self.regex == other.regex
    }
}

impl Lang {
    /// Exact, case-sensitive equality (IAM `StringEquals`, Vault `bound_subject`, Entra `eq`).
    pub fn exact(value: &str) -> Lang {
        Lang {
            regex: regex::escape(value),
            shown: with_plain(format!("= {value:?}"), github_plain(value)),
            samples: vec![value.to_owned()],
        }
    }

    /// Equality ignoring ASCII case only (IAM `Bool`, AWS condition-key prefixes).
    pub fn ascii_caseless(value: &str) -> Lang {
        let regex: String = value
            .chars()
            .map(|c| {
                if c.is_ascii_alphabetic() {
                    format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase())
                } else {
                    regex::escape(&c.to_string())
                }
            })
            .collect();
        Lang {
            regex,
            shown: format!("= {value:?} ignoring ASCII case"),
            samples: vec![value.to_owned()],
        }
    }

    /// Equality character by character under simple case folding, as IAM's `*IgnoreCase`
    /// operators compare (`aws::pattern::eq_ignore_case`): every character becomes the class of
    /// the characters that fold like it.
    pub fn caseless(value: &str) -> Lang {
        let regex: String = value.chars().map(fold_class).collect();
        Lang {
            regex,
            shown: format!("= {value:?} ignoring case"),
            samples: vec![value.to_owned()],
        }
    }

    /// An anchored `*`/`?` glob (IAM `StringLike`, Entra `matches`, Vault glob with `*` only).
    pub fn glob(pieces: &[Piece], written: &str) -> Lang {
        let regex: String = pieces
            .iter()
            .map(|piece| match piece {
                Piece::Literal(c) => regex::escape(&c.to_string()),
                Piece::AnyRun => "(?s:.)*".to_owned(),
                Piece::AnyOne => "(?s:.)".to_owned(),
            })
            .collect();
        let samples = FILLERS
            .iter()
            .map(|filler| {
                pieces
                    .iter()
                    .map(|piece| match piece {
                        Piece::Literal(c) => c.to_string(),
                        Piece::AnyRun => (*filler).to_owned(),
                        Piece::AnyOne => "x".to_owned(),
                    })
                    .collect()
            })
            .collect();
        Lang {
            regex,
            shown: with_plain(format!("like {written:?}"), github_plain(written)),
            samples,
        }
    }

    /// `*`/`?` glob text without escapes (Entra `matches`).
    pub fn star_question(pattern: &str) -> Lang {
        let pieces: Vec<Piece> = pattern
            .chars()
            .map(|c| match c {
                '*' => Piece::AnyRun,
                '?' => Piece::AnyOne,
                other => Piece::Literal(other),
            })
            .collect();
        Lang::glob(&pieces, pattern)
    }

    /// `ryanuber/go-glob` (Vault `bound_claims_type: glob`): only `*` is special. Its
    /// leftmost search accepts exactly the strings the `*` glob accepts
    /// (`trust::wildcard::go_glob`), which the property tests check.
    pub fn go_glob(pattern: &str) -> Lang {
        let pieces: Vec<Piece> = pattern
            .chars()
            .map(|c| match c {
                '*' => Piece::AnyRun,
                other => Piece::Literal(other),
            })
            .collect();
        Lang::glob(&pieces, pattern)
    }

    /// An AWS condition-key prefix as the issuer must be for the key to be the token's: the
    /// issuer without `https://` equal to it ignoring ASCII case (`aws::context`).
    pub fn issuer_prefix(prefix: &str) -> Lang {
        let caseless = Lang::ascii_caseless(prefix);
        Lang {
            regex: format!("(?:https://)?{}", caseless.regex),
            shown: format!("= \"https://{prefix}\" (or without https://) ignoring ASCII case"),
            samples: vec![format!("https://{prefix}"), prefix.to_owned()],
        }
    }

    /// CEL `startsWith` with a literal.
    pub fn prefix(prefix: &str) -> Lang {
        Lang {
            regex: format!("{}(?s:.)*", regex::escape(prefix)),
            shown: format!("a string starting with {prefix:?}"),
            samples: FILLERS.iter().map(|f| format!("{prefix}{f}")).collect(),
        }
    }

    /// CEL `endsWith` with a literal.
    pub fn suffix(suffix: &str) -> Lang {
        Lang {
            regex: format!("(?s:.)*{}", regex::escape(suffix)),
            shown: format!("a string ending with {suffix:?}"),
            samples: FILLERS.iter().map(|f| format!("{f}{suffix}")).collect(),
        }
    }

    /// CEL `contains` with a literal.
    pub fn substring(part: &str) -> Lang {
        Lang {
            regex: format!("(?s:.)*{}(?s:.)*", regex::escape(part)),
            shown: format!("a string containing {part:?}"),
            samples: FILLERS
                .iter()
                .flat_map(|f| [format!("{f}{part}"), format!("{part}{f}")])
                .collect(),
        }
    }

    /// CEL `matches`: `translated` is the evaluator's pattern in `regex` syntax
    /// (`cel::matches_regex`), searched anywhere in the string's bytes as the evaluator does.
    pub fn search(written: &str, translated: &str) -> Lang {
        Lang {
            regex: format!("(?s-u:.)*(?:{translated})(?s-u:.)*"),
            shown: format!("a string matching /{written}/"),
            samples: Vec::new(),
        }
    }

    /// At most `bytes` bytes of UTF-8 (GCP's `google.subject` limit). Its regex is what it
    /// means, but `space` counts the length beside the automaton instead of compiling it: a
    /// counter to 127 would multiply the automaton of every other test on the claim.
    pub fn max_bytes(bytes: usize, why: &str) -> Lang {
        Lang {
            regex: format!("{BYTE_LIMIT_START}{bytes}}}"),
            shown: format!("at most {bytes} bytes ({why})"),
            samples: Vec::new(),
        }
    }

    /// The limit of a [`Lang::max_bytes`] language.
    pub fn byte_limit(&self) -> Option<usize> {
        self.regex
            .strip_prefix(BYTE_LIMIT_START)?
            .strip_suffix('}')?
            .parse()
            .ok()
    }

    /// The empty string alone.
    pub fn empty() -> Lang {
        Lang {
            regex: String::new(),
            shown: "= \"\"".to_owned(),
            samples: vec![String::new()],
        }
    }
}

const BYTE_LIMIT_START: &str = "(?s-u:.){0,";

/// What a `*` is filled with when looking for realistic members: the tails of GitHub and GitLab
/// subjects first, then short words.
const FILLERS: &[&str] = &[
    "ref:refs/heads/main",
    "x:ref:refs/heads/main",
    "pull_request",
    "x:pull_request",
    "environment:prod",
    "x:environment:prod",
    "ref:refs/tags/v1",
    "x:ref:refs/tags/v1",
    "main",
    "x/x:ref_type:branch:ref:main",
    "ref_type:branch:ref:main",
    "x",
    "",
];

/// `[cC…]`: `c` and every character whose simple case folding equals `c`'s.
fn fold_class(c: char) -> String {
    let fold = crate::trust::aws::simple_fold;
    let key = fold(c);
    let mut members: Vec<char> = vec![c];
    if fold(key) == key {
        members.push(key);
    }
    if let Some(others) = fold_table().get(&key) {
        members.extend(others.iter().copied());
    }
    members.sort_unstable();
    members.dedup();
    if members.len() == 1 {
        return regex::escape(&c.to_string());
    }
    let inner: String = members
        .iter()
        .map(|m| regex::escape(&m.to_string()))
        .collect();
    format!("[{inner}]")
}

/// The characters that fold to another character, grouped by what they fold to; built once
/// (a scan of every scalar value).
fn fold_table() -> &'static BTreeMap<char, Vec<char>> {
    static TABLE: OnceLock<BTreeMap<char, Vec<char>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut groups: BTreeMap<char, Vec<char>> = BTreeMap::new();
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let key = crate::trust::aws::simple_fold(c);
            if key != c {
                groups.entry(key).or_default().push(c);
            }
        }
        groups
    })
}

fn with_plain(shown: String, plain: Option<String>) -> String {
    match plain {
        Some(plain) => format!("{shown} ({plain})"),
        None => shown,
    }
}

/// A GitHub Actions subject pattern in words (the subject forms of
/// https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect#example-subject-claims),
/// for the common shapes; `None` for anything else.
pub fn github_plain(pattern: &str) -> Option<String> {
    let rest = pattern.strip_prefix("repo:")?;
    if rest == "*" {
        return Some(
            "any repository on GitHub: any branch, tag, environment or pull request".into(),
        );
    }
    let plain_name = |s: &str| !s.is_empty() && !s.contains(['*', '?', ':', '/']);
    let (owner, tail) = rest.split_once('/')?;
    if !plain_name(owner) {
        return None;
    }
    if tail == "*" {
        return Some(format!(
            "any repository of {owner}: any branch, tag, environment or pull request"
        ));
    }
    let (name, context) = tail.split_once(':')?;
    if !plain_name(name) {
        return None;
    }
    let repo = format!("{owner}/{name}");
    let text = match context {
        "*" => format!("{repo}: any branch, tag, environment or pull request"),
        "pull_request" => format!("pull requests of {repo}"),
        "ref:refs/heads/*" => format!("any branch of {repo}"),
        "ref:refs/tags/*" => format!("any tag of {repo}"),
        "environment:*" => format!("any environment of {repo}"),
        other => {
            if let Some(branch) = other
                .strip_prefix("ref:refs/heads/")
                .filter(|b| !b.contains(['*', '?']))
            {
                format!("branch {branch} of {repo}")
            } else if let Some(tag) = other
                .strip_prefix("ref:refs/tags/")
                .filter(|b| !b.contains(['*', '?']))
            {
                format!("tag {tag} of {repo}")
            } else if let Some(env) = other
                .strip_prefix("environment:")
                .filter(|b| !b.contains(['*', '?', ':']))
            {
                format!("environment {env} of {repo}")
            } else {
                return None;
            }
        }
    };
    Some(text)
}
