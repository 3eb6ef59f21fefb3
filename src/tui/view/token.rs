//! The token pane: form and header (flagging key-carrying headers), the signature panel, and
//! the token's lints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::{truncate, wrap_words};
use crate::report::{PayloadView, SignatureStatus};
use crate::token::Form;
use crate::token::lint::{KEY_CARRYING_HEADERS, Severity, lint_token};
use crate::token::sanitize::escape_controls;
use crate::tui::model::{Model, Signature, value_text};

pub fn render(model: &Model, frame: &mut Frame, area: Rect, focused: bool) {
    let block = super::pane_block(model, Line::from(" Token "), focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(entry) = model.current() else {
        return;
    };
    let theme = &model.theme;
    let width = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();

    let form = match entry.token.form() {
        Form::Signed => "signed JWS",
        Form::Unsecured => "unsecured JWS (alg none)",
        Form::Encrypted => "encrypted JWE",
    };
    if entry.simulated.is_some() && entry.source.ends_with(crate::tui::update::DUMP_SOURCE) {
        lines.push(Line::styled(" SIMULATED · unsigned ", theme.simulated));
        lines.push(Line::from(vec![
            Span::styled("form ", theme.name),
            Span::raw("claims from a decoded dump, not a token"),
        ]));
        lines.push(Line::styled("the dump's header:", theme.dim));
    } else if entry.simulated.is_some() {
        // The rules see edited claims that nobody signed: the original token's form and
        // header, shown below, describe that token, not this what-if.
        lines.push(Line::styled(" SIMULATED · unsigned ", theme.simulated));
        lines.push(Line::from(vec![
            Span::styled("form ", theme.name),
            Span::raw(format!("what-if of a {form}, claims edited")),
        ]));
        lines.push(Line::styled("the original token's header:", theme.dim));
    } else {
        lines.push(Line::from(vec![
            Span::styled("form ", theme.name),
            Span::raw(form),
        ]));
    }
    if let Some(payload) = entry.token.other_payload() {
        // RFC 7515 allows any payload; one that is not a JSON object has no claims to show.
        let shown = match PayloadView::of(&payload.bytes) {
            PayloadView::Text(text) => format!("text \"{}\"", escape_controls(&text)),
            PayloadView::Base64url(encoded) => format!("bytes (base64url) {encoded}"),
        };
        lines.push(Line::styled(
            "payload is not a claim set (no claims)",
            theme.warn,
        ));
        lines.push(Line::styled(
            truncate(&shown, width.saturating_sub(2)),
            theme.dim,
        ));
    }
    let name_width = entry
        .token
        .header()
        .keys()
        .map(|k| k.chars().count())
        .max()
        .unwrap_or(0)
        .min(8);
    for (name, value) in entry.token.header() {
        let name = escape_controls(name);
        let value = escape_controls(&value_text(value)).into_owned();
        let flagged = KEY_CARRYING_HEADERS.contains(&name.as_ref());
        let shown = truncate(&value, width.saturating_sub(name_width + 1));
        lines.push(Line::from(vec![
            Span::styled(format!("{name:<name_width$} "), theme.name),
            Span::styled(shown, if flagged { theme.warn } else { theme.text }),
        ]));
        if flagged {
            lines.push(Line::styled(
                "  ! names its own key; never used to verify",
                theme.warn,
            ));
        }
    }

    lines.push(Line::raw(""));
    lines.push(Line::styled("Signature", theme.title));
    let report = match &entry.signature {
        Signature::Checking => {
            lines.push(Line::styled(
                format!("{} verifying… (Esc cancels)", super::spinner(model)),
                theme.warn,
            ));
            None
        }
        Signature::Done(report) => Some(report),
    };
    if entry.simulated.is_some() {
        lines.push(Line::styled(" SIMULATED · unsigned ", theme.simulated));
    }
    if let Some(report) = report {
        let (head, style) = match report.status {
            SignatureStatus::Verified => ("✓ verified", theme.good),
            SignatureStatus::NotChecked => ("– not checked", theme.warn),
            SignatureStatus::Failed => ("✗ failed", theme.bad),
        };
        lines.push(Line::styled(head, style));
        // When `SignatureReport` gains the key (alg, kid, key source, fetched when), its lines
        // go here, between the status and the reason.
        for line in wrap_words(&escape_controls(&report.reason), width) {
            lines.push(Line::styled(line, theme.dim));
        }
    }

    // A dump's stand-in token is not what the issuer sent: its lints would describe nothing.
    let lints = if entry.source.ends_with(crate::tui::update::DUMP_SOURCE) {
        Vec::new()
    } else {
        lint_token(&entry.token)
    };
    if !lints.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("Lints ({})", lints.len()),
            theme.title,
        ));
        for lint in lints {
            let (glyph, style) = match lint.severity {
                Severity::Error => ("✗", theme.bad),
                Severity::Warning => ("!", theme.warn),
                Severity::Info => ("·", theme.dim),
            };
            let text = format!("{glyph} {}: {}", lint.code, escape_controls(&lint.message));
            for (i, line) in wrap_words(&text, width).into_iter().enumerate() {
                lines.push(Line::styled(line, if i == 0 { style } else { theme.dim }));
            }
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
