//! The `?` overlay, generated from the keymap table: what the user sees is what dispatch uses.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::text::{fit, wrap_words};
use crate::tui::keymap::Context;
use crate::tui::model::Model;

pub fn overlay(model: &Model, frame: &mut Frame, area: Rect) {
    let popup = popup_area(area);
    let block = frame_block(model);
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    let lines = help_lines(model, inner.width as usize);
    let max_scroll = lines.len().saturating_sub(inner.height as usize);
    let scroll = (model.help_scroll as usize).min(max_scroll);
    let shown: Vec<Line> = lines.into_iter().skip(scroll).collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

/// The inside of the overlay on a screen of the model's size.
fn inner_area(model: &Model) -> Rect {
    frame_block(model).inner(popup_area(super::whole_body_area(model)))
}

/// The furthest the overlay scrolls: its lines less what it shows.
pub fn max_scroll(model: &Model) -> u16 {
    let inner = inner_area(model);
    let lines = help_lines(model, inner.width as usize).len();
    u16::try_from(lines.saturating_sub(inner.height as usize)).unwrap_or(u16::MAX)
}

/// How far PageDown/PageUp move the overlay: what it shows, less one line of overlap.
pub fn page(model: &Model) -> isize {
    (inner_area(model).height as isize - 1).max(1)
}

fn frame_block(model: &Model) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(model.theme.focused_border)
        .title(Line::styled(
            " Keys (Esc or ? closes, j/k PgUp/PgDn scroll) ",
            model.theme.title,
        ))
}

fn popup_area(area: Rect) -> Rect {
    // Narrow screens get the whole body: a sliver of the pane around the popup only confuses.
    if area.width < 84 {
        area
    } else {
        let width = area.width.min(80);
        Rect {
            x: area.x + (area.width - width) / 2,
            y: area.y + 1,
            width,
            height: area.height.saturating_sub(2),
        }
    }
}

fn help_lines(model: &Model, columns: usize) -> Vec<Line<'static>> {
    let theme = &model.theme;
    let key_width = 18.min(columns / 3);
    let mut lines: Vec<Line> = Vec::new();
    // The keys of the screen in front come first.
    let contexts = if crate::tui::matrix::is_open(model) {
        [
            Context::Matrix,
            Context::Regions,
            Context::Global,
            Context::Claims,
            Context::Rules,
            Context::Why,
        ]
    } else {
        [
            Context::Global,
            Context::Claims,
            Context::Rules,
            Context::Why,
            Context::Matrix,
            Context::Regions,
        ]
    };
    for context in contexts {
        let bindings: Vec<_> = model
            .keymap
            .bindings
            .iter()
            .filter(|b| b.context == context)
            .collect();
        if bindings.is_empty() {
            continue;
        }
        lines.push(Line::styled(context.title(), theme.title));
        for binding in bindings {
            let keys = binding
                .keys
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" ");
            let description =
                wrap_words(binding.description, columns.saturating_sub(key_width + 1));
            for (i, text) in description.into_iter().enumerate() {
                let key_cell = if i == 0 {
                    fit(&keys, key_width)
                } else {
                    " ".repeat(key_width)
                };
                lines.push(Line::from(vec![
                    Span::styled(key_cell, theme.name),
                    Span::raw(" "),
                    Span::raw(text),
                ]));
            }
        }
    }
    lines.push(Line::raw(""));
    for text in wrap_words(
        "Text inputs (paste prompt, filter, what-if, rule file, key, fetch command) take keys and pastes first: Enter accepts, Esc cancels, Ctrl-U clears. A bracketed paste anywhere else adds a token. Rebind keys in config.toml under [tui.keys], e.g. next_token = [\"n\", \"ctrl-n\"].",
        columns,
    ) {
        lines.push(Line::styled(text, theme.dim));
    }
    lines
}
