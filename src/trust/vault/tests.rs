//! Table tests of the Vault evaluator. Sources: vault-plugin-auth-jwt claims_test.go /
//! path_login.go / path_role.go at 2e68bba and hashicorp/cap jwt/jwt_test.go as summarised in
//! docs/SEMANTICS.md §4 (cited per row).

use serde_json::{Value, json};

use super::*;
use crate::trust::Outcome;

const NOW: i64 = 1_700_000_000;

/// A jwt role with an audience, so rows only state what they are about.
fn role(extra: Value) -> Value {
    let mut body = json!({
        "role_type": "jwt",
        "user_claim": "sub",
        "bound_audiences": ["https://vault.acme.example"],
        "bound_claims_type": "string",
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    json!({"request_id": "demo", "data": body})
}

fn token(extra: Value) -> Claims {
    let mut claims = json!({
        "iss": "https://gitlab.com",
        "sub": "project_path:acme/infra:ref_type:branch:ref:main",
        "aud": "https://vault.acme.example",
        "iat": NOW - 5,
        "exp": NOW + 3595,
    });
    for (k, v) in extra.as_object().unwrap() {
        if v.is_null() {
            claims.as_object_mut().unwrap().remove(k);
        } else {
            claims[k] = v.clone();
        }
    }
    claims.as_object().unwrap().clone()
}

/// Evaluates, and checks on the way that the check-free decision agrees.
fn verdict(role_doc: Value, claims: Claims) -> Verdict {
    let rules = parse(&role_doc, Some("rules/deploy.json")).unwrap();
    let verdict = rules[0].evaluate(&claims, NOW);
    assert_eq!(
        rules[0].outcome(&claims, NOW),
        verdict.outcome,
        "{}",
        verdict.summary
    );
    verdict
}

/// (why + source, role fields, token changes (null removes), expected summary or None for allowed)
type Row = (&'static str, Value, Value, Option<&'static str>);

#[test]
fn login_table() {
    let rows: Vec<Row> = vec![
        // claims_test.go "valid": plain string bound claims.
        (
            "string bound claim",
            json!({"bound_claims": {"ref": "main"}}),
            json!({"ref": "main"}),
            None,
        ),
        // claims_test.go "invalid bound claim expected boolean value": true ≠ "true".
        (
            "bool bound vs string claim",
            json!({"bound_claims": {"ref_protected": true}}),
            json!({"ref_protected": "true"}),
            Some(
                "error validating claims: claim \"ref_protected\" does not match any associated bound claim values",
            ),
        ),
        // claims_test.go "valid - boolean claim".
        (
            "bool vs bool",
            json!({"bound_claims": {"email_verified": [false]}}),
            json!({"email_verified": false}),
            None,
        ),
        // claims_test.go "valid match with numeric claim conversion from float64".
        (
            "number vs number",
            json!({"bound_claims": {"project_id": 20}}),
            json!({"project_id": 20}),
            None,
        ),
        // docs/SEMANTICS.md §4: json.Number("42") ≠ "42".
        (
            "number bound vs string claim",
            json!({"bound_claims": {"project_id": 20}}),
            json!({"project_id": "20"}),
            Some(
                "error validating claims: claim \"project_id\" does not match any associated bound claim values",
            ),
        ),
        // claims_test.go "invalid match with numeric claim conversion from float64".
        (
            "different numbers",
            json!({"bound_claims": {"n": 456}}),
            json!({"n": 123}),
            Some(
                "error validating claims: claim \"n\" does not match any associated bound claim values",
            ),
        ),
        // docs/SEMANTICS.md §4: top-level floats are truncated (3.7 → "3").
        (
            "truncated float",
            json!({"bound_claims": {"n": 3}}),
            json!({"n": 3.7}),
            None,
        ),
        // docs/SEMANTICS.md §4: numbers inside lists stay float64 and never equal a bound number.
        (
            "number inside a list",
            json!({"bound_claims": {"ids": 1}}),
            json!({"ids": [1, 2]}),
            Some(
                "error validating claims: claim \"ids\" does not match any associated bound claim values",
            ),
        ),
        // claims_test.go "valid - match within list" / "valid - match list against list".
        (
            "any expected vs any actual",
            json!({"bound_claims": {"groups": ["a", "b", "c"]}}),
            json!({"groups": ["c", "d"]}),
            None,
        ),
        (
            "no overlap",
            json!({"bound_claims": {"groups": ["a", "b", "c"]}}),
            json!({"groups": ["d", "e"]}),
            Some(
                "error validating claims: claim \"groups\" does not match any associated bound claim values",
            ),
        ),
        // claims_test.go "missing claim".
        (
            "missing bound claim",
            json!({"bound_claims": {"environment": "production"}}),
            json!({}),
            Some("error validating claims: claim \"environment\" is missing"),
        ),
        // docs/SEMANTICS.md §4: a null claim is nil to getClaim, i.e. missing.
        (
            "null claim is missing",
            json!({"bound_claims": {"environment": "production"}}),
            json!({"environment": Value::Null}),
            Some("error validating claims: claim \"environment\" is missing"),
        ),
        // claims_test.go "valid - JSONPointer": /bar/baz/1 indexes the array.
        (
            "pointer with array index",
            json!({"bound_claims": {"/bar/baz/1": "y"}}),
            json!({"bar": {"baz": ["x", "y", "z"]}}),
            None,
        ),
        // claims_test.go "invalid - JSONPointer not found".
        (
            "pointer not found",
            json!({"bound_claims": {"/bar/XXX/1243": "q"}}),
            json!({"bar": {"baz": ["x", "y", "z"]}}),
            Some("error validating claims: claim \"/bar/XXX/1243\" is missing"),
        ),
        // pointerstructure get.go: a non-numeric index cannot be coerced → missing.
        (
            "invalid pointer index",
            json!({"bound_claims": {"/bar/baz/one": "y"}}),
            json!({"bar": {"baz": ["x", "y", "z"]}}),
            Some("error validating claims: claim \"/bar/baz/one\" is missing"),
        ),
        // docs/SEMANTICS.md §4: keys not starting with '/' are literal, even with '/' inside.
        (
            "literal key with slash",
            json!({"bound_claims": {"https://vault/groups": "ops"}}),
            json!({"https://vault/groups": "ops"}),
            None,
        ),
        // claims_test.go "received claim is not a string, bool, int or list".
        (
            "object claim",
            json!({"bound_claims": {"bar": "x"}}),
            json!({"bar": {"baz": 1}}),
            Some(
                "error validating claims: received claim is not a string, bool, int or list: map[…]",
            ),
        ),
        // claims_test.go "matching glob", "valid complex glob".
        (
            "glob",
            json!({"bound_claims_type": "glob", "bound_claims": {"email": "*@*.com"}}),
            json!({"email": "test@example.com"}),
            None,
        ),
        // claims_test.go "not matching glob (2)": anchored.
        (
            "glob anchored",
            json!({"bound_claims_type": "glob", "bound_claims": {"email": "*2"}}),
            json!({"email": "42x"}),
            Some(
                "error validating claims: claim \"email\" does not match any associated bound claim values",
            ),
        ),
        // go-glob: '?' is literal (docs/SEMANTICS.md §4 "only `*`").
        (
            "glob has no ?",
            json!({"bound_claims_type": "glob", "bound_claims": {"ref": "ma?n"}}),
            json!({"ref": "main"}),
            Some(
                "error validating claims: claim \"ref\" does not match any associated bound claim values",
            ),
        ),
        // claims_test.go "invalid string value" (glob): non-string actual values are skipped.
        (
            "glob skips non-strings",
            json!({"bound_claims_type": "glob", "bound_claims": {"n": "4*"}}),
            json!({"n": 42}),
            Some(
                "error validating claims: claim \"n\" does not match any associated bound claim values",
            ),
        ),
        // claims_test.go "non matching complex glob": empty type means exact, '*' literal.
        (
            "empty type is exact",
            json!({"bound_claims_type": "", "bound_claims": {"email": "r*@*.com"}}),
            json!({"email": "test@example.com"}),
            Some(
                "error validating claims: claim \"email\" does not match any associated bound claim values",
            ),
        ),
        // cap validateAudience: any bound value in the token's aud list.
        (
            "aud list any-match",
            json!({"bound_audiences": ["a", "https://vault.acme.example"]}),
            json!({"aud": ["x", "https://vault.acme.example"]}),
            None,
        ),
        (
            "aud mismatch",
            json!({"bound_audiences": ["https://vault.acme.example/"]}),
            json!({}),
            Some(
                "error validating token: invalid audience (aud) claim: audience claim does not match any expected audience",
            ),
        ),
        // path_login.go: no bound_audiences and a non-empty aud → refused.
        (
            "aud present, none bound",
            json!({"bound_audiences": [], "bound_subject": "project_path:acme/infra:ref_type:branch:ref:main"}),
            json!({}),
            Some("audience claim found in JWT but no audiences bound to the role"),
        ),
        (
            "no aud, none bound",
            json!({"bound_audiences": [], "bound_subject": "project_path:acme/infra:ref_type:branch:ref:main"}),
            json!({"aud": Value::Null}),
            None,
        ),
        // cap jwt.go: issuer (mount config) then subject, exact.
        (
            "bound_issuer trailing slash",
            json!({"bound_issuer": "https://gitlab.com/"}),
            json!({}),
            Some("error validating token: invalid issuer (iss) claim"),
        ),
        (
            "bound_subject case",
            json!({"bound_subject": "project_path:Acme/infra:ref_type:branch:ref:main"}),
            json!({}),
            Some("error validating token: invalid subject (sub) claim"),
        ),
        // cap jwt.go: time checks with clock_skew_leeway (docs/SEMANTICS.md §4 "Leeways").
        (
            "expired beyond default skew",
            json!({}),
            json!({"exp": NOW - 61}),
            Some("error validating token: invalid expiration time (exp) claim: token is expired"),
        ),
        (
            "expired within default skew",
            json!({}),
            json!({"exp": NOW - 60}),
            None,
        ),
        (
            "expiration_leeway does not extend exp",
            json!({"expiration_leeway": 3600}),
            json!({"exp": NOW - 61}),
            Some("error validating token: invalid expiration time (exp) claim: token is expired"),
        ),
        (
            "larger clock skew",
            json!({"clock_skew_leeway": 300}),
            json!({"exp": NOW - 200}),
            None,
        ),
        (
            "no time claims",
            json!({}),
            json!({"iat": Value::Null, "exp": Value::Null}),
            Some(
                "error validating token: no issued at (iat), not before (nbf), or expiration time (exp) claims in token",
            ),
        ),
        // path_login.go user_claim: presence and string type.
        (
            "user_claim",
            json!({"user_claim": "user_login"}),
            json!({"user_login": "deploy-bot"}),
            None,
        ),
        (
            "user_claim missing",
            json!({"user_claim": "user_login"}),
            json!({}),
            Some("claim \"user_login\" not found in token"),
        ),
        (
            "user_claim not a string",
            json!({"user_claim": "user_id"}),
            json!({"user_id": 1}),
            Some("claim \"user_id\" could not be converted to string"),
        ),
        // docs/SEMANTICS.md §4: the JSON pointer is used only with user_claim_json_pointer=true.
        (
            "user_claim pointer off",
            json!({"user_claim": "/user/login"}),
            json!({"user": {"login": "x"}}),
            Some("claim \"/user/login\" not found in token"),
        ),
        (
            "user_claim pointer on",
            json!({"user_claim": "/user/login", "user_claim_json_pointer": true}),
            json!({"user": {"login": "x"}}),
            None,
        ),
        // claims_test.go TestExtractMetadata "error: non-string data"; absent is skipped.
        (
            "claim_mappings non-string",
            json!({"claim_mappings": {"runner_id": "runner"}}),
            json!({"runner_id": 1}),
            Some("error converting claim 'runner_id' to string"),
        ),
        (
            "claim_mappings absent skipped",
            json!({"claim_mappings": {"nope": "x"}}),
            json!({}),
            None,
        ),
        // path_login.go groups_claim must exist.
        (
            "groups_claim missing",
            json!({"groups_claim": "groups"}),
            json!({}),
            Some("\"groups\" claim not found in token"),
        ),
        (
            "groups_claim",
            json!({"groups_claim": "groups"}),
            json!({"groups": ["ops"]}),
            None,
        ),
        // path_login.go createIdentity: normalizeList, then every element must be a string.
        (
            "groups_claim string",
            json!({"groups_claim": "groups"}),
            json!({"groups": "ops"}),
            None,
        ),
        (
            "groups_claim object",
            json!({"groups_claim": "groups"}),
            json!({"groups": {"a": 1}}),
            Some("\"groups\" claim could not be converted to string list"),
        ),
        (
            "groups_claim number",
            json!({"groups_claim": "groups"}),
            json!({"groups": 5}),
            Some("value 5 in groups claim could not be parsed as string"),
        ),
        (
            "groups_claim with null",
            json!({"groups_claim": "groups"}),
            json!({"groups": ["ops", null]}),
            Some("value <nil> in groups claim could not be parsed as string"),
        ),
        // path_login.go: oidc roles are refused for JWT login (and role_type defaults to oidc).
        (
            "oidc role",
            json!({"role_type": "oidc"}),
            json!({}),
            Some("role with oidc role_type is not allowed"),
        ),
        // docs/SEMANTICS.md §4 login order: role_type first, then cap (audience) before bound claims.
        (
            "first failure wins",
            json!({"role_type": "oidc", "bound_claims": {"ref": "x"}}),
            json!({"aud": "other"}),
            Some("role with oidc role_type is not allowed"),
        ),
        (
            "cap before bound claims",
            json!({"bound_claims": {"ref": "x"}}),
            json!({"aud": "other", "ref": "main"}),
            Some(
                "error validating token: invalid audience (aud) claim: audience claim does not match any expected audience",
            ),
        ),
    ];
    for (why, role_fields, token_changes, want) in rows {
        let v = verdict(role(role_fields), token(token_changes));
        match want {
            None => assert_eq!(v.outcome, Outcome::Allowed, "{why}: {}", v.summary),
            Some(message) => {
                assert_eq!(v.outcome, Outcome::Denied, "{why}");
                assert_eq!(v.summary, message, "{why}");
            }
        }
    }
}

#[test]
fn typed_hints_are_attached() {
    let hint_codes = |role_fields: Value, token_changes: Value| -> Vec<&'static str> {
        let v = verdict(role(role_fields), token(token_changes));
        v.deciding_check()
            .unwrap()
            .hints
            .iter()
            .map(|h| h.code)
            .collect()
    };
    assert_eq!(
        hint_codes(
            json!({"bound_claims": {"ref_protected": true}}),
            json!({"ref_protected": "true"})
        ),
        ["vault-bool-vs-string"]
    );
    assert_eq!(
        hint_codes(
            json!({"bound_claims": {"project_id": 20}}),
            json!({"project_id": "20"})
        ),
        ["vault-number-vs-string"]
    );
    assert_eq!(
        hint_codes(json!({"bound_claims": {"ids": 1}}), json!({"ids": [1]})),
        ["vault-number-in-list"]
    );
    assert_eq!(
        hint_codes(
            json!({"bound_claims": {"ref": "ma*"}}),
            json!({"ref": "main"})
        ),
        ["vault-star-is-literal"]
    );
    assert_eq!(
        hint_codes(
            json!({"bound_claims": {"ref": "Main"}}),
            json!({"ref": "main"})
        ),
        ["case-only-difference"]
    );
}

#[test]
fn truncation_is_flagged_unverified() {
    let v = verdict(
        role(json!({"bound_claims": {"n": 3}})),
        token(json!({"n": 3.7})),
    );
    assert_eq!(v.outcome, Outcome::Allowed);
    assert!(v.checks.iter().any(|c| {
        c.note
            .as_deref()
            .is_some_and(|n| n.contains("json.Number(\"3\")"))
    }));
    assert!(v.unverified.iter().any(|u| u.contains("truncating 3.7")));
}

#[test]
fn verdict_shape() {
    let v = verdict(
        role(json!({"bound_claims": {"ref": "main"}})),
        token(json!({"ref": "main"})),
    );
    assert_eq!(v.rule.kind, RuleKind::Vault);
    assert_eq!(v.rule.name, "deploy");
    assert_eq!(v.rule.file.as_deref(), Some("rules/deploy.json"));
    assert_eq!(v.summary, "Vault would log this token in with role deploy");
    assert!(v.unverified[0].contains("alg header is not checked"));
    let conditions: Vec<&str> = v.checks.iter().map(|c| c.condition.as_str()).collect();
    assert_eq!(
        conditions,
        [
            "role_type",
            "bound_audiences ∋ aud (any)",
            "nbf ≤ now + clock_skew_leeway 60s (0 = default)",
            "exp ≥ now − clock_skew_leeway 60s (0 = default)",
            "iat ≤ now + clock_skew_leeway 60s (0 = default)",
            "user_claim \"sub\" present and a string",
            "bound_claims (string) \"ref\"",
        ]
    );
}

#[test]
fn role_that_cannot_exist_is_an_error() {
    // path_role.go: glob roles refuse non-string values when written.
    let v = verdict(
        role(json!({"bound_claims_type": "glob", "bound_claims": {"n": 42}})),
        token(json!({})),
    );
    assert_eq!(v.outcome, Outcome::Error);
    assert!(v.summary.contains("claim is not a string: 42"));
}

#[test]
fn detection_and_lints() {
    assert!(detect(&role(json!({}))));
    assert!(detect(
        &json!({"user_claim": "sub", "bound_audiences": ["a"]})
    ));
    assert!(!detect(
        &json!({"issuer": "x", "subject": "y", "audiences": ["z"]})
    ));
    assert!(!detect(&json!({"Version": "2012-10-17", "Statement": []})));
    assert!(parse(&json!([1]), None).is_err());

    let codes = |fields: Value| -> Vec<&'static str> {
        parse(&role(fields), None).unwrap()[0]
            .lints()
            .iter()
            .map(|l| l.code)
            .collect()
    };
    assert_eq!(codes(json!({})), Vec::<&str>::new());
    assert_eq!(
        codes(json!({"bound_audiences": [], "bound_subject": "s"})),
        ["vault-no-bound-audiences"]
    );
    assert_eq!(
        codes(json!({"role_type": "oidc"})),
        ["vault-role-type-not-jwt"]
    );
    assert_eq!(
        codes(json!({"bound_claims_type": "glob", "bound_claims": {"ref": "*"}})),
        ["vault-glob-matches-anything"]
    );
}

#[test]
fn alg_check_uses_mount_config() {
    // cap jwt_test.go "jwt signed with unexpected algorithm"; Vault API docs: JWT roles accept
    // every supported algorithm when jwt_supported_algs is empty.
    let alg_check =
        |doc: Value, alg: &str| evaluate::alg_check(&role::parse_role(&doc).unwrap(), alg);
    assert!(alg_check(role(json!({})), "ES512").1.is_none());
    assert!(alg_check(role(json!({})), "HS256").1.is_some());
    let mut restricted = role(json!({}));
    restricted["jwt_supported_algs"] = json!(["RS512", "PS384", "ES256"]);
    let (check, failure) = alg_check(restricted, "RS256");
    assert!(!check.passed);
    assert_eq!(
        failure.as_deref(),
        Some(
            "error validating token: invalid algorithm (alg) header parameter: token signed with unexpected algorithm"
        )
    );
}

#[test]
fn header_alg_is_checked_when_the_caller_has_the_header() {
    // cap jwt.go validates alg right after the signature, before any claim (docs/SEMANTICS.md §4).
    let mut restricted = role(json!({}));
    restricted["data"]["jwt_supported_algs"] = json!(["ES256"]);
    let rules = parse(&restricted, Some("rules/deploy.json")).unwrap();
    let header = |alg: &str| {
        json!({"alg": alg, "typ": "JWT"})
            .as_object()
            .unwrap()
            .clone()
    };

    let refused = rules[0].evaluate_with_header(&header("RS256"), &token(json!({})), NOW);
    assert_eq!(refused.outcome, Outcome::Denied);
    assert!(
        refused
            .summary
            .contains("token signed with unexpected algorithm")
    );
    assert_eq!(
        refused.checks[1].condition,
        "alg ∈ jwt_supported_algs (mount config)"
    );
    assert!(refused.unverified.iter().all(|u| !u.contains("alg header")));

    let accepted = rules[0].evaluate_with_header(&header("ES256"), &token(json!({})), NOW);
    assert_eq!(accepted.outcome, Outcome::Allowed, "{}", accepted.summary);

    let without_header = rules[0].evaluate(&token(json!({})), NOW);
    assert_eq!(without_header.outcome, Outcome::Allowed);
    assert!(
        without_header
            .unverified
            .iter()
            .any(|u| u.contains("alg header is not checked"))
    );
}

proptest::proptest! {
    /// The check-free decision agrees with the full evaluation on arbitrary claim values, for a
    /// role that exercises every step (strict types, pointers, lists, glob off and on).
    #[test]
    fn outcome_agrees_with_evaluate(
        values in proptest::collection::vec(arbitrary_claim(), 6),
        glob in proptest::bool::ANY,
        skew in -1i64..120,
    ) {
        let bound = if glob {
            json!({"ref": ["ma*", "release/*"], "/nested/list/0": "a*"})
        } else {
            json!({"ref": ["main", true, 42], "/nested/list/0": "a", "n": 3})
        };
        let role_doc = role(json!({
            "bound_claims_type": if glob { "glob" } else { "string" },
            "bound_claims": bound,
            "claim_mappings": {"m": "meta"},
            "groups_claim": "groups",
            "clock_skew_leeway": skew,
        }));
        let names = ["ref", "nested", "n", "m", "groups", "aud"];
        let mut claims = token(json!({}));
        for (name, value) in names.iter().zip(values) {
            claims.insert((*name).to_owned(), value);
        }
        let rule = &parse(&role_doc, None).unwrap()[0];
        proptest::prop_assert_eq!(rule.outcome(&claims, NOW), rule.evaluate(&claims, NOW).outcome);
    }
}

fn arbitrary_claim() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-5i64..50).prop_map(|n| json!(n)),
        (-5.0f64..50.0).prop_map(|f| json!(f)),
        prop::sample::select(vec![
            "main",
            "ma",
            "a",
            "abc",
            "true",
            "42",
            "3",
            "release/x",
            "https://vault.acme.example"
        ])
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(inner, 0..3).prop_map(|items| json!({"list": items})),
        ]
    })
}
