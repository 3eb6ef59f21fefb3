//! What a source may look at: the environment variables and the programs on `PATH`. A snapshot,
//! so that tests and the TUI can hand a source their own without touching the process's
//! environment, and so that a child command sees exactly what the source looked at.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Clone, Default)]
pub struct Environment {
    vars: BTreeMap<OsString, OsString>,
}

impl Environment {
    pub fn from_process() -> Environment {
        Environment::from_vars(std::env::vars_os())
    }

    pub fn from_vars<K, V>(vars: impl IntoIterator<Item = (K, V)>) -> Environment
    where
        K: Into<OsString>,
        V: Into<OsString>,
    {
        Environment {
            vars: vars
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The variable's value, if it is set, not empty and valid UTF-8.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(OsStr::new(name))
            .and_then(|value| value.to_str())
            .filter(|value| !value.is_empty())
    }

    /// Every variable whose name and value are UTF-8, in name order.
    pub fn text_vars(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars
            .iter()
            .filter_map(|(name, value)| Some((name.to_str()?, value.to_str()?)))
    }

    /// All variables as they are, for a child process.
    pub(super) fn os_vars(&self) -> impl Iterator<Item = (&OsString, &OsString)> {
        self.vars.iter()
    }

    /// Where `program` would run from: a path with a `/` as it is, otherwise the first
    /// executable file of that name in `PATH`.
    pub fn find_program(&self, program: &str) -> Option<PathBuf> {
        if program.contains('/') {
            let path = PathBuf::from(program);
            return is_executable(&path).then_some(path);
        }
        let search = self.vars.get(OsStr::new("PATH"))?;
        std::env::split_paths(search)
            .filter(|dir| !dir.as_os_str().is_empty())
            .map(|dir| dir.join(program))
            .find(|candidate| is_executable(candidate))
    }
}

/// Names only: values may be secrets (tokens sit in environment variables).
impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Environment")
            .field("names", &self.vars.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_count_as_unset_and_debug_hides_values() {
        let env = Environment::from_vars([("SET", "yes"), ("EMPTY", "")]);
        assert_eq!(env.var("SET"), Some("yes"));
        assert_eq!(env.var("EMPTY"), None);
        assert_eq!(env.var("MISSING"), None);
        let shown = format!("{env:?}");
        assert!(shown.contains("SET") && !shown.contains("yes"));
    }

    #[cfg(unix)]
    #[test]
    fn programs_are_found_on_path_only_when_executable() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("claimcheck-env-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let tool = dir.join("tool");
        std::fs::write(&tool, "#!/bin/sh\n").unwrap();
        std::fs::write(dir.join("plain"), "").unwrap();
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = format!("/nonexistent-dir:{}", dir.display());
        let env = Environment::from_vars([("PATH", path.as_str())]);
        assert_eq!(env.find_program("tool"), Some(tool.clone()));
        assert_eq!(env.find_program("plain"), None);
        assert_eq!(env.find_program(tool.to_str().unwrap()), Some(tool));
        assert_eq!(Environment::default().find_program("tool"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
