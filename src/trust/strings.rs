//! Claims and rule fields that hold "a string or a list of strings", read the ways the trust
//! systems read them. Each function is one of the distinct readings; every evaluator or loader
//! that reads a value that way calls it instead of matching the JSON itself, so the readings
//! cannot drift apart. Which system reads which way is in docs/SEMANTICS.md (cited per function).

use serde_json::Value;

/// The strings of a claim that is a string or a list: a string is one, a list gives its string
/// items and skips the others, anything else (absent, null, a number, an object) gives none.
///
/// How every system matches a token's `aud` against its configured audiences (RFC 7519 §4.1.3:
/// `aud` is a string or an array of strings; SEMANTICS §0 table, "Audience match"): an item that
/// is not a string can equal no configured audience. A system that refuses the whole token for
/// such an item (Vault, SEMANTICS §4) checks that on its own, before matching.
pub(crate) fn strings_in(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// [`strings_in`], owned.
pub(crate) fn owned_strings_in(value: Option<&Value>) -> Vec<String> {
    strings_in(value).into_iter().map(str::to_owned).collect()
}

/// A value that must be a list of strings, where `null` is the empty list and a plain string a
/// list of one; anything else (a number, an object, a list holding a non-string) is not one
/// (`None`), and the caller refuses it with its system's message.
///
/// How the Kubernetes API server reads `groups` and `extra` values, from a claim or from a CEL
/// mapping (SEMANTICS §5, claimMappings).
pub(crate) fn string_list(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::Null => Some(Vec::new()),
        Value::String(one) => Some(vec![one.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    }
}

/// The items of a list in a rule file that may hold only strings; `Err` is the first item that
/// is not one, for the loader's own message.
///
/// How claimcheck reads the audience and client-ID lists of the rule files it loads (AWS
/// `ClientIDList`, SEMANTICS §1.1 step 2; GCP `allowedAudiences`, §2; Entra `audiences`, §3.1;
/// Vault's list fields, §4): the services store these as lists of strings, so anything else is a
/// file claimcheck must not guess about. AWS policy condition values differ (IAM takes a number
/// or a boolean there as its text) and are read by `trust::aws::document`.
pub(crate) fn only_strings(items: &[Value]) -> Result<Vec<String>, &Value> {
    items
        .iter()
        .map(|item| item.as_str().map(str::to_owned).ok_or(item))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// RFC 7519 §4.1.3: "In the general case, the "aud" value is an array of case-sensitive
    /// strings ... In the special case when the JWT has one audience, the "aud" value MAY be a
    /// single case-sensitive string".
    #[test]
    fn strings_in_reads_a_string_a_list_and_skips_the_rest() {
        let table: [(Option<Value>, &[&str]); 7] = [
            (Some(json!("a")), &["a"]),
            (Some(json!(["a", "b"])), &["a", "b"]),
            (Some(json!(["a", 1, null, {"x": 1}, "b"])), &["a", "b"]),
            (Some(json!([])), &[]),
            (Some(json!(null)), &[]),
            (Some(json!(7)), &[]),
            (None, &[]),
        ];
        for (value, expected) in table {
            assert_eq!(strings_in(value.as_ref()), expected, "{value:?}");
            assert_eq!(owned_strings_in(value.as_ref()), expected, "{value:?}");
        }
    }

    /// SEMANTICS §5: "groups: a string or string array. A plain string claim becomes a single
    /// group. "", [] and null mean no groups" (the empty string is dropped by the caller).
    #[test]
    fn string_list_refuses_anything_but_strings() {
        assert_eq!(string_list(&json!(null)), Some(vec![]));
        assert_eq!(string_list(&json!("a")), Some(vec!["a".to_owned()]));
        assert_eq!(
            string_list(&json!(["a", "b"])),
            Some(vec!["a".to_owned(), "b".to_owned()])
        );
        assert_eq!(string_list(&json!(["a", 1])), None);
        assert_eq!(string_list(&json!(1)), None);
        assert_eq!(string_list(&json!({"a": "b"})), None);
    }

    #[test]
    fn only_strings_names_the_first_item_that_is_not_one() {
        assert_eq!(
            only_strings(&[json!("a"), json!("b")]),
            Ok(vec!["a".into(), "b".into()])
        );
        let items = [json!("a"), json!(2), json!(true)];
        assert_eq!(only_strings(&items), Err(&json!(2)));
        assert_eq!(only_strings(&[]), Ok(vec![]));
    }
}
