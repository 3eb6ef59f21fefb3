//! Which claims a flexible credential may test, per issuer (docs/SEMANTICS.md §3.2, from the Entra doc
//! workload-identities-flexible-federated-identity-credentials.md).

pub const GITHUB: &str = "https://token.actions.githubusercontent.com";

/// The documented issuer family and the claims it allows, or `None` when flexible credentials
/// are not documented for the issuer.
pub fn allowed_claims(issuer: &str) -> Option<(&'static str, &'static [&'static str])> {
    if issuer == GITHUB {
        return Some(("GitHub Actions", &["sub", "job_workflow_ref"]));
    }
    if issuer == "https://gitlab.com" || is_gitlab_dedicated(issuer) {
        return Some(("GitLab", &["sub"]));
    }
    if issuer == "https://app.terraform.io" || issuer == "https://app.eu.terraform.io" {
        return Some(("Terraform Cloud", &["sub"]));
    }
    None
}

/// The doc's `https://gitlab.<x>.com` and `https://gitlab.<x>.ca` forms: one host, no path.
fn is_gitlab_dedicated(issuer: &str) -> bool {
    let Some(host) = issuer.strip_prefix("https://gitlab.") else {
        return false;
    };
    let middle = host
        .strip_suffix(".com")
        .or_else(|| host.strip_suffix(".ca"));
    middle.is_some_and(|m| {
        !m.is_empty()
            && m.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_claims_table() {
        // docs/SEMANTICS.md §3.2 "Allowed claims per issuer".
        let rows: &[(&str, Option<&[&str]>)] = &[
            (GITHUB, Some(&["sub", "job_workflow_ref"])),
            ("https://token.actions.githubusercontent.com/", None),
            ("https://gitlab.com", Some(&["sub"])),
            ("https://gitlab.acme.com", Some(&["sub"])),
            ("https://gitlab.acme.ca", Some(&["sub"])),
            ("https://gitlab.acme.org", None),
            ("https://gitlab.acme.com/path", None),
            ("https://app.terraform.io", Some(&["sub"])),
            ("https://app.eu.terraform.io", Some(&["sub"])),
            ("https://api.gitpod.io/idp", None),
        ];
        for &(issuer, want) in rows {
            assert_eq!(allowed_claims(issuer).map(|(_, c)| c), want, "{issuer}");
        }
    }
}
