//! The error messages claimcheck recognises, in the order they are tried: a more specific text
//! comes before a more general one that would also match it (AADSTS7002138 before AADSTS700213,
//! a named STS error before the CI action's wrapper line). Each entry names where its text comes
//! from; docs/SEMANTICS.md §11 lists the same sources.

use super::{Named, System};

/// One recognised message: its pattern (over one cleaned log line), what it means, and the next
/// command to run.
pub(super) struct Recogniser {
    pub id: &'static str,
    pub system: System,
    /// The message in a few words, as a heading.
    pub title: &'static str,
    /// A regular expression over one cleaned line; named groups fill [`Named`] (`iss`, `aud`,
    /// `sub`, `claim`, `role`, `expected`, `got`, `expr`, `msg`).
    pub pattern: &'static str,
    /// Which step of the service's pipeline refused the token.
    pub step: &'static str,
    /// The claim or setting to look at.
    pub look_at: &'static str,
    /// The usual causes, most likely first.
    pub causes: &'static [&'static str],
    /// The next commands, with what the message (or the log) named filled in.
    pub next: fn(&Named) -> Vec<String>,
    /// Where the message text and its meaning come from.
    pub source: &'static str,
}

const AWS_OIDC_DOC: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html";
const AWS_STS_API: &str =
    "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html";
const AWS_ACTION: &str = "https://github.com/aws-actions/configure-aws-credentials (src/index.ts)";
const ENTRA_DOC: &str = "https://learn.microsoft.com/en-us/entra/workload-id/workload-identity-federation-considerations";
const ENTRA_CODES: &str =
    "https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes";
const GCP_AUTH_TROUBLESHOOTING: &str =
    "https://github.com/google-github-actions/auth/blob/main/docs/TROUBLESHOOTING.md";
const GCP_WIF_DOC: &str = "https://cloud.google.com/iam/docs/workload-identity-federation";
const VAULT_LOGIN: &str = "https://github.com/hashicorp/vault-plugin-auth-jwt (path_login.go, claims.go) and https://github.com/hashicorp/cap (jwt/jwt.go)";
const VAULT_ACTION: &str = "https://github.com/hashicorp/vault-action (src/auth.js)";
const K8S_OIDC: &str = "https://github.com/kubernetes/kubernetes (staging/src/k8s.io/apiserver/plugin/pkg/authenticator/token/oidc/oidc.go)";
const K8S_DOC: &str = "https://kubernetes.io/docs/reference/access-authn-authz/authentication/#using-authentication-configuration";

fn or<'a>(value: Option<&'a str>, placeholder: &'a str) -> &'a str {
    value.filter(|v| !v.is_empty()).unwrap_or(placeholder)
}

/// `claimcheck fetch --from github --audience AUD | claimcheck check --rules RULES`.
fn fetch_and_check(audience: &str, rules: &str) -> String {
    format!(
        "claimcheck fetch --from github --audience {audience} | claimcheck check --rules {rules}"
    )
}

fn aws_get_role(named: &Named) -> String {
    format!(
        "<(aws iam get-role --role-name {} --output json)",
        or(named.role_name(), "ROLE")
    )
}

fn aws_policy_check(named: &Named) -> Vec<String> {
    vec![fetch_and_check(
        or(named.get("aud"), "sts.amazonaws.com"),
        &aws_get_role(named),
    )]
}

fn aws_provider(named: &Named) -> Vec<String> {
    let account = named.account().unwrap_or("ACCOUNT");
    let host = named
        .get("iss")
        .map(|iss| iss.trim_start_matches("https://").to_owned())
        .unwrap_or_else(|| "token.actions.githubusercontent.com".to_owned());
    vec![
        "aws iam list-open-id-connect-providers --output json".to_owned(),
        format!(
            "claimcheck fetch --from github --audience {} | claimcheck check --rules <(aws iam get-open-id-connect-provider --open-id-connect-provider-arn arn:aws:iam::{account}:oidc-provider/{host} --output json) --rules {}",
            or(named.get("aud"), "sts.amazonaws.com"),
            aws_get_role(named)
        ),
    ]
}

fn aws_keys(named: &Named) -> Vec<String> {
    vec![format!(
        "claimcheck fetch --from github --audience {} | claimcheck verify",
        or(named.get("aud"), "sts.amazonaws.com")
    )]
}

fn aws_decode(named: &Named) -> Vec<String> {
    vec![format!(
        "claimcheck fetch --from github --audience {} | claimcheck decode",
        or(named.get("aud"), "sts.amazonaws.com")
    )]
}

fn github_permission(_: &Named) -> Vec<String> {
    vec![
        "add to the job (or workflow): permissions: { id-token: write, contents: read }".to_owned(),
        "claimcheck fetch --from github --audience sts.amazonaws.com | claimcheck decode   (inside the job: it fails the same way until the permission is there)".to_owned(),
    ]
}

fn entra_check(named: &Named) -> Vec<String> {
    vec![fetch_and_check(
        or(named.get("aud"), "api://AzureADTokenExchange"),
        &format!(
            "<(az ad app federated-credential list --id {} --output json)",
            or(named.get("client_id"), "APP_ID")
        ),
    )]
}

fn entra_decode(named: &Named) -> Vec<String> {
    vec![format!(
        "claimcheck fetch --from github --audience {} | claimcheck decode",
        or(named.get("aud"), "api://AzureADTokenExchange")
    )]
}

/// The provider's describe command from its resource name
/// (`projects/N/locations/global/workloadIdentityPools/P/providers/V`).
fn gcp_describe(named: &Named) -> String {
    match named.gcp_provider_parts() {
        Some((project, pool, provider)) => format!(
            "<(gcloud iam workload-identity-pools providers describe {provider} --project={project} --location=global --workload-identity-pool={pool} --format=json)"
        ),
        None => "<(gcloud iam workload-identity-pools providers describe PROVIDER --project=PROJECT_NUMBER --location=global --workload-identity-pool=POOL --format=json)".to_owned(),
    }
}

fn gcp_audience(named: &Named) -> String {
    match named.get("provider") {
        Some(provider) => format!("https://iam.googleapis.com/{provider}"),
        None => "https://iam.googleapis.com/projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER".to_owned(),
    }
}

fn gcp_check(named: &Named) -> Vec<String> {
    vec![fetch_and_check(&gcp_audience(named), &gcp_describe(named))]
}

fn gcp_list(named: &Named) -> Vec<String> {
    let project = named
        .gcp_provider_parts()
        .map_or("PROJECT_NUMBER".to_owned(), |(project, _, _)| project);
    vec![
        format!(
            "gcloud iam workload-identity-pools list --project={project} --location=global --show-deleted --format=json"
        ),
        format!(
            "gcloud iam workload-identity-pools providers list --project={project} --location=global --workload-identity-pool={} --show-deleted --format=json",
            named
                .gcp_provider_parts()
                .map_or("POOL".to_owned(), |(_, pool, _)| pool)
        ),
    ]
}

fn gcp_binding(named: &Named) -> Vec<String> {
    let account = or(named.get("service_account"), "SERVICE_ACCOUNT_EMAIL");
    vec![
        format!("gcloud iam service-accounts get-iam-policy {account} --format=json"),
        format!(
            "claimcheck fetch --from github --audience {} | claimcheck check --rules {} --gcp-member 'MEMBER'   (MEMBER: a principal:// or principalSet:// member of roles/iam.workloadIdentityUser above)",
            gcp_audience(named),
            gcp_describe(named)
        ),
    ]
}

fn gcp_decode(named: &Named) -> Vec<String> {
    vec![format!(
        "claimcheck fetch --from github --audience {} | claimcheck decode",
        gcp_audience(named)
    )]
}

fn vault_check(named: &Named) -> Vec<String> {
    vec![fetch_and_check(
        or(named.get("aud"), "AUDIENCE"),
        &format!(
            "vault:<(vault read -format=json auth/{}/role/{})",
            or(named.get("mount"), "jwt"),
            or(named.get("role"), "ROLE")
        ),
    )]
}

fn vault_roles(named: &Named) -> Vec<String> {
    vec![
        format!("vault list auth/{}/role", or(named.get("mount"), "jwt")),
        "vault auth list   (the mount path the action's `path:` input must name)".to_owned(),
    ]
}

fn vault_decode(named: &Named) -> Vec<String> {
    vec![format!(
        "claimcheck fetch --from github --audience {} | claimcheck decode",
        or(named.get("aud"), "AUDIENCE")
    )]
}

fn k8s_check(_: &Named) -> Vec<String> {
    vec![
        "claimcheck check TOKEN_FILE --rules kubernetes:AUTHENTICATION_CONFIG.yaml   (the file given to the API server's --authentication-config)".to_owned(),
    ]
}

fn k8s_logs(_: &Named) -> Vec<String> {
    vec![
        "kubectl logs -n kube-system -l component=kube-apiserver --tail=500 | grep -i -E 'oidc|authenticat'   (or the API server's journal: the reason is only logged there)".to_owned(),
        "claimcheck check TOKEN_FILE --rules kubernetes:AUTHENTICATION_CONFIG.yaml".to_owned(),
    ]
}

pub(super) const RECOGNISERS: &[Recogniser] = &[
    // ---- AWS STS and aws-actions/configure-aws-credentials ----
    Recogniser {
        id: "aws.no_oidc_provider",
        system: System::Aws,
        title: "InvalidIdentityToken: no OpenID Connect provider for the token's issuer",
        pattern: r"No OpenIDConnect provider found in your account for (?P<iss>[^\s'`]+?)['`]?(?:\s|$)",
        step: "STS looks up the IAM OIDC provider by the token's iss, before any trust policy",
        look_at: "the token's iss against the IAM OIDC providers of the role's account",
        causes: &[
            "the role is in an account that has no OIDC provider for this issuer (another account, or never created)",
            "the provider URL differs from iss: a trailing slash, a GitHub Enterprise issuer (…/ENTERPRISE_SLUG), a GHES host",
            "the role ARN points at the wrong account",
        ],
        next: aws_provider,
        source: AWS_OIDC_DOC,
    },
    Recogniser {
        id: "aws.incorrect_audience",
        system: System::Aws,
        title: "InvalidIdentityToken: incorrect token audience",
        pattern: r"Incorrect token audience",
        step: "STS compares the token's aud (azp when present) with the OIDC provider's client IDs",
        look_at: "aud (and azp) against the provider's client ID list",
        causes: &[
            "the token was requested for another audience than the provider lists (configure-aws-credentials asks for sts.amazonaws.com unless `audience:` says otherwise)",
            "a typo in the provider's client ID (sts.amazon.com)",
            "the token has azp, which STS uses instead of aud",
        ],
        next: aws_provider,
        source: AWS_OIDC_DOC,
    },
    Recogniser {
        id: "aws.thumbprint",
        system: System::Aws,
        title: "InvalidIdentityToken: the provider's certificate does not match the thumbprint",
        pattern: r"OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint",
        step: "STS fetches the issuer's keys over TLS and pins the certificate to the provider's thumbprints",
        look_at: "the IAM OIDC provider's thumbprint list",
        causes: &[
            "the issuer's certificate chain changed and the provider's thumbprint is stale",
            "the thumbprint was computed from the wrong certificate of the chain",
        ],
        next: aws_keys,
        source: AWS_OIDC_DOC,
    },
    Recogniser {
        id: "aws.no_verification_key",
        system: System::Aws,
        title: "InvalidIdentityToken: STS could not retrieve the verification key",
        pattern: r"Couldn't retrieve verification key from your identity provider",
        step: "STS fetches the issuer's discovery document and key set to verify the signature",
        look_at: "the issuer's /.well-known/openid-configuration and jwks_uri, and the token's kid",
        causes: &[
            "the discovery document or key set is not reachable from the internet, or too slow",
            "the token's kid is not in the key set (keys rotated, or the wrong issuer)",
            "the key set is served with a certificate STS does not trust",
        ],
        next: aws_keys,
        source: AWS_STS_API,
    },
    Recogniser {
        id: "aws.token_too_long",
        system: System::Aws,
        title: "ValidationError: the web identity token is too long",
        pattern: r"(?i)webIdentityToken'? failed to satisfy constraint: Member must have length less than or equal to (?P<limit>\d+)",
        step: "STS validates the request parameters before anything else",
        look_at: "the token's length (STS takes at most 20 000 characters)",
        causes: &[
            "the issuer puts many claims (groups, custom claims) in the token",
            "something other than the token was passed (a whole JSON response)",
        ],
        next: aws_decode,
        source: AWS_STS_API,
    },
    Recogniser {
        id: "aws.expired",
        system: System::Aws,
        title: "ExpiredTokenException: the web identity token has expired",
        pattern: r"ExpiredTokenException|Token expired: current date/time",
        step: "STS checks the token's exp after verifying it",
        look_at: "exp (and the clock of the machine that fetched the token)",
        causes: &[
            "the token was fetched long before it was used (cached, or a long job between fetch and use)",
            "a projected or cached token file was not refreshed",
            "the issuer's clock or lifetime is short",
        ],
        next: aws_decode,
        source: AWS_STS_API,
    },
    Recogniser {
        id: "aws.idp_rejected_claim",
        system: System::Aws,
        title: "IDPRejectedClaim: the identity provider rejected the claim",
        pattern: r"IDPRejectedClaim",
        step: "STS asked the identity provider, which rejected the token",
        look_at: "the token's claims as the identity provider sees them (often exp or a revoked session)",
        causes: &[
            "the token is expired or revoked at the identity provider",
            "the identity provider refuses tokens for this client",
        ],
        next: aws_decode,
        source: AWS_STS_API,
    },
    Recogniser {
        id: "aws.idp_communication",
        system: System::Aws,
        title: "IDPCommunicationError: STS could not reach the identity provider",
        pattern: r"IDPCommunicationError",
        step: "STS contacts the issuer to fetch its keys",
        look_at: "the issuer's discovery document and key set URL",
        causes: &[
            "the issuer was briefly unavailable: retry (the action retries by itself)",
            "the issuer is not reachable from the internet",
        ],
        next: aws_keys,
        source: AWS_STS_API,
    },
    Recogniser {
        id: "aws.access_denied",
        system: System::Aws,
        title: "AccessDenied: the role's trust policy does not admit the token",
        pattern: r"Not authorized to perform:? sts:AssumeRoleWithWebIdentity|AccessDenied\W.*AssumeRoleWithWebIdentity",
        step: "STS evaluates the role's trust policy (and any explicit Deny or resource control policy) against the token's claims",
        look_at: "the trust policy's Condition on sub and aud (the error never says which condition failed)",
        causes: &[
            "sub does not match: an environment job (…:environment:NAME), a pull request (…:pull_request), another branch or tag, or an immutable subject (repo:OWNER@ID/REPO@ID…)",
            "aud does not match the policy's :aud condition",
            "a condition on a claim AWS does not expose (repository_owner, workflow_ref…): always false",
            "the Principal.Federated provider ARN names another provider or account",
            "the role ARN names another role than the one whose policy was edited",
        ],
        next: aws_policy_check,
        source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html",
    },
    Recogniser {
        id: "aws.no_id_token_permission",
        system: System::Aws,
        title: "configure-aws-credentials: no OIDC token could be requested",
        pattern: r"Did you mean to set the .id-token. permission|Could not load credentials from any providers",
        step: "GitHub Actions did not give the job an OIDC token, so no request reached AWS",
        look_at: "the job's permissions (id-token: write)",
        causes: &[
            "the job or workflow lacks `permissions: id-token: write`",
            "the workflow runs from a fork's pull request, which gets no OIDC token",
        ],
        next: github_permission,
        source: AWS_ACTION,
    },
    Recogniser {
        id: "aws.invalid_identity_token",
        system: System::Aws,
        title: "InvalidIdentityToken",
        pattern: r"InvalidIdentityToken",
        step: "STS refused the token itself before evaluating any trust policy",
        look_at: "the token's iss, aud, signature and kid",
        causes: &[
            "the issuer has no IAM OIDC provider in the account",
            "the audience is not one of the provider's client IDs",
            "the signature or key could not be verified",
        ],
        next: aws_provider,
        source: AWS_STS_API,
    },
    Recogniser {
        id: "aws.action_failed",
        system: System::Aws,
        title: "configure-aws-credentials could not assume the role",
        pattern: r"Could not assume role with OIDC:?\s*(?P<msg>.*)$",
        step: "AssumeRoleWithWebIdentity failed; the reason follows the action's wording",
        look_at: "the message after \"Could not assume role with OIDC:\"",
        causes: &[
            "the role ARN input is malformed or empty (an unset variable)",
            "the trust policy or provider refused the token (see the message)",
        ],
        next: aws_policy_check,
        source: AWS_ACTION,
    },
    // ---- Microsoft Entra ----
    Recogniser {
        id: "entra.case_only_mismatch",
        system: System::Entra,
        title: "AADSTS7002138: the subject matches only when case is ignored",
        pattern: r"AADSTS7002138\b",
        step: "Entra compares issuer, subject and audience with each federated credential, case-sensitively",
        look_at: "the credential's subject against the token's sub, letter by letter",
        causes: &[
            "the organization, repository or environment name differs in case between the credential and GitHub",
        ],
        next: entra_check,
        source: ENTRA_DOC,
    },
    Recogniser {
        id: "entra.no_record_issuer",
        system: System::Entra,
        title: "AADSTS700211: no federated credential for the token's issuer",
        pattern: r"AADSTS700211\b(?:.*?issuer '(?P<iss>[^']*)')?",
        step: "Entra looks for a federated credential of the application with the token's iss",
        look_at: "the credential's issuer against iss (exact, trailing slash included)",
        causes: &[
            "the credential's issuer has a typo, a trailing slash, or is another issuer (GitHub Enterprise's …/ENTERPRISE_SLUG)",
            "the credential is on another application or managed identity than the client ID used",
        ],
        next: entra_check,
        source: ENTRA_CODES,
    },
    Recogniser {
        id: "entra.no_record_audience",
        system: System::Entra,
        title: "AADSTS700212: no federated credential for the token's audience",
        pattern: r"AADSTS700212\b(?:.*?audience '(?P<aud>[^']*)')?",
        step: "Entra compares the token's aud with the credential's single audience",
        look_at: "aud against the credential's audience (normally api://AzureADTokenExchange)",
        causes: &[
            "the token was requested for another audience (Azure/login `audience:` input)",
            "the credential's audience was changed from api://AzureADTokenExchange",
        ],
        next: entra_check,
        source: ENTRA_CODES,
    },
    Recogniser {
        id: "entra.no_record_subject",
        system: System::Entra,
        title: "AADSTS700213: no federated credential for the token's subject",
        pattern: r"AADSTS700213\b(?:.*?subject '(?P<sub>[^']*)')?",
        step: "Entra compares the token's sub with each credential's subject (exact, no wildcards)",
        look_at: "the credential's subject (or flexible claims-matching expression) against sub",
        causes: &[
            "the job's sub differs: an environment job (…:environment:NAME), a pull request, a tag, another branch",
            "the credential uses a wildcard (`*` is literal in a subject; a flexible credential's expression is needed)",
            "the portal wrote an immutable subject (repo:OWNER@ID/REPO@ID…) the repository's tokens do not carry, or the other way round",
            "a flexible credential's expression does not match (claims['sub'] matches '…')",
        ],
        next: entra_check,
        source: ENTRA_CODES,
    },
    Recogniser {
        id: "entra.assertion_time",
        system: System::Entra,
        title: "AADSTS700024: the token is not within its valid time range",
        pattern: r"AADSTS700024\b",
        step: "Entra checks the assertion's nbf and exp",
        look_at: "exp and nbf of the token (the error prints the current time and the token's window)",
        causes: &[
            "the token was fetched long before use, or a projected token file was not refreshed",
            "clock skew on the machine that minted the token",
        ],
        next: entra_decode,
        source: ENTRA_CODES,
    },
    Recogniser {
        id: "entra.no_record",
        system: System::Entra,
        title: "AADSTS70021: no matching federated identity record",
        pattern: r"AADSTS70021\b(?:.*?Assertion Issuer: '(?P<iss>[^']*)')?(?:.*?Assertion Subject: '(?P<sub>[^']*)')?(?:.*?Assertion Audience: '(?P<aud>[^']*)')?",
        step: "Entra found no federated credential whose issuer, subject and audience all equal the token's",
        look_at: "the credential's issuer, subject and audience against the Assertion values the error prints",
        causes: &[
            "the subject differs (environment, pull request, tag or branch jobs have different subjects)",
            "the credential was created moments ago and has not propagated yet: retry in a minute",
            "the issuer or audience differs (trailing slash, another audience)",
            "the client ID names another application or managed identity",
        ],
        next: entra_check,
        source: ENTRA_DOC,
    },
    Recogniser {
        id: "entra.federation_other",
        system: System::Entra,
        title: "AADSTS7002xx: a workload identity federation error",
        pattern: r"AADSTS7002\d+\b",
        step: "Entra's federated credential matching refused the token",
        look_at: "the application's federated credentials (issuer, subject or claims-matching expression, audience)",
        causes: &[
            "a flexible credential's claims-matching expression does not match, or names a claim the issuer does not allow",
            "the issuer, subject or audience differs from every credential",
        ],
        next: entra_check,
        source: ENTRA_CODES,
    },
    // ---- GCP STS, IAM and google-github-actions/auth ----
    Recogniser {
        id: "gcp.audience_mismatch",
        system: System::Gcp,
        title: "invalid_grant: the token's audience is not the provider's",
        pattern: r"The audience in ID Token \[(?P<aud>[^\]]*)\] does not match the expected audience(?:s)?\.?\s*(?P<expected>[^\s\x22,]*)",
        step: "Google STS compares aud with the provider's allowed audiences (by default its full resource name)",
        look_at: "aud against allowed_audiences, or https://iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER",
        causes: &[
            "the audience uses the project ID where the project number is required",
            "allowed_audiences is set and does not list the requested audience",
            "the token was requested for another provider or pool",
        ],
        next: gcp_check,
        source: GCP_AUTH_TROUBLESHOOTING,
    },
    Recogniser {
        id: "gcp.attribute_condition",
        system: System::Gcp,
        title: "unauthorized_client: the attribute condition rejected the credential",
        pattern: r"The given credential is rejected by the attribute condition",
        step: "Google STS evaluated the provider's attribute condition (CEL) on the token and got false",
        look_at: "the provider's attribute_condition and the claims it reads (assertion.repository, assertion.ref…)",
        causes: &[
            "the condition names another repository, owner, branch or environment (GitHub names are case-sensitive here)",
            "the condition reads a claim the token does not have (an error, which rejects)",
            "a placeholder value was left in the condition",
        ],
        next: gcp_check,
        source: GCP_WIF_DOC,
    },
    Recogniser {
        id: "gcp.issuer_mismatch",
        system: System::Gcp,
        title: "invalid_grant: the token's issuer is not the provider's",
        pattern: r"The issuer in ID Token (?P<iss>\S+) does not match the expected ones?:?\s*(?P<expected>[^\s\x22,]*)",
        step: "Google STS compares iss with the provider's issuer_uri",
        look_at: "issuer_uri of the provider against iss",
        causes: &[
            "the provider's issuer_uri is for another issuer (GitHub Enterprise's unique issuer, a trailing slash)",
            "the token comes from another CI system than the provider was made for",
        ],
        next: gcp_check,
        source: GCP_AUTH_TROUBLESHOOTING,
    },
    Recogniser {
        id: "gcp.subject_too_long",
        system: System::Gcp,
        title: "the mapped google.subject is longer than 127 bytes",
        pattern: r"The size of mapped attribute (?:google\.subject )?exceeds the 127 bytes limit",
        step: "Google STS applies the attribute mapping; google.subject may be at most 127 bytes",
        look_at: "attribute_mapping's google.subject expression",
        causes: &[
            "google.subject maps a long claim (GitHub's sub with an environment, job_workflow_ref)",
        ],
        next: gcp_check,
        source: GCP_AUTH_TROUBLESHOOTING,
    },
    Recogniser {
        id: "gcp.token_time",
        system: System::Gcp,
        title: "invalid_grant: the token is expired, stale or not yet valid",
        pattern: r"ID Token issued at (?P<iat>\d+) is stale to sign-in|(?i:invalid_grant.*\b(?:expired|not yet valid|in the future)\b)",
        step: "Google STS checks the token's iat and exp",
        look_at: "iat and exp (and the clock where the token was minted)",
        causes: &[
            "the token was fetched long before it was exchanged, or a cached token file was not refreshed",
            "clock skew where the token was minted",
        ],
        next: gcp_decode,
        source: GCP_WIF_DOC,
    },
    Recogniser {
        id: "gcp.invalid_audience_parameter",
        system: System::Gcp,
        title: "invalid_request: the audience parameter is not a provider's resource name",
        pattern: r#"Invalid value for "audience"|Invalid value for \\"audience\\""#,
        step: "Google STS parses the requested audience (the workload identity provider) before reading the token",
        look_at: "the action's workload_identity_provider input",
        causes: &[
            "the provider name is incomplete (an unset variable leaves projects//locations/…)",
            "the project ID was used where the project number belongs",
        ],
        next: gcp_list,
        source: GCP_AUTH_TROUBLESHOOTING,
    },
    Recogniser {
        id: "gcp.invalid_target",
        system: System::Gcp,
        title: "invalid_target: the pool or provider does not exist or is disabled",
        pattern: r"invalid_target|The target service indicated by the .audience. parameters is invalid",
        step: "Google STS looks up the pool and provider named by the audience",
        look_at: "the workload identity provider's full name (project number, pool, provider) and its state",
        causes: &[
            "the pool or provider is deleted or disabled (deleted ones linger 30 days and block the name)",
            "the project ID was used where the project number belongs, or a name has a typo",
            "the provider was just created and has not propagated",
        ],
        next: gcp_list,
        source: GCP_AUTH_TROUBLESHOOTING,
    },
    Recogniser {
        id: "gcp.get_access_token_denied",
        system: System::Gcp,
        title: "IAM: permission iam.serviceAccounts.getAccessToken denied (the binding, not the provider)",
        pattern: r"Permission '?iam\.serviceAccounts\.getAccessToken'? denied",
        step: "the federated token was issued (the provider admitted the token); impersonating the service account was refused",
        look_at: "the service account's roles/iam.workloadIdentityUser binding and its principal:// or principalSet:// member",
        causes: &[
            "no binding of roles/iam.workloadIdentityUser for the token's principal (subject or attribute) on this service account",
            "the member names an attribute the provider's mapping does not set (attribute.repository without the mapping)",
            "the member uses the project ID instead of the project number, or another pool",
            "the IAM Service Account Credentials API is disabled in the project",
        ],
        next: gcp_binding,
        source: GCP_AUTH_TROUBLESHOOTING,
    },
    Recogniser {
        id: "gcp.no_token_env",
        system: System::Gcp,
        title: "google-github-actions/auth: GitHub did not give the job an OIDC token",
        pattern: r"did not inject \$ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        step: "GitHub Actions did not give the job an OIDC token, so nothing reached Google",
        look_at: "the job's permissions (id-token: write)",
        causes: &[
            "the job or workflow lacks `permissions: id-token: write`",
            "the workflow runs from a fork's pull request",
        ],
        next: github_permission,
        source: GCP_AUTH_TROUBLESHOOTING,
    },
    Recogniser {
        id: "gcp.invalid_grant",
        system: System::Gcp,
        title: "invalid_grant from Google STS",
        pattern: r#"["\s]invalid_grant["\s]"#,
        step: "Google STS refused the token exchange",
        look_at: "the error_description that follows, and the provider's issuer, audiences and condition",
        causes: &[
            "the audience or issuer does not match the provider",
            "the token is expired",
        ],
        next: gcp_check,
        source: GCP_WIF_DOC,
    },
    Recogniser {
        id: "gcp.action_failed",
        system: System::Gcp,
        title: "google-github-actions/auth failed",
        pattern: r"google-github-actions/auth failed with:?\s*(?P<msg>.*)$",
        step: "the action's token exchange or impersonation failed; the reason follows its wording",
        look_at: "the message after \"failed with:\"",
        causes: &[
            "the workload identity provider name is wrong (see the message)",
            "the provider refused the token, or impersonation was denied",
        ],
        next: gcp_check,
        source: GCP_AUTH_TROUBLESHOOTING,
    },
    // ---- Vault JWT auth and hashicorp/vault-action ----
    Recogniser {
        id: "vault.no_audiences_bound",
        system: System::Vault,
        title: "audience claim found in JWT but no audiences bound to the role",
        pattern: r"audience claim found in JWT but no audiences bound to the role",
        step: "Vault's JWT login: a token with aud needs the role to set bound_audiences",
        look_at: "the role's bound_audiences",
        causes: &[
            "the role has no bound_audiences while the token carries aud (every GitHub token does)",
        ],
        next: vault_check,
        source: VAULT_LOGIN,
    },
    Recogniser {
        id: "vault.audience",
        system: System::Vault,
        title: "error validating token: invalid audience (aud) claim",
        pattern: r"invalid audience \(aud\) claim",
        step: "Vault's JWT login validates aud against the role's bound_audiences",
        look_at: "aud against bound_audiences",
        causes: &[
            "the token was requested with another audience (vault-action's `jwtGithubAudience:` input; GitHub's default is https://github.com/OWNER)",
            "bound_audiences has a typo or another value",
        ],
        next: vault_check,
        source: VAULT_LOGIN,
    },
    Recogniser {
        id: "vault.issuer",
        system: System::Vault,
        title: "error validating token: invalid issuer (iss) claim",
        pattern: r"invalid issuer \(iss\) claim",
        step: "Vault's JWT login validates iss against the mount's bound_issuer",
        look_at: "bound_issuer of auth/MOUNT/config against iss",
        causes: &["bound_issuer names another issuer, or differs by a trailing slash"],
        next: vault_check,
        source: VAULT_LOGIN,
    },
    Recogniser {
        id: "vault.subject",
        system: System::Vault,
        title: "error validating token: invalid subject (sub) claim",
        pattern: r"invalid subject \(sub\) claim",
        step: "Vault's JWT login validates sub against the role's bound_subject (exact)",
        look_at: "bound_subject against sub",
        causes: &[
            "the job's sub differs (environment, pull request, another branch)",
            "bound_subject uses a wildcard: it is exact; use bound_claims with bound_claims_type=glob",
        ],
        next: vault_check,
        source: VAULT_LOGIN,
    },
    Recogniser {
        id: "vault.algorithm",
        system: System::Vault,
        title: "error validating token: unexpected signing algorithm",
        pattern: r"invalid algorithm \(alg\) header parameter",
        step: "Vault's JWT login checks the header's alg against jwt_supported_algs",
        look_at: "the token header's alg and the mount's jwt_supported_algs",
        causes: &["the mount's jwt_supported_algs does not list the issuer's algorithm"],
        next: vault_check,
        source: VAULT_LOGIN,
    },
    Recogniser {
        id: "vault.signature",
        system: System::Vault,
        title: "error validating token: the signature could not be verified",
        pattern: r"error verifying token signature",
        step: "Vault's JWT login verifies the signature with the mount's keys (oidc_discovery_url, jwks_url or jwt_validation_pubkeys)",
        look_at: "the mount's key configuration and the token's kid",
        causes: &[
            "the mount is configured for another issuer's keys",
            "the issuer rotated keys and the mount has static public keys",
        ],
        next: vault_decode,
        source: VAULT_LOGIN,
    },
    Recogniser {
        id: "vault.expired",
        system: System::Vault,
        title: "error validating token: the token is expired",
        pattern: r"invalid expiration time \(exp\) claim: token is expired",
        step: "Vault's JWT login checks exp with clock_skew_leeway (60 s by default)",
        look_at: "exp, and the role's clock_skew_leeway",
        causes: &[
            "the token was fetched long before the login, or a token file was not refreshed",
            "clock skew between the issuer and Vault",
        ],
        next: vault_decode,
        source: VAULT_LOGIN,
    },
    Recogniser {
        id: "vault.not_yet_valid",
        system: System::Vault,
        title: "error validating token: the token is not yet valid",
        pattern: r"invalid not before \(nbf\) claim|invalid issued at \(iat\) claim",
        step: "Vault's JWT login checks nbf and iat with clock_skew_leeway",
        look_at: "nbf and iat against Vault's clock",
        causes: &["Vault's clock is behind the issuer's by more than clock_skew_leeway"],
        next: vault_decode,
        source: VAULT_LOGIN,
    },
    Recogniser {
        id: "vault.no_time_claims",
        system: System::Vault,
        title: "the token has no iat, nbf or exp",
        pattern: r"no issued at \(iat\), not before \(nbf\), or expiration time \(exp\) claims in token",
        step: "Vault's JWT login requires at least one time claim",
        look_at: "iat, nbf, exp",
        causes: &["the issuer mints tokens without any time claim"],
        next: vault_decode,
        source: VAULT_LOGIN,
    },
    Recogniser {
        id: "vault.bound_claim_mismatch",
        system: System::Vault,
        title: "bound claims: a claim does not match the role's values",
        pattern: r#"claim "(?P<claim>[^"]+)" does not match any associated bound claim values"#,
        step: "Vault's JWT login compares the role's bound_claims with the token (every key must match one value)",
        look_at: "bound_claims and bound_claims_type of the role, for the claim the error names",
        causes: &[
            "the claim's value differs (another branch, environment, or a pull request's ref)",
            "a `*` pattern without bound_claims_type=glob is compared literally",
            "a value of another type: true is not \"true\", 42 is not \"42\"",
        ],
        next: vault_check,
        source: VAULT_LOGIN,
    },
    Recogniser {
        id: "vault.bound_claim_missing",
        system: System::Vault,
        title: "bound claims: a claim the role requires is missing",
        pattern: r#"claim "(?P<claim>[^"]+)" is missing"#,
        step: "Vault's JWT login looks up each bound_claims key in the token",
        look_at: "the bound_claims key the error names (a key starting with / is a JSON pointer)",
        causes: &[
            "the token does not carry the claim (environment is only present for environment jobs)",
            "the key is a nested claim written without a JSON pointer, or with a wrong one",
        ],
        next: vault_check,
        source: VAULT_LOGIN,
    },
    Recogniser {
        id: "vault.user_claim",
        system: System::Vault,
        title: "the role's user_claim is missing or not a string",
        pattern: r#"claim "(?P<claim>[^"]+)" (?:not found in token|could not be converted to string)"#,
        step: "Vault's JWT login reads user_claim to name the entity alias",
        look_at: "the role's user_claim",
        causes: &["user_claim names a claim the token lacks, or a non-string claim"],
        next: vault_check,
        source: VAULT_LOGIN,
    },
    Recogniser {
        id: "vault.role_not_found",
        system: System::Vault,
        title: "the role does not exist",
        pattern: r#"role "(?P<role>[^"]+)" could not be found"#,
        step: "Vault's JWT login resolves the role before reading the token",
        look_at: "the role name and the auth mount path",
        causes: &[
            "a typo in the role name, or the role is on another mount or namespace",
            "the action logs in to the default path (auth/jwt) while the role is on another mount",
        ],
        next: vault_roles,
        source: VAULT_LOGIN,
    },
    Recogniser {
        id: "vault.role_type",
        system: System::Vault,
        title: "the role is an OIDC role, not a JWT role",
        pattern: r"role with oidc role_type is not allowed",
        step: "Vault's JWT login needs role_type=jwt",
        look_at: "the role's role_type (it defaults to oidc)",
        causes: &["the role was written without role_type=jwt"],
        next: vault_check,
        source: VAULT_LOGIN,
    },
    Recogniser {
        id: "vault.permission_denied",
        system: System::Vault,
        title: "vault-action: permission denied on login",
        pattern: r#"failed to retrieve vault token.*permission denied"#,
        step: "Vault refused the login request before the JWT auth method ran",
        look_at: "the action's `path:` (the auth mount) and `namespace:` inputs",
        causes: &[
            "nothing is mounted at the path the action posts to (auth/jwt by default)",
            "the mount is in another namespace",
        ],
        next: vault_roles,
        source: VAULT_ACTION,
    },
    Recogniser {
        id: "vault.error_validating",
        system: System::Vault,
        title: "error validating token",
        pattern: r"error validating (?:token|claims):?\s*(?P<msg>.*)$",
        step: "Vault's JWT login refused the token",
        look_at: "the text after \"error validating\"",
        causes: &["see the message: a claim, audience, issuer or time check failed"],
        next: vault_check,
        source: VAULT_LOGIN,
    },
    Recogniser {
        id: "vault.action_failed",
        system: System::Vault,
        title: "vault-action could not log in",
        pattern: r"failed to retrieve vault token\.?\s*(?P<msg>.*)$",
        step: "the login request failed; Vault's reason is in vaultResponse",
        look_at: "vaultResponse's errors",
        causes: &[
            "the role, audience or claims do not match (see vaultResponse)",
            "the mount path or namespace is wrong",
        ],
        next: vault_check,
        source: VAULT_ACTION,
    },
    // ---- Kubernetes API server OIDC authenticator ----
    Recogniser {
        id: "kubernetes.audience",
        system: System::Kubernetes,
        title: "oidc: the token's audience is not in the configured audiences",
        pattern: r"oidc: expected audience in (?P<expected>\[[^\]]*\]) got (?P<aud>\[[^\]]*\])",
        step: "the API server's JWT authenticator compares aud with jwt[].issuer.audiences",
        look_at: "issuer.audiences (and audienceMatchPolicy) against aud",
        causes: &[
            "the token was minted for another client or audience",
            "the AuthenticationConfiguration lists another audience",
        ],
        next: k8s_check,
        source: K8S_OIDC,
    },
    Recogniser {
        id: "kubernetes.issuer",
        system: System::Kubernetes,
        title: "oidc: the token was issued by another provider",
        pattern: r#"oidc: id token issued by a different provider, expected "(?P<expected>[^"]*)" got "(?P<iss>[^"]*)""#,
        step: "the authenticator compares iss with issuer.url",
        look_at: "issuer.url against iss (exact)",
        causes: &["issuer.url differs from iss (trailing slash, another host)"],
        next: k8s_check,
        source: K8S_OIDC,
    },
    Recogniser {
        id: "kubernetes.claim_missing",
        system: System::Kubernetes,
        title: "oidc: a required claim is missing",
        pattern: r"oidc: required claim (?P<claim>\S+) not present in ID token",
        step: "the authenticator applies claimValidationRules (claim/requiredValue)",
        look_at: "the claimValidationRules entry for the claim the error names",
        causes: &["the token does not carry the claim the rule requires"],
        next: k8s_check,
        source: K8S_OIDC,
    },
    Recogniser {
        id: "kubernetes.claim_value",
        system: System::Kubernetes,
        title: "oidc: a required claim has another value",
        pattern: r"oidc: required claim (?P<claim>\S+) value does not match\. Got = (?P<got>.*?), want = (?P<expected>.*)$",
        step: "the authenticator applies claimValidationRules (claim/requiredValue, exact string)",
        look_at: "requiredValue of the rule for the claim the error names",
        causes: &["the claim's value differs from requiredValue (case, another domain)"],
        next: k8s_check,
        source: K8S_OIDC,
    },
    Recogniser {
        id: "kubernetes.claim_expression",
        system: System::Kubernetes,
        title: "oidc: a claim validation expression failed",
        pattern: r"oidc: error evaluating claim validation expression: (?:validation expression '(?P<expr>.*?)' failed: (?P<msg>.*)$)?",
        step: "the authenticator evaluates claimValidationRules expressions (CEL over claims)",
        look_at: "the expression the error quotes, and its message",
        causes: &[
            "the expression is false for this token",
            "the expression reads a claim the token lacks (an error: guard it with has())",
        ],
        next: k8s_check,
        source: K8S_OIDC,
    },
    Recogniser {
        id: "kubernetes.user_validation",
        system: System::Kubernetes,
        title: "oidc: a user validation rule failed",
        pattern: r"oidc: error evaluating user info validation rule: (?:validation expression '(?P<expr>.*?)' failed: (?P<msg>.*)$)?",
        step: "the authenticator evaluates userValidationRules (CEL over the mapped user) after the claim mappings",
        look_at: "the userValidationRules expression the error quotes, and claimMappings.username / groups",
        causes: &[
            "the mapped username or groups break the rule (a reserved system: prefix)",
            "the claim mapping produces another username than intended (prefix)",
        ],
        next: k8s_check,
        source: K8S_OIDC,
    },
    Recogniser {
        id: "kubernetes.cel_error",
        system: System::Kubernetes,
        title: "oidc: an expression could not be evaluated",
        pattern: r"expression '(?P<expr>.*?)' resulted in error: (?P<msg>.*)$",
        step: "the authenticator evaluates a CEL expression of the AuthenticationConfiguration",
        look_at: "the expression the error quotes",
        causes: &[
            "the expression reads a claim the token lacks (no such key): guard it with has() or claims.?name.orValue(…)",
        ],
        next: k8s_check,
        source: K8S_OIDC,
    },
    Recogniser {
        id: "kubernetes.expired",
        system: System::Kubernetes,
        title: "oidc: the token is expired",
        pattern: r"oidc: token is expired",
        step: "the authenticator checks exp (no leeway)",
        look_at: "exp",
        causes: &[
            "the kubeconfig's cached token was not refreshed",
            "clock skew",
        ],
        next: k8s_check,
        source: K8S_OIDC,
    },
    Recogniser {
        id: "kubernetes.email_not_verified",
        system: System::Kubernetes,
        title: "oidc: email not verified",
        pattern: r"oidc: email not verified",
        step: "the username mapping uses email, which needs email_verified true when present",
        look_at: "claimMappings.username and the token's email_verified",
        causes: &["the identity provider marks the address unverified"],
        next: k8s_check,
        source: K8S_OIDC,
    },
    Recogniser {
        id: "kubernetes.unauthorized",
        system: System::Kubernetes,
        title: "Unauthorized: the API server did not authenticate the token",
        pattern: r#"You must be logged in to the server \(Unauthorized\)|"reason":\s*"Unauthorized"|^(?:error: )?Unauthorized$"#,
        step: "no authenticator accepted the token; the API server says why only in its own log",
        look_at: "the API server's log around the request (Unable to authenticate the request)",
        causes: &[
            "the token's iss matches no jwt[].issuer.url (that authenticator skips it silently)",
            "aud, a claim validation rule or the expiry refused it (the log names which)",
            "the token is expired in the kubeconfig's cache",
        ],
        next: k8s_logs,
        source: K8S_DOC,
    },
];
