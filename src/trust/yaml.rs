//! YAML rule files (gcloud's default output, Kubernetes' AuthenticationConfiguration) as JSON
//! values, so every evaluator reads one document model. serde-saphyr is used because serde_yaml
//! is deprecated and serde_yml unsound (RUSTSEC-2025-0068).
//!
//! Typing follows YAML 1.2's core schema, as saphyr resolves it: unquoted `true`/`false` are
//! booleans (`yes`/`no`/`on`/`off` stay strings: saphyr's `strict_booleans`), unquoted integers
//! and floats are numbers, `null`/`~`/empty are null. Rules depend on it: Kubernetes'
//! `requiredValue: true` is a boolean, not the string "true", and its validation rejects it.

use std::fmt;

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based; 0 when the parser gave no position.
    pub line: u64,
    pub column: u64,
    pub message: String,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(
                f,
                "line {}, column {}: {}",
                self.line, self.column, self.message
            )
        }
    }
}

impl std::error::Error for YamlError {}

/// Parses one YAML document into JSON.
pub fn to_json(text: &str) -> Result<Value, YamlError> {
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    options.with_snippet = false;
    serde_saphyr::from_str_with_options::<Value>(text, options).map_err(|error| {
        let (line, column) = error
            .location()
            .map_or((0, 0), |at| (at.line(), at.column()));
        YamlError {
            line,
            column,
            message: first_line_without_location(&error.to_string()),
        }
    })
}

/// Parses one YAML document into JSON, keeping CloudFormation's short-form intrinsic tags as the
/// long forms its JSON syntax uses: `!Sub 'x'` becomes `{"Fn::Sub": "x"}`, `!Ref P` becomes
/// `{"Ref": "P"}` (AWS CloudFormation User Guide, "Intrinsic function reference": every
/// function has a `Fn::Name` form and a `!Name` short form, and `Ref` is `!Ref`). Other tags are
/// dropped, as [`to_json`] drops them.
pub fn to_json_with_intrinsics(text: &str) -> Result<Value, YamlError> {
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    options.with_snippet = false;
    serde_saphyr::from_str_with_options::<TaggedNode>(text, options)
        .map(|node| node.0)
        .map_err(|error| {
            let (line, column) = error
                .location()
                .map_or((0, 0), |at| (at.line(), at.column()));
            YamlError {
                line,
                column,
                message: first_line_without_location(&error.to_string()),
            }
        })
}

/// The intrinsic functions CloudFormation gives a short form.
const INTRINSICS: &[&str] = &[
    "Base64",
    "Cidr",
    "FindInMap",
    "GetAtt",
    "GetAZs",
    "ImportValue",
    "Join",
    "Select",
    "Split",
    "Sub",
    "Transform",
    "And",
    "Equals",
    "If",
    "Not",
    "Or",
    "Length",
    "ToJsonString",
];

struct TaggedNode(Value);

impl<'de> serde::Deserialize<'de> for TaggedNode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let serde_saphyr::Tagged(Untagged(value), tag) =
            serde_saphyr::Tagged::<Untagged>::deserialize(deserializer)?;
        let name = tag.as_deref().and_then(|t| t.strip_prefix('!'));
        let value = match name {
            Some("Ref") => serde_json::json!({ "Ref": value }),
            Some("Condition") => serde_json::json!({ "Condition": value }),
            Some(name) if INTRINSICS.contains(&name) => {
                let mut long = serde_json::Map::new();
                long.insert(format!("Fn::{name}"), value);
                Value::Object(long)
            }
            _ => value,
        };
        Ok(TaggedNode(value))
    }
}

/// A node without its own tag; its children keep theirs.
struct Untagged(Value);

impl<'de> serde::Deserialize<'de> for Untagged {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UntaggedVisitor).map(Untagged)
    }
}

struct UntaggedVisitor;

impl<'de> serde::de::Visitor<'de> for UntaggedVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        serde::Deserialize::deserialize(d).map(|node: TaggedNode| node.0)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(TaggedNode(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = serde_json::Map::new();
        while let Some((key, TaggedNode(value))) = map.next_entry::<String, TaggedNode>()? {
            members.insert(key, value);
        }
        Ok(Value::Object(members))
    }
}

/// saphyr's rendered message may repeat the position and add a source excerpt; the position
/// is kept separately, so only the message itself is wanted. Messages written for programmers
/// (naming saphyr's own functions) are said in the file's terms instead.
fn first_line_without_location(rendered: &str) -> String {
    let first = rendered.lines().next().unwrap_or(rendered).trim();
    let first = first.trim_start_matches("error: ");
    // "line 3 column 2: message"
    let message = match first.split_once(": ") {
        Some((position, message)) if position.starts_with("line ") => message,
        _ => first,
    };
    if message.starts_with("multiple YAML documents detected") {
        return "the file holds more than one YAML document (a `---` line starts another); a \
                rule file holds one: split it, or remove the extra `---`"
            .to_owned();
    }
    message.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars_keep_yaml_1_2_core_types() {
        let doc = to_json(
            "a: true\nb: 'true'\nc: 42\nd: 1.5\ne: yes\nf: null\ng: ~\nh: \"42\"\ni: 0o17\nj: no\n",
        )
        .unwrap();
        assert_eq!(
            doc,
            json!({"a": true, "b": "true", "c": 42, "d": 1.5, "e": "yes", "f": null, "g": null, "h": "42", "i": 15, "j": "no"})
        );
    }

    #[test]
    fn gcloud_shape_parses() {
        let doc = to_json(
            "attributeCondition: assertion.repository == 'acme/app'\nattributeMapping:\n  google.subject: assertion.sub\nname: projects/123/locations/global/workloadIdentityPools/p/providers/gh\noidc:\n  issuerUri: https://token.actions.githubusercontent.com\nstate: ACTIVE\n",
        )
        .unwrap();
        assert_eq!(doc["attributeMapping"]["google.subject"], "assertion.sub");
        assert_eq!(
            doc["oidc"]["issuerUri"],
            "https://token.actions.githubusercontent.com"
        );
    }

    /// saphyr's message told the user to "use from_str_multiple", its own function.
    #[test]
    fn several_documents_are_explained_in_the_files_terms() {
        let error = to_json("a: 1\n---\nb: 2\n").unwrap_err();
        assert!(!error.message.contains("from_str"), "{error}");
        assert!(
            error.message.contains("more than one YAML document"),
            "{error}"
        );
    }

    #[test]
    fn cloudformation_short_forms_become_long_forms() {
        let doc = to_json_with_intrinsics(
            "a: !Sub 'arn:${AWS::Partition}:x'\nb: !Ref Param\nc: !Join\n  - ':'\n  - [x, !Ref P]\nd: !GetAtt R.Arn\ne: plain\nf: !Sub\n  - '${X}'\n  - X: !Ref Y\n",
        )
        .unwrap();
        assert_eq!(
            doc,
            json!({
                "a": {"Fn::Sub": "arn:${AWS::Partition}:x"},
                "b": {"Ref": "Param"},
                "c": {"Fn::Join": [":", ["x", {"Ref": "P"}]]},
                "d": {"Fn::GetAtt": "R.Arn"},
                "e": "plain",
                "f": {"Fn::Sub": ["${X}", {"X": {"Ref": "Y"}}]}
            })
        );
    }

    #[test]
    fn errors_carry_line_and_column() {
        let error = to_json("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(error.line >= 2, "{error:?}");
        assert!(
            error
                .to_string()
                .starts_with(&format!("line {}, column ", error.line))
        );
        assert!(!error.message.is_empty());
    }
}
