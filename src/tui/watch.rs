//! Watches the rule files and reports changes as `Msg::RuleFileChanged`. Editors often save by
//! writing a new file and renaming it over the old one, so the parent directories are watched
//! and events are matched by path.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;

use notify::{RecursiveMode, Watcher};

use super::update::Msg;

/// Starts watching; the watcher stops when the returned value is dropped. `None` when the
/// platform offers no watcher (the reload key still works).
pub fn watch(paths: &[PathBuf], tx: Sender<Msg>) -> Option<notify::RecommendedWatcher> {
    if paths.is_empty() {
        return None;
    }
    let wanted: Vec<(PathBuf, PathBuf)> = paths.iter().map(|p| (absolute(p), p.clone())).collect();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if event.kind.is_access() {
            return;
        }
        for changed in &event.paths {
            if let Some((_, original)) = wanted.iter().find(|(abs, _)| abs == changed) {
                let _ = tx.send(Msg::RuleFileChanged(original.clone()));
            }
        }
    })
    .ok()?;
    let dirs: BTreeSet<PathBuf> = paths
        .iter()
        .filter_map(|p| absolute(p).parent().map(Path::to_path_buf))
        .collect();
    for dir in dirs {
        let _ = watcher.watch(&dir, RecursiveMode::NonRecursive);
    }
    Some(watcher)
}

fn absolute(path: &Path) -> PathBuf {
    if let Ok(canonical) = path.canonicalize() {
        return canonical;
    }
    std::env::current_dir()
        .map(|dir| dir.join(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::channel;
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_rewritten_rule_file_is_reported_by_the_path_it_was_given() {
        let dir = std::env::temp_dir().join(format!("claimcheck-watch-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let rule = dir.join("trust.json");
        let other = dir.join("other.json");
        std::fs::write(&rule, "{}").unwrap();
        let (tx, rx) = channel();
        let watcher = watch(std::slice::from_ref(&rule), tx);
        assert!(watcher.is_some());
        std::fs::write(&other, "{}").unwrap();
        // Saved the way editors do: a new file renamed over the old one.
        let staging = dir.join(".trust.json.swp");
        std::fs::write(&staging, r#"{"Version": "2012-10-17"}"#).unwrap();
        std::fs::rename(&staging, &rule).unwrap();
        // Generous: this waits for the event, it does not time anything.
        let msg = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("a change event");
        assert!(matches!(msg, Msg::RuleFileChanged(path) if path == rule));
        while let Ok(msg) = rx.recv_timeout(Duration::from_millis(300)) {
            assert!(
                matches!(msg, Msg::RuleFileChanged(path) if path == rule),
                "only the watched file"
            );
        }
        drop(watcher);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
