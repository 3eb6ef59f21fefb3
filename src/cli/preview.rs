//! `claimcheck preview`: the current rules against the proposed ones, symbolically for every
//! caller (`trust::symbolic`) and, with `--tokens`, over a corpus; who loses access, who gains
//! it. `--plan` does the same for every trust-rule resource a Terraform plan changes.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use super::args::{PreviewArgs, PreviewFormat};
use super::decode::{fail, print_json};
use super::paint::Paint;
use super::preview_markdown;
use super::preview_symbolic::render_comparison;
use super::preview_text::render_preview;
use super::{exit, print_stdout};
use crate::app::rules;
use crate::preview::corpus;
use crate::preview::group::GroupBy;
use crate::preview::matrix::{Clock, Preview, PreviewInput, evaluate};
use crate::report::SCHEMA_VERSION;
use crate::trust::Rule;
use crate::trust::symbolic::{self, Budget, Comparison, Conclusion};

/// Changed and bad entries listed by location in the report; all are counted.
const MAX_LISTED: usize = 1000;

/// One rule change compared: for every caller (when there is a proposal) and over the corpus
/// (when there is one). At least one of the two is present.
struct Compared {
    symbolic: Option<Comparison>,
    corpus: Option<Preview>,
}

impl Compared {
    /// The fields of the JSON document: `symbolic` and, with a corpus, `preview`.
    fn json_into(&self, document: &mut serde_json::Value) {
        if let Some(comparison) = &self.symbolic {
            document["symbolic"] = serde_json::json!(comparison);
        }
        if let Some(preview) = &self.corpus {
            document["preview"] = serde_json::json!(preview);
        }
    }

    fn markdown(&self, title: Option<&str>) -> String {
        let mut out = String::new();
        if let Some(title) = title {
            out.push_str(&format!("### {}\n\n", preview_markdown::inline(title)));
        }
        if let Some(comparison) = &self.symbolic {
            out.push_str(&preview_markdown::render_comparison(comparison));
        }
        if let Some(preview) = &self.corpus {
            if self.symbolic.is_some() {
                out.push_str("\n#### Over the corpus\n\n");
            }
            out.push_str(&preview_markdown::render(preview));
        }
        out
    }

    fn text(&self, paint: Paint) -> String {
        let mut out = String::new();
        if let Some(comparison) = &self.symbolic {
            out.push_str(&render_comparison(comparison, paint));
        }
        if let Some(preview) = &self.corpus {
            if self.symbolic.is_some() {
                out.push('\n');
            }
            out.push_str(&render_preview(preview, paint));
            let undecided = preview.undecided();
            if undecided > 0 && preview.proposed_rules.is_some() {
                out.push_str(&paint.yellow(&format!(
                    "! {undecided} token(s) cannot be decided after the change (a value known only after apply, or a rule that cannot be evaluated); they are not counted as gaining access\n"
                )));
            }
        }
        out
    }
}

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
    if args.fail_on_new_access && args.against.is_empty() {
        return fail(
            json,
            "usage",
            "--fail-on-new-access compares two rule sets: give --against (or a Terraform plan with --plan)",
        );
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
    if args.tokens.is_none() && proposed.is_none() {
        return fail(
            json,
            "usage",
            "without --tokens, preview compares --rules with --against for every caller; give --against (or see one rule set's reach with `claimcheck who --rules FILE`)",
        );
    }
    let compared = match compare(args, &current, proposed.as_deref()) {
        Ok(compared) => compared,
        Err(error) => return fail(json, "io", &error),
    };
    if json {
        let mut document = serde_json::json!({"schema": SCHEMA_VERSION});
        compared.json_into(&mut document);
        print_json(&document);
    } else if args.format == PreviewFormat::Markdown {
        print_stdout(&compared.markdown(None));
    } else {
        print_stdout(&compared.text(Paint::for_stdout(args.color)));
    }
    verdict_code(args, std::slice::from_ref(&compared))
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
            Ok(one) => compared.push(one),
            Err(error) => return fail(json, "io", &error),
        }
    }
    let title =
        |change: &rules::PlanChange| format!("{} ({})", change.address, change.actions.join(", "));
    if json {
        let resources: Vec<_> = changes
            .iter()
            .zip(&compared)
            .map(|(change, one)| {
                let mut resource =
                    serde_json::json!({"address": change.address, "actions": change.actions});
                one.json_into(&mut resource);
                resource
            })
            .collect();
        print_json(
            &serde_json::json!({"schema": SCHEMA_VERSION, "plan": plan, "resources": resources}),
        );
    } else if args.format == PreviewFormat::Markdown {
        let mut out = format!(
            "## claimcheck: trust rules changed by {}\n\n",
            preview_markdown::inline(plan)
        );
        if changes.is_empty() {
            out.push_str("The plan changes no trust rule.\n");
        }
        for (change, one) in changes.iter().zip(&compared) {
            out.push_str(&one.markdown(Some(&title(change))));
            out.push('\n');
        }
        print_stdout(&out);
    } else {
        let paint = Paint::for_stdout(args.color);
        let mut out = String::new();
        if changes.is_empty() {
            out.push_str("The plan changes no trust rule.\n");
        }
        for (change, one) in changes.iter().zip(&compared) {
            out.push_str(&format!(
                "{}\n",
                paint.bold(&format!("━━ {}", title(change)))
            ));
            out.push_str(&one.text(paint));
            out.push('\n');
        }
        print_stdout(&out);
    }
    verdict_code(args, &compared)
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

/// One resource's (or one `--rules`/`--against` pair's) rules before and after a change: for
/// every caller when there is a proposal, and over the corpus when there is one. The one
/// place a comparison is made, for `--against` and `--plan` alike.
fn compare(
    args: &PreviewArgs,
    current: &[Box<dyn Rule>],
    proposed: Option<&[Box<dyn Rule>]>,
) -> Result<Compared, String> {
    let symbolic = proposed.map(|proposed| compare_rule_sets(current, proposed, args.time.now()));
    let corpus = match &args.tokens {
        Some(tokens) => Some(over_corpus(args, tokens, current, proposed)?),
        None => None,
    };
    Ok(Compared { symbolic, corpus })
}

fn over_corpus(
    args: &PreviewArgs,
    tokens: &str,
    current: &[Box<dyn Rule>],
    proposed: Option<&[Box<dyn Rule>]>,
) -> Result<Preview, String> {
    let entries =
        corpus::open_with(tokens, args.limits.limits()).map_err(|error| error.to_string())?;
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
        memoise: true,
    };
    let progress = Progress::new(std::io::stderr().is_terminal() && !args.json);
    let preview = evaluate(entries, &input, &|read| progress.update(read));
    progress.finish();
    Ok(preview)
}

/// The exit status. With --fail-on-new-access: 1 when some caller gains access (a region of
/// the symbolic comparison or a token of the corpus), 3 when that cannot be ruled out (the
/// analysis is not proved, or a token cannot be decided after the change), else 0. With
/// --fail-on-change: 1 when any caller's access changes (over the corpus when there is one,
/// else for any caller). Otherwise 0.
fn verdict_code(args: &PreviewArgs, compared: &[Compared]) -> u8 {
    let symbolic = || compared.iter().filter_map(|c| c.symbolic.as_ref());
    let corpus = || compared.iter().filter_map(|c| c.corpus.as_ref());
    let gained = symbolic().any(|c| c.conclusion == Conclusion::GainsAccess)
        || corpus().any(|p| p.changes.as_ref().is_some_and(|c| c.gained > 0));
    if args.fail_on_new_access && gained {
        return exit::DEFINITE_NO;
    }
    let changed = compared.iter().any(|c| match (&c.corpus, &c.symbolic) {
        (Some(preview), _) => preview.changed(),
        (None, Some(comparison)) => !comparison.gains.is_empty() || !comparison.loses.is_empty(),
        (None, None) => false,
    });
    if args.fail_on_change && changed {
        return exit::DEFINITE_NO;
    }
    let not_proved = symbolic().any(|c| c.conclusion == Conclusion::NotProved)
        || corpus().any(|p| p.proposed_rules.is_some() && p.undecided() > 0);
    if args.fail_on_new_access && not_proved {
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
