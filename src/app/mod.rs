//! The application layer: the one place that turns arguments and the config file into key
//! settings ([`keys`]), `[KIND:]FILE` arguments into merged rules ([`rules`]), a token and
//! its rules into verdicts and the decision ([`decide`], on `report::decision`: `check`'s
//! document and the view's `update` both decide there), and both into the engine the
//! interactive view runs on ([`engine`]). `cli` commands and `tui` call it; neither builds a
//! `keys::Keyring` nor calls `trust::load` itself, and `tui` uses nothing of it but [`decide`]
//! and [`rules`] (checked by tests below), so `claimcheck check` and the view cannot drift apart on how keys
//! or rules are found or how a token is decided.

pub(crate) mod decide;
pub(crate) mod engine;
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

    /// The view decides through `app::decide` and reads rule files through `app::rules` (one
    /// size limit, one error type); keys and verification reach it only as an `Engine`, so
    /// anything else of `app` in `tui` would be a second way in.
    #[test]
    fn tui_uses_only_the_decision_and_rule_paths_of_the_app_layer() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources(&root.join("tui"), &mut files);
        let allowed = ["crate::app::decide", "crate::app::rules::"];
        let mut decides = false;
        let offenders: Vec<String> = files
            .iter()
            .flat_map(|file| {
                let text = std::fs::read_to_string(file).unwrap();
                decides |= text.contains("crate::app::decide");
                text.match_indices("crate::app::")
                    .map(|(at, _)| &text[at..])
                    .filter(|used| !allowed.iter().any(|a| used.starts_with(a)))
                    .map(|used| {
                        let end = used.find(['(', ';']).unwrap_or(used.len());
                        format!("{} uses {}", file.display(), &used[..end])
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        assert!(decides, "the view decides through app::decide");
        assert!(offenders.is_empty(), "{offenders:#?}");
    }
}
