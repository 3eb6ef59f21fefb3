//! `claimcheck explain [TEXT|-]`: the errors recognised in an error message or a whole CI log
//! (`explain`), the tokens printed in it, and with `--rules` the verdict each error came from.
//! Exit status: 0 an error was recognised, 1 nothing was recognised, 2 bad input.

use serde::Serialize;

use super::args::ExplainArgs;
use super::decode::{fail, print_json};
use super::paint::Paint;
use super::{exit, print_stdout};
use crate::app::{decide, rules};
use crate::explain::{self, Agreement, Explanation, Link};
use crate::report::check::{CheckDocument, CheckSubject, ClaimsDocument};
use crate::report::decision::SignatureRole;
use crate::report::{SignatureReport, TokenDocument};
use crate::source::read_text;
use crate::token::sanitize::escape_controls;
use crate::token::{Form, Limits, decode, dump, extract};

/// At most this many tokens are taken from one text (a log printing a token per step).
const MAX_TOKENS: usize = 20;

const NOT_VERIFIED: &str =
    "explain does not verify signatures: run `claimcheck verify` on the token";

/// A token (or a decoded dump) found in the text, with its verdicts when rules were given.
#[derive(Serialize)]
struct Found {
    line: usize,
    document: CheckDocument,
}

#[derive(Serialize)]
struct ExplainDocument<'a> {
    schema: u32,
    recognised: bool,
    #[serde(flatten)]
    explanation: &'a Explanation,
    links: Vec<Option<Link>>,
    tokens: Vec<Found>,
}

pub fn run(args: &ExplainArgs) -> u8 {
    let json = args.json;
    let limits = explain::Limits::default();
    let input = match read_text(args.input.as_deref(), limits.max_bytes) {
        Ok(input) => input,
        Err(error) => return fail(json, error.kind(), &error.to_string()),
    };
    let rules = match rules::load(&args.rules, None) {
        Ok(rules) => rules,
        Err(error) => return fail(json, error.kind(), &error.to_string()),
    };
    let now = args.time.now();
    let explanation = explain::explain(&input.text, &limits);
    let found = tokens_in(&input.text, &rules, now, args.time.leeway);
    let links: Vec<Option<Link>> = explanation
        .findings
        .iter()
        .map(|finding| {
            if rules.is_empty() {
                return None;
            }
            // The token printed last before the error is the one the service saw; a token
            // printed only after it is the best there is.
            let token = found
                .iter()
                .rev()
                .find(|f| f.line <= finding.line)
                .or(found.first())?;
            let verdicts: Vec<_> = token.document.verdicts.iter().collect();
            let index = explain::matching_verdict(finding, &verdicts)?;
            let verdict = token.document.verdicts[index].clone();
            Some(Link {
                token_line: token.line,
                agreement: Agreement::of(verdict.outcome),
                verdict,
            })
        })
        .collect();

    if json {
        print_json(&ExplainDocument {
            schema: crate::report::SCHEMA_VERSION,
            recognised: explanation.recognised(),
            explanation: &explanation,
            links,
            tokens: found,
        });
    } else {
        let paint = Paint::for_stdout(args.color);
        let mut out = String::new();
        for line in explain::render_with(&explanation, &links) {
            out.push_str(&paint_line(&line, paint));
            out.push('\n');
        }
        out.push_str(&describe_tokens(&found, !rules.is_empty()));
        print_stdout(&out);
    }
    if explanation.recognised() {
        exit::SUCCESS
    } else {
        exit::DEFINITE_NO
    }
}

/// Headings in bold; the rest as it is.
fn paint_line(line: &str, paint: Paint) -> String {
    if !line.starts_with(' ') && !line.is_empty() {
        paint.bold(line)
    } else {
        line.to_owned()
    }
}

/// The tokens printed in the text, decoded (never verified), each checked against `rules`; or,
/// without a token, a decoded dump of claims printed in it (actions-oidc-debugger).
fn tokens_in(
    text: &str,
    rules: &[Box<dyn crate::trust::Rule>],
    now: i64,
    leeway: i64,
) -> Vec<Found> {
    let limits = Limits::default();
    let mut found = Vec::new();
    for (line, compact) in extract::embedded_tokens(text, MAX_TOKENS) {
        let Ok(token) = decode(compact, &limits) else {
            continue;
        };
        if token.form() == Form::Encrypted {
            continue;
        }
        let mut document = TokenDocument::new(&token, format!("line {line}"), now, leeway);
        document.signature = SignatureReport::not_checked(NOT_VERIFIED);
        found.push(Found {
            line,
            document: decide::check_document(
                CheckSubject::Token(document),
                rules,
                SignatureRole::NotRequired,
                now,
            ),
        });
    }
    if found.is_empty()
        && let Some(dump) = dump::recognise(text)
        && dump.shape != dump::DumpShape::Claims
    {
        let document = ClaimsDocument::from_dump(dump, "the text".to_owned(), now, leeway);
        found.push(Found {
            line: 0,
            document: decide::check_document(
                CheckSubject::Claims(document),
                rules,
                SignatureRole::NotRequired,
                now,
            ),
        });
    }
    found
}

fn describe_tokens(found: &[Found], with_rules: bool) -> String {
    if found.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "\nTokens in the text: {} (decoded, signatures not verified)\n",
        found.len()
    );
    for token in found {
        let at = if token.line > 0 {
            format!("line {}", token.line)
        } else {
            "claims printed in the text (SIMULATED)".to_owned()
        };
        let claims = token.document.claims();
        let claim = |name: &str| {
            claims
                .and_then(|c| c.get(name))
                .map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .unwrap_or_else(|| "-".to_owned())
        };
        out.push_str(&format!(
            "  {at}: iss {}  sub {}  aud {}\n",
            escape_controls(&claim("iss")),
            escape_controls(&claim("sub")),
            escape_controls(&claim("aud"))
        ));
        if with_rules {
            for verdict in &token.document.verdicts {
                out.push_str(&format!(
                    "    {} {} {} {}\n",
                    verdict.outcome.glyph(),
                    verdict.outcome.word(),
                    verdict.rule.kind.name(),
                    escape_controls(&verdict.rule.name)
                ));
            }
        }
    }
    out
}
