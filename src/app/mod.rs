//! The application layer: the one place that turns arguments and the config file into key
//! settings ([`keys`]), `[KIND:]FILE` arguments into merged rules ([`rules`]), a token and
//! its rules into `check`'s decided document ([`decide`], on `report::decision`, which the
//! view's `update` also decides with), and both into the engine the interactive view runs on
//! ([`engine`]). `cli` commands and `tui` call it;
//! neither builds a `keys::Keyring` nor calls `trust::load` itself (checked by a test below),
//! so `claimcheck check` and the view cannot drift apart on how keys or rules are found.

pub mod decide;
pub mod engine;
pub mod keys;
pub mod live;
pub mod rules;

pub use engine::Live;

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every `.rs` file under `dir`, recursively.
    fn sources(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }

    #[test]
    fn cli_and_tui_reach_keys_and_rules_only_through_the_app_layer() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources(&root.join("cli"), &mut files);
        sources(&root.join("tui"), &mut files);
        assert!(files.len() > 10, "the scan found the sources");
        let forbidden = ["trust::load::", "Keyring::new", "Keyring {", "Config::load"];
        let offenders: Vec<String> = files
            .iter()
            .flat_map(|file| {
                let text = std::fs::read_to_string(file).unwrap();
                forbidden
                    .iter()
                    .filter(|needle| text.contains(**needle))
                    .map(|needle| format!("{} uses {needle}", file.display()))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert!(offenders.is_empty(), "{offenders:#?}");
    }
}
