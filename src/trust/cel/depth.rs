//! Bounds on an expression's shape, so that walking and evaluating it cannot overflow a
//! thread's stack. The `cel` crate's parser builds `a || b || c …` and `a + b + c …` as
//! left-deep trees: a chain of n terms is n levels deep, and every walk over the tree (the
//! checker, the interpreter, dropping it) recurses once per level.
//!
//! * `&&` and `||` chains are rebalanced, as cel-go's parser does (its `balancer`): both
//!   operators are associative and commutative in CEL, error absorption included
//!   (https://github.com/google/cel-spec/blob/master/doc/langdef.md#logical-operators), so a
//!   chain of n terms becomes log2(n) levels with the same result.
//! * Anything still deeper than [`MAX_DEPTH`] is refused.
//!
//! Both run right after parsing, on the compiling thread's large stack.

use cel::common::ast::{CallExpr, EntryExpr, Expr, IdedExpr};

/// The deepest tree claimcheck walks and evaluates (cel-go's parser refuses more than 250
/// levels of recursion by default, `maxRecursionDepth`): deep trees are walked on a thread
/// with a large stack, which this bounds.
pub const MAX_DEPTH: usize = 250;

/// Rebalances top-level and nested `&&` / `||` chains in place.
pub fn balance_logic(expr: &mut IdedExpr) {
    if let Expr::Call(call) = &mut expr.expr
        && call.target.is_none()
        && call.args.len() == 2
        && matches!(call.func_name.as_str(), "_&&_" | "_||_")
    {
        let op = call.func_name.clone();
        let mut terms = Vec::new();
        flatten(std::mem::take(&mut call.args), &op, &mut terms);
        for term in &mut terms {
            balance_logic(term);
        }
        let id = expr.id;
        *expr = build(terms, &op, id);
        return;
    }
    for child in children_mut(expr) {
        balance_logic(child);
    }
}

/// The terms of a chain of `op`, left to right.
fn flatten(args: Vec<IdedExpr>, op: &str, terms: &mut Vec<IdedExpr>) {
    // An explicit stack: the chain may be thousands of terms deep.
    let mut pending: Vec<IdedExpr> = args.into_iter().rev().collect();
    while let Some(next) = pending.pop() {
        match next.expr {
            Expr::Call(call)
                if call.target.is_none() && call.args.len() == 2 && call.func_name == op =>
            {
                pending.extend(call.args.into_iter().rev());
            }
            expr => terms.push(IdedExpr { id: next.id, expr }),
        }
    }
}

fn build(mut terms: Vec<IdedExpr>, op: &str, id: u64) -> IdedExpr {
    if terms.len() == 1 {
        return terms.pop().unwrap_or(IdedExpr {
            id,
            expr: Expr::Unspecified,
        });
    }
    let right = terms.split_off(terms.len() / 2);
    IdedExpr {
        id,
        expr: Expr::Call(CallExpr {
            func_name: op.to_owned(),
            target: None,
            args: vec![build(terms, op, id), build(right, op, id)],
        }),
    }
}

/// The direct subexpressions of `expr`, for the passes that rewrite the tree (this module's
/// rebalancing, `rename_matches`, `escape::unescape_fields`): one walk, so none of them can miss
/// a kind of node.
pub(super) fn children_mut(expr: &mut IdedExpr) -> Vec<&mut IdedExpr> {
    match &mut expr.expr {
        Expr::Call(call) => call
            .target
            .as_deref_mut()
            .into_iter()
            .chain(call.args.iter_mut())
            .collect(),
        Expr::Select(select) => vec![&mut select.operand],
        Expr::List(list) => list.elements.iter_mut().collect(),
        Expr::Map(map) => map
            .entries
            .iter_mut()
            .flat_map(|e| match &mut e.expr {
                EntryExpr::MapEntry(entry) => vec![&mut entry.key, &mut entry.value],
                EntryExpr::StructField(field) => vec![&mut field.value],
            })
            .collect(),
        Expr::Struct(s) => s
            .entries
            .iter_mut()
            .flat_map(|e| match &mut e.expr {
                EntryExpr::MapEntry(entry) => vec![&mut entry.key, &mut entry.value],
                EntryExpr::StructField(field) => vec![&mut field.value],
            })
            .collect(),
        Expr::Comprehension(c) => vec![
            &mut c.iter_range,
            &mut c.accu_init,
            &mut c.loop_cond,
            &mut c.loop_step,
            &mut c.result,
        ],
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => Vec::new(),
    }
}

/// The number of levels of the tree.
pub fn depth(expr: &mut IdedExpr) -> usize {
    // Iterative: this runs before the depth is known to be safe.
    let mut deepest = 0;
    let mut pending = vec![(expr, 1usize)];
    while let Some((node, level)) = pending.pop() {
        deepest = deepest.max(level);
        pending.extend(children_mut(node).into_iter().map(|c| (c, level + 1)));
    }
    deepest
}
