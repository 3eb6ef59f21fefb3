//! The claims pane: claims in token order, long values wrapped, instants shown absolute (UTC,
//! local or unix) and relative to "now", with the `/` filter.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use serde_json::Value;

use super::text::{width, wrap};
use crate::report::timefmt::{self, DateStyle};
use crate::report::wrap::wrap_value;
use crate::token::sanitize::escape_controls;
use crate::tui::model::{Entry, InputPurpose, Model, value_text};

/// Claims holding a NumericDate (RFC 7519 §4.1, OIDC Core §2 and §5.1).
const TIME_CLAIMS: [&str; 5] = ["exp", "nbf", "iat", "auth_time", "updated_at"];
const NAME_COLUMN_MAX: usize = 20;
/// A value longer than this many lines shows only its head until it is selected, so a claim
/// with thousands of entries does not push every claim after it out of the pane.
const FOLDED_LINES: usize = 3;

/// A claim's value as shown, wrapped to `columns`: escaped, and for instants the absolute time
/// and the relative one ("in 4m 12s"), the latter on a line of its own when both do not fit.
pub fn value_lines(name: &str, value: &Value, model: &Model, columns: usize) -> Vec<String> {
    match value.as_i64() {
        Some(at) if TIME_CLAIMS.contains(&name) => {
            let absolute = match model.date_style {
                DateStyle::Unix => at.to_string(),
                style => timefmt::instant(at, style),
            };
            let relative = format!("({})", timefmt::relative(at, model.now));
            let together = format!("{absolute} {relative}");
            if width(&together) <= columns {
                vec![together]
            } else {
                let mut lines = wrap(&absolute, columns);
                lines.extend(wrap(&relative, columns));
                lines
            }
        }
        _ if value == &Value::String(String::new()) => vec!["\"\"".to_owned()],
        // Between array entries where one ends near the edge, so a group name is not cut.
        _ => wrap_value(&escape_controls(&value_text(value)), columns),
    }
}

pub fn render(model: &Model, frame: &mut Frame, area: Rect, focused: bool) {
    let theme = &model.theme;
    let Some(entry) = model.current() else {
        return;
    };
    let visible = model.visible_claims();
    let total = entry.claims().map_or(0, |c| c.len());
    let mut title = vec![Span::styled(" Claims ", theme.title)];
    if entry.simulated.is_some() {
        title.push(Span::styled(" SIMULATED ", theme.simulated));
        title.push(Span::raw(" "));
    }
    if !model.filter.is_empty() {
        title.push(Span::styled(
            format!(
                "{} of {total} match \"{}\" ",
                visible.len(),
                escape_controls(&model.filter)
            ),
            theme.warn,
        ));
    }
    let block = super::pane_block(model, Line::from(title), focused);
    let mut inner = block.inner(area);
    frame.render_widget(block, area);

    let filter_open = matches!(&model.input, Some(i) if i.purpose == InputPurpose::Filter);
    if filter_open && inner.height > 1 {
        inner.height -= 1;
        let line_area = Rect {
            y: inner.y + inner.height,
            height: 1,
            ..inner
        };
        let text = model
            .input
            .as_ref()
            .map(|i| i.field.text.as_str())
            .unwrap_or("");
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled("/", theme.title),
                Span::raw(escape_controls(text).into_owned()),
                Span::styled("▏", theme.focused_border),
            ])),
            line_area,
        );
    }

    let lines = claim_lines(model, entry, &visible, inner.width as usize, focused);
    let (first, last) = lines
        .iter()
        .enumerate()
        .filter(|(_, (index, _))| *index == Some(model.claim_cursor))
        .fold((usize::MAX, 0), |(lo, hi), (i, _)| (lo.min(i), hi.max(i)));
    let offset = if first == usize::MAX {
        0
    } else {
        super::scroll_offset(lines.len(), inner.height as usize, first, last)
    };
    let shown: Vec<Line> = lines.into_iter().skip(offset).map(|(_, l)| l).collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

/// Every line of the pane, each tagged with the index of the claim it belongs to.
fn claim_lines<'a>(
    model: &Model,
    entry: &Entry,
    visible: &[(&String, &Value)],
    columns: usize,
    focused: bool,
) -> Vec<(Option<usize>, Line<'a>)> {
    let theme = &model.theme;
    let Some(claims) = entry.claims() else {
        let why = if entry.token.other_payload().is_some() {
            "(no claims: the payload is not a JSON object; the token pane shows it)"
        } else {
            "(encrypted: only the recipient's private key can read the claims)"
        };
        return vec![(None, Line::styled(why, theme.dim))];
    };
    if claims.is_empty() {
        return vec![(None, Line::styled("(no claims)", theme.dim))];
    }
    if visible.is_empty() {
        return vec![(
            None,
            Line::styled("(no claim matches the filter; Esc clears it)", theme.dim),
        )];
    }
    let name_width = visible
        .iter()
        .map(|(name, _)| width(&escape_controls(name)))
        .filter(|&w| w <= NAME_COLUMN_MAX)
        .max()
        .unwrap_or(4)
        .min(columns / 3);
    let value_width = columns.saturating_sub(name_width + 1).max(1);
    let mut lines = Vec::new();
    for (index, (name, value)) in visible.iter().enumerate() {
        let selected = index == model.claim_cursor;
        let row_style = if selected && focused {
            theme.selected
        } else {
            theme.text
        };
        let name_text = escape_controls(name).into_owned();
        let mut wrapped = value_lines(name, value, model, value_width);
        let mut folded = None;
        if !selected && wrapped.len() > FOLDED_LINES {
            let more = wrapped.len() - (FOLDED_LINES - 1);
            wrapped.truncate(FOLDED_LINES - 1);
            folded = Some(format!("… {more} more lines"));
        }
        let name_fits = width(&name_text) <= name_width;
        if !name_fits {
            lines.push((
                Some(index),
                Line::from(Span::styled(
                    super::text::fit(&name_text, columns),
                    theme.name,
                ))
                .style(row_style),
            ));
        }
        for (i, part) in wrapped.into_iter().enumerate() {
            let name_cell = if i == 0 && name_fits {
                super::text::fit(&name_text, name_width)
            } else {
                " ".repeat(name_width)
            };
            let pad = value_width.saturating_sub(width(&part));
            lines.push((
                Some(index),
                Line::from(vec![
                    Span::styled(name_cell, theme.name),
                    Span::raw(" "),
                    Span::raw(part),
                    Span::raw(" ".repeat(pad)),
                ])
                .style(row_style),
            ));
        }
        if let Some(more) = folded {
            lines.push((
                Some(index),
                Line::from(vec![
                    Span::raw(" ".repeat(name_width + 1)),
                    Span::styled(super::text::fit(&more, value_width), theme.dim),
                ]),
            ));
        }
    }
    lines
}
