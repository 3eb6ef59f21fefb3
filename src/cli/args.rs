//! The argument grammar. Help texts end with examples, because that is what people look for.

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::report::timefmt::DateStyle;
use crate::token::time::DEFAULT_LEEWAY_SECS;

const ABOUT: &str = "Explains why an OIDC token was refused: decodes it, checks it, and shows what a trust rule expected against what the token had.";

const EXAMPLES: &str = "\
Examples:
  claimcheck decode eyJhbGciOi...            decode a token given as an argument
  claimcheck decode token.jwt                 decode the token in a file
  pbpaste | claimcheck decode                 decode what is on the clipboard (macOS)
  echo \"Bearer $TOKEN\" | claimcheck decode --json
  claimcheck                                  open the interactive view on an empty paste prompt
  claimcheck token.jwt --rules trust.json     open a token with a rule file beside it
  claimcheck demo                             show the bundled demo tokens (no network)";

#[derive(Debug, Parser)]
#[command(
    name = "claimcheck",
    version,
    about = ABOUT,
    after_help = EXAMPLES,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Without a command: open INPUT in the interactive view (on a terminal), or decode it
    /// (as `claimcheck decode INPUT`) when the output is piped or `--json` is given.
    #[command(flatten)]
    pub bare: DecodeArgs,

    #[command(flatten)]
    pub interactive: TuiArgs,
}

/// Options of the interactive view (`claimcheck [INPUT]` and `claimcheck demo` on a terminal).
#[derive(Debug, Clone, Default, Args)]
pub struct TuiArgs {
    /// Rule files to evaluate the token against; watched and re-evaluated when they change.
    /// Give INPUT before this option.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub rules: Vec<std::path::PathBuf>,

    /// Capture the mouse for scrolling (off by default so the terminal's text selection works).
    #[arg(long)]
    pub mouse: bool,

    /// How to copy: OSC 52 over SSH else the system clipboard (auto), or only one of them, or off.
    #[arg(long, value_enum, value_name = "MODE")]
    pub clipboard: Option<crate::clipboard::Mode>,

    /// Colours for a dark or a light terminal background (NO_COLOR turns colour off).
    #[arg(long, value_enum, value_name = "THEME")]
    pub theme: Option<crate::tui::theme::ThemeName>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Decode a token: header, claims in token order, time status and lints.
    #[command(after_help = DECODE_EXAMPLES)]
    Decode(DecodeArgs),
    /// Mint fresh tokens from the bundled demo templates (test-only keys) and show them.
    #[command(after_help = DEMO_EXAMPLES)]
    Demo(DemoArgs),
}

const DECODE_EXAMPLES: &str = "\
INPUT may be the token itself, `Bearer <token>`, an `Authorization:` header line, a token
endpoint's JSON response (`value`, `id_token`, `access_token`, `token`), a URL with `#id_token=`,
or a path to a file holding any of these. Without INPUT, a piped standard input is read.

Exit status: 0 decoded, 2 the input is not a token (the message says which segment and where).

Examples:
  claimcheck decode token.jwt
  claimcheck decode --date local \"$(cat token.jwt)\"
  curl -sH \"Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN\" \"$ACTIONS_ID_TOKEN_REQUEST_URL\" | claimcheck decode
  claimcheck decode --now 2026-01-01T00:00:00Z --leeway 0 token.jwt";

const DEMO_EXAMPLES: &str = "\
The demo tokens are signed with keys published in claimcheck's repository (assets/demo): they
are for trying claimcheck out and for tests, and prove nothing.

On a terminal `claimcheck demo` opens the interactive view on the demo tokens (and the demo
rules in assets/demo/rules when present); piped or with --json it prints them.

Examples:
  claimcheck demo
  claimcheck demo --print-token github-environment | claimcheck decode
  claimcheck demo --json";

#[derive(Debug, Clone, Args)]
pub struct DecodeArgs {
    /// A token, a file holding one, or '-' for standard input.
    #[arg(value_name = "INPUT")]
    pub input: Option<String>,

    /// Also copy the raw token to the clipboard (OSC 52 through the terminal, or the system
    /// clipboard, which is then served until something else is copied, at most 30 s).
    #[arg(long)]
    pub copy: bool,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub time: TimeArgs,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Print one freshly minted demo token, raw, and nothing else (for piping).
    #[arg(long, value_name = "NAME", value_parser = parse_demo_name)]
    pub print_token: Option<String>,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub time: TimeArgs,

    #[command(flatten)]
    pub interactive: TuiArgs,
}

fn parse_demo_name(name: &str) -> Result<String, String> {
    let names: Vec<String> = crate::demo::templates()
        .into_iter()
        .map(|t| t.name)
        .collect();
    if names.iter().any(|known| known == name) {
        Ok(name.to_owned())
    } else {
        Err(format!(
            "no demo token called '{name}'; choose one of: {}",
            names.join(", ")
        ))
    }
}

#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Print one JSON document (schema documented in the README) instead of text.
    #[arg(long)]
    pub json: bool,

    /// How to show instants.
    #[arg(long, value_enum, default_value_t = DateStyle::Utc, value_name = "STYLE")]
    pub date: DateStyle,

    /// When to colour text output; `auto` colours only a terminal, and never with NO_COLOR set.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Args)]
pub struct TimeArgs {
    /// Evaluate at this instant instead of the clock: Unix seconds or RFC 3339.
    #[arg(long, value_name = "TIME", value_parser = parse_instant)]
    pub now: Option<i64>,

    /// Clock skew allowed on exp, nbf and iat, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_LEEWAY_SECS, value_parser = clap::value_parser!(i64).range(0..=86_400))]
    pub leeway: i64,
}

impl TimeArgs {
    pub fn now(&self) -> i64 {
        self.now.unwrap_or_else(|| chrono::Utc::now().timestamp())
    }
}

fn parse_instant(text: &str) -> Result<i64, String> {
    if let Ok(seconds) = text.parse::<i64>() {
        return Ok(seconds);
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp())
        .map_err(|e| {
            format!("expected Unix seconds or RFC 3339 such as 2026-01-01T12:00:00Z ({e})")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_parse_as_seconds_or_rfc3339() {
        assert_eq!(parse_instant("1700000000"), Ok(1_700_000_000));
        assert_eq!(parse_instant("2023-11-14T22:13:20Z"), Ok(1_700_000_000));
        assert_eq!(
            parse_instant("2023-11-14T23:13:20+01:00"),
            Ok(1_700_000_000)
        );
        assert!(parse_instant("yesterday").unwrap_err().contains("RFC 3339"));
    }

    #[test]
    fn the_argument_grammar_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
