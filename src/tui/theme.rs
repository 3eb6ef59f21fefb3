//! Colours. Two palettes (dark and light terminals) and a plain one for `NO_COLOR`. Colour never
//! carries meaning alone: every coloured state also has a glyph or a word.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ThemeName {
    #[default]
    Dark,
    Light,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub text: Style,
    pub dim: Style,
    pub title: Style,
    pub name: Style,
    pub good: Style,
    pub bad: Style,
    pub warn: Style,
    pub selected: Style,
    pub focused_border: Style,
    pub border: Style,
    /// The differing part of a near-equal string.
    pub diff: Style,
    pub simulated: Style,
    pub bar: Style,
}

impl Theme {
    pub fn new(name: ThemeName, no_color: bool) -> Theme {
        if no_color {
            return Theme::plain();
        }
        match name {
            ThemeName::Dark => Theme {
                text: Style::new(),
                dim: Style::new().fg(Color::DarkGray),
                title: Style::new().add_modifier(Modifier::BOLD),
                name: Style::new().fg(Color::Cyan),
                good: Style::new().fg(Color::Green),
                bad: Style::new().fg(Color::Red),
                warn: Style::new().fg(Color::Yellow),
                selected: Style::new()
                    .bg(Color::DarkGray)
                    .add_modifier(Modifier::BOLD),
                focused_border: Style::new().fg(Color::Cyan),
                border: Style::new().fg(Color::DarkGray),
                diff: Style::new()
                    .fg(Color::Red)
                    .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
                simulated: Style::new()
                    .fg(Color::Black)
                    .bg(Color::Magenta)
                    .add_modifier(Modifier::BOLD),
                bar: Style::new().bg(Color::Indexed(236)),
            },
            ThemeName::Light => Theme {
                text: Style::new(),
                dim: Style::new().fg(Color::Gray),
                title: Style::new().add_modifier(Modifier::BOLD),
                name: Style::new().fg(Color::Blue),
                good: Style::new().fg(Color::Indexed(28)),
                bad: Style::new().fg(Color::Indexed(160)),
                warn: Style::new().fg(Color::Indexed(130)),
                selected: Style::new()
                    .bg(Color::Indexed(254))
                    .add_modifier(Modifier::BOLD),
                focused_border: Style::new().fg(Color::Blue),
                border: Style::new().fg(Color::Gray),
                diff: Style::new()
                    .fg(Color::Indexed(160))
                    .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
                simulated: Style::new()
                    .fg(Color::White)
                    .bg(Color::Magenta)
                    .add_modifier(Modifier::BOLD),
                bar: Style::new().bg(Color::Indexed(253)),
            },
        }
    }

    /// No colour at all; emphasis by modifiers only.
    pub fn plain() -> Theme {
        let none = Style::new();
        Theme {
            text: none,
            dim: none,
            title: none.add_modifier(Modifier::BOLD),
            name: none,
            good: none,
            bad: none.add_modifier(Modifier::BOLD),
            warn: none,
            selected: none.add_modifier(Modifier::REVERSED),
            focused_border: none.add_modifier(Modifier::BOLD),
            border: none,
            diff: none.add_modifier(Modifier::UNDERLINED),
            simulated: none.add_modifier(Modifier::REVERSED),
            bar: none,
        }
    }
}

/// Whether `NO_COLOR` asks for no colour (set and non-empty, per no-color.org).
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}
