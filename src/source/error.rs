//! Why a source produced no token. Each message says what to do about it; a failed command's
//! standard error is kept apart ([`SourceError::stderr`]) so the CLI can print it below the
//! message and the TUI can show it in its status line.

use std::path::PathBuf;
use std::time::Duration;

use crate::token::DecodeError;

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The user asked for something the source cannot do (a usage error).
    #[error("{0}")]
    Usage(String),

    #[error("{source_name} needs an audience: pass --audience AUD (the `aud` the token is for)")]
    AudienceRequired { source_name: &'static str },

    #[error(
        "several variables hold a GitLab ID token: {}; choose one with --env NAME (or gitlab:NAME)",
        .candidates.join(", ")
    )]
    AmbiguousGitlab { candidates: Vec<String> },

    /// The environment does not offer this source; the message says what would.
    #[error("{0}")]
    Unavailable(String),

    #[error("cannot read {what} ({}): {error}", .path.display())]
    Read {
        what: String,
        path: PathBuf,
        error: String,
    },

    #[error("{what} is more than {limit} bytes, over the limit for a token")]
    TooLarge { what: String, limit: usize },

    #[error("`{program}` was not found on PATH: {where_it_is}")]
    ProgramNotFound {
        program: String,
        where_it_is: String,
    },

    #[error("could not start `{command}`: {error}")]
    Spawn { command: String, error: String },

    #[error("`{command}` failed ({status})")]
    CommandFailed {
        command: String,
        status: String,
        stderr: String,
    },

    #[error(
        "`{command}` did not finish within {}; it was stopped (raise --timeout if it needs longer)",
        seconds(*.after)
    )]
    TimedOut {
        command: String,
        after: Duration,
        stderr: String,
    },

    #[error("{0}")]
    Http(String),

    #[error("the fetch was cancelled")]
    Cancelled,

    /// claimcheck itself failed (a panic caught in the interactive view's worker).
    #[error("claimcheck failed while fetching (an internal error: {0})")]
    Internal(String),

    #[error("{origin} {}", if *.command { "printed nothing on standard output" } else { "is empty" })]
    NothingInIt {
        origin: String,
        command: bool,
        stderr: String,
    },

    #[error("{origin} gave no token: {error}")]
    NotAToken {
        origin: String,
        error: DecodeError,
        stderr: String,
    },
}

impl SourceError {
    /// What the command printed on standard error, when that explains the failure.
    pub fn stderr(&self) -> Option<&str> {
        match self {
            SourceError::CommandFailed { stderr, .. }
            | SourceError::TimedOut { stderr, .. }
            | SourceError::NotAToken { stderr, .. }
            | SourceError::NothingInIt { stderr, .. } => {
                Some(stderr.as_str()).filter(|text| !text.trim().is_empty())
            }
            _ => None,
        }
    }

    /// True when the user asked for something impossible (exit 2), false when the source
    /// could not produce a token (exit 3).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            SourceError::Usage(_)
                | SourceError::AudienceRequired { .. }
                | SourceError::AmbiguousGitlab { .. }
        )
    }

    /// A stable name for the JSON error document.
    pub fn kind(&self) -> &'static str {
        match self {
            SourceError::Usage(_) => "usage",
            SourceError::AudienceRequired { .. } => "audience_required",
            SourceError::AmbiguousGitlab { .. } => "ambiguous_source",
            SourceError::Unavailable(_) => "source_unavailable",
            SourceError::Read { .. } => "io",
            SourceError::TooLarge { .. } => "too_large",
            SourceError::ProgramNotFound { .. } => "program_not_found",
            SourceError::Spawn { .. } => "spawn_failed",
            SourceError::CommandFailed { .. } => "command_failed",
            SourceError::TimedOut { .. } => "timed_out",
            SourceError::Http(_) => "http",
            SourceError::Cancelled => "cancelled",
            SourceError::Internal(_) => "internal",
            SourceError::NotAToken { .. } | SourceError::NothingInIt { .. } => "not_a_token",
        }
    }
}

fn seconds(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs.fract() == 0.0 {
        format!("{secs:.0} s")
    } else {
        format!("{secs} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stderr_is_offered_only_when_there_is_some() {
        let failed = SourceError::CommandFailed {
            command: "gp idp token".into(),
            status: "exit status 1".into(),
            stderr: "not logged in\n".into(),
        };
        assert_eq!(failed.stderr(), Some("not logged in\n"));
        assert!(!failed.is_usage());
        let quiet = SourceError::TimedOut {
            command: "sleep 9".into(),
            after: Duration::from_millis(1500),
            stderr: "  \n".into(),
        };
        assert_eq!(quiet.stderr(), None);
        assert!(quiet.to_string().contains("within 1.5 s"));
        assert!(
            SourceError::AudienceRequired {
                source_name: "gitpod"
            }
            .is_usage()
        );
    }
}
