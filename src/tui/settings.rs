//! The `[tui]` section of config.toml. Every field has a default, so a partial file (or none)
//! works. The file lives in the user's config dir (`$XDG_CONFIG_HOME/claimcheck/config.toml` on
//! Linux and macOS), or wherever `CLAIMCHECK_CONFIG` points; `config::Config` reads it.
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

/// The settings of the config file's `[tui]` table (read once, by `config::Config`, with every
/// other section), or the defaults with a message saying what was wrong with it.
pub fn from_config(config: &crate::config::Config) -> (TuiSettings, Option<String>) {
    match &config.tui {
        None => (TuiSettings::default(), None),
        Some(table) => match parse_table(table.clone()) {
            Ok(settings) => (settings, None),
            Err(error) => (
                TuiSettings::default(),
                Some(format!("config file [tui]: {error}; using defaults")),
            ),
        },
    }
}

fn parse_table(table: toml::Table) -> Result<TuiSettings, String> {
    toml::Value::Table(table)
        .try_into::<TuiSettings>()
        .map_err(|e| e.message().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keymap::KeyList;

    /// The `[tui]` settings of a whole config file's text, read by the one config loader.
    fn parse(text: &str) -> Result<TuiSettings, String> {
        let config = crate::config::Config::parse(text)?;
        match config.tui {
            Some(table) => parse_table(table),
            None => Ok(TuiSettings::default()),
        }
    }

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
    fn a_bad_tui_section_is_reported_and_the_rest_of_the_file_still_loads() {
        let config =
            crate::config::Config::parse("[verify]\ntimeout_secs = 3\n[tui]\nmouse = 3\n").unwrap();
        assert_eq!(config.verify.timeout_secs, Some(3));
        let (settings, problem) = from_config(&config);
        assert!(!settings.mouse);
        assert!(problem.unwrap().contains("using defaults"));
        let good = crate::config::Config::parse("[tui]\nmouse = true\n").unwrap();
        assert!(from_config(&good).0.mouse);
    }
}
