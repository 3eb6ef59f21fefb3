//! `claimcheck fetch` (and `decode --from`) driven as a user would, each run in an environment
//! the test builds from nothing (`env_clear`): fake issuer CLIs first on `PATH`, a loopback
//! imitation of the GitHub Actions token endpoint, token files for EKS/AKS/Kubernetes.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use assert_cmd::Command;
use claimcheck::demo::{self, DemoKey};
use serde_json::{Map, Value, json};

/// A fixed instant so that documents are comparable.
const NOW: i64 = 1_800_000_000;
const SYSTEM_PATH: &str = "/usr/bin:/bin";

/// A scratch directory removed when the test ends.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "claimcheck-fetch-{name}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        Scratch(dir)
    }

    fn bin(&self) -> PathBuf {
        self.0.join("bin")
    }

    /// A fake program in `bin/`, written as a shell script.
    fn program(&self, name: &str, script: &str) {
        let path = self.bin().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// `bin/` first, then the system's directories for `sleep`, `cat` and the like.
    fn path_var(&self) -> String {
        format!("{}:{SYSTEM_PATH}", self.bin().display())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `claimcheck` with exactly the given environment.
fn claimcheck(env: &[(&str, &str)]) -> Command {
    let mut command = Command::cargo_bin("claimcheck").unwrap();
    command.env_clear().envs(env.iter().copied());
    command
}

fn mint(template: &str) -> String {
    demo::template(template).unwrap().mint(NOW)
}

fn google_token() -> String {
    let claims = json!({
        "aud": "https://service.example", "azp": "1234567890",
        "email": "deployer@project.iam.gserviceaccount.com", "email_verified": true,
        "exp": NOW + 3600, "iat": NOW, "iss": "https://accounts.google.com",
        "sub": "1234567890"
    });
    demo::sign_with(DemoKey::Rsa, &Map::new(), claims.as_object().unwrap())
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(command: &mut Command) -> Run {
    let output = command.timeout(Duration::from_secs(60)).output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).expect("stdout is one JSON document")
}

// ---------------------------------------------------------------- GitHub Actions endpoint

const BEARER: &str = "request-bearer-for-test";

/// Answers like the Actions token endpoint: the bearer must match, the token's `aud` is the
/// `audience` parameter (default `https://github.com/octo-org`); serves `requests` requests at
/// most, then stops.
fn actions_endpoint(requests: usize) -> (String, thread::JoinHandle<Vec<String>>) {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let port = server.server_addr().to_ip().unwrap().port();
    let handle = thread::spawn(move || {
        let mut seen = Vec::new();
        for _ in 0..requests {
            let Ok(Some(request)) = server.recv_timeout(Duration::from_secs(30)) else {
                break;
            };
            let url = request.url().to_owned();
            seen.push(url.clone());
            let authorized = request.headers().iter().any(|h| {
                h.field.equiv("Authorization")
                    && h.value
                        .as_str()
                        .eq_ignore_ascii_case(&format!("bearer {BEARER}"))
            });
            let (status, body) = if !url.starts_with("/idtoken?api-version=2.0") {
                (404, json!({"message": "not found"}))
            } else if !authorized {
                (401, json!({"message": "Bad credentials"}))
            } else {
                let audience = query_param(&url, "audience")
                    .unwrap_or_else(|| "https://github.com/octo-org".into());
                let mut claims = demo::template("github-environment").unwrap().claims_at(NOW);
                claims.insert("aud".into(), Value::from(audience));
                let token = demo::sign_with(DemoKey::Rsa, &Map::new(), &claims);
                (200, json!({"count": 1, "value": token}))
            };
            let response = tiny_http::Response::from_string(body.to_string())
                .with_status_code(status)
                .with_header(
                    "Content-Type: application/json"
                        .parse::<tiny_http::Header>()
                        .unwrap(),
                );
            let _ = request.respond(response);
        }
        seen
    });
    (
        format!("http://127.0.0.1:{port}/idtoken?api-version=2.0"),
        handle,
    )
}

fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| percent_decode(value))
    })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn github_fetches_from_the_endpoint_with_bearer_and_audience() {
    let (url, server) = actions_endpoint(2);
    let env = [
        ("ACTIONS_ID_TOKEN_REQUEST_URL", url.as_str()),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", BEARER),
    ];
    let audience = "api://AzureADTokenExchange & more";
    let result = run(claimcheck(&env).args([
        "fetch",
        "--from",
        "github",
        "--json",
        "--audience",
        audience,
    ]));
    assert_eq!(result.code, 0, "{}", result.stderr);
    let document = json_of(&result.stdout);
    assert_eq!(document["claims"]["aud"], audience);
    assert_eq!(document["source"], "github");
    assert_eq!(
        document["found_via"],
        json!({"kind": "json_field", "detail": "value"})
    );
    assert!(!result.stderr.contains(BEARER));

    // Without --audience the URL is requested as given, and the issuer's default applies.
    let result = run(claimcheck(&env).args(["fetch", "--from", "github"]));
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert_eq!(result.stdout.trim().matches('.').count(), 2);

    let seen = server.join().unwrap();
    assert_eq!(seen.len(), 2);
    assert!(seen[0].ends_with("&audience=api%3A%2F%2FAzureADTokenExchange%20%26%20more"));
    assert_eq!(seen[1], "/idtoken?api-version=2.0");
}

#[test]
fn github_reports_a_refused_request_and_missing_permission() {
    let (url, server) = actions_endpoint(1);
    let env = [
        ("ACTIONS_ID_TOKEN_REQUEST_URL", url.as_str()),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "wrong-bearer"),
    ];
    let result = run(claimcheck(&env).args(["fetch", "--from", "github"]));
    assert_eq!(result.code, 3);
    assert!(
        result.stderr.contains("answered HTTP 401"),
        "{}",
        result.stderr
    );
    // The body is described, not quoted: a token endpoint's answer may hold a credential.
    assert!(
        result.stderr.contains("a JSON object with \"message\""),
        "{}",
        result.stderr
    );
    assert!(!result.stderr.contains("Bad credentials"));
    assert!(!result.stderr.contains("wrong-bearer"));
    server.join().unwrap();

    let result = run(claimcheck(&[("GITHUB_ACTIONS", "true")]).args(["fetch", "--from", "github"]));
    assert_eq!(result.code, 3);
    assert!(
        result.stderr.contains("permissions: id-token: write"),
        "{}",
        result.stderr
    );
}

#[test]
fn github_refuses_plain_http_to_other_hosts() {
    let env = [
        (
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            "http://example.com/idtoken?x=1",
        ),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", BEARER),
    ];
    let result = run(claimcheck(&env).args(["fetch", "--from", "github"]));
    assert_eq!(result.code, 3);
    assert!(
        result.stderr.contains("must use https"),
        "{}",
        result.stderr
    );
}

// ---------------------------------------------------------------- issuer CLIs on PATH

/// A fake CLI that prints `token` only for exactly `expected` arguments, and otherwise fails
/// the way the real one would, on standard error.
fn fake_cli(scratch: &Scratch, name: &str, expected: &str, token: &str) {
    scratch.program(
        name,
        &format!(
            "if [ \"$*\" = '{expected}' ]; then printf '%s\\n' '{token}'; \
             else echo \"{name}: unexpected arguments: $*\" >&2; exit 2; fi"
        ),
    );
}

#[test]
fn gitpod_ona_and_gcloud_run_their_clis() {
    let scratch = Scratch::new("clis");
    let aud = "https://vault.example.com";
    let cases = [
        (
            "gitpod",
            "gp",
            format!("idp token --audience {aud}"),
            mint("gitpod"),
        ),
        (
            "ona",
            "gitpod",
            format!("idp token --audience {aud}"),
            mint("ona"),
        ),
        (
            "gcloud",
            "gcloud",
            format!("auth print-identity-token --audiences={aud}"),
            google_token(),
        ),
    ];
    for (_, program, expected, token) in &cases {
        fake_cli(&scratch, program, expected, token);
    }
    let path = scratch.path_var();
    for (source, _, _, token) in &cases {
        let result = run(claimcheck(&[("PATH", &path)]).args([
            "fetch",
            "--from",
            source,
            "--audience",
            aud,
        ]));
        assert_eq!(result.code, 0, "{source}: {}", result.stderr);
        assert_eq!(result.stdout, format!("{token}\n"), "{source}");
    }

    // The CLI's own complaint reaches the user, with exit 3.
    let result = run(claimcheck(&[("PATH", &path)]).args([
        "fetch",
        "--from",
        "gitpod",
        "--audience",
        "other",
    ]));
    assert_eq!(result.code, 3);
    assert!(
        result
            .stderr
            .contains("`gp idp token --audience other` failed (exit status 2)"),
        "{}",
        result.stderr
    );
    assert!(
        result
            .stderr
            .contains("gp: unexpected arguments: idp token --audience other")
    );

    // gitpod and ona need an audience: a usage error, before anything runs.
    let result = run(claimcheck(&[("PATH", &path)]).args(["fetch", "--from", "ona"]));
    assert_eq!(result.code, 2);
    assert!(result.stderr.contains("ona needs an audience"));
}

#[test]
fn a_missing_cli_says_where_it_exists() {
    let scratch = Scratch::new("nocli");
    let path = scratch.bin();
    let path = path.to_str().unwrap();
    let expectations = [
        ("gitpod", "inside a Gitpod workspace"),
        ("ona", "inside an Ona environment"),
        ("gcloud", "Google Cloud CLI"),
    ];
    for (source, hint) in expectations {
        let result =
            run(claimcheck(&[("PATH", path)]).args(["fetch", "--from", source, "--audience", "a"]));
        assert_eq!(result.code, 3, "{source}");
        assert!(
            result.stderr.contains("not found on PATH"),
            "{}",
            result.stderr
        );
        assert!(result.stderr.contains(hint), "{}", result.stderr);
    }
}

#[test]
fn decode_from_a_source_decodes_what_it_fetched() {
    let scratch = Scratch::new("decode-from");
    let token = mint("gitpod");
    fake_cli(&scratch, "gp", "idp token --audience x", &token);
    let path = scratch.path_var();
    let result = run(claimcheck(&[("PATH", &path)]).args([
        "decode",
        "--from",
        "gitpod",
        "--audience",
        "x",
        "--json",
        "--now",
        &NOW.to_string(),
    ]));
    assert_eq!(result.code, 0, "{}", result.stderr);
    let document = json_of(&result.stdout);
    assert_eq!(document["source"], "gitpod");
    assert_eq!(document["claims"]["iss"], "https://api.gitpod.io/idp");

    let text = run(claimcheck(&[("PATH", &path)]).args([
        "decode",
        "--from",
        "gitpod",
        "--audience",
        "x",
        "--color",
        "never",
    ]));
    assert_eq!(text.code, 0);
    assert!(text.stdout.contains("https://api.gitpod.io/idp"));

    let both = run(claimcheck(&[]).args(["decode", "t.jwt", "--from", "gitpod"]));
    assert_eq!(both.code, 2);
    let stray = run(claimcheck(&[]).args(["decode", "--audience", "x", "t.jwt"]));
    assert_eq!(stray.code, 2);
    assert!(stray.stderr.contains("need --from"));
}

// ---------------------------------------------------------------- token files

#[test]
fn eks_aks_and_k8s_read_their_token_files() {
    let scratch = Scratch::new("files");
    let eks = mint("eks-irsa");
    let k8s = mint("kubernetes");
    let eks_file = scratch.file("eks-token", &eks);
    let aks_file = scratch.file("aks-token", &format!("{k8s}\n"));
    let role = "arn:aws:iam::111122223333:role/deployer";
    let env = [
        ("AWS_WEB_IDENTITY_TOKEN_FILE", eks_file.to_str().unwrap()),
        ("AWS_ROLE_ARN", role),
        ("AZURE_FEDERATED_TOKEN_FILE", aks_file.to_str().unwrap()),
    ];
    let result = run(claimcheck(&env).args(["fetch", "--from", "eks"]));
    assert_eq!(
        (result.code, result.stdout.as_str()),
        (0, format!("{eks}\n").as_str())
    );
    let result = run(claimcheck(&env).args(["fetch", "--from", "aks", "--json"]));
    assert_eq!(result.code, 0);
    assert_eq!(json_of(&result.stdout)["source"], "aks");

    let projected = aks_file.to_str().unwrap();
    for args in [
        vec!["fetch", "--from", "k8s", "--path", projected],
        vec!["fetch", "--from", &format!("k8s:{projected}")],
    ] {
        let result = run(claimcheck(&[]).args(&args));
        assert_eq!(result.stdout, format!("{k8s}\n"), "{args:?}");
    }

    // An audience means nothing to a token that already exists: said, not hidden.
    let result = run(claimcheck(&env).args(["fetch", "--from", "eks", "--audience", "x"]));
    assert_eq!(result.code, 0);
    assert!(result.stderr.contains("--audience was not used"));

    let result = run(claimcheck(&[]).args(["fetch", "--from", "eks"]));
    assert_eq!(result.code, 3);
    assert!(
        result
            .stderr
            .contains("$AWS_WEB_IDENTITY_TOKEN_FILE is not set")
    );
    let result = run(claimcheck(&[]).args(["fetch", "--from", "k8s", "--path", "/nonexistent/t"]));
    assert_eq!(result.code, 3);
    assert!(result.stderr.contains("/nonexistent/t"));
    let result = run(claimcheck(&[]).args(["fetch", "--from", "eks", "--path", projected]));
    assert_eq!(result.code, 2);
}

// ---------------------------------------------------------------- generic sources

#[test]
fn exec_shows_a_failing_commands_stderr() {
    let scratch = Scratch::new("exec-fail");
    scratch.program(
        "vault-login",
        "echo 'Error: no credentials found; run login first' >&2; exit 5",
    );
    let path = scratch.path_var();
    let result = run(claimcheck(&[("PATH", &path)]).args([
        "fetch",
        "--from",
        "exec:vault-login --method=oidc",
    ]));
    assert_eq!(result.code, 3);
    assert!(
        result
            .stderr
            .contains("`vault-login --method=oidc` failed (exit status 5)"),
        "{}",
        result.stderr
    );
    assert!(
        result
            .stderr
            .contains("| Error: no credentials found; run login first")
    );

    let json =
        run(claimcheck(&[("PATH", &path)]).args(["fetch", "--from", "exec:vault-login", "--json"]));
    assert_eq!(json.code, 3);
    let document = json_of(&json.stdout);
    assert_eq!(document["error"]["kind"], "command_failed");
    assert!(
        document["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no credentials found")
    );
}

#[test]
fn exec_stops_a_hanging_command_at_the_timeout() {
    let scratch = Scratch::new("exec-hang");
    // The grandchild `sleep` holds the output pipe: it must be killed with its parent.
    scratch.program(
        "hang",
        "echo 'waiting for browser login' >&2; sleep 60; echo late",
    );
    let path = scratch.path_var();
    let result = run(claimcheck(&[("PATH", &path)]).args([
        "fetch",
        "--from",
        "exec:hang",
        "--timeout",
        "0.5",
    ]));
    assert_eq!(result.code, 3);
    assert!(
        result.stderr.contains("`hang` did not finish within 0.5 s"),
        "{}",
        result.stderr
    );
    assert!(result.stderr.contains("waiting for browser login"));
    assert!(result.stdout.is_empty());
}

#[test]
fn exec_picks_the_token_out_of_noisy_output() {
    let scratch = Scratch::new("exec-noise");
    let token = mint("gitlab");
    scratch.program(
        "noisy",
        &format!(
            "echo 'Refreshing credentials... done'; echo 'token: {token}'; echo 'Done.'; \
             echo 'a warning' >&2"
        ),
    );
    scratch.program(
        "lines",
        &format!("echo 'Refreshing credentials... done'; echo '{token}'; echo 'Done.'"),
    );
    let path = scratch.path_var();
    for source in ["exec:noisy", "exec:lines", "sh:noisy | cat"] {
        let result = run(claimcheck(&[("PATH", &path)]).args(["fetch", "--from", source]));
        assert_eq!(result.code, 0, "{source}: {}", result.stderr);
        assert_eq!(result.stdout, format!("{token}\n"), "{source}");
        assert!(
            !result.stderr.contains("a warning"),
            "stderr is shown only on failure"
        );
    }

    scratch.program("quiet", "echo 'nothing to see'");
    let result = run(claimcheck(&[("PATH", &path)]).args(["fetch", "--from", "exec:quiet"]));
    assert_eq!(result.code, 3);
    assert!(
        result.stderr.contains("`quiet` gave no token"),
        "{}",
        result.stderr
    );
}

#[test]
fn exec_runs_no_shell_unless_asked() {
    let result = run(claimcheck(&[]).args(["fetch", "--from", "exec:cat t | jq"]));
    assert_eq!(result.code, 2);
    assert!(result.stderr.contains("sh:'COMMAND'"), "{}", result.stderr);

    let token = mint("gitlab");
    let env = [("PATH", SYSTEM_PATH), ("MY_TOKEN", token.as_str())];
    let result = run(claimcheck(&env).args(["fetch", "--from", "sh:printf '%s' \"$MY_TOKEN\""]));
    assert_eq!(result.stdout, format!("{token}\n"));
    // With exec: the same text is an argument, not a variable.
    let result = run(claimcheck(&env).args(["fetch", "--from", "exec:printf '%s' '$MY_TOKEN'"]));
    assert_eq!(result.code, 3);
}

#[test]
fn env_and_gitlab_read_variables() {
    let gitlab = mint("gitlab");
    let other = mint("github-branch");
    let env = [
        ("VAULT_ID_TOKEN", gitlab.as_str()),
        ("GITHUB_ID", other.as_str()),
    ];
    let result = run(claimcheck(&env).args(["fetch", "--from", "gitlab"]));
    assert_eq!(result.stdout, format!("{gitlab}\n"));
    let result = run(claimcheck(&env).args(["fetch", "--from", "env:GITHUB_ID"]));
    assert_eq!(result.stdout, format!("{other}\n"));

    let two = [
        ("VAULT_ID_TOKEN", gitlab.as_str()),
        ("AWS_ID_TOKEN", gitlab.as_str()),
    ];
    let result = run(claimcheck(&two).args(["fetch", "--from", "gitlab"]));
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains("AWS_ID_TOKEN, VAULT_ID_TOKEN"),
        "{}",
        result.stderr
    );
    let result = run(claimcheck(&two).args(["fetch", "--from", "gitlab", "--env", "AWS_ID_TOKEN"]));
    assert_eq!(result.stdout, format!("{gitlab}\n"));
    let result = run(claimcheck(&[]).args(["fetch", "--from", "env:NOPE"]));
    assert_eq!(result.code, 3);
}

/// The definition of done: the same document whether the token is fetched by a
/// command or decoded from the file. Only `source` differs, and it says where the token came
/// from (`exec:cat FILE` against `file:FILE`); `--from file:FILE` gives the identical document.
#[test]
fn fetch_exec_cat_json_equals_decode_file_json() {
    let scratch = Scratch::new("equal");
    let token = mint("github-environment");
    let file = scratch.file("token.jwt", &format!("{token}\n"));
    let file = file.to_str().unwrap();
    let now = NOW.to_string();
    let env = [("PATH", SYSTEM_PATH)];
    let decoded = run(claimcheck(&env).args(["decode", file, "--json", "--now", &now]));
    let fetched = run(claimcheck(&env).args([
        "fetch",
        "--from",
        &format!("exec:cat {file}"),
        "--json",
        "--now",
        &now,
    ]));
    assert_eq!((decoded.code, fetched.code), (0, 0), "{}", fetched.stderr);
    let mut decoded = json_of(&decoded.stdout);
    let mut fetched = json_of(&fetched.stdout);
    assert_eq!(decoded["source"], format!("file:{file}"));
    assert_eq!(fetched["source"], format!("exec:cat {file}"));
    decoded.as_object_mut().unwrap().remove("source");
    fetched.as_object_mut().unwrap().remove("source");
    assert_eq!(fetched, decoded);

    let decoded = run(claimcheck(&env).args(["decode", file, "--json", "--now", &now]));
    let from_file = run(claimcheck(&env).args([
        "fetch",
        "--from",
        &format!("file:{file}"),
        "--json",
        "--now",
        &now,
    ]));
    assert_eq!(from_file.stdout, decoded.stdout);
}

// ---------------------------------------------------------------- auto

fn listed(env: &[(&str, &str)]) -> Vec<String> {
    let result = run(claimcheck(env).args(["fetch", "--list", "--json"]));
    assert_eq!(result.code, 0, "{}", result.stderr);
    json_of(&result.stdout)["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|source| source["spec"].as_str().unwrap().to_owned())
        .collect()
}

/// The default service-account token exists only inside a pod; if these tests run in one,
/// `k8s` is offered there too.
fn in_a_pod() -> bool {
    Path::new(claimcheck::source::SERVICE_ACCOUNT_TOKEN_PATH).is_file()
}

#[test]
fn auto_lists_exactly_the_sources_the_environment_provides() {
    let scratch = Scratch::new("auto");
    scratch.program("gp", "exit 0");
    scratch.program("gcloud", "exit 0");
    let eks_file = scratch.file("eks-token", &mint("eks-irsa"));
    let gitlab = mint("gitlab");
    let bin = scratch.bin();
    let env = [
        ("PATH", bin.to_str().unwrap()),
        (
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            "https://actions.example/idtoken?x=1",
        ),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "bearer"),
        ("VAULT_ID_TOKEN", gitlab.as_str()),
        ("CI_JOB_TOKEN", "opaque-not-a-jwt"),
        ("AWS_WEB_IDENTITY_TOKEN_FILE", eks_file.to_str().unwrap()),
        ("AZURE_FEDERATED_TOKEN_FILE", "/nonexistent/azure-token"),
    ];
    let mut expected = vec!["github", "gitlab:VAULT_ID_TOKEN", "gitpod", "eks"];
    if in_a_pod() {
        expected.push("k8s");
    }
    expected.push("gcloud");
    assert_eq!(listed(&env), expected);

    let text = run(claimcheck(&env).args(["fetch", "--from", "auto"]));
    assert_eq!(text.code, 0);
    assert!(
        text.stdout
            .starts_with("Token sources in this environment:\n")
    );
    assert!(text.stdout.contains("gitpod"));
    assert!(text.stdout.contains("[needs --audience]"));
    assert_eq!(
        text.stdout,
        run(claimcheck(&env).args(["fetch", "--list"])).stdout
    );

    let empty_bin = Scratch::new("auto-empty");
    let bare = empty_bin.bin();
    let nothing = listed(&[("PATH", bare.to_str().unwrap())]);
    let expected: Vec<String> = if in_a_pod() {
        vec!["k8s".into()]
    } else {
        vec![]
    };
    assert_eq!(nothing, expected);
}

#[test]
fn fetch_without_a_source_is_a_usage_error() {
    let result = run(claimcheck(&[]).args(["fetch"]));
    assert_eq!(result.code, 2);
    assert!(result.stderr.contains("--from SOURCE"));
    let result = run(claimcheck(&[]).args(["fetch", "--from", "nowhere"]));
    assert_eq!(result.code, 2);
    assert!(result.stderr.contains("unknown token source 'nowhere'"));
}

/// The command runs in its own process group (so that a timeout can kill all of it), out of
/// reach of the terminal's Ctrl-C; when claimcheck itself is killed, the command must die too.
#[cfg(target_os = "linux")]
#[test]
fn killing_claimcheck_kills_the_running_command() {
    let scratch = Scratch::new("orphan");
    let pid_file = scratch.0.join("pid");
    scratch.program(
        "slow-token",
        &format!("echo $$ > '{}'; exec sleep 60", pid_file.display()),
    );
    let path = scratch.path_var();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("claimcheck"))
        .env_clear()
        .env("PATH", &path)
        .args(["fetch", "--from", "exec:slow-token", "--timeout", "120"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let command_pid = wait_for(|| {
        std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|text| text.trim().parse::<u32>().ok())
    })
    .expect("the command started");
    child.kill().unwrap();
    child.wait().unwrap();
    // Gone, or a zombie waiting for init to reap it: either way no longer running.
    let ended = wait_for(|| {
        let stat = std::fs::read_to_string(format!("/proc/{command_pid}/stat")).unwrap_or_default();
        let state = stat
            .rsplit(") ")
            .next()
            .and_then(|rest| rest.chars().next());
        matches!(state, None | Some('Z' | 'X')).then_some(())
    });
    assert!(ended.is_some(), "the command outlived claimcheck");
}

/// SIGTERM (or Ctrl-C's SIGINT) used to end claimcheck and, through the parent-death signal,
/// only the command itself: what the command had started kept running. Now the command's
/// process group and the orphans of its run (here a `setsid` one) are killed first; in-process
/// tests cannot send claimcheck a signal, so this one runs the binary.
#[cfg(target_os = "linux")]
#[test]
fn a_termination_signal_ends_everything_the_command_started() {
    let scratch = Scratch::new("sigterm");
    let pids = scratch.0.join("pids");
    scratch.program(
        "spawner",
        &format!(
            "sleep 60 >/dev/null 2>&1 & echo $! >> '{0}'\n\
             setsid sh -c 'echo $$ >> \"{0}\"; exec sleep 60' >/dev/null 2>&1 &\n\
             echo $$ >> '{0}'\n\
             sleep 60",
            pids.display()
        ),
    );
    let path = scratch.path_var();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("claimcheck"))
        .env_clear()
        .env("PATH", &path)
        .args(["fetch", "--from", "exec:spawner", "--timeout", "120"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started: Vec<String> = wait_for(|| {
        let text = std::fs::read_to_string(&pids).ok()?;
        let pids: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
        (pids.len() == 3).then_some(pids)
    })
    .expect("the command started its processes");
    let terminated = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(terminated.success());
    let status = child.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(15),
        "claimcheck ends as the signal says: {status:?}"
    );
    for pid in started {
        let ended = wait_for(|| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let state = stat
                .rsplit(") ")
                .next()
                .and_then(|rest| rest.chars().next());
            matches!(state, None | Some('Z' | 'X')).then_some(())
        });
        assert!(ended.is_some(), "process {pid} outlived claimcheck");
    }
}

/// Polls `probe` for up to ten seconds.
fn wait_for<T>(mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    for _ in 0..1000 {
        if let Some(found) = probe() {
            return Some(found);
        }
        thread::sleep(Duration::from_millis(10));
    }
    None
}

// ---------------------------------------------------------------- clipboard

/// `CLAIMCHECK_CLIPBOARD_FILE` stands in for the clipboard, so that copying and reading need
/// no display and no terminal here.
#[test]
fn copy_puts_the_token_on_the_clipboard_and_prints_only_where_it_went() {
    let scratch = Scratch::new("copy");
    let token = mint("gitlab");
    let clipboard = scratch.0.join("clipboard");
    let clipboard = clipboard.to_str().unwrap();
    let env = [
        ("PATH", SYSTEM_PATH),
        ("MY_TOKEN", token.as_str()),
        ("CLAIMCHECK_CLIPBOARD_FILE", clipboard),
    ];
    let result = run(claimcheck(&env).args(["fetch", "--from", "env:MY_TOKEN", "--copy"]));
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert_eq!(result.stdout, "", "the token is not printed");
    assert!(!result.stderr.contains(&token), "{}", result.stderr);
    assert!(
        result
            .stderr
            .contains("copied the raw token via the file named by $CLAIMCHECK_CLIPBOARD_FILE"),
        "{}",
        result.stderr
    );
    assert_eq!(std::fs::read_to_string(clipboard).unwrap(), token);

    // With --json the document is printed as well.
    std::fs::remove_file(clipboard).unwrap();
    let now = NOW.to_string();
    let result = run(claimcheck(&env).args([
        "fetch",
        "--from",
        "env:MY_TOKEN",
        "--copy",
        "--json",
        "--now",
        &now,
    ]));
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert_eq!(json_of(&result.stdout)["source"], "env:MY_TOKEN");
    assert_eq!(std::fs::read_to_string(clipboard).unwrap(), token);

    // A copy that cannot be made fails the command: it was all it was asked to do.
    let nowhere = [
        ("PATH", SYSTEM_PATH),
        ("MY_TOKEN", token.as_str()),
        ("CLAIMCHECK_CLIPBOARD_FILE", "/nonexistent/dir/clipboard"),
    ];
    let result = run(claimcheck(&nowhere).args(["fetch", "--from", "env:MY_TOKEN", "--copy"]));
    assert_eq!(result.code, 3);
    assert!(result.stderr.contains("not copied"), "{}", result.stderr);
    assert_eq!(result.stdout, "");

    // `decode --copy` used to exit 0 when the copy failed; the decoding is still printed.
    let result = run(claimcheck(&nowhere).args(["decode", "--copy", "--color", "never", &token]));
    assert_eq!(result.code, 3, "{}", result.stderr);
    assert!(result.stderr.contains("not copied"), "{}", result.stderr);
    assert!(result.stdout.contains("acme/infra"), "{}", result.stdout);

    // A stand-in file others may read is not filled with the token.
    let shared = scratch.file("shared", "before");
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o644)).unwrap();
    let shared_env = [
        ("PATH", SYSTEM_PATH),
        ("MY_TOKEN", token.as_str()),
        ("CLAIMCHECK_CLIPBOARD_FILE", shared.to_str().unwrap()),
    ];
    let result = run(claimcheck(&shared_env).args(["fetch", "--from", "env:MY_TOKEN", "--copy"]));
    assert_eq!(result.code, 3);
    assert!(result.stderr.contains("mode 0644"), "{}", result.stderr);
    assert_eq!(std::fs::read_to_string(&shared).unwrap(), "before");
}

#[test]
fn the_clipboard_source_reads_what_was_copied() {
    let scratch = Scratch::new("clipboard");
    let token = mint("github-environment");
    let clipboard = scratch.file("clipboard", &format!("Bearer {token}\n"));
    let env = [
        ("PATH", SYSTEM_PATH),
        ("CLAIMCHECK_CLIPBOARD_FILE", clipboard.to_str().unwrap()),
    ];
    let now = NOW.to_string();
    let result =
        run(claimcheck(&env).args(["fetch", "--from", "clipboard", "--json", "--now", &now]));
    assert_eq!(result.code, 0, "{}", result.stderr);
    let document = json_of(&result.stdout);
    assert_eq!(document["source"], "clipboard");
    assert_eq!(document["found_via"]["kind"], "bearer");
    let raw = run(claimcheck(&env).args(["fetch", "--from", "clipboard"]));
    assert_eq!(raw.stdout, format!("{token}\n"));

    // No display and no stand-in file: a message saying what to do instead.
    if cfg!(target_os = "linux") {
        let result =
            run(claimcheck(&[("PATH", SYSTEM_PATH)]).args(["fetch", "--from", "clipboard"]));
        assert_eq!(result.code, 3);
        assert!(result.stderr.contains("no display"), "{}", result.stderr);
        assert!(
            result.stderr.contains("pipe the token"),
            "{}",
            result.stderr
        );
    }
}

/// `claimcheck --from SOURCE` opens the interactive view on a terminal; piped, it decodes what
/// it fetched, as `claimcheck decode --from SOURCE` does.
#[test]
fn the_bare_command_fetches_with_from_too() {
    let scratch = Scratch::new("bare");
    let token = mint("eks-irsa");
    let file = scratch.file("token.jwt", &token);
    let from = format!("file:{}", file.display());
    let now = NOW.to_string();
    let env = [("PATH", SYSTEM_PATH)];
    let bare = run(claimcheck(&env).args(["--from", &from, "--json", "--now", &now]));
    let decoded = run(claimcheck(&env).args(["decode", "--from", &from, "--json", "--now", &now]));
    assert_eq!(bare.code, 0, "{}", bare.stderr);
    assert_eq!(bare.stdout, decoded.stdout);
    assert_eq!(json_of(&bare.stdout)["source"], from);

    let both = run(claimcheck(&env).args(["--from", &from, "token.jwt"]));
    assert_eq!(both.code, 2);
    assert!(both.stderr.contains("not both"), "{}", both.stderr);
    let failing = run(claimcheck(&env).args(["--from", "env:NOPE", "--json"]));
    assert_eq!(failing.code, 3);
    assert_eq!(
        json_of(&failing.stdout)["error"]["kind"],
        "source_unavailable"
    );
}
