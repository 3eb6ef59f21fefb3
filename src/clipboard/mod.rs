//! The clipboard service shared by the TUI and the CLI's `--copy`.
//!
//! Public face: [`Mode`] (`auto|system|osc52|off`), [`Environment`] (what the process can see of
//! its surroundings), [`Clipboard`] (one long-lived service per process: on X11 and Wayland the
//! copying process *serves* the clipboard, so the handle must outlive the copy), [`Via`] (which
//! path a copy took, for the status line) and [`osc52`] for the escape sequences.
//!
//! Copied text is marked for clipboard managers to skip (tokens are secrets) where arboard
//! supports it. Nothing here panics without a display: every failure is a message.
//!
//! [`FILE_VAR`] (`CLAIMCHECK_CLIPBOARD_FILE`) replaces the clipboard with a file, read and
//! written whole, so that tests (and headless scripts that ask for it) can copy and read
//! without a display or a terminal. [`Clipboard::for_process`] honours it; the file holds the
//! token in clear, so it is never used unless that variable names it; it is created 0600, an
//! existing file that others may read is refused, and a symbolic link is never followed.

pub(crate) mod osc52;

use std::fmt;
use std::io::Write;
use std::path::PathBuf;

use serde::Deserialize;

/// How to copy (config `clipboard = "…"`, flag `--clipboard`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// OSC 52 over SSH; otherwise the system clipboard, falling back to OSC 52.
    #[default]
    Auto,
    /// The system clipboard only (X11/Wayland/macOS/Windows, through arboard).
    System,
    /// Only the terminal escape sequence OSC 52.
    Osc52,
    /// Never copy.
    Off,
}

/// Which path a copy took, as the status line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    System,
    Osc52,
    Osc52Tmux,
    /// The file named by [`FILE_VAR`].
    File,
}

/// Names a file that stands in for the clipboard (tests, headless scripts).
pub const FILE_VAR: &str = "CLAIMCHECK_CLIPBOARD_FILE";

/// The most read from the [`FILE_VAR`] file: the token size limit with room for a wrapper
/// (a JSON response, an `Authorization:` line), as for every other input.
pub const FILE_READ_LIMIT: usize = 1024 * 1024 + 64 * 1024;

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Via::System => "the system clipboard",
            Via::Osc52 => "OSC 52 (the terminal must allow clipboard writes)",
            Via::Osc52Tmux => "OSC 52 through tmux (tmux must allow passthrough)",
            Via::File => "the file named by $CLAIMCHECK_CLIPBOARD_FILE",
        })
    }
}

/// What the process knows about where it runs; read once from the environment, or built by
/// hand in tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Environment {
    pub over_ssh: bool,
    pub has_display: bool,
    pub inside_tmux: bool,
}

impl Environment {
    pub fn detect() -> Environment {
        Environment::from_lookup(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
    }

    /// From a lookup saying whether a variable is set and not empty (for a snapshot of the
    /// environment taken elsewhere).
    pub fn from_lookup(set: impl Fn(&str) -> bool) -> Environment {
        Environment {
            over_ssh: set("SSH_TTY") || set("SSH_CONNECTION") || set("SSH_CLIENT"),
            has_display: cfg!(any(target_os = "macos", target_os = "windows"))
                || set("DISPLAY")
                || set("WAYLAND_DISPLAY"),
            inside_tmux: set("TMUX"),
        }
    }
}

/// The first path to try for a copy under `mode` in `env`, and whether OSC 52 may follow when
/// the system clipboard fails.
fn plan(mode: Mode, env: Environment) -> (Option<Path>, bool) {
    match mode {
        Mode::Off => (None, false),
        Mode::Osc52 => (Some(Path::Osc52), false),
        Mode::System => (Some(Path::System), false),
        // Over SSH arboard would "succeed" on the remote machine's clipboard, which the user
        // never sees.
        Mode::Auto if env.over_ssh || !env.has_display => (Some(Path::Osc52), false),
        Mode::Auto => (Some(Path::System), true),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    System,
    Osc52,
}

/// The clipboard service. Keep one per process.
pub struct Clipboard {
    mode: Mode,
    env: Environment,
    system: Option<arboard::Clipboard>,
    /// Set from [`FILE_VAR`]: every copy and read goes to this file instead.
    file: Option<PathBuf>,
    /// Why the system clipboard could not be opened, kept so it is tried once, not per copy.
    system_error: Option<String>,
}

impl Clipboard {
    pub fn new(mode: Mode, env: Environment) -> Clipboard {
        Clipboard {
            mode,
            env,
            system: None,
            file: None,
            system_error: None,
        }
    }

    /// A clipboard that is the file at `path` (see [`FILE_VAR`]).
    pub fn with_file(mode: Mode, path: PathBuf) -> Clipboard {
        Clipboard {
            file: Some(path),
            ..Clipboard::new(mode, Environment::default())
        }
    }

    /// The clipboard for this process: the file named by [`FILE_VAR`] when it is set, the
    /// system clipboard or OSC 52 (per `mode` and the environment) otherwise.
    pub fn for_process(mode: Mode) -> Clipboard {
        match std::env::var_os(FILE_VAR).filter(|path| !path.is_empty()) {
            Some(path) => Clipboard::with_file(mode, PathBuf::from(path)),
            None => Clipboard::new(mode, Environment::detect()),
        }
    }

    /// True when copies go to a file rather than to a clipboard.
    pub fn is_file(&self) -> bool {
        self.file.is_some()
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Whether a copy would go to the system clipboard (and so, in a one-shot command, block
    /// while serving it).
    pub fn would_serve_system(&self) -> bool {
        self.file.is_none()
            && plan(self.mode, self.env).0 == Some(Path::System)
            && self.env.has_display
    }

    /// Copies `text`, writing OSC 52 (when that path is taken) to `terminal`. Call it between
    /// frames, never while a frame is being drawn.
    pub fn copy(&mut self, text: &str, terminal: &mut dyn Write) -> Result<Via, String> {
        if self.mode == Mode::Off {
            return Err("copying is off (clipboard = \"off\")".to_owned());
        }
        if let Some(path) = &self.file {
            return write_file(path, text).map(|()| Via::File);
        }
        let (first, may_fall_back) = plan(self.mode, self.env);
        match first {
            None => Err("copying is off (clipboard = \"off\")".to_owned()),
            Some(Path::Osc52) => self.write_osc52(text, terminal),
            Some(Path::System) => match self.copy_system(text) {
                Ok(()) => Ok(Via::System),
                Err(_) if may_fall_back => self.write_osc52(text, terminal),
                Err(error) => Err(format!("system clipboard unavailable: {error}")),
            },
        }
    }

    /// Copies for a one-shot command (`decode --copy`), which exits right after: on X11 and
    /// Wayland the copy would die with the process, so the system path keeps serving the
    /// selection until another program takes it over or `until` passes (blocking until then).
    /// OSC 52 needs no serving: the terminal holds the copy.
    pub fn copy_and_serve(
        &mut self,
        text: &str,
        terminal: &mut dyn Write,
        until: std::time::Instant,
    ) -> Result<Via, String> {
        let (first, may_fall_back) = plan(self.mode, self.env);
        if first != Some(Path::System) || self.file.is_some() {
            return self.copy(text, terminal);
        }
        let served = self.system_handle().and_then(|handle| {
            let set = mark_secret(handle.set());
            #[cfg(all(
                unix,
                not(any(target_os = "macos", target_os = "android", target_os = "emscripten"))
            ))]
            let set = {
                use arboard::SetExtLinux;
                set.wait_until(until)
            };
            #[cfg(not(all(
                unix,
                not(any(target_os = "macos", target_os = "android", target_os = "emscripten"))
            )))]
            let _ = until;
            set.text(text.to_owned()).map_err(|e| e.to_string())
        });
        match served {
            Ok(()) => Ok(Via::System),
            Err(_) if may_fall_back => self.write_osc52(text, terminal),
            Err(error) => Err(format!("system clipboard unavailable: {error}")),
        }
    }

    /// Reads text from the system clipboard (the "paste from clipboard" key). OSC 52 reads are
    /// not attempted: most terminals refuse them.
    pub fn read(&mut self) -> Result<String, String> {
        if self.mode == Mode::Off {
            return Err("the clipboard is off (clipboard = \"off\")".to_owned());
        }
        if let Some(path) = &self.file {
            return read_file(path, FILE_READ_LIMIT);
        }
        let handle = self.system_handle()?;
        handle
            .get_text()
            .map_err(|e| format!("cannot read the clipboard: {e}"))
    }

    fn write_osc52(&mut self, text: &str, terminal: &mut dyn Write) -> Result<Via, String> {
        let (bytes, via) = if self.env.inside_tmux {
            (osc52::tmux_wrapped(text), Via::Osc52Tmux)
        } else {
            (osc52::sequence(text), Via::Osc52)
        };
        terminal
            .write_all(bytes.as_bytes())
            .and_then(|()| terminal.flush())
            .map_err(|e| format!("cannot write to the terminal: {e}"))?;
        Ok(via)
    }

    fn copy_system(&mut self, text: &str) -> Result<(), String> {
        let handle = self.system_handle()?;
        mark_secret(handle.set())
            .text(text.to_owned())
            .map_err(|e| e.to_string())
    }

    fn system_handle(&mut self) -> Result<&mut arboard::Clipboard, String> {
        if let Some(error) = &self.system_error {
            return Err(error.clone());
        }
        if self.system.is_none() {
            if !self.env.has_display {
                let error = "no display (DISPLAY and WAYLAND_DISPLAY are unset)".to_owned();
                self.system_error = Some(error.clone());
                return Err(error);
            }
            match arboard::Clipboard::new() {
                Ok(handle) => self.system = Some(handle),
                Err(error) => {
                    self.system_error = Some(error.to_string());
                    return Err(error.to_string());
                }
            }
        }
        Ok(self.system.as_mut().expect("opened above"))
    }
}

/// Replaces the file's contents. The file may hold a token, so it is created readable by its
/// owner only; an existing file that others may read is refused rather than filled, and a
/// symbolic link is never followed (it could point the token anywhere).
fn write_file(path: &std::path::Path, text: &str) -> Result<(), String> {
    let failed = |e: std::io::Error| format!("cannot write {} ({FILE_VAR}): {e}", shown(path));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let mut file = options.open(path).map_err(failed)?;
    check_private(&file, path)?;
    file.set_len(0)
        .and_then(|()| file.write_all(text.as_bytes()))
        .map_err(failed)
}

/// Reads the file, at most `limit` bytes, without following a symbolic link.
fn read_file(path: &std::path::Path, limit: usize) -> Result<String, String> {
    use std::io::Read;
    let failed = |e: std::io::Error| format!("cannot read {} ({FILE_VAR}): {e}", shown(path));
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    let file = options.open(path).map_err(failed)?;
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(failed)?;
    if bytes.len() > limit {
        return Err(format!(
            "{} ({FILE_VAR}) holds more than {limit} bytes, over the limit for a token",
            shown(path)
        ));
    }
    String::from_utf8(bytes).map_err(|_| format!("{} ({FILE_VAR}) is not UTF-8 text", shown(path)))
}

/// Refuses anything but a regular file that only its owner can read or write.
fn check_private(file: &std::fs::File, path: &std::path::Path) -> Result<(), String> {
    let metadata = file
        .metadata()
        .map_err(|e| format!("cannot inspect {} ({FILE_VAR}): {e}", shown(path)))?;
    if !metadata.is_file() {
        return Err(format!(
            "{} ({FILE_VAR}) is not a regular file; the token is not written to it",
            shown(path)
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(format!(
                "{} ({FILE_VAR}) has mode {mode:04o}, so others could read the token; the token is not written to it (chmod 600 it, or remove it and let claimcheck create it)",
                shown(path)
            ));
        }
    }
    Ok(())
}

fn shown(path: &std::path::Path) -> String {
    crate::token::sanitize::escape_controls(&path.display().to_string()).into_owned()
}

/// Asks clipboard managers not to keep the copy (tokens are secrets): the KDE password-manager
/// hint on Linux, the concealed type on macOS, the history exclusion on Windows.
fn mark_secret(set: arboard::Set<'_>) -> arboard::Set<'_> {
    #[cfg(all(
        unix,
        not(any(target_os = "macos", target_os = "android", target_os = "emscripten"))
    ))]
    let set = {
        use arboard::SetExtLinux;
        set.exclude_from_history()
    };
    #[cfg(target_os = "macos")]
    let set = {
        use arboard::SetExtApple;
        set.exclude_from_history()
    };
    #[cfg(windows)]
    let set = {
        use arboard::SetExtWindows;
        set.exclude_from_history()
    };
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADLESS: Environment = Environment {
        over_ssh: false,
        has_display: false,
        inside_tmux: false,
    };

    #[test]
    fn auto_prefers_osc52_over_ssh_and_without_a_display() {
        let ssh = Environment {
            over_ssh: true,
            has_display: true,
            ..HEADLESS
        };
        assert_eq!(plan(Mode::Auto, ssh), (Some(Path::Osc52), false));
        assert_eq!(plan(Mode::Auto, HEADLESS), (Some(Path::Osc52), false));
        let desktop = Environment {
            has_display: true,
            ..HEADLESS
        };
        assert_eq!(plan(Mode::Auto, desktop), (Some(Path::System), true));
        assert_eq!(plan(Mode::System, ssh), (Some(Path::System), false));
        assert_eq!(plan(Mode::Off, desktop), (None, false));
    }

    #[test]
    fn headless_auto_copy_writes_osc52_exactly() {
        let mut clipboard = Clipboard::new(Mode::Auto, HEADLESS);
        let mut terminal = Vec::new();
        assert_eq!(clipboard.copy("foo", &mut terminal), Ok(Via::Osc52));
        assert_eq!(terminal, b"\x1b]52;c;Zm9v\x07");
    }

    #[test]
    fn inside_tmux_the_sequence_is_wrapped() {
        let env = Environment {
            inside_tmux: true,
            ..HEADLESS
        };
        let mut clipboard = Clipboard::new(Mode::Osc52, env);
        let mut terminal = Vec::new();
        assert_eq!(clipboard.copy("foo", &mut terminal), Ok(Via::Osc52Tmux));
        assert_eq!(terminal, osc52::tmux_wrapped("foo").as_bytes());
    }

    #[test]
    fn system_mode_without_a_display_fails_with_a_message_and_writes_nothing() {
        let mut clipboard = Clipboard::new(Mode::System, HEADLESS);
        let mut terminal = Vec::new();
        let error = clipboard.copy("secret", &mut terminal).unwrap_err();
        assert!(error.contains("no display"), "{error}");
        assert!(terminal.is_empty());
        assert!(clipboard.read().unwrap_err().contains("no display"));
    }

    #[test]
    fn one_shot_copies_without_a_display_use_osc52_and_return_at_once() {
        let mut clipboard = Clipboard::new(Mode::Auto, HEADLESS);
        let mut terminal = Vec::new();
        let far = std::time::Instant::now() + std::time::Duration::from_secs(3600);
        assert_eq!(
            clipboard.copy_and_serve("foo", &mut terminal, far),
            Ok(Via::Osc52)
        );
        assert_eq!(terminal, b"\x1b]52;c;Zm9v\x07");
        let mut system = Clipboard::new(Mode::System, HEADLESS);
        assert!(system.copy_and_serve("foo", &mut Vec::new(), far).is_err());
    }

    #[test]
    fn a_file_clipboard_round_trips_and_touches_no_terminal() {
        let path = std::env::temp_dir().join(format!("claimcheck-clip-{}", std::process::id()));
        let mut clipboard = Clipboard::with_file(Mode::Auto, path.clone());
        let mut terminal = Vec::new();
        assert!(!clipboard.would_serve_system());
        assert_eq!(clipboard.copy("eyJ.a.b", &mut terminal), Ok(Via::File));
        assert_eq!(clipboard.read().unwrap(), "eyJ.a.b");
        let far = std::time::Instant::now() + std::time::Duration::from_secs(3600);
        assert_eq!(
            clipboard.copy_and_serve("second", &mut terminal, far),
            Ok(Via::File)
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second");
        assert!(terminal.is_empty());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "only the owner may read a copied token");
        }
        std::fs::remove_file(&path).unwrap();
        let mut off = Clipboard::with_file(Mode::Off, path.clone());
        assert!(off.copy("secret", &mut terminal).is_err());
        assert!(!path.exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_can_read_or_a_link_is_refused_and_reads_are_bounded() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("claimcheck-clip-safe-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut terminal = Vec::new();

        let shared = dir.join("shared");
        std::fs::write(&shared, "before").unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut clipboard = Clipboard::with_file(Mode::Auto, shared.clone());
        let error = clipboard.copy("eyJ.secret.x", &mut terminal).unwrap_err();
        assert!(error.contains("mode 0644"), "{error}");
        assert_eq!(std::fs::read_to_string(&shared).unwrap(), "before");

        let target = dir.join("target");
        std::fs::write(&target, "").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
        let link = dir.join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let mut clipboard = Clipboard::with_file(Mode::Auto, link.clone());
        assert!(clipboard.copy("eyJ.secret.x", &mut terminal).is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "");
        assert!(clipboard.read().is_err(), "a link is not read either");

        let private = dir.join("private");
        let mut clipboard = Clipboard::with_file(Mode::Auto, private.clone());
        assert_eq!(clipboard.copy("eyJ.a.b", &mut terminal), Ok(Via::File));
        assert_eq!(clipboard.read().unwrap(), "eyJ.a.b");
        std::fs::write(&private, vec![b'a'; FILE_READ_LIMIT + 1]).unwrap();
        let error = clipboard.read().unwrap_err();
        assert!(error.contains("more than"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn off_mode_copies_nothing() {
        let mut clipboard = Clipboard::new(Mode::Off, HEADLESS);
        let mut terminal = Vec::new();
        assert!(
            clipboard
                .copy("secret", &mut terminal)
                .unwrap_err()
                .contains("off")
        );
        assert!(terminal.is_empty());
        assert!(clipboard.read().is_err());
    }
}
