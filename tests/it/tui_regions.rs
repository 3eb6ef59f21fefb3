//! The Regions list beside the matrix: `preview --tui` with a proposal analyses both rule sets
//! for every caller (off the UI thread, shown as "analysing…" until the answer), Tab moves to
//! the list and j/k through it, Enter opens a region's witness as a SIMULATED what-if with a
//! why panel explaining both the current and the proposed rule's verdict, and a saved rule
//! file analyses again. `M` in the token view shows each rule's reach instead.

use crate::tui_support as support;

use crate::tui_support::corpus;

use std::path::{Path, PathBuf};

use claimcheck::report::SignatureStatus;
use claimcheck::trust::Outcome;
use claimcheck::trust::symbolic::Conclusion;
use claimcheck::tui::engine::Engine;
use claimcheck::tui::matrix::{CorpusSpec, is_open};
use claimcheck::tui::model::{Model, Pane};
use claimcheck::tui::regions::{Change, RegionsState, witness_sides};
use claimcheck::tui::regions_job::Analysis;
use claimcheck::tui::update::{Cmd, Msg, update};
use claimcheck::tui::{Clock, Launch, initial_model};
use crossterm::event::KeyCode;
use support::*;

use corpus::execute;

const DEMO_RULE: &str = "assets/demo/rules/aws-deploy-role.json";

/// The demo deploy role with its subject widened from the main branch to any ref of the
/// repository: the change a reviewer must catch (pull requests get in).
fn widened() -> String {
    std::fs::read_to_string(DEMO_RULE)
        .unwrap()
        .replace("StringEquals", "StringLike")
        .replace("repo:acme/app:ref:refs/heads/main", "repo:acme/app:*")
}

/// The corpus, the demo rule as the current one and its widened copy, removed on drop.
struct Files {
    dir: PathBuf,
}

impl Files {
    fn new(name: &str) -> Files {
        let dir = std::env::temp_dir().join(format!(
            "claimcheck-tui-regions-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(DEMO_RULE, dir.join("current.json")).unwrap();
        std::fs::write(dir.join("proposed.json"), widened()).unwrap();
        std::fs::write(dir.join("corpus.txt"), corpus::corpus_text()).unwrap();
        Files { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_str().unwrap().to_owned()
    }

    fn spec(&self) -> CorpusSpec {
        CorpusSpec {
            corpus: self.path("corpus.txt"),
            current: vec![self.path("current.json")],
            proposed: vec![self.path("proposed.json")],
            group_by: Default::default(),
            pinned_now: None,
        }
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn regions(model: &Model) -> &RegionsState {
    model.regions.as_ref().expect("the Regions list")
}

fn comparison(model: &Model) -> &claimcheck::trust::symbolic::Comparison {
    match regions(model).analysis.as_ref() {
        Some(Analysis::Compared(comparison)) => comparison,
        _ => panic!("expected a comparison"),
    }
}

/// `preview --tui` started, every first command carried out (matrix, analysis, rule files).
fn started(files: &Files) -> Model {
    let (mut model, initial) = initial_model(&mut corpus::launch(files.spec()));
    assert!(regions(&model).running, "analysing from the first frame");
    execute(&mut model, initial);
    model
}

#[test]
fn preview_tui_analyses_both_rule_sets_and_lists_the_gains() {
    let files = Files::new("list");
    let (mut model, initial) = initial_model(&mut corpus::launch(files.spec()));
    let Some(Cmd::Batch(cmds)) = &initial else {
        panic!("the first commands");
    };
    let job = cmds
        .iter()
        .find_map(|cmd| match cmd {
            Cmd::ComputeRegions(job) => Some(job.clone()),
            _ => None,
        })
        .expect("the analysis is asked for at start");
    assert_eq!(job.current, [files.path("current.json")]);
    assert_eq!(job.proposed, Some(vec![files.path("proposed.json")]));
    assert_eq!(job.now, NOW);
    execute(&mut model, initial);

    let state = regions(&model);
    assert!(!state.running);
    assert_eq!(state.error, None);
    let comparison = comparison(&model);
    assert_eq!(comparison.conclusion, Conclusion::GainsAccess);
    assert!(comparison.loses.is_empty(), "nobody loses access");
    let items = state.items();
    assert_eq!(items.len(), comparison.gains.len());
    assert!(!items.is_empty());
    assert!(items.iter().all(|item| item.change == Change::Gains));
    assert_eq!(items[0].label(), "region 1 that gains access");
    let sub = items[0]
        .region
        .constraints
        .iter()
        .find(|c| c.claim == "sub")
        .expect("a constraint on the subject");
    assert!(sub.text.contains("repo:acme/app:*"), "{}", sub.text);
    let conclusion = claimcheck::tui::regions::conclusion_line(state).unwrap();
    assert_eq!(conclusion.0, Outcome::Denied);
    assert!(conclusion.1.starts_with("✗ "), "{}", conclusion.1);
}

#[test]
fn tab_moves_to_the_list_and_back_and_j_k_move_within_it() {
    let files = Files::new("keys");
    let mut model = started(&files);
    let len = regions(&model).items().len();
    assert!(len >= 2, "the demo rule's change gains {len} regions");
    let row = |m: &Model| m.matrix.as_ref().unwrap().row;

    update(&mut model, key(KeyCode::Tab));
    assert!(regions(&model).focused);
    send(&mut model, [ch('j'), key(KeyCode::Down)]);
    assert_eq!(regions(&model).cursor, 2.min(len - 1));
    assert_eq!(row(&model), 0, "the matrix's cursor stays put");
    send(&mut model, [ch('G')]);
    assert_eq!(regions(&model).cursor, len - 1);
    send(&mut model, [ch('j')]);
    assert_eq!(regions(&model).cursor, len - 1, "clamped");
    send(&mut model, [ch('k'), ch('g')]);
    assert_eq!(regions(&model).cursor, 0);

    update(&mut model, key(KeyCode::BackTab));
    assert!(!regions(&model).focused);
    update(&mut model, ch('j'));
    assert_eq!(row(&model), 1, "j moves the matrix again");
    assert_eq!(regions(&model).cursor, 0);
    // Enter on the matrix still opens a group's token.
    let cmd = update(&mut model, key(KeyCode::Enter));
    assert!(matches!(cmd, Some(Cmd::ReadSample { .. })));
}

#[test]
fn enter_on_a_gain_opens_its_witness_with_both_rules_verdicts() {
    let files = Files::new("enter");
    let mut model = started(&files);
    let witness = regions(&model).items()[0].region.witness.clone();
    send(&mut model, [key(KeyCode::Tab)]);
    let cmd = update(&mut model, key(KeyCode::Enter));
    assert!(cmd.is_none(), "nothing to read: the witness is in memory");

    assert!(!is_open(&model), "the token view is shown");
    assert_eq!(model.tokens.len(), 1);
    let entry = model.current().unwrap();
    assert_eq!(entry.source, "witness of region 1 that gains access");
    assert_eq!(entry.simulated.as_ref(), Some(&witness));
    let claimcheck::tui::model::Signature::Done(report) = &entry.signature else {
        panic!("no signature to check");
    };
    assert_eq!(report.status, SignatureStatus::NotChecked);
    assert!(
        report
            .reason
            .starts_with("SIMULATED: the witness of region 1")
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
    assert_eq!(verdict.outcome, Outcome::Allowed, "the proposal lets it in");
    let current: Vec<Outcome> = entry
        .verdicts
        .iter()
        .filter(|(_, v)| v.rule.file.as_deref().unwrap().ends_with("current.json"))
        .map(|(_, v)| v.outcome)
        .collect();
    assert_eq!(current, [Outcome::Denied], "the current rule keeps it out");
    let notice = &model.notice.as_ref().unwrap().text;
    assert!(
        notice.contains("current ✗ denied → proposed ✓ allowed"),
        "{notice}"
    );

    // The why panel explains both sides, with the verdicts the rules pane lists.
    let sides = witness_sides(&model).expect("a comparison's witness shows both sides");
    assert!(std::ptr::eq(
        sides.proposed,
        model.selected_verdict().unwrap()
    ));
    assert!(std::ptr::eq(sides.current, &entry.verdicts[0]));
    let file = |v: &claimcheck::trust::Verdict| v.rule.file.clone().unwrap();
    assert!(file(&sides.current.1).ends_with("current.json"));
    assert_eq!(sides.current.1.outcome, Outcome::Denied);
    assert!(file(&sides.proposed.1).ends_with("proposed.json"));
    assert_eq!(sides.proposed.1.outcome, Outcome::Allowed);
    // Selecting the current rule in the rules pane keeps both sides, in their places.
    model.rule_cursor = 0;
    let sides = witness_sides(&model).unwrap();
    assert_eq!(sides.current.1.outcome, Outcome::Denied);
    assert_eq!(sides.proposed.1.outcome, Outcome::Allowed);

    // Back to the matrix, which kept the list's focus; the same region again is the same entry.
    update(&mut model, ch('M'));
    assert!(is_open(&model));
    assert!(regions(&model).focused);
    update(&mut model, key(KeyCode::Enter));
    assert_eq!(model.tokens.len(), 1);
}

#[test]
fn a_saved_rule_file_analyses_again_and_stale_answers_are_dropped() {
    let files = Files::new("watch");
    let mut model = started(&files);
    assert_eq!(comparison(&model).conclusion, Conclusion::GainsAccess);

    // The proposal is put back to the current rule: nobody gains access any more.
    std::fs::copy(DEMO_RULE, files.dir.join("proposed.json")).unwrap();
    let proposed = PathBuf::from(files.path("proposed.json"));
    let cmd = update(&mut model, Msg::RuleFileChanged(proposed.clone()));
    let Some(Cmd::Batch(cmds)) = &cmd else {
        panic!("reload, recompute and analyse");
    };
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::ComputeRegions(job) if job.generation == 2))
    );
    assert!(regions(&model).running);

    // The answer to the superseded request is dropped; the last one stays shown meanwhile.
    update(
        &mut model,
        Msg::RegionsComputed {
            generation: 1,
            result: Err("superseded".into()),
        },
    );
    assert_eq!(regions(&model).error, None);
    assert!(regions(&model).running);
    assert_eq!(comparison(&model).conclusion, Conclusion::GainsAccess);

    execute(&mut model, cmd);
    assert!(!regions(&model).running);
    assert_eq!(comparison(&model).conclusion, Conclusion::ProvedNoNewAccess);
    assert!(regions(&model).items().is_empty());

    // A broken save says why and keeps the last analysis.
    std::fs::write(files.dir.join("proposed.json"), "{ not json").unwrap();
    let cmd = update(&mut model, Msg::RuleFileChanged(proposed));
    execute(&mut model, cmd);
    let error = regions(&model).error.clone().unwrap();
    assert!(error.contains("proposed.json"), "{error}");
    assert_eq!(comparison(&model).conclusion, Conclusion::ProvedNoNewAccess);

    // An unrelated file changing does not analyse again.
    let cmd = update(
        &mut model,
        Msg::RuleFileChanged(files.dir.join("other.json")),
    );
    assert!(cmd.is_none());

    // R in the matrix reloads, recomputes and analyses.
    let Some(Cmd::Batch(cmds)) = update(&mut model, ch('R')) else {
        panic!("reload and recompute");
    };
    assert!(matches!(&cmds[0], Cmd::LoadRules(_)));
    assert!(matches!(&cmds[1], Cmd::ComputeMatrix { .. }));
    assert!(matches!(&cmds[2], Cmd::ComputeRegions(_)));
}

/// Two demo tokens and two demo rule files, opened as `claimcheck --rules A --rules B` would.
fn loaded_view() -> Model {
    let tokens = ["github-branch", "github-pull-request"]
        .into_iter()
        .map(|name| {
            let text = claimcheck::demo::template(name).unwrap().mint(NOW);
            let token = claimcheck::token::decode(&text, &Default::default()).unwrap();
            (token, format!("demo:{name}"))
        })
        .collect();
    let mut launch = Launch {
        tokens,
        rule_paths: vec![
            PathBuf::from(DEMO_RULE),
            PathBuf::from("assets/demo/rules/vault-role-deploy.json"),
        ],
        matrix: None,
        clock: Clock::Frozen(NOW),
        ..corpus::launch(CorpusSpec {
            corpus: String::new(),
            current: Vec::new(),
            proposed: Vec::new(),
            group_by: Default::default(),
            pinned_now: None,
        })
    };
    let (mut model, initial) = initial_model(&mut launch);
    execute(&mut model, initial);
    model
}

#[test]
fn the_matrix_key_shows_who_each_rule_lets_in() {
    let mut model = loaded_view();
    let cmd = update(&mut model, ch('M'));
    let Some(Cmd::ComputeRegions(job)) = &cmd else {
        panic!("the reach of the loaded rules is analysed");
    };
    assert_eq!(job.proposed, None, "one rule set");
    execute(&mut model, cmd);
    let Some(Analysis::Reach(rules)) = &regions(&model).analysis else {
        panic!("each rule's reach");
    };
    assert_eq!(rules.len(), 2, "one per rule");
    let items = regions(&model).items();
    assert!(items.iter().all(|item| item.change == Change::Admitted));
    assert_eq!(items[0].label(), "region 1 that aws-deploy-role lets in");
    let vault = items
        .iter()
        .position(|item| item.label().contains("vault-role-deploy"))
        .expect("the Vault role's reach");

    // Reopening the matrix with the same rules does not analyse again.
    update(&mut model, key(KeyCode::Esc));
    assert!(update(&mut model, ch('M')).is_none());

    update(&mut model, key(KeyCode::Tab));
    for _ in 0..vault {
        update(&mut model, ch('j'));
    }
    update(&mut model, key(KeyCode::Enter));
    assert!(!is_open(&model));
    let entry = model.current().unwrap();
    assert!(
        entry.source.contains("vault-role-deploy lets in"),
        "{}",
        entry.source
    );
    let (_, verdict) = model.selected_verdict().unwrap();
    assert!(
        verdict
            .rule
            .file
            .as_deref()
            .unwrap()
            .ends_with("vault-role-deploy.json")
    );
    assert_eq!(verdict.outcome, Outcome::Allowed);
}

/// The screen of `preview --tui` on relative paths (temporary ones would put the test's
/// directory on screen): the grid and the analysis computed in memory, the rule files loaded
/// by the real loader.
fn preview_screen() -> Model {
    use claimcheck::preview::corpus::lines;
    use claimcheck::preview::matrix::{Clock as PreviewClock, PreviewInput, evaluate};
    use claimcheck::trust::load::load_rule_file;
    use claimcheck::trust::symbolic::{Budget, compare};
    use claimcheck::tui::matrix::Grid;

    let spec = CorpusSpec {
        corpus: "tokens/corpus.txt".into(),
        current: vec!["rules/current.json".into()],
        proposed: vec!["rules/proposed.json".into()],
        group_by: Default::default(),
        pinned_now: None,
    };
    let (mut model, _) = initial_model(&mut corpus::launch(spec));
    let current_text = std::fs::read_to_string(DEMO_RULE).unwrap();
    let texts = [
        ("rules/current.json", current_text),
        ("rules/proposed.json", widened()),
    ];
    let engine = claimcheck::app::Live::new(Default::default());
    for (path, text) in &texts {
        let result = engine.load_rules(Path::new(path), text);
        update(
            &mut model,
            Msg::RulesLoaded {
                path: PathBuf::from(path),
                result,
            },
        );
    }
    let load = |(name, text): &(&str, String)| {
        load_rule_file(name, text, None)
            .unwrap()
            .into_rules()
            .unwrap()
    };
    let current = load(&texts[0]);
    let proposed = load(&texts[1]);
    let input = PreviewInput {
        current: &current,
        proposed: Some(&proposed),
        clock: PreviewClock::Pinned { at: NOW },
        group_by: Default::default(),
        max_listed: 1,
        threads: 2,
        memoise: true,
    };
    let text = corpus::corpus_text();
    let preview = evaluate(lines(text.as_bytes()), &input, &|_| {});
    update(
        &mut model,
        Msg::MatrixComputed {
            generation: 1,
            result: Ok(Box::new(Grid::from_preview(preview))),
        },
    );
    let comparison = compare(&current, &proposed, NOW, Budget::default());
    update(
        &mut model,
        Msg::RegionsComputed {
            generation: 1,
            result: Ok(Box::new(Analysis::Compared(comparison))),
        },
    );
    model
}

#[test]
fn regions_beside_the_matrix_or_below_it() {
    for (width, height) in [(80, 24), (120, 40)] {
        let mut model = preview_screen();
        let terminal = draw(&mut model, width, height);
        insta::assert_snapshot!(
            format!("preview_regions_{width}x{height}"),
            terminal.backend()
        );
        update(&mut model, key(KeyCode::Tab));
        update(&mut model, ch('j'));
        let terminal = draw(&mut model, width, height);
        insta::assert_snapshot!(
            format!("preview_regions_focused_{width}x{height}"),
            terminal.backend()
        );
    }
}

#[test]
fn the_smallest_screen_shows_the_list_when_it_has_the_keys() {
    let mut model = preview_screen();
    let text = |model: &mut Model| {
        let terminal = draw(model, 40, 10);
        terminal.backend().to_string()
    };
    assert!(text(&mut model).contains("Matrix"));
    update(&mut model, key(KeyCode::Tab));
    let focused = text(&mut model);
    assert!(focused.contains("Regions"), "{focused}");
    assert!(focused.contains("gains 1"), "{focused}");
    // Every size in between draws without a panic.
    for width in (1..=130).step_by(9) {
        for height in [1, 5, 9, 10, 13, 14, 24] {
            draw(&mut model, width, height);
        }
    }
}

#[test]
fn analysing_then_the_witness_screen() {
    let spec = CorpusSpec {
        corpus: "tokens/corpus.txt".into(),
        current: vec!["rules/current.json".into()],
        proposed: vec!["rules/proposed.json".into()],
        group_by: Default::default(),
        pinned_now: None,
    };
    let (mut model, _) = initial_model(&mut corpus::launch(spec));
    let terminal = draw(&mut model, 80, 24);
    insta::assert_snapshot!("preview_regions_analysing_80x24", terminal.backend());

    let mut model = preview_screen();
    send(&mut model, [key(KeyCode::Tab), key(KeyCode::Enter)]);
    for (width, height) in [(80, 24), (120, 40), (160, 40)] {
        let terminal = draw(&mut model, width, height);
        insta::assert_snapshot!(
            format!("preview_region_witness_{width}x{height}"),
            terminal.backend()
        );
    }
}

#[test]
fn the_witness_why_panel_scrolls_from_the_current_side_to_the_proposed_one() {
    let mut model = preview_screen();
    send(&mut model, [key(KeyCode::Tab), key(KeyCode::Enter)]);
    for (width, height) in [(80, 24), (120, 40)] {
        model.why_scroll = 0;
        let top = draw(&mut model, width, height).backend().to_string();
        assert!(
            top.contains("current: aws · trust policy ✗ denied"),
            "{top}"
        );
        assert!(!top.contains("proposed: aws"), "{top}");
        // j line by line reaches the proposed side's heading…
        let mut seen = false;
        for _ in 0..40 {
            update(&mut model, ch('j'));
            let screen = draw(&mut model, width, height).backend().to_string();
            seen |= screen.contains("proposed: aws · trust policy ✓ allowed");
        }
        assert!(seen, "the proposed side's heading is never shown");
        // …and PgDn as far as it goes the end of its why, the condition it passes.
        for _ in 0..10 {
            update(&mut model, key(KeyCode::PageDown));
        }
        let bottom = draw(&mut model, width, height).backend().to_string();
        assert!(bottom.contains("↑ more (k)"), "{bottom}");
        assert!(
            bottom.contains("from rules/proposed.json") || bottom.contains("repo:acme/app:*"),
            "{bottom}"
        );
        // k scrolls back up, one panel.
        for _ in 0..60 {
            update(&mut model, ch('k'));
        }
        assert_eq!(model.why_scroll, 0);
    }
    // Side by side, both headings on the first line of the panel.
    model.why_scroll = 0;
    let wide = draw(&mut model, 160, 40).backend().to_string();
    let heading = wide
        .lines()
        .find(|line| line.contains("current: aws"))
        .unwrap();
    assert!(
        heading.contains("proposed: aws · trust policy ✓ allowed"),
        "{wide}"
    );
}

#[test]
fn the_witness_screen_draws_at_every_size() {
    let mut model = preview_screen();
    send(&mut model, [key(KeyCode::Tab), key(KeyCode::Enter)]);
    let small = draw(&mut model, 40, 10).backend().to_string();
    assert!(
        small.contains("current: aws · trust policy ✗ denied"),
        "{small}"
    );
    for width in (1..=200).step_by(9) {
        for height in [1, 5, 9, 10, 13, 14, 24, 40] {
            draw(&mut model, width, height);
        }
    }
}

#[test]
fn enter_on_a_loss_shows_the_proposed_rule_that_now_refuses() {
    // The test corpus's rules: the organisation-wide policy tightened to environment prod.
    let files = corpus::PreviewFiles::new("regions-loss");
    let (mut model, initial) = initial_model(&mut corpus::launch(files.spec()));
    execute(&mut model, initial);
    let comparison = comparison(&model);
    assert_eq!(comparison.conclusion, Conclusion::ProvedNoNewAccess);
    assert!(!comparison.loses.is_empty());
    let items = regions(&model).items();
    assert!(items.iter().all(|item| item.change == Change::Loses));
    assert_eq!(items[0].label(), "region 1 that loses access");

    send(&mut model, [key(KeyCode::Tab), key(KeyCode::Enter)]);
    let (_, verdict) = model.selected_verdict().unwrap();
    assert!(
        verdict
            .rule
            .file
            .as_deref()
            .unwrap()
            .ends_with("proposed.json")
    );
    assert_eq!(
        verdict.outcome,
        Outcome::Denied,
        "the proposal shuts it out"
    );
    let sides = witness_sides(&model).expect("a loss's witness shows both sides");
    assert_eq!(sides.current.1.outcome, Outcome::Allowed);
    assert_eq!(sides.proposed.1.outcome, Outcome::Denied);
    assert!(
        sides
            .current
            .1
            .rule
            .file
            .as_deref()
            .unwrap()
            .ends_with("current.json")
    );
    let notice = &model.notice.as_ref().unwrap().text;
    assert!(
        notice.contains("current ✓ allowed → proposed ✗ denied"),
        "{notice}"
    );
}

#[test]
fn a_conclusion_that_is_not_proved_says_why() {
    use claimcheck::trust::symbolic::{CALLER_MODEL, Comparison};
    let mut model = preview_screen();
    let not_proved = Comparison {
        conclusion: Conclusion::NotProved,
        summary: "not proved: proposed trust policy: condition IpAddress aws:SourceIp".into(),
        gains: Vec::new(),
        loses: Vec::new(),
        not_proved: vec!["proposed trust policy: condition IpAddress aws:SourceIp".into()],
        analysis_errors: vec!["the witness {} was expected to gain access".into()],
        model: CALLER_MODEL,
        combinations: 0,
    };
    update(&mut model, ch('R'));
    let generation = regions(&model).generation;
    update(
        &mut model,
        Msg::RegionsComputed {
            generation,
            result: Ok(Box::new(Analysis::Compared(not_proved))),
        },
    );
    let screen = draw(&mut model, 120, 40).backend().to_string();
    assert!(
        screen.contains("? not proved: proposed trust policy: conditio…"),
        "{screen}"
    );
    assert!(screen.contains("? proposed trust policy: condition IpAddress  "));
    assert!(screen.contains("  aws:SourceIp  "));
    assert!(screen.contains("! analysis error (a bug in claimcheck)"));
    assert!(screen.contains("No region to list."));
    // Enter with nothing to open says so.
    send(&mut model, [key(KeyCode::Tab), key(KeyCode::Enter)]);
    assert!(is_open(&model));
    assert_eq!(model.notice.as_ref().unwrap().text, "no region selected");
}
