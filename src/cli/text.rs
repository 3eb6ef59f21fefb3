//! The text rendering of a [`TokenDocument`]. Every decoded string goes through
//! [`escape_controls`] here, so nothing in a token can drive the terminal.

use std::fmt::Write;
use std::io::IsTerminal;

use serde_json::Value;
use unicode_width::UnicodeWidthStr;

use super::args::OutputArgs;
use super::paint::{Paint, pad};
use crate::report::timefmt::{self, DateStyle};
pub use crate::report::wrap::wrap_value;
use crate::report::{PayloadView, SignatureStatus, TokenDocument};
use crate::token::sanitize::escape_controls;
use crate::token::time::{TimeClaim, TimeStatus};
use crate::token::{Claims, Form, FoundVia};

/// Claims that hold a NumericDate (RFC 7519 §4.1, OIDC Core §2 and §5.1).
const TIME_CLAIMS: [&str; 5] = ["exp", "nbf", "iat", "auth_time", "updated_at"];

/// Longest claim name that still gets a column of its own; longer names overflow it.
const NAME_COLUMN_MAX: usize = 24;

/// The narrowest a wrapped value gets, however long the name before it: below this a value
/// would be more line breaks than text.
pub const MIN_VALUE_ROOM: usize = 16;

pub struct TextStyle {
    pub paint: Paint,
    pub dates: DateStyle,
    /// Columns to fit the text to; `None` (piped output) keeps one line per value, a stable
    /// shape for scripts.
    pub width: Option<usize>,
}

impl TextStyle {
    pub fn for_stdout(output: &OutputArgs) -> TextStyle {
        TextStyle {
            paint: Paint::for_stdout(output.color),
            dates: output.date,
            width: output_width(output.width),
        }
    }
}

/// `--width`, else COLUMNS, else the size of the terminal stdout is (never when it is piped).
fn output_width(flag: Option<u16>) -> Option<usize> {
    if let Some(width) = flag {
        return Some(usize::from(width));
    }
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0);
    if columns.is_some() {
        return columns;
    }
    if !std::io::stdout().is_terminal() {
        return None;
    }
    crossterm::terminal::size()
        .ok()
        .map(|(width, _)| usize::from(width))
        .filter(|&w| w > 0)
}

/// Lines joined into one text, every line after the first behind `indent` spaces.
pub fn hanging(lines: &[String], indent: usize) -> String {
    let pad = " ".repeat(indent);
    lines.join(&format!("\n{pad}"))
}

pub fn render_document(doc: &TokenDocument, style: &TextStyle) -> String {
    let paint = style.paint;
    let mut out = String::new();
    let _ = writeln!(out, "{}  {}", paint.bold("Token"), describe_token(doc));

    let _ = writeln!(out, "{}", paint.bold("Header"));
    render_members(&mut out, &doc.header, doc.time.now, style);

    let _ = writeln!(out, "{}", paint.bold("Claims"));
    match &doc.claims {
        Some(claims) if claims.is_empty() => {
            let _ = writeln!(out, "  {}", paint.dim("(none)"));
        }
        Some(claims) => render_members(&mut out, claims, doc.time.now, style),
        None if doc.payload.is_some() => {
            let _ = writeln!(
                out,
                "  {}",
                paint.dim("(none: the payload is not a JSON claim set)")
            );
        }
        None => {
            let _ = writeln!(
                out,
                "  {}",
                paint.dim("(encrypted: only the recipient's private key can read them)")
            );
        }
    }

    match &doc.payload {
        Some(PayloadView::Text(text)) => {
            let _ = writeln!(out, "{}", paint.bold("Payload (text)"));
            // Split before escaping: escaping turns line breaks into visible "\n".
            for line in text.lines() {
                let _ = writeln!(out, "  {}", escape_controls(line));
            }
        }
        Some(PayloadView::Base64url(encoded)) => {
            let _ = writeln!(
                out,
                "{}",
                paint.bold("Payload (not UTF-8, shown as base64url)")
            );
            let _ = writeln!(out, "  {encoded}");
        }
        None => {}
    }

    let _ = writeln!(
        out,
        "{} {}",
        paint.bold(&pad("Time", 10)),
        describe_time(doc, paint)
    );
    let _ = writeln!(
        out,
        "{} {}",
        paint.bold(&pad("Signature", 10)),
        describe_signature(doc, paint, style.width)
    );

    if doc.lints.is_empty() {
        let _ = writeln!(
            out,
            "{} {}",
            paint.bold(&pad("Lints", 10)),
            paint.dim("none")
        );
    } else {
        let _ = writeln!(out, "{}", paint.bold("Lints"));
        for lint in &doc.lints {
            let label = paint.severity(lint.severity);
            let message = escape_controls(&lint.message);
            match style.width {
                // The message under its code, where it has the width to wrap in.
                Some(columns) => {
                    let _ = writeln!(out, "  {label} {}", paint.cyan(lint.code));
                    let lines = wrap_value(&message, columns.saturating_sub(4));
                    let _ = writeln!(out, "    {}", hanging(&lines, 4));
                }
                None => {
                    let _ = writeln!(out, "  {label} {}  {message}", paint.cyan(lint.code));
                }
            }
        }
    }
    out
}

fn describe_token(doc: &TokenDocument) -> String {
    let alg = doc
        .header
        .get("alg")
        .map(display_value)
        .unwrap_or_else(|| "no alg".to_owned());
    let form = match doc.form {
        Form::Signed => format!("signed JWS ({alg})"),
        Form::Unsecured => "unsecured JWS (alg none, no signature)".to_owned(),
        Form::Encrypted => {
            let enc = doc.header.get("enc").map(display_value).unwrap_or_default();
            format!("encrypted JWE ({alg}, {enc})")
        }
    };
    let via = match &doc.found_via {
        FoundVia::Bare => String::new(),
        FoundVia::Bearer => ", found after \"Bearer\"".to_owned(),
        FoundVia::JsonField(field) => format!(", from the JSON field \"{field}\""),
        FoundVia::UrlParameter(name) => format!(", from the URL parameter \"{name}\""),
        FoundVia::Unwrapped => ", joined from several lines".to_owned(),
        FoundVia::Embedded => ", picked out of the surrounding text".to_owned(),
    };
    format!("{form} from {}{via}", escape_controls(&doc.source))
}

fn render_members(out: &mut String, members: &Claims, now: i64, style: &TextStyle) {
    render_members_at(out, members, now, style, 1, true);
}

/// Nested objects (Kubernetes' `kubernetes.io`, custom claims) are shown as an indented tree,
/// one member a line, rather than as one long line of JSON.
fn render_members_at(
    out: &mut String,
    members: &Claims,
    now: i64,
    style: &TextStyle,
    depth: usize,
    top_level: bool,
) {
    let indent = "  ".repeat(depth);
    let width = members
        .keys()
        .map(|name| escape_controls(name).chars().count())
        .filter(|&w| w <= NAME_COLUMN_MAX)
        .max()
        .unwrap_or(0);
    for (name, value) in members {
        let shown_name = escape_controls(name);
        if let Value::Object(inner) = value
            && !inner.is_empty()
        {
            let _ = writeln!(out, "{indent}{}", style.paint.cyan(&shown_name));
            render_members_at(out, inner, now, style, depth + 1, false);
            continue;
        }
        let pad = width.saturating_sub(shown_name.chars().count());
        let value_text = display_value(value);
        let value_text = match style.width {
            // Continuation lines start under the value, so the claim names stay a column.
            Some(columns) => {
                let start = indent.len() + shown_name.width() + pad + 2;
                let room = columns.saturating_sub(start).max(MIN_VALUE_ROOM);
                hanging(&wrap_value(&value_text, room), start)
            }
            None => value_text,
        };
        let mut line = format!(
            "{indent}{}{}  {value_text}",
            style.paint.cyan(&shown_name),
            " ".repeat(pad),
        );
        if top_level
            && TIME_CLAIMS.contains(&name.as_str())
            && let Some(at) = value.as_i64()
            && style.dates != DateStyle::Unix
        {
            let _ = write!(
                line,
                "  {} ({})",
                timefmt::instant(at, style.dates),
                timefmt::relative(at, now)
            );
        }
        let _ = writeln!(out, "{line}");
    }
}

/// A claim value as text: strings bare, everything else as compact JSON; always escaped.
pub fn display_value(value: &Value) -> String {
    match value {
        Value::String(text) if text.is_empty() => "\"\"".to_owned(),
        Value::String(text) => escape_controls(text).into_owned(),
        other => escape_controls(&other.to_string()).into_owned(),
    }
}

/// A deciding check's accepted values ("a or b") and what the token had ("absent" when it had
/// nothing), as the preview's text and Markdown reports word a changed entry.
pub fn expected_and_actual(expected: &[Value], actual: Option<&Value>) -> (String, String) {
    let expected: Vec<String> = expected.iter().map(display_value).collect();
    let actual = actual.map_or_else(|| "absent".to_owned(), display_value);
    (expected.join(" or "), actual)
}

fn describe_time(doc: &TokenDocument, paint: Paint) -> String {
    let time = &doc.time;
    let leeway = format!("leeway {}", timefmt::duration(time.leeway_secs));
    let mut parts = Vec::new();
    match time.status {
        TimeStatus::Active => {
            parts.push(paint.green("✓ active"));
            match time.expires_in_secs {
                Some(left) if left >= 0 => {
                    parts.push(format!("expires in {}", timefmt::duration(left)))
                }
                Some(past) => parts.push(format!(
                    "expired {} ago but within the leeway",
                    timefmt::duration(past)
                )),
                None => parts.push("never expires (no exp)".to_owned()),
            }
            let past_exp = time.expires_in_secs.is_some_and(|left| left < 0);
            if time.within_leeway && !past_exp {
                parts.push("not yet valid but within the leeway".to_owned());
            }
        }
        TimeStatus::Expired => {
            let ago = time.expires_in_secs.unwrap_or(0);
            parts.push(paint.red(&format!("✗ expired {} ago", timefmt::duration(ago))));
        }
        TimeStatus::NotYetValid => {
            let until = time.valid_in_secs.unwrap_or(0);
            parts.push(paint.red(&format!(
                "✗ not valid for another {}",
                timefmt::duration(until)
            )));
        }
        TimeStatus::Unknown => {
            let why = if doc.form == Form::Encrypted {
                "the claims are encrypted"
            } else if doc.claims.is_none() {
                "the payload is not a claim set"
            } else {
                "exp or nbf is not a usable number"
            };
            parts.push(paint.yellow(&format!("? unknown: {why}")));
        }
    }
    if time.issued_in_future
        && let TimeClaim::Present { at, .. } = time.iat
    {
        parts.push(paint.yellow(&format!(
            "issued in the future ({})",
            timefmt::relative(at, time.now)
        )));
    }
    if let Some(lifetime) = time.lifetime_secs {
        parts.push(format!("lifetime {}", timefmt::duration(lifetime)));
    }
    parts.push(leeway);
    parts.join(" · ")
}

fn describe_signature(doc: &TokenDocument, paint: Paint, width: Option<usize>) -> String {
    let reason = escape_controls(&doc.signature.reason);
    // Wrapped before it is coloured (escape sequences have no width), under the reason's start.
    let fit = |text: String| match width {
        Some(columns) => hanging(&wrap_value(&text, columns.saturating_sub(11)), 11),
        None => text,
    };
    match doc.signature.status {
        SignatureStatus::Verified => paint.green(&fit(format!("✓ verified: {reason}"))),
        SignatureStatus::NotChecked => paint.yellow(&fit(format!("– not checked: {reason}"))),
        SignatureStatus::Failed => paint.red(&fit(format!("✗ failed: {reason}"))),
    }
}
