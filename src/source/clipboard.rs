//! `--from clipboard`: the text on the clipboard, read through the clipboard service the TUI and
//! `--copy` use (so `CLAIMCHECK_CLIPBOARD_FILE` stands in for it in tests). Only the system
//! clipboard can be read: terminals rarely answer OSC 52 queries.

use super::environment::Environment;
use super::{Produced, SourceError};
use crate::clipboard::{self, Clipboard, FILE_VAR, Mode};

pub(super) fn read(env: &Environment, limit: usize) -> Result<Produced, SourceError> {
    let (mut service, origin) = match env.var(FILE_VAR) {
        Some(path) => (
            Clipboard::with_file(Mode::Auto, path.into()),
            format!("the clipboard file ${FILE_VAR}"),
        ),
        None => (
            Clipboard::new(
                Mode::Auto,
                clipboard::Environment::from_lookup(|name| env.var(name).is_some()),
            ),
            "the clipboard".to_owned(),
        ),
    };
    let text = service.read().map_err(|error| {
        SourceError::Unavailable(format!(
            "{error}; pipe the token instead (e.g. `pbpaste | claimcheck decode`) or use file:PATH"
        ))
    })?;
    if text.len() > limit {
        return Err(SourceError::TooLarge {
            what: origin,
            limit,
        });
    }
    Ok(Produced::new(text, origin))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_file_that_stands_in_for_the_clipboard() {
        let path = std::env::temp_dir().join(format!("claimcheck-src-clip-{}", std::process::id()));
        std::fs::write(&path, "Bearer eyJh.eyJi.c2ln\n").unwrap();
        let env = Environment::from_vars([(FILE_VAR, path.as_os_str())]);
        let produced = read(&env, 1024).unwrap();
        assert_eq!(produced.text, "Bearer eyJh.eyJi.c2ln\n");
        assert_eq!(
            produced.origin,
            "the clipboard file $CLAIMCHECK_CLIPBOARD_FILE"
        );
        assert_eq!(read(&env, 5).err().unwrap().kind(), "too_large");
        std::fs::remove_file(&path).unwrap();

        // No display and no file: a message saying what to do instead, never a panic.
        if cfg!(any(target_os = "macos", target_os = "windows")) {
            return;
        }
        let headless = read(&Environment::default(), 1024).err().unwrap();
        assert_eq!(headless.kind(), "source_unavailable");
        assert!(
            headless.to_string().contains("pipe the token"),
            "{headless}"
        );
    }
}
