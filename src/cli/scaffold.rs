//! `claimcheck scaffold KIND [INPUT]`: the least-privilege rule for this token.

use serde_json::{Value, json};

use super::args::{ScaffoldArgs, ScaffoldKind};
use super::decode::{fail, print_json};
use super::{exit, print_stdout};
use crate::source::read_input;
use crate::token::decode;
use crate::trust::RuleKind;
use crate::trust::scaffold::scaffold;

pub fn run(args: &ScaffoldArgs) -> u8 {
    let limits = args.limits.limits();
    let input = match read_input(args.input.as_deref(), limits.max_token_bytes) {
        Ok(input) => input,
        Err(error) => return fail(args.json, error.kind(), &error.to_string()),
    };
    let claims = match decode(&input.text, &limits) {
        Ok(token) => match token.claims() {
            Some(claims) => claims.clone(),
            None => {
                return fail(
                    args.json,
                    "encrypted",
                    "the token is encrypted (JWE): its claims cannot be read",
                );
            }
        },
        // A bare claims object or a decoded dump is as good as a token for writing a rule.
        Err(error) => match crate::token::dump::recognise(&input.text) {
            Some(dump) => dump.claims,
            None if matches!(error, crate::token::DecodeError::NoTokenInJson { .. }) => {
                return fail(
                    args.json,
                    "no_token_in_json",
                    "the JSON is neither a token nor a claims object",
                );
            }
            None => return fail(args.json, error.kind(), &error.to_string()),
        },
    };
    let kind = match args.kind {
        ScaffoldKind::Aws => RuleKind::Aws,
        ScaffoldKind::Gcp => RuleKind::Gcp,
        ScaffoldKind::Entra => RuleKind::Entra,
        ScaffoldKind::Vault => RuleKind::Vault,
        ScaffoldKind::Kubernetes => RuleKind::Kubernetes,
    };
    let scaffolded = match scaffold(kind, &claims) {
        Ok(scaffolded) => scaffolded,
        Err(error) => return fail(args.json, "cannot_scaffold", &error.to_string()),
    };
    if args.json {
        let rule = serde_json::from_str::<Value>(&scaffolded.text)
            .unwrap_or(Value::String(scaffolded.text.clone()));
        print_json(&json!({"schema": 1, "kind": kind, "rule": rule, "notes": scaffolded.notes}));
    } else {
        print_stdout(&scaffolded.text);
        // Notes quote the token's claims.
        for note in &scaffolded.notes {
            eprintln!("# {}", super::escaped_lines(note));
        }
    }
    exit::SUCCESS
}
