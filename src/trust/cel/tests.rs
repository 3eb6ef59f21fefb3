use serde_json::json;

use super::*;

fn eval(dialect: Dialect, var: &str, claims: Json, source: &str) -> Result<Json, String> {
    let expr = compile(dialect, source).map_err(|e| e.to_string())?;
    let mut bindings = Bindings::new(dialect);
    bindings.bind(var, &claims);
    expr.evaluate(&bindings)
        .map(|e| e.value)
        .map_err(|e| e.to_string())
}

#[test]
fn gcp_expressions() {
    // GCP conditions and mappings (cloud.google.com/iam/docs/workload-identity-federation
    // #mapping, #conditions).
    let claims = json!({
        "sub": "repo:acme/app:ref:refs/heads/main", "repository": "acme/app",
        "ref": "refs/heads/main", "groups": ["dev", "ops"], "run_number": 58,
        "arn": "arn:aws:sts::999999999999:assumed-role/deployer/session"
    });
    let cases = [
        (
            "assertion.repository == 'acme/app' && assertion.ref.startsWith('refs/heads/')",
            json!(true),
        ),
        ("assertion.sub.matches('^repo:acme/.*$')", json!(true)),
        ("'ops' in assertion.groups", json!(true)),
        ("assertion.groups.exists(g, g == 'dev')", json!(true)),
        (
            "assertion.groups.map(g, 'team:' + g)",
            json!(["team:dev", "team:ops"]),
        ),
        ("has(assertion.environment)", json!(false)),
        ("assertion.repository.split('/')[1]", json!("app")),
        ("assertion.repository.upperAscii()", json!("ACME/APP")),
        (
            "'  x '.trim() + assertion.repository.replace('/', '-')",
            json!("xacme-app"),
        ),
        ("assertion.groups.join(',')", json!("dev,ops")),
        ("assertion.sub.indexOf(':')", json!(4)),
        ("assertion.sub.substring(5, 13)", json!("acme/app")),
        (
            "assertion.arn.extract('assumed-role/{role}/')",
            json!("deployer"),
        ),
        (
            "assertion.run_number == 58 && string(assertion.run_number) == '58'",
            json!(true),
        ),
        ("size(assertion.groups) > 1 ? 'many' : 'one'", json!("many")),
    ];
    for (source, want) in cases {
        assert_eq!(
            eval(Dialect::Gcp, "assertion", claims.clone(), source),
            Ok(want),
            "{source}"
        );
    }
}

#[test]
fn kubernetes_expressions() {
    // Kubernetes structured authentication CEL (kubernetes/apiserver
    // plugin/pkg/authenticator/token/oidc/oidc_test.go@24a394e): optionals, sets, __dot__ escaping.
    let claims = json!({
        "aud": ["foo", "bar", "baz"], "is_admin": true, "roles": "a,b",
        "kubernetes.io": {"namespace": "payments", "serviceaccount": {"name": "api"}},
        "foo-bar": {"x/y": 1}
    });
    let cases = [
        ("claims.?is_admin.orValue(false) == true", json!(true)),
        ("claims.?missing.orValue('default')", json!("default")),
        (
            "sets.equivalent(claims.aud, ['bar', 'foo', 'baz'])",
            json!(true),
        ),
        ("sets.equivalent(claims.aud, ['foo', 'baz'])", json!(false)),
        ("sets.contains(claims.aud, ['foo'])", json!(true)),
        ("sets.intersects(claims.aud, ['qux', 'bar'])", json!(true)),
        (
            "'system:serviceaccount:' + claims.kubernetes__dot__io.namespace + ':' + claims.kubernetes__dot__io.serviceaccount.name",
            json!("system:serviceaccount:payments:api"),
        ),
        ("has(claims.kubernetes__dot__io.namespace)", json!(true)),
        ("claims.foo__dash__bar.x__slash__y", json!(1)),
        ("claims['kubernetes.io'].namespace", json!("payments")),
        (
            "claims.roles.split(',').map(r, 'groups:' + r)",
            json!(["groups:a", "groups:b"]),
        ),
    ];
    for (source, want) in cases {
        assert_eq!(
            eval(Dialect::Kubernetes, "claims", claims.clone(), source),
            Ok(want),
            "{source}"
        );
    }
    // extract is Google's, not Kubernetes'.
    assert!(matches!(
        compile(Dialect::Kubernetes, "claims.roles.extract('{x},')"),
        Err(CompileError::UnknownFunction { name, .. }) if name == "extract"
    ));
    assert!(matches!(
        compile(Dialect::Gcp, "sets.contains([1], [1])"),
        Err(CompileError::UnknownFunction { .. })
    ));
}

#[test]
fn absent_claim_is_an_error_naming_the_key() {
    // cel-spec: selecting an absent map key is an error ("no such key"), not false.
    let expr = compile(Dialect::Gcp, "assertion.environment == 'prod'").unwrap();
    let claims = json!({"sub": "s"});
    let mut bindings = Bindings::new(Dialect::Gcp);
    bindings.bind("assertion", &claims);
    let error = expr.evaluate(&bindings).unwrap_err();
    assert_eq!(error.to_string(), "no such key: environment");
    assert_eq!(error.missing_key.as_deref(), Some("environment"));
    // Short-circuit: the error is absorbed when the other side decides.
    let guarded = compile(
        Dialect::Gcp,
        "has(assertion.environment) && assertion.environment == 'prod'",
    )
    .unwrap();
    assert_eq!(guarded.evaluate(&bindings).unwrap().as_bool(), Some(false));
}

#[test]
fn unknown_functions_are_refused_at_compile_time_even_when_unreachable() {
    for (source, name) in [
        ("true || assertion.sub.frobnicate()", "frobnicate"),
        ("cel.bind(x, 1, x)", "cel.bind"),
        ("math.greatest(1, 2) == 2", "math.greatest"),
        ("[1].exists(x, foo(x))", "foo"),
    ] {
        match compile(Dialect::Gcp, source) {
            Err(CompileError::UnknownFunction { name: got, .. }) => {
                assert_eq!(got, name, "{source}")
            }
            other => panic!("{source}: {other:?}"),
        }
    }
    // cel-spec macros2: the two-variable comprehensions are not in the crate.
    let two_var = compile(Dialect::Kubernetes, "claims.aud.exists(i, v, v == 'x')").unwrap_err();
    assert!(
        two_var
            .to_string()
            .starts_with("unsupported function 'exists' with 3 arguments"),
        "{two_var}"
    );
    let error = compile(Dialect::Gcp, "foo(1)").unwrap_err();
    assert!(error.to_string().starts_with("unsupported function 'foo'"));
}

#[test]
fn syntax_errors_point_at_line_and_column() {
    let error = compile(Dialect::Gcp, "assertion.a == 'x' &&\n  assertion.b = 'y'").unwrap_err();
    let CompileError::Syntax {
        line,
        column,
        source_line,
        caret,
        ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!((*line, *column), (2, 15));
    assert_eq!(source_line, "  assertion.b = 'y'");
    assert_eq!(caret, "              ^");
    assert!(
        error
            .to_string()
            .starts_with("CEL syntax error at line 2, column 15: ")
    );
}

#[test]
fn references_and_calls_are_recorded() {
    let expr = compile(
        Dialect::Gcp,
        "attribute.env == 'prod' && assertion.ref.extract('refs/heads/{b}') != ''",
    )
    .unwrap();
    assert!(expr.references_variable("assertion"));
    assert!(expr.references_variable("attribute"));
    assert!(!expr.references_variable("google"));
    assert!(expr.calls_function("extract"));
    let constant = compile(Dialect::Gcp, "true").unwrap();
    assert!(!constant.references_variable("assertion"));
}

#[test]
fn results_keep_their_cel_type() {
    let expr = compile(Dialect::Kubernetes, "claims.n").unwrap();
    let (number, text) = (json!({"n": 3}), json!({"n": "3"}));
    let mut bindings = Bindings::new(Dialect::Kubernetes);
    bindings.bind("claims", &number);
    let result = expr.evaluate(&bindings).unwrap();
    assert_eq!((result.cel_type, result.value), ("int", json!(3)));
    bindings.bind("claims", &text);
    assert_eq!(expr.evaluate(&bindings).unwrap().as_str(), Some("3"));
}

#[test]
fn deep_nesting_never_overflows_the_stack() {
    // cel-spec parse.textproto "nest": nested calls and indexes; the parser refuses beyond its
    // recursion limit instead of overflowing.
    let calls = format!("{}7{}", "int(uint(".repeat(6), "))".repeat(6));
    assert_eq!(
        eval(Dialect::Gcp, "assertion", json!({}), &calls),
        Ok(json!(7))
    );
    for (depth, parses) in [(40, true), (200, false)] {
        let parens = format!("{}1{}", "(".repeat(depth), ")".repeat(depth));
        let calls = format!("{}'x'{}", "string(".repeat(depth), ")".repeat(depth));
        for source in [parens, calls] {
            assert_eq!(
                compile(Dialect::Kubernetes, &source).is_ok(),
                parses,
                "depth {depth}"
            );
        }
    }
    let too_deep = format!("{}1{}", "[".repeat(500), "]".repeat(500));
    assert!(matches!(
        compile(Dialect::Gcp, &too_deep),
        Err(CompileError::Syntax { .. })
    ));
}

#[test]
fn reads_names_the_fields_an_expression_selects() {
    let reads = |source: &str| {
        compile(Dialect::Kubernetes, source)
            .unwrap()
            .reads("claims")
            .clone()
    };
    let fields = |source: &str| {
        let reads = reads(source);
        assert!(!reads.whole, "{source} reads named fields only");
        reads.fields
    };
    assert_eq!(
        fields("claims.sub.startsWith('a') && has(claims.env) && claims['ref'] == 'x'"),
        ["sub", "env", "ref"]
    );
    assert_eq!(fields("claims.?email.orValue('') != ''"), ["email"]);
    assert_eq!(fields("claims.nested.deeper == 1"), ["nested"]);
    assert_eq!(fields("true"), Vec::<String>::new());
    // Anything else sees the whole map: it cannot be narrowed to named fields.
    for whole in [
        "size(claims) > 2",
        "'sub' in claims",
        "claims.all(k, k != 'x')",
        "claims[claims.sub] == 1",
        "claims == {}",
    ] {
        assert!(reads(whole).whole, "{whole} reads the whole map");
    }
}

#[test]
fn binding_only_the_read_fields_gives_the_same_results() {
    let claims = json!({
        "sub": "repo:acme/app:ref:refs/heads/main", "repository": "acme/app",
        "ref": "refs/heads/main", "groups": ["dev", "ops"], "run_number": 58,
    });
    let object = claims.as_object().unwrap();
    for source in [
        "assertion.repository == 'acme/app' && assertion.ref.startsWith('refs/heads/')",
        "has(assertion.environment)",
        "assertion.environment == 'prod'",
        "assertion['groups'].exists(g, g == 'ops')",
        "size(assertion)",
        "assertion.all(k, k != 'environment')",
        "'environment' in assertion",
    ] {
        let expr = compile(Dialect::Gcp, source).unwrap();
        let mut all = Bindings::new(Dialect::Gcp);
        all.bind_object("assertion", object);
        let mut narrowed = Bindings::new(Dialect::Gcp);
        narrowed.bind_object_for("assertion", object, expr.reads("assertion"));
        assert_eq!(
            expr.evaluate(&narrowed).map_err(|e| e.to_string()),
            expr.evaluate(&all).map_err(|e| e.to_string()),
            "{source}"
        );
    }
}

/// Expressions of (and around) the direct evaluator's subset, as source text.
fn subset_expression() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let field = prop::sample::select(vec!["a", "b", "n", "flag", "list", "missing"]);
    let value = prop_oneof![
        field.clone().prop_map(|f| format!("assertion.{f}")),
        prop::sample::select(vec![
            "'x'",
            "'acme/app'",
            "''",
            "'ac'",
            "1",
            "58",
            "true",
            "false",
            "null",
            "1.0",
            "58u"
        ])
        .prop_map(str::to_owned),
    ];
    let leaf = prop_oneof![
        value.clone(),
        (value.clone(), value.clone()).prop_map(|(l, r)| format!("{l} == {r}")),
        (value.clone(), value.clone()).prop_map(|(l, r)| format!("{l} != {r}")),
        field.prop_map(|f| format!("has(assertion.{f})")),
        (
            value.clone(),
            prop::sample::select(vec!["startsWith", "endsWith", "contains", "matches"]),
            value.clone()
        )
            .prop_map(|(t, m, a)| format!("{t}.{m}({a})")),
        (
            value.clone(),
            prop::sample::select(vec![
                "['x', 'acme/app']",
                "[1, 58]",
                "[]",
                "['x', 1]",
                "[true]"
            ])
        )
            .prop_map(|(v, l)| format!("{v} in {l}")),
    ];
    leaf.prop_recursive(3, 24, 3, move |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| format!("!({e})")),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| format!("({l}) && ({r})")),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| format!("({l}) || ({r})")),
            (inner.clone(), inner.clone(), inner)
                .prop_map(|(c, t, o)| format!("({c}) ? ({t}) : ({o})")),
        ]
    })
}

fn subset_claims() -> impl proptest::strategy::Strategy<Value = Json> {
    use proptest::prelude::*;
    let text = prop::sample::select(vec!["x", "acme/app", "", "ac", "acme"]).prop_map(|s| json!(s));
    (
        proptest::option::of(text.clone()),
        proptest::option::of(text),
        proptest::option::of(prop::sample::select(vec![
            json!(1),
            json!(58),
            json!(1.0),
            json!("58"),
            json!(u64::MAX),
        ])),
        proptest::option::of(prop::sample::select(vec![
            json!(true),
            json!(false),
            json!("true"),
            Json::Null,
        ])),
        proptest::option::of(prop::sample::select(vec![
            json!(["x", "acme/app"]),
            json!([]),
            json!(["x", 1]),
            json!({"k": "x"}),
        ])),
    )
        .prop_map(|(a, b, n, flag, list)| {
            let mut claims = serde_json::Map::new();
            for (name, value) in [("a", a), ("b", b), ("n", n), ("flag", flag), ("list", list)] {
                if let Some(value) = value {
                    claims.insert(name.to_owned(), value);
                }
            }
            Json::Object(claims)
        })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(600))]
    /// Whenever the direct evaluator answers, the interpreter gives the same answer.
    #[test]
    fn direct_evaluation_agrees_with_the_interpreter(
        source in subset_expression(),
        claims in subset_claims(),
    ) {
        let Ok(expression) = compile(Dialect::Gcp, &source) else {
            return Ok(());
        };
        let object = claims.as_object().unwrap();
        let mut bindings = Bindings::new(Dialect::Gcp);
        bindings.bind_object("assertion", object);
        let interpreted = expression.evaluate_with_interpreter(&bindings).map_err(|e| e.to_string());
        if let Some(node) = &expression.direct {
            match direct::decide(node, &bindings) {
                direct::Decided::Value(value) => {
                    proptest::prop_assert_eq!(Ok(value), interpreted.clone(), "{}", source);
                }
                direct::Decided::Error => {
                    proptest::prop_assert!(interpreted.is_err(), "{} gave {:?}", source, interpreted);
                }
                direct::Decided::Unknown => {}
            }
        }
        // The decision agrees whichever way it was reached.
        let interpreted_true = matches!(&interpreted, Ok(r) if r.as_bool() == Some(true));
        proptest::prop_assert_eq!(expression.is_true(&bindings), Ok(interpreted_true), "{}", source);
    }
}

#[test]
fn the_direct_evaluator_covers_everyday_mappings_and_conditions() {
    for source in [
        "assertion.sub",
        "assertion.repository == 'acme/app' && assertion.ref.startsWith('refs/heads/')",
        "has(assertion.environment) ? assertion.environment == 'prod' : false",
        "assertion.repository_owner in ['acme', 'acme-labs'] || !(assertion.actor != 'bot')",
    ] {
        let expression = compile(Dialect::Gcp, source).unwrap();
        assert!(expression.direct.is_some(), "{source}");
    }
    // An absent claim is a definite error, absorbed where CEL absorbs it.
    let claims = json!({"repository": "acme/app"});
    let mut bindings = Bindings::new(Dialect::Gcp);
    bindings.bind_object("assertion", claims.as_object().unwrap());
    let decide = |source: &str| {
        let expression = compile(Dialect::Gcp, source).unwrap();
        direct::decide(expression.direct.as_ref().unwrap(), &bindings)
    };
    assert!(matches!(
        decide("assertion.environment == 'prod' && assertion.repository == 'acme/app'"),
        direct::Decided::Error
    ));
    assert!(matches!(
        decide("assertion.environment == 'prod' && assertion.repository == 'other'"),
        direct::Decided::Value(v) if v.as_bool() == Some(false)
    ));
    assert!(matches!(
        decide("assertion.repository.matches('^acme/')"),
        direct::Decided::Value(v) if v.as_bool() == Some(true)
    ));
    // Outside the subset: the interpreter evaluates these.
    for source in [
        "assertion.sub.split(':')[1]",
        "size(assertion.groups) > 1",
        "assertion.n + 1 == 2",
    ] {
        assert!(
            compile(Dialect::Gcp, source).unwrap().direct.is_none(),
            "{source}"
        );
    }
}

#[test]
fn matches_is_re2_in_the_direct_evaluator_and_the_interpreter() {
    // RE2 (https://github.com/google/re2/wiki/Syntax): \d \w \s \b are ASCII, \Q…\E quotes;
    // CEL C++ (cel-expr-python): '١٢٣'.matches('^\\d+$') is false.
    let claims = json!({"n": "١٢٣", "ascii": "123", "dotted": "a.b", "word": "é"});
    let cases = [
        ("assertion.n.matches('^\\\\d+$')", false),
        ("assertion.ascii.matches('^\\\\d+$')", true),
        ("assertion.word.matches('^\\\\w$')", false),
        ("assertion.word.matches('^.$')", true),
        ("assertion.dotted.matches('^\\\\Qa.b\\\\E$')", true),
        ("matches(assertion.n, '^\\\\d+$')", false),
        // A pattern built at run time reaches the interpreter's `matches`.
        ("assertion.n.matches('^' + '\\\\d+$')", false),
        ("assertion.ascii.matches('^' + '\\\\d+$')", true),
        (
            "assertion.dotted.matches('^\\\\Q' + 'a.b' + '\\\\E$')",
            true,
        ),
        (
            "assertion.n.matches('^\\\\d+$') || assertion.n.size() == 0",
            false,
        ),
    ];
    for (source, want) in cases {
        assert_eq!(
            eval(Dialect::Gcp, "assertion", claims.clone(), source),
            Ok(json!(want)),
            "{source}"
        );
        assert_eq!(
            eval(
                Dialect::Kubernetes,
                "claims",
                claims.clone(),
                &source.replace("assertion", "claims")
            ),
            Ok(json!(want)),
            "{source}"
        );
    }
    // `\C` (any byte) is RE2's (CEL C++: '١٢٣'.matches('\\C') is true); Go's regexp, which
    // cel-go and so Kubernetes use, refuses it.
    for source in ["'a'.matches('\\\\C')", "'a'.matches('\\\\' + 'C')"] {
        assert_eq!(
            eval(Dialect::Gcp, "assertion", json!({}), source),
            Ok(json!(true))
        );
        let error = eval(Dialect::Kubernetes, "claims", json!({}), source).unwrap_err();
        assert!(error.contains("invalid escape"), "{error}");
    }
    // The literal pattern is compiled once for the direct evaluator, with RE2's meaning.
    let expression = compile(Dialect::Gcp, cases[0].0).unwrap();
    assert!(expression.direct.is_some());
    let error = eval(
        Dialect::Gcp,
        "assertion",
        claims,
        "assertion.n.matches('^' + '(?x)a')",
    )
    .unwrap_err();
    assert!(error.contains("matches") && !error.contains('@'), "{error}");
}

#[test]
fn string_of_a_double_is_written_as_cel_writes_it() {
    // cel-go and CEL C++ agree: string(1e20) is "1e+20".
    for (source, want) in [
        ("string(1e20)", "1e+20"),
        ("string(assertion.f)", "1.5"),
        ("string(assertion.big)", "1.8446744073709552e+19"),
        ("string(7)", "7"),
        ("string(7u)", "7"),
        ("string(true)", "true"),
        ("string('x')", "x"),
    ] {
        assert_eq!(
            eval(
                Dialect::Gcp,
                "assertion",
                json!({"f": 1.5, "big": u64::MAX}),
                source
            ),
            Ok(json!(want)),
            "{source}"
        );
    }
}

#[test]
fn integers_beyond_int64_are_doubles() {
    // cel-go and CEL C++ read a JSON number outside the int64 range as a double.
    let claims = json!({"big": u64::MAX, "small": 5});
    for (source, want) in [
        ("type(assertion.big) == double", json!(true)),
        ("type(assertion.small) == int", json!(true)),
        ("assertion.big == 18446744073709551615.0", json!(true)),
    ] {
        assert_eq!(
            eval(Dialect::Gcp, "assertion", claims.clone(), source),
            Ok(want),
            "{source}"
        );
    }
}

#[test]
fn ill_typed_rules_are_compile_errors() {
    let error = compile(Dialect::Gcp, "assertion.run_number + 1 != 7u").unwrap_err();
    assert!(matches!(error, CompileError::Type { .. }), "{error:?}");
    let condition = compile(Dialect::Gcp, "assertion.sub + 'x'")
        .unwrap()
        .returning(&["bool"], "an attribute condition")
        .unwrap_err();
    assert!(
        condition
            .to_string()
            .contains("an attribute condition must return bool, this expression returns string"),
        "{condition}"
    );
    for source in ["assertion.sub == 'x'", "assertion.flag", "has(assertion.x)"] {
        assert!(
            compile(Dialect::Gcp, source)
                .unwrap()
                .returning(&["bool"], "a condition")
                .is_ok(),
            "{source}"
        );
    }
    let groups = compile(Dialect::Kubernetes, "claims.groups.map(g, 'x:' + g)").unwrap();
    assert!(
        groups
            .returning(&["string", "list(string)"], "groups")
            .is_ok()
    );
    let numbers = compile(Dialect::Kubernetes, "[1, 2]").unwrap();
    assert!(
        numbers
            .returning(&["string", "list(string)"], "groups")
            .is_err()
    );
}

/// The claimcheck side of `tests/differential/cel_run.sh`: reads cases (JSON lines with `id`,
/// `dialect`, `expr`, `claims`) from the file named by `CEL_DIFF_CASES` and writes one result
/// per line to `CEL_DIFF_OUT`. Ignored: it needs those files, and the engine it is compared
/// with is not part of `cargo test`.
#[test]
#[ignore = "run by tests/differential/cel_run.sh"]
fn differential_cases() {
    use std::io::Write;
    let cases = std::env::var("CEL_DIFF_CASES").expect("CEL_DIFF_CASES");
    let out = std::env::var("CEL_DIFF_OUT").expect("CEL_DIFF_OUT");
    let mut out = std::io::BufWriter::new(std::fs::File::create(out).unwrap());
    for line in std::fs::read_to_string(cases).unwrap().lines() {
        let case: Json = serde_json::from_str(line).unwrap();
        let (dialect, variable) = match case["dialect"].as_str() {
            Some("gcp") => (Dialect::Gcp, "assertion"),
            _ => (Dialect::Kubernetes, "claims"),
        };
        let result = match compile(dialect, case["expr"].as_str().unwrap()) {
            Err(CompileError::Syntax { message, .. }) => {
                json!({"class": "syntax_error", "message": message})
            }
            Err(error @ CompileError::Type { .. }) => {
                json!({"class": "check_error", "message": error.to_string()})
            }
            Err(error @ CompileError::UnknownFunction { .. }) => {
                json!({"class": "unsupported", "message": error.to_string()})
            }
            Err(error @ CompileError::Unevaluable { .. }) => {
                json!({"class": "unevaluable", "message": error.to_string()})
            }
            Ok(expression) => {
                let mut bindings = Bindings::new(dialect);
                bindings.bind(variable, &case["claims"]);
                match expression.evaluate(&bindings) {
                    Ok(value) => {
                        json!({"class": "value", "type": value.cel_type, "value": value.value})
                    }
                    Err(error) if error.unevaluable => {
                        json!({"class": "unevaluable", "message": error.message})
                    }
                    Err(error) => json!({"class": "eval_error", "message": error.message}),
                }
            }
        };
        let mut result = result;
        result["id"] = case["id"].clone();
        writeln!(out, "{result}").unwrap();
    }
}

#[test]
fn a_panic_in_the_cel_crate_is_an_unevaluable_error_naming_the_expression() {
    // The interpreter panics on an expression node it cannot evaluate; rule text is user
    // input, so any such panic must become an error, never unwind into the caller.
    let mut expression = compile(Dialect::Gcp, "assertion.sub == 'x'").unwrap();
    expression.ast.expr = Expr::Unspecified;
    expression.direct = None;
    let claims = json!({"sub": "x"});
    let mut bindings = Bindings::new(Dialect::Gcp);
    bindings.bind("assertion", &claims);
    let error = expression.evaluate(&bindings).unwrap_err();
    assert!(error.unevaluable, "{error:?}");
    assert!(
        error.message.contains("assertion.sub == 'x'"),
        "{}",
        error.message
    );
    assert_eq!(expression.is_true(&bindings), Err(error.clone()));
    assert_eq!(expression.value(&bindings), Err(error));
}

fn cel_like_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let token = prop::sample::select(vec![
        "assertion",
        "claims",
        ".",
        "?",
        "sub",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ":",
        ",",
        "'a'",
        "1",
        "1u",
        "1.5",
        "-",
        "+",
        "*",
        "/",
        "%",
        "==",
        "<",
        "&&",
        "||",
        "!",
        "has",
        "all",
        "exists",
        "map",
        "filter",
        "x",
        "size",
        "int",
        "string",
        "b'a'",
        "null",
        "true",
        "in",
        "orValue",
        "timestamp",
        "duration",
        "'1s'",
        "9223372036854775807",
        "substring",
        "indexOf",
        "split",
        "matches",
        "'\\\\d'",
        "extract",
        "'{a}'",
        "sets",
        "equivalent",
        "\\",
        "'",
        "\"",
        " ",
    ]);
    prop_oneof![
        proptest::collection::vec(token, 1..16).prop_map(|t| t.concat()),
        any::<String>(),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]
    /// Rule text is user input: compiling and evaluating any text returns, never panics.
    #[test]
    fn compiling_and_evaluating_any_text_never_panics(source in cel_like_text()) {
        let claims = json!({"sub": "abc", "n": 3, "l": [1, 2], "m": {"a": 1}});
        for (dialect, variable) in [(Dialect::Gcp, "assertion"), (Dialect::Kubernetes, "claims")] {
            if let Ok(expression) = compile(dialect, &source) {
                let mut bindings = Bindings::new(dialect);
                bindings.bind(variable, &claims);
                let evaluated = expression.evaluate(&bindings);
                proptest::prop_assert!(!matches!(&evaluated, Err(e) if e.unevaluable), "{}: {:?}", source, evaluated);
            }
        }
    }
}

/// Runs `f` on a thread with a 2 MiB stack, the size of test and worker threads.
fn on_a_small_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn_scoped(scope, f)
            .unwrap()
            .join()
            .unwrap()
    })
}

#[test]
fn long_chains_are_refused_or_balanced_never_overflowing_the_stack() {
    let claims = json!({"sub": "a"});
    on_a_small_stack(|| {
        // A left-deep `+` chain of 6 000 terms (36 KB): too deep to walk, refused by name.
        let chain = format!("claims.sub == {}", vec!["'a'"; 6000].join(" + "));
        let error = compile(Dialect::Kubernetes, &chain).unwrap_err();
        assert!(
            matches!(&error, CompileError::Unevaluable { message } if message.contains("levels deep")),
            "{error}"
        );
        // The same as a GCP condition is longer than Google accepts.
        let error = compile(Dialect::Gcp, &chain.replace("claims", "assertion")).unwrap_err();
        assert!(error.to_string().contains("4096"), "{error}");
        // Just under the limit: compiled and evaluated on this small stack.
        let terms = depth::MAX_DEPTH - 3;
        let chain = format!("claims.sub + {} == 'a'", vec!["''"; terms].join(" + "));
        assert_eq!(
            eval(Dialect::Kubernetes, "claims", claims.clone(), &chain),
            Ok(json!(true))
        );
        // `||` and `&&` chains are balanced: thousands of terms are a few levels deep.
        let any = (0..3000)
            .map(|i| format!("claims.sub == 'x{i}'"))
            .chain(std::iter::once("claims.sub == 'a'".to_owned()))
            .collect::<Vec<_>>()
            .join(" || ");
        assert_eq!(
            eval(Dialect::Kubernetes, "claims", claims.clone(), &any),
            Ok(json!(true))
        );
        let all = vec!["claims.sub == 'a'"; 3000].join(" && ") + " && claims.missing == 'x'";
        let error = eval(Dialect::Kubernetes, "claims", claims.clone(), &all).unwrap_err();
        assert!(error.contains("no such key: missing"), "{error}");
        let absorbed = all.replace("claims.missing == 'x'", "claims.missing == 'x' && false");
        assert_eq!(
            eval(Dialect::Kubernetes, "claims", claims, &absorbed),
            Ok(json!(false))
        );
    });
}

#[test]
fn expensive_expressions_are_refused_not_run() {
    let thousand: Vec<i64> = (0..1000).collect();
    let claims = json!({"l": thousand, "sub": "a"});
    let mut bindings = Bindings::new(Dialect::Gcp);
    bindings.bind("assertion", &claims);
    // 10⁹ iterations: refused from the claims' sizes before running.
    let nested = compile(
        Dialect::Gcp,
        "assertion.l.all(x, assertion.l.all(y, assertion.l.all(z, x + y + z >= 0)))",
    )
    .unwrap();
    let started = std::time::Instant::now();
    let error = nested.evaluate(&bindings).unwrap_err();
    assert!(error.unevaluable, "{error:?}");
    assert!(
        error.message.contains("too expensive to evaluate"),
        "{}",
        error.message
    );
    assert_eq!(nested.is_true(&bindings), Err(error));
    // Generous: it was about an hour before.
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    // 10⁶ iterations are within budget and evaluated.
    let two = compile(
        Dialect::Gcp,
        "assertion.l.all(x, assertion.l.exists(y, y >= x))",
    )
    .unwrap();
    assert_eq!(two.evaluate(&bindings).unwrap().as_bool(), Some(true));
    // A string of 10¹⁰ bytes: refused before it is built.
    let replace = format!(
        "assertion.sub{} == ''",
        ".replace('a', 'aaaaaaaaaa')".repeat(10)
    );
    let error = compile(Dialect::Gcp, &replace)
        .unwrap()
        .evaluate(&bindings)
        .unwrap_err();
    assert!(error.unevaluable, "{error:?}");
    assert!(
        error.message.contains("too expensive to evaluate: replace"),
        "{}",
        error.message
    );
    assert!(!error.message.contains('@'), "{}", error.message);
    // Within budget, replace is the strings extension's.
    assert_eq!(
        eval(
            Dialect::Gcp,
            "assertion",
            json!({"s": "a-b-c"}),
            "assertion.s.replace('-', '/', 1)"
        ),
        Ok(json!("a/b-c"))
    );
}

/// CEL's time-zone accessors read the IANA database (2025b) the `chrono-tz` stand-in in
/// patches/chrono-tz holds: offsets with daylight saving time on both sides of a change, zones
/// with half-hour offsets and half-hour daylight saving, links, fixed offsets, and names that
/// are not zones (case matters, as in CEL's other implementations).
#[test]
fn time_zone_accessors_follow_the_iana_database() {
    let hours = |at: &str, zone: &str| {
        eval(
            Dialect::Gcp,
            "assertion",
            json!({}),
            &format!("timestamp('{at}').getHours('{zone}')"),
        )
    };
    let cases = [
        ("2024-07-01T12:00:00Z", "Europe/Berlin", 14),
        ("2024-01-15T12:00:00Z", "Europe/Berlin", 13),
        // New York's clocks went forward at 07:00 UTC on 10 March 2024 and back at 06:00 UTC
        // on 3 November.
        ("2024-03-10T06:59:59Z", "America/New_York", 1),
        ("2024-03-10T07:00:00Z", "America/New_York", 3),
        ("2024-11-03T05:59:59Z", "America/New_York", 1),
        ("2024-11-03T06:00:00Z", "America/New_York", 1),
        ("2024-11-03T07:00:00Z", "America/New_York", 2),
        ("2024-07-01T12:00:00Z", "Asia/Kolkata", 17),
        ("2024-07-01T12:00:00Z", "Asia/Kathmandu", 17),
        // Lord Howe Island: +10:30 in winter, +11 in summer (a half-hour change).
        ("2024-07-01T12:00:00Z", "Australia/Lord_Howe", 22),
        ("2024-01-15T12:00:00Z", "Australia/Lord_Howe", 23),
        ("2024-07-01T12:00:00Z", "US/Pacific", 5),
        ("2024-07-01T12:00:00Z", "America/Los_Angeles", 5),
        ("2024-07-01T12:00:00Z", "UTC", 12),
        ("2024-07-01T12:00:00Z", "Etc/GMT+5", 7),
        ("2024-07-01T12:00:00Z", "+05:30", 17),
        ("2024-07-01T12:00:00Z", "", 12),
        // Before the zone's first transition: local mean time (Berlin +0:53:28).
        ("1890-01-01T12:00:00Z", "Europe/Berlin", 12),
        ("1890-01-01T11:00:00Z", "Europe/Berlin", 11),
    ];
    for (at, zone, want) in cases {
        assert_eq!(hours(at, zone), Ok(json!(want)), "{at} in {zone}");
    }
    let minutes = eval(
        Dialect::Gcp,
        "assertion",
        json!({}),
        "timestamp('2024-07-01T12:00:00Z').getMinutes('Asia/Kathmandu')",
    );
    assert_eq!(minutes, Ok(json!(45)));
    for zone in ["europe/berlin", "Mars/Olympus", "Europe/Berlin ", "../UTC"] {
        let refused = hours("2024-07-01T12:00:00Z", zone).unwrap_err();
        assert!(refused.contains("unknown time zone"), "{zone}: {refused}");
    }
}

/// Hooks installed after `guarded`'s (the terminal UI's, which replaces the hook it finds) can
/// tell a panic `guarded` will catch: the flag holds inside it, also when nested, and not after.
#[test]
fn a_guarded_panic_is_known_as_such_on_its_thread_only() {
    assert!(!panic_is_guarded());
    let inside = guarded(|| {
        let nested = guarded(panic_is_guarded).unwrap();
        (panic_is_guarded(), nested)
    });
    assert_eq!(inside, Ok((true, true)));
    assert!(!panic_is_guarded());
    let elsewhere = guarded(|| std::thread::spawn(panic_is_guarded).join().unwrap());
    assert_eq!(elsewhere, Ok(false));
    let caught = guarded(|| -> () { panic!("from cel") });
    assert_eq!(caught, Err("from cel".to_owned()));
    assert!(!panic_is_guarded());
}
