//! Functions the real evaluators have and the `cel` crate lacks, registered as `Env` overloads
//! so the compile-time check sees them like the crate's own.
//!
//! * Google's `string.extract(template)` (GCP attribute mappings and conditions).
//! * Kubernetes' `sets` library: `sets.contains`, `sets.equivalent`, `sets.intersects`
//!   (cel-go `ext.Sets`, enabled in the Kubernetes CEL environment).

use std::sync::Arc;

use cel::common::types::{DYN_TYPE, INT_TYPE, LIST_TYPE, STRING_TYPE};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError, Value};

/// The name `matches` calls are renamed to after parsing (see [`add_re2_matches`]): no CEL
/// identifier starts with `@`, so no expression can call it by name.
pub const MATCHES_RE2: &str = "@matches_re2";

/// CEL's `matches` with RE2's semantics (see `re2`), in its member and global forms. The
/// crate's own `matches` cannot be replaced (overloads are never removed), so calls are
/// renamed to this one at compile time.
pub fn add_re2_matches(env: &mut Env, dialect: super::Dialect) -> Result<(), DeclarationError> {
    let call: cel::common::functions::Function = match dialect {
        super::Dialect::Gcp => matches_re2,
        super::Dialect::Kubernetes => matches_go,
    };
    env.add_member_overload(
        MATCHES_RE2,
        "string_matches_re2_string",
        STRING_TYPE,
        vec![STRING_TYPE],
        call,
    )?;
    env.add_overload(
        MATCHES_RE2,
        "matches_re2_string_string",
        vec![STRING_TYPE, STRING_TYPE],
        call,
    )
}

fn matches_re2<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    matches_call(args, super::re2::Flavor::Re2)
}

fn matches_go<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    matches_call(args, super::re2::Flavor::Go)
}

fn matches_call<'b, 'v>(
    args: Vec<CowVal<'b, 'v>>,
    flavor: super::re2::Flavor,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [text, pattern] = args.as_slice() else {
        return Err(ExecutionError::invalid_argument_count(2, args.len()));
    };
    let text = string_arg("matches", text.as_ref())?;
    let pattern = string_arg("matches", pattern.as_ref())?;
    let matched = super::re2::is_match(&text, &pattern, flavor).map_err(|e| {
        ExecutionError::function_error("matches", format!("'{pattern}' not a valid regex: {e}"))
    })?;
    owned(Value::Bool(matched))
}

/// The name one-argument `string(x)` calls are renamed to after parsing, like
/// [`MATCHES_RE2`].
pub const STRING_CONVERSION: &str = "@string";

/// CEL's `string(x)`, with doubles written as cel-go and CEL C++ write them (Go's `%g`:
/// `string(1e20)` is `1e+20`, where the crate writes every digit); other types go to the
/// crate's own overloads.
pub fn add_string_conversion(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_overload(
        STRING_CONVERSION,
        "string_conversion_dyn",
        vec![DYN_TYPE],
        string_call,
    )
}

fn string_call<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    if let [value] = args.as_slice()
        && let Value::Float(f) = Value::try_from(value.as_ref())?
    {
        return owned(Value::String(Arc::new(format_double(f))));
    }
    match super::Dialect::Gcp.env().find_overload("string", &args) {
        Some(function) => function(args),
        None => Err(ExecutionError::function_error(
            "string",
            "no such overload".to_owned(),
        )),
    }
}

/// A double as cel-go (`strconv.FormatFloat(f, 'g', -1, 64)`) and CEL C++ write it: the
/// shortest digits that read back the same, in exponent form (sign, at least two digits) when
/// the exponent is below -4 or at least 6. Infinities are CEL C++'s `inf` and `-inf`, NaN is
/// `nan` (CEL C++ writes the sign of a NaN, `-nan` for `0.0/0.0`; cel-go writes `+Inf`,
/// `-Inf`, `NaN`): JSON claims cannot hold them, only arithmetic can make them.
pub fn format_double(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let scientific = format!("{f:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..6).contains(&exponent) || f == 0.0 {
        return format!("{f}");
    }
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exponent.abs())
}

/// The name `s.replace(from, to[, n])` calls are renamed to after parsing, like
/// [`MATCHES_RE2`].
pub const REPLACE_BOUNDED: &str = "@replace";

/// The strings extension's `replace`, refusing to build a string longer than
/// `cost::MAX_STRING_BYTES` (nested calls grow it geometrically).
pub fn add_bounded_replace(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_member_overload(
        REPLACE_BOUNDED,
        "string_replace_bounded",
        STRING_TYPE,
        vec![STRING_TYPE, STRING_TYPE],
        replace_call,
    )?;
    env.add_member_overload(
        REPLACE_BOUNDED,
        "string_replace_bounded_n",
        STRING_TYPE,
        vec![STRING_TYPE, STRING_TYPE, INT_TYPE],
        replace_call,
    )
}

/// The message of an error that makes the verdict an error (see `EvalError::unevaluable`).
pub const TOO_EXPENSIVE: &str = "too expensive to evaluate";

fn replace_call<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let (text, from, to, limit) = match args.as_slice() {
        [text, from, to] => (text, from, to, -1),
        [text, from, to, n] => match Value::try_from(n.as_ref())? {
            Value::Int(n) => (text, from, to, n),
            other => {
                return Err(ExecutionError::function_error(
                    "replace",
                    format!("expected an int, got {other:?}"),
                ));
            }
        },
        _ => return Err(ExecutionError::invalid_argument_count(3, args.len())),
    };
    let text = string_arg("replace", text.as_ref())?;
    let from = string_arg("replace", from.as_ref())?;
    let to = string_arg("replace", to.as_ref())?;
    let occurrences = if from.is_empty() {
        text.chars().count() + 1
    } else {
        text.matches(from.as_str()).count()
    };
    let replaced = usize::try_from(limit).map_or(occurrences, |n| n.min(occurrences));
    let size = text.len() + replaced * to.len().saturating_sub(from.len());
    if size > super::cost::MAX_STRING_BYTES {
        return Err(ExecutionError::function_error(
            "replace",
            format!(
                "{TOO_EXPENSIVE}: replace would build a string of {size} bytes, past claimcheck's budget of {} bytes",
                super::cost::MAX_STRING_BYTES
            ),
        ));
    }
    let out = match usize::try_from(limit) {
        Ok(n) => text.replacen(from.as_str(), &to, n),
        Err(_) => text.replace(from.as_str(), &to),
    };
    owned(Value::String(Arc::new(out)))
}

pub fn add_google(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_member_overload(
        "extract",
        "string_extract_string",
        STRING_TYPE,
        vec![STRING_TYPE],
        extract_call,
    )
}

pub fn add_kubernetes_sets(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_overload(
        "sets.contains",
        "list_sets_contains_list",
        vec![LIST_TYPE, LIST_TYPE],
        sets_contains,
    )?;
    env.add_overload(
        "sets.equivalent",
        "list_sets_equivalent_list",
        vec![LIST_TYPE, LIST_TYPE],
        sets_equivalent,
    )?;
    env.add_overload(
        "sets.intersects",
        "list_sets_intersects_list",
        vec![LIST_TYPE, LIST_TYPE],
        sets_intersects,
    )
}

/// Google's documented `extract`: the text between the template's prefix (before `{name}`) and
/// suffix (after it); the empty string when the prefix or suffix is not found. That no-match
/// result comes from Google's IAM attribute reference and is not verified against the service,
/// so evaluators that see `extract` mark their verdict unverified.
pub fn extract(text: &str, template: &str) -> Result<String, String> {
    let open = template
        .find('{')
        .ok_or_else(|| format!("template '{template}' has no {{placeholder}}"))?;
    let close = template[open..]
        .find('}')
        .map(|i| open + i)
        .ok_or_else(|| format!("template '{template}' has an unclosed {{placeholder"))?;
    let (prefix, suffix) = (&template[..open], &template[close + 1..]);
    if suffix.contains('{') {
        return Err(format!(
            "template '{template}' has more than one placeholder"
        ));
    }
    let Some(start) = text.find(prefix).map(|i| i + prefix.len()) else {
        return Ok(String::new());
    };
    let rest = &text[start..];
    if suffix.is_empty() {
        return Ok(rest.to_owned());
    }
    Ok(rest
        .find(suffix)
        .map_or_else(String::new, |end| rest[..end].to_owned()))
}

fn string_arg(function: &str, val: &dyn Val) -> Result<Arc<String>, ExecutionError> {
    match Value::try_from(val)? {
        Value::String(s) => Ok(s),
        other => Err(ExecutionError::function_error(
            function,
            format!("expected a string, got {other:?}"),
        )),
    }
}

fn list_arg(function: &str, val: &dyn Val) -> Result<Arc<Vec<Value>>, ExecutionError> {
    match Value::try_from(val)? {
        Value::List(items) => Ok(items),
        other => Err(ExecutionError::function_error(
            function,
            format!("expected a list, got {other:?}"),
        )),
    }
}

fn extract_call<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [text, template] = args.as_slice() else {
        return Err(ExecutionError::invalid_argument_count(2, args.len()));
    };
    let text = string_arg("extract", text.as_ref())?;
    let template = string_arg("extract", template.as_ref())?;
    let out =
        extract(&text, &template).map_err(|e| ExecutionError::function_error("extract", e))?;
    owned(Value::String(Arc::new(out)))
}

fn owned<'b, 'v>(value: Value) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let boxed: Box<dyn Val> = value.try_into()?;
    Ok(CowVal::Owned(boxed))
}

fn two_lists(
    function: &str,
    args: &[CowVal<'_, '_>],
) -> Result<(CelList, CelList), ExecutionError> {
    let [a, b] = args else {
        return Err(ExecutionError::invalid_argument_count(2, args.len()));
    };
    Ok((
        list_arg(function, a.as_ref())?,
        list_arg(function, b.as_ref())?,
    ))
}

type CelList = Arc<Vec<Value>>;

fn contains_all(haystack: &[Value], needles: &[Value]) -> bool {
    needles.iter().all(|n| haystack.contains(n))
}

fn sets_contains<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let (a, b) = two_lists("sets.contains", &args)?;
    owned(Value::Bool(contains_all(&a, &b)))
}

fn sets_equivalent<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let (a, b) = two_lists("sets.equivalent", &args)?;
    owned(Value::Bool(contains_all(&a, &b) && contains_all(&b, &a)))
}

fn sets_intersects<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let (a, b) = two_lists("sets.intersects", &args)?;
    owned(Value::Bool(a.iter().any(|x| b.contains(x))))
}

#[cfg(test)]
mod tests {
    use super::extract;

    // Google's examples (cloud.google.com/iam/docs/conditions-attribute-reference#extract and the
    // AWS default mapping in the WorkloadIdentityPoolProvider reference).
    // Expected strings are CEL C++'s (cel-expr-python) and cel-go's, which agree on finite
    // values: Go's %g with the shortest precision.
    #[test]
    fn doubles_are_written_as_cel_go_and_cel_cpp_write_them() {
        for (value, want) in [
            (1e20, "1e+20"),
            (1e6, "1e+06"),
            (123456789.0, "1.23456789e+08"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5, "1.5"),
            (-0.0, "-0"),
            (100000.0, "100000"),
            (1.0, "1"),
            (2.5e-7, "2.5e-07"),
            (123456.7, "123456.7"),
            (1234567.8, "1.2345678e+06"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e100, "1e+100"),
            (f64::INFINITY, "inf"),
        ] {
            assert_eq!(super::format_double(value), want, "{value}");
        }
    }

    #[test]
    fn extract_cases() {
        let cases = [
            (
                "arn:aws:sts::999999999999:assumed-role/some-role/some-session",
                "assumed-role/{role}/",
                "some-role",
            ),
            (
                "projects/p/buckets/b/objects/dir/file",
                "/objects/{name}",
                "dir/file",
            ),
            ("projects/p/zones/z/instances/i", "/zones/{zone}/", "z"),
            // No match: the documented (unverified) result is the empty string.
            ("no-prefix-here", "assumed-role/{role}/", ""),
            ("assumed-role/no-suffix", "assumed-role/{role}/", ""),
        ];
        for (text, template, want) in cases {
            assert_eq!(
                extract(text, template).unwrap(),
                want,
                "{text} / {template}"
            );
        }
        assert!(extract("x", "no placeholder").is_err());
        assert!(extract("x", "{a}{b}").is_err());
    }
}
