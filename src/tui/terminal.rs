//! Terminal hygiene, all in one place: raw mode and the alternate screen (ratatui), bracketed
//! paste on, mouse capture only when asked, and restoration on every way out (normal exit,
//! error, panic, signal; the guard's `Drop` covers the first two, the panic hook the third, and
//! the watchdog turns SIGTERM/SIGHUP/SIGINT and a hung-up terminal into an orderly quit).

use std::io::{self, Write};
use std::mem::ManuallyDrop;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::thread;
use std::time::Duration;

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use ratatui::DefaultTerminal;

use super::hangup::TerminalWatch;
use super::update::Msg;

static MOUSE_CAPTURED: AtomicBool = AtomicBool::new(false);

/// Owns the terminal while the UI runs; dropping it restores the terminal.
pub struct Session {
    /// Never dropped: ratatui's `Terminal` shows the cursor when dropped and reports a failure
    /// with `eprintln!`, which panics when standard error is a terminal that went away (and
    /// the panic then skips stopping a running fetch command). [`restore`] shows the cursor
    /// instead; what the terminal holds is freed as the process ends, which it does next.
    pub terminal: ManuallyDrop<DefaultTerminal>,
}

impl Session {
    pub fn start(mouse: bool) -> io::Result<Session> {
        let terminal = ManuallyDrop::new(ratatui::try_init()?);
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

/// Stops the process as a shell stops a job on Ctrl-Z (the terminal is in raw mode, so the key
/// arrives as a key, not as the signal); returns when it is continued. Where nothing can
/// continue it (a process group without a shell, whose stop signals the kernel discards), it
/// returns at once.
pub fn stop_as_a_job() {
    #[cfg(unix)]
    // SAFETY: raise(3) with a valid signal number has no memory-safety preconditions.
    unsafe {
        libc::raise(libc::SIGTSTP);
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

/// Undoes everything `Session::start` did. Safe to call more than once, and on a terminal that
/// went away: each step is tried whatever the one before did, and nothing is printed.
/// (`ratatui::restore` prints its failure with `eprintln!`, which panics when standard error
/// is that dead terminal; inside the panic hook, which restores too, that aborted the process
/// before it had stopped a running fetch command or exited as SIGHUP asks.)
pub fn restore() {
    let mut out = io::stdout();
    let _ = execute!(out, DisableBracketedPaste);
    if MOUSE_CAPTURED.load(Ordering::SeqCst) {
        let _ = execute!(out, DisableMouseCapture);
    }
    let _ = crossterm::terminal::disable_raw_mode();
    let _ = execute!(
        out,
        crossterm::terminal::LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = out.flush();
}

/// Restores the terminal before the panic message is printed, so it is readable. ratatui's own
/// hook (installed by `try_init`) is replaced, not wrapped: it does not know about bracketed
/// paste or the mouse, and it restores with `ratatui::restore` (see [`restore`]).
///
/// A panic the worker catches (it becomes a message in the UI) or `trust::cel` catches (it
/// becomes a verdict) leaves the terminal alone. Any other panic off the UI thread would leave
/// a UI that waits forever for its input or its results on a restored (so garbled) screen:
/// after printing it, the process ends.
fn install_panic_hook() {
    let ui_thread = std::thread::current().id();
    // Taking ratatui's hook puts the default one back, which is then taken in turn.
    drop(std::panic::take_hook());
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // Caught where it happens and reported in the UI (the worker) or as a verdict (a CEL
        // expression the `cel` crate panics on, also on this thread while it evaluates rules).
        if super::worker::panic_is_caught() || crate::trust::cel::panic_is_guarded() {
            return;
        }
        restore();
        previous(info);
        if std::thread::current().id() != ui_thread {
            std::process::exit(101);
        }
    }));
}

/// The signal the process is ending for (0: none), so that it exits as that signal asks:
/// 128 + its number, as a shell reports a process the signal killed (SIGTERM 143, SIGHUP 129).
static ENDING_SIGNAL: AtomicI32 = AtomicI32::new(0);

/// How long the UI thread gets to quit in order before the watchdog ends the process itself.
const GRACE: Duration = Duration::from_millis(500);

/// How often the watchdog looks at the signals raised and at the terminal.
const WATCH_PERIOD: Duration = Duration::from_millis(100);

/// Watches for SIGTERM, SIGHUP and SIGINT and for the terminal hanging up, on a thread of its
/// own, so that neither depends on what the input thread is doing: it may be inside crossterm,
/// which spins on a terminal that went away in the middle of a read. The UI is told to quit;
/// if it has not ended within [`GRACE`], the watchdog restores the terminal and ends the
/// process itself.
pub fn watch_termination(tx: Sender<Msg>) {
    // A running token command is still stopped on these signals, but the process is left to
    // quit in order, restoring the terminal.
    crate::source::termination_is_handled_by_caller();
    let raised = Arc::new(AtomicUsize::new(0));
    #[cfg(unix)]
    for signal in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
    ] {
        if let Ok(number) = usize::try_from(signal) {
            let _ = signal_hook::flag::register_usize(signal, Arc::clone(&raised), number);
        }
    }
    let tty = TerminalWatch::controlling_terminal();
    let _ = thread::Builder::new()
        .name("claimcheck-watchdog".into())
        .spawn(move || {
            let signal = loop {
                let number = raised.load(Ordering::SeqCst);
                if number != 0 {
                    break i32::try_from(number).unwrap_or(SIGHUP);
                }
                match &tty {
                    Some(tty) if tty.hung_up(WATCH_PERIOD) => break SIGHUP,
                    Some(_) => {}
                    None => thread::sleep(WATCH_PERIOD),
                }
            };
            ending_for(signal);
            let _ = tx.send(Msg::Terminate);
            thread::sleep(GRACE);
            end_now(signal);
        });
}

#[cfg(unix)]
const SIGHUP: i32 = signal_hook::consts::SIGHUP;
#[cfg(not(unix))]
const SIGHUP: i32 = 1;

/// Records why the process is ending; the first reason stays.
fn ending_for(signal: i32) {
    let _ = ENDING_SIGNAL.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
}

/// The terminal hung up (seen by the input thread): the process ends as for SIGHUP.
pub fn hung_up() {
    ending_for(SIGHUP);
}

/// The UI did not quit in time: restore what can be restored (the restoring itself may block
/// on a terminal nobody reads, so it gets a bounded time) and exit.
fn end_now(signal: i32) -> ! {
    let (done, restored) = std::sync::mpsc::channel();
    let _ = thread::Builder::new()
        .name("claimcheck-restore".into())
        .spawn(move || {
            restore();
            let _ = done.send(());
        });
    let _ = restored.recv_timeout(Duration::from_millis(300));
    crate::source::stop_running_commands();
    std::process::exit(128 + signal);
}

/// Called once the terminal is restored: ends the process with the status of the signal it
/// was asked to end for, if any.
pub fn exit_if_signalled() {
    let signal = ENDING_SIGNAL.load(Ordering::SeqCst);
    if signal != 0 {
        std::process::exit(128 + signal);
    }
}
