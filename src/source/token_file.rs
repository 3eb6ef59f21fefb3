//! Token files that Kubernetes projects into pods: EKS IRSA (`$AWS_WEB_IDENTITY_TOKEN_FILE`),
//! AKS workload identity (`$AZURE_FEDERATED_TOKEN_FILE`) and the service-account token itself.
//! The kubelet rewrites them before they expire, so reading one gives the current token.

use std::path::Path;

use super::environment::Environment;
use super::input::{InputError, read_bounded};
use super::spec::SERVICE_ACCOUNT_TOKEN_PATH;
use super::{Detail, Produced, SourceError};
use crate::token::Limits;

const EKS_FILE_VAR: &str = "AWS_WEB_IDENTITY_TOKEN_FILE";
const EKS_ROLE_VAR: &str = "AWS_ROLE_ARN";
const AKS_FILE_VAR: &str = "AZURE_FEDERATED_TOKEN_FILE";
/// Set by the Azure workload identity webhook beside the token file.
const AKS_DETAIL_VARS: [&str; 3] = ["AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_AUTHORITY_HOST"];

pub(super) fn eks(env: &Environment, limits: &Limits) -> Result<Produced, SourceError> {
    let Some(path) = env.var(EKS_FILE_VAR) else {
        return Err(SourceError::Unavailable(format!(
            "${EKS_FILE_VAR} is not set: the EKS pod identity webhook sets it (with ${EKS_ROLE_VAR}) \
             in pods whose service account has the eks.amazonaws.com/role-arn annotation"
        )));
    };
    let mut produced = read_file(Path::new(path), &format!("${EKS_FILE_VAR}"), limits)?;
    produced.details = details(env, &[EKS_ROLE_VAR]);
    Ok(produced)
}

pub(super) fn aks(env: &Environment, limits: &Limits) -> Result<Produced, SourceError> {
    let Some(path) = env.var(AKS_FILE_VAR) else {
        return Err(SourceError::Unavailable(format!(
            "${AKS_FILE_VAR} is not set: the Azure workload identity webhook sets it in pods \
             labelled azure.workload.identity/use: \"true\" whose service account has the \
             azure.workload.identity/client-id annotation"
        )));
    };
    let mut produced = read_file(Path::new(path), &format!("${AKS_FILE_VAR}"), limits)?;
    produced.details = details(env, &AKS_DETAIL_VARS);
    Ok(produced)
}

pub(super) fn kubernetes(path: Option<&Path>, limits: &Limits) -> Result<Produced, SourceError> {
    match path {
        Some(path) => read_file(path, "the projected token", limits),
        None => {
            let path = Path::new(SERVICE_ACCOUNT_TOKEN_PATH);
            if !path.exists() {
                return Err(SourceError::Unavailable(format!(
                    "there is no service-account token at {SERVICE_ACCOUNT_TOKEN_PATH}: this is not a \
                     Kubernetes pod, or the pod sets automountServiceAccountToken: false; for a \
                     projected token pass its path with --path PATH (or k8s:PATH)"
                )));
            }
            read_file(path, "the service-account token", limits)
        }
    }
}

/// Reads a token file as `decode FILE` reads one, so both give the same document.
pub(super) fn read_file(path: &Path, what: &str, limits: &Limits) -> Result<Produced, SourceError> {
    let described = format!("{what} ({})", path.display());
    let unreadable = |error: String| SourceError::Read {
        what: what.to_owned(),
        path: path.to_path_buf(),
        error,
    };
    if path.is_dir() {
        return Err(unreadable(
            "it is a directory; name the token file in it".to_owned(),
        ));
    }
    let file = std::fs::File::open(path).map_err(|error| unreadable(error.to_string()))?;
    // The Read error names the file already: only the cause is added, not read_bounded's
    // whole message, which names it again.
    let text =
        read_bounded(file, limits.max_token_bytes, &described).map_err(|error| match error {
            InputError::TooLarge { what, limit } => SourceError::TooLarge { what, limit },
            InputError::Io { source, .. } => unreadable(source.to_string()),
            InputError::NotText { .. } => {
                unreadable("it is not UTF-8 text; a token is ASCII".to_owned())
            }
            other => unreadable(other.to_string()),
        })?;
    Ok(Produced::new(text, described))
}

fn details(env: &Environment, names: &[&str]) -> Vec<Detail> {
    names
        .iter()
        .filter_map(|name| {
            env.var(name).map(|value| Detail {
                name: (*name).to_owned(),
                value: value.to_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("claimcheck-tokenfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// A directory used to be reported as "cannot read the file (D): cannot read the file (D):
    /// Is a directory".
    #[test]
    fn a_directory_or_binary_file_names_the_path_once() {
        let dir =
            std::env::temp_dir().join(format!("claimcheck-tokenfile-dir-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let message = read_file(&dir, "the file", &Limits::default())
            .err()
            .unwrap()
            .to_string();
        assert_eq!(
            message.matches(&*dir.display().to_string()).count(),
            1,
            "{message}"
        );
        assert!(message.contains("is a directory"), "{message}");
        let binary = dir.join("binary");
        std::fs::write(&binary, b"\xff\xfe").unwrap();
        let message = read_file(&binary, "the file", &Limits::default())
            .err()
            .unwrap()
            .to_string();
        assert_eq!(message.matches("binary").count(), 1, "{message}");
        assert!(message.contains("not UTF-8"), "{message}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn eks_reads_the_file_and_shows_the_role() {
        let path = temp_file("eks", "eyJh.eyJi.c2ln\n");
        let env = Environment::from_vars([
            (EKS_FILE_VAR, path.to_str().unwrap()),
            (EKS_ROLE_VAR, "arn:aws:iam::111122223333:role/app"),
        ]);
        let produced = eks(&env, &Limits::default()).unwrap();
        assert_eq!(produced.text, "eyJh.eyJi.c2ln\n");
        assert!(produced.origin.contains("$AWS_WEB_IDENTITY_TOKEN_FILE"));
        assert_eq!(
            produced.details[0].value,
            "arn:aws:iam::111122223333:role/app"
        );
    }

    #[test]
    fn missing_variables_and_files_are_explained() {
        let none = Environment::default();
        let message = eks(&none, &Limits::default()).err().unwrap().to_string();
        assert!(message.contains("eks.amazonaws.com/role-arn"), "{message}");
        let message = aks(&none, &Limits::default()).err().unwrap().to_string();
        assert!(message.contains("azure.workload.identity/use"), "{message}");
        let env = Environment::from_vars([(AKS_FILE_VAR, "/nonexistent/azure-token")]);
        let error = aks(&env, &Limits::default()).err().unwrap();
        assert_eq!(error.kind(), "io");
        assert!(error.to_string().contains("/nonexistent/azure-token"));
    }

    #[test]
    fn a_projected_path_is_read_and_size_is_bounded() {
        let path = temp_file("projected", "eyJh.eyJi.c2ln");
        let produced = kubernetes(Some(&path), &Limits::default()).unwrap();
        assert_eq!(produced.text, "eyJh.eyJi.c2ln");
        let big = temp_file("big", &"a".repeat(80_000));
        let limits = Limits {
            max_token_bytes: 1000,
            ..Limits::default()
        };
        let error = kubernetes(Some(&big), &limits).err().unwrap();
        assert_eq!(error.kind(), "too_large");
    }
}
