//! One condition (`"Operator": {"key": values}`) evaluated against a request context, with IAM's
//! exact semantics. Sources: reference_policies_elements_condition_operators.md and
//! reference_policies_multi-value-conditions.md (awsdocs/iam-user-guide@651083f), the current page
//! reference_policies_condition-single-vs-multi-valued-context-keys.html, and
//! cloud-copilot/iam-simulate's condition tests where AWS is silent.

use super::context::{Lookup, ParsedKey, RequestContext, Values};
use super::pattern::{
    Piece, Template, VariableError, VariableValue, as_text, eq_ignore_case, glob_matches,
};

/// Three-valued result: a condition on a key the token does not decide is `Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    pub fn from_bool(b: bool) -> Tri {
        if b { Tri::True } else { Tri::False }
    }

    /// Kleene AND: any false wins, then any unknown.
    pub fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::Unknown, _) | (_, Tri::Unknown) => Tri::Unknown,
            _ => Tri::True,
        }
    }

    /// Kleene OR: any true wins, then any unknown.
    pub fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::Unknown, _) | (_, Tri::Unknown) => Tri::Unknown,
            _ => Tri::False,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetQualifier {
    ForAnyValue,
    ForAllValues,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseOp {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    Null,
    Bool,
}

impl BaseOp {
    pub fn is_negated(self) -> bool {
        matches!(
            self,
            BaseOp::StringNotEquals | BaseOp::StringNotEqualsIgnoreCase | BaseOp::StringNotLike
        )
    }

    /// `StringEquals` and friends compare literally: a `*` there is a literal star.
    pub fn is_exact(self) -> bool {
        matches!(
            self,
            BaseOp::StringEquals
                | BaseOp::StringNotEquals
                | BaseOp::StringEqualsIgnoreCase
                | BaseOp::StringNotEqualsIgnoreCase
        )
    }

    pub fn is_like(self) -> bool {
        matches!(self, BaseOp::StringLike | BaseOp::StringNotLike)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator {
    pub qualifier: Option<SetQualifier>,
    pub base: BaseOp,
    pub if_exists: bool,
}

/// IAM operators claimcheck recognises but does not evaluate: they compare numbers, dates, IPs
/// or ARNs, which token claims in a trust policy do not use.
const OTHER_IAM_OPERATORS: [&str; 17] = [
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
];

/// Parses `ForAnyValue:StringLikeIfExists` and the like.
pub fn parse_operator(written: &str) -> Result<Operator, String> {
    let (qualifier, rest) = match written.split_once(':') {
        Some(("ForAnyValue", rest)) => (Some(SetQualifier::ForAnyValue), rest),
        Some(("ForAllValues", rest)) => (Some(SetQualifier::ForAllValues), rest),
        Some((other, _)) => {
            return Err(format!(
                "'{other}:' is not a set qualifier (ForAnyValue: or ForAllValues:); IAM would refuse the policy"
            ));
        }
        None => (None, written),
    };
    let (name, if_exists) = match rest.strip_suffix("IfExists") {
        Some(name) => (name, true),
        None => (rest, false),
    };
    let base = match name {
        "StringEquals" => BaseOp::StringEquals,
        "StringNotEquals" => BaseOp::StringNotEquals,
        "StringEqualsIgnoreCase" => BaseOp::StringEqualsIgnoreCase,
        "StringNotEqualsIgnoreCase" => BaseOp::StringNotEqualsIgnoreCase,
        "StringLike" => BaseOp::StringLike,
        "StringNotLike" => BaseOp::StringNotLike,
        "Null" if !if_exists => BaseOp::Null,
        "Null" => {
            return Err(
                "NullIfExists does not exist: IfExists cannot be combined with Null".into(),
            );
        }
        "Bool" => BaseOp::Bool,
        other
            if OTHER_IAM_OPERATORS.contains(&other)
                || other == "ArnNotEquals"
                || other == "ArnNotLike" =>
        {
            return Err(format!(
                "{other} is an IAM operator claimcheck does not evaluate (token claims are strings)"
            ));
        }
        other => {
            return Err(format!(
                "{other} is not an IAM condition operator; IAM would refuse the policy"
            ));
        }
    };
    Ok(Operator {
        qualifier,
        base,
        if_exists,
    })
}

/// One policy value, as written and as parsed.
#[derive(Debug, Clone)]
pub struct PolicyValue {
    pub written: String,
    pub template: Template,
}

/// The result for one key of one operator.
#[derive(Debug, Clone)]
pub struct KeyOutcome<'a> {
    pub result: Tri,
    pub lookup: Lookup<'a>,
    /// The evaluator's semantics that decided this (absent key rules, set qualifiers…).
    pub note: Option<&'static str>,
}

/// Evaluates `operator` on `key` with `values` (OR over values; AND for negated operators).
pub fn evaluate_key<'c>(
    operator: Operator,
    key: &ParsedKey,
    values: &[PolicyValue],
    context: &'c dyn RequestContext,
) -> KeyOutcome<'c> {
    let lookup = context.lookup_parsed(key);
    let (result, note) = decide(operator, values, &lookup, context);
    KeyOutcome {
        result,
        lookup,
        note,
    }
}

/// The policy values whose variables cannot be resolved in `context` (they never match).
pub fn variable_errors(values: &[PolicyValue], context: &dyn RequestContext) -> Vec<VariableError> {
    values
        .iter()
        .filter(|value| value.template.has_variables())
        .filter_map(|value| {
            value
                .template
                .resolve(&|name| variable_value(context, name))
                .err()
        })
        .collect()
}

fn decide(
    operator: Operator,
    values: &[PolicyValue],
    lookup: &Lookup,
    context: &dyn RequestContext,
) -> (Tri, Option<&'static str>) {
    if operator.base == BaseOp::Null {
        // Set qualifiers do not change Null (iam-simulate "ForAllValues:Null treated as Null").
        let present = match lookup {
            Lookup::Unknown => return (Tri::Unknown, None),
            Lookup::Present { .. } => true,
            Lookup::Absent(_) => false,
        };
        let matched = values.iter().any(|value| {
            if value.written.eq_ignore_ascii_case("true") {
                !present
            } else if value.written.eq_ignore_ascii_case("false") {
                present
            } else {
                false
            }
        });
        return (
            Tri::from_bool(matched),
            Some("Null: \"true\" requires the key to be absent, \"false\" requires it present"),
        );
    }
    let request_values = match lookup {
        Lookup::Unknown => return (Tri::Unknown, None),
        Lookup::Absent(_) => return absent_key(operator),
        Lookup::Present { values, .. } => values,
    };
    let single = |request: &str| single_value_matches(operator.base, values, context, request);
    match (operator.qualifier, request_values) {
        (None, Values::One(request)) => (Tri::from_bool(single(request)), None),
        (None, Values::Many(_)) => (
            Tri::False,
            Some(
                "a single-valued operator on a multivalued key never matches; use ForAnyValue: or ForAllValues: (according to secondary sources: the iam-simulate policy simulator and boogy/iam-policy-validator#161)",
            ),
        ),
        (Some(SetQualifier::ForAnyValue), values) => (
            Tri::from_bool(values.as_slice().iter().any(|r| single(r))),
            Some("ForAnyValue: true when at least one request value matches"),
        ),
        (Some(SetQualifier::ForAllValues), values) => {
            let all = values.as_slice().iter().all(|r| single(r));
            let note = if values.as_slice().is_empty() {
                "ForAllValues: true for an empty set of request values"
            } else {
                "ForAllValues: true when every request value matches"
            };
            (Tri::from_bool(all), Some(note))
        }
    }
}

/// The missing-key rules (reference_policies_elements_condition_operators.md, "Important";
/// reference_policies_multi-value-conditions.md). `ForAnyValue:` comes first: it needs a request
/// value to match, so it is false on an absent key even with `IfExists` (cloud-copilot/iam-simulate
/// `forAnyValueMatch`, whose operator pages say "Any operator starting with ForAnyValue will ignore
/// IfExists"; an AWS re:Post report shows real STS refusing an Allow whose only condition is
/// `ForAnyValue:StringEqualsIfExists` on an absent key).
fn absent_key(operator: Operator) -> (Tri, Option<&'static str>) {
    match (operator.qualifier, operator.if_exists) {
        (Some(SetQualifier::ForAnyValue), true) => (
            Tri::False,
            Some("ForAnyValue: false when the key is absent; IfExists does not change that"),
        ),
        (Some(SetQualifier::ForAnyValue), false) => (
            Tri::False,
            Some("ForAnyValue: false when the key is absent"),
        ),
        (_, true) => (Tri::True, Some("…IfExists: true because the key is absent")),
        (Some(SetQualifier::ForAllValues), false) => (
            Tri::True,
            Some("ForAllValues: true when the key is absent — dangerous in an Allow"),
        ),
        (None, false) if operator.base.is_negated() => (
            Tri::True,
            Some("a negated operator is true when the key is absent"),
        ),
        (None, false) => (
            Tri::False,
            Some("a positive operator is false when the key is absent"),
        ),
    }
}

/// A positive operator matches if some resolvable value matches; a negated one only if every
/// value resolves and none matches. An unresolvable variable never matches (policy-vars-no-value).
fn single_value_matches(
    base: BaseOp,
    values: &[PolicyValue],
    context: &dyn RequestContext,
    request: &str,
) -> bool {
    let positive = |pieces: &[Piece]| match base {
        BaseOp::StringEquals | BaseOp::StringNotEquals => equals(pieces, request),
        BaseOp::StringEqualsIgnoreCase | BaseOp::StringNotEqualsIgnoreCase => {
            eq_ignore_case(&as_text(pieces), request)
        }
        BaseOp::StringLike | BaseOp::StringNotLike => glob_matches(pieces, request),
        BaseOp::Bool => is_bool_text(request) && as_text(pieces).eq_ignore_ascii_case(request),
        BaseOp::Null => false,
    };
    fn resolve<'v>(
        value: &'v PolicyValue,
        context: &dyn RequestContext,
    ) -> Result<std::borrow::Cow<'v, [Piece]>, VariableError> {
        value
            .template
            .resolve(&|name| variable_value(context, name))
    }
    let resolve = |value| resolve(value, context);
    if base.is_negated() {
        values
            .iter()
            .all(|value| resolve(value).is_ok_and(|pieces| !positive(&pieces)))
    } else {
        values
            .iter()
            .any(|value| resolve(value).is_ok_and(|pieces| positive(&pieces)))
    }
}

fn equals(pieces: &[Piece], request: &str) -> bool {
    let mut chars = request.chars();
    pieces.iter().all(|piece| {
        let expected = match piece {
            Piece::Literal(c) => *c,
            Piece::AnyRun => '*',
            Piece::AnyOne => '?',
        };
        chars.next() == Some(expected)
    }) && chars.next().is_none()
}

fn is_bool_text(text: &str) -> bool {
    text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false")
}

fn variable_value(context: &dyn RequestContext, name: &str) -> VariableValue {
    match context.lookup(name) {
        Lookup::Present {
            values: Values::One(value),
            ..
        } => VariableValue::One(value.into_owned()),
        Lookup::Present { .. } => VariableValue::Many,
        Lookup::Absent(_) | Lookup::Unknown => VariableValue::Missing,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::context::Absence;
    use super::*;

    /// A plain request context, as the IAM docs' examples use.
    struct MapContext(HashMap<&'static str, Values<'static>>);

    impl RequestContext for MapContext {
        fn lookup(&self, key: &str) -> Lookup<'_> {
            match self.0.get(key) {
                Some(values) => Lookup::Present {
                    values: values.clone(),
                    caveat: None,
                },
                None if key.starts_with("aws:SourceIp") => Lookup::Unknown,
                None => Lookup::Absent(Absence::NotInContext),
            }
        }
    }

    fn context(entries: &[(&'static str, &[&str])]) -> MapContext {
        MapContext(
            entries
                .iter()
                .map(|(key, values)| {
                    let values = if values.len() == 1 && !key.ends_with("[]") {
                        Values::One(values[0].to_owned().into())
                    } else {
                        Values::Many(values.iter().map(|v| v.to_string().into()).collect())
                    };
                    (key.trim_end_matches("[]"), values)
                })
                .collect(),
        )
    }

    fn eval(op: &str, key: &str, values: &[&str], ctx: &MapContext) -> Tri {
        let operator = parse_operator(op).unwrap();
        let values: Vec<PolicyValue> = values
            .iter()
            .map(|v| PolicyValue {
                written: v.to_string(),
                template: Template::parse(v, true),
            })
            .collect();
        evaluate_key(operator, &ParsedKey::new(key), &values, ctx).result
    }

    use Tri::{False as F, True as T, Unknown as U};

    /// Request context entries: key (`k[]` for a multivalued key) and values.
    type Entries = Vec<(&'static str, &'static [&'static str])>;

    /// (operator, policy values, request context, expected). `k[]` marks a multivalued key.
    #[test]
    fn operator_table() {
        const SUB: &str = "repo:acme/app:ref:refs/heads/main";
        #[rustfmt::skip]
        let rows: Vec<(&str, &[&str], Entries, Tri)> = vec![
            // condition_operators.md#Conditions_String: exact and case-sensitive
            ("StringEquals", &[SUB], vec![("k", &[SUB])], T),
            ("StringEquals", &["repo:Acme/app:ref:refs/heads/main"], vec![("k", &[SUB])], F),
            ("StringEquals", &["repo:acme/*"], vec![("k", &[SUB])], F), // * literal
            ("StringEquals", &["repo:acme/*"], vec![("k", &["repo:acme/*"])], T),
            ("StringEqualsIgnoreCase", &["REPO:ACME/APP:REF:REFS/HEADS/MAIN"], vec![("k", &[SUB])], T),
            ("StringEqualsIgnoreCase", &["repo:acme/*"], vec![("k", &[SUB])], F),
            ("StringNotEqualsIgnoreCase", &["TEST"], vec![("k", &["test"])], F),
            // per-character simple case folding (Go strings.EqualFold), not whole-string lower case
            ("StringEqualsIgnoreCase", &["ΑΣ"], vec![("k", &["ασ"])], T),
            ("StringEqualsIgnoreCase", &["µ"], vec![("k", &["μ"])], T),
            ("StringEqualsIgnoreCase", &["ß"], vec![("k", &["SS"])], F),
            ("StringNotEqualsIgnoreCase", &["ΑΣ"], vec![("k", &["ασ"])], F),
            ("StringLike", &["repo:acme/*"], vec![("k", &[SUB])], T),
            ("StringNotLike", &["repo:acme/*"], vec![("k", &[SUB])], F),
            ("StringNotLike", &["repo:other/*"], vec![("k", &[SUB])], T),
            // multi-value-conditions.md: values OR, negated operators AND over values
            ("StringEquals", &["a", "b"], vec![("k", &["b"])], T),
            ("StringNotEquals", &["a", "b"], vec![("k", &["b"])], F),
            ("StringNotEquals", &["a", "b"], vec![("k", &["c"])], T),
            ("StringNotLike", &["A*", "B*"], vec![("k", &["Apple"])], F),
            // condition_operators.md "Important": absent key, each operator family
            ("StringEquals", &["x"], vec![], F),
            ("StringEqualsIgnoreCase", &["x"], vec![], F),
            ("StringLike", &["*"], vec![], F),
            ("Bool", &["true"], vec![], F),
            ("StringNotEquals", &["x"], vec![], T),
            ("StringNotEqualsIgnoreCase", &["x"], vec![], T),
            ("StringNotLike", &["x*"], vec![], T),
            // condition_operators.md#Conditions_IfExists
            ("StringLikeIfExists", &["prod*"], vec![], T),
            ("StringLikeIfExists", &["prod*"], vec![("k", &["dev"])], F),
            ("StringEqualsIfExists", &["prod"], vec![("k", &["prod"])], T),
            // condition_operators.md#Conditions_Null
            ("Null", &["true"], vec![], T),
            ("Null", &["true"], vec![("k", &["x"])], F),
            ("Null", &["false"], vec![], F),
            ("Null", &["false"], vec![("k", &["x"])], T),
            ("ForAllValues:Null", &["true"], vec![], T), // iam-simulate: qualifier ignored
            // Bool compares "true"/"false" case-insensitively (secondary source: iam-simulate's Bool tests)
            ("Bool", &["true"], vec![("k", &["TRUE"])], T),
            ("Bool", &["true", "false"], vec![("k", &["false"])], T),
            ("Bool", &["true"], vec![("k", &["yes"])], F),
            // multi-value-conditions.md: ForAllValues true on absent key / empty set
            ("ForAllValues:StringEquals", &["a", "b"], vec![], T),
            ("ForAllValues:StringEquals", &["a", "b"], vec![("k[]", &[])], T),
            ("ForAllValues:StringEquals", &["a", "b"], vec![("k[]", &["a", "x"])], F),
            ("ForAllValues:StringEquals", &["a", "b"], vec![("k[]", &["b", "a"])], T),
            ("ForAllValues:StringEquals", &["a", "b"], vec![("k", &["a"])], T), // single value = one-element set
            ("ForAllValues:StringNotLike", &["A*", "B*"], vec![("k[]", &["Apple", "Cherry"])], F),
            // ForAnyValue false on absent key
            ("ForAnyValue:StringEquals", &["a"], vec![], F),
            ("ForAnyValue:StringEquals", &["a", "b"], vec![("k[]", &["z", "a"])], T),
            ("ForAnyValue:StringEquals", &["a", "b"], vec![("k[]", &["z", "x"])], F),
            ("ForAnyValue:StringNotLike", &["A*", "B*"], vec![("k[]", &["Apple", "Cherry"])], T),
            // ForAnyValue: ignores IfExists: still false on an absent key (iam-simulate
            // forAnyValueMatch and its operator pages; AWS re:Post report of STS refusing such an
            // Allow); ForAllValues: stays true (multi-value-conditions.md)
            ("ForAnyValue:StringEqualsIfExists", &["prod"], vec![], F),
            ("ForAnyValue:StringNotEqualsIfExists", &["prod"], vec![], F),
            ("ForAnyValue:StringLikeIfExists", &["*"], vec![], F),
            ("ForAnyValue:StringNotLikeIfExists", &["x*"], vec![], F),
            ("ForAnyValue:StringEqualsIgnoreCaseIfExists", &["prod"], vec![], F),
            ("ForAnyValue:BoolIfExists", &["true"], vec![], F),
            ("ForAnyValue:StringEqualsIfExists", &["prod"], vec![("k", &["prod"])], T),
            ("ForAllValues:StringEqualsIfExists", &["prod"], vec![], T),
            ("ForAllValues:StringNotLikeIfExists", &["x*"], vec![], T),
            ("ForAnyValueIfExists:StringEquals", &["a"], vec![], F), // not a qualifier form → see parse test
            // single-valued operator on a multivalued key never matches (secondary sources: iam-simulate; a public issue report)
            ("StringEquals", &["a"], vec![("k[]", &["a", "b"])], F),
        ];
        for (op, values, entries, expected) in rows {
            if op.starts_with("ForAnyValueIfExists") {
                assert!(parse_operator(op).is_err());
                continue;
            }
            let ctx = context(&entries);
            assert_eq!(
                eval(op, "k", values, &ctx),
                expected,
                "{op} {values:?} {entries:?}"
            );
        }
    }

    // reference_policies_variables.md: variables, defaults, no-value, literal substitution.
    #[test]
    fn variables_table() {
        #[rustfmt::skip]
        let rows: Vec<(&str, &str, Entries, &str, Tri)> = vec![
            ("StringEquals", "user/${aws:userid}", vec![("aws:userid", &["Bob"])], "user/Bob", T),
            ("StringEquals", "user/${aws:userid}", vec![], "user/Bob", F), // no value → no match
            ("StringNotEquals", "${aws:username}", vec![], "test", F),    // even when negated
            ("StringLike", "test${aws:username}", vec![("aws:username", &["Bob*"])], "testBobTwo", F), // literal
            ("StringNotLike", "test${aws:username}", vec![("aws:username", &["Bob*"])], "testBobTwo", T),
            ("StringEquals", "${aws:missing, 'dflt'}", vec![], "dflt", T),
            ("StringEqualsIgnoreCase", "test${aws:paths}", vec![("aws:paths[]", &["1", "2"])], "test1", F),
            // a default stands in for a multivalued key too (iam-simulate replaceIamStringToken;
            // AWS documents defaults for absent keys only); found by the differential run
            ("StringEquals", "test${aws:paths, 'x'}", vec![("aws:paths[]", &["1", "2"])], "testx", T),
            ("StringNotEquals", "${aws:paths, 'a*b'}*", vec![("aws:paths[]", &["1", "2"])], "1", T),
            // spaces around the name and the quoted default are ignored (policy-vars-default-values)
            ("StringEquals", "${ aws:missing , 'dflt' }", vec![], "dflt", T),
            ("StringLike", "arn:${*}", vec![], "arn:*", T),
            ("StringLike", "arn:${*}", vec![], "arn:x", F),
        ];
        for (op, value, mut entries, request, expected) in rows {
            entries.push(("k", std::slice::from_ref(&request)));
            let ctx = context(&entries);
            assert_eq!(
                eval(op, "k", &[value], &ctx),
                expected,
                "{op} {value} {request}"
            );
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        const BASES: [&str; 7] = [
            "StringEquals",
            "StringNotEquals",
            "StringEqualsIgnoreCase",
            "StringNotEqualsIgnoreCase",
            "StringLike",
            "StringNotLike",
            "Bool",
        ];

        proptest! {
            // A ForAnyValue: condition needs a request value that matches, so on an absent key it
            // never holds, whatever the operator, IfExists or not, and whatever the values
            // (iam-simulate forAnyValueMatch; multi-value-conditions.md).
            #[test]
            fn for_any_value_on_absent_key_never_matches(
                base in 0..BASES.len(),
                if_exists: bool,
                values in proptest::collection::vec("[a-z*?${}:]{0,6}", 1..4),
            ) {
                let op = format!("ForAnyValue:{}{}", BASES[base], if if_exists { "IfExists" } else { "" });
                let values: Vec<&str> = values.iter().map(String::as_str).collect();
                prop_assert_eq!(eval(&op, "k", &values, &context(&[])), F);
            }

            // ...while ForAllValues: on an absent key always holds (multi-value-conditions.md).
            #[test]
            fn for_all_values_on_absent_key_always_matches(
                base in 0..BASES.len(),
                if_exists: bool,
                values in proptest::collection::vec("[a-z*?${}:]{0,6}", 1..4),
            ) {
                let op = format!("ForAllValues:{}{}", BASES[base], if if_exists { "IfExists" } else { "" });
                let values: Vec<&str> = values.iter().map(String::as_str).collect();
                prop_assert_eq!(eval(&op, "k", &values, &context(&[])), T);
            }
        }
    }

    #[test]
    fn keys_the_token_does_not_decide_are_unknown() {
        let ctx = context(&[]);
        assert_eq!(eval("StringEquals", "aws:SourceIp", &["1.2.3.4"], &ctx), U);
        assert_eq!(eval("Null", "aws:SourceIp", &["true"], &ctx), U);
        assert_eq!(T.and(U), U);
        assert_eq!(F.and(U), F);
        assert_eq!(T.or(U), T);
        assert_eq!(F.or(U), U);
    }

    #[test]
    fn operator_names() {
        let op = parse_operator("ForAllValues:StringNotLikeIfExists").unwrap();
        assert_eq!(op.qualifier, Some(SetQualifier::ForAllValues));
        assert_eq!(op.base, BaseOp::StringNotLike);
        assert!(op.if_exists);
        assert!(
            parse_operator("FakeOperator")
                .unwrap_err()
                .contains("not an IAM condition operator")
        );
        assert!(
            parse_operator("NumericEquals")
                .unwrap_err()
                .contains("does not evaluate")
        );
        assert!(parse_operator("NullIfExists").is_err());
        assert!(parse_operator("ForSomeValues:StringEquals").is_err());
    }
}
