//! A compiled expression as a small owned tree, for readers outside this module that need its
//! structure rather than its value (the symbolic analysis, `trust::symbolic`), so that the
//! `cel` crate's AST stays behind this module. Functions carry their written names (`matches`,
//! not the internal name it is renamed to for RE2).

use cel::common::ast::{Expr, IdedExpr, LiteralValue};

use super::functions;

#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// `x.f` or `x['f']`.
    Field {
        variable: String,
        field: String,
    },
    /// `has(x.f)`.
    Has {
        variable: String,
        field: String,
    },
    Ident(String),
    Str(String),
    Int(i64),
    Bool(bool),
    Null,
    /// Another literal (uint, double, bytes), as written.
    OtherLiteral(String),
    List(Vec<Shape>),
    /// A function or operator (`_==_`, `_&&_`, `!_`, `@in`, `_+_`, `_?_:_`, `startsWith`, …).
    Call {
        function: String,
        target: Option<Box<Shape>>,
        args: Vec<Shape>,
    },
    /// A form the tree does not spell out (a macro's comprehension, a map or message literal,
    /// an optional list element), in words.
    Other(String),
}

pub(super) fn of(expr: &IdedExpr) -> Shape {
    if let Some((variable, field)) = indexed_field(expr) {
        return Shape::Field { variable, field };
    }
    match &expr.expr {
        Expr::Select(select) => match &select.operand.expr {
            Expr::Ident(variable) if select.test => Shape::Has {
                variable: variable.clone(),
                field: select.field.clone(),
            },
            Expr::Ident(variable) => Shape::Field {
                variable: variable.clone(),
                field: select.field.clone(),
            },
            _ if select.test => Shape::Other(format!("has() on a nested field .{}", select.field)),
            _ => Shape::Call {
                function: format!(".{}", select.field),
                target: Some(Box::new(of(&select.operand))),
                args: Vec::new(),
            },
        },
        Expr::Ident(name) => Shape::Ident(name.clone()),
        Expr::Literal(literal) => match literal {
            LiteralValue::String(s) => Shape::Str(s.inner().to_owned()),
            LiteralValue::Int(i) => Shape::Int(*i.inner()),
            LiteralValue::Boolean(b) => Shape::Bool(*b.inner()),
            LiteralValue::Null => Shape::Null,
            LiteralValue::UInt(u) => Shape::OtherLiteral(format!("{}u", u.inner())),
            LiteralValue::Double(d) => Shape::OtherLiteral(d.inner().to_string()),
            LiteralValue::Bytes(_) => Shape::OtherLiteral("b'…'".to_owned()),
        },
        Expr::List(list) if list.optional_indices.is_empty() => {
            Shape::List(list.elements.iter().map(of).collect())
        }
        Expr::List(_) => Shape::Other("a list with optional elements".to_owned()),
        Expr::Call(call) => {
            let function = match call.func_name.as_str() {
                functions::MATCHES_RE2 => "matches".to_owned(),
                functions::STRING_CONVERSION => "string".to_owned(),
                functions::REPLACE_BOUNDED => "replace".to_owned(),
                other => other.to_owned(),
            };
            Shape::Call {
                function,
                target: call.target.as_deref().map(|t| Box::new(of(t))),
                args: call.args.iter().map(of).collect(),
            }
        }
        Expr::Comprehension(_) => {
            Shape::Other("a macro (all, exists, exists_one, map or filter)".to_owned())
        }
        Expr::Map(_) => Shape::Other("a map literal".to_owned()),
        Expr::Struct(_) => Shape::Other("a message literal".to_owned()),
        Expr::Unspecified => Shape::Other("an unspecified expression".to_owned()),
    }
}

/// `x['f']` with a literal key.
fn indexed_field(expr: &IdedExpr) -> Option<(String, String)> {
    let Expr::Call(call) = &expr.expr else {
        return None;
    };
    if call.func_name != "_[_]" || call.target.is_some() || call.args.len() != 2 {
        return None;
    }
    match (&call.args[0].expr, &call.args[1].expr) {
        (Expr::Ident(variable), Expr::Literal(LiteralValue::String(field))) => {
            Some((variable.clone(), field.inner().to_owned()))
        }
        _ => None,
    }
}

impl Shape {
    /// The expression written back as CEL, close to how it was written (for messages).
    pub fn text(&self) -> String {
        match self {
            Shape::Field { variable, field } if is_identifier(field) => {
                format!("{variable}.{field}")
            }
            Shape::Field { variable, field } => format!("{variable}[{field:?}]"),
            Shape::Has { variable, field } => format!("has({variable}.{field})"),
            Shape::Ident(name) => name.clone(),
            Shape::Str(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
            Shape::Int(i) => i.to_string(),
            Shape::Bool(b) => b.to_string(),
            Shape::Null => "null".to_owned(),
            Shape::OtherLiteral(text) => text.clone(),
            Shape::List(items) => format!(
                "[{}]",
                items.iter().map(Shape::text).collect::<Vec<_>>().join(", ")
            ),
            Shape::Other(what) => format!("({what})"),
            Shape::Call {
                function,
                target,
                args,
            } => {
                let arg = |i: usize| args.get(i).map(Shape::text).unwrap_or_default();
                let infix = |op: &str| format!("{} {op} {}", arg(0), arg(1));
                match (function.as_str(), target, args.len()) {
                    ("_==_", None, 2) => infix("=="),
                    ("_!=_", None, 2) => infix("!="),
                    ("_&&_", None, 2) => infix("&&"),
                    ("_||_", None, 2) => infix("||"),
                    ("_+_", None, 2) => infix("+"),
                    ("_-_", None, 2) => infix("-"),
                    ("_<_", None, 2) => infix("<"),
                    ("_<=_", None, 2) => infix("<="),
                    ("_>_", None, 2) => infix(">"),
                    ("_>=_", None, 2) => infix(">="),
                    ("@in", None, 2) => infix("in"),
                    ("_[_]", None, 2) => format!("{}[{}]", arg(0), arg(1)),
                    ("!_", None, 1) => format!("!{}", arg(0)),
                    ("-_", None, 1) => format!("-{}", arg(0)),
                    ("_?_:_", None, 3) => format!("{} ? {} : {}", arg(0), arg(1), arg(2)),
                    (field, Some(target), 0) if field.starts_with('.') => {
                        format!("{}{field}", target.text())
                    }
                    (name, Some(target), _) => format!(
                        "{}.{name}({})",
                        target.text(),
                        args.iter().map(Shape::text).collect::<Vec<_>>().join(", ")
                    ),
                    (name, None, _) => format!(
                        "{name}({})",
                        args.iter().map(Shape::text).collect::<Vec<_>>().join(", ")
                    ),
                }
            }
        }
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
