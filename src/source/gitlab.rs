//! GitLab CI: each entry under a job's `id_tokens:` becomes a variable holding a JWT (e.g.
//! `$VAULT_ID_TOKEN`). The variable is named by the user, or found: any variable whose value
//! decodes to a token from a GitLab-like issuer.

use super::environment::Environment;
use super::{Produced, SourceError};
use crate::token::{self, Claims, Limits};

/// A variable that holds what looks like a GitLab ID token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub variable: String,
    pub issuer: String,
}

pub(super) fn fetch(
    env: &Environment,
    variable: Option<&str>,
    limits: &Limits,
) -> Result<Produced, SourceError> {
    let name = match variable {
        Some(name) => name.to_owned(),
        None => {
            let mut candidates = find_tokens(env, limits);
            match candidates.len() {
                0 => {
                    return Err(SourceError::Unavailable(
                        "no environment variable holds a GitLab ID token: declare one under \
                         `id_tokens:` in the job (e.g. VAULT_ID_TOKEN with its `aud:`) and name it \
                         with --env NAME"
                            .into(),
                    ));
                }
                1 => candidates.remove(0).variable,
                _ => {
                    return Err(SourceError::AmbiguousGitlab {
                        candidates: candidates.into_iter().map(|c| c.variable).collect(),
                    });
                }
            }
        }
    };
    match env.var(&name) {
        Some(value) => Ok(Produced::new(value.to_owned(), format!("${name}"))),
        None => Err(SourceError::Unavailable(format!(
            "${name} is not set: GitLab CI sets one variable per entry under the job's \
             `id_tokens:`; check the name there"
        ))),
    }
}

/// Every variable holding a token whose issuer looks like GitLab, in name order.
pub fn find_tokens(env: &Environment, limits: &Limits) -> Vec<Candidate> {
    let server = env
        .var("CI_SERVER_URL")
        .map(|url| url.trim_end_matches('/'));
    env.text_vars()
        // Cheap filter first: an unsecured or signed JWS as GitLab issues it.
        .filter(|(_, value)| {
            value.trim_start().starts_with("eyJ") && value.matches('.').count() == 2
        })
        .filter_map(|(name, value)| {
            let decoded = token::decode(value, limits).ok()?;
            let claims = decoded.claims()?;
            let issuer = decoded.issuer()?.to_owned();
            is_gitlab_like(&issuer, claims, server).then(|| Candidate {
                variable: name.to_owned(),
                issuer,
            })
        })
        .collect()
}

/// GitLab's issuer is the instance URL (`$CI_SERVER_URL` in the job), which on a self-managed
/// instance may have any name; so the issuer matching that variable, a host naming GitLab, or
/// GitLab's own claim set all count.
fn is_gitlab_like(issuer: &str, claims: &Claims, server: Option<&str>) -> bool {
    let issuer_trimmed = issuer.trim_end_matches('/');
    if server.is_some_and(|server| server == issuer_trimmed) {
        return true;
    }
    let host = issuer_trimmed
        .strip_prefix("https://")
        .unwrap_or(issuer_trimmed)
        .split('/')
        .next()
        .unwrap_or("");
    if host.to_ascii_lowercase().contains("gitlab") {
        return true;
    }
    ["project_path", "namespace_path", "pipeline_id"]
        .iter()
        .all(|name| claims.contains_key(*name))
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value, json};

    use super::*;
    use crate::demo::{self, DemoKey};

    const NOW: i64 = 1_800_000_000;

    fn signed(claims: Value) -> String {
        demo::sign_with(DemoKey::Rsa, &Map::new(), claims.as_object().unwrap())
    }

    fn gitlab_token() -> String {
        demo::template("gitlab").unwrap().mint(NOW)
    }

    #[test]
    fn the_one_gitlab_token_is_found_among_other_variables() {
        let github = demo::template("github-branch").unwrap().mint(NOW);
        let env = Environment::from_vars([
            ("VAULT_ID_TOKEN", gitlab_token()),
            ("OTHER_JWT", github),
            ("CI_JOB_TOKEN", "glcbt-opaque".into()),
        ]);
        let produced = fetch(&env, None, &Limits::default()).unwrap();
        assert_eq!(produced.origin, "$VAULT_ID_TOKEN");
        assert_eq!(produced.text, gitlab_token());
    }

    #[test]
    fn issuers_count_by_server_url_host_or_claim_set() {
        let self_managed = signed(json!({"iss": "https://git.corp.example", "sub": "x"}));
        let by_claims = signed(json!({
            "iss": "https://code.example", "project_path": "g/p",
            "namespace_path": "g", "pipeline_id": "1"
        }));
        let foreign = signed(json!({"iss": "https://token.actions.githubusercontent.com"}));
        let env = Environment::from_vars([
            ("CI_SERVER_URL", "https://git.corp.example/".to_owned()),
            ("A_TOKEN", self_managed),
            ("B_TOKEN", by_claims),
            ("C_TOKEN", foreign),
            ("D_TOKEN", gitlab_token()),
        ]);
        let names: Vec<String> = find_tokens(&env, &Limits::default())
            .into_iter()
            .map(|c| c.variable)
            .collect();
        assert_eq!(names, ["A_TOKEN", "B_TOKEN", "D_TOKEN"]);
        let error = fetch(&env, None, &Limits::default()).err().unwrap();
        assert!(error.is_usage());
        assert!(
            error.to_string().contains("A_TOKEN, B_TOKEN, D_TOKEN"),
            "{error}"
        );
        let chosen = fetch(&env, Some("B_TOKEN"), &Limits::default()).unwrap();
        assert_eq!(chosen.origin, "$B_TOKEN");
    }

    #[test]
    fn absence_is_explained() {
        let error = fetch(&Environment::default(), None, &Limits::default())
            .err()
            .unwrap();
        assert!(error.to_string().contains("id_tokens:"));
        let error = fetch(
            &Environment::default(),
            Some("VAULT_ID_TOKEN"),
            &Limits::default(),
        )
        .err()
        .unwrap();
        assert!(error.to_string().starts_with("$VAULT_ID_TOKEN is not set"));
    }
}
