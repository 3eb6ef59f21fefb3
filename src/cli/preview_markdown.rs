//! Markdown rendering of a [`Preview`] (`preview --format markdown`), for a pull request's job
//! summary (`$GITHUB_STEP_SUMMARY`): who gains and who loses access, each with the check that
//! decided it, and the callers the proposed rules cannot decide. Text from tokens and rules is
//! escaped so that it cannot become Markdown or HTML of its own.

use std::fmt::Write;

use super::preview_symbolic::witness_json;
use super::text::expected_and_actual;
use crate::preview::matrix::{Change, Preview};
use crate::trust::RuleId;
use crate::trust::symbolic::{Comparison, Conclusion, Region};

/// A corpus preview as Markdown (the caller heads it: `preview --plan` with the resource).
pub fn render(preview: &Preview) -> String {
    let mut out = String::new();
    let undecided = preview.undecided();
    match &preview.changes {
        Some(changes) => {
            let _ = writeln!(
                out,
                "**{} gain access** · **{} lose access** · {} token(s) evaluated{}",
                changes.gained,
                changes.lost,
                preview.entries,
                bad_note(preview)
            );
        }
        None => {
            let _ = writeln!(
                out,
                "{} token(s) evaluated{}",
                preview.entries,
                bad_note(preview)
            );
        }
    }
    if undecided > 0 {
        let _ = writeln!(
            out,
            "\n> [!WARNING]\n> {undecided} token(s) cannot be decided by the {} rules (a value known only after apply, or a rule that cannot be evaluated): they are not counted as gaining access.",
            if preview.proposed_rules.is_some() {
                "proposed"
            } else {
                "current"
            }
        );
    }

    let rows: Vec<_> = preview
        .groups
        .iter()
        .filter(|row| preview.changes.is_none() || row.lost + row.gained > 0)
        .collect();
    if !rows.is_empty() {
        let changes = preview.changes.is_some();
        let _ = writeln!(
            out,
            "\n| caller | tokens |{}",
            if changes { " change |" } else { "" }
        );
        let _ = writeln!(out, "|---|---:|{}", if changes { "---|" } else { "" });
        for row in rows {
            let mut change = Vec::new();
            if row.gained > 0 {
                change.push(format!("➕ {} gain access", row.gained));
            }
            if row.lost > 0 {
                change.push(format!("➖ {} lose access", row.lost));
            }
            let _ = writeln!(
                out,
                "| {} | {} |{}",
                cell(&row.key),
                row.tokens,
                if changes {
                    format!(" {} |", change.join(", "))
                } else {
                    String::new()
                }
            );
        }
    }
    if let Some(changes) = &preview.changes {
        section(
            &mut out,
            "Gained access",
            changes.gained,
            &changes.gained_listed,
        );
        section(&mut out, "Lost access", changes.lost, &changes.lost_listed);
        if changes.gained + changes.lost == 0 {
            let _ = writeln!(out, "\n✅ No caller's access changes.");
        }
    }
    if !preview.lints.is_empty() {
        let _ = writeln!(
            out,
            "\n<details><summary>Rule lints ({})</summary>\n",
            preview.lints.len()
        );
        for entry in &preview.lints {
            let _ = writeln!(
                out,
                "- `{}` {} ({})",
                entry.lint.code,
                inline(&entry.lint.message),
                inline(&describe_rule(&entry.rule))
            );
        }
        let _ = writeln!(out, "\n</details>");
    }
    out
}

/// The symbolic comparison (every caller, not only a corpus) as a Markdown section: the
/// conclusion, then the regions that gain and lose access, each with its witness and the
/// verdicts the concrete evaluators gave it before and after.
pub fn render_comparison(comparison: &Comparison) -> String {
    let mut out = String::new();
    let mark = match comparison.conclusion {
        Conclusion::ProvedNoNewAccess => "✅",
        Conclusion::GainsAccess => "❌",
        Conclusion::NotProved => "❓",
    };
    let _ = writeln!(
        out,
        "{mark} **{}**\n\n_For every caller: {} ({} combinations of claim values evaluated)._",
        escape_text(&comparison.summary),
        escape_text(comparison.model),
        comparison.combinations
    );
    regions(&mut out, "Gains access", &comparison.gains);
    regions(&mut out, "Loses access", &comparison.loses);
    if !comparison.not_proved.is_empty() {
        let _ = writeln!(out, "\n**Not proved because of**\n");
        for why in &comparison.not_proved {
            let _ = writeln!(out, "- {}", inline(why));
        }
    }
    if !comparison.analysis_errors.is_empty() {
        let _ = writeln!(
            out,
            "\n> [!CAUTION]\n> Analysis errors (a bug in claimcheck; please report):"
        );
        for error in &comparison.analysis_errors {
            let _ = writeln!(out, "> - {}", inline(error));
        }
    }
    out
}

fn regions(out: &mut String, title: &str, regions: &[Region]) {
    if regions.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n**{title} ({})**\n", regions.len());
    let _ = writeln!(out, "| callers whose | witness | before → after |");
    let _ = writeln!(out, "|---|---|---|");
    for region in regions {
        let constraints = if region.constraints.is_empty() {
            "(any claims)".to_owned()
        } else {
            region
                .constraints
                .iter()
                .map(|c| {
                    format!(
                        "{} is {}",
                        cell(&c.claim),
                        escape_text(&c.text).replace('|', "\\|")
                    )
                })
                .collect::<Vec<_>>()
                .join("<br>")
        };
        let verdicts = match &region.proposed {
            Some(proposed) => format!("{} → {}", cell(&region.current), cell(proposed)),
            None => cell(&region.current),
        };
        let _ = writeln!(
            out,
            "| {constraints} | {} | {verdicts} |",
            cell(&witness_json(&region.witness))
        );
    }
}

/// Prose from the analysis (its own words with values quoted in backticks): outside the
/// quotes Markdown's active characters and HTML are escaped; inside, the text is a code span
/// already and is kept as it is (CommonMark §6.1: no escapes in code spans).
fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for c in text.chars() {
        match c {
            '`' => {
                in_code = !in_code;
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c if in_code => out.push(c),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '*' | '_' | '[' | ']' | '\\' | '#' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    if in_code {
        // An unmatched quote would run into what follows.
        out.push('`');
    }
    out
}

fn bad_note(preview: &Preview) -> String {
    if preview.bad > 0 {
        format!(" ({} bad entries skipped)", preview.bad)
    } else {
        String::new()
    }
}

fn section(out: &mut String, title: &str, count: usize, listed: &[Change]) {
    if count == 0 {
        return;
    }
    let _ = writeln!(out, "\n**{title} ({count})**\n");
    for change in listed {
        let mut line = format!(
            "- {} — caller {}",
            inline(&change.location.to_string()),
            inline(&change.group)
        );
        if let Some(deciding) = &change.deciding {
            let _ = write!(
                line,
                ": {} {}",
                deciding.outcome.word(),
                inline(&describe_rule(&deciding.rule))
            );
            if let Some(condition) = &deciding.condition {
                let (expected, actual) =
                    expected_and_actual(&deciding.expected, deciding.actual.as_ref());
                let _ = write!(
                    line,
                    " — {} expected {} but the token has {}",
                    inline(condition),
                    inline(&expected),
                    inline(&actual)
                );
            } else {
                let _ = write!(line, " — {}", inline(&deciding.summary));
            }
        }
        let _ = writeln!(out, "{line}");
    }
    if count > listed.len() {
        let _ = writeln!(out, "- … and {} more", count - listed.len());
    }
}

fn describe_rule(id: &RuleId) -> String {
    match &id.file {
        Some(file) => format!("{} {} ({file})", id.kind.name(), id.name),
        None => format!("{} {}", id.kind.name(), id.name),
    }
}

/// Text as a code span: Markdown and HTML inside it are shown, not interpreted. Backticks in
/// the text lengthen the fence (CommonMark §6.1); line breaks become spaces.
pub(super) fn inline(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// A table cell: a code span whose pipes are escaped, which GFM requires even inside one.
fn cell(text: &str) -> String {
    inline(text).replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cannot_escape_its_code_span() {
        assert_eq!(inline("repo:acme/*"), "`repo:acme/*`");
        assert_eq!(inline("a`b"), "``a`b``");
        assert_eq!(inline("`x`"), "`` `x` ``");
        assert_eq!(inline("<script>\nx"), "`<script> x`");
        assert_eq!(cell("a|b"), "`a\\|b`");
    }
}
