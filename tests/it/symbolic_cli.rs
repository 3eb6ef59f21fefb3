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

/// `who` describes the reach of every demo rule completely (exit 0, an admitted region whose
/// witness names the workload, or none for the rule that admits nobody), the CEL ones (GCP,
/// Kubernetes) included; the table covers every file of the demo rules directory.
#[test]
fn who_describes_every_demo_rule() {
    let complete: &[(&[&str], &str, &str)] = &[
        (
            &["aws-deploy-role.json", "aws-github-provider.json"],
            "sub",
            "repo:acme/app:ref:refs/heads/main",
        ),
        (
            &["aws-gitpod-role.json"],
            "sub",
            "https://github.com/acme/app/",
        ),
        (&["aws-org-wide.json"], "sub", "repo:acme/"),
        // Its condition on repository_owner, a key AWS does not expose, admits nobody.
        (&["aws-prod-role.get-role.json"], "", ""),
        (&["entra-credentials.json"], "sub", "repo:acme/app:"),
        (&["vault-role-deploy.json"], "sub", ""),
        (&["vault-role-protected-bool.json"], "sub", ""),
        (&["gcp-provider.yaml"], "environment", "prod"),
        (&["kubernetes-authn.yaml"], "namespace_path", "acme"),
        (
            &["kubernetes-authn.yaml"],
            "sub",
            "https://github.com/acme/",
        ),
    ];
    let mut covered: Vec<&str> = complete
        .iter()
        .flat_map(|(f, ..)| f.iter().copied())
        .collect();
    covered.sort_unstable();
    covered.dedup();
    let mut all: Vec<String> = std::fs::read_dir(demo(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    all.sort_unstable();
    assert_eq!(covered, all, "every demo rule has its reach described");
    for (files, claim, value) in complete {
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
        if claim.is_empty() {
            assert!(admitted.is_empty(), "{files:?}: {document:#}");
            let (text, _) = run(&args);
            assert!(
                text.starts_with("Who can get in: no caller gets in"),
                "{text}"
            );
            continue;
        }
        assert!(!admitted.is_empty(), "{files:?}: {document:#}");
        assert!(
            admitted.iter().any(|r| r["witness"][claim]
                .as_str()
                .unwrap_or_default()
                .starts_with(value)),
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
    // The GCP demo's reach, as a reviewer reads it.
    let (text, _) = run(&["who", "--now", NOW, "--rules", &demo("gcp-provider.yaml")]);
    for line in [
        "environment is = \"prod\"",
        "repository is = \"acme/app\"",
        "sub is at most 127 bytes (the google.subject limit)",
    ] {
        assert!(text.contains(line), "{line}: {text}");
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

/// A guard with nothing to compare must not pass: `--fail-on-new-access` without `--against`
/// (or `--plan`) is a usage error, with or without a corpus, never exit 0.
#[test]
fn fail_on_new_access_without_a_proposal_is_refused() {
    let dir = Dir::new("guard-alone");
    let prod = dir.write(
        "prod.json",
        &github_policy("StringLike", "repo:acme/app:environment:prod"),
    );
    // One claim set, a JSON line: the corpus the guard would have without a proposal.
    let corpus = dir.write(
        "corpus.jsonl",
        &serde_json::json!({"iss": "https://token.actions.githubusercontent.com"}),
    );
    for extra in [&[][..], &["--tokens", corpus.as_str()][..]] {
        let mut args = vec![
            "preview",
            "--now",
            NOW,
            "--rules",
            &prod,
            "--fail-on-new-access",
        ];
        args.extend_from_slice(extra);
        let (document, code) = json_of(&args);
        assert_eq!(code, 2, "{document:#}");
        assert_eq!(document["error"]["kind"], "usage", "{document:#}");
        assert!(
            document["error"]["message"]
                .as_str()
                .unwrap()
                .contains("--against"),
            "{document:#}"
        );
    }
}

/// `--fail-on-new-access`: 1 when a region gains access (widening to any ref), 0 when proved
/// safe (narrowing to an environment), 3 when not proved (a CEL function outside the analysis).
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

    // A CEL function outside the analysis: not proved, naming the expression.
    let extract = dir.write(
        "extract.json",
        &gcp_provider("assertion.ref.extract('refs/heads/{branch}') == 'main'"),
    );
    let cel = args(&demo("gcp-provider.yaml"), &extract);
    let (text, code) = run(&cel.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 3, "{text}");
    assert!(text.contains("? not proved"), "{text}");
    assert!(
        text.contains("assertion.ref.extract('refs/heads/{branch}')"),
        "{text}"
    );
}

fn gcp_provider(condition: &str) -> Value {
    json!({"name": "projects/123456789012/locations/global/workloadIdentityPools/github/providers/acme-app",
        "state": "ACTIVE",
        "oidc": {"issuerUri": "https://token.actions.githubusercontent.com",
            "allowedAudiences": ["sts.amazonaws.com"]},
        "attributeMapping": {"google.subject": "assertion.sub"},
        "attributeCondition": condition})
}

/// The everyday GCP change: a condition losing its `startsWith` on the ref gains every other
/// ref (and a token without one), with a witness the evaluators re-checked.
#[test]
fn gcp_condition_losing_a_starts_with() {
    let dir = Dir::new("gcp");
    let current = dir.write(
        "current.json",
        &gcp_provider(
            "assertion.repository == 'acme/app' && assertion.ref.startsWith('refs/heads/')",
        ),
    );
    let proposed = dir.write(
        "proposed.json",
        &gcp_provider("assertion.repository == 'acme/app'"),
    );
    let (document, code) = json_of(&[
        "preview",
        "--now",
        NOW,
        "--rules",
        &current,
        "--against",
        &proposed,
        "--fail-on-new-access",
    ]);
    assert_eq!(code, 1, "{document:#}");
    let symbolic = &document["symbolic"];
    assert_eq!(symbolic["conclusion"], "gains_access");
    let gains = symbolic["gains"].as_array().unwrap();
    assert_eq!(gains.len(), 1, "{symbolic:#}");
    let constraints = gains[0]["constraints"].as_array().unwrap();
    assert!(
        constraints.contains(&json!({"claim": "ref",
        "text": "not a string starting with \"refs/heads/\" or absent"})),
        "{symbolic:#}"
    );
    assert_eq!(gains[0]["witness"]["repository"], "acme/app");
    assert!(symbolic["analysis_errors"].as_array().unwrap().is_empty());
    let (_, code) = json_of(&[
        "preview",
        "--now",
        NOW,
        "--rules",
        &proposed,
        "--against",
        &current,
        "--fail-on-new-access",
    ]);
    assert_eq!(code, 0);
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
