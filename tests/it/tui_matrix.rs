//! The TUI matrix at the `update` level: `claimcheck preview --tui` opens it on a corpus (a
//! current and a proposed AWS policy), keys move through it, Enter opens a group's token with
//! the rule's why panel, and a rule-file change recomputes it (stale results dropped, a broken
//! file keeps the last good grid). The main view's matrix key groups its loaded tokens.

use crate::tui_support as support;

use crate::tui_support::corpus;

use claimcheck::preview::corpus::Location;
use claimcheck::trust::{Outcome, RuleKind};
use claimcheck::tui::initial_model;
use claimcheck::tui::matrix::{Sample, Side, grid, is_open};
use claimcheck::tui::model::{Model, NoticeKind, Pane};
use claimcheck::tui::update::{Cmd, Msg, update};
use crossterm::event::KeyCode;
use support::*;

use corpus::{PreviewFiles, execute, launch};

/// The model `preview --tui` starts with, with its first matrix computed.
fn preview_model(files: &PreviewFiles) -> Model {
    let (mut model, initial) = initial_model(&mut launch(files.spec()));
    assert!(is_open(&model), "the matrix is the first screen");
    execute(&mut model, initial);
    model
}

fn row_keys(model: &Model) -> Vec<String> {
    grid(model)
        .unwrap()
        .rows
        .iter()
        .map(|r| r.key.clone())
        .collect()
}

#[test]
fn preview_tui_groups_the_corpus_and_compares_before_with_after() {
    let files = PreviewFiles::new("compare");
    let model = preview_model(&files);
    let state = model.matrix.as_ref().unwrap();
    assert_eq!(state.progress, None, "the computation finished");
    assert_eq!(state.error, None);
    let grid = grid(&model).unwrap();
    assert_eq!((grid.entries, grid.unsigned, grid.bad), (6, 1, 1));
    assert_eq!(grid.first_bad.as_ref().unwrap().location, Location::Line(5));
    assert!(grid.compared);
    let sides: Vec<Side> = grid.columns.iter().map(|c| c.side).collect();
    assert_eq!(sides, [Side::Before, Side::After]);
    assert_eq!(grid.columns[1].before, Some(0), "the same rule, paired");
    assert_eq!(grid.columns[0].rule.kind, RuleKind::Aws);

    assert_eq!(
        row_keys(&model),
        [
            "repo:acme/app:environment:prod",
            "repo:acme/app:pull_request",
            "repo:acme/app:ref:refs/heads/main",
            "repo:acme/tools:ref:refs/heads/main",
            "repo:other/x:ref:refs/heads/main",
        ]
    );
    let prod = &grid.rows[0];
    assert_eq!(prod.tokens, 2, "two runs of one workflow are one row");
    assert_eq!(prod.sample, Sample::Corpus(Location::Line(1)));
    assert_eq!((prod.cells[0].allowed, prod.cells[1].allowed), (2, 2));
    assert!(!grid.changed(prod, 1));
    let branch = &grid.rows[2];
    assert_eq!((branch.lost, branch.gained), (1, 0));
    assert_eq!((branch.cells[0].allowed, branch.cells[1].denied), (1, 1));
    assert!(grid.changed(branch, 1), "the after cell differs");
    assert!(!grid.changed(branch, 0), "before cells are the reference");
    assert_eq!((grid.lost, grid.gained), (3, 0));
    let other = &grid.rows[4];
    assert_eq!((other.cells[0].denied, other.lost), (1, 0));
}

#[test]
fn keys_move_through_groups_and_rules_and_clamp() {
    let files = PreviewFiles::new("keys");
    let mut model = preview_model(&files);
    let cursor = |m: &Model| {
        let s = m.matrix.as_ref().unwrap();
        (s.row, s.column)
    };
    send(&mut model, [ch('j'), ch('j'), key(KeyCode::Right)]);
    assert_eq!(cursor(&model), (2, 1));
    send(&mut model, [ch('l'), ch('G')]);
    assert_eq!(cursor(&model), (4, 1), "clamped to the last rule and group");
    send(&mut model, [ch('g'), ch('h'), key(KeyCode::Left), ch('k')]);
    assert_eq!(cursor(&model), (0, 0));
    // Keys of the token view do nothing here: 'a' would open the paste prompt.
    update(&mut model, ch('a'));
    assert!(is_open(&model));
    // With nothing opened yet there is no token view to go back to.
    update(&mut model, key(KeyCode::Esc));
    assert!(is_open(&model));
    assert_eq!(model.notice.as_ref().unwrap().kind, NoticeKind::Info);
}

#[test]
fn enter_opens_the_groups_first_token_with_the_rules_why_panel() {
    let files = PreviewFiles::new("enter");
    let mut model = preview_model(&files);
    // The main-branch build, after the proposal: denied.
    send(&mut model, [ch('j'), ch('j'), ch('l')]);
    let cmd = update(&mut model, key(KeyCode::Enter));
    let Some(Cmd::ReadSample { location, rule, .. }) = &cmd else {
        panic!("Enter reads the group's first entry back from the corpus");
    };
    assert_eq!(*location, Location::Line(2));
    assert!(rule.file.as_deref().unwrap().ends_with("proposed.json"));
    execute(&mut model, cmd);

    assert!(!is_open(&model), "the token view is shown");
    assert_eq!(model.tokens.len(), 1);
    let entry = model.current().unwrap();
    assert_eq!(entry.source, "corpus line 2");
    assert!(
        entry.simulated.is_none(),
        "a real token, verified like any other"
    );
    assert_eq!(
        entry.claims().unwrap()["sub"],
        "repo:acme/app:ref:refs/heads/main"
    );
    assert!(model.why_open);
    assert_eq!(model.focus, Pane::Why);
    let (_, verdict) = model.selected_verdict().unwrap();
    assert!(
        verdict
            .rule
            .file
            .as_deref()
            .unwrap()
            .ends_with("proposed.json")
    );
    assert_eq!(verdict.outcome, Outcome::Denied);

    // M goes back to the matrix where it was; opening the same group again reuses the token.
    update(&mut model, ch('M'));
    assert!(is_open(&model));
    assert_eq!(model.matrix.as_ref().unwrap().row, 2);
    let cmd = update(&mut model, key(KeyCode::Enter));
    execute(&mut model, cmd);
    assert_eq!(model.tokens.len(), 1);

    // Unsigned claims from the corpus open as a simulated token.
    update(&mut model, ch('M'));
    send(&mut model, [ch('j'), ch('h')]);
    let cmd = update(&mut model, key(KeyCode::Enter));
    execute(&mut model, cmd);
    let entry = model.current().unwrap();
    assert_eq!(entry.source, "corpus line 6");
    assert!(entry.simulated.is_some());
    let (_, verdict) = model.selected_verdict().unwrap();
    assert!(
        verdict
            .rule
            .file
            .as_deref()
            .unwrap()
            .ends_with("current.json")
    );
    assert_eq!(verdict.outcome, Outcome::Allowed);
}

#[test]
fn a_changed_rule_file_recomputes_and_stale_results_are_dropped() {
    let files = PreviewFiles::new("watch");
    let mut model = preview_model(&files);
    assert_eq!(grid(&model).unwrap().lost, 3);

    // The proposal is widened back to the whole organisation: nobody loses access any more.
    std::fs::write(files.dir.join("proposed.json"), corpus::org_wide()).unwrap();
    let proposed = std::path::PathBuf::from(files.path("proposed.json"));
    let cmd = update(&mut model, Msg::RuleFileChanged(proposed.clone()));
    let Some(Cmd::Batch(cmds)) = &cmd else {
        panic!("the main view reloads the file and the matrix recomputes");
    };
    assert!(matches!(&cmds[0], Cmd::LoadRules(paths) if *paths == [proposed.clone()]));
    assert!(matches!(&cmds[1], Cmd::ComputeMatrix { generation: 2, .. }));
    assert_eq!(model.matrix.as_ref().unwrap().progress, Some(0));

    // Progress and a result of the superseded computation are dropped.
    update(
        &mut model,
        Msg::MatrixProgress {
            generation: 1,
            read: 99,
        },
    );
    update(
        &mut model,
        Msg::MatrixComputed {
            generation: 1,
            result: Err("superseded".into()),
        },
    );
    let state = model.matrix.as_ref().unwrap();
    assert_eq!((state.progress, &state.error), (Some(0), &None));
    update(
        &mut model,
        Msg::MatrixProgress {
            generation: 2,
            read: 4,
        },
    );
    assert_eq!(model.matrix.as_ref().unwrap().progress, Some(4));

    execute(&mut model, cmd);
    let grid_now = grid(&model).unwrap();
    assert_eq!((grid_now.lost, grid_now.gained), (0, 0));
    assert_eq!(model.matrix.as_ref().unwrap().progress, None);

    // A broken save keeps the last good grid and says why.
    std::fs::write(files.dir.join("proposed.json"), "{ not json").unwrap();
    let cmd = update(&mut model, Msg::RuleFileChanged(proposed));
    execute(&mut model, cmd);
    let state = model.matrix.as_ref().unwrap();
    assert!(
        state.error.as_deref().unwrap().contains("proposed.json"),
        "{:?}",
        state.error
    );
    assert_eq!(grid(&model).unwrap().lost, 0, "the last good grid");

    // An unrelated file changing does not recompute.
    let cmd = update(
        &mut model,
        Msg::RuleFileChanged(files.dir.join("unrelated.json")),
    );
    assert!(cmd.is_none());
}

#[test]
fn reload_in_the_matrix_recomputes_too() {
    let files = PreviewFiles::new("reload");
    let mut model = preview_model(&files);
    let cmd = update(&mut model, ch('R'));
    let Some(Cmd::Batch(cmds)) = &cmd else {
        panic!("reload and recompute");
    };
    assert!(matches!(&cmds[0], Cmd::LoadRules(paths) if paths.len() == 2));
    assert!(matches!(&cmds[1], Cmd::ComputeMatrix { generation: 2, .. }));
}

#[test]
fn the_matrix_key_groups_the_loaded_tokens_and_enter_explains_a_cell() {
    let mut model = demo_model_with_rules();
    let tokens = model.tokens.len();
    update(&mut model, ch('M'));
    assert!(is_open(&model));
    let grid_now = grid(&model).unwrap().into_owned();
    assert_eq!(grid_now.columns.len(), 3, "one column per loaded rule");
    assert!(!grid_now.compared);
    assert_eq!(
        grid_now.rows.iter().map(|r| r.tokens).sum::<usize>() + grid_now.bad,
        tokens
    );
    // Pick the row of the GitHub environment token and the branch-only AWS role.
    let row = grid_now
        .rows
        .iter()
        .position(|r| r.key == "repo:acme/app:environment:prod")
        .unwrap();
    for _ in 0..row {
        update(&mut model, ch('j'));
    }
    assert_eq!(grid_now.rows[row].cells[0].denied, 1);
    let Sample::Loaded(id) = grid_now.rows[row].sample else {
        panic!("loaded tokens open by id");
    };
    assert!(update(&mut model, key(KeyCode::Enter)).is_none());
    assert!(!is_open(&model));
    assert_eq!(model.current().unwrap().id, id);
    assert!(model.why_open);
    assert_eq!(model.rule_cursor, 0);
    assert_eq!(
        model.selected_verdict().unwrap().1.rule.name,
        "deploy-prod-role"
    );
    // Esc leaves the matrix as well.
    update(&mut model, ch('M'));
    update(&mut model, key(KeyCode::Esc));
    assert!(!is_open(&model));
}

#[test]
fn the_matrix_key_needs_several_tokens() {
    let mut model = demo_model_with_rules();
    model.tokens.truncate(1);
    update(&mut model, ch('M'));
    assert!(!is_open(&model));
    let notice = model.notice.as_ref().unwrap();
    assert_eq!(notice.kind, NoticeKind::Error);
    assert!(notice.text.contains("preview"), "{}", notice.text);
}

#[test]
fn preview_tui_refuses_stdin_and_a_pipe_with_a_reason() {
    let files = PreviewFiles::new("cli");
    let run = |corpus: &str| {
        assert_cmd::Command::cargo_bin("claimcheck")
            .unwrap()
            .args(["preview", "--tokens", corpus, "--rules"])
            .arg(files.path("current.json"))
            .arg("--tui")
            .assert()
            .code(2)
    };
    run("-").stderr(predicates::str::contains("not stdin"));
    // The test's stdout is a pipe, not a terminal.
    run(&files.path("corpus.txt")).stderr(predicates::str::contains("needs a terminal"));
}

#[test]
fn columns_of_rules_with_the_same_name_are_told_apart_by_their_files() {
    // AWS trust policies without a role name are all called "trust policy".
    let mut model = demo_model();
    let mut deploy = aws_branch_only_role();
    deploy.id = rule_id(RuleKind::Aws, "rules/aws-deploy-role.json", "trust policy");
    let mut org = aws_environment_role();
    org.id = rule_id(RuleKind::Aws, "rules/aws-org-wide.json", "trust policy");
    model.rule_files = vec![
        rule_file(
            "rules/aws-deploy-role.json",
            vec![deploy],
            claimcheck::tui::model::RuleFileState::Loaded,
        ),
        rule_file(
            "rules/aws-org-wide.json",
            vec![org],
            claimcheck::tui::model::RuleFileState::Loaded,
        ),
    ];
    claimcheck::tui::update::reevaluate(&mut model);
    update(&mut model, ch('M'));
    let text = draw(&mut model, 120, 30).backend().to_string();
    assert!(
        text.contains("aws-deploy-role") && text.contains("aws-org-wide"),
        "{text}"
    );
}

/// A claims line of the corpus opened from the matrix is judged on its claims alone, as the
/// matrix judged it: its stand-in token has no header, so a Vault role (which also checks the
/// token's `alg` against the mount's algorithms) does not refuse it for a made-up `alg: none`.
#[test]
fn a_claims_line_opened_from_the_matrix_keeps_the_matrix_verdict() {
    let files = PreviewFiles::new("claims-vault");
    let vault = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/demo/rules/vault-role-deploy.json");
    let claims = serde_json::json!({
        "iss": "https://gitlab.com", "aud": "https://vault.acme.example",
        "sub": "project_path:acme/infra:ref_type:branch:ref:main",
        "project_path": "acme/infra", "ref_type": "branch", "ref": "main",
        "ref_protected": "true", "user_email": "dev@acme.example", "iat": NOW - 60, "exp": NOW + 240
    });
    std::fs::write(files.dir.join("claims.jsonl"), format!("{claims}\n")).unwrap();
    let mut spec = files.spec();
    spec.corpus = files.path("claims.jsonl");
    spec.current = vec![vault.to_str().unwrap().to_owned()];
    spec.proposed = Vec::new();
    let (mut model, initial) = initial_model(&mut launch(spec));
    execute(&mut model, initial);
    let in_matrix = grid(&model).unwrap().rows[0].cells[0];
    assert_eq!(in_matrix.allowed, 1, "{in_matrix:?}");

    let cmd = update(&mut model, key(KeyCode::Enter));
    execute(&mut model, cmd);
    let entry = model.current().unwrap();
    assert!(entry.simulated.is_some());
    let (_, verdict) = model.selected_verdict().unwrap();
    assert_eq!(verdict.outcome, Outcome::Allowed, "{verdict:?}");
}
