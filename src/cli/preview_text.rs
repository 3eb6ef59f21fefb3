//! Text rendering of a [`Preview`]: the caller-group × rule summary table, the changes with the
//! check that decided them, bad corpus entries, and the lints of the proposed rules.

use std::fmt::Write;

use super::paint::{Paint, pad};
use super::text::expected_and_actual;
use crate::preview::matrix::{Change, OutcomeCounts, Preview};
use crate::token::sanitize::escape_controls;
use crate::trust::RuleId;

/// Widest caller-group column before keys are cut (with an ellipsis).
const GROUP_COLUMN_MAX: usize = 48;

pub fn render_preview(preview: &Preview, paint: Paint) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} token(s){}{}",
        paint.bold("Corpus"),
        preview.entries,
        if preview.unsigned > 0 {
            format!(" ({} unsigned what-if claim sets)", preview.unsigned)
        } else {
            String::new()
        },
        if preview.bad > 0 {
            format!(
                ", {} bad entr{} skipped",
                preview.bad,
                if preview.bad == 1 { "y" } else { "ies" }
            )
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        out,
        "{}",
        paint.dim("Signatures are not verified in a preview: it evaluates claims only.")
    );
    let _ = writeln!(
        out,
        "{}",
        paint.dim(&format!("Evaluated {}.", preview.clock.describe()))
    );

    let mut columns: Vec<(String, &RuleId)> = preview
        .current_rules
        .iter()
        .enumerate()
        .map(|(i, id)| (format!("C{}", i + 1), id))
        .collect();
    if let Some(proposed) = &preview.proposed_rules {
        columns.extend(
            proposed
                .iter()
                .enumerate()
                .map(|(i, id)| (format!("P{}", i + 1), id)),
        );
    }
    let _ = writeln!(out, "\n{}", paint.bold("Rules"));
    for (label, id) in &columns {
        let role = if label.starts_with('C') {
            "current "
        } else {
            "proposed"
        };
        let _ = writeln!(out, "  {label:<4} {role}  {}", describe_rule(id));
    }

    let cells: Vec<Vec<String>> = preview
        .groups
        .iter()
        .map(|row| {
            let mut cells: Vec<String> = row.current.iter().map(counts_cell).collect();
            if let Some(proposed) = &row.proposed {
                cells.extend(proposed.iter().map(counts_cell));
            }
            cells
        })
        .collect();
    let widths: Vec<usize> = (0..columns.len())
        .map(|i| {
            cells
                .iter()
                .map(|row| display_width(&row[i]))
                .chain([columns[i].0.len()])
                .max()
                .unwrap_or(2)
        })
        .collect();
    let key_width = preview
        .groups
        .iter()
        .map(|g| display_width(&shorten(&g.key)))
        .chain(["caller group".len()])
        .max()
        .unwrap_or(12);

    let _ = write!(
        out,
        "\n  {}  {:>6}",
        paint.bold(&pad("caller group", key_width)),
        "tokens"
    );
    for ((label, _), width) in columns.iter().zip(&widths) {
        let _ = write!(out, "  {}", pad(label, *width));
    }
    let _ = writeln!(
        out,
        "{}",
        if preview.changes.is_some() {
            "  change"
        } else {
            ""
        }
    );
    for (row, row_cells) in preview.groups.iter().zip(&cells) {
        let _ = write!(
            out,
            "  {}  {:>6}",
            pad(&shorten(&row.key), key_width),
            row.tokens
        );
        for (cell, width) in row_cells.iter().zip(&widths) {
            let _ = write!(out, "  {}", pad(cell, *width));
        }
        if preview.changes.is_some() {
            let mut change = Vec::new();
            if row.lost > 0 {
                change.push(paint.red(&format!("✗ {} lose access", row.lost)));
            }
            if row.gained > 0 {
                change.push(paint.yellow(&format!("+ {} gain access", row.gained)));
            }
            let _ = write!(out, "  {}", change.join(", "));
        }
        let _ = writeln!(out);
    }
    if preview.groups.is_empty() {
        let _ = writeln!(out, "  {}", paint.dim("(no usable tokens)"));
    }

    if let Some(changes) = &preview.changes {
        render_changes(
            &mut out,
            "Lost access",
            changes.lost,
            &changes.lost_listed,
            paint,
        );
        render_changes(
            &mut out,
            "Gained access",
            changes.gained,
            &changes.gained_listed,
            paint,
        );
        if changes.lost + changes.gained == 0 {
            let _ = writeln!(out, "\n{}", paint.green("✓ No caller's access changes."));
        }
    }

    if preview.bad > 0 {
        let _ = writeln!(out, "\n{} ({})", paint.bold("Bad entries"), preview.bad);
        for bad in &preview.bad_listed {
            let _ = writeln!(
                out,
                "  {}: {}",
                escape_controls(&bad.location.to_string()),
                escape_controls(&bad.reason)
            );
        }
        if preview.bad > preview.bad_listed.len() {
            let _ = writeln!(
                out,
                "  … and {} more",
                preview.bad - preview.bad_listed.len()
            );
        }
    }

    if !preview.lints.is_empty() {
        let which = if preview.proposed_rules.is_some() {
            "proposed"
        } else {
            "current"
        };
        let _ = writeln!(
            out,
            "\n{}",
            paint.bold(&format!("Lints of the {which} rules"))
        );
        for entry in &preview.lints {
            let label = paint.severity(entry.lint.severity);
            let _ = writeln!(
                out,
                "  {label} {}  {} ({})",
                paint.cyan(entry.lint.code),
                escape_controls(&entry.lint.message),
                describe_rule(&entry.rule)
            );
        }
    }
    out
}

fn render_changes(out: &mut String, title: &str, count: usize, listed: &[Change], paint: Paint) {
    if count == 0 {
        return;
    }
    let _ = writeln!(out, "\n{} ({count})", paint.bold(title));
    for change in listed {
        let _ = writeln!(
            out,
            "  {}  {}",
            escape_controls(&change.location.to_string()),
            escape_controls(&change.group)
        );
        if let Some(deciding) = &change.deciding {
            let mut because = format!(
                "{} {}",
                deciding.outcome.glyph(),
                describe_rule(&deciding.rule)
            );
            if let Some(condition) = &deciding.condition {
                let (expected, actual) =
                    expected_and_actual(&deciding.expected, deciding.actual.as_ref());
                let _ = write!(
                    because,
                    ": {} expected {} but the token has {}",
                    escape_controls(condition),
                    expected,
                    actual
                );
            } else {
                let _ = write!(because, ": {}", escape_controls(&deciding.summary));
            }
            let _ = writeln!(out, "      {because}");
        }
    }
    if count > listed.len() {
        let _ = writeln!(out, "  … and {} more", count - listed.len());
    }
}

fn counts_cell(counts: &OutcomeCounts) -> String {
    let parts = [
        ("✓", counts.allowed),
        ("✗", counts.denied),
        ("–", counts.not_applicable),
        ("!", counts.error),
    ];
    let shown: Vec<String> = parts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(glyph, n)| format!("{glyph}{n}"))
        .collect();
    if shown.is_empty() {
        "·".to_owned()
    } else {
        shown.join(" ")
    }
}

fn describe_rule(id: &RuleId) -> String {
    let file = id
        .file
        .as_deref()
        .map(|f| format!("{f} "))
        .unwrap_or_default();
    escape_controls(&format!("{} {file}{}", id.kind.name(), id.name)).into_owned()
}

fn shorten(key: &str) -> String {
    let shown = escape_controls(key);
    if shown.chars().count() <= GROUP_COLUMN_MAX {
        return shown.into_owned();
    }
    let head: String = shown.chars().take(GROUP_COLUMN_MAX - 1).collect();
    format!("{head}…")
}

fn display_width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}
