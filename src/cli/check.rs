//! `claimcheck check`: read the rule files, read the input (a token, or a JSON object of claims
//! as a what-if) or fetch it (`--from`), verify it, evaluate every rule, make the one decision
//! (`report::decision`), print it. Exit status: 0 allowed, 1 a definite no, 3 could not check
//! (the rules allow but the signature was not checked, or a rule could not be evaluated).

use super::args::CheckArgs;
use super::decode::{fail, print_json};
use super::text::TextStyle;
use super::verdict_text::render_check;
use super::{exit, print_stdout};
use crate::app::{decide, keys, rules};
use crate::report::check::{CheckSubject, ClaimsDocument};
use crate::report::decision::{DecisionOutcome, SignatureRole};
use crate::report::{SignatureReport, TokenDocument};
use crate::source::read_input;
use crate::token::{DecodeError, Form, decode, dump};
use crate::trust::expect::{expect_rule, parse_expectation};

pub fn run(args: &CheckArgs) -> u8 {
    let json = args.output.json;
    let options = rules::LoadOptions {
        gcp_member: args.gcp_member.as_deref(),
        cfn_params: &args.cfn_param,
        // The key options' --timeout bounds a live read's CLI as it bounds a token command.
        timeout: args.keys.timeout,
    };
    let mut rules = match rules::load_with(&args.rules, &options) {
        Ok(rules) => rules,
        Err(error) => return fail(json, error.kind(), &error.to_string()),
    };
    if !args.expect.is_empty() {
        let expectations: Result<Vec<_>, String> = args
            .expect
            .iter()
            .map(|spec| parse_expectation(spec))
            .collect();
        match expectations {
            Ok(expectations) => rules.push(Box::new(expect_rule(&expectations))),
            Err(message) => return fail(json, "usage", &format!("--expect: {message}")),
        }
    }
    if rules.is_empty() {
        return fail(
            json,
            "no_rules",
            "no rules given: name a rule file with --rules [KIND:]FILE (e.g. an IAM trust policy) or an --expect CLAIM=VALUE",
        );
    }
    let limits = args.limits.limits();
    let (decoded, text, source) = match &args.source.from {
        Some(_) if args.input.is_some() => {
            return fail(
                json,
                "usage",
                "give either INPUT or --from SOURCE, not both",
            );
        }
        Some(_) => {
            let timeout = args.keys.timeout.unwrap_or(crate::source::DEFAULT_TIMEOUT);
            match super::fetch::fetch_from(&args.source, timeout, limits) {
                Ok(fetched) => {
                    super::fetch::print_side_info(&fetched);
                    (Ok(fetched.token), String::new(), fetched.source)
                }
                Err(error) => return super::fetch::report_error(json, &error),
            }
        }
        None if args.source.any_option() => {
            return fail(
                json,
                "usage",
                "--audience, --env and --path need --from SOURCE",
            );
        }
        None => match read_input(args.input.as_deref(), limits.max_token_bytes) {
            Ok(input) => (
                decode(&input.text, &limits),
                input.text,
                input.origin.to_string(),
            ),
            Err(error) => return fail(json, error.kind(), &error.to_string()),
        },
    };
    let now = args.time.now();
    let subject = match decoded {
        Ok(token) if token.form() == Form::Encrypted => {
            return fail(
                json,
                "encrypted",
                "the token is encrypted (JWE): its claims cannot be read, so no rule can be evaluated",
            );
        }
        Ok(token) => {
            let mut document = TokenDocument::new(&token, source, now, args.time.leeway);
            document.signature = if args.no_verify {
                SignatureReport::not_checked(
                    "--no-verify: the rules were evaluated against the claims as given",
                )
            } else {
                // Unsigned (alg none) tokens go through the verifier too: it fails them, as
                // every system would.
                match keys::verify_signature(&token, &args.keys) {
                    Ok(signature) => signature,
                    Err(error) => return fail(json, error.kind(), &error.to_string()),
                }
            };
            CheckSubject::Token(document)
        }
        // A decoded dump (or a bare claims object) is evaluated as a SIMULATED what-if.
        Err(error) => match dump::recognise(&text) {
            Some(dump) => CheckSubject::Claims(ClaimsDocument::from_dump(
                dump,
                source,
                now,
                args.time.leeway,
            )),
            None if matches!(error, DecodeError::NoTokenInJson { .. }) => {
                return fail(
                    json,
                    "no_token_in_json",
                    "the JSON is neither a token response nor an object of claims",
                );
            }
            None => return fail(json, error.kind(), &error.to_string()),
        },
    };
    let role = if args.no_verify {
        SignatureRole::NotRequired
    } else {
        SignatureRole::Required
    };
    let document = decide::check_document(subject, &rules, role, now);

    if json {
        print_json(&document);
    } else {
        let style = TextStyle::for_stdout(&args.output);
        print_stdout(&render_check(&document, &style));
    }
    match document.decision.outcome {
        DecisionOutcome::Allowed => exit::SUCCESS,
        DecisionOutcome::Denied => exit::DEFINITE_NO,
        DecisionOutcome::NotChecked | DecisionOutcome::Error => exit::NOT_CHECKED,
    }
}
