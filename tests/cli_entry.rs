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
        .args([
            "--rules",
            "trust.json",
            "--mouse",
            "--clipboard",
            "osc52",
            "--theme",
            "light",
        ])
        .args(["--now", "1800000000"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Claims").and(predicate::str::contains("project_path")));
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
