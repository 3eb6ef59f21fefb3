//! The `[tui]` section of config.toml. Every field has a default, so a partial file (or none)
//! works. The file lives in the user's config dir (`$XDG_CONFIG_HOME/claimcheck/config.toml` on
//! Linux and macOS), or wherever `CLAIMCHECK_CONFIG` points (tests point it at their own file).
//!
//! ```toml
//! [tui]
//! theme = "light"            # dark | light
//! clipboard = "osc52"        # auto | system | osc52 | off
//! mouse = false
//! clear_clipboard_after_secs = 30
//! [tui.keys]
//! next_token = ["n", "ctrl-n"]
//! ```

use std::path::PathBuf;

use serde::Deserialize;

use super::keymap::Overrides;
use super::theme::ThemeName;
use crate::clipboard::Mode;

#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct TuiSettings {
    pub theme: ThemeName,
    pub clipboard: Mode,
    pub mouse: bool,
    /// Clear the clipboard this long after copying a token (if it still holds what was copied).
    pub clear_clipboard_after_secs: Option<u64>,
    pub keys: Overrides,
}

/// Only the `[tui]` table; other sections belong to other parts of claimcheck.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ConfigFile {
    tui: TuiSettings,
}

pub const CONFIG_ENV: &str = "CLAIMCHECK_CONFIG";

/// Where config.toml is read from.
pub fn config_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(CONFIG_ENV) {
        return Some(PathBuf::from(path));
    }
    use etcetera::AppStrategy;
    let strategy = etcetera::choose_app_strategy(etcetera::AppStrategyArgs {
        top_level_domain: "dev".to_owned(),
        author: "claimcheck".to_owned(),
        app_name: "claimcheck".to_owned(),
    })
    .ok()?;
    Some(strategy.config_dir().join("config.toml"))
}

/// The settings, or the defaults with a message saying what was wrong with the file.
pub fn load() -> (TuiSettings, Option<String>) {
    let Some(path) = config_path() else {
        return (TuiSettings::default(), None);
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => match parse(&text) {
            Ok(settings) => (settings, None),
            Err(error) => (
                TuiSettings::default(),
                Some(format!("{}: {error}; using defaults", path.display())),
            ),
        },
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            (TuiSettings::default(), None)
        }
        Err(error) => (
            TuiSettings::default(),
            Some(format!("cannot read {}: {error}", path.display())),
        ),
    }
}

pub fn parse(text: &str) -> Result<TuiSettings, String> {
    toml::from_str::<ConfigFile>(text)
        .map(|file| file.tui)
        .map_err(|e| e.message().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keymap::KeyList;

    #[test]
    fn partial_tui_section_keeps_defaults_and_ignores_other_sections() {
        let settings = parse(
            "[verify]\ntimeout_secs = 3\n[tui]\ntheme = \"light\"\n[tui.keys]\nquit = \"ctrl-q\"\n",
        )
        .unwrap();
        assert_eq!(settings.theme, ThemeName::Light);
        assert_eq!(settings.clipboard, Mode::Auto);
        assert!(!settings.mouse);
        assert_eq!(settings.keys["quit"], KeyList::One("ctrl-q".into()));
        assert_eq!(parse("").unwrap(), TuiSettings::default());
    }

    #[test]
    fn mistakes_are_reported() {
        assert!(
            parse("[tui]\nclipboard = \"sometimes\"\n")
                .unwrap_err()
                .contains("sometimes")
        );
        assert!(parse("[tui]\nthem = \"dark\"\n").is_err());
    }

    #[test]
    fn the_env_var_points_at_the_file() {
        // Only this test sets the variable, and it restores nothing else: other tests never
        // read the config file.
        let dir = std::env::temp_dir().join(format!("claimcheck-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        std::fs::write(&path, "[tui]\nmouse = true\n").unwrap();
        // SAFETY: no other test in this binary reads or writes CLAIMCHECK_CONFIG.
        unsafe { std::env::set_var(CONFIG_ENV, &path) };
        assert_eq!(config_path(), Some(path.clone()));
        let (settings, problem) = load();
        assert!(settings.mouse, "{problem:?}");
        std::fs::write(&path, "[tui]\nmouse = 3\n").unwrap();
        let (settings, problem) = load();
        assert!(!settings.mouse);
        assert!(problem.unwrap().contains("using defaults"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
