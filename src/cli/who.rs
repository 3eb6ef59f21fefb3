//! `claimcheck who --rules FILE`: every region of callers the rules admit, with witnesses and
//! the lints drawn from them (`trust::symbolic::reach`).

use super::args::WhoArgs;
use super::decode::{fail, print_json};
use super::paint::Paint;
use super::preview_symbolic::render_reach;
use super::{exit, print_stdout};
use crate::app::rules;
use crate::report::SCHEMA_VERSION;
use crate::trust::symbolic::{self, Budget};

pub fn run(args: &WhoArgs) -> u8 {
    let rules = match rules::load(&args.rules, None) {
        Ok(rules) => rules,
        Err(error) => return fail(args.json, error.kind(), &error.to_string()),
    };
    let reach = symbolic::reach(&rules, args.time.now(), Budget::default());
    if args.json {
        print_json(&serde_json::json!({"schema": SCHEMA_VERSION, "who": reach}));
    } else {
        print_stdout(&render_reach(&reach, Paint::for_stdout(args.color)));
    }
    if reach.complete {
        exit::SUCCESS
    } else {
        exit::NOT_CHECKED
    }
}
