//! Text inputs drawn as boxes: the paste prompt (the whole screen when there is no token yet,
//! a popup otherwise) and the what-if editor for one claim.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::text::{width, wrap_words};
use crate::token::sanitize::escape_controls;
use crate::tui::model::{Input, InputPurpose, Model};

pub fn empty_screen(model: &Model, frame: &mut Frame, area: Rect) {
    if let Some(input) = &model.input {
        popup(model, input, frame, area);
    }
}

pub fn popup(model: &Model, input: &Input, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    let box_width = area.width.saturating_sub(4).min(72);
    let columns = box_width.saturating_sub(2) as usize;
    let (title, explanation) = match &input.purpose {
        InputPurpose::Token => (
            " Paste a token ".to_owned(),
            "Paste it with your terminal (it arrives as one bracketed paste), press Ctrl-V to read the clipboard or Ctrl-F to fetch one where it is issued, or type it. Enter decodes it. Tokens stay in memory only.".to_owned(),
        ),
        InputPurpose::EditClaim { name } => (
            format!(" What-if: {} ", escape_controls(name)),
            "New value as JSON (a bare word is taken as a string); empty removes the claim. Enter adds a SIMULATED, unsigned copy of the token and re-evaluates the rules.".to_owned(),
        ),
        InputPurpose::Filter => (" Filter ".to_owned(), String::new()),
        InputPurpose::RuleFile => (
            " Add a rule file ".to_owned(),
            "Path of a trust policy, role, provider or config file (its kind is detected). Tab completes file names. It is watched like the others.".to_owned(),
        ),
        InputPurpose::Key { issuer } => (
            match issuer {
                Some(issuer) => format!(" Key for {} ", escape_controls(issuer)),
                None => " Key for tokens without iss ".to_owned(),
            },
            "A shared secret (HS256…), @key.pem (a PEM public key), @jwks.json (a JWKS file) or a JWKS URL. Used for this issuer's tokens until you quit; nothing is saved.".to_owned(),
        ),
    };
    // A secret typed into the key input is not shown; a file or URL is.
    let masked;
    let text = match &input.purpose {
        InputPurpose::Key { .. }
            if !(input.field.text.starts_with('@')
                || input.field.text.to_ascii_lowercase().starts_with("http")) =>
        {
            masked = "•".repeat(input.field.text.chars().count());
            &masked
        }
        _ => &input.field.text,
    };
    let mut lines = input_lines(
        model,
        &explanation,
        text,
        input.field.error.as_deref(),
        columns,
    );
    let essential = lines.len();
    if input.purpose == InputPurpose::Token && model.tokens.is_empty() {
        lines.push(Line::raw(""));
        for line in wrap_words(
            "No token handy? Quit and run `claimcheck demo` for bundled examples.",
            columns,
        ) {
            lines.push(Line::styled(line, theme.dim));
        }
    }
    // A short screen keeps the input line and its error: the closing hint goes first, then
    // the explanation from its start.
    let room = area.height.saturating_sub(2) as usize;
    if lines.len() > room {
        lines.truncate(essential.max(room));
        let explanation = wrap_words(&explanation, columns).len() + 1;
        let excess = lines.len().saturating_sub(room).min(explanation);
        lines.drain(..excess);
    }
    let height = (lines.len() as u16 + 2).min(area.height);
    focused_box(model, frame, area, (box_width, height), title, lines);
}

/// A bordered, focused box of `size` (width, height) centred across `area` and a third of the
/// way down, drawn over whatever is below it.
pub fn focused_box(
    model: &Model,
    frame: &mut Frame,
    area: Rect,
    (width, height): (u16, u16),
    title: String,
    lines: Vec<Line>,
) {
    let theme = &model.theme;
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + area.height.saturating_sub(height) / 3,
        width,
        height,
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focused_border)
        .title(Line::styled(title, theme.title));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// An input box's lines: the explanation, the text being typed (its end when too long: that is
/// where typing happens) with a cursor, and the error under it.
pub fn input_lines<'a>(
    model: &Model,
    explanation: &str,
    text: &str,
    error: Option<&str>,
    columns: usize,
) -> Vec<Line<'a>> {
    let theme = &model.theme;
    let mut lines: Vec<Line> = wrap_words(explanation, columns)
        .into_iter()
        .map(|l| Line::styled(l, theme.dim))
        .collect();
    lines.push(Line::raw(""));
    let text = escape_controls(text).into_owned();
    let room = columns.saturating_sub(3);
    let shown = if width(&text) > room {
        let tail: String = text
            .chars()
            .rev()
            .take(room.saturating_sub(1))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("…{tail}")
    } else {
        text
    };
    lines.push(Line::from(vec![
        Span::styled("> ", theme.title),
        Span::raw(shown),
        Span::styled("▏", theme.focused_border),
    ]));
    if let Some(error) = error {
        for line in wrap_words(&format!("✗ {}", escape_controls(error)), columns) {
            lines.push(Line::styled(line, theme.bad));
        }
    }
    lines
}
