//! The sources that name where the token is: `env:NAME`, `file:PATH`, `exec:COMMAND` (argv, no
//! shell) and `sh:COMMAND` (through `sh -c`, for pipes and variables).

use std::path::Path;

use super::command::Budget;
use super::environment::Environment;
use super::{Produced, SourceError, command, token_file, words};
use crate::token::Limits;

pub(super) fn env_var(env: &Environment, variable: &str) -> Result<Produced, SourceError> {
    match env.var(variable) {
        Some(value) => Ok(Produced::new(value.to_owned(), format!("${variable}"))),
        None => Err(SourceError::Unavailable(format!(
            "${variable} is not set (or is empty)"
        ))),
    }
}

pub(super) fn file(path: &Path, limits: &Limits) -> Result<Produced, SourceError> {
    token_file::read_file(path, "the file", limits)
}

pub(super) fn exec(
    env: &Environment,
    argv: &[String],
    budget: &Budget,
) -> Result<Produced, SourceError> {
    let shown = words::join(argv);
    let Some((program, args)) = argv.split_first() else {
        return Err(SourceError::Usage("exec: the command is empty".into()));
    };
    let Some(path) = env.find_program(program) else {
        return Err(SourceError::ProgramNotFound {
            program: program.clone(),
            where_it_is: "check the name, or give the program's full path".into(),
        });
    };
    run(env, &path, args, budget, shown)
}

pub(super) fn shell(
    env: &Environment,
    script: &str,
    budget: &Budget,
) -> Result<Produced, SourceError> {
    let Some(path) = env.find_program("sh") else {
        return Err(SourceError::ProgramNotFound {
            program: "sh".into(),
            where_it_is: "sh: runs its command with sh -c; use exec: to run a program directly"
                .into(),
        });
    };
    let args = ["-c".to_owned(), script.to_owned()];
    run(
        env,
        &path,
        &args,
        budget,
        format!("sh -c {}", words::join(&args[1..])),
    )
}

/// Runs a command and keeps what it printed for decoding; `token::decode` picks the token out
/// of surrounding text (log lines, JSON).
pub(super) fn run(
    env: &Environment,
    program: &Path,
    args: &[String],
    budget: &Budget,
    shown: String,
) -> Result<Produced, SourceError> {
    let output = command::run(program, args, env, budget, &shown)?;
    let mut produced = Produced::new(output.stdout, format!("`{shown}`"));
    produced.stderr = output.stderr;
    produced.command = true;
    Ok(produced)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unix_env() -> Environment {
        Environment::from_vars([("PATH", "/usr/bin:/bin"), ("TOKEN_VAR", "eyJh.eyJi.c2ln")])
    }

    #[test]
    fn env_reads_the_named_variable() {
        let produced = env_var(&unix_env(), "TOKEN_VAR").unwrap();
        assert_eq!(produced.text, "eyJh.eyJi.c2ln");
        assert_eq!(produced.origin, "$TOKEN_VAR");
        let missing = env_var(&unix_env(), "NOPE").err().unwrap();
        assert_eq!(missing.to_string(), "$NOPE is not set (or is empty)");
    }

    fn budget() -> Budget {
        Budget {
            timeout: std::time::Duration::from_secs(10),
            stdout_limit: 1024,
            cancel: command::Cancel::default(),
        }
    }

    #[cfg(unix)]
    #[test]
    fn exec_runs_argv_and_sh_runs_a_shell() {
        let argv = words::split("printf '%s\\n' 'x y'").unwrap();
        let produced = exec(&unix_env(), &argv, &budget()).unwrap();
        assert_eq!(produced.text, "x y\n");
        assert_eq!(produced.origin, "`printf '%s\\n' 'x y'`");
        let produced = shell(&unix_env(), "echo \"$TOKEN_VAR\" | tr h H", &budget()).unwrap();
        assert_eq!(produced.text, "eyJH.eyJi.c2ln\n");
        let missing = exec(&unix_env(), &["no-such-tool-here".into()], &budget());
        assert_eq!(missing.err().unwrap().kind(), "program_not_found");
    }
}
