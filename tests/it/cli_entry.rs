//! The entry points that open the interactive view on a terminal fall back to headless output
//! when stdout is not a terminal (as under `assert_cmd`), and accept the TUI's options.

use assert_cmd::Command;
use predicates::prelude::*;

fn claimcheck() -> Command {
    let mut command = Command::cargo_bin("claimcheck").unwrap();
    // Never read the user's own config.toml.
    command.env("CLAIMCHECK_CONFIG", "/nonexistent/claimcheck-config.toml");
    command
}

fn demo_token(name: &str) -> String {
    claimcheck::demo::template(name)
        .unwrap()
        .mint(1_800_000_000)
}

#[test]
fn bare_command_with_piped_output_decodes_instead_of_opening_the_ui() {
    claimcheck()
        .arg(demo_token("gitlab"))
        .args(["--mouse", "--clipboard", "osc52", "--theme", "light"])
        .args(["--now", "1800000000"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Claims").and(predicate::str::contains("project_path")));
}

/// `claimcheck INPUT --rules FILE` where no view can open answers as `claimcheck check` does:
/// the same document with `--json`, the same text piped, the same exit status, whichever side
/// of INPUT the options are on.
#[test]
fn bare_command_with_rules_prints_what_check_prints() {
    let token = demo_token("github-environment");
    let rules = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/demo/rules/aws-deploy-role.json"
    );
    let pin = concat!(
        "https://token.actions.githubusercontent.com=",
        env!("CARGO_MANIFEST_DIR"),
        "/assets/demo/jwks.json"
    );
    let common = ["--now", "1800000000", "--offline", "--jwks-for", pin];
    for json in [true, false] {
        let json_flag: &[&str] = if json { &["--json"] } else { &[] };
        let check = claimcheck()
            .args(["check", &token, "--rules", rules])
            .args(common)
            .args(json_flag)
            .output()
            .unwrap();
        assert!(!check.stdout.is_empty());
        let before = claimcheck()
            .args(["--rules", rules, &token])
            .args(common)
            .args(json_flag)
            .output()
            .unwrap();
        let after = claimcheck()
            .args([&token, "--rules", rules])
            .args(common)
            .args(json_flag)
            .output()
            .unwrap();
        for bare in [&before, &after] {
            assert_eq!(
                String::from_utf8_lossy(&bare.stdout),
                String::from_utf8_lossy(&check.stdout),
                "json: {json}"
            );
            assert_eq!(bare.status.code(), check.status.code());
        }
        if json {
            let document: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
            assert_eq!(document["signature"]["status"], "verified", "{document}");
            assert!(document["decision"].is_object(), "{document}");
        }
    }
}

/// Key options without rules where no view can open verify, as `claimcheck verify` does,
/// instead of being ignored.
#[test]
fn bare_command_with_keys_prints_what_verify_prints() {
    let token = demo_token("gitlab");
    let jwks = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/jwks.json");
    let args = ["--json", "--now", "1800000000", "--jwks", jwks];
    let verify = claimcheck()
        .arg("verify")
        .arg(&token)
        .args(args)
        .output()
        .unwrap();
    let bare = claimcheck().arg(&token).args(args).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&bare.stdout),
        String::from_utf8_lossy(&verify.stdout)
    );
    let document: serde_json::Value = serde_json::from_slice(&bare.stdout).unwrap();
    assert_eq!(document["signature"]["status"], "verified", "{document}");
}

#[test]
fn piped_stdin_is_read_by_the_bare_command() {
    claimcheck()
        .write_stdin(format!("Bearer {}\n", demo_token("ona")))
        .assert()
        .success()
        .stdout(predicate::str::contains("https://app.gitpod.io"));
}

#[test]
fn demo_keeps_its_headless_forms() {
    claimcheck()
        .arg("demo")
        .assert()
        .success()
        .stdout(predicate::str::contains("Demo tokens"));
    let output = claimcheck().args(["demo", "--json"]).output().unwrap();
    let entries: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        entries.as_array().unwrap().len(),
        claimcheck::demo::templates().len()
    );
    claimcheck()
        .args(["demo", "--print-token", "kubernetes"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("eyJ"));
}

#[test]
fn tui_options_are_checked() {
    claimcheck()
        .args(["--clipboard", "sometimes"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("osc52"));
    claimcheck()
        .args(["demo", "--theme", "purple"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("light"));
}

/// Argument errors (clap's, and those of the value parsers) used to be clap's text on stderr
/// even under `--json`.
#[test]
fn argument_errors_are_the_error_document_under_json() {
    for args in [
        &["fetch", "--from", "no-such-source", "--json"][..],
        &["fetch", "--from", "exec:", "--json"],
        &["fetch", "--from", "env:X", "--timeout", "0", "--json"],
        &["decode", "--now", "yesterday", "--json", "x"],
        &["check", "--json", "--no-such-flag"],
        &["scaffold", "cobol", "--json"],
        &["--json", "--leeway", "-5"],
    ] {
        let output = claimcheck().args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let document: serde_json::Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: stdout is not JSON ({e})"));
        assert_eq!(document["schema"], 1, "{args:?}");
        assert_eq!(document["error"]["kind"], "usage", "{args:?}");
        let message = document["error"]["message"].as_str().unwrap();
        assert!(
            !message.is_empty() && !message.starts_with("error:"),
            "{message}"
        );
        assert!(!message.contains("Usage:"), "{message}");
    }
    // Without --json: clap's text on stderr, and help still works.
    claimcheck()
        .args(["fetch", "--from", "no-such-source"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("no-such-source"));
    claimcheck()
        .args(["fetch", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Sources (SOURCE)"));
}

/// Messages quoting input used to print its control and bidi characters raw.
#[test]
fn error_messages_escape_what_they_quote() {
    let raw = |c: char| predicate::function(move |text: &str| !text.contains(c));
    // A clap error quoting an argument.
    claimcheck()
        .args(["fetch", "--from", "\u{1b}]52;c;ZXZpbA==\u{7}"])
        .assert()
        .code(2)
        .stderr(
            raw('\u{1b}')
                .and(raw('\u{7}'))
                .and(predicate::str::contains("\\e]52")),
        );
    // A missing file whose name holds ESC.
    claimcheck()
        .args(["decode", "/tmp/no-such\u{1b}[2J.jwt"])
        .assert()
        .code(2)
        .stderr(raw('\u{1b}').and(predicate::str::contains("\\e[2J")));
    // A decoding error quoting a bidi override.
    claimcheck()
        .args(["decode", "eyJhbGciOiJub25lIn0\u{202e}.eyJzdWIiOiJ4In0.c2ln"])
        .assert()
        .code(2)
        .stderr(raw('\u{202e}'));
}

/// A URL whose host has dots of its own was counted as a file name and reported missing,
/// echoing the whole token.
#[test]
fn a_redirect_url_argument_is_decoded() {
    let token = demo_token("gitlab");
    claimcheck()
        .args(["decode", "--color", "never", "--now", "1800000000"])
        .arg(format!(
            "https://app.example.com/callback#id_token={token}&state=x"
        ))
        .assert()
        .success()
        .stdout(predicate::str::contains("acme/infra"));
}

/// `claimcheck demo` in every headless form leaves nothing in the temporary directory (the
/// view's engine setup is covered in-process by `app::engine`'s demo test).
#[test]
fn demo_leaves_no_file_behind() {
    let tmp = std::env::temp_dir().join(format!("claimcheck-demo-tmp-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    for args in [
        &["demo", "--print-token", "gitlab"][..],
        &["demo", "--json"][..],
        &["demo"][..],
    ] {
        claimcheck()
            .env("TMPDIR", &tmp)
            .args(args)
            .assert()
            .success();
    }
    let left: Vec<_> = std::fs::read_dir(&tmp)
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// Key options are for the view of `preview --tui`; a headless preview verifies nothing and
/// says so instead of ignoring them.
#[test]
fn preview_without_tui_refuses_key_options() {
    claimcheck()
        .args(["preview", "--tokens", "corpus.jsonl", "--rules", "r.json"])
        .args(["--jwks", "keys.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "key options apply to preview --tui",
        ));
}
