//! `--copy` for one-shot commands: the copy must outlive the process, so it goes through the
//! terminal (OSC 52, held by the terminal emulator) or the system clipboard served until
//! another program takes the selection over.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use crate::clipboard::{Clipboard, Environment, FILE_VAR, Mode};

/// How long a one-shot command keeps serving the system clipboard at most.
const SERVE_FOR: Duration = Duration::from_secs(30);

/// Copies `compact` and says on stderr how (or why not); returns whether it was copied. A
/// failed copy makes `decode --copy` and `fetch --copy` exit with 3.
pub fn copy_raw_token(compact: &str) -> bool {
    let (mut clipboard, mut terminal) = clipboard_and_terminal();
    if clipboard.would_serve_system() {
        eprintln!(
            "claimcheck: serving the clipboard until something else is copied (at most {} s; Ctrl-C stops)",
            SERVE_FOR.as_secs()
        );
    }
    match clipboard.copy_and_serve(compact, &mut *terminal, Instant::now() + SERVE_FOR) {
        Ok(via) => {
            eprintln!("claimcheck: copied the raw token via {via}");
            true
        }
        Err(error) => {
            eprintln!("claimcheck: not copied: {error}");
            false
        }
    }
}

/// The clipboard service for a one-shot command, and where its OSC 52 goes.
fn clipboard_and_terminal() -> (Clipboard, Box<dyn Write>) {
    if std::env::var_os(FILE_VAR).is_some_and(|path| !path.is_empty()) {
        return (
            Clipboard::for_process(Mode::Auto),
            Box::new(std::io::sink()),
        );
    }
    // OSC 52 must reach the terminal even when stdout is piped: stderr if it is one, else the
    // controlling terminal.
    let terminal: Option<Box<dyn Write>> = if std::io::stderr().is_terminal() {
        Some(Box::new(std::io::stderr()))
    } else {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/tty")
            .ok()
            .map(|tty| Box::new(tty) as Box<dyn Write>)
    };
    match terminal {
        Some(terminal) => (Clipboard::new(Mode::Auto, Environment::detect()), terminal),
        None => (
            Clipboard::new(Mode::System, Environment::detect()),
            Box::new(std::io::sink()),
        ),
    }
}
