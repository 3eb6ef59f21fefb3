//! Computing a corpus matrix off the UI thread: the rule files are read and loaded afresh (they
//! may have just been edited), the corpus is streamed through `preview::matrix::evaluate` on
//! every core, and the grid goes back as `Msg::MatrixComputed`. Progress is reported at most
//! ten times a second; a computation superseded by a newer one stops reading and sends nothing.
//!
//! Public face: [`MatrixJob`], [`compute`] (synchronous, for the worker and for tests) and
//! [`start`] (on a thread of its own).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::matrix::{CorpusSpec, Grid};
use super::update::Msg;
use crate::preview::corpus;
use crate::preview::matrix::{Clock, PreviewInput, evaluate};
use crate::trust::Rule;

pub struct MatrixJob {
    pub generation: u64,
    pub spec: Arc<CorpusSpec>,
    pub now: i64,
}

const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Runs `job` on a new thread; it gives up as soon as a later job has been started.
pub fn start(job: MatrixJob, latest: &Arc<AtomicU64>, results: &Sender<Msg>) {
    let generation = job.generation;
    latest.store(generation, Ordering::SeqCst);
    let latest = Arc::clone(latest);
    let sender = results.clone();
    let spawned = std::thread::Builder::new()
        .name("claimcheck-matrix".into())
        .spawn(move || {
            super::worker::caught(|| {
                compute(
                    job,
                    &|| latest.load(Ordering::SeqCst) == generation,
                    &sender,
                )
            })
            .unwrap_or_else(|panic| {
                sender
                    .send(super::worker::matrix_failed(generation, &panic))
                    .is_ok()
            })
        });
    if let Err(error) = spawned {
        let _ = results.send(Msg::MatrixComputed {
            generation,
            result: Err(format!("cannot start the computation: {error}")),
        });
    }
}

/// Computes the grid and sends it (or why there is none). `current` says whether the result is
/// still wanted. False once the UI has gone away.
pub fn compute(job: MatrixJob, current: &(dyn Fn() -> bool + Sync), results: &Sender<Msg>) -> bool {
    let generation = job.generation;
    let result = grid(&job, current, &|read| {
        let _ = results.send(Msg::MatrixProgress { generation, read });
    });
    if !current() {
        return true;
    }
    results
        .send(Msg::MatrixComputed {
            generation,
            result: result.map(Box::new),
        })
        .is_ok()
}

fn grid(
    job: &MatrixJob,
    current: &(dyn Fn() -> bool + Sync),
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Grid, String> {
    let spec = &job.spec;
    let rules = load(&spec.current)?;
    let proposed = if spec.proposed.is_empty() {
        None
    } else {
        Some(load(&spec.proposed)?)
    };
    let entries = corpus::open(&spec.corpus).map_err(|e| e.to_string())?;
    let input = PreviewInput {
        current: &rules,
        proposed: proposed.as_deref(),
        clock: match spec.pinned_now {
            Some(at) => Clock::Pinned { at },
            None => Clock::EntryOwn { fallback: job.now },
        },
        group_by: spec.group_by.clone(),
        // The grid shows the first bad entry; the changes themselves are the cells.
        max_listed: 1,
        threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
        memoise: true,
    };
    let last = Mutex::new(Instant::now());
    let throttled = |read: usize| {
        if let Ok(mut last) = last.lock()
            && last.elapsed() >= PROGRESS_EVERY
        {
            *last = Instant::now();
            progress(read);
        }
    };
    let preview = evaluate(entries.take_while(|_| current()), &input, &throttled);
    Ok(Grid::from_preview(preview))
}

/// The rules of `[KIND:]FILE` arguments, merged as `claimcheck check --rules` merges them (an
/// AWS provider document joins the policies beside it).
fn load(args: &[String]) -> Result<Vec<Box<dyn Rule>>, String> {
    crate::app::rules::load(args, None).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::channel;

    use super::*;
    use crate::preview::group::GroupBy;

    fn job(rules: &str) -> MatrixJob {
        MatrixJob {
            generation: 7,
            spec: Arc::new(CorpusSpec {
                corpus: "/no/such/corpus".into(),
                current: vec![rules.into()],
                proposed: Vec::new(),
                group_by: GroupBy::FoldedSubject,
                pinned_now: None,
            }),
            now: 1_800_000_000,
        }
    }

    #[test]
    fn failures_come_back_as_messages_and_superseded_runs_send_nothing() {
        let (tx, rx) = channel();
        assert!(compute(job("/no/such/rules.json"), &|| true, &tx));
        match rx.try_recv() {
            Ok(Msg::MatrixComputed {
                generation: 7,
                result: Err(error),
            }) => assert!(error.contains("/no/such/rules.json"), "{error}"),
            _ => panic!("expected the failure of generation 7"),
        }
        assert!(compute(job("/no/such/rules.json"), &|| false, &tx));
        assert!(rx.try_recv().is_err(), "a superseded run sends nothing");
        drop(rx);
        assert!(
            !compute(job("/no/such/rules.json"), &|| true, &tx),
            "the UI is gone"
        );
    }
}
