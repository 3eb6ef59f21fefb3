//! `claimcheck preview`: the current rules against the proposed ones, symbolically for every
//! caller (`trust::symbolic`) and, with `--tokens`, for a corpus; who loses access, who gains it.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use super::args::PreviewArgs;
use super::decode::{fail, print_json};
use super::paint::Paint;
use super::preview_symbolic::render_comparison;
use super::preview_text::render_preview;
use super::{exit, print_stdout};
use crate::app::rules;
use crate::preview::corpus;
use crate::preview::group::GroupBy;
use crate::preview::matrix::{Clock, PreviewInput, evaluate};
use crate::report::SCHEMA_VERSION;
use crate::trust::Rule;
use crate::trust::symbolic::{self, Budget, Comparison, Conclusion};

/// Changed and bad entries listed by location in the report; all are counted.
const MAX_LISTED: usize = 1000;

pub fn run(args: &PreviewArgs) -> u8 {
    let json = args.json;
    if args.keys.any_given() {
        return fail(
            json,
            "usage",
            "key options apply to preview --tui (to the tokens opened from its matrix); a preview evaluates claims and verifies no signature",
        );
    }
    let current = match rules::load(&args.rules, None) {
        Ok(rules) => rules,
        Err(error) => return fail(json, error.kind(), &error.to_string()),
    };
    let proposed = if args.against.is_empty() {
        None
    } else {
        match rules::load(&args.against, None) {
            Ok(rules) => Some(rules),
            Err(error) => return fail(json, error.kind(), &error.to_string()),
        }
    };
<<<<<<< HEAD
    let entries = match corpus::open_with(&args.tokens, args.limits.limits()) {
=======
    let Some(tokens) = &args.tokens else {
        let Some(proposed) = proposed else {
            return fail(
                json,
                "usage",
                "without --tokens, preview compares --rules with --against for every caller; give --against (or see one rule set's reach with `claimcheck who --rules FILE`)",
            );
        };
        let comparison = compare_rule_sets(&current, &proposed, args.time.now());
        if json {
            print_json(&serde_json::json!({"schema": SCHEMA_VERSION, "symbolic": comparison}));
        } else {
            print_stdout(&render_comparison(
                &comparison,
                Paint::for_stdout(args.color),
            ));
        }
        return symbolic_exit(args, &comparison).unwrap_or(exit::SUCCESS);
    };
    let entries = match corpus::open(tokens) {
>>>>>>> symb
        Ok(entries) => entries,
        Err(error) => return fail(json, "io", &error.to_string()),
    };
    let symbolic = proposed
        .as_deref()
        .map(|proposed| compare_rule_sets(&current, proposed, args.time.now()));
    let group_by = if args.group_by.is_empty() {
        GroupBy::FoldedSubject
    } else {
        GroupBy::Claims(args.group_by.clone())
    };
    let input = PreviewInput {
        current: &current,
        proposed: proposed.as_deref(),
        clock: match args.time.now {
            Some(at) => Clock::Pinned { at },
            None => Clock::EntryOwn {
                fallback: args.time.now(),
            },
        },
        group_by,
        max_listed: MAX_LISTED,
        threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
    };
    let progress = Progress::new(std::io::stderr().is_terminal() && !json);
    let preview = evaluate(entries, &input, &|read| progress.update(read));
    progress.finish();

    if json {
        let mut document = serde_json::json!({"schema": SCHEMA_VERSION, "preview": preview});
        if let Some(comparison) = &symbolic {
            document["symbolic"] = serde_json::json!(comparison);
        }
        print_json(&document);
    } else {
        let paint = Paint::for_stdout(args.color);
        let mut text = String::new();
        if let Some(comparison) = &symbolic {
            text.push_str(&render_comparison(comparison, paint));
            text.push('\n');
        }
        text.push_str(&render_preview(&preview, paint));
        print_stdout(&text);
    }
    if let Some(code) = symbolic.as_ref().and_then(|c| symbolic_exit(args, c)) {
        return code;
    }
    if args.fail_on_change && preview.changed() {
        exit::DEFINITE_NO
    } else {
        exit::SUCCESS
    }
}

/// The symbolic comparison of two loaded rule sets at `now`: the document `preview --rules A
/// --against B` prints (and `--json` carries under `symbolic`), for any front end that has two
/// rule sets in hand.
pub fn compare_rule_sets(
    current: &[Box<dyn Rule>],
    proposed: &[Box<dyn Rule>],
    now: i64,
) -> Comparison {
    symbolic::compare(current, proposed, now, Budget::default())
}

/// The exit status the symbolic comparison decides, if the flags ask it to decide one:
/// `--fail-on-new-access` (1 gains, 3 not proved) and, without a corpus, `--fail-on-change`.
fn symbolic_exit(args: &PreviewArgs, comparison: &Comparison) -> Option<u8> {
    if args.fail_on_new_access {
        match comparison.conclusion {
            Conclusion::GainsAccess => return Some(exit::DEFINITE_NO),
            Conclusion::NotProved => return Some(exit::NOT_CHECKED),
            Conclusion::ProvedNoNewAccess => {}
        }
    }
    let changed = !comparison.gains.is_empty() || !comparison.loses.is_empty();
    (args.tokens.is_none() && args.fail_on_change && changed).then_some(exit::DEFINITE_NO)
}

/// A one-line counter on stderr, redrawn at most ten times a second, only on a terminal.
struct Progress {
    enabled: bool,
    started: Instant,
    last: std::sync::Mutex<Option<Instant>>,
}

impl Progress {
    fn new(enabled: bool) -> Progress {
        Progress {
            enabled,
            started: Instant::now(),
            last: std::sync::Mutex::new(None),
        }
    }

    fn update(&self, read: usize) {
        if !self.enabled {
            return;
        }
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        let now = Instant::now();
        if last.is_some_and(|at| now - at < Duration::from_millis(100)) {
            return;
        }
        *last = Some(now);
        let rate = read as f64 / self.started.elapsed().as_secs_f64().max(0.001);
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\u{1b}[2Kpreview: {read} tokens read ({rate:.0}/s)…");
        let _ = err.flush();
    }

    fn finish(&self) {
        if self.enabled {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\u{1b}[2K");
            let _ = err.flush();
        }
    }
}
