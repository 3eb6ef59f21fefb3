//! The everyday subset of CEL, evaluated straight over the JSON claims: field reads
//! (`assertion.sub`), `has()`, string/int/bool/null literals, `==`/`!=` between values of the
//! same type, `&&`, `||`, `!`, `?:`, `in` a list literal, and `startsWith`/`endsWith`/`contains`
//! on strings. Attribute mappings and conditions are mostly just this, and a corpus × rules
//! matrix evaluates them millions of times; going through the interpreter means converting
//! every token to CEL values first, which costs far more than the comparison itself.
//!
//! It never decides what the interpreter would decide differently: whatever it is not sure of
//! — an error (absent field), mixed types, a result it cannot represent — is `None`, and the
//! caller asks the interpreter. `&&` and `||` answer only when the left side settles them or
//! both sides are booleans, so error absorption (`error && false`) stays the interpreter's.
//! A property test compares both on generated expressions and claims.

use cel::common::ast::{Expr, IdedExpr, LiteralValue};
use serde_json::{Map, Value as Json};

use super::convert::Evaluated;

/// An expression of the subset, compiled from the interpreter's AST.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Field { variable: String, field: String },
    Has { variable: String, field: String },
    Literal(Literal),
    Equals(Box<Node>, Box<Node>),
    NotEquals(Box<Node>, Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
    Conditional(Box<Node>, Box<Node>, Box<Node>),
    InList(Box<Node>, Vec<Literal>),
    StringTest(StringTest, Box<Node>, Box<Node>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    String(String),
    Int(i64),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringTest {
    StartsWith,
    EndsWith,
    Contains,
}

/// A value the subset computes with; anything else makes it step aside.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Value<'a> {
    String(&'a str),
    Int(i64),
    Bool(bool),
    Null,
    /// A list of strings read from the claims: returned as is, never compared.
    StringList(&'a Json),
}

/// Compiles `expr` when every part of it is in the subset.
pub fn compile(expr: &IdedExpr) -> Option<Node> {
    match &expr.expr {
        Expr::Select(select) => {
            let Expr::Ident(variable) = &select.operand.expr else {
                return None;
            };
            let (variable, field) = (variable.clone(), select.field.clone());
            Some(if select.test {
                Node::Has { variable, field }
            } else {
                Node::Field { variable, field }
            })
        }
        Expr::Literal(literal) => literal_of(literal).map(Node::Literal),
        Expr::Call(call) => {
            let arg = |i: usize| call.args.get(i).and_then(compile).map(Box::new);
            match (call.func_name.as_str(), &call.target, call.args.len()) {
                ("_==_", None, 2) => Some(Node::Equals(arg(0)?, arg(1)?)),
                ("_!=_", None, 2) => Some(Node::NotEquals(arg(0)?, arg(1)?)),
                ("_&&_", None, 2) => Some(Node::And(arg(0)?, arg(1)?)),
                ("_||_", None, 2) => Some(Node::Or(arg(0)?, arg(1)?)),
                ("!_", None, 1) => Some(Node::Not(arg(0)?)),
                ("_?_:_", None, 3) => Some(Node::Conditional(arg(0)?, arg(1)?, arg(2)?)),
                ("@in", None, 2) => {
                    let Expr::List(list) = &call.args[1].expr else {
                        return None;
                    };
                    if !list.optional_indices.is_empty() {
                        return None;
                    }
                    let items = list
                        .elements
                        .iter()
                        .map(|e| match &e.expr {
                            Expr::Literal(l) => literal_of(l),
                            _ => None,
                        })
                        .collect::<Option<Vec<_>>>()?;
                    Some(Node::InList(arg(0)?, items))
                }
                (name @ ("startsWith" | "endsWith" | "contains"), Some(target), 1) => {
                    let test = match name {
                        "startsWith" => StringTest::StartsWith,
                        "endsWith" => StringTest::EndsWith,
                        _ => StringTest::Contains,
                    };
                    Some(Node::StringTest(test, Box::new(compile(target)?), arg(0)?))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn literal_of(literal: &LiteralValue) -> Option<Literal> {
    match literal {
        LiteralValue::String(s) => Some(Literal::String(s.inner().to_owned())),
        LiteralValue::Int(i) => Some(Literal::Int(*i.inner())),
        LiteralValue::Boolean(b) => Some(Literal::Bool(*b.inner())),
        LiteralValue::Null => Some(Literal::Null),
        _ => None,
    }
}

/// The variables the subset can read: bound JSON objects by name.
pub trait Objects {
    fn object(&self, name: &str) -> Option<&Map<String, Json>>;
}

/// The result, or `None` when the interpreter must answer.
pub fn evaluate(node: &Node, objects: &dyn Objects) -> Option<Evaluated> {
    let (value, cel_type) = match eval(node, objects)? {
        Value::String(s) => (Json::String(s.to_owned()), "string"),
        Value::Int(i) => (Json::from(i), "int"),
        Value::Bool(b) => (Json::Bool(b), "bool"),
        Value::Null => (Json::Null, "null_type"),
        Value::StringList(list) => (list.clone(), "list"),
    };
    Some(Evaluated { value, cel_type })
}

fn eval<'a>(node: &'a Node, objects: &'a dyn Objects) -> Option<Value<'a>> {
    match node {
        Node::Field { variable, field } => value_of(objects.object(variable)?.get(field)?),
        Node::Has { variable, field } => Some(Value::Bool(
            objects.object(variable)?.contains_key(field.as_str()),
        )),
        Node::Literal(literal) => Some(literal_value(literal)),
        Node::Equals(left, right) => {
            equal(eval(left, objects)?, eval(right, objects)?).map(Value::Bool)
        }
        Node::NotEquals(left, right) => {
            equal(eval(left, objects)?, eval(right, objects)?).map(|eq| Value::Bool(!eq))
        }
        Node::And(left, right) => match eval(left, objects)? {
            Value::Bool(false) => Some(Value::Bool(false)),
            Value::Bool(true) => boolean(eval(right, objects)?),
            _ => None,
        },
        Node::Or(left, right) => match eval(left, objects)? {
            Value::Bool(true) => Some(Value::Bool(true)),
            Value::Bool(false) => boolean(eval(right, objects)?),
            _ => None,
        },
        Node::Not(inner) => match eval(inner, objects)? {
            Value::Bool(b) => Some(Value::Bool(!b)),
            _ => None,
        },
        Node::Conditional(test, then, otherwise) => match eval(test, objects)? {
            Value::Bool(true) => eval(then, objects),
            Value::Bool(false) => eval(otherwise, objects),
            _ => None,
        },
        Node::InList(needle, items) => {
            let needle = eval(needle, objects)?;
            let mut found = false;
            for item in items {
                found |= equal(needle, literal_value(item))?;
            }
            Some(Value::Bool(found))
        }
        Node::StringTest(test, target, arg) => {
            let (Value::String(text), Value::String(part)) =
                (eval(target, objects)?, eval(arg, objects)?)
            else {
                return None;
            };
            Some(Value::Bool(match test {
                StringTest::StartsWith => text.starts_with(part),
                StringTest::EndsWith => text.ends_with(part),
                StringTest::Contains => text.contains(part),
            }))
        }
    }
}

fn boolean(value: Value<'_>) -> Option<Value<'_>> {
    matches!(value, Value::Bool(_)).then_some(value)
}

/// Equality of two values of the same type; other pairings (numeric promotion, lists, mixed
/// types) are the interpreter's to decide.
fn equal(left: Value<'_>, right: Value<'_>) -> Option<bool> {
    match (left, right) {
        (Value::String(a), Value::String(b)) => Some(a == b),
        (Value::Int(a), Value::Int(b)) => Some(a == b),
        (Value::Bool(a), Value::Bool(b)) => Some(a == b),
        (Value::Null, Value::Null) => Some(true),
        _ => None,
    }
}

fn literal_value(literal: &Literal) -> Value<'_> {
    match literal {
        Literal::String(s) => Value::String(s),
        Literal::Int(i) => Value::Int(*i),
        Literal::Bool(b) => Value::Bool(*b),
        Literal::Null => Value::Null,
    }
}

/// A claim as the subset sees it: JSON integers that fit i64 are CEL ints (as in
/// `convert::to_val`); floats, big unsigned integers, objects and mixed lists step aside.
fn value_of(json: &Json) -> Option<Value<'_>> {
    match json {
        Json::String(s) => Some(Value::String(s)),
        Json::Bool(b) => Some(Value::Bool(*b)),
        Json::Null => Some(Value::Null),
        Json::Number(n) => n.as_i64().map(Value::Int),
        Json::Array(items) if items.iter().all(Json::is_string) => Some(Value::StringList(json)),
        _ => None,
    }
}
