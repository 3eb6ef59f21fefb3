//! One table per system: each message as the service (or the CI action around it) prints it,
//! with where that text comes from, and the finding it must give.

use super::*;

/// `(source of the text, input, expected id, named values that must be found)`.
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

fn run_table(rows: &[Row]) {
    for (source, input, id, named) in rows {
        let explanation = explain(input, &Limits::default());
        let first = explanation
            .findings
            .first()
            .unwrap_or_else(|| panic!("not recognised ({source}): {input}"));
        assert_eq!(first.id, *id, "({source}) {input}");
        assert_eq!(
            explanation.findings.len(),
            1,
            "({source}) {input}: {explanation:#?}"
        );
        for (key, value) in *named {
            assert_eq!(
                first.named.get(key),
                Some(*value),
                "({source}) {key} in {input}"
            );
        }
        assert!(!first.causes.is_empty() && !first.next.is_empty(), "{id}");
        assert!(
            first.source.starts_with("https://"),
            "{id} names its source"
        );
    }
}

const AWS_ROWS: &[Row] = &[
    // AWS CLI wording of STS's error; the role ARN comes from the action's input echoed in the log.
    (
        "aws-actions/configure-aws-credentials#318",
        "Run aws-actions/configure-aws-credentials@v4\n  with:\n    role-to-assume: arn:aws:iam::111122223333:role/deploy\n    aws-region: eu-west-1\nError: Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity",
        "aws.access_denied",
        &[("role_arn", "arn:aws:iam::111122223333:role/deploy")],
    ),
    (
        "AWS CLI output for STS AccessDenied",
        "An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity",
        "aws.access_denied",
        &[],
    ),
    // The action's wording split over two lines, as several reports quote it.
    (
        "public reports of configure-aws-credentials failures",
        "Error: Could not assume role with OIDC:\nNot authorized to perform sts:AssumeRoleWithWebIdentity",
        "aws.access_denied",
        &[],
    ),
    (
        "aws-actions/configure-aws-credentials#721",
        "Error: Could not assume role with OIDC: No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com",
        "aws.no_oidc_provider",
        &[("iss", "https://token.actions.githubusercontent.com")],
    ),
    (
        "aws-actions/configure-aws-credentials#775",
        "Error: Could not assume role with OIDC: Incorrect token audience",
        "aws.incorrect_audience",
        &[],
    ),
    (
        "aws-actions/configure-aws-credentials#356",
        "Error: Could not assume role with OIDC: OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint",
        "aws.thumbprint",
        &[],
    ),
    (
        "awslabs/aws-sdk-rust#827",
        "InvalidIdentityToken: Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
        "aws.no_verification_key",
        &[],
    ),
    (
        "STS API reference: WebIdentityToken length 4 to 20000",
        "An error occurred (ValidationError) when calling the AssumeRoleWithWebIdentity operation: 1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length less than or equal to 20000",
        "aws.token_too_long",
        &[("limit", "20000")],
    ),
    (
        "an SDK log of STS's ExpiredTokenException",
        "operation error STS: AssumeRoleWithWebIdentity, https response error StatusCode: 400, RequestID: b668e52a, ExpiredTokenException: Token expired: current date/time 1753382758 must be before the expiration date/time 1753089571",
        "aws.expired",
        &[],
    ),
    (
        "STS API reference: IDPRejectedClaim",
        "An error occurred (IDPRejectedClaim) when calling the AssumeRoleWithWebIdentity operation: Token is not valid",
        "aws.idp_rejected_claim",
        &[],
    ),
    (
        "STS API reference: IDPCommunicationError",
        "An error occurred (IDPCommunicationError) when calling the AssumeRoleWithWebIdentity operation: Couldn't connect",
        "aws.idp_communication",
        &[],
    ),
    // configure-aws-credentials src/index.ts prints the hint, then the SDK's failure.
    (
        "aws-actions/configure-aws-credentials src/index.ts",
        "It looks like you might be trying to authenticate with OIDC. Did you mean to set the `id-token` permission? If you are not trying to authenticate with OIDC and the action is working successfully, you can ignore this message.\nError: Credentials could not be loaded, please check your action inputs: Could not load credentials from any providers",
        "aws.no_id_token_permission",
        &[],
    ),
    (
        "a malformed role ARN input",
        "Error: Could not assume role with OIDC: Request ARN is invalid",
        "aws.action_failed",
        &[("msg", "Request ARN is invalid")],
    ),
];

#[test]
fn aws_sts_and_configure_aws_credentials() {
    run_table(AWS_ROWS);
}

#[test]
fn access_denied_next_command_names_the_role() {
    let explanation = explain(
        "role-to-assume: arn:aws:iam::111122223333:role/ci/deploy-prod\nError: Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity",
        &Limits::default(),
    );
    let finding = &explanation.findings[0];
    assert_eq!(
        finding.next[0],
        "claimcheck fetch --from github --audience sts.amazonaws.com | claimcheck check --rules <(aws iam get-role --role-name deploy-prod --output json)"
    );
    assert_eq!(
        finding.wrapper,
        Some("aws-actions/configure-aws-credentials")
    );
}

const ENTRA_ROWS: &[Row] = &[
    (
        "Azure/azure-workload-identity#616",
        "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: 'https://token.actions.githubusercontent.com'. Assertion Subject: 'repo:acme/app:environment:prod'. Assertion Audience: 'api://AzureADTokenExchange'.",
        "entra.no_record",
        &[
            ("iss", "https://token.actions.githubusercontent.com"),
            ("sub", "repo:acme/app:environment:prod"),
            ("aud", "api://AzureADTokenExchange"),
        ],
    ),
    (
        "Azure/azure-workload-identity#1200",
        "AADSTS700211: No matching federated identity record found for presented assertion issuer 'https://oidc.prod-aks.azure.com/abc/'.",
        "entra.no_record_issuer",
        &[("iss", "https://oidc.prod-aks.azure.com/abc/")],
    ),
    (
        "Entra error code reference (AADSTS700212)",
        "AADSTS700212: No matching federated identity record found for presented assertion audience 'https://github.com/acme'.",
        "entra.no_record_audience",
        &[("aud", "https://github.com/acme")],
    ),
    // Azure/login's wrapping, as in Azure/login#482.
    (
        "Azure/login#482",
        "Error: AADSTS700213: No matching federated identity record found for presented assertion subject 'repo:acme/app:ref:refs/tags/v2.0.6'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion.\nError: Login failed with Error: The process '/usr/bin/az' failed with exit code 1. Double check if the 'auth-type' is correct.",
        "entra.no_record_subject",
        &[("sub", "repo:acme/app:ref:refs/tags/v2.0.6")],
    ),
    (
        "Azure/login#517",
        "Error: AADSTS7002138: No matching federated identity record found for presented assertion subject 'repo:Acme/App:environment:Prod'. The subject matches with case-insensitive comparison, but not with case-sensitive comparison.",
        "entra.case_only_mismatch",
        &[],
    ),
    (
        "Azure/azure-sdk-for-rust#1739",
        r#"{"error":"invalid_client","error_description":"AADSTS700024: Client assertion is not within its valid time range. Current time: 2024-08-05T10:07:04.2542067Z, assertion valid from 2024-08-02T18:52:57.0000000Z, expiry time of assertion 2024-08-02T19:52:57.0000000Z."}"#,
        "entra.assertion_time",
        &[],
    ),
    (
        "Entra error code reference (AADSTS7002xx range)",
        "AADSTS700220: something about the federated identity credential",
        "entra.federation_other",
        &[],
    ),
];

#[test]
fn entra_aadsts_family() {
    run_table(ENTRA_ROWS);
}

#[test]
fn wrappers_before_or_after_the_message_are_named() {
    let cases = [
        (
            "Error: AADSTS700213: No matching federated identity record found for presented assertion subject 'repo:acme/app:pull_request'.\nError: Login failed with Error: The process '/usr/bin/az' failed with exit code 1.",
            "Azure/login",
        ),
        (
            "Error: google-github-actions/auth failed with: failed to generate Google Cloud federated token for //iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/v: {\"error\":\"invalid_target\"}",
            "google-github-actions/auth",
        ),
        (
            r#"Error: failed to retrieve vault token. code: ERR_NON_2XX_3XX_RESPONSE, message: Response code 400 (Bad Request), vaultResponse: {"errors":["role \"deploy\" could not be found"]}"#,
            "hashicorp/vault-action",
        ),
        (
            "error: You must be logged in to the server (Unauthorized)",
            "kubectl",
        ),
        (
            "An error occurred (ExpiredTokenException) when calling the AssumeRoleWithWebIdentity operation: Token expired: current date/time 2 must be before the expiration date/time 1",
            "AWS CLI",
        ),
    ];
    for (text, wrapper) in cases {
        let explanation = explain(text, &Limits::default());
        assert_eq!(explanation.findings[0].wrapper, Some(wrapper), "{text}");
    }
}

#[test]
fn azure_login_prints_the_token_details() {
    // Azure/login prints the federated token's issuer and subject before the exchange.
    let explanation = explain(
        "Federated token details:\n issuer - https://token.actions.githubusercontent.com\n subject claim - repo:acme/app:ref:refs/heads/main\nError: AADSTS700213: No matching federated identity record found for presented assertion subject 'repo:acme/app:ref:refs/heads/main'.",
        &Limits::default(),
    );
    let named = &explanation.findings[0].named;
    assert_eq!(
        named.get("iss"),
        Some("https://token.actions.githubusercontent.com")
    );
    assert_eq!(named.get("sub"), Some("repo:acme/app:ref:refs/heads/main"));
}

const GCP_ROWS: &[Row] = &[
    (
        "google-github-actions/auth reports (unauthorized_client)",
        r#"Error: google-github-actions/auth failed with: failed to generate Google Cloud federated token for //iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/github/providers/repo: {"error":"unauthorized_client","error_description":"The given credential is rejected by the attribute condition."}"#,
        "gcp.attribute_condition",
        &[(
            "provider",
            "projects/123456789/locations/global/workloadIdentityPools/github/providers/repo",
        )],
    ),
    (
        "cube-js/cube#11046",
        r#"{"error":"invalid_grant","error_description":"The audience in ID Token [https://github.com/acme] does not match the expected audience https://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/v."}"#,
        "gcp.audience_mismatch",
        &[("aud", "https://github.com/acme")],
    ),
    (
        "google-github-actions/auth TROUBLESHOOTING.md",
        r#"{"error":"invalid_grant","error_description":"The issuer in ID Token https://token.actions.githubusercontent.com/acme does not match the expected ones: https://token.actions.githubusercontent.com"}"#,
        "gcp.issuer_mismatch",
        &[("iss", "https://token.actions.githubusercontent.com/acme")],
    ),
    (
        "google-github-actions/auth#202",
        r#"failed to generate Google Cloud federated token for //iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/v: {"error":"invalid_target","error_description":"The target service indicated by the \"audience\" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn't exist."}"#,
        "gcp.invalid_target",
        &[],
    ),
    (
        "google-github-actions/auth#60",
        r#"{"error":"invalid_request","error_description":"Invalid value for \"audience\". This value should be the full resource name of the Identity Provider. See https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token for the list of possible formats."}"#,
        "gcp.invalid_audience_parameter",
        &[],
    ),
    (
        "google-github-actions/auth TROUBLESHOOTING.md (impersonation)",
        r#"Error: google-github-actions/auth failed with: failed to generate Google Cloud OAuth 2.0 Access Token for deploy@proj.iam.gserviceaccount.com: {"error":{"code":403,"message":"Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).","status":"PERMISSION_DENIED"}}"#,
        "gcp.get_access_token_denied",
        &[("service_account", "deploy@proj.iam.gserviceaccount.com")],
    ),
    (
        "pass-culture/pass-culture-main#22735",
        r#"{"error":"invalid_request","error_description":"The size of mapped attribute google.subject exceeds the 127 bytes limit. Either provide a shorter value"}"#,
        "gcp.subject_too_long",
        &[],
    ),
    (
        "googleapis/google-cloud-go#12440",
        r#"{"error":"invalid_grant","error_description":"ID Token issued at 1749625771 is stale to sign-in."}"#,
        "gcp.token_time",
        &[("iat", "1749625771")],
    ),
    (
        "google-github-actions/auth src (no OIDC token in the job)",
        "Error: google-github-actions/auth failed with: retry function failed after 4 attempts: gitHub Actions did not inject $ACTIONS_ID_TOKEN_REQUEST_TOKEN or $ACTIONS_ID_TOKEN_REQUEST_URL into this job. This most likely means the GitHub Actions workflow permissions are incorrect, or this job is being run from a fork.",
        "gcp.no_token_env",
        &[],
    ),
];

#[test]
fn gcp_sts_iam_and_the_auth_action() {
    run_table(GCP_ROWS);
}

#[test]
fn gcp_binding_command_names_the_service_account() {
    let explanation = explain(
        "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).\n  service_account: deploy@proj.iam.gserviceaccount.com\n  workload_identity_provider: projects/42/locations/global/workloadIdentityPools/gh/providers/repo",
        &Limits::default(),
    );
    let next = &explanation.findings[0].next;
    assert_eq!(
        next[0],
        "gcloud iam service-accounts get-iam-policy deploy@proj.iam.gserviceaccount.com --format=json"
    );
    assert!(next[1].contains("--workload-identity-pool=gh"), "{next:?}");
    assert!(
        next[1].contains("providers describe repo --project=42"),
        "{next:?}"
    );
}

const VAULT_ROWS: &[Row] = &[
    // hashicorp/vault-action's wording around Vault's error response.
    (
        "hashicorp/vault-action src/auth.js",
        r#"Error: failed to retrieve vault token. code: ERR_NON_2XX_3XX_RESPONSE, message: Response code 400 (Bad Request), vaultResponse: {"errors":["error validating claims: claim \"sub\" does not match any associated bound claim values"]}"#,
        "vault.bound_claim_mismatch",
        &[("claim", "sub")],
    ),
    (
        "vault-plugin-auth-jwt path_login.go",
        "error validating token: invalid audience (aud) claim: audience claim does not match any expected audience",
        "vault.audience",
        &[],
    ),
    (
        "vault-plugin-auth-jwt path_login.go",
        "audience claim found in JWT but no audiences bound to the role",
        "vault.no_audiences_bound",
        &[],
    ),
    (
        "vault-plugin-auth-jwt path_login.go",
        r#"role "deploy" could not be found"#,
        "vault.role_not_found",
        &[("role", "deploy")],
    ),
    (
        "vault-plugin-auth-jwt claims.go",
        r#"error validating claims: claim "environment" is missing"#,
        "vault.bound_claim_missing",
        &[("claim", "environment")],
    ),
    (
        "hashicorp/cap jwt/jwt.go",
        "error validating token: invalid expiration time (exp) claim: token is expired",
        "vault.expired",
        &[],
    ),
    (
        "hashicorp/cap jwt/jwt.go",
        "error validating token: invalid not before (nbf) claim: token not yet valid",
        "vault.not_yet_valid",
        &[],
    ),
    (
        "hashicorp/cap jwt/jwt.go",
        "error validating token: invalid issuer (iss) claim",
        "vault.issuer",
        &[],
    ),
    (
        "hashicorp/cap jwt/jwt.go",
        "error validating token: invalid subject (sub) claim",
        "vault.subject",
        &[],
    ),
    (
        "hashicorp/cap jwt/jwt.go",
        "error validating token: invalid algorithm (alg) header parameter: token signed with unexpected algorithm",
        "vault.algorithm",
        &[],
    ),
    (
        "hashicorp/cap jwt/jwt.go",
        "error validating token: error verifying token signature: no known key successfully validated the token signature",
        "vault.signature",
        &[],
    ),
    (
        "hashicorp/cap jwt/jwt.go",
        "error validating token: no issued at (iat), not before (nbf), or expiration time (exp) claims in token",
        "vault.no_time_claims",
        &[],
    ),
    (
        "vault-plugin-auth-jwt path_login.go",
        "role with oidc role_type is not allowed",
        "vault.role_type",
        &[],
    ),
    (
        "vault-plugin-auth-jwt path_login.go",
        r#"claim "email" not found in token"#,
        "vault.user_claim",
        &[("claim", "email")],
    ),
    (
        "hashicorp/vault-action with a wrong mount path",
        r#"failed to retrieve vault token. code: ERR_NON_2XX_3XX_RESPONSE, message: Response code 403 (Forbidden), vaultResponse: {"errors":["permission denied"]}"#,
        "vault.permission_denied",
        &[],
    ),
];

#[test]
fn vault_jwt_auth_and_vault_action() {
    run_table(VAULT_ROWS);
}

const KUBERNETES_ROWS: &[Row] = &[
    (
        "kubernetes oidc.go",
        r#"E0101 00:00:00.000000 1 authentication.go:73] "Unable to authenticate the request" err="[invalid bearer token, oidc: expected audience in [\"kubernetes\"] got [\"other\"]]""#,
        "kubernetes.audience",
        &[("expected", r#"["kubernetes"]"#), ("aud", r#"["other"]"#)],
    ),
    (
        "kubernetes oidc.go",
        "oidc: required claim hd not present in ID token",
        "kubernetes.claim_missing",
        &[("claim", "hd")],
    ),
    (
        "kubernetes oidc.go",
        "oidc: required claim hd value does not match. Got = example.org, want = example.com",
        "kubernetes.claim_value",
        &[
            ("claim", "hd"),
            ("got", "example.org"),
            ("expected", "example.com"),
        ],
    ),
    (
        "kubernetes oidc.go",
        "oidc: error evaluating claim validation expression: validation expression 'claims.hd == \"example.com\"' failed: hd must be example.com",
        "kubernetes.claim_expression",
        &[("msg", "hd must be example.com")],
    ),
    (
        "kubernetes oidc_test.go",
        "oidc: error evaluating user info validation rule: validation expression '!user.username.startsWith('system:')' failed: username cannot used reserved system: prefix",
        "kubernetes.user_validation",
        &[("expr", "!user.username.startsWith('system:')")],
    ),
    (
        "kubernetes oidc.go (CEL error)",
        "expression 'claims.hd == \"example.com\"' resulted in error: no such key: hd",
        "kubernetes.cel_error",
        &[("msg", "no such key: hd")],
    ),
    (
        "go-oidc verify.go",
        "oidc: token is expired (Token Expiry: 2026-01-01 00:00:00 +0000 UTC)",
        "kubernetes.expired",
        &[],
    ),
    (
        "go-oidc verify.go",
        r#"oidc: id token issued by a different provider, expected "https://issuer.example" got "https://issuer.example/""#,
        "kubernetes.issuer",
        &[("iss", "https://issuer.example/")],
    ),
    (
        "kubectl",
        "error: You must be logged in to the server (Unauthorized)",
        "kubernetes.unauthorized",
        &[],
    ),
    (
        "the API server's Status response",
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#,
        "kubernetes.unauthorized",
        &[],
    ),
];

#[test]
fn kubernetes_oidc_authenticator() {
    run_table(KUBERNETES_ROWS);
}

#[test]
fn unrelated_text_is_not_recognised_and_lists_what_is_known() {
    for text in [
        "",
        "hello world",
        "Error: Process completed with exit code 1.",
        "npm ERR! code E404",
        "AccessDenied when calling the PutObject operation",
        "not authorized",
    ] {
        let explanation = explain(text, &Limits::default());
        assert!(!explanation.recognised(), "{text:?}: {explanation:#?}");
        let lines = render(&explanation);
        assert!(lines[0].starts_with("not recognised"), "{lines:?}");
        assert!(
            lines.iter().any(|l| l.contains("AADSTS70021")),
            "lists what it knows"
        );
    }
}

#[test]
fn a_ci_log_is_cleaned_and_retries_are_counted_once() {
    let mut log = String::new();
    for i in 0..2000 {
        log.push_str(&format!(
            "2026-01-02T03:04:{:02}.1234567Z \u{1b}[36;1mnpm run build step {i}\u{1b}[0m\n",
            i % 60
        ));
        if i % 500 == 7 {
            log.push_str("2026-01-02T03:05:00.0000000Z ##[error]\u{1b}[31mCould not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity\u{1b}[0m\n");
        }
    }
    let explanation = explain(&log, &Limits::default());
    assert_eq!(explanation.findings.len(), 1, "{explanation:#?}");
    let finding = &explanation.findings[0];
    assert_eq!(finding.id, "aws.access_denied");
    assert_eq!(finding.occurrences, 4);
    assert_eq!(finding.line, 9);
    assert_eq!(
        finding.message,
        "Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity"
    );
}

/// A bracketed paste turns every newline into a carriage return: the log must still be read
/// line by line, with the same line numbers.
#[test]
fn a_pasted_log_with_carriage_returns_is_read_line_by_line() {
    let log = format!(
        "{}Error: Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity\r",
        "build output that is long enough to matter\r".repeat(200)
    );
    let explanation = explain(&log, &Limits::default());
    assert_eq!(explanation.lines, 201);
    assert_eq!(explanation.findings[0].id, "aws.access_denied");
    assert_eq!(explanation.findings[0].line, 201);
}

#[test]
fn a_long_line_is_shown_around_the_recognised_words() {
    let line = format!(
        "Error: google-github-actions/auth failed with: {} {{\"error\":\"unauthorized_client\",\"error_description\":\"The given credential is rejected by the attribute condition.\"}}",
        "x".repeat(400)
    );
    let message = &explain(&line, &Limits::default()).findings[0].message;
    assert!(message.starts_with('…'), "{message}");
    assert!(
        message.contains("The given credential is rejected by the attribute condition."),
        "{message}"
    );
    assert!(message.chars().count() <= 302, "{message}");
}

#[test]
fn cleaning_removes_escapes_and_markers() {
    assert_eq!(
        clean_line(
            "2026-01-02T03:04:05.1234567Z ##[error]\u{1b}[1;31mboom\u{1b}[0m\r",
            100
        ),
        "boom"
    );
    assert_eq!(clean_line("\u{1b}]0;title\u{7}text", 100), "text");
    assert_eq!(clean_line(r#"claim \"sub\""#, 100), r#"claim "sub""#);
    assert_eq!(clean_line("abcdef", 3), "abc");
}

#[test]
fn huge_input_is_cut_and_says_so() {
    let limits = Limits {
        max_bytes: 1000,
        ..Limits::default()
    };
    let text = format!("{}\nIncorrect token audience\n", "x".repeat(2000));
    let explanation = explain(&text, &limits);
    assert!(explanation.truncated);
    assert!(!explanation.recognised());
}

#[test]
fn every_pattern_is_reachable_by_its_own_table_row() {
    // Each recogniser has a row in one of the tables above; a new one without a row fails here.
    let tested: Vec<&str> = [
        AWS_ROWS,
        ENTRA_ROWS,
        GCP_ROWS,
        VAULT_ROWS,
        KUBERNETES_ROWS,
        GENERIC_ROWS,
    ]
    .iter()
    .flat_map(|table| table.iter().map(|(_, _, id, _)| *id))
    .collect();
    for recogniser in catalogue::RECOGNISERS {
        assert!(
            tested.contains(&recogniser.id),
            "{} has no table row",
            recogniser.id
        );
    }
}

const GENERIC_ROWS: &[Row] = &[
    (
        "STS InvalidIdentityToken with an unknown message",
        "An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: something new",
        "aws.invalid_identity_token",
        &[],
    ),
    (
        "Google STS invalid_grant with an unknown description",
        r#"{"error":"invalid_grant","error_description":"something new"}"#,
        "gcp.invalid_grant",
        &[],
    ),
    (
        "google-github-actions/auth wording alone",
        "Error: google-github-actions/auth failed with: something new",
        "gcp.action_failed",
        &[("msg", "something new")],
    ),
    (
        "cap's wrapping with an unknown reason",
        "error validating token: something new",
        "vault.error_validating",
        &[("msg", "something new")],
    ),
    (
        "vault-action's wording alone",
        "failed to retrieve vault token. code: ECONNREFUSED",
        "vault.action_failed",
        &[],
    ),
    (
        "go-oidc / kubernetes oidc.go",
        "oidc: email not verified",
        "kubernetes.email_not_verified",
        &[],
    ),
];

#[test]
fn the_generic_fallbacks() {
    run_table(GENERIC_ROWS);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// No input panics, and the findings stay within the limits.
    #[test]
    fn never_panics(text in "(?s).{0,600}") {
        let explanation = explain(&text, &Limits::default());
        proptest::prop_assert!(explanation.findings.len() <= Limits::default().max_findings);
        let _ = render(&explanation);
    }

    /// Fragments of known messages glued with noise and control characters never panic.
    #[test]
    fn mixed_fragments_never_panic(parts in proptest::collection::vec(
        proptest::prop_oneof![
            proptest::strategy::Just("AADSTS70021: Assertion Issuer: '".to_owned()),
            proptest::strategy::Just("\u{1b}[31m".to_owned()),
            proptest::strategy::Just("\\\"".to_owned()),
            proptest::strategy::Just("oidc: expected audience in [".to_owned()),
            proptest::strategy::Just("2026-01-02T03:04:05".to_owned()),
            proptest::strategy::Just("\n".to_owned()),
            "[^\n]{0,20}",
        ], 0..60)) {
        let text: String = parts.concat();
        let _ = render(&explain(&text, &Limits::default()));
    }
}

/// Bounded work: the regular expressions run in linear time and each line is cut before
/// matching, so a large hostile log (long lines full of near-matches) finishes quickly. The bound
/// is generous: linear work takes well under a second here, quadratic work would take minutes.
#[test]
fn work_is_bounded_on_hostile_input() {
    let near_miss =
        "AADSTS70021 Assertion Issuer: ' oidc: expected audience in [ claim \" ".repeat(200);
    let log = format!("{near_miss}\n").repeat(200);
    assert!(log.len() > 2_000_000);
    let started = std::time::Instant::now();
    let explanation = explain(&log, &Limits::default());
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(explanation.lines, 200);
    assert_eq!(
        explanation.findings.len(),
        1,
        "one finding, counted 200 times"
    );
    assert_eq!(explanation.findings[0].occurrences, 200);
    // A single enormous line is cut before matching: what lies beyond the cut is not seen.
    let long_line = format!("{}Incorrect token audience", "a".repeat(100_000));
    assert!(!explain(&long_line, &Limits::default()).recognised());
}

#[test]
fn errors_outside_the_rules_match_no_verdict() {
    use crate::trust::{Outcome, RuleId, RuleKind, Verdict};
    let verdict = Verdict {
        rule: RuleId {
            kind: RuleKind::Aws,
            file: Some("policy.json".into()),
            name: "deploy".into(),
        },
        outcome: Outcome::Denied,
        summary: "AccessDenied".into(),
        checks: vec![],
        lints: vec![],
        unverified: vec![],
    };
    let other = Verdict {
        rule: RuleId {
            kind: RuleKind::Vault,
            file: None,
            name: "deploy".into(),
        },
        ..verdict.clone()
    };
    let finding = |text: &str| explain(text, &Limits::default()).findings.remove(0);
    let denied = finding(
        "role-to-assume: arn:aws:iam::111122223333:role/deploy\nNot authorized to perform sts:AssumeRoleWithWebIdentity",
    );
    assert_eq!(matching_verdict(&denied, &[&other, &verdict]), Some(1));
    assert_eq!(
        matching_verdict(&denied, &[&other]),
        None,
        "another system's rule"
    );
    let permission = finding("Did you mean to set the `id-token` permission?");
    assert_eq!(
        matching_verdict(&permission, &[&verdict]),
        None,
        "no token was requested"
    );
    let thumbprint =
        finding("OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint");
    assert_eq!(matching_verdict(&thumbprint, &[&verdict]), None);
}

#[test]
fn the_named_role_picks_its_verdict() {
    use crate::trust::{Outcome, RuleId, RuleKind, Verdict};
    let verdict = |name: &str, outcome| Verdict {
        rule: RuleId {
            kind: RuleKind::Aws,
            file: Some(format!("{name}.json")),
            name: "trust policy".into(),
        },
        outcome,
        summary: String::new(),
        checks: vec![],
        lints: vec![],
        unverified: vec![],
    };
    let staging = verdict("staging", Outcome::Denied);
    let prod = verdict("prod", Outcome::Allowed);
    let finding = explain(
        "role-to-assume: arn:aws:iam::111122223333:role/prod\nNot authorized to perform sts:AssumeRoleWithWebIdentity",
        &Limits::default(),
    )
    .findings
    .remove(0);
    // The role the log names wins over a refusing verdict of another role.
    assert_eq!(matching_verdict(&finding, &[&staging, &prod]), Some(1));
}
