//! The two inputs that give the view what `claimcheck check` takes as options: a rule file
//! added by path (`A`; Tab completes file names) and a key for the current token's issuer (`K`;
//! a secret, `@FILE` or a key set URL, pinned for the session). Both are the one text input
//! (`model::Input`) with a purpose of their own.

use std::path::{Path, PathBuf};

use super::model::{Input, InputPurpose, Model, NoticeKind, Signature};
use super::update::{Cmd, add_rule_files, batch, notice};

pub fn open_rule_file_input(model: &mut Model) {
    model.input = Some(Input::new(InputPurpose::RuleFile, ""));
}

pub fn open_key_input(model: &mut Model) {
    let Some(entry) = model.current() else {
        notice(model, NoticeKind::Error, "no token to give a key for");
        return;
    };
    if entry.simulated.is_some() {
        notice(
            model,
            NoticeKind::Error,
            "a what-if copy is unsigned: give the key on the original token",
        );
        return;
    }
    let issuer = entry.token.issuer().map(str::to_owned);
    model.input = Some(Input::new(InputPurpose::Key { issuer }, ""));
}

/// Enter in the rule file input: the file is added, loaded and watched; a path that is not a
/// file keeps the input open and says so.
pub fn submit_rule_file(model: &mut Model, input: Input) -> Option<Cmd> {
    let typed = input.field.text.trim();
    let path = expand_home(typed);
    let problem = if typed.is_empty() {
        Some("type the path of a rule file".to_owned())
    } else if path.is_dir() {
        Some(format!("{} is a directory", path.display()))
    } else if !path.exists() {
        Some(format!("{}: no such file", path.display()))
    } else if model.rule_files.iter().any(|f| f.path == path) {
        Some(format!("{} is already loaded", path.display()))
    } else {
        None
    };
    if let Some(problem) = problem {
        let mut input = input;
        input.field.refuse(problem);
        model.input = Some(input);
        return None;
    }
    notice(
        model,
        NoticeKind::Info,
        format!("added {} (watched)", path.display()),
    );
    let load = add_rule_files(model, vec![path.clone()]);
    batch(load.into_iter().chain([Cmd::WatchRuleFile(path)]).collect())
}

/// Enter in the key input: the engine takes the key (on the worker, before the verifications
/// it then queues), answered by `Msg::KeyGiven`.
pub fn submit_key(model: &mut Model, mut input: Input, issuer: Option<String>) -> Option<Cmd> {
    if input.field.text.trim().is_empty() {
        input
            .field
            .refuse("give a secret, @FILE (a JWKS or a PEM public key) or a JWKS URL");
        model.input = Some(input);
        return None;
    }
    let text = input.field.text.clone();
    // Kept open until the engine answers: a refusal is shown in it.
    model.input = Some(input);
    Some(Cmd::GiveKey { issuer, text })
}

/// The engine's answer: on success every token of that issuer is verified again at once.
pub fn on_key_given(
    model: &mut Model,
    issuer: Option<String>,
    result: Result<String, String>,
) -> Option<Cmd> {
    match result {
        Err(error) => {
            if let Some(input) = model.input.as_mut()
                && matches!(input.purpose, InputPurpose::Key { .. })
            {
                input.field.refuse(error);
            } else {
                notice(model, NoticeKind::Error, error);
            }
            None
        }
        Ok(described) => {
            if matches!(
                model.input.as_ref().map(|i| &i.purpose),
                Some(InputPurpose::Key { .. })
            ) {
                model.input = None;
            }
            notice(
                model,
                NoticeKind::Info,
                format!("using {described} for this session"),
            );
            let cmds = model
                .tokens
                .iter_mut()
                .filter(|entry| entry.simulated.is_none())
                .filter(|entry| issuer.is_none() || entry.token.issuer() == issuer.as_deref())
                .map(|entry| {
                    entry.generation += 1;
                    entry.signature = Signature::Checking;
                    Cmd::Verify {
                        entry_id: entry.id,
                        generation: entry.generation,
                        token: Box::new(entry.token.clone()),
                    }
                })
                .collect();
            batch(cmds)
        }
    }
}

/// Tab in the rule file input: the file name completed as far as it is unambiguous (a
/// directory gets its `/`); the candidates are listed when there are several.
pub fn on_completed(model: &mut Model, completed: Completion) {
    if let Some(input) = model.input.as_mut()
        && input.purpose == InputPurpose::RuleFile
    {
        input.field.text = completed.text;
        input.field.error = match completed.candidates.len() {
            0 | 1 => None,
            n => Some(format!(
                "{n} matches: {}",
                completed
                    .candidates
                    .iter()
                    .take(8)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("  ")
            )),
        };
    }
}

/// What a Tab made of the typed path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub text: String,
    /// The names that match when there are several (none when the completion is unique).
    pub candidates: Vec<String>,
}

/// Completes the last component of `typed` against its directory (I/O: the runtime calls it).
pub fn complete_path(typed: &str) -> Completion {
    let unchanged = || Completion {
        text: typed.to_owned(),
        candidates: Vec::new(),
    };
    let (dir_part, prefix) = match typed.rfind('/') {
        Some(at) => (&typed[..=at], &typed[at + 1..]),
        None => ("", typed),
    };
    let dir = if dir_part.is_empty() {
        PathBuf::from(".")
    } else {
        expand_home(dir_part)
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return unchanged();
    };
    let mut matches: Vec<(String, bool)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            // Hidden files only when asked for, as shells complete.
            if !name.starts_with(prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                return None;
            }
            let is_dir = entry.path().is_dir();
            Some((name, is_dir))
        })
        .collect();
    matches.sort();
    match matches.as_slice() {
        [] => unchanged(),
        [(name, is_dir)] => Completion {
            text: format!("{dir_part}{name}{}", if *is_dir { "/" } else { "" }),
            candidates: Vec::new(),
        },
        several => {
            let first = &several[0].0;
            let common = several.iter().fold(first.len(), |len, (name, _)| {
                first
                    .char_indices()
                    .zip(name.chars())
                    .take_while(|((_, a), b)| a == b)
                    .last()
                    .map_or(0, |((at, c), _)| (at + c.len_utf8()).min(len))
            });
            Completion {
                text: format!("{dir_part}{}", &first[..common]),
                candidates: several
                    .iter()
                    .map(|(name, is_dir)| format!("{name}{}", if *is_dir { "/" } else { "" }))
                    .collect(),
            }
        }
    }
}

fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_completes_a_unique_name_a_directory_and_a_common_prefix() {
        let dir = std::env::temp_dir().join(format!("claimcheck-complete-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("rules")).unwrap();
        std::fs::write(dir.join("trust-prod.json"), "{}").unwrap();
        std::fs::write(dir.join("trust-dev.json"), "{}").unwrap();
        std::fs::write(dir.join("provider.json"), "{}").unwrap();
        let base = format!("{}/", dir.display());
        assert_eq!(
            complete_path(&format!("{base}pro")).text,
            format!("{base}provider.json")
        );
        assert_eq!(
            complete_path(&format!("{base}ru")).text,
            format!("{base}rules/")
        );
        let several = complete_path(&format!("{base}tr"));
        assert_eq!(several.text, format!("{base}trust-"));
        assert_eq!(several.candidates, ["trust-dev.json", "trust-prod.json"]);
        assert_eq!(
            complete_path(&format!("{base}zzz")).text,
            format!("{base}zzz")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
