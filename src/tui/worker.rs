//! The worker thread: slow work (verifying signatures, which may fetch keys; reading and parsing
//! rule files) off the UI thread. Results go back as `Msg`s carrying the generation they were
//! asked with, so `update` drops stale ones.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread;

use super::engine::Engine;
use super::update::Msg;
use crate::token::Token;

pub enum Job {
    Verify {
        entry_id: u64,
        generation: u64,
        token: Box<Token>,
    },
    LoadRules(Vec<PathBuf>),
    /// Evaluate a corpus matrix. `spawn` runs it on a thread of its own, so that a long
    /// computation neither delays verifications nor outlives its supersession.
    Matrix(super::matrix_job::MatrixJob),
    ReadSample {
        corpus: String,
        location: crate::preview::corpus::Location,
        rule: crate::trust::RuleId,
    },
}

/// Largest rule file read; anything bigger is not a trust policy.
const MAX_RULE_FILE_BYTES: u64 = 4 * 1024 * 1024;

pub fn spawn(engine: Arc<dyn Engine>, results: Sender<Msg>) -> Sender<Job> {
    let (jobs, inbox): (Sender<Job>, Receiver<Job>) = channel();
    thread::Builder::new()
        .name("claimcheck-worker".into())
        .spawn(move || {
            let latest = Arc::new(std::sync::atomic::AtomicU64::new(0));
            for job in inbox {
                if let Job::Matrix(job) = job {
                    super::matrix_job::start(job, &latest, &results);
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
        } => results
            .send(Msg::Verified {
                entry_id,
                generation,
                report: engine.verify(&token),
            })
            .is_ok(),
        Job::LoadRules(paths) => paths.into_iter().all(|path| {
            let msg = match read_rule_file(&path) {
                Ok(text) => Msg::RulesLoaded {
                    result: engine.load_rules(&path, &text),
                    path,
                },
                Err(error) => Msg::RuleFileUnreadable { path, error },
            };
            results.send(msg).is_ok()
        }),
        Job::Matrix(job) => super::matrix_job::compute(job, &|| true, results),
        Job::ReadSample {
            corpus,
            location,
            rule,
        } => results
            .send(Msg::SampleRead {
                result: crate::preview::corpus::read_at(&corpus, &location),
                location,
                rule,
            })
            .is_ok(),
    }
}

pub(super) fn read_rule_file(path: &std::path::Path) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut text = String::new();
    file.take(MAX_RULE_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())?;
    if text.len() as u64 > MAX_RULE_FILE_BYTES {
        return Err(format!(
            "larger than {} MiB",
            MAX_RULE_FILE_BYTES / 1024 / 1024
        ));
    }
    Ok(text)
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
        let engine = Standalone { demo: true };
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
                assert!(matches!(result, Err(LoadFailure::Unavailable(_))));
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
}
