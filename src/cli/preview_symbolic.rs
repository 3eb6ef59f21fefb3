//! Text rendering of the symbolic analysis: [`Comparison`] (`preview` without a corpus) and
//! [`Reach`] (`who`). Values from rule files and witnesses are escaped before printing.

use std::fmt::Write;

use serde_json::Value;

use super::paint::Paint;
use crate::token::Claims;
use crate::token::sanitize::escape_controls;
use crate::trust::symbolic::{Comparison, Conclusion, Reach, Region};

pub fn render_comparison(comparison: &Comparison, paint: Paint) -> String {
    let mut out = String::new();
    let summary = escape(&comparison.summary);
    let headline = match comparison.conclusion {
        Conclusion::ProvedNoNewAccess => paint.green(&format!("✓ {summary}")),
        Conclusion::GainsAccess => paint.red(&format!("✗ {summary}")),
        Conclusion::NotProved => paint.yellow(&format!("? {summary}")),
    };
    let _ = writeln!(out, "{} {headline}", paint.bold("Symbolic comparison:"));
    let _ = writeln!(
        out,
        "{}",
        paint.dim(&format!(
            "Over {} ({} combinations of claim values evaluated).",
            comparison.model, comparison.combinations
        ))
    );
    section(&mut out, paint, "Gains access", &comparison.gains, true);
    section(&mut out, paint, "Loses access", &comparison.loses, true);
    if !comparison.not_proved.is_empty() {
        let _ = writeln!(out, "\n{}", paint.bold("Not proved because of"));
        for why in &comparison.not_proved {
            let _ = writeln!(out, "  ? {}", escape(why));
        }
    }
    if !comparison.analysis_errors.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            paint.red("Analysis errors (a bug in claimcheck; please report)")
        );
        for error in &comparison.analysis_errors {
            let _ = writeln!(out, "  ! {}", escape(error));
        }
    }
    out
}

pub fn render_reach(reach: &Reach, paint: Paint) -> String {
    let mut out = String::new();
    let count = reach.admitted.len();
    let headline = match (count, reach.complete) {
        (0, true) => "no caller gets in".to_owned(),
        (n, true) => format!("{n} region{} of callers get in", plural(n)),
        (n, false) => format!(
            "at least {n} region{} of callers get in (not complete)",
            plural(n)
        ),
    };
    let _ = writeln!(out, "{} {}", paint.bold("Who can get in:"), headline);
    let _ = writeln!(
        out,
        "{}",
        paint.dim(&format!(
            "Over {} ({} combinations of claim values evaluated).",
            reach.model, reach.combinations
        ))
    );
    section(&mut out, paint, "Admitted", &reach.admitted, false);
    if !reach.lints.is_empty() {
        let _ = writeln!(out, "\n{}", paint.bold("Lints"));
        for lint in &reach.lints {
            let _ = writeln!(
                out,
                "  {} {} [{}]",
                paint.yellow("!"),
                escape(&lint.message),
                lint.code
            );
            let _ = writeln!(out, "    witness: {}", witness_text(&lint.witness));
        }
    }
    if !reach.not_proved.is_empty() {
        let _ = writeln!(out, "\n{}", paint.bold("Not complete because of"));
        for why in &reach.not_proved {
            let _ = writeln!(out, "  ? {}", escape(why));
        }
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn section(out: &mut String, paint: Paint, title: &str, regions: &[Region], both: bool) {
    if regions.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n{}",
        paint.bold(&format!("{title} ({})", regions.len()))
    );
    for (i, region) in regions.iter().enumerate() {
        let _ = writeln!(out, "  {}. callers whose", i + 1);
        if region.constraints.is_empty() {
            let _ = writeln!(out, "       (any claims)");
        }
        for constraint in &region.constraints {
            let _ = writeln!(
                out,
                "       {} is {}",
                escape(&constraint.claim),
                escape(&constraint.text)
            );
        }
        let _ = writeln!(out, "     witness: {}", witness_text(&region.witness));
        if both {
            let _ = writeln!(out, "       current:  {}", escape(&region.current));
            if let Some(proposed) = &region.proposed {
                let _ = writeln!(out, "       proposed: {}", escape(proposed));
            }
        } else {
            let _ = writeln!(out, "       {}", escape(&region.current));
        }
    }
}

fn witness_text(claims: &Claims) -> String {
    escape(&witness_json(claims))
}

/// The witness's claims as compact JSON, without the times every witness has (not escaped:
/// each output format escapes it its own way).
pub(super) fn witness_json(claims: &Claims) -> String {
    let shown: serde_json::Map<String, Value> = claims
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "iat" | "exp"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::Object(shown).to_string()
}

fn escape(text: &str) -> String {
    escape_controls(text).into_owned()
}
