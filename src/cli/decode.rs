//! `claimcheck decode`: read the input, decode the token, print it.

use super::args::DecodeArgs;
use super::paint::Paint;
use super::text::{TextStyle, render_document};
use super::{exit, print_stdout};
use crate::report::{ErrorDocument, TokenDocument};
use crate::source::read_input;
use crate::token::{Limits, decode};

pub fn run(args: &DecodeArgs) -> u8 {
    let limits = Limits::default();
    let input = match read_input(args.input.as_deref(), limits.max_token_bytes) {
        Ok(input) => input,
        Err(error) => return fail(args.output.json, error.kind(), &error.to_string()),
    };
    let token = match decode(&input.text, &limits) {
        Ok(token) => token,
        Err(error) => return fail(args.output.json, error.kind(), &error.to_string()),
    };
    let document = TokenDocument::new(
        &token,
        input.origin.to_string(),
        args.time.now(),
        args.time.leeway,
    );
    if args.output.json {
        print_json(&document);
    } else {
        let style = TextStyle {
            paint: Paint::for_stdout(args.output.color),
            dates: args.output.date,
        };
        print_stdout(&render_document(&document, &style));
    }
    if args.copy {
        super::copy::copy_raw_token(token.compact());
    }
    exit::SUCCESS
}

pub(crate) fn print_json(document: &impl serde::Serialize) {
    let text = serde_json::to_string_pretty(document).expect("documents serialize");
    print_stdout(&format!("{text}\n"));
}

/// Reports an input error as JSON on stdout (still a valid document) or as text on stderr.
pub(crate) fn fail(json: bool, kind: &str, message: &str) -> u8 {
    if json {
        print_json(&ErrorDocument::new(kind, message));
    } else {
        eprintln!("claimcheck: {message}");
    }
    exit::BAD_INPUT
}
