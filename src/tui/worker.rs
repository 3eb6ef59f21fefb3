//! The worker thread: slow work (verifying signatures, which may fetch keys; reading and parsing
//! rule files; fetching tokens, on threads of their own) off the UI thread. Results go back as `Msg`s carrying the generation they were
//! asked with, so `update` drops stale ones.
//!
//! A job that panics must not take the process down (nor leave the UI waiting): each runs under
//! [`caught`], and its panic comes back as the job's failure, shown in the status line or
//! beside what the job was for.

use std::any::Any;
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread;

use super::engine::Engine;
use super::fetch_menu::FetchRequest;
use super::update::Msg;
use crate::report::SignatureReport;
use crate::source::{self, Environment, FetchOptions};
use crate::token::Token;

pub enum Job {
    Verify {
        entry_id: u64,
        generation: u64,
        token: Box<Token>,
    },
    LoadRules(Vec<PathBuf>),
    /// Look for the sources the process's environment offers.
    DetectSources,
    /// Fetch a token. It runs on a thread of its own, so that a slow command (up to its
    /// timeout) holds up neither verifications nor rule loading, and Esc can cancel it.
    Fetch(FetchRequest),
    /// Evaluate a corpus matrix. `spawn` runs it on a thread of its own, so that a long
    /// computation neither delays verifications nor outlives its supersession.
    Matrix(super::matrix_job::MatrixJob),
    /// A key given in the view; queued before the verifications it calls for.
    GiveKey {
        issuer: Option<String>,
        text: String,
    },
    ReadSample {
        corpus: String,
        location: crate::preview::corpus::Location,
        rule: crate::trust::RuleId,
    },
    /// Analyse rules for the Regions list, on a thread of its own like a matrix.
    Regions(super::regions_job::RegionsJob),
}

pub fn spawn(engine: Arc<dyn Engine>, results: Sender<Msg>) -> Sender<Job> {
    let (jobs, inbox): (Sender<Job>, Receiver<Job>) = channel();
    thread::Builder::new()
        .name("claimcheck-worker".into())
        .spawn(move || {
            let latest = Arc::new(std::sync::atomic::AtomicU64::new(0));
            let latest_regions = Arc::new(std::sync::atomic::AtomicU64::new(0));
            for job in inbox {
                if let Job::Matrix(job) = job {
                    super::matrix_job::start(job, &latest, &results);
                    continue;
                }
                if let Job::Regions(mut job) = job {
                    // The model names the view's rule files by path; the analysis reads them
                    // afresh, with the kind they were given (`--rules vault:role.json`).
                    job.read_as(|path| engine.rule_argument(path));
                    super::regions_job::start(job, &latest_regions, &results);
                    continue;
                }
                if !run(engine.as_ref(), job, &results) {
                    return;
                }
            }
        })
        .expect("spawning the worker thread");
    jobs
}

/// Runs one job; false once the UI has gone away.
pub fn run(engine: &dyn Engine, job: Job, results: &Sender<Msg>) -> bool {
    match job {
        Job::Verify {
            entry_id,
            generation,
            token,
        } => {
            let report = caught(|| engine.verify(&token)).unwrap_or_else(|panic| {
                SignatureReport::not_checked(format!(
                    "claimcheck failed while verifying (an internal error: {panic})"
                ))
            });
            results
                .send(Msg::Verified {
                    entry_id,
                    generation,
                    report,
                })
                .is_ok()
        }
        Job::GiveKey { issuer, text } => {
            let result = caught(|| engine.give_key(issuer.as_deref(), &text))
                .unwrap_or_else(|panic| Err(format!("an internal error: {panic}")));
            results.send(Msg::KeyGiven { issuer, result }).is_ok()
        }
        Job::DetectSources => {
            let results = results.clone();
            spawn_side_thread("claimcheck-detect", move || {
                // Nothing to offer is what a failed detection can honestly show.
                let detected =
                    caught(|| source::detect(&Environment::from_process())).unwrap_or_default();
                let _ = results.send(Msg::SourcesDetected(detected));
            })
        }
        Job::Fetch(request) => {
            let results = results.clone();
            spawn_side_thread("claimcheck-fetch", move || {
                let generation = request.generation;
                let msg = caught(|| fetch(request, &Environment::from_process())).unwrap_or_else(
                    |panic| Msg::Fetched {
                        generation,
                        result: Err(source::SourceError::Internal(panic)),
                    },
                );
                let _ = results.send(msg);
            })
        }
        Job::LoadRules(paths) => paths.into_iter().all(|path| {
            let joined_before = engine.joins_others(&path);
            let msg = match read_rule_file(&path) {
                Ok(text) => match caught(|| engine.load_rules(&path, &text)) {
                    Ok(result) => Msg::RulesLoaded {
                        result,
                        path: path.clone(),
                    },
                    Err(panic) => Msg::RuleFileUnreadable {
                        path: path.clone(),
                        error: format!("claimcheck failed reading it (an internal error: {panic})"),
                    },
                },
                Err(error) => Msg::RuleFileUnreadable {
                    path: path.clone(),
                    error,
                },
            };
            // A provider document that came, changed or went changes the policies beside it.
            let joins = joined_before || engine.joins_others(&path);
            results.send(msg).is_ok()
                && (!joins || results.send(Msg::ProvidersChanged(path)).is_ok())
        }),
        Job::Regions(job) => results.send(super::regions_job::compute(&job)).is_ok(),
        Job::Matrix(job) => {
            let generation = job.generation;
            caught(|| super::matrix_job::compute(job, &|| true, results))
                .unwrap_or_else(|panic| results.send(matrix_failed(generation, &panic)).is_ok())
        }
        Job::ReadSample {
            corpus,
            location,
            rule,
        } => {
            let result = caught(|| crate::preview::corpus::read_at(&corpus, &location))
                .unwrap_or_else(|panic| Err(format!("claimcheck failed reading it: {panic}")));
            results
                .send(Msg::SampleRead {
                    result,
                    location,
                    rule,
                })
                .is_ok()
        }
    }
}

/// The failure of a matrix computation that panicked.
pub(super) fn matrix_failed(generation: u64, panic: &str) -> Msg {
    Msg::MatrixComputed {
        generation,
        result: Err(format!(
            "claimcheck failed computing the matrix (an internal error: {panic})"
        )),
    }
}

thread_local! {
    /// Set while this thread runs work under [`caught`]: the panic hook then leaves the
    /// terminal and the screen alone, as the panic is reported in the UI instead.
    static CATCHING: Cell<bool> = const { Cell::new(false) };
}

/// Whether a panic on this thread will be caught and reported in the UI.
pub(super) fn panic_is_caught() -> bool {
    CATCHING.with(Cell::get)
}

/// Runs `work`, turning a panic into its message. Nothing `work` borrows is used again after a
/// panic but to report it, so unwind safety is not a concern.
pub(super) fn caught<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    let outer = CATCHING.with(|catching| catching.replace(true));
    let result = catch_unwind(AssertUnwindSafe(work));
    CATCHING.with(|catching| catching.set(outer));
    result.map_err(|payload| panic_message(payload.as_ref()))
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// Runs a fetch to the end and says how it went.
pub fn fetch(request: FetchRequest, env: &Environment) -> Msg {
    let options = FetchOptions {
        audience: request.audience,
        cancel: request.cancel,
        ..FetchOptions::default()
    };
    Msg::Fetched {
        generation: request.generation,
        result: source::fetch(&request.spec, &options, env).map(Box::new),
    }
}

/// True when the thread started (a failure to start one is reported as the UI having gone,
/// which ends the worker; it means the process is out of resources).
fn spawn_side_thread(name: &str, work: impl FnOnce() + Send + 'static) -> bool {
    thread::Builder::new().name(name.into()).spawn(work).is_ok()
}

/// The rule file's text, within the one limit every rule file is read with.
fn read_rule_file(path: &std::path::Path) -> Result<String, String> {
    crate::app::rules::read_rule_file(path).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::SignatureStatus;
    use crate::tui::engine::{LoadFailure, Standalone};

    #[test]
    fn jobs_answer_with_their_ids_and_failures_as_messages() {
        let (tx, rx) = channel();
        let token = crate::token::decode(
            &crate::demo::template("gitlab").unwrap().mint(1_800_000_000),
            &crate::token::Limits::default(),
        )
        .unwrap();
        let engine = Standalone;
        let verify = Job::Verify {
            entry_id: 7,
            generation: 3,
            token: Box::new(token),
        };
        assert!(run(&engine, verify, &tx));
        match rx.recv().unwrap() {
            Msg::Verified {
                entry_id: 7,
                generation: 3,
                report,
            } => assert_eq!(report.status, SignatureStatus::NotChecked),
            _ => panic!("expected a verification result"),
        }

        let dir = std::env::temp_dir().join(format!("claimcheck-worker-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let present = dir.join("trust.json");
        std::fs::write(&present, "{}").unwrap();
        let missing = dir.join("missing.json");
        assert!(run(
            &engine,
            Job::LoadRules(vec![present.clone(), missing.clone()]),
            &tx
        ));
        match rx.recv().unwrap() {
            Msg::RulesLoaded { path, result } => {
                assert_eq!(path, present);
                assert!(matches!(result, Err(LoadFailure::Invalid(_))));
            }
            _ => panic!("expected the rules of the present file"),
        }
        assert!(
            matches!(rx.recv().unwrap(), Msg::RuleFileUnreadable { path, .. } if path == missing)
        );
        std::fs::remove_dir_all(&dir).unwrap();

        drop(rx);
        assert!(
            !run(&engine, Job::LoadRules(vec![missing]), &tx),
            "the UI is gone"
        );
    }

    /// An engine that fails the way a bug would.
    struct Panicking;

    impl Engine for Panicking {
        fn load_rules(
            &self,
            _path: &std::path::Path,
            _text: &str,
        ) -> Result<crate::tui::engine::Rules, LoadFailure> {
            panic!("rule loading blew up");
        }

        fn verify(&self, _token: &Token) -> SignatureReport {
            panic!("{}", String::from("verification blew up"));
        }
    }

    /// A panic in a job used to end the worker thread (and, through the panic hook, restore
    /// the terminal under a UI that kept running): now it is the job's failure, and the worker
    /// goes on to the next job.
    #[test]
    fn a_panicking_job_comes_back_as_its_failure() {
        let (tx, rx) = channel();
        let jobs = spawn(Arc::new(Panicking), tx);
        let token = crate::token::decode(
            &crate::demo::template("gitlab").unwrap().mint(1_800_000_000),
            &crate::token::Limits::default(),
        )
        .unwrap();
        let wait = std::time::Duration::from_secs(30);
        jobs.send(Job::Verify {
            entry_id: 1,
            generation: 2,
            token: Box::new(token),
        })
        .unwrap();
        match rx.recv_timeout(wait).unwrap() {
            Msg::Verified {
                entry_id: 1,
                generation: 2,
                report,
            } => {
                assert_eq!(report.status, SignatureStatus::NotChecked);
                assert!(
                    report.reason.contains("verification blew up"),
                    "{}",
                    report.reason
                );
            }
            _ => panic!("expected the verification's failure"),
        }
        let dir =
            std::env::temp_dir().join(format!("claimcheck-worker-panic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let rules = dir.join("trust.json");
        std::fs::write(&rules, "{}").unwrap();
        // The worker is still there after the first panic.
        jobs.send(Job::LoadRules(vec![rules.clone()])).unwrap();
        match rx.recv_timeout(wait).unwrap() {
            Msg::RuleFileUnreadable { path, error } => {
                assert_eq!(path, rules);
                assert!(error.contains("rule loading blew up"), "{error}");
            }
            _ => panic!("expected the rule file's failure"),
        }
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            !panic_is_caught(),
            "the flag is this thread's and was never set here"
        );
        assert_eq!(caught(|| 7), Ok(7));
        assert_eq!(
            caught(|| -> u8 { panic!("inner") }),
            Err("inner".to_owned())
        );
        assert!(
            !panic_is_caught(),
            "the flag is restored after a caught panic"
        );
    }

    #[test]
    fn a_fetch_answers_with_its_generation_from_a_thread_of_its_own() {
        let (tx, rx) = channel();
        let engine = Standalone;
        let path =
            std::env::temp_dir().join(format!("claimcheck-fetch-job-{}", std::process::id()));
        let token = crate::demo::template("gitlab").unwrap().mint(1_800_000_000);
        std::fs::write(&path, format!("{token}\n")).unwrap();
        let request = |generation, spec: &str| {
            Job::Fetch(FetchRequest {
                generation,
                spec: spec.parse().unwrap(),
                audience: None,
                cancel: source::Cancel::default(),
            })
        };
        let wait = std::time::Duration::from_secs(30);
        assert!(run(
            &engine,
            request(4, &format!("file:{}", path.display())),
            &tx
        ));
        match rx.recv_timeout(wait).unwrap() {
            Msg::Fetched {
                generation: 4,
                result: Ok(fetched),
            } => assert_eq!(fetched.token.compact(), token),
            _ => panic!("expected the fetched token"),
        }
        std::fs::remove_file(&path).unwrap();
        assert!(run(
            &engine,
            request(5, &format!("file:{}", path.display())),
            &tx
        ));
        match rx.recv_timeout(wait).unwrap() {
            Msg::Fetched {
                generation: 5,
                result: Err(error),
            } => assert_eq!(error.kind(), "io"),
            _ => panic!("expected the failure"),
        }
        assert!(run(&engine, Job::DetectSources, &tx));
        assert!(matches!(
            rx.recv_timeout(wait).unwrap(),
            Msg::SourcesDetected(_)
        ));
    }
}
