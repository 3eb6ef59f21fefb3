//! The text rendering of `check`: a short description of the token (or what-if claims), then
//! per rule its outcome (glyph and word), the table condition | expected | actual | result with
//! hints and notes under each row, its lints and what it relies on that is unverified. Every
//! string from the token or a rule file goes through [`escape_controls`]. Fitted to a width
//! (a terminal), long cells wrap within their column, and below [`TABLE_MIN_WIDTH`] each
//! condition is a stacked block, as in the view's why panel.

/// Below this many columns the checks are stacked blocks rather than a table.
const TABLE_MIN_WIDTH: usize = 100;

use std::fmt::Write;

use serde_json::Value;
use unicode_width::UnicodeWidthStr;

use super::paint::{Paint, pad};
use super::text::{MIN_VALUE_ROOM, TextStyle, display_value, hanging, wrap_value};
use crate::report::check::{CheckDocument, CheckSubject};
use crate::report::decision::{Decision, DecisionOutcome};
use crate::report::timefmt;
use crate::report::{SignatureReport, SignatureStatus};
use crate::token::sanitize::escape_controls;
use crate::token::time::{TimeReport, TimeStatus};
use crate::trust::{Check, Outcome, Verdict};

pub fn render_check(doc: &CheckDocument, style: &TextStyle) -> String {
    let paint = style.paint;
    let mut out = String::new();
    match &doc.subject {
        CheckSubject::Token(token) => {
            let _ = writeln!(
                out,
                "{}     {} from {}",
                paint.bold("Token"),
                describe_form(token.header.get("alg")),
                escape_controls(&token.source)
            );
            describe_signature(&mut out, &token.signature, style);
            describe_time(&mut out, &token.time, style);
        }
        CheckSubject::Claims(claims) => {
            let _ = writeln!(
                out,
                "{}    {} from {}",
                paint.bold("Claims"),
                paint.yellow(&match claims.dump {
                    Some(shape) => format!("SIMULATED what-if: {}, unsigned", shape.description()),
                    None => "SIMULATED what-if: bare claims, unsigned".to_owned(),
                }),
                escape_controls(&claims.source)
            );
            if let Some(alg) = claims.header.as_ref().and_then(|h| h.get("alg")) {
                let _ = writeln!(
                    out,
                    "Header    alg {} (from the dump; rules that check the header see it)",
                    display_value(alg)
                );
            }
            describe_time(&mut out, &claims.time, style);
        }
    }
    if let Some(claims) = doc.claims() {
        for name in ["iss", "sub", "aud", "azp"] {
            if let Some(value) = claims.get(name) {
                let _ = writeln!(
                    out,
                    "{} {}",
                    paint.cyan(&pad(name, 9)),
                    fitted(&display_value(value), style.width, 10)
                );
            }
        }
    }
    for verdict in &doc.verdicts {
        out.push('\n');
        render_verdict(&mut out, verdict, style);
    }
    out.push('\n');
    let _ = writeln!(out, "{}", summary_line(&doc.verdicts, paint));
    let _ = writeln!(out, "{}", decision_line(&doc.decision, style));
    out
}

/// The one answer, last, where the eye lands.
fn decision_line(decision: &Decision, style: &TextStyle) -> String {
    let paint = style.paint;
    let label = format!("{} {}", decision.outcome.glyph(), decision.outcome.word());
    // "Decision ", the label and ": " come before the reason.
    let indent = 9 + UnicodeWidthStr::width(label.as_str()) + 2;
    let label = match decision.outcome {
        DecisionOutcome::Allowed => paint.green(&label),
        DecisionOutcome::Denied => paint.red(&label),
        DecisionOutcome::NotChecked | DecisionOutcome::Error => paint.yellow(&label),
    };
    format!(
        "{} {label}: {}",
        paint.bold("Decision"),
        fitted(&escape_controls(&decision.reason), style.width, indent)
    )
}

fn describe_form(alg: Option<&Value>) -> String {
    match alg {
        Some(alg) => format!("JWS ({})", display_value(alg)),
        None => "JWS (no alg)".to_owned(),
    }
}

fn describe_signature(out: &mut String, signature: &SignatureReport, style: &TextStyle) {
    let paint = style.paint;
    let reason = escape_controls(&signature.reason);
    // Wrapped before it is coloured: escape sequences have no width.
    let fit = |text: String| fitted(&text, style.width, 10);
    let text = match signature.status {
        SignatureStatus::Verified => paint.green(&fit(format!("✓ verified: {reason}"))),
        SignatureStatus::NotChecked => paint.yellow(&fit(format!("– not checked: {reason}"))),
        SignatureStatus::Failed => paint.red(&fit(format!("✗ failed: {reason}"))),
    };
    let _ = writeln!(out, "{} {text}", paint.bold("Signature"));
}

fn describe_time(out: &mut String, time: &TimeReport, style: &TextStyle) {
    let paint = style.paint;
    let text = match time.status {
        TimeStatus::Active => match time.expires_in_secs {
            Some(left) if left >= 0 => {
                paint.green(&format!("✓ active, expires in {}", timefmt::duration(left)))
            }
            Some(past) => paint.yellow(&format!(
                "✓ active: expired {} ago but within the {} leeway",
                timefmt::duration(-past),
                timefmt::duration(time.leeway_secs)
            )),
            None => paint.yellow("✓ active, never expires (no exp)"),
        },
        TimeStatus::Expired => paint.red(&format!(
            "✗ expired {} ago",
            timefmt::duration(-time.expires_in_secs.unwrap_or(0))
        )),
        TimeStatus::NotYetValid => paint.red(&format!(
            "✗ not valid for another {}",
            timefmt::duration(time.valid_in_secs.unwrap_or(0))
        )),
        TimeStatus::Unknown => paint.yellow("? unknown: exp or nbf is not a usable number"),
    };
    let _ = writeln!(out, "{} {text}", paint.bold(&pad("Time", 9)));
}

fn outcome_label(outcome: Outcome, paint: Paint) -> String {
    let text = format!("{} {}", outcome.glyph(), outcome.word());
    match outcome {
        Outcome::Allowed => paint.green(&text),
        Outcome::Denied => paint.red(&text),
        Outcome::NotApplicable => paint.dim(&text),
        Outcome::Error => paint.yellow(&text),
    }
}

/// `text` wrapped to what is left of `width` after `indent` columns, continuation lines
/// indented as much; unchanged without a width.
fn fitted(text: &str, width: Option<usize>, indent: usize) -> String {
    match width {
        Some(columns) => hanging(
            &wrap_value(text, columns.saturating_sub(indent).max(MIN_VALUE_ROOM)),
            indent,
        ),
        None => text.to_owned(),
    }
}

fn render_verdict(out: &mut String, verdict: &Verdict, style: &TextStyle) {
    let paint = style.paint;
    let width = style.width;
    let rule = &verdict.rule;
    let file = rule
        .file
        .as_deref()
        .map(|f| format!(" · {}", escape_controls(f)))
        .unwrap_or_default();
    let (passed, total) = verdict.passed_count();
    let label = format!("{} {}", verdict.outcome.glyph(), verdict.outcome.word());
    let name = escape_controls(&rule.name);
    let head_width = UnicodeWidthStr::width(
        format!(
            "{label}  {}{file} · {name}  ({passed} of {total} checks pass)",
            rule.kind.name()
        )
        .as_str(),
    );
    match width {
        // Too long for the terminal: the file goes on a line of its own, under the name.
        Some(columns) if head_width > columns && !file.is_empty() => {
            let _ = writeln!(
                out,
                "{}  {} · {}  ({passed} of {total} checks pass)",
                outcome_label(verdict.outcome, paint),
                rule.kind.name(),
                paint.bold(&name),
            );
            let from = format!("from {}", file.trim_start_matches(" · "));
            let _ = writeln!(out, "  {}", fitted(&from, width, 2));
        }
        _ => {
            let _ = writeln!(
                out,
                "{}  {}{file} · {}  ({passed} of {total} checks pass)",
                outcome_label(verdict.outcome, paint),
                rule.kind.name(),
                paint.bold(&name),
            );
        }
    }
    let _ = writeln!(
        out,
        "  {}",
        fitted(&escape_controls(&verdict.summary), width, 2)
    );
    match width {
        Some(columns) if columns < TABLE_MIN_WIDTH => {
            render_stacked(out, &verdict.checks, paint, columns)
        }
        _ => render_checks(out, &verdict.checks, paint, width),
    }
    if !verdict.lints.is_empty() {
        let _ = writeln!(out, "  {}", paint.bold("rule lints"));
        for lint in &verdict.lints {
            let label = paint.severity(lint.severity);
            let message = escape_controls(&lint.message);
            match width {
                // The message under its code, where it has the width to wrap in.
                Some(_) => {
                    let _ = writeln!(out, "    {label} {}", paint.cyan(lint.code));
                    let _ = writeln!(out, "      {}", fitted(&message, width, 6));
                }
                None => {
                    let _ = writeln!(out, "    {label} {}  {message}", paint.cyan(lint.code));
                }
            }
        }
    }
    if !verdict.unverified.is_empty() {
        let _ = writeln!(out, "  {}", paint.bold("unverified"));
        for note in &verdict.unverified {
            let _ = writeln!(out, "    ? {}", fitted(&escape_controls(note), width, 6));
        }
    }
}

fn cell_values(values: &[Value]) -> String {
    match values {
        [] => "(none)".to_owned(),
        values => values
            .iter()
            .map(display_value)
            .collect::<Vec<_>>()
            .join(" | "),
    }
}

/// The condition, expected and actual text of each check.
fn check_rows(checks: &[Check]) -> Vec<[String; 3]> {
    checks
        .iter()
        .map(|check| {
            [
                escape_controls(&check.condition).into_owned(),
                cell_values(&check.expected),
                check
                    .actual
                    .as_ref()
                    .map_or_else(|| "(absent)".to_owned(), display_value),
            ]
        })
        .collect()
}

fn result_label(check: &Check, paint: Paint) -> String {
    if check.passed {
        paint.green("✓ pass")
    } else {
        paint.red("✗ fail")
    }
}

/// A check's hints and note, under it, fitted to `width` when there is one.
fn annotations(out: &mut String, check: &Check, paint: Paint, width: Option<usize>) {
    for hint in &check.hints {
        let _ = writeln!(
            out,
            "      {} {}",
            paint.yellow("hint:"),
            fitted(&escape_controls(&hint.message), width, 12)
        );
    }
    if let Some(note) = &check.note {
        // A note may span lines (a CEL syntax error's source line and caret): each line
        // is escaped on its own, so the caret stays under the column it points at; such a
        // note is never re-wrapped, which would move the caret.
        let text = if note.contains('\n') {
            let lines: Vec<_> = note.lines().map(escape_controls).collect();
            lines.join("\n      ")
        } else {
            fitted(&escape_controls(note), width, 12)
        };
        let _ = writeln!(out, "      {} {text}", paint.dim("note:"));
    }
}

/// Widths for columns whose contents want `natural` columns, sharing `room`: a column that
/// needs less than an even share keeps what it needs and leaves the rest to the others.
fn share_columns(natural: [usize; 3], room: usize) -> [usize; 3] {
    let mut order = [0, 1, 2];
    order.sort_by_key(|&i| natural[i]);
    let mut widths = [0; 3];
    let mut left = room;
    for (done, &i) in order.iter().enumerate() {
        let share = left / (3 - done);
        widths[i] = natural[i].min(share).max(1);
        left = left.saturating_sub(widths[i]);
    }
    widths
}

fn render_checks(out: &mut String, checks: &[Check], paint: Paint, width: Option<usize>) {
    if checks.is_empty() {
        return;
    }
    let rows = check_rows(checks);
    // Display width, not chars: claim values may hold wide characters.
    let natural = |i: usize, title: &str| {
        rows.iter()
            .map(|row| unicode_width::UnicodeWidthStr::width(row[i].as_str()))
            .chain([title.len()])
            .max()
            .unwrap_or(0)
    };
    let natural = [
        natural(0, "condition"),
        natural(1, "expected"),
        natural(2, "actual"),
    ];
    // Indent, three gaps and the result column take 16 columns; the cells share the rest.
    let widths = match width {
        Some(columns) if natural.iter().sum::<usize>() + 16 > columns => {
            share_columns(natural, columns.saturating_sub(16))
        }
        _ => natural,
    };
    let mut scope: Option<Option<&str>> = None;
    for (check, row) in checks.iter().zip(&rows) {
        if scope != Some(check.scope.as_deref()) {
            scope = Some(check.scope.as_deref());
            out.push('\n');
            if let Some(name) = check.scope.as_deref() {
                let _ = writeln!(out, "  {}", paint.bold(&escape_controls(name)));
            }
            let _ = writeln!(
                out,
                "    {}",
                paint.dim(&format!(
                    "{}  {}  {}  result",
                    pad("condition", widths[0]),
                    pad("expected", widths[1]),
                    pad("actual", widths[2])
                ))
            );
        }
        let cells: Vec<Vec<String>> = if widths == natural {
            row.iter().map(|cell| vec![cell.clone()]).collect()
        } else {
            row.iter()
                .zip(widths)
                .map(|(cell, w)| wrap_value(cell, w))
                .collect()
        };
        let height = cells.iter().map(Vec::len).max().unwrap_or(1);
        for line in 0..height {
            let cell = |i: usize| cells[i].get(line).map_or("", String::as_str);
            let text = format!(
                "    {}  {}  {}",
                pad(cell(0), widths[0]),
                pad(cell(1), widths[1]),
                pad(cell(2), widths[2])
            );
            if line == 0 {
                let _ = writeln!(out, "{text}  {}", result_label(check, paint));
            } else {
                let _ = writeln!(out, "{}", text.trim_end());
            }
        }
        annotations(out, check, paint, width);
    }
}

/// Each check as a block: result and condition, then expected and actual on lines of their
/// own, for widths where three columns side by side would be slivers.
fn render_stacked(out: &mut String, checks: &[Check], paint: Paint, columns: usize) {
    let rows = check_rows(checks);
    let mut scope: Option<Option<&str>> = None;
    for (check, row) in checks.iter().zip(&rows) {
        if scope != Some(check.scope.as_deref()) {
            scope = Some(check.scope.as_deref());
            out.push('\n');
            if let Some(name) = check.scope.as_deref() {
                let name = fitted(&escape_controls(name), Some(columns), 2);
                let _ = writeln!(out, "  {}", paint.bold(&name));
            }
        }
        let _ = writeln!(
            out,
            "    {}  {}",
            result_label(check, paint),
            fitted(&row[0], Some(columns), 12)
        );
        for (label, value) in [("expected", &row[1]), ("actual", &row[2])] {
            let _ = writeln!(
                out,
                "      {}  {}",
                paint.dim(&pad(label, 8)),
                fitted(value, Some(columns), 16)
            );
        }
        annotations(out, check, paint, Some(columns));
    }
}

fn summary_line(verdicts: &[Verdict], paint: Paint) -> String {
    if verdicts.is_empty() {
        return "no rules".to_owned();
    }
    let count = |o: Outcome| verdicts.iter().filter(|v| v.outcome == o).count();
    let parts: Vec<String> = [
        Outcome::Allowed,
        Outcome::Denied,
        Outcome::NotApplicable,
        Outcome::Error,
    ]
    .into_iter()
    .filter(|o| count(*o) > 0)
    .map(|o| format!("{} {}", count(o), o.word()))
    .collect();
    format!("{} {}", paint.bold("Result"), parts.join(", "))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::report::check::ClaimsDocument;
    use crate::report::decision::SignatureRole;
    use crate::report::timefmt::DateStyle;
    use crate::trust::{Hint, RuleId, RuleKind};

    #[test]
    fn hostile_text_is_escaped_and_rows_grouped() {
        let claims = json!({"iss": "https://x", "sub": "evil\u{1b}]52;c;x\u{7}"})
            .as_object()
            .unwrap()
            .clone();
        let verdict = Verdict {
            rule: RuleId {
                kind: RuleKind::Aws,
                file: Some("p\u{1b}.json".into()),
                name: "trust policy".into(),
            },
            outcome: Outcome::Denied,
            summary: "AccessDenied".into(),
            checks: vec![
                Check::failed("StringEquals x:sub", vec![json!("a")], json!("b\u{1b}"))
                    .in_scope("statement #1 (Allow)")
                    .with_hint(Hint::new("h", "hint \u{1b}text")),
            ],
            lints: Vec::new(),
            unverified: vec!["note".into()],
        };
        let doc = CheckDocument::decided(
            CheckSubject::Claims(ClaimsDocument::new(claims, "argument".into(), 0, 60)),
            SignatureRole::Required,
            &[None],
            vec![verdict],
        );
        let style = TextStyle {
            paint: Paint::PLAIN,
            dates: DateStyle::Utc,
            width: None,
        };
        let text = render_check(&doc, &style);
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(text.contains("SIMULATED"));
        assert!(text.contains("✗ denied  aws · p\\e.json · trust policy  (0 of 1 checks pass)"));
        assert!(text.contains("  statement #1 (Allow)\n"));
        assert!(text.contains("      hint: hint \\etext"));
        assert!(text.contains("    ? note"));
        assert!(text.contains("Result 1 denied\n"));
        assert!(text.ends_with(
            "Decision ✗ denied: aws · trust policy denies at StringEquals x:sub: AccessDenied\n"
        ));
    }
}
