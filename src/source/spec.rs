//! The `--from SOURCE` value: which source, with the parameters it needs, and what each source
//! does with an audience. [`PRESETS`] lists them for help texts and menus.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use super::words;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// GitHub Actions' token endpoint.
    Github,
    /// A GitLab CI ID token from the named variable, or the one variable holding one.
    Gitlab { variable: Option<String> },
    /// `gp idp token --audience AUD` inside a Gitpod workspace.
    Gitpod,
    /// `gitpod idp token --audience AUD` inside an Ona environment.
    Ona,
    /// The EKS IRSA token file named by `$AWS_WEB_IDENTITY_TOKEN_FILE`.
    Eks,
    /// The AKS workload identity token file named by `$AZURE_FEDERATED_TOKEN_FILE`.
    Aks,
    /// The pod's service-account token, or a projected token at `path`.
    Kubernetes { path: Option<PathBuf> },
    /// `gcloud auth print-identity-token`.
    Gcloud,
    /// An environment variable.
    Env(String),
    /// A file.
    File(PathBuf),
    /// A command run without a shell, as argv.
    Exec(Vec<String>),
    /// A command run with `sh -c`.
    Shell(String),
    /// Whatever is on the clipboard (the clipboard service's reading).
    Clipboard,
    /// Not a source: asks which sources this environment offers.
    Auto,
}

/// What a source does with `--audience`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AudienceUse {
    /// The issuer needs one to mint a token.
    Required,
    /// The issuer mints for it when given, for a default audience otherwise.
    Optional,
    /// The token already exists; its audience was chosen where it was issued.
    Fixed,
}

/// A source as listed in help texts and menus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    /// What to write after `--from`.
    pub usage: &'static str,
    pub summary: &'static str,
    pub audience: AudienceUse,
}

pub const PRESETS: [Preset; 14] = [
    Preset {
        usage: "github",
        summary: "GitHub Actions token endpoint (job needs `permissions: id-token: write`)",
        audience: AudienceUse::Optional,
    },
    Preset {
        usage: "gitlab[:NAME]",
        summary: "GitLab CI ID token variable (declared under `id_tokens:`); --env NAME picks one",
        audience: AudienceUse::Fixed,
    },
    Preset {
        usage: "gitpod",
        summary: "`gp idp token --audience AUD` inside a Gitpod workspace",
        audience: AudienceUse::Required,
    },
    Preset {
        usage: "ona",
        summary: "`gitpod idp token --audience AUD` inside an Ona environment",
        audience: AudienceUse::Required,
    },
    Preset {
        usage: "eks",
        summary: "EKS IRSA token file at $AWS_WEB_IDENTITY_TOKEN_FILE (role in $AWS_ROLE_ARN)",
        audience: AudienceUse::Fixed,
    },
    Preset {
        usage: "aks",
        summary: "AKS workload identity token file at $AZURE_FEDERATED_TOKEN_FILE",
        audience: AudienceUse::Fixed,
    },
    Preset {
        usage: "k8s[:PATH]",
        summary: "Kubernetes service-account token (default path, or a projected one with --path)",
        audience: AudienceUse::Fixed,
    },
    Preset {
        usage: "gcloud",
        summary: "`gcloud auth print-identity-token [--audiences=AUD]`",
        audience: AudienceUse::Optional,
    },
    Preset {
        usage: "env:NAME",
        summary: "the environment variable NAME",
        audience: AudienceUse::Fixed,
    },
    Preset {
        usage: "file:PATH",
        summary: "the file PATH",
        audience: AudienceUse::Fixed,
    },
    Preset {
        usage: "exec:COMMAND",
        summary: "run COMMAND without a shell (quotes honoured, nothing expanded); the token is picked out of its output",
        audience: AudienceUse::Fixed,
    },
    Preset {
        usage: "sh:COMMAND",
        summary: "run COMMAND with `sh -c` (pipes, variables)",
        audience: AudienceUse::Fixed,
    },
    Preset {
        usage: "clipboard",
        summary: "the token on the clipboard (the system clipboard; OSC 52 cannot be read)",
        audience: AudienceUse::Fixed,
    },
    Preset {
        usage: "auto",
        summary: "list the sources this environment offers",
        audience: AudienceUse::Fixed,
    },
];

/// The Kubernetes service-account token mounted into every pod that does not opt out.
pub const SERVICE_ACCOUNT_TOKEN_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount/token";

impl SourceSpec {
    pub fn audience_use(&self) -> AudienceUse {
        match self {
            SourceSpec::Gitpod | SourceSpec::Ona => AudienceUse::Required,
            SourceSpec::Github | SourceSpec::Gcloud => AudienceUse::Optional,
            _ => AudienceUse::Fixed,
        }
    }

    /// The source's name without parameters (`exec`, `gitlab`, …).
    pub fn name(&self) -> &'static str {
        match self {
            SourceSpec::Github => "github",
            SourceSpec::Gitlab { .. } => "gitlab",
            SourceSpec::Gitpod => "gitpod",
            SourceSpec::Ona => "ona",
            SourceSpec::Eks => "eks",
            SourceSpec::Aks => "aks",
            SourceSpec::Kubernetes { .. } => "k8s",
            SourceSpec::Gcloud => "gcloud",
            SourceSpec::Env(_) => "env",
            SourceSpec::File(_) => "file",
            SourceSpec::Exec(_) => "exec",
            SourceSpec::Shell(_) => "sh",
            SourceSpec::Clipboard => "clipboard",
            SourceSpec::Auto => "auto",
        }
    }

    /// Applies `--env NAME` and `--path PATH`, which only `gitlab` and `k8s` take.
    pub fn with_options(
        self,
        variable: Option<String>,
        path: Option<PathBuf>,
    ) -> Result<SourceSpec, String> {
        let spec = match (self, variable) {
            (SourceSpec::Gitlab { variable: None }, Some(name)) => SourceSpec::Gitlab {
                variable: Some(name),
            },
            (SourceSpec::Gitlab { variable: Some(_) }, Some(_)) => {
                return Err("give the variable once: gitlab:NAME or --env NAME".into());
            }
            (spec, Some(_)) => {
                return Err(format!(
                    "--env is for --from gitlab; for '{}' use env:NAME to read a variable",
                    spec.name()
                ));
            }
            (spec, None) => spec,
        };
        match (spec, path) {
            (SourceSpec::Kubernetes { path: None }, Some(path)) => {
                Ok(SourceSpec::Kubernetes { path: Some(path) })
            }
            (SourceSpec::Kubernetes { path: Some(_) }, Some(_)) => {
                Err("give the path once: k8s:PATH or --path PATH".into())
            }
            (spec, Some(_)) => Err(format!(
                "--path is for --from k8s; for '{}' use file:PATH to read a file",
                spec.name()
            )),
            (spec, None) => Ok(spec),
        }
    }
}

impl FromStr for SourceSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<SourceSpec, String> {
        let (name, parameter) = match text.split_once(':') {
            Some((name, parameter)) => (name, Some(parameter)),
            None => (text, None),
        };
        let spec = match (name.to_ascii_lowercase().as_str(), parameter) {
            ("github", None) => SourceSpec::Github,
            ("gitlab", None) => SourceSpec::Gitlab { variable: None },
            ("gitlab", Some(variable)) => SourceSpec::Gitlab {
                variable: Some(non_empty(variable, "gitlab:NAME")?.to_owned()),
            },
            ("gitpod", None) => SourceSpec::Gitpod,
            ("ona", None) => SourceSpec::Ona,
            ("eks", None) => SourceSpec::Eks,
            ("aks", None) => SourceSpec::Aks,
            ("k8s" | "kubernetes", None) => SourceSpec::Kubernetes { path: None },
            ("k8s" | "kubernetes", Some(path)) => SourceSpec::Kubernetes {
                path: Some(PathBuf::from(non_empty(path, "k8s:PATH")?)),
            },
            ("gcloud", None) => SourceSpec::Gcloud,
            ("env", Some(variable)) => SourceSpec::Env(non_empty(variable, "env:NAME")?.to_owned()),
            ("file", Some(path)) => SourceSpec::File(PathBuf::from(non_empty(path, "file:PATH")?)),
            ("exec", Some(command)) => {
                SourceSpec::Exec(words::split(command).map_err(|e| format!("exec: {e}"))?)
            }
            ("sh", Some(command)) => {
                SourceSpec::Shell(non_empty(command.trim(), "sh:COMMAND")?.to_owned())
            }
            ("clipboard", None) => SourceSpec::Clipboard,
            ("auto", None) => SourceSpec::Auto,
            _ => return Err(unknown(text)),
        };
        Ok(spec)
    }
}

fn non_empty<'a>(text: &'a str, form: &str) -> Result<&'a str, String> {
    if text.is_empty() {
        Err(format!("{form} needs its part after the colon"))
    } else {
        Ok(text)
    }
}

fn unknown(text: &str) -> String {
    let known: Vec<&str> = PRESETS.iter().map(|p| p.usage).collect();
    format!(
        "unknown token source '{}'; choose one of: {}",
        crate::token::sanitize::escape_controls(text),
        known.join(", ")
    )
}

/// The canonical spelling, which parses back to the same source; it is what `--json` documents
/// give as their `source`.
impl fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceSpec::Gitlab {
                variable: Some(variable),
            } => write!(f, "gitlab:{variable}"),
            SourceSpec::Kubernetes { path: Some(path) } => write!(f, "k8s:{}", path.display()),
            SourceSpec::Env(variable) => write!(f, "env:{variable}"),
            SourceSpec::File(path) => write!(f, "file:{}", path.display()),
            SourceSpec::Exec(argv) => write!(f, "exec:{}", words::join(argv)),
            SourceSpec::Shell(command) => write!(f, "sh:{command}"),
            other => f.write_str(other.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> SourceSpec {
        text.parse().unwrap()
    }

    #[test]
    fn every_form_parses_and_prints_back() {
        let forms = [
            "github",
            "gitlab",
            "gitlab:VAULT_ID_TOKEN",
            "gitpod",
            "ona",
            "eks",
            "aks",
            "k8s",
            "k8s:/var/run/secrets/tokens/vault",
            "gcloud",
            "env:MY_TOKEN",
            "file:/tmp/token.jwt",
            "exec:cat /tmp/token.jwt",
            "exec:my-tool --audience 'a b'",
            "sh:cat /tmp/t | jq -r .token",
            "clipboard",
            "auto",
        ];
        for form in forms {
            let spec = parse(form);
            assert_eq!(spec.to_string(), form);
            assert_eq!(parse(&spec.to_string()), spec);
        }
        assert_eq!(parse("kubernetes"), SourceSpec::Kubernetes { path: None });
        assert_eq!(
            parse("exec:\"cat\"  x"),
            SourceSpec::Exec(vec!["cat".into(), "x".into()])
        );
    }

    #[test]
    fn mistakes_are_explained() {
        let unknown = "githb".parse::<SourceSpec>().unwrap_err();
        assert!(unknown.contains("unknown token source 'githb'") && unknown.contains("gitpod"));
        assert!(
            "env:"
                .parse::<SourceSpec>()
                .unwrap_err()
                .contains("env:NAME")
        );
        assert!(
            "exec:a | b"
                .parse::<SourceSpec>()
                .unwrap_err()
                .contains("sh:'COMMAND'")
        );
        assert!("github:x".parse::<SourceSpec>().is_err());
    }

    #[test]
    fn env_and_path_options_go_only_where_they_mean_something() {
        let gitlab = parse("gitlab")
            .with_options(Some("T".into()), None)
            .unwrap();
        assert_eq!(gitlab.to_string(), "gitlab:T");
        let k8s = parse("k8s").with_options(None, Some("/p".into())).unwrap();
        assert_eq!(k8s.to_string(), "k8s:/p");
        assert!(
            parse("gitlab:A")
                .with_options(Some("B".into()), None)
                .is_err()
        );
        assert!(
            parse("github")
                .with_options(Some("X".into()), None)
                .unwrap_err()
                .contains("env:NAME")
        );
        assert!(
            parse("eks")
                .with_options(None, Some("/p".into()))
                .unwrap_err()
                .contains("file:PATH")
        );
    }

    #[test]
    fn audience_use_matches_the_presets() {
        for preset in PRESETS {
            let name = preset.usage.split(['[', ':']).next().unwrap();
            let example = match name {
                "env" => "env:X",
                "file" => "file:x",
                "exec" => "exec:x",
                "sh" => "sh:x",
                other => other,
            };
            assert_eq!(parse(example).audience_use(), preset.audience, "{name}");
        }
    }
}
