//! The fetch menu popup (sources, then the parameter or audience prompt) and, while a fetch is
//! under way, its line at the bottom of the screen.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::text::{fit, truncate, width, wrap_words};
use crate::source::AudienceUse;
use crate::token::sanitize::escape_controls;
use crate::tui::fetch_menu::{Choice, FetchMenu, MenuItem, Stage};
use crate::tui::model::Model;

/// Draws the menu over `body` when it is open, and the fetch status over `bottom` when the
/// status line has nothing more important (a notice) to say.
pub fn render(model: &Model, frame: &mut Frame, body: Rect, bottom: Rect) {
    if let Some(menu) = &model.fetch.menu {
        popup(model, menu, frame, body);
    }
    if model.notice.is_some() {
        return;
    }
    let theme = &model.theme;
    let status = if let Some(running) = &model.fetch.running {
        let audience = running
            .audience
            .as_deref()
            .map(|aud| format!(" for {}", escape_controls(aud)))
            .unwrap_or_default();
        Some(Span::styled(
            format!(
                " {} fetching a token from {}{audience}… Esc cancels",
                super::spinner(model),
                running.label
            ),
            theme.warn,
        ))
    } else {
        model.fetch.menu.as_ref().map(|menu| {
            let keys = match menu.stage {
                Stage::Choose => " ↑↓ choose · Enter fetch · Esc close",
                _ => " Enter fetch · Esc back · Ctrl-U clear",
            };
            Span::styled(keys, theme.dim)
        })
    };
    if let Some(span) = status {
        let text = truncate(&span.content, bottom.width as usize);
        frame.render_widget(Clear, bottom);
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(text, span.style))),
            bottom,
        );
    }
}

fn popup(model: &Model, menu: &FetchMenu, frame: &mut Frame, area: Rect) {
    let box_width = area.width.saturating_sub(4).min(96);
    let columns = box_width.saturating_sub(2) as usize;
    let (title, lines) = match &menu.stage {
        Stage::Choose => (
            " Fetch a token ".to_owned(),
            source_lines(model, menu, columns),
        ),
        Stage::Parameter { item, field } => {
            let (label, prompt) = match menu.items.get(*item).map(|i| &i.choice) {
                Some(Choice::Needs { prefix, prompt }) => (format!("{prefix}:"), *prompt),
                _ => (String::new(), ""),
            };
            (
                format!(" Fetch from {label} "),
                super::prompt::input_lines(
                    model,
                    prompt,
                    &field.text,
                    field.error.as_deref(),
                    columns,
                ),
            )
        }
        Stage::Audience { spec, field } => {
            let explanation = match spec.audience_use() {
                AudienceUse::Required => format!(
                    "{} mints a token for the audience you name: the `aud` your trust rule expects (for AWS, sts.amazonaws.com).",
                    spec.name()
                ),
                _ => format!(
                    "{} mints a token for the audience you name (the `aud` your trust rule expects); empty asks for its default.",
                    spec.name()
                ),
            };
            (
                format!(" Audience for {} ", escape_controls(&spec.to_string())),
                super::prompt::input_lines(
                    model,
                    &explanation,
                    &field.text,
                    field.error.as_deref(),
                    columns,
                ),
            )
        }
    };
    let height = (lines.len() as u16 + 2).min(area.height);
    let inner_height = height.saturating_sub(2) as usize;
    // Keep the highlighted source in view on short screens.
    let selected_line = match menu.stage {
        Stage::Choose => selected_line(model, menu, columns),
        _ => 0,
    };
    let offset = super::scroll_offset(lines.len(), inner_height, selected_line, selected_line);
    let shown: Vec<Line> = lines.into_iter().skip(offset).collect();
    super::prompt::focused_box(model, frame, area, (box_width, height), title, shown);
}

/// The line the cursor's item is drawn on in `source_lines`: the last error (if any), a
/// heading, the detected items (or one line saying there are none yet), a second heading, the
/// rest.
fn selected_line(model: &Model, menu: &FetchMenu, columns: usize) -> usize {
    let before = error_lines(model, columns).len();
    let detected = menu.items.iter().filter(|i| i.detected).count();
    if menu.cursor < detected {
        before + 1 + menu.cursor
    } else {
        let placeholder = usize::from(detected == 0);
        before + 1 + placeholder + detected + 1 + (menu.cursor - detected)
    }
}

fn source_lines<'a>(model: &Model, menu: &'a FetchMenu, columns: usize) -> Vec<Line<'a>> {
    let theme = &model.theme;
    let label_width = menu
        .items
        .iter()
        .map(|i| width(&i.label))
        .max()
        .unwrap_or(0)
        .min(24);
    let detail_width = columns.saturating_sub(label_width + 4);
    let row = |index: usize, item: &MenuItem| -> Line<'a> {
        let selected = index == menu.cursor;
        let marker = if selected { "› " } else { "  " };
        let detail = &item.detail;
        let label_style = if selected {
            theme.selected
        } else if item.detected {
            theme.good
        } else {
            theme.name
        };
        Line::from(vec![
            Span::styled(marker, theme.title),
            Span::styled(fit(&item.label, label_width), label_style),
            Span::raw("  "),
            Span::styled(
                truncate(detail, detail_width),
                if item.detected { theme.text } else { theme.dim },
            ),
        ])
    };
    let mut lines = error_lines(model, columns);
    let detected = menu.items.iter().filter(|i| i.detected).count();
    lines.push(Line::styled("Found in this environment", theme.title));
    if menu.detecting {
        lines.push(Line::styled(
            format!(
                "  {} looking at variables, token files and PATH…",
                super::spinner(model)
            ),
            theme.dim,
        ));
    } else if detected == 0 {
        lines.push(Line::styled(
            "  nothing: no CI token variables, token files or issuer CLIs on PATH",
            theme.dim,
        ));
    }
    for (index, item) in menu.items.iter().enumerate().take(detected) {
        lines.push(row(index, item));
    }
    lines.push(Line::styled(
        "Other sources (they say what is missing if they cannot work here)",
        theme.title,
    ));
    for (index, item) in menu.items.iter().enumerate().skip(detected) {
        lines.push(row(index, item));
    }
    if let Some(item) = menu.items.get(menu.cursor) {
        lines.push(Line::raw(""));
        for line in wrap_words(&describe(item), columns) {
            lines.push(Line::styled(line, theme.text));
        }
    }
    lines
}

/// The last fetch's failure with the command's standard error, first: it is what the user
/// came back to read.
fn error_lines<'a>(model: &Model, columns: usize) -> Vec<Line<'a>> {
    let Some(error) = &model.fetch.last_error else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    for text in error.lines() {
        for line in wrap_words(&escape_controls(text), columns) {
            lines.push(Line::styled(line, model.theme.bad));
        }
    }
    lines.push(Line::raw(""));
    lines
}

/// The highlighted source in full, and what choosing it will ask for.
fn describe(item: &MenuItem) -> String {
    let next = match (&item.choice, item.audience) {
        (Choice::Needs { prefix, .. }, _) => {
            let what = match *prefix {
                "env" => "the variable's name",
                "file" => "the path",
                _ => "the command",
            };
            format!("Enter asks for {what}.")
        }
        (_, AudienceUse::Required) => "Enter asks for the audience (required).".to_owned(),
        (_, AudienceUse::Optional) => {
            "Enter asks for the audience (optional: empty takes the issuer's default).".to_owned()
        }
        (_, AudienceUse::Fixed) => "Enter fetches it.".to_owned(),
    };
    format!(
        "{}: {}. {next}",
        item.label,
        item.detail.trim_end_matches('.')
    )
}
