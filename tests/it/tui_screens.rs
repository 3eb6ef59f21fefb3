//! Whole-screen snapshots of the TUI on a `TestBackend`, at 40×10 (the smallest), 80×24 (tabs)
//! and 120×40 (all panes),
//! with "now" frozen at `support::NOW`; a few style assertions (snapshots hold text only); and
//! rendering at every small size without a panic.

use crate::tui_support as support;

use crate::tui_support::corpus;

use claimcheck::tui::model::{Model, RuleFileState};
use claimcheck::tui::theme::Theme;
use claimcheck::tui::update::{Msg, reevaluate, update};
use crossterm::event::KeyCode;
use ratatui::style::{Color, Modifier};
use support::*;

/// The smallest screen the view draws (below it, only a notice), the common terminal, and a
/// large one; each keeps what matters most at its size (signature and expiry in the header,
/// the input line and its error in a prompt, rows in the matrix).
const SIZES: [(u16, u16); 3] = [(40, 10), (80, 24), (120, 40)];

fn snapshot_both(name: &str, build: impl Fn() -> Model) {
    for (width, height) in SIZES {
        let mut model = build();
        let terminal = draw(&mut model, width, height);
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), terminal.backend());
    }
}

fn why_of_denied_aws_rule() -> Model {
    let mut model = demo_model_with_rules();
    update(&mut model, key(KeyCode::Tab));
    if model.focus != claimcheck::tui::model::Pane::Rules {
        // Narrow screens have a Token tab first.
        update(&mut model, key(KeyCode::Tab));
    }
    update(&mut model, key(KeyCode::Enter));
    model
}

fn what_if() -> Model {
    let mut model = demo_model_with_rules();
    let at = model
        .visible_claims()
        .iter()
        .position(|(n, _)| *n == "sub")
        .unwrap();
    for _ in 0..at {
        update(&mut model, ch('j'));
    }
    update(&mut model, ch('e'));
    update(&mut model, ctrl('u'));
    send(
        &mut model,
        "repo:acme/app:ref:refs/heads/main".chars().map(ch),
    );
    update(&mut model, key(KeyCode::Enter));
    model.notice = None;
    model
}

fn parse_error() -> Model {
    let mut model = demo_model_with_rules();
    model.rule_files[0].state = RuleFileState::Invalid(
        "line 7, column 3: expected ',' or '}' after an object member".into(),
    );
    model.rule_files.push(rule_file(
        "rules/entra.json",
        vec![],
        RuleFileState::Unreadable("cannot read rules/entra.json: permission denied".into()),
    ));
    reevaluate(&mut model);
    model
}

fn jwe_token() -> Model {
    let mut model = demo_model_with_rules();
    model.tokens.clear();
    update(&mut model, Msg::Paste(jwe()));
    let entry = model.current().unwrap();
    let (entry_id, generation) = (entry.id, entry.generation);
    let report = claimcheck::tui::engine::Engine::verify(
        &claimcheck::tui::engine::Standalone,
        &entry.token.clone(),
    );
    update(
        &mut model,
        Msg::Verified {
            entry_id,
            generation,
            report,
        },
    );
    // The header is what a JWE shows; on narrow screens that is the Token tab.
    model.focus = claimcheck::tui::model::Pane::Token;
    model
}

fn malformed_paste() -> Model {
    let mut model = empty_model();
    update(
        &mut model,
        Msg::Paste("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4Ij%%.c2ln".into()),
    );
    model
}

#[test]
fn empty_prompt() {
    snapshot_both("empty_prompt", empty_model);
}

#[test]
fn demo_token_with_mixed_verdicts() {
    snapshot_both("demo_mixed_verdicts", demo_model_with_rules);
}

#[test]
fn why_panel_of_a_denied_aws_rule() {
    snapshot_both("why_denied_aws", why_of_denied_aws_rule);
}

#[test]
fn help_overlay() {
    snapshot_both("help", || {
        let mut model = demo_model_with_rules();
        update(&mut model, ch('?'));
        model
    });
}

#[test]
fn what_if_edited_token() {
    snapshot_both("what_if", what_if);
}

#[test]
fn rule_file_with_a_parse_error() {
    snapshot_both("rule_parse_error", || {
        let mut model = parse_error();
        update(&mut model, key(KeyCode::Tab));
        if model.focus != claimcheck::tui::model::Pane::Rules {
            update(&mut model, key(KeyCode::Tab));
        }
        model
    });
}

#[test]
fn jwe_screen() {
    snapshot_both("jwe", jwe_token);
}

#[test]
fn malformed_paste_on_the_prompt() {
    snapshot_both("malformed_paste", malformed_paste);
}

#[test]
fn filtered_claims_with_unix_times() {
    snapshot_both("filter_unix_times", || {
        let mut model = demo_model();
        send(&mut model, [ch('t'), ch('t'), ch('/'), ch('a'), ch('t')]);
        model.notice = None;
        model
    });
}

#[test]
fn relative_times_tick_with_the_injected_clock() {
    let mut model = demo_model();
    let exp = model.current().unwrap().token.claims().unwrap()["exp"]
        .as_i64()
        .unwrap();
    let expires_in = |now: i64| {
        format!(
            "expires in {}",
            claimcheck::report::timefmt::duration(exp - now)
        )
    };
    let before = draw(&mut model, 120, 40).backend().to_string();
    assert!(before.contains(&expires_in(NOW)), "{before}");
    update(&mut model, Msg::Tick(NOW + 61));
    let after = draw(&mut model, 120, 40).backend().to_string();
    assert!(after.contains(&expires_in(NOW + 61)), "{after}");
    assert_ne!(expires_in(NOW), expires_in(NOW + 61));
}

/// The cell where `needle` starts on screen.
fn find(terminal: &ratatui::Terminal<ratatui::backend::TestBackend>, needle: &str) -> (u16, u16) {
    find_from(terminal, needle, 0)
}

/// The first cell at or below row `from` where `needle` starts.
fn find_from(
    terminal: &ratatui::Terminal<ratatui::backend::TestBackend>,
    needle: &str,
    from: u16,
) -> (u16, u16) {
    let buffer = terminal.backend().buffer();
    let width = buffer.area.width;
    for y in from..buffer.area.height {
        let row: String = (0..width)
            .map(|x| buffer[(x, y)].symbol().to_owned())
            .collect();
        if let Some(at) = row.find(needle) {
            let x = row[..at].chars().count() as u16;
            return (x, y);
        }
    }
    panic!("{needle:?} not on screen");
}

#[test]
fn styles_carry_meaning_beside_the_glyphs() {
    let mut model = why_of_denied_aws_rule();
    let terminal = draw(&mut model, 120, 40);
    let buffer = terminal.backend().buffer();
    let (x, y) = find(&terminal, "✗ aws deploy-prod-role");
    assert_eq!(buffer[(x, y)].style().fg, Some(Color::Red));
    let (x, y) = find(&terminal, "✓ aws deploy-env-role");
    assert_eq!(buffer[(x, y)].style().fg, Some(Color::Green));
    // In the actual value, the part after the agreeing prefix `repo:acme/app:` is highlighted.
    let (_, why_top) = find(&terminal, "┌ Why");
    let (x, y) = find_from(&terminal, "repo:acme/app:environment", why_top);
    let first_differing = buffer[(x + 14, y)].style();
    assert!(first_differing.add_modifier.contains(Modifier::UNDERLINED));
    assert!(
        !buffer[(x, y)]
            .style()
            .add_modifier
            .contains(Modifier::UNDERLINED)
    );

    let mut model = what_if();
    let terminal = draw(&mut model, 120, 40);
    let (x, y) = find(&terminal, "SIMULATED · unsigned");
    assert_eq!(
        terminal.backend().buffer()[(x, y)].style().bg,
        Some(Color::Magenta)
    );
}

#[test]
fn no_color_draws_without_any_colour() {
    let mut model = why_of_denied_aws_rule();
    model.theme = Theme::plain();
    let terminal = draw(&mut model, 120, 40);
    let buffer = terminal.backend().buffer();
    for cell in buffer.content() {
        assert_eq!(cell.style().fg, Some(Color::Reset), "{cell:?}");
        assert_eq!(cell.style().bg, Some(Color::Reset), "{cell:?}");
    }
    let text = terminal.backend().to_string();
    assert!(text.contains("✗ aws deploy-prod-role") && text.contains("✗ FAIL"));
}

#[test]
fn hostile_claims_cannot_drive_the_terminal() {
    let mut model = empty_model();
    let claims =
        serde_json::json!({"sub": "evil\u{1b}]52;c;cHduZWQ=\u{7}\u{202e}txt", "exp": NOW + 60});
    let token = claimcheck::demo::sign_with(
        claimcheck::demo::DemoKey::Rsa,
        &serde_json::Map::new(),
        claims.as_object().unwrap(),
    );
    update(&mut model, Msg::Paste(token));
    let terminal = draw(&mut model, 120, 40);
    for cell in terminal.backend().buffer().content() {
        assert!(
            !cell
                .symbol()
                .chars()
                .any(|c| c.is_control() || c == '\u{202e}'),
            "{cell:?}"
        );
    }
    assert!(
        terminal
            .backend()
            .to_string()
            .contains("evil\\e]52;c;cHduZWQ=\\u{7}\\u{202e}txt")
    );
}

#[test]
fn every_small_size_renders_without_panicking() {
    let screens: [fn() -> Model; 6] = [
        empty_model,
        demo_model_with_rules,
        why_of_denied_aws_rule,
        what_if,
        parse_error,
        malformed_paste,
    ];
    // Every width up to the "too small" threshold and around the wide/narrow switch, at heights
    // around both thresholds; the help overlay is toggled on every other draw.
    let widths: Vec<u16> = (1..=44)
        .step_by(3)
        .chain([45, 79, 80, 99, 100, 101, 120])
        .collect();
    let heights = [1, 2, 3, 5, 8, 9, 10, 11, 24, 29, 30, 40];
    for build in screens {
        let mut model = build();
        for &width in &widths {
            for height in heights {
                draw(&mut model, width, height);
                update(&mut model, ch('?'));
            }
        }
    }
}

#[test]
fn the_light_theme_has_its_own_palette() {
    let mut model = why_of_denied_aws_rule();
    model.theme = Theme::new(claimcheck::tui::theme::ThemeName::Light, false);
    let terminal = draw(&mut model, 120, 40);
    let (x, y) = find(&terminal, "✗ aws deploy-prod-role");
    assert_eq!(
        terminal.backend().buffer()[(x, y)].style().fg,
        Some(Color::Indexed(160))
    );
    assert_eq!(
        Theme::new(claimcheck::tui::theme::ThemeName::Light, true),
        Theme::plain()
    );
}

#[test]
fn a_why_panel_taller_than_its_space_says_there_is_more() {
    let mut model = why_of_denied_aws_rule();
    let text = draw(&mut model, 100, 30).backend().to_string();
    assert!(text.contains("↓ more"), "{text}");
    assert_eq!(model.focus, claimcheck::tui::model::Pane::Why);
    update(&mut model, ch('G'));
    let text = draw(&mut model, 100, 30).backend().to_string();
    assert!(
        text.contains("↑ more") && text.contains("repository_owner"),
        "{text}"
    );
}

/// At 100×30 the why panel opens on the deciding check: the failing `sub` condition is on
/// screen without scrolling, and the checks that passed are one line naming them, which Enter
/// (or →) expands and folds again.
#[test]
fn why_panel_opens_on_the_failing_check() {
    let mut model = why_of_denied_aws_rule();
    let terminal = draw(&mut model, 100, 30);
    let text = terminal.backend().to_string();
    assert!(text.contains("✗ FAIL"), "{text}");
    assert!(text.contains("repo:acme/app:ref:refs/heads/"), "{text}");
    assert!(!text.contains("✓ pass"), "{text}");
    insta::assert_snapshot!("why_failing_first_100x30", terminal.backend());
    // Below the failing check and its hints, one line stands for the passed ones.
    update(&mut model, ch('G'));
    let text = draw(&mut model, 100, 30).backend().to_string();
    assert!(
        text.contains("✓ 2 passed checks: aud, repository_owner — Enter/→ to expand"),
        "{text}"
    );

    update(&mut model, key(KeyCode::Enter));
    assert!(model.why_passed_open);
    let terminal = draw(&mut model, 100, 30);
    let text = terminal.backend().to_string();
    assert!(text.contains("✓ pass"), "{text}");
    insta::assert_snapshot!("why_passed_expanded_100x30", terminal.backend());

    update(&mut model, key(KeyCode::Right));
    assert!(!model.why_passed_open, "→ folds them again");
    // Reopening the panel starts folded, on the deciding check.
    update(&mut model, key(KeyCode::Enter));
    update(&mut model, key(KeyCode::Esc));
    update(&mut model, key(KeyCode::Enter));
    assert!(!model.why_passed_open);
}

/// A token whose `groups` claim has 2 100 entries.
fn big_groups_model() -> Model {
    let groups: Vec<String> = (0..2100)
        .map(|i| format!("acme-team-{i:04}-engineering"))
        .collect();
    let claims = serde_json::json!({
        "iss": "https://login.example.com/tenant",
        "groups": groups,
        "sub": "user-1",
        "exp": NOW + 3600,
    })
    .as_object()
    .unwrap()
    .clone();
    let token = claimcheck::demo::sign_with(
        claimcheck::demo::DemoKey::Rsa,
        &serde_json::Map::new(),
        &claims,
    );
    let mut model = empty_model();
    update(&mut model, Msg::Paste(token));
    model
}

/// A 2 100-entry claim wraps between its entries in the claims pane and, unselected, folds to
/// its first lines, so the claims after it stay on screen; selected, it is shown whole.
#[test]
fn a_large_array_claim_wraps_and_folds_in_the_claims_pane() {
    let mut model = big_groups_model();
    model.focus = claimcheck::tui::model::Pane::Claims;
    let terminal = draw(&mut model, 100, 30);
    let text = terminal.backend().to_string();
    assert!(text.contains("… 4198 more lines"), "{text}");
    assert!(
        text.contains("user-1"),
        "the claim after the big one is on screen: {text}"
    );
    insta::assert_snapshot!("claims_large_array_100x30", terminal.backend());

    let at = model
        .visible_claims()
        .iter()
        .position(|(n, _)| *n == "groups")
        .unwrap();
    for _ in 0..at {
        update(&mut model, ch('j'));
    }
    // Wide enough for whole entries: the wrap falls between them, never inside one.
    let terminal = draw(&mut model, 120, 40);
    let text = terminal.backend().to_string();
    assert!(!text.contains("more lines"), "{text}");
    for i in 0..8 {
        let entry = format!("\"acme-team-{i:04}-engineering\",");
        assert!(text.contains(&entry), "{entry} was cut: {text}");
    }
}

/// The fetch menu as `f` opens it, with a fixed list of detected sources (the test machine's
/// own environment must not leak into the snapshot) and the last fetch's failure below.
fn fetch_menu() -> Model {
    use claimcheck::source::{AudienceUse, Available, SourceError, SourceSpec};
    let mut model = demo_model_with_rules();
    // A failed fetch first, so that the menu shows the whole story with the command's stderr.
    update(&mut model, ch('f'));
    update(&mut model, Msg::SourcesDetected(vec![]));
    // exec:COMMAND, the eleventh source.
    for _ in 0..10 {
        update(&mut model, ch('j'));
    }
    update(&mut model, key(KeyCode::Enter));
    send(&mut model, "gp idp token".chars().map(ch));
    update(&mut model, key(KeyCode::Enter));
    let generation = model.fetch.running.as_ref().unwrap().generation;
    update(
        &mut model,
        Msg::Fetched {
            generation,
            result: Err(SourceError::CommandFailed {
                command: "gp idp token".into(),
                status: "exit status 1".into(),
                stderr: "Error: the --audience flag is required\n".into(),
            }),
        },
    );
    model.notice = None;
    update(&mut model, ch('f'));
    update(
        &mut model,
        Msg::SourcesDetected(vec![
            Available {
                spec: SourceSpec::Github,
                audience: AudienceUse::Optional,
                evidence:
                    "$ACTIONS_ID_TOKEN_REQUEST_URL and $ACTIONS_ID_TOKEN_REQUEST_TOKEN are set"
                        .into(),
            },
            Available {
                spec: SourceSpec::Gitlab {
                    variable: Some("VAULT_ID_TOKEN".into()),
                },
                audience: AudienceUse::Fixed,
                evidence: "$VAULT_ID_TOKEN holds a token from https://gitlab.com".into(),
            },
        ]),
    );
    model
}

/// `claimcheck preview --tui` on the test corpus, the grid computed in memory (the files of the
/// real run would put temporary paths on screen): tokens/corpus.txt against rules/current.json
/// (org-wide) and rules/proposed.json (environment prod only).
fn preview_matrix() -> Model {
    use claimcheck::preview::corpus::lines;
    use claimcheck::preview::group::GroupBy;
    use claimcheck::preview::matrix::{Clock, PreviewInput, evaluate};
    use claimcheck::trust::load::load_rule_file;
    use claimcheck::tui::matrix::{CorpusSpec, Grid};

    let spec = CorpusSpec {
        corpus: "tokens/corpus.txt".into(),
        current: vec!["rules/current.json".into()],
        proposed: vec!["rules/proposed.json".into()],
        group_by: GroupBy::FoldedSubject,
        pinned_now: None,
    };
    let (mut model, _) = claimcheck::tui::initial_model(&mut corpus::launch(spec));
    let load = |name: &str, text: String| {
        load_rule_file(name, &text, None)
            .unwrap()
            .into_rules()
            .unwrap()
    };
    let current = load("rules/current.json", corpus::org_wide());
    let proposed = load("rules/proposed.json", corpus::prod_only());
    let input = PreviewInput {
        current: &current,
        proposed: Some(&proposed),
        clock: Clock::Pinned { at: NOW },
        group_by: GroupBy::FoldedSubject,
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
    // The main-branch build's cell after the proposal.
    send(&mut model, [ch('j'), ch('j'), ch('l')]);
    // The matrix alone: the Regions list beside it has its screens in `tui_regions`.
    model.regions = None;
    model
}

#[test]
fn fetch_menu_with_detected_sources_and_the_last_failure() {
    snapshot_both("fetch_menu", fetch_menu);
}

#[test]
fn fetch_audience_prompt_and_running_fetch() {
    snapshot_both("fetch_audience", || {
        let mut model = fetch_menu();
        update(&mut model, key(KeyCode::Enter));
        model
    });
    snapshot_both("fetch_running", || {
        let mut model = fetch_menu();
        update(&mut model, key(KeyCode::Enter));
        update(&mut model, key(KeyCode::Enter));
        model
    });
}

#[test]
fn preview_matrix_before_and_after() {
    for (width, height) in [(40, 10), (80, 24), (120, 30)] {
        let mut model = preview_matrix();
        let terminal = draw(&mut model, width, height);
        insta::assert_snapshot!(
            format!("preview_matrix_{width}x{height}"),
            terminal.backend()
        );
    }
}

#[test]
fn preview_matrix_recomputing_after_a_broken_save() {
    let mut model = preview_matrix();
    let cmd = update(&mut model, ch('R'));
    assert!(cmd.is_some());
    update(
        &mut model,
        Msg::MatrixComputed {
            generation: 2,
            result: Err("rules/proposed.json: line 1, column 3: expected a value".into()),
        },
    );
    update(&mut model, ch('R'));
    update(
        &mut model,
        Msg::MatrixProgress {
            generation: 3,
            read: 40_000,
        },
    );
    let terminal = draw(&mut model, 120, 30);
    insta::assert_snapshot!(
        "preview_matrix_error_recomputing_120x30",
        terminal.backend()
    );
}

#[test]
fn preview_matrix_before_its_first_result() {
    let spec = claimcheck::tui::matrix::CorpusSpec {
        corpus: "tokens/".into(),
        current: vec!["rules/current.json".into()],
        proposed: vec![],
        group_by: Default::default(),
        pinned_now: None,
    };
    let (mut model, _) = claimcheck::tui::initial_model(&mut corpus::launch(spec));
    update(
        &mut model,
        Msg::MatrixProgress {
            generation: 1,
            read: 12_800,
        },
    );
    let terminal = draw(&mut model, 80, 24);
    insta::assert_snapshot!("preview_matrix_first_result_80x24", terminal.backend());
}

#[test]
fn help_over_the_matrix_starts_with_its_keys() {
    let mut model = preview_matrix();
    update(&mut model, ch('?'));
    let terminal = draw(&mut model, 120, 30);
    insta::assert_snapshot!("preview_matrix_help_120x30", terminal.backend());
}

#[test]
fn loaded_tokens_matrix() {
    snapshot_both("loaded_matrix", || {
        let mut model = demo_model_with_rules();
        send(&mut model, [ch('M'), ch('j'), ch('l')]);
        model.regions = None;
        model
    });
}

#[test]
fn changed_cells_are_underlined_and_the_selected_cell_stands_out() {
    let mut model = preview_matrix();
    let terminal = draw(&mut model, 120, 30);
    let buffer = terminal.backend().buffer();
    let (_, row) = find(&terminal, "repo:acme/app:ref:refs/heads/main");
    let (allowed, _) = find_from(&terminal, "✓ allowed", row);
    let (denied, _) = find_from(&terminal, "✗ denied", row);
    assert!(allowed < denied, "before comes first");
    let before = buffer[(allowed, row)].style();
    let after = buffer[(denied, row)].style();
    assert_eq!(before.fg, Some(Color::Green));
    assert!(!before.add_modifier.contains(Modifier::UNDERLINED));
    assert_eq!(after.fg, Some(Color::Red));
    assert!(after.add_modifier.contains(Modifier::UNDERLINED), "changed");
    assert_eq!(after.bg, Some(Color::DarkGray), "the selected cell");
    let (lose, _) = find_from(&terminal, "−1 lose", row);
    assert_eq!(buffer[(lose, row)].style().fg, Some(Color::Red));
}

#[test]
fn matrix_screens_render_at_every_small_size() {
    let screens: [fn() -> Model; 2] = [preview_matrix, || {
        let mut model = demo_model_with_rules();
        update(&mut model, ch('M'));
        model
    }];
    for build in screens {
        let mut model = build();
        for width in (1..=130).step_by(7) {
            for height in [1, 5, 9, 10, 12, 24, 30] {
                draw(&mut model, width, height);
                update(&mut model, ch('?'));
            }
        }
    }
}

#[test]
fn an_unreachable_key_server_is_not_shown_as_a_failed_signature() {
    use claimcheck::keys::{Cause, Outcome};
    let mut model = demo_model_with_rules();
    let entry = model.current().unwrap();
    let (entry_id, generation) = (entry.id, entry.generation);
    let reason = "could not reach https://token.actions.githubusercontent.com/.well-known/openid-configuration: dns error";
    update(
        &mut model,
        Msg::Verified {
            entry_id,
            generation,
            report: claimcheck::report::SignatureReport::from(&Outcome::new(Cause::Dns, reason)),
        },
    );
    model.focus = claimcheck::tui::model::Pane::Token;
    let terminal = draw(&mut model, 120, 40);
    let buffer = terminal.backend().buffer();
    let (x, y) = find(
        &terminal,
        "– signature not checked: could not reach the keys",
    );
    assert_eq!(buffer[(x, y)].style().fg, Some(Color::Yellow));
    let (x, y) = find(&terminal, "– not checked");
    assert_eq!(buffer[(x, y)].style().fg, Some(Color::Yellow));
    // The reason follows the status in the token pane.
    find_from(&terminal, "could not reach", y + 1);
    let screen: String = buffer.content().iter().map(|cell| cell.symbol()).collect();
    assert!(!screen.contains("FAILED"), "{screen}");
    assert!(!screen.contains("✗ failed"), "{screen}");
}
