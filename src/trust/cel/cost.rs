//! An evaluation budget. The `cel` crate has none: three nested `.all` over a 1 000-element
//! list run 10⁹ iterations, and `'a'.replace('a', 'aaaaaaaaaa')` nested ten times builds a
//! 10 GB string. The real evaluators bound cost (cel-go's cost tracking; the Kubernetes API
//! server gives each expression a runtime cost limit), so past claimcheck's budget the verdict
//! is an error saying the expression is too expensive to evaluate, never a hang or an abort.
//!
//! * Iterations are estimated before evaluating, from the actual sizes of the lists the
//!   comprehensions range over (a claim read, a literal, or the result of another
//!   comprehension); a range whose size is not known is taken to be as large as the largest
//!   list, map or string among the bound claims. Nested comprehensions multiply.
//! * `replace` checks the size of the string it would build before building it.

use cel::common::ast::{EntryExpr, Expr, IdedExpr};
use serde_json::Value as Json;

/// Comprehension iterations one evaluation may run.
pub const MAX_ITERATIONS: f64 = 10_000_000.0;

/// The longest string `replace` may build.
pub const MAX_STRING_BYTES: usize = 16 << 20;

/// Whether the tree has a comprehension at all (most rules have none).
pub fn has_comprehension(expr: &IdedExpr) -> bool {
    matches!(expr.expr, Expr::Comprehension(_)) || children(expr).into_iter().any(has_comprehension)
}

/// The estimated number of comprehension iterations, with `size` giving the length of a
/// variable's field (`assertion.groups`) when known and `unknown` the size assumed otherwise.
pub fn iterations(
    expr: &IdedExpr,
    size: &dyn Fn(&str, &str) -> Option<usize>,
    unknown: usize,
) -> f64 {
    match &expr.expr {
        Expr::Comprehension(c) => {
            let range = range_size(&c.iter_range, size, unknown);
            let body = 1.0
                + iterations(&c.loop_step, size, unknown)
                + iterations(&c.loop_cond, size, unknown);
            iterations(&c.iter_range, size, unknown)
                + iterations(&c.accu_init, size, unknown)
                + range * body
                + iterations(&c.result, size, unknown)
        }
        _ => children(expr)
            .into_iter()
            .map(|child| iterations(child, size, unknown))
            .sum(),
    }
}

fn range_size(expr: &IdedExpr, size: &dyn Fn(&str, &str) -> Option<usize>, unknown: usize) -> f64 {
    let known = match &expr.expr {
        Expr::List(list) => Some(list.elements.len() as f64),
        Expr::Map(map) => Some(map.entries.len() as f64),
        Expr::Select(select) => match &select.operand.expr {
            Expr::Ident(variable) => size(variable, &select.field).map(|n| n as f64),
            _ => None,
        },
        // `map` and `filter` produce at most one element per element of their range.
        Expr::Comprehension(c) => Some(range_size(&c.iter_range, size, unknown)),
        _ => None,
    };
    known.unwrap_or(unknown as f64)
}

fn children(expr: &IdedExpr) -> Vec<&IdedExpr> {
    match &expr.expr {
        Expr::Call(call) => call
            .target
            .as_deref()
            .into_iter()
            .chain(&call.args)
            .collect(),
        Expr::Select(select) => vec![&select.operand],
        Expr::List(list) => list.elements.iter().collect(),
        Expr::Map(map) => map
            .entries
            .iter()
            .flat_map(|e| match &e.expr {
                EntryExpr::MapEntry(entry) => vec![&entry.key, &entry.value],
                EntryExpr::StructField(field) => vec![&field.value],
            })
            .collect(),
        Expr::Struct(s) => s
            .entries
            .iter()
            .flat_map(|e| match &e.expr {
                EntryExpr::MapEntry(entry) => vec![&entry.key, &entry.value],
                EntryExpr::StructField(field) => vec![&field.value],
            })
            .collect(),
        Expr::Comprehension(c) => vec![
            &c.iter_range,
            &c.accu_init,
            &c.loop_cond,
            &c.loop_step,
            &c.result,
        ],
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => Vec::new(),
    }
}

/// The size of a JSON value as a range or a string: elements, entries or bytes.
pub fn json_size(value: &Json) -> usize {
    match value {
        Json::Array(items) => items.len(),
        Json::Object(entries) => entries.len(),
        Json::String(s) => s.len(),
        _ => 1,
    }
}
