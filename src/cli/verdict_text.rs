//! The text rendering of `check`: a short description of the token (or what-if claims), then
//! per rule its outcome (glyph and word), the table condition | expected | actual | result with
//! hints and notes under each row, its lints and what it relies on that is unverified. Every
//! string from the token or a rule file goes through [`escape_controls`].

use std::fmt::Write;

use serde_json::Value;

use super::paint::{Paint, pad};
use super::text::{TextStyle, display_value};
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
            describe_signature(&mut out, &token.signature, paint);
            describe_time(&mut out, &token.time, paint);
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
            describe_time(&mut out, &claims.time, paint);
        }
    }
    if let Some(claims) = doc.claims() {
        for name in ["iss", "sub", "aud", "azp"] {
            if let Some(value) = claims.get(name) {
                let _ = writeln!(
                    out,
                    "{} {}",
                    paint.cyan(&pad(name, 9)),
                    display_value(value)
                );
            }
        }
    }
    for verdict in &doc.verdicts {
        out.push('\n');
        render_verdict(&mut out, verdict, paint);
    }
    out.push('\n');
    let _ = writeln!(out, "{}", summary_line(&doc.verdicts, paint));
    let _ = writeln!(out, "{}", decision_line(&doc.decision, paint));
    out
}

/// The one answer, last, where the eye lands.
fn decision_line(decision: &Decision, paint: Paint) -> String {
    let label = format!("{} {}", decision.outcome.glyph(), decision.outcome.word());
    let label = match decision.outcome {
        DecisionOutcome::Allowed => paint.green(&label),
        DecisionOutcome::Denied => paint.red(&label),
        DecisionOutcome::NotChecked | DecisionOutcome::Error => paint.yellow(&label),
    };
    format!(
        "{} {label}: {}",
        paint.bold("Decision"),
        escape_controls(&decision.reason)
    )
}

fn describe_form(alg: Option<&Value>) -> String {
    match alg {
        Some(alg) => format!("JWS ({})", display_value(alg)),
        None => "JWS (no alg)".to_owned(),
    }
}

fn describe_signature(out: &mut String, signature: &SignatureReport, paint: Paint) {
    let reason = escape_controls(&signature.reason);
    let text = match signature.status {
        SignatureStatus::Verified => paint.green(&format!("✓ verified: {reason}")),
        SignatureStatus::NotChecked => paint.yellow(&format!("– not checked: {reason}")),
        SignatureStatus::Failed => paint.red(&format!("✗ failed: {reason}")),
    };
    let _ = writeln!(out, "{} {text}", paint.bold("Signature"));
}

fn describe_time(out: &mut String, time: &TimeReport, paint: Paint) {
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

fn render_verdict(out: &mut String, verdict: &Verdict, paint: Paint) {
    let rule = &verdict.rule;
    let file = rule
        .file
        .as_deref()
        .map(|f| format!(" · {}", escape_controls(f)))
        .unwrap_or_default();
    let (passed, total) = verdict.passed_count();
    let _ = writeln!(
        out,
        "{}  {}{file} · {}  ({passed} of {total} checks pass)",
        outcome_label(verdict.outcome, paint),
        rule.kind.name(),
        paint.bold(&escape_controls(&rule.name)),
    );
    let _ = writeln!(out, "  {}", escape_controls(&verdict.summary));
    render_checks(out, &verdict.checks, paint);
    if !verdict.lints.is_empty() {
        let _ = writeln!(out, "  {}", paint.bold("rule lints"));
        for lint in &verdict.lints {
            let label = paint.severity(lint.severity);
            let _ = writeln!(
                out,
                "    {label} {}  {}",
                paint.cyan(lint.code),
                escape_controls(&lint.message)
            );
        }
    }
    if !verdict.unverified.is_empty() {
        let _ = writeln!(out, "  {}", paint.bold("unverified"));
        for note in &verdict.unverified {
            let _ = writeln!(out, "    ? {}", escape_controls(note));
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

fn render_checks(out: &mut String, checks: &[Check], paint: Paint) {
    if checks.is_empty() {
        return;
    }
    let rows: Vec<[String; 3]> = checks
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
        .collect();
    // Display width, not chars: claim values may hold wide characters.
    let width = |i: usize, title: &str| {
        rows.iter()
            .map(|row| unicode_width::UnicodeWidthStr::width(row[i].as_str()))
            .chain([title.len()])
            .max()
            .unwrap_or(0)
    };
    let widths = [
        width(0, "condition"),
        width(1, "expected"),
        width(2, "actual"),
    ];
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
        let result = if check.passed {
            paint.green("✓ pass")
        } else {
            paint.red("✗ fail")
        };
        let _ = writeln!(
            out,
            "    {}  {}  {}  {result}",
            pad(&row[0], widths[0]),
            pad(&row[1], widths[1]),
            pad(&row[2], widths[2])
        );
        for hint in &check.hints {
            let _ = writeln!(
                out,
                "      {} {}",
                paint.yellow("hint:"),
                escape_controls(&hint.message)
            );
        }
        if let Some(note) = &check.note {
            // A note may span lines (a CEL syntax error's source line and caret): each line
            // is escaped on its own, so the caret stays under the column it points at.
            let lines: Vec<_> = note.lines().map(escape_controls).collect();
            let _ = writeln!(
                out,
                "      {} {}",
                paint.dim("note:"),
                lines.join("\n      ")
            );
        }
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
                Check::new(
                    "StringEquals x:sub",
                    vec![json!("a")],
                    Some(json!("b\u{1b}")),
                    false,
                )
                .with_scope("statement #1 (Allow)")
                .with_hints(vec![Hint::new("h", "hint \u{1b}text")]),
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
