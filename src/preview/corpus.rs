//! Token corpora, read as a stream: a directory of token files, a file of tokens one per line,
//! or JSON lines of claim objects (unsigned what-ifs, e.g. exported from logs); `-` for stdin.
//! Nothing is kept after an entry has been handed on, so memory stays flat as the corpus grows.
//! Entries come out [`Unparsed`], so that decoding can happen on other threads than reading.

use std::fmt;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::token::{self, Claims, Limits};

/// Where an entry sits in the corpus, to point the user at it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(untagged)]
pub enum Location {
    Line(usize),
    File(PathBuf),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(line) => write!(f, "line {line}"),
            Location::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// One usable corpus entry. Its raw token text is not kept: the preview needs claims only.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub location: Location,
    pub claims: Claims,
    /// A JSON-lines claim object rather than a token: a what-if, never signed.
    pub unsigned: bool,
}

/// An entry that could not be used, with the reason; counted and reported, never fatal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BadEntry {
    pub location: Location,
    pub reason: String,
}

pub type Item = Result<Entry, BadEntry>;

/// An entry as read: its text, decoded by [`Unparsed::parse`] wherever that is cheapest (the
/// preview decodes on every core, while one thread reads).
pub enum Unparsed {
    Text {
        location: Location,
        text: String,
        limits: Limits,
    },
    Done(Item),
}

impl Unparsed {
    pub fn parse(self) -> Item {
        match self {
            Unparsed::Text {
                location,
                text,
                limits,
            } => parse_entry(text.trim(), location, &limits),
            Unparsed::Done(item) => item,
        }
    }
}

impl From<Item> for Unparsed {
    fn from(item: Item) -> Unparsed {
        Unparsed::Done(item)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("cannot read the corpus {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Bytes read from a corpus file at a time: fewer system calls than the default 8 KiB.
const READ_BUFFER: usize = 256 * 1024;

/// File names a token directory may hold.
const TOKEN_EXTENSIONS: [&str; 3] = ["jwt", "txt", "token"];

/// Opens `path` (`-` for standard input) as a stream of entries, with the default size bound.
pub fn open(path: &str) -> Result<Box<dyn Iterator<Item = Unparsed> + Send>, CorpusError> {
    open_with(path, Limits::default())
}

/// [`open`] with `limits` (`--max-bytes`) for every entry.
pub fn open_with(
    path: &str,
    limits: Limits,
) -> Result<Box<dyn Iterator<Item = Unparsed> + Send>, CorpusError> {
    if path == "-" {
        return Ok(Box::new(lines_with(
            BufReader::new(std::io::stdin()),
            limits,
        )));
    }
    let io_error = |source| CorpusError::Io {
        path: path.to_owned(),
        source,
    };
    let metadata = fs::metadata(path).map_err(io_error)?;
    if metadata.is_dir() {
        return Ok(Box::new(
            directory(Path::new(path), limits).map_err(io_error)?,
        ));
    }
    let file = fs::File::open(path).map_err(io_error)?;
    Ok(Box::new(lines_with(
        BufReader::with_capacity(READ_BUFFER, file),
        limits,
    )))
}

/// The longest corpus line read: a token at the size limit with room for a wrapper (`Bearer`,
/// a JSON response), as for any other input. A longer line is a bad entry, and it is skipped
/// without being held in memory (`--tokens /dev/zero` must not exhaust it).
pub fn max_line_bytes(limits: &Limits) -> usize {
    limits.max_token_bytes.saturating_add(64 * 1024)
}

/// One entry per non-empty line: a token (in any form `token::decode` accepts on one line) or
/// a JSON object of claims.
pub fn lines<R: BufRead + Send>(reader: R) -> impl Iterator<Item = Unparsed> + Send {
    lines_with(reader, Limits::default())
}

/// [`lines`] with `limits` (`--max-bytes`).
pub fn lines_with<R: BufRead + Send>(
    reader: R,
    limits: Limits,
) -> impl Iterator<Item = Unparsed> + Send {
    bounded_lines(reader, max_line_bytes(&limits))
        .enumerate()
        .filter_map(move |(index, line)| {
            let location = Location::Line(index + 1);
            let line = match line {
                Line::Text(line) => line,
                problem => {
                    return Some(Unparsed::Done(Err(BadEntry {
                        location,
                        reason: problem.reason(),
                    })));
                }
            };
            let text = line.trim();
            if text.is_empty() || text.starts_with('#') {
                return None;
            }
            Some(Unparsed::Text {
                location,
                text: line,
                limits,
            })
        })
}

/// A line as read, within the length bound.
enum Line {
    Text(String),
    TooLong { limit: usize },
    NotText,
    Unreadable(std::io::Error),
}

impl Line {
    fn reason(&self) -> String {
        match self {
            Line::Text(_) => String::new(),
            Line::TooLong { limit } => {
                format!("longer than {limit} bytes, over the limit for a token; skipped")
            }
            Line::NotText => "not UTF-8 text; a token is ASCII".to_owned(),
            Line::Unreadable(e) => format!("unreadable: {e}"),
        }
    }
}

/// Splits `reader` at newlines (a `\r` before one is dropped too), holding at most `limit`
/// bytes of a line; the rest of an over-long line is read and dropped up to its newline. An
/// I/O error ends the lines.
fn bounded_lines<R: BufRead>(mut reader: R, limit: usize) -> impl Iterator<Item = Line> {
    let mut ended = false;
    std::iter::from_fn(move || {
        if ended {
            return None;
        }
        let mut bytes = Vec::new();
        let mut too_long = false;
        let mut started = false;
        loop {
            let available = match reader.fill_buf() {
                Ok(available) => available,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    ended = true;
                    return Some(Line::Unreadable(e));
                }
            };
            if available.is_empty() {
                ended = true;
                if !started {
                    return None;
                }
                break;
            }
            started = true;
            let newline = memchr::memchr(b'\n', available);
            let chunk = &available[..newline.unwrap_or(available.len())];
            if !too_long {
                if bytes.len() + chunk.len() > limit {
                    too_long = true;
                    bytes = Vec::new();
                } else {
                    // One allocation for a line that is whole in the buffer (most are), not
                    // one per doubling.
                    bytes.reserve_exact(chunk.len());
                    bytes.extend_from_slice(chunk);
                }
            }
            let consumed = newline.map_or(available.len(), |at| at + 1);
            reader.consume(consumed);
            if newline.is_some() {
                break;
            }
        }
        if too_long {
            return Some(Line::TooLong { limit });
        }
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        Some(String::from_utf8(bytes).map_or(Line::NotText, Line::Text))
    })
}

/// The text of the entry at `location` in the corpus at `path` (re-read, so the corpus must be
/// a file or directory, not stdin): a token, or a JSON object of claims.
pub fn read_at(path: &str, location: &Location) -> Result<String, String> {
    let limits = Limits::default();
    let text = match location {
        Location::File(file) => {
            let mut text = String::new();
            fs::File::open(file)
                .and_then(|f| {
                    f.take(limits.max_token_bytes as u64 + 1)
                        .read_to_string(&mut text)
                })
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            text
        }
        Location::Line(number) => {
            let file = fs::File::open(path).map_err(|e| format!("cannot read {path}: {e}"))?;
            match bounded_lines(BufReader::new(file), max_line_bytes(&limits))
                .nth(number.saturating_sub(1))
            {
                Some(Line::Text(text)) => text,
                Some(problem) => {
                    return Err(format!("line {number} of {path} is {}", problem.reason()));
                }
                None => return Err(format!("{path} no longer has a line {number}")),
            }
        }
    };
    Ok(text.trim().to_owned())
}

fn directory(
    dir: &Path,
    limits: Limits,
) -> std::io::Result<impl Iterator<Item = Unparsed> + Send + use<>> {
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.is_file()
                && path
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| TOKEN_EXTENSIONS.contains(&e))
        })
        .collect();
    // Sorted so that reports and diffs are reproducible; only paths are held, not contents.
    paths.sort();
    Ok(paths.into_iter().map(move |path| {
        let location = Location::File(path.clone());
        let mut text = String::new();
        let read = fs::File::open(&path).and_then(|file| {
            file.take(limits.max_token_bytes as u64 + 1)
                .read_to_string(&mut text)
        });
        match read {
            Ok(_) => Unparsed::Text {
                location,
                text,
                limits,
            },
            Err(e) => Unparsed::Done(Err(BadEntry {
                location,
                reason: format!("unreadable: {e}"),
            })),
        }
    }))
}

fn parse_entry(text: &str, location: Location, limits: &Limits) -> Item {
    // A JSON line of claims (a what-if corpus) is parsed once here instead of twice below (as a
    // possible token response by `token::decode`, then as claims); the answer is the same.
    if text.starts_with('{')
        && text.len() <= limits.max_token_bytes
        && let Ok(Value::Object(claims)) = serde_json::from_str::<Value>(text)
        && !token::extract::json_holds_token(&claims)
    {
        return Ok(Entry {
            location,
            claims,
            unsigned: true,
        });
    }
    let bad = |reason: String| BadEntry {
        location: location.clone(),
        reason,
    };
    match token::decode(text, limits) {
        Ok(token) => match token.into_claims() {
            Some(claims) => Ok(Entry {
                location: location.clone(),
                claims,
                unsigned: false,
            }),
            None => Err(bad(
                "an encrypted token (JWE): its claims cannot be read".into()
            )),
        },
        Err(token::DecodeError::NoTokenInJson { .. }) => match serde_json::from_str(text) {
            Ok(Value::Object(claims)) => Ok(Entry {
                location: location.clone(),
                claims,
                unsigned: true,
            }),
            _ => Err(bad(
                "a JSON object that is neither claims nor a token response".into(),
            )),
        },
        // Over the size bound is said as such, whatever the entry looks like (a claim object
        // over it was called "a JSON value that is not an object").
        Err(error @ token::DecodeError::TooLarge { .. }) => Err(bad(error.to_string())),
        // Without a '.', or starting as JSON does, the entry was never meant as a token:
        // counting its segments would only puzzle; say what it is instead.
        Err(_) if !text.contains('.') || text.starts_with(['{', '[']) => {
            Err(bad(not_a_token_reason(text)))
        }
        Err(error) => Err(bad(error.to_string())),
    }
}

fn not_a_token_reason(text: &str) -> String {
    const EXPECTED: &str = "neither a token nor a JSON object of claims";
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(_)) => format!("{EXPECTED}: a JSON array"),
        Ok(_) => format!("{EXPECTED}: a JSON value that is not an object"),
        Err(error) if text.starts_with(['{', '[']) => {
            format!("{EXPECTED}: not valid JSON ({error})")
        }
        Err(_) => EXPECTED.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::demo;

    #[test]
    fn lines_mix_tokens_claims_and_bad_lines() {
        let token = demo::template("github-branch").unwrap().mint(1_800_000_000);
        let text = format!(
            "{token}\n\n# a comment\n{{\"sub\":\"repo:acme/app:ref:refs/heads/dev\",\"aud\":\"sts.amazonaws.com\"}}\nnot a token\nBearer {token}\n[1,2]\n"
        );
        let items: Vec<Item> = lines(text.as_bytes()).map(Unparsed::parse).collect();
        assert_eq!(items.len(), 5);
        let first = items[0].as_ref().unwrap();
        assert_eq!(first.location, Location::Line(1));
        assert!(!first.unsigned);
        assert_eq!(first.claims["sub"], "repo:acme/app:ref:refs/heads/main");
        let what_if = items[1].as_ref().unwrap();
        assert_eq!(
            (what_if.location.clone(), what_if.unsigned),
            (Location::Line(4), true)
        );
        let prose = items[2].as_ref().unwrap_err();
        assert_eq!(prose.location, Location::Line(5));
        // Not "found 1 segment(s) separated by '.'": it was never meant as a token.
        assert_eq!(prose.reason, "neither a token nor a JSON object of claims");
        assert_eq!(items[3].as_ref().unwrap().location, Location::Line(6));
        let not_claims = items[4].as_ref().unwrap_err();
        assert_eq!(not_claims.location, Location::Line(7));
        assert_eq!(
            not_claims.reason,
            "neither a token nor a JSON object of claims: a JSON array"
        );
        let broken = parse_entry(
            "{\"iss\": \"https://gitlab.example\", ",
            Location::Line(1),
            &Limits::default(),
        );
        let reason = broken.unwrap_err().reason;
        assert!(
            reason.starts_with("neither a token nor a JSON object of claims: not valid JSON"),
            "{reason}"
        );
        // A malformed token keeps the decoder's own words.
        let two = parse_entry("abc.def", Location::Line(1), &Limits::default());
        assert!(two.unwrap_err().reason.contains("segment"));
    }

    /// `lines()` used to gather a whole line before any limit: a corpus without newlines
    /// (`/dev/zero`) grew until memory ran out.
    #[test]
    fn an_over_long_line_is_a_bad_entry_and_reading_resumes_after_it() {
        let token = demo::template("gitlab").unwrap().mint(1_800_000_000);
        let mut text = vec![0u8; 3 * max_line_bytes(&Limits::default())];
        text.extend_from_slice(format!("\n{token}\r\n").as_bytes());
        text.extend_from_slice(b"\xff\n\xff\n");
        let items: Vec<Item> = lines(text.as_slice()).map(Unparsed::parse).collect();
        assert_eq!(items.len(), 4, "{items:?}");
        let too_long = items[0].as_ref().unwrap_err();
        assert_eq!(too_long.location, Location::Line(1));
        assert!(
            too_long.reason.contains("longer than"),
            "{}",
            too_long.reason
        );
        assert_eq!(items[1].as_ref().unwrap().location, Location::Line(2));
        assert!(items[2].as_ref().unwrap_err().reason.contains("UTF-8"));
        assert_eq!(items[3].as_ref().unwrap_err().location, Location::Line(4));
    }

    /// JSON lines skip the token finder when they hold no token; what they yield must not change.
    #[test]
    fn json_lines_are_claims_unless_they_hold_a_token() {
        let token = demo::template("gitlab").unwrap().mint(1_800_000_000);
        let small = Limits {
            max_token_bytes: 40,
            ..Limits::default()
        };
        let response = format!(r#"{{"access_token": "opaque", "id_token": "{token}"}}"#);
        // Ok((unsigned, the claims as JSON)) or Err(part of the reason).
        type Expected<'a> = Result<(bool, &'a str), &'a str>;
        let cases: [(&str, &Limits, Expected); 5] = [
            (
                r#"{"sub": "x", "aud": "y", "iss": "z"}"#,
                &Limits::default(),
                Ok((true, r#"{"sub":"x","aud":"y","iss":"z"}"#)),
            ),
            // A token response is the token it holds, signed.
            (&response, &Limits::default(), Ok((false, ""))),
            // A field named like a token field that holds no token is a claim like any other.
            (
                r#"{"token": "not one", "sub": "x"}"#,
                &Limits::default(),
                Ok((true, r#"{"token":"not one","sub":"x"}"#)),
            ),
            // Over the bound the line is refused as any over-long input is.
            (
                r#"{"sub": "a claim set longer than forty bytes"}"#,
                &small,
                Err("-byte limit"),
            ),
            (
                r#"{"sub": "x", "#,
                &Limits::default(),
                Err("not valid JSON"),
            ),
        ];
        for (text, limits, expected) in cases {
            let item = parse_entry(text, Location::Line(1), limits);
            match (item, expected) {
                (Ok(entry), Ok((unsigned, claims))) => {
                    assert_eq!(entry.unsigned, unsigned, "{text}");
                    if unsigned {
                        assert_eq!(Value::Object(entry.claims).to_string(), claims, "{text}");
                    } else {
                        assert_eq!(entry.claims["project_path"], "acme/infra", "{text}");
                    }
                }
                (Err(bad), Err(reason)) => {
                    assert!(bad.reason.contains(reason), "{text}: {}", bad.reason)
                }
                (item, expected) => panic!("{text}: {item:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn bounded_lines_hold_no_more_than_the_limit() {
        let lines: Vec<String> = bounded_lines(&b"abc\nabcdef\r\n\nab"[..], 4)
            .map(|line| match line {
                Line::Text(text) => text,
                other => other.reason(),
            })
            .collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0], "abc");
        assert!(lines[1].starts_with("longer than 4 bytes"));
        assert_eq!(lines[2..], ["", "ab"]);
        // Endless input without a newline is consumed without being kept.
        let mut endless = bounded_lines(
            std::io::BufReader::new(std::io::repeat(b'x').take(64 << 20)),
            16,
        );
        assert!(matches!(endless.next(), Some(Line::TooLong { limit: 16 })));
        assert!(endless.next().is_none());
    }

    #[test]
    fn a_directory_yields_token_files_in_name_order() {
        let dir = std::env::temp_dir().join(format!("claimcheck-corpus-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let token = demo::template("gitlab").unwrap().mint(1_800_000_000);
        fs::write(dir.join("b.jwt"), format!("{token}\n")).unwrap();
        fs::write(dir.join("a.txt"), format!("Bearer {token}")).unwrap();
        fs::write(dir.join("c.jwt"), "garbage").unwrap();
        fs::write(dir.join("notes.md"), "ignored").unwrap();
        let items: Vec<Item> = open(dir.to_str().unwrap())
            .unwrap()
            .map(Unparsed::parse)
            .collect();
        let locations: Vec<String> = items
            .iter()
            .map(|item| match item {
                Ok(entry) => entry.location.to_string(),
                Err(bad) => bad.location.to_string(),
            })
            .collect();
        let names: Vec<&str> = locations
            .iter()
            .map(|l| l.rsplit('/').next().unwrap())
            .collect();
        assert_eq!(names, ["a.txt", "b.jwt", "c.jwt"]);
        assert!(items[2].is_err());
        assert_eq!(
            items[0].as_ref().unwrap().claims["project_path"],
            json!("acme/infra")
        );
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn an_entry_is_read_back_by_its_location() {
        let dir = std::env::temp_dir().join(format!("claimcheck-read-at-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let file = dir.join("corpus.txt");
        fs::write(&file, "first\n\n  {\"sub\":\"x\"}  \n").unwrap();
        let path = file.to_str().unwrap();
        assert_eq!(read_at(path, &Location::Line(3)).unwrap(), r#"{"sub":"x"}"#);
        assert!(read_at(path, &Location::Line(9)).is_err());
        let token = dir.join("a.jwt");
        fs::write(&token, "abc\n").unwrap();
        assert_eq!(read_at("ignored", &Location::File(token)).unwrap(), "abc");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_missing_corpus_is_an_error() {
        assert!(open("/no/such/corpus").is_err());
    }
}
