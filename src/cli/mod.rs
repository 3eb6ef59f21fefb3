//! Command-line interface: arguments, headless commands, text and JSON printing, exit codes.
//!
//! Public face: [`run`], called by the binary. Exit codes (DESIGN.md §6): 0 success, 1 a definite
//! "no", 2 usage or input error, 3 could not check.

mod args;
mod check;
mod copy;
mod decode;
mod demo;
mod fetch;
mod interactive;
mod paint;
mod preview;
mod preview_text;
mod scaffold;
mod text;
mod verdict_text;
mod verify;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

pub use args::Cli;
use args::Command;

/// The process exit status of each outcome.
pub mod exit {
    pub const SUCCESS: u8 = 0;
    pub const DEFINITE_NO: u8 = 1;
    pub const BAD_INPUT: u8 = 2;
    pub const NOT_CHECKED: u8 = 3;
}

pub fn run() -> ExitCode {
    let started = std::time::Instant::now();
    crate::install_crypto_provider();
    let cli = Cli::parse();
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
        Some(Command::Scaffold(args)) => scaffold::run(&args),
        Some(Command::Verify(args)) => verify::run(&args),
        None if interactive::wanted(cli.bare.output.json) => {
            interactive::bare(&cli.bare, &cli.source, &cli.interactive, started)
        }
        None => decode::run_command(&cli.bare, &cli.source),
    };
    ExitCode::from(code)
}

/// Prints to stdout, treating a closed pipe (`claimcheck … | head`) as success.
pub(crate) fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}
