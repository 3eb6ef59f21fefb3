//! The everyday subset of CEL, evaluated straight over the JSON claims: field reads
//! (`assertion.sub`), `has()`, string/int/bool/null literals, `==`/`!=` between values of the
//! same type, `&&`, `||`, `!`, `?:`, `in` a list literal, and `startsWith`/`endsWith`/`contains`
//! on strings. Attribute mappings and conditions are mostly just this, and a corpus × rules
//! matrix evaluates them millions of times; going through the interpreter means converting
//! every token to CEL values first, which costs far more than the comparison itself.
//!
//! It never decides what the interpreter would decide differently. A result is a value, a
//! definite CEL error (an absent field: the interpreter's "no such key"; a non-boolean operand
//! of `&&`/`||`), or `Unknown` (mixed types, a result it cannot represent), where the caller
//! asks the interpreter. Errors follow CEL's (and the crate's) rules: `&&`/`||` absorb an error
//! when the other side decides (`error && false` is false), everything else propagates it. The
//! error's message is the interpreter's to write, so [`evaluate`] hands errors back to it;
//! [`is_true`] (a decision only) does not need it. A property test compares both with the
//! interpreter on generated expressions and claims.

use cel::common::ast::{Expr, IdedExpr, LiteralValue};
use serde_json::{Map, Value as Json};

use super::convert::Evaluated;

/// An expression of the subset, compiled from the interpreter's AST.
#[derive(Debug, Clone)]
pub enum Node {
    Field {
        variable: String,
        field: String,
    },
    Has {
        variable: String,
        field: String,
    },
    Literal(Literal),
    Equals(Box<Node>, Box<Node>),
    NotEquals(Box<Node>, Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
    Conditional(Box<Node>, Box<Node>, Box<Node>),
    InList(Box<Node>, Vec<Literal>),
    StringTest(StringTest, Box<Node>, Box<Node>),
    /// `s.matches('literal')`, the RE2 pattern compiled once.
    Matches(Box<Node>, regex::bytes::Regex),
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
pub fn compile(expr: &IdedExpr, flavor: super::re2::Flavor) -> Option<Node> {
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
            let arg = |i: usize| {
                call.args
                    .get(i)
                    .and_then(|a| compile(a, flavor))
                    .map(Box::new)
            };
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
                ("matches", Some(target), 1) => {
                    let Expr::Literal(LiteralValue::String(pattern)) = &call.args[0].expr else {
                        return None;
                    };
                    // An invalid pattern is the interpreter's error to report.
                    let pattern = super::re2::compile(pattern.inner(), flavor).ok()?;
                    Some(Node::Matches(Box::new(compile(target, flavor)?), pattern))
                }
                (name @ ("startsWith" | "endsWith" | "contains"), Some(target), 1) => {
                    let test = match name {
                        "startsWith" => StringTest::StartsWith,
                        "endsWith" => StringTest::EndsWith,
                        _ => StringTest::Contains,
                    };
                    Some(Node::StringTest(
                        test,
                        Box::new(compile(target, flavor)?),
                        arg(0)?,
                    ))
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

/// What the subset made of an expression.
enum Outcome<'a> {
    Value(Value<'a>),
    /// A definite CEL error; its message is the interpreter's to write.
    Error,
    /// Outside what the subset decides.
    Unknown,
}

use Outcome::{Error, Unknown};

/// What the subset decided, for a caller that needs no error message.
pub enum Decided {
    Value(Evaluated),
    Error,
    Unknown,
}

pub fn decide(node: &Node, objects: &dyn Objects) -> Decided {
    match eval(node, objects) {
        Outcome::Value(value) => Decided::Value(evaluated(value)),
        Error => Decided::Error,
        Unknown => Decided::Unknown,
    }
}

/// The result, or `None` when the interpreter must answer (including for errors, whose text
/// it writes).
pub fn evaluate(node: &Node, objects: &dyn Objects) -> Option<Evaluated> {
    match decide(node, objects) {
        Decided::Value(value) => Some(value),
        Decided::Error | Decided::Unknown => None,
    }
}

fn evaluated(value: Value<'_>) -> Evaluated {
    let (value, cel_type) = match value {
        Value::String(s) => (Json::String(s.to_owned()), "string"),
        Value::Int(i) => (Json::from(i), "int"),
        Value::Bool(b) => (Json::Bool(b), "bool"),
        Value::Null => (Json::Null, "null_type"),
        Value::StringList(list) => (list.clone(), "list"),
    };
    Evaluated { value, cel_type }
}

/// Whether the expression evaluates to `true` (an error or another value is "no"), or `None`
/// when the interpreter must answer.
pub fn is_true(node: &Node, objects: &dyn Objects) -> Option<bool> {
    match eval(node, objects) {
        Outcome::Value(value) => Some(value == Value::Bool(true)),
        Error => Some(false),
        Unknown => None,
    }
}

fn eval<'a>(node: &'a Node, objects: &'a dyn Objects) -> Outcome<'a> {
    match node {
        Node::Field { variable, field } => match objects.object(variable) {
            None => Unknown,
            Some(object) => match object.get(field) {
                None => Error,
                Some(json) => value_of(json).map_or(Unknown, Outcome::Value),
            },
        },
        Node::Has { variable, field } => match objects.object(variable) {
            None => Unknown,
            Some(object) => Outcome::Value(Value::Bool(object.contains_key(field.as_str()))),
        },
        Node::Literal(literal) => Outcome::Value(literal_value(literal)),
        Node::Equals(left, right) => compare(eval(left, objects), eval(right, objects), false),
        Node::NotEquals(left, right) => compare(eval(left, objects), eval(right, objects), true),
        Node::And(left, right) => logic(eval(left, objects), || eval(right, objects), false),
        Node::Or(left, right) => logic(eval(left, objects), || eval(right, objects), true),
        Node::Not(inner) => match eval(inner, objects) {
            Outcome::Value(Value::Bool(b)) => Outcome::Value(Value::Bool(!b)),
            Error => Error,
            _ => Unknown,
        },
        Node::Conditional(test, then, otherwise) => match eval(test, objects) {
            Outcome::Value(Value::Bool(true)) => eval(then, objects),
            Outcome::Value(Value::Bool(false)) => eval(otherwise, objects),
            Error => Error,
            _ => Unknown,
        },
        Node::InList(needle, items) => {
            let needle = match eval(needle, objects) {
                Outcome::Value(needle) => needle,
                other => return other,
            };
            let mut found = false;
            for item in items {
                match equal(needle, literal_value(item)) {
                    Some(eq) => found |= eq,
                    None => return Unknown,
                }
            }
            Outcome::Value(Value::Bool(found))
        }
        Node::StringTest(test, target, arg) => match (eval(target, objects), eval(arg, objects)) {
            (Outcome::Value(Value::String(text)), Outcome::Value(Value::String(part))) => {
                Outcome::Value(Value::Bool(match test {
                    StringTest::StartsWith => text.starts_with(part),
                    StringTest::EndsWith => text.ends_with(part),
                    StringTest::Contains => text.contains(part),
                }))
            }
            (Error, _) | (_, Error) => Error,
            _ => Unknown,
        },
        Node::Matches(target, pattern) => match eval(target, objects) {
            Outcome::Value(Value::String(text)) => {
                Outcome::Value(Value::Bool(pattern.is_match(text.as_bytes())))
            }
            Error => Error,
            _ => Unknown,
        },
    }
}

/// `==` / `!=`: an error on either side is the result (the interpreter evaluates both).
fn compare<'a>(left: Outcome<'a>, right: Outcome<'a>, negated: bool) -> Outcome<'a> {
    match (left, right) {
        (Outcome::Value(l), Outcome::Value(r)) => {
            equal(l, r).map_or(Unknown, |eq| Outcome::Value(Value::Bool(eq != negated)))
        }
        (Unknown, _) | (_, Unknown) => Unknown,
        _ => Error,
    }
}

/// `&&` (`absorbing` false) and `||` (`absorbing` true), as CEL and the crate define them: the
/// left side settles it when it is the absorbing value; otherwise the right side is evaluated,
/// and an error or non-boolean on the left is forgiven only when the right side settles it.
fn logic<'a>(
    left: Outcome<'a>,
    right: impl FnOnce() -> Outcome<'a>,
    absorbing: bool,
) -> Outcome<'a> {
    let left_bool = match left {
        Outcome::Value(Value::Bool(b)) if b == absorbing => return Outcome::Value(Value::Bool(b)),
        Outcome::Value(Value::Bool(b)) => Some(b),
        Unknown => return Unknown,
        // An error, or a value that is not a boolean: an error unless the right side settles it.
        _ => None,
    };
    match (left_bool, right()) {
        (_, Unknown) => Unknown,
        (_, Outcome::Value(Value::Bool(b))) if b == absorbing => Outcome::Value(Value::Bool(b)),
        (Some(_), Outcome::Value(Value::Bool(b))) => Outcome::Value(Value::Bool(b)),
        _ => Error,
    }
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
