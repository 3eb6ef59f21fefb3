//! The input thread: terminal events and clock ticks, sent as `Msg`s over the one channel.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::thread;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event};

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

pub fn spawn(tx: Sender<Msg>, clock: Clock, terminate: Arc<AtomicBool>, pause: Arc<Pause>) {
    thread::Builder::new()
        .name("claimcheck-input".into())
        .spawn(move || {
            let mut next_tick = Instant::now() + TICK;
            loop {
                if terminate.load(Ordering::SeqCst) {
                    let _ = tx.send(Msg::Terminate);
                    return;
                }
                if pause.requested.load(Ordering::SeqCst) {
                    pause.idle.store(true, Ordering::SeqCst);
                    thread::sleep(Duration::from_millis(20));
                    continue;
                }
                pause.idle.store(false, Ordering::SeqCst);
                let wait = next_tick.saturating_duration_since(Instant::now());
                let msg = match event::poll(wait) {
                    Ok(true) => match event::read() {
                        Ok(Event::Key(key)) => Some(Msg::Key(key)),
                        Ok(Event::Paste(text)) => Some(Msg::Paste(text)),
                        Ok(Event::Mouse(mouse)) => Some(Msg::Mouse(mouse)),
                        Ok(Event::Resize(w, h)) => Some(Msg::Resize(w, h)),
                        Ok(_) => None,
                        Err(_) => Some(Msg::Terminate),
                    },
                    Ok(false) => None,
                    Err(_) => Some(Msg::Terminate),
                };
                if let Some(msg) = msg
                    && tx.send(msg).is_err()
                {
                    return;
                }
                if Instant::now() >= next_tick {
                    next_tick = Instant::now() + TICK;
                    if tx.send(Msg::Tick(clock.now())).is_err() {
                        return;
                    }
                }
            }
        })
        .expect("spawning the input thread");
}
