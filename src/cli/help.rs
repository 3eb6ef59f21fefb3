//! Help text whose examples are never wrapped: clap re-wraps `after_help` to the terminal
//! width, which breaks example commands in the middle (a copied half-command runs something
//! else). The examples move from `after_help` into the help template, whose literal text clap
//! writes as it is; the prose before them is still wrapped.

use clap::{Command, CommandFactory};

use super::args::Cli;

/// Where the examples start in an `after_help` text.
const EXAMPLES: &str = "Examples:\n";

/// The command line definition, with every command's examples unwrapped.
pub fn command() -> Command {
    unwrap_examples(Cli::command())
}

fn unwrap_examples(command: Command) -> Command {
    let command = command.mut_subcommands(unwrap_examples);
    let Some(after) = command.get_after_help().map(ToString::to_string) else {
        return command;
    };
    let Some(at) = after.find(EXAMPLES) else {
        return command;
    };
    let (prose, examples) = after.split_at(at);
    let prose = prose.trim_end();
    let head = "{before-help}{about-with-newline}\n{usage-heading} {usage}\n\n{all-args}";
    if prose.is_empty() {
        command
            .after_help(None::<&'static str>)
            .help_template(format!("{head}\n\n{examples}"))
    } else {
        command
            .after_help(prose.to_owned())
            .help_template(format!("{head}{{after-help}}\n\n{examples}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// At 60 columns the prose wraps, and every example line is still whole.
    #[test]
    fn examples_are_never_wrapped() {
        for name in [
            "check", "preview", "decode", "verify", "fetch", "demo", "scaffold",
        ] {
            let mut command = command();
            let sub = command
                .find_subcommand_mut(name)
                .unwrap_or_else(|| panic!("no subcommand {name}"));
            let mut sub = sub.clone().term_width(60);
            let help = sub.render_long_help().to_string();
            let after = sub.get_after_help().map(ToString::to_string);
            let source = Cli::command()
                .find_subcommand(name)
                .and_then(|c| c.get_after_help().map(ToString::to_string))
                .unwrap_or_default();
            let Some(at) = source.find(EXAMPLES) else {
                continue;
            };
            for line in source[at..].lines() {
                assert!(
                    help.lines().any(|shown| shown == line),
                    "{name}: example line {line:?} not shown whole in:\n{help}"
                );
            }
            assert!(
                after.is_none_or(|prose| !prose.contains(EXAMPLES)),
                "{name}: the examples left the wrapped text"
            );
        }
    }
}
