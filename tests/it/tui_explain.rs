//! The view's Explain panel: a pasted error message (or a whole CI log) is explained with the
//! text `claimcheck explain` prints, the tokens printed in it are added, and W goes to the
//! verdict the error matches. Screens are snapshotted at 40×10, 80×24 and 120×40.

use crate::tui_support as support;

use claimcheck::tui::model::{Model, Pane, RuleFileState};
use claimcheck::tui::update::{Msg, update};
use crossterm::event::KeyCode;
use support::*;

const ACCESS_DENIED: &str = "Error: Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity";

/// A CI log as a bracketed paste delivers it (every newline a carriage return), printing the
/// demo environment token on line 21 and failing on its last line.
fn pasted_log(lines: usize) -> String {
    let token = claimcheck::demo::template("github-environment")
        .unwrap()
        .mint(NOW);
    let mut log = String::new();
    for i in 1..=lines {
        let line = match i {
            10 => "  role-to-assume: arn:aws:iam::111122223333:role/deploy-prod-role".to_owned(),
            21 => format!("OIDC token: {token}"),
            n if n == lines => format!("##[error]{ACCESS_DENIED}"),
            n => format!("2026-01-02T03:04:05.1234567Z \u{1b}[36mbuild step {n}\u{1b}[0m"),
        };
        log.push_str(&line);
        log.push('\r');
    }
    log
}

fn model_with_rules() -> Model {
    let mut model = empty_model();
    model.rule_files = vec![rule_file(
        "rules/aws-deploy.json",
        vec![aws_environment_role(), aws_branch_only_role()],
        RuleFileState::Loaded,
    )];
    model
}

fn log_pasted() -> Model {
    let mut model = model_with_rules();
    update(&mut model, Msg::Paste(pasted_log(2000)));
    model.notice = None;
    model
}

fn error_alone() -> Model {
    let mut model = empty_model();
    update(&mut model, Msg::Paste(ACCESS_DENIED.to_owned()));
    model.notice = None;
    model
}

#[test]
fn a_pasted_log_adds_its_token_and_opens_the_panel() {
    let model = log_pasted();
    assert!(model.input.is_none(), "the paste prompt gives way");
    assert_eq!(model.tokens.len(), 1);
    assert_eq!(model.tokens[0].source, "paste: line 21");
    let state = model.explain.as_ref().unwrap();
    assert!(state.open);
    assert_eq!(state.explanation.findings.len(), 1);
    assert_eq!(state.explanation.findings[0].id, "aws.access_denied");
    assert_eq!(state.explanation.findings[0].line, 2000);
    let lines = claimcheck::tui::explain::lines(&model);
    // The role named in the log picks its rule's verdict, which refuses the token.
    assert!(
        lines.iter().any(|l| l.contains(
            "verdict for the token on line 21: ✗ denied aws deploy-prod-role (rules/aws-deploy.json)"
        )),
        "{lines:#?}"
    );
    // The same text as the command prints for the same input and verdict.
    let explanation =
        claimcheck::explain::explain(&pasted_log(2000), &claimcheck::explain::Limits::default());
    let links: Vec<_> = claimcheck::tui::explain::links(&model)
        .into_iter()
        .map(|l| l.map(|(_, _, link)| link))
        .collect();
    assert_eq!(
        lines,
        claimcheck::explain::render_with(&explanation, &links)
    );
}

#[test]
fn w_hides_and_shows_and_capital_w_goes_to_the_verdict() {
    let mut model = log_pasted();
    update(&mut model, ch('w'));
    assert!(!model.explain.as_ref().unwrap().open);
    update(&mut model, ch('w'));
    assert!(model.explain.as_ref().unwrap().open);
    update(&mut model, ch('W'));
    assert_eq!(model.selected, 0);
    let (_, verdict) = model.selected_verdict().unwrap();
    assert_eq!(verdict.rule.name, "deploy-prod-role");
    assert!(model.why_open);
    assert_eq!(model.focus, Pane::Rules);
    // Esc closes the why panel first, then the Explain panel.
    update(&mut model, key(KeyCode::Esc));
    assert!(!model.why_open);
    update(&mut model, key(KeyCode::Esc));
    assert!(!model.explain.as_ref().unwrap().open);
}

#[test]
fn capital_w_without_a_token_says_why() {
    let mut model = error_alone();
    update(&mut model, ch('W'));
    let notice = model.notice.as_ref().unwrap();
    assert!(notice.text.contains("no token yet"), "{}", notice.text);
}

#[test]
fn a_plain_token_paste_is_unchanged() {
    let mut model = model_with_rules();
    let token = claimcheck::demo::template("github-branch")
        .unwrap()
        .mint(NOW);
    update(&mut model, Msg::Paste(token));
    assert_eq!(model.tokens.len(), 1);
    assert_eq!(model.tokens[0].source, "paste");
    assert!(model.explain.is_none());
}

#[test]
fn the_panel_scrolls_within_its_text() {
    let mut model = log_pasted();
    for _ in 0..100 {
        update(&mut model, ch('}'));
    }
    let total = claimcheck::tui::explain::lines(&model).len();
    assert_eq!(model.explain.as_ref().unwrap().scroll as usize, total - 1);
    update(&mut model, ch('{'));
    assert_eq!(model.explain.as_ref().unwrap().scroll as usize, total - 4);
}

/// The wheel scrolls what is under the pointer: over the panel, the panel, not the focused pane.
#[test]
fn the_wheel_over_the_panel_scrolls_it() {
    use crossterm::event::{KeyModifiers, MouseEvent, MouseEventKind};
    let mut model = log_pasted();
    update(&mut model, Msg::Resize(120, 40));
    let (focus, cursor) = (model.focus, model.claim_cursor);
    let wheel = |kind| {
        Msg::Mouse(MouseEvent {
            kind,
            // The bottom rows of a 120×40 screen hold the panel, under the panes.
            column: 10,
            row: 36,
            modifiers: KeyModifiers::NONE,
        })
    };
    update(&mut model, wheel(MouseEventKind::ScrollDown));
    update(&mut model, wheel(MouseEventKind::ScrollDown));
    assert_eq!(model.explain.as_ref().unwrap().scroll, 2);
    assert_eq!((model.focus, model.claim_cursor), (focus, cursor));
    update(&mut model, wheel(MouseEventKind::ScrollUp));
    assert_eq!(model.explain.as_ref().unwrap().scroll, 1);
}

#[test]
fn screens() {
    for (width, height) in [(40, 10), (80, 24), (120, 40)] {
        let mut model = log_pasted();
        let terminal = draw(&mut model, width, height);
        insta::assert_snapshot!(format!("log_pasted_{width}x{height}"), terminal.backend());
        let mut model = error_alone();
        let terminal = draw(&mut model, width, height);
        insta::assert_snapshot!(format!("error_alone_{width}x{height}"), terminal.backend());
    }
}

/// A Vault rule file loaded as the view's engine loads it.
fn model_with_vault_role() -> Model {
    let rules = claimcheck::app::rules::load(
        &["vault:assets/demo/rules/vault-role-deploy.json".to_owned()],
        None,
    )
    .unwrap();
    let mut model = empty_model();
    model.rule_files = vec![claimcheck::tui::model::RuleFile {
        path: "assets/demo/rules/vault-role-deploy.json".into(),
        rules: rules.into_iter().map(std::sync::Arc::from).collect(),
        state: RuleFileState::Loaded,
        joins_policies: false,
    }];
    model
}

fn alg_check_failed(model: &Model) -> Option<bool> {
    let (_, verdict) = model.current()?.verdicts.first()?;
    verdict
        .checks
        .iter()
        .find(|c| c.condition.contains("alg"))
        .map(|c| !c.passed)
}

/// A decoded dump pasted into the view is a SIMULATED entry, as `check` takes it: its header
/// reaches Vault's alg check, and claims without a header skip that step.
#[test]
fn a_pasted_dump_is_a_simulated_entry_with_its_header() {
    let claims = claimcheck::demo::template("gitlab").unwrap().claims_at(NOW);
    let mut model = model_with_vault_role();
    let jwt_cli = serde_json::json!({"header": {"alg": "HS256", "typ": "JWT"}, "payload": claims});
    update(&mut model, Msg::Paste(jwt_cli.to_string()));
    assert_eq!(
        model.tokens.len(),
        1,
        "{:?}",
        model.notice.as_ref().map(|n| &n.text)
    );
    let entry = model.current().unwrap();
    assert_eq!(entry.simulated.as_ref(), Some(&claims));
    assert!(
        entry
            .source
            .contains("`jwt decode --json` (jwt-cli) output"),
        "{}",
        entry.source
    );
    assert_eq!(entry.token.header()["alg"], "HS256");
    assert_eq!(alg_check_failed(&model), Some(true));

    let mut model = model_with_vault_role();
    update(
        &mut model,
        Msg::Paste(serde_json::Value::Object(claims).to_string()),
    );
    assert_eq!(model.tokens.len(), 1);
    assert_ne!(
        alg_check_failed(&model),
        Some(true),
        "no header, no alg refusal"
    );
}

#[test]
fn a_pasted_gitpod_dump_screen() {
    let mut model = empty_model();
    model.rule_files = vec![rule_file(
        "rules/aws-deploy.json",
        vec![aws_environment_role()],
        RuleFileState::Loaded,
    )];
    let dump = serde_json::json!({
        "Claims": {"aud": ["sts.amazonaws.com"], "iss": "https://api.gitpod.io/idp", "sub": "https://github.com/acme/app/pull/1", "exp": NOW + 600},
        "Header": [{"KeyID": "k1", "JSONWebKey": null, "Algorithm": "RS256", "Nonce": "", "ExtraHeaders": {}}]
    });
    update(&mut model, Msg::Paste(dump.to_string()));
    model.notice = None;
    let terminal = draw(&mut model, 120, 40);
    insta::assert_snapshot!("gitpod_dump_120x40", terminal.backend());
}
