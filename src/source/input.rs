//! The `INPUT` argument: a token itself, a path to a file holding one, `-` for standard input,
//! or nothing when standard input is piped.

use std::fmt;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

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
    #[error("no file '{0}' (and it does not look like a token)")]
    NoSuchFile(PathBuf),
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
pub fn read_input(argument: Option<&str>, limit: usize) -> Result<RawInput, InputError> {
    match argument {
        Some("-") => read_stdin(limit),
        Some(text) => {
            let path = Path::new(text);
            if looks_like_path(text) && path.is_file() {
                let what = format!("file '{}'", path.display());
                let file = std::fs::File::open(path).map_err(|source| InputError::Io {
                    what: what.clone(),
                    source,
                })?;
                let text = read_bounded(file, limit, &what)?;
                Ok(RawInput {
                    text,
                    origin: InputOrigin::File(path.to_path_buf()),
                })
            } else if looks_like_path(text) && !looks_like_token(text) {
                Err(InputError::NoSuchFile(path.to_path_buf()))
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

fn looks_like_token(text: &str) -> bool {
    let dots = text.matches('.').count();
    text.starts_with("eyJ") || dots == 2 || dots == 4
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
