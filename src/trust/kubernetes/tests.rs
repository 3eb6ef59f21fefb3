//! Table tests. Source unless noted: kubernetes/apiserver
//! `plugin/pkg/authenticator/token/oidc/oidc_test.go` (TestToken) and `oidc.go` @24a394e;
//! configuration rules from `pkg/apis/apiserver/validation/validation.go` at the same commit.

use serde_json::{Value, json};

use super::*;
use crate::token::Claims;
use crate::trust::{Outcome, Verdict};

const NOW: i64 = 1_257_894_000;
const ISSUER: &str = "https://auth.example.com";

fn entry(extra: Value) -> Value {
    let mut entry = json!({
        "issuer": {"url": ISSUER, "audiences": ["my-client"]},
        "claimMappings": {"username": {"claim": "username", "prefix": ""}}
    });
    for (k, v) in extra.as_object().unwrap() {
        entry[k] = v.clone();
    }
    entry
}

fn token(extra: Value) -> Claims {
    let mut claims =
        json!({"iss": ISSUER, "aud": "my-client", "username": "jane", "exp": NOW + 3600});
    for (k, v) in extra.as_object().unwrap() {
        claims[k] = v.clone();
    }
    claims.as_object().unwrap().clone()
}

fn evaluate(entry: Value, claims: &Claims) -> Verdict {
    let doc = json!({"apiVersion": "apiserver.config.k8s.io/v1beta1", "kind": "AuthenticationConfiguration", "jwt": [entry]});
    let rules = parse(&doc, Some("authn.yaml")).unwrap();
    rules[0].evaluate(claims, NOW)
}

fn user(verdict: &Verdict) -> Value {
    assert_eq!(verdict.outcome, Outcome::Allowed, "{verdict:#?}");
    let last = verdict.checks.last().unwrap();
    assert_eq!(last.condition, "resulting user");
    last.actual.clone().unwrap()
}

#[test]
fn another_issuer_is_skipped_not_refused() {
    // TestToken "invalid-issuer": the authenticator returns (nil, false, nil).
    let verdict = evaluate(
        entry(json!({})),
        &token(json!({"iss": "https://example.com"})),
    );
    assert_eq!(verdict.outcome, Outcome::NotApplicable);
    assert_eq!(verdict.checks.len(), 1);
    assert!(verdict.summary.starts_with("skipped"));
    // go-oidc accepts Google's scheme-less issuer ("accounts.google.com issuer").
    let google = entry(
        json!({"issuer": {"url": "https://accounts.google.com", "audiences": ["my-client"]}}),
    );
    let verdict = evaluate(google, &token(json!({"iss": "accounts.google.com"})));
    assert_eq!(verdict.outcome, Outcome::Allowed);
}

#[test]
fn audiences_match_any() {
    let multi = json!({"issuer": {"url": ISSUER, "audiences": ["random-client", "my-client"], "audienceMatchPolicy": "MatchAny"}});
    let cases = [
        // "multiple-audiences in authentication config"
        (multi.clone(), json!(["not-my-client", "my-client"]), Ok(())),
        // "multiple-audiences in authentication config, no match": audiences sorted in the message.
        (
            multi,
            json!(["not-my-client"]),
            Err(
                "oidc: verify token: oidc: expected audience in [\"my-client\" \"random-client\"] got [\"not-my-client\"]",
            ),
        ),
        // "invalid-aud"
        (
            json!({}),
            json!("not-my-client"),
            Err(
                "oidc: verify token: oidc: expected audience \"my-client\" got [\"not-my-client\"]",
            ),
        ),
        (json!({}), json!("my-client"), Ok(())),
    ];
    for (extra, aud, want) in cases {
        let verdict = evaluate(entry(extra), &token(json!({"aud": aud})));
        match want {
            Ok(()) => assert_eq!(verdict.outcome, Outcome::Allowed, "{aud}"),
            Err(message) => {
                assert_eq!(verdict.outcome, Outcome::Denied, "{aud}");
                assert_eq!(verdict.summary, message);
            }
        }
    }
}

#[test]
fn required_claims_must_be_strings() {
    let rule = json!({"claimValidationRules": [{"claim": "hd", "requiredValue": "example.com"}]});
    let cases = [
        (json!({"hd": "example.com"}), None),
        (
            json!({}),
            Some("oidc: required claim hd not present in ID token"),
        ),
        (
            json!({"hd": "example.org"}),
            Some(
                "oidc: required claim hd value does not match. Got = example.org, want = example.com",
            ),
        ),
        // oidc.go unmarshals the claim into a Go string: a number or bool cannot match.
        (
            json!({"hd": 42}),
            Some(
                "oidc: parse claim hd: json: cannot unmarshal number into Go value of type string",
            ),
        ),
        (
            json!({"hd": true}),
            Some("oidc: parse claim hd: json: cannot unmarshal bool into Go value of type string"),
        ),
    ];
    for (claims, want) in cases {
        let verdict = evaluate(entry(rule.clone()), &token(claims.clone()));
        match want {
            None => assert_eq!(verdict.outcome, Outcome::Allowed, "{claims}"),
            Some(message) => {
                assert_eq!(verdict.outcome, Outcome::Denied, "{claims}");
                assert_eq!(verdict.summary, message, "{claims}");
            }
        }
    }
    let non_string = evaluate(entry(rule), &token(json!({"hd": 42})));
    assert!(non_string.checks.iter().any(|c| {
        c.hints
            .iter()
            .any(|h| h.code == "k8s-required-claim-not-string")
    }));
    // A YAML `requiredValue: true` is a boolean; the API server's strict decoding rejects it.
    let bool_value = evaluate(
        entry(json!({"claimValidationRules": [{"claim": "hd", "requiredValue": true}]})),
        &token(json!({})),
    );
    assert_eq!(bool_value.outcome, Outcome::Error);
}

#[test]
fn cel_claim_rule_false_versus_error() {
    let rule = json!({"claimValidationRules": [{"expression": "claims.hd == \"example.com\"", "message": "hd claim must be example.com"}]});
    // "claim validation rule with expression"
    assert_eq!(
        evaluate(entry(rule.clone()), &token(json!({"hd": "example.com"}))).outcome,
        Outcome::Allowed
    );
    // False: the rule's message.
    let wrong = evaluate(entry(rule.clone()), &token(json!({"hd": "example.org"})));
    assert_eq!(
        wrong.summary,
        "oidc: error evaluating claim validation expression: validation expression 'claims.hd == \"example.com\"' failed: hd claim must be example.com"
    );
    // "claim validation rule with expression fails": an absent claim is a CEL error.
    let absent = evaluate(entry(rule), &token(json!({})));
    assert_eq!(absent.outcome, Outcome::Denied);
    assert_eq!(
        absent.summary,
        "oidc: error evaluating claim validation expression: expression 'claims.hd == \"example.com\"' resulted in error: no such key: hd"
    );
    // Every rule is evaluated before results are read, so a later error beats an earlier false.
    let both = json!({"claimValidationRules": [
        {"expression": "claims.username == 'bob'", "message": "must be bob"},
        {"expression": "claims.hd == 'x'", "message": "hd"}
    ]});
    let verdict = evaluate(entry(both), &token(json!({})));
    assert!(
        verdict
            .summary
            .contains("resulted in error: no such key: hd"),
        "{}",
        verdict.summary
    );
    // A conjunction names its deciding part.
    let conj = json!({"claimValidationRules": [{"expression": "claims.username == 'jane' && claims.hd == 'x'", "message": "m"}]});
    let verdict = evaluate(entry(conj), &token(json!({"hd": "y"})));
    let hints: Vec<_> = verdict
        .checks
        .iter()
        .flat_map(|c| &c.hints)
        .map(|h| h.message.as_str())
        .collect();
    assert_eq!(hints, ["the part `claims.hd == 'x'` is false"]);
    // "nuanced audience validation using claim validation rules" (sets library).
    let sets = json!({
        "issuer": {"url": ISSUER, "audiences": ["bar", "foo", "baz"], "audienceMatchPolicy": "MatchAny"},
        "claimValidationRules": [{"expression": "sets.equivalent(claims.aud, [\"bar\", \"foo\", \"baz\"])", "message": "audience must exactly contain [bar, foo, baz]"}]
    });
    assert_eq!(
        evaluate(
            entry(sets.clone()),
            &token(json!({"aud": ["foo", "bar", "baz"]}))
        )
        .outcome,
        Outcome::Allowed
    );
    assert_eq!(
        evaluate(entry(sets), &token(json!({"aud": ["foo", "baz"]}))).outcome,
        Outcome::Denied
    );
}

#[test]
fn username_and_email_verified() {
    let email = json!({"claimMappings": {"username": {"claim": "email", "prefix": ""}}});
    let cases = [
        // "email"
        (
            email.clone(),
            json!({"email": "jane@example.com", "email_verified": true}),
            Ok("jane@example.com"),
        ),
        // "email-not-verified"
        (
            email.clone(),
            json!({"email": "jane@example.com", "email_verified": false}),
            Err("oidc: email not verified"),
        ),
        // "invalid-email-verified-claim": the string "false" is not a bool.
        (
            email.clone(),
            json!({"email": "jane@example.com", "email_verified": "true"}),
            Err(
                "oidc: parse 'email_verified' claim: json: cannot unmarshal string into Go value of type bool",
            ),
        ),
        // An absent email_verified is not checked.
        (
            email,
            json!({"email": "jane@example.com"}),
            Ok("jane@example.com"),
        ),
        // "username-prefix"
        (
            json!({"claimMappings": {"username": {"claim": "username", "prefix": "oidc:"}}}),
            json!({}),
            Ok("oidc:jane"),
        ),
        // "no-username"
        (
            json!({"claimMappings": {"username": {"claim": "sub", "prefix": "prefix:"}}}),
            json!({}),
            Err("oidc: parse username claims \"sub\": claim not present"),
        ),
        (
            json!({"claimMappings": {"username": {"expression": "claims.username + '@corp'"}}}),
            json!({}),
            Ok("jane@corp"),
        ),
        (
            json!({"claimMappings": {"username": {"expression": "claims.?nick.orValue('')"}}}),
            json!({}),
            Err("oidc: empty username via CEL expression is not allowed"),
        ),
    ];
    for (extra, claims, want) in cases {
        let verdict = evaluate(entry(extra), &token(claims.clone()));
        match want {
            Ok(name) => assert_eq!(user(&verdict)["username"], name, "{claims}"),
            Err(message) => {
                assert_eq!(verdict.outcome, Outcome::Denied, "{claims}");
                assert_eq!(verdict.summary, message, "{claims}");
            }
        }
    }
}

#[test]
fn groups_as_string_or_list() {
    let by_claim = json!({"claimMappings": {"username": {"claim": "username", "prefix": ""}, "groups": {"claim": "groups", "prefix": "oidc:"}}});
    let cases: [(Value, Result<Value, &str>); 6] = [
        (
            json!({"groups": ["team1", "team2"]}),
            Ok(json!(["oidc:team1", "oidc:team2"])),
        ),
        // A single string is one group.
        (json!({"groups": "team1"}), Ok(json!(["oidc:team1"]))),
        (json!({"groups": null}), Ok(json!([]))),
        (json!({}), Ok(json!([]))),
        // "invalid-groups-claim"
        (
            json!({"groups": 42}),
            Err(
                "oidc: parse groups claim \"groups\": json: cannot unmarshal number into Go value of type string",
            ),
        ),
        (
            json!({"groups": [1]}),
            Err(
                "oidc: parse groups claim \"groups\": json: cannot unmarshal array into Go value of type string",
            ),
        ),
    ];
    for (claims, want) in cases {
        let verdict = evaluate(entry(by_claim.clone()), &token(claims.clone()));
        match want {
            Ok(groups) => assert_eq!(user(&verdict)["groups"], groups, "{claims}"),
            Err(message) => assert_eq!(verdict.summary, message, "{claims}"),
        }
    }
    // "groups claim with expression"
    let expr = json!({"claimMappings": {"username": {"claim": "username", "prefix": "oidc:"},
        "groups": {"expression": "(claims.roles.split(\",\") + claims.other_roles.split(\",\")).map(role, \"groups:\" + role)"}}});
    let verdict = evaluate(
        entry(expr),
        &token(json!({"roles": "foo,bar", "other_roles": "baz,qux"})),
    );
    assert_eq!(
        user(&verdict)["groups"],
        json!(["groups:foo", "groups:bar", "groups:baz", "groups:qux"])
    );
}

#[test]
fn uid_extra_and_credential_id() {
    let mappings = json!({"claimMappings": {
        "username": {"expression": "claims.username"},
        "uid": {"claim": "uid"},
        "extra": [
            {"key": "example.org/foo", "valueExpression": "claims.foo"},
            {"key": "example.org/bar", "valueExpression": "claims.bar"},
            {"key": "example.org/admin", "valueExpression": "claims.?is_admin.orValue(false) == true ? \"true\" : \"\""}
        ]
    }});
    // "extra claim mapping with expression", "... empty string value for key", credential id.
    let verdict = evaluate(
        entry(mappings),
        &token(json!({"uid": "1234", "foo": "", "bar": ["baz", "qux"], "jti": "abc"})),
    );
    let user = user(&verdict);
    assert_eq!(user["uid"], "1234");
    assert_eq!(
        user["extra"],
        json!({"authentication.kubernetes.io/credential-id": ["JTI=abc"], "example.org/bar": ["baz", "qux"]})
    );
    assert!(verdict.summary.contains("uid \"1234\""));
}

#[test]
fn user_validation_rules_see_the_mapped_user() {
    // "user validation rule fails for user.username"
    let rules = json!({
        "claimMappings": {"username": {"claim": "username", "prefix": "system:"}},
        "userValidationRules": [{"expression": "!user.username.startsWith('system:')", "message": "username cannot used reserved system: prefix"}]
    });
    let verdict = evaluate(entry(rules), &token(json!({})));
    assert_eq!(
        verdict.summary,
        "oidc: error evaluating user info validation rule: validation expression '!user.username.startsWith('system:')' failed: username cannot used reserved system: prefix"
    );
}

#[test]
fn expiry_has_no_leeway_and_nbf_is_marked_unverified() {
    let expired = evaluate(entry(json!({})), &token(json!({"exp": NOW - 1})));
    assert_eq!(
        expired.summary,
        "oidc: verify token: oidc: token is expired (Token Expiry: 2009-11-10 22:59:59 +0000 UTC)"
    );
    assert_eq!(
        evaluate(entry(json!({})), &token(json!({"exp": NOW}))).outcome,
        Outcome::Allowed
    );
    let nbf = evaluate(entry(json!({})), &token(json!({"nbf": NOW + 60})));
    assert_eq!(nbf.outcome, Outcome::Allowed);
    assert!(nbf.unverified.iter().any(|u| u.contains("nbf leeway")));
    assert_eq!(
        evaluate(entry(json!({})), &token(json!({"nbf": NOW + 301}))).outcome,
        Outcome::Denied
    );
}

#[test]
fn invalid_entries_are_errors() {
    let cases = [
        // "no-username-claim"
        (
            json!({"claimMappings": {"username": {"prefix": ""}}}),
            "claimMappings.username: Required value: claim or expression is required",
        ),
        (
            json!({"claimMappings": {"username": {"claim": "sub"}}}),
            "claimMappings.username.prefix: Required value",
        ),
        (
            json!({"issuer": {"url": ISSUER, "audiences": ["a", "b"]}}),
            "audienceMatchPolicy must be MatchAny",
        ),
        (
            json!({"issuer": {"url": ISSUER, "audiences": []}}),
            "issuer.audiences: Required value",
        ),
        (
            json!({"issuer": {"url": "http://insecure.example", "audiences": ["a"]}}),
            "must be https",
        ),
        (
            json!({"claimMappings": {"username": {"expression": "claims.email"}}}),
            "claims.email_verified must be used",
        ),
        // "extra claim mapping, multiple expressions for same key"
        (
            json!({"claimMappings": {"username": {"claim": "u", "prefix": ""}, "extra": [
            {"key": "example.org/foo", "valueExpression": "'a'"}, {"key": "example.org/foo", "valueExpression": "'b'"}]}}),
            "claimMappings.extra[1].key: Duplicate value: \"example.org/foo\"",
        ),
        (
            json!({"claimMappings": {"username": {"claim": "u", "prefix": ""}, "extra": [{"key": "kubernetes.io/x", "valueExpression": "'a'"}]}}),
            "reserved",
        ),
        (
            json!({"claimValidationRules": [{"expression": "claims.hd.frob()"}]}),
            "unsupported function 'frob'",
        ),
        (
            json!({"claimValidationRules": [{"expression": "claims.hd = 'x'"}]}),
            "CEL syntax error at line 1, column 11",
        ),
    ];
    for (extra, want) in cases {
        let verdict = evaluate(entry(extra.clone()), &token(json!({})));
        assert_eq!(verdict.outcome, Outcome::Error, "{extra}");
        assert!(
            verdict.summary.contains(want),
            "{extra}: {}",
            verdict.summary
        );
    }
}

#[test]
fn yaml_configuration_is_detected_and_each_jwt_is_a_rule() {
    let yaml = r#"
apiVersion: apiserver.config.k8s.io/v1
kind: AuthenticationConfiguration
jwt:
- issuer:
    url: https://gitlab.com
    audiences: [kubernetes]
  claimValidationRules:
  - expression: "claims.namespace_path == 'acme'"
    message: only the acme group
  claimMappings:
    username:
      claim: sub
      prefix: "gitlab:"
- issuer:
    url: https://api.gitpod.io/idp
    audiences: [kubernetes]
  claimMappings:
    username:
      claim: email
      prefix: ""
"#;
    let doc = crate::trust::yaml::to_json(yaml).unwrap();
    assert!(detect(&doc));
    assert!(!crate::trust::gcp::detect(&doc));
    let rules = parse(&doc, None).unwrap();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0].id().name, "jwt[0] https://gitlab.com");
    let lints: Vec<_> = rules[1].lints().iter().map(|l| l.code).collect();
    assert_eq!(lints, ["k8s-shared-issuer-unrestricted"]);
    assert!(
        parse(
            &json!({"apiVersion": "apiserver.config.k8s.io/v9", "jwt": []}),
            None
        )
        .is_err()
    );
    assert!(!detect(&json!({"kind": "Pod"})));
}

#[test]
fn demo_rule_file_against_demo_tokens() {
    let doc = crate::trust::yaml::to_json(include_str!(
        "../../../assets/demo/rules/kubernetes-authn.yaml"
    ))
    .unwrap();
    assert!(detect(&doc));
    let rules = parse(&doc, Some("kubernetes-authn.yaml")).unwrap();
    let now = 1_800_000_000;
    let verdicts = |name: &str| -> Vec<Verdict> {
        let claims = crate::demo::template(name).unwrap().claims_at(now);
        rules.iter().map(|r| r.evaluate(&claims, now)).collect()
    };
    let gitlab = verdicts("gitlab");
    assert_eq!(gitlab[1].outcome, Outcome::NotApplicable);
    assert_eq!(
        user(&gitlab[0]),
        json!({
            "username": "gitlab:project_path:acme/infra:ref_type:branch:ref:main",
            "uid": "20",
            "groups": ["gitlab:acme"],
            "extra": {
                "authentication.kubernetes.io/credential-id": ["JTI=235b3a54-b797-45c7-ae9a-f72d7bc6ef5b"],
                "acme.example/pipeline-id": ["574"]
            }
        })
    );
    let gitpod = verdicts("gitpod");
    assert_eq!(gitpod[0].outcome, Outcome::NotApplicable);
    assert_eq!(user(&gitpod[1])["username"], "gitpod:dev@acme.example");
    for other in ["github-environment", "ona", "kubernetes", "eks-irsa"] {
        assert!(
            verdicts(other)
                .iter()
                .all(|v| v.outcome == Outcome::NotApplicable),
            "{other}"
        );
    }
}

#[test]
fn mapping_expressions_of_the_wrong_shape_are_refused_with_the_servers_message() {
    // kubernetes/kubernetes jwt authenticator (pkg/.../authenticator/token/oidc): a mapping
    // expression must return a string (username, uid) or a string or list of strings (groups,
    // extra); anything else refuses the token, naming the expression.
    let cases = [
        (
            json!({"username": {"expression": "claims.n"}}),
            "oidc: error evaluating username claim expression: expression 'claims.n' must return a string, got 7",
        ),
        (
            json!({"username": {"expression": "claims.username"}, "uid": {"expression": "claims.n"}}),
            "oidc: error evaluating uid claim expression: expression 'claims.n' must return a string, got 7",
        ),
        (
            json!({"username": {"expression": "claims.username"}, "groups": {"expression": "claims.n"}}),
            "oidc: error evaluating group claim expression: expression 'claims.n' must return a string or a list of strings, got 7",
        ),
        (
            json!({"username": {"expression": "claims.username"}, "extra": [{"key": "example.org/n", "valueExpression": "claims.n"}]}),
            "oidc: error evaluating extra claim expression: expression 'claims.n' must return a string or a list of strings, got 7",
        ),
        (
            json!({"username": {"expression": "claims.absent"}}),
            "oidc: error evaluating username claim expression: expression 'claims.absent' resulted in error: no such key: absent",
        ),
    ];
    for (mappings, message) in cases {
        let verdict = evaluate(
            entry(json!({"claimMappings": mappings})),
            &token(json!({"n": 7})),
        );
        assert_eq!(verdict.outcome, Outcome::Denied, "{mappings}");
        assert_eq!(verdict.summary, message);
        let failed = verdict.deciding_check().unwrap();
        assert!(
            failed.condition.ends_with(": claims.n")
                || failed.condition.ends_with(": claims.absent")
        );
    }
}

#[test]
fn ill_typed_or_wrongly_typed_expressions_are_configuration_errors() {
    // The API server compiles and type-checks every expression when it loads the
    // configuration (k8s.io/apiserver/pkg/authentication/cel/compile.go): validation rules must
    // return bool, username string, groups string or list(string).
    for extra in [
        json!({"claimValidationRules": [{"expression": "claims.n + 1 != 7u"}]}),
        json!({"claimValidationRules": [{"expression": "'a' + true == 'a'"}]}),
        json!({"claimValidationRules": [{"expression": "claims.hd + 'x'"}]}),
        json!({"claimMappings": {"username": {"expression": "size(claims.sub)"}}}),
        json!({"claimMappings": {"username": {"claim": "sub", "prefix": ""}, "groups": {"expression": "[1, 2]"}}}),
    ] {
        let verdict = evaluate(entry(extra.clone()), &token(json!({"n": 1, "hd": "x"})));
        assert_eq!(verdict.outcome, Outcome::Error, "{extra}");
        assert!(
            verdict.summary.contains("CEL type error"),
            "{extra}: {}",
            verdict.summary
        );
    }
}

/// `outcome` (what a matrix and the symbolic analysis ask) skips another issuer up front and
/// otherwise gives the verdict's outcome.
#[test]
fn outcome_agrees_with_evaluate() {
    let google = json!({"issuer": {"url": "https://accounts.google.com", "audiences": ["my-client"]},
        "claimMappings": {"username": {"claim": "username", "prefix": ""}}});
    let strict =
        entry(json!({"claimValidationRules": [{"expression": "claims.username == 'jane'"}]}));
    let invalid = json!({"issuer": {"url": "http://insecure.example", "audiences": ["my-client"]}});
    let claim_sets = [
        token(json!({})),
        token(json!({"username": "joe"})),
        token(json!({"iss": "https://other.example"})),
        token(json!({"iss": "accounts.google.com"})),
        token(json!({"iss": "https://accounts.google.com", "aud": "other"})),
        token(json!({"exp": NOW - 1})),
    ];
    for config in [google, strict, invalid] {
        let doc = json!({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AuthenticationConfiguration", "jwt": [config]});
        let rules = parse(&doc, Some("authn.yaml")).unwrap();
        for claims in &claim_sets {
            assert_eq!(
                rules[0].outcome(claims, NOW),
                rules[0].evaluate(claims, NOW).outcome,
                "{claims:?}"
            );
        }
    }
}
