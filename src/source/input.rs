//! The `INPUT` argument: a token itself, a path to a file holding one, `-` for standard input,
//! or nothing when standard input is piped.

use std::fmt;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use crate::token::sanitize::escape_controls;
use crate::token::{self, FoundVia};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputOrigin {
    Argument,
    Stdin,
    File(PathBuf),
}

impl fmt::Display for InputOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputOrigin::Argument => f.write_str("argument"),
            InputOrigin::Stdin => f.write_str("stdin"),
            InputOrigin::File(path) => write!(f, "file:{}", path.display()),
        }
    }
}

/// Text that should hold a token. It may be a secret: never log it.
#[derive(Clone, PartialEq, Eq)]
pub struct RawInput {
    pub text: String,
    pub origin: InputOrigin,
}

impl fmt::Debug for RawInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawInput")
            .field(
                "text",
                &format_args!("<{} bytes, redacted>", self.text.len()),
            )
            .field("origin", &self.origin)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error(
        "no token given: pass a token or a file as INPUT, use '-' for standard input, or pipe one in"
    )]
    Missing,
    #[error("cannot read {what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("no file {0} (and no token can be found in it)")]
    NoSuchFile(String),
    #[error("{what} is more than {limit} bytes, over the limit for a token")]
    TooLarge { what: String, limit: usize },
    #[error("{what} is not UTF-8 text; a token is ASCII")]
    NotText { what: String },
}

impl InputError {
    pub fn kind(&self) -> &'static str {
        match self {
            InputError::Missing => "no_input",
            InputError::Io { .. } | InputError::NoSuchFile(_) => "io",
            InputError::TooLarge { .. } => "too_large",
            InputError::NotText { .. } => "not_text",
        }
    }
}

/// Resolves `INPUT`. Standard input is read only when asked for with `-`, or when no argument
/// was given and it is not a terminal (so a bare command never waits for typing).
///
/// An argument names a file when that file exists (a pipe such as `<(pbpaste)` or a device
/// included, read within the limit); otherwise it is token text, unless it is a single word in
/// which no token can be found, which is taken for a mistyped path.
pub fn read_input(argument: Option<&str>, limit: usize) -> Result<RawInput, InputError> {
    match argument {
        Some("-") => read_stdin(limit),
        Some(text) => {
            let path = Path::new(text);
            let existing = (!text.is_empty() && !text.contains('\n'))
                .then(|| std::fs::metadata(path).ok())
                .flatten();
            if let Some(metadata) = existing {
                let what = format!("file '{}'", escape_controls(&path.display().to_string()));
                if metadata.is_dir() {
                    return Err(InputError::Io {
                        what,
                        source: std::io::Error::other(
                            "it is a directory; name the token file in it",
                        ),
                    });
                }
                let file = std::fs::File::open(path).map_err(|source| InputError::Io {
                    what: what.clone(),
                    source,
                })?;
                let text = read_bounded(file, limit, &what)?;
                Ok(RawInput {
                    text,
                    origin: InputOrigin::File(path.to_path_buf()),
                })
            } else if looks_like_path(text) && !holds_token(text) {
                Err(InputError::NoSuchFile(shown_path(text)))
            } else {
                Ok(RawInput {
                    text: text.to_owned(),
                    origin: InputOrigin::Argument,
                })
            }
        }
        None if !std::io::stdin().is_terminal() => read_stdin(limit),
        None => Err(InputError::Missing),
    }
}

/// Resolves the TEXT of `claimcheck explain`: `-` (or nothing, when standard input is piped)
/// reads standard input, an existing file is read (a CI log), and anything else is the text
/// itself, a single word included (`Unauthorized`). At most `limit` bytes are read; bytes that
/// are not UTF-8 (a log cut mid-character) are replaced rather than refused.
pub fn read_text(argument: Option<&str>, limit: usize) -> Result<RawInput, InputError> {
    let (reader, origin, what): (Box<dyn Read>, InputOrigin, String) = match argument {
        Some("-") => (
            Box::new(std::io::stdin()),
            InputOrigin::Stdin,
            "standard input".to_owned(),
        ),
        Some(text) => {
            let path = Path::new(text);
            let is_file = !text.is_empty()
                && !text.contains('\n')
                && std::fs::metadata(path).is_ok_and(|m| !m.is_dir());
            if !is_file && names_a_file(text) {
                return Err(InputError::NoSuchFile(shown_path(text)));
            }
            if !is_file {
                return Ok(RawInput {
                    text: text.to_owned(),
                    origin: InputOrigin::Argument,
                });
            }
            let what = format!("file '{}'", escape_controls(&path.display().to_string()));
            let file = std::fs::File::open(path).map_err(|source| InputError::Io {
                what: what.clone(),
                source,
            })?;
            (Box::new(file), InputOrigin::File(path.to_path_buf()), what)
        }
        None if !std::io::stdin().is_terminal() => (
            Box::new(std::io::stdin()),
            InputOrigin::Stdin,
            "standard input".to_owned(),
        ),
        None => return Err(InputError::Missing),
    };
    let mut bytes = Vec::new();
    reader
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| InputError::Io {
            what: what.clone(),
            source,
        })?;
    if bytes.len() > limit {
        return Err(InputError::TooLarge { what, limit });
    }
    Ok(RawInput {
        text: String::from_utf8_lossy(&bytes).into_owned(),
        origin,
    })
}

/// A single word that can only be a file name (a path, or a log or text file's extension): a
/// missing one is reported, not explained as text. `Unauthorized` or `AADSTS70021` stay text.
fn names_a_file(text: &str) -> bool {
    !text.contains(char::is_whitespace)
        && !text.contains("://")
        && (text.contains('/')
            || [".log", ".txt", ".out", ".json"]
                .iter()
                .any(|ext| text.to_ascii_lowercase().ends_with(ext)))
}

fn read_stdin(limit: usize) -> Result<RawInput, InputError> {
    let text = read_bounded(std::io::stdin().lock(), limit, "standard input")?;
    Ok(RawInput {
        text,
        origin: InputOrigin::Stdin,
    })
}

/// Reads at most `limit` bytes (plus the few that a JSON or header wrapper adds), so a huge or
/// endless input is refused rather than buffered.
pub(super) fn read_bounded(
    reader: impl Read,
    limit: usize,
    what: &str,
) -> Result<String, InputError> {
    let allowance = limit.saturating_add(64 * 1024);
    let mut bytes = Vec::new();
    reader
        .take(allowance as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| InputError::Io {
            what: what.to_owned(),
            source,
        })?;
    if bytes.len() > allowance {
        return Err(InputError::TooLarge {
            what: what.to_owned(),
            limit,
        });
    }
    String::from_utf8(bytes).map_err(|_| InputError::NotText {
        what: what.to_owned(),
    })
}

/// A single line without spaces: could name a file. A pasted response or header never does.
fn looks_like_path(text: &str) -> bool {
    !text.is_empty() && !text.contains(char::is_whitespace) && !text.starts_with('{')
}

/// Whether the token finder sees a token in `text`: in a URL parameter, after `Bearer`, inside
/// other text, or as the whole text when it has the compact shape (three or five base64url
/// segments) or starts as every JWT header does (`eyJ`, so that a damaged token reaches the
/// decoder, whose message says what is wrong). Counting dots alone misreads a URL whose host
/// has dots of its own.
fn holds_token(text: &str) -> bool {
    match token::extract::find_token(text) {
        Ok(found) => {
            found.via != FoundVia::Bare
                || compact_shaped(&found.compact)
                || found.compact.starts_with("eyJ")
        }
        Err(_) => false,
    }
}

fn compact_shaped(text: &str) -> bool {
    let segments: Vec<&str> = text.split('.').collect();
    matches!(segments.len(), 3 | 5)
        && !segments[0].is_empty()
        && segments.iter().all(|s| {
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// The argument as the "no file" message quotes it. It is not a token, but it may still be a
/// secret of another kind (an opaque access token), so only what reads as a path is echoed,
/// escaped and cut short.
fn shown_path(text: &str) -> String {
    const SHOWN: usize = 120;
    let path_like = text.contains(['/', '\\'])
        || text
            .rsplit_once('.')
            .is_some_and(|(stem, ext)| !stem.is_empty() && (1..=5).contains(&ext.len()));
    if !path_like {
        return format!(
            "named by the argument ({} characters, not shown)",
            text.chars().count()
        );
    }
    let mut shown: String = text.chars().take(SHOWN).collect();
    if shown.len() < text.len() {
        shown.push('…');
    }
    format!("'{}'", escape_controls(&shown))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explain_text_is_a_file_or_the_words_themselves() {
        let input = read_text(Some("Unauthorized"), 1024).unwrap();
        assert_eq!(input.origin, InputOrigin::Argument);
        assert_eq!(input.text, "Unauthorized");
        let dir = std::env::temp_dir().join(format!("claimcheck-text-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ci.log");
        std::fs::write(&path, b"line \xff one\nIncorrect token audience\n").unwrap();
        let input = read_text(Some(path.to_str().unwrap()), 1024).unwrap();
        assert_eq!(input.origin, InputOrigin::File(path.clone()));
        assert!(input.text.contains("Incorrect token audience"));
        assert_eq!(
            read_text(Some("/no/such/ci.log"), 1024).unwrap_err().kind(),
            "io"
        );
        assert_eq!(read_text(Some("build.log"), 1024).unwrap_err().kind(), "io");
        assert!(read_text(Some("AADSTS70021"), 1024).is_ok());
        let too_big = read_text(Some(path.to_str().unwrap()), 10).unwrap_err();
        assert_eq!(too_big.kind(), "too_large");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_token_argument_is_taken_as_text() {
        let input = read_input(Some("eyJh.eyJi.c2ln"), 1024).unwrap();
        assert_eq!(input.origin, InputOrigin::Argument);
        assert_eq!(input.text, "eyJh.eyJi.c2ln");
    }

    #[test]
    fn an_existing_file_is_read() {
        let dir = std::env::temp_dir().join(format!("claimcheck-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("token.jwt");
        std::fs::write(&path, "eyJh.eyJi.c2ln\n").unwrap();
        let input = read_input(Some(path.to_str().unwrap()), 1024).unwrap();
        assert_eq!(input.origin, InputOrigin::File(path.clone()));
        assert_eq!(input.text, "eyJh.eyJi.c2ln\n");
        std::fs::write(&path, vec![b'a'; 200_000]).unwrap();
        let too_big = read_input(Some(path.to_str().unwrap()), 1024).unwrap_err();
        assert_eq!(too_big.kind(), "too_large");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Only regular files without spaces in their names used to be read: `<(pbpaste)`, a
    /// device, or `my token.jwt` were taken for token text or reported missing.
    #[cfg(unix)]
    #[test]
    fn any_existing_path_but_a_directory_is_read() {
        let input = read_input(Some("/dev/null"), 1024).unwrap();
        assert_eq!(input.origin, InputOrigin::File("/dev/null".into()));
        assert_eq!(input.text, "");
        let dir =
            std::env::temp_dir().join(format!("claimcheck-input-space-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let spaced = dir.join("my token.jwt");
        std::fs::write(&spaced, "eyJh.eyJi.c2ln").unwrap();
        let input = read_input(Some(spaced.to_str().unwrap()), 1024).unwrap();
        assert_eq!(input.origin, InputOrigin::File(spaced.clone()));
        let error = read_input(Some(dir.to_str().unwrap()), 1024).unwrap_err();
        assert!(error.to_string().contains("is a directory"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_file_is_an_error_unless_it_looks_like_a_token() {
        assert!(matches!(
            read_input(Some("/no/such/token.jwt"), 1024),
            Err(InputError::NoSuchFile(_))
        ));
        assert_eq!(
            read_input(Some("not-a-token"), 1024).unwrap_err().kind(),
            "io"
        );
        assert_eq!(
            read_input(Some("Bearer abc"), 1024).unwrap().origin,
            InputOrigin::Argument
        );
    }

    /// The host's dots made three in all, which the old dot count took for a file name.
    #[test]
    fn a_url_carrying_a_token_is_token_text_whatever_its_dots() {
        for url in [
            "https://example.com/cb#id_token=eyJh.eyJi.c2ln",
            "https://app.example.com/cb?state=x.y#id_token=eyJh.eyJi.c2ln&s=1",
            "http://localhost/cb?access_token=eyJh.eyJi.c2ln",
        ] {
            let input = read_input(Some(url), 1024).unwrap();
            assert_eq!(input.origin, InputOrigin::Argument, "{url}");
            assert_eq!(input.text, url);
        }
        // Shaped like a token (five segments: a JWE) though not starting with eyJ.
        let jwe = read_input(Some("aGVhZA.a2V5.aXY.Y2lwaGVy.dGFn"), 1024).unwrap();
        assert_eq!(jwe.origin, InputOrigin::Argument);
        // A damaged token goes to the decoder, which says what is wrong, rather than being
        // quoted back as a missing file.
        let damaged = read_input(Some("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0!!.c2ln"), 1024).unwrap();
        assert_eq!(damaged.origin, InputOrigin::Argument);
    }

    #[test]
    fn the_no_file_message_never_echoes_a_secret_or_a_control() {
        let opaque = "ghs_0123456789abcdefABCDEF0123456789abcd";
        let message = read_input(Some(opaque), 1024).unwrap_err().to_string();
        assert!(!message.contains(opaque), "{message}");
        assert!(message.contains("40 characters"), "{message}");
        let message = read_input(Some("/tmp/no\u{1b}[2J.jwt"), 1024)
            .unwrap_err()
            .to_string();
        assert!(!message.contains('\u{1b}'), "{message}");
        assert!(message.contains("/tmp/no\\e[2J.jwt"), "{message}");
        let long = format!("/tmp/{}.jwt", "x".repeat(500));
        let message = read_input(Some(&long), 1024).unwrap_err().to_string();
        assert!(message.len() < 300, "{message}");
    }
}
