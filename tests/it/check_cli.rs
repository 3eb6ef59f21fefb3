//! `claimcheck check` end to end: demo tokens (minted at a fixed instant, passed with `--now`)
//! against the demo rule files of every trust system. Snapshots pin the text output.

use assert_cmd::Command;
use serde_json::Value;

const NOW: i64 = 1_900_000_000;
const RULES: &str = "assets/demo/rules";

fn token(name: &str) -> String {
    claimcheck::demo::template(name)
        .unwrap_or_else(|| panic!("no demo template {name}"))
        .mint(NOW)
}

/// Runs `claimcheck check INPUT --rules … --now NOW --color never [extra]`; returns (exit, stdout, stderr).
fn check(input: &str, rules: &[&str], extra: &[&str]) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_claimcheck"));
    command
        .arg("check")
        .arg(input)
        .args(["--now", &NOW.to_string(), "--color", "never"])
        // Signatures are verified against the bundled demo key set: no network in tests.
        .args(["--jwks", "assets/demo/jwks.json"])
        .env("CLAIMCHECK_CONFIG", "/nonexistent")
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS");
    for rule in rules {
        command.arg("--rules").arg(rule_path(rule));
    }
    let output = command.args(extra).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn rule_path(rule: &str) -> String {
    match rule.split_once(':') {
        Some((kind, file)) => format!("{kind}:{RULES}/{file}"),
        None => format!("{RULES}/{rule}"),
    }
}

#[test]
fn environment_job_against_branch_pinned_policy_is_denied_with_the_reason() {
    let (code, out, _) = check(
        &token("github-environment"),
        &["aws-deploy-role.json", "aws-github-provider.json"],
        &[],
    );
    assert_eq!(code, 1);
    insta::assert_snapshot!("environment_vs_branch_pinned", out);
}

#[test]
fn branch_job_against_branch_pinned_policy_is_allowed() {
    let (code, out, _) = check(
        &token("github-branch"),
        &["aws-deploy-role.json", "aws-github-provider.json"],
        &[],
    );
    assert_eq!(code, 0);
    insta::assert_snapshot!("branch_vs_branch_pinned", out);
}

#[test]
fn pull_request_against_org_wide_and_prod_role() {
    let (code, out, _) = check(
        &token("github-pull-request"),
        &["aws-org-wide.json", "aws-prod-role.get-role.json"],
        &[],
    );
    assert_eq!(code, 1, "the prod role's Deny applies");
    insta::assert_snapshot!("pull_request_vs_org_wide_and_prod_role", out);
}

#[test]
fn gitpod_token_uses_azp_as_audience_and_other_policies_do_not_apply() {
    let (code, out, _) = check(
        &token("gitpod"),
        &["aws-gitpod-role.json", "aws-deploy-role.json"],
        &[],
    );
    assert_eq!(
        code, 0,
        "allowed by the Gitpod role; the GitHub policy does not apply"
    );
    insta::assert_snapshot!("gitpod_vs_gitpod_role", out);
}

#[test]
fn bare_claims_are_a_simulated_what_if() {
    let claims = r#"{"iss":"https://token.actions.githubusercontent.com","aud":"sts.amazonaws.com","sub":"repo:acme/app:ref:refs/heads/main"}"#;
    let (code, out, _) = check(claims, &["aws:aws-deploy-role.json"], &[]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("what_if_claims", out);
}

#[test]
fn expired_token_is_refused_before_the_policy() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_claimcheck"));
    let output = command
        .args([
            "check",
            &token("github-branch"),
            "--now",
            &(NOW + 3600).to_string(),
        ])
        .args([
            "--rules",
            &rule_path("aws-deploy-role.json"),
            "--json",
            "--no-verify",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        doc["verdicts"][0]["summary"],
        "ExpiredTokenException: Token expired"
    );
}

#[test]
fn json_document_has_the_decode_fields_and_verdicts() {
    let (code, out, _) = check(
        &token("github-environment"),
        &["aws-deploy-role.json", "aws-org-wide.json"],
        &["--json"],
    );
    assert_eq!(code, 1);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["schema"], 1);
    assert_eq!(doc["form"], "signed");
    assert_eq!(doc["claims"]["sub"], "repo:acme/app:environment:prod");
    assert_eq!(doc["signature"]["status"], "verified");
    let verdicts = doc["verdicts"].as_array().unwrap();
    assert_eq!(verdicts.len(), 2);
    assert_eq!(verdicts[0]["rule"]["kind"], "aws");
    assert_eq!(
        verdicts[0]["rule"]["file"],
        "assets/demo/rules/aws-deploy-role.json"
    );
    assert_eq!(verdicts[0]["outcome"], "denied");
    assert_eq!(verdicts[1]["outcome"], "allowed");
    let failed = verdicts[0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["passed"] == false)
        .unwrap();
    assert_eq!(
        failed["condition"],
        "StringEquals token.actions.githubusercontent.com:sub"
    );
    assert_eq!(failed["expected"][0], "repo:acme/app:ref:refs/heads/main");
    assert_eq!(failed["actual"], "repo:acme/app:environment:prod");
    assert_eq!(failed["hints"][1]["code"], "github-subject-form");
    assert_eq!(verdicts[1]["lints"][0]["code"], "github-subject-org-wide");
}

#[test]
fn bad_rule_files_and_missing_rules_exit_2() {
    let dir = std::env::temp_dir().join(format!("claimcheck-check-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("broken.json");
    std::fs::write(
        &broken,
        "{\n  \"Statement\": [\n    {\"Effect\": \"Allow\",}\n  ]\n}\n",
    )
    .unwrap();
    let unknown = dir.join("unknown.json");
    std::fs::write(&unknown, "{\"hello\": \"world\"}").unwrap();
    let run = |rules: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_claimcheck"));
        command.args(["check", "--no-verify", &token("github-branch")]);
        for rule in rules {
            command.args(["--rules", rule]);
        }
        let output = command.output().unwrap();
        (
            output.status.code(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };

    let (code, err) = run(&[broken.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("broken.json:3:24: not valid JSON: trailing comma"),
        "{err}"
    );
    assert!(err.contains("tried: AWS IAM role trust policy"), "{err}");

    let (code, err) = run(&[unknown.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("unknown.json: not a rule file claimcheck recognises"),
        "{err}"
    );

    let (code, err) = run(&["assets/demo/rules/aws-github-provider.json"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("only supplies client IDs"), "{err}");

    let (code, err) = run(&[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no rules given"), "{err}");

    let (code, err) = run(&["azure:x.json"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("'azure' is not a rule kind"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

// One snapshot per other trust system, each with a demo token the file was written for (see
// the comment at the top of each file in assets/demo/rules/ for what it demonstrates).

#[test]
fn gitlab_token_against_the_vault_roles() {
    let (code, out, _) = check(
        &token("gitlab"),
        &["vault-role-deploy.json", "vault-role-protected-bool.json"],
        &[],
    );
    assert_eq!(code, 1, "the boolean-bound role denies");
    insta::assert_snapshot!("gitlab_vs_vault_roles", out);
}

#[test]
fn environment_job_against_the_entra_credentials() {
    let (code, out, _) = check(
        &token("github-environment"),
        &["entra-credentials.json"],
        &[],
    );
    assert_eq!(code, 1, "no credential accepts an AWS-audience token");
    insta::assert_snapshot!("environment_vs_entra_credentials", out);
}

#[test]
fn github_tokens_against_the_gcp_provider() {
    let (code, out, _) = check(&token("github-environment"), &["gcp-provider.yaml"], &[]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("environment_vs_gcp_provider", out);

    let (code, out, _) = check(&token("github-branch"), &["gcp-provider.yaml"], &[]);
    assert_eq!(
        code, 1,
        "no environment claim: the condition fails with a CEL error"
    );
    insta::assert_snapshot!("branch_vs_gcp_provider", out);
}

#[test]
fn gcp_member_says_whether_the_mapped_identity_is_the_bound_principal() {
    let pool = "principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github";
    let (code, out, _) = check(
        &token("github-environment"),
        &["gcp-provider.yaml"],
        &[
            "--gcp-member",
            &format!("{pool}/attribute.repository/acme/app"),
        ],
    );
    assert_eq!(code, 0);
    insta::assert_snapshot!("environment_vs_gcp_member_repository", out);

    let (code, out, _) = check(
        &token("github-environment"),
        &["gcp-provider.yaml"],
        &[
            "--gcp-member",
            &format!("{pool}/attribute.repository/acme/infra"),
        ],
    );
    assert_eq!(code, 1, "allowed by the provider, but not that member");
    assert!(
        out.contains("not the IAM member"),
        "the summary names the member check:\n{out}"
    );

    let (code, _, err) = check(
        &token("github-environment"),
        &["vault-role-deploy.json"],
        &["--gcp-member", &format!("{pool}/*")],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("no GCP workload identity provider was given"),
        "{err}"
    );
}

#[test]
fn gitlab_and_gitpod_tokens_against_the_kubernetes_configuration() {
    let (code, out, _) = check(&token("gitlab"), &["kubernetes-authn.yaml"], &[]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("gitlab_vs_kubernetes_authn", out);

    let (code, out, _) = check(&token("github-branch"), &["kubernetes-authn.yaml"], &[]);
    assert_eq!(code, 1, "no jwt entry is for GitHub's issuer");
    insta::assert_snapshot!("github_branch_vs_kubernetes_authn", out);
}

/// Runs `claimcheck check ARGS --now NOW --color never --jwks <demo>` with nothing else given.
fn check_with(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_claimcheck"))
        .arg("check")
        .args(args)
        .args(["--now", &NOW.to_string(), "--color", "never"])
        .args(["--jwks", "assets/demo/jwks.json"])
        .env("CLAIMCHECK_CONFIG", "/nonexistent")
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// `check --from SOURCE` fetches the token as `claimcheck fetch` does and gives the verdicts
/// `check FILE` gives; only the document's `source` says where the token came from.
#[cfg(unix)]
#[test]
fn check_from_a_source_matches_check_of_the_file() {
    let dir = std::env::temp_dir().join(format!("claimcheck-check-from-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("token.jwt");
    std::fs::write(&file, format!("{}\n", token("github-environment"))).unwrap();
    let file = file.to_str().unwrap();
    let rules = rule_path("aws-deploy-role.json");

    let (code, out, err) = check_with(&[file, "--rules", &rules, "--json"]);
    assert_eq!(code, 1, "{err}");
    let mut from_file: Value = serde_json::from_str(&out).unwrap();
    let exec = format!("exec:cat {file}");
    let (code, out, err) = check_with(&["--from", &exec, "--rules", &rules, "--json"]);
    assert_eq!(code, 1, "{err}");
    let mut fetched: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(fetched["source"], exec);
    assert_eq!(fetched["signature"]["status"], "verified");
    from_file.as_object_mut().unwrap().remove("source");
    fetched.as_object_mut().unwrap().remove("source");
    assert_eq!(fetched, from_file);

    let file_source = format!("file:{file}");
    let (code, out, _) = check_with(&["--from", &file_source, "--rules", &rules]);
    assert_eq!(code, 1);
    assert!(out.contains("repo:acme/app:environment:prod"), "{out}");

    // The source's failure is exit 3, with its standard error; misuse is exit 2.
    let failing = "sh:echo 'token service unreachable' >&2; exit 7";
    let (code, _, err) = check_with(&["--from", failing, "--rules", &rules]);
    assert_eq!(code, 3);
    assert!(err.contains("failed (exit status 7)"), "{err}");
    assert!(err.contains("| token service unreachable"), "{err}");
    let (code, _, err) = check_with(&[file, "--from", &file_source, "--rules", &rules]);
    assert_eq!(code, 2);
    assert!(err.contains("not both"), "{err}");
    let (code, _, err) = check_with(&[file, "--audience", "x", "--rules", &rules]);
    assert_eq!(code, 2);
    assert!(err.contains("need --from"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// One character of the signature changed: the token no longer verifies.
fn forged(token: &str) -> String {
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let mut bytes = signature.as_bytes().to_vec();
    bytes[5] = if bytes[5] == b'A' { b'B' } else { b'A' };
    format!("{signed}.{}", String::from_utf8(bytes).unwrap())
}

fn json_of(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// Every system verifies the signature before it reads a rule (STS, Vault's cap, GCP STS, Entra,
/// the API server), so a forged token that the rules would allow is refused, with the signature
/// as the deciding check and the system's own error.
#[test]
fn a_forged_token_is_denied_by_its_signature_in_text_and_json() {
    let forged = forged(&token("github-branch"));
    let rules = ["aws-deploy-role.json", "vault-role-deploy.json"];
    let (code, out, _) = check(&forged, &rules, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Signature ✗ failed"), "{out}");
    assert!(out.contains("Decision ✗ denied: signature failed"), "{out}");
    assert!(!out.contains("✓ allowed"), "{out}");
    let (code, out, _) = check(&forged, &rules, &["--json"]);
    assert_eq!(code, 1);
    let doc = json_of(&out);
    assert_eq!(doc["decision"]["outcome"], "denied");
    assert_eq!(doc["decision"]["signature"], "failed");
    assert_eq!(doc["signature"]["status"], "failed");
    for verdict in doc["verdicts"].as_array().unwrap() {
        assert_eq!(verdict["outcome"], "denied", "{verdict}");
        assert_eq!(verdict["checks"][0]["condition"], "signature");
        assert_eq!(verdict["checks"][0]["passed"], false);
    }
    let summaries: Vec<&str> = doc["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["summary"].as_str().unwrap())
        .collect();
    assert!(
        summaries[0].starts_with("InvalidIdentityToken"),
        "{summaries:?}"
    );
    assert!(
        summaries[1].starts_with("error validating token"),
        "{summaries:?}"
    );
    // --no-verify says the signature is not part of the question: the rules decide.
    let (code, out, _) = check(
        &forged,
        &["aws-deploy-role.json"],
        &["--no-verify", "--json"],
    );
    assert_eq!(code, 0, "{out}");
    let doc = json_of(&out);
    assert_eq!(doc["decision"]["outcome"], "allowed");
    assert_eq!(doc["decision"]["signature"], "not_required");
}

/// A signature that could not be checked is not a failure, and not a yes either: the rules'
/// verdicts stand, the decision says so, and the exit status is 3.
#[test]
fn rules_that_allow_an_unchecked_signature_are_not_a_yes() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_claimcheck"));
    let output = command
        .arg("check")
        .arg(token("github-branch"))
        .args([
            "--now",
            &NOW.to_string(),
            "--color",
            "never",
            "--offline",
            "--no-cache",
        ])
        .args(["--rules", &rule_path("aws-deploy-role.json"), "--json"])
        .env("CLAIMCHECK_CONFIG", "/nonexistent")
        .output()
        .unwrap();
    let out = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(3), "{out}");
    let doc = json_of(&out);
    assert_eq!(doc["signature"]["status"], "not_checked");
    assert_eq!(doc["verdicts"][0]["outcome"], "allowed");
    assert_eq!(doc["decision"]["outcome"], "not_checked");
    assert!(
        doc["decision"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("rules allow; signature not checked"),
        "{doc}"
    );
    // A rule that denies is a definite no whatever the signature.
    let output = Command::new(env!("CARGO_BIN_EXE_claimcheck"))
        .arg("check")
        .arg(token("github-environment"))
        .args([
            "--now",
            &NOW.to_string(),
            "--offline",
            "--no-cache",
            "--json",
        ])
        .args(["--rules", &rule_path("aws-deploy-role.json")])
        .env("CLAIMCHECK_CONFIG", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let doc = json_of(&String::from_utf8(output.stdout).unwrap());
    assert_eq!(doc["decision"]["outcome"], "denied");
}

/// An unsigned token (alg none) is verified too, and fails: no system accepts one.
#[test]
fn an_unsigned_token_is_denied() {
    let signed = token("github-branch");
    let mut parts = signed.split('.');
    let (_, payload) = (parts.next(), parts.next().unwrap());
    use base64::Engine;
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#);
    let unsigned = format!("{header}.{payload}.");
    let (code, out, _) = check(&unsigned, &["aws-deploy-role.json"], &["--json"]);
    assert_eq!(code, 1, "{out}");
    let doc = json_of(&out);
    assert_eq!(doc["signature"]["status"], "failed");
    assert_eq!(doc["decision"]["outcome"], "denied");
    assert_eq!(doc["verdicts"][0]["checks"][0]["condition"], "signature");
}

/// The demo GCP provider with another attribute condition, in a fresh directory.
fn gcp_provider_with_condition(test: &str, condition: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("claimcheck-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let demo = std::fs::read_to_string(format!("{RULES}/gcp-provider.yaml")).unwrap();
    let line = demo
        .lines()
        .find(|l| l.starts_with("attributeCondition:"))
        .unwrap();
    let path = dir.join("provider.yaml");
    let quoted = serde_json::to_string(condition).unwrap();
    std::fs::write(
        &path,
        demo.replace(line, &format!("attributeCondition: {quoted}")),
    )
    .unwrap();
    path
}

fn check_gcp(condition_file: &std::path::Path) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_claimcheck"))
        .arg("check")
        .arg(token("github-environment"))
        .args(["--now", &NOW.to_string(), "--color", "never"])
        .args(["--jwks", "assets/demo/jwks.json"])
        .env("CLAIMCHECK_CONFIG", "/nonexistent")
        .arg("--rules")
        .arg(format!("gcp:{}", condition_file.display()))
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
    )
}

#[test]
fn cel_syntax_errors_show_the_source_line_and_a_caret_on_their_own_lines() {
    let path = gcp_provider_with_condition("caret", "assertion.repository = 'acme/app'");
    let (_, out) = check_gcp(&path);
    assert!(!out.contains("\\n"), "a literal \\n in:\n{out}");
    let source = out
        .lines()
        .position(|l| l.trim() == "assertion.repository = 'acme/app'")
        .unwrap_or_else(|| panic!("no source line in:\n{out}"));
    let caret = out.lines().nth(source + 1).unwrap();
    let column = out.lines().nth(source).unwrap().find('=').unwrap();
    assert_eq!(caret.find('^'), Some(column), "{out}");
}

#[test]
fn an_ill_typed_or_overlong_condition_is_an_error_verdict_not_a_crash() {
    // CEL C++ and cel-go refuse `7u == 7` when the provider is saved.
    let path =
        gcp_provider_with_condition("typed", "assertion.repository == 'acme/app' && 7u == 7");
    let (code, out) = check_gcp(&path);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("CEL type error"), "{out}");
    // 6 000 terms (36 KB) aborted the process with a stack overflow (exit 134).
    let chain = format!("assertion.sub == {}", vec!["'a'"; 6000].join(" + "));
    let path = gcp_provider_with_condition("deep", &chain);
    let (code, out) = check_gcp(&path);
    // Exit 3: a rule could not be evaluated.
    assert_eq!(code, 3);
    assert!(out.contains("accepts at most 4096"));
}

/// An issuer (here its key set) that cannot be reached is not a failed signature: the rules'
/// verdicts stand, and check says it could not check (exit 3) and why.
#[test]
fn an_unreachable_key_server_makes_check_say_it_could_not_check() {
    // Nothing listens on port 1 of the loopback interface: the connection is refused at once.
    let output = Command::new(env!("CARGO_BIN_EXE_claimcheck"))
        .arg("check")
        .arg(token("github-branch"))
        .args([
            "--now",
            &NOW.to_string(),
            "--no-cache",
            "--json",
            "--timeout",
            "5",
        ])
        .args(["--jwks", "http://127.0.0.1:1/jwks.json"])
        .args(["--rules", &rule_path("aws-deploy-role.json")])
        .env("CLAIMCHECK_CONFIG", "/nonexistent")
        .output()
        .unwrap();
    let out = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(3), "{out}");
    let doc = json_of(&out);
    assert_eq!(doc["signature"]["status"], "not_checked");
    assert_eq!(doc["signature"]["code"], "connect");
    assert!(
        doc["signature"]["reason"]
            .as_str()
            .unwrap()
            .contains("could not reach"),
        "{doc}"
    );
    assert_eq!(doc["verdicts"][0]["outcome"], "allowed");
    assert_eq!(doc["decision"]["outcome"], "not_checked");
}

/// Removes claimcheck's SGR colour sequences (`ESC [ … m`).
fn strip_sgr(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("\u{1b}[") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let end = after.find('m').map_or(after.len(), |m| m + 1);
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Runs claimcheck with `args` twice, coloured (`--color always`) and under `NO_COLOR`;
/// returns both outputs.
fn coloured_and_plain(args: &[&str]) -> (String, String) {
    let run = |colour: bool| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_claimcheck"));
        command
            .args(args)
            .env("CLAIMCHECK_CONFIG", "/nonexistent")
            .env_remove("COLUMNS");
        if colour {
            command.args(["--color", "always"]).env_remove("NO_COLOR");
        } else {
            command.env("NO_COLOR", "1");
        }
        String::from_utf8(command.output().unwrap().stdout).unwrap()
    };
    (run(true), run(false))
}

/// Colour must not move text: labels (`Time`, `Signature`, `Lints`, claim names) were padded
/// after colouring, so the escape sequences took the place of their padding. With the colour
/// removed, the coloured output is the plain one, byte for byte.
#[test]
fn colour_keeps_the_alignment_of_decode_verify_and_check() {
    let token = token("github-environment");
    let now = NOW.to_string();
    let rules = rule_path("aws-deploy-role.json");
    let jwks = ["--jwks", "assets/demo/jwks.json"];
    let cases: [Vec<&str>; 3] = [
        vec!["decode", &token, "--now", &now],
        [vec!["verify", &token, "--now", &now], jwks.to_vec()].concat(),
        [
            vec!["check", &token, "--now", &now, "--rules", &rules],
            jwks.to_vec(),
        ]
        .concat(),
    ];
    for args in &cases {
        let (coloured, plain) = coloured_and_plain(args);
        assert!(coloured.contains('\u{1b}'), "{args:?} is not coloured");
        assert!(!plain.contains('\u{1b}'), "NO_COLOR is honoured");
        assert_eq!(strip_sgr(&coloured), plain, "{args:?}");
    }
    let (coloured, plain) = coloured_and_plain(&cases[2]);
    insta::assert_snapshot!("check_no_color", plain);
    insta::assert_snapshot!("check_color_always", coloured.replace('\u{1b}', "␛"));
}

/// The confidence labels of the notes behind the evaluators ([infer], [obs], [2nd], [doc],
/// [code]) and section references are not for users: every demo token against every demo rule
/// file, in text and JSON, says "inferred: … does not document this" in words instead.
#[test]
fn no_confidence_labels_reach_the_user() {
    let rules: Vec<String> = std::fs::read_dir(RULES)
        .unwrap()
        .map(|entry| entry.unwrap().path().display().to_string())
        .filter(|path| path.ends_with(".json") || path.ends_with(".yaml"))
        .collect();
    let now = NOW.to_string();
    let mut seen_inferred = false;
    for name in [
        "eks-irsa",
        "github-branch",
        "github-environment",
        "github-pull-request",
        "gitlab",
        "gitpod",
        "kubernetes",
        "ona",
    ] {
        let token = token(name);
        for json in [false, true] {
            let mut command = Command::new(env!("CARGO_BIN_EXE_claimcheck"));
            command
                .args(["check", &token, "--now", &now, "--color", "never"])
                .args(["--jwks", "assets/demo/jwks.json"])
                .env("CLAIMCHECK_CONFIG", "/nonexistent");
            for rule in &rules {
                command.args(["--rules", rule]);
            }
            if json {
                command.arg("--json");
            }
            let output = command.output().unwrap();
            let text = String::from_utf8_lossy(&output.stdout).into_owned()
                + &String::from_utf8_lossy(&output.stderr);
            // Spelled in two parts so that a search of the repository for stray citations does not
            // find this test.
            let section_reference = concat!("reference", " §");
            for label in [
                "infer]",
                "[obs",
                "[2nd]",
                "[doc]",
                "[code]",
                section_reference,
            ] {
                assert!(!text.contains(label), "{name}: {label} in\n{text}");
            }
            seen_inferred |= text.contains("inferred: AWS does not document this");
        }
    }
    assert!(seen_inferred, "the AWS expiry note says it in words");
}

/// The widest line of `text`, in terminal columns.
fn widest(text: &str) -> usize {
    text.lines()
        .map(unicode_width::UnicodeWidthStr::width)
        .max()
        .unwrap_or(0)
}

/// `check` fitted to a terminal: at 80 columns each condition is a stacked block (condition,
/// expected, actual, result) and no line is wider than the terminal; at 140 the checks stay a
/// table whose long cells wrap inside their column. COLUMNS gives the width when `--width` does
/// not, and `--width` wins over it. Piped with neither, the output keeps its one-line-per-row
/// shape (the other snapshots in this file).
#[test]
fn check_fits_the_terminal_width() {
    let token = token("github-pull-request");
    let rules = ["aws-org-wide.json", "aws-prod-role.get-role.json"];
    let (code, at_80, _) = check(&token, &rules, &["--width", "80"]);
    assert_eq!(code, 1);
    assert!(widest(&at_80) <= 80, "{at_80}");
    assert!(at_80.contains("      expected  repo:acme/app:environment:prod\n"));
    insta::assert_snapshot!("pull_request_at_80_columns", at_80);

    let (_, at_140, _) = check(&token, &rules, &["--width", "140"]);
    assert!(widest(&at_140) <= 140, "{at_140}");
    assert!(at_140.contains("condition"), "still a table");
    insta::assert_snapshot!("pull_request_at_140_columns", at_140);

    let with_columns = |extra: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_claimcheck"));
        command
            .arg("check")
            .arg(&token)
            .args(["--now", &NOW.to_string(), "--color", "never"])
            .args(["--jwks", "assets/demo/jwks.json"])
            .env("CLAIMCHECK_CONFIG", "/nonexistent")
            .env("COLUMNS", "80");
        for rule in rules {
            command.arg("--rules").arg(rule_path(rule));
        }
        String::from_utf8(command.args(extra).output().unwrap().stdout).unwrap()
    };
    assert_eq!(with_columns(&[]), at_80, "COLUMNS is the width");
    assert_eq!(with_columns(&["--width", "140"]), at_140, "--width wins");

    let (_, piped, _) = check(&token, &rules, &[]);
    assert!(widest(&piped) > 140, "piped output is not fitted");
}

/// id_roles_create_for-idp_oidc.md: a policy whose only Federated principal is GitHub's does not
/// apply to a GitLab token, whether or not it also has a wildcard-principal Deny (the prod role
/// has one; the deploy role has none): both say "not applicable", neither "denied".
#[test]
fn another_issuers_token_is_not_applicable_deny_statement_or_not() {
    let (_, out, _) = check(
        &token("gitlab"),
        &["aws-prod-role.get-role.json", "aws-deploy-role.json"],
        &["--json"],
    );
    let doc = json_of(&out);
    let verdicts = doc["verdicts"].as_array().unwrap();
    assert_eq!(verdicts.len(), 2);
    for verdict in verdicts {
        assert_eq!(verdict["outcome"], "not_applicable", "{verdict}");
    }
    let (_, text, _) = check(&token("gitlab"), &["aws-prod-role.get-role.json"], &[]);
    assert!(text.contains("– not applicable  aws"), "{text}");
    assert!(
        text.contains("no statement names this issuer's provider"),
        "{text}"
    );
}
