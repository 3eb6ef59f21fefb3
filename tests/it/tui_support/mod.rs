//! Shared by the TUI tests: a frozen clock, models built from the bundled demo tokens, and a
//! small test-only rule that really evaluates claims (string equality per claim, with the
//! generic mismatch hints) so the rules pane and why panel show genuine verdicts. The real
//! evaluators live in `trust`; this one only stands in for them here.
#![allow(dead_code)]

pub mod corpus;

use std::path::PathBuf;
use std::sync::Arc;

use claimcheck::report::{SignatureReport, SignatureStatus};
use claimcheck::token::{Claims, FoundVia, Limits, parse_compact};
use claimcheck::trust::hints::string_mismatch_hints;
use claimcheck::trust::{Check, Hint, Outcome, Rule, RuleId, RuleKind, RuleLint, Verdict};
use claimcheck::tui::keymap::Keymap;
use claimcheck::tui::model::{Model, RuleFile, RuleFileState};
use claimcheck::tui::theme::{Theme, ThemeName};
use claimcheck::tui::update::{Msg, add_token, reevaluate, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};

/// 2027-01-15T08:00:00Z: every test runs at this instant.
pub const NOW: i64 = 1_800_000_000;

/// Every claim must equal one of the expected strings (StringEquals-like). Claims named in
/// `issuer` gate applicability: a token from another issuer is "not applicable".
pub struct EqualsRule {
    pub id: RuleId,
    pub issuer: Option<String>,
    pub conditions: Vec<(&'static str, Vec<&'static str>)>,
    pub extra_hint: Option<(&'static str, &'static str)>,
    /// A note attached to the check of this claim.
    pub note: Option<(&'static str, &'static str)>,
}

impl Rule for EqualsRule {
    fn id(&self) -> &RuleId {
        &self.id
    }

    fn evaluate(&self, claims: &Claims, _now: i64) -> Verdict {
        if let Some(issuer) = &self.issuer
            && claims.get("iss").and_then(Value::as_str) != Some(issuer)
        {
            return Verdict {
                rule: self.id.clone(),
                outcome: Outcome::NotApplicable,
                summary: format!("the rule trusts {issuer}, not this token's issuer"),
                checks: vec![],
                lints: vec![],
                unverified: vec![],
            };
        }
        let checks: Vec<Check> = self
            .conditions
            .iter()
            .map(|(claim, expected)| {
                let actual = claims.get(*claim).cloned();
                let text = actual.as_ref().and_then(Value::as_str);
                let passed = text.is_some_and(|t| expected.contains(&t));
                let mut hints = match (passed, text, expected.as_slice()) {
                    (false, Some(actual), [one]) => string_mismatch_hints(one, actual),
                    _ => vec![],
                };
                if !passed && let Some((code, message)) = self.extra_hint {
                    hints.push(Hint::new(code, message));
                }
                let check = Check::passed_if(
                    passed,
                    format!("StringEquals token.actions.githubusercontent.com:{claim}"),
                    expected.iter().map(|e| json!(e)).collect(),
                    actual,
                )
                .with_hints(hints);
                match self.note {
                    Some((on, note)) if on == *claim => check.with_note(note),
                    _ => check,
                }
            })
            .collect();
        let denied = checks.iter().any(|c| !c.passed);
        Verdict {
            rule: self.id.clone(),
            outcome: if denied {
                Outcome::Denied
            } else {
                Outcome::Allowed
            },
            summary: if denied {
                "Not authorized to perform sts:AssumeRoleWithWebIdentity: a condition does not hold"
                    .into()
            } else {
                "every condition holds; AssumeRoleWithWebIdentity would succeed".into()
            },
            checks,
            lints: self.lints(),
            unverified: vec![],
        }
    }

    fn lints(&self) -> Vec<RuleLint> {
        vec![]
    }
}

pub fn rule_id(kind: RuleKind, file: &str, name: &str) -> RuleId {
    RuleId {
        kind,
        file: Some(file.to_owned()),
        name: name.to_owned(),
    }
}

/// The AWS role that the GitHub environment token fails: it expects a branch subject.
pub fn aws_branch_only_role() -> EqualsRule {
    EqualsRule {
        id: rule_id(RuleKind::Aws, "rules/aws-deploy.json", "deploy-prod-role"),
        issuer: Some("https://token.actions.githubusercontent.com".into()),
        conditions: vec![
            ("aud", vec!["sts.amazonaws.com"]),
            ("sub", vec!["repo:acme/app:ref:refs/heads/main"]),
            ("repository_owner", vec!["acme"]),
        ],
        extra_hint: Some((
            "github-environment-subject",
            "this job uses environment `prod`, so `sub` ends in `:environment:prod`, not `:ref:refs/heads/main`",
        )),
        note: Some((
            "sub",
            "StringEquals compares case-sensitively and without wildcards",
        )),
    }
}

pub fn aws_environment_role() -> EqualsRule {
    EqualsRule {
        id: rule_id(RuleKind::Aws, "rules/aws-deploy.json", "deploy-env-role"),
        issuer: Some("https://token.actions.githubusercontent.com".into()),
        conditions: vec![
            ("aud", vec!["sts.amazonaws.com"]),
            ("sub", vec!["repo:acme/app:environment:prod"]),
        ],
        extra_hint: None,
        note: None,
    }
}

pub fn gitlab_role() -> EqualsRule {
    EqualsRule {
        id: rule_id(RuleKind::Vault, "rules/vault-gitlab.json", "gitlab-ci"),
        issuer: Some("https://gitlab.com".into()),
        conditions: vec![("project_path", vec!["acme/app"])],
        extra_hint: None,
        note: None,
    }
}

pub fn rule_file(path: &str, rules: Vec<EqualsRule>, state: RuleFileState) -> RuleFile {
    RuleFile {
        path: PathBuf::from(path),
        rules: rules
            .into_iter()
            .map(|r| Arc::new(r) as Arc<dyn Rule>)
            .collect(),
        state,
        joins_policies: false,
    }
}

pub fn empty_model() -> Model {
    Model::new(NOW, Keymap::default(), Theme::new(ThemeName::Dark, false))
}

pub fn verified() -> SignatureReport {
    SignatureReport {
        status: SignatureStatus::Verified,
        ..SignatureReport::not_checked(
            "RS256 with key claimcheck-demo-rsa-1 from the bundled demo JWKS (test-only)",
        )
    }
}

/// A model holding the bundled demo tokens (minted at `NOW`), each reported verified.
pub fn demo_model() -> Model {
    let mut model = empty_model();
    for template in claimcheck::demo::templates() {
        let token = parse_compact(&template.mint(NOW), FoundVia::Bare, &Limits::default()).unwrap();
        add_token(&mut model, token, format!("demo:{}", template.name));
    }
    model.input = None;
    model.selected = 0;
    let ids: Vec<(u64, u64)> = model.tokens.iter().map(|e| (e.id, e.generation)).collect();
    for (entry_id, generation) in ids {
        update(
            &mut model,
            Msg::Verified {
                entry_id,
                generation,
                report: verified(),
            },
        );
    }
    model
}

/// The demo tokens with two rule files (three rules) loaded.
pub fn demo_model_with_rules() -> Model {
    let mut model = demo_model();
    model.rule_files = vec![
        rule_file(
            "rules/aws-deploy.json",
            vec![aws_branch_only_role(), aws_environment_role()],
            RuleFileState::Loaded,
        ),
        rule_file(
            "rules/vault-gitlab.json",
            vec![gitlab_role()],
            RuleFileState::Loaded,
        ),
    ];
    reevaluate(&mut model);
    model
}

pub fn key(code: crossterm::event::KeyCode) -> Msg {
    Msg::Key(crossterm::event::KeyEvent::new(
        code,
        crossterm::event::KeyModifiers::NONE,
    ))
}

pub fn ch(c: char) -> Msg {
    key(crossterm::event::KeyCode::Char(c))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char(c),
        crossterm::event::KeyModifiers::CONTROL,
    ))
}

/// Sends messages in order, ignoring the commands.
pub fn send(model: &mut Model, msgs: impl IntoIterator<Item = Msg>) {
    for msg in msgs {
        update(model, msg);
    }
}

/// Draws the model at `width`×`height` (also telling the model its size, as a resize would).
pub fn draw(model: &mut Model, width: u16, height: u16) -> Terminal<TestBackend> {
    update(model, Msg::Resize(width, height));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| claimcheck::tui::view::view(model, frame))
        .unwrap();
    terminal
}

/// A JWE (five segments) with a readable header.
pub fn jwe() -> String {
    use base64::Engine;
    let b64 = |t: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(t);
    format!(
        "{}..{}.{}.{}",
        b64(r#"{"alg":"dir","enc":"A256GCM","kid":"enc-key-1","cty":"JWT"}"#),
        b64("iv-bytes-here"),
        b64("ciphertext"),
        b64("tag")
    )
}
