//! `claimcheck decode` driven as a user would: arguments, files, pipes, exit codes, JSON.

use assert_cmd::Command;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use claimcheck::demo::{self, DemoKey};
use serde_json::{Map, Value, json};

/// A fixed instant so that relative times in the output are stable.
const NOW: i64 = 1_800_000_000;

fn claimcheck() -> Command {
    let mut command = Command::cargo_bin("claimcheck").unwrap();
    command
        .env_remove("NO_COLOR")
        .env("CLAIMCHECK_CONFIG", "/nonexistent");
    command
}

fn object(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

fn b64(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(text)
}

fn demo_token(name: &str) -> String {
    demo::template(name).unwrap().mint(NOW)
}

fn decode_json(args: &[&str], stdin: &str) -> (Value, i32) {
    let output = claimcheck()
        .arg("decode")
        .arg("--json")
        .args(["--now", &NOW.to_string()])
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    let document = serde_json::from_slice(&output.stdout).expect("stdout is one JSON document");
    (document, output.status.code().unwrap())
}

fn claim_names(document: &Value) -> Vec<String> {
    document["claims"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

/// The claim sets documented by each issuer (docs/SEMANTICS.md §6, taken from the Gitpod,
/// Ona, GitLab and GitHub docs), signed with the demo key: decoding must keep the
/// order in which the issuer wrote them.
#[test]
fn documented_claim_sets_decode_in_token_order() {
    let documented = [
        // Gitpod docs: `gp idp token --audience example.org`
        r#"{"aud":["example.org"],"auth_time":1684777794,"azp":"example.org","c_hash":"gc_vPbUNoCT0UmXDCdp1sw","email":"kumquat@gitpod.io","email_verified":true,"exp":1684781394,"iat":1684777794,"iss":"https://api.gitpod.io/idp","name":"Kumquat The Third","sub":"https://github.com/gitpod-io/website/pull/1"}"#,
        // Ona docs: `gitpod idp token --audience example.org`
        r#"{"aud":"example.org","exp":1740517845,"iat":1740514245,"iss":"https://app.gitpod.io","org":"0191e223-1c3c-7607-badf-303c98b52d2f","sub":"org:0191e223-1c3c-7607-badf-303c98b52d2f/prj:019527e4-75d5-704d-a5a4-a2b52cf56198/env:019527e4-75d5-704d-a5a4-a2b52cf56196"}"#,
        // GitLab docs: ID token payload
        r#"{"namespace_id":"72","namespace_path":"my-group","project_id":"20","project_path":"my-group/my-project","user_id":"1","user_login":"sample-user","user_email":"sample-user@example.com","pipeline_id":"574","pipeline_source":"push","job_id":"302","ref":"feature-branch-1","ref_type":"branch","ref_protected":"false","environment":"test-environment2","environment_protected":"false","deployment_tier":"testing","runner_id":1,"runner_environment":"self-hosted","sha":"714a629c0b401fdce83e847fc9589983fc6f46bc","jti":"235b3a54-b797-45c7-ae9a-f72d7bc6ef5b","iss":"https://gitlab.example.com","iat":1681395193,"nbf":1681395188,"exp":1681398793,"sub":"project_path:my-group/my-project:ref_type:branch:ref:feature-branch-1","aud":"https://vault.example.com"}"#,
        // GitHub docs: OIDC token example
        r#"{"jti":"example-id","sub":"repo:octo-org/octo-repo:environment:prod","environment":"prod","aud":"https://github.com/octo-org","ref":"refs/heads/main","sha":"example-sha","repository":"octo-org/octo-repo","repository_owner":"octo-org","actor_id":"12","repository_visibility":"private","repository_id":"74","repository_owner_id":"65","run_id":"example-run-id","run_number":"10","run_attempt":"2","runner_environment":"github-hosted","actor":"octocat","workflow":"example-workflow","head_ref":"","base_ref":"","event_name":"workflow_dispatch","ref_type":"branch","job_workflow_ref":"octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main","iss":"https://token.actions.githubusercontent.com","nbf":1632492967,"exp":1632493867,"iat":1632493567}"#,
    ];
    for text in documented {
        let claims: Map<String, Value> = serde_json::from_str(text).unwrap();
        let expected: Vec<String> = claims.keys().cloned().collect();
        let token = demo::sign_with(DemoKey::Rsa, &Map::new(), &claims);
        let (document, code) = decode_json(&[&token], "");
        assert_eq!(code, 0);
        assert_eq!(claim_names(&document), expected);
        assert_eq!(document["claims"], Value::Object(claims));
    }
}

#[test]
fn bearer_line_and_github_response_decode_the_same_token() {
    let token = demo_token("github-environment");
    let (plain, _) = decode_json(&[], &format!("{token}\n"));
    let (bearer, code) = decode_json(&[], &format!("Bearer {token}\n"));
    assert_eq!(code, 0);
    let (response, _) = decode_json(&[], &format!(r#"{{"count":1,"value":"{token}"}}"#));
    let (header, _) = decode_json(&[], &format!("Authorization: Bearer {token}"));
    assert_eq!(bearer["found_via"], json!({"kind": "bearer"}));
    assert_eq!(
        response["found_via"],
        json!({"kind": "json_field", "detail": "value"})
    );
    for document in [&bearer, &response, &header] {
        assert_eq!(document["claims"], plain["claims"]);
        assert_eq!(document["header"], plain["header"]);
    }
    assert_eq!(plain["schema"], 1);
    assert_eq!(plain["time"]["status"], "active");
    assert_eq!(plain["signature"]["status"], "not_checked");
    assert_eq!(plain["source"], "stdin");
}

#[test]
fn file_argument_and_dash() {
    let dir = tempdir("file-argument");
    let path = dir.join("token.jwt");
    let token = demo_token("gitlab");
    std::fs::write(&path, format!("{token}\n")).unwrap();
    let (from_file, code) = decode_json(&[path.to_str().unwrap()], "");
    assert_eq!(code, 0);
    assert_eq!(from_file["source"], format!("file:{}", path.display()));
    let (from_dash, _) = decode_json(&["-"], &token);
    assert_eq!(from_dash["claims"], from_file["claims"]);
    std::fs::remove_dir_all(dir).unwrap();
}

/// Every malformed-input class gives its own error kind, a message naming what is wrong, valid
/// JSON on stdout with `--json`, and exit status 2.
#[test]
fn malformed_inputs_table() {
    let header = b64(r#"{"alg":"RS256","kid":"k"}"#);
    let claims = b64(r#"{"sub":"x"}"#);
    let deep = format!("{{\"a\":{}1{}}}", "[".repeat(200), "]".repeat(200));
    let cases: Vec<(String, &str, &str)> = vec![
        ("   \n".into(), "empty_input", "empty"),
        (
            format!("{header}.{claims}"),
            "segment_count",
            "found 2 segment(s)",
        ),
        (
            format!("{header}.{claims}.c2ln.x"),
            "segment_count",
            "found 4 segment(s)",
        ),
        (
            format!("{header}..c2ln"),
            "empty_segment",
            "payload (claims) segment (segment 2) is empty",
        ),
        (
            format!("{header}.ab+d.c2ln"),
            "base64",
            "'+' belongs to standard base64",
        ),
        (
            format!("{header}.{claims}.c2$n"),
            "base64",
            "signature segment is not base64url",
        ),
        (
            format!("{}.{claims}.c2ln", b64("{\"alg\": ")),
            "not_json",
            "EOF while parsing",
        ),
        (
            format!("{}.{claims}.c2ln", b64("[]")),
            "not_object",
            "header segment is JSON but not an object",
        ),
        (
            format!("{header}.{}.c2ln", b64(&deep)),
            "too_deep",
            "deeper than 64 levels",
        ),
        ("a".repeat(2 * 1024 * 1024), "too_large", "over the"),
        (
            r#"{"sub":"x","aud":"y"}"#.into(),
            "no_token_in_json",
            "claimcheck check",
        ),
    ];
    for (input, kind, message) in cases {
        let (document, code) = decode_json(&[], &input);
        assert_eq!(code, 2, "{kind}");
        assert_eq!(document["schema"], 1);
        assert_eq!(document["error"]["kind"], kind, "{document}");
        let text = document["error"]["message"].as_str().unwrap();
        assert!(text.contains(message), "{kind}: {text}");

        let output = claimcheck()
            .arg("decode")
            .write_stdin(input)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2));
        assert!(output.stdout.is_empty());
        assert!(String::from_utf8_lossy(&output.stderr).contains(message));
    }
}

#[test]
fn missing_file_is_an_input_error() {
    let output = claimcheck()
        .args(["decode", "--json", "/no/such/token.jwt"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["error"]["kind"], "io");
}

#[test]
fn escape_sequences_in_claims_are_rendered_inert() {
    let hostile = object(json!({
        "sub": "\u{1b}]52;c;ZXZpbA==\u{7}",
        "name": "\u{1b}[2J\u{1b}[31mred",
        "\u{1b}[1mkey": "bidi \u{202e}ppa/emca",
        "exp": NOW + 60,
    }));
    let token = demo::sign_with(
        DemoKey::Rsa,
        &object(json!({"x\u{1b}": "\u{9b}1m"})),
        &hostile,
    );
    for color in ["never", "always"] {
        let output = claimcheck()
            .args([
                "decode",
                "--color",
                color,
                "--now",
                &NOW.to_string(),
                &token,
            ])
            .output()
            .unwrap();
        assert!(output.status.success());
        let text = String::from_utf8(output.stdout).unwrap();
        // The only escape bytes allowed are claimcheck's own SGR colour codes.
        let stripped = strip_sgr(&text);
        assert!(
            !stripped.contains('\u{1b}'),
            "raw ESC reached the terminal: {text:?}"
        );
        assert!(!stripped.contains('\u{9b}') && !stripped.contains('\u{7}'));
        assert!(!stripped.contains('\u{202e}'));
        assert!(stripped.contains("\\e]52;c;ZXZpbA==\\u{7}"), "{stripped}");
        assert!(stripped.contains("\\e[1mkey"));
    }
}

fn strip_sgr(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("\u{1b}[") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('m') {
            Some(end) if after[..end].chars().all(|c| c.is_ascii_digit() || c == ';') => {
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str(&rest[start..start + 2]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn no_color_and_pipes_get_plain_text() {
    let token = demo_token("ona");
    let piped = claimcheck().args(["decode", &token]).output().unwrap();
    assert!(!String::from_utf8_lossy(&piped.stdout).contains('\u{1b}'));
    let forced = claimcheck()
        .env("NO_COLOR", "1")
        .args(["decode", "--color", "auto", &token])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&forced.stdout).contains('\u{1b}'));
}

#[test]
fn date_styles() {
    let token = demo_token("github-branch");
    let render = |style: &str| {
        let output = claimcheck()
            .args(["decode", "--date", style, "--now", &NOW.to_string(), &token])
            .output()
            .unwrap();
        String::from_utf8(output.stdout).unwrap()
    };
    let exp = NOW + 295;
    let utc = render("utc");
    assert!(
        utc.contains(&format!("{exp}  2027-01-15T08:04:55Z (in 4m 55s)")),
        "{utc}"
    );
    let unix = render("unix");
    assert!(
        unix.lines()
            .any(|l| l.trim_end().ends_with(&exp.to_string()) && l.contains("exp"))
    );
    assert!(!unix.contains("2027-01-15T"));
    let local = claimcheck()
        .env("TZ", "UTC")
        .args([
            "decode",
            "--date",
            "local",
            "--now",
            &NOW.to_string(),
            &token,
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&local.stdout).contains("(in 4m 55s)"));
}

#[test]
fn expired_and_not_yet_valid_tokens_still_decode() {
    let token = demo_token("github-branch");
    let (later, code) = decode_json(&["--leeway", "0", &token], "");
    assert_eq!(code, 0);
    assert_eq!(later["time"]["status"], "active");
    let output = claimcheck()
        .args([
            "decode",
            "--json",
            "--now",
            &(NOW + 400).to_string(),
            &token,
        ])
        .output()
        .unwrap();
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["time"]["status"], "expired");
    assert_eq!(document["time"]["expires_in_secs"], -105);
}

#[test]
fn jwe_shows_its_header_and_reports_encrypted_claims() {
    let jwe = format!(
        "{}.{}.{}.{}.{}",
        b64(r#"{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":"enc-1"}"#),
        b64("encrypted-key"),
        b64("initvector12"),
        b64("ciphertext"),
        b64("authenticationtag")
    );
    let (document, code) = decode_json(&[&jwe], "");
    assert_eq!(code, 0);
    assert_eq!(document["form"], "encrypted");
    assert_eq!(document["header"]["enc"], "A256GCM");
    assert_eq!(document["claims"], Value::Null);
    assert_eq!(document["time"]["status"], "unknown");
    let codes: Vec<&str> = document["lints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"encrypted-payload"));
}

#[test]
fn help_explains_with_examples() {
    for args in [
        vec!["--help"],
        vec!["decode", "--help"],
        vec!["demo", "--help"],
    ] {
        let output = claimcheck().args(&args).output().unwrap();
        assert!(output.status.success());
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("Examples:"),
            "{args:?}"
        );
    }
}

/// The help the binary prints keeps each example on one line, however long (clap would wrap
/// it at the terminal width), through `--help` and through `help COMMAND` alike.
#[test]
fn help_prints_long_examples_whole() {
    let example = "claimcheck demo --print-token github-environment | claimcheck verify --jwks-for https://token.actions.githubusercontent.com=assets/demo/jwks.json";
    for args in [vec!["verify", "--help"], vec!["help", "verify"]] {
        let output = claimcheck()
            .args(&args)
            .env("COLUMNS", "80")
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}");
        let help = String::from_utf8_lossy(&output.stdout);
        assert!(
            help.lines().any(|line| line.trim() == example),
            "{args:?}:\n{help}"
        );
    }
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("claimcheck-test-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn payloads_that_are_not_claim_sets_decode_with_the_payload_shown() {
    // RFC 7515 §3: a JWS payload may be any octets; only a JSON object makes it a JWT.
    let header = b64(r#"{"alg":"RS256","kid":"k"}"#);
    for (payload, shown) in [
        ("{\"sub\": ", json!({"text": "{\"sub\": "})),
        ("\"just a string\"", json!({"text": "\"just a string\""})),
        (
            "It’s a dangerous business",
            json!({"text": "It’s a dangerous business"}),
        ),
    ] {
        let (document, code) = decode_json(&[], &format!("{header}.{}.c2ln", b64(payload)));
        assert_eq!(code, 0, "{document}");
        assert_eq!(document["form"], "signed");
        assert_eq!(document["claims"], Value::Null);
        assert_eq!(document["payload"], shown);
        assert_eq!(document["time"]["status"], "unknown");
        let lint = document["lints"]
            .as_array()
            .unwrap()
            .iter()
            .find(|lint| lint["code"] == "payload-not-json")
            .expect("payload-not-json lint");
        assert_eq!(lint["severity"], "info");
    }
    // A token with claims has no payload member at all.
    let (document, _) = decode_json(&[], &format!("{header}.{}.c2ln", b64(r#"{"sub":"x"}"#)));
    assert!(document.get("payload").is_none(), "{document}");
}

#[test]
fn a_text_payload_is_shown_line_by_line_with_controls_made_inert() {
    let header = b64(r#"{"alg":"ES512"}"#);
    let token = format!(
        "{header}.{}.AAAA",
        b64("line one\nline two\u{1b}]52;c;x\u{7}")
    );
    let output = claimcheck()
        .args(["decode", "--color", "never", &token])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("Payload (text)\n  line one\n  line two\\e]52;c;x\\u{7}\n"),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'));
}

/// A signed token of about `bytes` bytes: GitHub Actions claims plus a large `groups` claim, as
/// identity providers that put a user's group list into the token emit.
fn large_token(bytes: usize) -> (String, usize) {
    let mut claims = demo::template("github-environment").unwrap().claims_at(NOW);
    let group = |i: usize| format!("group-{i:08}-of-a-large-directory");
    // Each group costs its text, two quotes and a comma; base64url adds a third.
    let count = bytes * 3 / 4 / (group(0).len() + 3);
    claims.insert("groups".into(), (0..count).map(group).collect());
    (demo::sign_with(DemoKey::Rsa, &Map::new(), &claims), count)
}

#[test]
fn a_ten_megabyte_token_decodes_with_max_bytes_and_is_refused_without() {
    let (token, groups) = large_token(10_000_000);
    assert!(token.len() > 9_900_000, "{}", token.len());

    let (document, code) = decode_json(&["--max-bytes", "20000000"], &token);
    assert_eq!(code, 0, "{}", document["error"]);
    let decoded = document["claims"]["groups"].as_array().unwrap();
    assert_eq!(decoded.len(), groups);
    assert_eq!(
        decoded[groups - 1],
        format!("group-{:08}-of-a-large-directory", groups - 1)
    );
    assert_eq!(document["claims"]["sub"], "repo:acme/app:environment:prod");

    // The default bound (1 MiB) still holds without the flag, and a bound just under the
    // token's size refuses it too, naming that bound.
    let (document, code) = decode_json(&[], &token);
    assert_eq!(
        (code, document["error"]["kind"].as_str()),
        (2, Some("too_large"))
    );
    let just_under = (token.len() - 1).to_string();
    let (document, code) = decode_json(&["--max-bytes", &just_under], &token);
    assert_eq!(
        (code, document["error"]["kind"].as_str()),
        (2, Some("too_large"))
    );
    let message = document["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("{just_under}-byte limit")),
        "{message}"
    );
}

#[test]
fn max_bytes_applies_to_every_command_that_reads_a_token() {
    let token = demo_token("github-environment");
    let bound = (token.len() - 1).to_string();
    let rules = format!(
        "{}/assets/demo/rules/aws-deploy-role.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let commands: [&[&str]; 5] = [
        &["decode", "--json"],
        &["check", "--json", "--no-verify", "--rules", &rules],
        &["verify", "--json", "--offline"],
        &["scaffold", "aws", "--json"],
        &["--json"],
    ];
    for command in commands {
        let refused = claimcheck()
            .args(command)
            .args(["--max-bytes", &bound, "-"])
            .write_stdin(token.clone())
            .output()
            .unwrap();
        assert_eq!(refused.status.code(), Some(2), "{command:?}");
        let text = String::from_utf8_lossy(&refused.stdout).into_owned()
            + &String::from_utf8_lossy(&refused.stderr);
        assert!(
            text.contains(&format!("{bound}-byte limit")),
            "{command:?}: {text}"
        );
    }
    let refused = claimcheck()
        .args(["decode", "--max-bytes", "0", "-"])
        .write_stdin(token)
        .output()
        .unwrap();
    assert_eq!(
        refused.status.code(),
        Some(2),
        "a zero bound is a usage error"
    );
}
