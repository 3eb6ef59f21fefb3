//! Running the user's `$EDITOR` (or `$VISUAL`, falling back to `vi`) on a file while the UI is
//! suspended.

use std::path::Path;
use std::process::Command;

fn editor() -> String {
    std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .ok()
        .filter(|e| !e.trim().is_empty())
        .unwrap_or_else(|| "vi".to_owned())
}

/// Opens `path` in the editor and waits for it. The editor command may carry arguments
/// (`code --wait`).
pub fn edit(path: &Path) -> Result<(), String> {
    let command = editor();
    let mut words = command.split_whitespace();
    let program = words.next().unwrap_or("vi");
    let status = Command::new(program)
        .args(words)
        .arg(path)
        .status()
        .map_err(|e| format!("cannot run the editor '{program}': {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the editor '{program}' exited with {status}"))
    }
}

/// Lets the user edit `json` (the claims of a what-if) and returns the edited text. The file
/// lives in a private directory only while the editor runs: claims are not the token (no
/// signature), but they are still not written anywhere longer than needed.
pub fn edit_text(json: &str) -> Result<String, String> {
    let dir = std::env::temp_dir().join(format!("claimcheck-whatif-{}", std::process::id()));
    create_private_dir(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join("claims.json");
    let result = std::fs::write(&path, json)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
        .and_then(|()| edit(&path))
        .and_then(|()| std::fs::read_to_string(&path).map_err(|e| e.to_string()));
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}
