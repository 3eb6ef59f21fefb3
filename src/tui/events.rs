//! The input thread: terminal events and clock ticks, sent as `Msg`s over the one channel.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::thread;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event};

use super::hangup::{Ready, TerminalWatch};
use super::update::Msg;

/// How often the clock ticks (the spinner turns at this rate; relative times per second).
const TICK: Duration = Duration::from_millis(250);

/// Where "now" comes from: the clock, or a fixed instant (`--now`).
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    System,
    Frozen(i64),
}

impl Clock {
    pub fn now(self) -> i64 {
        match self {
            Clock::System => chrono::Utc::now().timestamp(),
            Clock::Frozen(at) => at,
        }
    }
}

/// Stops the input thread from reading the terminal while another program (`$EDITOR`) owns
/// it; otherwise the thread would steal that program's keystrokes.
#[derive(Default)]
pub struct Pause {
    requested: AtomicBool,
    /// Set by the input thread once it is no longer reading.
    idle: AtomicBool,
}

impl Pause {
    /// Pauses reading and waits until the input thread has stopped (at most one poll period).
    pub fn pause(&self) {
        self.requested.store(true, Ordering::SeqCst);
        let give_up = Instant::now() + TICK * 4;
        while !self.idle.load(Ordering::SeqCst) && Instant::now() < give_up {
            thread::sleep(Duration::from_millis(5));
        }
    }

    pub fn resume(&self) {
        self.requested.store(false, Ordering::SeqCst);
    }
}

pub fn spawn(tx: Sender<Msg>, clock: Clock, pause: Arc<Pause>) {
    thread::Builder::new()
        .name("claimcheck-input".into())
        .spawn(move || read_terminal(&tx, clock, &pause))
        .expect("spawning the input thread");
}

fn read_terminal(tx: &Sender<Msg>, clock: Clock, pause: &Pause) {
    let terminal = TerminalWatch::controlling_terminal();
    let resized = resize_flag();
    let mut next_tick = Instant::now() + TICK;
    loop {
        if pause.requested.load(Ordering::SeqCst) {
            pause.idle.store(true, Ordering::SeqCst);
            thread::sleep(Duration::from_millis(20));
            continue;
        }
        pause.idle.store(false, Ordering::SeqCst);
        let wait = next_tick.saturating_duration_since(Instant::now());
        let msgs = match &terminal {
            None => next_event(wait).map(|msg| msg.into_iter().collect()),
            Some(terminal) => match terminal.wait(wait) {
                Ready::HungUp => Err(()),
                // The bytes are waiting, so crossterm does not block (or spin) here; one read
                // may hold several events, and crossterm hands them out one by one.
                Ready::Input => waiting_events(),
                Ready::Timeout if resized.swap(false, Ordering::SeqCst) => resize_events(),
                Ready::Timeout => Ok(Vec::new()),
            },
        };
        let Ok(msgs) = msgs else {
            // The terminal is gone or unreadable: quit rather than poll it forever.
            super::terminal::hung_up();
            let _ = tx.send(Msg::Terminate);
            return;
        };
        for msg in msgs {
            if tx.send(msg).is_err() {
                return;
            }
        }
        if Instant::now() >= next_tick {
            next_tick = Instant::now() + TICK;
            if tx.send(Msg::Tick(clock.now())).is_err() {
                return;
            }
        }
    }
}

/// Every event crossterm can hand out without waiting.
fn waiting_events() -> Result<Vec<Msg>, ()> {
    let mut msgs = Vec::new();
    while event::poll(Duration::ZERO).map_err(|_| ())? {
        msgs.extend(message_of(event::read().map_err(|_| ())?));
    }
    Ok(msgs)
}

/// After a SIGWINCH: crossterm's own signal pipe must be drained now. Left pending, it is
/// reported by crossterm's (edge-triggered) poll together with the next key, and crossterm
/// returns the resize and drops the key's readiness: the key then waits in the terminal until
/// another one arrives.
fn resize_events() -> Result<Vec<Msg>, ()> {
    let mut msgs = waiting_events()?;
    if !msgs.iter().any(|msg| matches!(msg, Msg::Resize(..))) {
        msgs.extend(
            crossterm::terminal::size()
                .ok()
                .map(|(w, h)| Msg::Resize(w, h)),
        );
    }
    Ok(msgs)
}

/// The next terminal event within `wait`, if any; `Err` when the terminal cannot be read.
fn next_event(wait: Duration) -> Result<Option<Msg>, ()> {
    if !event::poll(wait).map_err(|_| ())? {
        return Ok(None);
    }
    Ok(message_of(event::read().map_err(|_| ())?))
}

fn message_of(event: Event) -> Option<Msg> {
    match event {
        Event::Key(key) => Some(Msg::Key(key)),
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Mouse(mouse) => Some(Msg::Mouse(mouse)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        _ => None,
    }
}

/// Raised on SIGWINCH: crossterm reports resizes only from inside its own wait, which the
/// watched loop enters only when there is input.
fn resize_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    #[cfg(unix)]
    let _ = signal_hook::flag::register(signal_hook::consts::SIGWINCH, Arc::clone(&flag));
    flag
}
