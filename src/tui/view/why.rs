//! The why panel for the selected rule: its outcome and summary, then every check as
//! condition | expected | actual | result (stacked on narrow screens), the differing part of
//! near-equal strings highlighted, and hints, notes, unverified behaviour and lints under it.
//! For the witness of a region that gains or loses access, the panel explains both rule sets'
//! verdicts, the current one above the proposed one (side by side on wide screens), scrolled
//! as one.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use serde_json::Value;
use unicode_width::UnicodeWidthChar;

use super::rules::outcome_style;
use super::text::{fit, wrap_words};
use crate::token::lint::Severity;
use crate::token::sanitize::escape_controls;
use crate::trust::hints::common_prefix_chars;
use crate::trust::{Check, Verdict};
use crate::tui::model::{Model, value_text};
use crate::tui::regions::{WitnessSides, witness_sides};
use crate::tui::theme::Theme;

/// Below this inner width the checks are stacked rather than tabulated.
const TABLE_MIN_WIDTH: usize = 80;

/// From this terminal width a witness's two verdicts are explained side by side.
const SIDE_BY_SIDE_MIN_WIDTH: u16 = 160;

/// Between the two sides of a witness shown side by side.
const SIDE_GAP: &str = " │ ";

/// Everything the panel lists, before scrolling: both sides for a comparison's witness, the
/// selected rule's why otherwise.
fn panel_lines<'a>(model: &Model, columns: usize) -> Vec<Line<'a>> {
    let theme = &model.theme;
    if let Some(sides) = witness_sides(model) {
        return both_lines(model, &sides, columns);
    }
    match model.selected_verdict() {
        Some((_, verdict)) => why_lines(theme, verdict, columns, model.why_passed_open),
        None => wrap_words(
            "Select a rule in the rules pane and press Enter to see why it allows or denies this token.",
            columns,
        )
        .into_iter()
        .map(|l| Line::styled(l, theme.dim))
        .collect(),
    }
}

/// "current: aws · trust policy ✗ denied", the heading of one side.
fn side_heading<'a>(theme: &Theme, side: &str, verdict: &Verdict, columns: usize) -> Vec<Line<'a>> {
    let head = format!(
        "{side}: {} · {} ",
        verdict.rule.kind.name(),
        escape_controls(&verdict.rule.name)
    );
    let outcome = format!("{} {}", verdict.outcome.glyph(), verdict.outcome.word());
    let width = head.chars().count() + outcome.chars().count();
    if width <= columns {
        return vec![Line::from(vec![
            Span::styled(head, theme.title),
            Span::styled(outcome, outcome_style(theme, verdict.outcome)),
        ])];
    }
    // Narrow: the outcome first, so it is never the part cut off.
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{side}: "), theme.title),
        Span::styled(outcome, outcome_style(theme, verdict.outcome)),
    ])];
    let rule = format!(
        "{} · {}",
        verdict.rule.kind.name(),
        escape_controls(&verdict.rule.name)
    );
    push_prose(&mut lines, &rule, columns, theme.title);
    lines
}

fn side_lines<'a>(model: &Model, side: &str, verdict: &Verdict, columns: usize) -> Vec<Line<'a>> {
    let theme = &model.theme;
    let mut lines = side_heading(theme, side, verdict, columns);
    lines.extend(why_lines(theme, verdict, columns, model.why_passed_open));
    lines
}

fn both_lines<'a>(model: &Model, sides: &WitnessSides<'_>, columns: usize) -> Vec<Line<'a>> {
    let current = |columns| side_lines(model, "current", &sides.current.1, columns);
    let proposed = |columns| side_lines(model, "proposed", &sides.proposed.1, columns);
    if model.size.0 < SIDE_BY_SIDE_MIN_WIDTH {
        let mut lines = current(columns);
        lines.push(Line::raw(""));
        lines.extend(proposed(columns));
        return lines;
    }
    let gap = SIDE_GAP.chars().count();
    let left_width = columns.saturating_sub(gap) / 2;
    let right_width = columns.saturating_sub(gap + left_width);
    let left = current(left_width);
    let right = proposed(right_width);
    let rows = left.len().max(right.len());
    (0..rows)
        .map(|row| {
            let mut spans = Vec::new();
            let used = match left.get(row) {
                Some(line) => {
                    spans.extend(line.spans.iter().cloned());
                    line.width()
                }
                None => 0,
            };
            spans.push(Span::raw(" ".repeat(left_width.saturating_sub(used))));
            spans.push(Span::styled(SIDE_GAP, model.theme.dim));
            if let Some(line) = right.get(row) {
                spans.extend(line.spans.iter().cloned());
            }
            Line::from(spans)
        })
        .collect()
}

pub fn render(model: &Model, frame: &mut Frame, area: Rect, focused: bool) {
    let theme = &model.theme;
    let verdict = model.selected_verdict().map(|(_, v)| v);
    let both = witness_sides(model).is_some();
    let inner = super::pane_block(model, Line::default(), focused).inner(area);
    let columns = inner.width as usize;
    let height = inner.height as usize;
    let lines = panel_lines(model, columns);
    let max_scroll = lines.len().saturating_sub(height);
    let scroll = (model.why_scroll as usize).min(max_scroll);

    let mut title = vec![Span::styled(" Why ", theme.title)];
    if both {
        title.push(Span::raw("· current and proposed "));
    } else if let Some(v) = verdict {
        title.push(Span::raw(format!(
            "· {} · {} — ",
            v.rule.kind.name(),
            escape_controls(&v.rule.name)
        )));
        title.push(Span::styled(
            format!("{} {} ", v.outcome.glyph(), v.outcome.word()),
            outcome_style(theme, v.outcome),
        ));
    }
    // Say when there is more than fits, and how to see it: j scrolls once the panel has the
    // focus (Enter gives it), Tab reaches it otherwise.
    let below = if focused {
        " ↓ more (j, PgDn) "
    } else {
        " ↓ more (Tab here, j) "
    };
    match (scroll > 0, scroll < max_scroll) {
        (false, true) => title.push(Span::styled(below, theme.warn)),
        (true, true) => title.push(Span::styled(" ↑↓ more ", theme.warn)),
        (true, false) => title.push(Span::styled(" ↑ more (k) ", theme.warn)),
        (false, false) => {}
    }
    frame.render_widget(super::pane_block(model, Line::from(title), focused), area);
    let shown: Vec<Line> = lines.into_iter().skip(scroll).collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

/// The furthest the panel scrolls: its lines less what its frame shows.
pub fn max_scroll(model: &Model) -> u16 {
    if model.selected_verdict().is_none() {
        return 0;
    }
    let area = super::why_area(model, super::body_area(model));
    let inner = super::pane_block(model, Line::default(), true).inner(area);
    let lines = panel_lines(model, inner.width as usize).len();
    u16::try_from(lines.saturating_sub(inner.height as usize)).unwrap_or(u16::MAX)
}

/// The checks in the order the panel lists them, failed (the deciding ones) first, and the
/// passed checks folded away when there is a failure to look at and `passed_open` is not set.
struct Ordered<'v> {
    shown: Vec<&'v Check>,
    folded: Vec<&'v Check>,
}

fn order_checks(verdict: &Verdict, passed_open: bool) -> Ordered<'_> {
    let (failed, passed): (Vec<&Check>, Vec<&Check>) =
        verdict.checks.iter().partition(|c| !c.passed);
    if failed.is_empty() || passed_open {
        let folded = Vec::new();
        let shown = failed.into_iter().chain(passed).collect();
        return Ordered { shown, folded };
    }
    Ordered {
        shown: failed,
        folded: passed,
    }
}

/// The line that stands for the folded passed checks (or, unfolded, says how to fold them).
fn passed_lines(
    theme: &Theme,
    folded: &[&Check],
    open: usize,
    columns: usize,
    lines: &mut Vec<Line<'_>>,
) {
    let text = if folded.is_empty() {
        format!(
            "✓ {open} passed check{} shown — Enter/→ to fold",
            if open == 1 { "" } else { "s" }
        )
    } else {
        let names: Vec<String> = folded.iter().map(|c| short_name(&c.condition)).collect();
        format!(
            "✓ {} passed check{}: {} — Enter/→ to expand",
            folded.len(),
            if folded.len() == 1 { "" } else { "s" },
            names.join(", ")
        )
    };
    push_prose(lines, &text, columns, theme.good);
}

/// What a folded check is called in the one line that stands for it: the claim it is about
/// (`aud` for `StringEquals token.actions.githubusercontent.com:aud`, `exp` for
/// `exp (token not expired)`), or the whole condition when it has no such short name.
fn short_name(condition: &str) -> String {
    let head = condition.split(" (").next().unwrap_or(condition);
    let last = head.split_whitespace().last().unwrap_or(head);
    let name = last.rsplit(':').next().unwrap_or(last);
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    escape_controls(if plain { name } else { condition }).into_owned()
}

pub fn why_lines<'a>(
    theme: &Theme,
    verdict: &Verdict,
    columns: usize,
    passed_open: bool,
) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    if let Some(file) = &verdict.rule.file {
        // The full path: the rules pane names files by their shortest distinguishing suffix.
        push_prose(
            &mut lines,
            &format!("from {}", escape_controls(file)),
            columns,
            theme.dim,
        );
    }
    for line in wrap_words(&escape_controls(&verdict.summary), columns) {
        lines.push(Line::raw(line));
    }
    lines.push(Line::raw(""));
    let ordered = order_checks(verdict, passed_open);
    let has_failed = verdict.checks.iter().any(|c| !c.passed);
    let passed = verdict.checks.iter().filter(|c| c.passed).count();
    if columns >= TABLE_MIN_WIDTH {
        table(theme, &ordered.shown, columns, &mut lines);
    } else {
        stacked(theme, &ordered.shown, columns, &mut lines);
    }
    if has_failed && passed > 0 {
        passed_lines(theme, &ordered.folded, passed, columns, &mut lines);
    }
    for item in &verdict.unverified {
        push_prose(
            &mut lines,
            &format!("! unverified: {}", escape_controls(item)),
            columns,
            theme.warn,
        );
    }
    for lint in &verdict.lints {
        let style = if lint.severity == Severity::Error {
            theme.bad
        } else {
            theme.warn
        };
        push_prose(
            &mut lines,
            &format!(
                "! rule lint {}: {}",
                lint.code,
                escape_controls(&lint.message)
            ),
            columns,
            style,
        );
    }
    lines
}

fn push_prose(lines: &mut Vec<Line<'_>>, text: &str, columns: usize, style: Style) {
    for line in wrap_words(text, columns) {
        lines.push(Line::styled(line, style));
    }
}

fn expected_text(check: &Check) -> String {
    match check.expected.as_slice() {
        [] => "(nothing)".to_owned(),
        values => values
            .iter()
            .map(|v| escape_controls(&value_text(v)).into_owned())
            .collect::<Vec<_>>()
            .join(" | "),
    }
}

fn actual_text(check: &Check) -> String {
    match &check.actual {
        None => "(absent)".to_owned(),
        Some(value) => escape_controls(&value_text(value)).into_owned(),
    }
}

/// How many leading characters of expected and actual agree as shown (control and invisible
/// characters escaped, so one of them counts as its escape), when the check failed on two
/// strings that are worth comparing (the closest expected value is used).
fn agreeing_prefix(check: &Check) -> Option<(usize, usize)> {
    if check.passed {
        return None;
    }
    let actual = match &check.actual {
        Some(Value::String(s)) => s,
        _ => return None,
    };
    let (index, common) = check
        .expected
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.as_str().map(|e| (i, common_prefix_chars(e, actual))))
        .max_by_key(|&(_, common)| common)?;
    let shown: String = actual.chars().take(common).collect();
    let common_shown = escape_controls(&shown).chars().count();
    (check.expected.len() == 1 || common > 0).then_some((index, common_shown))
}

/// `text` split at `from` characters: the agreeing head plainly, the rest in `diff` style.
fn highlighted(text: &str, from: Option<usize>, base: Style, diff: Style) -> Vec<(char, Style)> {
    text.chars()
        .enumerate()
        .map(|(i, c)| {
            (
                c,
                if from.is_some_and(|f| i >= f) {
                    diff
                } else {
                    base
                },
            )
        })
        .collect()
}

/// Wraps styled characters into lines of at most `columns` cells, each padded to `columns`.
fn wrap_styled<'a>(chars: &[(char, Style)], columns: usize) -> Vec<Vec<Span<'a>>> {
    let columns = columns.max(1);
    let mut lines: Vec<Vec<(char, Style)>> = vec![Vec::new()];
    let mut used = 0;
    for &(c, style) in chars {
        let w = c.width().unwrap_or(0);
        if used + w > columns && used > 0 {
            lines.push(Vec::new());
            used = 0;
        }
        lines.last_mut().expect("never empty").push((c, style));
        used += w;
    }
    lines
        .into_iter()
        .map(|line| {
            let width: usize = line.iter().map(|(c, _)| c.width().unwrap_or(0)).sum();
            let mut spans: Vec<Span> = Vec::new();
            let mut run = String::new();
            let mut run_style = None;
            for (c, style) in line {
                if run_style.is_some_and(|s| s != style) {
                    spans.push(Span::styled(
                        std::mem::take(&mut run),
                        run_style.expect("set"),
                    ));
                }
                run_style = Some(style);
                run.push(c);
            }
            if let Some(style) = run_style {
                spans.push(Span::styled(run, style));
            }
            spans.push(Span::raw(" ".repeat(columns.saturating_sub(width))));
            spans
        })
        .collect()
}

/// Characters with their styles, before wrapping into cells.
type Styled = Vec<(char, Style)>;

fn cells(theme: &Theme, check: &Check) -> (Styled, Styled) {
    let prefix = agreeing_prefix(check);
    let expected = match prefix {
        Some((index, common)) if check.expected.len() == 1 => highlighted(
            &escape_controls(check.expected[index].as_str().unwrap_or_default()),
            Some(common),
            theme.text,
            theme.diff,
        ),
        _ => highlighted(&expected_text(check), None, theme.text, theme.text),
    };
    let actual_style = if check.absent { theme.dim } else { theme.text };
    let actual = highlighted(
        &actual_text(check),
        prefix.map(|(_, common)| common),
        actual_style,
        theme.diff,
    );
    (expected, actual)
}

fn result_span<'a>(theme: &Theme, check: &Check) -> Span<'a> {
    if check.passed {
        Span::styled("✓ pass", theme.good)
    } else {
        Span::styled("✗ FAIL", theme.bad)
    }
}

fn annotations(
    theme: &Theme,
    check: &Check,
    indent: usize,
    columns: usize,
    lines: &mut Vec<Line<'_>>,
) {
    let room = columns.saturating_sub(indent);
    let pad = " ".repeat(indent);
    for hint in &check.hints {
        for (i, line) in wrap_words(&escape_controls(&hint.message), room.saturating_sub(2))
            .into_iter()
            .enumerate()
        {
            let lead = if i == 0 { "→ " } else { "  " };
            lines.push(Line::styled(format!("{pad}{lead}{line}"), theme.warn));
        }
    }
    if let Some(note) = &check.note {
        for line in wrap_words(&format!("note: {}", escape_controls(note)), room) {
            lines.push(Line::styled(format!("{pad}{line}"), theme.dim));
        }
    }
}

fn table(theme: &Theme, checks: &[&Check], columns: usize, lines: &mut Vec<Line<'_>>) {
    let result_width = 6;
    let rest = columns.saturating_sub(result_width + 3);
    let condition_width = rest * 34 / 100;
    let value_width = (rest - condition_width) / 2;
    let actual_width = rest - condition_width - value_width;
    lines.push(Line::from(vec![
        Span::styled(fit("condition", condition_width), theme.title),
        Span::raw(" "),
        Span::styled(fit("expected", value_width), theme.title),
        Span::raw(" "),
        Span::styled(fit("actual", actual_width), theme.title),
        Span::raw(" "),
        Span::styled(fit("result", result_width), theme.title),
    ]));
    for &check in checks {
        let condition: Vec<(char, Style)> = escape_controls(&check.condition)
            .chars()
            .map(|c| (c, theme.name))
            .collect();
        let (expected, actual) = cells(theme, check);
        let condition = wrap_styled(&condition, condition_width);
        let expected = wrap_styled(&expected, value_width);
        let actual = wrap_styled(&actual, actual_width);
        let height = condition.len().max(expected.len()).max(actual.len());
        for row in 0..height {
            let cell = |parts: &[Vec<Span<'static>>], width: usize| {
                parts
                    .get(row)
                    .cloned()
                    .unwrap_or_else(|| vec![Span::raw(" ".repeat(width))])
            };
            let mut spans = cell(&condition, condition_width);
            spans.push(Span::raw(" "));
            spans.extend(cell(&expected, value_width));
            spans.push(Span::raw(" "));
            spans.extend(cell(&actual, actual_width));
            spans.push(Span::raw(" "));
            if row == 0 {
                spans.push(result_span(theme, check));
            }
            lines.push(Line::from(spans));
        }
        annotations(theme, check, 2, columns, lines);
    }
}

fn stacked(theme: &Theme, checks: &[&Check], columns: usize, lines: &mut Vec<Line<'_>>) {
    let label_width = 10;
    let value_width = columns.saturating_sub(label_width + 2).max(1);
    for &check in checks {
        let mut head = vec![result_span(theme, check), Span::raw(" ")];
        head.push(Span::styled(
            escape_controls(&check.condition).into_owned(),
            theme.name,
        ));
        lines.push(Line::from(head));
        let (expected, actual) = cells(theme, check);
        for (label, chars) in [("expected", expected), ("actual", actual)] {
            for (i, spans) in wrap_styled(&chars, value_width).into_iter().enumerate() {
                let label = if i == 0 { label } else { "" };
                let mut line = vec![Span::styled(format!("  {label:<label_width$}"), theme.dim)];
                line.extend(spans);
                lines.push(Line::from(line));
            }
        }
        annotations(theme, check, 2, columns, lines);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::tui::theme::ThemeName;

    /// The highlight starts where the strings part as shown: a tab before it is shown as `\t`,
    /// two characters for one, and the agreeing `-` after it stays plain.
    #[test]
    fn the_difference_is_highlighted_after_escaped_characters() {
        let theme = Theme::new(ThemeName::Dark, false);
        let check = Check::failed(
            "StringEquals sub",
            vec![json!("a\tb-main")],
            json!("a\tb-dev"),
        );
        let (expected, actual) = cells(&theme, &check);
        let plain = |cells: &Styled| -> String {
            cells
                .iter()
                .filter(|(_, style)| *style == theme.text)
                .map(|(c, _)| c)
                .collect()
        };
        assert_eq!(plain(&expected), "a\\tb-");
        assert_eq!(plain(&actual), "a\\tb-");
        let first_diff = |cells: &Styled| {
            cells
                .iter()
                .find(|(_, s)| *s == theme.diff)
                .map(|(c, _)| *c)
        };
        assert_eq!(first_diff(&expected), Some('m'));
        assert_eq!(first_diff(&actual), Some('d'));
    }
}
