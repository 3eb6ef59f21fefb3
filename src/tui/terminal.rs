//! Terminal hygiene, all in one place: raw mode and the alternate screen (ratatui), bracketed
//! paste on, mouse capture only when asked, and restoration on every way out (normal exit,
//! error, panic, signal; the guard's `Drop` covers the first two, the panic hook the third, and
//! the signal flag turns SIGTERM/SIGHUP/SIGINT into an orderly quit).

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use ratatui::DefaultTerminal;

static MOUSE_CAPTURED: AtomicBool = AtomicBool::new(false);

/// Owns the terminal while the UI runs; dropping it restores the terminal.
pub struct Session {
    pub terminal: DefaultTerminal,
}

impl Session {
    pub fn start(mouse: bool) -> io::Result<Session> {
        let terminal = ratatui::try_init()?;
        // From here on, dropping the session restores the terminal, also on the errors below.
        let session = Session { terminal };
        install_panic_hook();
        MOUSE_CAPTURED.store(mouse, Ordering::SeqCst);
        enable_extras()?;
        Ok(session)
    }

    /// Hands the terminal to another program (`$EDITOR`) and takes it back afterwards. The
    /// caller must have paused the input thread, or it would steal the editor's keys.
    pub fn suspended<T>(&mut self, run: impl FnOnce() -> T) -> io::Result<T> {
        restore();
        let result = run();
        crossterm::terminal::enable_raw_mode()?;
        execute!(io::stdout(), crossterm::terminal::EnterAlternateScreen)?;
        enable_extras()?;
        self.terminal.clear()?;
        Ok(result)
    }
}

fn enable_extras() -> io::Result<()> {
    let mut out = io::stdout();
    execute!(out, EnableBracketedPaste)?;
    if MOUSE_CAPTURED.load(Ordering::SeqCst) {
        execute!(out, EnableMouseCapture)?;
    }
    Ok(())
}

impl Drop for Session {
    fn drop(&mut self) {
        restore();
    }
}

/// Undoes everything `Session::start` did. Safe to call more than once.
pub fn restore() {
    let mut out = io::stdout();
    let _ = execute!(out, DisableBracketedPaste);
    if MOUSE_CAPTURED.load(Ordering::SeqCst) {
        let _ = execute!(out, DisableMouseCapture);
    }
    ratatui::restore();
    let _ = out.flush();
}

/// Restores the terminal before the panic message is printed, so it is readable. ratatui's own
/// hook (installed by `try_init`) does not know about bracketed paste or the mouse.
///
/// A panic the worker catches (it becomes a message in the UI) leaves the terminal alone. Any
/// other panic off the UI thread would leave a UI that waits forever for its input or its
/// results on a restored (so garbled) screen: after printing it, the process ends.
fn install_panic_hook() {
    let ui_thread = std::thread::current().id();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if super::worker::panic_is_caught() {
            return;
        }
        restore();
        previous(info);
        if std::thread::current().id() != ui_thread {
            std::process::exit(101);
        }
    }));
}

/// A flag raised by SIGTERM, SIGHUP and SIGINT; the input thread turns it into a quit.
pub fn termination_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    // A running token command is still stopped on these signals, but the process is left to
    // quit in order, restoring the terminal.
    crate::source::termination_is_handled_by_caller();
    #[cfg(unix)]
    for signal in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
    ] {
        let _ = signal_hook::flag::register(signal, Arc::clone(&flag));
    }
    flag
}
