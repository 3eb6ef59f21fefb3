//! Issuers whose CLI prints a fresh token: Gitpod (`gp idp token`), Ona (`gitpod idp token`)
//! and Google (`gcloud auth print-identity-token`).

use super::command::Budget;
use super::environment::Environment;
use super::spec::SourceSpec;
use super::{Detail, Produced, SourceError, generic, words};

/// A CLI that mints tokens, and where a user finds it when it is missing.
struct Issuer {
    program: &'static str,
    subcommand: &'static [&'static str],
    where_it_is: &'static str,
}

const GITPOD: Issuer = Issuer {
    program: "gp",
    subcommand: &["idp", "token"],
    where_it_is: "gp is the Gitpod CLI that exists inside a Gitpod workspace; run claimcheck in the workspace",
};

const ONA: Issuer = Issuer {
    program: "gitpod",
    subcommand: &["idp", "token"],
    where_it_is: "gitpod is the Ona CLI that exists inside an Ona environment; run claimcheck in the environment",
};

const GCLOUD: Issuer = Issuer {
    program: "gcloud",
    subcommand: &["auth", "print-identity-token"],
    where_it_is: "gcloud is the Google Cloud CLI; install it and sign in (gcloud auth login), or run where it is set up (Cloud Shell)",
};

pub(super) fn fetch(
    spec: &SourceSpec,
    env: &Environment,
    audience: Option<&str>,
    budget: &Budget,
) -> Result<Produced, SourceError> {
    let (issuer, audience_args) = match spec {
        // `gp idp token` marks --audience as required (gitpod-io/gitpod,
        // components/gitpod-cli/cmd/idp-token.go); Ona's CLI is documented the same way.
        SourceSpec::Gitpod => (
            &GITPOD,
            vec!["--audience".to_owned(), required(spec, audience)?],
        ),
        SourceSpec::Ona => (
            &ONA,
            vec!["--audience".to_owned(), required(spec, audience)?],
        ),
        SourceSpec::Gcloud => (
            &GCLOUD,
            audience
                .map(|aud| vec![format!("--audiences={aud}")])
                .unwrap_or_default(),
        ),
        other => unreachable!("programs::fetch called for {}", other.name()),
    };
    let Some(path) = env.find_program(issuer.program) else {
        return Err(SourceError::ProgramNotFound {
            program: issuer.program.to_owned(),
            where_it_is: issuer.where_it_is.to_owned(),
        });
    };
    let mut args: Vec<String> = issuer.subcommand.iter().map(|s| (*s).to_owned()).collect();
    args.extend(audience_args);
    let mut argv = vec![issuer.program.to_owned()];
    argv.extend(args.iter().cloned());
    let mut produced = generic::run(env, &path, &args, budget, words::join(&argv))?;
    if let Some(aud) = audience {
        produced.details.push(Detail {
            name: "requested audience".into(),
            value: aud.to_owned(),
        });
    }
    Ok(produced)
}

fn required(spec: &SourceSpec, audience: Option<&str>) -> Result<String, SourceError> {
    audience
        .map(str::to_owned)
        .ok_or(SourceError::AudienceRequired {
            source_name: spec.name(),
        })
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;
    use std::time::Duration;

    use super::*;
    use crate::source::command::Cancel;

    fn budget() -> Budget {
        Budget {
            timeout: Duration::from_secs(10),
            stdout_limit: 4096,
            cancel: Cancel::default(),
        }
    }

    /// A directory holding one fake CLI that prints its arguments, as the real one would print
    /// a token.
    fn fake_cli(name: &str) -> (std::path::PathBuf, Environment) {
        let dir =
            std::env::temp_dir().join(format!("claimcheck-programs-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, "#!/bin/sh\necho \"args: $*\"\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        let env = Environment::from_vars([("PATH", dir.to_str().unwrap())]);
        (dir, env)
    }

    #[test]
    fn each_cli_gets_its_documented_arguments() {
        let cases = [
            (
                SourceSpec::Gitpod,
                "gp",
                Some("aud"),
                "args: idp token --audience aud\n",
            ),
            (
                SourceSpec::Ona,
                "gitpod",
                Some("aud"),
                "args: idp token --audience aud\n",
            ),
            (
                SourceSpec::Gcloud,
                "gcloud",
                Some("https://x"),
                "args: auth print-identity-token --audiences=https://x\n",
            ),
            (
                SourceSpec::Gcloud,
                "gcloud",
                None,
                "args: auth print-identity-token\n",
            ),
        ];
        for (spec, program, audience, expected) in cases {
            let (dir, env) = fake_cli(program);
            let produced = fetch(&spec, &env, audience, &budget()).unwrap();
            assert_eq!(produced.text, expected);
            assert!(produced.origin.starts_with(&format!("`{program} ")));
            std::fs::remove_dir_all(dir).unwrap();
        }
    }

    #[test]
    fn a_missing_cli_says_where_it_exists() {
        let env = Environment::from_vars([("PATH", "/nonexistent")]);
        let error = fetch(&SourceSpec::Gitpod, &env, Some("a"), &budget())
            .err()
            .unwrap();
        assert!(
            error.to_string().contains("inside a Gitpod workspace"),
            "{error}"
        );
        let error = fetch(&SourceSpec::Ona, &env, Some("a"), &budget())
            .err()
            .unwrap();
        assert!(
            error.to_string().contains("inside an Ona environment"),
            "{error}"
        );
    }
}
