//! A type checker for the CEL that trust rules use. Google type-checks an attribute mapping or
//! condition when the provider is saved, and the Kubernetes API server compiles and
//! type-checks `claimValidationRules` and `claimMappings` when it loads its configuration
//! (https://kubernetes.io/docs/reference/access-authn-authz/authentication/#using-authentication-configuration;
//! k8s.io/apiserver/pkg/authentication/cel/compile.go). An ill-typed expression such as
//! `assertion.run_number + 1 != 7u` or `7u == 7` therefore never runs, and claimcheck must not
//! give it a verdict of its own: the `cel` crate evaluates it happily.
//!
//! Claims are dynamic: `assertion`, `claims`, `google`, `attribute` and `user` are `dyn`, so a
//! claim read is `dyn`, which goes with anything. The checker rejects only what is ill-typed
//! whatever the claims hold, in the words of cel-go and CEL C++ ("found no matching overload
//! for '_+_' applied to '(string, bool)'"). The overloads are cel-spec's standard definitions
//! (https://github.com/google/cel-spec/blob/master/doc/langdef.md#list-of-standard-definitions).
//! Where it does not know a function (most of the strings extension, optionals), it says `dyn`
//! rather than guess.

use std::fmt;

use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue};

#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    Dyn,
    Null,
    Bool,
    Int,
    Uint,
    Double,
    String,
    Bytes,
    Duration,
    Timestamp,
    Type,
    List(Box<Ty>),
    Map(Box<Ty>, Box<Ty>),
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Dyn => f.write_str("dyn"),
            Ty::Null => f.write_str("null_type"),
            Ty::Bool => f.write_str("bool"),
            Ty::Int => f.write_str("int"),
            Ty::Uint => f.write_str("uint"),
            Ty::Double => f.write_str("double"),
            Ty::String => f.write_str("string"),
            Ty::Bytes => f.write_str("bytes"),
            Ty::Duration => f.write_str("google.protobuf.Duration"),
            Ty::Timestamp => f.write_str("google.protobuf.Timestamp"),
            Ty::Type => f.write_str("type"),
            Ty::List(elem) => write!(f, "list({elem})"),
            Ty::Map(key, value) => write!(f, "map({key}, {value})"),
        }
    }
}

fn list(elem: Ty) -> Ty {
    Ty::List(Box::new(elem))
}

fn map(key: Ty, value: Ty) -> Ty {
    Ty::Map(Box::new(key), Box::new(value))
}

/// Whether a value of type `arg` may be passed where `param` is declared: `dyn` on either side
/// goes with anything, element types included.
fn assignable(param: &Ty, arg: &Ty) -> bool {
    match (param, arg) {
        (Ty::Dyn, _) | (_, Ty::Dyn) => true,
        (Ty::List(p), Ty::List(a)) => assignable(p, a),
        (Ty::Map(pk, pv), Ty::Map(ak, av)) => assignable(pk, ak) && assignable(pv, av),
        _ => param == arg,
    }
}

/// The one type two values of a type parameter `A` (in `_==_(A, A)`, `_?_:_(bool, A, A)`,
/// `@in(A, list(A))`) can share, or `None` when they cannot be the same type.
fn unify(a: &Ty, b: &Ty) -> Option<Ty> {
    match (a, b) {
        (Ty::Dyn, _) | (_, Ty::Dyn) => Some(Ty::Dyn),
        (Ty::List(x), Ty::List(y)) => unify(x, y).map(list),
        (Ty::Map(xk, xv), Ty::Map(yk, yv)) => Some(map(unify(xk, yk)?, unify(xv, yv)?)),
        _ => (a == b).then(|| a.clone()),
    }
}

/// A list or map literal's element type: the elements' type when they share one, else `dyn`
/// (CEL allows mixed literals, typed `list(dyn)`).
fn join<'a>(types: impl Iterator<Item = &'a Ty>) -> Ty {
    let mut joined: Option<Ty> = None;
    for ty in types {
        joined = Some(match joined {
            None => ty.clone(),
            Some(j) if j == *ty => j,
            Some(_) => return Ty::Dyn,
        });
    }
    joined.unwrap_or(Ty::Dyn)
}

/// What checking found.
#[derive(Debug, Default)]
pub struct Checked {
    /// The expression's type (`dyn` when it depends on the claims).
    pub ty: Option<Ty>,
    /// Whether it does arithmetic, or asks `type()`, on a value read from the claims: the
    /// result depends on whether the evaluator reads JSON numbers as `int` or as `double`.
    pub number_typing_matters: bool,
}

/// Type-checks `expr`, or says why the real checker refuses it.
pub fn check(expr: &IdedExpr) -> Result<Checked, String> {
    let mut checker = Checker::default();
    let ty = checker.ty(expr)?;
    Ok(Checked {
        ty: Some(ty),
        number_typing_matters: checker.number_typing_matters,
    })
}

#[derive(Default)]
struct Checker {
    /// Comprehension variables in scope, innermost last.
    scopes: Vec<(String, Ty)>,
    number_typing_matters: bool,
}

const TYPE_NAMES: [&str; 11] = [
    "bool",
    "bytes",
    "double",
    "dyn",
    "int",
    "list",
    "map",
    "null_type",
    "string",
    "type",
    "uint",
];

impl Checker {
    fn ty(&mut self, expr: &IdedExpr) -> Result<Ty, String> {
        match &expr.expr {
            Expr::Literal(literal) => Ok(match literal {
                LiteralValue::Boolean(_) => Ty::Bool,
                LiteralValue::Bytes(_) => Ty::Bytes,
                LiteralValue::Double(_) => Ty::Double,
                LiteralValue::Int(_) => Ty::Int,
                LiteralValue::Null => Ty::Null,
                LiteralValue::String(_) => Ty::String,
                LiteralValue::UInt(_) => Ty::Uint,
            }),
            Expr::Ident(name) => Ok(self
                .scopes
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, ty)| ty.clone())
                .unwrap_or_else(|| {
                    if TYPE_NAMES.contains(&name.as_str()) {
                        Ty::Type
                    } else {
                        // The dialect's variables (claims), and names the runtime will
                        // refuse as undeclared: nothing to say about their type.
                        Ty::Dyn
                    }
                })),
            Expr::Select(select) => {
                let operand = self.ty(&select.operand)?;
                let field = match operand {
                    Ty::Dyn => Ty::Dyn,
                    Ty::Map(key, value) if matches!(*key, Ty::String | Ty::Dyn) => *value,
                    other => {
                        return Err(format!(
                            "expression of type '{other}' cannot be the operand of a select operation"
                        ));
                    }
                };
                Ok(if select.test { Ty::Bool } else { field })
            }
            Expr::List(items) => {
                let types = items
                    .elements
                    .iter()
                    .map(|e| self.ty(e))
                    .collect::<Result<Vec<_>, _>>()?;
                if items.optional_indices.is_empty() {
                    Ok(list(join(types.iter())))
                } else {
                    Ok(list(Ty::Dyn))
                }
            }
            Expr::Map(entries) => {
                let mut keys = Vec::new();
                let mut values = Vec::new();
                for entry in &entries.entries {
                    if let EntryExpr::MapEntry(entry) = &entry.expr {
                        keys.push(self.ty(&entry.key)?);
                        let value = self.ty(&entry.value)?;
                        values.push(if entry.optional { Ty::Dyn } else { value });
                    }
                }
                Ok(map(join(keys.iter()), join(values.iter())))
            }
            Expr::Struct(s) => {
                for entry in &s.entries {
                    if let EntryExpr::StructField(field) = &entry.expr {
                        self.ty(&field.value)?;
                    }
                }
                Ok(Ty::Dyn)
            }
            Expr::Comprehension(c) => {
                let range = self.ty(&c.iter_range)?;
                let (first, second) = match &range {
                    Ty::List(elem) => (Ty::Int, (**elem).clone()),
                    Ty::Map(key, value) => ((**key).clone(), (**value).clone()),
                    Ty::Dyn => (Ty::Dyn, Ty::Dyn),
                    other => {
                        return Err(format!(
                            "expression of type '{other}' cannot be the range of a comprehension (must be list, map, or dynamic)"
                        ));
                    }
                };
                let iter_vars = match &c.iter_var2 {
                    // One variable: a list's elements or a map's keys.
                    None => vec![(
                        c.iter_var.clone(),
                        if matches!(range, Ty::List(_)) {
                            second
                        } else {
                            first
                        },
                    )],
                    Some(var2) => vec![(c.iter_var.clone(), first), (var2.clone(), second)],
                };
                let accu = self.ty(&c.accu_init)?;
                let depth = self.scopes.len();
                self.scopes.extend(iter_vars);
                self.scopes.push((c.accu_var.clone(), accu));
                let checked = self
                    .ty(&c.loop_cond)
                    .and_then(|_| self.ty(&c.loop_step))
                    .and_then(|_| self.ty(&c.result));
                self.scopes.truncate(depth);
                checked
            }
            Expr::Call(call) => {
                let mut args = Vec::with_capacity(call.args.len() + 1);
                if let Some(target) = &call.target {
                    // `sets.contains(…)` and other namespaced functions: the target is the
                    // namespace, not a value.
                    if let Expr::Ident(ns) = &target.expr
                        && !self.scopes.iter().any(|(n, _)| n == ns)
                        && ["sets", "optional", "strings", "math", "base64", "lists"]
                            .contains(&ns.as_str())
                    {
                        for arg in &call.args {
                            self.ty(arg)?;
                        }
                        return Ok(namespaced(&format!("{ns}.{}", call.func_name)));
                    }
                    args.push(self.ty(target)?);
                }
                for arg in &call.args {
                    args.push(self.ty(arg)?);
                }
                self.note_number_typing(&call.func_name, &args);
                resolve(&call.func_name, call.target.is_some(), &args)
            }
            Expr::Unspecified => Ok(Ty::Dyn),
        }
    }

    fn note_number_typing(&mut self, function: &str, args: &[Ty]) {
        let arithmetic = matches!(function, "_+_" | "_-_" | "_*_" | "_/_" | "_%_" | "-_");
        let numeric_or_dyn = |t: &Ty| matches!(t, Ty::Dyn | Ty::Int | Ty::Uint | Ty::Double);
        if (arithmetic && args.contains(&Ty::Dyn) && args.iter().all(numeric_or_dyn))
            || (function == "type" && args.first() == Some(&Ty::Dyn))
        {
            self.number_typing_matters = true;
        }
    }
}

fn namespaced(name: &str) -> Ty {
    match name {
        "sets.contains" | "sets.equivalent" | "sets.intersects" => Ty::Bool,
        _ => Ty::Dyn,
    }
}

fn no_overload(function: &str, args: &[Ty]) -> String {
    let shown: Vec<String> = args.iter().map(ToString::to_string).collect();
    let name = if function == super::functions::MATCHES_RE2 {
        "matches"
    } else {
        function
    };
    format!(
        "found no matching overload for '{name}' applied to '({})'",
        shown.join(", ")
    )
}

/// The standard overloads (cel-spec langdef "List of Standard Definitions") by name; a member
/// call's receiver is the first argument. `None` for a function this checker does not know.
fn overloads(function: &str, member: bool) -> Option<Vec<(Vec<Ty>, Ty)>> {
    use Ty::{Bool, Bytes, Double, Duration, Int, String, Timestamp, Uint};
    let same = |types: &[Ty], result: Option<Ty>| -> Vec<(Vec<Ty>, Ty)> {
        types
            .iter()
            .map(|t| {
                (
                    vec![t.clone(), t.clone()],
                    result.clone().unwrap_or_else(|| t.clone()),
                )
            })
            .collect()
    };
    let unary = |types: &[Ty], result: Ty| -> Vec<(Vec<Ty>, Ty)> {
        types
            .iter()
            .map(|t| (vec![t.clone()], result.clone()))
            .collect()
    };
    let string_string_bool = vec![(vec![String, String], Bool)];
    Some(match (function, member) {
        ("_+_", false) => {
            let mut o = same(&[Int, Uint, Double, String, Bytes, Duration], None);
            o.push((vec![list(Ty::Dyn), list(Ty::Dyn)], list(Ty::Dyn)));
            o.push((vec![Timestamp, Duration], Timestamp));
            o.push((vec![Duration, Timestamp], Timestamp));
            o
        }
        ("_-_", false) => {
            let mut o = same(&[Int, Uint, Double, Duration], None);
            o.push((vec![Timestamp, Timestamp], Duration));
            o.push((vec![Timestamp, Duration], Timestamp));
            o
        }
        ("_*_" | "_/_", false) => same(&[Int, Uint, Double], None),
        ("_%_", false) => same(&[Int, Uint], None),
        ("-_", false) => vec![(vec![Int], Int), (vec![Double], Double)],
        ("!_" | "@not_strictly_false", false) => unary(&[Bool], Bool),
        ("_&&_" | "_||_", false) => same(&[Bool], None),
        // Same-type ordering only: langdef's standard definitions list no mixed-type ordering
        // overloads, and CEL C++'s checker refuses `1 < 1.5`.
        ("_<_" | "_<=_" | "_>_" | "_>=_", false) => same(
            &[Int, Uint, Double, String, Bytes, Bool, Duration, Timestamp],
            Some(Bool),
        ),
        ("size", _) => unary(&[String, Bytes, list(Ty::Dyn), map(Ty::Dyn, Ty::Dyn)], Int),
        ("startsWith" | "endsWith" | "contains", true) => string_string_bool,
        ("matches", _) => string_string_bool,
        (name, false) if name == super::functions::MATCHES_RE2 => string_string_bool,
        (name, true) if name == super::functions::MATCHES_RE2 => string_string_bool,
        ("string", false) => unary(
            &[Int, Uint, Double, Bool, Bytes, String, Timestamp, Duration],
            String,
        ),
        ("int", false) => unary(&[Int, Uint, Double, String, Timestamp], Int),
        ("uint", false) => unary(&[Int, Uint, Double, String], Uint),
        ("double", false) => unary(&[Int, Uint, Double, String], Double),
        ("bool", false) => unary(&[Bool, String], Bool),
        ("bytes", false) => unary(&[Bytes, String], Bytes),
        ("duration", false) => unary(&[String, Duration], Duration),
        ("timestamp", false) => unary(&[String, Int, Timestamp], Timestamp),
        ("lowerAscii" | "upperAscii" | "trim", true) => unary(&[String], String),
        ("extract", true) => vec![(vec![String, String], String)],
        ("charAt", true) => vec![(vec![String, Int], String)],
        ("substring", true) => vec![
            (vec![String, Int], String),
            (vec![String, Int, Int], String),
        ],
        ("indexOf" | "lastIndexOf", true) => vec![
            (vec![String, String], Int),
            (vec![String, String, Int], Int),
        ],
        ("replace", true) => vec![
            (vec![String, String, String], String),
            (vec![String, String, String, Int], String),
        ],
        ("split", true) => vec![
            (vec![String, String], list(String)),
            (vec![String, String, Int], list(String)),
        ],
        ("join", true) => vec![
            (vec![list(String)], String),
            (vec![list(String), String], String),
        ],
        _ => return None,
    })
}

fn resolve(function: &str, member: bool, args: &[Ty]) -> Result<Ty, String> {
    match function {
        "_==_" | "_!=_" => {
            let [a, b] = args else {
                return Ok(Ty::Dyn);
            };
            return unify(a, b)
                .map(|_| Ty::Bool)
                .ok_or_else(|| no_overload(function, args));
        }
        "_?_:_" => {
            let [test, a, b] = args else {
                return Ok(Ty::Dyn);
            };
            return match (assignable(&Ty::Bool, test), unify(a, b)) {
                (true, Some(ty)) => Ok(ty),
                _ => Err(no_overload(function, args)),
            };
        }
        "@in" => {
            let [needle, haystack] = args else {
                return Ok(Ty::Dyn);
            };
            let ok = match haystack {
                Ty::Dyn => true,
                Ty::List(elem) => unify(needle, elem).is_some(),
                Ty::Map(key, _) => unify(needle, key).is_some(),
                _ => false,
            };
            return if ok {
                Ok(Ty::Bool)
            } else {
                Err(no_overload(function, args))
            };
        }
        "_[_]" => {
            let [container, index] = args else {
                return Ok(Ty::Dyn);
            };
            return match container {
                Ty::Dyn => Ok(Ty::Dyn),
                Ty::List(elem) if assignable(&Ty::Int, index) => Ok((**elem).clone()),
                Ty::Map(key, value) if unify(key, index).is_some() => Ok((**value).clone()),
                _ => Err(no_overload(function, args)),
            };
        }
        "dyn" => return Ok(Ty::Dyn),
        "type" => return Ok(Ty::Type),
        _ => {}
    }
    let Some(candidates) = overloads(function, member) else {
        return Ok(Ty::Dyn);
    };
    let matching: Vec<&(Vec<Ty>, Ty)> = candidates
        .iter()
        .filter(|(params, _)| {
            params.len() == args.len() && params.iter().zip(args).all(|(p, a)| assignable(p, a))
        })
        .collect();
    let Some((_, first)) = matching.first() else {
        return Err(no_overload(function, args));
    };
    if function == "_+_"
        && let [Ty::List(a), Ty::List(b)] = args
    {
        return unify(a, b)
            .map(list)
            .ok_or_else(|| no_overload(function, args));
    }
    Ok(if matching.iter().all(|(_, result)| result == first) {
        first.clone()
    } else {
        Ty::Dyn
    })
}

#[cfg(test)]
mod tests {
    use crate::trust::cel::{Dialect, compile};

    /// Expected verdicts of CEL C++'s checker (the cel-expr-python package, checked by
    /// `tests/differential/cel_run.sh`) and cel-go's, over `assertion` declared
    /// `map(string, dyn)`.
    #[test]
    fn ill_typed_expressions_are_refused() {
        let refused = [
            (
                "assertion.run_number + 1 != 7u",
                "'_!=_' applied to '(int, uint)'",
            ),
            ("[1, 2] == [1.0, 2.0]", "'(list(int), list(double))'"),
            ("'a' + true", "'_+_' applied to '(string, bool)'"),
            ("7u == 7", "'_==_' applied to '(uint, int)'"),
            ("1 == 1.0", "'(int, double)'"),
            ("null == 'a'", "'(null_type, string)'"),
            (
                "{'a': 1} == {'a': 1u}",
                "map(string, int), map(string, uint)",
            ),
            ("true ? 1 : 'a'", "'_?_:_' applied to '(bool, int, string)'"),
            ("1 ? 2 : 3", "'(int, int, int)'"),
            ("'a' in [1, 2]", "'@in' applied to '(string, list(int))'"),
            ("1 in {'a': 1}", "'(int, map(string, int))'"),
            ("[1, 2][0u]", "'_[_]' applied to '(list(int), uint)'"),
            ("{'a': 1}[1]", "'(map(string, int), int)'"),
            (
                "1.y",
                "type 'int' cannot be the operand of a select operation",
            ),
            ("size(1)", "'size' applied to '(int)'"),
            ("-1u", "'-_' applied to '(uint)'"),
            ("!1", "'!_' applied to '(int)'"),
            ("1 && true", "'_&&_' applied to '(int, bool)'"),
            ("[1].all(x, x)", "'_&&_' applied to '(bool, int)'"),
            ("[1].map(x, x + 'a')", "'_+_' applied to '(int, string)'"),
            ("int(true)", "'int' applied to '(bool)'"),
            ("1 + 1u", "'(int, uint)'"),
            (
                "assertion.sub.startsWith(1)",
                "'startsWith' applied to '(dyn, int)'",
            ),
            (
                "assertion.sub.matches(1)",
                "'matches' applied to '(dyn, int)'",
            ),
            ("1.startsWith('a')", "'(int, string)'"),
            ("'a' + 'b' == 1", "'(string, int)'"),
            ("1 < 1.5", "'_<_' applied to '(int, double)'"),
            ("1 < 2u", "'_<_' applied to '(int, uint)'"),
        ];
        for (source, want) in refused {
            let error = compile(Dialect::Gcp, source).expect_err(source).to_string();
            assert!(error.contains(want), "{source}: {error}");
        }
    }

    #[test]
    fn dynamic_claims_are_not_refused() {
        for source in [
            "assertion.x == 7u",
            "assertion.x + 1",
            "assertion.x == null",
            "[1] == [dyn(1.0)]",
            "[1] == []",
            "true ? 1 : assertion.x",
            "[1, 'a'] == [1, 'a']",
            "assertion.x in [1, 'a']",
            "{'a': 1, 'b': 'x'}.size() == 2",
            "size(assertion.x)",
            "assertion.x && true",
            "1u + assertion.x",
            "-assertion.x",
            "type(assertion.x) == int",
            "assertion.groups.exists(g, g.startsWith('a'))",
            "assertion.groups.map(g, g + 'x')",
            "assertion.n < 1.5",
            "{'a': 1}.a == 1",
            "has(assertion.a.b)",
        ] {
            assert!(compile(Dialect::Gcp, source).is_ok(), "{source}");
        }
        assert!(compile(Dialect::Kubernetes, "sets.equivalent(claims.aud, ['a'])").is_ok());
        assert!(compile(Dialect::Kubernetes, "claims.?a.orValue(1) == 1").is_ok());
    }

    #[test]
    fn number_typing_is_noted_for_arithmetic_on_claims() {
        let notes = |source: &str| {
            compile(Dialect::Gcp, source)
                .unwrap()
                .number_typing_matters()
        };
        assert!(notes("assertion.run_number + 1 == 59"));
        assert!(notes("type(assertion.run_number) == int"));
        assert!(!notes("assertion.run_number == 58"));
        assert!(!notes("assertion.sub + 'x' == 'y'"));
        assert!(!notes("1 + 2 == 3"));
    }
}
