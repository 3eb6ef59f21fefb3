//! JSON claims into CEL values and CEL results back into JSON.
//!
//! Conversion is done by hand rather than through serde: serde would turn every non-negative
//! JSON integer into a CEL `uint`, whereas the evaluators that matter here (Kubernetes' JSON
//! decoder, Google's protobuf `Struct`) never produce `uint` from JSON. An integer beyond the
//! signed 64-bit range is a `double` (cel-go's and CEL C++'s JSON conversion), not a `uint`.
//!
//! Claims are bound with [`to_val`], which borrows their strings instead of copying them: the
//! conversion runs once per token and rule, and copying dominated evaluation time.

use std::collections::HashMap;

use cel::Value as CelValue;
use cel::common::types::{
    CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString,
};
use cel::common::value::Val;
use cel::objects::{Key, OptionalValue};
use serde_json::Value as Json;

pub fn to_val<'v>(json: &'v Json) -> Box<dyn Val + 'v> {
    match json {
        Json::Null => Box::new(CelNull),
        Json::Bool(b) => Box::new(CelBool::from(*b)),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Box::new(CelInt::from(i)),
            None => Box::new(CelDouble::from(n.as_f64().unwrap_or(f64::NAN))),
        },
        Json::String(s) => Box::new(CelString::from(s.as_str())),
        Json::Array(items) => Box::new(CelList::from(items.iter().map(to_val).collect::<Vec<_>>())),
        Json::Object(object) => object_to_val(object),
    }
}

pub fn object_to_val<'v>(object: &'v serde_json::Map<String, Json>) -> Box<dyn Val + 'v> {
    let map: HashMap<CelMapKey<'v>, Box<dyn Val + 'v>> = object
        .iter()
        .map(|(k, v)| (CelMapKey::from(k.as_str()), to_val(v)))
        .collect();
    Box::new(CelMap::from(map))
}

/// The object with only `fields` (those it has): what an expression that reads just these
/// fields can observe of it.
pub fn fields_to_val<'v>(
    object: &'v serde_json::Map<String, Json>,
    fields: &[String],
) -> Box<dyn Val + 'v> {
    let map: HashMap<CelMapKey<'v>, Box<dyn Val + 'v>> = fields
        .iter()
        .filter_map(|field| object.get_key_value(field.as_str()))
        .map(|(k, v)| (CelMapKey::from(k.as_str()), to_val(v)))
        .collect();
    Box::new(CelMap::from(map))
}

#[cfg(test)]
use {cel::objects::Map, std::sync::Arc};

#[cfg(test)]
fn to_cel(json: &Json) -> CelValue {
    match json {
        Json::Null => CelValue::Null,
        Json::Bool(b) => CelValue::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => CelValue::Int(i),
            None => CelValue::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => CelValue::String(Arc::new(s.clone())),
        Json::Array(items) => CelValue::List(Arc::new(items.iter().map(to_cel).collect())),
        Json::Object(object) => object_to_cel(object),
    }
}

#[cfg(test)]
fn object_to_cel(object: &serde_json::Map<String, Json>) -> CelValue {
    let map: HashMap<Key, CelValue> = object
        .iter()
        .map(|(k, v)| (Key::String(Arc::new(k.clone())), to_cel(v)))
        .collect();
    CelValue::Map(Map { map: Arc::new(map) })
}

/// A CEL result as JSON, with the CEL type name kept so callers can say "must be a string,
/// got int" in CEL's words.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    pub value: Json,
    pub cel_type: &'static str,
}

impl Evaluated {
    pub fn as_bool(&self) -> Option<bool> {
        self.value.as_bool().filter(|_| self.cel_type == "bool")
    }

    pub fn as_str(&self) -> Option<&str> {
        self.value.as_str().filter(|_| self.cel_type == "string")
    }
}

pub fn to_evaluated(value: &CelValue) -> Evaluated {
    Evaluated {
        value: to_json(value),
        cel_type: type_name(value),
    }
}

pub fn type_name(value: &CelValue) -> &'static str {
    match value {
        CelValue::List(_) => "list",
        CelValue::Map(_) => "map",
        CelValue::Function(..) => "function",
        CelValue::Int(_) => "int",
        CelValue::UInt(_) => "uint",
        CelValue::Float(_) => "double",
        CelValue::String(_) => "string",
        CelValue::Bytes(_) => "bytes",
        CelValue::Bool(_) => "bool",
        CelValue::Duration(_) => "google.protobuf.Duration",
        CelValue::Timestamp(_) => "google.protobuf.Timestamp",
        CelValue::Opaque(o) if o.runtime_type_name() == "optional_type" => "optional_type",
        CelValue::Opaque(_) => "opaque",
        CelValue::Struct(_) => "struct",
        CelValue::Null => "null_type",
    }
}

/// JSON has no bytes, durations, timestamps or optionals: those become their display text;
/// `cel_type` still says what they were.
pub fn to_json(value: &CelValue) -> Json {
    match value {
        CelValue::Null => Json::Null,
        CelValue::Bool(b) => Json::Bool(*b),
        CelValue::Int(i) => Json::from(*i),
        CelValue::UInt(u) => Json::from(*u),
        CelValue::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        CelValue::String(s) => Json::String(s.as_str().to_owned()),
        CelValue::List(items) => Json::Array(items.iter().map(to_json).collect()),
        CelValue::Map(map) => {
            let mut entries: Vec<(String, Json)> = map
                .map
                .iter()
                .map(|(k, v)| (key_text(k), to_json(v)))
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Json::Object(entries.into_iter().collect())
        }
        CelValue::Bytes(b) => Json::String(String::from_utf8_lossy(b).into_owned()),
        CelValue::Duration(d) => Json::String(format!("{}s", d.num_milliseconds() as f64 / 1000.0)),
        CelValue::Timestamp(t) => Json::String(t.to_rfc3339()),
        CelValue::Opaque(o) => match o.downcast_ref::<OptionalValue>() {
            Some(optional) => optional.value().map_or(Json::Null, to_json),
            None => Json::String(format!("<{}>", o.runtime_type_name())),
        },
        CelValue::Function(name, _) => Json::String(format!("<function {name}>")),
        CelValue::Struct(_) => Json::String("<struct>".to_owned()),
    }
}

fn key_text(key: &Key) -> String {
    match key {
        Key::Int(i) => i.to_string(),
        Key::Uint(u) => u.to_string(),
        Key::Bool(b) => b.to_string(),
        Key::String(s) => s.as_str().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_integers_are_cel_ints_not_uints() {
        assert_eq!(to_cel(&json!(58)), CelValue::Int(58));
        assert_eq!(to_cel(&json!(-3)), CelValue::Int(-3));
        assert_eq!(to_cel(&json!(u64::MAX)), CelValue::Float(u64::MAX as f64));
        assert_eq!(to_cel(&json!(1.5)), CelValue::Float(1.5));
    }

    #[test]
    fn borrowed_values_match_owned_ones() {
        let claims =
            json!({"aud": ["a", 2], "n": -1, "big": u64::MAX, "f": 0.5, "ok": true, "none": null});
        let borrowed = CelValue::try_from(to_val(&claims).as_ref()).unwrap();
        assert_eq!(borrowed, to_cel(&claims));
    }

    #[test]
    fn round_trip_keeps_shapes() {
        let claims = json!({"aud": ["a", "b"], "n": 1, "nested": {"ok": true}, "none": null});
        let back = to_json(&to_cel(&claims));
        assert_eq!(
            back,
            json!({"aud": ["a", "b"], "n": 1, "nested": {"ok": true}, "none": null})
        );
        assert_eq!(to_evaluated(&to_cel(&json!("x"))).as_str(), Some("x"));
        assert_eq!(to_evaluated(&to_cel(&json!("true"))).as_bool(), None);
    }
}
