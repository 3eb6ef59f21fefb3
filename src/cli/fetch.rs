//! `claimcheck fetch`: get a token from where it is issued and print it raw (for piping), or
//! decoded as the document `decode --json` prints, or copy it (`--copy`, printing only where it
//! went); or list the sources this environment offers.
//! `decode --from` fetches through here too.

use std::io::IsTerminal;

use serde::Serialize;

use super::args::{ColorChoice, FetchArgs, OutputArgs, SourcePick};
use super::decode::{fail, print_json, show_token};
use super::{exit, print_stdout};
use crate::report::timefmt::DateStyle;
use crate::report::{ErrorDocument, SCHEMA_VERSION};
use crate::source::{
    self, AudienceUse, Available, Environment, FetchOptions, Fetched, SourceError, SourceSpec,
};
use crate::token::sanitize::escape_controls;

pub fn run(args: &FetchArgs) -> u8 {
    if args.list || args.source.pick.from == Some(SourceSpec::Auto) {
        return list(args.json);
    }
    if args.source.pick.from.is_none() {
        return fail(
            args.json,
            "usage",
            "fetch needs --from SOURCE (see `claimcheck fetch --help`), or --list to see the \
             sources this environment offers",
        );
    }
    let fetched = match fetch_from(&args.source.pick, args.source.timeout, args.limits.limits()) {
        Ok(fetched) => fetched,
        Err(error) => return report_error(args.json, &error),
    };
    print_side_info(&fetched);
    if args.json {
        let output = OutputArgs {
            json: true,
            date: DateStyle::Utc,
            color: ColorChoice::Never,
            width: None,
        };
        show_token(
            &fetched.token,
            fetched.source,
            &output,
            &args.time,
            args.copy,
        )
    } else if args.copy {
        // The copy is what was asked for: failing it fails the command.
        if super::copy::copy_raw_token(fetched.token.compact()) {
            exit::SUCCESS
        } else {
            exit::NOT_CHECKED
        }
    } else {
        print_stdout(&format!("{}\n", fetched.token.compact()));
        exit::SUCCESS
    }
}

/// Fetches from `--from` with the process's environment. Call only when `from` is set.
pub(crate) fn fetch_from(
    args: &SourcePick,
    timeout: std::time::Duration,
    limits: crate::token::Limits,
) -> Result<Fetched, SourceError> {
    let spec = args
        .from
        .clone()
        .ok_or_else(|| SourceError::Usage("--from SOURCE is missing".into()))?
        .with_options(args.env_var.clone(), args.path.clone())
        .map_err(SourceError::Usage)?;
    let options = FetchOptions {
        audience: args.audience.clone(),
        timeout,
        limits,
        ..FetchOptions::default()
    };
    source::fetch(&spec, &options, &Environment::from_process())
}

/// Where the token came from and what came with it, for a person watching: on standard error,
/// and only when that is a terminal, so that `TOKEN=$(claimcheck fetch …)` stays quiet. Notes
/// (such as an unused `--audience`) are warnings and always shown.
pub(crate) fn print_side_info(fetched: &Fetched) {
    for note in &fetched.notes {
        eprintln!("claimcheck: note: {}", escape_controls(note));
    }
    if !std::io::stderr().is_terminal() {
        return;
    }
    eprintln!(
        "claimcheck: token from {}",
        escape_controls(&fetched.origin)
    );
    for detail in &fetched.details {
        eprintln!(
            "  {}: {}",
            escape_controls(&detail.name),
            escape_controls(&detail.value)
        );
    }
}

/// Exit 2 when the request was wrong, 3 when the source could not produce a token; the
/// source's own standard error follows the message.
pub(crate) fn report_error(json: bool, error: &SourceError) -> u8 {
    if json {
        let mut message = error.to_string();
        if let Some(stderr) = error.stderr() {
            message.push_str("\nstandard error:\n");
            message.push_str(stderr.trim_end());
        }
        print_json(&ErrorDocument::new(error.kind(), message));
    } else {
        eprintln!("claimcheck: {}", escape_controls(&error.to_string()));
        if let Some(stderr) = error.stderr() {
            eprintln!("its standard error:");
            for line in stderr.trim_end().lines() {
                eprintln!("  | {}", escape_controls(line));
            }
        }
    }
    if error.is_usage() {
        exit::BAD_INPUT
    } else {
        exit::NOT_CHECKED
    }
}

#[derive(Serialize)]
struct SourceList {
    schema: u32,
    sources: Vec<Available>,
}

fn list(json: bool) -> u8 {
    let sources = source::detect(&Environment::from_process());
    if json {
        print_json(&SourceList {
            schema: SCHEMA_VERSION,
            sources,
        });
        return exit::SUCCESS;
    }
    print_stdout(&render_list(&sources));
    exit::SUCCESS
}

fn render_list(sources: &[Available]) -> String {
    if sources.is_empty() {
        return "No token source found here: no CI token variables, token files or issuer CLIs.\n\
                env:NAME, file:PATH, exec:COMMAND and sh:COMMAND work anywhere; \
                `claimcheck fetch --help` lists every source and what it needs.\n"
            .to_owned();
    }
    let names: Vec<String> = sources
        .iter()
        .map(|available| escape_controls(&available.spec.to_string()).into_owned())
        .collect();
    let width = names
        .iter()
        .map(|name| name.chars().count())
        .max()
        .unwrap_or(0);
    let mut text = String::from("Token sources in this environment:\n");
    for (name, available) in names.iter().zip(sources) {
        let audience = match available.audience {
            AudienceUse::Required => "  [needs --audience]",
            AudienceUse::Optional => "  [takes --audience]",
            AudienceUse::Fixed => "",
        };
        text.push_str(&format!(
            "  {name:<width$}  {}{audience}\n",
            available.evidence
        ));
    }
    text.push_str("Fetch one with: claimcheck fetch --from SOURCE\n");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_aligns_names_and_says_which_take_an_audience() {
        let sources = [
            Available {
                spec: SourceSpec::Github,
                audience: AudienceUse::Optional,
                evidence: "vars set".into(),
            },
            Available {
                spec: SourceSpec::Gitpod,
                audience: AudienceUse::Required,
                evidence: "gp on PATH".into(),
            },
            Available {
                spec: SourceSpec::Eks,
                audience: AudienceUse::Fixed,
                evidence: "file".into(),
            },
        ];
        assert_eq!(
            render_list(&sources),
            "Token sources in this environment:\n  \
             github  vars set  [takes --audience]\n  \
             gitpod  gp on PATH  [needs --audience]\n  \
             eks     file\n\
             Fetch one with: claimcheck fetch --from SOURCE\n"
        );
        assert!(render_list(&[]).starts_with("No token source found"));
    }
}
