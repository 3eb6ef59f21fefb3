//! The Explain panel: the pasted error explained, the same text `claimcheck explain` prints
//! (each finding's link to the verdict it matches under it, once rules are loaded).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::wrap_words;
use crate::tui::model::Model;

pub fn render(model: &Model, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    let Some(state) = &model.explain else {
        return;
    };
    let title = Line::from(vec![
        Span::styled(" Explain ", theme.title),
        Span::styled("· w hides · W goes to the verdict · { } scroll ", theme.dim),
    ]);
    let block = super::pane_block(model, title, false);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let columns = (inner.width as usize).max(1);
    let mut lines: Vec<Line> = Vec::new();
    for text in crate::tui::explain::lines(model) {
        let indent = text.len() - text.trim_start().len();
        let heading = indent == 0 && !text.is_empty();
        let verdict = text.trim_start().starts_with("verdict for");
        let style = if heading {
            theme.title
        } else if verdict {
            theme.selected
        } else {
            theme.text
        };
        if text.is_empty() {
            lines.push(Line::default());
            continue;
        }
        // Wrapped lines keep their indent, so causes and commands stay readable.
        let pad = " ".repeat(indent.min(columns / 2) + usize::from(indent > 0) * 2);
        for (n, piece) in wrap_words(text.trim_start(), columns.saturating_sub(indent).max(8))
            .into_iter()
            .enumerate()
        {
            let lead = if n == 0 {
                " ".repeat(indent)
            } else {
                pad.clone()
            };
            lines.push(Line::styled(format!("{lead}{piece}"), style));
        }
    }
    let max_scroll = lines.len().saturating_sub(inner.height as usize);
    let scroll = (state.scroll as usize).min(max_scroll);
    let shown: Vec<Line> = lines.into_iter().skip(scroll).collect();
    frame.render_widget(Paragraph::new(shown), inner);
}
