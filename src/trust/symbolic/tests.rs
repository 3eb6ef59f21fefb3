//! The analysis against the evaluators: each language mirrors its evaluator's string test
//! (property tests against the evaluators' own functions), the everyday rule changes give the
//! regions a reviewer would write (table tests), and on random rule pairs every witness flips
//! while every claim set whose verdict changes lies in a reported region (property tests).

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::analyse::{Locator, compare_ungrouped, verdict_pair};
use super::lang::Lang;
use super::space::ClaimSpace;
use super::{Budget, Comparison, Conclusion, compare, reach};
use crate::token::Claims;
use crate::trust::Rule;

pub(super) const NOW: i64 = 1_900_000_000;
const GH: &str = "token.actions.githubusercontent.com";
const GH_ISS: &str = "https://token.actions.githubusercontent.com";
const GH_ARN: &str = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";

fn aws(policy: Value) -> Vec<Box<dyn Rule>> {
    crate::trust::aws::parse(&policy, Some("p.json")).unwrap()
}

fn vault(role: Value) -> Vec<Box<dyn Rule>> {
    crate::trust::vault::parse(&role, Some("role.json")).unwrap()
}

fn entra(credential: Value) -> Vec<Box<dyn Rule>> {
    crate::trust::entra::parse(&credential, Some("fic.json")).unwrap()
}

fn statement(effect: &str, condition: Value) -> Value {
    json!({"Effect": effect, "Principal": {"Federated": GH_ARN},
           "Action": "sts:AssumeRoleWithWebIdentity", "Condition": condition})
}

fn policy(statements: Vec<Value>) -> Vec<Box<dyn Rule>> {
    aws(json!({"Version": "2012-10-17", "Statement": statements}))
}

/// The GitHub deploy policy shape: audience pinned, `sub` tested by `operator`.
fn github_policy(operator: &str, sub: &str) -> Vec<Box<dyn Rule>> {
    let mut condition = json!({"StringEquals": {format!("{GH}:aud"): "sts.amazonaws.com"}});
    let entry = condition
        .as_object_mut()
        .unwrap()
        .entry(operator)
        .or_insert_with(|| json!({}));
    entry[format!("{GH}:sub")] = json!(sub);
    policy(vec![statement("Allow", condition)])
}

pub(super) fn in_model(mut claims: Value) -> Claims {
    let object = claims.as_object_mut().unwrap();
    object.insert("iat".into(), json!(NOW - 60));
    object.insert("exp".into(), json!(NOW + 3000));
    object.clone()
}

fn sub_of(claims: &Claims) -> &str {
    claims.get("sub").and_then(Value::as_str).unwrap_or("")
}

pub(super) fn run(current: &[Box<dyn Rule>], proposed: &[Box<dyn Rule>]) -> Comparison {
    compare(current, proposed, NOW, Budget::default())
}

pub(super) fn one_lang(lang: Lang) -> ClaimSpace {
    ClaimSpace::build("k", vec![lang], &[], 4096).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    // The IAM StringLike language is `trust::wildcard::glob`'s (Entra `matches` shares it).
    #[test]
    fn star_question_language_is_the_matcher(pattern in "[ab*?:]{0,5}", subject in "[abAB:]{0,5}") {
        let space = one_lang(Lang::star_question(&pattern));
        prop_assert_eq!(
            space.languages_of(&subject).contains(&0),
            crate::trust::wildcard::star_question(&pattern, &subject)
        );
    }

    // Vault's go-glob accepts what the `*` glob accepts.
    #[test]
    fn go_glob_language_is_the_matcher(pattern in "[ab*:]{0,6}", subject in "[ab:]{0,6}") {
        let space = one_lang(Lang::go_glob(&pattern));
        prop_assert_eq!(
            space.languages_of(&subject).contains(&0),
            crate::trust::wildcard::go_glob(&pattern, &subject)
        );
    }

    // IAM *IgnoreCase: per-character simple folding, with the characters whose folding is
    // unusual (Kelvin sign, long s, final sigma, sharp s, dotted and dotless i).
    #[test]
    fn caseless_language_is_the_matcher(value in "[aAkKsSſσςΣßiIıİ]{0,3}", subject in "[aAkKsSſσςΣßiIıİ]{0,3}") {
        let space = one_lang(Lang::caseless(&value));
        prop_assert_eq!(
            space.languages_of(&subject).contains(&0),
            crate::trust::aws::eq_ignore_case(&value, &subject)
        );
    }
}

/// `repo:acme/*` → `repo:acme/*:environment:prod`: nobody gains; branches, tags and pull
/// requests of every acme repository lose access.
#[test]
fn narrowing_to_an_environment_loses_the_rest_and_gains_nothing() {
    let current = github_policy("StringLike", "repo:acme/*");
    let proposed = github_policy("StringLike", "repo:acme/*:environment:prod");
    let result = run(&current, &proposed);
    assert_eq!(
        result.conclusion,
        Conclusion::ProvedNoNewAccess,
        "{result:#?}"
    );
    assert!(result.gains.is_empty());
    assert!(!result.loses.is_empty());
    let sub_texts: Vec<&str> = result
        .loses
        .iter()
        .flat_map(|r| &r.constraints)
        .filter(|c| c.claim == "sub")
        .map(|c| c.text.as_str())
        .collect();
    assert!(
        sub_texts.iter().all(|t| t.contains("like \"repo:acme/*\"")
            && t.contains("but not like \"repo:acme/*:environment:prod\"")),
        "{sub_texts:?}"
    );
    for region in &result.loses {
        let sub = sub_of(&region.witness);
        assert!(
            sub.starts_with("repo:acme/") && !sub.ends_with(":environment:prod"),
            "{sub}"
        );
        assert_eq!(
            verdict_pair(&current, &proposed, &region.witness, NOW),
            (true, false)
        );
    }
}

/// Adding a `StringLike` on `sub` where there was none only takes access away.
#[test]
fn adding_a_subject_condition_only_loses() {
    let current = policy(vec![statement(
        "Allow",
        json!({"StringEquals": {format!("{GH}:aud"): "sts.amazonaws.com"}}),
    )]);
    let proposed = github_policy("StringLike", "repo:acme/*");
    let result = run(&current, &proposed);
    assert_eq!(
        result.conclusion,
        Conclusion::ProvedNoNewAccess,
        "{result:#?}"
    );
    assert!(
        result
            .loses
            .iter()
            .flat_map(|r| &r.constraints)
            .any(|c| c.claim == "sub" && c.text.contains("absent")),
        "{result:#?}"
    );
    assert!(
        result
            .loses
            .iter()
            .any(|r| sub_of(&r.witness).starts_with("repo:other-org/"))
    );
}

/// `StringEquals` → `StringLike` with a `*`: every other ref of the repository gets in, and
/// the region says so in GitHub's words.
#[test]
fn equals_to_like_with_a_star_gains_the_repository() {
    let current = github_policy("StringEquals", "repo:acme/app:ref:refs/heads/main");
    let proposed = github_policy("StringLike", "repo:acme/app:*");
    let result = run(&current, &proposed);
    assert_eq!(result.conclusion, Conclusion::GainsAccess, "{result:#?}");
    assert!(result.loses.is_empty());
    let texts: Vec<&str> = result
        .gains
        .iter()
        .flat_map(|r| &r.constraints)
        .filter(|c| c.claim == "sub")
        .map(|c| c.text.as_str())
        .collect();
    assert!(
        texts.iter().any(
            |t| t.contains("acme/app: any branch, tag, environment or pull request")
                && t.contains("but not = \"repo:acme/app:ref:refs/heads/main\"")
        ),
        "{texts:?}"
    );
    for region in &result.gains {
        assert_eq!(
            verdict_pair(&current, &proposed, &region.witness, NOW),
            (false, true)
        );
        assert!(
            crate::trust::symbolic::space::github_subject(sub_of(&region.witness)),
            "{:?}",
            region.witness
        );
    }
}

/// A Deny added for pull requests: pull requests lose access, nobody gains.
#[test]
fn a_deny_added_loses_pull_requests_only() {
    let current = github_policy("StringLike", "repo:acme/*");
    let mut statements = vec![statement(
        "Allow",
        json!({"StringEquals": {format!("{GH}:aud"): "sts.amazonaws.com"},
               "StringLike": {format!("{GH}:sub"): "repo:acme/*"}}),
    )];
    statements.push(statement(
        "Deny",
        json!({"StringLike": {format!("{GH}:sub"): "*:pull_request"}}),
    ));
    let proposed = policy(statements);
    let result = run(&current, &proposed);
    assert_eq!(
        result.conclusion,
        Conclusion::ProvedNoNewAccess,
        "{result:#?}"
    );
    assert!(!result.loses.is_empty());
    for region in &result.loses {
        assert!(
            sub_of(&region.witness).ends_with(":pull_request"),
            "{:?}",
            region.witness
        );
    }
}

fn vault_role(bound_sub: &str) -> Value {
    json!({"role_type": "jwt", "user_claim": "sub", "bound_audiences": ["https://vault.example"],
           "bound_claims_type": "glob", "bound_claims": {"sub": bound_sub}})
}

/// A Vault glob widened from one repository to the organisation gains its other repositories.
#[test]
fn vault_glob_widened_gains_other_repositories() {
    let current = vault(vault_role("repo:acme/app:*"));
    let proposed = vault(vault_role("repo:acme/*"));
    let result = run(&current, &proposed);
    assert_eq!(result.conclusion, Conclusion::GainsAccess, "{result:#?}");
    assert!(result.loses.is_empty());
    for region in &result.gains {
        assert_eq!(
            verdict_pair(&current, &proposed, &region.witness, NOW),
            (false, true)
        );
    }
    assert!(result.gains.iter().any(|r| {
        let sub = sub_of(&r.witness);
        sub.starts_with("repo:acme/") && !sub.starts_with("repo:acme/app:")
    }));
}

/// An Entra classic credential replaced by a flexible one matching `repo:acme/*`.
#[test]
fn entra_flexible_expression_gains_the_organisation() {
    let classic = entra(json!({"name": "main", "issuer": GH_ISS,
        "subject": "repo:acme/app:ref:refs/heads/main", "audiences": ["api://AzureADTokenExchange"]}));
    let flexible = entra(json!({"name": "org", "issuer": GH_ISS, "subject": null,
        "audiences": ["api://AzureADTokenExchange"],
        "claimsMatchingExpression": {"value": "claims['sub'] matches 'repo:acme/*'", "languageVersion": 1}}));
    let result = run(&classic, &flexible);
    assert_eq!(result.conclusion, Conclusion::GainsAccess, "{result:#?}");
    assert!(result.loses.is_empty());
    assert!(
        result
            .gains
            .iter()
            .all(|r| sub_of(&r.witness).starts_with("repo:acme/"))
    );
}

/// A request key (`aws:SourceIp`) is not decided by the token: not proved.
#[test]
fn request_keys_are_not_proved() {
    let current = github_policy("StringLike", "repo:acme/*");
    let proposed = policy(vec![statement(
        "Allow",
        json!({"StringLike": {format!("{GH}:sub"): "repo:acme/*"},
               "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
    )]);
    let result = run(&current, &proposed);
    assert_ne!(
        result.conclusion,
        Conclusion::ProvedNoNewAccess,
        "{result:#?}"
    );
    assert!(
        result.not_proved.iter().any(|w| w.contains("aws:SourceIp")),
        "{:?}",
        result.not_proved
    );
}

/// `who`: the org-wide rule says, in words, that it admits every repository and pull requests.
#[test]
fn reach_of_an_org_wide_rule_lints_pull_requests_and_the_whole_owner() {
    let rules = github_policy("StringLike", "repo:acme/*");
    let result = reach(&rules, NOW, Budget::default());
    assert!(result.complete, "{result:#?}");
    assert!(
        result
            .admitted
            .iter()
            .flat_map(|r| &r.constraints)
            .any(|c| c
                .text
                .contains("any repository of acme: any branch, tag, environment or pull request"))
    );
    let codes: Vec<&str> = result.lints.iter().map(|l| l.code).collect();
    assert!(codes.contains(&"admits-pull-requests"), "{codes:?}");
    assert!(codes.contains(&"admits-whole-owner"), "{codes:?}");
    assert!(!codes.contains(&"admits-any-subject"), "{codes:?}");
}

// Random rule pairs within the fragment.

fn aws_condition() -> impl Strategy<Value = (String, String, Vec<String>)> {
    aws_condition_of(
        vec!["sub", "aud", "env"]
            .into_iter()
            .map(|k| format!("{GH}:{k}"))
            .collect(),
        vec!["a*", "a:b", "*b", "a?", "A:b", "*", "ab", "true", "false"],
    )
}

/// Conditions with keys of other forms too: a claim name in upper case, another provider's
/// prefix, `oaud`, and a policy variable that reads another claim.
fn aws_condition_wide() -> impl Strategy<Value = (String, String, Vec<String>)> {
    aws_condition_of(
        vec![
            format!("{GH}:sub"),
            format!("{GH}:aud"),
            format!("{GH}:env"),
            format!("{GH}:ENV"),
            format!("{GH}:oaud"),
            "gitlab.com:env".to_owned(),
        ],
        vec![
            "a*",
            "a:b",
            "*b",
            "A:b",
            "*",
            "ab",
            "true",
            "${token.actions.githubusercontent.com:env}",
        ],
    )
}

fn aws_condition_of(
    keys: Vec<String>,
    values: Vec<&'static str>,
) -> impl Strategy<Value = (String, String, Vec<String>)> {
    let operators = prop::sample::select(vec![
        "StringEquals",
        "StringNotEquals",
        "StringLike",
        "StringNotLike",
        "StringEqualsIgnoreCase",
        "ForAnyValue:StringLike",
        "ForAllValues:StringEquals",
        "ForAllValues:StringNotLike",
        "StringLikeIfExists",
        "StringNotLikeIfExists",
        "Null",
    ]);
    let keys = prop::sample::select(keys);
    let values = prop::collection::vec(prop::sample::select(values), 1..3);
    (operators, keys, values).prop_map(|(op, key, values)| {
        (
            op.to_owned(),
            key,
            values.into_iter().map(str::to_owned).collect(),
        )
    })
}

fn aws_policy() -> impl Strategy<Value = Value> {
    aws_policy_of(aws_condition().boxed())
}

fn aws_policy_of(
    condition: BoxedStrategy<(String, String, Vec<String>)>,
) -> impl Strategy<Value = Value> {
    let statement_strategy = (
        prop::bool::weighted(0.75),
        prop::collection::vec(condition, 0..3),
        prop::bool::weighted(0.15),
    );
    prop::collection::vec(statement_strategy, 1..3).prop_map(|statements| {
        let statements: Vec<Value> = statements
            .into_iter()
            .map(|(allow, conditions, everyone)| {
                let mut condition = Map::new();
                for (op, key, values) in conditions {
                    let entry = condition
                        .entry(op)
                        .or_insert_with(|| json!({}))
                        .as_object_mut()
                        .unwrap();
                    entry.insert(key, json!(values));
                }
                let mut statement = statement(
                    if allow { "Allow" } else { "Deny" },
                    Value::Object(condition),
                );
                // A wildcard principal applies to every issuer.
                if everyone {
                    statement["Principal"] = json!("*");
                }
                statement
            })
            .collect();
        json!({"Version": "2012-10-17", "Statement": statements})
    })
}

fn claim_value() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        Just(None),
        "[aAb:]{0,3}".prop_map(|s| Some(json!(s))),
        prop::collection::vec("[aAb:]{0,3}", 0..3).prop_map(|v| Some(json!(v))),
    ]
}

fn claim_set() -> impl Strategy<Value = Claims> {
    (
        // The provider's URL with and without `https://`, another issuer, none, a list: the
        // issuers on which the policy settles before reading any condition, and the one it reads on.
        prop::sample::select(vec![
            Some(json!(GH_ISS)),
            Some(json!(GH_ISS)),
            Some(json!(GH)),
            Some(json!("https://other.example")),
            None,
            Some(json!([GH_ISS])),
        ]),
        claim_value(),
        claim_value(),
        claim_value(),
        prop::option::of("[ab]{0,2}"),
    )
        .prop_map(|(iss, sub, aud, env, azp)| {
            let mut claims = json!({});
            if let Some(iss) = iss {
                claims["iss"] = iss;
            }
            for (name, value) in [("sub", sub), ("aud", aud), ("env", env)] {
                if let Some(value) = value {
                    claims[name] = value;
                }
            }
            if let Some(azp) = azp {
                claims["azp"] = json!(azp);
            }
            in_model(claims)
        })
}

/// Every region's witness flips; a claim set whose verdict changes lies in a region of the
/// right kind; a claim set whose verdict does not change lies in none; "proved" never
/// coexists with a caller who gains.
pub(super) fn check_pair(
    current: &[Box<dyn Rule>],
    proposed: &[Box<dyn Rule>],
    samples: &[Claims],
) -> Result<(), TestCaseError> {
    let result = run(current, proposed);
    prop_assert!(
        result.analysis_errors.is_empty(),
        "{:?}",
        result.analysis_errors
    );
    for region in &result.gains {
        prop_assert_eq!(
            verdict_pair(current, proposed, &region.witness, NOW),
            (false, true)
        );
    }
    for region in &result.loses {
        prop_assert_eq!(
            verdict_pair(current, proposed, &region.witness, NOW),
            (true, false)
        );
    }
    if !result.not_proved.is_empty() || result.combinations == 0 {
        return Ok(());
    }
    let locator = Locator::new(current, proposed, Budget::default()).expect("the same universe");
    for claims in samples {
        let pair = verdict_pair(current, proposed, claims, NOW);
        // Claim sets outside the caller model (a list where no rule reads one) are skipped.
        let Some(cell) = locator.cell(claims) else {
            continue;
        };
        let in_gains = result.gains.iter().any(|r| r.contains(&cell));
        let in_loses = result.loses.iter().any(|r| r.contains(&cell));
        prop_assert_eq!(
            (in_gains, in_loses),
            (pair == (false, true), pair == (true, false)),
            "{:?} {:?}",
            claims,
            pair
        );
        if pair == (false, true) {
            prop_assert_eq!(result.conclusion, Conclusion::GainsAccess);
        }
    }
    Ok(())
}

/// The grouped analysis (one value per group of values every condition answers alike) finds
/// exactly the callers the ungrouped one does: every combination of claim values (all of them,
/// or an even spread past 20 000) lies in a gain region of both or neither, and likewise for
/// losses.
fn check_grouping(
    current: &[Box<dyn Rule>],
    proposed: &[Box<dyn Rule>],
) -> Result<(), TestCaseError> {
    let grouped = run(current, proposed);
    let ungrouped = compare_ungrouped(current, proposed, NOW, Budget::default());
    prop_assert!(
        grouped.analysis_errors.is_empty(),
        "{:?}",
        grouped.analysis_errors
    );
    prop_assert!(grouped.combinations <= ungrouped.combinations);
    if ungrouped.combinations == 0 {
        return Ok(());
    }
    let locator = Locator::new(current, proposed, Budget::default()).expect("the same universe");
    let sizes = locator.sizes();
    let total: usize = sizes.iter().product();
    let step = total.div_ceil(20_000).max(1);
    for index in (0..total).step_by(step) {
        let mut rest = index;
        let cell: Vec<usize> = sizes
            .iter()
            .map(|size| {
                let value = rest % size;
                rest /= size;
                value
            })
            .collect();
        for (a, b, what) in [
            (&grouped.gains, &ungrouped.gains, "gains"),
            (&grouped.loses, &ungrouped.loses, "loses"),
        ] {
            prop_assert_eq!(
                a.iter().any(|r| r.contains(&cell)),
                b.iter().any(|r| r.contains(&cell)),
                "{} differ at {:?}",
                what,
                cell
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn aws_grouping_keeps_every_region(
        current in aws_policy_of(aws_condition_wide().boxed()),
        proposed in aws_policy_of(aws_condition_wide().boxed()),
    ) {
        check_grouping(&aws(current), &aws(proposed))?;
    }

    #[test]
    fn aws_pairs_are_sound_and_complete(
        current in aws_policy(),
        proposed in aws_policy(),
        samples in prop::collection::vec(claim_set(), 24),
    ) {
        check_pair(&aws(current), &aws(proposed), &samples)?;
    }

    #[test]
    fn vault_pairs_are_sound_and_complete(
        current in vault_role_strategy(),
        proposed in vault_role_strategy(),
        samples in prop::collection::vec(claim_set(), 24),
    ) {
        check_pair(&vault(current), &vault(proposed), &samples)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// One or two credentials of an application on each side, of GitHub's issuer (with or
    /// without `https://`) or another: the issuer settles each credential.
    #[test]
    fn entra_pairs_are_sound_and_complete(
        current in prop::collection::vec(entra_credential_strategy(), 1..3),
        proposed in prop::collection::vec(entra_credential_strategy(), 1..3),
        samples in prop::collection::vec(entra_claim_set(), 32),
    ) {
        check_pair(&entra(named(current)), &entra(named(proposed)), &samples)?;
    }
}

/// The credentials of one application, named as Entra requires.
fn named(mut credentials: Vec<Value>) -> Value {
    for (index, credential) in credentials.iter_mut().enumerate() {
        credential["name"] = json!(format!("credential-{index}"));
    }
    json!(credentials)
}

/// Callers that the credentials below often admit.
fn entra_claim_set() -> impl Strategy<Value = Claims> {
    (
        prop::option::of(prop::sample::select(vec![
            GH_ISS,
            GH,
            "https://other.example",
        ])),
        prop::option::of(prop::sample::select(vec!["ab", "a:b", "A:b", "abb", "b"])),
        prop::sample::select(vec![json!("a"), json!("ab"), json!(["b", "a"]), json!("x")]),
    )
        .prop_map(|(iss, sub, aud)| {
            let mut claims = json!({"aud": aud});
            if let Some(iss) = iss {
                claims["iss"] = json!(iss);
            }
            if let Some(sub) = sub {
                claims["sub"] = json!(sub);
            }
            in_model(claims)
        })
}

fn entra_credential_strategy() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec![GH_ISS, GH, "https://other.example"]),
        prop::sample::select(vec!["ab", "a:b", "A:b"]),
        prop::option::of(prop::sample::select(vec!["a*", "*b", "a?"])),
        prop::sample::select(vec!["a", "ab"]),
    )
        .prop_map(|(issuer, subject, pattern, audience)| match pattern {
            None => json!({"name": "c", "issuer": issuer, "subject": subject,
                "audiences": [audience]}),
            Some(pattern) => json!({"name": "f", "issuer": issuer, "subject": null,
                "audiences": [audience],
                "claimsMatchingExpression": {
                    "value": format!("claims['sub'] matches '{pattern}'"),
                    "languageVersion": 1}}),
        })
}

fn vault_role_strategy() -> impl Strategy<Value = Value> {
    let values = prop::collection::vec(
        prop::sample::select(vec!["a*", "a:b", "*b", "ab", "*", ""]),
        1..3,
    );
    (
        prop::bool::ANY,
        prop::option::of(values.clone()),
        prop::option::of(values),
        prop::sample::select(vec![vec![], vec!["a"], vec!["a", "b"]]),
        prop::option::of(prop::sample::select(vec!["ab", "a:b"])),
    )
        .prop_map(|(glob, sub, env, audiences, subject)| {
            let mut bound = Map::new();
            if let Some(sub) = sub {
                bound.insert("sub".into(), json!(sub));
            }
            if let Some(env) = env {
                bound.insert("env".into(), json!(env));
            }
            json!({"role_type": "jwt", "user_claim": "sub",
                "bound_audiences": audiences,
                "bound_subject": subject.unwrap_or(""),
                "bound_claims_type": if glob { "glob" } else { "string" },
                "bound_claims": bound})
        })
}

/// The benchmark's AWS pair (benches/symbolic.rs): `statements` Allow statements of five
/// conditions (`patterns` subject patterns, the first widened to the whole owner in the
/// proposed policy) and a Deny.
fn bench_policy(statements: usize, patterns: usize, wider: bool) -> Vec<Box<dyn Rule>> {
    let mut list: Vec<Value> = (0..statements)
        .map(|s| {
            let subjects: Vec<String> = (0..patterns)
                .map(|p| {
                    if wider && p == 0 {
                        format!("repo:acme-{s}/*")
                    } else {
                        format!("repo:acme-{s}/app-{p}:ref:refs/heads/*")
                    }
                })
                .collect();
            json!({"Effect": "Allow",
                    "Principal": {"Federated": GH_ARN},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {format!("{GH}:aud"): "sts.amazonaws.com"},
                        "StringLike": {format!("{GH}:sub"): subjects},
                        "StringNotLike": {format!("{GH}:sub"): "*:pull_request"},
                        "StringEqualsIfExists": {format!("{GH}:environment"): ["prod", "staging"]},
                        "ForAnyValue:StringLike": {format!("{GH}:job_workflow_ref"): "acme/*"}}})
        })
        .collect();
    list.push(json!({"Effect": "Deny", "Principal": {"Federated": GH_ARN},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringLike": {format!("{GH}:sub"): "repo:acme-0/legacy:*"}}}));
    aws(json!({"Version": "2012-10-17", "Statement": list}))
}

#[test]
fn grouping_the_benchmark_pair_keeps_its_regions() {
    let (current, proposed) = (bench_policy(1, 3, false), bench_policy(1, 3, true));
    check_grouping(&current, &proposed).unwrap();
    let grouped = run(&current, &proposed);
    assert_eq!(grouped.conclusion, Conclusion::GainsAccess);
    let ungrouped = compare_ungrouped(&current, &proposed, NOW, Budget::default());
    assert!(grouped.combinations < ungrouped.combinations);
    // The 4 × 10 pair, over the budget ungrouped, is analysed in full.
    let wide = run(&bench_policy(4, 10, false), &bench_policy(4, 10, true));
    assert!(wide.not_proved.is_empty(), "{:?}", wide.not_proved);
    assert!(
        wide.analysis_errors.is_empty(),
        "{:?}",
        wide.analysis_errors
    );
    assert_eq!(wide.conclusion, Conclusion::GainsAccess);
}

/// Grouping asks the AWS evaluator for the answers of the conditions on one claim; it must
/// decline where the outcome reads the claim otherwise, since one claim's answers cannot show
/// a policy variable reading it into another claim's condition, nor the issuer, client-ID and
/// expiry checks.
#[test]
fn condition_answers_decline_variables_and_claims_read_elsewhere() {
    let parse = |condition: Value| {
        crate::trust::aws::parse_policy(
            &json!({"Version": "2012-10-17", "Statement": [statement("Allow", condition)]}),
            None,
        )
        .unwrap()
    };
    let plain = parse(json!({"StringLike": {format!("{GH}:sub"): "repo:acme/*",
                                            format!("{GH}:Environment"): "prod"}}));
    let with_variable = parse(json!({"StringEquals": {
        format!("{GH}:environment"): format!("${{{GH}:sub}}")}}));
    let claims = |name: &str, value: &str| in_model(json!({ name: value }));
    use crate::trust::aws::Tri;
    assert_eq!(
        plain.condition_answers("sub", &claims("sub", "repo:acme/x")),
        Some(vec![Tri::True])
    );
    assert_eq!(
        plain.condition_answers("environment", &claims("environment", "dev")),
        Some(vec![Tri::False])
    );
    for claim in ["iss", "aud", "azp", "exp"] {
        assert_eq!(plain.condition_answers(claim, &claims(claim, "x")), None);
    }
    assert_eq!(
        with_variable.condition_answers("sub", &claims("sub", "prod")),
        None
    );
}
