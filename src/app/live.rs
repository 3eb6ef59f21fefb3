//! Rules read from the live system through the vendors' own CLIs, so credentials stay where the
//! user keeps them: `aws-role:NAME`, `gcp-provider:projects/…/providers/…`,
//! `vault-role:auth/<mount>/role/<name>`, `entra-app:APP_ID`. Each CLI runs as token commands
//! run (`source::run_command`): no shell, no terminal input, a time limit after which its whole
//! process group is killed, bounded output, and its own standard error when it fails. What it
//! prints is read by the same loader as a file of that output would be.

use std::time::Duration;

use serde_json::Value;

use super::rules::{MAX_RULE_FILE_BYTES, RuleError};
use crate::source::{Budget, Cancel, Environment, SourceError, run_command};
use crate::trust::RuleKind;
use crate::trust::load::{LoadedRules, load_rule_file};

/// As long as a token command may take: a CLI that asks for a login on a terminal it does not
/// have would otherwise wait for ever.
pub const TIMEOUT: Duration = crate::source::DEFAULT_TIMEOUT;

/// A `--rules` argument naming rules in the live system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    AwsRole(&'a str),
    GcpProvider(&'a str),
    VaultRole(&'a str),
    EntraApp(&'a str),
}

impl Target<'_> {
    /// The prefixes of `--rules` that name a live read.
    pub const PREFIXES: [&'static str; 4] = ["aws-role", "gcp-provider", "vault-role", "entra-app"];

    pub fn parse<'a>(prefix: &str, name: &'a str) -> Option<Target<'a>> {
        match prefix.to_ascii_lowercase().as_str() {
            "aws-role" => Some(Target::AwsRole(name)),
            "gcp-provider" => Some(Target::GcpProvider(name)),
            "vault-role" => Some(Target::VaultRole(name)),
            "entra-app" => Some(Target::EntraApp(name)),
            _ => None,
        }
    }

    /// How the rules are named in verdicts: the argument as given.
    fn shown(&self) -> String {
        match self {
            Target::AwsRole(name) => format!("aws-role:{name}"),
            Target::GcpProvider(name) => format!("gcp-provider:{name}"),
            Target::VaultRole(name) => format!("vault-role:{name}"),
            Target::EntraApp(name) => format!("entra-app:{name}"),
        }
    }
}

/// Where each CLI comes from, said when it is not on `PATH`.
fn where_it_is(program: &str) -> &'static str {
    match program {
        "aws" => {
            "install the AWS CLI (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html)"
        }
        "gcloud" => "install the Google Cloud CLI (https://cloud.google.com/sdk/docs/install)",
        "vault" => "install the Vault CLI (https://developer.hashicorp.com/vault/install)",
        _ => "install the Azure CLI (https://learn.microsoft.com/cli/azure/install-azure-cli)",
    }
}

/// Reads the rules `target` names with the CLIs found on `env`'s `PATH`.
pub fn read(
    target: Target<'_>,
    env: &Environment,
    timeout: Duration,
) -> Result<LoadedRules, RuleError> {
    let shown = target.shown();
    let cli = Cli {
        arg: &shown,
        env,
        timeout,
    };
    let load = |text: &str, kind| load_rule_file(&shown, text, Some(kind)).map_err(RuleError::from);
    match target {
        Target::AwsRole(name) => {
            let text = cli.run(
                "aws",
                &["iam", "get-role", "--role-name", name, "--output", "json"],
            )?;
            let mut loaded = load(&text, RuleKind::Aws)?;
            // STS checks the audience against the provider of the policy's Federated ARN.
            for arn in federated_providers(&text) {
                let provider = cli.run(
                    "aws",
                    &[
                        "iam",
                        "get-open-id-connect-provider",
                        "--open-id-connect-provider-arn",
                        arn.as_str(),
                        "--output",
                        "json",
                    ],
                )?;
                loaded.merge(load_rule_file(&arn, &provider, Some(RuleKind::Aws))?);
            }
            Ok(loaded)
        }
        Target::GcpProvider(name) => {
            let text = cli.run(
                "gcloud",
                &[
                    "iam",
                    "workload-identity-pools",
                    "providers",
                    "describe",
                    name,
                    "--format=json",
                ],
            )?;
            load(&text, RuleKind::Gcp)
        }
        Target::VaultRole(path) => {
            let Some((mount, _)) = path.split_once("/role/") else {
                return Err(RuleError::Live {
                    read: shown.clone(),
                    kind: "usage",
                    message: "a Vault role is named by its path, auth/<mount>/role/<name>"
                        .to_owned(),
                });
            };
            let role = cli.run("vault", &["read", "-format=json", path])?;
            // The login checks the mount's bound_issuer and jwt_supported_algs too; without
            // them the verdict could allow what Vault refuses.
            let config = cli.run(
                "vault",
                &["read", "-format=json", format!("{mount}/config").as_str()],
            )?;
            load(&with_mount_config(&shown, &role, &config)?, RuleKind::Vault)
        }
        Target::EntraApp(id) => {
            let text = cli.run(
                "az",
                &[
                    "ad",
                    "app",
                    "federated-credential",
                    "list",
                    "--id",
                    id,
                    "--output",
                    "json",
                ],
            )?;
            if serde_json::from_str::<Value>(&text)
                .is_ok_and(|v| v.as_array().is_some_and(Vec::is_empty))
            {
                return Err(RuleError::Live {
                    read: shown.clone(),
                    kind: "rules_invalid",
                    message: "the application has no federated identity credentials, so Entra accepts no token for it".to_owned(),
                });
            }
            load(&text, RuleKind::Entra)
        }
    }
}

struct Cli<'a> {
    /// The `--rules` argument, which failures are reported under.
    arg: &'a str,
    env: &'a Environment,
    timeout: Duration,
}

impl Cli<'_> {
    fn run(&self, program: &str, args: &[&str]) -> Result<String, RuleError> {
        let mut argv = vec![program.to_owned()];
        argv.extend(args.iter().map(|a| (*a).to_owned()));
        let shown = argv.join(" ");
        let failed = |error: SourceError| {
            let mut message = error.to_string();
            if let Some(stderr) = error.stderr() {
                message.push_str(":\n");
                message.push_str(stderr.trim_end());
            }
            RuleError::Live {
                read: self.arg.to_owned(),
                kind: error.kind(),
                message,
            }
        };
        let Some(path) = self.env.find_program(program) else {
            return Err(failed(SourceError::ProgramNotFound {
                program: program.to_owned(),
                where_it_is: where_it_is(program).to_owned(),
            }));
        };
        let budget = Budget {
            timeout: self.timeout,
            stdout_limit: MAX_RULE_FILE_BYTES as usize,
            cancel: Cancel::default(),
        };
        run_command(&path, &argv[1..], self.env, &budget, &shown)
            .map(|output| output.stdout)
            .map_err(failed)
    }
}

/// The OIDC provider ARNs the role's trust policy federates with (`Principal.Federated`).
fn federated_providers(get_role: &str) -> Vec<String> {
    let Ok(doc) = serde_json::from_str::<Value>(get_role) else {
        return Vec::new();
    };
    let policy = doc.pointer("/Role/AssumeRolePolicyDocument");
    // The CLI prints the document decoded; the API's URL-encoded string is read as well.
    let decoded = match policy {
        Some(Value::String(text)) => serde_json::from_str::<Value>(&percent_decode(text)).ok(),
        other => other.cloned(),
    };
    let mut arns = Vec::new();
    let statements = match decoded.as_ref().and_then(|p| p.get("Statement")) {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    };
    for statement in statements {
        let federated = statement.pointer("/Principal/Federated");
        let names: Vec<&str> = match federated {
            Some(Value::String(one)) => vec![one.as_str()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        for arn in names {
            if arn.contains(":oidc-provider/") && !arns.iter().any(|known| known == arn) {
                arns.push(arn.to_owned());
            }
        }
    }
    arns
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The role as `vault read` printed it, with the mount config's `bound_issuer` and
/// `jwt_supported_algs` beside the role fields, where the Vault loader reads them.
fn with_mount_config(shown: &str, role: &str, config: &str) -> Result<String, RuleError> {
    let invalid = |what: &str, e: serde_json::Error| RuleError::Live {
        read: shown.to_owned(),
        kind: "rules_not_json",
        message: format!("`vault read` printed {what} that is not JSON: {e}"),
    };
    let mut role: Value = serde_json::from_str(role).map_err(|e| invalid("a role", e))?;
    let config: Value = serde_json::from_str(config).map_err(|e| invalid("a config", e))?;
    let config = config.get("data").unwrap_or(&config);
    if let Some(data) = role.get_mut("data").and_then(Value::as_object_mut) {
        for field in ["bound_issuer", "jwt_supported_algs"] {
            if let Some(value) = config.get(field) {
                data.insert(field.to_owned(), value.clone());
            }
        }
    }
    Ok(role.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn federated_arns_are_read_from_decoded_and_encoded_policies() {
        let arn = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
        let decoded = serde_json::json!({"Role": {"AssumeRolePolicyDocument": {"Statement": [
            {"Principal": {"Federated": arn}},
            {"Principal": {"Federated": [arn, "cognito-identity.amazonaws.com"]}}
        ]}}});
        assert_eq!(federated_providers(&decoded.to_string()), [arn]);
        let encoded = serde_json::json!({"Role": {"AssumeRolePolicyDocument":
            "%7B%22Statement%22%3A%7B%22Principal%22%3A%7B%22Federated%22%3A%22arn%3Aaws%3Aiam%3A%3A111122223333%3Aoidc-provider%2Ftoken.actions.githubusercontent.com%22%7D%7D%7D"}});
        assert_eq!(federated_providers(&encoded.to_string()), [arn]);
    }

    /// A CLI waiting for a login it will never get is stopped at the time limit, with what it
    /// printed on standard error.
    #[cfg(unix)]
    #[test]
    fn a_hanging_cli_is_stopped_at_the_time_limit() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("claimcheck-live-hang-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let sleep = ["/bin/sleep", "/usr/bin/sleep"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .unwrap();
        let stub = dir.join("gcloud");
        std::fs::write(
            &stub,
            format!("#!/bin/sh\necho 'waiting for a browser login' >&2\nexec {sleep} 60\n"),
        )
        .unwrap();
        std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
        let env = Environment::from_vars([("PATH", dir.as_os_str())]);
        let started = std::time::Instant::now();
        let error = read(
            Target::GcpProvider("projects/1/locations/global/workloadIdentityPools/p/providers/x"),
            &env,
            Duration::from_millis(300),
        )
        .err()
        .unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "took {:?}",
            started.elapsed()
        );
        assert_eq!(error.kind(), "timed_out");
        let message = error.to_string();
        assert!(message.contains("waiting for a browser login"), "{message}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_mount_config_joins_the_role() {
        let role =
            r#"{"data": {"role_type": "jwt", "user_claim": "sub", "bound_audiences": ["vault"]}}"#;
        let config = r#"{"data": {"bound_issuer": "https://gitlab.com", "jwt_supported_algs": ["RS256"], "oidc_discovery_url": "https://gitlab.com"}}"#;
        let joined: Value =
            serde_json::from_str(&with_mount_config("x", role, config).unwrap()).unwrap();
        assert_eq!(joined["data"]["bound_issuer"], "https://gitlab.com");
        assert_eq!(
            joined["data"]["jwt_supported_algs"],
            serde_json::json!(["RS256"])
        );
        assert!(joined["data"].get("oidc_discovery_url").is_none());
    }
}
