//! The subcommands, declared by hand rather than derived, so that only the one being run gets
//! its options built. clap's derive builds every subcommand's argument table on every start
//! (about 200 KB of heap and a tenth of a millisecond for `claimcheck decode` or `--version`,
//! docs/PERFORMANCE.md §0); here each subcommand carries its name, its one-line description and
//! its examples, and clap calls the derived `augment_args` of its options only when it parses
//! or shows that subcommand (`Command::defer`). The options themselves stay derived.

use clap::error::ErrorKind;
use clap::{ArgMatches, Args, FromArgMatches};

use super::args::{
    CHECK_EXAMPLES, CheckArgs, Command, DECODE_EXAMPLES, DEMO_EXAMPLES, DecodeCommandArgs,
    DemoArgs, EXPLAIN_EXAMPLES, ExplainArgs, FETCH_EXAMPLES, FetchArgs, PREVIEW_EXAMPLES,
    PreviewArgs, SCAFFOLD_EXAMPLES, ScaffoldArgs, WHO_EXAMPLES, WhoArgs,
};
use super::verify::{self, VerifyArgs};

struct Subcommand {
    name: &'static str,
    about: &'static str,
    examples: &'static str,
    options: fn(clap::Command) -> clap::Command,
    options_for_update: fn(clap::Command) -> clap::Command,
    /// The variant, from this subcommand's matches.
    parse: fn(&mut ArgMatches) -> Result<Command, clap::Error>,
}

macro_rules! subcommand {
    ($name:literal, $variant:ident, $options:ty, $examples:expr, $about:literal) => {
        Subcommand {
            name: $name,
            parse: |matches| {
                Ok(Command::$variant(<$options>::from_arg_matches_mut(
                    matches,
                )?))
            },
            about: $about,
            examples: $examples,
            // The options' own doc comments set an `about` of their own; the subcommand's
            // is put back after them.
            options: {
                fn options(command: clap::Command) -> clap::Command {
                    <$options as Args>::augment_args(command)
                        .about($about)
                        .long_about(None::<&str>)
                }
                options
            },
            options_for_update: {
                fn options(command: clap::Command) -> clap::Command {
                    <$options as Args>::augment_args_for_update(command)
                        .about($about)
                        .long_about(None::<&str>)
                }
                options
            },
        }
    };
}

/// In the order `claimcheck --help` lists them.
const SUBCOMMANDS: [Subcommand; 9] = [
    subcommand!(
        "decode",
        Decode,
        DecodeCommandArgs,
        DECODE_EXAMPLES,
        "Decode a token: header, claims in token order, time status and lints"
    ),
    subcommand!(
        "fetch",
        Fetch,
        FetchArgs,
        FETCH_EXAMPLES,
        "Fetch a token from where it is issued (CI, dev environment, pod, CLI) and print it"
    ),
    subcommand!(
        "check",
        Check,
        CheckArgs,
        CHECK_EXAMPLES,
        "Evaluate a token (or a JSON object of claims) against trust rules: which condition \
         failed, what it expected, what the token had"
    ),
    subcommand!(
        "demo",
        Demo,
        DemoArgs,
        DEMO_EXAMPLES,
        "Mint fresh tokens from the bundled demo templates (test-only keys) and show them"
    ),
    subcommand!(
        "verify",
        Verify,
        VerifyArgs,
        verify::EXAMPLES,
        "Verify a token's signature against its issuer's keys (OIDC discovery + JWKS), and \
         decode it"
    ),
    subcommand!(
        "preview",
        Preview,
        PreviewArgs,
        PREVIEW_EXAMPLES,
        "Preview a rule change: who gains access, who loses it — for every possible caller \
         (symbolically) and, with --tokens, for a corpus of tokens"
    ),
    subcommand!(
        "who",
        Who,
        WhoArgs,
        WHO_EXAMPLES,
        "Who can get in: every region of callers a rule admits, with a witness each, and what \
         is risky about that reach"
    ),
    subcommand!(
        "scaffold",
        Scaffold,
        ScaffoldArgs,
        SCAFFOLD_EXAMPLES,
        "Print the least-privilege trust rule that admits exactly this token's workload"
    ),
    subcommand!(
        "explain",
        Explain,
        ExplainArgs,
        EXPLAIN_EXAMPLES,
        "Explain the error a service printed when it refused a token (or a whole CI log): which \
         step refused it, what to look at, the usual causes and the next command"
    ),
];

fn declare(
    command: clap::Command,
    options: impl Fn(&Subcommand) -> fn(clap::Command) -> clap::Command,
) -> clap::Command {
    SUBCOMMANDS.iter().fold(command, |command, sub| {
        command.subcommand(
            clap::Command::new(sub.name)
                .about(sub.about)
                .long_about(None::<&str>)
                .after_help(sub.examples)
                .defer(options(sub)),
        )
    })
}

impl clap::Subcommand for Command {
    fn augment_subcommands(command: clap::Command) -> clap::Command {
        declare(command, |sub| sub.options)
    }

    fn augment_subcommands_for_update(command: clap::Command) -> clap::Command {
        declare(command, |sub| sub.options_for_update)
    }

    fn has_subcommand(name: &str) -> bool {
        SUBCOMMANDS.iter().any(|sub| sub.name == name)
    }
}

impl FromArgMatches for Command {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Command, clap::Error> {
        Command::from_arg_matches_mut(&mut matches.clone())
    }

    fn from_arg_matches_mut(matches: &mut ArgMatches) -> Result<Command, clap::Error> {
        let Some((name, mut sub)) = matches.remove_subcommand() else {
            return Err(clap::Error::raw(
                ErrorKind::MissingSubcommand,
                "a subcommand is required but one was not provided",
            ));
        };
        match SUBCOMMANDS.iter().find(|known| known.name == name) {
            Some(known) => (known.parse)(&mut sub),
            None => Err(clap::Error::raw(
                ErrorKind::InvalidSubcommand,
                format!("the subcommand '{name}' wasn't recognized"),
            )),
        }
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Command::from_arg_matches(matches)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;
    use crate::cli::args::Cli;

    /// Every variant of `Command` is declared, under the name `from_arg_matches` maps back to
    /// that variant, each subcommand's options are built once clap needs them, and its help starts
    /// with its own description (the options' doc comments would otherwise replace it).
    #[test]
    fn every_subcommand_parses_back_to_its_variant() {
        let mut cli = Cli::command();
        cli.build();
        for sub in &SUBCOMMANDS {
            let declared = cli
                .find_subcommand(sub.name)
                .unwrap_or_else(|| panic!("{} is not declared", sub.name));
            assert!(declared.get_after_help().is_some(), "{}", sub.name);
            let argv = match sub.name {
                "preview" => vec![
                    "claimcheck",
                    sub.name,
                    "--rules",
                    "a.json",
                    "--against",
                    "b.json",
                ],
                "who" | "check" => vec!["claimcheck", sub.name, "--rules", "a.json"],
                "scaffold" => vec!["claimcheck", sub.name, "aws"],
                _ => vec!["claimcheck", sub.name],
            };
            let matches = Cli::command()
                .try_get_matches_from(&argv)
                .unwrap_or_else(|error| panic!("{argv:?}: {error}"));
            let parsed = <Cli as FromArgMatches>::from_arg_matches(&matches)
                .unwrap_or_else(|error| panic!("{argv:?}: {error}"));
            let help = Cli::command()
                .term_width(1000)
                .try_get_matches_from(["claimcheck", sub.name, "--help"])
                .expect_err("--help is shown, not parsed")
                .to_string();
            assert!(
                help.starts_with(&format!("{}\n", sub.about)),
                "{}'s help starts with its options' description instead:\n{help}",
                sub.name
            );
            assert!(help.contains("Examples:"), "{}: {help}", sub.name);
            let variant = format!("{:?}", parsed.command.expect("a subcommand"));
            assert!(
                variant.to_lowercase().starts_with(sub.name),
                "{} parsed as {variant}",
                sub.name
            );
        }
    }
}
