//! The Regions list beside the matrix (below it on narrow screens): the conclusion of the
//! symbolic analysis, one line per region (gains, then losses, or the admitted regions) with
//! its constraints, why it is not a proof, and the selected region spelled out: every
//! constraint, the witness, and both rule sets' verdicts for it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::rules::outcome_style;
use super::text::{truncate, wrap_words};
use crate::token::sanitize::escape_controls;
use crate::trust::symbolic::Constraint as Limit;
use crate::tui::model::Model;
use crate::tui::regions::{Change, Item, RegionsState, conclusion_line, reasons, witness_text};

/// At least this wide, the list goes beside the matrix; narrower, below it.
const BESIDE_MIN_WIDTH: u16 = 120;
/// Below this body height there is no room for both: the list replaces the matrix while it
/// has the focus.
const SPLIT_MIN_HEIGHT: u16 = 14;

/// The matrix's part of the body and the list's, from the same layout `render` draws in.
pub fn split(model: &Model, body: Rect) -> (Rect, Option<Rect>) {
    let Some(state) = &model.regions else {
        return (body, None);
    };
    if body.width >= BESIDE_MIN_WIDTH {
        let width = (body.width * 2 / 5).clamp(40, 64);
        let [matrix, list] =
            Layout::horizontal([Constraint::Fill(1), Constraint::Length(width)]).areas(body);
        return (matrix, Some(list));
    }
    if body.height < SPLIT_MIN_HEIGHT {
        return if state.focused {
            (Rect { height: 0, ..body }, Some(body))
        } else {
            (body, None)
        };
    }
    let height = (body.height * 2 / 5).clamp(6, 14);
    let [matrix, list] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(height)]).areas(body);
    (matrix, Some(list))
}

pub fn render(model: &Model, frame: &mut Frame, area: Rect) {
    let Some(state) = &model.regions else { return };
    let theme = &model.theme;
    let block = super::pane_block(model, title(model, state), state.focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let columns = inner.width as usize;
    if inner.height == 0 || columns == 0 {
        return;
    }
    let mut head: Vec<Line> = Vec::new();
    if let Some(error) = &state.error {
        let shown = if state.analysis.is_some() {
            " (showing the last analysis)"
        } else {
            ""
        };
        head.push(Line::styled(
            truncate(&format!("✗ {}{shown}", escape_controls(error)), columns),
            theme.bad,
        ));
    }
    match conclusion_line(state) {
        Some((outcome, text)) => head.push(Line::styled(
            truncate(&escape_controls(&text), columns),
            outcome_style(theme, outcome),
        )),
        None if state.error.is_none() => head.push(Line::styled(
            truncate(
                &format!("{} analysing every possible caller…", super::spinner(model)),
                columns,
            ),
            theme.warn,
        )),
        None => {}
    }
    let items = state.items();
    let why: Vec<Line> = reasons(state)
        .iter()
        .flat_map(|text| {
            wrap_words(&escape_controls(text), columns.saturating_sub(2))
                .into_iter()
                .enumerate()
                .map(|(i, line)| {
                    let indent = if i == 0 { "" } else { "  " };
                    Line::styled(format!("{indent}{line}"), theme.warn)
                })
        })
        .collect();

    // Short panes keep the conclusion and a few regions first, then the selected region's
    // detail, then the reasons (drawn under the conclusion they explain). The keys are on the
    // matrix's key line.
    let mut spare = inner
        .height
        .saturating_sub(head.len() as u16 + items.len().clamp(1, 3) as u16);
    let mut take = |want: u16| {
        let given = want.min(spare);
        spare -= given;
        given
    };
    let detail_lines = items
        .get(state.cursor)
        .map(|item| detail(model, item, columns))
        .unwrap_or_default();
    let detail_height = take(detail_lines.len() as u16);
    let why_height = take(why.len() as u16);
    let [head_area, why_area, list_area, detail_area] = Layout::vertical([
        Constraint::Length(head.len() as u16),
        Constraint::Length(why_height),
        Constraint::Fill(1),
        Constraint::Length(detail_height),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(head), head_area);
    frame.render_widget(Paragraph::new(why), why_area);
    frame.render_widget(Paragraph::new(detail_lines), detail_area);

    if items.is_empty() {
        if state.analysis.is_some() {
            frame.render_widget(
                Paragraph::new(Line::styled("No region to list.", theme.dim)),
                list_area,
            );
        }
        return;
    }
    let height = list_area.height as usize;
    let offset = super::scroll_offset(items.len(), height, state.cursor, state.cursor);
    let lines: Vec<Line> = items
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(at, item)| item_line(model, state, at, item, &items, columns))
        .collect();
    frame.render_widget(Paragraph::new(lines), list_area);
}

fn title<'a>(model: &Model, state: &RegionsState) -> Line<'a> {
    let theme = &model.theme;
    let what = if state.proposed.is_some() {
        " Regions · every caller, current → proposed "
    } else {
        " Regions · who can get in "
    };
    let mut spans = vec![Span::styled(what, theme.title)];
    if state.running && state.analysis.is_some() {
        spans.push(Span::styled(
            format!("{} analysing… ", super::spinner(model)),
            theme.warn,
        ));
    }
    Line::from(spans)
}

/// The glyph and word a region's line starts with: what happens to its callers.
fn marker(change: Change) -> &'static str {
    match change {
        Change::Gains => "+ gains",
        Change::Loses => "− loses",
        Change::Admitted => "✓ in",
    }
}

fn item_line<'a>(
    model: &Model,
    state: &RegionsState,
    at: usize,
    item: &Item,
    items: &[Item],
    columns: usize,
) -> Line<'a> {
    let theme = &model.theme;
    let style = match item.change {
        Change::Gains => theme.warn,
        Change::Loses => theme.bad,
        Change::Admitted => theme.good,
    };
    let selected = at == state.cursor;
    let rule = item
        .rule
        .as_ref()
        .map(|(_, rule)| format!("{} · ", super::text::truncate(rule, 20)))
        .unwrap_or_default();
    let lead = format!(
        "{}{} {:<2} {rule}",
        if selected { "▸" } else { " " },
        marker(item.change),
        item.number
    );
    let room = columns.saturating_sub(super::text::width(&lead));
    let constraints = truncate(&escape_controls(&one_line(item, items)), room);
    let mut spans = vec![
        Span::styled(lead, style),
        Span::styled(constraints, if selected { theme.text } else { theme.dim }),
    ];
    if selected {
        for span in &mut spans {
            span.style = span.style.patch(if state.focused {
                theme.selected
            } else {
                theme.title
            });
        }
    }
    Line::from(spans)
}

/// The region's constraints in one line. What sets it apart from the other regions of the list
/// comes first (regions often share their subject and differ in one claim), the subject first
/// among equals: the line is cut at the pane's edge.
fn one_line(item: &Item, items: &[Item]) -> String {
    let region = item.region;
    if region.constraints.is_empty() {
        return "any claims".to_owned();
    }
    let shared = |c: &Limit| {
        items.len() > 1
            && items
                .iter()
                .filter(|other| !std::ptr::eq(other.region, region))
                .all(|other| other.region.constraints.contains(c))
    };
    let mut constraints: Vec<_> = region.constraints.iter().collect();
    constraints.sort_by_key(|c| (shared(c), c.claim != "sub"));
    constraints
        .iter()
        .map(|c| format!("{} {}", c.claim, c.text))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The selected region spelled out: its constraints, the witness, and the verdicts on it.
fn detail<'a>(model: &Model, item: &Item, columns: usize) -> Vec<Line<'a>> {
    let theme = &model.theme;
    let region = item.region;
    let mut lines = vec![Line::styled(
        truncate(&format!("▸ {}: callers whose", item.label()), columns),
        theme.title,
    )];
    let mut constraints: Vec<_> = region.constraints.iter().collect();
    constraints.sort_by_key(|c| c.claim != "sub");
    for constraint in constraints {
        let text = format!(
            "{} is {}",
            escape_controls(&constraint.claim),
            escape_controls(&constraint.text)
        );
        for (i, line) in wrap_words(&text, columns.saturating_sub(4))
            .into_iter()
            .enumerate()
        {
            let indent = if i == 0 { "  " } else { "    " };
            lines.push(Line::raw(format!("{indent}{line}")));
        }
    }
    let witness = format!(
        "witness: {}",
        escape_controls(&witness_text(&region.witness))
    );
    for line in super::text::wrap(&witness, columns.saturating_sub(2)) {
        lines.push(Line::styled(format!("  {line}"), theme.name));
    }
    let mut side = |label: &str, text: &str| {
        let style = if text.contains(": allowed — ") {
            theme.good
        } else {
            theme.bad
        };
        let text = format!("{label}{}", escape_controls(text));
        for (i, line) in wrap_words(&text, columns.saturating_sub(4))
            .into_iter()
            .enumerate()
        {
            let indent = if i == 0 { "  " } else { "    " };
            lines.push(Line::styled(format!("{indent}{line}"), style));
        }
    };
    match &region.proposed {
        Some(proposed) => {
            side("current: ", &region.current);
            side("proposed: ", proposed);
        }
        None => side("", &region.current),
    }
    lines
}
