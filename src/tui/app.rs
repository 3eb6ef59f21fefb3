//! The runtime: owns the terminal, the channel, the worker and the clipboard; feeds `Msg`s to
//! `update`, draws with `view`, and carries out the `Cmd`s that `update` returns.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Instant;

use super::engine::Engine;
use super::events::{self, Clock, Pause};
use super::model::Model;
use super::terminal::{Session, exit_if_signalled, watch_termination};
use super::update::{Cmd, Msg, update};
use super::view::view;
use super::worker::{self, Job};
use super::{editor, watch};
use crate::clipboard::Clipboard;

pub struct Runtime {
    pub model: Model,
    pub initial: Option<Cmd>,
    pub engine: Arc<dyn Engine>,
    pub clipboard: Clipboard,
    pub clock: Clock,
    pub mouse: bool,
    pub rule_paths: Vec<PathBuf>,
    /// When the process started, to report the time to the first frame.
    pub started: Instant,
}

/// Runs the UI until the user quits. The terminal is restored on every way out.
pub fn run(runtime: Runtime) -> io::Result<()> {
    let Runtime {
        mut model,
        initial,
        engine,
        mut clipboard,
        clock,
        mouse,
        rule_paths,
        started,
    } = runtime;
    let (tx, rx): (Sender<Msg>, Receiver<Msg>) = channel();
    let jobs = worker::spawn(engine, tx.clone());
    let mut watchers: Vec<notify::RecommendedWatcher> =
        watch::watch(&rule_paths, tx.clone()).into_iter().collect();

    let mut session = Session::start(mouse)?;
    // Draws and feeds messages to `update` until the user quits; gives the time to the first
    // frame.
    let run_session = || -> io::Result<std::time::Duration> {
        let size = session.terminal.size()?;
        update(&mut model, Msg::Resize(size.width, size.height));
        session.terminal.draw(|frame| view(&model, frame))?;
        let first_frame = started.elapsed();
        let pause = Arc::new(Pause::default());
        watch_termination(tx.clone());
        events::spawn(tx.clone(), clock, Arc::clone(&pause));
        let mut effects = Effects {
            session: &mut session,
            clipboard: &mut clipboard,
            jobs: &jobs,
            tx: &tx,
            pause: &pause,
            watchers: &mut watchers,
        };

        let mut pending = initial;
        loop {
            if let Some(cmd) = pending.take() {
                execute(cmd, &mut model, &mut effects)?;
            }
            if model.quit {
                return Ok(first_frame);
            }
            effects.session.terminal.draw(|frame| view(&model, frame))?;
            let Ok(msg) = rx.recv() else {
                return Ok(first_frame);
            };
            pending = update(&mut model, msg);
            // Drain what queued up meanwhile (a burst of ticks or keys) before drawing again.
            while pending.is_none() && !model.quit {
                match rx.try_recv() {
                    Ok(msg) => pending = update(&mut model, msg),
                    Err(_) => break,
                }
            }
        }
    };
    let result = run_session();
    drop(session);
    // Every way out, an error included (drawing on a terminal that went away fails): a fetch
    // still under way would leave its command (and what it started) running.
    crate::source::stop_running_commands();
    // SIGTERM, SIGHUP, SIGINT or a hung-up terminal: exit as the signal asks, now that the
    // terminal is restored.
    exit_if_signalled();
    let first_frame = result?;
    if std::env::var_os("CLAIMCHECK_REPORT_FIRST_FRAME").is_some() {
        eprintln!(
            "first frame after {:.1} ms",
            first_frame.as_secs_f64() * 1000.0
        );
    }
    Ok(())
}

/// What carrying out commands needs besides the model.
struct Effects<'a> {
    session: &'a mut Session,
    clipboard: &'a mut Clipboard,
    jobs: &'a Sender<Job>,
    tx: &'a Sender<Msg>,
    pause: &'a Pause,
    /// One per batch of watched rule files (those given at start, then each added in the view).
    watchers: &'a mut Vec<notify::RecommendedWatcher>,
}

impl Effects<'_> {
    /// Runs `run` with the terminal handed over to another program.
    fn suspended<T>(&mut self, run: impl FnOnce() -> T) -> io::Result<T> {
        self.pause.pause();
        let result = self.session.suspended(run);
        self.pause.resume();
        result
    }
}

fn execute(cmd: Cmd, model: &mut Model, fx: &mut Effects) -> io::Result<()> {
    let follow_up = match cmd {
        Cmd::Batch(cmds) => {
            for cmd in cmds {
                execute(cmd, model, fx)?;
            }
            None
        }
        Cmd::Quit => {
            model.quit = true;
            None
        }
        Cmd::Copy { text, what } => {
            let result = fx.clipboard.copy(&text, &mut io::stdout());
            update(model, Msg::Copied { what, result })
        }
        Cmd::ClearClipboard => {
            // Overwriting with nothing; the system clipboard may hold something newer by now,
            // which is the user's and is left alone only when we cannot tell (OSC 52).
            let _ = fx.clipboard.copy("", &mut io::stdout());
            None
        }
        Cmd::ReadClipboard => {
            let text = fx.clipboard.read();
            update(model, Msg::ClipboardText(text))
        }
        Cmd::Verify {
            entry_id,
            generation,
            token,
        } => {
            let _ = fx.jobs.send(Job::Verify {
                entry_id,
                generation,
                token,
            });
            None
        }
        Cmd::LoadRules(paths) => {
            let _ = fx.jobs.send(Job::LoadRules(paths));
            None
        }
        Cmd::DetectSources => {
            let _ = fx.jobs.send(Job::DetectSources);
            None
        }
        Cmd::Fetch(request) => {
            let _ = fx.jobs.send(Job::Fetch(request));
            None
        }
        Cmd::ComputeMatrix {
            generation,
            spec,
            now,
        } => {
            let _ = fx.jobs.send(Job::Matrix(super::matrix_job::MatrixJob {
                generation,
                spec,
                now,
            }));
            None
        }
        Cmd::ComputeRegions(job) => {
            let _ = fx.jobs.send(Job::Regions(job));
            None
        }
        Cmd::GiveKey { issuer, text } => {
            let _ = fx.jobs.send(Job::GiveKey { issuer, text });
            None
        }
        Cmd::WatchRuleFile(path) => {
            fx.watchers
                .extend(watch::watch(std::slice::from_ref(&path), fx.tx.clone()));
            None
        }
        Cmd::CompletePath(typed) => update(
            model,
            Msg::PathCompleted(super::inputs::complete_path(&typed)),
        ),
        Cmd::ReadSample {
            corpus,
            location,
            rule,
        } => {
            let _ = fx.jobs.send(Job::ReadSample {
                corpus,
                location,
                rule,
            });
            None
        }
        Cmd::EditClaimsExternally(json) => {
            let edited = fx.suspended(|| editor::edit_text(&json))?;
            update(model, Msg::ClaimsEdited(edited))
        }
        Cmd::Suspend => {
            fx.suspended(super::terminal::stop_as_a_job)?;
            None
        }
        Cmd::OpenInEditor(path) => {
            let result = fx.suspended(|| editor::edit(&path))?;
            // The watcher will also notice; reloading here covers platforms without one.
            let _ = fx.tx.send(Msg::RuleFileChanged(path));
            update(model, Msg::EditorClosed(result))
        }
    };
    match follow_up {
        Some(cmd) => execute(cmd, model, fx),
        None => Ok(()),
    }
}
