//! `view(&Model, &mut Frame)`: the whole screen, from the model alone (so it can be snapshotted
//! with a `TestBackend`). Layout per docs/ARCHITECTURE.md §5: wide screens show every pane at once; below
//! `WIDE_MIN` the panes become tabs, and below `TOO_SMALL` only a notice is drawn.

mod bar;
mod claims;
mod explain;
mod fetch_menu;
pub(crate) mod help;
mod matrix;
mod prompt;
mod regions;
mod rules;
pub(crate) mod text;
mod token;
pub mod why;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::model::{InputPurpose, Model, Pane};

/// Smaller than this, nothing but a notice fits.
pub const TOO_SMALL: (u16, u16) = (40, 10);

pub fn view(model: &Model, frame: &mut Frame) {
    let area = frame.area();
    if area.width < TOO_SMALL.0 || area.height < TOO_SMALL.1 {
        let text = format!(
            "claimcheck needs at least {}×{} (this is {}×{}); q quits",
            TOO_SMALL.0, TOO_SMALL.1, area.width, area.height
        );
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    let [top, body, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    if crate::tui::matrix::is_open(model) {
        let (matrix_body, regions_area) = regions::split(model, body);
        matrix::render(model, frame, top, matrix_body, bottom);
        if let Some(area) = regions_area {
            regions::render(model, frame, area);
        }
        if model.help_open {
            help::overlay(model, frame, body);
        }
        return;
    }
    bar::top(model, frame, top);
    // Overlays (prompts, the fetch menu, help) take the whole body, the Explain panel's too.
    let whole = body;
    let (body, explain_area) = explain_split(model, body);
    if let Some(area) = explain_area {
        explain::render(model, frame, area);
    }
    if model.tokens.is_empty() {
        if explain_area.is_none() {
            prompt::empty_screen(model, frame, body);
        }
    } else if model.wide() {
        wide_body(model, frame, body);
    } else {
        narrow_body(model, frame, body);
    }
    bar::bottom(model, frame, bottom);

    if let Some(input) = &model.input
        && !model.tokens.is_empty()
    {
        match input.purpose {
            InputPurpose::Token
            | InputPurpose::EditClaim { .. }
            | InputPurpose::RuleFile
            | InputPurpose::Key { .. } => prompt::popup(model, input, frame, whole),
            InputPurpose::Filter => {}
        }
    }
    fetch_menu::render(model, frame, whole, bottom);
    if model.help_open {
        help::overlay(model, frame, whole);
    }
}

/// The body (between the top and bottom bars) of a screen of the model's size, less the
/// Explain panel, as `view` lays it out; for the update, which scrolls by what is visible.
fn body_area(model: &Model) -> Rect {
    explain_split(model, whole_body_area(model)).0
}

/// The whole body between the top and bottom bars, where the overlays go.
fn whole_body_area(model: &Model) -> Rect {
    let area = Rect::new(0, 0, model.size.0, model.size.1);
    let [_, body, _] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    body
}

/// The fewest rows the token's panes are drawn in beside the Explain panel: the pane tabs, a
/// pane's borders and one line of it. Below that the panes give way to the panel (which the
/// paste opened; `w` hides it and brings them back) rather than show a border and nothing.
const PANES_BESIDE_EXPLAIN: u16 = 4;

/// The body less the Explain panel, and the panel's place: under the token's panes, or the
/// whole body when there is no token yet.
fn explain_split(model: &Model, body: Rect) -> (Rect, Option<Rect>) {
    if !model.explain.as_ref().is_some_and(|state| state.open) {
        return (body, None);
    }
    if model.tokens.is_empty() {
        return (Rect { height: 0, ..body }, Some(body));
    }
    let height = (body.height * 2 / 5).clamp(6, 16);
    if body.height < height + PANES_BESIDE_EXPLAIN {
        return (Rect { height: 0, ..body }, Some(body));
    }
    let [main, panel] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(height)]).areas(body);
    (main, Some(panel))
}

/// Where the why panel goes in the body: under the other panes on wide screens, alone (under
/// the pane tabs) on narrow ones.
fn why_area(model: &Model, body: Rect) -> Rect {
    if model.wide() {
        wide_split(body).1
    } else {
        narrow_split(body).1
    }
}

fn wide_split(area: Rect) -> (Rect, Rect) {
    let why_height = (area.height * 2 / 5).clamp(8, 18);
    let [main, why] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(why_height)]).areas(area);
    (main, why)
}

fn narrow_split(area: Rect) -> (Rect, Rect) {
    let [tabs, pane] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    (tabs, pane)
}

/// How far PageDown/PageUp move in the focused pane: what it shows, less one line of overlap.
pub fn page(model: &Model) -> isize {
    let body = body_area(model);
    let pane = if crate::tui::matrix::is_open(model) {
        body
    } else if model.focus == Pane::Why {
        why_area(model, body)
    } else if model.wide() {
        body
    } else {
        narrow_split(body).1
    };
    // Borders (or the matrix's header and rule) take two lines, the overlap one.
    (pane.height as isize - 3).max(1)
}

/// The token, claims and rules columns of a wide screen.
fn wide_columns(main: Rect) -> [Rect; 3] {
    Layout::horizontal([
        Constraint::Length(28),
        Constraint::Fill(1),
        Constraint::Length(44),
    ])
    .areas(main)
}

/// Whether a cell of the screen shows the Explain panel (not covered by an overlay): the wheel
/// scrolls the panel there, as it scrolls the pane under the pointer elsewhere.
pub fn on_explain_panel(model: &Model, column: u16, row: u16) -> bool {
    let (width, height) = model.size;
    if width < TOO_SMALL.0
        || height < TOO_SMALL.1
        || crate::tui::matrix::is_open(model)
        || model.help_open
        || model.fetch.menu.is_some()
        || model
            .input
            .as_ref()
            .is_some_and(|i| i.purpose != InputPurpose::Filter && !model.tokens.is_empty())
    {
        return false;
    }
    explain_split(model, whole_body_area(model))
        .1
        .is_some_and(|panel| panel.contains(ratatui::layout::Position::new(column, row)))
}

/// The pane drawn under a cell of the screen (a click or the wheel there), from the same layout
/// `view` draws with; on narrow screens a pane's tab counts as the pane. `None` over the bars,
/// the matrix, the paste prompt and overlays, which take the pointer for themselves.
pub fn pane_at(model: &Model, column: u16, row: u16) -> Option<Pane> {
    let (width, height) = model.size;
    if width < TOO_SMALL.0
        || height < TOO_SMALL.1
        || crate::tui::matrix::is_open(model)
        || model.tokens.is_empty()
        || model.help_open
        || model.fetch.menu.is_some()
        || model
            .input
            .as_ref()
            .is_some_and(|i| i.purpose != InputPurpose::Filter)
    {
        return None;
    }
    let at = ratatui::layout::Position::new(column, row);
    let body = body_area(model);
    if !body.contains(at) {
        return None;
    }
    if model.wide() {
        let main = if model.why_open {
            let (main, why) = wide_split(body);
            if why.contains(at) {
                return Some(Pane::Why);
            }
            main
        } else {
            body
        };
        let [left, centre, right] = wide_columns(main);
        return [
            (left, Pane::Token),
            (centre, Pane::Claims),
            (right, Pane::Rules),
        ]
        .into_iter()
        .find(|(area, _)| area.contains(at))
        .map(|(_, pane)| pane);
    }
    let (tabs, pane) = narrow_split(body);
    if pane.contains(at) {
        return Some(model.focus);
    }
    // The tabs as `narrow_body` writes them: " Title " separated by " │ ".
    let mut x = tabs.x;
    for (i, p) in model.panes().into_iter().enumerate() {
        if i > 0 {
            x += 3;
        }
        let label = p.title().len() as u16 + 2;
        if (x..x + label).contains(&column) {
            return Some(p);
        }
        x += label;
    }
    None
}

fn wide_body(model: &Model, frame: &mut Frame, area: Rect) {
    let (main, why_area) = if model.why_open {
        let (main, why) = wide_split(area);
        (main, Some(why))
    } else {
        (area, None)
    };
    let [left, centre, right] = wide_columns(main);
    token::render(model, frame, left, model.focus == Pane::Token);
    claims::render(model, frame, centre, model.focus == Pane::Claims);
    rules::render(model, frame, right, model.focus == Pane::Rules);
    if let Some(why_area) = why_area {
        why::render(model, frame, why_area, model.focus == Pane::Why);
    }
}

fn narrow_body(model: &Model, frame: &mut Frame, area: Rect) {
    let (tabs, pane) = narrow_split(area);
    let theme = &model.theme;
    let mut spans = Vec::new();
    for (i, p) in model.panes().into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" │ ", theme.dim));
        }
        let style = if p == model.focus {
            theme.selected
        } else {
            theme.text
        };
        spans.push(Span::styled(format!(" {} ", p.title()), style));
    }
    spans.push(Span::styled("   Tab switches", theme.dim));
    frame.render_widget(Paragraph::new(Line::from(spans)), tabs);
    match model.focus {
        Pane::Token => token::render(model, frame, pane, true),
        Pane::Claims => claims::render(model, frame, pane, true),
        Pane::Rules => rules::render(model, frame, pane, true),
        Pane::Why => why::render(model, frame, pane, true),
    }
}

/// A pane's frame: bold title, highlighted border when focused.
fn pane_block<'a>(model: &Model, title: Line<'a>, focused: bool) -> Block<'a> {
    let border: Style = if focused {
        model.theme.focused_border
    } else {
        model.theme.border
    };
    Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(title)
}

/// The visible window of `total` lines that keeps lines `first..=last` in view.
fn scroll_offset(total: usize, height: usize, first: usize, last: usize) -> usize {
    if height == 0 || total <= height {
        return 0;
    }
    let offset = (last + 1).saturating_sub(height);
    offset.min(first).min(total - height)
}

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

fn spinner(model: &Model) -> &'static str {
    SPINNER[(model.frame % SPINNER.len() as u64) as usize]
}
