//! CEL errors in the words users need: where a syntax error is (line, column, caret) and what a
//! runtime error was, in cel-go's wording where the two crates differ only in spelling.

use std::fmt;

use cel::{ExecutionError, ParseErrors};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompileError {
    Syntax {
        /// 1-based.
        line: usize,
        /// 1-based, in characters.
        column: usize,
        message: String,
        /// The source line the error is on, and a caret under the column.
        source_line: String,
        caret: String,
    },
    /// The expression calls a function claimcheck does not implement; evaluating it would be
    /// a guess about what the real evaluator does.
    UnknownFunction {
        name: String,
        /// Set when the name is a macro's used with an argument count the crate does not
        /// expand (e.g. the two-variable `exists(i, v, …)`).
        arity: Option<usize>,
    },
    /// The expression is ill-typed whatever the claims hold: the real evaluator's type checker
    /// refuses it when the rule is saved or loaded, so it never runs.
    Type { message: String },
    /// The expression cannot be evaluated by claimcheck: the `cel` crate failed on it (a panic
    /// while parsing), or it is nested too deeply to walk safely.
    Unevaluable { message: String },
}

impl CompileError {
    pub(super) fn from_parse(source: &str, errors: &ParseErrors) -> CompileError {
        let Some(first) = errors.errors.first() else {
            return CompileError::Syntax {
                line: 1,
                column: 1,
                message: errors.to_string(),
                source_line: source.lines().next().unwrap_or_default().to_owned(),
                caret: "^".to_owned(),
            };
        };
        let line = usize::try_from(first.pos.0).unwrap_or(1).max(1);
        let column = usize::try_from(first.pos.1).unwrap_or(1).max(1);
        let source_line = source.lines().nth(line - 1).unwrap_or_default().to_owned();
        // Tabs keep their width so the caret lines up in a terminal.
        let caret: String = source_line
            .chars()
            .take(column - 1)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .chain(std::iter::once('^'))
            .collect();
        CompileError::Syntax {
            line,
            column,
            message: first.msg.clone(),
            source_line,
            caret,
        }
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompileError::Syntax {
                line,
                column,
                message,
                source_line,
                caret,
            } => write!(
                f,
                "CEL syntax error at line {line}, column {column}: {message}\n  {source_line}\n  {caret}"
            ),
            CompileError::UnknownFunction { name, arity } => write!(
                f,
                "unsupported function '{name}'{}: claimcheck does not implement it, so it cannot say what the real evaluator would decide",
                arity.map_or(String::new(), |n| format!(" with {n} arguments"))
            ),
            CompileError::Type { message } => write!(
                f,
                "CEL type error: {message} (the real evaluator type-checks expressions when the rule is saved or loaded, and refuses this one)"
            ),
            CompileError::Unevaluable { message } => {
                write!(f, "claimcheck cannot evaluate this expression: {message}")
            }
        }
    }
}

impl std::error::Error for CompileError {}

/// A CEL evaluation error: the real evaluators reject the credential on any of these, unless
/// it is [`EvalError::unevaluable`], when claimcheck could not evaluate the expression at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError {
    pub message: String,
    /// The absent key, when the error is a missing map key (the common case: an absent claim).
    pub missing_key: Option<String>,
    /// Set when the error is claimcheck's, not CEL's (the `cel` crate failed, or the
    /// evaluation went past its budget): the verdict is then an error, never a refusal.
    pub unevaluable: bool,
}

impl EvalError {
    pub(super) fn from_execution(error: &ExecutionError) -> EvalError {
        match error {
            ExecutionError::NoSuchKey(key) => EvalError {
                message: format!("no such key: {key}"),
                missing_key: Some(key.as_str().to_owned()),
                unevaluable: false,
            },
            ExecutionError::UndeclaredReference(name) => EvalError {
                message: format!("undeclared reference to '{name}'"),
                missing_key: None,
                unevaluable: false,
            },
            other => {
                let message = other
                    .to_string()
                    .replace(super::functions::MATCHES_RE2, "matches")
                    .replace(super::functions::STRING_CONVERSION, "string")
                    .replace(super::functions::REPLACE_BOUNDED, "replace");
                EvalError {
                    unevaluable: message.contains(super::functions::TOO_EXPENSIVE),
                    message,
                    missing_key: None,
                }
            }
        }
    }

    /// claimcheck could not evaluate the expression (see [`EvalError::unevaluable`]).
    pub fn unevaluable(message: String) -> EvalError {
        EvalError {
            message,
            missing_key: None,
            unevaluable: true,
        }
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EvalError {}
