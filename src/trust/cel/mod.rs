//! The one wrapper around the `cel` crate (pinned `~0.15`: pre-1.0, breaking releases several
//! times a year). Everything else in claimcheck talks CEL through this module only.
//!
//! Public face:
//! * [`Dialect`]: which evaluator's environment (GCP workload identity or Kubernetes
//!   structured authentication) and so which variables and extra functions exist.
//! * [`compile`] → [`Expression`]: parse once per rule. Syntax errors carry line, column and a
//!   caret line; a function claimcheck does not know is refused here, naming it, so no verdict
//!   is ever a guess about an unknown function.
//! * [`Bindings`]: the variables of one evaluation (`assertion`, `claims`, `user`, …), built once
//!   per token and shared by all of a rule's expressions.
//! * [`Expression::evaluate`] → [`Evaluated`] (the result as JSON plus its CEL type) or
//!   [`EvalError`] (CEL's runtime error, e.g. `no such key: environment`).
//! * [`Expression::failing_parts`] / [`Expression::deciding_part_hints`]: for `a && b && …`,
//!   which parts were false or failed, so a verdict can name the one that decided it.

mod check;
mod conjuncts;
mod convert;
mod cost;
mod depth;
mod direct;
mod errors;
mod escape;
mod functions;
mod re2;
mod shape;

use std::cell::OnceCell;
use std::sync::{Arc, LazyLock};

use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue};
use cel::{Context, Env, Value};
use serde_json::Value as Json;

pub use convert::Evaluated;
pub use errors::{CompileError, EvalError};
pub use functions::extract;
pub use shape::Shape;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Google workload identity federation: standard CEL, the strings extension, `extract()`.
    /// Variables: `assertion`, and in conditions `google` and `attribute`.
    Gcp,
    /// Kubernetes structured authentication: standard CEL with optionals, the strings
    /// extension, the `sets` library and `__dot__` field escaping. Variables: `claims`, and in
    /// user validation rules `user`.
    Kubernetes,
}

static GCP_ENV: LazyLock<Arc<Env>> = LazyLock::new(|| Arc::new(build_env(Dialect::Gcp)));
static KUBERNETES_ENV: LazyLock<Arc<Env>> =
    LazyLock::new(|| Arc::new(build_env(Dialect::Kubernetes)));

fn build_env(dialect: Dialect) -> Env {
    // Optional syntax (`x.?y`, `[?i]`) is a Kubernetes feature; nothing says Google accepts it,
    // so a GCP expression using it is a syntax error rather than a guess.
    let mut env = Env::stdlib().with_optional_support(dialect == Dialect::Kubernetes);
    let registered = env
        .add_extension(cel::extensions::strings)
        .and_then(|()| functions::add_re2_matches(&mut env, dialect))
        .and_then(|()| functions::add_string_conversion(&mut env))
        .and_then(|()| functions::add_bounded_replace(&mut env))
        .and_then(|()| match dialect {
            Dialect::Gcp => functions::add_google(&mut env),
            Dialect::Kubernetes => functions::add_kubernetes_sets(&mut env),
        });
    // Only fails on a duplicate declaration, which is a programming error caught by every test.
    registered.expect("CEL extension functions declared twice");
    env
}

impl Dialect {
    pub(super) fn env(self) -> &'static Arc<Env> {
        match self {
            Dialect::Gcp => &GCP_ENV,
            Dialect::Kubernetes => &KUBERNETES_ENV,
        }
    }

    /// Whose regular expressions `matches` takes: RE2's (CEL C++) or Go's (cel-go).
    fn regex_flavor(self) -> re2::Flavor {
        match self {
            Dialect::Gcp => re2::Flavor::Re2,
            Dialect::Kubernetes => re2::Flavor::Go,
        }
    }

    /// The longest expression the evaluator accepts, who says so, and where. Google documents
    /// 4096 characters for an attribute condition (2048 for a mapping) in the
    /// WorkloadIdentityPoolProvider reference; cel-go's parser refuses more than 100 000 code
    /// points by default (`ExpressionSizeCodePointLimit`). The bound also keeps a long `||`
    /// chain from costing gigabytes to parse.
    fn max_source_chars(self) -> (usize, &'static str, &'static str) {
        match self {
            Dialect::Gcp => (
                4096,
                "Google",
                "attributeCondition; 2048 for an attribute mapping",
            ),
            Dialect::Kubernetes => (100_000, "cel-go's parser", "ExpressionSizeCodePointLimit"),
        }
    }

    /// Whether an overload of this name exists in the dialect's environment. The crate has no
    /// public lookup by name, but it refuses a context function that would shadow an
    /// overload, which answers exactly that question.
    fn knows_function(self, name: &str) -> bool {
        let mut probe = Context::with_env(Arc::clone(self.env()));
        probe.add_function(name, |x: i64| x).is_err()
    }
}

/// The pattern of a `matches` call in `dialect`, rewritten into `regex` crate syntax with the
/// meaning the evaluator gives it (see `re2`), or why the evaluator refuses it. The evaluator
/// matches it unanchored, against the string's bytes, with Unicode mode on.
pub fn matches_regex(dialect: Dialect, pattern: &str) -> Result<String, String> {
    re2::translate(pattern, dialect.regex_flavor())
}

/// A compiled CEL expression, evaluated many times.
#[derive(Debug)]
pub struct Expression {
    source: String,
    dialect: Dialect,
    ast: IdedExpr,
    functions: Vec<String>,
    variables: Vec<String>,
    reads: Vec<(String, Reads)>,
    /// How deep the tree is: deeper than [`INLINE_LEVELS`], the interpreter runs on a thread
    /// with a large stack.
    levels: usize,
    /// Whether it has a comprehension (a macro), whose iterations are budgeted.
    comprehensions: bool,
    /// What the type checker says the expression returns (`dyn` when it depends on claims).
    result_type: check::Ty,
    number_typing_matters: bool,
    /// The same expression for the direct evaluator, when it is in its subset.
    direct: Option<Box<direct::Node>>,
    parts: Vec<Expression>,
}

/// What an expression reads of a map-valued variable: only some named fields (`assertion.sub`,
/// `has(assertion.env)`, `assertion['ref']`), or the whole map (passed around, iterated,
/// indexed by a computed key). Binding only the named fields gives the same result and spares
/// converting every claim of every token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reads {
    pub whole: bool,
    pub fields: Vec<String>,
}

/// What an expression that does not use a variable reads of it.
static READS_NOTHING: Reads = Reads {
    whole: false,
    fields: Vec::new(),
};

impl Reads {
    /// What either reads: for bindings shared by several expressions.
    pub fn union(&mut self, other: &Reads) {
        self.whole |= other.whole;
        for field in &other.fields {
            if !self.fields.contains(field) {
                self.fields.push(field.clone());
            }
        }
    }
}

/// Parses `source` for `dialect`, checks that every function it calls is known, and
/// type-checks it as the real evaluator does before accepting a rule.
pub fn compile(dialect: Dialect, source: &str) -> Result<Expression, CompileError> {
    on_large_stack(|| compile_here(dialect, source)).unwrap_or_else(|| {
        Err(CompileError::Unevaluable {
            message: "the compiling thread failed".to_owned(),
        })
    })
}

/// Runs `f` on a short-lived thread with a [`LARGE_STACK_BYTES`] stack; `None` when no thread
/// could be started or `f` panicked (code under `guarded` does not).
fn on_large_stack<T: Send>(f: impl FnOnce() -> T + Send) -> Option<T> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("cel".to_owned())
            .stack_size(LARGE_STACK_BYTES)
            .spawn_scoped(scope, f)
            .ok()
            .and_then(|handle| handle.join().ok())
    })
}

fn compile_here(dialect: Dialect, source: &str) -> Result<Expression, CompileError> {
    let (mut ast, levels) = parse_with_room(dialect, source)?;
    if dialect == Dialect::Kubernetes {
        escape::unescape_fields(&mut ast);
    }
    let mut walk = Walk::default();
    walk.visit(&ast, dialect);
    if let Some((name, arity)) = walk.unknown.into_iter().next() {
        return Err(CompileError::UnknownFunction { name, arity });
    }
    let checked = check::check(&ast).map_err(|message| CompileError::Type { message })?;
    // Each part of a top-level `a && b` chain, compiled once here (on this thread, which has
    // the large stack already); a part has no top-level `&&` of its own, so this does not
    // recurse further.
    let parts = conjuncts::split_top_level_and(source)
        .and_then(|parts| {
            parts
                .into_iter()
                .map(|p| compile_here(dialect, p).ok())
                .collect()
        })
        .unwrap_or_default();
    let direct = direct::compile(&ast, dialect.regex_flavor()).map(Box::new);
    rename_matches(&mut ast);
    let comprehensions = cost::has_comprehension(&ast);
    Ok(Expression {
        source: source.to_owned(),
        dialect,
        ast,
        functions: walk.functions,
        variables: walk.variables,
        reads: walk.reads,
        levels,
        comprehensions,
        result_type: checked.ty.unwrap_or(check::Ty::Dyn),
        number_typing_matters: checked.number_typing_matters,
        direct,
        parts,
    })
}

/// Points every `matches` call at the RE2 implementation (see `functions::MATCHES_RE2`), and
/// every `string(x)` at the one that writes doubles as CEL does.
fn rename_matches(expr: &mut IdedExpr) {
    if let Expr::Call(call) = &mut expr.expr {
        let arity = call.args.len() + usize::from(call.target.is_some());
        if call.func_name == "matches" && arity == 2 {
            call.func_name = functions::MATCHES_RE2.to_owned();
        } else if call.func_name == "string" && call.target.is_none() && arity == 1 {
            call.func_name = functions::STRING_CONVERSION.to_owned();
        } else if call.func_name == "replace" && call.target.is_some() && (3..=4).contains(&arity) {
            call.func_name = functions::REPLACE_BOUNDED.to_owned();
        }
    }
    depth::children_mut(expr)
        .into_iter()
        .for_each(rename_matches);
}

/// The crate's ANTLR parser recurses deeply: a dozen nested calls overflow a 2 MiB thread
/// stack in a debug build, and the interpreter takes tens of kilobytes per level of the tree.
/// Rules are compiled once, so compiling on a short-lived thread with a generous stack costs
/// little and keeps a hostile or merely nested expression from aborting the process.
const LARGE_STACK_BYTES: usize = 64 << 20;

/// Trees up to this deep are evaluated on the caller's thread (whatever its stack); deeper ones,
/// up to `depth::MAX_DEPTH`, on a thread with a [`LARGE_STACK_BYTES`] stack.
const INLINE_LEVELS: usize = 16;

/// Parses on the current thread (see [`compile`]), balances `&&`/`||` chains and refuses a tree
/// deeper than `depth::MAX_DEPTH`; returns the tree and its depth.
fn parse_with_room(dialect: Dialect, source: &str) -> Result<(IdedExpr, usize), CompileError> {
    let limit = dialect.max_source_chars();
    let length = source.chars().count();
    if length > limit.0 {
        return Err(CompileError::Unevaluable {
            message: format!(
                "it is {length} characters long; {} accepts at most {} ({})",
                limit.1, limit.0, limit.2
            ),
        });
    }
    let mut ast = match guarded(|| dialect.env().parser().parse(source)) {
        Ok(Ok(ast)) => ast,
        Ok(Err(errors)) => return Err(CompileError::from_parse(source, &errors)),
        Err(panic) => {
            return Err(CompileError::Unevaluable {
                message: format!("the CEL library failed while parsing it ({panic})"),
            });
        }
    };
    depth::balance_logic(&mut ast);
    let levels = depth::depth(&mut ast);
    if levels > depth::MAX_DEPTH {
        return Err(CompileError::Unevaluable {
            message: format!(
                "it nests {levels} levels deep (a long chain of + or nested calls); claimcheck evaluates at most {} levels",
                depth::MAX_DEPTH
            ),
        });
    }
    Ok((ast, levels))
}

thread_local! {
    /// Set while this thread runs `cel` crate code under [`guarded`].
    static IN_CEL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether a panic on this thread now comes from `cel` crate code that [`guarded`] catches and
/// turns into a verdict. Other panic hooks (the terminal UI's) leave such a panic alone whatever
/// order the hooks were installed in: the UI's replaces the hook it finds.
pub fn panic_is_guarded() -> bool {
    IN_CEL.with(std::cell::Cell::get)
}

/// Runs `f`, turning a panic into its message. Rule text is user input and the `cel` crate
/// panics on some of it; the verdict then says the expression could not be evaluated. The
/// default panic report is silenced for these panics only: the verdict carries the message.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_CEL.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    let outer = IN_CEL.with(|flag| flag.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    IN_CEL.with(|flag| flag.set(outer));
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_owned())
    })
}

impl Expression {
    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The expression's tree, for readers that reason about its structure.
    pub fn shape(&self) -> Shape {
        shape::of(&self.ast)
    }

    /// Whether the expression names the variable `name` (e.g. `assertion`) anywhere.
    pub fn references_variable(&self, name: &str) -> bool {
        self.variables.iter().any(|v| v == name)
    }

    /// What the expression reads of the variable `name` (nothing when it does not use it).
    pub fn reads(&self, name: &str) -> &Reads {
        self.reads
            .iter()
            .find(|(variable, _)| variable == name)
            .map_or(&READS_NOTHING, |(_, reads)| reads)
    }

    /// Whether the expression calls `name` (e.g. `extract`) anywhere.
    pub fn calls_function(&self, name: &str) -> bool {
        self.functions.iter().any(|f| f == name)
    }

    /// For a condition `a && b && …` (no top-level `||` or `?:`), which parts were not true for
    /// `bindings`, with their result or error: the parts that decided a false or failing whole.
    pub fn failing_parts(
        &self,
        bindings: &Bindings,
    ) -> Vec<(String, Result<Evaluated, EvalError>)> {
        self.parts
            .iter()
            .map(|part| (part.source.clone(), part.evaluate(bindings)))
            .filter(|(_, result)| !matches!(result, Ok(r) if r.as_bool() == Some(true)))
            .collect()
    }

    /// Hints naming the parts of a conjunction that were false or failed (see
    /// [`Expression::failing_parts`]); empty for other expressions.
    pub fn deciding_part_hints(&self, bindings: &Bindings) -> Vec<crate::trust::Hint> {
        self.failing_parts(bindings)
            .into_iter()
            .map(|(part, result)| {
                let what = match result {
                    Ok(value) if value.as_bool() == Some(false) => "is false".to_owned(),
                    Ok(value) => format!("returned {} {}, not a bool", value.cel_type, value.value),
                    Err(error) => format!("fails with a CEL error: {error}"),
                };
                crate::trust::Hint::new("deciding-part", format!("the part `{part}` {what}"))
            })
            .collect()
    }

    pub fn evaluate(&self, bindings: &Bindings) -> Result<Evaluated, EvalError> {
        debug_assert_eq!(bindings.dialect, self.dialect);
        if let Some(node) = &self.direct
            && let Some(result) = direct::evaluate(node, bindings)
        {
            return Ok(result);
        }
        self.evaluate_with_interpreter(bindings)
    }

    /// Whether the expression evaluates to `true` (a CEL error or another value is "no"): a
    /// decision without the error's message, for evaluating many tokens. `Err` only when
    /// claimcheck could not evaluate it (see [`EvalError::unevaluable`]).
    pub fn is_true(&self, bindings: &Bindings) -> Result<bool, EvalError> {
        if let Some(node) = &self.direct
            && let Some(decided) = direct::is_true(node, bindings)
        {
            return Ok(decided);
        }
        match self.evaluate_with_interpreter(bindings) {
            Ok(result) => Ok(result.as_bool() == Some(true)),
            Err(error) if error.unevaluable => Err(error),
            Err(_) => Ok(false),
        }
    }

    /// The result, or `None` for a CEL error, without the error's message: for decisions.
    /// `Err` only when claimcheck could not evaluate it.
    pub fn value(&self, bindings: &Bindings) -> Result<Option<Evaluated>, EvalError> {
        if let Some(node) = &self.direct {
            match direct::decide(node, bindings) {
                direct::Decided::Value(value) => return Ok(Some(value)),
                direct::Decided::Error => return Ok(None),
                direct::Decided::Unknown => {}
            }
        }
        match self.evaluate_with_interpreter(bindings) {
            Ok(value) => Ok(Some(value)),
            Err(error) if error.unevaluable => Err(error),
            Err(_) => Ok(None),
        }
    }

    /// What the type checker says the expression returns: `dyn` when it depends on the claims.
    pub fn result_type(&self) -> String {
        self.result_type.to_string()
    }

    /// The expression as a rule whose result must be one of `allowed` (CEL type names, e.g.
    /// `bool`; `list(string)`), as the real evaluator's checker requires when the rule is saved
    /// or loaded; an expression whose type depends on the claims passes.
    pub fn returning(self, allowed: &[&str], place: &str) -> Result<Expression, CompileError> {
        let ty = &self.result_type;
        let fits = |want: &str| match (want, ty) {
            (_, check::Ty::Dyn) => true,
            ("list(string)", check::Ty::List(elem)) => {
                matches!(**elem, check::Ty::Dyn | check::Ty::String)
            }
            (want, ty) => ty.to_string() == want,
        };
        if allowed.iter().any(|want| fits(want)) {
            Ok(self)
        } else {
            Err(CompileError::Type {
                message: format!(
                    "{place} must return {}, this expression returns {ty}",
                    allowed.join(" or ")
                ),
            })
        }
    }

    /// Whether the result depends on how the evaluator types JSON numbers (`int`, or `double`
    /// as a protobuf `Struct` would): the expression does arithmetic, or asks `type()`, on a
    /// value read from the claims.
    pub fn number_typing_matters(&self) -> bool {
        self.number_typing_matters
    }

    /// The comprehension iterations evaluating with `bindings` would take (see `cost`).
    fn iterations(&self, bindings: &Bindings) -> f64 {
        let object = |name: &str| direct::Objects::object(bindings, name);
        let size = |variable: &str, field: &str| {
            object(variable)
                .and_then(|o| o.get(field))
                .map(cost::json_size)
        };
        let unknown = bindings
            .variables
            .iter()
            .filter_map(|(name, _)| object(name))
            .flat_map(|o| o.values().map(cost::json_size))
            .max()
            .unwrap_or(1)
            .max(1);
        cost::iterations(&self.ast, &size, unknown)
    }

    /// Always through the `cel` crate's interpreter, never the direct evaluator.
    fn evaluate_with_interpreter(&self, bindings: &Bindings) -> Result<Evaluated, EvalError> {
        if self.levels > INLINE_LEVELS {
            // The bindings' interpreter context is not `Send`; the deep evaluation gets its
            // own, built on the large-stack thread from the same JSON.
            let variables = &bindings.variables;
            let dialect = bindings.dialect;
            return on_large_stack(|| {
                let bindings = Bindings {
                    dialect,
                    variables: variables.clone(),
                    context: OnceCell::new(),
                };
                self.interpret(&bindings)
            })
            .unwrap_or_else(|| {
                Err(EvalError::unevaluable(
                    "the evaluating thread failed".to_owned(),
                ))
            });
        }
        self.interpret(bindings)
    }

    fn interpret(&self, bindings: &Bindings) -> Result<Evaluated, EvalError> {
        if self.comprehensions {
            let estimate = self.iterations(bindings);
            if estimate > cost::MAX_ITERATIONS {
                return Err(EvalError::unevaluable(format!(
                    "{}: about {estimate:.0} iterations for these claims, past claimcheck's budget of {:.0}",
                    functions::TOO_EXPENSIVE,
                    cost::MAX_ITERATIONS
                )));
            }
        }
        guarded(|| Value::resolve(&self.ast, bindings.context()))
            .map_err(|panic| {
                EvalError::unevaluable(format!(
                    "the CEL library failed while evaluating `{}` ({panic})",
                    self.source
                ))
            })?
            .map(|value| convert::to_evaluated(&value))
            .map_err(|e| EvalError::from_execution(&e))
    }
}

/// The variables of one evaluation, borrowing the JSON they are built from. The interpreter's
/// context is built only when an expression needs the interpreter (see `direct`).
pub struct Bindings<'v> {
    dialect: Dialect,
    variables: Vec<(&'v str, Bound<'v>)>,
    context: OnceCell<Context<'v, 'v>>,
}

#[derive(Clone, Copy)]
enum Bound<'v> {
    Value(&'v Json),
    Object(&'v serde_json::Map<String, Json>, Option<&'v Reads>),
}

impl<'v> Bindings<'v> {
    pub fn new(dialect: Dialect) -> Bindings<'v> {
        Bindings {
            dialect,
            variables: Vec::new(),
            context: OnceCell::new(),
        }
    }

    fn add(&mut self, name: &'v str, bound: Bound<'v>) -> &mut Bindings<'v> {
        self.context = OnceCell::new();
        self.variables.retain(|(n, _)| *n != name);
        self.variables.push((name, bound));
        self
    }

    pub fn bind(&mut self, name: &'v str, value: &'v Json) -> &mut Bindings<'v> {
        self.add(name, Bound::Value(value))
    }

    pub fn bind_object(
        &mut self,
        name: &'v str,
        object: &'v serde_json::Map<String, Json>,
    ) -> &mut Bindings<'v> {
        self.add(name, Bound::Object(object, None))
    }

    /// [`Bindings::bind_object`] for expressions that read only what `reads` says (see
    /// [`Expression::reads`]): the interpreter is given only those fields (all of them when
    /// `reads` is the whole object), sparing the conversion of the rest.
    pub fn bind_object_for(
        &mut self,
        name: &'v str,
        object: &'v serde_json::Map<String, Json>,
        reads: &'v Reads,
    ) -> &mut Bindings<'v> {
        self.add(name, Bound::Object(object, Some(reads)))
    }

    fn context(&self) -> &Context<'v, 'v> {
        self.context.get_or_init(|| {
            let mut context = Context::with_env(Arc::clone(self.dialect.env()));
            for (name, bound) in &self.variables {
                let value = match bound {
                    Bound::Value(value) => convert::to_val(value),
                    Bound::Object(object, Some(reads)) if !reads.whole => {
                        convert::fields_to_val(object, &reads.fields)
                    }
                    Bound::Object(object, _) => convert::object_to_val(object),
                };
                context.add_variable_as_val(*name, value);
            }
            context
        })
    }
}

impl direct::Objects for Bindings<'_> {
    fn object(&self, name: &str) -> Option<&serde_json::Map<String, Json>> {
        self.variables
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, bound)| match *bound {
                Bound::Value(Json::Object(object)) | Bound::Object(object, _) => Some(object),
                Bound::Value(_) => None,
            })
    }
}

/// Prefixes of CEL extension libraries (cel-go ext, Kubernetes' libraries). A call `ns.f(…)`
/// with one of these is a library function, known or not, never a method on a variable.
const LIBRARY_NAMESPACES: [&str; 13] = [
    "base64", "cel", "cidr", "ip", "lists", "math", "optional", "proto", "quantity", "regex",
    "semver", "sets", "strings",
];

const MACROS: [&str; 7] = [
    "all",
    "exists",
    "exists_one",
    "existsOne",
    "map",
    "filter",
    "has",
];

/// Collects called functions, free variables and functions the dialect does not know.
#[derive(Default)]
struct Walk {
    functions: Vec<String>,
    variables: Vec<String>,
    reads: Vec<(String, Reads)>,
    unknown: Vec<(String, Option<usize>)>,
}

/// `x.f`, `has(x.f)`, `x['f']`, `x.?f`, `x[?'f']`: a variable and the one field read of it.
fn field_of_variable(expr: &IdedExpr) -> Option<(&str, &str)> {
    match &expr.expr {
        Expr::Select(select) => match &select.operand.expr {
            Expr::Ident(variable) => Some((variable, &select.field)),
            _ => None,
        },
        Expr::Call(call)
            if call.target.is_none()
                && call.args.len() == 2
                && matches!(call.func_name.as_str(), "_[_]" | "_?._" | "_[?_]") =>
        {
            match (&call.args[0].expr, &call.args[1].expr) {
                (Expr::Ident(variable), Expr::Literal(LiteralValue::String(field))) => {
                    Some((variable, field.inner()))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

impl Walk {
    fn note_read(&mut self, variable: &str, field: Option<&str>) {
        if !variable.starts_with('@') && !self.variables.iter().any(|v| v == variable) {
            self.variables.push(variable.to_owned());
        }
        let reads = match self.reads.iter_mut().find(|(v, _)| v == variable) {
            Some((_, reads)) => reads,
            None => {
                self.reads.push((variable.to_owned(), Reads::default()));
                &mut self.reads.last_mut().expect("just pushed").1
            }
        };
        match field {
            Some(field) if !reads.fields.iter().any(|f| f == field) => {
                reads.fields.push(field.to_owned());
            }
            Some(_) => {}
            None => reads.whole = true,
        }
    }

    fn visit(&mut self, expr: &IdedExpr, dialect: Dialect) {
        if let Some((variable, field)) = field_of_variable(expr) {
            self.note_read(variable, Some(field));
            return;
        }
        match &expr.expr {
            Expr::Call(call) => {
                let qualified = call.target.as_deref().and_then(|t| match &t.expr {
                    Expr::Ident(ns) => Some(format!("{ns}.{}", call.func_name)),
                    _ => None,
                });
                match qualified {
                    Some(name) if dialect.knows_function(&name) => self.functions.push(name),
                    // `math.greatest(…)` where this dialect has no `math` library: name the
                    // whole function rather than the method `greatest` on a variable `math`.
                    Some(name)
                        if LIBRARY_NAMESPACES
                            .contains(&name.split('.').next().unwrap_or_default()) =>
                    {
                        if !self.unknown.iter().any(|(u, _)| *u == name) {
                            self.unknown.push((name.clone(), None));
                        }
                        self.functions.push(name);
                    }
                    _ => {
                        let arity = call.args.len();
                        self.note_function(&call.func_name, arity, dialect);
                        if let Some(target) = &call.target {
                            self.visit(target, dialect);
                        }
                    }
                }
                call.args.iter().for_each(|a| self.visit(a, dialect));
            }
            Expr::Comprehension(c) => {
                for part in [
                    &c.iter_range,
                    &c.accu_init,
                    &c.loop_cond,
                    &c.loop_step,
                    &c.result,
                ] {
                    self.visit(part, dialect);
                }
            }
            Expr::Ident(name) => self.note_read(name, None),
            Expr::Select(select) => self.visit(&select.operand, dialect),
            Expr::List(list) => list.elements.iter().for_each(|e| self.visit(e, dialect)),
            Expr::Map(map) => map
                .entries
                .iter()
                .for_each(|e| self.visit_entry(&e.expr, dialect)),
            Expr::Struct(s) => s
                .entries
                .iter()
                .for_each(|e| self.visit_entry(&e.expr, dialect)),
            Expr::Literal(_) | Expr::Unspecified => {}
        }
    }

    fn visit_entry(&mut self, entry: &EntryExpr, dialect: Dialect) {
        match entry {
            EntryExpr::StructField(field) => self.visit(&field.value, dialect),
            EntryExpr::MapEntry(entry) => {
                self.visit(&entry.key, dialect);
                self.visit(&entry.value, dialect);
            }
        }
    }

    fn note_function(&mut self, name: &str, arity: usize, dialect: Dialect) {
        // Operators (`_==_`, `@in`, `!_`, `-_`, `_?._`) are the interpreter's own.
        let operator = name.starts_with('_') || name.starts_with('@') || name.ends_with('_');
        if operator || self.functions.iter().any(|f| f == name) {
            return;
        }
        if !dialect.knows_function(name) && !self.unknown.iter().any(|(u, _)| u == name) {
            // A macro name left unexpanded is a form the crate lacks, e.g. the two-variable
            // `exists(i, v, …)`: say which form.
            let arity = MACROS.contains(&name).then_some(arity);
            self.unknown.push((name.to_owned(), arity));
        }
        self.functions.push(name.to_owned());
    }
}

#[cfg(test)]
mod tests;
