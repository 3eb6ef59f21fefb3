//! `claimcheck who` and `claimcheck preview` without a corpus: the symbolic analysis from the
//! command line, on the demo rules and on the everyday rule changes (docs/SEMANTICS.md §10).

use assert_cmd::Command;
use serde_json::{Value, json};

const NOW: &str = "1900000000";
const GH_ARN: &str = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";

fn demo(name: &str) -> String {
    format!("{}/assets/demo/rules/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> (String, i32) {
    let output = Command::cargo_bin("claimcheck")
        .unwrap()
        .env("CLAIMCHECK_CONFIG", "/nonexistent")
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(output.stdout).unwrap(),
        output.status.code().unwrap_or(-1),
    )
}

fn json_of(args: &[&str]) -> (Value, i32) {
    let mut all = args.to_vec();
    all.push("--json");
    let (out, code) = run(&all);
    (
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}")),
        code,
    )
}

struct Dir(std::path::PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir =
            std::env::temp_dir().join(format!("claimcheck-symbolic-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    fn write(&self, name: &str, value: &Value) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, value.to_string()).unwrap();
        path.to_str().unwrap().to_owned()
    }
}

fn github_policy(sub_operator: &str, sub: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Sid": "GitHub", "Effect": "Allow",
        "Principal": {"Federated": GH_ARN}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
            sub_operator: {"token.actions.githubusercontent.com:sub": sub}}}]})
}

/// `who` describes the reach of every demo rule: the AWS, Vault and Entra ones completely
/// (exit 0, at least one admitted region whose witness names the workload), the CEL ones as
/// not complete (exit 3, naming CEL).
#[test]
fn who_describes_every_demo_rule() {
    let complete: &[(&[&str], &str)] = &[
        (
            &["aws-deploy-role.json", "aws-github-provider.json"],
            "repo:acme/app:ref:refs/heads/main",
        ),
        (&["aws-gitpod-role.json"], "https://github.com/acme/app/"),
        (&["aws-org-wide.json"], "repo:acme/"),
        (&["entra-credentials.json"], "repo:acme/app:"),
        (&["vault-role-deploy.json"], ""),
        (&["vault-role-protected-bool.json"], ""),
    ];
    for (files, subject) in complete {
        let mut args = vec!["who", "--now", NOW];
        let paths: Vec<String> = files.iter().map(|f| demo(f)).collect();
        for path in &paths {
            args.extend(["--rules", path]);
        }
        let (document, code) = json_of(&args);
        assert_eq!(code, 0, "{files:?}: {document:#}");
        let who = &document["who"];
        assert_eq!(who["complete"], true, "{files:?}");
        let admitted = who["admitted"].as_array().unwrap();
        assert!(!admitted.is_empty(), "{files:?}: {document:#}");
        assert!(
            admitted.iter().any(|r| r["witness"]["sub"]
                .as_str()
                .unwrap_or_default()
                .starts_with(subject)),
            "{files:?}: {document:#}"
        );
        let (text, _) = run(&args[..args.len()]);
        assert!(text.starts_with("Who can get in:"), "{text}");
    }
    // The protected-branch role binds a JSON true: its witness carries the boolean.
    let (document, _) = json_of(&[
        "who",
        "--now",
        NOW,
        "--rules",
        &demo("vault-role-protected-bool.json"),
    ]);
    assert_eq!(
        document["who"]["admitted"][0]["witness"]["ref_protected"],
        true
    );
    for file in ["gcp-provider.yaml", "kubernetes-authn.yaml"] {
        let (document, code) = json_of(&["who", "--now", NOW, "--rules", &demo(file)]);
        assert_eq!(code, 3, "{file}");
        assert_eq!(document["who"]["complete"], false);
        assert!(
            document["who"]["not_proved"][0]
                .as_str()
                .unwrap()
                .contains("CEL")
        );
    }
}

/// The org-wide demo policy admits pull requests and every repository of acme, and `who` says
/// so with the probe the evaluators admitted.
#[test]
fn who_lints_the_org_wide_rule() {
    let (text, code) = run(&["who", "--now", NOW, "--rules", &demo("aws-org-wide.json")]);
    assert_eq!(code, 0);
    assert!(
        text.contains("any repository of acme: any branch, tag, environment or pull request"),
        "{text}"
    );
    assert!(text.contains("[admits-pull-requests]"), "{text}");
    assert!(
        text.contains("\"sub\":\"repo:acme/x:pull_request\""),
        "{text}"
    );
    assert!(text.contains("[admits-whole-owner]"), "{text}");
}

/// `--fail-on-new-access`: 1 when a region gains access (widening to any ref), 0 when proved
/// safe (narrowing to an environment), 3 when not proved (a CEL rule on one side).
#[test]
fn fail_on_new_access_guards_a_rule_change() {
    let dir = Dir::new("guard");
    let prod = dir.write(
        "prod.json",
        &github_policy("StringLike", "repo:acme/app:environment:prod"),
    );
    let any_ref = dir.write("any.json", &github_policy("StringLike", "repo:acme/app:*"));
    let args = |current: &str, proposed: &str| {
        vec![
            "preview",
            "--now",
            NOW,
            "--rules",
            current,
            "--against",
            proposed,
            "--fail-on-new-access",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>()
    };
    let widen = args(&prod, &any_ref);
    let (document, code) = json_of(&widen.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 1, "{document:#}");
    let symbolic = &document["symbolic"];
    assert_eq!(symbolic["conclusion"], "gains_access");
    assert!(symbolic["loses"].as_array().unwrap().is_empty());
    let witness = &symbolic["gains"][0]["witness"];
    assert_eq!(
        witness["sub"], "repo:acme/app:ref:refs/heads/main",
        "{symbolic:#}"
    );

    let narrow = args(&any_ref, &prod);
    let (text, code) = run(&narrow.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("✓ proved: no caller gains access"), "{text}");
    assert!(text.contains("Loses access"), "{text}");

    let gcp = demo("gcp-provider.yaml");
    let cel = args(&prod, &gcp);
    let (text, code) = run(&cel.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 3, "{text}");
    assert!(text.contains("? not proved"), "{text}");
}

/// Without --tokens, a preview needs --against; one rule set's reach is `who`'s.
#[test]
fn preview_without_tokens_needs_against() {
    let (document, code) = json_of(&["preview", "--rules", &demo("aws-org-wide.json")]);
    assert_eq!(code, 2);
    assert!(
        document["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("claimcheck who"),
        "{document:#}"
    );
}
