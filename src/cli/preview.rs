//! `claimcheck preview`: a corpus of tokens against the current rules, and optionally the
//! proposed ones; who loses access, who gains it.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use super::args::{PreviewArgs, PreviewFormat};
use super::decode::{fail, print_json};
use super::paint::Paint;
use super::preview_markdown;
use super::preview_text::render_preview;
use super::{exit, print_stdout};
use crate::app::rules;
use crate::preview::corpus;
use crate::preview::group::GroupBy;
use crate::preview::matrix::{Clock, Preview, PreviewInput, evaluate};
use crate::report::SCHEMA_VERSION;
use crate::trust::Rule;

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
    if let Some(plan) = &args.plan {
        return run_plan(args, plan);
    }
    let current = match rules::load_with(&args.rules, &cfn_only(args)) {
        Ok(rules) => rules,
        Err(error) => return fail(json, error.kind(), &error.to_string()),
    };
    let proposed = if args.against.is_empty() {
        None
    } else {
        match rules::load_with(&args.against, &cfn_only(args)) {
            Ok(rules) => Some(rules),
            Err(error) => return fail(json, error.kind(), &error.to_string()),
        }
    };
    let preview = match compare(args, &current, proposed.as_deref()) {
        Ok(preview) => preview,
        Err(error) => return fail(json, "io", &error),
    };
    if json {
        print_json(&serde_json::json!({"schema": SCHEMA_VERSION, "preview": preview}));
    } else if args.format == PreviewFormat::Markdown {
        print_stdout(&preview_markdown::render(&preview, None));
    } else {
        print_stdout(&render_preview(&preview, Paint::for_stdout(args.color)));
    }
    verdict_code(args, std::slice::from_ref(&preview))
}

fn cfn_only(args: &PreviewArgs) -> rules::LoadOptions<'_> {
    rules::LoadOptions {
        cfn_params: &args.cfn_param,
        ..rules::LoadOptions::default()
    }
}

/// `preview --plan`: every trust-rule resource the plan changes, its rules before against its
/// rules after, one comparison per resource.
fn run_plan(args: &PreviewArgs, plan: &str) -> u8 {
    let json = args.json;
    let changes = match rules::plan_changes(plan) {
        Ok(changes) => changes,
        Err(error) => return fail(json, error.kind(), &error.to_string()),
    };
    let mut compared = Vec::new();
    for change in &changes {
        match compare(args, &change.before, Some(&change.after)) {
            Ok(preview) => compared.push(preview),
            Err(error) => return fail(json, "io", &error),
        }
    }
    let title =
        |change: &rules::PlanChange| format!("{} ({})", change.address, change.actions.join(", "));
    if json {
        let resources: Vec<_> = changes
            .iter()
            .zip(&compared)
            .map(|(change, preview)| {
                serde_json::json!({"address": change.address, "actions": change.actions, "preview": preview})
            })
            .collect();
        print_json(
            &serde_json::json!({"schema": SCHEMA_VERSION, "plan": plan, "resources": resources}),
        );
    } else if args.format == PreviewFormat::Markdown {
        let mut out = format!(
            "## claimcheck: trust rules changed by `{}`\n\n",
            plan.replace('`', "'")
        );
        if changes.is_empty() {
            out.push_str("The plan changes no trust rule.\n");
        }
        for (change, preview) in changes.iter().zip(&compared) {
            out.push_str(&preview_markdown::render(preview, Some(&title(change))));
            out.push('\n');
        }
        print_stdout(&out);
    } else {
        let paint = Paint::for_stdout(args.color);
        let mut out = String::new();
        if changes.is_empty() {
            out.push_str("The plan changes no trust rule.\n");
        }
        for (change, preview) in changes.iter().zip(&compared) {
            out.push_str(&format!(
                "{}\n",
                paint.bold(&format!("━━ {}", title(change)))
            ));
            out.push_str(&render_preview(preview, paint));
            let undecided = preview_markdown::undecided(preview);
            if undecided > 0 {
                out.push_str(&paint.yellow(&format!(
                    "! {undecided} token(s) cannot be decided after the change (a value known only after apply, or a rule that cannot be evaluated); they are not counted as gaining access\n"
                )));
            }
            out.push('\n');
        }
        print_stdout(&out);
    }
    verdict_code(args, &compared)
}

/// One resource's (or one `--rules`/`--against` pair's) rules before and after a change, over
/// the corpus. The one place a comparison is made, so that another way of comparing (without
/// a corpus) can take its place for `--plan` and `--against` at once.
fn compare(
    args: &PreviewArgs,
    current: &[Box<dyn Rule>],
    proposed: Option<&[Box<dyn Rule>]>,
) -> Result<Preview, String> {
    let entries = corpus::open(&args.tokens).map_err(|error| error.to_string())?;
    let group_by = if args.group_by.is_empty() {
        GroupBy::FoldedSubject
    } else {
        GroupBy::Claims(args.group_by.clone())
    };
    let input = PreviewInput {
        current,
        proposed,
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
    let progress = Progress::new(std::io::stderr().is_terminal() && !args.json);
    let preview = evaluate(entries, &input, &|read| progress.update(read));
    progress.finish();
    Ok(preview)
}

/// The exit status: 1 for a gain with --fail-on-new-access or any change with
/// --fail-on-change; 3 with --fail-on-new-access when a caller cannot be decided (the guard
/// cannot say there is no new access); 0 otherwise.
fn verdict_code(args: &PreviewArgs, previews: &[Preview]) -> u8 {
    let gained = previews
        .iter()
        .any(|p| p.changes.as_ref().is_some_and(|c| c.gained > 0));
    if args.fail_on_new_access && gained {
        return exit::DEFINITE_NO;
    }
    if args.fail_on_change && previews.iter().any(Preview::changed) {
        return exit::DEFINITE_NO;
    }
    let undecided = previews.iter().any(|p| preview_markdown::undecided(p) > 0);
    if args.fail_on_new_access && undecided {
        return exit::NOT_CHECKED;
    }
    exit::SUCCESS
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
