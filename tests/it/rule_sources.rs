//! Rules from where they live: Terraform plans and state (recorded `terraform show -json`
//! outputs in tests/fixtures/terraform, written by hand in the shape
//! https://developer.hashicorp.com/terraform/internals/json-format documents), `preview --plan`
//! as a CI guard, and live reads through the vendors' CLIs, played by stub programs on `PATH`
//! that print recorded outputs.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{Value, json};

const NOW: i64 = 1_900_000_000;
const PLAN: &str = "tests/fixtures/terraform/plan.json";
const WIDEN: &str = "tests/fixtures/terraform/plan-widen.json";
const STATE: &str = "tests/fixtures/terraform/state.json";
const ROLE: &str = "module.ci.aws_iam_role.deploy[\"app\"]";

fn token(name: &str) -> String {
    claimcheck::demo::template(name).unwrap().mint(NOW)
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", self.stdout, self.stderr))
    }
}

fn claimcheck(args: &[&str], path: Option<&Path>) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_claimcheck"));
    command
        .args(args)
        .env("CLAIMCHECK_CONFIG", "/nonexistent")
        .env_remove("NO_COLOR");
    if let Some(path) = path {
        command.env("PATH", path);
    }
    let output = command.output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// `check TOKEN --rules …` against the demo key set at the demo instant, as JSON.
fn check(token_name: &str, rules: &[&str], path: Option<&Path>) -> Run {
    let token = token(token_name);
    let now = NOW.to_string();
    let mut args = vec![
        "check",
        token.as_str(),
        "--json",
        "--now",
        &now,
        "--jwks",
        "assets/demo/jwks.json",
    ];
    for rule in rules {
        args.extend(["--rules", rule]);
    }
    claimcheck(&args, path)
}

fn verdict<'a>(document: &'a Value, name: &str) -> &'a Value {
    document["verdicts"]
        .as_array()
        .or_else(|| document["rules"].as_array())
        .unwrap_or_else(|| panic!("no verdicts in {document}"))
        .iter()
        .find(|v| v["rule"]["name"] == name)
        .unwrap_or_else(|| panic!("no verdict for {name} in {document}"))
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "claimcheck-rule-sources-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    }

    /// A stub CLI: a shell script that logs its arguments and runs `body`.
    #[cfg(unix)]
    fn stub(&self, program: &str, body: &str) {
        use std::os::unix::fs::PermissionsExt;
        let log = self.0.join(format!("{program}.log"));
        let script = format!("#!/bin/sh\necho \"$*\" >> '{}'\n{body}\n", log.display());
        let path = self.0.join(program);
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn log(&self, program: &str) -> String {
        std::fs::read_to_string(self.0.join(format!("{program}.log"))).unwrap_or_default()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_plan_is_read_before_and_after_with_resource_addresses_in_the_verdicts() {
    // The branch job is outside `repo:acme/app:environment:prod` and inside `repo:acme/*`.
    let before = check("github-branch", &[&format!("tfplan-before:{WIDEN}")], None);
    assert_eq!(before.code, 1, "{}", before.stderr);
    let document = before.json();
    let rule = verdict(&document, ROLE);
    assert_eq!(rule["outcome"], "denied");
    assert_eq!(rule["rule"]["file"], WIDEN);

    let after = check("github-branch", &[&format!("tfplan:{WIDEN}")], None);
    assert_eq!(after.code, 0, "{}", after.stderr);
    assert_eq!(verdict(&after.json(), ROLE)["outcome"], "allowed");
}

#[test]
fn text_output_names_the_resource_address() {
    let token = token("github-branch");
    let now = NOW.to_string();
    let run = claimcheck(
        &[
            "check",
            &token,
            "--now",
            &now,
            "--jwks",
            "assets/demo/jwks.json",
            "--color",
            "never",
            "--rules",
            &format!("tfplan:{WIDEN}"),
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains(ROLE), "{}", run.stdout);
}

#[test]
fn every_resource_of_a_full_plan_gets_a_verdict_and_unknowns_are_not_guessed() {
    let run = check("github-environment", &[&format!("tfplan:{PLAN}")], None);
    let document = run.json();
    let unknown = verdict(&document, "aws_iam_role.reader[0]");
    assert_eq!(unknown["outcome"], "error");
    assert_eq!(unknown["checks"][0]["condition"], "assume_role_policy");
    assert_eq!(unknown["checks"][0]["actual"], "(known after apply)");
    for name in [
        ROLE,
        "google_iam_workload_identity_pool_provider.github",
        "azuread_application_federated_identity_credential.prod",
        "azapi_resource.flexible",
        "vault_jwt_auth_backend_role.deploy",
        "vault_jwt_auth_backend_role.reader",
        "local_file.authn",
        "kubernetes_config_map_v1.authn[\"staging\"].data[\"authn.yaml\"]",
    ] {
        verdict(&document, name);
    }
    assert_ne!(run.code, 0, "an undecidable rule is never an allow");
}

#[test]
fn a_plain_file_argument_holding_a_plan_reads_its_planned_values() {
    let run = check("github-branch", &[WIDEN], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(verdict(&run.json(), ROLE)["outcome"], "allowed");
}

#[test]
fn state_is_read_through_modules() {
    let run = check("github-environment", &[&format!("tfstate:{STATE}")], None);
    let document = run.json();
    assert_eq!(verdict(&document, ROLE)["outcome"], "allowed");
    verdict(
        &document,
        "module.ci.module.azure.azuread_application_federated_identity_credential.prod[0]",
    );
}

const TEMPLATE: &str = "tests/fixtures/cloudformation/github-role.yaml";

#[test]
fn a_cloudformation_template_resolves_short_forms_with_the_parameters_given() {
    let token = token("github-environment");
    let now = NOW.to_string();
    let rules = format!("cfn:{TEMPLATE}");
    let base = [
        "check",
        token.as_str(),
        "--json",
        "--now",
        &now,
        "--jwks",
        "assets/demo/jwks.json",
        "--rules",
        &rules,
    ];
    let mut args = base.to_vec();
    args.extend([
        "--cfn-param",
        "AWS::AccountId=111122223333",
        "--cfn-param",
        "AWS::Partition=aws",
    ]);
    let run = claimcheck(&args, None);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let document = run.json();
    let rule = verdict(&document, "DeployRole");
    assert_eq!(rule["outcome"], "allowed");
    assert_eq!(rule["rule"]["file"], TEMPLATE);

    // Another environment through a parameter: the prod job is no longer let in.
    args.extend(["--cfn-param", "Environment=staging"]);
    let run = claimcheck(&args, None);
    assert_eq!(run.code, 1, "{}", run.stdout);

    // Without the pseudo parameters nothing is guessed: each one is named where it is used.
    let run = claimcheck(&base, None);
    assert_eq!(run.code, 2);
    let message = run.json()["error"]["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains(
            "Resources.DeployRole.Properties.AssumeRolePolicyDocument.Statement[0].Principal.Federated: Fn::Sub ${AWS::Partition}"
        ),
        "{message}"
    );
}

/// A corpus of claim sets (unsigned what-ifs): the prod job, the branch job, another org.
fn corpus(dir: &TempDir) -> String {
    let claims = |sub: &str| {
        json!({"iss": "https://token.actions.githubusercontent.com", "aud": "sts.amazonaws.com",
               "sub": sub, "repository_owner": "acme", "iat": NOW, "exp": NOW + 600})
        .to_string()
    };
    dir.write(
        "corpus.jsonl",
        &[
            claims("repo:acme/app:environment:prod"),
            claims("repo:acme/app:ref:refs/heads/main"),
            claims("repo:evil/app:ref:refs/heads/main"),
        ]
        .join("\n"),
    )
}

fn preview_plan(plan: &str, corpus: &str, extra: &[&str]) -> Run {
    let now = NOW.to_string();
    let mut args = vec!["preview", "--now", &now, "--tokens", corpus, "--plan", plan];
    args.extend(extra);
    claimcheck(&args, None)
}

#[test]
fn preview_plan_reports_a_widening_and_fails_on_new_access() {
    let dir = TempDir::new("widen");
    let corpus = corpus(&dir);
    let run = preview_plan(WIDEN, &corpus, &["--json", "--fail-on-new-access"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let document = run.json();
    let resources = document["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 1);
    assert_eq!(resources[0]["address"], ROLE);
    assert_eq!(resources[0]["actions"], json!(["update"]));
    let changes = &resources[0]["preview"]["changes"];
    assert_eq!(changes["gained"], 1);
    assert_eq!(changes["lost"], 0);
    assert_eq!(changes["gained_listed"][0]["location"], 2);

    let plain = preview_plan(WIDEN, &corpus, &[]);
    assert_eq!(
        plain.code, 0,
        "without a --fail-on flag a change is not a failure"
    );
    assert!(plain.stdout.contains(ROLE), "{}", plain.stdout);
}

#[test]
fn preview_plan_writes_markdown_for_a_job_summary() {
    let dir = TempDir::new("markdown");
    let corpus = corpus(&dir);
    let run = preview_plan(
        WIDEN,
        &corpus,
        &["--format", "markdown", "--fail-on-new-access"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let out = &run.stdout;
    assert!(
        out.contains("### `module.ci.aws_iam_role.deploy[\"app\"] (update)`"),
        "{out}"
    );
    assert!(
        out.contains("**1 gain access** · **0 lose access**"),
        "{out}"
    );
    assert!(
        out.contains("| `repo:acme/app:ref:refs/heads/main` | 1 | ➕ 1 gain access |"),
        "{out}"
    );
    assert!(out.contains("**Gained access (1)**"), "{out}");
}

#[test]
fn markdown_works_for_a_plain_preview_too() {
    let dir = TempDir::new("plain-markdown");
    let corpus = corpus(&dir);
    let policy = dir.write(
        "policy.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"}}}]}"#,
    );
    let now = NOW.to_string();
    let run = claimcheck(
        &[
            "preview", "--now", &now, "--tokens", &corpus, "--rules", &policy, "--format",
            "markdown",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("3 token(s) evaluated"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("| caller | tokens |"), "{}", run.stdout);
}

/// `preview --plan` without arguments but the plan, as a CI guard runs it: no corpus.
fn preview_plan_symbolic(plan: &str, extra: &[&str]) -> Run {
    let now = NOW.to_string();
    let mut args = vec!["preview", "--now", &now, "--plan", plan];
    args.extend(extra);
    claimcheck(&args, None)
}

/// `plan-widen.json` with the role's before and after swapped: the change narrows it.
fn narrowing_plan(dir: &TempDir) -> String {
    let mut plan: Value = serde_json::from_str(&std::fs::read_to_string(WIDEN).unwrap()).unwrap();
    let change = &mut plan["resource_changes"][1]["change"];
    assert_eq!(change["actions"], json!(["update"]));
    let before = change["before"].take();
    change["before"] = std::mem::replace(&mut change["after"], before);
    dir.write("plan-narrow.json", &plan.to_string())
}

/// Without a token corpus the plan's change is compared for every caller: the widening from
/// `repo:acme/app:environment:prod` to `repo:acme/*` is reported as regions that gain access,
/// each with a witness that the concrete evaluator denies before the change and allows after.
#[test]
fn preview_plan_without_a_corpus_prints_the_gained_regions_with_witnesses() {
    let text = preview_plan_symbolic(WIDEN, &["--color", "never", "--fail-on-new-access"]);
    assert_eq!(text.code, 1, "{}\n{}", text.stdout, text.stderr);
    let out = &text.stdout;
    assert!(out.contains(&format!("━━ {ROLE} (update)")), "{out}");
    assert!(out.contains("Gains access ("), "{out}");
    assert!(out.contains("no caller loses access"), "{out}");
    assert!(out.contains(r#"sub is like "repo:acme/*""#), "{out}");
    assert!(out.contains("witness: {"), "{out}");
    let plain = preview_plan_symbolic(WIDEN, &[]);
    assert_eq!(
        plain.code, 0,
        "without a --fail-on flag a change is not a failure"
    );

    let run = preview_plan_symbolic(WIDEN, &["--json", "--fail-on-new-access"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let document = run.json();
    let resources = document["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 1, "the provider is unchanged: {document}");
    assert_eq!(resources[0]["address"], ROLE);
    assert!(resources[0].get("preview").is_none(), "no corpus was given");
    let symbolic = &resources[0]["symbolic"];
    assert_eq!(symbolic["conclusion"], "gains_access", "{symbolic}");
    assert_eq!(symbolic["loses"], json!([]));
    assert_eq!(symbolic["analysis_errors"], json!([]));
    let gains = symbolic["gains"].as_array().unwrap();
    assert!(!gains.is_empty());
    let dir = TempDir::new("witness");
    let now = NOW.to_string();
    for (i, region) in gains.iter().enumerate() {
        let witness = &region["witness"];
        let sub = witness["sub"].as_str().unwrap();
        assert!(
            sub.starts_with("repo:acme/") && sub != "repo:acme/app:environment:prod",
            "{witness}"
        );
        // The witness, given to `check` as a claims object, is what the guard says it is.
        let claims = dir.write(&format!("witness-{i}.json"), &witness.to_string());
        for (kind, outcome) in [("tfplan-before", "denied"), ("tfplan", "allowed")] {
            let rules = format!("{kind}:{WIDEN}");
            let run = claimcheck(
                &["check", &claims, "--json", "--now", &now, "--rules", &rules],
                None,
            );
            assert_eq!(
                verdict(&run.json(), ROLE)["outcome"],
                outcome,
                "{kind}: {witness}"
            );
        }
    }
}

#[test]
fn preview_plan_without_a_corpus_writes_the_regions_as_markdown() {
    let run = preview_plan_symbolic(WIDEN, &["--format", "markdown", "--fail-on-new-access"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let out = &run.stdout;
    assert!(
        out.starts_with(&format!("## claimcheck: trust rules changed by `{WIDEN}`")),
        "{out}"
    );
    assert!(
        out.contains("### `module.ci.aws_iam_role.deploy[\"app\"] (update)`"),
        "{out}"
    );
    assert!(out.contains("❌ **"), "{out}");
    assert!(out.contains("**Gains access ("), "{out}");
    assert!(
        out.contains("| callers whose | witness | before → after |"),
        "{out}"
    );
    let row = out
        .lines()
        .find(|line| line.starts_with("| `") && line.contains("repo:acme/\\*"))
        .unwrap_or_else(|| panic!("no region row: {out}"));
    assert!(row.contains(r#"`{"aud":"sts.amazonaws.com""#), "{row}");
    assert!(
        row.contains("denied") && row.contains("→") && row.contains("allowed"),
        "{row}"
    );
}

/// A plan that only narrows a role passes the guard (nobody gains access), still shows who
/// loses access, and fails `--fail-on-change`.
#[test]
fn a_plan_that_only_narrows_passes_the_guard() {
    let dir = TempDir::new("narrow");
    let plan = narrowing_plan(&dir);
    let run = preview_plan_symbolic(&plan, &["--color", "never", "--fail-on-new-access"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("proved: no caller gains access"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Loses access ("), "{}", run.stdout);
    let document = preview_plan_symbolic(&plan, &["--json"]).json();
    let symbolic = &document["resources"][0]["symbolic"];
    assert_eq!(symbolic["conclusion"], "proved_no_new_access", "{symbolic}");
    assert_eq!(symbolic["gains"], json!([]));
    assert!(!symbolic["loses"].as_array().unwrap().is_empty());
    let markdown = preview_plan_symbolic(&plan, &["--format", "markdown", "--fail-on-new-access"]);
    assert_eq!(markdown.code, 0);
    assert!(
        markdown.stdout.contains("**Loses access ("),
        "{}",
        markdown.stdout
    );
    assert_eq!(preview_plan_symbolic(&plan, &["--fail-on-change"]).code, 1);
}

/// The guard step of `examples/trust-guard.yml`, as the workflow runs it (`bash -eo pipefail`):
/// without a corpus in the repository it compares symbolically and fails on the widening; with
/// one it also evaluates the corpus.
#[cfg(unix)]
#[test]
fn the_example_workflow_guards_without_a_corpus_and_uses_one_when_present() {
    let workflow = std::fs::read_to_string("examples/trust-guard.yml").unwrap();
    let mut lines = workflow
        .lines()
        .skip_while(|line| line.trim() != "- name: Who gains access?")
        .skip_while(|line| line.trim() != "run: |")
        .skip(1);
    let first = lines.next().expect("the guard step runs a script");
    let indent = first.len() - first.trim_start().len();
    let script: String = std::iter::once(first)
        .chain(
            lines.take_while(|line| line.trim().is_empty() || line.starts_with(&first[..indent])),
        )
        .map(|line| format!("{}\n", line.get(indent..).unwrap_or("")))
        .collect();
    assert!(
        script.contains("--plan") && script.contains("--fail-on-new-access"),
        "{script}"
    );

    let dir = TempDir::new("workflow");
    dir.write("plan.json", &std::fs::read_to_string(WIDEN).unwrap());
    let binary = Path::new(env!("CARGO_BIN_EXE_claimcheck"))
        .parent()
        .unwrap();
    let path = format!("{}:{}", binary.display(), std::env::var("PATH").unwrap());
    let summary = dir.0.join("summary.md");
    let corpus_path = dir.0.join("corpus.jsonl");
    let guard = || {
        let _ = std::fs::remove_file(&summary);
        let status = std::process::Command::new("bash")
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &script])
            .env("PATH", &path)
            .env("TF_DIR", &dir.0)
            .env("CORPUS", &corpus_path)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("CLAIMCHECK_CONFIG", "/nonexistent")
            .status()
            .unwrap();
        (status.code(), std::fs::read_to_string(&summary).unwrap())
    };
    let (code, report) = guard();
    assert_eq!(code, Some(1), "the widening fails the job: {report}");
    assert!(
        report.contains("| callers whose | witness | before → after |"),
        "{report}"
    );
    assert!(!report.contains("Over the corpus"), "{report}");

    corpus(&dir);
    assert!(corpus_path.exists());
    let (code, report) = guard();
    assert_eq!(code, Some(1), "{report}");
    assert!(
        report.contains("| callers whose | witness | before → after |"),
        "{report}"
    );
    assert!(report.contains("Over the corpus"), "{report}");
    assert!(report.contains("**Gained access (1)**"), "{report}");
}

#[test]
fn a_rule_known_only_after_apply_cannot_pass_the_guard() {
    let dir = TempDir::new("unknown");
    let corpus = corpus(&dir);
    let mut plan: Value = serde_json::from_str(&std::fs::read_to_string(PLAN).unwrap()).unwrap();
    let changes = plan["resource_changes"].as_array_mut().unwrap();
    changes.retain(|c| {
        c["address"] == "aws_iam_role.reader[0]" || c["type"] == "aws_iam_openid_connect_provider"
    });
    let plan = dir.write("plan.json", &plan.to_string());
    let run = preview_plan(
        &plan,
        &corpus,
        &["--format", "markdown", "--fail-on-new-access"],
    );
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("cannot be decided"), "{}", run.stdout);
}

#[test]
fn a_destroyed_role_loses_its_callers_and_plan_conflicts_with_rules() {
    let dir = TempDir::new("destroy");
    let corpus = corpus(&dir);
    let mut plan: Value = serde_json::from_str(&std::fs::read_to_string(WIDEN).unwrap()).unwrap();
    let change = &mut plan["resource_changes"][1]["change"];
    change["actions"] = json!(["delete"]);
    change["after"] = Value::Null;
    let plan = dir.write("plan.json", &plan.to_string());
    let run = preview_plan(&plan, &corpus, &["--json", "--fail-on-new-access"]);
    assert_eq!(
        run.code, 0,
        "losing access is not new access: {}",
        run.stderr
    );
    let document = run.json();
    assert_eq!(document["resources"][0]["actions"], json!(["delete"]));
    assert_eq!(document["resources"][0]["preview"]["changes"]["lost"], 1);
    let run = preview_plan(&plan, &corpus, &["--fail-on-change"]);
    assert_eq!(run.code, 1);

    let now = NOW.to_string();
    let both = claimcheck(
        &[
            "preview", "--now", &now, "--tokens", &corpus, "--plan", &plan, "--rules", WIDEN,
        ],
        None,
    );
    assert_eq!(
        both.code, 2,
        "--plan and --rules are two ways to give the rules: {}",
        both.stderr
    );
}

#[cfg(unix)]
mod live {
    use super::*;

    const GET_ROLE: &str = r#"{"Role": {"Path": "/", "RoleName": "deploy", "Arn": "arn:aws:iam::111122223333:role/deploy",
      "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"}}}]}}}"#;

    fn provider(client: &str) -> String {
        format!(
            r#"{{"Url": "token.actions.githubusercontent.com", "ClientIDList": ["{client}"], "ThumbprintList": []}}"#
        )
    }

    fn aws_stub(dir: &TempDir, client: &str) {
        let role = dir.write("get-role.json", GET_ROLE);
        let provider = dir.write("provider.json", &provider(client));
        dir.stub(
            "aws",
            &format!(
                "case \"$2\" in\n  get-role) exec {cat} '{role}' ;;\n  get-open-id-connect-provider) exec {cat} '{provider}' ;;\n  *) echo \"unexpected: $*\" >&2; exit 9 ;;\nesac",
                cat = cat_stub()
            ),
        );
    }

    fn cat_stub() -> &'static str {
        // The stub's PATH is its own directory only; `cat` is taken from where the system keeps it.
        if Path::new("/bin/cat").exists() {
            "/bin/cat"
        } else {
            "/usr/bin/cat"
        }
    }

    #[test]
    fn aws_role_runs_get_role_and_joins_the_federated_provider() {
        let dir = TempDir::new("aws");
        aws_stub(&dir, "sts.amazonaws.com");
        let path = dir.0.clone();
        let run = check("github-branch", &["aws-role:deploy"], Some(&path));
        assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
        let document = run.json();
        assert_eq!(
            verdict(&document, "deploy")["rule"]["file"],
            "aws-role:deploy"
        );
        assert_eq!(
            dir.log("aws"),
            "iam get-role --role-name deploy --output json\n\
             iam get-open-id-connect-provider --open-id-connect-provider-arn arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com --output json\n"
        );

        // The provider's client IDs decide the audience, as STS does.
        let dir = TempDir::new("aws-audience");
        aws_stub(&dir, "other-audience");
        let run = check("github-branch", &["aws-role:deploy"], Some(&dir.0));
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert_eq!(
            verdict(&run.json(), "deploy")["summary"],
            "InvalidIdentityToken: Incorrect token audience"
        );
    }

    #[test]
    fn a_missing_cli_is_named_with_where_to_get_it() {
        let dir = TempDir::new("missing");
        let run = check("github-branch", &["aws-role:deploy"], Some(&dir.0));
        assert_eq!(run.code, 2);
        let error = &run.json()["error"];
        assert_eq!(error["kind"], "program_not_found");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains("`aws` was not found on PATH"), "{message}");
        assert!(message.contains("install the AWS CLI"), "{message}");
    }

    #[test]
    fn a_failing_cli_shows_its_own_stderr() {
        let dir = TempDir::new("failing");
        dir.stub(
            "aws",
            "echo 'An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name deploy cannot be found.' >&2\nexit 254",
        );
        let run = check("github-branch", &["aws-role:deploy"], Some(&dir.0));
        assert_eq!(run.code, 2);
        let error = &run.json()["error"];
        assert_eq!(error["kind"], "command_failed");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains("aws iam get-role --role-name deploy --output json"),
            "{message}"
        );
        assert!(message.contains("NoSuchEntity"), "{message}");
    }

    #[test]
    fn timeout_bounds_a_live_read_as_it_bounds_a_token_command() {
        let dir = TempDir::new("timeout");
        let sleep = if Path::new("/bin/sleep").exists() {
            "/bin/sleep"
        } else {
            "/usr/bin/sleep"
        };
        dir.stub(
            "aws",
            &format!("echo 'waiting for SSO' >&2\nexec {sleep} 60"),
        );
        let token = token("github-branch");
        let run = claimcheck(
            &[
                "check",
                &token,
                "--json",
                "--timeout",
                "0.5",
                "--rules",
                "aws-role:deploy",
            ],
            Some(&dir.0),
        );
        assert_eq!(run.code, 2, "{}", run.stdout);
        let error = &run.json()["error"];
        assert_eq!(error["kind"], "timed_out");
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("waiting for SSO"),
            "{error}"
        );
    }

    #[test]
    fn vault_role_reads_the_role_and_its_mount_config() {
        let dir = TempDir::new("vault");
        let role = dir.write(
            "role.json",
            &std::fs::read_to_string("assets/demo/rules/vault-role-deploy.json").unwrap(),
        );
        let config = dir.write(
            "config.json",
            r#"{"data": {"bound_issuer": "https://gitlab.example.com", "jwt_supported_algs": ["RS256"]}}"#,
        );
        dir.stub(
            "vault",
            &format!(
                "case \"$3\" in\n  auth/jwt/role/deploy) exec {cat} '{role}' ;;\n  auth/jwt/config) exec {cat} '{config}' ;;\nesac\nexit 2",
                cat = cat_stub()
            ),
        );
        let run = check("gitlab", &["vault-role:auth/jwt/role/deploy"], Some(&dir.0));
        assert_eq!(
            dir.log("vault"),
            "read -format=json auth/jwt/role/deploy\nread -format=json auth/jwt/config\n"
        );
        // The mount's issuer is not the token's: Vault refuses, and so must the verdict.
        assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
        let document = run.json();
        let verdicts = document["verdicts"]
            .as_array()
            .or(document["rules"].as_array())
            .unwrap();
        assert_eq!(verdicts[0]["outcome"], "denied", "{document}");
        assert_eq!(
            verdicts[0]["rule"]["file"],
            "vault-role:auth/jwt/role/deploy"
        );
    }

    #[test]
    fn gcp_provider_and_entra_app_read_through_their_clis() {
        let dir = TempDir::new("gcp-entra");
        let provider = dir.write(
            "provider.json",
            &json!({
                "name": "projects/123/locations/global/workloadIdentityPools/github/providers/app",
                "attributeMapping": {"google.subject": "assertion.sub"},
                "attributeCondition": "assertion.repository == 'acme/app'",
                "oidc": {"issuerUri": "https://token.actions.githubusercontent.com",
                         "allowedAudiences": ["sts.amazonaws.com"]},
                "state": "ACTIVE"
            })
            .to_string(),
        );
        dir.stub("gcloud", &format!("exec {} '{provider}'", cat_stub()));
        let credentials = dir.write(
            "credentials.json",
            &json!([{"name": "main", "issuer": "https://token.actions.githubusercontent.com",
                     "subject": "repo:acme/app:ref:refs/heads/main",
                     "audiences": ["api://AzureADTokenExchange"]}])
            .to_string(),
        );
        dir.stub("az", &format!("exec {} '{credentials}'", cat_stub()));
        let name = "projects/123/locations/global/workloadIdentityPools/github/providers/app";
        let run = check(
            "github-branch",
            &[
                &format!("gcp-provider:{name}"),
                "entra-app:00000000-0000-0000-0000-000000000001",
            ],
            Some(&dir.0),
        );
        assert_eq!(
            dir.log("gcloud"),
            format!("iam workload-identity-pools providers describe {name} --format=json\n")
        );
        assert_eq!(
            dir.log("az"),
            "ad app federated-credential list --id 00000000-0000-0000-0000-000000000001 --output json\n"
        );
        let document = run.json();
        let verdicts = document["verdicts"]
            .as_array()
            .or(document["rules"].as_array())
            .unwrap();
        let outcome = |kind: &str| {
            verdicts
                .iter()
                .find(|v| v["rule"]["kind"] == kind)
                .map(|v| v["outcome"].clone())
                .unwrap_or_else(|| panic!("no {kind} verdict in {document}"))
        };
        assert_eq!(outcome("gcp"), "allowed");
        // The token's audience is AWS's, not Entra's exchange audience.
        assert_eq!(outcome("entra"), "denied");
    }
}
