//! `claimcheck preview`: a corpus of tokens from several workflows against a current and a
//! proposed AWS trust policy.

// The corpus and the two policies are the ones the matrix tests use.
use crate::tui_support as support;
use crate::tui_support::corpus;

use assert_cmd::Command;
use serde_json::Value;

use corpus::{corpus_text, corpus_text_at, org_wide, prod_only};
use support::NOW;

struct Corpus {
    dir: std::path::PathBuf,
}

impl Corpus {
    fn new(name: &str) -> Corpus {
        let dir =
            std::env::temp_dir().join(format!("claimcheck-preview-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("org-wide.json"), org_wide()).unwrap();
        std::fs::write(dir.join("prod-only.json"), prod_only()).unwrap();
        // Line numbers matter: the diff must name exactly lines 2, 3 and 6.
        std::fs::write(dir.join("corpus.txt"), corpus_text()).unwrap();
        Corpus { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_str().unwrap().to_owned()
    }

    fn preview(&self, current: &str, proposed: &str, extra: &[&str]) -> (Value, i32) {
        let output = Command::cargo_bin("claimcheck")
            .unwrap()
            .env("CLAIMCHECK_CONFIG", "/nonexistent")
            .args([
                "preview",
                "--json",
                "--now",
                &NOW.to_string(),
                "--tokens",
                &self.path("corpus.txt"),
            ])
            .args([
                "--rules",
                &self.path(current),
                "--against",
                &self.path(proposed),
            ])
            .args(extra)
            .output()
            .unwrap();
        (
            serde_json::from_slice(&output.stdout).unwrap(),
            output.status.code().unwrap(),
        )
    }
}

impl Drop for Corpus {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn lines_of(changes: &Value) -> Vec<u64> {
    changes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["location"].as_u64().unwrap())
        .collect()
}

#[test]
fn tightening_to_prod_lists_exactly_the_tokens_that_lose_access() {
    let corpus = Corpus::new("tighten");
    let (document, code) = corpus.preview("org-wide.json", "prod-only.json", &["--fail-on-change"]);
    assert_eq!(code, 1, "--fail-on-change with changes exits 1");
    let preview = &document["preview"];
    assert_eq!(preview["entries"], 6);
    assert_eq!(preview["unsigned"], 1);
    assert_eq!(preview["bad"], 1);
    assert_eq!(preview["bad_listed"][0]["location"], 5);
    let changes = &preview["changes"];
    assert_eq!(changes["lost"], 3);
    assert_eq!(changes["gained"], 0);
    assert_eq!(lines_of(&changes["lost_listed"]), [2, 3, 6]);
    let deciding = &changes["lost_listed"][0]["deciding"];
    assert_eq!(deciding["actual"], "repo:acme/app:ref:refs/heads/main");
    assert!(
        deciding["condition"]
            .as_str()
            .unwrap()
            .contains("StringEquals"),
        "{deciding}"
    );
    // The two environment runs are one caller group.
    let groups = preview["groups"].as_array().unwrap();
    let prod = groups
        .iter()
        .find(|g| g["key"] == "repo:acme/app:environment:prod")
        .unwrap();
    assert_eq!(prod["tokens"], 2);
    assert_eq!(prod["lost"], 0);
}

#[test]
fn widening_is_reported_as_gains() {
    let corpus = Corpus::new("widen");
    let (document, code) = corpus.preview("prod-only.json", "org-wide.json", &[]);
    assert_eq!(
        code, 0,
        "without --fail-on-change a change is not a failure"
    );
    let changes = &document["preview"]["changes"];
    assert_eq!(
        (changes["lost"].as_u64(), changes["gained"].as_u64()),
        (Some(0), Some(3))
    );
    assert_eq!(lines_of(&changes["gained_listed"]), [2, 3, 6]);
}

#[test]
fn text_output_names_groups_changes_and_bad_lines() {
    let corpus = Corpus::new("text");
    let output = Command::cargo_bin("claimcheck")
        .unwrap()
        .env("CLAIMCHECK_CONFIG", "/nonexistent")
        .args([
            "preview",
            "--color",
            "never",
            "--now",
            &NOW.to_string(),
            "--tokens",
            &corpus.path("corpus.txt"),
        ])
        .args([
            "--rules",
            &corpus.path("org-wide.json"),
            "--against",
            &corpus.path("prod-only.json"),
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("Lost access (3)"), "{text}");
    assert!(text.contains("line 5: "), "{text}");
    assert!(text.contains("repo:acme/app:pull_request"), "{text}");
    assert!(text.contains("✗ 1 lose access"), "{text}");
    // Each listed change says which condition decided it, what it wanted and what the token had.
    assert!(
        text.contains(
            "expected repo:acme/app:environment:prod but the token has repo:acme/app:pull_request"
        ),
        "{text}"
    );
    let markdown = Command::cargo_bin("claimcheck")
        .unwrap()
        .env("CLAIMCHECK_CONFIG", "/nonexistent")
        .args(["preview", "--format", "markdown", "--now", &NOW.to_string()])
        .args(["--tokens", &corpus.path("corpus.txt")])
        .args(["--rules", &corpus.path("org-wide.json")])
        .args(["--against", &corpus.path("prod-only.json")])
        .output()
        .unwrap();
    let markdown = String::from_utf8(markdown.stdout).unwrap();
    assert!(
        markdown.contains(
            "expected `repo:acme/app:environment:prod` but the token has `repo:acme/app:pull_request`"
        ),
        "{markdown}"
    );
}

/// A preview compares rules, not clocks: a corpus exported from last week's logs is all expired
/// today, and evaluating it at today's clock would show every token denied under both rule sets.
/// Without --now each entry is evaluated at its own issue time.
#[test]
fn a_corpus_that_expired_last_week_still_shows_the_change() {
    let corpus = Corpus::new("expired");
    let week_ago = chrono::Utc::now().timestamp() - 7 * 24 * 3600;
    std::fs::write(corpus.dir.join("corpus.txt"), corpus_text_at(week_ago)).unwrap();
    let run = |extra: &[&str]| {
        let output = Command::cargo_bin("claimcheck")
            .unwrap()
            .env("CLAIMCHECK_CONFIG", "/nonexistent")
            .args(["preview", "--json", "--fail-on-change", "--tokens"])
            .arg(corpus.path("corpus.txt"))
            .args(["--rules", &corpus.path("org-wide.json")])
            .args(["--against", &corpus.path("prod-only.json")])
            .args(extra)
            .output()
            .unwrap();
        let document: Value = serde_json::from_slice(&output.stdout).unwrap();
        (document, output.status.code().unwrap())
    };
    let (document, code) = run(&[]);
    assert_eq!(code, 1, "{document}");
    let preview = &document["preview"];
    assert_eq!(preview["clock"]["kind"], "entry_own");
    assert_eq!(preview["changes"]["lost"], 3);
    assert_eq!(lines_of(&preview["changes"]["lost_listed"]), [2, 3, 6]);
    // Pinning today's instant shows what the old behaviour showed: everything expired, no change.
    let now = chrono::Utc::now().timestamp().to_string();
    let (document, code) = run(&["--now", &now]);
    assert_eq!(code, 0, "{document}");
    assert_eq!(document["preview"]["clock"]["kind"], "pinned");
    assert_eq!(document["preview"]["changes"]["lost"], 0);
}

/// The table's header was padded after colouring ("caller group" in bold), so it was offset
/// from its rows; with the colour removed, the coloured output is the plain one.
#[test]
fn colour_keeps_the_table_header_over_its_rows() {
    let corpus = Corpus::new("colour");
    let run = |colour: bool| {
        let mut command = Command::cargo_bin("claimcheck").unwrap();
        command
            .env("CLAIMCHECK_CONFIG", "/nonexistent")
            .args(["preview", "--now", &NOW.to_string(), "--tokens"])
            .arg(corpus.path("corpus.txt"))
            .args(["--rules", &corpus.path("org-wide.json")])
            .args(["--against", &corpus.path("prod-only.json")]);
        if colour {
            command.args(["--color", "always"]).env_remove("NO_COLOR");
        } else {
            command.env("NO_COLOR", "1");
        }
        String::from_utf8(command.output().unwrap().stdout).unwrap()
    };
    let (coloured, plain) = (run(true), run(false));
    assert!(coloured.contains('\u{1b}'));
    assert!(!plain.contains('\u{1b}'));
    let mut stripped = String::new();
    let mut rest = coloured.as_str();
    while let Some(at) = rest.find("\u{1b}[") {
        stripped.push_str(&rest[..at]);
        let after = &rest[at..];
        rest = &after[after.find('m').map_or(after.len(), |m| m + 1)..];
    }
    stripped.push_str(rest);
    assert_eq!(stripped, plain);
    assert!(plain.contains("caller group"), "{plain}");
}

#[test]
fn max_bytes_bounds_corpus_lines() {
    let corpus = Corpus::new("max-bytes");
    let lines = std::fs::read_to_string(corpus.path("corpus.txt")).unwrap();
    let longest = lines.lines().map(str::len).max().unwrap();
    let run = |max_bytes: usize| {
        let output = Command::cargo_bin("claimcheck")
            .unwrap()
            .env("CLAIMCHECK_CONFIG", "/nonexistent")
            .args(["preview", "--json", "--now", &NOW.to_string()])
            .args(["--tokens", &corpus.path("corpus.txt")])
            .args(["--rules", &corpus.path("org-wide.json")])
            .args(["--max-bytes", &max_bytes.to_string()])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0));
        let document: Value = serde_json::from_slice(&output.stdout).unwrap();
        document["preview"]["bad"].as_u64().unwrap()
    };
    // The default run has one bad line (line 5); a bound below the tokens' size makes every
    // token line bad (the claim-object line and the bad line are shorter than a token).
    assert_eq!(run(longest), 1);
    let bad = run(longest / 4);
    assert!(
        bad > 1,
        "{bad} bad entries under a bound of {}",
        longest / 4
    );
}
