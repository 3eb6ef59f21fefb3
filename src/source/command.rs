//! Running a token command: no shell, no terminal input, a time limit after which the command
//! and everything it started are killed, and bounded capture of its output. The output is never
//! echoed: standard output holds the token, and standard error is returned only for the
//! caller to show when the command failed.

use std::io::Read;
use std::path::Path;
use std::process::{Child, ChildStderr, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use super::SourceError;
use super::environment::Environment;

/// Standard error kept for display; the rest is read and dropped so the command never blocks.
const STDERR_LIMIT: usize = 16 * 1024;

/// How long to wait for output pipes after a kill, in case something outside the process
/// group still holds them open.
const AFTER_KILL_GRACE: Duration = Duration::from_secs(1);

/// Lets another thread stop a fetch under way (the TUI's cancel key): a running command is
/// killed at once, with everything it started; an HTTP request is abandoned when it returns.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Two handles are equal when they cancel the same fetch.
impl PartialEq for Cancel {
    fn eq(&self, other: &Cancel) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Cancel {}

/// What a command may use: time, output size, and a way to be stopped early.
#[derive(Debug, Clone)]
pub struct Budget {
    pub timeout: Duration,
    pub stdout_limit: usize,
    pub cancel: Cancel,
}

/// What a command printed, for a command that exited successfully.
pub struct Output {
    /// May hold a token: never log it.
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output")
            .field(
                "stdout",
                &format_args!("<{} bytes, redacted>", self.stdout.len()),
            )
            .field("stderr", &self.stderr)
            .finish()
    }
}

/// Runs `program` with `args` and the environment `env` (and nothing else), and returns its
/// output when it exits with status 0 within the budget's timeout. `shown` is how the command is
/// named in messages. Standard output larger than the budget's limit is refused.
pub fn run(
    program: &Path,
    args: &[String],
    env: &Environment,
    budget: &Budget,
    shown: &str,
) -> Result<Output, SourceError> {
    if budget.cancel.is_cancelled() {
        return Err(SourceError::Cancelled);
    }
    let mut command = Command::new(program);
    command
        .args(args)
        .env_clear()
        .envs(env.os_vars())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own process group, so that a timeout kills what a wrapper script started too.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    // In its own group the command no longer gets the terminal's Ctrl-C; have the kernel kill
    // it when claimcheck dies instead, so that an interrupted fetch leaves nothing running.
    #[cfg(target_os = "linux")]
    // SAFETY: the closure runs between fork and exec and calls only prctl(2), which is
    // async-signal-safe and touches no memory of the parent.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut command, || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = command.spawn().map_err(|error| SourceError::Spawn {
        command: shown.to_owned(),
        error: error.to_string(),
    })?;

    let readers = Readers::start(&mut child, budget.stdout_limit);
    let deadline = Instant::now() + budget.timeout;
    let ended = wait_until(&mut child, deadline, &budget.cancel);
    let (stdout, stderr) = match ended {
        Ended::Exited(_) => readers.collect(deadline, &child),
        Ended::TimedOut | Ended::Cancelled => {
            kill_group(&mut child);
            readers.collect(Instant::now(), &child)
        }
    };
    let stderr = stderr
        .map(|c| c.into_text("standard error"))
        .unwrap_or_default();

    let status = match ended {
        Ended::Exited(status) => status,
        Ended::Cancelled => return Err(SourceError::Cancelled),
        Ended::TimedOut => {
            return Err(SourceError::TimedOut {
                command: shown.to_owned(),
                after: budget.timeout,
                stderr,
            });
        }
    };
    if !status.success() {
        return Err(SourceError::CommandFailed {
            command: shown.to_owned(),
            status: describe(status),
            stderr,
        });
    }
    let stdout = stdout.unwrap_or_default();
    if stdout.truncated {
        return Err(SourceError::TooLarge {
            what: format!("the output of `{shown}`"),
            limit: budget.stdout_limit,
        });
    }
    Ok(Output {
        stdout: String::from_utf8_lossy(&stdout.bytes).into_owned(),
        stderr,
    })
}

enum Ended {
    Exited(ExitStatus),
    TimedOut,
    Cancelled,
}

/// Polls rather than blocks, so that the deadline and a cancel hold however the child behaves.
fn wait_until(child: &mut Child, deadline: Instant, cancel: &Cancel) -> Ended {
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ended::Exited(status),
            Ok(None) => {}
            // The child cannot be waited for: treat it as hung, so that it is killed.
            Err(_) => return Ended::TimedOut,
        }
        if cancel.is_cancelled() {
            return Ended::Cancelled;
        }
        let now = Instant::now();
        if now >= deadline {
            return Ended::TimedOut;
        }
        thread::sleep((deadline - now).min(Duration::from_millis(10)));
    }
}

fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals the process group the child leads (it
        // was started with process_group(0)); it touches no memory.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn describe(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit status {code}");
    }
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        return format!("killed by signal {signal}");
    }
    status.to_string()
}

#[derive(Default)]
struct Captured {
    bytes: Vec<u8>,
    truncated: bool,
}

impl Captured {
    fn into_text(self, what: &str) -> String {
        let mut text = String::from_utf8_lossy(&self.bytes).into_owned();
        if self.truncated {
            text.push_str(&format!("\n[{what} cut at {} bytes]", self.bytes.len()));
        }
        text
    }
}

enum Stream {
    Stdout(Captured),
    Stderr(Captured),
}

/// Reader threads, one per pipe: a child blocks when a pipe is full, so both are drained
/// concurrently with the wait.
struct Readers {
    receiver: mpsc::Receiver<Stream>,
    pending: usize,
}

impl Readers {
    fn start(child: &mut Child, stdout_limit: usize) -> Readers {
        let (sender, receiver) = mpsc::channel();
        let mut pending = 0;
        if let Some(pipe) = child.stdout.take() {
            pending += 1;
            spawn_reader::<ChildStdout>(pipe, stdout_limit, sender.clone(), Stream::Stdout);
        }
        if let Some(pipe) = child.stderr.take() {
            pending += 1;
            spawn_reader::<ChildStderr>(pipe, STDERR_LIMIT, sender, Stream::Stderr);
        }
        Readers { receiver, pending }
    }

    /// Gathers both streams. A background process the command left behind may keep a pipe
    /// open: then wait until the deadline, kill the group and give up on the rest.
    fn collect(self, deadline: Instant, child: &Child) -> (Option<Captured>, Option<Captured>) {
        let (mut stdout, mut stderr) = (None, None);
        let mut killed = false;
        let mut wait_until = deadline;
        for _ in 0..self.pending {
            let remaining = wait_until.saturating_duration_since(Instant::now());
            let received = match self.receiver.recv_timeout(remaining) {
                Ok(stream) => Some(stream),
                Err(_) if !killed => {
                    killed = true;
                    signal_group(child);
                    wait_until = Instant::now() + AFTER_KILL_GRACE;
                    self.receiver.recv_timeout(AFTER_KILL_GRACE).ok()
                }
                Err(_) => None,
            };
            match received {
                Some(Stream::Stdout(captured)) => stdout = Some(captured),
                Some(Stream::Stderr(captured)) => stderr = Some(captured),
                None => break,
            }
        }
        (stdout, stderr)
    }
}

/// Kills what is left of the process group once the child itself has been reaped.
fn signal_group(child: &Child) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: as in kill_group; a process group id is not reused while any member lives.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    #[cfg(not(unix))]
    let _ = child;
}

fn spawn_reader<R: Read + Send + 'static>(
    mut pipe: R,
    limit: usize,
    sender: mpsc::Sender<Stream>,
    wrap: fn(Captured) -> Stream,
) {
    thread::spawn(move || {
        let mut captured = Captured::default();
        let mut buffer = [0u8; 8192];
        loop {
            match pipe.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = limit.saturating_sub(captured.bytes.len());
                    captured.bytes.extend_from_slice(&buffer[..n.min(room)]);
                    captured.truncated |= n > room;
                }
            }
        }
        let _ = sender.send(wrap(captured));
    });
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn budget(timeout: Duration) -> Budget {
        Budget {
            timeout,
            stdout_limit: 1024,
            cancel: Cancel::default(),
        }
    }

    fn sh_with(script: &str, budget: &Budget) -> Result<Output, SourceError> {
        let env = Environment::from_vars([("PATH", "/usr/bin:/bin"), ("GREETING", "hello")]);
        run(
            Path::new("/bin/sh"),
            &["-c".to_owned(), script.to_owned()],
            &env,
            budget,
            "test script",
        )
    }

    fn sh(script: &str, timeout: Duration) -> Result<Output, SourceError> {
        sh_with(script, &budget(timeout))
    }

    #[test]
    fn output_and_environment_reach_the_caller() {
        let output = sh("echo \"$GREETING\"; echo warn >&2", Duration::from_secs(10)).unwrap();
        assert_eq!(output.stdout, "hello\n");
        assert_eq!(output.stderr, "warn\n");
    }

    #[test]
    fn a_failure_keeps_stderr_and_the_status() {
        let error = sh("echo 'no session' >&2; exit 4", Duration::from_secs(10)).unwrap_err();
        assert!(matches!(
            &error,
            SourceError::CommandFailed { status, .. } if status == "exit status 4"
        ));
        assert_eq!(error.stderr(), Some("no session\n"));
    }

    #[test]
    fn a_hanging_command_and_its_children_are_killed_at_the_deadline() {
        let started = Instant::now();
        let error = sh(
            "echo started >&2; sleep 30 & sleep 30",
            Duration::from_millis(300),
        )
        .unwrap_err();
        assert!(matches!(error, SourceError::TimedOut { .. }), "{error}");
        assert_eq!(error.stderr(), Some("started\n"));
        // Bounded, not timed: the sleeps would hold the pipes for 30 s if they survived.
        assert!(started.elapsed() < Duration::from_secs(25));
    }

    #[test]
    fn too_much_output_is_refused_and_stderr_is_cut() {
        let error = sh("head -c 5000 /dev/zero", Duration::from_secs(10)).unwrap_err();
        assert!(matches!(error, SourceError::TooLarge { limit: 1024, .. }));
        let error = sh(
            "head -c 40000 /dev/zero | tr '\\0' x >&2; exit 1",
            Duration::from_secs(10),
        )
        .unwrap_err();
        let stderr = error.stderr().unwrap();
        assert!(stderr.ends_with(&format!("[standard error cut at {STDERR_LIMIT} bytes]")));
    }

    #[test]
    fn a_missing_program_is_a_spawn_error() {
        let error = run(
            Path::new("/nonexistent/tool"),
            &[],
            &Environment::default(),
            &budget(Duration::from_secs(1)),
            "tool",
        )
        .unwrap_err();
        assert!(matches!(error, SourceError::Spawn { .. }));
    }

    #[test]
    fn a_cancel_from_another_thread_stops_the_running_command() {
        let marker = std::env::temp_dir().join(format!("claimcheck-cancel-{}", std::process::id()));
        let _ = std::fs::remove_file(&marker);
        let budget = budget(Duration::from_secs(60));
        let canceller = budget.cancel.clone();
        assert_eq!(canceller, budget.cancel);
        assert_ne!(canceller, Cancel::default());
        let script = format!("touch '{}'; sleep 30", marker.display());
        let handle = thread::spawn(move || sh_with(&script, &budget));
        // Cancel once the command is certainly running.
        for _ in 0..1000 {
            if marker.exists() {
                break;
            }
            thread::sleep(Duration::from_millis(10));
        }
        assert!(marker.exists(), "the command never started");
        canceller.cancel();
        let error = handle.join().unwrap().unwrap_err();
        assert!(matches!(error, SourceError::Cancelled), "{error}");
        std::fs::remove_file(&marker).unwrap();
    }
}
