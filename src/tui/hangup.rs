//! Waiting for terminal input without handing crossterm a terminal that went away.
//!
//! When the terminal disappears (window closed, ssh dropped, tmux killed), crossterm 0.29's
//! reader spins forever: its read loop stops neither at end-of-file nor on `EIO`, so the
//! input thread never returns to notice SIGHUP, and the process lingers burning a core. The
//! input thread therefore waits on the terminal itself and calls crossterm only when there is
//! input and the terminal is still there.

use std::fs::File;
use std::time::Duration;

pub enum Ready {
    Input,
    Timeout,
    /// The terminal hung up: nothing more will ever be read from it.
    HungUp,
}

/// A terminal to wait on; only on Unix, where a hang-up can be seen.
pub struct TerminalWatch {
    tty: File,
}

impl TerminalWatch {
    /// The controlling terminal (`/dev/tty`, the one crossterm reads); `None` where it cannot
    /// be watched, and crossterm does the waiting as before.
    pub fn controlling_terminal() -> Option<TerminalWatch> {
        if cfg!(unix) {
            File::open("/dev/tty").ok().map(TerminalWatch::of)
        } else {
            None
        }
    }

    pub fn of(tty: File) -> TerminalWatch {
        TerminalWatch { tty }
    }

    /// Waits up to `timeout` for input or a hang-up.
    #[cfg(unix)]
    pub fn wait(&self, timeout: Duration) -> Ready {
        use std::os::fd::AsRawFd;
        let mut watched = libc::pollfd {
            fd: self.tty.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let millis = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        // SAFETY: one valid pollfd for the duration of the call; the fd stays open (owned by
        // `self.tty`).
        let ready = unsafe { libc::poll(&mut watched, 1, millis) };
        match ready {
            // EINTR (a signal, e.g. SIGWINCH or SIGHUP): the caller looks at its flags.
            n if n < 0 => Ready::Timeout,
            0 => Ready::Timeout,
            _ if watched.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 => {
                Ready::HungUp
            }
            _ => Ready::Input,
        }
    }

    /// Waits up to `timeout` for a hang-up only; pending input does not end the wait.
    #[cfg(unix)]
    pub fn hung_up(&self, timeout: Duration) -> bool {
        use std::os::fd::AsRawFd;
        // No events asked for: poll(2) still reports POLLHUP, POLLERR and POLLNVAL.
        let mut watched = libc::pollfd {
            fd: self.tty.as_raw_fd(),
            events: 0,
            revents: 0,
        };
        let millis = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        // SAFETY: as in `wait`.
        let ready = unsafe { libc::poll(&mut watched, 1, millis) };
        ready > 0 && watched.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
    }

    #[cfg(not(unix))]
    pub fn hung_up(&self, timeout: Duration) -> bool {
        std::thread::sleep(timeout);
        false
    }

    #[cfg(not(unix))]
    pub fn wait(&self, _timeout: Duration) -> Ready {
        Ready::Input
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::io::Write;
    use std::os::fd::FromRawFd;

    use super::*;

    fn pipe() -> (File, File) {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors pipe() writes.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        // SAFETY: both descriptors were just created and are owned by nothing else.
        unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) }
    }

    #[test]
    fn input_timeout_and_hang_up_are_told_apart() {
        let (read, mut write) = pipe();
        let watch = TerminalWatch::of(read);
        assert!(matches!(
            watch.wait(Duration::from_millis(1)),
            Ready::Timeout
        ));
        write.write_all(b"x").unwrap();
        assert!(matches!(watch.wait(Duration::from_secs(5)), Ready::Input));
        assert!(
            !watch.hung_up(Duration::from_millis(1)),
            "input is not a hang-up"
        );
        drop(write);
        // The byte is still unread, yet the other end is gone: a pipe reports both, and the
        // hang-up wins, as for a terminal that was closed.
        assert!(matches!(watch.wait(Duration::from_secs(5)), Ready::HungUp));
        assert!(watch.hung_up(Duration::from_secs(5)));
    }
}
