//! The top bar (which token, its source, signature and time badges) and the bottom line (a
//! notice, or the keys that matter here).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::truncate;
use crate::report::SignatureStatus;
use crate::report::timefmt::duration;
use crate::token::sanitize::escape_controls;
use crate::token::time::{TimeStatus, time_status};
use crate::tui::keymap::Action;
use crate::tui::model::{Model, NoticeKind, Pane, Signature};

pub fn top(model: &Model, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    let compact = area.width < crate::tui::model::WIDE_MIN.0;
    let mut spans = vec![Span::styled(" claimcheck ", theme.title)];
    let sep = || Span::styled(" │ ", theme.dim);
    let Some(entry) = model.current() else {
        spans.push(Span::styled("│ no token yet", theme.dim));
        frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.bar), area);
        return;
    };
    let source = escape_controls(&entry.source);
    let position = format!("{}/{}", model.selected + 1, model.tokens.len());
    let source_text = if compact {
        format!("{position} {}", truncate(&source.replace("demo:", ""), 20))
    } else {
        format!("token {position} · {}", truncate(&source, 40))
    };
    let signature = if entry.simulated.is_some() {
        Span::styled(" SIMULATED · unsigned ", theme.simulated)
    } else {
        signature_badge(model, &entry.signature, compact)
    };
    let time = entry.claims().map(|claims| {
        let time = time_status(claims, model.now, model.leeway);
        let (text, style) = match time.status {
            TimeStatus::Active => match time.expires_in_secs {
                Some(left) if left >= 0 && compact => {
                    (format!("✓ {} left", duration(left)), theme.good)
                }
                Some(left) if left >= 0 => (
                    format!("✓ active · expires in {}", duration(left)),
                    theme.good,
                ),
                Some(_) => ("✓ active (within leeway)".to_owned(), theme.warn),
                None => ("✓ active · no exp".to_owned(), theme.warn),
            },
            TimeStatus::Expired => (
                format!(
                    "✗ expired {} ago",
                    duration(time.expires_in_secs.unwrap_or(0))
                ),
                theme.bad,
            ),
            TimeStatus::NotYetValid => (
                format!(
                    "✗ not valid for {}",
                    duration(time.valid_in_secs.unwrap_or(0))
                ),
                theme.bad,
            ),
            TimeStatus::Unknown => ("? time unknown".to_owned(), theme.warn),
        };
        Span::styled(text, style)
    });
    // The signature and the time are what matter most: when the line is too narrow, the
    // program's name goes first, then the token's source, then its position.
    let states = |lead: Vec<Span<'static>>| {
        let mut line = lead;
        line.push(signature.clone());
        if let Some(time) = &time {
            line.push(sep());
            line.push(time.clone());
        }
        line
    };
    let brand = spans.clone();
    let candidates = [
        [
            brand.clone(),
            vec![sep(), Span::raw(source_text.clone()), sep()],
        ]
        .concat(),
        vec![Span::raw(format!(" {source_text}")), sep()],
        vec![Span::raw(format!(" {position}")), sep()],
        vec![Span::raw(" ")],
    ];
    let fits = |line: &[Span]| line.iter().map(Span::width).sum::<usize>() <= area.width as usize;
    let spans = candidates
        .into_iter()
        .map(states)
        .find(|line| fits(line))
        .unwrap_or_else(|| states(vec![Span::raw(" ")]));
    frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.bar), area);
}

pub fn signature_badge<'a>(model: &Model, signature: &Signature, compact: bool) -> Span<'a> {
    let theme = &model.theme;
    let (full, short, style) = match signature {
        Signature::Checking => {
            let spin = super::spinner(model);
            return Span::styled(
                if compact {
                    format!("{spin} verifying")
                } else {
                    format!("{spin} verifying… (Esc cancels)")
                },
                theme.warn,
            );
        }
        Signature::Done(report) => match report.status {
            SignatureStatus::Verified => ("✓ signature verified", "✓ sig verified", theme.good),
            // The key server could not be reached: that says nothing about the token, so it
            // is not shown as a failure.
            SignatureStatus::NotChecked if report.code.is_some_and(|c| c.is_unreachable()) => (
                "– signature not checked: could not reach the keys",
                "– keys unreachable",
                theme.warn,
            ),
            SignatureStatus::NotChecked => {
                ("– signature not checked", "– sig not checked", theme.warn)
            }
            SignatureStatus::Failed => ("✗ signature FAILED", "✗ sig FAILED", theme.bad),
        },
    };
    Span::styled(if compact { short } else { full }, style)
}

/// Actions worth a reminder in the key bar, by where the focus is.
fn hints(model: &Model) -> Vec<(Action, &'static str)> {
    if model.tokens.is_empty() {
        return vec![
            (Action::PasteClipboard, "paste clipboard"),
            (Action::Help, "help"),
        ];
    }
    let mut list = vec![
        (Action::Help, "help"),
        (Action::Quit, "quit"),
        (Action::NextPane, "pane"),
    ];
    match model.focus {
        Pane::Rules => list.push((Action::OpenWhy, "why")),
        Pane::Claims => list.extend([(Action::Filter, "filter"), (Action::EditClaim, "what-if")]),
        Pane::Why => list.push((Action::Close, "close")),
        Pane::Token => {}
    }
    list.extend([
        (Action::NextToken, "next token"),
        (Action::CopyToken, "copy"),
        (Action::ToggleTime, "time"),
        (Action::PasteClipboard, "paste"),
        (Action::AddRuleFile, "add rules"),
        (Action::GiveKey, "key"),
    ]);
    list
}

pub fn bottom(model: &Model, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    let width = area.width as usize;
    let line = if let Some(notice) = &model.notice {
        let (glyph, style) = match notice.kind {
            NoticeKind::Info => ("✓", theme.good),
            NoticeKind::Error => ("✗", theme.bad),
        };
        Line::from(Span::styled(
            truncate(
                &format!(" {glyph} {}", escape_controls(&notice.text)),
                width,
            ),
            style,
        ))
    } else if matches!(&model.input, Some(i) if i.purpose == crate::tui::model::InputPurpose::Filter)
    {
        Line::from(Span::styled(
            " typing filters the claims · Enter keeps the filter · Esc clears it",
            theme.dim,
        ))
    } else if model.input.is_some() {
        let text = if model.tokens.is_empty() {
            " Enter decode · Ctrl-V paste the clipboard · Ctrl-U clear · F1 help · Ctrl-C quit"
        } else {
            " Enter accept · Esc cancel · Ctrl-V paste the clipboard · Ctrl-U clear · Ctrl-C quit"
        };
        Line::from(Span::styled(text, theme.dim))
    } else {
        let mut spans = vec![Span::raw(" ")];
        let mut used = 1;
        for (action, label) in hints(model) {
            let Some(key) = model.keymap.keys_for(action).into_iter().next() else {
                continue;
            };
            let key = key.to_string();
            let cost = key.chars().count() + label.chars().count() + 4;
            if used + cost > width {
                break;
            }
            used += cost;
            spans.push(Span::styled(key, theme.title));
            spans.push(Span::styled(format!(" {label}   "), theme.dim));
        }
        Line::from(spans)
    };
    frame.render_widget(Paragraph::new(line), area);
}
