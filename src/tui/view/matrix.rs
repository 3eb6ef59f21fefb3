//! The matrix screen: caller groups (rows, with token counts) × rules (columns; before and
//! after columns when a proposal is compared, cells that differ from before underlined), the
//! selected cell spelled out in words, a legend, and its own key line.

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::rules::outcome_style;
use super::text::{fit, truncate, truncate_distinct, width};
use crate::preview::matrix::OutcomeCounts;
use crate::token::sanitize::escape_controls;
use crate::trust::Outcome;
use crate::tui::keymap::{Action, Context};
use crate::tui::matrix::{Column, Grid, MatrixState, Row, Sample, Side, Source, grid};
use crate::tui::model::Model;

/// Columns per rule cell, and for the count and access columns.
const CELL: usize = 15;
const COUNT: usize = 7;
const ACCESS: usize = 13;

pub fn render(model: &Model, frame: &mut Frame, top: Rect, body: Rect, bottom: Rect) {
    let Some(state) = &model.matrix else { return };
    top_bar(model, state, frame, top);
    let grid = grid(model);
    let block = super::pane_block(model, title(model, state, grid.as_deref()), true);
    let inner = block.inner(body);
    frame.render_widget(block, body);
    match grid.as_deref() {
        Some(grid) => table(model, state, grid, frame, inner),
        None => {
            let text = match (&state.error, state.progress) {
                (Some(error), _) => {
                    Line::styled(format!("✗ {}", escape_controls(error)), model.theme.bad)
                }
                (None, read) => Line::styled(
                    format!(
                        "{} reading the corpus… {} entries so far",
                        super::spinner(model),
                        read.unwrap_or(0)
                    ),
                    model.theme.warn,
                ),
            };
            frame.render_widget(Paragraph::new(text), inner);
        }
    }
    if model.notice.is_some() {
        super::bar::bottom(model, frame, bottom);
    } else {
        key_line(model, frame, bottom);
    }
}

fn top_bar(model: &Model, state: &MatrixState, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    let what = match &state.source {
        Source::Loaded => format!("rules × the {} loaded tokens", model.tokens.len()),
        Source::Corpus(spec) => {
            let mut text = format!("preview of {}", spec.corpus);
            text.push_str(&format!(" · rules {}", spec.current.join(", ")));
            if !spec.proposed.is_empty() {
                text.push_str(&format!(" → proposed {}", spec.proposed.join(", ")));
            }
            text
        }
    };
    let line = Line::from(vec![
        Span::styled(" claimcheck ", theme.title),
        Span::styled(" │ ", theme.dim),
        Span::raw(truncate(
            &escape_controls(&what),
            (area.width as usize).saturating_sub(16),
        )),
    ]);
    frame.render_widget(Paragraph::new(line).style(theme.bar), area);
}

fn title<'a>(model: &Model, state: &MatrixState, grid: Option<&Grid>) -> Line<'a> {
    let theme = &model.theme;
    let mut spans = vec![Span::styled(" Matrix ", theme.title)];
    if let Some(grid) = grid {
        spans.push(Span::raw(format!(
            "· {} tokens in {} groups × {} rules ",
            grid.entries,
            grid.rows.len(),
            grid.columns.len()
        )));
    }
    if let Some(read) = state.progress
        && grid.is_some()
    {
        spans.push(Span::styled(
            format!("{} recomputing… {read} read ", super::spinner(model)),
            theme.warn,
        ));
    }
    Line::from(spans)
}

fn table(model: &Model, state: &MatrixState, grid: &Grid, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    let header_height = if grid.compared { 3 } else { 2 };
    // Short screens keep the header and some rows first, then the selected group's detail,
    // the summary, the legend (the cells say their outcome in words too).
    let mut spare = area
        .height
        .saturating_sub(header_height + grid.rows.len().clamp(1, 3) as u16);
    let mut take = |want: u16| {
        if spare >= want {
            spare -= want;
            want
        } else {
            0
        }
    };
    let detail_height = take(3);
    let summary_height = take(2 + u16::from(state.error.is_some()));
    let legend_height = take(1);
    let [summary, header, rows_area, detail, legend] = Layout::vertical([
        Constraint::Length(summary_height),
        Constraint::Length(header_height),
        Constraint::Fill(1),
        Constraint::Length(detail_height),
        Constraint::Length(legend_height),
    ])
    .areas(area);
    // Lines are cut to the matrix's own width, which the Regions list may share.
    let columns = area.width.saturating_sub(2) as usize;
    frame.render_widget(
        Paragraph::new(summary_lines(model, state, grid, columns)),
        summary,
    );

    if grid.columns.is_empty() || grid.rows.is_empty() {
        let text = if grid.columns.is_empty() {
            "No rules loaded: give rule files with --rules FILE."
        } else {
            "No usable tokens in the corpus."
        };
        frame.render_widget(Paragraph::new(Line::styled(text, theme.dim)), rows_area);
        return;
    }

    let total = area.width as usize;
    let longest_key = grid
        .rows
        .iter()
        .map(|r| width(&escape_controls(&r.key)))
        .max()
        .unwrap_or(0);
    let fixed_after_key = COUNT + if grid.compared { ACCESS } else { 0 } + 1;
    // The key gets what the rule columns do not need (up to its longest), and at least two
    // fifths of the screen; narrow screens shorten the keys (in the middle, see below) rather
    // than show less than a before/after pair.
    let columns_need = fixed_after_key + grid.columns.len() * (CELL + 1);
    let key_width = (longest_key + 1)
        .clamp(
            14,
            (total * 2 / 5)
                .max(total.saturating_sub(columns_need))
                .max(14),
        )
        .min(total.saturating_sub(fixed_after_key + 2 * (CELL + 1)))
        .max(14);
    let room = total.saturating_sub(key_width + fixed_after_key);
    let visible = (room / (CELL + 1)).max(1);
    let first = (state.column + 1).saturating_sub(visible);
    let shown: Vec<usize> = (first..grid.columns.len()).take(visible).collect();
    let lead = |text: &str| {
        let mut spans = vec![
            Span::raw(fit(text, key_width)),
            Span::raw(" ".repeat(COUNT)),
        ];
        if grid.compared {
            spans.push(Span::raw(" ".repeat(ACCESS)));
        }
        spans.push(Span::raw(" "));
        spans
    };

    let mut header_lines = Vec::new();
    if grid.compared {
        let mut spans = lead("");
        let mut previous = None;
        for &at in &shown {
            let side = grid.columns[at].side;
            let label = if previous != Some(side) {
                match side {
                    Side::Before => "before ─────",
                    Side::After => "after ──────",
                    Side::Only => "",
                }
            } else {
                ""
            };
            previous = Some(side);
            spans.push(Span::styled(fit(label, CELL + 1), theme.title));
        }
        header_lines.push(Line::from(spans));
    }
    let mut kinds = lead(if first > 0 { "◂ more rules" } else { "" });
    let mut names = vec![
        Span::styled(fit("caller group", key_width), theme.title),
        Span::styled(
            format!("{:>width$}", "tokens", width = COUNT - 1),
            theme.title,
        ),
        Span::raw(" "),
    ];
    if grid.compared {
        names.push(Span::styled(fit(" access", ACCESS), theme.title));
    }
    names.push(Span::raw(" "));
    for &at in &shown {
        let column = &grid.columns[at];
        let style = if at == state.column {
            theme.selected
        } else {
            theme.name
        };
        kinds.push(Span::styled(fit(column.rule.kind.name(), CELL), theme.dim));
        kinds.push(Span::raw(" "));
        names.push(Span::styled(
            fit(&escape_controls(&column_name(grid, at)), CELL),
            style,
        ));
        names.push(Span::raw(" "));
    }
    if shown
        .last()
        .is_some_and(|&last| last + 1 < grid.columns.len())
    {
        kinds.push(Span::styled("more ▸", theme.dim));
    }
    header_lines.push(Line::from(kinds));
    header_lines.push(Line::from(names));
    frame.render_widget(Paragraph::new(header_lines), header);

    let height = rows_area.height as usize;
    let offset = super::scroll_offset(grid.rows.len(), height, state.row, state.row);
    // Groups often share a long start (`repo:acme/api:ref:refs/heads/`) and differ at the end
    // or in the middle: every row must still read differently.
    let keys: Vec<String> = grid
        .rows
        .iter()
        .map(|r| escape_controls(&r.key).into_owned())
        .collect();
    let keys = truncate_distinct(&keys, key_width);
    let lines: Vec<Line> = grid
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(index, row)| {
            let selected_row = index == state.row;
            let key_style = if selected_row {
                theme.selected
            } else {
                theme.text
            };
            let mut spans = vec![
                Span::styled(fit(&keys[index], key_width), key_style),
                Span::raw(format!("{:>width$} ", row.tokens, width = COUNT - 1)),
            ];
            if grid.compared {
                spans.push(access_span(model, row));
            }
            spans.push(Span::raw(" "));
            for &at in &shown {
                let mut cell = cell_spans(model, row, &row.cells[at]);
                if grid.changed(row, at) {
                    for span in &mut cell {
                        span.style = span.style.patch(theme.diff);
                    }
                }
                if selected_row && at == state.column {
                    for span in &mut cell {
                        span.style = span.style.patch(theme.selected);
                    }
                }
                spans.extend(cell);
                spans.push(Span::raw(" "));
            }
            Line::from(spans)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), rows_area);

    frame.render_widget(
        Paragraph::new(detail_lines(model, state, grid, columns)),
        detail,
    );
    let mut legend_spans = vec![
        Span::styled("✓ allowed  ", theme.good),
        Span::styled("✗ denied  ", theme.bad),
        Span::styled("– not applicable  ", theme.dim),
        Span::styled("! error", theme.warn),
    ];
    if grid.compared {
        legend_spans.push(Span::styled(
            "  · underlined: differs from before",
            theme.dim,
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(legend_spans)), legend);
}

fn summary_lines<'a>(
    model: &Model,
    state: &MatrixState,
    grid: &Grid,
    columns: usize,
) -> Vec<Line<'a>> {
    let theme = &model.theme;
    let mut lines = Vec::new();
    if let Some(error) = &state.error {
        lines.push(Line::styled(
            truncate(
                &format!(
                    "✗ {} (showing the last good matrix)",
                    escape_controls(error)
                ),
                columns,
            ),
            theme.bad,
        ));
    }
    let mut spans = Vec::new();
    if grid.compared {
        let groups = |f: fn(&Row) -> usize| grid.rows.iter().filter(|r| f(r) > 0).count();
        if grid.lost + grid.gained == 0 {
            spans.push(Span::styled(
                "With the proposal, no caller loses or gains access.",
                theme.good,
            ));
        } else {
            spans.push(Span::raw("With the proposal: "));
            spans.push(Span::styled(
                format!(
                    "{} lose access ({})",
                    tokens(grid.lost),
                    plural(groups(|r| r.lost), "group")
                ),
                if grid.lost > 0 { theme.bad } else { theme.text },
            ));
            spans.push(Span::raw(", "));
            spans.push(Span::styled(
                format!(
                    "{} gain it ({})",
                    grid.gained,
                    plural(groups(|r| r.gained), "group")
                ),
                if grid.gained > 0 {
                    theme.warn
                } else {
                    theme.text
                },
            ));
            spans.push(Span::raw("."));
        }
    } else {
        spans.push(Span::raw(
            "Who each rule lets in; a caller gets in when any rule allows.",
        ));
    }
    lines.push(Line::from(spans));
    let mut corpus = vec![Span::styled(
        format!("{} evaluated", tokens(grid.entries)),
        theme.dim,
    )];
    if grid.unsigned > 0 {
        corpus.push(Span::styled(
            format!(" · {} unsigned (claims only)", grid.unsigned),
            theme.dim,
        ));
    }
    if grid.bad > 0 {
        let first = grid
            .first_bad
            .as_ref()
            .map(|b| format!(" ({}: {})", b.location, escape_controls(&b.reason)))
            .unwrap_or_default();
        let room = columns.saturating_sub(corpus.iter().map(|s| width(&s.content)).sum());
        corpus.push(Span::styled(
            truncate(
                &format!(" · {} unusable{first}", plural(grid.bad, "entry")),
                room,
            ),
            theme.warn,
        ));
    }
    lines.push(Line::from(corpus));
    lines
}

fn plural(n: usize, word: &str) -> String {
    match (n, word) {
        (1, _) => format!("1 {word}"),
        (_, "entry") => format!("{n} entries"),
        _ => format!("{n} {word}s"),
    }
}

fn tokens(n: usize) -> String {
    plural(n, "token")
}

fn access_span<'a>(model: &Model, row: &Row) -> Span<'a> {
    let theme = &model.theme;
    match (row.lost, row.gained) {
        (0, 0) => Span::styled(fit(" same", ACCESS), theme.dim),
        (lost, 0) => Span::styled(fit(&format!(" −{lost} lose"), ACCESS), theme.bad),
        (0, gained) => Span::styled(fit(&format!(" +{gained} gain"), ACCESS), theme.warn),
        (lost, gained) => Span::styled(fit(&format!(" −{lost} +{gained}"), ACCESS), theme.warn),
    }
}

fn parts(counts: &OutcomeCounts) -> Vec<(Outcome, usize)> {
    [
        (Outcome::Allowed, counts.allowed),
        (Outcome::Denied, counts.denied),
        (Outcome::NotApplicable, counts.not_applicable),
        (Outcome::Error, counts.error),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .collect()
}

fn short_word(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Allowed => "allowed",
        Outcome::Denied => "denied",
        Outcome::NotApplicable => "n/a",
        Outcome::Error => "error",
    }
}

/// One cell, exactly `CELL` wide: the outcome in words when the whole group shares it,
/// otherwise a count per outcome.
fn cell_spans<'a>(model: &Model, row: &Row, counts: &OutcomeCounts) -> Vec<Span<'a>> {
    let theme = &model.theme;
    let parts = parts(counts);
    let mut spans: Vec<Span> = match parts.as_slice() {
        [] => vec![Span::styled("·", theme.dim)],
        [(outcome, n)] if *n == row.tokens => vec![Span::styled(
            format!("{} {}", outcome.glyph(), short_word(*outcome)),
            outcome_style(theme, *outcome),
        )],
        parts => parts
            .iter()
            .enumerate()
            .map(|(i, (outcome, n))| {
                let gap = if i > 0 { " " } else { "" };
                Span::styled(
                    format!("{gap}{}{n}", outcome.glyph()),
                    outcome_style(theme, *outcome),
                )
            })
            .collect(),
    };
    let used: usize = spans.iter().map(|s| width(&s.content)).sum();
    if used > CELL {
        let text: String = spans.iter().map(|s| s.content.to_string()).collect();
        return vec![Span::styled(fit(&text, CELL), theme.warn)];
    }
    spans.push(Span::raw(" ".repeat(CELL - used)));
    spans
}

fn counts_in_words(counts: &OutcomeCounts) -> String {
    let words: Vec<String> = parts(counts)
        .into_iter()
        .map(|(outcome, n)| format!("{n} {}", outcome.word()))
        .collect();
    if words.is_empty() {
        "no tokens".to_owned()
    } else {
        words.join(", ")
    }
}

fn detail_lines<'a>(
    model: &Model,
    state: &MatrixState,
    grid: &Grid,
    columns: usize,
) -> Vec<Line<'a>> {
    let theme = &model.theme;
    let (Some(row), Some(column)) = (grid.rows.get(state.row), grid.columns.get(state.column))
    else {
        return Vec::new();
    };
    let mut group = format!("▸ {} · {}", escape_controls(&row.key), tokens(row.tokens));
    let verb = |n: usize, one: &str, many: &str| if n == 1 { one } else { many }.to_owned();
    if row.lost > 0 {
        group.push_str(&format!(
            " · {} {}",
            row.lost,
            verb(row.lost, "loses access", "lose access")
        ));
    }
    if row.gained > 0 {
        group.push_str(&format!(
            " · {} {}",
            row.gained,
            verb(row.gained, "gains access", "gain access")
        ));
    }
    let mut cell = format!(
        "  {}{}: {}",
        side_label(column),
        rule_label(column),
        counts_in_words(&row.cells[state.column])
    );
    if let Some(before) = column.before {
        cell.push_str(&format!(
            " (before: {})",
            counts_in_words(&row.cells[before])
        ));
    }
    let which = match &row.sample {
        Sample::Loaded(_) => "this group's first token".to_owned(),
        Sample::Corpus(location) => format!("this group's first token ({location})"),
    };
    let enter = model
        .keymap
        .keys_for(Action::OpenWhy)
        .first()
        .map_or_else(String::new, ToString::to_string);
    vec![
        Line::styled(truncate(&group, columns), theme.title),
        Line::styled(
            truncate(&cell, columns),
            if grid.changed(row, state.column) {
                theme.diff
            } else {
                theme.text
            },
        ),
        Line::styled(
            truncate(
                &format!("  {enter} opens {which} with this rule's why panel"),
                columns,
            ),
            theme.dim,
        ),
    ]
}

fn side_label(column: &Column) -> &'static str {
    match column.side {
        Side::Only => "",
        Side::Before => "before · ",
        Side::After => "after · ",
    }
}

fn rule_label(column: &Column) -> String {
    let rule = &column.rule;
    let file = rule
        .file
        .as_deref()
        .map(|f| format!(" ({})", escape_controls(f)))
        .unwrap_or_default();
    format!("{} {}{file}", rule.kind.name(), escape_controls(&rule.name))
}

fn key_line(model: &Model, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    // The matrix's own binding first; an arrow key when one is bound, as it reads best.
    let key = |action: Action| {
        let keys = model
            .keymap
            .bindings
            .iter()
            .find(|b| b.action == action && b.context == Context::Matrix)
            .or_else(|| model.keymap.bindings.iter().find(|b| b.action == action))
            .map(|b| b.keys.clone())
            .unwrap_or_default();
        keys.iter()
            .find(|k| {
                matches!(
                    k.code,
                    KeyCode::Up | KeyCode::Down | KeyCode::Left | KeyCode::Right
                )
            })
            .or(keys.first())
            .map(ToString::to_string)
            .unwrap_or_default()
    };
    let moves = format!("{}{}", key(Action::Up), key(Action::Down));
    let mut hints = match model.regions.as_ref().map(|state| state.focused) {
        Some(true) => vec![
            (key(Action::OpenWitness), "open witness + why"),
            (moves, "region"),
            (key(Action::NextPane), "matrix"),
        ],
        focused => {
            let mut hints = vec![(key(Action::OpenWhy), "open token + why")];
            if focused.is_some() {
                hints.push((key(Action::NextPane), "regions"));
            }
            hints.extend([
                (
                    format!("{}{}", key(Action::PrevToken), key(Action::NextToken)),
                    "rule",
                ),
                (moves, "group"),
            ]);
            hints
        }
    };
    hints.push((key(Action::ReloadRules), "recompute"));
    if !model.tokens.is_empty() {
        hints.push((key(Action::Close), "back"));
    }
    hints.extend([(key(Action::Help), "help"), (key(Action::Quit), "quit")]);
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for (key, label) in hints {
        let cost = width(&key) + width(label) + 4;
        if used + cost > area.width as usize {
            break;
        }
        used += cost;
        spans.push(Span::styled(key, theme.title));
        spans.push(Span::styled(format!(" {label}   "), theme.dim));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A column's rule name, or its file's name when other columns carry the same name (AWS trust
/// policies without a role name are all "trust policy").
fn column_name(grid: &crate::tui::matrix::Grid, at: usize) -> String {
    let rule = &grid.columns[at].rule;
    let shared = grid.columns.iter().enumerate().any(|(i, c)| {
        i != at
            && c.side == grid.columns[at].side
            && c.rule.kind == rule.kind
            && c.rule.name == rule.name
    });
    match rule.file.as_deref() {
        Some(file) if shared => std::path::Path::new(file).file_stem().map_or_else(
            || rule.name.clone(),
            |stem| stem.to_string_lossy().into_owned(),
        ),
        _ => rule.name.clone(),
    }
}
