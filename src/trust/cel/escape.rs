//! Kubernetes' CEL field-name escaping (`k8s.io/apiserver/pkg/cel/escaping.go`): claim names
//! that are not CEL identifiers are written `kubernetes__dot__io`, `a__dash__b`, `a__slash__b`,
//! `a__underscores__b`, and a reserved word `w` as `__w__`. Kubernetes resolves the escaped
//! name to the real key; claimcheck rewrites field selections in the parsed expression once,
//! at compile time, so evaluation looks the real key up.

use cel::common::ast::{Expr, IdedExpr};

const RESERVED: [&str; 18] = [
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
];

const ESCAPES: [(&str, &str); 4] = [
    ("__underscores__", "__"),
    ("__dot__", "."),
    ("__dash__", "-"),
    ("__slash__", "/"),
];

pub fn unescape(name: &str) -> String {
    if let Some(word) = name.strip_prefix("__").and_then(|n| n.strip_suffix("__"))
        && RESERVED.contains(&word)
    {
        return word.to_owned();
    }
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    'scan: while !rest.is_empty() {
        for (escaped, plain) in ESCAPES {
            if let Some(after) = rest.strip_prefix(escaped) {
                out.push_str(plain);
                rest = after;
                continue 'scan;
            }
        }
        let c = rest.chars().next().unwrap_or_default();
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Rewrites every field selection (`x.f`, `has(x.f)`, `x.?f`) to the unescaped field name.
pub fn unescape_fields(expr: &mut IdedExpr) {
    match &mut expr.expr {
        Expr::Select(select) if select.field.contains("__") => {
            select.field = unescape(&select.field);
        }
        // `x.?f` is the call `_?._(x, "f")` whose second argument is the field name.
        Expr::Call(call) if call.func_name == cel::common::ast::operators::OPT_SELECT => {
            if let Some(field) = call.args.get_mut(1)
                && let Expr::Literal(cel::common::ast::LiteralValue::String(name)) = &mut field.expr
                && name.contains("__")
            {
                *name = unescape(name).into();
            }
        }
        _ => {}
    }
    super::depth::children_mut(expr)
        .into_iter()
        .for_each(unescape_fields);
}

#[cfg(test)]
mod tests {
    use super::unescape;

    // Rules from k8s.io/apiserver/pkg/cel/escaping.go (Escape/Unescape doc comment).
    #[test]
    fn unescape_rules() {
        for (escaped, plain) in [
            ("kubernetes__dot__io", "kubernetes.io"),
            ("bio__dot__snorlax__dot__org__slash__3", "bio.snorlax.org/3"),
            ("a__dash__b", "a-b"),
            ("a__underscores__b", "a__b"),
            ("__namespace__", "namespace"),
            ("__notreserved__", "__notreserved__"),
            ("plain_name", "plain_name"),
            ("ünïcode__dot__x", "ünïcode.x"),
        ] {
            assert_eq!(unescape(escaped), plain);
        }
    }
}
