//! `claimcheck explain` end to end (messages, a whole CI log with a token, `--rules`, `--json`,
//! exit codes), and decoded dumps read as SIMULATED claims by `check`.

use assert_cmd::Command;
use serde_json::{Value, json};

const NOW: i64 = 1_900_000_000;
const RULES: &str = "assets/demo/rules";

fn claimcheck() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_claimcheck"));
    command
        .env("CLAIMCHECK_CONFIG", "/nonexistent")
        .env_remove("NO_COLOR");
    command
}

/// Runs `claimcheck explain ARGS --color never --now NOW` with `stdin`; (exit, stdout, stderr).
fn explain(args: &[&str], stdin: &str) -> (i32, String, String) {
    let output = claimcheck()
        .arg("explain")
        .args(args)
        .args(["--color", "never", "--now", &NOW.to_string()])
        .write_stdin(stdin)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn token(name: &str) -> String {
    claimcheck::demo::template(name)
        .unwrap_or_else(|| panic!("no demo template {name}"))
        .mint(NOW)
}

/// A GitHub Actions log of `lines` lines, coloured and timestamped as the web view's download
/// gives it, that prints `token` early and ends with configure-aws-credentials' AccessDenied.
fn ci_log(token: &str, lines: usize) -> String {
    let mut log = String::new();
    for i in 0..lines {
        let stamp = format!("2026-01-02T03:{:02}:{:02}.1234567Z", (i / 60) % 60, i % 60);
        let line = match i {
            40 => format!("{stamp} ##[group]Run aws-actions/configure-aws-credentials@v4"),
            41 => format!("{stamp}   role-to-assume: arn:aws:iam::111122223333:role/deploy"),
            42 => format!("{stamp}   aws-region: eu-west-1"),
            60 => format!("{stamp} debug: OIDC token {token}"),
            n if n == lines - 5 => format!(
                "{stamp} ##[error]\u{1b}[31mCould not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity\u{1b}[0m"
            ),
            n => format!("{stamp} \u{1b}[36;1mnpm run build --workspace {n}\u{1b}[0m"),
        };
        log.push_str(&line);
        log.push('\n');
    }
    log
}

#[test]
fn an_action_error_is_explained_with_the_next_command() {
    let (code, out, _) = explain(
        &["Error: Could not assume role with OIDC: Incorrect token audience"],
        "",
    );
    assert_eq!(code, 0);
    insta::assert_snapshot!("incorrect_audience", out);
}

#[test]
fn unrelated_text_is_not_recognised_with_exit_1() {
    let (code, out, _) = explain(&["Error: Process completed with exit code 1."], "");
    assert_eq!(code, 1);
    assert!(out.starts_with("not recognised"), "{out}");
    for known in [
        "AADSTS70021",
        "invalid_target",
        "bound claim",
        "Unauthorized",
    ] {
        assert!(out.contains(known), "lists {known}: {out}");
    }
}

#[test]
fn a_single_word_is_text_not_a_missing_file() {
    let (code, out, _) = explain(&["Unauthorized"], "");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Kubernetes API server: Unauthorized"), "{out}");
}

#[test]
fn a_whole_ci_log_from_stdin_is_matched_to_the_verdict_of_its_role() {
    let log = ci_log(&token("github-environment"), 2000);
    let rules = format!("{RULES}/aws-deploy-role.json");
    let (code, out, err) = explain(&["-", "--rules", &rules], &log);
    assert_eq!(code, 0, "{err}");
    // The token is a secret: it is decoded, never printed back.
    assert!(!out.contains(&token("github-environment")));
    insta::assert_snapshot!("ci_log_access_denied_with_rules", out);
}

#[test]
fn a_ci_log_file_without_rules_lists_its_tokens() {
    let dir = std::env::temp_dir().join(format!("claimcheck-explain-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ci.log");
    std::fs::write(&path, ci_log(&token("github-branch"), 300)).unwrap();
    let (code, out, _) = explain(&[path.to_str().unwrap()], "");
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(code, 0);
    assert!(
        out.contains("line 296, printed by aws-actions/configure-aws-credentials"),
        "{out}"
    );
    assert!(out.contains("--role-name deploy"), "{out}");
    assert!(
        out.contains("line 61: iss https://token.actions.githubusercontent.com  sub repo:acme/app:ref:refs/heads/main"),
        "{out}"
    );
    assert!(!out.contains("verdict for"), "no rules, no verdict: {out}");
}

#[test]
fn a_rule_that_allows_the_token_says_the_service_used_other_rules() {
    let log = ci_log(&token("github-branch"), 200);
    let rules = format!("{RULES}/aws-deploy-role.json");
    let (_, out, _) = explain(&["-", "--rules", &rules], &log);
    assert!(
        out.contains("verdict for the token on line 61: ✓ allowed"),
        "{out}"
    );
    assert!(out.contains("the service used another rule"), "{out}");
}

#[test]
fn json_output_has_findings_links_and_tokens() {
    let log = ci_log(&token("github-environment"), 100);
    let rules = format!("{RULES}/aws-deploy-role.json");
    let (code, out, _) = explain(&["-", "--rules", &rules, "--json"], &log);
    assert_eq!(code, 0);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["schema"], 1);
    assert_eq!(doc["recognised"], true);
    assert_eq!(doc["lines"], 100);
    let finding = &doc["findings"][0];
    assert_eq!(finding["id"], "aws.access_denied");
    assert_eq!(finding["system"], "aws");
    assert_eq!(finding["line"], 96);
    assert_eq!(
        finding["named"]["role_arn"],
        "arn:aws:iam::111122223333:role/deploy"
    );
    assert_eq!(doc["links"][0]["agreement"], "agrees");
    assert_eq!(doc["links"][0]["token_line"], 61);
    assert_eq!(doc["links"][0]["verdict"]["outcome"], "denied");
    assert_eq!(doc["tokens"][0]["line"], 61);
    assert_eq!(
        doc["tokens"][0]["document"]["signature"]["status"],
        "not_checked"
    );
    assert!(!out.contains(&token("github-environment")));

    let (code, out, _) = explain(&["--json", "hello"], "");
    assert_eq!(code, 1);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["recognised"], false);
    assert_eq!(doc["findings"], json!([]));
}

#[test]
fn input_errors_exit_2() {
    let (code, _, err) = explain(&["x", "--rules", "/no/such/rules.json"], "");
    assert_eq!(code, 2, "{err}");
    let output = claimcheck()
        .args(["explain", "-"])
        .write_stdin(vec![b'a'; 17 * 1024 * 1024])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("limit"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `claimcheck check` on a dump and on the same claims as a bare object.
fn check_json(input: &str, rules: &str) -> (i32, Value) {
    let output = claimcheck()
        .args(["check", "-", "--rules", rules, "--json"])
        .args(["--now", &NOW.to_string()])
        .write_stdin(input)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        serde_json::from_slice(&output.stdout).unwrap(),
    )
}

/// Gitpod documents `gitpod idp token --decode` as printing `{"Claims": {…}, "Header":
/// [{"KeyID": …, "Algorithm": …}]}` (https://www.gitpod.io/docs/gitpod/configuration/oidc):
/// it used to be read as claims named `Claims` and `Header` ("the token has no iss").
#[test]
fn gitpod_decode_output_gives_the_verdict_of_its_claims() {
    let rules = format!("{RULES}/aws-gitpod-role.json");
    for (sub, outcome) in [
        ("https://github.com/acme/app/pull/42", "allowed"),
        ("https://github.com/gitpod-io/website/pull/1", "denied"),
    ] {
        let claims = json!({
            "aud": ["sts.amazonaws.com"],
            "azp": "sts.amazonaws.com",
            "email": "dev@acme.example",
            "email_verified": true,
            "exp": NOW + 3600,
            "iat": NOW - 10,
            "iss": "https://api.gitpod.io/idp",
            "sub": sub
        });
        let dump = json!({
            "Claims": claims,
            "Header": [{"KeyID": "k1", "JSONWebKey": null, "Algorithm": "RS256", "Nonce": "", "ExtraHeaders": {"typ": "JWT"}}]
        });
        let (dump_code, from_dump) =
            check_json(&serde_json::to_string_pretty(&dump).unwrap(), &rules);
        let (claims_code, from_claims) = check_json(&claims.to_string(), &rules);
        assert_eq!(dump_code, claims_code, "{sub}");
        assert_eq!(from_dump["verdicts"], from_claims["verdicts"], "{sub}");
        assert_eq!(from_dump["verdicts"][0]["outcome"], outcome, "{sub}");
        assert_eq!(from_dump["simulated"], true);
        assert_eq!(from_dump["dump"], "gitpod");
        assert_eq!(
            from_dump["header"],
            json!({"alg": "RS256", "kid": "k1", "typ": "JWT"})
        );
        assert_eq!(from_dump["claims"]["iss"], "https://api.gitpod.io/idp");
    }
}

/// The header of a dump reaches the rules that check it: Vault refuses an algorithm outside
/// its default set (hashicorp/cap jwt/jwt.go), which bare claims cannot show.
#[test]
fn a_dump_header_reaches_vaults_alg_check() {
    let claims = claimcheck::demo::template("gitlab").unwrap().claims_at(NOW);
    let rules = format!("vault:{RULES}/vault-role-deploy.json");
    let jwt_cli = json!({"header": {"alg": "HS256", "typ": "JWT"}, "payload": claims});
    let (_, from_dump) = check_json(&jwt_cli.to_string(), &rules);
    assert_eq!(from_dump["dump"], "jwt_cli");
    let checks = from_dump["verdicts"][0]["checks"].as_array().unwrap();
    let alg = checks
        .iter()
        .find(|c| c["condition"].as_str().unwrap_or("").contains("alg"))
        .unwrap_or_else(|| panic!("an alg check: {checks:#?}"));
    assert_eq!(alg["passed"], false, "{alg:#?}");
    assert_eq!(from_dump["verdicts"][0]["outcome"], "denied");
}

#[test]
fn other_dump_shapes_are_simulated_claims_in_text_output() {
    let claims = claimcheck::demo::template("gitpod").unwrap().claims_at(NOW);
    let header = json!({"alg": "RS256", "kid": "k1"});
    let inputs = [
        (
            "jwt.io's panes",
            format!(
                "{}\n{}",
                serde_json::to_string_pretty(&header).unwrap(),
                serde_json::to_string_pretty(&claims).unwrap()
            ),
            "jwt.io's header and payload panes",
        ),
        (
            "step crypto jwt inspect",
            json!({"header": header, "payload": claims, "signature": "c2ln"}).to_string(),
            "`step crypto jwt inspect` output",
        ),
        (
            "actions-oidc-debugger",
            serde_json::to_string_pretty(&claims)
                .unwrap()
                .lines()
                .map(|l| format!("2026-01-02T03:04:05.1234567Z {l}\n"))
                .collect::<String>(),
            "actions-oidc-debugger's print of the claims",
        ),
    ];
    for (name, input, says) in inputs {
        let output = claimcheck()
            .args([
                "check",
                "-",
                "--rules",
                &format!("{RULES}/aws-gitpod-role.json"),
            ])
            .args(["--now", &NOW.to_string(), "--color", "never"])
            .write_stdin(input)
            .output()
            .unwrap();
        let out = String::from_utf8(output.stdout).unwrap();
        assert_eq!(output.status.code(), Some(0), "{name}: {out}");
        assert!(
            out.contains(&format!("SIMULATED what-if: {says}, unsigned")),
            "{name}: {out}"
        );
    }
}
