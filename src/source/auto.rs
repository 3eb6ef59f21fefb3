//! Which sources this environment offers: variables that are set, token files that exist,
//! issuer CLIs on `PATH`. Nothing is run and nothing is fetched.

use std::path::Path;

use serde::Serialize;

use super::environment::Environment;
use super::spec::{AudienceUse, SERVICE_ACCOUNT_TOKEN_PATH, SourceSpec};
use super::{github, gitlab};
use crate::token::Limits;
use crate::token::sanitize::escape_controls;

/// A source that should work here, and why claimcheck thinks so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Available {
    /// The `--from` value that fetches from it.
    #[serde(serialize_with = "as_string")]
    pub spec: SourceSpec,
    pub audience: AudienceUse,
    /// What was seen: a variable, a file, a program on `PATH`. Escaped for display.
    pub evidence: String,
}

fn as_string<S: serde::Serializer>(spec: &SourceSpec, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(spec)
}

/// The sources `env` offers, in the order of [`super::PRESETS`].
pub fn detect(env: &Environment) -> Vec<Available> {
    detect_with(env, Path::new(SERVICE_ACCOUNT_TOKEN_PATH))
}

fn detect_with(env: &Environment, service_account_token: &Path) -> Vec<Available> {
    let mut found = Vec::new();
    let mut add = |spec: SourceSpec, evidence: String| {
        found.push(Available {
            audience: spec.audience_use(),
            spec,
            evidence: escape_controls(&evidence).into_owned(),
        });
    };
    if env.var(github::URL_VAR).is_some() && env.var(github::BEARER_VAR).is_some() {
        add(
            SourceSpec::Github,
            format!("${} and ${} are set", github::URL_VAR, github::BEARER_VAR),
        );
    }
    for candidate in gitlab::find_tokens(env, &Limits::default()) {
        add(
            SourceSpec::Gitlab {
                variable: Some(candidate.variable.clone()),
            },
            format!(
                "${} holds a token from {}",
                candidate.variable, candidate.issuer
            ),
        );
    }
    for (spec, program) in [(SourceSpec::Gitpod, "gp"), (SourceSpec::Ona, "gitpod")] {
        if let Some(path) = env.find_program(program) {
            add(spec, format!("{program} is on PATH ({})", path.display()));
        }
    }
    for (spec, variable) in [
        (SourceSpec::Eks, "AWS_WEB_IDENTITY_TOKEN_FILE"),
        (SourceSpec::Aks, "AZURE_FEDERATED_TOKEN_FILE"),
    ] {
        if let Some(path) = env.var(variable)
            && Path::new(path).is_file()
        {
            add(spec, format!("${variable} names {path}"));
        }
    }
    if service_account_token.is_file() {
        add(
            SourceSpec::Kubernetes { path: None },
            format!("{} exists", service_account_token.display()),
        );
    }
    if let Some(path) = env.find_program("gcloud") {
        add(
            SourceSpec::Gcloud,
            format!("gcloud is on PATH ({})", path.display()),
        );
    }
    found
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::demo;

    #[test]
    fn lists_exactly_what_the_environment_offers() {
        let dir = std::env::temp_dir().join(format!("claimcheck-auto-{}", std::process::id()));
        let bin = dir.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        for program in ["gp", "gcloud"] {
            let path = bin.join(program);
            std::fs::write(&path, "#!/bin/sh\n").unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let eks_file = dir.join("eks-token");
        std::fs::write(&eks_file, "x").unwrap();
        let sa_token = dir.join("sa-token");
        std::fs::write(&sa_token, "x").unwrap();
        let env = Environment::from_vars([
            ("PATH", bin.to_str().unwrap().to_owned()),
            ("ACTIONS_ID_TOKEN_REQUEST_URL", "https://x/".into()),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "bearer".into()),
            ("GL_TOKEN", demo::template("gitlab").unwrap().mint(0)),
            (
                "AWS_WEB_IDENTITY_TOKEN_FILE",
                eks_file.to_str().unwrap().into(),
            ),
            // Named but absent: not offered.
            ("AZURE_FEDERATED_TOKEN_FILE", "/nonexistent/azure".into()),
        ]);
        let listed: Vec<String> = detect_with(&env, &sa_token)
            .iter()
            .map(|a| a.spec.to_string())
            .collect();
        assert_eq!(
            listed,
            [
                "github",
                "gitlab:GL_TOKEN",
                "gitpod",
                "eks",
                "k8s",
                "gcloud"
            ]
        );
        let nothing = detect_with(&Environment::default(), &dir.join("absent"));
        assert!(nothing.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
