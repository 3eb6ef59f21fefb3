//! JSON objects decoded the careful way: token order kept, duplicate names recorded instead of
//! silently resolved, and nesting bounded.
//!
//! serde_json alone keeps the last of two equal names without a word. Parsers disagree on
//! which one wins (first, last, or reject), so a token carrying `"sub"` twice can mean different
//! things to the verifier and to the service behind it; the user must be told.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::error::{DecodeError, Segment};

/// A name that appeared more than once in one object.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DuplicateName {
    /// JSON pointer of the repeated member, e.g. `/sub` or `/nested/role`.
    pub pointer: String,
    /// Every value it was given, in input order; the last one is what the decoded object holds.
    pub values: Vec<Value>,
}

pub(crate) struct DecodedObject {
    pub object: Map<String, Value>,
    pub duplicates: Vec<DuplicateName>,
}

pub(crate) fn decode_object(
    bytes: &[u8],
    segment: Segment,
    max_depth: usize,
) -> Result<DecodedObject, DecodeError> {
    let context = Context {
        max_depth,
        too_deep: Cell::new(false),
        duplicates: RefCell::new(Duplicates::default()),
    };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let parsed = ValueSeed {
        context: &context,
        depth: 0,
        path: None,
    }
    .deserialize(&mut deserializer)
    .and_then(|value| deserializer.end().map(|()| value));
    let value = match parsed {
        Ok(value) => value,
        Err(_) if context.too_deep.get() => {
            return Err(DecodeError::TooDeep {
                segment,
                limit: max_depth,
            });
        }
        Err(e) => {
            let message = if std::str::from_utf8(bytes).is_err() {
                format!("not valid UTF-8 ({e})")
            } else {
                e.to_string()
            };
            return Err(DecodeError::NotJson { segment, message });
        }
    };
    match value {
        Value::Object(object) => Ok(DecodedObject {
            object,
            duplicates: context.duplicates.into_inner().found,
        }),
        other => Err(DecodeError::NotObject {
            segment,
            found: json_type_name(&other),
        }),
    }
}

pub(crate) fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

struct Context {
    max_depth: usize,
    too_deep: Cell<bool>,
    duplicates: RefCell<Duplicates>,
}

/// Duplicates in the order first seen, with an index by pointer: a hostile token may repeat
/// tens of thousands of names, and a scan of the list for each would be quadratic.
#[derive(Default)]
struct Duplicates {
    found: Vec<DuplicateName>,
    by_pointer: HashMap<String, usize>,
}

/// Where a value sits, as a chain of steps up to the root. The JSON pointer is spelled out only
/// for a duplicate: building it for every member costs more than decoding the token (a corpus
/// preview decodes a hundred thousand of them).
struct PathNode<'p> {
    parent: Option<&'p PathNode<'p>>,
    step: Step<'p>,
}

#[derive(Clone, Copy)]
enum Step<'p> {
    Name(&'p str),
    Index(usize),
}

/// The JSON pointer of `name` inside the value at `path`, e.g. `/x/r`.
fn pointer(path: Option<&PathNode<'_>>, name: &str) -> String {
    let mut steps = vec![Step::Name(name)];
    let mut at = path;
    while let Some(node) = at {
        steps.push(node.step);
        at = node.parent;
    }
    let mut out = String::new();
    for step in steps.into_iter().rev() {
        out.push('/');
        match step {
            Step::Name(name) => out.push_str(&name.replace('~', "~0").replace('/', "~1")),
            Step::Index(index) => out.push_str(&index.to_string()),
        }
    }
    out
}

struct ValueSeed<'c, 'p> {
    context: &'c Context,
    depth: usize,
    path: Option<&'p PathNode<'p>>,
}

impl<'c> ValueSeed<'c, '_> {
    fn child<'q>(&self, node: &'q PathNode<'q>) -> ValueSeed<'c, 'q> {
        ValueSeed {
            context: self.context,
            depth: self.depth + 1,
            path: Some(node),
        }
    }

    fn enter<E: de::Error>(&self) -> Result<(), E> {
        if self.depth >= self.context.max_depth {
            self.context.too_deep.set(true);
            return Err(E::custom("nesting too deep"));
        }
        Ok(())
    }

    fn record_duplicate(&self, pointer: String, previous: Value, current: &Value) {
        let mut duplicates = self.context.duplicates.borrow_mut();
        let Duplicates { found, by_pointer } = &mut *duplicates;
        match by_pointer.entry(pointer) {
            std::collections::hash_map::Entry::Occupied(at) => {
                found[*at.get()].values.push(current.clone());
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                found.push(DuplicateName {
                    pointer: slot.key().clone(),
                    values: vec![previous, current.clone()],
                });
                slot.insert(found.len() - 1);
            }
        }
    }
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
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

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.enter()?;
        let mut items = Vec::new();
        loop {
            let node = PathNode {
                parent: self.path,
                step: Step::Index(items.len()),
            };
            match seq.next_element_seed(self.child(&node))? {
                Some(item) => items.push(item),
                None => break,
            }
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.enter()?;
        let mut object = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            let node = PathNode {
                parent: self.path,
                step: Step::Name(&name),
            };
            let value = map.next_value_seed(self.child(&node))?;
            match object.entry(name) {
                serde_json::map::Entry::Vacant(slot) => {
                    slot.insert(value);
                }
                serde_json::map::Entry::Occupied(mut slot) => {
                    // `insert` keeps the member where it first appeared, as `Map::insert` does.
                    let pointer = pointer(self.path, slot.key());
                    let previous = slot.insert(value);
                    self.record_duplicate(pointer, previous, slot.get());
                }
            }
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &str) -> Result<DecodedObject, DecodeError> {
        decode_object(text.as_bytes(), Segment::Payload, 8)
    }

    #[test]
    fn keeps_token_order() {
        let d = decode(r#"{"sub":"s","name":"n","iat":1}"#).unwrap();
        let names: Vec<_> = d.object.keys().map(String::as_str).collect();
        assert_eq!(names, ["sub", "name", "iat"]);
        assert!(d.duplicates.is_empty());
    }

    #[test]
    fn records_duplicates_at_any_depth_and_keeps_the_last() {
        let d = decode(r#"{"sub":"a","x":{"r":1,"r":2,"r":3},"sub":"b"}"#).unwrap();
        assert_eq!(d.object["sub"], "b");
        assert_eq!(
            d.duplicates,
            vec![
                DuplicateName {
                    pointer: "/x/r".into(),
                    values: vec![1.into(), 2.into(), 3.into()]
                },
                DuplicateName {
                    pointer: "/sub".into(),
                    values: vec!["a".into(), "b".into()]
                },
            ]
        );
    }

    /// Each repeated name used to be looked up by scanning every duplicate found so far: 40 000
    /// repeated names took seconds per token. The bound is generous; the quadratic scan of
    /// 100 000 names took minutes.
    #[test]
    fn many_repeated_names_are_recorded_in_linear_time() {
        const NAMES: usize = 100_000;
        let mut text = String::from("{");
        for i in 0..NAMES {
            text.push_str(&format!("\"n{i}\":0,\"n{i}\":1,"));
        }
        text.push_str("\"n0\":2}");
        let started = std::time::Instant::now();
        let d = decode(&text).unwrap();
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "took {:?}",
            started.elapsed()
        );
        assert_eq!(d.duplicates.len(), NAMES);
        assert_eq!(d.duplicates[0].pointer, "/n0");
        assert_eq!(d.duplicates[0].values, [Value::from(0), 1.into(), 2.into()]);
        assert_eq!(d.duplicates[NAMES - 1].pointer, format!("/n{}", NAMES - 1));
    }

    #[test]
    fn pointer_escapes_slash_and_tilde() {
        let d = decode(r#"{"a/b~c":1,"a/b~c":2}"#).unwrap();
        assert_eq!(d.duplicates[0].pointer, "/a~1b~0c");
    }

    #[test]
    fn bounds_nesting() {
        let deep = format!("{}1{}", "[".repeat(9), "]".repeat(9));
        let wrapped = format!(r#"{{"a":{deep}}}"#);
        assert_eq!(
            decode(&wrapped).err(),
            Some(DecodeError::TooDeep {
                segment: Segment::Payload,
                limit: 8
            })
        );
        let shallow = format!(r#"{{"a":{}1{}}}"#, "[".repeat(6), "]".repeat(6));
        assert!(decode(&shallow).is_ok());
    }

    #[test]
    fn rejects_non_objects_trailing_data_and_bad_utf8() {
        assert!(matches!(
            decode("[1]").err(),
            Some(DecodeError::NotObject {
                found: "an array",
                ..
            })
        ));
        assert!(matches!(
            decode(r#"{"a":1} x"#).err(),
            Some(DecodeError::NotJson { .. })
        ));
        let err = decode_object(b"{\"a\":\"\xff\"}", Segment::Header, 8)
            .err()
            .unwrap();
        assert!(err.to_string().contains("not valid UTF-8"), "{err}");
    }
}
