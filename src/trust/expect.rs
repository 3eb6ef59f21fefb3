//! Ad hoc expectations from the command line: `--expect CLAIM=VALUE` and `--expect 'CLAIM~GLOB'`,
//! evaluated together as one rule of kind `expect`.
//!
//! Public face: [`parse_expectation`] → [`Expectation`]; [`expect_rule`] → [`ExpectRule`] (a
//! [`Rule`]).
//!
//! Syntax (documented for users in `--help` by the CLI):
//! - `CLAIM` is a top-level claim name, or an RFC 6901 JSON pointer when it starts with `/`
//!   (`/kubernetes.io/namespace=payments`, `/groups/0=admins`). In a pointer `~0` and `~1` are
//!   the escapes for `~` and `/`, so the operator is the first `=`, or the first `~` that is not
//!   followed by `0` or `1`. To glob a value starting with `0`/`1` on a pointer, start the glob
//!   with `*`.
//! - `=` compares exactly, case-sensitively. `~` matches a glob: `*` any run of characters
//!   (including none, `/` and `:`), `?` exactly one character, anchored at both ends,
//!   case-sensitive, no escapes — the same conventions as the tool's other string matching.
//! - Non-string claims: a number or boolean matches when its JSON text (`42`, `true`) matches, and
//!   the check says it compared the text. A list (e.g. an array `aud`) passes when ANY element
//!   passes, which is how audience lists are checked by AWS, Vault and Kubernetes. An object or
//!   `null` never matches; point inside an object with a JSON pointer. An absent claim fails.

use serde_json::Value;

use super::wildcard::star_question;
use super::{Check, Outcome, Rule, RuleId, RuleKind, RuleLint, Verdict, hints};
use crate::token::Claims;
use crate::token::lint::Severity;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matcher {
    Exact(String),
    Glob(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// As the user typed it; used as the check's condition.
    pub spec: String,
    /// A claim name, or a JSON pointer when it starts with `/`.
    pub claim: String,
    pub matcher: Matcher,
}

pub fn parse_expectation(spec: &str) -> Result<Expectation, String> {
    let is_pointer = spec.starts_with('/');
    let operator_at = spec.char_indices().find(|&(i, c)| match c {
        '=' => true,
        '~' => !(is_pointer && matches!(spec.as_bytes().get(i + 1), Some(b'0' | b'1'))),
        _ => false,
    });
    let Some((at, operator)) = operator_at else {
        return Err(format!(
            "--expect {spec:?}: expected CLAIM=VALUE (exact) or CLAIM~GLOB (glob, * and ?)"
        ));
    };
    let (claim, value) = (&spec[..at], &spec[at + 1..]);
    if claim.is_empty() {
        return Err(format!(
            "--expect {spec:?}: the claim name before '{operator}' is empty"
        ));
    }
    let matcher = if operator == '=' {
        Matcher::Exact(value.to_owned())
    } else {
        Matcher::Glob(value.to_owned())
    };
    Ok(Expectation {
        spec: spec.to_owned(),
        claim: claim.to_owned(),
        matcher,
    })
}

/// All expectations, evaluated together: allowed when every one holds.
pub struct ExpectRule {
    id: RuleId,
    expectations: Vec<Expectation>,
}

pub fn expect_rule(expectations: &[Expectation]) -> ExpectRule {
    ExpectRule {
        id: RuleId {
            kind: RuleKind::Expect,
            file: None,
            name: "--expect".to_owned(),
        },
        expectations: expectations.to_vec(),
    }
}

impl Expectation {
    fn lookup<'a>(&self, claims: &'a Claims) -> Option<&'a Value> {
        if self.claim.starts_with('/') {
            let (first, rest) = split_pointer(&self.claim);
            claims.get(&first).and_then(|v| v.pointer(rest))
        } else {
            claims.get(&self.claim)
        }
    }

    fn matches_text(&self, text: &str) -> bool {
        match &self.matcher {
            Matcher::Exact(want) => want == text,
            Matcher::Glob(pattern) => star_question(pattern, text),
        }
    }

    fn expected(&self) -> &str {
        match &self.matcher {
            Matcher::Exact(v) | Matcher::Glob(v) => v,
        }
    }

    fn check(&self, claims: &Claims) -> Check {
        let expected = vec![Value::String(self.expected().to_owned())];
        let Some(actual) = self.lookup(claims) else {
            let note = self
                .claim
                .starts_with('/')
                .then_some("JSON pointer: nothing at this path (or the path is invalid)");
            return Check::absent(&self.spec, expected).with_note_if(note);
        };
        let (passed, note) = match actual {
            Value::String(s) => (self.matches_text(s), None),
            Value::Number(_) | Value::Bool(_) => (
                self.matches_text(&actual.to_string()),
                Some("the claim is not a string; its JSON text was compared"),
            ),
            Value::Array(items) => (
                items.iter().any(|item| match item {
                    Value::String(s) => self.matches_text(s),
                    Value::Number(_) | Value::Bool(_) => self.matches_text(&item.to_string()),
                    _ => false,
                }),
                Some("the claim is a list: it passes when any element matches"),
            ),
            Value::Object(_) | Value::Null => (
                false,
                Some("an object or null never matches; point inside an object with /claim/key"),
            ),
        };
        let mut check = Check::passed_if(passed, &self.spec, expected, actual.clone());
        if !passed && let (Matcher::Exact(want), Value::String(have)) = (&self.matcher, actual) {
            check = check.with_hints(hints::string_mismatch_hints(want, have));
        }
        check.with_note_if(note)
    }
}

/// Splits `/a~1b/c` into the unescaped top-level claim name `a/b` and the rest pointer `/c`, so
/// the lookup works on the claims map without copying it into a `Value`.
fn split_pointer(pointer: &str) -> (String, &str) {
    let body = &pointer[1..];
    let end = body.find('/').unwrap_or(body.len());
    let first = body[..end].replace("~1", "/").replace("~0", "~");
    (first, &body[end..])
}

impl Rule for ExpectRule {
    fn id(&self) -> &RuleId {
        &self.id
    }

    fn evaluate(&self, claims: &Claims, _now: i64) -> Verdict {
        let checks: Vec<Check> = self.expectations.iter().map(|e| e.check(claims)).collect();
        let failed = checks.iter().filter(|c| !c.passed).count();
        let (outcome, summary) = match checks.iter().find(|c| !c.passed) {
            None => (
                Outcome::Allowed,
                format!("all {} expectation(s) hold", checks.len()),
            ),
            Some(first) => (
                Outcome::Denied,
                format!(
                    "{failed} of {} expectation(s) do not hold; first: {}",
                    checks.len(),
                    first.condition
                ),
            ),
        };
        Verdict::of(self, outcome, summary, checks, Vec::new())
    }

    fn lints(&self) -> Vec<RuleLint> {
        self.expectations
            .iter()
            .filter(|e| matches!(&e.matcher, Matcher::Glob(g) if g.chars().all(|c| c == '*')))
            .map(|e| {
                RuleLint::new(
                    "expect-glob-matches-anything",
                    Severity::Info,
                    format!("{}: this glob matches any value, so it only checks that the claim is present", e.spec),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims() -> Claims {
        // Shapes from docs/SEMANTICS.md §6 (GitHub/GitLab/Gitpod) and a Kubernetes projected token
        // (docs/SEMANTICS.md §5: nested `kubernetes.io` object).
        json!({
            "iss": "https://token.actions.githubusercontent.com",
            "sub": "repo:acme/app:environment:prod",
            "aud": ["https://api.gitpod.io/idp", "sts.amazonaws.com"],
            "runner_id": 1,
            "ref_protected": "true",
            "email_verified": true,
            "kubernetes.io": {"namespace": "payments", "serviceaccount": {"name": "deploy"}},
            "a/b": "slash",
            "groups": ["admins", "dev"],
            "nothing": null
        })
        .as_object()
        .unwrap()
        .clone()
    }

    fn verdict(specs: &[&str]) -> Verdict {
        let parsed: Vec<Expectation> = specs
            .iter()
            .map(|s| parse_expectation(s).unwrap())
            .collect();
        expect_rule(&parsed).evaluate(&claims(), 0)
    }

    #[test]
    fn parsing() {
        // Syntax documented at the top of this file.
        let exact = parse_expectation("aud=sts.amazonaws.com").unwrap();
        assert_eq!(exact.claim, "aud");
        assert_eq!(exact.matcher, Matcher::Exact("sts.amazonaws.com".into()));
        let glob = parse_expectation("sub~repo:acme/*").unwrap();
        assert_eq!(glob.matcher, Matcher::Glob("repo:acme/*".into()));
        // The value may itself contain = and ~.
        let value_ops = parse_expectation("x=a=b~c").unwrap();
        assert_eq!(value_ops.matcher, Matcher::Exact("a=b~c".into()));
        // Pointer escapes are not operators.
        let escaped = parse_expectation("/a~1b~0c~x*").unwrap();
        assert_eq!(escaped.claim, "/a~1b~0c");
        assert_eq!(escaped.matcher, Matcher::Glob("x*".into()));
        // Outside a pointer, `~1` is the glob operator followed by a value.
        let plain = parse_expectation("run_number~1*").unwrap();
        assert_eq!(plain.claim, "run_number");
        assert!(
            parse_expectation("aud")
                .unwrap_err()
                .contains("CLAIM=VALUE")
        );
        assert!(parse_expectation("=x").unwrap_err().contains("empty"));
        assert!(parse_expectation("~x").is_err());
    }

    #[test]
    fn evaluation_table() {
        // (spec, passes) — semantics as documented at the top of this file.
        let rows: &[(&str, bool)] = &[
            ("sub=repo:acme/app:environment:prod", true),
            ("sub=repo:Acme/app:environment:prod", false),
            ("sub~repo:acme/*", true),
            ("sub~repo:acme/app:ref:*", false),
            ("sub~repo:acme/ap?:environment:prod", true),
            ("sub~repo:acme/a?:environment:prod", false),
            ("sub~repo:acme/app", false),    // anchored
            ("aud=sts.amazonaws.com", true), // any element of a list
            ("aud=https://api.gitpod.io/idp", true),
            ("aud=other", false),
            ("runner_id=1", true), // number compared by its JSON text
            ("email_verified=true", true),
            ("ref_protected=true", true),
            ("/kubernetes.io/namespace=payments", true),
            ("/kubernetes.io/serviceaccount/name~dep*", true),
            ("/kubernetes.io/namespace=default", false),
            ("/kubernetes.io/missing=x", false),
            ("/groups/1=dev", true),   // array index
            ("/groups/01=dev", false), // RFC 6901: leading zeros are invalid
            ("/a~1b=slash", true),
            ("kubernetes.io~*", false), // objects never match
            ("nothing~*", false),       // null never matches
            ("absent=x", false),
            ("absent~*", false),
        ];
        for &(spec, want) in rows {
            let v = verdict(&[spec]);
            assert_eq!(v.checks[0].passed, want, "{spec}");
            assert_eq!(
                v.outcome,
                if want {
                    Outcome::Allowed
                } else {
                    Outcome::Denied
                },
                "{spec}"
            );
        }
    }

    #[test]
    fn absent_and_hints() {
        let v = verdict(&["sub=repo:Acme/app:environment:prod", "absent=x"]);
        assert_eq!(v.rule.kind, RuleKind::Expect);
        assert_eq!(v.outcome, Outcome::Denied);
        assert!(v.summary.starts_with("2 of 2 expectation(s) do not hold"));
        assert_eq!(v.checks[0].hints[0].code, "case-only-difference");
        assert!(v.checks[1].absent);
        assert_eq!(v.checks[1].actual, None);
        let all = verdict(&["sub~*", "iss=https://token.actions.githubusercontent.com"]);
        assert_eq!(all.outcome, Outcome::Allowed);
        assert_eq!(all.summary, "all 2 expectation(s) hold");
        assert_eq!(all.lints[0].code, "expect-glob-matches-anything");
    }
}
