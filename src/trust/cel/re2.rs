//! CEL's `matches` is RE2 (https://github.com/google/cel-spec/blob/master/doc/langdef.md#regular-expressions;
//! cel-go uses Go's `regexp`, CEL C++ uses RE2 itself). The `regex` crate is close to RE2 but
//! not the same, and the differences are exactly where a condition would admit a look-alike:
//!
//! * RE2's Perl classes `\d \w \s` and `\b` are ASCII-only (https://github.com/google/re2/wiki/Syntax:
//!   `\d` ≡ `[0-9]`, `\s` ≡ `[\t\n\f\r ]`, `\w` ≡ `[0-9A-Za-z_]`, `\b` an ASCII word boundary);
//!   the `regex` crate makes them Unicode, so `'١٢٣'.matches('^\\d+$')` would be true.
//! * RE2 has `\Q…\E` literal text and `\C` (any byte); the `regex` crate refuses both.
//! * RE2 reads octal escapes (`\012`), a `{` that starts no repetition, and a `[`, `&&`, `--` or
//!   `~~` inside a class as literals; the `regex` crate reads them as syntax or refuses them.
//! * The `regex` crate has `\<`, `\>` (word starts and ends) and flags `x`, `u`, `R`; in RE2 an
//!   escaped punctuation character is the character, and those flags are errors.
//!
//! [`translate`] rewrites an RE2 pattern into `regex` syntax with RE2's meaning; `.` and
//! literals stay Unicode-aware, as RE2 is over UTF-8.

use std::cell::RefCell;
use std::collections::HashMap;

const DIGIT: &str = "0-9";
const WORD: &str = "0-9A-Za-z_";
const SPACE: &str = r"\t\n\x0C\r ";

/// RE2's limit on a counted repetition (`re2/parse.cc`, `kMaxRepeat`).
const MAX_REPEAT: u32 = 1000;

/// The class body for a Perl class letter, and whether it is negated.
fn perl_class(letter: char) -> Option<(&'static str, bool)> {
    match letter {
        'd' => Some((DIGIT, false)),
        'D' => Some((DIGIT, true)),
        'w' => Some((WORD, false)),
        'W' => Some((WORD, true)),
        's' => Some((SPACE, false)),
        'S' => Some((SPACE, true)),
        _ => None,
    }
}

/// Which engine's syntax: RE2 itself (CEL C++, and so GCP as far as claimcheck knows), or Go's
/// `regexp` (cel-go, and so Kubernetes), which is RE2's syntax without `\C`
/// (https://pkg.go.dev/regexp/syntax).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flavor {
    Re2,
    Go,
}

/// An RE2 pattern in `regex` crate syntax, or RE2's reason to refuse it.
pub fn translate(pattern: &str, flavor: Flavor) -> Result<String, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => i = escape(&chars, i, &mut out, false, flavor)?,
            '[' => i = class(&chars, i, &mut out)?,
            '(' if chars.get(i + 1) == Some(&'?') => i = group_flags(&chars, i, &mut out)?,
            '{' => i = brace(&chars, i, &mut out)?,
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// `\x` at `chars[at]`, outside or inside a class; returns the index after it.
fn escape(
    chars: &[char],
    at: usize,
    out: &mut String,
    in_class: bool,
    flavor: Flavor,
) -> Result<usize, String> {
    let Some(&next) = chars.get(at + 1) else {
        return Err("trailing \\".to_owned());
    };
    if let Some((body, negated)) = perl_class(next) {
        match (in_class, negated) {
            (true, false) => out.push_str(body),
            // The `regex` crate nests classes: `[a[^0-9]]` is `a` or a non-digit.
            _ => {
                out.push_str(if negated { "[^" } else { "[" });
                out.push_str(body);
                out.push(']');
            }
        }
        return Ok(at + 2);
    }
    match next {
        'b' | 'B' if !in_class => {
            out.push_str(if next == 'b' {
                r"(?-u:\b)"
            } else {
                r"(?-u:\B)"
            });
            Ok(at + 2)
        }
        'Q' if !in_class => {
            let mut j = at + 2;
            while j < chars.len() && !(chars[j] == '\\' && chars.get(j + 1) == Some(&'E')) {
                push_literal(out, chars[j]);
                j += 1;
            }
            Ok(if j < chars.len() { j + 2 } else { j })
        }
        // Any single byte, even inside a UTF-8 sequence: patterns are matched as bytes.
        'C' if !in_class && flavor == Flavor::Re2 => {
            out.push_str("(?s-u:.)");
            Ok(at + 2)
        }
        '0'..='7' => octal(chars, at, out),
        'p' | 'P' | 'x' => {
            // `\pL`, `\p{Greek}`, `\x41`, `\x{263a}`: the same in both.
            out.push('\\');
            out.push(next);
            let mut j = at + 2;
            if chars.get(j) == Some(&'{') {
                while j < chars.len() && chars[j] != '}' {
                    out.push(chars[j]);
                    j += 1;
                }
                if j < chars.len() {
                    out.push('}');
                    j += 1;
                }
            } else {
                let take = if next == 'x' { 2 } else { 1 };
                for _ in 0..take {
                    if let Some(&c) = chars.get(j) {
                        out.push(c);
                        j += 1;
                    }
                }
            }
            Ok(j)
        }
        'a' | 'f' | 't' | 'n' | 'r' | 'v' | 'A' | 'z' if !in_class || !"Az".contains(next) => {
            out.push('\\');
            out.push(next);
            Ok(at + 2)
        }
        c if c.is_ascii_punctuation() => {
            push_literal(out, c);
            Ok(at + 2)
        }
        c => Err(format!("invalid escape sequence: \\{c}")),
    }
}

/// RE2's octal escapes: `\0` followed by up to two octal digits, or `\1`–`\7` followed by one
/// or two (a lone `\1` would be a backreference, which RE2 refuses).
fn octal(chars: &[char], at: usize, out: &mut String) -> Result<usize, String> {
    let first = chars[at + 1];
    let mut j = at + 2;
    if first != '0' && !chars.get(j).is_some_and(|c| ('0'..='7').contains(c)) {
        return Err(format!("invalid escape sequence: \\{first}"));
    }
    let mut value = first.to_digit(8).unwrap_or(0);
    while j < at + 4 && chars.get(j).is_some_and(|c| ('0'..='7').contains(c)) {
        value = value * 8 + chars[j].to_digit(8).unwrap_or(0);
        j += 1;
    }
    out.push_str(&format!(r"\x{{{value:x}}}"));
    Ok(j)
}

fn push_literal(out: &mut String, c: char) {
    // `regex::escape` escapes exactly the characters the `regex` crate reads as syntax, and
    // not `<` or `>`, which escaped would be word boundaries.
    out.push_str(&regex::escape(c.encode_utf8(&mut [0; 4])));
}

/// A class `[…]` at `chars[at]`; returns the index after its `]`.
fn class(chars: &[char], at: usize, out: &mut String) -> Result<usize, String> {
    out.push('[');
    let mut j = at + 1;
    if chars.get(j) == Some(&'^') {
        out.push('^');
        j += 1;
    }
    // A `]` first is a literal in both.
    if chars.get(j) == Some(&']') {
        out.push_str(r"\]");
        j += 1;
    }
    let mut previous: Option<char> = None;
    while j < chars.len() {
        let c = chars[j];
        match c {
            ']' => {
                out.push(']');
                return Ok(j + 1);
            }
            '\\' => {
                j = escape(chars, j, out, true, Flavor::Re2)?;
                previous = None;
                continue;
            }
            '[' if chars.get(j + 1) == Some(&':') => {
                // A POSIX class `[:alpha:]`, the same in both.
                let close = (j + 2..chars.len().saturating_sub(1))
                    .find(|&k| chars[k] == ':' && chars[k + 1] == ']')
                    .ok_or("missing closing ]")?;
                out.extend(&chars[j..close + 2]);
                j = close + 2;
                previous = None;
                continue;
            }
            '[' | '&' | '~' => push_literal(out, c),
            '-' if previous == Some('-') => push_literal(out, c),
            _ => out.push(c),
        }
        previous = Some(c);
        j += 1;
    }
    Err("missing closing ]".to_owned())
}

/// `(?…` at `chars[at]`: named groups pass; flag groups may use only RE2's flags `i m s U`.
fn group_flags(chars: &[char], at: usize, out: &mut String) -> Result<usize, String> {
    let mut j = at + 2;
    if matches!(chars.get(j), Some('P' | '<')) {
        out.push_str("(?");
        return Ok(j);
    }
    while let Some(&c) = chars.get(j) {
        match c {
            ':' | ')' => {
                out.extend(&chars[at..=j]);
                return Ok(j + 1);
            }
            'i' | 'm' | 's' | 'U' | '-' => j += 1,
            _ => {
                return Err(format!(
                    "invalid or unsupported Perl syntax: {}",
                    chars[at..=j].iter().collect::<String>()
                ));
            }
        }
    }
    Err("missing closing )".to_owned())
}

/// `{` at `chars[at]`: a repetition `{n}`, `{n,}`, `{n,m}` (at most 1000, as RE2 allows), or
/// else a literal `{`.
fn brace(chars: &[char], at: usize, out: &mut String) -> Result<usize, String> {
    let Some(close) = (at + 1..chars.len()).find(|&k| chars[k] == '}') else {
        out.push_str(r"\{");
        return Ok(at + 1);
    };
    let body: String = chars[at + 1..close].iter().collect();
    let (low, high) = match body.split_once(',') {
        Some((low, high)) => (low, Some(high)),
        None => (body.as_str(), None),
    };
    let number = |s: &str| {
        (!s.is_empty() && s.chars().all(|c| c.is_ascii_digit())).then(|| s.parse::<u32>().ok())
    };
    let repeat = match (number(low), high.map(|h| (h.is_empty(), number(h)))) {
        (Some(low), None) => Some((low, None)),
        (Some(low), Some((true, _))) => Some((low, None)),
        (Some(low), Some((false, Some(high)))) => Some((low, high)),
        _ => None,
    };
    match repeat {
        None => {
            out.push_str(r"\{");
            Ok(at + 1)
        }
        Some((low, high)) => {
            let too_big = |n: Option<u32>| n.is_none_or(|n| n > MAX_REPEAT);
            if too_big(low) || high.is_some_and(|h| h > MAX_REPEAT) {
                return Err(format!("bad repetition operator: {{{body}}}"));
            }
            out.extend(&chars[at..=close]);
            Ok(close + 1)
        }
    }
}

/// Compiled patterns by RE2 source, per thread: the interpreter calls `matches` once per
/// evaluation with the same pattern. Bounded so that patterns built from claims cannot grow it.
const CACHE_LIMIT: usize = 64;

thread_local! {
    static CACHE: RefCell<HashMap<(String, Flavor), Result<regex::bytes::Regex, String>>> =
        RefCell::new(HashMap::new());
}

/// The `regex` crate's compilation of an RE2 pattern, with RE2's meaning. A bytes regex, as
/// RE2's `\C` matches one byte of a UTF-8 sequence; Unicode mode stays on for everything else.
pub fn compile(pattern: &str, flavor: Flavor) -> Result<regex::bytes::Regex, String> {
    translate(pattern, flavor)
        .and_then(|translated| regex::bytes::Regex::new(&translated).map_err(|e| e.to_string()))
}

/// Whether `text` matches the RE2 `pattern` anywhere (CEL's `matches` is unanchored).
pub fn is_match(text: &str, pattern: &str, flavor: Flavor) -> Result<bool, String> {
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        let key = (pattern.to_owned(), flavor);
        if !cache.contains_key(&key) {
            if cache.len() >= CACHE_LIMIT {
                cache.clear();
            }
            cache.insert(key.clone(), compile(pattern, flavor));
        }
        match &cache[&key] {
            Ok(regex) => Ok(regex.is_match(text.as_bytes())),
            Err(error) => Err(error.clone()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values are RE2's (https://github.com/google/re2/wiki/Syntax), confirmed with
    // CEL C++ (the cel-expr-python package) where marked `engine`.
    #[test]
    fn re2_semantics() {
        let cases: &[(&str, &str, bool)] = &[
            // ASCII Perl classes (engine: '١٢٣'.matches('^\\d+$') is false).
            ("١٢٣", r"^\d+$", false),
            ("123", r"^\d+$", true),
            ("é", r"^\w$", false),
            ("a_9", r"^\w+$", true),
            ("é", r"^\W$", true),
            ("\u{a0}", r"^\s$", false),
            ("\u{b}", r"^\s$", false),
            ("\t\n\u{c}\r ", r"^\s+$", true),
            ("\u{a0}", r"^\S$", true),
            ("١", r"^[\d]$", false),
            ("١", r"^[\D]$", true),
            ("x", r"^[a\D]$", true),
            ("5", r"^[a\D]$", false),
            // ASCII word boundary: é is not a word character, so `éx` has a boundary before x.
            ("éx", r"\bx", true),
            ("ax", r"\bx", false),
            ("éx", r"\Bx", false),
            // \Q…\E quotes, to \E or the end.
            ("a.b", r"^\Qa.b\E$", true),
            ("axb", r"^\Qa.b\E$", false),
            ("a+(b", r"^\Qa+(b", true),
            // \C is one byte (engine: '١٢٣'.matches('\\C') is true).
            ("a", r"^\C$", true),
            ("é", r"^\C$", false),
            ("é", r"^\C\C$", true),
            // `.` and literals are UTF-8 aware.
            ("é", r"^.$", true),
            ("日本", r"^日.$", true),
            // Octal escapes.
            ("\n", r"^\012$", true),
            ("\0", r"^\0$", true),
            // Literal where the regex crate would see syntax.
            ("a{", r"^a{$", true),
            ("a{x}", r"^a{x}$", true),
            ("aaa", r"^a{3}$", true),
            ("[", r"^[[]$", true),
            ("&", r"^[a&&b]$", true),
            ("~", r"^[a~~b]$", true),
            ("<", r"^\<$", true),
            ("a", r"^[[:alpha:]]$", true),
        ];
        for &(text, pattern, want) in cases {
            assert_eq!(
                is_match(text, pattern, Flavor::Re2),
                Ok(want),
                "{text:?} ~ {pattern}"
            );
            if !pattern.contains(r"\C") {
                assert_eq!(is_match(text, pattern, Flavor::Go), Ok(want), "{pattern}");
            }
        }
    }

    #[test]
    fn re2_refusals() {
        for pattern in [
            // A \E without \Q (engine: 'x'.matches('^a\\Eb$') fails).
            r"(?x)a", r"(?u)a", r"a{1001}", r"\1", r"\8", r"^a\Eb$", "[a", "a\\",
        ] {
            assert!(
                compile(pattern, Flavor::Re2).is_err(),
                "{pattern} should be refused"
            );
        }
        assert!(compile("a{1000}", Flavor::Re2).is_ok());
        // Go's regexp (cel-go, Kubernetes) has no \C.
        assert!(compile(r"\C", Flavor::Go).is_err());
    }
}
