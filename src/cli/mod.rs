//! Command-line interface: arguments, headless commands, text and JSON printing, exit codes.
//!
//! Public face: [`run`], called by the binary. Exit codes: 0 success, 1 a definite "no", 2
//! usage or input error, 3 could not check.

mod args;
mod check;
mod copy;
mod decode;
mod demo;
mod explain;
mod fetch;
mod help;
mod interactive;
mod paint;
mod preview;
mod preview_markdown;
mod preview_symbolic;
mod preview_text;
mod scaffold;
mod subcommands;
mod text;
mod verdict_text;
mod verify;
mod who;

use std::io::Write;
use std::process::ExitCode;

use clap::error::ErrorKind;

pub use args::Cli;
use args::Command;

/// The process exit status of each outcome.
pub(crate) mod exit {
    pub const SUCCESS: u8 = 0;
    pub const DEFINITE_NO: u8 = 1;
    pub const BAD_INPUT: u8 = 2;
    pub const NOT_CHECKED: u8 = 3;
}

pub fn run() -> ExitCode {
    let started = std::time::Instant::now();
    crate::install_crypto_provider();
    // Parsed with the plain definition: the help templates that keep examples whole are built
    // (a walk over every subcommand) only when help is shown, not on every start.
    let parsed = <Cli as clap::CommandFactory>::command()
        .try_get_matches()
        .and_then(|matches| <Cli as clap::FromArgMatches>::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(error) if shows_help(&error) => {
            let error = help::command().try_get_matches().err().unwrap_or(error);
            return ExitCode::from(argument_error(&error, std::env::args_os()));
        }
        Err(error) => return ExitCode::from(argument_error(&error, std::env::args_os())),
    };
    let code = match cli.command {
        Some(Command::Decode(args)) => decode::run_command(&args.decode, &args.source),
        Some(Command::Fetch(args)) => fetch::run(&args),
        Some(Command::Check(args)) => check::run(&args),
        Some(Command::Demo(args))
            if interactive::wanted(args.output.json) && args.print_token.is_none() =>
        {
            interactive::demo(&args, started)
        }
        Some(Command::Demo(args)) => demo::run(&args),
        Some(Command::Preview(args)) if args.tui => interactive::preview(&args, started),
        Some(Command::Preview(args)) => preview::run(&args),
        Some(Command::Who(args)) => who::run(&args),
        Some(Command::Scaffold(args)) => scaffold::run(&args),
        Some(Command::Verify(args)) => verify::run(&args),
        Some(Command::Explain(args)) => explain::run(&args),
        None if interactive::wanted(cli.bare.output.json) => {
            interactive::bare(&cli.bare, &bare_source(&cli), &cli.interactive, started)
        }
        // Rules given where no view can open: the answer `check` gives, in its form.
        None if !cli.interactive.rules.is_empty() => check::run(&bare_check(cli)),
        // Keys given where no view can open: the signature is verified, as `verify` does.
        None if cli.interactive.keys.any_given() && cli.source.from.is_none() => {
            verify::run(&verify::VerifyArgs {
                input: cli.bare.input,
                keys: cli.interactive.keys,
                output: cli.bare.output,
                time: cli.bare.time,
                limits: cli.bare.limits,
            })
        }
        None => decode::run_command(&cli.bare, &bare_source(&cli)),
    };
    ExitCode::from(code)
}

/// Whether clap answered with a help text rather than a parse or a usage error.
fn shows_help(error: &clap::Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    )
}

/// `--from` and its options with the key options' `--timeout`, which bounds the token command
/// too (as in `check`).
fn bare_source(cli: &Cli) -> args::SourceArgs {
    args::SourceArgs {
        pick: cli.source.clone(),
        timeout: cli
            .interactive
            .keys
            .timeout
            .unwrap_or(crate::source::DEFAULT_TIMEOUT),
    }
}

/// `claimcheck INPUT --rules FILE …` as `claimcheck check INPUT --rules FILE …`.
fn bare_check(cli: Cli) -> args::CheckArgs {
    args::CheckArgs {
        input: cli.bare.input,
        source: cli.source,
        rules: cli.interactive.rules,
        expect: Vec::new(),
        gcp_member: None,
        cfn_param: Vec::new(),
        no_verify: cli.interactive.no_verify,
        keys: cli.interactive.keys,
        output: cli.bare.output,
        time: cli.bare.time,
        limits: cli.bare.limits,
    }
}

/// Reports an error in the arguments (clap's, including those of the value parsers: an
/// unknown `--from`, a bad `--now` or `--timeout`, a refused `exec:` string). Under `--json`
/// it is the error document on stdout, as for every other error; otherwise clap's own text,
/// with the input it quotes escaped. Help and version requests print as clap prints them.
fn argument_error(error: &clap::Error, args: impl IntoIterator<Item = std::ffi::OsString>) -> u8 {
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        let _ = error.print();
        return exit::SUCCESS;
    }
    let rendered = error.render().to_string();
    if json_requested(args) {
        decode::print_json(&crate::report::ErrorDocument::new(
            "usage",
            usage_message(&rendered),
        ));
    } else if escaped_lines(&rendered) == rendered {
        // Nothing to escape: clap prints it, in colour on a terminal.
        let _ = error.print();
    } else {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(escaped_lines(&rendered).as_bytes());
    }
    exit::BAD_INPUT
}

/// Whether `--json` is among the arguments (before a `--`), when clap could not say.
fn json_requested(args: impl IntoIterator<Item = std::ffi::OsString>) -> bool {
    args.into_iter()
        .skip(1)
        .take_while(|arg| arg != "--")
        .any(|arg| arg == "--json")
}

/// clap's message without its `error: ` label and the usage and help lines after it, on one
/// line.
fn usage_message(rendered: &str) -> String {
    let message: Vec<&str> = rendered
        .trim()
        .lines()
        .take_while(|line| !line.trim().is_empty())
        .map(str::trim)
        .collect();
    message.join(" ").trim_start_matches("error: ").to_owned()
}

/// `text` made safe for the terminal line by line, keeping its line breaks: error messages
/// quote input (a file name with ESC, a token with U+202E, a TOML line).
pub(crate) fn escaped_lines(text: &str) -> String {
    text.split('\n')
        .map(crate::token::sanitize::escape_controls)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Prints an error message on stderr, escaped.
pub(crate) fn print_error(message: &str) {
    eprintln!("claimcheck: {}", escaped_lines(message));
}

/// Prints to stdout, treating a closed pipe (`claimcheck … | head`) as success.
pub(crate) fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}
