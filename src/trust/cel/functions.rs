//! Functions the real evaluators have and the `cel` crate lacks, registered as `Env` overloads
//! so the compile-time check sees them like the crate's own.
//!
//! * Google's `string.extract(template)` (GCP attribute mappings and conditions).
//! * Kubernetes' `sets` library: `sets.contains`, `sets.equivalent`, `sets.intersects`
//!   (cel-go `ext.Sets`, enabled in the Kubernetes CEL environment).

use std::sync::Arc;

use cel::common::types::{LIST_TYPE, STRING_TYPE};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError, Value};

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
/// result comes from Google's IAM attribute reference and is not verified against the service
/// (reference §9.5), so evaluators that see `extract` mark their verdict unverified.
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
