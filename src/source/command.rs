//! Running a token command: no shell, no terminal input, a time limit, and bounded capture of
//! its output. The output is never echoed: standard output holds the token, and standard error
//! is returned only for the caller to show when the command failed.
//!
//! Nothing the command starts may outlive it. The command leads a process group of its own,
//! and however the run ends (success, failure, timeout, cancel) the whole group is killed once
//! the output has been read. On Linux claimcheck is also a child subreaper
//! (`prctl(PR_SET_CHILD_SUBREAPER)`, see prctl(2)), so a descendant that left the group
//! (`setsid`, a daemonizing double fork) is re-parented to claimcheck when its parent dies; it
//! is then recognised by a variable only that run's environment carries
//! ([`RUN_MARKER_VAR`]) and killed too, and so are its own descendants in turn. SIGINT, SIGTERM
//! and SIGHUP kill every running command's group and marked orphans before claimcheck ends
//! (the TUI quits in order instead, and stops its running fetch on the way out); if claimcheck
//! is killed outright (SIGKILL), the kernel kills the command itself (`PR_SET_PDEATHSIG`), but
//! not what it started.
//!
//! Not caught: a descendant that both leaves the process group and clears or replaces its
//! environment (it carries no marker); one whose parent is still alive outside the group when
//! the run ends, until that parent dies (it is looked for again after each kill, a bounded
//! number of times); anything another service starts on the command's behalf (`systemd-run`,
//! `at`, D-Bus activation, an already running agent); and, on Unix systems other than Linux,
//! everything that leaves the process group.

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

/// How long a background process the command left behind may keep its output pipes open
/// after the command exited, before it is killed and the output taken as it is.
const AFTER_EXIT_GRACE: Duration = Duration::from_secs(2);

/// The variable that marks every process of one run (the command's descendants inherit it),
/// so that orphans re-parented to claimcheck are told apart from anything else's.
pub const RUN_MARKER_VAR: &str = "CLAIMCHECK_RUN";

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
    cleanup::prepare();
    let marker_number = cleanup::new_marker();
    let marker = cleanup::marker_text(marker_number);
    let mut command = Command::new(program);
    command
        .args(args)
        .env_clear()
        .envs(env.os_vars())
        .env(RUN_MARKER_VAR, &marker)
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

    let running = cleanup::Running::register(child.id(), marker_number);
    let readers = Readers::start(&mut child, budget.stdout_limit);
    let deadline = Instant::now() + budget.timeout;
    let ended = wait_until(&mut child, deadline, &budget.cancel);
    let (stdout, stderr) = match ended {
        Ended::Exited(_) => {
            readers.collect(deadline.min(Instant::now() + AFTER_EXIT_GRACE), &child)
        }
        Ended::TimedOut | Ended::Cancelled => {
            kill_group(&mut child);
            readers.collect(Instant::now(), &child)
        }
    };
    // Every way out: what the command left running in its group, and the orphans of this run.
    // The run stays registered until its orphans are gone, so that a termination signal
    // arriving meanwhile still finds them.
    signal_group(&child);
    cleanup::end_orphans(&marker);
    drop(running);
    cleanup::wait_if_terminating();
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

/// Ends every command running now, with its process group and the orphans of its run: for
/// the TUI when it quits with a fetch under way, and for the termination signals.
pub fn stop_running_commands() {
    cleanup::stop_all();
}

/// Says that the caller turns SIGINT, SIGTERM and SIGHUP into an orderly exit of its own (the
/// TUI): the commands are still stopped on those signals, but the process is not ended.
pub fn termination_is_handled_by_caller() {
    cleanup::TERMINATION_HANDLED.store(true, Ordering::SeqCst);
}

/// Bookkeeping of the running commands, so that they can be ended from a signal, and the
/// search for orphans.
mod cleanup {
    use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};

    /// Process groups of the commands running now (0: a free slot). Slots rather than a
    /// locked set so that nothing can deadlock between a run and the signal thread.
    static RUNNING: [AtomicI32; 64] = [const { AtomicI32::new(0) }; 64];
    /// Markers of the runs under way, by the same slot.
    static MARKERS: [AtomicU64; 64] = [const { AtomicU64::new(0) }; 64];
    static NEXT_MARKER: AtomicU64 = AtomicU64::new(1);
    pub(super) static TERMINATION_HANDLED: AtomicBool = AtomicBool::new(false);
    /// Set by a termination signal that is to end the process.
    static TERMINATING: AtomicBool = AtomicBool::new(false);

    /// A run whose command a termination signal killed must not report that as the command's
    /// failure (and exit 3) before the signal thread ends the process as the signal would.
    pub(super) fn wait_if_terminating() {
        while TERMINATING.load(Ordering::SeqCst) {
            std::thread::park();
        }
    }

    /// A number for a new run's marker, unique in this process.
    pub(super) fn new_marker() -> u64 {
        NEXT_MARKER.fetch_add(1, Ordering::SeqCst)
    }

    /// The marker's value: unique across processes too, as claimcheck may run inside a command
    /// that another claimcheck runs.
    pub(super) fn marker_text(number: u64) -> String {
        format!("{}.{number}", std::process::id())
    }

    /// One running command's slot, freed on drop.
    pub(super) struct Running(Option<usize>);

    impl Running {
        pub(super) fn register(pid: u32, marker: u64) -> Running {
            let Ok(pid) = i32::try_from(pid) else {
                return Running(None);
            };
            let slot = RUNNING.iter().position(|slot| {
                slot.compare_exchange(0, pid, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
            });
            if let Some(slot) = slot {
                MARKERS[slot].store(marker, Ordering::SeqCst);
            }
            Running(slot)
        }
    }

    impl Drop for Running {
        fn drop(&mut self) {
            if let Some(slot) = self.0 {
                MARKERS[slot].store(0, Ordering::SeqCst);
                RUNNING[slot].store(0, Ordering::SeqCst);
            }
        }
    }

    /// Once per process, before the first command: become a subreaper, and stop the commands
    /// on the termination signals.
    pub(super) fn prepare() {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            #[cfg(target_os = "linux")]
            // SAFETY: prctl(2) with PR_SET_CHILD_SUBREAPER takes an integer and touches no
            // memory of ours.
            unsafe {
                libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1);
            }
            #[cfg(unix)]
            watch_signals();
        });
    }

    /// A thread, not a handler, receives the signals, because finding orphans reads /proc,
    /// which a signal handler must not do.
    #[cfg(unix)]
    fn watch_signals() {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        let _ = std::thread::Builder::new()
            .name("claimcheck-signals".into())
            .spawn(move || {
                for signal in signals.forever() {
                    let ending = !TERMINATION_HANDLED.load(Ordering::SeqCst);
                    TERMINATING.store(ending, Ordering::SeqCst);
                    stop_all();
                    if ending {
                        // Ends the process as the signal would have, exit status included.
                        let _ = signal_hook::low_level::emulate_default_handler(signal);
                    }
                }
            });
    }

    pub(super) fn stop_all() {
        for (slot, marker) in RUNNING.iter().zip(&MARKERS) {
            let pid = slot.load(Ordering::SeqCst);
            let number = marker.load(Ordering::SeqCst);
            if pid > 0 {
                #[cfg(unix)]
                // SAFETY: kill(2) on the command's process group; no memory is touched.
                unsafe {
                    libc::kill(-pid, libc::SIGKILL);
                }
                if number > 0 {
                    end_orphans(&marker_text(number));
                }
            }
        }
    }

    /// Kills the processes re-parented to claimcheck that carry `marker`, then looks again for
    /// the ones their deaths re-parent in turn, a bounded number of times.
    pub(super) fn end_orphans(marker: &str) {
        #[cfg(target_os = "linux")]
        {
            let wanted = format!("{}={marker}", super::RUN_MARKER_VAR);
            for _ in 0..20 {
                let orphans = linux::orphans(&wanted);
                if orphans.is_empty() {
                    break;
                }
                for &pid in &orphans {
                    // SAFETY: kill(2) on a process that is our child (so its pid cannot
                    // have been reused: it is not reaped yet), and on its group if it leads
                    // one; no memory is touched.
                    unsafe {
                        libc::kill(pid, libc::SIGKILL);
                        if libc::getpgid(pid) == pid {
                            libc::kill(-pid, libc::SIGKILL);
                        }
                    }
                }
                for &pid in &orphans {
                    linux::reap(pid);
                }
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = marker;
    }

    #[cfg(target_os = "linux")]
    mod linux {
        use std::time::{Duration, Instant};

        /// Our children that are not zombies and whose environment holds `wanted`
        /// (`NAME=VALUE`).
        pub(super) fn orphans(wanted: &str) -> Vec<libc::pid_t> {
            let me = std::process::id();
            let Ok(entries) = std::fs::read_dir("/proc") else {
                return Vec::new();
            };
            entries
                .filter_map(|entry| {
                    entry
                        .ok()?
                        .file_name()
                        .to_str()?
                        .parse::<libc::pid_t>()
                        .ok()
                })
                .filter(|&pid| {
                    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                        return false;
                    };
                    // "pid (comm) state ppid …"; comm may hold spaces and parentheses.
                    let Some((_, rest)) = stat.rsplit_once(") ") else {
                        return false;
                    };
                    let mut fields = rest.split_whitespace();
                    let state = fields.next();
                    let parent = fields.next().and_then(|p| p.parse::<u32>().ok());
                    parent == Some(me) && state != Some("Z") && has_variable(pid, wanted)
                })
                .collect()
        }

        fn has_variable(pid: libc::pid_t, wanted: &str) -> bool {
            std::fs::read(format!("/proc/{pid}/environ")).is_ok_and(|environ| {
                environ
                    .split(|&b| b == 0)
                    .any(|variable| variable == wanted.as_bytes())
            })
        }

        /// Waits a little for a killed orphan to die, and reaps it.
        pub(super) fn reap(pid: libc::pid_t) {
            let until = Instant::now() + Duration::from_secs(1);
            loop {
                let mut status = 0;
                // SAFETY: waitpid(2) on one pid that is our child, with a valid pointer to a
                // local status.
                let reaped = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
                if reaped != 0 || Instant::now() >= until {
                    return;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
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

    /// Whether the process `pid` is still running (not gone, not a zombie), polled for up to
    /// ten seconds until it is not.
    fn still_running_after_a_while(pid: &str) -> bool {
        for _ in 0..1000 {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let state = stat
                .rsplit_once(") ")
                .and_then(|(_, rest)| rest.chars().next());
            if matches!(state, None | Some('Z' | 'X')) {
                return false;
            }
            thread::sleep(Duration::from_millis(10));
        }
        true
    }

    fn pid_file(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("claimcheck-{name}-{}", std::process::id()))
    }

    fn read_pids(path: &std::path::Path) -> Vec<String> {
        let text = std::fs::read_to_string(path).unwrap();
        std::fs::remove_file(path).unwrap();
        text.split_whitespace().map(str::to_owned).collect()
    }

    /// A command that started a background process and exited successfully left it running.
    #[cfg(target_os = "linux")]
    #[test]
    fn what_a_successful_command_left_running_is_ended() {
        let pids = pid_file("bg-success");
        let script = format!(
            "sleep 60 >/dev/null 2>&1 & echo $! >> '{0}'; \
             setsid sh -c 'echo $$ >> \"{0}\"; exec sleep 60' >/dev/null 2>&1 & \
             while [ $(wc -l < '{0}') -lt 2 ]; do sleep 0.01; done; echo token",
            pids.display()
        );
        let output = sh(&script, Duration::from_secs(20)).unwrap();
        assert_eq!(output.stdout, "token\n");
        for pid in read_pids(&pids) {
            assert!(
                !still_running_after_a_while(&pid),
                "{pid} outlived the command"
            );
        }
    }

    /// `setsid` put a process out of the group's reach, so the timeout did not kill it.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_setsid_descendant_is_ended_at_the_timeout() {
        let pids = pid_file("setsid-timeout");
        let script = format!(
            "setsid sh -c 'echo $$ >> \"{0}\"; sleep 60 & echo $! >> \"{0}\"; wait' >/dev/null 2>&1 & sleep 60",
            pids.display()
        );
        let started = Instant::now();
        let budget = budget(Duration::from_millis(500));
        let error = sh_with(&script, &budget).unwrap_err();
        assert!(matches!(error, SourceError::TimedOut { .. }), "{error}");
        let pids = read_pids(&pids);
        assert_eq!(pids.len(), 2, "{pids:?}");
        for pid in pids {
            assert!(
                !still_running_after_a_while(&pid),
                "{pid} outlived the timeout"
            );
        }
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
