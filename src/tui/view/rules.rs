//! The rules pane: each rule file with its state (loaded, parse error with the last good rules
//! marked stale, not loadable), and one line per verdict with ✓/✗/–/! and "k of n conditions".

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::{fit, fit_middle, truncate, width, wrap_words};
use crate::report::decision::DecisionSignature;
use crate::token::sanitize::escape_controls;
use crate::trust::{Outcome, Verdict};
use crate::tui::model::{Model, RuleFileState};
use crate::tui::theme::Theme;

pub fn outcome_style(theme: &Theme, outcome: Outcome) -> Style {
    match outcome {
        Outcome::Allowed => theme.good,
        Outcome::Denied => theme.bad,
        Outcome::NotApplicable => theme.dim,
        Outcome::Error => theme.warn,
    }
}

pub fn render(model: &Model, frame: &mut Frame, area: Rect, focused: bool) {
    let theme = &model.theme;
    let Some(entry) = model.current() else {
        return;
    };
    let counts = |outcome| {
        entry
            .verdicts
            .iter()
            .filter(|(_, v)| v.outcome == outcome)
            .count()
    };
    let mut title = vec![Span::styled(" Rules ", theme.title)];
    if !entry.verdicts.is_empty() {
        title.push(Span::styled(
            format!("{}✓ ", counts(Outcome::Allowed)),
            theme.good,
        ));
        title.push(Span::styled(
            format!("{}✗ ", counts(Outcome::Denied)),
            theme.bad,
        ));
    }
    let block = super::pane_block(model, Line::from(title), focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let columns = inner.width as usize;

    let mut lines: Vec<(Option<usize>, Line)> = Vec::new();
    let prose = |lines: &mut Vec<(Option<usize>, Line)>, text: &str, style: Style| {
        for line in wrap_words(text, columns) {
            lines.push((None, Line::styled(line, style)));
        }
    };
    // The rule lines say which rule allows or denies; the signature's part is said once here.
    let any_allows = entry
        .verdicts
        .iter()
        .any(|(_, v)| v.outcome == Outcome::Allowed);
    match entry.decision.as_ref().map(|d| d.signature) {
        Some(DecisionSignature::Failed) => prose(
            &mut lines,
            "✗ signature failed: every system refuses this token before reading its rules",
            theme.bad,
        ),
        Some(DecisionSignature::NotChecked) if any_allows => prose(
            &mut lines,
            "? signature could not be checked: a ✓ below is the rules' answer only, not a yes",
            theme.warn,
        ),
        _ => {}
    }
    if model.rule_files.is_empty() {
        prose(&mut lines, "No rule files.", theme.text);
        prose(
            &mut lines,
            "Open a token with --rules FILE… (AWS trust policy, GCP provider, Entra credential, Vault role, Kubernetes config) to see whether each would accept it.",
            theme.dim,
        );
    } else if entry.claims().is_none() && entry.verdicts.is_empty() {
        prose(
            &mut lines,
            "The claims are encrypted, so no rule can be evaluated.",
            theme.dim,
        );
    }
    let mut row = 0;
    let names = short_names(model.rule_files.iter().map(|f| f.path.as_path()));
    for (file_index, file) in model.rule_files.iter().enumerate() {
        if entry.claims().is_none() && entry.verdicts.is_empty() {
            break;
        }
        let name = escape_controls(&names[file_index]).into_owned();
        let (status, style) = match &file.state {
            RuleFileState::Loading => ("loading…".to_owned(), theme.dim),
            RuleFileState::Loaded if file.joins_policies && file.rules.is_empty() => {
                ("OIDC provider".to_owned(), theme.dim)
            }
            RuleFileState::Loaded => {
                let n = file.rules.len();
                (
                    format!("{n} rule{}", if n == 1 { "" } else { "s" }),
                    theme.dim,
                )
            }
            RuleFileState::Invalid(_) => ("✗ error".to_owned(), theme.bad),
            RuleFileState::Unreadable(_) => ("✗ unreadable".to_owned(), theme.bad),
        };
        let name_room = columns.saturating_sub(width(&status) + 1);
        lines.push((
            None,
            Line::from(vec![
                Span::styled(fit_middle(&name, name_room), theme.title),
                Span::raw(" "),
                Span::styled(status, style),
            ]),
        ));
        match &file.state {
            RuleFileState::Invalid(error) => {
                prose(
                    &mut lines,
                    &format!("  {}", escape_controls(error)),
                    theme.bad,
                );
                if file.is_stale() {
                    prose(
                        &mut lines,
                        "  showing the last good rules (stale)",
                        theme.warn,
                    );
                }
            }
            RuleFileState::Unreadable(why) => {
                prose(
                    &mut lines,
                    &format!("  {}", escape_controls(why)),
                    theme.dim,
                );
            }
            _ => {}
        }
        for (_, verdict) in entry.verdicts.iter().filter(|(f, _)| *f == file_index) {
            let selected = row == model.rule_cursor;
            let row_style = if selected && focused {
                theme.selected
            } else if selected {
                theme.title
            } else {
                Style::new()
            };
            lines.push((
                Some(row),
                verdict_line(theme, verdict, columns, file.is_stale()).style(row_style),
            ));
            row += 1;
        }
    }
    let selected_line = lines
        .iter()
        .position(|(r, _)| *r == Some(model.rule_cursor));
    let offset = selected_line.map_or(0, |at| {
        super::scroll_offset(lines.len(), inner.height as usize, at, at)
    });
    let shown: Vec<Line> = lines.into_iter().skip(offset).map(|(_, l)| l).collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

/// Each path by its file name, or by as many trailing components as tell it apart from the
/// others (`prod/role.json`, `staging/role.json`): long paths cut from the right all read
/// `/home/…` alike. The why panel gives the full path.
pub fn short_names<'a>(paths: impl Iterator<Item = &'a std::path::Path>) -> Vec<String> {
    let paths: Vec<&std::path::Path> = paths.collect();
    let split: Vec<Vec<String>> = paths
        .iter()
        .map(|path| {
            path.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect()
        })
        .collect();
    let suffix = |parts: &[String], n: usize| -> String {
        let from = parts.len().saturating_sub(n);
        parts[from..].join("/")
    };
    split
        .iter()
        .zip(&paths)
        .map(|(parts, path)| {
            let mut n = 1;
            while n < parts.len()
                && split
                    .iter()
                    .filter(|other| suffix(other, n) == suffix(parts, n))
                    .count()
                    > 1
            {
                n += 1;
            }
            if n >= parts.len() {
                // Nothing shorter tells it apart: the path as given.
                path.display().to_string()
            } else {
                suffix(parts, n)
            }
        })
        .collect()
}

fn verdict_line<'a>(theme: &Theme, verdict: &Verdict, columns: usize, stale: bool) -> Line<'a> {
    let (passed, total) = verdict.passed_count();
    let head = format!(
        " {} {} {}",
        verdict.outcome.glyph(),
        verdict.rule.kind.name(),
        escape_controls(&verdict.rule.name)
    );
    // The longest description of the count that still leaves the rule's name readable.
    let stale = if stale { " stale" } else { "" };
    let tails = if total == 0 {
        vec![
            format!("{}{stale}", verdict.outcome.word()),
            format!("{}{stale}", verdict.outcome.glyph()),
        ]
    } else {
        vec![
            format!("{passed} of {total} conditions{stale}"),
            format!("{passed} of {total}{stale}"),
            format!("{passed}/{total}{stale}"),
        ]
    };
    let wanted = width(&head);
    let tail = tails
        .iter()
        .find(|t| columns >= width(t) + 1 + wanted)
        .unwrap_or(tails.last().expect("never empty"))
        .clone();
    let room = columns.saturating_sub(width(&tail) + 1);
    Line::from(vec![
        Span::styled(
            fit(&truncate(&head, room), room),
            outcome_style(theme, verdict.outcome),
        ),
        Span::raw(" "),
        Span::styled(tail, theme.dim),
    ])
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::short_names;

    #[test]
    fn rule_files_are_named_by_the_shortest_suffix_that_tells_them_apart() {
        let paths = [
            "/home/someone/work/claimcheck/assets/demo/rules/aws-deploy-role.json",
            "/home/someone/work/claimcheck/assets/demo/rules/gcp-provider.yaml",
            "/srv/prod/role.json",
            "/srv/staging/role.json",
            "role.json",
        ];
        assert_eq!(
            short_names(paths.iter().map(Path::new)),
            [
                "aws-deploy-role.json",
                "gcp-provider.yaml",
                "prod/role.json",
                "staging/role.json",
                "role.json",
            ]
        );
        // The same file named twice: the path as given.
        assert_eq!(
            short_names(["a/x.json", "a/x.json"].iter().map(Path::new)),
            ["a/x.json", "a/x.json"]
        );
    }
}
