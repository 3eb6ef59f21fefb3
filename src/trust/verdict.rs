//! The result of evaluating one rule against one set of claims: what was decided and every
//! check that led there. The same object feeds the CLI text, the TUI and `--json`.
//!
//! JSON schema (stable, `schema: 1`):
//! `{"rule": {"kind", "file", "name"}, "outcome": "allowed|denied|not_applicable|error",
//!   "summary": "...", "checks": [{"condition", "expected": [..], "actual": <json>|null,
//!   "absent": bool, "passed": bool, "hints": [{"code", "message"}], "note"?, "scope"?}],
//!   "lints": [{"code", "severity", "message"}], "unverified"?: [".."]}`

use serde::Serialize;
use serde_json::Value;

use crate::token::lint::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    Aws,
    Gcp,
    Entra,
    Vault,
    Kubernetes,
    Expect,
}

impl RuleKind {
    pub fn name(self) -> &'static str {
        match self {
            RuleKind::Aws => "aws",
            RuleKind::Gcp => "gcp",
            RuleKind::Entra => "entra",
            RuleKind::Vault => "vault",
            RuleKind::Kubernetes => "kubernetes",
            RuleKind::Expect => "expect",
        }
    }
}

/// Which rule a verdict is about: its kind, the file it came from, and its name within the file
/// (statement id, role name, credential name…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleId {
    pub kind: RuleKind,
    pub file: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The real evaluator would accept the token.
    Allowed,
    /// The real evaluator would refuse it; at least one check failed.
    Denied,
    /// The rule does not apply to this token (another issuer, another provider).
    NotApplicable,
    /// The rule cannot be evaluated (unsupported construct, invalid rule).
    Error,
}

impl Outcome {
    /// The glyph shown beside the word, so colour is never the only carrier of meaning.
    pub fn glyph(self) -> &'static str {
        match self {
            Outcome::Allowed => "✓",
            Outcome::Denied => "✗",
            Outcome::NotApplicable => "–",
            Outcome::Error => "!",
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Denied => "denied",
            Outcome::NotApplicable => "not applicable",
            Outcome::Error => "error",
        }
    }
}

/// A hint: a likely cause of a failed check and what to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hint {
    /// Stable identifier, e.g. `case-only-difference`.
    pub code: &'static str,
    pub message: String,
}

impl Hint {
    pub fn new(code: &'static str, message: impl Into<String>) -> Hint {
        Hint {
            code,
            message: message.into(),
        }
    }
}

/// One condition as the evaluator saw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// The condition as written in the rule, e.g. `StringLike token.actions.githubusercontent.com:sub`.
    pub condition: String,
    /// The value(s) the rule accepts, as written.
    pub expected: Vec<Value>,
    /// What the token had; `null` with `absent: true` when the claim is missing.
    pub actual: Option<Value>,
    pub absent: bool,
    pub passed: bool,
    pub hints: Vec<Hint>,
    /// Evaluator semantics worth knowing for this check (e.g. "negated operator: true when
    /// absent"), or an unverified-behaviour warning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The part of the rule the check belongs to, when a rule has several (e.g. an IAM
    /// statement: `statement 'GitHubDeploy' (Allow)`); renderers group checks by it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl Check {
    /// A condition that held. `actual` is what the token had (`None` when the condition holds
    /// without the claim, e.g. a check that only applies when a claim is present).
    pub fn passed(
        condition: impl Into<String>,
        expected: Vec<Value>,
        actual: impl Into<Option<Value>>,
    ) -> Check {
        Check::decided(true, condition, expected, actual.into())
    }

    /// A condition that did not hold. `actual` is what the token had, or `None` when there is
    /// nothing to show (the rule itself is invalid, or the evaluator raised an error).
    pub fn failed(
        condition: impl Into<String>,
        expected: Vec<Value>,
        actual: impl Into<Option<Value>>,
    ) -> Check {
        Check::decided(false, condition, expected, actual.into())
    }

    /// A condition that did not hold because the claim it reads is not in the token.
    pub fn absent(condition: impl Into<String>, expected: Vec<Value>) -> Check {
        Check::decided(false, condition, expected, None)
    }

    /// A condition whose result the evaluator computed: it passed when `held`.
    pub fn passed_if(
        held: bool,
        condition: impl Into<String>,
        expected: Vec<Value>,
        actual: impl Into<Option<Value>>,
    ) -> Check {
        Check::decided(held, condition, expected, actual.into())
    }

    fn decided(
        passed: bool,
        condition: impl Into<String>,
        expected: Vec<Value>,
        actual: Option<Value>,
    ) -> Check {
        Check {
            condition: condition.into(),
            expected,
            absent: actual.is_none(),
            actual,
            passed,
            hints: Vec::new(),
            note: None,
            scope: None,
        }
    }

    pub fn with_hint(mut self, hint: Hint) -> Check {
        self.hints.push(hint);
        self
    }

    pub fn with_hints(mut self, hints: impl IntoIterator<Item = Hint>) -> Check {
        self.hints.extend(hints);
        self
    }

    /// Sets the note, replacing any earlier one.
    pub fn with_note(mut self, note: impl Into<String>) -> Check {
        self.note = Some(note.into());
        self
    }

    /// Sets the note when there is one; keeps the check as it is otherwise.
    pub fn with_note_if(self, note: Option<impl Into<String>>) -> Check {
        match note {
            Some(note) => self.with_note(note),
            None => self,
        }
    }

    /// The part of the rule this check belongs to (e.g. an IAM statement).
    pub fn in_scope(mut self, scope: impl Into<String>) -> Check {
        self.scope = Some(scope.into());
        self
    }
}

/// Something risky or wrong about a rule itself, independent of any token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleLint {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
}

impl RuleLint {
    pub fn new(code: &'static str, severity: Severity, message: impl Into<String>) -> RuleLint {
        RuleLint {
            code,
            severity,
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub rule: RuleId,
    pub outcome: Outcome,
    /// One sentence saying why, in the evaluator's terms (e.g. Vault's own error message).
    pub summary: String,
    pub checks: Vec<Check>,
    pub lints: Vec<RuleLint>,
    /// Behaviour this verdict relies on that the reference marks unverified; shown to the user.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unverified: Vec<String>,
}

impl Verdict {
    /// A verdict on `rule`, carrying the rule's lints.
    pub fn of<R: crate::trust::Rule + ?Sized>(
        rule: &R,
        outcome: Outcome,
        summary: String,
        checks: Vec<Check>,
        unverified: Vec<String>,
    ) -> Verdict {
        Verdict {
            rule: rule.id().clone(),
            outcome,
            summary,
            checks,
            lints: rule.lints(),
            unverified,
        }
    }

    /// The verdict on a token whose payload is not a set of claims (a JWS over text or an array,
    /// RFC 7515 A.4): no system can read a claim from it, so every rule refuses it. `why` says what
    /// the payload is instead.
    pub fn without_claims<R: crate::trust::Rule + ?Sized>(rule: &R, why: &str) -> Verdict {
        let check = Check::failed(
            "claims",
            vec![Value::String("a JSON object of claims".to_owned())],
            Value::String(why.to_owned()),
        );
        Verdict::of(
            rule,
            Outcome::Denied,
            "the token has no claims: its payload is not a JSON object, so no rule can match it"
                .to_owned(),
            vec![check],
            Vec::new(),
        )
    }

    /// "k of n conditions" as shown in rule lists.
    pub fn passed_count(&self) -> (usize, usize) {
        (
            self.checks.iter().filter(|c| c.passed).count(),
            self.checks.len(),
        )
    }

    /// The first failed check, which is what the user most needs to see.
    pub fn deciding_check(&self) -> Option<&Check> {
        self.checks.iter().find(|c| !c.passed)
    }
}

/// Checks in the order the real system makes them; the first failure's message is the answer
/// it gives, later checks are still shown because they say what comes next.
pub(crate) struct Steps {
    pub checks: Vec<Check>,
    pub first_failure: Option<String>,
    pub unverified: Vec<String>,
}

impl Steps {
    pub fn new(unverified: Vec<String>) -> Steps {
        Steps {
            checks: Vec::new(),
            first_failure: None,
            unverified,
        }
    }

    pub fn push(&mut self, check: Check, failure: Option<String>) {
        if let Some(message) = failure
            && self.first_failure.is_none()
        {
            self.first_failure = Some(message);
        }
        self.checks.push(check);
    }
}
