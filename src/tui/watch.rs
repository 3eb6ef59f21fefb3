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
