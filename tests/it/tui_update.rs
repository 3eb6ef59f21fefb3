//! `update` driven by synthetic messages: one test (or more) per keymap action, paste routing,
//! and the worker's results (stale ones dropped). No terminal involved.

use crate::tui_support as support;

use claimcheck::report::SignatureStatus;
use claimcheck::report::timefmt::DateStyle;
use claimcheck::token::{Limits, decode};
use claimcheck::trust::Outcome;
use claimcheck::tui::engine::LoadFailure;
use claimcheck::tui::keymap::Action;
use claimcheck::tui::model::{InputPurpose, NoticeKind, Pane, RuleFileState, Signature};
use claimcheck::tui::update::{Cmd, Msg, perform, update};
use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use serde_json::Value;
use support::*;

fn claim_names(model: &claimcheck::tui::model::Model) -> Vec<String> {
    model
        .visible_claims()
        .iter()
        .map(|(n, _)| (*n).clone())
        .collect()
}

fn demo_token(name: &str) -> String {
    claimcheck::demo::template(name).unwrap().mint(NOW)
}

#[test]
fn quit_from_the_keymap_and_ctrl_c_from_a_text_input() {
    let mut model = demo_model();
    assert!(matches!(update(&mut model, ch('q')), Some(Cmd::Quit)));
    assert!(model.quit);

    let mut model = demo_model();
    send(&mut model, [ch('/'), ch('q')]);
    assert!(!model.quit, "q typed into the filter is text");
    assert_eq!(model.filter, "q");
    assert!(matches!(update(&mut model, ctrl('c')), Some(Cmd::Quit)));
}

#[test]
fn help_toggles_scrolls_and_closes() {
    let mut model = demo_model();
    update(&mut model, ch('?'));
    assert!(model.help_open);
    send(&mut model, [ch('j'), ch('j')]);
    assert_eq!(model.help_scroll, 2);
    assert_eq!(
        model.claim_cursor, 0,
        "keys scroll the help, not the pane below"
    );
    update(&mut model, key(KeyCode::Esc));
    assert!(!model.help_open);
    send(&mut model, [ch('?'), ch('?')]);
    assert!(!model.help_open);
}

/// End, G and PageDown scroll the help (they used to close it); every move stays within what
/// there is to show, so the first move back is seen at once.
#[test]
fn help_scrolls_to_the_bottom_and_by_pages() {
    let mut model = demo_model();
    update(&mut model, Msg::Resize(80, 24));
    update(&mut model, ch('?'));
    update(&mut model, key(KeyCode::End));
    assert!(
        model.help_open,
        "End scrolls the help rather than closing it"
    );
    let bottom = model.help_scroll;
    assert!(bottom > 10, "80×24 shows a part of the help: {bottom}");
    update(&mut model, ch('j'));
    assert_eq!(model.help_scroll, bottom, "nothing below the bottom");
    update(&mut model, ch('k'));
    assert_eq!(model.help_scroll, bottom - 1);
    update(&mut model, ch('g'));
    assert_eq!(model.help_scroll, 0);
    update(&mut model, key(KeyCode::PageDown));
    assert!(
        model.help_open,
        "PageDown scrolls the help rather than closing it"
    );
    // 24 rows: bars 2, frame 2, so 20 shown; a page keeps one line of overlap.
    assert_eq!(model.help_scroll, 19);
    update(&mut model, key(KeyCode::PageUp));
    assert_eq!(model.help_scroll, 0);
    update(&mut model, ch('G'));
    assert!(model.help_open);
    assert_eq!(model.help_scroll, bottom);
}

/// The why panel, focused by Enter, says how to scroll it from there (Tab would move the
/// focus away); PageDown/PageUp scroll it, and the rules and claims panes move by pages.
#[test]
fn why_panel_hint_matches_the_focus_and_pages_scroll() {
    let mut model = demo_model_with_rules();
    draw(&mut model, 100, 30);
    update(&mut model, key(KeyCode::Tab));
    update(&mut model, key(KeyCode::Enter));
    assert_eq!(model.focus, Pane::Why);
    let screen = screen_at(&mut model, 100, 30);
    assert!(
        !screen.contains("Tab here"),
        "the focused panel must not send the user away with Tab: {screen}"
    );
    let max = claimcheck::tui::view::why::max_scroll(&model);
    assert!(max > 1, "at 100×30 the why panel has more than it shows");
    assert!(screen.contains("↓ more (j, PgDn)"), "{screen}");
    update(&mut model, key(KeyCode::PageDown));
    assert!(model.why_scroll > 0 && model.why_scroll <= max);
    update(&mut model, key(KeyCode::End));
    assert_eq!(model.why_scroll, max);
    update(&mut model, ch('k'));
    assert_eq!(model.why_scroll, max - 1, "the first move back is seen");
    update(&mut model, key(KeyCode::PageUp));
    assert_eq!(model.why_scroll, 0);
    // Unfocused, the hint says how to get there.
    update(&mut model, key(KeyCode::Tab));
    assert_ne!(model.focus, Pane::Why);
    let screen = screen_at(&mut model, 100, 30);
    assert!(screen.contains("↓ more (Tab here, j)"), "{screen}");

    let mut model = demo_model();
    draw(&mut model, 120, 40);
    let count = model.visible_claims().len();
    update(&mut model, key(KeyCode::PageDown));
    let page = claimcheck::tui::view::page(&model) as usize;
    assert_eq!(model.claim_cursor, page.min(count - 1));
    update(&mut model, key(KeyCode::PageUp));
    assert_eq!(model.claim_cursor, 0);
}

fn screen_at(model: &mut claimcheck::tui::model::Model, width: u16, height: u16) -> String {
    let terminal = draw(model, width, height);
    let buffer = terminal.backend().buffer();
    buffer
        .content
        .chunks(buffer.area.width as usize)
        .map(|row| row.iter().map(|cell| cell.symbol()).collect::<String>() + "\n")
        .collect()
}

#[test]
fn movement_in_the_claims_pane_clamps() {
    let mut model = demo_model();
    let count = model.visible_claims().len();
    send(&mut model, [ch('j'), key(KeyCode::Down)]);
    assert_eq!(model.claim_cursor, 2);
    update(&mut model, ch('k'));
    assert_eq!(model.claim_cursor, 1);
    update(&mut model, ch('G'));
    assert_eq!(model.claim_cursor, count - 1);
    update(&mut model, ch('j'));
    assert_eq!(model.claim_cursor, count - 1);
    update(&mut model, ch('g'));
    assert_eq!(model.claim_cursor, 0);
    update(&mut model, key(KeyCode::Up));
    assert_eq!(model.claim_cursor, 0);
}

#[test]
fn tab_cycles_the_panes_for_the_screen_size() {
    let mut model = demo_model_with_rules();
    update(&mut model, Msg::Resize(120, 40));
    assert_eq!(model.focus, Pane::Claims);
    update(&mut model, key(KeyCode::Tab));
    assert_eq!(model.focus, Pane::Rules);
    update(&mut model, key(KeyCode::Tab));
    assert_eq!(model.focus, Pane::Claims, "no why panel open: two panes");
    update(&mut model, key(KeyCode::BackTab));
    assert_eq!(model.focus, Pane::Rules);

    update(&mut model, Msg::Resize(80, 24));
    assert_eq!(
        model.panes(),
        [Pane::Token, Pane::Claims, Pane::Rules, Pane::Why]
    );
    send(&mut model, [key(KeyCode::Tab), key(KeyCode::Tab)]);
    assert_eq!(model.focus, Pane::Token);
}

#[test]
fn next_and_previous_token_clamp_and_reset_cursors() {
    let mut model = demo_model();
    update(&mut model, ch('j'));
    update(&mut model, ch('n'));
    assert_eq!(model.selected, 1);
    assert_eq!(model.claim_cursor, 0);
    send(&mut model, [ch(']'), key(KeyCode::Right), ch('l')]);
    assert_eq!(model.selected, 4);
    send(&mut model, [ch('N'), ch('['), ch('h')]);
    assert_eq!(model.selected, 1);
    for _ in 0..20 {
        update(&mut model, ch('n'));
    }
    assert_eq!(model.selected, model.tokens.len() - 1);
    for _ in 0..20 {
        update(&mut model, key(KeyCode::Left));
    }
    assert_eq!(model.selected, 0);
}

#[test]
fn removing_the_last_token_returns_to_the_paste_prompt() {
    let mut model = demo_model();
    let total = model.tokens.len();
    update(&mut model, ch('x'));
    assert_eq!(model.tokens.len(), total - 1);
    for _ in 0..total {
        update(&mut model, key(KeyCode::Delete));
    }
    assert!(model.tokens.is_empty());
    assert_eq!(model.input.as_ref().unwrap().purpose, InputPurpose::Token);
}

#[test]
fn add_token_prompt_takes_typing_and_reports_bad_input() {
    let mut model = demo_model();
    update(&mut model, ch('a'));
    assert_eq!(model.input.as_ref().unwrap().purpose, InputPurpose::Token);
    send(&mut model, "not.a-token".chars().map(ch));
    update(&mut model, key(KeyCode::Enter));
    let error = model.input.as_ref().and_then(|i| i.field.error.clone());
    assert!(error.is_some_and(|e| e.starts_with("not a token")));
    update(&mut model, ctrl('u'));
    assert_eq!(model.input.as_ref().unwrap().field.text, "");
    let before = model.tokens.len();
    let cmd = update(&mut model, Msg::Paste(demo_token("gitlab")));
    assert!(matches!(cmd, Some(Cmd::Verify { .. })));
    assert_eq!(model.tokens.len(), before + 1);
    assert_eq!(model.selected, before);
    assert!(model.input.is_none());
}

#[test]
fn paste_from_clipboard_asks_the_runtime_then_adds_the_text() {
    let mut model = demo_model();
    // The message of an earlier copy must not read as the answer to `p`.
    update(
        &mut model,
        Msg::Copied {
            what: "the raw token",
            result: Ok(claimcheck::clipboard::Via::System),
        },
    );
    assert!(model.notice.is_some());
    assert!(matches!(
        update(&mut model, ch('p')),
        Some(Cmd::ReadClipboard)
    ));
    assert!(model.notice.is_none(), "{:?}", model.notice);
    assert!(matches!(
        update(&mut model, ctrl('v')),
        Some(Cmd::ReadClipboard)
    ));
    let before = model.tokens.len();
    update(
        &mut model,
        Msg::ClipboardText(Ok(format!("Bearer {}", demo_token("ona")))),
    );
    assert_eq!(model.tokens.len(), before + 1);
    assert_eq!(model.current().unwrap().source, "clipboard");
    update(&mut model, Msg::ClipboardText(Err("no display".into())));
    assert_eq!(model.notice.as_ref().unwrap().kind, NoticeKind::Error);
    assert_eq!(model.tokens.len(), before + 1);
}

#[test]
fn copy_actions_hand_the_right_text_to_the_clipboard() {
    let mut model = demo_model();
    let compact = model.current().unwrap().token.compact().to_owned();
    match update(&mut model, ch('y')) {
        Some(Cmd::Copy { text, what }) => {
            assert_eq!(text, compact);
            assert_eq!(what, "the raw token");
        }
        _ => panic!("y should copy the raw token"),
    }
    match update(&mut model, ch('c')) {
        Some(Cmd::Copy { text, .. }) => {
            let parsed: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(
                &parsed,
                &Value::Object(model.current().unwrap().token.claims().unwrap().clone())
            );
        }
        _ => panic!("c should copy the claims"),
    }
    update(&mut model, ch('j'));
    let (_, value) = model.selected_claim().unwrap();
    let expected = value.as_str().unwrap().to_owned();
    match update(&mut model, ch('v')) {
        Some(Cmd::Copy { text, .. }) => assert_eq!(text, expected),
        _ => panic!("v should copy the selected value"),
    }
    update(
        &mut model,
        Msg::Copied {
            what: "the raw token",
            result: Ok(claimcheck::clipboard::Via::Osc52),
        },
    );
    assert!(model.notice.as_ref().unwrap().text.contains("via OSC 52"));
}

#[test]
fn reverify_bumps_the_generation_and_stale_results_are_dropped() {
    let mut model = demo_model();
    let (id, old_generation) = {
        let entry = model.current().unwrap();
        (entry.id, entry.generation)
    };
    let Some(Cmd::Verify {
        entry_id,
        generation,
        ..
    }) = update(&mut model, ch('r'))
    else {
        panic!("r should ask for verification");
    };
    assert_eq!((entry_id, generation), (id, old_generation + 1));
    assert_eq!(model.current().unwrap().signature, Signature::Checking);
    let late = claimcheck::report::SignatureReport {
        status: SignatureStatus::Failed,
        ..claimcheck::report::SignatureReport::not_checked("from the old request")
    };
    update(
        &mut model,
        Msg::Verified {
            entry_id: id,
            generation: old_generation,
            report: late,
        },
    );
    assert_eq!(
        model.current().unwrap().signature,
        Signature::Checking,
        "stale result applied"
    );
    update(
        &mut model,
        Msg::Verified {
            entry_id: id,
            generation,
            report: verified(),
        },
    );
    assert_eq!(
        model.current().unwrap().signature,
        Signature::Done(verified())
    );
}

#[test]
fn escape_cancels_a_pending_check() {
    let mut model = demo_model();
    let Some(Cmd::Verify {
        entry_id,
        generation,
        ..
    }) = update(&mut model, ch('r'))
    else {
        panic!()
    };
    update(&mut model, key(KeyCode::Esc));
    let Signature::Done(report) = &model.current().unwrap().signature else {
        panic!()
    };
    assert_eq!(report.status, SignatureStatus::NotChecked);
    assert!(report.reason.contains("cancelled"));
    update(
        &mut model,
        Msg::Verified {
            entry_id,
            generation,
            report: verified(),
        },
    );
    assert_ne!(
        model.current().unwrap().signature,
        Signature::Done(verified())
    );
}

#[test]
fn reload_rules_reloads_every_file_or_says_there_are_none() {
    let mut model = demo_model();
    assert!(update(&mut model, ch('R')).is_none());
    assert!(model.notice.as_ref().unwrap().text.contains("--rules"));
    let mut model = demo_model_with_rules();
    match update(&mut model, ch('R')) {
        Some(Cmd::LoadRules(paths)) => assert_eq!(paths.len(), 2),
        _ => panic!("R should reload"),
    }
}

#[test]
fn filter_narrows_claims_live_and_escape_clears_it() {
    let mut model = demo_model();
    update(&mut model, ch('/'));
    send(&mut model, "repo".chars().map(ch));
    let names = claim_names(&model);
    assert!(
        names
            .iter()
            .all(|n| n.contains("repo") || n == "sub" || n.contains("ref")),
        "{names:?}"
    );
    assert!(names.contains(&"repository".to_owned()));
    update(&mut model, key(KeyCode::Enter));
    assert!(model.input.is_none());
    assert_eq!(model.filter, "repo", "Enter keeps the filter");
    update(&mut model, key(KeyCode::Esc));
    assert_eq!(model.filter, "");
    update(&mut model, ch('/'));
    send(&mut model, [ch('x'), ch('y'), key(KeyCode::Backspace)]);
    assert_eq!(model.filter, "x");
    update(&mut model, key(KeyCode::Esc));
    assert!(model.input.is_none());
    assert_eq!(model.filter, "");
}

#[test]
fn a_paste_goes_to_the_focused_input_before_the_token_list() {
    let mut model = demo_model();
    let before = model.tokens.len();
    update(&mut model, ch('/'));
    let pasted = demo_token("gitpod");
    update(&mut model, Msg::Paste(format!("{pasted}\n")));
    assert_eq!(model.tokens.len(), before, "the paste became a token");
    assert_eq!(model.filter, pasted);
    assert!(model.visible_claims().is_empty());

    update(&mut model, key(KeyCode::Esc));
    update(&mut model, Msg::Paste(pasted.clone()));
    assert_eq!(
        model.tokens.len(),
        before + 1,
        "with no input focused a paste adds a token"
    );
    assert_eq!(model.current().unwrap().source, "paste");
}

#[test]
fn a_paste_of_many_characters_fires_no_hotkeys() {
    let mut model = demo_model();
    let before = model.tokens.len();
    update(&mut model, Msg::Paste("q?xyqq".into()));
    assert!(!model.quit);
    assert!(!model.help_open);
    assert_eq!(model.tokens.len(), before);
    assert!(
        model
            .notice
            .as_ref()
            .unwrap()
            .text
            .starts_with("not a token")
    );
}

#[test]
fn malformed_paste_on_the_empty_prompt_shows_the_decoder_message() {
    let mut model = empty_model();
    update(
        &mut model,
        Msg::Paste("eyJhbGciOiJSUzI1NiJ9.%%%.sig".into()),
    );
    assert!(model.tokens.is_empty());
    let input = model.input.as_ref().unwrap();
    assert!(
        input
            .field
            .error
            .as_ref()
            .unwrap()
            .starts_with("not a token"),
        "{input:?}"
    );
    update(&mut model, key(KeyCode::Esc));
    assert!(
        model.input.is_some(),
        "the prompt is the whole screen when there is no token"
    );
}

#[test]
fn toggle_time_cycles_utc_local_unix() {
    let mut model = demo_model();
    assert_eq!(model.date_style, DateStyle::Utc);
    update(&mut model, ch('t'));
    assert_eq!(model.date_style, DateStyle::Local);
    update(&mut model, ch('t'));
    assert_eq!(model.date_style, DateStyle::Unix);
    update(&mut model, ch('t'));
    assert_eq!(model.date_style, DateStyle::Utc);
}

#[test]
fn what_if_edit_of_one_claim_adds_a_simulated_token_and_re_evaluates() {
    let mut model = demo_model_with_rules();
    let outcomes = |m: &claimcheck::tui::model::Model| -> Vec<Outcome> {
        m.current()
            .unwrap()
            .verdicts
            .iter()
            .map(|(_, v)| v.outcome)
            .collect()
    };
    assert_eq!(
        outcomes(&model),
        [Outcome::Denied, Outcome::Allowed, Outcome::NotApplicable]
    );
    let sub_index = claim_names(&model).iter().position(|n| n == "sub").unwrap();
    for _ in 0..sub_index {
        update(&mut model, ch('j'));
    }
    update(&mut model, ch('e'));
    let input = model.input.as_ref().unwrap();
    assert_eq!(
        input.purpose,
        InputPurpose::EditClaim { name: "sub".into() }
    );
    assert_eq!(input.field.text, "\"repo:acme/app:environment:prod\"");
    update(&mut model, ctrl('u'));
    send(
        &mut model,
        "repo:acme/app:ref:refs/heads/main".chars().map(ch),
    );
    update(&mut model, key(KeyCode::Enter));
    let entry = model.current().unwrap();
    assert!(entry.simulated.is_some());
    assert_eq!(
        entry.token.claims().unwrap()["sub"],
        "repo:acme/app:environment:prod",
        "original untouched"
    );
    assert_eq!(
        entry.claims().unwrap()["sub"],
        "repo:acme/app:ref:refs/heads/main"
    );
    assert_eq!(
        outcomes(&model),
        [Outcome::Allowed, Outcome::Denied, Outcome::NotApplicable]
    );
    assert!(
        update(&mut model, ch('y')).is_none(),
        "a what-if has no raw token to copy"
    );
    assert!(
        update(&mut model, ch('r')).is_none(),
        "nor a signature to verify"
    );
}

#[test]
fn what_if_editing_an_empty_value_removes_the_claim() {
    let mut model = demo_model_with_rules();
    update(&mut model, ch('e'));
    update(&mut model, ctrl('u'));
    update(&mut model, key(KeyCode::Enter));
    assert!(
        model
            .current()
            .unwrap()
            .claims()
            .unwrap()
            .get("jti")
            .is_none()
    );
}

#[test]
fn what_if_in_the_editor_round_trips_json() {
    let mut model = demo_model_with_rules();
    let Some(Cmd::EditClaimsExternally(json)) = update(&mut model, ch('E')) else {
        panic!("E should open the editor");
    };
    let mut claims: serde_json::Map<String, Value> = serde_json::from_str(&json).unwrap();
    claims.insert("aud".into(), "api://AzureADTokenExchange".into());
    update(
        &mut model,
        Msg::ClaimsEdited(Ok(Value::Object(claims).to_string())),
    );
    let entry = model.current().unwrap();
    assert!(entry.source.starts_with("what-if"));
    assert_eq!(entry.verdicts[1].1.outcome, Outcome::Denied);
    let count = model.tokens.len();
    update(&mut model, Msg::ClaimsEdited(Ok("[1, 2]".into())));
    assert_eq!(model.tokens.len(), count);
    assert!(model.notice.as_ref().unwrap().text.contains("JSON object"));
}

#[test]
fn enter_on_a_rule_opens_the_why_panel_and_o_opens_its_file() {
    let mut model = demo_model_with_rules();
    update(&mut model, key(KeyCode::Tab));
    assert_eq!(model.focus, Pane::Rules);
    update(&mut model, key(KeyCode::Enter));
    assert!(model.why_open);
    assert_eq!(model.focus, Pane::Why);
    match update(&mut model, ch('o')) {
        Some(Cmd::OpenInEditor(path)) => assert_eq!(path.to_str(), Some("rules/aws-deploy.json")),
        _ => panic!("o should open the rule file"),
    }
    update(&mut model, key(KeyCode::Esc));
    assert!(!model.why_open);
    assert_eq!(model.focus, Pane::Rules);
    send(&mut model, [ch('j'), ch('j'), key(KeyCode::Enter)]);
    assert_eq!(model.selected_verdict().unwrap().1.rule.name, "gitlab-ci");
}

#[test]
fn open_why_without_rules_says_so() {
    let mut model = demo_model();
    perform(&mut model, Action::OpenWhy);
    assert!(!model.why_open);
    assert_eq!(model.notice.as_ref().unwrap().kind, NoticeKind::Error);
}

#[test]
fn rule_files_load_break_and_keep_the_last_good_rules_as_stale() {
    let mut model = demo_model_with_rules();
    let path = model.rule_files[0].path.clone();
    assert!(matches!(
        update(&mut model, Msg::RuleFileChanged(path.clone())),
        Some(Cmd::LoadRules(p)) if p == [path.clone()]
    ));
    assert!(update(&mut model, Msg::RuleFileChanged("elsewhere.json".into())).is_none());

    update(
        &mut model,
        Msg::RulesLoaded {
            path: path.clone(),
            result: Err(LoadFailure::Invalid("line 3: expected ','".into())),
        },
    );
    assert!(matches!(
        model.rule_files[0].state,
        RuleFileState::Invalid(_)
    ));
    assert!(model.rule_files[0].is_stale());
    assert_eq!(
        model.current().unwrap().verdicts.len(),
        3,
        "last good rules still evaluated"
    );

    update(
        &mut model,
        Msg::RulesLoaded {
            path: path.clone(),
            result: Ok(vec![]),
        },
    );
    assert!(matches!(model.rule_files[0].state, RuleFileState::Loaded));
    assert!(model.notice.as_ref().unwrap().text.starts_with("reloaded"));
    assert_eq!(model.current().unwrap().verdicts.len(), 1);

    update(
        &mut model,
        Msg::RuleFileUnreadable {
            path,
            error: "permission denied".into(),
        },
    );
    assert!(matches!(
        model.rule_files[0].state,
        RuleFileState::Unreadable(_)
    ));
}

/// A provider document arriving (at start-up, or edited) reads the policies beside it again;
/// the user changed nothing in them, so "reloaded" (which the view said on every demo start)
/// must not be announced for them. A change the user makes still is.
#[test]
fn policies_read_again_for_their_provider_are_not_announced_as_reloaded() {
    let mut model = demo_model_with_rules();
    let provider = std::path::PathBuf::from("rules/aws-github-provider.json");
    let others: Vec<_> = model.rule_files.iter().map(|f| f.path.clone()).collect();
    assert!(matches!(
        update(&mut model, Msg::ProvidersChanged(provider)),
        Some(Cmd::LoadRules(paths)) if paths == others
    ));
    for path in &others {
        update(
            &mut model,
            Msg::RulesLoaded {
                path: path.clone(),
                result: Ok(vec![]),
            },
        );
    }
    assert!(
        model.notice.is_none(),
        "announced: {:?}",
        model.notice.map(|n| n.text)
    );

    let edited = others[0].clone();
    update(&mut model, Msg::RuleFileChanged(edited.clone()));
    update(
        &mut model,
        Msg::RulesLoaded {
            path: edited,
            result: Ok(vec![]),
        },
    );
    assert!(model.notice.as_ref().unwrap().text.starts_with("reloaded"));
}

#[test]
fn a_provider_document_is_shown_as_one_not_as_an_empty_rule_file() {
    let mut model = demo_model_with_rules();
    let provider = std::path::PathBuf::from("rules/aws-github-provider.json");
    model.rule_files.push(claimcheck::tui::model::RuleFile {
        path: provider.clone(),
        rules: Vec::new(),
        state: RuleFileState::Loaded,
        joins_policies: false,
    });
    update(&mut model, Msg::ProvidersChanged(provider.clone()));
    let file = |model: &claimcheck::tui::model::Model| {
        model
            .rule_files
            .iter()
            .find(|f| f.path == provider)
            .unwrap()
            .joins_policies
    };
    assert!(file(&model));
    // Edited into something that no longer parses: the error shows, not "provider".
    model.rule_files.last_mut().unwrap().state = RuleFileState::Invalid("bad".to_owned());
    update(&mut model, Msg::ProvidersChanged(provider.clone()));
    assert!(!file(&model));
}

#[test]
fn ticks_move_the_clock_expire_notices_and_clear_the_clipboard() {
    let mut model = demo_model();
    model.clear_clipboard_after = Some(30);
    update(
        &mut model,
        Msg::Copied {
            what: "the raw token",
            result: Ok(claimcheck::clipboard::Via::System),
        },
    );
    assert!(model.notice.is_some());
    assert!(update(&mut model, Msg::Tick(NOW + 10)).is_none());
    assert_eq!(model.now, NOW + 10);
    assert!(model.notice.is_some(), "a notice stays a few ticks");
    for _ in 0..claimcheck::tui::update::NOTICE_FRAMES {
        update(&mut model, Msg::Tick(NOW + 10));
    }
    assert!(
        model.notice.is_none(),
        "and then goes, even with a frozen clock"
    );
    assert!(matches!(
        update(&mut model, Msg::Tick(NOW + 30)),
        Some(Cmd::ClearClipboard)
    ));
    assert!(update(&mut model, Msg::Tick(NOW + 31)).is_none());
}

#[test]
fn key_releases_are_ignored_and_mouse_wheel_moves() {
    let mut model = demo_model();
    let mut release = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE);
    release.kind = KeyEventKind::Release;
    update(&mut model, Msg::Key(release));
    assert_eq!(model.claim_cursor, 0);
    let wheel = MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 0,
        row: 0,
        modifiers: KeyModifiers::NONE,
    };
    update(&mut model, Msg::Mouse(wheel));
    assert_eq!(model.claim_cursor, 1);
}

#[test]
fn termination_quits() {
    let mut model = demo_model();
    assert!(matches!(
        update(&mut model, Msg::Terminate),
        Some(Cmd::Quit)
    ));
}

#[test]
fn encrypted_tokens_have_no_claims_to_evaluate_or_copy() {
    let mut model = demo_model_with_rules();
    update(&mut model, Msg::Paste(jwe()));
    let entry = model.current().unwrap();
    assert!(entry.claims().is_none());
    assert!(entry.verdicts.is_empty());
    assert!(update(&mut model, ch('c')).is_none());
    assert!(decode(&jwe(), &Limits::default()).is_ok());
}

#[test]
fn f1_opens_help_even_from_the_paste_prompt_and_esc_returns_to_it() {
    let mut model = empty_model();
    update(&mut model, key(KeyCode::F(1)));
    assert!(model.help_open);
    update(&mut model, ch('j'));
    assert_eq!(model.help_scroll, 1);
    assert_eq!(
        model.input.as_ref().unwrap().field.text,
        "",
        "keys went to the help, not the prompt"
    );
    update(&mut model, key(KeyCode::Esc));
    assert!(!model.help_open);
    update(&mut model, ch('x'));
    assert_eq!(model.input.as_ref().unwrap().field.text, "x");
}

#[test]
fn a_rule_file_named_twice_is_loaded_once() {
    let mut model = empty_model();
    let paths = vec!["a.json".into(), "b.json".into(), "a.json".into()];
    match claimcheck::tui::update::add_rule_files(&mut model, paths) {
        Some(Cmd::LoadRules(paths)) => assert_eq!(paths.len(), 2),
        _ => panic!("expected one load of each file"),
    }
    assert_eq!(model.rule_files.len(), 2);
    assert!(claimcheck::tui::update::add_rule_files(&mut model, vec!["b.json".into()]).is_none());
}

// ---------------------------------------------------------------- fetch menu (f, F)

mod fetching {
    use super::*;
    use claimcheck::source::{AudienceUse, Available, Fetched, SourceError, SourceSpec};
    use claimcheck::tui::fetch_menu::{FetchRequest, Stage};
    use claimcheck::tui::model::Model;

    fn gitpod_detected() -> Vec<Available> {
        vec![Available {
            spec: SourceSpec::Gitpod,
            audience: AudienceUse::Required,
            evidence: "gp is on PATH (/usr/bin/gp)".into(),
        }]
    }

    fn fetched(template: &str, source: &str) -> Box<Fetched> {
        Box::new(Fetched {
            token: decode(&demo_token(template), &Limits::default()).unwrap(),
            source: source.into(),
            origin: format!("`{source}`"),
            details: vec![],
            notes: vec![],
        })
    }

    fn expect_fetch(cmd: Option<Cmd>) -> FetchRequest {
        match cmd {
            Some(Cmd::Fetch(request)) => request,
            _ => panic!("expected a fetch command"),
        }
    }

    fn type_text(model: &mut Model, text: &str) {
        send(model, text.chars().map(ch));
    }

    /// `f`, the detected sources arrive, Enter on the first: the audience prompt.
    fn open_and_choose_first(model: &mut Model) {
        assert!(matches!(update(model, ch('f')), Some(Cmd::DetectSources)));
        assert!(model.fetch.menu.as_ref().unwrap().detecting);
        update(model, Msg::SourcesDetected(gitpod_detected()));
        update(model, key(KeyCode::Enter));
    }

    fn audience_text(model: &Model) -> String {
        match &model.fetch.menu.as_ref().unwrap().stage {
            Stage::Audience { field, .. } => field.text.clone(),
            _ => panic!("expected the audience prompt"),
        }
    }

    #[test]
    fn the_menu_lists_detected_sources_first_and_fetches_with_the_chosen_audience() {
        let mut model = demo_model();
        update(&mut model, ch('f'));
        update(&mut model, Msg::SourcesDetected(gitpod_detected()));
        let menu = model.fetch.menu.as_ref().unwrap();
        assert!(!menu.detecting);
        assert_eq!(menu.items[0].label, "gitpod");
        assert!(menu.items[0].detected);
        assert!(menu.items[1..].iter().all(|i| !i.detected));
        assert!(
            !menu.items[1..].iter().any(|i| i.label == "gitpod"),
            "a detected source is not listed twice"
        );

        update(&mut model, key(KeyCode::Enter));
        // The current token's audience is the sane first guess: it is what the rule refused.
        assert_eq!(audience_text(&model), "sts.amazonaws.com");
        update(&mut model, ctrl('u'));
        type_text(&mut model, "https://vault.example");
        let request = expect_fetch(update(&mut model, key(KeyCode::Enter)));
        assert_eq!(request.spec, SourceSpec::Gitpod);
        assert_eq!(request.audience.as_deref(), Some("https://vault.example"));
        assert!(model.fetch.menu.is_none());
        assert!(model.fetch.running.is_some());

        let before = model.tokens.len();
        let cmd = update(
            &mut model,
            Msg::Fetched {
                generation: request.generation,
                result: Ok(fetched("gitpod", "gitpod")),
            },
        );
        assert!(
            matches!(cmd, Some(Cmd::Verify { .. })),
            "the new token is verified"
        );
        assert_eq!(model.tokens.len(), before + 1);
        assert_eq!(model.selected, before, "the fetched token is shown");
        assert_eq!(model.current().unwrap().source, "gitpod");
        assert!(model.fetch.running.is_none());
        let notice = model.notice.as_ref().unwrap();
        assert_eq!(notice.kind, NoticeKind::Info);
        assert!(notice.text.contains("fetched a token from `gitpod`"));

        // The audience is remembered for the source within the session.
        open_and_choose_first(&mut model);
        assert_eq!(audience_text(&model), "https://vault.example");
        update(&mut model, key(KeyCode::Esc));
        assert!(matches!(
            model.fetch.menu.as_ref().unwrap().stage,
            Stage::Choose
        ));
        update(&mut model, key(KeyCode::Esc));
        assert!(model.fetch.menu.is_none());
    }

    #[test]
    fn a_required_audience_cannot_be_left_empty() {
        let mut model = empty_model();
        // From the paste prompt (the whole screen until there is a token), Ctrl-F opens it.
        assert!(matches!(
            update(&mut model, ctrl('f')),
            Some(Cmd::DetectSources)
        ));
        update(&mut model, Msg::SourcesDetected(gitpod_detected()));
        update(&mut model, key(KeyCode::Enter));
        assert_eq!(
            audience_text(&model),
            "sts.amazonaws.com",
            "no token to take it from: AWS's audience"
        );
        update(&mut model, ctrl('u'));
        assert!(update(&mut model, key(KeyCode::Enter)).is_none());
        match &model.fetch.menu.as_ref().unwrap().stage {
            Stage::Audience { field, .. } => {
                assert!(
                    field
                        .error
                        .as_deref()
                        .unwrap()
                        .contains("gitpod needs an audience")
                )
            }
            _ => panic!("still asking for the audience"),
        }
        assert!(model.fetch.running.is_none());
    }

    #[test]
    fn f_typed_into_the_paste_prompt_is_text() {
        let mut model = empty_model();
        update(&mut model, ch('f'));
        assert!(model.fetch.menu.is_none());
        assert_eq!(model.input.as_ref().unwrap().field.text, "f");
    }

    fn choose_preset(model: &mut Model, label: &str) -> Option<Cmd> {
        update(model, ch('f'));
        update(model, Msg::SourcesDetected(vec![]));
        let at = model
            .fetch
            .menu
            .as_ref()
            .unwrap()
            .items
            .iter()
            .position(|i| i.label == label)
            .unwrap();
        for _ in 0..at {
            update(model, ch('j'));
        }
        update(model, key(KeyCode::Enter))
    }

    #[test]
    fn command_and_file_sources_ask_for_what_they_run_or_read() {
        let mut model = demo_model();
        assert!(choose_preset(&mut model, "exec:COMMAND").is_none());
        type_text(&mut model, "a | b");
        assert!(update(&mut model, key(KeyCode::Enter)).is_none());
        match &model.fetch.menu.as_ref().unwrap().stage {
            Stage::Parameter { field, .. } => {
                let error = &field.error;
                assert!(error.as_deref().unwrap().contains("sh:"), "{error:?}")
            }
            _ => panic!("still asking for the command"),
        }
        update(&mut model, ctrl('u'));
        update(&mut model, Msg::Paste("cat '/tmp/a token.jwt'\n".into()));
        let request = expect_fetch(update(&mut model, key(KeyCode::Enter)));
        assert_eq!(
            request.spec,
            SourceSpec::Exec(vec!["cat".into(), "/tmp/a token.jwt".into()])
        );
        assert_eq!(request.audience, None, "a command's audience is its own");

        let mut model = demo_model();
        choose_preset(&mut model, "file:PATH");
        type_text(&mut model, "/tmp/t.jwt");
        let request = expect_fetch(update(&mut model, key(KeyCode::Enter)));
        assert_eq!(request.spec, "file:/tmp/t.jwt".parse().unwrap());

        let mut model = demo_model();
        assert!(matches!(
            choose_preset(&mut model, "clipboard"),
            Some(Cmd::ReadClipboard)
        ));
        assert!(model.fetch.menu.is_none());
    }

    #[test]
    fn a_failed_fetch_shows_the_sources_stderr_in_the_status_line() {
        let mut model = demo_model();
        open_and_choose_first(&mut model);
        let request = expect_fetch(update(&mut model, key(KeyCode::Enter)));
        let before = model.tokens.len();
        let cmd = update(
            &mut model,
            Msg::Fetched {
                generation: request.generation,
                result: Err(SourceError::CommandFailed {
                    command: "gp idp token --audience sts.amazonaws.com".into(),
                    status: "exit status 1".into(),
                    stderr: "Error: not logged in to Gitpod\n".into(),
                }),
            },
        );
        assert!(cmd.is_none());
        assert_eq!(model.tokens.len(), before);
        let notice = model.notice.as_ref().unwrap();
        assert_eq!(notice.kind, NoticeKind::Error);
        assert!(
            notice.text.contains("Error: not logged in to Gitpod")
                && notice.text.contains("exit status 1"),
            "{}",
            notice.text
        );
        // The whole story stays for the menu.
        let full = model.fetch.last_error.as_deref().unwrap();
        assert!(full.contains("| Error: not logged in to Gitpod"), "{full}");
        assert!(model.fetch.running.is_none());
    }

    #[test]
    fn esc_cancels_a_fetch_and_its_late_answer_is_dropped() {
        let mut model = demo_model();
        open_and_choose_first(&mut model);
        let request = expect_fetch(update(&mut model, key(KeyCode::Enter)));
        update(&mut model, key(KeyCode::Esc));
        assert!(
            request.cancel.is_cancelled(),
            "the running command is stopped"
        );
        assert!(model.fetch.running.is_none());
        let before = model.tokens.len();
        update(
            &mut model,
            Msg::Fetched {
                generation: request.generation,
                result: Ok(fetched("gitpod", "gitpod")),
            },
        );
        assert_eq!(model.tokens.len(), before);

        // A newer fetch overtakes an older one: the older answer is dropped.
        open_and_choose_first(&mut model);
        let first = expect_fetch(update(&mut model, key(KeyCode::Enter)));
        open_and_choose_first(&mut model);
        let second = expect_fetch(update(&mut model, key(KeyCode::Enter)));
        assert!(first.cancel.is_cancelled());
        update(
            &mut model,
            Msg::Fetched {
                generation: first.generation,
                result: Ok(fetched("gitpod", "gitpod")),
            },
        );
        assert_eq!(model.tokens.len(), before);
        update(
            &mut model,
            Msg::Fetched {
                generation: second.generation,
                result: Ok(fetched("gitpod", "gitpod")),
            },
        );
        assert_eq!(model.tokens.len(), before + 1);
    }

    #[test]
    fn refetch_replaces_the_current_token_from_its_source() {
        let mut model = demo_model();
        update(&mut model, ch('F'));
        let notice = model.notice.as_ref().unwrap();
        assert_eq!(notice.kind, NoticeKind::Error);
        assert!(notice.text.contains("not fetched"), "{}", notice.text);

        choose_preset(&mut model, "file:PATH");
        type_text(&mut model, "/tmp/t.jwt");
        let request = expect_fetch(update(&mut model, key(KeyCode::Enter)));
        update(
            &mut model,
            Msg::Fetched {
                generation: request.generation,
                result: Ok(fetched("gitlab", "file:/tmp/t.jwt")),
            },
        );
        let count = model.tokens.len();
        let id = model.current().unwrap().id;
        let old = model.current().unwrap().token.compact().to_owned();

        let again = expect_fetch(update(&mut model, ch('F')));
        assert_eq!(again.spec, request.spec);
        assert!(again.generation > request.generation);
        let cmd = update(
            &mut model,
            Msg::Fetched {
                generation: again.generation,
                result: Ok(fetched("eks-irsa", "file:/tmp/t.jwt")),
            },
        );
        assert_eq!(model.tokens.len(), count, "replaced, not added");
        let entry = model.current().unwrap();
        assert_eq!(entry.id, id);
        assert_ne!(entry.token.compact(), old);
        assert_eq!(entry.signature, Signature::Checking);
        match cmd {
            Some(Cmd::Verify {
                entry_id,
                generation,
                ..
            }) => assert_eq!((entry_id, generation), (id, entry.generation)),
            _ => panic!("the new token is verified"),
        }
        assert!(model.notice.as_ref().unwrap().text.starts_with("refetched"));
    }

    #[test]
    fn the_fetch_keys_are_in_the_keymap_and_the_help() {
        let model = demo_model();
        assert_eq!(
            model.keymap.keys_for(Action::FetchToken)[0].to_string(),
            "f"
        );
        assert_eq!(model.keymap.keys_for(Action::Refetch)[0].to_string(), "F");
        let mut model = demo_model();
        assert!(matches!(
            perform(&mut model, Action::FetchToken),
            Some(Cmd::DetectSources)
        ));
    }
    /// The field being typed into, whichever prompt has it.
    fn field(model: &Model) -> &claimcheck::tui::text_field::TextField {
        match model.fetch.menu.as_ref().map(|menu| &menu.stage) {
            Some(Stage::Parameter { field, .. } | Stage::Audience { field, .. }) => field,
            _ => &model.input.as_ref().expect("a prompt is open").field,
        }
    }

    /// Every prompt is the one text field: the paste prompt, the filter, the what-if editor,
    /// the rule file and key inputs, and the fetch menu's command and audience take characters,
    /// Backspace, Ctrl-U and pastes alike, and an edit clears the error shown under the text.
    #[test]
    fn every_prompt_edits_its_text_the_same_way() {
        type Open = fn(&mut Model);
        let prompts: [(&str, Open); 7] = [
            ("paste prompt", |m| {
                perform(m, Action::AddToken);
            }),
            ("filter", |m| {
                perform(m, Action::Filter);
            }),
            ("what-if", |m| {
                perform(m, Action::EditClaim);
                update(m, ctrl('u'));
            }),
            ("rule file", |m| {
                perform(m, Action::AddRuleFile);
            }),
            ("key", |m| {
                perform(m, Action::GiveKey);
            }),
            ("fetch command", |m| {
                choose_preset(m, "exec:COMMAND");
            }),
            ("fetch audience", |m| {
                update(m, ch('f'));
                update(m, Msg::SourcesDetected(gitpod_detected()));
                update(m, key(KeyCode::Enter));
                update(m, ctrl('u'));
            }),
        ];
        for (name, open) in prompts {
            let mut model = demo_model();
            open(&mut model);
            assert_eq!(field(&model).text, "", "{name}: opens empty");
            type_text(&mut model, "ab");
            update(&mut model, key(KeyCode::Backspace));
            type_text(&mut model, "c");
            assert_eq!(field(&model).text, "ac", "{name}");
            update(&mut model, ctrl('x'));
            assert_eq!(
                field(&model).text,
                "ac",
                "{name}: other Ctrl keys are not text"
            );
            if name != "paste prompt" {
                // The paste prompt decodes what is pasted (tested above); the others append it.
                update(&mut model, Msg::Paste("d/e f\n".into()));
                assert_eq!(field(&model).text, "acd/e f", "{name}");
            }
            update(&mut model, ctrl('u'));
            assert_eq!(field(&model).text, "", "{name}: Ctrl-U clears");
            // Enter on an empty field is refused by these prompts and the refusal is shown
            // until the next edit.
            if !matches!(name, "filter" | "what-if") {
                update(&mut model, key(KeyCode::Enter));
                assert!(field(&model).error.is_some(), "{name}: empty is refused");
                type_text(&mut model, "x");
                assert_eq!(
                    field(&model).error,
                    None,
                    "{name}: an edit clears the error"
                );
            }
        }
    }
}

/// The view makes the same decision as `check`: a failed signature refuses every rule that
/// applies, a signature that could not be checked leaves the verdicts but is not a yes.
#[test]
fn the_signature_takes_part_in_every_verdict() {
    use claimcheck::report::SignatureReport;
    use claimcheck::report::decision::{DecisionOutcome, DecisionSignature};
    let mut model = demo_model_with_rules();
    let entry = model.current().unwrap();
    let allowed = |model: &claimcheck::tui::model::Model| {
        model
            .current()
            .unwrap()
            .verdicts
            .iter()
            .filter(|(_, v)| v.outcome == Outcome::Allowed)
            .count()
    };
    assert_eq!(
        allowed(&model),
        1,
        "the environment role allows the environment token"
    );
    assert_eq!(
        entry.decision.as_ref().unwrap().signature,
        DecisionSignature::Verified
    );
    let id = entry.id;
    let generation = entry.generation;
    let answer = |model: &mut claimcheck::tui::model::Model, status, reason: &str| {
        update(
            model,
            Msg::Verified {
                entry_id: id,
                generation,
                report: SignatureReport {
                    status,
                    ..SignatureReport::not_checked(reason)
                },
            },
        );
    };
    answer(&mut model, SignatureStatus::Failed, "the token was altered");
    assert_eq!(allowed(&model), 0);
    let entry = model.current().unwrap();
    let decision = entry.decision.as_ref().unwrap();
    assert_eq!(decision.outcome, DecisionOutcome::Denied);
    assert_eq!(decision.signature, DecisionSignature::Failed);
    for (_, verdict) in &entry.verdicts {
        if verdict.outcome != Outcome::NotApplicable {
            assert_eq!(verdict.outcome, Outcome::Denied);
            assert_eq!(verdict.deciding_check().unwrap().condition, "signature");
        }
    }
    let screen = screen_text(&mut model);
    assert!(
        screen.contains("signature failed: every system refuses"),
        "{screen}"
    );

    answer(
        &mut model,
        SignatureStatus::NotChecked,
        "could not reach https://x: dns error",
    );
    assert_eq!(allowed(&model), 1, "the rules' verdicts stand");
    let decision = model.current().unwrap().decision.clone().unwrap();
    assert_eq!(decision.signature, DecisionSignature::NotChecked);
    let screen = screen_text(&mut model);
    assert!(
        screen.contains("signature could not be checked"),
        "{screen}"
    );
}

fn screen_text(model: &mut claimcheck::tui::model::Model) -> String {
    let terminal = draw(model, 120, 40);
    let buffer = terminal.backend().buffer();
    let width = buffer.area.width as usize;
    buffer
        .content
        .chunks(width)
        .map(|row| row.iter().map(|cell| cell.symbol()).collect::<String>() + "\n")
        .collect::<String>()
        // The rules pane wraps sentences: compare with line breaks and borders folded away.
        .replace(['│', '\n'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Tokens pasted without end (a script feeding the clipboard, a long log) do not grow the view
/// without bound: the oldest is closed, and the status line says so.
#[test]
fn the_view_keeps_a_bounded_number_of_tokens() {
    use claimcheck::tui::update::MAX_TOKENS;
    let mut model = demo_model();
    let token = demo_token("github-branch");
    for _ in 0..MAX_TOKENS + 5 {
        update(&mut model, Msg::Paste(token.clone()));
    }
    assert_eq!(model.tokens.len(), MAX_TOKENS);
    assert_eq!(model.selected, MAX_TOKENS - 1);
    assert!(
        model
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("oldest was closed"),
        "{:?}",
        model.notice.as_ref().map(|n| &n.text)
    );
}

/// `claimcheck TOKEN --rules FILE --no-verify` decides as `check --no-verify` does: on the
/// rules (and times) alone, where an unchecked signature otherwise keeps a yes from being one.
#[test]
fn no_verify_decides_on_the_rules_alone() {
    use claimcheck::report::SignatureReport;
    use claimcheck::report::decision::DecisionOutcome;
    for (required, expected) in [
        (true, DecisionOutcome::NotChecked),
        (false, DecisionOutcome::Allowed),
    ] {
        // Only the role that allows the first demo token, so that the rules say yes.
        let mut model = demo_model();
        model.rule_files = vec![rule_file(
            "rules/aws-environment.json",
            vec![aws_environment_role()],
            RuleFileState::Loaded,
        )];
        model.signature_required = required;
        let entry = model.current().unwrap();
        let (entry_id, generation) = (entry.id, entry.generation);
        update(
            &mut model,
            Msg::Verified {
                entry_id,
                generation,
                report: SignatureReport::not_checked(
                    "--no-verify: the rules were evaluated against the claims as given",
                ),
            },
        );
        let decision = model.current().unwrap().decision.clone().unwrap();
        assert_eq!(decision.outcome, expected, "required: {required}");
    }
}

fn mouse(kind: MouseEventKind, column: u16, row: u16) -> Msg {
    Msg::Mouse(MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    })
}

/// With --mouse, a click focuses the pane under the pointer and the wheel scrolls the pane
/// under the pointer, not the focused one. Positions come from the layout the view draws: the
/// columns and the why panel on a wide screen, the tabs on a narrow one.
#[test]
fn a_click_focuses_and_the_wheel_scrolls_the_pane_under_the_pointer() {
    let mut model = demo_model_with_rules();
    draw(&mut model, 120, 40);
    assert_eq!(model.focus, Pane::Claims);
    // 120 columns: token 0..28, claims 28..76, rules 76..120; the body starts on row 1.
    update(
        &mut model,
        mouse(MouseEventKind::Down(MouseButton::Left), 100, 5),
    );
    assert_eq!(model.focus, Pane::Rules);
    update(&mut model, mouse(MouseEventKind::ScrollDown, 50, 5));
    assert_eq!(
        model.claim_cursor, 1,
        "the claims under the pointer scrolled"
    );
    assert_eq!(model.rule_cursor, 0);
    assert_eq!(model.focus, Pane::Rules, "the wheel leaves the focus alone");
    update(&mut model, mouse(MouseEventKind::ScrollDown, 100, 5));
    assert_eq!(model.rule_cursor, 1);

    // The why panel (the lower part of a wide screen) takes clicks too.
    update(&mut model, key(KeyCode::Enter));
    update(
        &mut model,
        mouse(MouseEventKind::Down(MouseButton::Left), 50, 5),
    );
    assert_eq!(model.focus, Pane::Claims);
    // The token pane is not focusable on a wide screen (Tab skips it too).
    update(
        &mut model,
        mouse(MouseEventKind::Down(MouseButton::Left), 10, 5),
    );
    assert_eq!(model.focus, Pane::Claims);
    update(
        &mut model,
        mouse(MouseEventKind::Down(MouseButton::Left), 60, 35),
    );
    assert_eq!(model.focus, Pane::Why);
    // The top and bottom bars are no pane: a click there changes nothing.
    update(
        &mut model,
        mouse(MouseEventKind::Down(MouseButton::Left), 60, 0),
    );
    update(
        &mut model,
        mouse(MouseEventKind::Down(MouseButton::Left), 60, 39),
    );
    assert_eq!(model.focus, Pane::Why);

    // 80×24: the panes are tabs on row 1 (" Token │ Claims │ Rules │ Why").
    let mut model = demo_model_with_rules();
    draw(&mut model, 80, 24);
    update(
        &mut model,
        mouse(MouseEventKind::Down(MouseButton::Left), 23, 1),
    );
    assert_eq!(model.focus, Pane::Rules);
    update(
        &mut model,
        mouse(MouseEventKind::Down(MouseButton::Left), 2, 1),
    );
    assert_eq!(model.focus, Pane::Token);
}
