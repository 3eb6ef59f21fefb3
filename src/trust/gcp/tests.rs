//! Table tests. Sources: terraform-provider-google
//! `website/docs/r/iam_workload_identity_pool_provider.html.markdown@122d64a` (fields, default
//! audience, 127-byte subject), google-github-actions/auth `docs/TROUBLESHOOTING.md@1aa1cd4`
//! (project number, error texts, case sensitivity), cloud.google.com/iam/docs/workload-identity-federation
//! (#mapping, #conditions), circleci/circleci-docs#8541 (condition error text).

use serde_json::{Value, json};

use super::*;
use crate::token::Claims;
use crate::trust::{Outcome, Verdict};

const NAME: &str = "projects/123456789/locations/global/workloadIdentityPools/ci/providers/github";
const NOW: i64 = 1_700_000_000;

fn claims(value: Value) -> Claims {
    let mut claims = value.as_object().unwrap().clone();
    claims
        .entry("iss")
        .or_insert(json!("https://token.actions.githubusercontent.com"));
    claims.entry("exp").or_insert(json!(NOW + 300));
    claims
}

fn provider(extra: Value) -> Value {
    let mut doc = json!({
        "name": NAME,
        "attributeMapping": {"google.subject": "assertion.sub"},
        "oidc": {"issuerUri": "https://token.actions.githubusercontent.com"},
        "state": "ACTIVE",
    });
    for (k, v) in extra.as_object().unwrap() {
        doc[k] = v.clone();
    }
    doc
}

fn evaluate(doc: &Value, claims: &Claims) -> Verdict {
    let rules = parse(doc, Some("provider.yaml")).unwrap();
    assert_eq!(rules.len(), 1);
    let verdict = rules[0].evaluate(claims, NOW);
    assert_eq!(
        rules[0].outcome(claims, NOW),
        verdict.outcome,
        "the matrix fast path agrees: {}",
        verdict.summary
    );
    verdict
}

fn check<'a>(verdict: &'a Verdict, starts: &str) -> &'a crate::trust::Check {
    verdict
        .checks
        .iter()
        .find(|c| c.condition.starts_with(starts))
        .unwrap_or_else(|| panic!("no check {starts} in {:#?}", verdict.checks))
}

#[test]
fn default_audience_forms() {
    // Doc: with allowed_audiences empty, aud must be the provider's full canonical resource
    // name, with or without the https: prefix, with the project NUMBER.
    let with_number = format!("//iam.googleapis.com/{NAME}");
    let https = format!("https://iam.googleapis.com/{NAME}");
    let project_id = "//iam.googleapis.com/projects/acme-prod/locations/global/workloadIdentityPools/ci/providers/github";
    let cases: [(&str, Value, bool, Option<&str>); 6] = [
        ("double-slash form", json!(with_number), true, None),
        ("https form", json!(https), true, None),
        (
            "project ID instead of number",
            json!(project_id),
            false,
            Some("gcp-project-id-not-number"),
        ),
        (
            "GitHub default aud",
            json!("https://github.com/acme"),
            false,
            None,
        ),
        ("bare resource name", json!(NAME), false, None),
        (
            "list with one match",
            json!(["x", format!("//iam.googleapis.com/{NAME}")]),
            true,
            None,
        ),
    ];
    let doc = provider(json!({}));
    for (label, aud, allowed, hint) in cases {
        let verdict = evaluate(
            &doc,
            &claims(json!({"sub": "repo:acme/app:ref:refs/heads/main", "aud": aud})),
        );
        let audience = check(&verdict, "audience");
        assert_eq!(audience.passed, allowed, "{label}");
        assert_eq!(
            verdict.outcome == Outcome::Allowed,
            allowed,
            "{label}: {verdict:#?}"
        );
        if let Some(code) = hint {
            assert!(
                audience.hints.iter().any(|h| h.code == code),
                "{label}: {:?}",
                audience.hints
            );
        }
        if !allowed {
            assert!(
                verdict
                    .summary
                    .starts_with("invalid_grant: The audience in ID Token"),
                "{label}"
            );
        }
    }
}

#[test]
fn allowed_audiences_replace_the_default() {
    let doc = provider(json!({"oidc": {
        "issuerUri": "https://token.actions.githubusercontent.com",
        "allowedAudiences": ["https://github.com/acme"]
    }}));
    let ok = evaluate(
        &doc,
        &claims(json!({"sub": "s", "aud": "https://github.com/acme"})),
    );
    assert_eq!(ok.outcome, Outcome::Allowed);
    let default_aud = evaluate(
        &doc,
        &claims(json!({"sub": "s", "aud": format!("//iam.googleapis.com/{NAME}")})),
    );
    assert_eq!(default_aud.outcome, Outcome::Denied);
}

#[test]
fn project_id_in_the_rule_name_is_flagged() {
    // Terraform's `project` argument is usually the project ID; the default audience needs the number.
    let doc = json!({
        "project": "acme-prod", "workload_identity_pool_id": "ci",
        "workload_identity_pool_provider_id": "github",
        "attribute_mapping": {"google.subject": "assertion.sub"},
        "attribute_condition": "assertion.repository_owner == 'acme'",
        "oidc": [{"issuer_uri": "https://token.actions.githubusercontent.com"}]
    });
    let verdict = evaluate(
        &doc,
        &claims(json!({"sub": "s", "aud": "x", "repository_owner": "acme"})),
    );
    assert!(
        check(&verdict, "audience")
            .hints
            .iter()
            .any(|h| h.code == "gcp-project-id-not-number")
    );
    assert_eq!(verdict.rule.name, "github");
}

#[test]
fn subject_limit_is_127_bytes_not_characters() {
    // API text: the mapped google.subject may be at most 127 bytes; multi-byte UTF-8 counts more.
    let cases = [
        ("127 ASCII bytes", "x".repeat(127), true),
        ("128 ASCII bytes", "x".repeat(128), false),
        ("64 two-byte characters = 128 bytes", "é".repeat(64), false),
        (
            "63 two-byte characters + 1 = 127 bytes",
            format!("{}x", "é".repeat(63)),
            true,
        ),
        ("32 four-byte emoji = 128 bytes", "🦀".repeat(32), false),
    ];
    let doc = provider(json!({}));
    for (label, sub, allowed) in cases {
        let verdict = evaluate(
            &doc,
            &claims(json!({"sub": sub, "aud": format!("//iam.googleapis.com/{NAME}")})),
        );
        let subject = check(&verdict, "attributeMapping google.subject");
        assert_eq!(subject.passed, allowed, "{label}");
        assert_eq!(
            subject.actual,
            Some(json!(sub)),
            "{label}: the mapped value is shown"
        );
        if !allowed {
            assert_eq!(verdict.outcome, Outcome::Denied);
            assert_eq!(
                verdict.summary,
                "The size of mapped attribute google.subject exceeds the 127 bytes limit."
            );
            assert!(
                subject.note.as_deref().unwrap().contains("bytes"),
                "{label}"
            );
        }
    }
}

#[test]
fn attribute_condition_false_error_and_true() {
    // Condition false → "rejected by the attribute condition" (circleci-docs#8541). An absent
    // claim is a CEL error (no such key), taken as a rejection and marked unverified.
    let doc = provider(json!({
        "attributeCondition": "assertion.repository == 'acme/app' && assertion.environment == 'prod'"
    }));
    let aud = format!("//iam.googleapis.com/{NAME}");
    let base = json!({"sub": "s", "aud": aud, "repository": "acme/app"});

    let mut with_env = base.clone();
    with_env["environment"] = json!("prod");
    let allowed = evaluate(&doc, &claims(with_env));
    assert_eq!(allowed.outcome, Outcome::Allowed, "{allowed:#?}");
    assert!(allowed.unverified.is_empty());

    let mut wrong_env = base.clone();
    wrong_env["environment"] = json!("Prod");
    let denied = evaluate(&doc, &claims(wrong_env));
    assert_eq!(denied.outcome, Outcome::Denied);
    assert_eq!(
        denied.summary,
        "unauthorized_client: The given credential is rejected by the attribute condition."
    );
    let cond = check(&denied, "attributeCondition");
    assert_eq!(cond.actual, Some(json!(false)));
    // The part that decided it is named.
    let parts: Vec<_> = cond
        .hints
        .iter()
        .filter(|h| h.code == "deciding-part")
        .map(|h| h.message.as_str())
        .collect();
    assert_eq!(
        parts,
        ["the part `assertion.environment == 'prod'` is false"]
    );

    let absent = evaluate(&doc, &claims(base));
    assert_eq!(absent.outcome, Outcome::Denied);
    let cond = check(&absent, "attributeCondition");
    assert!(cond.absent);
    assert_eq!(
        cond.note.as_deref(),
        Some("CEL error: no such key: environment")
    );
    assert!(cond.hints.iter().any(|h| h.code == "absent-claim"));
    assert!(cond.hints.iter().any(|h| h.message == "the part `assertion.environment == 'prod'` fails with a CEL error: no such key: environment"));
    assert!(absent.summary.contains("no such key: environment"));
    assert!(
        absent
            .unverified
            .iter()
            .any(|u| u.contains("attribute condition"))
    );
}

#[test]
fn mapping_results_feed_condition_and_are_shown() {
    // Doc case: condition "'admins' in google.groups" with google.groups mapped from a claim.
    let doc = provider(json!({
        "attributeMapping": {
            "google.subject": "assertion.sub",
            "google.groups": "assertion.groups",
            "attribute.repository": "assertion.repository",
            "attribute.owner": "assertion.repository.split('/')[0].lowerAscii()"
        },
        "attributeCondition": "'admins' in google.groups && attribute.owner == 'acme'"
    }));
    let aud = format!("//iam.googleapis.com/{NAME}");
    let verdict = evaluate(
        &doc,
        &claims(
            json!({"sub": "u", "aud": aud, "groups": ["dev", "admins"], "repository": "Acme/app"}),
        ),
    );
    assert_eq!(verdict.outcome, Outcome::Allowed, "{verdict:#?}");
    assert_eq!(
        check(&verdict, "attributeMapping google.groups").actual,
        Some(json!(["dev", "admins"]))
    );
    assert_eq!(
        check(&verdict, "attributeMapping attribute.owner").actual,
        Some(json!("acme"))
    );
    assert_eq!(
        check(&verdict, "attributeMapping attribute.repository").actual,
        Some(json!("Acme/app"))
    );

    let not_admin = evaluate(
        &doc,
        &claims(
            json!({"sub": "u", "aud": format!("//iam.googleapis.com/{NAME}"), "groups": ["dev"], "repository": "acme/app"}),
        ),
    );
    assert_eq!(not_admin.outcome, Outcome::Denied);
}

#[test]
fn case_sensitive_condition() {
    // TROUBLESHOOTING: GitHub does not distinguish 'foobar' and 'FooBar', Google Cloud does.
    let doc = provider(json!({"attributeCondition": "assertion.repository_owner == 'octo-org'"}));
    let verdict = evaluate(
        &doc,
        &claims(
            json!({"sub": "s", "aud": format!("//iam.googleapis.com/{NAME}"), "repository_owner": "Octo-Org"}),
        ),
    );
    assert_eq!(verdict.outcome, Outcome::Denied);
}

#[test]
fn extract_mapping_marks_its_no_match_behaviour_unverified() {
    let doc = provider(json!({"attributeMapping": {
        "google.subject": "assertion.sub",
        "attribute.branch": "assertion.ref.extract('refs/heads/{branch}')"
    }}));
    let verdict = evaluate(
        &doc,
        &claims(
            json!({"sub": "s", "aud": format!("//iam.googleapis.com/{NAME}"), "ref": "refs/heads/main"}),
        ),
    );
    assert_eq!(
        check(&verdict, "attributeMapping attribute.branch").actual,
        Some(json!("main"))
    );
    assert!(verdict.unverified.iter().any(|u| u.contains("extract()")));
}

#[test]
fn issuer_mismatch_is_denied_with_the_service_text() {
    let doc = provider(json!({}));
    let verdict = evaluate(
        &doc,
        &claims(
            json!({"iss": "https://gitlab.com", "sub": "s", "aud": format!("//iam.googleapis.com/{NAME}")}),
        ),
    );
    assert_eq!(verdict.outcome, Outcome::Denied);
    assert_eq!(
        verdict.summary,
        "The issuer in ID Token https://gitlab.com does not match the expected ones: https://token.actions.githubusercontent.com"
    );
}

#[test]
fn cel_problems_are_errors_naming_the_cause() {
    let unknown = provider(json!({"attributeCondition": "assertion.sub.frobnicate('x')"}));
    let verdict = evaluate(&unknown, &claims(json!({"sub": "s", "aud": "a"})));
    assert_eq!(verdict.outcome, Outcome::Error);
    assert!(
        verdict
            .summary
            .contains("unsupported function 'frobnicate'"),
        "{}",
        verdict.summary
    );

    let syntax = provider(json!({"attributeCondition": "assertion.sub = 'x'"}));
    let verdict = evaluate(&syntax, &claims(json!({"sub": "s", "aud": "a"})));
    assert_eq!(verdict.outcome, Outcome::Error);
    let note = verdict.checks[0].note.as_deref().unwrap();
    assert!(note.contains("line 1, column 15"), "{note}");
    assert!(note.ends_with("\n                ^"), "{note:?}");
}

#[test]
fn ill_typed_and_non_bool_conditions_are_errors_and_number_typing_is_unverified() {
    let token = claims(
        json!({"sub": "s", "aud": format!("//iam.googleapis.com/{NAME}"), "run_number": 58}),
    );
    // Google type-checks the condition when the provider is saved: these are never deployed.
    for condition in [
        "assertion.run_number + 1 != 7u",
        "7u == 7",
        "'a' + true == 'a'",
        "assertion.sub + 'x'",
    ] {
        let doc = provider(json!({"attributeCondition": condition}));
        let verdict = evaluate(&doc, &token);
        assert_eq!(verdict.outcome, Outcome::Error, "{condition}");
        assert!(
            verdict.summary.contains("CEL type error"),
            "{condition}: {}",
            verdict.summary
        );
    }
    // Arithmetic on a number claim depends on whether Google reads it as int or double.
    let doc = provider(json!({"attributeCondition": "assertion.run_number + 1 == 59"}));
    let verdict = evaluate(&doc, &token);
    assert_eq!(verdict.outcome, Outcome::Allowed);
    assert!(
        verdict
            .unverified
            .iter()
            .any(|u| u.contains("JSON numbers")),
        "{:?}",
        verdict.unverified
    );
    let doc = provider(json!({"attributeCondition": "assertion.run_number == 58"}));
    assert!(
        !evaluate(&doc, &token)
            .unverified
            .iter()
            .any(|u| u.contains("JSON numbers"))
    );
}

#[test]
fn too_expensive_expressions_are_errors_in_both_paths() {
    let thousand: Vec<i64> = (0..1000).collect();
    let token =
        claims(json!({"sub": "a", "aud": format!("//iam.googleapis.com/{NAME}"), "l": thousand}));
    let nested = "assertion.l.all(x, assertion.l.all(y, assertion.l.all(z, x + y + z >= 0)))";
    let replace = format!("assertion.sub{}", ".replace('a', 'aaaaaaaaaa')".repeat(10));
    for doc in [
        provider(json!({"attributeCondition": nested})),
        provider(json!({"attributeMapping": {"google.subject": replace}})),
    ] {
        // `evaluate` also asserts that the matrix's fast path gives the same outcome.
        let verdict = evaluate(&doc, &token);
        assert_eq!(verdict.outcome, Outcome::Error, "{}", verdict.summary);
    }
}

#[test]
fn lints() {
    let no_condition = parse(&provider(json!({})), None).unwrap();
    let codes: Vec<_> = no_condition[0].lints().iter().map(|l| l.code).collect();
    assert_eq!(codes, ["gcp-no-condition-multi-tenant"]);

    let constant = parse(&provider(json!({"attributeCondition": "true"})), None).unwrap();
    let codes: Vec<_> = constant[0].lints().iter().map(|l| l.code).collect();
    assert_eq!(codes, ["gcp-condition-without-claim"]);

    let mut private = provider(
        json!({"attributeCondition": "attribute.env == 'x'", "attributeMapping": {"attribute.Env": "assertion.env"}}),
    );
    private["oidc"]["issuerUri"] = json!("https://issuer.acme.example");
    let codes: Vec<_> = parse(&private, None).unwrap()[0]
        .lints()
        .iter()
        .map(|l| l.code)
        .collect();
    assert_eq!(codes, ["gcp-no-subject-mapping", "gcp-attribute-name"]);
}

#[test]
fn gcloud_yaml_and_terraform_json_are_detected_and_read() {
    let yaml = "attributeCondition: assertion.repository_owner == 'acme'\nattributeMapping:\n  google.subject: assertion.sub\n  attribute.repository: assertion.repository\nname: projects/123456789/locations/global/workloadIdentityPools/ci/providers/github\noidc:\n  issuerUri: https://token.actions.githubusercontent.com\nstate: ACTIVE\n";
    let doc = crate::trust::yaml::to_json(yaml).unwrap();
    assert!(detect(&doc));
    let providers = parse_providers(&doc, None).unwrap();
    assert_eq!(providers[0].config().attribute_mapping.len(), 2);

    let terraform = json!({"resource": {"google_iam_workload_identity_pool_provider": {
        "gh": {"workload_identity_pool_id": "ci", "workload_identity_pool_provider_id": "gh",
               "attribute_mapping": {"google.subject": "assertion.sub"},
               "oidc": {"issuer_uri": "https://token.actions.githubusercontent.com", "allowed_audiences": ["a"]}},
        "gl": {"workload_identity_pool_id": "ci", "workload_identity_pool_provider_id": "gl",
               "attribute_mapping": {"google.subject": "assertion.sub"},
               "oidc": {"issuer_uri": "https://gitlab.com"}}
    }}});
    assert!(detect(&terraform));
    let rules = parse(&terraform, None).unwrap();
    assert_eq!(
        rules
            .iter()
            .map(|r| r.id().name.clone())
            .collect::<Vec<_>>(),
        ["gh", "gl"]
    );

    assert!(!detect(&json!({"Version": "2012-10-17", "Statement": []})));
    assert!(!detect(
        &json!({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AuthenticationConfiguration"})
    ));
    assert!(parse(&json!({"name": NAME, "aws": {"accountId": "1"}}), None).is_err());
}

#[test]
fn disabled_provider_is_denied() {
    let doc = provider(json!({"state": "DELETED"}));
    let verdict = evaluate(
        &doc,
        &claims(json!({"sub": "s", "aud": format!("//iam.googleapis.com/{NAME}")})),
    );
    assert_eq!(verdict.outcome, Outcome::Denied);
    assert!(verdict.summary.starts_with("invalid_target"));
}

#[test]
fn member_forms() {
    let doc = provider(json!({"attributeMapping": {
        "google.subject": "assertion.sub",
        "google.groups": "assertion.teams",
        "attribute.repository": "assertion.repository"
    }}));
    let providers = parse_providers(&doc, None).unwrap();
    let token = claims(
        json!({"sub": "repo:acme/app:ref:refs/heads/main", "repository": "acme/app", "teams": ["ops"]}),
    );
    let pool = "iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci";
    let cases = [
        (format!("principal://{pool}/subject/repo:acme/app:ref:refs/heads/main"), true, None),
        (format!("principal://{pool}/subject/repo:acme/app:environment:prod"), false, Some("first-difference")),
        (format!("principalSet://{pool}/attribute.repository/acme/app"), true, None),
        (format!("principalSet://{pool}/attribute.repository/Acme/app"), false, Some("case-only-difference")),
        (format!("principalSet://{pool}/attribute.workflow/deploy"), false, Some("gcp-attribute-not-mapped")),
        (format!("principalSet://{pool}/group/ops"), true, None),
        (format!("principalSet://{pool}/*"), true, None),
        (
            "principalSet://iam.googleapis.com/projects/acme-prod/locations/global/workloadIdentityPools/ci/attribute.repository/acme/app".to_owned(),
            false,
            Some("gcp-project-id-not-number"),
        ),
        ("serviceAccount:deploy@acme.iam.gserviceaccount.com".to_owned(), false, None),
    ];
    for (member, matched, hint) in cases {
        let check = member_check(&providers[0], &member, &token);
        assert_eq!(check.passed, matched, "{member}: {check:#?}");
        if let Some(code) = hint {
            assert!(
                check.hints.iter().any(|h| h.code == code),
                "{member}: {:?}",
                check.hints
            );
        }
    }

    let with_member = parse_with_member(
        &doc,
        None,
        Some(&format!(
            "principalSet://{pool}/attribute.repository/acme/other"
        )),
    )
    .unwrap();
    let mut full = token.clone();
    full.insert("aud".into(), json!(format!("//iam.googleapis.com/{NAME}")));
    let verdict = with_member[0].evaluate(&full, NOW);
    assert_eq!(verdict.outcome, Outcome::Denied);
    assert_eq!(with_member[0].outcome(&full, NOW), Outcome::Denied);
    assert!(verdict.summary.contains("is not the IAM member"));
}

#[test]
fn expired_token_is_denied_and_leeway_is_marked() {
    let doc = provider(json!({}));
    let verdict = evaluate(
        &doc,
        &claims(json!({"sub": "s", "aud": format!("//iam.googleapis.com/{NAME}"), "exp": NOW - 1})),
    );
    assert_eq!(verdict.outcome, Outcome::Denied);
    assert!(
        check(&verdict, "exp")
            .note
            .as_deref()
            .unwrap()
            .contains("inferred: Google does not document")
    );
}

#[test]
fn demo_rule_file_against_demo_tokens() {
    let doc =
        crate::trust::yaml::to_json(include_str!("../../../assets/demo/rules/gcp-provider.yaml"))
            .unwrap();
    assert!(detect(&doc));
    let rules = parse(&doc, Some("gcp-provider.yaml")).unwrap();
    let outcomes: Vec<(String, Outcome)> = crate::demo::templates()
        .iter()
        .map(|t| {
            (
                t.name.clone(),
                rules[0].evaluate(&t.claims_at(NOW), NOW).outcome,
            )
        })
        .collect();
    let expect = |name: &str| outcomes.iter().find(|(n, _)| n == name).unwrap().1;
    assert_eq!(expect("github-environment"), Outcome::Allowed);
    assert_eq!(expect("github-branch"), Outcome::Denied);
    assert_eq!(expect("github-pull-request"), Outcome::Denied);
    assert_eq!(expect("gitlab"), Outcome::Denied);

    let branch = rules[0].evaluate(
        &crate::demo::template("github-branch")
            .unwrap()
            .claims_at(NOW),
        NOW,
    );
    assert_eq!(
        check(&branch, "attributeCondition").note.as_deref(),
        Some("CEL error: no such key: environment")
    );
    assert!(
        check(&branch, "attributeCondition")
            .hints
            .iter()
            .any(|h| h.code == "github-no-environment")
    );
    assert!(rules[0].lints().is_empty());
}

proptest::proptest! {
    /// The matrix fast path (`Rule::outcome`) agrees with the full evaluation for every mix of
    /// issuer, audience, expiry, subject length, missing or odd-typed claims, condition and
    /// IAM member.
    #[test]
    fn outcome_agrees_with_evaluate(
        iss in proptest::sample::select(vec!["https://token.actions.githubusercontent.com", "https://gitlab.com"]),
        aud in proptest::sample::select(vec![json!(format!("//iam.googleapis.com/{NAME}")), json!("sts.amazonaws.com"), json!(["x", format!("https://iam.googleapis.com/{NAME}")]), json!(7)]),
        exp_offset in proptest::sample::select(vec![-10i64, 0, 300]),
        sub_len in proptest::sample::select(vec![0usize, 20, 127, 128]),
        repository in proptest::sample::select(vec![json!("acme/app"), json!("acme/other"), json!(42), Value::Null]),
        condition in proptest::sample::select(vec![None, Some("assertion.repository == 'acme/app'"), Some("attribute.repository == 'acme/app' && google.subject.startsWith('s')")]),
        subject_mapping in proptest::sample::select(vec!["assertion.sub", "assertion.repository", "assertion.sub + '-'"]),
        member in proptest::sample::select(vec![None, Some("attribute.repository/acme/app"), Some("*")]),
    ) {
        let mut doc = provider(json!({}));
        doc["attributeMapping"] = json!({"google.subject": subject_mapping, "attribute.repository": "assertion.repository"});
        if let Some(condition) = condition {
            doc["attributeCondition"] = json!(condition);
        }
        let pool = "principalSet://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci";
        let member = member.map(|m| format!("{pool}/{m}"));
        let rule = &parse_with_member(&doc, None, member.as_deref()).unwrap()[0];
        let mut claims = claims(json!({"iss": iss, "aud": aud, "exp": NOW + exp_offset, "sub": "s".repeat(sub_len)}));
        if !repository.is_null() {
            claims.insert("repository".into(), repository);
        }
        proptest::prop_assert_eq!(rule.outcome(&claims, NOW), rule.evaluate(&claims, NOW).outcome);
    }
}
