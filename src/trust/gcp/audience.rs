//! The audience check. With `allowedAudiences` set, the token's `aud` must be one of them;
//! without, it must be the provider's full canonical resource name with the project NUMBER,
//! written `//iam.googleapis.com/projects/...` or `https://iam.googleapis.com/projects/...`
//! (terraform-provider-google `iam_workload_identity_pool_provider.html.markdown@122d64a`,
//! `allowed_audiences`; google-github-actions/auth `docs/TROUBLESHOOTING.md@1aa1cd4` on the
//! project number).

use serde_json::Value;

use crate::trust::hints::string_mismatch_hints;
use crate::trust::strings::{owned_strings_in, strings_in};
use crate::trust::{Check, Hint};

/// `projects/<project>/locations/<loc>/workloadIdentityPools/<pool>/providers/<provider>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceName<'a> {
    pub project: &'a str,
    pub location: &'a str,
    pub pool: &'a str,
    pub provider: Option<&'a str>,
}

impl<'a> ResourceName<'a> {
    /// Parses a provider or pool name, with or without the `//iam.googleapis.com/` or
    /// `https://iam.googleapis.com/` prefix.
    pub fn parse(text: &'a str) -> Option<ResourceName<'a>> {
        let bare = strip_service(text).unwrap_or(text);
        let mut parts = bare.split('/');
        let mut expect = |word: &str| {
            (parts.next()? == word)
                .then_some(())
                .and_then(|()| parts.next())
        };
        let project = expect("projects")?;
        let location = expect("locations")?;
        let pool = expect("workloadIdentityPools")?;
        let provider = expect("providers");
        Some(ResourceName {
            project,
            location,
            pool,
            provider,
        })
    }

    pub fn project_is_number(&self) -> bool {
        !self.project.is_empty() && self.project.bytes().all(|b| b.is_ascii_digit())
    }
}

fn strip_service(text: &str) -> Option<&str> {
    text.strip_prefix("//iam.googleapis.com/")
        .or_else(|| text.strip_prefix("https://iam.googleapis.com/"))
}

/// The two accepted forms of the default audience.
pub fn default_audiences(name: &str) -> [String; 2] {
    [
        format!("//iam.googleapis.com/{name}"),
        format!("https://iam.googleapis.com/{name}"),
    ]
}

pub fn token_audiences(aud: Option<&Value>) -> Vec<String> {
    owned_strings_in(aud)
}

/// Whether [`check`] passes, without building the check (the matrix fast path).
pub fn accepts(allowed: &[String], provider_name: Option<&str>, aud: Option<&Value>) -> bool {
    let accepted = |a: &str| {
        if allowed.is_empty() {
            provider_name.is_some_and(|name| default_audiences(name).iter().any(|d| d == a))
        } else {
            allowed.iter().any(|d| d == a)
        }
    };
    strings_in(aud).into_iter().any(accepted)
}

pub fn check(allowed: &[String], provider_name: Option<&str>, aud: Option<&Value>) -> Check {
    let actual = token_audiences(aud);
    let (condition, expected, mut hints, note) = if allowed.is_empty() {
        let Some(name) = provider_name else {
            return Check::failed(
                "audience = the provider's full resource name (no allowedAudiences set)",
                Vec::new(),
                aud.cloned(),
            )
            .with_note(
                "the rule file does not say the provider's full resource name, so its default audience is unknown; add `name: projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<id>`",
            );
        };
        let mut hints = Vec::new();
        if let Some(parsed) = ResourceName::parse(name)
            && !parsed.project_is_number()
        {
            hints.push(Hint::new(
                "gcp-project-id-not-number",
                format!(
                    "the provider name uses the project ID '{}'; the default audience uses the project NUMBER (gcloud projects describe {} --format='value(projectNumber)')",
                    parsed.project, parsed.project
                ),
            ));
        }
        (
            "audience = the provider's full resource name (no allowedAudiences set)".to_owned(),
            default_audiences(name).to_vec(),
            hints,
            None,
        )
    } else {
        (
            "audience in allowedAudiences".to_owned(),
            allowed.to_vec(),
            Vec::new(),
            None::<String>,
        )
    };
    let passed = actual.iter().any(|a| expected.contains(a));
    if !passed {
        hints.extend(audience_hints(&expected, &actual));
    }
    let mut check = Check::passed_if(
        passed,
        condition,
        expected.into_iter().map(Value::String).collect(),
        aud.cloned(),
    )
    .with_hints(hints)
    .with_note_if(note);
    if matches!(aud, Some(Value::Array(items)) if items.len() > 1) {
        check = check.with_note(
            "the token has several audiences; claimcheck accepts it when any one matches (inferred: Google does not document this)",
        );
    }
    check
}

fn audience_hints(expected: &[String], actual: &[String]) -> Vec<Hint> {
    let mut hints = Vec::new();
    for aud in actual {
        if let Some(token_name) = ResourceName::parse(aud) {
            if !token_name.project_is_number()
                && expected
                    .iter()
                    .filter_map(|e| ResourceName::parse(e))
                    .any(|rule| {
                        rule.pool == token_name.pool && rule.provider == token_name.provider
                    })
            {
                hints.push(Hint::new(
                    "gcp-project-id-not-number",
                    format!(
                        "the token's audience names the project by ID ('{}'); the provider's resource name uses the project NUMBER",
                        token_name.project
                    ),
                ));
            }
            if strip_service(aud).is_none() {
                hints.push(Hint::new(
                    "gcp-audience-prefix",
                    "the audience must start with //iam.googleapis.com/ or https://iam.googleapis.com/",
                ));
            }
        }
    }
    if let ([expected_one, ..], [actual_one]) = (expected, actual) {
        let closest = expected
            .iter()
            .max_by_key(|e| crate::trust::hints::common_prefix_chars(e, actual_one))
            .unwrap_or(expected_one);
        hints.extend(string_mismatch_hints(closest, actual_one));
    }
    hints
}
