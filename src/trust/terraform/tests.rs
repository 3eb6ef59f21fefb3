//! Recorded `terraform show -json` outputs (tests/fixtures/terraform, written by hand in the
//! shape https://developer.hashicorp.com/terraform/internals/json-format documents) read into
//! rules, before and after, each named by its resource address.

use serde_json::{Value, json};

use super::*;
use crate::token::Claims;
use crate::trust::{Outcome, Rule};

const PLAN: &str = include_str!("../../../tests/fixtures/terraform/plan.json");
const STATE: &str = include_str!("../../../tests/fixtures/terraform/state.json");

fn claims(value: Value) -> Claims {
    value.as_object().unwrap().clone()
}

fn github(sub: &str, aud: &str) -> Claims {
    claims(json!({
        "iss": "https://token.actions.githubusercontent.com", "aud": aud, "sub": sub,
        "repository": "acme/app", "repository_owner": "acme", "environment": "prod",
        "iat": 1_900_000_000, "exp": 1_900_000_600
    }))
}

fn gitlab(reference: &str) -> Claims {
    claims(json!({
        "iss": "https://gitlab.com", "aud": "https://vault.acme.example",
        "sub": "project_path:acme/infra:ref_type:branch:ref:main",
        "project_path": "acme/infra", "ref": reference, "user_email": "dev@acme.example",
        "iat": 1_900_000_000, "exp": 1_900_000_600
    }))
}

const NOW: i64 = 1_900_000_100;

fn rules_of(source: Source, text: &str) -> Vec<Box<dyn Rule>> {
    load("plan.json", text, source)
        .unwrap()
        .into_rules()
        .unwrap()
}

fn named<'a>(rules: &'a [Box<dyn Rule>], name: &str) -> &'a dyn Rule {
    rules
        .iter()
        .find(|r| r.id().name == name)
        .unwrap_or_else(|| {
            let names: Vec<_> = rules.iter().map(|r| r.id().name.clone()).collect();
            panic!("no rule {name}; have {names:?}")
        })
        .as_ref()
}

#[test]
fn every_trust_rule_resource_after_the_change_is_read_and_named_by_its_address() {
    let rules = rules_of(Source::PlanAfter, PLAN);
    let mut names: Vec<(&str, String)> = rules
        .iter()
        .map(|r| (r.id().kind.name(), r.id().name.clone()))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ("aws", "aws_iam_role.reader[0]".to_owned()),
            ("aws", "module.ci.aws_iam_role.deploy[\"app\"]".to_owned()),
            ("entra", "azapi_resource.flexible".to_owned()),
            (
                "entra",
                "azuread_application_federated_identity_credential.prod".to_owned()
            ),
            (
                "gcp",
                "google_iam_workload_identity_pool_provider.github".to_owned()
            ),
            (
                "kubernetes",
                "kubernetes_config_map_v1.authn[\"staging\"].data[\"authn.yaml\"]".to_owned()
            ),
            ("kubernetes", "local_file.authn".to_owned()),
            ("vault", "vault_jwt_auth_backend_role.deploy".to_owned()),
            ("vault", "vault_jwt_auth_backend_role.reader".to_owned()),
        ],
        "the S3 bucket, the data source and the README file are not rules"
    );
    assert!(
        rules
            .iter()
            .all(|r| r.id().file.as_deref() == Some("plan.json"))
    );
}

#[test]
fn the_before_side_has_no_resource_the_plan_creates() {
    let rules = rules_of(Source::PlanBefore, PLAN);
    let mut names: Vec<String> = rules.iter().map(|r| r.id().name.clone()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "azuread_application_federated_identity_credential.prod",
            "google_iam_workload_identity_pool_provider.github",
            "kubernetes_config_map_v1.authn[\"staging\"].data[\"authn.yaml\"]",
            "module.ci.aws_iam_role.deploy[\"app\"]",
            "vault_jwt_auth_backend_role.deploy",
        ]
    );
}

#[test]
fn aws_role_before_and_after_with_its_provider_joined() {
    let address = "module.ci.aws_iam_role.deploy[\"app\"]";
    let before = rules_of(Source::PlanBefore, PLAN);
    let after = rules_of(Source::PlanAfter, PLAN);
    let staging = github("repo:acme/app:environment:staging", "sts.amazonaws.com");
    assert_eq!(
        named(&before, address).outcome(&staging, NOW),
        Outcome::Denied
    );
    let verdict = named(&after, address).evaluate(&staging, NOW);
    assert_eq!(verdict.outcome, Outcome::Allowed, "{verdict:?}");
    assert_eq!(verdict.rule.name, address);
    // The provider resource supplies the client IDs: STS refuses another audience.
    let wrong_audience = github("repo:acme/app:environment:prod", "sts.amazon.com");
    assert_eq!(
        named(&after, address)
            .evaluate(&wrong_audience, NOW)
            .summary,
        "InvalidIdentityToken: Incorrect token audience"
    );
}

#[test]
fn an_unknown_policy_is_never_guessed() {
    let rules = rules_of(Source::PlanAfter, PLAN);
    let rule = named(&rules, "aws_iam_role.reader[0]");
    let token = github("repo:acme/app:environment:prod", "sts.amazonaws.com");
    let verdict = rule.evaluate(&token, NOW);
    assert_eq!(verdict.outcome, Outcome::Error);
    assert_eq!(rule.outcome(&token, NOW), Outcome::Error);
    let check = &verdict.checks[0];
    assert_eq!(check.condition, "assume_role_policy");
    assert_eq!(check.actual, Some(json!("(known after apply)")));
    assert!(!check.passed);
    assert!(
        verdict
            .summary
            .starts_with("known after apply: assume_role_policy")
    );
}

#[test]
fn unknown_vault_bound_claims_make_the_role_undecidable_even_when_the_rest_allows() {
    let rules = rules_of(Source::PlanAfter, PLAN);
    let rule = named(&rules, "vault_jwt_auth_backend_role.reader");
    let verdict = rule.evaluate(&gitlab("main"), NOW);
    assert_eq!(verdict.outcome, Outcome::Error, "{verdict:?}");
    assert!(
        verdict.summary.contains("the known values alone: allowed"),
        "{}",
        verdict.summary
    );
    assert!(
        verdict
            .checks
            .iter()
            .any(|c| c.condition == "bound_claims" && !c.passed)
    );
}

#[test]
fn vault_role_reads_its_backend_and_splits_bound_claims_as_the_provider_writes_them() {
    // terraform-provider-vault jwtAuthBackendRoleDataToWrite: "main, release" is written as
    // ["main", "release"].
    let before = rules_of(Source::PlanBefore, PLAN);
    let after = rules_of(Source::PlanAfter, PLAN);
    let address = "vault_jwt_auth_backend_role.deploy";
    assert_eq!(
        named(&before, address).outcome(&gitlab("release"), NOW),
        Outcome::Denied
    );
    assert_eq!(
        named(&after, address).outcome(&gitlab("release"), NOW),
        Outcome::Allowed
    );
    assert_eq!(
        named(&after, address).outcome(&gitlab("main"), NOW),
        Outcome::Allowed
    );
    // The backend's bound_issuer joins the role.
    let mut other_issuer = gitlab("main");
    other_issuer.insert("iss".into(), json!("https://gitlab.example.com"));
    assert_eq!(
        named(&after, address).outcome(&other_issuer, NOW),
        Outcome::Denied
    );
}

#[test]
fn gcp_entra_and_kubernetes_resources_decide_with_their_own_evaluators() {
    let before = rules_of(Source::PlanBefore, PLAN);
    let after = rules_of(Source::PlanAfter, PLAN);
    let gcp = "google_iam_workload_identity_pool_provider.github";
    let mut no_environment = github("repo:acme/app:ref:refs/heads/main", "sts.amazonaws.com");
    no_environment.remove("environment");
    assert_eq!(
        named(&before, gcp).outcome(&no_environment, NOW),
        Outcome::Denied
    );
    assert_eq!(
        named(&after, gcp).outcome(&no_environment, NOW),
        Outcome::Allowed
    );

    let entra = "azuread_application_federated_identity_credential.prod";
    let staging = github(
        "repo:acme/app:environment:staging",
        "api://AzureADTokenExchange",
    );
    assert_eq!(
        named(&before, entra).outcome(&staging, NOW),
        Outcome::Denied
    );
    assert_eq!(
        named(&after, entra).outcome(&staging, NOW),
        Outcome::Allowed
    );
    let flexible = named(&after, "azapi_resource.flexible");
    assert_eq!(flexible.outcome(&staging, NOW), Outcome::Allowed);

    let kubernetes = named(&after, "local_file.authn");
    let for_kubernetes = github("repo:acme/app:environment:prod", "kubernetes");
    assert_eq!(kubernetes.outcome(&for_kubernetes, NOW), Outcome::Allowed);
}

#[test]
fn state_is_read_through_nested_modules() {
    let rules = load("state.json", STATE, Source::State)
        .unwrap()
        .into_rules()
        .unwrap();
    let mut names: Vec<String> = rules.iter().map(|r| r.id().name.clone()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "google_iam_workload_identity_pool_provider.github",
            "module.ci.aws_iam_role.deploy[\"app\"]",
            "module.ci.module.azure.azuread_application_federated_identity_credential.prod[0]",
            "vault_jwt_auth_backend_role.deploy",
        ]
    );
    let prod = github("repo:acme/app:environment:prod", "sts.amazonaws.com");
    assert_eq!(
        named(&rules, "module.ci.aws_iam_role.deploy[\"app\"]").outcome(&prod, NOW),
        Outcome::Allowed
    );
}

#[test]
fn plan_and_state_are_not_confused() {
    let error = load("state.json", STATE, Source::PlanAfter).err().unwrap();
    assert!(
        error.to_string().contains("read it with tfstate:"),
        "{error}"
    );
    let error = load("plan.json", PLAN, Source::State).err().unwrap();
    assert!(error.to_string().contains("tfplan:"), "{error}");
    let error = load("x.json", r#"{"Version": "2012-10-17"}"#, Source::PlanAfter)
        .err()
        .unwrap();
    assert_eq!(error.kind(), "rules_invalid");
    let empty = r#"{"format_version": "1.2", "resource_changes": []}"#;
    let error = load("empty.json", empty, Source::PlanAfter).err().unwrap();
    assert!(
        error.to_string().contains("no trust-rule resource"),
        "{error}"
    );
}

#[test]
fn an_unknown_provider_client_list_leaves_every_role_undecided() {
    let mut plan: Value = serde_json::from_str(PLAN).unwrap();
    let provider = &mut plan["resource_changes"][0]["change"];
    provider["after"]
        .as_object_mut()
        .unwrap()
        .remove("client_id_list");
    provider["after_unknown"] = json!({"client_id_list": true});
    let rules = rules_of(Source::PlanAfter, &plan.to_string());
    let rule = named(&rules, "module.ci.aws_iam_role.deploy[\"app\"]");
    let verdict = rule.evaluate(
        &github("repo:acme/app:environment:prod", "sts.amazonaws.com"),
        NOW,
    );
    assert_eq!(verdict.outcome, Outcome::Error);
    assert!(
        verdict
            .checks
            .iter()
            .any(|c| c.condition
                == "module.ci.aws_iam_openid_connect_provider.github.client_id_list")
    );
}

#[test]
fn changes_pair_each_resource_before_and_after() {
    let changes = plan_changes("plan.json", PLAN).unwrap();
    let addresses: Vec<(&str, Vec<String>)> = changes
        .iter()
        .map(|c| (c.address.as_str(), c.actions.clone()))
        .collect();
    let update = vec!["update".to_owned()];
    let create = vec!["create".to_owned()];
    assert_eq!(
        addresses,
        [
            ("module.ci.aws_iam_role.deploy[\"app\"]", update.clone()),
            ("aws_iam_role.reader[0]", create.clone()),
            (
                "google_iam_workload_identity_pool_provider.github",
                update.clone()
            ),
            (
                "azuread_application_federated_identity_credential.prod",
                update.clone()
            ),
            ("azapi_resource.flexible", create.clone()),
            ("vault_jwt_auth_backend_role.deploy", update),
            ("vault_jwt_auth_backend_role.reader", create.clone()),
            ("local_file.authn", create),
        ],
        "no-op resources, the bucket and the README are not changes"
    );
    let (before, after): (Vec<_>, Vec<_>) = changes
        .into_iter()
        .map(|c| {
            (
                c.before.into_rules().unwrap().len(),
                c.after.into_rules().unwrap().len(),
            )
        })
        .unzip();
    assert_eq!(before, [1, 0, 1, 1, 0, 1, 0, 0]);
    assert_eq!(after, [1, 1, 1, 1, 1, 1, 1, 1]);
}

#[test]
fn credentials_of_one_application_are_alternatives() {
    // Entra accepts a token when any federated credential of the application matches
    // (docs/SEMANTICS.md §3.1), so two credential resources of one application report one group.
    let rules = rules_of(Source::PlanAfter, PLAN);
    let classic = named(
        &rules,
        "azuread_application_federated_identity_credential.prod",
    );
    let flexible = named(&rules, "azapi_resource.flexible");
    assert!(classic.any_of().is_some());
    assert_eq!(classic.any_of(), flexible.any_of());
}

#[test]
fn a_sensitive_file_holding_an_authentication_configuration_is_a_rule() {
    let mut plan: Value = serde_json::from_str(PLAN).unwrap();
    for change in plan["resource_changes"].as_array_mut().unwrap() {
        if change["address"] == "local_file.authn" {
            change["address"] = json!("local_sensitive_file.authn");
            change["type"] = json!("local_sensitive_file");
        }
    }
    let rules = rules_of(Source::PlanAfter, &plan.to_string());
    named(&rules, "local_sensitive_file.authn");
}

#[test]
fn a_changed_provider_changes_every_role_it_joins() {
    let widen = include_str!("../../../tests/fixtures/terraform/plan-widen.json");
    let mut plan: Value = serde_json::from_str(widen).unwrap();
    let changes = plan["resource_changes"].as_array_mut().unwrap();
    // Only the provider changes: it drops the STS audience.
    changes[1]["change"]["actions"] = json!(["no-op"]);
    let provider = &mut changes[0]["change"];
    provider["actions"] = json!(["update"]);
    provider["after"]["client_id_list"] = json!(["other-audience"]);
    let changes = plan_changes("plan.json", &plan.to_string()).unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].address, "module.ci.aws_iam_role.deploy[\"app\"]");
    assert_eq!(
        changes[0].actions,
        ["update"],
        "the provider's change, not the role's no-op"
    );
    let PlanChange { before, after, .. } = changes.into_iter().next().unwrap();
    let token = github("repo:acme/app:environment:prod", "sts.amazonaws.com");
    assert_eq!(
        before.into_rules().unwrap()[0].outcome(&token, NOW),
        Outcome::Allowed
    );
    assert_eq!(
        after.into_rules().unwrap()[0].outcome(&token, NOW),
        Outcome::Denied
    );
}

/// `plan.json`'s Kubernetes configuration file, updated to content known only after apply.
fn with_unknown_kubernetes_content(plan: &str, address: &str, unknown: Value) -> String {
    let mut plan: Value = serde_json::from_str(plan).unwrap();
    let changes = plan["resource_changes"].as_array_mut().unwrap();
    let change = changes
        .iter_mut()
        .find(|c| c["address"] == address)
        .unwrap();
    let change = &mut change["change"];
    change["actions"] = json!(["update"]);
    change["before"] = change["after"].clone();
    for key in ["content", "data"] {
        if let Some(values) = change["after"].as_object_mut() {
            values.remove(key);
        }
    }
    change["after_unknown"] = unknown;
    plan.to_string()
}

#[test]
fn kubernetes_configuration_in_a_config_map_is_read_before_and_after() {
    let address = "kubernetes_config_map_v1.authn[\"staging\"].data[\"authn.yaml\"]";
    let for_kubernetes = github("repo:acme/app:environment:prod", "kubernetes");
    let mut other_repository = for_kubernetes.clone();
    other_repository.insert("repository".into(), json!("acme/other"));
    for source in [Source::PlanBefore, Source::PlanAfter] {
        let rules = rules_of(source, PLAN);
        let rule = named(&rules, address);
        assert_eq!(rule.outcome(&for_kubernetes, NOW), Outcome::Allowed);
        let refused = rule.evaluate(&other_repository, NOW);
        assert_eq!(refused.outcome, Outcome::Denied, "{refused:?}");
        assert!(refused.summary.contains("only acme/app"), "{refused:?}");
    }
}

/// A Kubernetes configuration whose content is known only after apply is not taken for "no
/// rule" (a guard would then pass a configuration nobody has read): it is a rule that cannot
/// be decided, named by its address, on the after side of the change.
#[test]
fn kubernetes_configuration_known_only_after_apply_is_undecided_not_absent() {
    let token = github("repo:acme/app:environment:prod", "kubernetes");
    for (address, unknown, rule_name) in [
        (
            "local_file.authn",
            json!({"id": true, "content": true}),
            "local_file.authn",
        ),
        (
            "kubernetes_config_map_v1.authn[\"staging\"]",
            json!({"data": true}),
            "kubernetes_config_map_v1.authn[\"staging\"]",
        ),
        (
            "kubernetes_config_map_v1.authn[\"staging\"]",
            json!({"data": {"authn.yaml": true}}),
            "kubernetes_config_map_v1.authn[\"staging\"]",
        ),
    ] {
        let plan = with_unknown_kubernetes_content(PLAN, address, unknown);
        let after = rules_of(Source::PlanAfter, &plan);
        let verdict = named(&after, rule_name).evaluate(&token, NOW);
        assert_eq!(verdict.outcome, Outcome::Error, "{address}: {verdict:?}");
        assert!(
            verdict.summary.contains("known after apply"),
            "{address}: {}",
            verdict.summary
        );
        let changes = plan_changes("plan.json", &plan).unwrap();
        let change = changes
            .iter()
            .find(|c| c.address == address)
            .unwrap_or_else(|| panic!("{address} is a change"));
        assert_eq!(change.actions, ["update"]);
    }
}

/// A value known only after apply in a GCP provider, an Entra credential (classic, or the
/// AzAPI resource holding a flexible one) or an AWS role turns an allow of the known values
/// into an undecided verdict that names the value.
#[test]
fn unknown_values_of_every_system_are_named_never_guessed() {
    let mut no_environment = github("repo:acme/app:ref:refs/heads/main", "sts.amazonaws.com");
    no_environment.remove("environment");
    let staging = github(
        "repo:acme/app:environment:staging",
        "api://AzureADTokenExchange",
    );
    let cases = [
        (
            "google_iam_workload_identity_pool_provider.github",
            "attribute_condition",
            &no_environment,
        ),
        (
            "azuread_application_federated_identity_credential.prod",
            "subject",
            &staging,
        ),
        ("azapi_resource.flexible", "body", &staging),
    ];
    for (address, attribute, token) in cases {
        let known = rules_of(Source::PlanAfter, PLAN);
        assert_eq!(
            named(&known, address).outcome(token, NOW),
            Outcome::Allowed,
            "{address}: the known values allow"
        );
        let mut plan: Value = serde_json::from_str(PLAN).unwrap();
        let change = plan["resource_changes"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|c| c["address"] == address)
            .unwrap();
        change["change"]["after"]
            .as_object_mut()
            .unwrap()
            .remove(attribute);
        change["change"]["after_unknown"][attribute] = json!(true);
        let after = rules_of(Source::PlanAfter, &plan.to_string());
        let verdict = named(&after, address).evaluate(token, NOW);
        assert_eq!(verdict.outcome, Outcome::Error, "{address}: {verdict:?}");
        assert!(
            verdict
                .checks
                .iter()
                .any(|c| c.condition.contains(attribute)
                    && c.actual == Some(json!("(known after apply)"))),
            "{address}: {verdict:?}"
        );
    }
}
