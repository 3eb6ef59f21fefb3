//! Which token claims AWS STS turns into condition keys (`<provider>:<claim>`), per issuer, and
//! which shared issuers IAM requires a tenancy condition for (condition-keys-wif;
//! https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_oidc_secure-by-default.html).

/// Keys every OIDC provider gets
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif;
/// `email` per the current page, as cloud-copilot/iam-simulate `contextKeys.ts` lists it (secondary source)).
/// `azp` is not one: it only feeds `:aud` (`:aud` is azp when the token has one, and `:oaud` is
/// then the token's aud), so a condition on `<provider>:azp` sees an absent key.
pub const GENERIC_CLAIMS: [&str; 5] = ["amr", "aud", "email", "oaud", "sub"];

/// GitHub claims AWS STS exposes since 2026-01 (secondary sources: AWS What's New "AWS STS
/// supports validation of identity provider claims", cageyv.dev, iam-simulate's contextKeys.ts).
pub const GITHUB_CLAIMS: [&str; 9] = [
    "actor",
    "actor_id",
    "job_workflow_ref",
    "repository",
    "repository_id",
    "workflow",
    "ref",
    "environment",
    "enterprise_id",
];

/// The GitLab.com keys claimcheck can name (secondary source); AWS lists nine, the others are unverified.
const GITLAB_CLAIMS_KNOWN: [&str; 4] = [
    "project_id",
    "namespace_id",
    "ref_protected",
    "pipeline_source",
];

/// Whether AWS puts a claim into the request context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposure {
    Exposed,
    /// Exposed only according to secondary sources; the check carries a note.
    ExposedSecondHand,
    NotExposed,
    /// claimcheck does not know this provider's full list (GitLab.com, Buildkite): treated as
    /// exposed when the token has the claim, and reported as unverified.
    Unknown,
}

/// The exposure of `claim` (lower case) for a provider whose condition-key prefix is `prefix`.
pub fn exposure(prefix: &str, claim: &str) -> Exposure {
    if GENERIC_CLAIMS.contains(&claim) {
        return Exposure::Exposed;
    }
    let listed = |list: &[&str]| {
        if list.contains(&claim) {
            Exposure::ExposedSecondHand
        } else {
            Exposure::NotExposed
        }
    };
    if is_github_prefix(prefix) {
        return listed(&GITHUB_CLAIMS);
    }
    if prefix.eq_ignore_ascii_case("gitlab.com") {
        return if GITLAB_CLAIMS_KNOWN.contains(&claim) {
            Exposure::ExposedSecondHand
        } else {
            Exposure::Unknown
        };
    }
    if prefix.eq_ignore_ascii_case("agent.buildkite.com") {
        return Exposure::Unknown;
    }
    if starts_with_ignore_case(prefix, "oidc.circleci.com/org/") {
        return listed(&["oidc.circleci.com/project-id"]);
    }
    if prefix.eq_ignore_ascii_case("accounts.google.com") {
        listed(&["google/organization_number"])
    } else if prefix.eq_ignore_ascii_case("graph.facebook.com") {
        listed(&["app_id", "id"])
    } else if prefix.eq_ignore_ascii_case("www.amazon.com") {
        listed(&["app_id", "user_id"])
    } else {
        Exposure::NotExposed
    }
}

fn starts_with_ignore_case(text: &str, start: &str) -> bool {
    text.get(..start.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(start))
}

/// Shared issuers for which IAM refuses trust policies that do not evaluate a tenancy key
/// (secure-by-default, June 2025; list (secondary source) from secorvia/frontdoor's issuer tests and the
/// buildkite-plugins/aws-assume-role-with-web-identity-buildkite-plugin#31 thread):
/// (prefix, required claim).
pub const SHARED_ISSUERS: [(&str, &str); 15] = [
    ("token.actions.githubusercontent.com", "sub"),
    ("gitlab.com", "sub"),
    ("app.terraform.io", "sub"),
    ("agent.buildkite.com", "sub"),
    ("vstoken.actions.githubusercontent.com", "sub"),
    ("oidc-configuration.audit-log.githubusercontent.com", "sub"),
    ("oidc.codefresh.io", "sub"),
    ("studio.datachain.ai/api", "sub"),
    ("scalr.io", "sub"),
    ("tokens.cloud.shisho.dev", "sub"),
    ("proidc.upbound.io", "sub"),
    ("oidc.vercel.com", "aud"),
    ("api.pulumi.com/oidc", "aud"),
    ("sandboxes.cloud", "aud"),
    ("cognito-identity.amazonaws.com", "aud"),
];

/// The tenancy claim IAM requires for `prefix`, if it is a recognised shared issuer.
pub fn required_tenancy_claim(prefix: &str) -> Option<&'static str> {
    SHARED_ISSUERS
        .iter()
        .find(|(shared, _)| shared.eq_ignore_ascii_case(prefix))
        .map(|(_, claim)| *claim)
}

/// GitHub's issuer, including GHEC's `…/<enterpriseSlug>` form (GitHub docs, "Customizing the
/// issuer value for an enterprise").
pub fn is_github_prefix(prefix: &str) -> bool {
    prefix.eq_ignore_ascii_case("token.actions.githubusercontent.com")
        || starts_with_ignore_case(prefix, "token.actions.githubusercontent.com/")
}

#[cfg(test)]
mod tests {
    use super::*;

    // condition-keys-wif: generic keys, GitHub's 2026 list, and claims that stay absent.
    #[test]
    fn exposure_table() {
        let gh = "token.actions.githubusercontent.com";
        let rows = [
            (gh, "sub", Exposure::Exposed),
            (gh, "aud", Exposure::Exposed),
            (gh, "oaud", Exposure::Exposed),
            (gh, "amr", Exposure::Exposed),
            (gh, "email", Exposure::Exposed),
            // condition-keys-wif lists no azp key: azp feeds :aud only
            (gh, "azp", Exposure::NotExposed),
            ("accounts.google.com", "azp", Exposure::NotExposed),
            ("idp.example.com", "azp", Exposure::NotExposed),
            ("idp.example.com", "sub", Exposure::Exposed),
            (gh, "repository", Exposure::ExposedSecondHand),
            (gh, "environment", Exposure::ExposedSecondHand),
            (gh, "repository_owner", Exposure::NotExposed), // github/docs oidc-in-aws.md
            (gh, "workflow_ref", Exposure::NotExposed),
            (gh, "event_name", Exposure::NotExposed),
            (
                "token.actions.githubusercontent.com/acme-enterprise",
                "ref",
                Exposure::ExposedSecondHand,
            ),
            (
                "app.terraform.io",
                "terraform_workspace_name",
                Exposure::NotExposed,
            ), // default mapping
            ("gitlab.com", "project_id", Exposure::ExposedSecondHand),
            ("gitlab.com", "project_path", Exposure::Unknown), // nine keys, list unverified
            (
                "oidc.eks.us-east-1.amazonaws.com/id/X",
                "kubernetes.io",
                Exposure::NotExposed,
            ),
        ];
        for (prefix, claim, expected) in rows {
            assert_eq!(exposure(prefix, claim), expected, "{prefix}:{claim}");
        }
    }

    #[test]
    fn shared_issuers_need_their_tenancy_claim() {
        assert_eq!(
            required_tenancy_claim("token.actions.githubusercontent.com"),
            Some("sub")
        );
        assert_eq!(required_tenancy_claim("oidc.vercel.com"), Some("aud"));
        assert_eq!(
            required_tenancy_claim("oidc.eks.us-east-1.amazonaws.com/id/X"),
            None
        );
    }
}
