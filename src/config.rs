//! The user's configuration file: TOML at `<config dir>/claimcheck/config.toml` (XDG on Linux
//! and macOS), or the file named by `CLAIMCHECK_CONFIG`. Every field has a default and unknown
//! sections are ignored, so a file written for a newer claimcheck still loads.
//!
//! Public face: [`Config::load`], [`Config::parse`], [`config_path`], [`cache_dir`].
//!
//! ```toml
//! [verify]
//! ca_cert = "/etc/ssl/corp-root.pem"
//! connect_timeout_secs = 5
//! timeout_secs = 10
//!
//! [verify.jwks_for]
//! "https://kubernetes.default.svc" = "cluster-jwks.json"   # relative to this file
//! "https://issuer.internal" = "https://issuer.internal/keys"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use etcetera::{AppStrategy, AppStrategyArgs, choose_app_strategy};
use serde::Deserialize;

/// Overrides the config file location (tests, and users who keep it elsewhere).
pub const CONFIG_ENV: &str = "CLAIMCHECK_CONFIG";
/// A config file is a few hundred bytes; anything this large is not one.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Overrides the cache directory.
pub const CACHE_DIR_ENV: &str = "CLAIMCHECK_CACHE_DIR";

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Config {
    pub verify: VerifyConfig,
    /// The `[tui]` table as written; `tui::settings::from_config` reads it, so that a mistake
    /// in it is the view's to report and never stops `verify` or `check`.
    pub tui: Option<toml::Table>,
    /// The directory of the file this came from; relative paths in it are taken from there.
    #[serde(skip)]
    pub base_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct VerifyConfig {
    /// Issuer → key set (URL or file), as `--jwks-for`.
    pub jwks_for: BTreeMap<String, String>,
    pub ca_cert: Option<PathBuf>,
    pub connect_timeout_secs: Option<u64>,
    pub timeout_secs: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the config file {path} is not valid: {message}")]
    Invalid { path: PathBuf, message: String },
}

fn strategy() -> Option<impl AppStrategy> {
    choose_app_strategy(AppStrategyArgs {
        top_level_domain: "dev".to_owned(),
        author: "claimcheck".to_owned(),
        app_name: "claimcheck".to_owned(),
    })
    .ok()
}

/// Where the config file is read from: `$CLAIMCHECK_CONFIG`, else the user config dir.
pub fn config_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(CONFIG_ENV).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    Some(strategy()?.config_dir().join("config.toml"))
}

/// Where cached key sets go: `$CLAIMCHECK_CACHE_DIR`, else `<user cache dir>/claimcheck/jwks`.
pub fn cache_dir() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(CACHE_DIR_ENV).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    Some(strategy()?.cache_dir().join("jwks"))
}

impl Config {
    /// The config at [`config_path`]; a missing file is the default configuration.
    pub fn load() -> Result<Config, ConfigError> {
        match config_path() {
            Some(path) => Config::load_from(&path),
            None => Ok(Config::default()),
        }
    }

    pub fn load_from(path: &Path) -> Result<Config, ConfigError> {
        let read = crate::keys::file::read_bounded(path, MAX_CONFIG_BYTES).and_then(|bytes| {
            String::from_utf8(bytes)
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8"))
        });
        let text = match read {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Config::default());
            }
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        let mut config = Config::parse(&text).map_err(|message| ConfigError::Invalid {
            path: path.to_owned(),
            message,
        })?;
        config.base_dir = path.parent().map(Path::to_owned);
        Ok(config)
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        // Zero would make every request fail at once, which reads as a network problem.
        for (name, value) in [
            ("timeout_secs", config.verify.timeout_secs),
            ("connect_timeout_secs", config.verify.connect_timeout_secs),
        ] {
            if value == Some(0) {
                return Err(format!(
                    "[verify] {name} = 0 would give every request no time at all; use a number of seconds from 1 to 600"
                ));
            }
            if value.is_some_and(|seconds| seconds > 600) {
                return Err(format!(
                    "[verify] {name} is over 600 seconds; use a number of seconds from 1 to 600"
                ));
            }
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_files_and_unknown_sections_load() {
        let config = Config::parse(
            r#"
            [tui]
            theme = "dark"

            [verify]
            timeout_secs = 3

            [verify.jwks_for]
            "https://kubernetes.default.svc" = "cluster.json"
            "#,
        )
        .unwrap();
        assert_eq!(config.verify.timeout_secs, Some(3));
        assert_eq!(config.verify.connect_timeout_secs, None);
        assert_eq!(
            config.verify.jwks_for["https://kubernetes.default.svc"],
            "cluster.json"
        );
        assert_eq!(Config::parse("").unwrap(), Config::default());
    }

    #[test]
    fn wrong_types_are_reported() {
        let error = Config::parse("[verify]\ntimeout_secs = \"ten\"").unwrap_err();
        assert!(error.contains("timeout_secs"), "{error}");
    }

    #[test]
    fn zero_and_absurd_timeouts_are_refused() {
        for text in [
            "[verify]\ntimeout_secs = 0",
            "[verify]\nconnect_timeout_secs = 0",
        ] {
            let error = Config::parse(text).unwrap_err();
            assert!(
                error.contains("= 0 would give every request no time"),
                "{error}"
            );
        }
        let error = Config::parse("[verify]\ntimeout_secs = 100000").unwrap_err();
        assert!(error.contains("over 600 seconds"), "{error}");
        assert!(Config::parse("[verify]\ntimeout_secs = 1").is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn a_config_path_that_never_ends_is_refused_by_size() {
        let error = Config::load_from(Path::new("/dev/zero")).unwrap_err();
        assert!(
            error.to_string().contains("larger than 1048576 bytes"),
            "{error}"
        );
    }

    #[test]
    fn a_missing_file_is_the_default() {
        let path = std::env::temp_dir().join("claimcheck-no-such-config/config.toml");
        assert_eq!(Config::load_from(&path).unwrap(), Config::default());
    }
}
