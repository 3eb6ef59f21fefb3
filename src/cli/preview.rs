//! `claimcheck preview`: a corpus of tokens against the current rules, and optionally the
//! proposed ones; who loses access, who gains it.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use super::args::PreviewArgs;
use super::decode::{fail, print_json};
use super::paint::Paint;
use super::preview_text::render_preview;
use super::{exit, print_stdout};
use crate::app::rules;
use crate::preview::corpus;
use crate::preview::group::GroupBy;
use crate::preview::matrix::{Clock, PreviewInput, evaluate};
use crate::report::SCHEMA_VERSION;

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
    let entries = match corpus::open_with(&args.tokens, args.limits.limits()) {
        Ok(entries) => entries,
        Err(error) => return fail(json, "io", &error.to_string()),
    };
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
        print_json(&serde_json::json!({"schema": SCHEMA_VERSION, "preview": preview}));
    } else {
        print_stdout(&render_preview(&preview, Paint::for_stdout(args.color)));
    }
    if args.fail_on_change && preview.changed() {
        exit::DEFINITE_NO
    } else {
        exit::SUCCESS
    }
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
