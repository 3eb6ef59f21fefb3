//! Whole-policy table tests: a policy, a token's claims, and the outcome STS would give. Each
//! row cites where the expectation comes from.

use serde_json::{Value, json};

use super::{OidcProvider, parse_policy};
use crate::token::Claims;
use crate::trust::{Outcome, Rule, Verdict};

const GH: &str = "token.actions.githubusercontent.com";
const GH_ARN: &str = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
const NOW: i64 = 1_900_000_000;

fn github_claims(sub: &str) -> Value {
    json!({
        "iss": "https://token.actions.githubusercontent.com",
        "aud": "sts.amazonaws.com",
        "sub": sub,
        "repository": "acme/app",
        "repository_owner": "acme",
        "ref": "refs/heads/main",
        "exp": NOW + 300,
    })
}

fn allow(condition: Value) -> Value {
    json!({"Sid": "Deploy", "Effect": "Allow", "Principal": {"Federated": GH_ARN},
           "Action": "sts:AssumeRoleWithWebIdentity", "Condition": condition})
}

fn policy(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn evaluate(policy: &Value, claims: &Value, providers: Vec<OidcProvider>) -> Verdict {
    let rule = parse_policy(policy, Some("p.json"))
        .unwrap()
        .with_providers(providers);
    let claims: Claims = claims.as_object().unwrap().clone();
    rule.evaluate(&claims, NOW)
}

fn outcome(policy: &Value, claims: &Value) -> Outcome {
    evaluate(policy, claims, Vec::new()).outcome
}

fn sub_equals(value: &str) -> Value {
    json!({"StringEquals": {format!("{GH}:aud"): "sts.amazonaws.com", format!("{GH}:sub"): value}})
}

fn provider(url: &str, client_ids: &[&str]) -> OidcProvider {
    OidcProvider {
        url: url.to_owned(),
        client_ids: client_ids.iter().map(|c| c.to_string()).collect(),
        file: None,
    }
}

#[test]
fn policy_table() {
    use Outcome::{Allowed as A, Denied as D, Error as E, NotApplicable as N};
    let main = "repo:acme/app:ref:refs/heads/main";
    let env = "repo:acme/app:environment:prod";
    #[rustfmt::skip]
    let rows: Vec<(&str, Value, Value, Outcome)> = vec![
        // GitHub docs "Configuring OpenID Connect in AWS": branch-pinned sub
        ("branch pin, branch job", policy(vec![allow(sub_equals(main))]), github_claims(main), A),
        // github/docs oidc.md: environment replaces ref in sub
        ("branch pin, environment job", policy(vec![allow(sub_equals(main))]), github_claims(env), D),
        // configure-aws-credentials#318: case-sensitive
        ("case-sensitive org", policy(vec![allow(json!({"StringLike": {format!("{GH}:sub"): "repo:Acme/*"}}))]), github_claims(main), D),
        // condition_operators.md#Conditions_String: StringLike * spans : and /
        ("org-wide StringLike", policy(vec![allow(json!({"StringLike": {format!("{GH}:sub"): "repo:acme/*"}}))]), github_claims(env), A),
        // reference_policies_evaluation-logic.md: explicit Deny overrides Allow
        ("deny overrides allow", policy(vec![
            allow(json!({"StringLike": {format!("{GH}:sub"): "repo:acme/*"}})),
            json!({"Sid": "NoPR", "Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRoleWithWebIdentity",
                   "Condition": {"StringEquals": {format!("{GH}:sub"): "repo:acme/app:pull_request"}}}),
        ]), github_claims("repo:acme/app:pull_request"), D),
        ("deny not matching", policy(vec![
            allow(json!({"StringLike": {format!("{GH}:sub"): "repo:acme/*"}})),
            json!({"Sid": "NoPR", "Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRoleWithWebIdentity",
                   "Condition": {"StringEquals": {format!("{GH}:sub"): "repo:acme/app:pull_request"}}}),
        ]), github_claims(main), A),
        // condition-keys-wif: repository_owner is not exposed → positive operator never matches
        ("unexposed claim", policy(vec![allow(json!({"StringEquals": {format!("{GH}:sub"): main, format!("{GH}:repository_owner"): "acme"}}))]), github_claims(main), D),
        // …and a negated operator on it is true (condition_operators.md "Important")
        ("unexposed claim, negated", policy(vec![allow(json!({"StringEquals": {format!("{GH}:sub"): main}, "StringNotEquals": {format!("{GH}:repository_owner"): "evil"}}))]), github_claims(main), A),
        // (secondary source) repository is exposed for GitHub since 2026
        ("exposed GitHub key", policy(vec![allow(json!({"StringEquals": {format!("{GH}:sub"): main, format!("{GH}:repository"): "acme/app"}}))]), github_claims(main), A),
        // multi-value-conditions.md: ForAllValues on an absent key is true (and linted)
        ("ForAllValues, absent key", policy(vec![allow(json!({"ForAllValues:StringLike": {format!("{GH}:environment"): "prod"}}))]), github_claims(main), A),
        ("ForAnyValue, absent key", policy(vec![allow(json!({"ForAnyValue:StringLike": {format!("{GH}:environment"): "prod"}}))]), github_claims(main), D),
        // condition_operators.md#Conditions_IfExists
        ("IfExists, absent key", policy(vec![allow(json!({"StringEquals": {format!("{GH}:sub"): main}, "StringEqualsIfExists": {format!("{GH}:environment"): "prod"}}))]), github_claims(main), A),
        // condition_operators.md#Conditions_Null
        ("Null true on absent environment", policy(vec![allow(json!({"StringLike": {format!("{GH}:sub"): "repo:acme/*"}, "Null": {format!("{GH}:environment"): "true"}}))]), github_claims(main), A),
        ("Null false on absent environment", policy(vec![allow(json!({"StringLike": {format!("{GH}:sub"): "repo:acme/*"}, "Null": {format!("{GH}:environment"): "false"}}))]), github_claims(main), D),
        // (secondary source) iam-simulate Bool: case-insensitive "true"/"false"
        ("Bool on a boolean claim", policy(vec![allow(json!({"StringLike": {format!("{GH}:sub"): "repo:acme/*"}, "Bool": {format!("{GH}:email"): "TRUE"}}))]),
            {let mut c = github_claims(main); c["email"] = json!(true); c}, A),
        // reference_policies_variables.md#policy-vars-specialchars: ${*} is a literal star
        ("${*} literal", policy(vec![allow(json!({"StringLike": {format!("{GH}:sub"): "repo:acme/${*}"}}))]), github_claims(main), D),
        ("${*} literal matches a star", policy(vec![allow(json!({"StringLike": {format!("{GH}:sub"): "repo:acme/${*}"}}))]), github_claims("repo:acme/*"), A),
        // reference_policies_variables.md: a token key as a variable
        ("variable from the token", policy(vec![allow(json!({"StringLike": {format!("{GH}:sub"): format!("repo:${{{GH}:repository}}:*")}}))]), github_claims(main), A),
        // reference_policies_variables.md: Version 2008-10-17 has no variables: literal text
        ("no variables before 2012-10-17", json!({"Version": "2008-10-17", "Statement": [allow(json!({"StringLike": {format!("{GH}:sub"): format!("repo:${{{GH}:repository}}:*")}}))]}), github_claims(main), D),
        // id_roles_create_for-idp_oidc.md: a statement for another provider does not apply
        ("other issuer", policy(vec![allow(sub_equals(main))]),
            {let mut c = github_claims(main); c["iss"] = json!("https://gitlab.com"); c}, N),
        // mozilla-iam/mozilla-aws-cli#127: the trailing slash counts
        ("issuer with trailing slash", policy(vec![allow(sub_equals(main))]),
            {let mut c = github_claims(main); c["iss"] = json!("https://token.actions.githubusercontent.com/"); c}, N),
        // id_roles_create_for-idp_oidc.md: the Action must be sts:AssumeRoleWithWebIdentity (wildcards allowed)
        ("wrong action", policy(vec![json!({"Effect": "Allow", "Principal": {"Federated": GH_ARN}, "Action": "sts:AssumeRole", "Condition": sub_equals(main)})]), github_claims(main), D),
        ("wildcard action", policy(vec![json!({"Effect": "Allow", "Principal": {"Federated": GH_ARN}, "Action": "sts:AssumeRoleWith*", "Condition": sub_equals(main)})]), github_claims(main), A),
        // a condition on a request key the token does not carry cannot be decided
        ("request key", policy(vec![allow(json!({"StringEquals": {format!("{GH}:sub"): main}, "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))]), github_claims(main), E),
        ("request key, definite failure elsewhere", policy(vec![allow(json!({"StringEquals": {format!("{GH}:sub"): env}, "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))]), github_claims(main), D),
        // erioluwa66/BusyToddlerMumInfraMgt data.tf: a typo in the key prefix makes it absent
        ("key prefix typo", policy(vec![allow(json!({"StringEquals": {"token.actions.githubuser.content.com:aud": "sts.amazonaws.com", format!("{GH}:sub"): main}}))]), github_claims(main), D),
        // EKS IRSA docs: a one-element aud array works with StringEquals (inferred)
        ("IRSA aud array", json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/X"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {"oidc.eks.us-east-1.amazonaws.com/id/X:aud": "sts.amazonaws.com",
                                           "oidc.eks.us-east-1.amazonaws.com/id/X:sub": "system:serviceaccount:payments:s3-reader"}}}]}),
            json!({"iss": "https://oidc.eks.us-east-1.amazonaws.com/id/X", "aud": ["sts.amazonaws.com"], "sub": "system:serviceaccount:payments:s3-reader"}), A),
        // iam-simulate failedBecauseArray (secondary source): a bare operator on a multivalued key never matches
        ("multi-element aud, bare StringEquals", json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/idp.example.com"}, "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {"idp.example.com:aud": "a"}}}]}),
            json!({"iss": "https://idp.example.com", "aud": ["a", "b"], "sub": "s"}), D),
        ("multi-element aud, ForAnyValue", json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/idp.example.com"}, "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"ForAnyValue:StringEquals": {"idp.example.com:aud": "a"}}}]}),
            json!({"iss": "https://idp.example.com", "aud": ["a", "b"], "sub": "s"}), A),
        // reference_policies_iam-condition-keys.md#ck_aud: with azp, :aud is azp and :oaud is aud
        ("azp is :aud", json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Federated": "accounts.google.com"}, "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {"accounts.google.com:aud": "azp-value", "accounts.google.com:oaud": "aud-value"}}}]}),
            json!({"iss": "https://accounts.google.com", "aud": "aud-value", "azp": "azp-value", "sub": "s"}), A),
        ("aud value against :aud with azp present", json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Federated": "accounts.google.com"}, "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {"accounts.google.com:aud": "aud-value"}}}]}),
            json!({"iss": "https://accounts.google.com", "aud": "aud-value", "azp": "azp-value", "sub": "s"}), D),
        // ForAnyValue: ignores IfExists, so an absent key fails it (iam-simulate forAnyValueMatch;
        // AWS re:Post report of STS refusing exactly this Allow for a job without environment)
        ("ForAnyValue IfExists, absent key", policy(vec![allow(json!({"StringLike": {format!("{GH}:sub"): "repo:acme/*"},
            "ForAnyValue:StringEqualsIfExists": {format!("{GH}:environment"): "prod"}}))]), github_claims(main), D),
        ("ForAnyValue IfExists, present key", policy(vec![allow(json!({"StringLike": {format!("{GH}:sub"): "repo:acme/*"},
            "ForAnyValue:StringEqualsIfExists": {format!("{GH}:environment"): "prod"}}))]),
            {let mut c = github_claims(env); c["environment"] = json!("prod"); c}, A),
        // ...and the Deny mirror does not fire on an absent key
        ("ForAnyValue IfExists Deny, absent key", policy(vec![
            allow(json!({"StringLike": {format!("{GH}:sub"): "repo:acme/*"}})),
            json!({"Sid": "OnlyProd", "Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRoleWithWebIdentity",
                   "Condition": {"ForAnyValue:StringNotEqualsIfExists": {format!("{GH}:environment"): "prod"}}}),
        ]), github_claims(main), A),
        // condition-keys-wif lists amr, aud, email, oaud, sub (and per-IdP keys), no azp: a
        // condition on :azp sees an absent key (condition_operators.md "Important")
        ("azp key, positive", policy(vec![allow(json!({"StringLike": {format!("{GH}:sub"): "repo:acme/*"},
            "StringEquals": {format!("{GH}:azp"): "sts.amazonaws.com"}}))]),
            {let mut c = github_claims(main); c["azp"] = json!("sts.amazonaws.com"); c}, D),
        ("azp key, negated", policy(vec![allow(json!({"StringLike": {format!("{GH}:sub"): "repo:acme/*"},
            "StringNotEquals": {format!("{GH}:azp"): "sts.amazonaws.com"}}))]),
            {let mut c = github_claims(main); c["azp"] = json!("sts.amazonaws.com"); c}, A),
        ("azp key, IfExists", policy(vec![allow(json!({"StringLike": {format!("{GH}:sub"): "repo:acme/*"},
            "StringEqualsIfExists": {format!("{GH}:azp"): "other"}}))]),
            {let mut c = github_claims(main); c["azp"] = json!("sts.amazonaws.com"); c}, A),
        ("azp key, Null true", policy(vec![allow(json!({"StringLike": {format!("{GH}:sub"): "repo:acme/*"},
            "Null": {format!("{GH}:azp"): "true"}}))]),
            {let mut c = github_claims(main); c["azp"] = json!("sts.amazonaws.com"); c}, A),
        // reference_policies_elements_principal.html#principal-anonymous: {"AWS": "*"} is "*"
        ("Deny with AWS wildcard principal", policy(vec![
            allow(json!({"StringLike": {format!("{GH}:sub"): "repo:acme/*"}})),
            json!({"Sid": "NoPR", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRoleWithWebIdentity",
                   "Condition": {"StringEquals": {format!("{GH}:sub"): "repo:acme/app:pull_request"}}}),
        ]), github_claims("repo:acme/app:pull_request"), D),
        ("Deny with AWS wildcard principal in a list", policy(vec![
            allow(json!({"StringLike": {format!("{GH}:sub"): "repo:acme/*"}})),
            json!({"Effect": "Deny", "Principal": {"AWS": ["*"]}, "Action": "sts:AssumeRoleWithWebIdentity"}),
        ]), github_claims(main), D),
        ("Allow with AWS wildcard principal", policy(vec![
            json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRoleWithWebIdentity",
                   "Condition": {"StringLike": {format!("{GH}:sub"): "repo:acme/*"}}}),
        ]), github_claims(main), A),
        ("Deny for an AWS account principal does not apply", policy(vec![
            allow(json!({"StringLike": {format!("{GH}:sub"): "repo:acme/*"}})),
            json!({"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:*"}),
        ]), github_claims(main), A),
        // id_roles_create_for-idp_oidc.md: STS needs a statement federating with the token's
        // provider; a wildcard Deny alone cannot admit another issuer's token, so the policy is
        // not applicable to it (it would be refused either way), as with no Deny at all
        ("other issuer, wildcard Deny matching", policy(vec![
            allow(sub_equals(main)),
            json!({"Sid": "NoPR", "Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRoleWithWebIdentity",
                   "Condition": {"StringLike": {"gitlab.com:sub": "project_path:*"}}}),
        ]), json!({"iss": "https://gitlab.com", "aud": "sts.amazonaws.com", "sub": "project_path:acme/app:ref_type:branch:ref:main", "exp": NOW + 300}), N),
        ("other issuer, unconditional AWS wildcard Deny", policy(vec![
            allow(sub_equals(main)),
            json!({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRoleWithWebIdentity"}),
        ]), json!({"iss": "https://gitlab.com", "aud": "sts.amazonaws.com", "sub": "x", "exp": NOW + 300}), N),
        ("only a wildcard Deny, no Federated statement", policy(vec![
            json!({"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRoleWithWebIdentity"}),
        ]), github_claims(main), N),
        // …but a Deny that names the token's provider applies, and a wildcard Allow admits it
        ("Deny federating with the token's provider", policy(vec![
            json!({"Effect": "Deny", "Principal": {"Federated": GH_ARN}, "Action": "sts:AssumeRoleWithWebIdentity"}),
        ]), github_claims(main), D),
        ("wildcard Allow and Deny, no Federated statement", policy(vec![
            json!({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRoleWithWebIdentity"}),
            json!({"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRoleWithWebIdentity",
                   "Condition": {"StringEquals": {format!("{GH}:sub"): main}}}),
        ]), github_claims(main), D),
        // StringEqualsIgnoreCase folds per character (Go strings.EqualFold): ΑΣ equals ασ
        ("IgnoreCase with Greek sigma", policy(vec![allow(json!({"StringEqualsIgnoreCase": {format!("{GH}:sub"): "ΑΣ"}}))]),
            github_claims("ασ"), A),
        // unknown operator: IAM would refuse the policy; claimcheck cannot decide
        ("unknown operator", policy(vec![allow(json!({"StringEquals": {format!("{GH}:sub"): main}, "FakeOperator": {format!("{GH}:sub"): "x"}}))]), github_claims(main), E),
    ];
    for (name, policy, claims, expected) in rows {
        assert_eq!(outcome(&policy, &claims), expected, "{name}");
        // The decision-only path must agree with the explained one.
        let rule = parse_policy(&policy, None).unwrap();
        let claims: Claims = claims.as_object().unwrap().clone();
        assert_eq!(
            rule.outcome(&claims, NOW),
            expected,
            "{name} (outcome only)"
        );
        let with_provider = rule.with_providers(vec![provider(GH, &["sts.amazonaws.com"])]);
        assert_eq!(
            with_provider.outcome(&claims, NOW),
            with_provider.evaluate(&claims, NOW).outcome,
            "{name} (with a provider)"
        );
    }
}

#[test]
fn branch_pinned_policy_explains_the_environment_job() {
    let verdict = evaluate(
        &policy(vec![allow(sub_equals("repo:acme/app:ref:refs/heads/main"))]),
        &github_claims("repo:acme/app:environment:prod"),
        Vec::new(),
    );
    assert_eq!(
        verdict.summary,
        "AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity — statement 'Deploy' condition StringEquals token.actions.githubusercontent.com:sub failed"
    );
    let failed = verdict.deciding_check().unwrap();
    assert_eq!(failed.actual, Some(json!("repo:acme/app:environment:prod")));
    assert_eq!(failed.scope.as_deref(), Some("statement 'Deploy' (Allow)"));
    let codes: Vec<_> = failed.hints.iter().map(|h| h.code).collect();
    assert_eq!(codes, ["first-difference", "github-subject-form"]);
    // no provider document: the audience check is reported as skipped, not passed
    assert!(verdict.unverified[0].contains("audience check"));
}

// aws/aws-sdk-net#3071: with azp present STS checks azp against the
// client IDs, so a token whose aud is registered but azp is not gets "Incorrect token audience".
#[test]
fn provider_client_ids_use_azp() {
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/login.example.com/v2.0"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"login.example.com/v2.0:sub": "s"}}}]});
    let claims = json!({"iss": "https://login.example.com/v2.0", "aud": "app-2", "azp": "app-1", "sub": "s"});
    let verdict = evaluate(
        &policy,
        &claims,
        vec![provider("login.example.com/v2.0", &["app-2"])],
    );
    assert_eq!(verdict.outcome, Outcome::Denied);
    assert_eq!(
        verdict.summary,
        "InvalidIdentityToken: Incorrect token audience"
    );
    let check = verdict.deciding_check().unwrap();
    assert_eq!(check.actual, Some(json!("app-1")));
    assert_eq!(check.hints[0].code, "azp-used-as-audience");
    assert!(verdict.unverified[0].contains("azp \"app-1\" differs from its aud \"app-2\""));

    let registered = evaluate(
        &policy,
        &claims,
        vec![provider("login.example.com/v2.0", &["app-1"])],
    );
    assert_eq!(registered.outcome, Outcome::Allowed);
    assert_eq!(registered.summary, "allowed by statement #1");
}

// ExpiredTokenException is raised before the policy is read (API_AssumeRoleWithWebIdentity errors).
#[test]
fn expired_token_is_refused_first() {
    let mut claims = github_claims("repo:acme/app:ref:refs/heads/main");
    claims["exp"] = json!(NOW - 60);
    let verdict = evaluate(
        &policy(vec![allow(sub_equals("repo:acme/app:ref:refs/heads/main"))]),
        &claims,
        Vec::new(),
    );
    assert_eq!(verdict.outcome, Outcome::Denied);
    assert_eq!(verdict.summary, "ExpiredTokenException: Token expired");
    assert_eq!(
        verdict.deciding_check().unwrap().hints[0].code,
        "token-expired"
    );
}

#[test]
fn unexposed_key_says_so_and_is_linted() {
    let verdict = evaluate(
        &policy(vec![allow(json!({"StringEquals": {
            format!("{GH}:sub"): "repo:acme/app:ref:refs/heads/main",
            format!("{GH}:repository_owner"): "acme"}}))]),
        &github_claims("repo:acme/app:ref:refs/heads/main"),
        Vec::new(),
    );
    let check = verdict.deciding_check().unwrap();
    assert!(check.absent);
    assert_eq!(check.hints[0].code, "key-not-exposed");
    assert!(verdict.lints.iter().any(|l| l.code == "key-not-exposed"));
}

#[test]
fn deny_summary_names_the_statement_and_multivalued_aud_is_unverified() {
    let verdict = evaluate(
        &policy(vec![
            allow(json!({"StringLike": {format!("{GH}:sub"): "repo:acme/*"}})),
            json!({"Sid": "NoPR", "Effect": "Deny", "Principal": "*", "Action": "sts:*",
                   "Condition": {"StringEquals": {format!("{GH}:sub"): "repo:acme/app:pull_request"}}}),
        ]),
        &github_claims("repo:acme/app:pull_request"),
        Vec::new(),
    );
    assert!(
        verdict
            .summary
            .ends_with("explicit Deny in statement 'NoPR'")
    );

    let claims = json!({"iss": "https://idp.example.com", "aud": ["a", "b"], "sub": "s"});
    let multi = evaluate(
        &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/idp.example.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"ForAnyValue:StringEquals": {"idp.example.com:aud": "a"}}}]}),
        &claims,
        vec![provider("idp.example.com", &["a"])],
    );
    assert_eq!(multi.outcome, Outcome::Allowed);
    assert!(
        multi
            .unverified
            .iter()
            .any(|u| u.contains("several values"))
    );
    assert!(
        multi
            .unverified
            .iter()
            .any(|u| u.contains("multi-element aud"))
    );
}

// reference_policies_multi-value-conditions.md: ForAllValues is true on an absent key, so this
// Allow admits a token without `environment`; configure-aws-credentials README: lint it.
#[test]
fn for_all_values_on_absent_key_allows_and_is_linted() {
    let verdict = evaluate(
        &policy(vec![allow(json!({
            "StringLike": {format!("{GH}:sub"): "repo:acme/app:*"},
            "ForAllValues:StringEquals": {format!("{GH}:environment"): "prod"}
        }))]),
        &github_claims("repo:acme/app:ref:refs/heads/main"),
        Vec::new(),
    );
    assert_eq!(verdict.outcome, Outcome::Allowed);
    let row = verdict
        .checks
        .iter()
        .find(|c| c.condition.starts_with("ForAllValues"))
        .unwrap();
    assert!(row.passed && row.absent);
    assert!(
        row.note
            .as_deref()
            .unwrap()
            .contains("true when the key is absent")
    );
    assert!(
        verdict
            .lints
            .iter()
            .any(|l| l.code == "for-all-values-in-allow")
    );
}

// reference_policies_elements_principal.html#principal-anonymous: the check says that the Deny
// applied to a federated token because of its wildcard principal.
#[test]
fn wildcard_principal_is_explained() {
    let verdict = evaluate(
        &policy(vec![
            allow(json!({"StringLike": {format!("{GH}:sub"): "repo:acme/*"}})),
            json!({"Sid": "NoPR", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRoleWithWebIdentity",
                   "Condition": {"StringEquals": {format!("{GH}:sub"): "repo:acme/app:pull_request"}}}),
        ]),
        &github_claims("repo:acme/app:pull_request"),
        Vec::new(),
    );
    assert_eq!(verdict.outcome, Outcome::Denied);
    assert!(
        verdict
            .summary
            .ends_with("explicit Deny in statement 'NoPR'")
    );
    let principal = verdict
        .checks
        .iter()
        .find(|c| c.condition == "Principal")
        .unwrap();
    assert!(principal.passed);
    assert_eq!(principal.expected, vec![json!({"AWS": "*"})]);
    assert_eq!(
        principal.scope.as_deref(),
        Some("statement 'NoPR' (Deny: denies when every condition holds)")
    );
    assert!(
        principal
            .note
            .as_deref()
            .unwrap()
            .contains("because of the wildcard principal")
    );
}

// condition-keys-wif has no azp key: a condition on it fails like any unexposed key and says why.
#[test]
fn azp_key_is_not_exposed() {
    let mut claims = github_claims("repo:acme/app:ref:refs/heads/main");
    claims["azp"] = json!("sts.amazonaws.com");
    let verdict = evaluate(
        &policy(vec![allow(json!({"StringEquals": {
            format!("{GH}:sub"): "repo:acme/app:ref:refs/heads/main",
            format!("{GH}:azp"): "sts.amazonaws.com"}}))]),
        &claims,
        Vec::new(),
    );
    assert_eq!(verdict.outcome, Outcome::Denied);
    let check = verdict.deciding_check().unwrap();
    assert!(check.absent);
    assert_eq!(check.hints[0].code, "key-not-exposed");
    assert!(check.hints[0].message.contains("AWS does not expose `azp`"));
    assert!(check.hints[0].message.contains("`…:aud`"));
    assert!(verdict.lints.iter().any(|l| l.code == "key-not-exposed"));
}

// iam-simulate forAnyValueMatch: the absent key fails a ForAnyValue:…IfExists condition, and the
// check says IfExists does not help.
#[test]
fn for_any_value_if_exists_on_absent_key_is_explained() {
    let verdict = evaluate(
        &policy(vec![allow(json!({
            "StringLike": {format!("{GH}:sub"): "repo:acme/*"},
            "ForAnyValue:StringEqualsIfExists": {format!("{GH}:environment"): "prod"}
        }))]),
        &github_claims("repo:acme/app:ref:refs/heads/main"),
        Vec::new(),
    );
    assert_eq!(verdict.outcome, Outcome::Denied);
    let check = verdict.deciding_check().unwrap();
    assert!(
        check
            .condition
            .starts_with("ForAnyValue:StringEqualsIfExists")
    );
    assert!(
        check
            .note
            .as_deref()
            .unwrap()
            .contains("IfExists does not change that")
    );
}

// Cases generated by tests/differential/iam_run.sh (seed 20261204) on which claimcheck disagreed
// with cloud-copilot/iam-simulate: a `${key, 'default'}` whose key is multivalued (amr) takes its
// default (policy-vars-default-values; iam-simulate replaceIamStringToken). Before, the value
// never matched, so the first Deny did not fire: a false "allowed".
#[test]
fn differential_cases() {
    use Outcome::{Allowed as A, Denied as D};
    let idp = "arn:aws:iam::111122223333:oidc-provider/idp.example.com";
    #[rustfmt::skip]
    let rows: Vec<(&str, Value, Value, Outcome)> = vec![
        ("case 2093", json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Federated": idp}, "Action": "sts:AssumeRoleWithWebIdentity",
             "Condition": {"ForAllValues:StringLike": {"idp.example.com:email": ["acme*", "*"]}}},
            {"Effect": "Deny", "Principal": {"Federated": idp}, "Action": "sts:AssumeRoleWithWebIdentity",
             "Condition": {"ForAnyValue:StringNotEquals": {"idp.example.com:amr": "${idp.example.com:amr, 'a*b'}*"}}}]}),
         json!({"iss": "https://idp.example.com", "aud": ["main", "repo:acme/app:pull_request"],
                "amr": ["bA$$", "a:b/c", "i"], "groups": "ΑΣ"}), D),
        ("case 2962", json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Federated": idp}, "Action": "sts:AssumeRoleWithWebIdentity",
             "Condition": {"ForAllValues:StringNotEqualsIfExists": {
                 "idp.example.com:amr": "aσ${idp.example.com:amr, 'x?y'}:x",
                 "idp.example.com:aud": ["st*.ama?onaws.com", "ασ"]}}}]}),
         json!({"iss": "https://idp.example.com", "aud": ["sts.amazonaws.com"], "amr": ["Prod"],
                "sub": "b*", "tenant": "ss", "repository": "ss"}), A),
        ("case 2268", json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Federated": idp}, "Action": "sts:AssumeRoleWithWebIdentity",
             "Condition": {"ForAllValues:StringNotEqualsIfExists": {"idp.example.com:aud": ["${idp.example.com:amr, 'prod'}"]},
                           "ForAllValues:StringNotEqualsIgnoreCase": {"idp.example.com:oaud": ["{X}"]}}},
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222233334444:root"}, "Action": "sts:AssumeRoleWithWebIdentity",
             "Condition": {"ForAnyValue:Bool": {"idp.example.com:amr": ["TRUE"]}}}]}),
         json!({"iss": "https://idp.example.com", "aud": "sts.amazonaws.com", "amr": ["Prod"], "email": "true",
                "sub": "*A?σ:", "groups": "ǆ", "tenant": "a*b"}), A),
    ];
    for (name, policy, claims, expected) in rows {
        assert_eq!(outcome(&policy, &claims), expected, "{name}");
    }
}
