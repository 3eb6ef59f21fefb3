//! `claimcheck decode`: read the input (or fetch it with `--from`), decode the token, print it.

use super::args::{DecodeArgs, OutputArgs, SourceArgs, TimeArgs};
use super::text::{TextStyle, render_document};
use super::{exit, print_stdout};
use crate::report::{ErrorDocument, TokenDocument};
use crate::source::read_input;
use crate::token::{Token, decode};

/// `claimcheck decode` (and the bare `claimcheck` when not interactive), with or without
/// `--from`.
pub fn run_command(decode: &DecodeArgs, source: &SourceArgs) -> u8 {
    let json = decode.output.json;
    if source.pick.from.is_none() {
        if source.pick.any_option() {
            return fail(
                json,
                "usage",
                "--audience, --env and --path need --from SOURCE",
            );
        }
        return run(decode);
    }
    if decode.input.is_some() {
        return fail(
            json,
            "usage",
            "give either INPUT or --from SOURCE, not both",
        );
    }
    match super::fetch::fetch_from(&source.pick, source.timeout, decode.limits.limits()) {
        Ok(fetched) => {
            super::fetch::print_side_info(&fetched);
            show_token(
                &fetched.token,
                fetched.source,
                &decode.output,
                &decode.time,
                decode.copy,
            )
        }
        Err(error) => super::fetch::report_error(json, &error),
    }
}

pub fn run(args: &DecodeArgs) -> u8 {
    let limits = args.limits.limits();
    let input = match read_input(args.input.as_deref(), limits.max_token_bytes) {
        Ok(input) => input,
        Err(error) => return fail(args.output.json, error.kind(), &error.to_string()),
    };
    let token = match decode(&input.text, &limits) {
        Ok(token) => token,
        Err(error) => return fail(args.output.json, error.kind(), &error.to_string()),
    };
    show_token(
        &token,
        input.origin.to_string(),
        &args.output,
        &args.time,
        args.copy,
    )
}

/// Prints a decoded token as `decode` does; `fetch --json` prints through here too, so the two
/// documents cannot drift apart.
pub(crate) fn show_token(
    token: &Token,
    source: String,
    output: &OutputArgs,
    time: &TimeArgs,
    copy: bool,
) -> u8 {
    let document = TokenDocument::new(token, source, time.now(), time.leeway);
    if output.json {
        print_json(&document);
    } else {
        let style = TextStyle::for_stdout(output);
        print_stdout(&render_document(&document, &style));
    }
    // The copy was asked for too: when it fails (the message says why) the exit status says
    // so, as for `fetch --copy`, though the decoded token has been printed.
    if copy && !super::copy::copy_raw_token(token.compact()) {
        return exit::NOT_CHECKED;
    }
    exit::SUCCESS
}

pub(crate) fn print_json(document: &impl serde::Serialize) {
    let text = serde_json::to_string_pretty(document).expect("documents serialize");
    print_stdout(&format!("{text}\n"));
}

/// Reports an input error as JSON on stdout (still a valid document) or as text on stderr,
/// escaped: messages quote the input.
pub(crate) fn fail(json: bool, kind: &str, message: &str) -> u8 {
    if json {
        print_json(&ErrorDocument::new(kind, message));
    } else {
        super::print_error(message);
    }
    exit::BAD_INPUT
}
