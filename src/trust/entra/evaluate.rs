//! Matching one federated credential against a token (docs/SEMANTICS.md §3). Entra's documented checks:
//! issuer, then subject (classic) or the claims expression (flexible), then audience — all exact
//! and case-sensitive. The AADSTS texts are the ones users have reported (docs/SEMANTICS.md §3.1 (observed)).

use serde_json::{Value, json};

use super::credential::Matching;
use super::expression::{Expression, Operator};
use super::{DEFAULT_AUDIENCE, EntraCredential, issuers};
use crate::token::Claims;
use crate::trust::strings::strings_in;
use crate::trust::verdict::Steps;
use crate::trust::{Check, Hint, Outcome, Reads, Verdict, hints};

const CHECK_AGAINST: &str = "Check your federated identity credential Subject, Audience and Issuer against the presented assertion.";

pub fn evaluate(rule: &EntraCredential, claims: &Claims, now: i64) -> Verdict {
    let credential = rule.credential();
    let error =
        |summary: String| Verdict::of(rule, Outcome::Error, summary, Vec::new(), Vec::new());
    if !credential.write_errors.is_empty() {
        return error(format!(
            "Entra would refuse to store this credential: {}",
            credential.write_errors.join("; ")
        ));
    }
    let mut steps = Steps::new(Vec::new());
    match &credential.matching {
        Matching::Subject(subject) => {
            issuer(&credential.issuer, claims, &mut steps);
            classic_subject(subject, claims, &mut steps);
        }
        Matching::Expression(Err(syntax)) => return error(syntax.to_string()),
        Matching::Expression(Ok(expression)) => {
            if let Some(message) = &rule.unusable {
                return error(message.clone());
            }
            steps
                .unverified
                .push("flexible federated identity credentials are a preview feature; their matching is documented only by examples".to_owned());
            issuer(&credential.issuer, claims, &mut steps);
            flexible(expression, claims, &mut steps);
        }
    }
    audience(&credential.audiences[0], claims, &mut steps);
    lifetime(claims, now, &mut steps);
    let alternatives = if rule.credentials_in_file > 1 {
        format!(
            " (the application still accepts the token if another of its {} credentials matches)",
            rule.credentials_in_file
        )
    } else {
        String::new()
    };
    let (outcome, summary) = match steps.first_failure {
        Some(message) => (Outcome::Denied, format!("{message}{alternatives}")),
        None => (
            Outcome::Allowed,
            format!(
                "Entra accepts this token with federated credential {}",
                credential.name
            ),
        ),
    };
    Verdict::of(rule, outcome, summary, steps.checks, steps.unverified)
}

/// Entra validates the assertion's lifetime once it has found the credential the issuer, subject
/// and audience select (it needs that record to know whose token it is); a token outside it gets
/// AADSTS700024 (the message azure/login users report: "Client assertion is not
/// within its valid time range"). Entra does not document a clock-skew allowance for assertions,
/// so none is given: claimcheck would rather say "denied" a little early than "allowed" late.
fn lifetime(claims: &Claims, now: i64, steps: &mut Steps) {
    let exp = claims.get("exp").and_then(Value::as_f64);
    let nbf = claims.get("nbf").and_then(Value::as_f64);
    let expired = exp.is_none_or(|exp| (now as f64) >= exp);
    let early = nbf.is_some_and(|nbf| (now as f64) < nbf);
    let passed = !expired && !early;
    let actual = match (claims.get("exp"), claims.get("nbf")) {
        (Some(exp), Some(nbf)) => Some(json!(format!("exp {exp}, nbf {nbf}"))),
        (Some(exp), None) => Some(json!(format!("exp {exp}"))),
        (None, _) => None,
    };
    let mut check = Check::passed_if(
        passed,
        "assertion lifetime (nbf ≤ now < exp)",
        vec![json!(format!("a token valid at {now}"))],
        actual,
    );
    if !passed {
        check = check.with_hint(Hint::new(
            "token-time",
            if exp.is_none() {
                "the token has no exp; Entra requires an assertion with a lifetime".to_owned()
            } else if early {
                "the token is not valid yet (nbf is in the future): check the clocks".to_owned()
            } else {
                "the token has expired: fetch a fresh one right before the exchange".to_owned()
            },
        ));
        steps.unverified.push(
            "Entra's clock-skew allowance for client assertions is not documented; claimcheck allows none".to_owned(),
        );
    }
    steps.push(
        check,
        (!passed).then(|| {
            "AADSTS700024: Client assertion is not within its valid time range.".to_owned()
        }),
    );
}

fn lifetime_ok(claims: &Claims, now: i64) -> bool {
    let exp = claims.get("exp").and_then(Value::as_f64);
    let nbf = claims.get("nbf").and_then(Value::as_f64);
    exp.is_some_and(|exp| (now as f64) < exp) && nbf.is_none_or(|nbf| (now as f64) >= nbf)
}

fn string_claim<'a>(claims: &'a Claims, name: &str) -> &'a str {
    claims.get(name).and_then(Value::as_str).unwrap_or("")
}

fn issuer(expected: &str, claims: &Claims, steps: &mut Steps) {
    let iss = string_claim(claims, "iss");
    let padded = iss.trim() != iss;
    let passed = expected == iss && !padded;
    let mut check = Check::passed_if(
        passed,
        "issuer = iss (exact, case-sensitive)",
        vec![json!(expected)],
        claims.get("iss").cloned(),
    );
    if !passed {
        check = check.with_hints(hints::string_mismatch_hints(expected, iss));
    }
    if padded {
        check = check
            .with_note("Entra blocks the exchange when iss has leading or trailing whitespace");
    }
    steps.push(
        check,
        (!passed).then(|| format!(
            "AADSTS700211: No matching federated identity record found for presented assertion issuer '{iss}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion."
        )),
    );
}

fn classic_subject(expected: &str, claims: &Claims, steps: &mut Steps) {
    let sub = string_claim(claims, "sub");
    let passed = expected == sub;
    let mut hints_found = Vec::new();
    if !passed {
        hints_found = hints::string_mismatch_hints(expected, sub);
        hints_found.extend(immutable_subject(expected, sub));
        if expected.contains('*') {
            hints_found.push(Hint::new(
                "entra-wildcard-literal",
                "classic federated credentials do not support wildcards: '*' only matches a literal '*'; use a flexible credential (claims['sub'] matches '…') or one credential per subject",
            ));
        }
    }
    let failure = (!passed).then(|| {
        if expected.to_lowercase() == sub.to_lowercase() {
            format!(
                "AADSTS7002138: No matching federated identity record found for presented assertion subject '{sub}'. The subject matches with case-insensitive comparison, but not with case-sensitive comparison."
            )
        } else {
            format!(
                "AADSTS700213: No matching federated identity record found for presented assertion subject '{sub}'. {CHECK_AGAINST}"
            )
        }
    });
    steps.push(
        Check::passed_if(
            passed,
            "subject = sub (exact, case-sensitive)",
            vec![json!(expected)],
            claims.get("sub").cloned(),
        )
        .with_hints(hints_found),
        failure,
    );
}

/// GitHub immutable subjects (`repo:owner@id/repo@id:…`) never equal a name-based credential
/// subject, or the reverse; each form needs its own credential (Entra doc
/// workload-identities-github-immutable-subjects.md, docs/SEMANTICS.md §3.1 and §6).
fn immutable_subject(expected: &str, actual: &str) -> Option<Hint> {
    let repo_segment = |s: &str| {
        s.strip_prefix("repo:")
            .and_then(|rest| rest.split(':').next())
            .map(|repo| repo.contains('@'))
    };
    match (repo_segment(expected), repo_segment(actual)) {
        (Some(false), Some(true)) => Some(Hint::new(
            "github-immutable-subject",
            "the token uses GitHub's immutable subject (repo:owner@id/repo@id:…) and the credential the name-based one; add a credential with the token's exact subject",
        )),
        (Some(true), Some(false)) => Some(Hint::new(
            "github-immutable-subject",
            "the credential uses GitHub's immutable subject (repo:owner@id/repo@id:…) but the token has the name-based one; the repository has not opted in to immutable subjects, or the credential is for another repository",
        )),
        _ => None,
    }
}

/// What [`outcome`] reads (see [`crate::trust::Rule::reads`]): `iss`, `aud`, the subject or
/// the expression's claims, and `exp` and `nbf` against the instant (compared as floats, so
/// not an integer expiry).
pub fn reads(rule: &EntraCredential) -> Reads {
    let mut claims = vec!["iss", "aud", "exp", "nbf"];
    match &rule.credential().matching {
        Matching::Subject(_) => claims.push("sub"),
        Matching::Expression(Ok(expression)) => {
            claims.extend(expression.clauses.iter().map(|c| c.claim.as_str()));
        }
        Matching::Expression(Err(_)) => {}
    }
    Reads::new(claims, true)
}

/// The decision alone (see [`Rule::outcome`]): the same steps as [`evaluate`], no checks built.
pub fn outcome(rule: &EntraCredential, claims: &Claims, now: i64) -> Outcome {
    let credential = rule.credential();
    let expression_usable = match &credential.matching {
        Matching::Expression(Err(_)) => false,
        Matching::Expression(Ok(_)) => rule.unusable.is_none(),
        Matching::Subject(_) => true,
    };
    if !credential.write_errors.is_empty() || !expression_usable {
        return Outcome::Error;
    }
    let iss = string_claim(claims, "iss");
    let issuer_ok = credential.issuer == iss && iss.trim() == iss;
    let subject_ok = match &credential.matching {
        Matching::Subject(subject) => subject == string_claim(claims, "sub"),
        Matching::Expression(Ok(expression)) => expression.clauses.iter().all(|clause| {
            matches!(claims.get(&clause.claim), Some(Value::String(v)) if clause.operator.test(&clause.comparand, v))
        }),
        Matching::Expression(Err(_)) => false,
    };
    let expected = credential.audiences[0].as_str();
    let audience_ok = strings_in(claims.get("aud")).contains(&expected);
    if lifetime_ok(claims, now) && issuer_ok && subject_ok && audience_ok {
        Outcome::Allowed
    } else {
        Outcome::Denied
    }
}

/// A claim the issuer does not allow makes the credential unusable (Entra validates the
/// expression against the issuer).
pub fn claims_allowed(issuer: &str, expression: &Expression) -> Result<(), String> {
    let Some((family, allowed)) = issuers::allowed_claims(issuer) else {
        return Err(format!(
            "flexible credentials are documented only for GitHub Actions, GitLab and Terraform Cloud issuers; {issuer:?} is not one of them, so Entra cannot evaluate this claimsMatchingExpression"
        ));
    };
    match expression
        .clauses
        .iter()
        .find(|c| !allowed.contains(&c.claim.as_str()))
    {
        Some(clause) => Err(format!(
            "claims['{}'] cannot be used in a claimsMatchingExpression for {family} tokens ({issuer}); allowed: {}",
            clause.claim,
            allowed.join(", ")
        )),
        None => Ok(()),
    }
}

fn flexible(expression: &Expression, claims: &Claims, steps: &mut Steps) {
    if expression.irregular_spacing {
        steps.unverified.push("the expression uses whitespace other than single spaces between tokens; the docs show single spaces only, and whether Entra accepts other spacing is unknown".to_owned());
    }
    if expression
        .clauses
        .iter()
        .any(|c| c.operator == Operator::Matches)
    {
        steps.unverified.push("'matches' is modelled as anchored at both ends, with '*' also matching the empty string; the docs do not say".to_owned());
    }
    for clause in &expression.clauses {
        let actual = claims.get(&clause.claim);
        let passed = match actual {
            Some(Value::String(s)) => clause.operator.test(&clause.comparand, s),
            _ => false,
        };
        let mut check = Check::passed_if(
            passed,
            clause.to_string(),
            vec![json!(clause.comparand)],
            actual.cloned(),
        );
        if !passed
            && clause.operator == Operator::Eq
            && let Some(Value::String(s)) = actual
        {
            check = check.with_hints(hints::string_mismatch_hints(&clause.comparand, s));
        }
        if let Some(value) = actual.filter(|v| !v.is_string()) {
            check = check.with_note(format!(
                "the claim is not a string ({value}); treated as not matching — Entra's behaviour is not documented"
            ));
        }
        if clause.escaped_quote {
            check = check.with_note("'' was read as an escaped single quote (the docs only say single quotes are escape characters)");
            steps.unverified.push(
                "quote escaping in claimsMatchingExpression ('' as one quote) is not documented"
                    .to_owned(),
            );
        }
        let failure = (!passed).then(|| {
            format!(
                "No matching federated identity record: {clause} is false for this token (the AADSTS code Entra reports for a flexible credential mismatch is not documented)"
            )
        });
        steps.push(check, failure);
    }
}

fn audience(expected: &str, claims: &Claims, steps: &mut Steps) {
    let token_audiences = strings_in(claims.get("aud"));
    let passed = token_audiences.contains(&expected);
    let mut check = Check::passed_if(
        passed,
        "audiences ∋ aud (exact, case-sensitive)",
        vec![json!(expected)],
        claims.get("aud").cloned(),
    );
    if token_audiences.len() > 1 {
        check = check.with_note(
            "the token has several audiences; counting a match on any of them is an inference",
        );
    }
    if !passed {
        let mut found = Vec::new();
        if let [only] = token_audiences.as_slice() {
            found.extend(hints::string_mismatch_hints(expected, only));
        }
        if expected != DEFAULT_AUDIENCE {
            found.push(Hint::new(
                "entra-audience-not-default",
                format!("the credential's audience is {expected:?}, not {DEFAULT_AUDIENCE:?}, which Entra documents and azure/login requests; set the credential's audience to {DEFAULT_AUDIENCE}"),
            ));
        } else if !token_audiences.is_empty() {
            found.push(Hint::new(
                "entra-request-default-audience",
                format!("the token was minted for {}; request it with audience {DEFAULT_AUDIENCE} (azure/login does; in GitHub Actions core.getIDToken('{DEFAULT_AUDIENCE}'))", token_audiences.join(", ")),
            ));
        }
        check = check.with_hints(found);
        // Only when the verdict reports AADSTS700212: after an issuer or subject mismatch the
        // verdict quotes another code, and a note about this one would only confuse.
        if steps.first_failure.is_none() {
            steps.unverified.push(
                "the AADSTS700212 message text is inferred by analogy with AADSTS700211/700213; the code is listed by azure/login's troubleshooting, the text is not verified".to_owned(),
            );
        }
    }
    let shown = token_audiences.join(", ");
    steps.push(
        check,
        (!passed).then(|| format!(
            "AADSTS700212: No matching federated identity record found for presented assertion audience '{shown}'. {CHECK_AGAINST}"
        )),
    );
}
